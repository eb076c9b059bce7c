"""Float element-wise operators compiled by stai: TFLite SIN, COS, ROUND, ELU, LOG_SOFTMAX,
SQUARED_DIFFERENCE, FLOOR_DIV and ADD_N made by TensorFlow's converter against LiteRT
(ROUND and ELU against TFLite Micro: LiteRT's reference resolver has no ROUND); ONNX Sin,
Cos, Round, Elu, LogSoftmax (any axis) and Sum against onnxruntime; Keras ELU and the
``elu`` / ``log_softmax`` activations against Keras; the int8 versions stai lacks are
one-line errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from conftest import float_tolerance
from opmodels import FLOAT, INT8, OpSpec, _tf_fn, convert, model_ops

from stai.compiler.driver import generate
from stai.runtime.runner import CModel
from stai.tools.reference import run_litert_ref, run_onnxruntime, run_tflm

TFLITE = {
    # name: (operators, body, input shapes)
    "sin": (["SIN"], lambda tf: lambda x: tf.math.sin(x), ((1, 40),)),
    "cos": (["COS"], lambda tf: lambda x: tf.math.cos(x), ((1, 40),)),
    "round": (["ROUND"], lambda tf: lambda x: tf.math.round(x * 2.5), ((1, 40),)),
    "elu": (["ELU"], lambda tf: lambda x: tf.nn.elu(x), ((2, 20),)),
    "log_softmax": (["LOG_SOFTMAX"], lambda tf: lambda x: tf.nn.log_softmax(x), ((3, 10),)),
    "squared_difference": (
        ["SQUARED_DIFFERENCE"],
        lambda tf: lambda x, y: tf.math.squared_difference(x, y),
        ((1, 4, 6), (1, 1, 6)),
    ),
    "floor_div": (
        ["FLOOR_DIV"],
        lambda tf: lambda x, y: tf.math.floordiv(x * 8.0, y + 2.5),
        ((1, 30), (1, 30)),
    ),
    "add_n": (
        ["ADD_N"],
        lambda tf: lambda x, y, z: tf.math.add_n([x, y, z]),
        ((2, 8), (2, 8), (2, 8)),
    ),
}

_TFLM_ONLY = {"round", "elu"}
"""LiteRT's reference resolver lacks these (TFLite Micro is the float reference then)."""


def _tflite(name: str, kind: str, folder: Path) -> Path:
    ops, body, shapes = TFLITE[name]
    spec = OpSpec(name, shapes, _tf_fn(body), tuple(ops), ops[0])
    path = convert(spec, kind, folder / f"{name}_{kind}.tflite")
    return path


@pytest.mark.parametrize("name", list(TFLITE))
def test_tflite_float(name, tmp_path):
    path = _tflite(name, FLOAT, tmp_path)
    ops, body, shapes = TFLITE[name]
    assert ops[0] in model_ops(path)
    generate(path, tmp_path / "generated")
    c_model = CModel(tmp_path / "generated")
    reference = run_tflm if name in _TFLM_ONLY else run_litert_ref
    rng = np.random.default_rng(11)
    for _ in range(3):
        inputs = [rng.uniform(-3, 3, s).astype(np.float32) for s in shapes]
        got = c_model.run(inputs)
        for e, g in zip(reference(path, inputs), got):
            assert g.shape == e.shape
            assert np.max(np.abs(e - g)) <= float_tolerance(e)


def test_tflite_int8_squared_difference_bit_exact(tmp_path):
    path = _tflite("squared_difference", INT8, tmp_path)
    generate(path, tmp_path / "out")
    assert "stai_squared_difference_s8(" in (tmp_path / "out" / "network.c").read_text()
    c_model = CModel(tmp_path / "out")
    rng = np.random.default_rng(5)
    shapes = TFLITE["squared_difference"][2]
    for _ in range(3):
        inputs = [rng.integers(-128, 128, s).astype(np.int8) for s in shapes]
        for e, g in zip(run_tflm(path, inputs), c_model.run(inputs), strict=True):
            np.testing.assert_array_equal(g, e)


def _onnx(path: Path, nodes, shapes: dict[str, list[int]], opset: int = 13) -> Path:
    import onnx
    from onnx import TensorProto, helper

    graph = helper.make_graph(
        nodes,
        "elementwise",
        [helper.make_tensor_value_info(n, TensorProto.FLOAT, s) for n, s in shapes.items()],
        [helper.make_empty_tensor_value_info("y")],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = 8
    onnx.save(model, path)
    return path


ONNX = {
    "Sin": ([("Sin", ["x"], {})], {"x": [1, 30]}),
    "Cos": ([("Cos", ["x"], {})], {"x": [1, 30]}),
    "Round": ([("Round", ["x"], {})], {"x": [2, 15]}),
    "Elu": ([("Elu", ["x"], {"alpha": 1.0})], {"x": [1, 3, 4, 5]}),
    "LogSoftmax_last": ([("LogSoftmax", ["x"], {})], {"x": [2, 3, 7]}),
    "LogSoftmax_axis1": ([("LogSoftmax", ["x"], {"axis": 1})], {"x": [2, 6, 4]}),
    "Sum": ([("Sum", ["x", "z", "w"], {})], {"x": [2, 5], "z": [1, 5], "w": [2, 5]}),
}


@pytest.mark.parametrize("name", list(ONNX))
def test_onnx_float(name, tmp_path):
    from onnx import helper

    nodes, shapes = ONNX[name]
    made = [helper.make_node(op, ins, ["y"], **attrs) for op, ins, attrs in nodes]
    path = _onnx(tmp_path / f"{name}.onnx", made, shapes)
    generate(path, tmp_path / "generated")
    c_model = CModel(tmp_path / "generated")
    rng = np.random.default_rng(12)
    for _ in range(3):
        inputs = [rng.uniform(-3, 3, s).astype(np.float32) for s in shapes.values()]
        (expected,) = run_onnxruntime(path, inputs)
        (got,) = c_model.run(inputs)
        assert got.shape == expected.shape
        assert np.max(np.abs(got - expected)) <= float_tolerance(expected)


def test_keras_elu_and_log_softmax(tmp_path):
    from keras_models import keras

    from stai.tools.reference import run_keras

    k = keras()
    k.utils.set_random_seed(0)
    x = k.Input((10,), name="features")
    y = k.layers.Dense(12, activation="elu", name="dense_elu")(x)
    y = k.layers.ELU(name="elu")(k.layers.Dense(12, name="dense")(y))
    y = k.layers.Dense(6, activation="log_softmax", name="head")(y)
    path = tmp_path / "elu.keras"
    k.Model(x, y).save(path)
    generate(path, tmp_path / "generated")
    c_model = CModel(tmp_path / "generated")
    rng = np.random.default_rng(13)
    for _ in range(3):
        sample = rng.normal(0, 2, (1, 10)).astype(np.float32)
        (expected,) = run_keras(path, [sample])
        (got,) = c_model.run([sample])
        assert np.max(np.abs(got - expected)) <= float_tolerance(expected)
