"""Layer and instance normalization compiled by stai (``nn.layer_norm``,
``stai_layer_norm_f32``): ONNX LayerNormalization (opset 17), InstanceNormalization and the
decomposed LayerNorm older exporters write (ReduceMean over the last axis, Sub, Pow,
ReduceMean, Add, Sqrt, Div, Mul, Add) against onnxruntime; Keras LayerNormalization
against Keras."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from conftest import float_tolerance

from stai.compiler.driver import generate, import_model
from stai.runtime.runner import CModel
from stai.tools.reference import run_onnxruntime


def _check(path: Path, shape, reference, tmp_path: Path) -> None:
    generate(path, tmp_path / "generated")
    c_model = CModel(tmp_path / "generated")
    rng = np.random.default_rng(2)
    for _ in range(3):
        x = rng.normal(0.5, 2.0, shape).astype(np.float32)
        (expected,) = reference(path, [x])
        (got,) = c_model.run([x])
        assert got.shape == expected.shape
        assert np.max(np.abs(got - expected)) <= float_tolerance(expected)


def _onnx(path: Path, nodes, inits, shape, opset: int) -> Path:
    import onnx
    from onnx import TensorProto, helper

    graph = helper.make_graph(
        nodes,
        "norm",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, shape)],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, shape)],
        inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = 8
    onnx.save(model, path)
    return path


def _array(name: str, array) -> object:
    from onnx import numpy_helper

    return numpy_helper.from_array(np.asarray(array, np.float32), name)


@pytest.mark.parametrize("shape,axis", [([2, 5, 16], -1), ([1, 3, 4, 6], 1)])
def test_onnx_layer_normalization(shape, axis, tmp_path):
    from onnx import helper

    rng = np.random.default_rng(0)
    normalized = shape[axis:]
    node = helper.make_node("LayerNormalization", ["x", "g", "b"], ["y"], axis=axis, epsilon=1e-5)
    inits = [
        _array("g", rng.normal(1.0, 0.3, normalized)),
        _array("b", rng.normal(0.0, 0.3, normalized)),
    ]
    path = _onnx(tmp_path / "ln.onnx", [node], inits, shape, 17)
    assert sum(op.name == "nn.layer_norm" for op in import_model(path).walk()) == 1
    _check(path, shape, run_onnxruntime, tmp_path)


def test_onnx_instance_normalization(tmp_path):
    from onnx import helper

    rng = np.random.default_rng(1)
    node = helper.make_node("InstanceNormalization", ["x", "s", "b"], ["y"], epsilon=1e-4)
    inits = [_array("s", rng.normal(1.0, 0.3, 4)), _array("b", rng.normal(0.0, 0.3, 4))]
    path = _onnx(tmp_path / "in.onnx", [node], inits, [2, 4, 5, 3], 13)
    _check(path, [2, 4, 5, 3], run_onnxruntime, tmp_path)


def test_onnx_decomposed_layer_norm(tmp_path):
    """The LayerNorm of exporters before opset 17: ReduceMean over the last axis now
    compiles (a sum times 1 / count)."""
    from onnx import helper

    rng = np.random.default_rng(3)
    nodes = [
        helper.make_node("ReduceMean", ["x"], ["m"], axes=[-1], keepdims=1),
        helper.make_node("Sub", ["x", "m"], ["d"]),
        helper.make_node("Pow", ["d", "two"], ["d2"]),
        helper.make_node("ReduceMean", ["d2"], ["v"], axes=[-1], keepdims=1),
        helper.make_node("Add", ["v", "eps"], ["ve"]),
        helper.make_node("Sqrt", ["ve"], ["s"]),
        helper.make_node("Div", ["d", "s"], ["n"]),
        helper.make_node("Mul", ["n", "g"], ["ng"]),
        helper.make_node("Add", ["ng", "b"], ["y"]),
    ]
    inits = [
        _array("two", 2.0),
        _array("eps", 1e-5),
        _array("g", rng.normal(1.0, 0.3, 12)),
        _array("b", rng.normal(0.0, 0.3, 12)),
    ]
    path = _onnx(tmp_path / "ln13.onnx", nodes, inits, [1, 6, 12], 13)
    _check(path, [1, 6, 12], run_onnxruntime, tmp_path)


@pytest.mark.parametrize("axis", [-1, [2, 3]])
def test_keras_layer_normalization(axis, tmp_path):
    from keras_models import keras

    from stai.tools.reference import run_keras

    k = keras()
    k.utils.set_random_seed(0)
    x = k.Input((4, 5, 6), name="features")
    y = k.layers.Dense(6, name="dense")(x)
    ln = k.layers.LayerNormalization(axis=axis, epsilon=1e-3, name="ln")
    model = k.Model(x, ln(y))
    rng = np.random.default_rng(4)
    ln.set_weights([rng.normal(1.0, 0.3, w.shape).astype(np.float32) for w in ln.get_weights()])
    path = tmp_path / "ln.keras"
    model.save(path)
    _check(path, (1, 4, 5, 6), run_keras, tmp_path)
