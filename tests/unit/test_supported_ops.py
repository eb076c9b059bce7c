"""``stai supported-ops``: the table comes from the frontends' dispatch tables, the docs
hold the same table, and a refused operator points to the command."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from stai.frontends.keras.importer import HANDLERS as KERAS_HANDLERS
from stai.frontends.onnx.importer import HANDLERS as ONNX_HANDLERS
from stai.frontends.tflite.importer import OPERATORS as TFLITE_OPERATORS
from stai.tools import supported_ops

ROOT = Path(__file__).resolve().parents[2]
STAI = str(Path(sys.executable).parent / "stai")


def test_every_dispatched_operator_is_listed_once() -> None:
    data = json.loads(supported_ops.as_json())
    assert set(data) == {"tflite", "onnx", "keras"}
    assert set(data["tflite"]) == set(TFLITE_OPERATORS)
    assert set(data["onnx"]) == set(ONNX_HANDLERS)
    assert set(data["keras"]) == set(KERAS_HANDLERS)
    for table in data.values():
        assert all(types for types in table.values())
    # Facts the kernels pin: int8 convolution on TFLite, QDQ int8 Conv, QOperator only int8.
    assert data["tflite"]["CONV_2D"] == ["float32", "int8", "int16"]
    assert data["onnx"]["Conv"] == ["float32", "int8 (QDQ)"]
    assert data["onnx"]["QLinearConv"] == ["int8 (QOperator)"]


def test_the_docs_table_is_the_commands_output() -> None:
    docs = (ROOT / "docs" / "supported-ops.md").read_text()
    assert docs == supported_ops.markdown(), (
        "docs/supported-ops.md is out of date: "
        ".venv/bin/stai supported-ops --format markdown > docs/supported-ops.md"
    )


@pytest.mark.parametrize("fmt", ["text", "markdown", "json"])
def test_the_command(fmt: str) -> None:
    run = subprocess.run(
        [STAI, "supported-ops", "--frontend", "onnx", "--format", fmt],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    assert "QLinearConv" in run.stdout and "CONV_2D" not in run.stdout
    if fmt == "json":
        assert list(json.loads(run.stdout)) == ["onnx"]


def test_a_refused_operator_points_to_the_command(tmp_path: Path) -> None:
    import onnx
    from onnx import TensorProto, helper

    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4])
    graph = helper.make_graph([helper.make_node("Hardmax", ["x"], ["y"])], "g", [x], [y])
    path = tmp_path / "hardmax.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]), path)
    run = subprocess.run(
        [STAI, "generate", "-m", str(path), "-o", str(tmp_path / "o")],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 2
    assert run.stderr.count("\n") == 1 and "`stai supported-ops`" in run.stderr
