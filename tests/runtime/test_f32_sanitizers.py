"""The float32 kernels run clean under AddressSanitizer and UBSan.

The kernels are built with `-fsanitize=address,undefined -fno-sanitize-recover=all` into a
shared library, and a child Python process with libasan preloaded calls every fixed case of
`test_f32_support.CASES` on it (a sanitizer report aborts the child). Its outputs must equal
those of the normal -O2 build.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import test_f32_support as support


@pytest.fixture(scope="module")
def libraries(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The normal and the sanitized build of the float32 kernels."""
    out = tmp_path_factory.mktemp("f32_sanitize")
    return support.build_library(out), support.build_library(out, sanitize=True)


def _asan_runtime() -> str:
    """The path of gcc's libasan (to preload into the Python child)."""
    done = subprocess.run(
        [support.compiler(), "-print-file-name=libasan.so"],
        capture_output=True,
        text=True,
        check=True,
    )
    path = done.stdout.strip()
    if not os.path.isabs(path) or not os.path.exists(path):
        pytest.fail(f"gcc has no libasan.so ({path!r}): install libasan", pytrace=False)
    return os.path.realpath(path)


def _sanitized_python(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run the venv's Python with libasan preloaded (leak checks off: CPython is not clean)."""
    env = dict(os.environ)
    env["LD_PRELOAD"] = _asan_runtime()
    env["ASAN_OPTIONS"] = "detect_leaks=0:abort_on_error=0"
    env["UBSAN_OPTIONS"] = "print_stacktrace=1:halt_on_error=1"
    return subprocess.run(
        [sys.executable, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=600
    )


def test_cases_run_clean_under_sanitizers(libraries: tuple[Path, Path], tmp_path: Path) -> None:
    plain, sanitized = libraries
    result = tmp_path / "asan_outputs.npz"
    done = _sanitized_python([support.__file__, str(sanitized), str(result)], tmp_path)
    assert done.returncode == 0, f"sanitized run failed:\n{done.stdout}\n{done.stderr[-6000:]}"
    assert "runtime error" not in done.stderr, done.stderr[-6000:]
    assert "AddressSanitizer" not in done.stderr, done.stderr[-6000:]
    expected = support.run_cases(plain)
    with np.load(result) as got:
        assert sorted(got.files) == sorted(expected)
        for name, want in expected.items():
            np.testing.assert_allclose(got[name], want, rtol=1e-6, atol=1e-6, err_msg=name)


def test_sanitizer_harness_detects_an_overflow(
    libraries: tuple[Path, Path], tmp_path: Path
) -> None:
    """Calling a kernel past the end of its buffer must abort the sanitized child."""
    _, sanitized = libraries
    probe = (
        "import ctypes, numpy as np\n"
        f"lib = ctypes.CDLL({str(sanitized)!r})\n"
        "a = np.zeros(4, np.float32)\n"
        "p = ctypes.c_void_p(a.ctypes.data)\n"
        "lib.stai_clamp_f32(p, p, ctypes.c_int32(9), ctypes.c_float(0), ctypes.c_float(1))\n"
    )
    done = _sanitized_python(["-c", probe], tmp_path)
    assert done.returncode != 0
    assert "heap-buffer-overflow" in done.stderr
