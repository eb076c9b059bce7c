"""``stai analyze`` and ``stai validate`` at 60, 80 and 120 columns (``COLUMNS``), run as a
user runs them: every figure of the JSON report is printed whole in the text (no ``…``,
no number split over two lines), and no line is wider than the terminal."""

from __future__ import annotations

import json
import math
import os
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

STAI = str(Path(sys.executable).parent / "stai")
WIDTHS = (60, 80, 120)
NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?(?:e[-+]?\d+)?")


def _run(args: list[str], width: int) -> str:
    env = {**os.environ, "COLUMNS": str(width)}
    proc = subprocess.run([STAI, *args], capture_output=True, text=True, env=env, timeout=600)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def _numbers(text: str) -> set[str]:
    return set(NUMBER.findall(text))


def _check_layout(text: str, width: int) -> None:
    assert "…" not in text, text
    too_wide = [line for line in text.splitlines() if len(line) > width]
    assert not too_wide, too_wide


def _missing(figures: list[str], text: str) -> list[str]:
    printed = _numbers(text)
    return [f for f in figures if f.lstrip("+-") not in printed]


# ------------------------------------------------------------------------- analyze


def _analyze_figures(data: dict[str, Any]) -> list[str]:
    """The figures of an analyze JSON report as the text prints them."""
    t = data["totals"]
    out = [f"{data['model']['bytes']:,}"]
    keys = ("params", "macc", "weights_bytes", "model_weights_bytes", "weights_change_bytes")
    out += [f"{t[k]:,}" for k in keys]
    out += [f"{t['weights_change_percent']:.2f}"]
    keys = ("activations_bytes", "input_bytes", "output_bytes", "ram_total_bytes", "nodes")
    out += [f"{t[k]:,}" for k in (*keys, "model_operators")]
    if len(t["arena_bytes"]) > 1:
        out += [f"{b:,}" for b in t["arena_bytes"]]
    for tensor in data["inputs"] + data["outputs"]:
        out.append(f"{tensor['bytes']:,}")
        if tensor["scale"] is not None:
            out += [f"{tensor['scale']:.9g}", str(tensor["zero_point"])]
    for row in data["layers"]:
        out += [str(row["c_id"]), f"{row['params']:,}", f"{row['macc']:,}"]
        out += [f"{row['rom_bytes']:,}"] + ([str(row["m_id"])] if row["m_id"] is not None else [])
    footprint = (data["target_footprint"] or {}).get("footprint") or {}
    out += [f"{v:,}" for v in footprint.values() if isinstance(v, int) and v]
    return out


@pytest.fixture(scope="module")
def analyze_runs(
    shared_model_path: Callable[[str], Path],
    models_dir: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[list[tuple[str, int, str, dict[str, Any]]]]:
    """(model, width, printed text, JSON report) for KWS on a Cortex-M4 (with its
    footprint) and MNIST (ONNX) on the host, at each width."""
    root = tmp_path_factory.mktemp("analyze")
    models = {
        "kws": (shared_model_path("kws_int8"), ["--target", "cortex-m4"]),
        "mnist": (models_dir / "onnx" / "mnist" / "mnist.onnx", []),
    }
    runs = []
    for key, (model, extra) in models.items():
        for width in WIDTHS:
            out = root / f"{key}{width}"
            text = _run(["analyze", "-m", str(model), "-o", str(out), *extra], width)
            data = json.loads((out / "network_analyze.json").read_text())
            runs.append((key, width, text, data))
    yield runs


def test_analyze_never_cuts_a_figure(analyze_runs: list) -> None:
    for key, width, printed, data in analyze_runs:
        text = printed.split("stai: wrote")[0]  # the paths of the files written
        _check_layout(text, width)
        missing = _missing(_analyze_figures(data), text)
        assert not missing, (key, width, missing, text)
        if key == "kws":
            assert data["target_footprint"]["footprint"]["flash"] > 0
            assert f"{data['target_footprint']['footprint']['flash']:,}" in text


# ------------------------------------------------------------------------ validate


def _metric_strings(result: dict[str, Any]) -> list[str]:
    out = []
    for key in ("rmse", "mae", "l2r", "mean", "std", "cos", "nse", "max_abs"):
        value = result[key]
        if value is not None and math.isfinite(value):
            out.append(f"{abs(value):.4g}")
    if result["acc"] is not None:
        out.append(f"{100 * result['acc']:.2f}")
    if result["bit_exact"] is not None:
        out += [str(result["bit_exact"]), str(result["samples"])]
    if result["max_abs_lsb"] is not None:
        out.append(str(result["max_abs_lsb"]))
    return out


@pytest.fixture(scope="module")
def validate_runs(
    shared_model_path: Callable[[str], Path],
    models_dir: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> list[tuple[str, int, str, dict[str, Any]]]:
    """MNIST (float, with labels: three comparisons and two confusion matrices) and KWS
    int8 (bit-exact, per layer) at each width."""
    root = tmp_path_factory.mktemp("validate")
    labels = root / "labels.npy"
    np.save(labels, np.array([3, 1, 4, 1, 5]))
    mnist = models_dir / "onnx" / "mnist" / "mnist.onnx"
    kws = shared_model_path("kws_int8")
    runs = []
    for width in WIDTHS:
        out = root / f"mnist{width}"
        args = ["validate", "-m", str(mnist), "-b", "5", "-vo", str(labels), "--classifier"]
        text = _run([*args, "-o", str(out)], width)
        runs.append(("mnist", width, text, json.loads((out / "network_validate.json").read_text())))
        out = root / f"kws{width}"
        text = _run(["validate", "-m", str(kws), "-b", "3", "--per-layer", "-o", str(out)], width)
        runs.append(("kws", width, text, json.loads((out / "network_validate.json").read_text())))
    return runs


def test_validate_never_cuts_a_figure(validate_runs: list) -> None:
    for key, width, text, data in validate_runs:
        body = text.split("stai: wrote")[0]
        _check_layout(body, width)
        figures = [f for r in data["results"] for f in _metric_strings(r)]
        for layer in data["layers"]:
            figures += [str(layer["c_id"]), str(layer["m_id"])]
            if layer["metrics"] is not None:
                figures += _metric_strings(layer["metrics"])
        missing = _missing(figures, body)
        assert not missing, (key, width, missing, text)
        for matrix in data["confusion_matrices"].values():
            counts = [str(v) for line in matrix for v in line if v]
            assert not _missing(counts, body), (key, width)
