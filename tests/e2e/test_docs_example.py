"""The runner example of docs/observer.md runs and prints one line per node."""

from __future__ import annotations

import runpy
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from stai.compiler.driver import generate

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "examples" / "per_layer.py"


def test_per_layer_example(
    shared_model_path: Callable[[str], Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    generate(shared_model_path("hello_world_int8"), tmp_path / "hw", "hw", observer=True)
    np.save(tmp_path / "x.npy", np.array([[-64]], dtype=np.int8))
    namespace = runpy.run_path(str(EXAMPLE))
    namespace["main"](str(tmp_path / "hw"), str(tmp_path / "x.npy"))
    lines = capsys.readouterr().out.splitlines()
    # (the first dense layer runs stai's 1x1 kernel: the line names it)
    assert len(lines) == 4 and "mk.conv1x1_s8" in lines[0] and "m_id   0" in lines[0]
    assert lines[-1] == "output: [126]"  # hello_world at x = pi/2 (the models' README)
