"""Reductions compiled by stai: TFLite REDUCE_MAX, REDUCE_MIN and SUM made by TensorFlow's
converter (int8 bit-exact with TFLite Micro, float against LiteRT; one axis or several,
kept or dropped, inner, outer and every axis), ONNX ReduceMax, ReduceMin and ReduceSum
against onnxruntime (axes as attributes and as inputs, float and QDQ int8)."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import float_tolerance
from opmodels import FLOAT, INT8, OpSpec, _tf_fn, convert, model_ops
from shared_models import random_inputs

from stai.tools.reference import run_litert_ref, run_tflm

CASES = {
    # name: (operator, tf function, input shape, axes, keepdims)
    "max_last_keep": ("REDUCE_MAX", "reduce_max", (2, 7, 4), [-1], True),
    "min_channels": ("REDUCE_MIN", "reduce_min", (1, 3, 4, 5), [3], False),
    "sum_hw": ("SUM", "reduce_sum", (1, 5, 6, 3), [1, 2], False),
    "sum_last": ("SUM", "reduce_sum", (2, 3, 16), [2], True),
    "sum_all": ("SUM", "reduce_sum", (3, 4), [0, 1], False),
}


def _body(fn: str, axes, keepdims: bool):
    return _tf_fn(lambda tf: lambda x: getattr(tf.math, fn)(x, axis=axes, keepdims=keepdims))


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    folder = tmp_path_factory.mktemp("reduce")
    out = {}
    for name, (op, fn, shape, axes, keep) in CASES.items():
        spec = OpSpec(name, (shape,), _body(fn, axes, keep), (op,), op)
        for kind in (FLOAT, INT8):
            out[name, kind] = convert(spec, kind, folder / f"{name}_{kind}.tflite")
    return out


@pytest.mark.parametrize("kind", [FLOAT, INT8])
@pytest.mark.parametrize("name", list(CASES))
def test_tflite_reduce(name, kind, models, compiled):
    path = models[name, kind]
    assert model_ops(path) == [CASES[name][0]]
    c_model = compiled(path)
    for inputs in random_inputs(path, 4, seed=6):
        got = c_model.run(inputs)
        if kind == INT8:
            for e, g in zip(run_tflm(path, inputs), got):
                np.testing.assert_array_equal(g, e)
        else:
            for e, g in zip(run_litert_ref(path, inputs), got):
                assert g.shape == e.shape
                assert np.max(np.abs(e - g)) <= float_tolerance(e)


# ----------------------------------------------------------------------------- ONNX

ONNX_CASES = {
    # name: (operator, opset, input shape, axes, keepdims)
    "ReduceMax_attr": ("ReduceMax", 13, [1, 3, 4, 5], [1], 1),
    "ReduceMin_input": ("ReduceMin", 18, [2, 3, 4], [-1, 0], 0),
    "ReduceSum_input": ("ReduceSum", 13, [1, 4, 6], [2], 0),
    "ReduceSum_all_kept": ("ReduceSum", 13, [3, 5], None, 1),
}


def _onnx_reduce(path, op, opset, shape, axes, keepdims):
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    inputs, inits, attrs = ["x"], [], {"keepdims": keepdims}
    if axes is not None and opset >= (13 if op == "ReduceSum" else 18):
        inits.append(numpy_helper.from_array(np.asarray(axes, np.int64), "axes"))
        inputs.append("axes")
    elif axes is not None:
        attrs["axes"] = axes
    graph = helper.make_graph(
        [helper.make_node(op, inputs, ["y"], **attrs)],
        "reduce",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, shape)],
        [helper.make_empty_tensor_value_info("y")],
        inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = 8
    onnx.save(model, path)
    return path


@pytest.mark.parametrize("name", list(ONNX_CASES))
def test_onnx_reduce(name, tmp_path):
    from stai.compiler.driver import generate
    from stai.runtime.runner import CModel
    from stai.tools.reference import run_onnxruntime

    op, opset, shape, axes, keep = ONNX_CASES[name]
    path = _onnx_reduce(tmp_path / f"{name}.onnx", op, opset, shape, axes, keep)
    generate(path, tmp_path / "generated")
    c_model = CModel(tmp_path / "generated")
    rng = np.random.default_rng(8)
    for _ in range(3):
        x = rng.uniform(-3, 3, shape).astype(np.float32)
        (expected,) = run_onnxruntime(path, [x])
        (got,) = c_model.run([x])
        assert got.shape == expected.shape
        assert np.max(np.abs(got - expected)) <= float_tolerance(expected)


def test_onnx_qdq_reduce_max_stays_int8(tmp_path):
    """ReduceMax between DequantizeLinear and QuantizeLinear (the QDQ form) imports as an
    int8 nn.reduce_max: the same codes as onnxruntime."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    from stai.compiler.driver import generate, import_model
    from stai.runtime.runner import CModel
    from stai.tools.reference import run_onnxruntime

    shape = [1, 3, 4, 5]
    nodes = [
        helper.make_node("QuantizeLinear", ["x", "s", "z"], ["xq"]),
        helper.make_node("DequantizeLinear", ["xq", "s", "z"], ["xd"]),
        helper.make_node("ReduceMax", ["xd"], ["r"], axes=[3], keepdims=1),
        helper.make_node("QuantizeLinear", ["r", "s", "z"], ["rq"]),
        helper.make_node("DequantizeLinear", ["rq", "s", "z"], ["y"]),
    ]
    inits = [
        numpy_helper.from_array(np.asarray(0.02, np.float32), "s"),
        numpy_helper.from_array(np.asarray(-5, np.int8), "z"),
    ]
    graph = helper.make_graph(
        nodes,
        "qdq",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, shape)],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 3, 4, 1])],
        inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    path = tmp_path / "max_qdq.onnx"
    onnx.save(model, path)
    reduce_ops = [op for op in import_model(path).walk() if op.name == "nn.reduce_max"]
    assert len(reduce_ops) == 1 and "!nn.q<i8" in str(reduce_ops[0].output.type)
    generate(path, tmp_path / "generated")
    c_model = CModel(tmp_path / "generated")
    rng = np.random.default_rng(1)
    for _ in range(3):
        x = rng.uniform(-2, 2, shape).astype(np.float32)
        (expected,) = run_onnxruntime(path, [x])
        (got,) = c_model.run([x])
        np.testing.assert_allclose(got, expected, rtol=0, atol=1e-6)


# ----------------------------------------------------------------------------- ArgMax

ARG_CASES = {
    # name: (operator, tf function, input shape, axis, output type)
    "argmax_last_i32": ("ARG_MAX", "argmax", (2, 10), -1, "int32"),
    "argmin_channels_i32": ("ARG_MIN", "argmin", (1, 4, 5, 6), 3, "int32"),
    "argmax_middle_i64": ("ARG_MAX", "argmax", (1, 7, 3), 1, "int64"),
}


@pytest.fixture(scope="module")
def arg_models(tmp_path_factory):
    folder = tmp_path_factory.mktemp("arg")
    out = {}
    for name, (op, fn, shape, axis, out_type) in ARG_CASES.items():

        def body(tf, fn=fn, axis=axis, out_type=out_type):
            return lambda x: getattr(tf.math, fn)(x, axis=axis, output_type=getattr(tf, out_type))

        spec = OpSpec(name, (shape,), _tf_fn(body), (op,), op)
        for kind in (FLOAT, INT8):
            out[name, kind] = convert(spec, kind, folder / f"{name}_{kind}.tflite")
    return out


@pytest.mark.parametrize("kind", [FLOAT, INT8])
@pytest.mark.parametrize("name", list(ARG_CASES))
def test_tflite_arg_min_max(name, kind, arg_models, compiled):
    """int32 indices against TFLite Micro (which has no int64 output: LiteRT then)."""
    path = arg_models[name, kind]
    assert model_ops(path) == [ARG_CASES[name][0]]
    c_model = compiled(path)
    int64 = ARG_CASES[name][4] == "int64"
    for inputs in random_inputs(path, 4, seed=9):
        (got,) = c_model.run(inputs)
        (expected,) = (run_litert_ref if int64 else run_tflm)(path, inputs)
        assert got.dtype == expected.dtype == np.dtype(ARG_CASES[name][4])
        np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize("op,keepdims", [("ArgMax", 1), ("ArgMin", 0)])
def test_onnx_arg_min_max(op, keepdims, tmp_path):
    import onnx
    from onnx import TensorProto, helper

    from stai.compiler.driver import generate
    from stai.runtime.runner import CModel
    from stai.tools.reference import run_onnxruntime

    shape = [2, 5, 3]
    graph = helper.make_graph(
        [helper.make_node(op, ["x"], ["y"], axis=1, keepdims=keepdims)],
        "arg",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, shape)],
        [helper.make_empty_tensor_value_info("y")],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    path = tmp_path / f"{op}.onnx"
    onnx.save(model, path)
    generate(path, tmp_path / "generated")
    c_model = CModel(tmp_path / "generated")
    rng = np.random.default_rng(5)
    for _ in range(3):
        x = rng.uniform(-1, 1, shape).astype(np.float32)
        (expected,) = run_onnxruntime(path, [x])
        (got,) = c_model.run([x])
        assert got.dtype == np.int64 and got.shape == expected.shape
        np.testing.assert_array_equal(got, expected)
