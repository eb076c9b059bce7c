"""Real architectures built here with random weights, quantized 16x8 (int16 activations,
int8 weights) by the TensorFlow converter, compiled by stai and run as C: bit-exact with
TFLite Micro on every output code."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from stai.tools.reference import run_tflm

pytest.importorskip("tensorflow")

from opmodels import _quietly, model_ops, tensor_types  # noqa: E402


def _convert_16x8(model: Any, samples: list[list[np.ndarray]], path: Path) -> Path:
    """``model`` converted in 16x8 mode with int16 input and output, calibrated on
    ``samples``."""
    import tensorflow as tf

    converter = tf.lite.TFLiteConverter.from_keras_model(model)
    converter.optimizations = [tf.lite.Optimize.DEFAULT]
    converter.representative_dataset = lambda: iter(samples)
    converter.target_spec.supported_ops = [
        tf.lite.OpsSet.EXPERIMENTAL_TFLITE_BUILTINS_ACTIVATIONS_INT16_WEIGHTS_INT8
    ]
    converter.inference_input_type = tf.int16
    converter.inference_output_type = tf.int16
    path.write_bytes(_quietly(converter.convert))
    return path


def _quantized(real: np.ndarray, path: Path) -> np.ndarray:
    """A float input quantized with the model's int16 input scale."""
    from stai.frontends.tflite.reader import read_model

    model = read_model(path.read_bytes(), path.name)
    quant = model.tensors[model.inputs[0]].quant
    assert quant is not None
    return np.clip(np.round(real / quant.scales[0]), -32768, 32767).astype(np.int16)


def _keyword_spotter(path: Path) -> Path:
    """A small keyword-spotting network on 49 frames of 10 MFCCs: Conv1D (ReLU6) -> zero
    padding -> max and average pooling concatenated -> Conv1D (ReLU) -> LeakyReLU -> a
    squeeze-and-excitation block (global average pooling, dense, sigmoid, a broadcast
    multiplication) -> global average pooling -> dense -> a residual gate (sigmoid x tanh)
    -> dense -> softmax over 12 classes; He-scaled random weights and biases."""
    import tensorflow as tf

    tf.keras.utils.set_random_seed(21)
    layers = tf.keras.layers
    init: dict[str, Any] = {"kernel_initializer": "he_normal", "bias_initializer": "random_normal"}

    def mean_hw(t: Any) -> Any:  # MEAN over H and W of a 4-D view
        return layers.GlobalAveragePooling2D(keepdims=True)(t)

    x = tf.keras.Input((49, 10), batch_size=1)
    h = layers.Conv1D(24, 5, padding="same", activation="relu6", **init)(x)
    h = layers.ZeroPadding1D((1, 0))(h)
    h = layers.Concatenate()([layers.MaxPooling1D(2)(h), layers.AveragePooling1D(2)(h)])
    h = layers.Conv1D(32, 3, strides=2, activation="relu", **init)(h)
    h = layers.Reshape((1, 12, 32))(layers.LeakyReLU(0.1)(h))
    e = layers.Dense(8, activation="relu", **init)(mean_hw(h))
    h = layers.Multiply()([h, layers.Dense(32, activation="sigmoid", **init)(e)])
    h = layers.Dense(32, **init)(layers.Flatten()(mean_hw(h)))
    gate = layers.Multiply()([layers.Activation("sigmoid")(h), layers.Activation("tanh")(h)])
    h = layers.Add()([h, gate])
    y = layers.Softmax()(layers.Dense(12, **init)(h))
    model = tf.keras.Model(x, y)
    rng = np.random.default_rng(22)
    samples = [[rng.normal(0, 1, (1, 49, 10)).astype(np.float32)] for _ in range(24)]
    return _convert_16x8(model, samples, path)


@pytest.fixture(scope="module")
def kws_16x8(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _keyword_spotter(tmp_path_factory.mktemp("kws16") / "kws_16x8.tflite")


def _inputs(path: Path, n: int, seed: int) -> list[list[np.ndarray]]:
    rng = np.random.default_rng(seed)
    return [[_quantized(rng.normal(0, 1.2, (1, 49, 10)), path)] for _ in range(n)]


def test_keyword_spotter_16x8_end_to_end(compiled, kws_16x8: Path) -> None:
    """CONV_2D (Conv1D), PAD, MAX_POOL_2D, AVERAGE_POOL_2D, CONCATENATION, LEAKY_RELU,
    MEAN, FULLY_CONNECTED, LOGISTIC, TANH, MUL (with broadcasting), ADD and SOFTMAX 16x8
    layers in one network: stai's C matches TFLite Micro."""
    path = kws_16x8
    ops = set(model_ops(path))
    expected = {"CONV_2D", "PAD", "MAX_POOL_2D", "AVERAGE_POOL_2D", "CONCATENATION"}
    expected |= {"LEAKY_RELU", "MEAN", "FULLY_CONNECTED", "LOGISTIC", "TANH", "MUL"}
    assert expected | {"ADD", "SOFTMAX"} <= ops
    assert tensor_types(path) == (["INT16"], ["INT16"])
    c_model = compiled(path)
    for inputs in _inputs(path, 4, seed=23):
        (expected_out,) = run_tflm(path, inputs)
        (got,) = c_model.run(inputs)
        assert np.unique(got).size > 1, "degenerate model: a constant output"
        np.testing.assert_array_equal(got, expected_out)


def test_keyword_spotter_16x8_with_cmsis_nn_path(
    kws_16x8: Path, tmp_path: Path, monkeypatch
) -> None:
    """Built against a CMSIS-NN tree (``CMSIS_NN_PATH``, the tests' stand-in with CMSIS-NN's
    layout), the 16x8 network links the int16 sources ``runtime/cmsis_nn_sources.py`` lists
    for its calls and gives the portable build's outputs."""
    from cmsis_tree import stand_in_cmsis_tree

    from stai.compiler.driver import generate
    from stai.runtime.runner import CModel

    out = tmp_path / "kws16"
    generate(kws_16x8, out)
    inputs = _inputs(kws_16x8, 2, seed=29)
    portable = [CModel(out).run(x)[0] for x in inputs]
    monkeypatch.setenv("CMSIS_NN_PATH", str(stand_in_cmsis_tree(tmp_path / "CMSIS-NN", "main")))
    with_cmsis = CModel(out)
    for x, expected in zip(inputs, portable):
        np.testing.assert_array_equal(with_cmsis.run(x)[0], expected)
    makefile = (out / "Makefile").read_text()
    for source in ("arm_softmax_s16.c", "arm_max_pool_s16.c", "arm_elementwise_mul_s16.c"):
        assert source in makefile


_HARNESS = r"""
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "network.h"

static uint8_t arena[STAI_NETWORK_ACTIVATIONS_SIZE + 16] __attribute__((aligned(16)));

int main(void)
{
    if (stai_network_init(arena) != 0) return 10;
    int16_t *in = (int16_t *)stai_network_input_ptr(0);
    for (size_t i = 0; i < STAI_NETWORK_IN_0_SIZE / sizeof(int16_t); i++)
    {
        int v;
        if (scanf("%d", &v) != 1) return 11;
        in[i] = (int16_t)v;
    }
    if (stai_network_run() != 0) return 12;
    const int16_t *out = (const int16_t *)stai_network_output_ptr(0);
    for (size_t i = 0; i < stai_network_output_size(0) / sizeof(int16_t); i++) printf("%d ", out[i]);
    printf("\n");
    return 0;
}
"""


def test_keyword_spotter_16x8_runs_clean_under_sanitizers(kws_16x8: Path, tmp_path: Path) -> None:
    """The generated 16x8 network and its int16 kernels built with
    ``-fsanitize=address,undefined`` (strict C99 warnings as errors) run clean on inputs
    over the whole int16 range (saturating every kernel), with the library build's
    outputs."""
    import shutil
    import subprocess

    from stai.compiler.driver import generate
    from stai.runtime.runner import CModel

    cc = shutil.which("gcc")
    assert cc is not None, "gcc is required (apt-get install gcc)"
    out = tmp_path / "kws16"
    generate(kws_16x8, out)
    (tmp_path / "main.c").write_text(_HARNESS)
    sources = [str(p) for p in [*out.glob("*.c"), *(out / "src").glob("*.c")]]
    flags = ["-std=c99", "-Wall", "-Wextra", "-Werror", "-g", "-fsanitize=address,undefined"]
    includes = [f"-I{out}", f"-I{out}/include", f"-I{out}/include/cmsis"]
    exe = tmp_path / "main"
    build = [cc, *flags, "-fno-sanitize-recover=all", *includes, "main.c", *sources]
    subprocess.run([*build, "-o", str(exe), "-lm"], cwd=tmp_path, check=True)
    model = CModel(out)
    rng = np.random.default_rng(31)
    for _ in range(2):
        x = rng.integers(-32768, 32767, (1, 49, 10), endpoint=True, dtype=np.int16)
        run = subprocess.run(
            [str(exe)],
            input=" ".join(str(v) for v in x.reshape(-1)),
            capture_output=True,
            text=True,
            check=True,
        )
        got = np.array([int(v) for v in run.stdout.split()], dtype=np.int16)
        np.testing.assert_array_equal(got, model.run([x])[0].reshape(-1))
