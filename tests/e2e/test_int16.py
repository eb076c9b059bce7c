"""16x8 models (int16 activations, int8 weights, int64 biases) compiled by stai and run as
C, bit-exact with TFLite Micro: QUANTIZE between int8 and int16 (flatbuffers written with
the tests' builder, as the converter writes no such model) and a small Keras autoencoder
converted in 16x8 mode end to end, and a conv / depthwise / add residual block."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest
from shared_models import random_inputs

from stai.tools.reference import run_tflm

_INPUTS = Path(__file__).resolve().parents[1] / "filecheck" / "frontends" / "tflite" / "Inputs"


def _builder():
    spec = importlib.util.spec_from_file_location(
        "stai_test_tflite_builder", _INPUTS / "tflite_builder.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


_QUANT = {"INT8": ((0.0123,), (-7,)), "INT16": ((0.00091,), (0,))}


@pytest.mark.parametrize(
    ("source", "target", "out_scale"),
    [
        ("INT8", "INT16", 0.00037),
        ("INT16", "INT8", 0.0411),
        ("INT16", "INT16", 0.00213),
        ("INT8", "INT16", 0.0523),
    ],
)
def test_requantize_between_int8_and_int16(source, target, out_scale, compiled, tmp_path):
    """QUANTIZE int8 -> int16, int16 -> int8 and int16 -> int16 (scales that widen and
    narrow the range, so results saturate too) match TFLite Micro bit for bit."""
    m = _builder().ModelBuilder()
    scales, zps = _QUANT[source]
    x = m.tensor("x", (1, 7, 9), source, scales=scales, zero_points=zps)
    y_zp = (3,) if target == "INT8" else (0,)
    y = m.tensor("y", (1, 7, 9), target, scales=(out_scale,), zero_points=y_zp)
    m.op("QUANTIZE", [x], [y])
    path = tmp_path / f"q_{source}_{target}_{out_scale}.tflite"
    path.write_bytes(m.build([x], [y]))
    c_model = compiled(path)
    for inputs in random_inputs(path, 4, seed=13):
        (expected,) = run_tflm(path, inputs)
        (got,) = c_model.run(inputs)
        assert got.dtype == expected.dtype == np.dtype(target.lower())
        np.testing.assert_array_equal(got, expected)


def _autoencoder_16x8(path: Path) -> Path:
    """A dense autoencoder in the shape of MLPerf Tiny's anomaly-detection model (smaller):
    160 -> 64 -> 64 -> 8 -> 64 -> 64 -> 160, ReLU between, random He-scaled weights,
    converted in 16x8 mode with int16 input and output."""
    import tensorflow as tf
    from opmodels import _quietly

    tf.keras.utils.set_random_seed(3)
    x = tf.keras.Input((160,), batch_size=1)
    h = x
    for units in (64, 64, 8, 64, 64):
        h = tf.keras.layers.Dense(units, activation="relu", kernel_initializer="he_normal")(h)
    y = tf.keras.layers.Dense(160)(h)
    model = tf.keras.Model(x, y)
    rng = np.random.default_rng(4)
    samples = [[rng.uniform(-1, 1, (1, 160)).astype(np.float32)] for _ in range(16)]
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


def test_dense_autoencoder_16x8_end_to_end(compiled, tmp_path):
    """Six FULLY_CONNECTED 16x8 layers (per-channel weights, int64 biases), int16 input
    and output: stai's C matches TFLite Micro bit for bit."""
    from opmodels import model_ops, tensor_types

    path = _autoencoder_16x8(tmp_path / "autoencoder_16x8.tflite")
    assert model_ops(path) == ["FULLY_CONNECTED"] * 6
    assert tensor_types(path) == (["INT16"], ["INT16"])
    c_model = compiled(path)
    for inputs in random_inputs(path, 5, seed=9):
        inputs = [(v // 4).astype(np.int16) for v in inputs]  # inside the calibrated range
        (expected,) = run_tflm(path, inputs)
        (got,) = c_model.run(inputs)
        assert np.unique(got).size > 1, "degenerate model: a constant output"
        np.testing.assert_array_equal(got, expected)


def _residual_block_16x8(path: Path) -> Path:
    """A MobileNetV2-style residual block, converted in 16x8 mode with int16 input and
    output: conv 3x3 (ReLU6) -> depthwise 3x3 stride 1 (ReLU6) -> conv 1x1 -> ADD of the
    first conv's output; random He-scaled weights and non-zero biases."""
    import tensorflow as tf
    from opmodels import _quietly

    tf.keras.utils.set_random_seed(5)
    layers = tf.keras.layers
    x = tf.keras.Input((12, 12, 3), batch_size=1)
    h = layers.Conv2D(
        8,
        3,
        padding="same",
        activation="relu6",
        kernel_initializer="he_normal",
        bias_initializer="random_normal",
    )(x)
    d = layers.DepthwiseConv2D(
        3, padding="same", activation="relu6", depthwise_initializer="he_normal"
    )(h)
    p = layers.Conv2D(8, 1, kernel_initializer="he_normal", bias_initializer="random_normal")(d)
    model = tf.keras.Model(x, layers.Add()([h, p]))
    rng = np.random.default_rng(6)
    samples = [[rng.uniform(-1, 1, (1, 12, 12, 3)).astype(np.float32)] for _ in range(16)]
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


def test_residual_block_16x8_end_to_end(compiled, tmp_path):
    """CONV_2D, DEPTHWISE_CONV_2D and ADD 16x8 layers chained (int64 biases, per-channel
    weights, a skip connection): stai's C matches TFLite Micro bit for bit."""
    from opmodels import model_ops, tensor_types

    path = _residual_block_16x8(tmp_path / "residual_16x8.tflite")
    assert sorted(model_ops(path)) == ["ADD", "CONV_2D", "CONV_2D", "DEPTHWISE_CONV_2D"]
    assert tensor_types(path) == (["INT16"], ["INT16"])
    c_model = compiled(path)
    for inputs in random_inputs(path, 5, seed=11):
        inputs = [(v // 2).astype(np.int16) for v in inputs]
        (expected,) = run_tflm(path, inputs)
        (got,) = c_model.run(inputs)
        assert np.unique(got).size > 1, "degenerate model: a constant output"
        np.testing.assert_array_equal(got, expected)
