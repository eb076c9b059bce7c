"""Persistent state: TFLite resource variables (VAR_HANDLE, READ_VARIABLE,
ASSIGN_VARIABLE) in the state buffer, kept between runs and restored by reset.

The models are ``tf.Module``s with a ``tf.Variable`` converted by TensorFlow's converter;
the C model runs several calls in a row beside one TFLite Micro interpreter, call by call,
and both are reset."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from stai.compiler.driver import generate
from stai.errors import StaiError
from stai.runtime.runner import CModel


def _convert(module, shape: tuple[int, ...]) -> bytes:
    import tensorflow as tf

    concrete = module.__call__.get_concrete_function()
    converter = tf.lite.TFLiteConverter.from_concrete_functions([concrete], module)
    del shape
    return converter.convert()


def _convert_int8(module, shape: tuple[int, ...]) -> bytes:
    """Full-integer conversion: int8 input, output and arithmetic; the converter keeps the
    variable float, between a QUANTIZE after each read and a DEQUANTIZE before each
    assignment."""
    import tensorflow as tf

    concrete = module.__call__.get_concrete_function()
    converter = tf.lite.TFLiteConverter.from_concrete_functions([concrete], module)
    rng = np.random.default_rng(0)

    def representative():
        for _ in range(64):
            yield [rng.uniform(-2, 2, shape).astype(np.float32)]

    converter.optimizations = [tf.lite.Optimize.DEFAULT]
    converter.representative_dataset = representative
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    converter.inference_input_type = tf.int8
    converter.inference_output_type = tf.int8
    return converter.convert()


def _streaming_models():
    """Two streaming modules: a decaying running sum and a running sum with a count."""
    import tensorflow as tf

    class Decaying(tf.Module):
        def __init__(self):
            self.acc = tf.Variable(tf.zeros([1, 6]), trainable=False)

        @tf.function(input_signature=[tf.TensorSpec([1, 6], tf.float32)])
        def __call__(self, x):
            self.acc.assign(self.acc * 0.75 + x)
            return self.acc * 0.25

    class RunningMean(tf.Module):
        def __init__(self):
            self.total = tf.Variable(tf.zeros([1, 3]), trainable=False)
            self.count = tf.Variable(tf.zeros([1, 1]), trainable=False)

        @tf.function(input_signature=[tf.TensorSpec([1, 3], tf.float32)])
        def __call__(self, x):
            self.count.assign(self.count + 1.0)
            self.total.assign(self.total + x)
            return self.total / self.count, self.count

    return {"decaying": (Decaying, (1, 6)), "running_mean": (RunningMean, (1, 3))}


def _model_t(data: bytes) -> Any:
    """The flatbuffer's object form (LiteRT's generated schema)."""
    from ai_edge_litert import schema_py_generated as schema

    return schema.ModelT.InitFromObj(schema.Model.GetRootAsModel(data, 0))


def _pack(model: Any, size: int) -> bytes:
    import flatbuffers

    builder = flatbuffers.Builder(size + 1024)
    builder.Finish(model.Pack(builder), file_identifier=b"TFL3")
    return bytes(builder.Output())


def _without_zero_init(data: bytes) -> bytes:
    """The model without its CALL_ONCE and initialisation subgraph. The converter's
    initialisation assigns each variable zeros, TFLite Micro's value of a variable nobody
    initialised, so the model computes the same; the single-subgraph form is what stai's
    reader takes."""
    from ai_edge_litert import schema_py_generated as schema

    model = _model_t(data)
    codes = model.operatorCodes

    def builtin(op) -> int:
        code = codes[op.opcodeIndex]
        return max(code.builtinCode, code.deprecatedBuiltinCode)

    init = model.subgraphs[1:]
    for graph in init:
        for op in graph.operators:
            if builtin(op) == schema.BuiltinOperator.ASSIGN_VARIABLE:
                value = graph.tensors[op.inputs[1]]
                raw = model.buffers[value.buffer].data
                assert raw is None or not np.any(raw), "the test strips zero initialisations"
    graph = model.subgraphs[0]
    graph.operators = [
        op for op in graph.operators if builtin(op) != schema.BuiltinOperator.CALL_ONCE
    ]
    model.subgraphs = model.subgraphs[:1]
    model.signatureDefs = None
    return _pack(model, len(data))


def _tflm(data: bytes):
    from tflite_micro.python.tflite_micro import runtime

    return runtime.Interpreter.from_bytes(data)


def _tflm_call(interp, x: np.ndarray, outputs: int) -> list[np.ndarray]:
    interp.set_input(x, 0)
    interp.invoke()
    return [np.array(interp.get_output(i), copy=True) for i in range(outputs)]


@pytest.fixture(scope="module")
def streaming(tmp_path_factory) -> dict[str, tuple[Path, tuple[int, ...]]]:
    folder = tmp_path_factory.mktemp("state_models")
    out = {}
    for name, (cls, shape) in _streaming_models().items():
        path = folder / f"{name}.tflite"
        path.write_bytes(_without_zero_init(_convert(cls(), shape)))
        out[name] = (path, shape)
    cls, shape = _streaming_models()["decaying"]
    path = folder / "decaying_int8.tflite"
    path.write_bytes(_without_zero_init(_convert_int8(cls(), shape)))
    out["decaying_int8"] = (path, shape)
    return out


@pytest.mark.parametrize("name", ["decaying", "running_mean", "decaying_int8"])
def test_variables_match_tflm_call_by_call(streaming, name, tmp_path):
    path, shape = streaming[name]
    data = path.read_bytes()
    generate(path, tmp_path / "gen")
    header = (tmp_path / "gen" / "network.h").read_text()
    assert "#define STAI_NETWORK_STATE_SIZE" in header
    assert "void stai_network_reset(void);" in header
    c_model = CModel(tmp_path / "gen")
    assert c_model.has_state
    interp = _tflm(data)
    n_out = len(c_model.outputs)
    rng = np.random.default_rng(13)
    xs = [rng.uniform(-2, 2, shape).astype(np.float32) for _ in range(6)]
    if c_model.inputs[0]["dtype"] == "int8":
        xs = [rng.integers(-128, 128, shape, dtype=np.int8) for _ in range(6)]
    first: list[np.ndarray] = []
    previous = None
    for k, x in enumerate(xs):
        got = c_model.run([x])
        want = _tflm_call(interp, x, n_out)
        for g, w in zip(got, want):
            np.testing.assert_array_equal(g.reshape(w.shape), w, err_msg=f"call {k}")
        if k == 0:
            first = got
        if previous is not None:  # the state moves: the same code gives new outputs
            assert not np.array_equal(got[0], previous[0])
        previous = got
    c_model.reset()
    interp.reset()
    again = c_model.run([xs[0]])
    want = _tflm_call(interp, xs[0], n_out)
    for g, f, w in zip(again, first, want):
        np.testing.assert_array_equal(g, f)
        np.testing.assert_array_equal(g.reshape(w.shape), w)


def test_state_is_outside_the_activations(streaming, tmp_path):
    """The variables take no arena bytes: the state buffer is the network's own."""
    import json

    path, _ = streaming["running_mean"]
    generate(path, tmp_path / "gen")
    meta = json.loads((tmp_path / "gen" / "network.json").read_text())
    header = (tmp_path / "gen" / "network.h").read_text()
    state = int(header.split("#define STAI_NETWORK_STATE_SIZE")[1].split()[0])
    assert state == 32  # total (12 bytes) and count (4 bytes), 16 bytes each
    c_source = (tmp_path / "gen" / "network.c").read_text()
    assert "static uint8_t stai_network_state[32]" in c_source
    assert "stai_network_reset();" in c_source.split("int stai_network_init")[1]
    assert meta["activations_bytes"] < 64
    assert meta["memory_plan"]["state_bytes"] == 32
    report = (tmp_path / "gen" / "network_report.txt").read_text()
    assert "state kept between runs: 32 bytes" in report


def test_a_variable_without_handle_is_refused(streaming, tmp_path):
    """A READ_VARIABLE of a resource no VAR_HANDLE made is a one-line error."""
    from ai_edge_litert import schema_py_generated as schema

    path, _ = streaming["decaying"]
    data = path.read_bytes()
    model = _model_t(data)
    codes = model.operatorCodes
    graph = model.subgraphs[0]
    graph.operators = [
        op
        for op in graph.operators
        if codes[op.opcodeIndex].builtinCode != schema.BuiltinOperator.VAR_HANDLE
        and codes[op.opcodeIndex].deprecatedBuiltinCode != schema.BuiltinOperator.VAR_HANDLE
    ]
    bad = tmp_path / "no_handle.tflite"
    bad.write_bytes(_pack(model, len(data)))
    with pytest.raises(StaiError, match="not made by a VAR_HANDLE") as info:
        generate(bad, tmp_path / "gen")
    assert "\n" not in str(info.value)


# ----------------------------------------------------------------- CALL_ONCE folding


def _records_with_shared_names(data: bytes, graph_index: int):
    """stai's reader's records of subgraph ``graph_index`` of a converted model (moved
    first, the others dropped), with each VAR_HANDLE's shared name in its options (what
    the reader will give once it reads string options and every subgraph)."""
    from dataclasses import replace

    from ai_edge_litert import schema_py_generated as schema

    from stai.frontends.tflite.reader import read_model

    model = _model_t(data)
    graph = model.subgraphs[graph_index]
    shared = []
    for op in graph.operators:
        code = model.operatorCodes[op.opcodeIndex]
        if max(code.builtinCode, code.deprecatedBuiltinCode) == schema.BuiltinOperator.VAR_HANDLE:
            shared.append(op.builtinOptions.sharedName.decode())
    model.subgraphs = [graph]
    model.signatureDefs = None
    records = read_model(_pack(model, len(data)), f"subgraph {graph_index}")
    names = iter(shared)
    operators = [
        replace(op, options={**op.options, "SharedName": next(names)})
        if op.opcode == "VAR_HANDLE"
        else op
        for op in records.operators
    ]
    return replace(records, operators=operators)


def _with_init_graph(data: bytes, init=None) -> Any:
    """The main graph's records with ``subgraphs`` (index 1: the initialisation graph)."""
    from types import SimpleNamespace

    main = _records_with_shared_names(data, 0)
    init = init if init is not None else _records_with_shared_names(data, 1)
    return SimpleNamespace(**(vars(main) | {"subgraphs": (main, init)}))


def _initialised_module():
    import tensorflow as tf

    class Initialised(tf.Module):
        def __init__(self):
            start = tf.constant([[1.5, -2.0, 0.25, 4.0, -0.5]])
            self.acc = tf.Variable(start, trainable=False)
            self.steps = tf.Variable(tf.constant([[3.0]]), trainable=False)

        @tf.function(input_signature=[tf.TensorSpec([1, 5], tf.float32)])
        def __call__(self, x):
            self.steps.assign(self.steps + 1.0)
            self.acc.assign(self.acc * 0.5 + x)
            return self.acc / self.steps

    return Initialised()


def test_call_once_initial_values_match_tflm(tmp_path):
    """A converter's CALL_ONCE that assigns constants is folded: the variables start from
    those values after init and after reset, as in TFLite Micro."""
    from stai.compiler.driver import compile_model, write_generated
    from stai.frontends.tflite.importer import import_model

    data = _convert(_initialised_module(), (1, 5))
    assert _model_t(data).subgraphs[1].operators  # the converter's init subgraph
    module = import_model(_with_init_graph(data))
    write_generated(compile_model(module), tmp_path / "gen")
    c_model = CModel(tmp_path / "gen")
    c_source = (tmp_path / "gen" / "network.c").read_text()
    assert "stai_network_state_init_0" in c_source
    interp = _tflm(data)
    rng = np.random.default_rng(5)
    xs = [rng.uniform(-1, 1, (1, 5)).astype(np.float32) for _ in range(5)]
    first = None
    for k, x in enumerate(xs):
        (got,) = c_model.run([x])
        (want,) = _tflm_call(interp, x, 1)
        np.testing.assert_array_equal(got.reshape(want.shape), want, err_msg=f"call {k}")
        first = got if first is None else first
    c_model.reset()
    (again,) = c_model.run([xs[0]])
    np.testing.assert_array_equal(again, first)


def test_call_once_running_other_operators_is_refused(tmp_path):
    from dataclasses import replace

    from stai.frontends.tflite.importer import import_model

    data = _convert(_initialised_module(), (1, 5))
    init = _records_with_shared_names(data, 1)
    extra = replace(init.operators[-1], opcode="ADD", index=len(init.operators))
    init = replace(init, operators=[*init.operators, extra])
    with pytest.raises(StaiError, match="CALL_ONCE .*runs ADD") as info:
        import_model(_with_init_graph(data, init))
    assert "\n" not in str(info.value)


def test_observer_builds_and_captures_around_the_state(streaming, tmp_path):
    """With --observer every node is observed; an assignment shows the value it stores
    (its input: the state buffer itself is no arena buffer)."""
    from stai.runtime.model_runner import Runner

    path, shape = streaming["decaying"]
    generate(path, tmp_path / "gen", observer=True)
    runner = Runner(tmp_path / "gen")
    x = np.full(shape, 0.5, np.float32)
    result = runner.run([x], per_layer=True)
    assert [n.c_id for n in result.nodes] == list(range(len(result.nodes)))
    assign = [n for n in result.nodes if "assign" in n.type_name.lower()]
    read = [n for n in result.nodes if "read" in n.type_name.lower()]
    assert len(assign) == 1 and len(read) == 1, [n.type_name for n in result.nodes]
    plain = CModel(tmp_path / "gen")
    np.testing.assert_array_equal(result.outputs[0][0], plain.run([x])[0])


def test_a_converter_file_with_call_once_compiles_from_the_file(tmp_path):
    """The converter's file itself (its CALL_ONCE subgraph read by the reader): `stai
    generate` compiles it and the C model matches TFLite Micro call by call."""
    from cli_run import run_stai

    data = _convert(_initialised_module(), (1, 5))
    model = tmp_path / "init.tflite"
    model.write_bytes(data)
    code, _, err = run_stai(["generate", "-m", str(model), "-o", str(tmp_path / "gen")])
    assert code == 0, err
    c_model = CModel(tmp_path / "gen")
    interp = _tflm(data)
    rng = np.random.default_rng(9)
    for k in range(4):
        x = rng.uniform(-1, 1, (1, 5)).astype(np.float32)
        (got,) = c_model.run([x])
        (want,) = _tflm_call(interp, x, 1)
        np.testing.assert_array_equal(got.reshape(want.shape), want, err_msg=f"call {k}")
