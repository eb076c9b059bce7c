"""Single-operator models (built by the tests) compiled by stai, against the references:
int8 and 16x8 (int16 activations) bit-exact with TFLite Micro, float within 1e-4 x max(1, max |ref|) of LiteRT (of
TFLite Micro where LiteRT's reference resolver lacks the operator)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from conftest import float_tolerance
from opmodels import ALL_MODELS, INT8, INT16, OPS_BY_NAME
from shared_models import random_inputs
from xdsl.dialects.builtin import TensorType
from xdsl.rewriter import Rewriter

from stai.dialects import nn
from stai.frontends.tflite import import_tflite
from stai.frontends.tflite.writer import write_tflite
from stai.tools.reference import run_litert_ref, run_tflm


@pytest.mark.parametrize("name,kind", ALL_MODELS, ids=[f"{n}-{k}" for n, k in ALL_MODELS])
def test_operator(name, kind, op_model, compiled):
    spec = OPS_BY_NAME[name]
    path = op_model(name, kind)
    c_model = compiled(path)
    lo, hi = spec.range_of(0)
    samples = random_inputs(path, 10, seed=7, float_range=(lo, hi))
    for inputs in samples:
        got = c_model.run(inputs)
        if kind in (INT8, INT16):
            expected = run_tflm(path, inputs)
            for e, g in zip(expected, got):
                assert np.array_equal(e, g), (
                    f"not bit-exact with TFLM: max diff "
                    f"{np.max(np.abs(e.astype(np.int32) - g.astype(np.int32)))}"
                )
        else:
            reference = run_tflm if kind in spec.litert_ref_lacks else run_litert_ref
            expected = reference(path, inputs)
            for e, g in zip(expected, got):
                assert np.max(np.abs(e - g)) <= float_tolerance(e)


def _with_stray_bias_dimension(source: Path, target: Path, dimension: int) -> Path:
    """``source`` written back with every per-channel 1-D constant (the biases) carrying
    ``quantized_dimension = dimension``, as older converters wrote depthwise biases."""
    module = import_tflite(source)
    for op in [op for op in module.walk() if isinstance(op, nn.ConstantOp)]:
        t = op.output.type
        assert isinstance(t, TensorType)
        q = t.element_type
        if isinstance(q, nn.QuantType) and q.per_channel and len(t.get_shape()) == 1:
            stray = nn.QuantType(q.storage, q.scale_list(), q.zero_point_list(), dimension)
            Rewriter.replace_op(op, nn.ConstantOp(op.to_numpy(), TensorType(stray, t.get_shape())))
    return write_tflite(module, target)


def _quantized_dimensions(path: Path) -> set[tuple[int, int]]:
    """(rank, quantized_dimension) of every tensor with several scales."""
    import tflite

    graph = tflite.Model.GetRootAsModel(path.read_bytes(), 0).Subgraphs(0)
    found = set()
    for i in range(graph.TensorsLength()):
        tensor = graph.Tensors(i)
        q = tensor.Quantization()
        if q is not None and q.ScaleLength() > 1:
            found.add((tensor.ShapeLength(), q.QuantizedDimension()))
    return found


@pytest.mark.parametrize("name", ["dwconv_m2_s1_same_relu6", "conv2d_s1_same_relu"])
def test_stray_quantized_dimension_on_1d_tensors_is_ignored(name, op_model, compiled, tmp_path):
    """TFLM's person-detection model has 1-D biases with quantized_dimension 3; TFLM never
    reads it, so stai accepts it and computes the same bits."""
    path = _with_stray_bias_dimension(op_model(name, INT8), tmp_path / f"{name}.tflite", 3)
    assert (1, 3) in _quantized_dimensions(path)
    c_model = compiled(path)
    for inputs in random_inputs(path, 5, seed=11):
        (expected,) = run_tflm(path, inputs)
        (got,) = c_model.run(inputs)
        np.testing.assert_array_equal(got, expected)


def _nchw_mobilenet_v2(kind: str, path: Path) -> Path:
    """keras.applications MobileNetV2 (alpha 0.35, 96x96, random weights) behind a
    channel-first input (a Permute, as a PyTorch export has), converted by TensorFlow."""
    import tensorflow as tf
    from opmodels import _quietly

    tf.keras.utils.set_random_seed(5)
    x = tf.keras.Input((3, 96, 96), batch_size=1)
    nhwc = tf.keras.layers.Permute((2, 3, 1))(x)
    body = tf.keras.applications.MobileNetV2(
        input_shape=(96, 96, 3), alpha=0.35, weights=None, classes=10
    )
    rng = np.random.default_rng(7)
    for layer in body.layers:  # He-scaled weights: activations neither vanish nor explode
        for weight in layer.weights:
            if weight.name.endswith("kernel"):
                shape = tuple(weight.shape)
                depthwise = isinstance(layer, tf.keras.layers.DepthwiseConv2D)
                fan_in = int(np.prod(shape[:-2] if depthwise else shape[:-1]))
                weight.assign(rng.normal(0.0, np.sqrt(2.0 / fan_in), shape).astype(np.float32))
    model = tf.keras.Model(x, body(nhwc))
    converter = tf.lite.TFLiteConverter.from_keras_model(model)
    if kind == INT8:
        rng = np.random.default_rng(6)
        samples = [[rng.uniform(-1, 1, (1, 3, 96, 96)).astype(np.float32)] for _ in range(16)]
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
        converter.representative_dataset = lambda: iter(samples)
        converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
        converter.inference_input_type = tf.int8
        converter.inference_output_type = tf.int8
    path.write_bytes(_quietly(converter.convert))
    return path


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["int8", "float"])
def test_mobilenet_v2_from_channel_first_input(kind, compiled, tmp_path):
    """A MobileNetV2 whose first operator is TRANSPOSE (NCHW -> NHWC) compiles and matches:
    int8 bit-exact with TFLM, float within rounding of LiteRT."""
    from opmodels import model_ops

    path = _nchw_mobilenet_v2(kind, tmp_path / f"mobilenet_v2_nchw_{kind}.tflite")
    ops = model_ops(path)
    assert ops[0] == "TRANSPOSE" if kind == "float" else ops[:2] == ["TRANSPOSE", "CONV_2D"]
    c_model = compiled(path)
    for inputs in random_inputs(path, 3, seed=8):
        got = c_model.run(inputs)
        assert np.unique(got[0]).size > 1, "degenerate model: a constant output"
        if kind == INT8:
            np.testing.assert_array_equal(got[0], run_tflm(path, inputs)[0])
        else:
            expected = run_litert_ref(path, inputs)[0]
            assert np.max(np.abs(expected - got[0])) <= float_tolerance(expected)


@pytest.mark.parametrize("kind", ["int8", "float"])
def test_space_to_batch_pads_with_the_zero_point(kind, compiled, tmp_path):
    """SPACE_TO_BATCH_ND with padding, against LiteRT-ref (TFLM leaves the padded cells
    unwritten): the padding holds the real value 0."""
    from opmodels import SPACE_TO_BATCH_PADDED, convert

    path = convert(SPACE_TO_BATCH_PADDED, kind, tmp_path / f"s2b_padded_{kind}.tflite")
    c_model = compiled(path)
    for inputs in random_inputs(path, 3, seed=4):
        (expected,) = run_litert_ref(path, inputs)
        (got,) = c_model.run(inputs)
        if kind == INT8:
            np.testing.assert_array_equal(got, expected)
        else:
            assert np.max(np.abs(expected - got)) <= float_tolerance(expected)
