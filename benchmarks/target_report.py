"""Write ``docs/benchmarks.md``: every shared model compiled by stai and run on the
emulated Cortex-M4 (QEMU mps2-an386), Cortex-M7 (mps2-an500) and Cortex-M55 (mps3-an547).

For each model: compile time (``stai generate``), arena bytes, flash bytes of the linked
test firmware, instructions per inference (QEMU's count, exact; not cycles), per
multiply-accumulate of its convolutions and fully connected layers, and the share of
those spent in the generated code rather than in kernels, with stai's portable kernels,
with CMSIS-NN's when ``CMSIS_NN_PATH`` points to a CMSIS-NN checkout, and (int8 models
on M4 and M7) with stai's own kernels (``--kernels stai``; the layers they do not fit run
CMSIS-NN's, or the portable kernels without a checkout).

    .venv/bin/python benchmarks/target_report.py [--models kws_int8,ad_int8]
        [--targets cortex-m4,cortex-m7] [--kernels stai,cmsis-nn] [--per-layer kws_int8]
        [--merge] [--out FILE]

``--merge`` keeps the rows and per-layer tables of the existing report that this run does
not measure (so one model can be measured again alone); ``--per-layer MODEL`` adds a table
of that model's instructions per layer on Cortex-M4 for each kernel set (the observer's
per-node counts).

Needs the target toolchain (``make setup``) and the shared models (``STAI_MODELS``).
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

from shared_models import (  # noqa: E402  # pyright: ignore[reportMissingImports]
    INT8,
    SHARED_MODELS,
    models_dir_setting,
    random_inputs,
)

from stai.boards.runner import COUNTING_METHOD, TargetModel  # noqa: E402
from stai.compiler.driver import compile_model, layer_kernels, write_generated  # noqa: E402
from stai.compiler.options import CompileOptions  # noqa: E402
from stai.errors import StaiError  # noqa: E402

TARGETS = ("cortex-m4", "cortex-m7", "cortex-m55")
KERNEL_SETS = ("portable", "cmsis-nn", "stai")
STAI_TARGETS = ("cortex-m4", "cortex-m7")
"""The targets stai's own kernels are measured on (a Helium core keeps CMSIS-NN's)."""

ANCHORS = {"kws_int8": 5.21e6, "vww_int8": 10.73e6, "ic_int8": 19.9e6, "ad_int8": 0.575e6}
"""X-CUBE-AI 10.2's published MLPerf Tiny cycles on a Cortex-M4 (../shared/ANCHORS.md)."""


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
    macs: int | None = None
    """Multiply-accumulates of the convolutions and fully connected layers."""
    stai_layers: str | None = None
    """With stai's kernels: 'k/n', the nodes that call one of them out of all."""
    error: str | None = None


@dataclass
class Layer:
    """One node of a model on Cortex-M4: its kernel, MACC and instructions."""

    c_id: int
    kind: str
    macc: int
    kernel: dict[str, str] = field(default_factory=dict)
    instructions: dict[str, int] = field(default_factory=dict)


def _weighted_macs(module) -> int:
    """MACs of the convolutions, depthwise convolutions and fully connected layers."""
    from stai.dialects import mk, qnn

    total = 0
    for op in module.walk():
        if isinstance(op, mk.MicroKernelOp) or (
            isinstance(op, qnn.KernelOp)
            and re.search(r"conv|fully_connected", op.name)
            and "transpose" not in op.name
        ):
            total += op.macc()
    return total


def _compile(path: Path, key: str, target: str, kernels: str, out: Path, observer=False):
    """Compile and write one folder; the compile options' kernels are ``stai`` for the
    stai set, ``cmsis-nn`` otherwise (the portable and CMSIS-NN builds share the C)."""
    options = CompileOptions(
        name=key,
        target=target,
        kernels="stai" if kernels == "stai" else "cmsis-nn",
        observer=observer,
    )
    compiled = compile_model(path, options, keep_planned=True)
    write_generated(compiled, out)
    return compiled


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
        compiled = _compile(path, key, target, kernels, out)
        row.compile_s = time.perf_counter() - start
        row.arena = compiled.activations_bytes
        assert compiled.planned is not None
        row.macs = _weighted_macs(compiled.planned)
        if kernels == "stai":
            called = layer_kernels(compiled.module)
            row.stai_layers = f"{sum(k.startswith('stai_mk_') for k in called)}/{len(called)}"
        model = TargetModel(
            out,
            work_dir=work / f"build_{key}_{target}_{kernels}",
            cmsis_nn_path=cmsis if kernels != "portable" else "",
            timeout=900,
        )
        row.flash = model.footprint.flash
        row.weights = model.footprint.flash_weights
        run = model.run_many(samples)
        counts = [s.instructions for s in run.samples if s.instructions is not None]
        row.instructions = int(np.median(counts))
        shares = [s.glue_share for s in run.samples if s.glue_share is not None]
        row.glue_share = float(np.mean(shares)) if shares and kernels != "stai" else None
    except StaiError as e:
        row.error = str(e)
    return row


def per_layer(
    key: str, path: Path, kernel_sets: list[str], cmsis: str, work: Path, sample: list
) -> list[Layer]:
    """Each node's instructions on Cortex-M4 (the observer's per-node counts) for each
    kernel set, on one sample."""
    layers: dict[int, Layer] = {}
    for kernels in kernel_sets:
        out = work / f"layers_{key}_{kernels}"
        compiled = _compile(path, key, "cortex-m4", kernels, out, observer=True)
        assert compiled.planned is not None
        from stai.dialects import qnn

        ops = [
            op
            for op in compiled.planned.walk()
            if isinstance(op, qnn.KernelOp) and op.out is not None
        ]
        called = layer_kernels(compiled.module)
        model = TargetModel(
            out,
            work_dir=work / f"layers_build_{key}_{kernels}",
            cmsis_nn_path=cmsis if kernels != "portable" else "",
            timeout=900,
        )
        run = model.run_many([sample], per_node=True)
        counts = {n.c_id: n.instructions for n in run.samples[0].nodes}
        for c_id, op in enumerate(ops):
            layer = layers.setdefault(c_id, Layer(c_id, op.name, op.macc()))
            layer.kernel[kernels] = called[c_id] if c_id < len(called) else "?"
            if c_id in counts:
                layer.instructions[kernels] = counts[c_id]
    return [layers[c] for c in sorted(layers)]


def _fmt(value: int | None) -> str:
    return "-" if value is None else f"{value:,}"


def _per_mac(r: Row) -> str:
    if not r.instructions or not r.macs:
        return "-"
    return f"{r.instructions / r.macs:.2f}"


COLUMNS = (
    "| model | kind | target | kernels | compile (s) | arena (B) | flash (B) | weights (B) "
    "| instructions / inference | per MAC | glue | stai kernels |"
)


def render(
    rows: list[Row],
    cmsis: str | None,
    tools: dict[str, str],
    layers: dict[str, list[Layer]] | None = None,
    merged: bool = False,
    kept_layers: dict[str, str] | None = None,
) -> str:
    """The Markdown report (``merged``: some rows come from an earlier run;
    ``kept_layers``: per-layer sections of an earlier report, kept as they are)."""
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
        "- Per MAC: instructions per multiply-accumulate of the convolutions, depthwise "
        "convolutions and fully connected layers (the floor on a DSP core is 0.5: SMLAD does "
        "two).",
        "- Glue: the share of instructions executed in the generated code itself "
        "(`NAME.c`), outside kernels and the C library (not measured with stai's kernels, "
        "which are inlined into `NAME.c`).",
        "- Kernels: `portable` = stai's C kernels (the CMSIS-NN API without DSP or Helium "
        "code); `cmsis-nn` = a CMSIS-NN checkout (`CMSIS_NN_PATH`), DSP on M4/M7, Helium on "
        "M55; `stai` = `--kernels stai`: stai's own kernels (`stai_mk_s8.h`, inlined and "
        "specialised per layer) where one fits, the other layers on the CMSIS-NN checkout "
        "(portable kernels without one); the last column counts the nodes running stai's "
        "kernels. Float and hybrid models run stai's own float kernels either way.",
        "- Compile times were taken on a shared, busy 2-core machine: compare them with care.",
        *(
            ["- Rows are merged (`--merge`): some come from earlier runs of this script."]
            if merged
            else []
        ),
        "- Tools: " + ", ".join(f"{k} {v}" for k, v in tools.items()) + ".",
        "",
    ]
    if not cmsis:
        lines += ["CMSIS_NN_PATH was not set: CMSIS-NN's kernels are not measured.", ""]
    lines += [COLUMNS, "|---|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        if r.error:
            lines.append(
                f"| {r.model} | {r.kind} | {r.target} | {r.kernels} | "
                f"| | | | not run: {r.error} | | | |"
            )
            continue
        glue = "-" if r.glue_share is None else f"{100 * r.glue_share:.3f}%"
        if r.kernels == "stai":
            glue = "inlined"
        compile_s = "-" if r.compile_s is None else f"{r.compile_s:.2f}"
        lines.append(
            f"| {r.model} | {r.kind} | {r.target} | {r.kernels} | {compile_s} | "
            f"{_fmt(r.arena)} | {_fmt(r.flash)} | {_fmt(r.weights)} | "
            f"{_fmt(r.instructions)} | {_per_mac(r)} | {glue} | {r.stai_layers or '-'} |"
        )
    lines += _comparison(rows)
    # stai's kernels are inlined into the generated code: its share is theirs too.
    shares = [(r.glue_share, r) for r in rows if r.glue_share is not None and r.kernels != "stai"]
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
    for key, table in (layers or {}).items():
        lines += _layer_table(key, table)
    for key, section in (kept_layers or {}).items():
        if key not in (layers or {}):
            lines += ["", *section.rstrip("\n").splitlines()]
    return "\n".join(lines) + "\n"


def _comparison(rows: list[Row]) -> list[str]:
    """stai's kernels against CMSIS-NN's and X-CUBE-AI 10.2's published cycles."""
    by_key = {(r.model, r.target, r.kernels): r for r in rows if r.instructions}
    out = []
    for r in rows:
        if r.kernels != "stai" or not r.instructions:
            continue
        cmsis = by_key.get((r.model, r.target, "cmsis-nn"))
        parts = [f"{r.model} on {r.target}: {r.instructions:,} instructions with stai's kernels"]
        if cmsis is not None and cmsis.instructions:
            parts.append(f"{r.instructions / cmsis.instructions:.3f} x CMSIS-NN's")
            if r.flash and cmsis.flash:
                parts.append(f"flash {r.flash - cmsis.flash:+,} B")
            if r.arena is not None and cmsis.arena is not None:
                parts.append(f"arena {r.arena - cmsis.arena:+,} B")
        if r.target == "cortex-m4" and r.model in ANCHORS:
            parts.append(f"{r.instructions / ANCHORS[r.model]:.3f} x X-CUBE-AI 10.2's cycles")
        out.append("- " + "; ".join(parts) + ".")
    if out:
        out = ["", "stai's kernels (`--kernels stai`) against CMSIS-NN and X-CUBE-AI:", "", *out]
    return out


def _layer_table(key: str, layers: list[Layer]) -> list[str]:
    """Per-node instructions of ``key`` on Cortex-M4 for each kernel set."""
    sets = [k for k in KERNEL_SETS if any(k in layer.instructions for layer in layers)]
    head = "| node | op | MACC | " + " | ".join(
        f"{k} kernel | {k} instructions | {k} per MAC" for k in sets
    )
    lines = [
        "",
        f"## {key} per layer on cortex-m4",
        "",
        "Instructions of each node from the observer's per-node counts (one sample): the "
        "kernel call and the few generated instructions around it.",
        "",
        head + " |",
        "|---:|---|---:|" + "---|---:|---:|" * len(sets),
    ]
    for layer in layers:
        cells = [str(layer.c_id), layer.kind, f"{layer.macc:,}"]
        for k in sets:
            n = layer.instructions.get(k)
            cells += [
                f"`{layer.kernel.get(k, '-')}`",
                _fmt(n),
                f"{n / layer.macc:.2f}" if n and layer.macc else "-",
            ]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


_LAYER_HEADING = re.compile(r"^## (\S+) per layer on cortex-m4$", re.M)


def read_layer_sections(path: Path) -> dict[str, str]:
    """The per-layer sections of an existing report (``--merge`` keeps those this run
    does not measure), by model: each from its heading to the next heading or the end."""
    if not path.is_file():
        return {}
    text = path.read_text()
    found = list(_LAYER_HEADING.finditer(text))
    sections = {}
    for i, match in enumerate(found):
        end = found[i + 1].start() if i + 1 < len(found) else len(text)
        sections[match.group(1)] = text[match.start() : end]
    return sections


def read_rows(path: Path) -> list[Row]:
    """The table rows of an existing report (old reports lack the last two columns)."""
    rows = []
    if not path.is_file():
        return rows
    for line in path.read_text().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) < 10 or cells[0] in ("model", "") or set(cells[0]) <= {"-"}:
            continue
        if cells[2] not in TARGETS:
            continue

        def num(text: str) -> int | None:
            return int(text.replace(",", "")) if re.fullmatch(r"[\d,]+", text) else None

        row = Row(cells[0], cells[1], cells[2], cells[3])
        if cells[8].startswith("not run: "):
            row.error = cells[8].removeprefix("not run: ")
            rows.append(row)
            continue
        row.compile_s = float(cells[4]) if re.fullmatch(r"[\d.]+", cells[4]) else None
        row.arena, row.flash, row.weights = num(cells[5]), num(cells[6]), num(cells[7])
        row.instructions = num(cells[8])
        glue = cells[9] if len(cells) == 10 else cells[10]
        row.glue_share = float(glue.rstrip("%")) / 100 if glue.endswith("%") else None
        if len(cells) >= 12:
            per_mac = cells[9]
            if row.instructions and re.fullmatch(r"[\d.]+", per_mac) and float(per_mac):
                row.macs = round(row.instructions / float(per_mac))
            row.stai_layers = None if cells[11] == "-" else cells[11]
        rows.append(row)
    return rows


def _macs_of(path: Path) -> int:
    """The weighted MACs of a model (compiled to the qnn level only)."""
    compiled = compile_model(path, CompileOptions(), stop_after="convert-nn-to-qnn")
    return _weighted_macs(compiled.module)


def tool_versions() -> dict[str, str]:
    """First version lines of the cross-compiler and QEMU."""
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


def _order(rows: list[Row]) -> list[Row]:
    """Rows in the shared models' order, then target and kernel set order."""
    models = [m.key for m in SHARED_MODELS]

    def key(r: Row) -> tuple[int, int, int]:
        return (
            models.index(r.model) if r.model in models else len(models),
            TARGETS.index(r.target) if r.target in TARGETS else len(TARGETS),
            KERNEL_SETS.index(r.kernels) if r.kernels in KERNEL_SETS else len(KERNEL_SETS),
        )

    return sorted(rows, key=key)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--models", help="comma-separated shared model keys (default: all)")
    parser.add_argument("--targets", default=",".join(TARGETS), help="comma-separated targets")
    parser.add_argument(
        "--kernels", default=",".join(KERNEL_SETS), help="comma-separated kernel sets"
    )
    parser.add_argument("--per-layer", default="", help="models to measure per layer on M4")
    parser.add_argument("--merge", action="store_true", help="keep the other rows of --out")
    parser.add_argument("--out", default=str(REPO / "docs" / "benchmarks.md"))
    args = parser.parse_args(argv)
    root = models_dir_setting()
    if not root.is_dir():
        print(f"shared models not found: {root} (set STAI_MODELS)", file=sys.stderr)
        return 2
    keys = args.models.split(",") if args.models else [m.key for m in SHARED_MODELS]
    targets = [t for t in args.targets.split(",") if t]
    cmsis = os.environ.get("CMSIS_NN_PATH")
    wanted = [k for k in args.kernels.split(",") if k]
    kernel_sets = [k for k in KERNEL_SETS if k in wanted and (k != "cmsis-nn" or cmsis)]
    rows = []
    layers: dict[str, list[Layer]] = {}
    with tempfile.TemporaryDirectory(prefix="stai-bench-") as tmp:
        for model in SHARED_MODELS:
            if model.key not in keys:
                continue
            path = model.path(root)
            samples = random_inputs(path, 2, seed=1, float_range=model.float_range)
            for target in targets:
                for kernels in kernel_sets:
                    if kernels == "stai" and (model.kind != INT8 or target not in STAI_TARGETS):
                        continue
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
                        f"{_fmt(row.instructions):>15} {_per_mac(row):>6} {row.error or ''}",
                        flush=True,
                    )
                    rows.append(row)
            if model.key in args.per_layer.split(","):
                layers[model.key] = per_layer(
                    model.key, path, kernel_sets, cmsis or "", Path(tmp), samples[0]
                )
    kept_layers: dict[str, str] = {}
    if args.merge:
        kept_layers = read_layer_sections(Path(args.out))
        measured = {(r.model, r.target, r.kernels) for r in rows}
        kept = [
            r for r in read_rows(Path(args.out)) if (r.model, r.target, r.kernels) not in measured
        ]
        macs: dict[str, int] = {}
        for r in kept:
            entry = next((m for m in SHARED_MODELS if m.key == r.model), None)
            if r.macs is None and entry is not None and r.instructions:
                if r.model not in macs:
                    macs[r.model] = _macs_of(entry.path(root))
                r.macs = macs[r.model]
        rows = _order(kept + rows)
    Path(args.out).write_text(render(rows, cmsis, tool_versions(), layers, args.merge, kept_layers))
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
