"""``stai``: the command embedded engineers use (``generate``; more commands to come)."""

from __future__ import annotations

import sys
from collections.abc import Callable


def run_reporting_errors(body: Callable[[], object], tool: str) -> int:
    """Run ``body``; report a ``StaiError`` (or bad IR) as one line on stderr, exit 2."""
    from xdsl.utils.exceptions import DiagnosticException, ParseError, VerifyException

    from stai.errors import StaiError

    try:
        body()
    except StaiError as e:
        print(f"{tool}: error: {e}", file=sys.stderr)
        return 2
    except (ParseError, VerifyException, DiagnosticException) as e:
        print(f"{tool}: error: {e}", file=sys.stderr)
        return 2
    except FileNotFoundError as e:
        print(f"{tool}: error: {e.filename}: no such file", file=sys.stderr)
        return 2
    return 0


def main(argv: list[str] | None = None) -> None:
    raise SystemExit("stai: the driver is not written yet")
