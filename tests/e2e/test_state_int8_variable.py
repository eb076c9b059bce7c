"""An int8 resource variable (READ_VARIABLE and ASSIGN_VARIABLE of int8 tensors with a
non-zero zero point), written with the TFLite flatbuffer schema: TFLite Micro starts such a
variable at its zero point, and so does stai's reset."""

from __future__ import annotations

from typing import Any

import numpy as np

from stai.compiler.driver import generate
from stai.runtime.runner import CModel


def _model() -> bytes:
    """acc = acc + x (int8, requantized by ADD); output = acc read after the assignment."""
    import flatbuffers
    from ai_edge_litert import schema_py_generated as schema

    buffers = [schema.BufferT()]
    tensors: list[Any] = []

    def tensor(name: str, shape, kind, scale=None, zero_point=0) -> int:
        t: Any = schema.TensorT()
        t.name, t.shape, t.type = name.encode(), list(shape), kind
        if scale is not None:
            q = schema.QuantizationParametersT()
            q.scale, q.zeroPoint = [scale], [zero_point]
            t.quantization = q
        buffers.append(schema.BufferT())
        t.buffer = len(buffers) - 1
        tensors.append(t)
        return len(tensors) - 1

    int8, resource = schema.TensorType.INT8, schema.TensorType.RESOURCE
    x = tensor("x", (1, 6), int8, 0.05, -7)
    handle = tensor("handle", (), resource)
    old = tensor("old", (1, 6), int8, 0.1, 11)
    new = tensor("new", (1, 6), int8, 0.1, 11)
    y = tensor("y", (1, 6), int8, 0.1, 11)
    codes = []
    for builtin in ("VAR_HANDLE", "READ_VARIABLE", "ADD", "ASSIGN_VARIABLE"):
        code = schema.OperatorCodeT()
        code.builtinCode = code.deprecatedBuiltinCode = getattr(schema.BuiltinOperator, builtin)
        code.deprecatedBuiltinCode = min(code.builtinCode, 127)
        code.version = 1
        codes.append(code)

    def operator(code: int, inputs, outputs, kind=0, options=None) -> Any:
        op = schema.OperatorT()
        op.opcodeIndex, op.inputs, op.outputs = code, list(inputs), list(outputs)
        op.builtinOptionsType, op.builtinOptions = kind, options
        return op

    var: Any = schema.VarHandleOptionsT()
    var.container, var.sharedName = b"", b"acc"
    add = schema.AddOptionsT()
    ops = [
        operator(0, [], [handle], schema.BuiltinOptions.VarHandleOptions, var),
        operator(1, [handle], [old]),
        operator(2, [old, x], [new], schema.BuiltinOptions.AddOptions, add),
        operator(3, [handle, new], []),
        operator(1, [handle], [y]),
    ]
    graph = schema.SubGraphT()
    graph.tensors, graph.inputs, graph.outputs, graph.operators = tensors, [x], [y], ops
    model = schema.ModelT()
    model.version, model.operatorCodes, model.subgraphs, model.buffers = 3, codes, [graph], buffers
    builder = flatbuffers.Builder(4096)
    builder.Finish(model.Pack(builder), file_identifier=b"TFL3")
    return bytes(builder.Output())


def test_int8_variable_starts_at_its_zero_point(tmp_path):
    data = _model()
    path = tmp_path / "acc_int8.tflite"
    path.write_bytes(data)
    generate(path, tmp_path / "gen")
    source = (tmp_path / "gen" / "network.c").read_text()
    assert "{11, 11, 11, 11, 11, 11}" in source  # the zero point, copied by reset
    c_model = CModel(tmp_path / "gen")
    from tflite_micro.python.tflite_micro import runtime

    interp = runtime.Interpreter.from_bytes(data)
    rng = np.random.default_rng(9)
    xs = [rng.integers(-128, 128, (1, 6), dtype=np.int8) for _ in range(6)]
    outputs = []
    for k, x in enumerate(xs):
        (got,) = c_model.run([x])
        interp.set_input(x, 0)
        interp.invoke()
        np.testing.assert_array_equal(got, interp.get_output(0), err_msg=f"call {k}")
        outputs.append(got)
    c_model.reset()
    interp.reset()
    (again,) = c_model.run([xs[0]])
    interp.set_input(xs[0], 0)
    interp.invoke()
    np.testing.assert_array_equal(again, outputs[0])
    np.testing.assert_array_equal(again, interp.get_output(0))
