"""Post-training quantization of float models from the ONNX and Keras frontends: the int8
C model against the framework's float model (onnxruntime, Keras)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
from keras_models import build

from stai.compiler.driver import import_model
from stai.runtime.model_runner import Runner
from stai.tools.quantize import compile_module, quantize_module
from stai.tools.quantize_compare import score
from stai.tools.reference import run_keras, run_onnxruntime

MNIST = "onnx/mnist/mnist.onnx"


def _digits() -> np.ndarray:
    """scikit-learn's 8x8 digits (0..16) enlarged 3x into 28x28 frames of 0..255 pixels,
    ``(n, 1, 1, 28, 28)`` for the channel-first MNIST input."""
    from sklearn.datasets import load_digits

    small = load_digits().images
    images = np.zeros((len(small), 1, 1, 28, 28), np.float32)
    images[:, 0, 0, 2:26, 2:26] = np.kron(small, np.ones((3, 3))) * (255.0 / 16.0)
    return images


def _int8_outputs(
    model: Path, calibration: np.ndarray, data: np.ndarray
) -> tuple[np.ndarray, list[str]]:
    """The outputs of ``model`` quantized by stai on ``calibration`` and run on ``data``,
    and the ops left in float."""
    module = import_model(model)
    report = quantize_module(module, [calibration])
    with tempfile.TemporaryDirectory() as tmp:
        folder = compile_module(module, Path(tmp) / "q", "q")
        return Runner(folder, "q").run([data]).outputs[0], report.float_ops


def test_onnx_mnist_int8_agrees_with_onnxruntime(models_dir: Path) -> None:
    """The CNTK MNIST model (conv, add, relu, max pool, matmul) quantized on 64 digits: the
    int8 C model picks the float model's digit on 100 others, logits within 1 %."""
    images = _digits()
    calib, data = images[:64], images[1000:1100]
    out, float_ops = _int8_outputs(models_dir / MNIST, calib, data)
    assert float_ops == []
    ref = np.stack([run_onnxruntime(models_dir / MNIST, [x])[0] for x in data])
    s = score(ref.reshape(len(data), -1), out.reshape(len(data), -1))
    assert s.agreement == 100.0, s
    assert s.rmse < 0.01 * float(np.abs(ref).max()), s


def test_keras_cnn_int8_close_to_keras(tmp_path: Path) -> None:
    """A Keras CNN (conv, batch norm, depthwise, separable with swish, pools, padding,
    PReLU, dense softmax): the unfolded batch norm (mul and add by constants) runs in int8,
    the swish as an int8 logistic times its input, the PReLU in int8 with a symmetric
    alpha, so nothing is left in float, and the int8 C model's probabilities stay within
    one output step (1/256) of Keras's."""
    path = tmp_path / "cnn.keras"
    build("sequential_cnn").save(path)
    rng = np.random.default_rng(0)
    calib = rng.random((64, 1, 12, 12, 3)).astype(np.float32)
    data = rng.random((50, 1, 12, 12, 3)).astype(np.float32)
    out, float_ops = _int8_outputs(path, calib, data)
    assert float_ops == [], float_ops
    ref = np.stack([run_keras(path, [x])[0] for x in data])
    s = score(ref.reshape(len(data), -1), out.reshape(len(data), -1))
    assert s.rmse < 1.0 / 256.0, s


def test_keras_activations_int8_close_to_keras(tmp_path: Path) -> None:
    """Every Keras activation (three concatenated outputs) runs in int8 (a relu capped at 3
    is an int8 clamp, hard sigmoid a requantizing clamp), and each int8 output is within
    1 % of its range of Keras's.
    A standalone relu6 keeps its input's parameters (TFLite Micro's int8 RELU6 does not
    rescale): with its own range its segment was 2.6 off."""
    path = tmp_path / "acts.keras"
    build("activations").save(path)
    rng = np.random.default_rng(0)
    calib = rng.normal(0.0, 2.0, (64, 1, 16)).astype(np.float32)
    data = rng.normal(0.0, 2.0, (30, 1, 16)).astype(np.float32)
    module = import_model(path)
    report = quantize_module(module, [calib])
    assert report.float_ops == []
    with tempfile.TemporaryDirectory() as tmp:
        folder = compile_module(module, Path(tmp) / "q", "q")
        outs = Runner(folder, "q").run([data]).outputs
    refs = [run_keras(path, [x]) for x in data]
    assert len(outs) == 3
    for j, out in enumerate(outs):
        ref = np.stack([r[j] for r in refs]).reshape(len(data), -1)
        s = score(ref, out.reshape(len(data), -1))
        assert s.rmse < 0.01 * float(np.abs(ref).max()), (j, s)
