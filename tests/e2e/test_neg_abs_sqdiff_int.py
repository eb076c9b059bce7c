"""Quantized ABS (int8 and 16x8) as TFLite Micro computes it: converter-made models (a
``tf.abs`` function, full int8 from a representative data set, and the 16x8 mode) and
models written with the flatbuffer schema (equal and unequal scales, zero points at both
ends) compile to ``stai_abs_s8`` / ``stai_abs_s16`` and are bit-exact with TFLite Micro
on every int8 code and on full-range random int16 codes.

NEG stays float32 only: TFLite Micro refuses an int8 NEG (its kernel has float32 alone)
and the converter keeps NEG in float between a DEQUANTIZE and a QUANTIZE, so stai refuses
a quantized NEG with a one-line error."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import opmodels
import pytest

from stai.compiler.driver import generate
from stai.errors import StaiError
from stai.runtime.runner import CModel
from stai.tools.reference import run_tflm

SHAPE = (1, 4, 64)


def _converted(kind: str) -> bytes:
    """A ``tf.abs`` function converted to int8 or 16x8 (inputs and outputs of that type)."""
    import tensorflow as tf

    spec = tf.TensorSpec(SHAPE, tf.float32)
    func = tf.function(tf.abs, input_signature=[spec]).get_concrete_function()
    converter = tf.lite.TFLiteConverter.from_concrete_functions([func])
    rng = np.random.default_rng(7)
    samples = [[rng.uniform(-3.0, 2.0, SHAPE).astype(np.float32)] for _ in range(16)]
    converter.optimizations = [tf.lite.Optimize.DEFAULT]
    converter.representative_dataset = lambda: iter(samples)
    ops = tf.lite.OpsSet
    if kind == "int8":
        converter.target_spec.supported_ops = [ops.TFLITE_BUILTINS_INT8]
        converter.inference_input_type = converter.inference_output_type = tf.int8
    else:
        int16 = ops.EXPERIMENTAL_TFLITE_BUILTINS_ACTIVATIONS_INT16_WEIGHTS_INT8
        converter.target_spec.supported_ops = [int16]
        converter.inference_input_type = converter.inference_output_type = tf.int16
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return opmodels._quietly(converter.convert)  # pyright: ignore[reportPrivateUsage]


def _written(opcode: str, kind: str, x_q: tuple[float, int], y_q: tuple[float, int]) -> bytes:
    """A one-operator unary model written with the schema: [1, 256] tensors."""
    import flatbuffers
    from ai_edge_litert import schema_py_generated as schema

    buffers = [schema.BufferT()]
    tensors = []
    for name, (scale, zero_point) in (("x", x_q), ("y", y_q)):
        t = schema.TensorT()
        t.name, t.shape = name, [1, 256]
        t.type = schema.TensorType.INT8 if kind == "int8" else schema.TensorType.INT16
        q = schema.QuantizationParametersT()
        q.scale, q.zeroPoint = [scale], [zero_point]
        t.quantization = q
        buffers.append(schema.BufferT())
        t.buffer = len(buffers) - 1
        tensors.append(t)
    code = schema.OperatorCodeT()
    code.builtinCode = code.deprecatedBuiltinCode = getattr(schema.BuiltinOperator, opcode)
    code.version = 1
    op = schema.OperatorT()
    op.opcodeIndex, op.inputs, op.outputs = 0, [0], [1]
    graph = schema.SubGraphT()
    graph.tensors, graph.inputs, graph.outputs, graph.operators = tensors, [0], [1], [op]
    model = schema.ModelT()
    model.version, model.operatorCodes, model.subgraphs, model.buffers = 3, [code], [graph], buffers
    builder = flatbuffers.Builder(1024)
    builder.Finish(model.Pack(builder), file_identifier=b"TFL3")
    return bytes(builder.Output())


def _codes(kind: str, shape: tuple[int, ...], seed: int) -> list[np.ndarray]:
    """Samples: for int8 every code (then random ones), for int16 full-range random codes
    with both ends."""
    dtype = np.int8 if kind == "int8" else np.int16
    info = np.iinfo(dtype)
    rng = np.random.default_rng(seed)
    count = int(np.prod(shape))
    out = []
    for i in range(3):
        flat = rng.integers(info.min, info.max + 1, count)
        if i == 0 and kind == "int8":
            flat[:256] = np.arange(-128, 128)
        flat[-2:] = info.min, info.max
        out.append(flat.astype(dtype).reshape(shape))
    return out


def _check(path: Path, folder: Path, kind: str, shape: tuple[int, ...]) -> None:
    generate(path, folder)
    kernel = "stai_abs_s8(" if kind == "int8" else "stai_abs_s16("
    assert kernel in (folder / "network.c").read_text()
    c_model = CModel(folder)
    for x in _codes(kind, shape, seed=len(str(path))):
        (got,) = c_model.run([x])
        (want,) = run_tflm(path, [x])
        assert got.dtype == want.dtype
        np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("kind", ["int8", "int16"])
def test_converted_abs_bit_exact(kind: str, tmp_path: Path):
    path = tmp_path / f"abs_{kind}.tflite"
    path.write_bytes(_converted(kind))
    _check(path, tmp_path / "gen", kind, SHAPE)


WRITTEN = {
    "int8_rescale": ("int8", (0.0213, -7), (0.0117, -128)),
    "int8_same_scale": ("int8", (0.05, 3), (0.05, -128)),
    "int8_zero_point_ends": ("int8", (0.1, 127), (0.4, -128)),
    "int8_saturating": ("int8", (0.3, -128), (0.01, 20)),
    "int16_rescale": ("int16", (0.00031, 0), (0.00017, 0)),
    "int16_same_scale": ("int16", (0.0005, 0), (0.0005, 0)),
}


@pytest.mark.parametrize("case", list(WRITTEN))
def test_written_abs_bit_exact(case: str, tmp_path: Path):
    kind, x_q, y_q = WRITTEN[case]
    path = tmp_path / f"{case}.tflite"
    path.write_bytes(_written("ABS", kind, x_q, y_q))
    _check(path, tmp_path / "gen", kind, (1, 256))


def test_int16_abs_with_zero_point_refused(tmp_path: Path):
    path = tmp_path / "abs_zp.tflite"
    path.write_bytes(_written("ABS", "int16", (0.001, 5), (0.001, 0)))
    with pytest.raises(StaiError, match="zero point 0") as err:
        generate(path, tmp_path / "gen")
    assert "\n" not in str(err.value)


def test_int8_neg_refused_as_tflite_micro(tmp_path: Path):
    path = tmp_path / "neg.tflite"
    path.write_bytes(_written("NEG", "int8", (0.05, 3), (0.05, -3)))
    with pytest.raises(StaiError, match="nn.neg .*float32") as err:
        generate(path, tmp_path / "gen")
    assert "\n" not in str(err.value)
    with pytest.raises(Exception, match="not supported|failed"):
        run_tflm(path, [np.zeros((1, 256), np.int8)])
