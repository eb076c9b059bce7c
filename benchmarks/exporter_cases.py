"""Models written by the real exporters (``tests/exporter_models.py``), each compiled by
``stai generate`` and run as C on the host against its framework: one markdown row per
case (exporter, model, opset, result, error figures).

    .venv/bin/python benchmarks/exporter_cases.py [KEY-REGEX] [--out FILE]

Needs the ``exporters`` extra (torch, tf_keras, tf2onnx, onnxscript) besides ``all``.
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from exporter_models import CASES, Case, OpError, compare, per_op_errors  # noqa: E402

from stai.compiler.driver import generate  # noqa: E402
from stai.errors import StaiError  # noqa: E402
from stai.runtime.runner import CModel  # noqa: E402

HEADER = (
    "| exporter | model | opset | result | max abs error | relative error (int8: LSB of the output scale) "
    "| max \\|ref\\| | argmax equal | seconds |\n|---|---|---|---|---|---|---|---|---|"
)


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}"[:200].replace("|", "\\|")


def run_case(case: Case, folder: Path) -> str:
    """The markdown row of one case."""
    start = time.perf_counter()
    opset = str(case.opset) if case.opset is not None else "-"
    head = f"| {case.exporter} | {case.model} | {opset} |"
    try:
        built = case.build(folder)
    except Exception as exc:  # an exporter failure is a finding too
        return f"{head} export failed: {_one_line(exc)} | | | | | |"
    try:
        out = folder / f"{built.path.stem}_c"
        generate(built.path, out)
        model = CModel(out)
        got = [model.run(x) for x in built.inputs]
    except StaiError as exc:
        seconds = time.perf_counter() - start
        message = str(exc).strip().replace(f"{folder}/", "").replace("|", "/")
        return f"{head} refused: `` {message} `` | | | | | {seconds:.1f} |"
    except Exception as exc:
        seconds = time.perf_counter() - start
        return f"{head} **CRASH** {_one_line(exc)} | | | | | {seconds:.1f} |"
    err = compare(built, got)
    if built.int8:
        assert err.lsb is not None
        cuts = folder / "per_op"
        cuts.mkdir()
        try:
            ops = per_op_errors(built.path, built.inputs, cuts)
        except Exception as exc:
            return f"{head} per-op check failed: {_one_line(exc)} | | | | | |"
        worst = max(ops, key=lambda op: op.lsb, default=OpError("-", "-", err.lsb))
        ok = worst.lsb <= 1.0 + 1e-3
        figure = f"output {err.lsb:.2f} LSB; per op max {worst.lsb:.2f} LSB ({len(ops)} ops)"
        if not ok:
            figure += f", worst: {worst.op_type} '{worst.name}'"
    else:
        ok = err.relative <= 1e-4
        figure = f"{err.relative:.1e}"
    if err.argmax_total and err.argmax_equal != err.argmax_total:
        ok = False
    result = "compiled, matches" if ok else "**compiled, WRONG**"
    seconds = time.perf_counter() - start
    argmax = f"{err.argmax_equal}/{err.argmax_total}" if err.argmax_total else "-"
    return f"{head} {result} | {err.max_abs:.2e} | {figure} | {err.peak:.3g} | {argmax} | {seconds:.1f} |"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pattern", nargs="?", default=".", help="regex of case keys")
    parser.add_argument("--out", type=Path, help="also write the table to this file")
    args = parser.parse_args(argv)
    keys = [k for k in CASES if re.search(args.pattern, k)]
    rows = [HEADER]
    print(HEADER, flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        for i, key in enumerate(keys):
            folder = Path(tmp) / str(i)
            folder.mkdir()
            row = run_case(CASES[key], folder)
            rows.append(row)
            print(row, flush=True)
    if args.out:
        args.out.write_text("\n".join(rows) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
