"""TFLite REVERSE_V2, MIRROR_PAD (REFLECT, SYMMETRIC) and BROADCAST_TO made by TensorFlow's
converter, compiled by stai as reversed strided slices and concatenations: int8 bit-exact
with TFLite Micro, float against LiteRT; ONNX Pad reflect and edge, DepthToSpace (DCR,
CRD) and SpaceToDepth against onnxruntime."""

from __future__ import annotations

import numpy as np
import pytest
from opmodels import FLOAT, INT8, OpSpec, _tf_fn, convert, model_ops
from shared_models import random_inputs

from stai.compiler.driver import generate
from stai.runtime.runner import CModel
from stai.tools.reference import run_litert_ref, run_onnxruntime, run_tflm

CASES = {
    # name: (operator, body, input shape)
    "reverse_hw": ("REVERSE_V2", lambda tf: lambda x: tf.reverse(x, axis=[1, 2]), (1, 3, 4, 2)),
    "reverse_last": ("REVERSE_V2", lambda tf: lambda x: tf.reverse(x, axis=[-1]), (2, 7)),
    "mirror_reflect": (
        "MIRROR_PAD",
        lambda tf: lambda x: tf.pad(x, [[0, 0], [2, 1], [1, 3], [0, 0]], mode="REFLECT"),
        (1, 4, 5, 2),
    ),
    "broadcast_rows": (
        "BROADCAST_TO",
        lambda tf: lambda x: tf.broadcast_to(x, [2, 3, 4]),
        (3, 1),
    ),
    "mirror_symmetric": (
        "MIRROR_PAD",
        lambda tf: lambda x: tf.pad(x, [[0, 0], [1, 2], [2, 0]], mode="SYMMETRIC"),
        (1, 3, 4),
    ),
}


@pytest.mark.parametrize("kind", [FLOAT, INT8])
@pytest.mark.parametrize("name", list(CASES))
def test_tflite_reverse_and_mirror_pad(name, kind, tmp_path):
    op, body, shape = CASES[name]
    spec = OpSpec(name, (shape,), _tf_fn(body), (op,), op)
    path = convert(spec, kind, tmp_path / f"{name}_{kind}.tflite")
    assert model_ops(path) == [op]
    generate(path, tmp_path / "generated")
    c_model = CModel(tmp_path / "generated")
    for inputs in random_inputs(path, 3, seed=10):
        (got,) = c_model.run(inputs)
        (expected,) = (run_tflm if kind == INT8 else run_litert_ref)(path, inputs)
        np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize("mode", ["reflect", "edge"])
def test_onnx_pad_modes(mode, tmp_path):
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    shape = [1, 2, 4, 5]
    pads = numpy_helper.from_array(np.asarray([0, 0, 2, 1, 0, 0, 1, 3], np.int64), "pads")
    graph = helper.make_graph(
        [helper.make_node("Pad", ["x", "pads"], ["y"], mode=mode)],
        "pad",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, shape)],
        [helper.make_empty_tensor_value_info("y")],
        [pads],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    path = tmp_path / f"pad_{mode}.onnx"
    onnx.save(model, path)
    generate(path, tmp_path / "generated")
    c_model = CModel(tmp_path / "generated")
    x = np.random.default_rng(6).uniform(-1, 1, shape).astype(np.float32)
    (expected,) = run_onnxruntime(path, [x])
    (got,) = c_model.run([x])
    np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize(
    "op,attrs,shape",
    [
        ("DepthToSpace", {"blocksize": 2, "mode": "DCR"}, [1, 8, 3, 4]),
        ("DepthToSpace", {"blocksize": 2, "mode": "CRD"}, [1, 12, 2, 3]),
        ("SpaceToDepth", {"blocksize": 2}, [1, 3, 4, 6]),
    ],
)
def test_onnx_depth_space(op, attrs, shape, tmp_path):
    import onnx
    from onnx import TensorProto, helper

    graph = helper.make_graph(
        [helper.make_node(op, ["x"], ["y"], **attrs)],
        "depth_space",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, shape)],
        [helper.make_empty_tensor_value_info("y")],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    path = tmp_path / f"{op}.onnx"
    onnx.save(model, path)
    generate(path, tmp_path / "generated")
    c_model = CModel(tmp_path / "generated")
    x = np.random.default_rng(7).uniform(-1, 1, shape).astype(np.float32)
    (expected,) = run_onnxruntime(path, [x])
    (got,) = c_model.run([x])
    np.testing.assert_array_equal(got, expected)
