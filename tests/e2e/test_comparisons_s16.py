"""int16 (16x8) comparisons EQUAL, NOT_EQUAL, LESS, LESS_EQUAL, GREATER, GREATER_EQUAL,
written with the TFLite flatbuffer schema (the converter's 16x8 mode refuses comparisons):
inputs of one quantization compare their codes: the comparison of the real values, bit for
bit with LiteRT's reference kernels for the four orderings. TFLite Micro is no reference
here: it registers only an int16 GREATER, which reads rescaling parameters its Prepare sets
for int8 alone. LiteRT's int16 EQUAL / NOT_EQUAL rescale the codes as its int8 ones do
(a left shift of 8 before the scale), which makes nearby codes of a small scale equal: stai
compares them exactly. Inputs of two scales are a one-line error."""

from __future__ import annotations

import numpy as np
import pytest

from stai.compiler.driver import generate
from stai.errors import StaiError
from stai.runtime.runner import CModel
from stai.tools.reference import run_litert_ref

PREDICATES = {
    "EQUAL": np.equal,
    "NOT_EQUAL": np.not_equal,
    "LESS": np.less,
    "LESS_EQUAL": np.less_equal,
    "GREATER": np.greater,
    "GREATER_EQUAL": np.greater_equal,
}
SHAPES = {"same": ((2, 3, 5), (2, 3, 5)), "broadcast": ((1, 4, 6), (1, 1, 6))}


def _model(opcode: str, shape_a, shape_b, scale_a: float, scale_b: float) -> bytes:
    import flatbuffers
    from ai_edge_litert import schema_py_generated as schema

    buffers = [schema.BufferT()]
    tensors = []

    def tensor(name, shape, kind, scale=None):
        t = schema.TensorT()
        t.name, t.shape, t.type = name.encode(), list(shape), kind
        if scale is not None:
            q = schema.QuantizationParametersT()
            q.scale, q.zeroPoint = [scale], [0]
            t.quantization = q
        buffers.append(schema.BufferT())
        t.buffer = len(buffers) - 1
        tensors.append(t)
        return len(tensors) - 1

    types = schema.TensorType
    a = tensor("a", shape_a, types.INT16, scale_a)
    b = tensor("b", shape_b, types.INT16, scale_b)
    y = tensor("y", np.broadcast_shapes(shape_a, shape_b), types.BOOL)
    code = schema.OperatorCodeT()
    code.builtinCode = code.deprecatedBuiltinCode = getattr(schema.BuiltinOperator, opcode)
    code.version = 1
    op = schema.OperatorT()
    op.opcodeIndex, op.inputs, op.outputs = 0, [a, b], [y]
    graph = schema.SubGraphT()
    graph.tensors, graph.inputs, graph.outputs, graph.operators = tensors, [a, b], [y], [op]
    model = schema.ModelT()
    model.version, model.operatorCodes, model.subgraphs, model.buffers = 3, [code], [graph], buffers
    builder = flatbuffers.Builder(1024)
    builder.Finish(model.Pack(builder), file_identifier=b"TFL3")
    return bytes(builder.Output())


def _samples(shape_a, shape_b, seed: int):
    """Codes over the whole range and codes from a few values (ties), half and half."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(4):
        sample = []
        for shape in (shape_a, shape_b):
            wide = rng.integers(-32768, 32768, size=shape)
            few = rng.integers(-2, 3, size=shape)
            sample.append(np.where(rng.random(shape) < 0.5, wide, few).astype(np.int16))
        out.append(sample)
    return out


@pytest.mark.parametrize("shapes", list(SHAPES))
@pytest.mark.parametrize("opcode", list(PREDICATES))
def test_int16_comparison_bit_exact(opcode, shapes, tmp_path):
    shape_a, shape_b = SHAPES[shapes]
    scale = 0.00013
    path = tmp_path / f"{opcode}.tflite"
    path.write_bytes(_model(opcode, shape_a, shape_b, scale, scale))
    generate(path, tmp_path / "gen")
    assert "stai_compare_s16(" in (tmp_path / "gen" / "network.c").read_text()
    c_model = CModel(tmp_path / "gen")
    ties = 0
    for a, b in _samples(shape_a, shape_b, seed=len(opcode)):
        (got,) = c_model.run([a, b])
        real = PREDICATES[opcode](a.astype(np.float64) * scale, b.astype(np.float64) * scale)
        assert got.dtype == np.bool_ and got.shape == real.shape
        np.testing.assert_array_equal(got, real)
        if opcode not in ("EQUAL", "NOT_EQUAL"):
            (expected,) = run_litert_ref(path, [a, b])
            np.testing.assert_array_equal(got, expected)
        ties += int(
            np.count_nonzero(np.broadcast_to(a, got.shape) == np.broadcast_to(b, got.shape))
        )
    assert ties > 0


def test_int16_comparison_of_two_scales_refused(tmp_path):
    path = tmp_path / "less.tflite"
    path.write_bytes(_model("LESS", (1, 4), (1, 4), 0.001, 0.002))
    with pytest.raises(StaiError, match="one quantization for both inputs") as err:
        generate(path, tmp_path / "gen")
    assert "\n" not in str(err.value)
