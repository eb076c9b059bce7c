"""The tools a target build and run need: the Arm cross-compiler, QEMU, and stai's
instruction-counting QEMU plugin (built on first use with the host C compiler).

A missing tool raises ``StaiError`` with one line saying which Debian packages to install
(``make setup`` installs them).
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
from functools import cache
from pathlib import Path

from stai.errors import StaiError

PACKAGES = "gcc-arm-none-eabi libnewlib-arm-none-eabi qemu-system-arm"
"""The Debian packages of the target toolchain."""

PLUGIN_SOURCE = Path(__file__).resolve().parent / "plugin" / "stai_icount.c"

_INSTALL_HINT = f"install Debian's {PACKAGES} (apt-get install {PACKAGES}, or `make setup`)"


def find_tool(name: str) -> str:
    """The path of ``name`` on ``PATH``; ``StaiError`` naming the packages if absent."""
    path = shutil.which(name)
    if path is None:
        raise StaiError(f"'{name}' not found: {_INSTALL_HINT}")
    return path


def cross_tool(tool: str) -> str:
    """An ``arm-none-eabi-`` tool (``gcc``, ``ar``, ``size``...), checked to exist."""
    return find_tool(f"arm-none-eabi-{tool}")


@cache
def check_newlib() -> None:
    """Raise ``StaiError`` unless the cross-compiler has newlib's C library."""
    gcc = cross_tool("gcc")
    found = subprocess.run(
        [
            gcc,
            "-mthumb",
            "-mcpu=cortex-m4",
            "-mfloat-abi=hard",
            "-mfpu=fpv4-sp-d16",
            "--specs=nano.specs",
            "-print-file-name=libc_nano.a",
        ],
        capture_output=True,
        text=True,
    ).stdout.strip()
    if not found or not Path(found).is_file():
        raise StaiError(f"newlib for arm-none-eabi-gcc not found: {_INSTALL_HINT}")


@cache
def qemu_version(qemu: str) -> tuple[int, int, int]:
    """The version of the QEMU binary ``qemu`` (``qemu-system-arm --version``)."""
    text = subprocess.run([qemu, "--version"], capture_output=True, text=True).stdout
    match = re.search(r"version (\d+)\.(\d+)(?:\.(\d+))?", text)
    if match is None:
        raise StaiError(f"cannot read the version of {qemu}")
    return int(match[1]), int(match[2]), int(match[3] or 0)


def plugin_api_version(version: tuple[int, int, int]) -> int:
    """The plugin interface version a QEMU release accepts (it grew with releases: 1 until
    8.2, 2 in 9.0, 3 in 9.1, 4 from 9.2 on)."""
    if version < (9, 0, 0):
        return 1
    if version < (9, 1, 0):
        return 2
    if version < (9, 2, 0):
        return 3
    return 4


def cache_dir() -> Path:
    """Where stai keeps things it builds for reuse (``$STAI_CACHE``, else
    ``$XDG_CACHE_HOME/stai``, else ``~/.cache/stai``)."""
    if os.environ.get("STAI_CACHE"):
        return Path(os.environ["STAI_CACHE"])
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "stai"


@cache
def icount_plugin() -> Path:
    """The instruction-counting plugin for the installed QEMU, built if needed."""
    qemu = find_tool("qemu-system-arm")
    api = plugin_api_version(qemu_version(qemu))
    source = PLUGIN_SOURCE.read_bytes()
    digest = hashlib.sha256(source + str(api).encode()).hexdigest()[:16]
    plugin = cache_dir() / f"stai_icount-{digest}.so"
    if plugin.is_file():
        return plugin
    cc = os.environ.get("STAI_HOST_CC") or shutil.which("cc") or shutil.which("gcc")
    if cc is None:
        raise StaiError("building the instruction-counting plugin needs a host C compiler (cc)")
    try:
        plugin.parent.mkdir(parents=True, exist_ok=True)
    except OSError:  # no writable cache folder: a temporary one
        import tempfile

        plugin = Path(tempfile.gettempdir()) / "stai-cache" / plugin.name
        plugin.parent.mkdir(parents=True, exist_ok=True)
        if plugin.is_file():
            return plugin
    temp = plugin.with_suffix(f".{os.getpid()}.tmp")
    proc = subprocess.run(
        [
            cc,
            "-std=c99",
            "-O2",
            "-Wall",
            "-Wextra",
            "-shared",
            "-fPIC",
            "-fvisibility=hidden",
            f"-DSTAI_PLUGIN_API_VERSION={api}",
            "-o",
            str(temp),
            str(PLUGIN_SOURCE),
        ],
        capture_output=True,
        text=True,
    )
    if proc.returncode != 0:
        raise StaiError(f"building the QEMU plugin failed: {proc.stderr.strip().splitlines()[-1:]}")
    os.replace(temp, plugin)
    return plugin
