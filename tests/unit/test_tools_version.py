"""``stai --tools-version``: the versions of stai, Python, its packages and tools."""

from __future__ import annotations

import platform
from importlib.metadata import version

import pytest

from stai.cli.main import main as stai_main


def test_tools_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        stai_main(["--tools-version"])
    assert exit_info.value.code == 0
    lines = {
        line.split("  ")[0].strip(): line.split("  ")[-1].strip()
        for line in capsys.readouterr().out.splitlines()
    }
    assert lines["Python"] == platform.python_version()
    assert lines["numpy"] == version("numpy")
    assert lines["xdsl"] == version("xdsl")
    assert lines["tflite (frontend)"] == version("tflite")
    assert lines["tflite-micro (reference)"] == version("tflite-micro")
    assert lines["ai-edge-litert (reference)"] == version("ai-edge-litert")
    assert "C compiler (cc)" in lines and "Graphviz dot" in lines
