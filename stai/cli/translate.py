"""``stai-translate``: print C from IR at the ``c`` level (the EmitC-like dialect).

stai-translate network.mlir            # all generated files, each after a header line
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from stai.cli.opt import StaiOptMain


def main(args: Sequence[str] | None = None) -> None:
    from stai.cli.common import run_reporting_errors

    argv = list(sys.argv[1:] if args is None else args)
    if not any(a == "-t" or a.startswith("--target") for a in argv):
        argv = ["-t", "c", *argv]
    sys.exit(
        run_reporting_errors(
            lambda: StaiOptMain(description="stai C translator", args=argv).run(),
            "stai-translate",
        )
    )


if __name__ == "__main__":
    main()
