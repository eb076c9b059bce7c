"""Write ``docs/benchmarks.md``: every shared model compiled by stai and run on the
emulated Cortex-M4 (QEMU mps2-an386) and Cortex-M55 (mps3-an547).

For each model: compile time (``stai generate``), arena bytes, flash bytes of the linked
test firmware, instructions per inference (QEMU's count, exact; not cycles) and the share
of those spent in the generated code rather than in kernels, with stai's portable kernels
and, when ``CMSIS_NN_PATH`` points to a CMSIS-NN checkout, with CMSIS-NN's.

    .venv/bin/python benchmarks/target_report.py [--models kws_int8,ad_int8] [--out FILE]

Needs the target toolchain (``make setup``) and the shared models (``STAI_MODELS``).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

from shared_models import SHARED_MODELS, models_dir_setting, random_inputs  # noqa: E402

from stai.boards.runner import COUNTING_METHOD, TargetModel  # noqa: E402
from stai.compiler.driver import generate  # noqa: E402
from stai.errors import StaiError  # noqa: E402

TARGETS = ("cortex-m4", "cortex-m55")


@dataclass
class Row:
    """One model on one target with one kernel set."""

    model: str
    kind: str
    target: str
    kernels: str
    compile_s: float | None = None
    arena: int | None = None
    flash: int | None = None
    weights: int | None = None
    instructions: int | None = None
    glue_share: float | None = None
    error: str | None = None


def measure(
    key: str,
    kind: str,
    path: Path,
    target: str,
    kernels: str,
    cmsis: str,
    work: Path,
    samples: list[list[np.ndarray]],
) -> Row:
    """Compile, build and run one model on one target."""
    row = Row(key, kind, target, kernels)
    out = work / f"{key}_{target}_{kernels}"
    try:
        start = time.perf_counter()
        result = generate(path, out, name=key, target=target)
        row.compile_s = time.perf_counter() - start
        row.arena = result.activations_bytes
        model = TargetModel(
            out,
            work_dir=work / f"build_{key}_{target}_{kernels}",
            cmsis_nn_path=cmsis if kernels == "cmsis-nn" else "",
            timeout=900,
        )
        row.flash = model.footprint.flash
        row.weights = model.footprint.flash_weights
        run = model.run_many(samples)
        counts = [s.instructions for s in run.samples if s.instructions is not None]
        row.instructions = int(np.median(counts))
        row.glue_share = float(
            np.mean([s.glue_share for s in run.samples if s.glue_share is not None])
        )
    except StaiError as e:
        row.error = str(e)
    return row


def _fmt(value: int | None) -> str:
    return "-" if value is None else f"{value:,}"


def render(rows: list[Row], cmsis: str | None, tools: dict[str, str]) -> str:
    """The Markdown report."""
    lines = [
        "# Benchmarks on emulated Cortex-M",
        "",
        "Written by `benchmarks/target_report.py` (do not edit by hand). Every shared model "
        "(`tests/shared_models.py`) is compiled with `stai generate --target T`, linked with "
        "stai's test harness for QEMU's board (`docs/target.md`) and run on two random "
        "samples (median shown).",
        "",
        f"- Counting: {COUNTING_METHOD}. QEMU does not model pipelines, caches or wait "
        "states, so instructions are a proxy for time, not a measure of it.",
        "- Flash: `.text + .rodata + .data` of the linked firmware (network code, kernels, "
        "weights, plus about 2 KB of harness and C library); arena: the activation bytes the "
        "generated code asks for.",
        "- Glue: the share of instructions executed in the generated code itself "
        "(`NAME.c`), outside kernels and the C library.",
        "- Kernels: `portable` = stai's C kernels (the CMSIS-NN API without DSP or Helium "
        "code); `cmsis-nn` = a CMSIS-NN checkout (`CMSIS_NN_PATH`), DSP on M4, Helium on M55. "
        "Float and hybrid models run stai's own float kernels either way.",
        "- Compile times were taken on a shared, busy 2-core machine: compare them with care.",
        "- Tools: " + ", ".join(f"{k} {v}" for k, v in tools.items()) + ".",
        "",
    ]
    if not cmsis:
        lines += ["CMSIS_NN_PATH was not set: only the portable kernels are measured.", ""]
    lines += [
        "| model | kind | target | kernels | compile (s) | arena (B) | flash (B) | weights (B) "
        "| instructions / inference | glue |",
        "|---|---|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        if r.error:
            lines.append(
                f"| {r.model} | {r.kind} | {r.target} | {r.kernels} | "
                f"| | | | not run: {r.error} | |"
            )
            continue
        glue = "-" if r.glue_share is None else f"{100 * r.glue_share:.3f}%"
        lines.append(
            f"| {r.model} | {r.kind} | {r.target} | {r.kernels} | {r.compile_s:.2f} | "
            f"{_fmt(r.arena)} | {_fmt(r.flash)} | {_fmt(r.weights)} | "
            f"{_fmt(r.instructions)} | {glue} |"
        )
    shares = [(r.glue_share, r) for r in rows if r.glue_share is not None]
    if shares:
        worst, at = max(shares, key=lambda x: x[0])
        over = sorted({r.model for share, r in shares if share >= 0.01})
        lines += [
            "",
            f"Largest share of instructions in the generated code: {100 * worst:.3f}% "
            f"({at.model}, {at.target}, {at.kernels}); aim: under 1%."
            + (
                f" Over 1%: {', '.join(over)} (a few thousand instructions per "
                "inference, of which the calls' set-up is a visible part)."
                if over
                else ""
            ),
        ]
    return "\n".join(lines) + "\n"


def tool_versions() -> dict[str, str]:
    """First version lines of the cross-compiler and QEMU."""
    import re

    versions = {}
    for tool in ("arm-none-eabi-gcc", "qemu-system-arm"):
        try:
            text = subprocess.run([tool, "--version"], capture_output=True, text=True).stdout
        except OSError:
            versions[tool] = "missing"
            continue
        first = text.splitlines()[0] if text else ""
        found = re.search(r"(?:version |\) )(\d+\.\d+(?:\.\d+)?)", first)
        versions[tool] = found.group(1) if found else "?"
    return versions


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", help="comma-separated shared model keys (default: all)")
    parser.add_argument("--out", default=str(REPO / "docs" / "benchmarks.md"))
    args = parser.parse_args(argv)
    root = models_dir_setting()
    if not root.is_dir():
        print(f"shared models not found: {root} (set STAI_MODELS)", file=sys.stderr)
        return 2
    keys = args.models.split(",") if args.models else [m.key for m in SHARED_MODELS]
    cmsis = os.environ.get("CMSIS_NN_PATH")
    kernel_sets = ["portable"] + (["cmsis-nn"] if cmsis else [])
    rows = []
    with tempfile.TemporaryDirectory(prefix="stai-bench-") as tmp:
        for model in SHARED_MODELS:
            if model.key not in keys:
                continue
            path = model.path(root)
            samples = random_inputs(path, 2, seed=1, float_range=model.float_range)
            for target in TARGETS:
                for kernels in kernel_sets:
                    row = measure(
                        model.key,
                        model.kind,
                        path,
                        target,
                        kernels,
                        cmsis or "",
                        Path(tmp),
                        samples,
                    )
                    print(
                        f"{row.model:18} {target:10} {kernels:8} "
                        f"{_fmt(row.instructions):>15} {row.error or ''}",
                        flush=True,
                    )
                    rows.append(row)
    Path(args.out).write_text(render(rows, cmsis, tool_versions()))
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
