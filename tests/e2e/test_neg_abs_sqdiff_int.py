"""Quantized ABS (int8 and 16x8) as TFLite Micro computes it: converter-made models (a
``tf.abs`` function, full int8 from a representative data set, and the 16x8 mode) and
models written with the flatbuffer schema (equal and unequal scales, zero points at both
ends) compile to ``stai_abs_s8`` / ``stai_abs_s16`` and are bit-exact with TFLite Micro
on every int8 code and on full-range random int16 codes.

SQUARED_DIFFERENCE on int8, 16x8 and int32 tensors: ``nn.squared_difference`` written in
IR compiles to
``stai_squared_difference_{s8,s16,s32}`` and is bit-exact with TFLite Micro running a
schema-written SQUARED_DIFFERENCE of the same quantization, on full-range random codes,
with and without broadcasting.

NEG stays float32 only: TFLite Micro refuses an int8 NEG (its kernel has float32 alone)
and the converter keeps NEG in float between a DEQUANTIZE and a QUANTIZE, so stai refuses
a quantized NEG with a one-line error."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import opmodels
import pytest
from xdsl.parser import Parser

from stai.compiler.driver import generate, make_context
from stai.dialects.nn_sqdiff import SquaredDifferenceOp
from stai.errors import StaiError
from stai.runtime.runner import CModel
from stai.tools.quantize import compile_module
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


Quant = tuple[float, int] | None
DTYPES = {"int8": np.int8, "int16": np.int16, "int32": np.int32}


def _sqdiff_model(kind: str, shapes: list[tuple[int, ...]], quants: list[Quant]) -> bytes:
    """A schema-written SQUARED_DIFFERENCE: inputs a and b, output y."""
    import flatbuffers
    from ai_edge_litert import schema_py_generated as schema

    tensor_type = getattr(schema.TensorType, kind.upper())
    buffers = [schema.BufferT()]
    tensors = []
    for name, shape, quant in zip("aby", shapes, quants, strict=True):
        t = schema.TensorT()
        t.name, t.shape, t.type = name, list(shape), tensor_type
        if quant is not None:
            q = schema.QuantizationParametersT()
            q.scale, q.zeroPoint = [quant[0]], [quant[1]]
            t.quantization = q
        buffers.append(schema.BufferT())
        t.buffer = len(buffers) - 1
        tensors.append(t)
    code = schema.OperatorCodeT()
    code.builtinCode = code.deprecatedBuiltinCode = schema.BuiltinOperator.SQUARED_DIFFERENCE
    code.version = 1
    op = schema.OperatorT()
    op.opcodeIndex, op.inputs, op.outputs = 0, [0, 1], [2]
    graph = schema.SubGraphT()
    graph.tensors, graph.inputs, graph.outputs, graph.operators = tensors, [0, 1], [2], [op]
    model = schema.ModelT()
    model.version, model.operatorCodes, model.subgraphs, model.buffers = 3, [code], [graph], buffers
    builder = flatbuffers.Builder(1024)
    builder.Finish(model.Pack(builder), file_identifier=b"TFL3")
    return bytes(builder.Output())


def _ir_type(kind: str, shape: tuple[int, ...], quant: Quant) -> str:
    dims = "x".join(map(str, shape))
    if quant is None:
        return f"tensor<{dims}xi32>"
    width = 8 if kind == "int8" else 16
    return f"tensor<{dims}x!nn.q<i{width}, {quant[0]!r} : {quant[1]}>>"


def _sqdiff_ir(kind: str, shapes: list[tuple[int, ...]], quants: list[Quant]) -> str:
    ta, tb, ty = (_ir_type(kind, s, q) for s, q in zip(shapes, quants, strict=True))
    return f"""func.func @main(%a: {ta}, %b: {tb}) -> {ty} {{
  %y = nn.squared_difference %a, %b : ({ta}, {tb}) -> {ty}
  func.return %y : {ty}
}}"""


def _context():
    """stai's context, with ``nn.squared_difference`` loaded if its dialect has not."""
    ctx = make_context()
    if ctx.get_optional_op(SquaredDifferenceOp.name) is None:
        ctx.load_op(SquaredDifferenceOp)
    return ctx


SQDIFF = {
    "int8": ("int8", (1, 4, 16), (1, 4, 16), [(0.02, -3), (0.03, 5), (0.05, -128)]),
    "int8_broadcast": ("int8", (1, 4, 16), (1, 1, 16), [(0.1, 10), (0.01, -20), (0.5, -100)]),
    "int8_saturating": ("int8", (2, 32), (2, 32), [(0.2, 127), (0.2, -128), (0.01, 0)]),
    "int16": ("int16", (1, 4, 16), (1, 4, 16), [(0.0002, 0), (0.0003, 0), (0.002, 0)]),
    "int16_broadcast": ("int16", (2, 3, 16), (1, 1, 1), [(0.001, 0), (0.001, 0), (0.03, 0)]),
    "int32": ("int32", (1, 4, 16), (4, 1), [None, None, None]),
}


@pytest.mark.parametrize("case", list(SQDIFF))
def test_squared_difference_bit_exact(case: str, tmp_path: Path):
    kind, shape_a, shape_b, quants = SQDIFF[case]
    shapes = [shape_a, shape_b, tuple(np.broadcast_shapes(shape_a, shape_b))]
    module = Parser(_context(), _sqdiff_ir(kind, shapes, quants)).parse_module()
    folder = compile_module(module, tmp_path / "gen", "net")
    kernel = f"stai_squared_difference_s{kind.removeprefix('int')}("
    assert kernel in (folder / "net.c").read_text()
    path = tmp_path / f"{case}.tflite"
    path.write_bytes(_sqdiff_model(kind, shapes, quants))
    dtype = DTYPES[kind]
    info = np.iinfo(dtype)
    lo, hi = (-(1 << 16), 1 << 16) if kind == "int32" else (int(info.min), int(info.max))
    rng = np.random.default_rng(len(case))
    c_model = CModel(folder, "net")
    for _ in range(3):
        x = [rng.integers(lo, hi + 1, s).astype(dtype) for s in shapes[:2]]
        x[0].flat[-1], x[1].flat[0] = lo, hi
        (got,) = c_model.run(x)
        (want,) = run_tflm(path, x)
        np.testing.assert_array_equal(got, want)


SANITIZED_HARNESS = r"""
#include <stdint.h>
#include <stdio.h>
#include "stai_kernels.h"

int main(void)
{
    static int8_t a8[256 * 256], b8[256 * 256], y8[256 * 256];
    static int16_t a16[4096], b16[4096], y16[4096];
    static int32_t a32[4096], b32[4096], y32[4096];
    long sum = 0;
    for (int i = 0; i < 256 * 256; i++) { a8[i] = (int8_t)(i % 256 - 128); b8[i] = (int8_t)(i / 256 - 128); }
    for (int i = 0; i < 4096; i++)
    {
        const int32_t ends[4] = {INT32_MIN, INT32_MAX, -1, 0};
        a16[i] = (int16_t)((i * 7919) % 65536 - 32768); b16[i] = (int16_t)(i % 2 ? -32768 : 32767);
        a32[i] = i < 16 ? ends[i % 4] : i * 524287; b32[i] = ends[(i / 4) % 4];
    }
#ifdef STAI_TEST_ABS
    (void)b8; (void)b16; (void)a32; (void)b32;
    if (stai_abs_s8(a8, y8, 256 * 256, 128, -128, 2147483647, 1) != ARM_CMSIS_NN_SUCCESS) return 1;
    if (stai_abs_s8(a8, y8, 256 * 256, -127, 127, 1073741824, -30) != ARM_CMSIS_NN_SUCCESS) return 2;
    if (stai_abs_s16(a16, y16, 4096, 0, 0, 2147483647, 1) != ARM_CMSIS_NN_SUCCESS) return 3;
    if (stai_abs_s16(a16, y16, 4096, 0, 0, 1073741824, -31) != ARM_CMSIS_NN_SUCCESS) return 4;
    if (stai_abs_s8(NULL, y8, 1, 0, 0, 1073741824, 1) != ARM_CMSIS_NN_ARG_ERROR) return 5;
#else
    const cmsis_nn_dims d8 = {1, 256, 1, 256}, d16 = {1, 64, 1, 64}, one = {1, 1, 1, 64};
    const stai_sqdiff_params p8 = {7, 128, 2147483647, 0, -127, 1073741824, -1, 127, 2147483647, 10};
    const stai_sqdiff_params p16 = {0, 0, 1073741824, 0, 0, 1073741824, 0, 0, 2147483647, 10};
    if (stai_squared_difference_s8(a8, &d8, b8, &d8, y8, &d8, &p8) != ARM_CMSIS_NN_SUCCESS) return 1;
    if (stai_squared_difference_s16(a16, &d16, b16, &one, y16, &d16, &p16) != ARM_CMSIS_NN_SUCCESS) return 2;
    if (stai_squared_difference_s32(a32, &d16, b32, &d16, y32, &d16) != ARM_CMSIS_NN_SUCCESS) return 3;
    if (stai_squared_difference_s8(a8, &d16, b8, &d8, y8, &d8, &p8) != ARM_CMSIS_NN_ARG_ERROR) return 4;
#endif
    for (int i = 0; i < 4096; i++) sum += y8[i] + y16[i] + (y32[i] & 1);
    printf("%ld\n", sum);
    return 0;
}
"""


@pytest.mark.parametrize("which", ["abs", "squared_difference"])
def test_kernels_clean_under_sanitizers(which: str, tmp_path: Path):
    """The kernels at their extremes (every int8 pair, int16 ends, int32 wrap-around,
    the largest multipliers and shifts) under the address and undefined-behaviour
    sanitizers, built warning-free from a generated folder's files."""
    from sanitized_build import run_sanitized

    if which == "abs":
        model = tmp_path / "abs.tflite"
        model.write_bytes(_written("ABS", "int8", (0.05, 3), (0.02, -128)))
        generate(model, tmp_path / "gen")
        folder, defines = tmp_path / "gen", ["STAI_TEST_ABS"]
    else:
        kind, shape_a, shape_b, quants = SQDIFF["int8"]
        shapes = [shape_a, shape_b, shape_a]
        module = Parser(_context(), _sqdiff_ir(kind, shapes, quants)).parse_module()
        folder, defines = compile_module(module, tmp_path / "gen", "net"), []
    work = tmp_path / "work"
    work.mkdir()
    assert run_sanitized(folder, SANITIZED_HARNESS, work, defines).strip().lstrip("-").isdigit()
