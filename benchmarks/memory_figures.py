"""Memory figures of every shared model: stai's planned arena against the operator-breadth
bound and against TensorFlow Lite Micro. Writes ``docs/memory.md``.

    .venv/bin/python benchmarks/memory_figures.py [--models DIR] [--out docs/memory.md]

For each model: the activation arena stai plans (scratch included) for the host, a
Cortex-M4 (DSP scratch sizes) and a Cortex-M55 (Helium scratch sizes, 16-byte alignment);
the operator-breadth bound of the model's own operator order (the most tensor bytes live
while one operator runs) and the largest scratch buffer; the arena with caller-provided
inputs and outputs; the generated code's total RAM (arena + its mutable statics); and
TFLite Micro's arena as ``print_allocations()`` reports it (planned tensors = head, runtime
tail, total). These are figures, not tests.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from shared_models import (  # noqa: E402  # pyright: ignore[reportMissingImports]
    HYBRID,
    SHARED_MODELS,
    models_dir_setting,
)

from stai.compiler.driver import compile_model  # noqa: E402
from stai.compiler.options import CompileOptions, MemoryOptions  # noqa: E402
from stai.errors import StaiError  # noqa: E402
from stai.memory.report import MemoryPlan  # noqa: E402

TARGETS = ("host", "cortex-m4", "cortex-m55")
"""The targets whose arenas (scratch sizes, alignment) are reported."""


def plan_for(model: Path, target: str, memory: MemoryOptions | None = None) -> MemoryPlan:
    """The memory plan of a model (the pipeline up to ``plan-memory``)."""
    options = CompileOptions(target=target, memory=memory or MemoryOptions())
    plan = compile_model(model, options, stop_after="plan-memory").memory
    assert plan is not None
    return plan


def tflm_figures(model: Path) -> tuple[int, int, int] | None:
    """TFLite Micro's arena (total, head = planned tensors, tail), or None if it cannot
    run the model."""
    from stai.tools.reference import _capture_fd_output, _tflm_interpreter

    try:
        interp = _tflm_interpreter(model)
    except StaiError:
        return None
    sys.stdout.flush()
    sys.stderr.flush()
    text = _capture_fd_output(interp.print_allocations)
    found = [
        re.search(rf"Arena allocation {k} (\d+) bytes", text) for k in ("total", "head", "tail")
    ]
    if not all(found):
        return None
    total, head, tail = (int(m.group(1)) for m in found)  # type: ignore[union-attr]
    return total, head, tail


def rows(models_dir: Path) -> list[dict]:
    """One dict of figures per shared model."""
    out = []
    for m in SHARED_MODELS:
        path = m.path(models_dir)
        if not path.is_file():
            continue
        plans = {target: plan_for(path, target) for target in TARGETS}
        apart = {target: plan_for(path, target, MemoryOptions(overlap=False)) for target in TARGETS}
        host = plans["host"]
        caller = plan_for(
            path, "host", MemoryOptions(allocate_inputs=False, allocate_outputs=False)
        )
        tflm = None if m.kind == HYBRID else tflm_figures(path)
        out.append(
            {
                "key": m.key,
                "kind": m.kind,
                "arena": {col: p.arena_bytes for col, p in plans.items()},
                "apart": {col: p.arena_bytes for col, p in apart.items()},
                "least": {
                    col: p.overlap_bound if p.overlap_bound is not None else p.breadth_bound
                    for col, p in plans.items()
                },
                "bound": host.breadth_bound,
                "scratch": {col: p.max_scratch for col, p in plans.items()},
                "caller_io": caller.arena_bytes,
                "statics": host.mutable_static_bytes,
                "total": host.arena_bytes + host.mutable_static_bytes,
                "strategy": host.strategy,
                "tflm": tflm,
            }
        )
    return out


def markdown(table: list[dict]) -> str:
    """The text of ``docs/memory.md``."""
    lines = [
        "# Memory figures",
        "",
        "Written by `benchmarks/memory_figures.py` (run it again to refresh): for every shared",
        "model, the activation arena stai plans against the operator-breadth bound, and the",
        "RAM the generated code needs against TensorFlow Lite Micro's. `docs/memory-planning.md`",
        "explains the planner and its options.",
        "",
        "* **arena**: the activation arena of `stai generate` with its default options (inputs,",
        "  outputs and kernel scratch buffers included; outputs overlapping their inputs where",
        "  the kernels allow it) for the host, a Cortex-M4 (DSP kernels and scratch sizes) and a",
        "  Cortex-M55 (Helium scratch sizes, 16-byte alignment); **apart**: the same with",
        "  `--no-overlap` (every output apart from its inputs);",
        "* **overlap bound**: the least arena any plan of that order can have when outputs",
        "  overlap their inputs as the kernels allow (`buf.overlap_bound`, scratch included);",
        "* **bound**: the operator-breadth bound of the model's own operator order (the most",
        "  tensor bytes live while one operator runs, without in-place outputs or scratch);",
        "  **scratch**: the largest kernel scratch buffer (host / M4 / M55); the targets",
        "  (default options, host and M4): KWS <= 9,000 B, VWW <= 42,000 B, IC <= 49,152 B,",
        "  every other model at or below its bound;",
        "* **caller I/O**: the host arena with `--no-inputs-allocation --no-outputs-allocation`;",
        "* **stai RAM**: host arena + the generated code's mutable statics (one 4-byte pointer",
        "  per pool and caller buffer); nothing else is mutable;",
        "* **TFLM**: `print_allocations()` of the `tflite-micro` package: total = planned",
        "  tensors (head) + runtime tail (per-tensor and per-node structures, persistent",
        "  buffers); the hybrid KWS model does not run on TFLite Micro.",
        "",
        "| model | arena host / M4 / M55 | apart host / M4 / M55 | bound | "
        "overlap bound host / M4 / M55 | scratch host / M4 / M55 | arena / bound | "
        "caller I/O | stai RAM | TFLM total (head + tail) | stai / TFLM |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in table:
        a, s, p, lo = r["arena"], r["scratch"], r["apart"], r["least"]
        ratio = f"{a['host'] / r['bound']:.3f}" if r["bound"] else "-"
        if r["tflm"] is not None:
            total, head, tail = r["tflm"]
            tflm = f"{total:,} ({head:,} + {tail:,})"
            versus = f"{r['total'] / total:.2f}"
        else:
            tflm, versus = "n/a", "-"
        lines.append(
            f"| {r['key']} | {a['host']:,} / {a['cortex-m4']:,} / {a['cortex-m55']:,} | "
            f"{p['host']:,} / {p['cortex-m4']:,} / {p['cortex-m55']:,} | {r['bound']:,} | "
            f"{lo['host']:,} / {lo['cortex-m4']:,} / {lo['cortex-m55']:,} | "
            f"{s['host']:,} / {s['cortex-m4']:,} / {s['cortex-m55']:,} | "
            f"{ratio} | {r['caller_io']:,} | {r['total']:,} | {tflm} | {versus} |"
        )
    lines += ["", "Strategies the planner kept (host):", ""]
    lines += [f"* {r['key']}: {r['strategy']}" for r in table]
    lines += ["", closing_note(table)]
    return "\n".join(lines) + "\n"


TARGETS_BYTES = {"kws_int8": 9_000, "vww_int8": 42_000, "ic_int8": 49_152}
"""The arena targets (host and M4, default options); every other model: its bound."""


def closing_note(table: list[dict]) -> str:
    """One paragraph: per model, the arena (host / M4), its target, the breadth bound, the
    overlap lower bound and TFLM's total, and whether every target is met."""
    parts, missed = [], []
    for r in table:
        a, lo = r["arena"], r["least"]
        target = TARGETS_BYTES.get(r["key"], r["bound"])
        worst = max(a["host"], a["cortex-m4"])
        if worst > target:
            missed.append(r["key"])
        tflm = f", TFLM {r['tflm'][0]:,}" if r["tflm"] is not None else ""
        parts.append(
            f"{r['key']} {a['host']:,} / {a['cortex-m4']:,} B (target {target:,}, bound "
            f"{r['bound']:,}, overlap bound {lo['host']:,}{tflm})"
        )
    verdict = "every target is met" if not missed else f"not met: {', '.join(missed)}"
    return (
        "**Closing note.** Arena host / M4 with the default options (stai's kernels), "
        "against its target, the breadth bound, the overlap lower bound and TFLite "
        f"Micro's total: {'; '.join(parts)}. On host and M4 {verdict}."
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--models", type=Path, default=None, help="the shared models folder")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "memory.md")
    args = parser.parse_args(argv)
    models = args.models or models_dir_setting()
    text = markdown(rows(models))
    args.out.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
