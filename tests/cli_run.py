"""Running the ``stai`` command line in-process, as the tests do."""

from __future__ import annotations

import contextlib
import io
from collections.abc import Sequence
from typing import Any

from stai.cli.main import main


def run_stai(argv: Sequence[str]) -> tuple[int, str, str]:
    """``stai ARGV`` in this process: (exit code, standard output, standard error)."""
    out, err = io.StringIO(), io.StringIO()
    code: Any = 0
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            main(list(argv))
        except SystemExit as exc:
            code = exc.code
    return int(code or 0), out.getvalue(), err.getvalue()


def generate(model: Any, out: Any) -> tuple[int, str]:
    """``stai generate -m MODEL -o OUT``: (exit code, standard error)."""
    code, _, err = run_stai(["generate", "-m", str(model), "-o", str(out)])
    return code, err
