"""The size/speed choice ``-O time|ram|balanced`` measured on the emulated Cortex-M4: for
each MLPerf Tiny int8 model, compiled with ``--kernels stai`` and each choice, the arena
bytes, the flash bytes of the linked test firmware and of its weights, the instructions of
one inference (QEMU's exact count, the median of two random samples; not cycles), and the
layers the choice changed. Prints a Markdown table (``docs/target.md`` quotes it).

    .venv/bin/python benchmarks/optimize_report.py [--models kws_int8,ad_int8]
        [--target cortex-m4] [--choices balanced,time,ram]

The layers no stai kernel fits run CMSIS-NN's kernels from ``CMSIS_NN_PATH`` when it is
set, else the portable ones. Needs the target toolchain (``make setup``) and the shared
models (``STAI_MODELS``).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

from shared_models import (  # noqa: E402  # pyright: ignore[reportMissingImports]
    SHARED_MODELS,
    models_dir_setting,
    random_inputs,
)

from stai.boards.runner import TargetModel  # noqa: E402
from stai.compiler.driver import compile_model, write_generated  # noqa: E402
from stai.compiler.options import OPTIMIZE, CompileOptions  # noqa: E402

MODELS = ("kws_int8", "vww_int8", "ic_int8", "ad_int8")


def measure(key: str, path: Path, target: str, choice: str, work: Path, samples: list) -> dict:
    """Compile, build and run one model with one choice."""
    options = CompileOptions(name=key, target=target, kernels="stai", optimize=choice)
    compiled = compile_model(path, options)
    out = work / f"{key}_{choice}"
    write_generated(compiled, out)
    model = TargetModel(
        out,
        work_dir=work / f"build_{key}_{choice}",
        cmsis_nn_path=os.environ.get("CMSIS_NN_PATH", ""),
        timeout=900,
    )
    run = model.run_many(samples)
    counts = [s.instructions for s in run.samples if s.instructions is not None]
    cost = compiled.optimize
    note = ""
    if cost is not None and choice == "time":
        note = f"{cost.layers} layers on int16 weights"
    elif cost is not None and choice == "ram":
        note = "no gain: balanced's code" if cost.fell_back or not cost.layers else ""
        note = note or f"{cost.layers} layers on a kernel with less scratch"
    return {
        "model": key,
        "choice": choice,
        "arena": compiled.activations_bytes,
        "flash": model.footprint.flash,
        "weights": model.footprint.flash_weights,
        "instructions": int(np.median(counts)),
        "note": note,
    }


def render(rows: list[dict]) -> str:
    """The Markdown table, each row against its model's ``balanced`` row."""
    base = {r["model"]: r for r in rows if r["choice"] == "balanced"}
    lines = [
        "| model | -O | arena (B) | flash (B) | weights (B) | instructions | vs balanced | |",
        "|---|---|---:|---:|---:|---:|---:|---|",
    ]
    for r in rows:
        b = base.get(r["model"])
        ratio = f"{r['instructions'] / b['instructions']:.3f}" if b else "-"
        delta = ""
        if b and r["choice"] != "balanced":
            delta = f" ({r['flash'] - b['flash']:+,})"
        lines.append(
            f"| {r['model']} | {r['choice']} | {r['arena']:,} | {r['flash']:,}{delta} | "
            f"{r['weights']:,} | {r['instructions']:,} | {ratio} | {r['note']} |"
        )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--models", default=",".join(MODELS))
    parser.add_argument("--target", default="cortex-m4")
    parser.add_argument("--choices", default=",".join(OPTIMIZE))
    args = parser.parse_args(argv)
    root = models_dir_setting()
    keys = [k for k in args.models.split(",") if k]
    choices = [c for c in OPTIMIZE if c in args.choices.split(",")]
    rows = []
    with tempfile.TemporaryDirectory(prefix="stai-optimize-") as tmp:
        for entry in SHARED_MODELS:
            if entry.key not in keys:
                continue
            path = entry.path(root)
            samples = random_inputs(path, 2, seed=1, float_range=entry.float_range)
            for choice in choices:
                row = measure(entry.key, path, args.target, choice, Path(tmp), samples)
                print(f"{row['model']:10} {choice:9} {row['instructions']:>12,}", file=sys.stderr)
                rows.append(row)
    print(render(rows), end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
