"""The C that stai copies into users' firmware folders carries its licence."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SPDX = "/* SPDX-License-Identifier: Apache-2.0 */"


def _shipped_c() -> list[Path]:
    runtime = ROOT / "runtime"
    boards = ROOT / "stai" / "boards"
    return sorted(
        [
            *runtime.glob("include/*.h"),
            *runtime.glob("src/*.c"),
            *boards.glob("support/*"),
            *boards.glob("plugin/*.c"),
            *boards.glob("validation/*.[ch]"),
        ]
    )


def test_every_runtime_and_board_file_starts_with_the_spdx_line():
    files = _shipped_c()
    assert len(files) > 50
    missing = [str(p.relative_to(ROOT)) for p in files if p.read_text().splitlines()[0] != SPDX]
    assert missing == []


def test_the_licence_file_is_the_declared_one():
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["license"]
    assert declared == "Apache-2.0"
    text = (ROOT / "LICENSE").read_text()
    assert "Apache License" in text and "Version 2.0, January 2004" in text
