"""int8 SVDF with int8 time weights and an int8 activation state of a non-zero zero point
(as keyword_scrambled_8bit has them), written with the TFLite flatbuffer schema: several
calls in a row against one TFLite Micro interpreter, bit for bit, then both reset; a state
whose feature products saturate (the reference keeps zero point + product modulo 256);
mixed int8/int16 time weights and state are a one-line error."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from stai.compiler.driver import generate
from stai.errors import StaiError
from stai.runtime.runner import CModel


def _quant(schema: Any, scale: float, zero_point: int) -> Any:
    q = schema.QuantizationParametersT()
    q.scale, q.zeroPoint = [scale], [zero_point]
    return q


def _model(
    shape: tuple[int, int, int, int, int],
    state_scale: float,
    state_zp: int,
    seed: int,
    time_type: str = "INT8",
    state_type: str = "INT8",
) -> bytes:
    """One SVDF: input [batch, size] int8, feature weights [filters, size] int8, time
    weights [filters, memory], bias [filters / rank] int32, a variable state."""
    import flatbuffers
    from ai_edge_litert import schema_py_generated as schema

    batch, size, filters, memory, rank = shape
    rng = np.random.default_rng(seed)
    units = filters // rank
    types = schema.TensorType
    buffers = [schema.BufferT()]
    tensors = []

    def tensor(name, dims, kind, data=None, quant=None, variable=False):
        t = schema.TensorT()
        t.name, t.shape, t.type = name.encode(), list(dims), kind
        t.quantization, t.isVariable = quant, variable
        buffer = schema.BufferT()
        if data is not None:
            buffer.data = list(np.ascontiguousarray(data).tobytes())
        buffers.append(buffer)
        t.buffer = len(buffers) - 1
        tensors.append(t)
        return len(tensors) - 1

    s_wt = 0.009
    time_dtype = np.int8 if time_type == "INT8" else np.int16
    x = tensor("input", (batch, size), types.INT8, quant=_quant(schema, 0.06, -128))
    wf = tensor(
        "weights_feature",
        (filters, size),
        types.INT8,
        rng.integers(-127, 128, (filters, size), dtype=np.int8),
        _quant(schema, 0.009, 0),
    )
    wt = tensor(
        "weights_time",
        (filters, memory),
        getattr(types, time_type),
        rng.integers(-127, 128, (filters, memory), dtype=time_dtype),
        _quant(schema, s_wt, 0),
    )
    bias = tensor(
        "bias",
        (units,),
        types.INT32,
        rng.integers(-3000, 3000, (units,), dtype=np.int32),
        _quant(schema, float(np.float32(state_scale) * np.float32(s_wt)), 0),
    )
    state = tensor(
        "state",
        (batch, filters * memory),
        getattr(types, state_type),
        quant=_quant(schema, state_scale, state_zp),
        variable=True,
    )
    y = tensor("output", (batch, units), types.INT8, quant=_quant(schema, 0.25, 5))
    code = schema.OperatorCodeT()
    code.builtinCode = code.deprecatedBuiltinCode = schema.BuiltinOperator.SVDF
    code.version = 1
    options = schema.SVDFOptionsT()
    options.rank = rank
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
    # (batch, size, filters, memory, rank), state scale, state zero point
    "rank1_zp_minus50": ((1, 12, 8, 6, 1), 0.8, -50),
    "rank2_batch2_zp37": ((2, 7, 12, 5, 2), 0.3, 37),
    "rank3_batch2_zp0": ((2, 6, 9, 4, 3), 0.5, 0),
    # a small state scale: most feature products saturate and zero point + product wraps
    "saturating_zp_minus100": ((1, 16, 8, 4, 1), 0.02, -100),
}


@pytest.mark.parametrize("case", list(CASES))
def test_int8_state_svdf_matches_tflm_call_by_call(case, tmp_path):
    shape, state_scale, state_zp = CASES[case]
    batch, size, _, memory, _ = shape
    data = _model(shape, state_scale, state_zp, seed=len(case))
    path = tmp_path / f"{case}.tflite"
    path.write_bytes(data)
    generate(path, tmp_path / "gen")
    source = (tmp_path / "gen" / "network.c").read_text()
    assert "stai_svdf_s8_state_s8(" in source
    c_model = CModel(tmp_path / "gen")
    assert c_model.has_state
    from tflite_micro.python.tflite_micro import runtime

    interp = runtime.Interpreter.from_bytes(data)
    rng = np.random.default_rng(11)
    xs = [rng.integers(-128, 128, (batch, size), dtype=np.int8) for _ in range(memory + 4)]
    outputs = []
    for k, x in enumerate(xs):
        (got,) = c_model.run([x])
        interp.set_input(x, 0)
        interp.invoke()
        np.testing.assert_array_equal(got, interp.get_output(0), err_msg=f"call {k}")
        outputs.append(got)
    # the state carries earlier inputs: the outputs change from call to call
    assert len({o.tobytes() for o in outputs}) > len(outputs) // 2
    c_model.reset()
    interp.reset()
    for k, x in enumerate(xs[:3]):
        (again,) = c_model.run([x])
        interp.set_input(x, 0)
        interp.invoke()
        np.testing.assert_array_equal(again, interp.get_output(0), err_msg=f"after reset {k}")
        np.testing.assert_array_equal(again, outputs[k])


def test_validate_int8_state_bit_exact(tmp_path):
    """``stai validate`` (a reset before each sample, as the reference) on an int8-state SVDF."""
    from stai.tools.validate import ValidateOptions, validate

    path = tmp_path / "svdf.tflite"
    path.write_bytes(_model((1, 12, 8, 6, 1), 0.8, -50, seed=3))
    report = validate(
        ValidateOptions(model=path, batch_size=5, seed=4, out_dir=tmp_path, progress=False)
    )
    (row,) = report.rows
    assert row.metrics.samples == 5 and row.metrics.bit_exact == 5


@pytest.mark.parametrize(("time_type", "state_type"), [("INT8", "INT16"), ("INT16", "INT8")])
def test_mixed_time_weights_and_state_refused(tmp_path, time_type, state_type):
    path = tmp_path / "svdf.tflite"
    path.write_bytes(_model((1, 6, 4, 3, 1), 0.5, 0, 1, time_type, state_type))
    with pytest.raises(StaiError, match="both int16 or both int8") as err:
        generate(path, tmp_path / "gen")
    assert "\n" not in str(err.value)
