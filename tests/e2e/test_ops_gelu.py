"""Erf and GELU compiled by stai (float math: ``stai_erf_f32``, ``stai_gelu_f32``,
``stai_gelu_tanh_f32``) against the references: TFLite GELU made by TensorFlow's converter
against LiteRT, ONNX graphs (the Erf form exporters write before opset 20, the tanh form
with Pow 3, Gelu of opset 20) against onnxruntime, a Keras ``gelu`` activation against
Keras."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from conftest import float_tolerance
from opmodels import FLOAT, INT8, OpSpec, _tf_fn, convert, model_ops

from stai.compiler.driver import generate
from stai.errors import StaiError
from stai.runtime.runner import CModel
from stai.tools.reference import run_litert_ref, run_onnxruntime


def _check(path: Path, shape: tuple[int, ...], reference, tmp_path: Path) -> None:
    generate(path, tmp_path / "generated")
    c_model = CModel(tmp_path / "generated")
    rng = np.random.default_rng(4)
    for _ in range(3):
        x = rng.uniform(-5, 5, shape).astype(np.float32)
        (expected,) = reference(path, [x])
        (got,) = c_model.run([x])
        assert got.shape == expected.shape
        assert np.max(np.abs(got - expected)) <= float_tolerance(expected)


@pytest.mark.parametrize("approximate", [False, True])
def test_tflite_gelu_float(approximate, tmp_path):
    spec = OpSpec(
        f"gelu_{approximate}",
        ((1, 8, 16),),
        _tf_fn(lambda tf: lambda x: tf.nn.gelu(x, approximate=approximate)),
        ("GELU",),
        "GELU",
    )
    path = convert(spec, FLOAT, tmp_path / "gelu.tflite")
    assert model_ops(path) == ["GELU"]
    _check(path, (1, 8, 16), run_litert_ref, tmp_path)


def test_tflite_int8_gelu_is_refused(tmp_path):
    spec = OpSpec(
        "gelu_int8", ((1, 16),), _tf_fn(lambda tf: lambda x: tf.nn.gelu(x)), ("GELU",), "GELU"
    )
    path = convert(spec, INT8, tmp_path / "gelu_int8.tflite")
    assert "GELU" in model_ops(path)
    with pytest.raises(StaiError, match="only float32 GELU") as info:
        generate(path, tmp_path / "out")
    assert "\n" not in str(info.value)


def _onnx(path: Path, nodes, inits, opset: int, shape: list[int]) -> Path:
    import onnx
    from onnx import TensorProto, helper

    graph = helper.make_graph(
        nodes,
        "gelu",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, shape)],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, shape)],
        inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = 9
    onnx.save(model, path)
    return path


def _scalar(name: str, value: float):
    from onnx import numpy_helper

    return numpy_helper.from_array(np.asarray(value, np.float32), name)


def test_onnx_erf_gelu(tmp_path):
    """The exporters' GELU before opset 20: Div by sqrt(2), Erf, Add 1, Mul x, Mul 0.5."""
    from onnx import helper

    nodes = [
        helper.make_node("Div", ["x", "sqrt2"], ["a"]),
        helper.make_node("Erf", ["a"], ["b"]),
        helper.make_node("Add", ["b", "one"], ["c"]),
        helper.make_node("Mul", ["x", "c"], ["d"]),
        helper.make_node("Mul", ["d", "half"], ["y"]),
    ]
    inits = [_scalar("sqrt2", np.sqrt(2.0)), _scalar("one", 1.0), _scalar("half", 0.5)]
    path = _onnx(tmp_path / "erf_gelu.onnx", nodes, inits, 17, [1, 4, 32])
    _check(path, (1, 4, 32), run_onnxruntime, tmp_path)


def test_onnx_tanh_gelu(tmp_path):
    """The tanh form: Pow(x, 3), Mul 0.044715, Add x, Mul sqrt(2/pi), Tanh, Add 1, Mul."""
    from onnx import helper

    nodes = [
        helper.make_node("Pow", ["x", "three"], ["p"]),
        helper.make_node("Mul", ["p", "k"], ["q"]),
        helper.make_node("Add", ["x", "q"], ["r"]),
        helper.make_node("Mul", ["r", "s"], ["t"]),
        helper.make_node("Tanh", ["t"], ["u"]),
        helper.make_node("Add", ["u", "one"], ["v"]),
        helper.make_node("Mul", ["x", "v"], ["w"]),
        helper.make_node("Mul", ["w", "half"], ["y"]),
    ]
    inits = [
        _scalar("three", 3.0),
        _scalar("k", 0.044715),
        _scalar("s", np.sqrt(2.0 / np.pi)),
        _scalar("one", 1.0),
        _scalar("half", 0.5),
    ]
    path = _onnx(tmp_path / "tanh_gelu.onnx", nodes, inits, 13, [2, 24])
    _check(path, (2, 24), run_onnxruntime, tmp_path)


@pytest.mark.parametrize("approximate", ["none", "tanh"])
def test_onnx_gelu_opset20(approximate, tmp_path):
    from onnx import helper

    node = helper.make_node("Gelu", ["x"], ["y"], approximate=approximate)
    path = _onnx(tmp_path / f"gelu_{approximate}.onnx", [node], [], 20, [1, 3, 4, 5])
    _check(path, (1, 3, 4, 5), run_onnxruntime, tmp_path)


def test_keras_gelu_activation(tmp_path):
    from keras_models import keras

    from stai.tools.reference import run_keras

    k = keras()
    k.utils.set_random_seed(0)
    x = k.Input((12,), name="features")
    y = k.layers.Dense(16, activation="gelu", name="dense_gelu")(x)
    y = k.layers.Activation("gelu", name="gelu")(k.layers.Dense(8, name="dense")(y))
    path = tmp_path / "gelu.keras"
    k.Model(x, y).save(path)
    _check(path, (1, 12), run_keras, tmp_path)
