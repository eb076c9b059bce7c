"""ONNX models compiled by stai and run on the host, against ONNX Runtime: the real MNIST
model, one small model per operator (float), their QDQ and QOperator int8 versions
(within 1 LSB of ONNX Runtime's outputs), and NCHW / NHWC interfaces."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import onnx.utils
import onnx.version_converter
import pytest
from conftest import float_tolerance
from onnx_opmodels import FLOAT_MODELS, input_shape, output_scale, quantized, save

from stai.compiler.driver import generate
from stai.runtime.runner import CModel
from stai.tools.reference import run_onnxruntime

QDQ_MODELS = [
    "conv",
    "conv_stride2_same",
    "conv_dilated",
    "conv_depthwise",
    "conv_grouped",
    "conv1d",
    "conv_transpose",
    "gemm",
    "matmul",
    "flatten_gemm",
    "add_channel_const",
    "add_tensors",
    "mul_const",
    "leaky_relu",
    "sigmoid",
    "softmax",
    "softmax_axis1",
    "global_avg_pool",
    "shape_reshape",
    "data_movement",
    "concat_channels",
    "pad_conv",
    "conv_max_pool",
    "conv_avg_pool",
    "conv_relu",
    "conv_sigmoid",
    "conv_global_avg_pool",
    "conv_transpose_perm",
    "conv_flatten",
    "slice",
    "split",
    "gather_channels",
    "gather_one_row",
]
"""Models whose int8 version ``quantize_static`` (QDQ) ends with a DequantizeLinear."""

QOP_MODELS = [
    "conv",
    "conv_depthwise",
    "conv_stride2_same",
    "gemm_plain",
    "matmul",
    "flatten_gemm",
    "add_tensors",
    "add_channel_const",
    "mul_const",
    "conv_max_pool",
    "conv_global_avg_pool",
    "concat_channels",
    "leaky_relu",
    "sigmoid",
    "softmax",
]
"""Models whose QOperator version (QLinearConv, QLinearMatMul, QGemm, QLinearAdd, ...) runs."""


def _samples(shape: list[int], count: int, seed: int, scale: float = 1.0) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [rng.uniform(-scale, scale, shape).astype(np.float32) for _ in range(count)]


@pytest.fixture(scope="module")
def onnx_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("onnx_models")


def _float_model(name: str, folder: Path) -> Path:
    path = folder / f"{name}.onnx"
    if not path.exists():
        save(FLOAT_MODELS[name](), path)
    return path


def test_mnist_matches_onnxruntime(models_dir, compiled):
    mnist = models_dir / "onnx" / "mnist" / "mnist.onnx"
    assert mnist.is_file(), f"missing shared model {mnist}"
    model = compiled(mnist)
    for x in _samples([1, 1, 28, 28], 5, seed=11, scale=255.0):
        x = np.abs(x)
        (expected,) = run_onnxruntime(mnist, [x])
        (got,) = model.run([x])
        assert got.shape == expected.shape == (1, 10)
        assert np.max(np.abs(got - expected)) <= float_tolerance(expected)
        assert np.argmax(got) == np.argmax(expected)


@pytest.mark.parametrize("name", sorted(FLOAT_MODELS))
def test_float_operator(name, onnx_dir, compiled):
    path = _float_model(name, onnx_dir)
    model = compiled(path)
    for x in _samples(input_shape(onnx.load(str(path))), 3, seed=5, scale=2.0):
        (expected,) = run_onnxruntime(path, [x])
        (got,) = model.run([x])
        assert got.shape == expected.shape
        assert np.max(np.abs(got - expected)) <= float_tolerance(expected), name


def _check_int8(path: Path, model: CModel, shape: list[int]) -> None:
    scale = output_scale(path)
    for x in _samples(shape, 5, seed=9):
        (expected,) = run_onnxruntime(path, [x])
        (got,) = model.run([x])
        assert got.shape == expected.shape
        lsb = np.max(np.abs(got.astype(np.float64) - expected)) / scale
        assert lsb <= 1.0 + 1e-3, f"{path.name}: {lsb:.2f} LSB from ONNX Runtime"
        if expected.ndim == 2:
            assert np.argmax(got) == np.argmax(expected)


@pytest.mark.parametrize("name", QDQ_MODELS)
def test_qdq_operator(name, onnx_dir, compiled):
    float_path = _float_model(name, onnx_dir)
    path = quantized(float_path, onnx_dir / f"{name}_qdq.onnx", "qdq")
    _check_int8(path, compiled(path), input_shape(onnx.load(str(float_path))))


@pytest.mark.parametrize("name", QOP_MODELS)
def test_qoperator(name, onnx_dir, compiled):
    float_path = _float_model(name, onnx_dir)
    path = quantized(float_path, onnx_dir / f"{name}_qop.onnx", "qop")
    ops = {n.op_type for n in onnx.load(str(path)).graph.node}
    assert ops & {
        "QLinearConv",
        "QLinearMatMul",
        "QGemm",
        "QLinearAdd",
        "QLinearMul",
        "QLinearConcat",
        "QLinearSigmoid",
        "QLinearLeakyRelu",
        "QLinearSoftmax",
        "QLinearGlobalAveragePool",
    }, ops
    _check_int8(path, compiled(path), input_shape(onnx.load(str(float_path))))


def test_qdq_conv_is_int8(onnx_dir):
    """The QDQ convolution becomes an int8 nn.conv2d (not a float one between casts)."""
    from stai.dialects import nn
    from stai.frontends.onnx import import_onnx

    path = quantized(_float_model("conv", onnx_dir), onnx_dir / "conv_qdq_ir.onnx", "qdq")
    convs = [op for op in import_onnx(path).walk() if isinstance(op, nn.Conv2DOp)]
    assert len(convs) == 1 and nn.is_quantized(convs[0].output.type)


@pytest.mark.parametrize("io_transpose", [True, False])
def test_channel_first_interface(io_transpose, onnx_dir, tmp_path):
    """A conv model with 3-channel input and 6-channel output: NCHW at the interface by
    default (one transpose each side), NHWC with --no-onnx-io-transpose (none left)."""
    path = _float_model("conv", onnx_dir)
    out = tmp_path / "gen"
    result = generate(path, out, frontend_options={"io_transpose": io_transpose})
    c_source = (out / "network.c").read_text()
    transposes = c_source.count("stai_transpose(")
    model = CModel(out)
    x = _samples([1, 4, 9, 8], 1, seed=2)[0]
    (expected,) = run_onnxruntime(path, [x])
    if io_transpose:
        assert result.inputs[0].shape == [1, 4, 9, 8] and result.outputs[0].shape == [1, 6, 9, 8]
        assert transposes == 2
        (got,) = model.run([x])
    else:
        assert result.inputs[0].shape == [1, 9, 8, 4] and result.outputs[0].shape == [1, 9, 8, 6]
        assert transposes == 0
        (got,) = model.run([np.ascontiguousarray(x.transpose(0, 2, 3, 1))])
        got = got.transpose(0, 3, 1, 2)
    assert np.max(np.abs(got - expected)) <= float_tolerance(expected)


def test_no_optimizer_same_result(onnx_dir, tmp_path):
    path = _float_model("batch_norm_folded", onnx_dir)
    generate(path, tmp_path / "gen", frontend_options={"optimize": False})
    model = CModel(tmp_path / "gen")
    x = _samples([1, 4, 6, 6], 1, seed=4)[0]
    (expected,) = run_onnxruntime(path, [x])
    (got,) = model.run([x])
    assert np.max(np.abs(got - expected)) <= float_tolerance(expected)


def test_analyze_labels_onnx_operators(models_dir, tmp_path):
    """``stai analyze`` on the real MNIST model: each node is labelled with its ONNX
    node's type at the node's index in the file (the optimizer fused the bias Adds into
    the convolutions without renumbering), and the model's weight bytes are the file's
    (before the int64 reshape shapes fold away)."""
    import contextlib
    import io
    import json

    from stai.cli.main import main

    mnist = models_dir / "onnx" / "mnist" / "mnist.onnx"
    model = onnx.load(str(mnist))
    code = None
    err = io.StringIO()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
        try:
            main(["analyze", "-m", str(mnist), "-o", str(tmp_path / "a")])
        except SystemExit as exc:
            code = exc.code
    assert not code, err.getvalue()
    report = json.loads((tmp_path / "a" / "network_analyze.json").read_text())
    file_nodes = [(n.op_type, n.name) for n in model.graph.node]
    layers = report["layers"]
    assert [(row["type"], row["m_id"]) for row in layers] == [
        ("conv2d", 1),
        ("max_pool2d", 4),
        ("conv2d", 5),
        ("max_pool2d", 8),
        ("fully_connected", 10),
    ]
    for row in layers:
        assert row["model_type"] == file_nodes[row["m_id"]][0]
    initializers = sum(onnx.numpy_helper.to_array(t).nbytes for t in model.graph.initializer)
    totals = report["totals"]
    assert totals["model_weights_bytes"] == initializers == 24008
    assert totals["model_operators"] == len(file_nodes) == 12
    text = (tmp_path / "a" / "network_analyze.txt").read_text()
    assert "conv2d (Conv)" in text and "fully_connected (MatMul)" in text
    assert "(TRANSPOSE)" not in text and "(RESHAPE)" not in text


def _symbolic_batch_mnist(models_dir: Path, folder: Path) -> Path:
    """The shared MNIST model brought to IR 7 / opset 13 with a symbolic batch ``N`` on
    its input and output, and its shapes inferred into ``value_info``."""
    model = onnx.load(str(models_dir / "onnx" / "mnist" / "mnist.onnx"))
    constants = {t.name for t in model.graph.initializer}
    kept = [v for v in model.graph.input if v.name not in constants]
    del model.graph.input[:]
    model.graph.input.extend(kept)
    model.ir_version = 7
    model = onnx.version_converter.convert_version(model, 13)
    for value in (model.graph.input[0], model.graph.output[0]):
        value.type.tensor_type.shape.dim[0].dim_param = "N"
    model = onnx.shape_inference.infer_shapes(model)
    path = folder / "mnist_symbolic_batch.onnx"
    onnx.save(model, str(path))
    return path


@pytest.mark.parametrize(
    "output,shape", [("Plus214_Output_0", (1, 10)), ("ReLU114_Output_0", (1, 16, 14, 14))]
)
def test_extracted_model_with_symbolic_batch(models_dir, tmp_path, output, shape):
    """``onnx.utils.extract_model`` lists the inputs in ``value_info`` with their symbolic
    batch: with the default optimizer the model still gets batch 1 (not 0) and matches
    ONNX Runtime."""
    import onnx.utils

    source = _symbolic_batch_mnist(models_dir, tmp_path)
    path = tmp_path / f"extracted_{output}.onnx"
    onnx.utils.extract_model(str(source), str(path), ["Input3"], [output])
    assert "Input3" in {v.name for v in onnx.load(str(path)).graph.value_info}
    compiled = generate(path, tmp_path / "out", name="network")
    assert compiled.activations_bytes > 0
    model = CModel(tmp_path / "out")
    for x in _samples([1, 1, 28, 28], 2, seed=3, scale=255.0):
        (expected,) = run_onnxruntime(path, [np.abs(x)])
        (got,) = model.run([np.abs(x)])
        assert got.shape == expected.shape == shape
        assert np.max(np.abs(got - expected)) <= float_tolerance(expected)
