"""What a non-editable install gets: the wheel built from this checkout carries every
module, the C runtime, the board files, the documentation the help text points to and the
licence; the build raises no packaging warning; install advice names the published extras."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

from stai.errors import EXTRAS, install_hint

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> tuple[set[str], str]:
    out = tmp_path_factory.mktemp("wheel")
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-v", "--no-deps", str(ROOT), "-w", str(out)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert build.returncode == 0, (
        "building the wheel failed (pip needs the network for setuptools>=77):\n"
        + build.stdout[-3000:]
        + build.stderr[-3000:]
    )
    (path,) = out.glob("stai-*.whl")
    with zipfile.ZipFile(path) as z:
        return set(z.namelist()), build.stdout + build.stderr


def _installed_name(path: Path) -> str:
    """Where a checkout file lands in the wheel, through pyproject's package-dir map."""
    rel = path.relative_to(ROOT).as_posix()
    for package, folder in PYPROJECT["tool"]["setuptools"]["package-dir"].items():
        if folder != package.replace(".", "/") and rel.startswith(folder + "/"):
            return package.replace(".", "/") + rel[len(folder) :]
    return rel


def test_the_wheel_has_every_module_and_data_file(wheel: tuple[set[str], str]) -> None:
    names, _ = wheel
    folders = ["stai", "dialects", "frontends", "transforms", "lowering", "emitc", "runtime"]
    expected = [
        p
        for folder in folders
        for p in (ROOT / folder).rglob("*")
        if p.is_file()
        and "__pycache__" not in p.parts
        and not p.is_relative_to(ROOT / "stai" / folder)
        and p.suffix in {".py", ".c", ".h", ".ld", ".json", ".md"}
        and not any((ROOT / "stai" / f) in p.parents for f in folders[1:])
    ]
    expected += [p for p in (ROOT / "docs").rglob("*") if p.is_file()]
    assert len(expected) > 150
    missing = sorted(_installed_name(p) for p in expected if _installed_name(p) not in names)
    assert missing == []
    assert "stai/docs/target.md" in names and "stai/docs/schemas/analyze.schema.json" in names
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names)


def test_the_build_raises_no_packaging_warning(wheel: tuple[set[str], str]) -> None:
    _, log = wheel
    bad = [
        line
        for line in log.splitlines()
        if re.search(r"DeprecationWarning|Package .* is absent|would be ignored|!!", line)
    ]
    assert bad == []


def test_every_advertised_extra_exists_and_hints_use_it() -> None:
    extras = PYPROJECT["project"]["optional-dependencies"]
    assert set(EXTRAS) <= set(extras)
    assert "tflite-micro" in " ".join(extras["tflite"])
    assert install_hint("onnx") == (
        "pip install 'stai[onnx]' (in a checkout: pip install -e '.[onnx]')"
    )
    # Advice spelled by hand only works in a checkout: every message goes through install_hint.
    folders = ["stai", "dialects", "frontends", "transforms", "lowering", "emitc", "runtime"]
    by_hand = [
        f"{p.relative_to(ROOT)}:{i}"
        for folder in folders
        for p in (ROOT / folder).rglob("*.py")
        if p.name != "errors.py"
        for i, line in enumerate(p.read_text().splitlines(), 1)
        if "pip install" in line
    ]
    assert by_hand == []
