"""SVDF with its activation state in the state buffer: float and int8 (int16 state and
time weights) models written with the TFLite flatbuffer schema, run several calls in a
row beside one TFLite Micro interpreter (int8 bit for bit), then both reset."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from stai.compiler.driver import generate
from stai.runtime.runner import CModel


def _quant(schema: Any, scale: float, zero_point: int) -> Any:
    q = schema.QuantizationParametersT()
    q.scale, q.zeroPoint = [scale], [zero_point]
    return q


def _svdf_model(
    int8: bool, batch: int, size: int, filters: int, memory: int, rank: int, act: int, seed: int
) -> bytes:
    """One SVDF operator: input [batch, size], feature weights [filters, size], time
    weights [filters, memory], bias [filters / rank], a variable state."""
    import flatbuffers
    from ai_edge_litert import schema_py_generated as schema

    rng = np.random.default_rng(seed)
    units = filters // rank
    types = schema.TensorType
    buffers = [schema.BufferT()]
    tensors = []

    def tensor(name, shape, kind, data=None, quant=None, variable=False):
        t = schema.TensorT()
        t.name, t.shape, t.type = name.encode(), list(shape), kind
        t.quantization, t.isVariable = quant, variable
        buffer = schema.BufferT()
        if data is not None:
            buffer.data = list(np.ascontiguousarray(data).tobytes())
        buffers.append(buffer)
        t.buffer = len(buffers) - 1
        tensors.append(t)
        return len(tensors) - 1

    if int8:
        s_state, s_wt = 0.004, 0.0007
        x = tensor("input", (batch, size), types.INT8, quant=_quant(schema, 0.05, 3))
        wf = tensor(
            "weights_feature",
            (filters, size),
            types.INT8,
            rng.integers(-60, 61, (filters, size), dtype=np.int8),
            _quant(schema, 0.02, 0),
        )
        wt = tensor(
            "weights_time",
            (filters, memory),
            types.INT16,
            rng.integers(-4000, 4001, (filters, memory), dtype=np.int16),
            _quant(schema, s_wt, 0),
        )
        bias = tensor(
            "bias",
            (units,),
            types.INT32,
            rng.integers(-20000, 20000, (units,), dtype=np.int32),
            _quant(schema, float(np.float32(s_state) * np.float32(s_wt)), 0),
        )
        state = tensor(
            "state",
            (batch, filters * memory),
            types.INT16,
            quant=_quant(schema, s_state, 0),
            variable=True,
        )
        y = tensor("output", (batch, units), types.INT8, quant=_quant(schema, 0.5, -2))
    else:
        f = np.float32
        x = tensor("input", (batch, size), types.FLOAT32)
        wf = tensor(
            "weights_feature",
            (filters, size),
            types.FLOAT32,
            rng.normal(0, 0.5, (filters, size)).astype(f),
        )
        wt = tensor(
            "weights_time",
            (filters, memory),
            types.FLOAT32,
            rng.normal(0, 0.5, (filters, memory)).astype(f),
        )
        bias = tensor("bias", (units,), types.FLOAT32, rng.normal(0, 0.2, (units,)).astype(f))
        state = tensor("state", (batch, filters * memory), types.FLOAT32, variable=True)
        y = tensor("output", (batch, units), types.FLOAT32)
    code = schema.OperatorCodeT()
    code.builtinCode = code.deprecatedBuiltinCode = schema.BuiltinOperator.SVDF
    code.version = 1
    options = schema.SVDFOptionsT()
    options.rank, options.fusedActivationFunction = rank, act
    op = schema.OperatorT()
    op.opcodeIndex, op.inputs, op.outputs = 0, [x, wf, wt, bias, state], [y]
    op.builtinOptionsType, op.builtinOptions = schema.BuiltinOptions.SVDFOptions, options
    graph = schema.SubGraphT()
    graph.tensors, graph.inputs, graph.outputs, graph.operators = tensors, [x], [y], [op]
    model = schema.ModelT()
    model.version, model.operatorCodes, model.subgraphs, model.buffers = 3, [code], [graph], buffers
    builder = flatbuffers.Builder(4096)
    builder.Finish(model.Pack(builder), file_identifier=b"TFL3")
    return bytes(builder.Output())


CASES = {
    # int8, batch, input size, filters, memory, rank, fused activation (1: RELU)
    "float_rank1": (False, 1, 8, 6, 5, 1, 0),
    "float_rank2_relu_batch2": (False, 2, 5, 8, 4, 2, 1),
    "int8_rank1": (True, 1, 10, 8, 6, 1, 0),
    "int8_rank2_batch2": (True, 2, 7, 12, 5, 2, 0),
    "int8_rank3_batch2": (True, 2, 6, 9, 4, 3, 0),
}


@pytest.mark.parametrize("case", list(CASES))
def test_svdf_matches_tflm_call_by_call(case, tmp_path):
    int8, batch, size, filters, memory, rank, act = CASES[case]
    data = _svdf_model(int8, batch, size, filters, memory, rank, act, seed=len(case))
    path = tmp_path / f"{case}.tflite"
    path.write_bytes(data)
    generate(path, tmp_path / "gen")
    c_model = CModel(tmp_path / "gen")
    assert c_model.has_state
    from tflite_micro.python.tflite_micro import runtime

    interp = runtime.Interpreter.from_bytes(data)
    rng = np.random.default_rng(7)
    shape = (batch, size)
    if int8:
        xs = [rng.integers(-128, 128, shape, dtype=np.int8) for _ in range(memory + 3)]
    else:
        xs = [rng.normal(0, 1, shape).astype(np.float32) for _ in range(memory + 3)]
    outputs = []
    for k, x in enumerate(xs):
        (got,) = c_model.run([x])
        interp.set_input(x, 0)
        interp.invoke()
        want = interp.get_output(0)
        if int8:
            np.testing.assert_array_equal(got, want, err_msg=f"call {k}")
        else:
            np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6, err_msg=f"call {k}")
        outputs.append(got)
    # The state carries earlier inputs: the outputs change from call to call.
    assert len({o.tobytes() for o in outputs}) > len(outputs) // 2
    c_model.reset()
    interp.reset()
    (again,) = c_model.run([xs[0]])
    np.testing.assert_array_equal(again, outputs[0])


def test_validate_resets_before_each_sample(tmp_path):
    """``stai validate`` resets the C model before each sample, as the TFLite Micro
    reference is reset: every sample of an int8 SVDF is bit-exact (without the reset the
    state of earlier samples would change the later ones)."""
    from stai.tools.validate import ValidateOptions, validate

    path = tmp_path / "svdf.tflite"
    path.write_bytes(_svdf_model(True, 1, 10, 8, 6, 1, 0, seed=10))
    report = validate(
        ValidateOptions(model=path, batch_size=6, seed=2, out_dir=tmp_path, progress=False)
    )
    (row,) = report.rows
    assert row.metrics.samples == 6 and row.metrics.bit_exact == 6
