"""Resizing compiled by stai against the references: TFLite RESIZE_NEAREST_NEIGHBOR and
RESIZE_BILINEAR made by TensorFlow's converter (int8 bit-exact with TFLite Micro, float
against LiteRT), ONNX Resize / Upsample against onnxruntime, Keras UpSampling2D and
Resizing against Keras."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from conftest import float_tolerance
from opmodels import FLOAT, INT8, OpSpec, _tf_fn, convert, model_ops
from shared_models import random_inputs

from stai.compiler.driver import generate
from stai.errors import StaiError
from stai.tools.reference import run_litert_ref, run_onnxruntime, run_tflm


def _nearest(size, **kw):
    return lambda tf: lambda x: tf.compat.v1.image.resize_nearest_neighbor(x, size, **kw)


def _bilinear(size, **kw):
    return lambda tf: lambda x: tf.compat.v1.image.resize_bilinear(x, size, **kw)


TFLITE_CASES = {
    # name: (input shape, body, operator)
    "nearest_x2_half_pixel": (
        (1, 4, 5, 3),
        lambda tf: lambda x: tf.image.resize(x, (8, 10), method="nearest"),
        "RESIZE_NEAREST_NEIGHBOR",
    ),
    "nearest_odd": ((1, 3, 4, 2), _nearest((7, 9)), "RESIZE_NEAREST_NEIGHBOR"),
    "nearest_align_corners": (
        (1, 3, 4, 2),
        _nearest((7, 9), align_corners=True),
        "RESIZE_NEAREST_NEIGHBOR",
    ),
    "bilinear_half_pixel_down": (
        (2, 7, 5, 2),
        lambda tf: lambda x: tf.image.resize(x, (3, 4), method="bilinear"),
        "RESIZE_BILINEAR",
    ),
    "bilinear_asymmetric": ((1, 3, 4, 3), _bilinear((7, 11)), "RESIZE_BILINEAR"),
    "bilinear_align_corners": (
        (1, 3, 4, 3),
        _bilinear((7, 11), align_corners=True),
        "RESIZE_BILINEAR",
    ),
}


@pytest.fixture(scope="module")
def tflite_models(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], Path]:
    folder = tmp_path_factory.mktemp("resize_tflite")
    models = {}
    for name, (shape, body, op) in TFLITE_CASES.items():
        spec = OpSpec(name, (shape,), _tf_fn(body), (op,), op)
        for kind in (FLOAT, INT8):
            models[name, kind] = convert(spec, kind, folder / f"{name}_{kind}.tflite")
    return models


@pytest.mark.parametrize("kind", [FLOAT, INT8])
@pytest.mark.parametrize("name", list(TFLITE_CASES))
def test_tflite_resize(name, kind, tflite_models, compiled):
    path = tflite_models[name, kind]
    assert model_ops(path) == [TFLITE_CASES[name][2]]
    c_model = compiled(path)
    for inputs in random_inputs(path, 4, seed=5):
        got = c_model.run(inputs)
        if kind == INT8:
            for e, g in zip(run_tflm(path, inputs), got):
                np.testing.assert_array_equal(g, e)
        else:
            for e, g in zip(run_litert_ref(path, inputs), got):
                assert np.max(np.abs(e - g)) <= float_tolerance(e)


# ----------------------------------------------------------------------------- ONNX


def _onnx_resize(
    path: Path,
    shape: list[int],
    opset: int,
    attrs: dict,
    scales: list[float] | None = None,
    sizes: list[int] | None = None,
    op: str = "Resize",
) -> Path:
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    inits, inputs = [], ["x"]
    if op == "Upsample" or opset < 11:
        inits.append(numpy_helper.from_array(np.asarray(scales, np.float32), "scales"))
        inputs.append("scales")
    else:
        inputs += ["", "scales" if scales else "", "sizes" if sizes else ""]
        if scales:
            inits.append(numpy_helper.from_array(np.asarray(scales, np.float32), "scales"))
        if sizes:
            inits.append(numpy_helper.from_array(np.asarray(sizes, np.int64), "sizes"))
    node = helper.make_node(op, inputs, ["y"], **attrs)
    graph = helper.make_graph(
        [node],
        "resize",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, shape)],
        [helper.make_empty_tensor_value_info("y")],
        inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = 8
    onnx.save(model, path)
    return path


ONNX_CASES = {
    # the torch exporter's nearest (scale_factor=2) and bilinear (align_corners False/True)
    "nearest_asymmetric_floor": (
        [1, 3, 4, 5], 13,
        {"mode": "nearest", "coordinate_transformation_mode": "asymmetric",
         "nearest_mode": "floor"},
        [1, 1, 2, 2], None,
    ),
    "nearest_half_pixel_sizes": (
        [1, 2, 5, 3], 13, {"mode": "nearest"}, None, [1, 2, 7, 8],
    ),
    "nearest_align_corners_ceil": (
        [1, 2, 4, 3], 18,
        {"mode": "nearest", "coordinate_transformation_mode": "align_corners",
         "nearest_mode": "round_prefer_ceil"},
        None, [1, 2, 7, 5],
    ),
    "linear_pytorch_half_pixel": (
        [1, 3, 4, 5], 13,
        {"mode": "linear", "coordinate_transformation_mode": "pytorch_half_pixel"},
        [1, 1, 2.5, 1.5], None,
    ),
    "linear_align_corners": (
        [2, 2, 4, 3], 17,
        {"mode": "linear", "coordinate_transformation_mode": "align_corners"},
        None, [2, 2, 9, 7],
    ),
    "linear_half_pixel_down": (
        [1, 2, 8, 6], 13, {"mode": "linear"}, [1, 1, 0.5, 0.75], None,
    ),
    "linear_1d": (
        [1, 3, 6], 13, {"mode": "linear", "coordinate_transformation_mode": "half_pixel"},
        [1, 1, 2], None,
    ),
    "resize_opset10_nearest": ([1, 2, 3, 4], 10, {"mode": "nearest"}, [1, 1, 2, 3], None),
}  # fmt: skip


@pytest.mark.parametrize("name", list(ONNX_CASES))
def test_onnx_resize(name, tmp_path):
    shape, opset, attrs, scales, sizes = ONNX_CASES[name]
    path = _onnx_resize(tmp_path / f"{name}.onnx", shape, opset, attrs, scales, sizes)
    _check_onnx(path, shape, tmp_path)


@pytest.mark.parametrize("opset", [7, 9])
def test_onnx_upsample(opset, tmp_path):
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    shape = [1, 3, 3, 4]
    if opset == 7:
        node = helper.make_node(
            "Upsample", ["x"], ["y"], mode="nearest", scales=[1.0, 1.0, 2.0, 3.0]
        )
        inits = []
    else:
        node = helper.make_node("Upsample", ["x", "scales"], ["y"], mode="linear")
        inits = [numpy_helper.from_array(np.asarray([1, 1, 2, 2], np.float32), "scales")]
    graph = helper.make_graph(
        [node],
        "upsample",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, shape)],
        [helper.make_empty_tensor_value_info("y")],
        inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = 7
    path = tmp_path / f"upsample{opset}.onnx"
    onnx.save(model, path)
    _check_onnx(path, shape, tmp_path)


def _check_onnx(path: Path, shape: list[int], tmp_path: Path) -> None:
    from stai.runtime.runner import CModel

    out = tmp_path / "generated"
    generate(path, out)
    c_model = CModel(out)
    rng = np.random.default_rng(3)
    for _ in range(3):
        x = rng.uniform(-2, 2, shape).astype(np.float32)
        (expected,) = run_onnxruntime(path, [x])
        (got,) = c_model.run([x])
        assert got.shape == expected.shape
        assert np.max(np.abs(got - expected)) <= float_tolerance(expected)


def test_onnx_refusals_name_the_mode(tmp_path):
    cubic = _onnx_resize(tmp_path / "cubic.onnx", [1, 1, 2, 2], 13, {"mode": "cubic"}, [1, 1, 2, 2])
    with pytest.raises(StaiError, match="mode 'cubic' is not supported"):
        generate(cubic, tmp_path / "a")
    crop = _onnx_resize(
        tmp_path / "crop.onnx",
        [1, 1, 2, 2],
        13,
        {"mode": "linear", "coordinate_transformation_mode": "tf_crop_and_resize"},
        [1, 1, 2, 2],
    )
    with pytest.raises(StaiError, match="tf_crop_and_resize"):
        generate(crop, tmp_path / "b")
    channels = _onnx_resize(tmp_path / "c.onnx", [1, 2, 2, 2], 13, {}, [1, 2, 2, 2])
    with pytest.raises(StaiError, match="only the spatial axes"):
        generate(channels, tmp_path / "c")


# ----------------------------------------------------------------------------- Keras


def _keras_resizing():
    from keras_models import keras

    k = keras()
    L = k.layers
    x = k.Input((5, 6, 3), name="image")
    y = L.UpSampling2D((2, 3), interpolation="bilinear", name="up_bilinear")(x)
    y = L.Conv2D(4, 3, padding="same", activation="relu", name="conv")(y)
    y = L.Resizing(7, 9, name="resize_bilinear")(y)
    y = L.Resizing(4, 11, interpolation="nearest", name="resize_nearest")(y)
    return k.Model(x, y, name="resizing")


def test_keras_resizing_float_and_int8(tmp_path):
    """UpSampling2D bilinear and Resizing (bilinear, nearest): float within 1e-4 of Keras;
    quantized by stai on 64 samples, within 1 % of the output's range (rms)."""
    from keras_models import keras

    from stai.compiler.driver import import_model
    from stai.runtime.model_runner import Runner
    from stai.runtime.runner import CModel
    from stai.tools.quantize import compile_module, quantize_module
    from stai.tools.reference import run_keras

    keras().utils.set_random_seed(0)
    path = tmp_path / "resizing.keras"
    _keras_resizing().save(path)
    rng = np.random.default_rng(0)
    generate(path, tmp_path / "float")
    c_model = CModel(tmp_path / "float")
    data = rng.normal(0.0, 1.0, (20, 1, 5, 6, 3)).astype(np.float32)
    refs = np.stack([run_keras(path, [x])[0] for x in data])
    for x, ref in zip(data, refs):
        (got,) = c_model.run([x])
        assert np.max(np.abs(got - ref)) <= float_tolerance(ref)
    module = import_model(path)
    assert sum(op.name == "nn.resize" for op in module.walk()) == 3
    report = quantize_module(module, [rng.normal(0.0, 1.0, (64, 1, 5, 6, 3)).astype(np.float32)])
    assert not report.float_ops
    folder = compile_module(module, tmp_path / "q", "q")
    (out,) = Runner(folder, "q").run([data]).outputs
    rms = float(np.sqrt(np.mean((out.reshape(refs.shape) - refs) ** 2)))
    assert rms < 0.01 * float(np.abs(refs).max())
