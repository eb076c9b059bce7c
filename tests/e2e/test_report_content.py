"""What the reports say: the memory-plan SVG (unique short labels, byte ticks, sizes on
hover and in the legend), the graph (kernel, stride, fused activation, tensor names and
shapes), validate's metrics that do not apply, its check line with and without
``--check``, the target run's per-node types and instructions per MACC, and the progress
of ``--compression-level``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from stai.cli.main import main as stai_main
from stai.tools.analyze import analyze, write_reports

SVG = "{http://www.w3.org/2000/svg}"
STAI = str(Path(sys.executable).parent / "stai")


def _run_cli(args: list[str]) -> int:
    with pytest.raises(SystemExit) as exit_info:
        stai_main(args)
    code = exit_info.value.code
    return int(code) if code is not None else 0


@pytest.mark.parametrize("key", ["kws_int8", "ic_int8"])
def test_memory_plan_svg(
    key: str, shared_model_path: Callable[[str], Path], tmp_path: Path
) -> None:
    a = analyze(shared_model_path(key))
    files = write_reports(a, tmp_path)
    root = ET.parse(files["memory_svg"]).getroot()
    boxes = [r for r in root.iter(f"{SVG}rect") if r.get("data-label") is not None]
    assert len(boxes) == len(a.buffers) > 10
    labels = [r.get("data-label") for r in boxes]
    assert len(set(labels)) == len(labels), labels
    assert all(len(label or "") <= 6 for label in labels), labels
    for box, buffer in zip(boxes, a.buffers):
        title = box.find(f"{SVG}title")
        assert title is not None and title.text is not None
        assert f"{buffer.size:,} B" in title.text, title.text
        assert int(box.get("data-bytes") or -1) == buffer.size
    ticks = [t for t in root.iter(f"{SVG}text") if t.get("class") == "tick"]
    values = [int(t.get("data-bytes") or -1) for t in ticks]
    assert len(ticks) >= 4 and values[0] == 0 and values[-1] == a.totals.arena_bytes[0]
    assert values == sorted(values)
    assert all(t.text == f"{v:,} B" for t, v in zip(ticks, values))
    legend = {
        t.get("data-label"): t.text or ""
        for t in root.iter(f"{SVG}text")
        if t.get("class") == "legend"
    }
    assert set(legend) == set(labels)
    for label, buffer in zip(labels, a.buffers):
        assert f"{buffer.size:,} B" in legend[label] and buffer.name in legend[label]


def test_graph_shows_geometry_activation_and_tensors(
    shared_model_path: Callable[[str], Path], models_dir: Path, tmp_path: Path
) -> None:
    """KWS's first conv2d is 10x4 with stride 2 and a fused ReLU (from the .tflite); MNIST's
    ReLUs are separate ONNX nodes fused into the convolutions; every edge is labelled with
    the shape of its tensor and the input is linked to the first node."""
    kws = analyze(shared_model_path("kws_int8"))
    conv = kws.layers[0]
    assert conv.geometry["kernel"] == [10, 4] and conv.geometry["strides"] == [2, 2]
    assert conv.activation == "relu" and conv.input_shapes == [[1, 49, 10, 1]]
    dot = write_reports(kws, tmp_path / "kws")["graph_dot"].read_text()
    first = next(line for line in dot.splitlines() if line.startswith('  "c:0" '))
    assert "kernel 10x4" in first and "stride 2x2" in first and "activation relu" in first
    assert "1x25x5x64 int8" in first and "functional_1/activation/Relu" in first
    assert '"in:0" -> "c:0" [label=" 1x49x10x1"]' in dot

    mnist = analyze(models_dir / "onnx" / "mnist" / "mnist.onnx")
    convs = [r for r in mnist.layers if r.type == "conv2d"]
    assert [r.geometry["kernel"] for r in convs] == [[5, 5], [5, 5]]
    assert all(r.activation == "relu" for r in convs)
    assert mnist.edges[0] == ("in:0", "c:0")
    dot = write_reports(mnist, tmp_path / "mnist")["graph_dot"].read_text()
    assert "ReLU32_Output_0" in dot and "kernel 3x3\\nstride 3x3" in dot


def test_labels_show_only_accuracy(models_dir: Path, tmp_path: Path) -> None:
    """Against labels only the accuracy applies: the other metrics are '-' in the text
    and null in the JSON; against the reference they are figures."""
    labels = tmp_path / "y.npy"
    np.save(labels, np.array([3, 1, 4]))
    out = tmp_path / "o"
    model = models_dir / "onnx" / "mnist" / "mnist.onnx"
    args = ["validate", "-m", str(model), "-b", "3", "-vo", str(labels), "-o", str(out)]
    assert _run_cli(args) == 0
    data = json.loads((out / "network_validate.json").read_text())
    rows = {r["comparison"]: r for r in data["results"]}
    truth = rows["C model vs ground truth"]
    assert truth["against"] == "labels" and truth["acc"] is not None
    errors = ("rmse", "mae", "l2r", "mean", "std", "cos", "nse", "max_abs")
    assert all(truth[k] is None for k in errors), truth
    reference = rows["C model vs reference"]
    assert reference["against"] == "values" and reference["acc"] is None
    assert all(isinstance(reference[k], float) for k in errors), reference
    text = (out / "network_validate.txt").read_text()
    acc = f"{100 * truth['acc']:.2f}%"
    lines = [x for x in text.splitlines() if f" {acc} " in x]
    assert len(lines) == 2, text  # C model and reference vs ground truth
    for line in lines:
        cells = [c.strip() for c in line.split("│")[1:-1]]
        assert cells[2:] == [acc] + ["-"] * 10, line


def test_check_line_only_with_check(
    models_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A float output outside the tolerance (MNIST's C model is within about 1e-6 of
    onnxruntime, not 1e-9): without --check a note and exit 0, with --check 'check failed'
    and exit 1."""
    model = models_dir / "onnx" / "mnist" / "mnist.onnx"
    base = ["validate", "-m", str(model), "-b", "2", "--tolerance", "1e-9"]
    assert _run_cli([*base, "-o", str(tmp_path / "a")]) == 0
    printed = capsys.readouterr().out
    assert "check failed" not in printed and "note: output 0" in printed
    assert _run_cli([*base, "-o", str(tmp_path / "b"), "--check"]) == 1
    printed = capsys.readouterr().out
    assert "check failed: output 0" in printed and "note:" not in printed
    data = json.loads((tmp_path / "b" / "network_validate.json").read_text())
    assert data["check"]["passed"] is False


def test_target_nodes_have_type_and_instructions_per_macc(
    shared_model_path: Callable[[str], Path], tmp_path: Path
) -> None:
    """On QEMU (Cortex-M4) without per-layer capture: each node has its kernel type and
    MACC (those analyze reports) and its instructions per MACC; the total too."""
    from dataclasses import replace

    from stai.compiler.driver import compile_model, write_generated
    from stai.compiler.options import CompileOptions
    from stai.tools.validate_board import TargetRunner, node_facts

    model = shared_model_path("kws_int8")
    options = CompileOptions(target="cortex-m4", observer=True)
    compiled = compile_model(model, options, keep_planned=True)
    write_generated(compiled, tmp_path / "c")
    runner = TargetRunner(tmp_path / "c", cmsis_nn_path="", nodes=node_facts(compiled.planned))
    x = np.random.default_rng(0).integers(-128, 128, (1, 1, 49, 10, 1), dtype=np.int8)
    runner.run([x])
    section = runner.report()
    a = analyze(model, options=replace(options, observer=False, target="host"))
    assert [n["type"] for n in section["nodes"]] == [r.type for r in a.layers]
    assert [n["macc"] for n in section["nodes"]] == [r.macc for r in a.layers]
    for n in section["nodes"]:
        assert n["instructions_per_macc"] == round(n["instructions"] / n["macc"], 3)
    assert section["macc"] == a.totals.macc
    assert section["instructions_per_macc"] == round(
        section["instructions"]["mean"] / a.totals.macc, 3
    )


def test_compression_level_reports_progress(
    shared_model_path: Callable[[str], Path], capfd: pytest.CaptureFixture[str]
) -> None:
    """Not a terminal: plain lines on stderr for each step, the last with the choice;
    quiet: none."""
    model = shared_model_path("hello_world_float")
    proc = subprocess.run(
        [STAI, "analyze", "-m", str(model), "--compression-level", "high", "--json"],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "80"},
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr
    lines = [x for x in proc.stderr.splitlines() if x.startswith("stai: compression level high:")]
    assert any("uncompressed model: 1/1" in x for x in lines), proc.stderr
    assert any("3 layers at factors 4 and 8: 0/6" in x for x in lines), proc.stderr
    assert any("3 layers at factors 4 and 8: 6/6" in x for x in lines), proc.stderr
    assert "layers compressed" in lines[-1], proc.stderr
    json.loads(proc.stdout)  # stdout holds only the report
    analyze(model, compression_level="high", quiet=True)
    assert "compression level" not in capfd.readouterr().err


def test_validate_on_target_names_every_node_and_records_the_check(
    shared_model_path: Callable[[str], Path], tmp_path: Path
) -> None:
    """``stai validate --mode target`` without ``--per-layer``: every node of the JSON has
    its kernel type and MACC, and the saved report records that ``--check`` was asked."""
    model = shared_model_path("ad_int8")
    args = ["validate", "-m", str(model), "--mode", "target", "--target", "cortex-m4"]
    assert _run_cli([*args, "-b", "2", "--check", "-o", str(tmp_path / "v")]) == 0
    data = json.loads((tmp_path / "v" / "network_validate.json").read_text())
    nodes = data["target"]["nodes"]
    assert nodes and all(n["type"] for n in nodes)
    assert sum(n["macc"] or 0 for n in nodes) == data["target"]["macc"] > 0
    assert data["check"]["requested"] is True and data["check"]["passed"] is True
    assert "check passed" in (tmp_path / "v" / "network_validate.txt").read_text()
