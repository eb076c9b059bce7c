"""``stai validate --per-layer`` on ONNX and Keras models: every generated node's output
(through the observer) against the reference's intermediate tensor (onnxruntime with
every node's outputs as graph outputs; a Keras model whose outputs are the layers')."""

from __future__ import annotations

import contextlib
import io
from pathlib import Path
from typing import Any

import pytest
from onnx_opmodels import FLOAT_MODELS, quantized, save

from stai.cli.main import main
from stai.compiler.options import CompileOptions, FrontendOptions
from stai.tools.validate import ValidateOptions, validate


def _per_layer(model: Path, out: Path, **kwargs: Any) -> Any:
    return validate(
        ValidateOptions(
            model=model, out_dir=out, per_layer=True, progress=False, batch_size=4, **kwargs
        )
    )


def _close(row: Any, scale: float = 1.0) -> bool:
    """The node's max |error| within 1e-4 x max(1, the error's scale)."""
    return row.metrics is not None and row.metrics.max_abs <= 1e-4 * max(1.0, scale)


def test_onnx_mnist_per_layer(models_dir: Path, tmp_path: Path) -> None:
    """The real MNIST model: each of its 5 generated nodes (conv+relu, pool, conv+relu,
    pool, dense) matches onnxruntime's tensor (NCHW moved to the C model's NHWC), with
    the m_id of the file's node."""
    import onnx

    path = models_dir / "onnx" / "mnist" / "mnist.onnx"
    report = _per_layer(path, tmp_path / "v", range=(0.0, 1.0))
    assert report.layer_reference.startswith("onnxruntime")
    file_types = [n.op_type for n in onnx.load(str(path)).graph.node]
    rows = report.layers
    assert [r.type for r in rows] == [
        "conv2d",
        "max_pool2d",
        "conv2d",
        "max_pool2d",
        "fully_connected",
    ]
    assert [file_types[r.m_id] for r in rows] == ["Conv", "MaxPool", "Conv", "MaxPool", "MatMul"]
    assert all(r.metrics is not None and r.metrics.cos > 0.999999 for r in rows), rows
    assert all(_close(r, 1e3) for r in rows), rows
    assert report.first_divergence is None


@pytest.mark.parametrize(
    ("io_transpose", "optimize"), [(True, False), (False, True), (False, False)]
)
def test_onnx_per_layer_with_frontend_options(
    tmp_path: Path, io_transpose: bool, optimize: bool
) -> None:
    """A conv with a bias Add and a pool, compiled with the ONNX frontend options: the
    reference intermediates come from the graph stai imported (optimized or not) and its
    channel-first inputs; every kernel node has a reference tensor."""
    from onnx_opmodels import Graph

    g = Graph()
    y = str(g.node("Conv", ["x", g.weights(6, 3, 3, 3)], pads=[1, 1, 1, 1]))
    y = str(g.node("Add", [y, g.weights(1, 6, 1, 1)]))
    y = str(g.node("Relu", [y]))
    g.node("MaxPool", [y], kernel_shape=[2, 2], strides=[2, 2])
    g.nodes[-1].output[0] = "y"
    path = save(g.model({"x": [1, 3, 8, 10]}, {"y": None}), tmp_path / "m.onnx")
    frontend = FrontendOptions(io_transpose=io_transpose, optimize=optimize)
    report = _per_layer(path, tmp_path / "v", compile=CompileOptions(frontend=frontend))
    kernels = [r for r in report.layers if r.type != "transpose"]
    assert {r.type for r in kernels} >= {"conv2d", "max_pool2d"}
    assert all(_close(r, 10.0) for r in kernels), report.layers
    # the conv's node is the file's Conv (m_id 0), fused with the Add (1) and the Relu (2)
    conv = next(r for r in kernels if r.type == "conv2d")
    assert conv.m_id == 0


def test_onnx_qdq_per_layer(tmp_path: Path) -> None:
    """An int8 QDQ model: each int8 node (dequantized) within a few output steps of
    onnxruntime's float tensor of the same name."""
    float_path = save(FLOAT_MODELS["conv_relu"](), tmp_path / "f.onnx")
    path = quantized(float_path, tmp_path / "q.onnx", "qdq")
    report = _per_layer(path, tmp_path / "v")
    compared = [r for r in report.layers if r.metrics is not None]
    assert compared and any(r.dtype == "int8" for r in compared), report.layers
    for row in compared:
        assert row.metrics.cos > 0.99 and row.metrics.rmse < 0.05, row


def test_keras_per_layer(tmp_path: Path) -> None:
    """A functional Keras model with branches, folded batch norms and two outputs: every
    named node is compared with its layer's output (a conv that absorbed a batch norm
    with the batch norm's output), within float tolerance."""
    from keras_models import build

    path = tmp_path / "residual.keras"
    build("functional_residual").save(path)
    report = _per_layer(path, tmp_path / "v")
    assert report.layer_reference.startswith("tensorflow")
    named = [r for r in report.layers if r.name]
    assert len(named) >= 10
    assert all(_close(r, 10.0) for r in named), report.layers
    conv_a = next(r for r in report.layers if r.name == "conv_a")  # bn_a folded into it
    assert conv_a.metrics is not None and conv_a.metrics.cos > 0.999999
    assert report.first_divergence is None


def test_keras_nested_per_layer(tmp_path: Path) -> None:
    """Nested models: the layers of a nested model called once are compared through the
    nested model's outputs; a model called twice has no single reference."""
    from keras_models import build

    path = tmp_path / "nested.keras"
    build("nested").save(path)
    report = _per_layer(path, tmp_path / "v")
    by_name = {r.name: r for r in report.layers if r.name}
    assert _close(by_name["stem"]) and _close(by_name["out"])
    assert _close(by_name["head/head_dw"])  # the head's batch norm folded into it
    assert by_name["res/res_add"].metrics is None  # the shared model: two calls


def test_cli_per_layer_onnx(models_dir: Path, tmp_path: Path) -> None:
    """``stai validate --per-layer`` on an ONNX model runs (it said "--per-layer needs a
    .tflite model") and writes the per-layer table."""
    out = tmp_path / "v"
    err, std = io.StringIO(), io.StringIO()
    code: Any = 0
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(std):
        try:
            main(
                [
                    "validate",
                    "-m",
                    str(models_dir / "onnx" / "mnist" / "mnist.onnx"),
                    "-o",
                    str(out),
                    "-b",
                    "2",
                    "--per-layer",
                ]
            )
        except SystemExit as exc:
            code = exc.code
    assert not code, err.getvalue()
    # Titles wrap between words at the report's width.
    text = " ".join((out / "network_validate.txt").read_text().split())
    assert "onnxruntime (every node's outputs as graph outputs)" in text
    assert "1x14x14x16" in text  # the second conv's row
    assert "every compared node matches the reference" in text
