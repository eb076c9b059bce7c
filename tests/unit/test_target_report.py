"""benchmarks/target_report.py without a target: the report's table and per-layer sections
read back as written (``--merge`` keeps what a run does not measure), the comparison
lines, where the instructions go, and bad options as one-line errors."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def report():
    spec = importlib.util.spec_from_file_location(
        "target_report", REPO / "benchmarks" / "target_report.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["target_report"] = module
    spec.loader.exec_module(module)
    return module


def _rows(report):
    Row = report.Row
    return [
        Row("kws_int8", "int8", "cortex-m55", "cmsis-nn", 0.2, 20464, 48160, 29024, 1809679,
            0.00014, 2664804, None, "abc1234"),
        Row("kws_int8", "int8", "cortex-m55", "stai", 0.3, 17344, 44460, 29900, 1073705,
            None, 2664804, "10/12", "abc1234"),
        Row("kws_int8", "int8", "cortex-m55", "stai-portable", 0.3, 17344, 40000, 29900,
            1113648, None, 2664804, "10/12", "def5678"),
        Row("kws_int8", "int8", "cortex-m4", "stai", error="boom", commit="abc1234"),
    ]  # fmt: skip


def _table(report, target="cortex-m55"):
    Layer = report.Layer
    layers = [
        Layer(0, "qnn.conv2d", 1000, {"cmsis-nn": "arm_a", "stai": "stai_mk_a"},
              {"cmsis-nn": 900, "stai": 600}),
        Layer(1, "qnn.conv2d", 3000, {"cmsis-nn": "arm_a", "stai": "stai_mk_a"},
              {"cmsis-nn": 2000, "stai": 1200}),
        Layer(2, "qnn.softmax", 10, {"cmsis-nn": "arm_s", "stai": "arm_s"},
              {"cmsis-nn": 100, "stai": 100}),
    ]  # fmt: skip
    return report.LayerTable(
        "kws_int8", target, "abc1234", layers, {"cmsis-nn": 3050, "stai": 2000}
    )


def test_rows_read_back(report, tmp_path):
    rows = _rows(report)
    out = tmp_path / "b.md"
    out.write_text(report.render(rows, "/cmsis", {"gcc": "1"}, [_table(report)]))
    back = report.read_rows(out)
    assert [(r.model, r.target, r.kernels, r.commit) for r in back] == [
        (r.model, r.target, r.kernels, r.commit) for r in rows
    ]
    for a, b in zip(rows, back):
        assert (a.arena, a.flash, a.weights, a.instructions, a.stai_layers, a.error) == (
            b.arena,
            b.flash,
            b.weights,
            b.instructions,
            b.stai_layers,
            b.error,
        )
    assert abs(back[0].macs - 2664804) < 2664804 * 0.005
    sections = report.read_layer_sections(out)
    assert list(sections) == [("kws_int8", "cortex-m55")]
    assert "| 1 | qnn.conv2d | 3,000 |" in sections[("kws_int8", "cortex-m55")]


def test_comparison_names_anchor_and_no_checkout(report):
    text = "\n".join(report._comparison(_rows(report)))
    line = next(x for x in text.splitlines() if x.startswith("- kws_int8 on cortex-m55"))
    assert f"{1073705 / 1809679:.3f} x CMSIS-NN's" in line
    assert f"{1073705 / 1808417:.3f} x the anchors' CMSIS-NN Helium" in line
    assert "without a CMSIS-NN checkout 1,113,648" in line
    assert "flash -3,700 B" in line and "arena -3,120 B" in line


def test_layer_table_ratio_share_and_where(report):
    lines = report._layer_table(_table(report))
    row1 = next(x for x in lines if x.startswith("| 1 |"))
    assert row1.endswith("| 0.60 | 60.0% |")
    assert "| whole inference | 4,010 |" in next(x for x in lines if x.startswith("|  | whole"))
    where = lines[-1]
    assert where.startswith(
        "Where the remaining instructions go with the stai kernels: the top layers "
        "node 1 (conv2d, `stai_mk_a`, 0.40 per MAC) 60.0%; node 0 (conv2d, `stai_mk_a`, "
        "0.60 per MAC) 30.0%; node 2 (softmax, `arm_s`, 10.00 per MAC) 5.0%."
    )
    assert "By op and kernel: conv2d `stai_mk_a` 90.0% (2 nodes, 0.45 per MAC)" in where
    assert where.endswith("; outside the nodes 5.0%.")


def test_share_of_the_nodes_sum_when_larger(report):
    table = _table(report)
    table.totals["stai"] = 1800
    lines = report._layer_table(table)
    assert next(x for x in lines if x.startswith("| 1 |")).endswith("| 0.60 | 63.2% |")
    assert "outside the nodes" not in lines[-1]


def test_merge_keeps_sections_of_other_targets(report, tmp_path):
    out = tmp_path / "b.md"
    out.write_text(report.render([], None, {}, [_table(report, "cortex-m4")]))
    kept = report.read_layer_sections(out)
    text = report.render([], None, {}, [_table(report, "cortex-m55")], True, kept)
    heads = [x for x in text.splitlines() if x.startswith("## ")]
    assert heads == ["## kws_int8 per layer on cortex-m4", "## kws_int8 per layer on cortex-m55"]


@pytest.mark.parametrize(
    "option", [["--targets", "cortex-m3"], ["--kernels", "fast"], ["--per-layer", "nope"]]
)
def test_bad_option_is_one_line(report, option, capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("STAI_MODELS", str(tmp_path))
    assert report.main([*option, "--out", str(tmp_path / "b.md")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: unknown ") and err.count("\n") == 1
    assert not (tmp_path / "b.md").exists()
