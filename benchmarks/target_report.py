"""Write ``docs/benchmarks.md``: every shared model compiled by stai and run on the
emulated Cortex-M4 (QEMU mps2-an386), Cortex-M7 (mps2-an500) and Cortex-M55 (mps3-an547).

For each model: compile time (``stai generate``), arena bytes, flash bytes of the linked
test firmware, instructions per inference (QEMU's count, exact; not cycles), per
multiply-accumulate of its convolutions and fully connected layers, and the share of
those spent in the generated code rather than in kernels, with each kernel set:
``portable`` (stai's portable kernels), ``cmsis-nn`` (a CMSIS-NN checkout,
``CMSIS_NN_PATH``), ``stai`` (int8 models: ``--kernels stai``, stai's own kernels where
one fits, CMSIS-NN's elsewhere) and ``stai-portable`` (the same C without a CMSIS-NN
checkout: what ``pip install`` users get; measured on Cortex-M55 unless ``--kernels``
names it).

Measure a commit, not the work tree (other people's uncommitted edits are not measured),
and name it in the report::

    D=$(mktemp -d) && git archive HEAD | tar -x -C $D
    STAI_MODELS=$PWD/../shared/models CMSIS_NN_PATH=... PYTHONPATH=$D \\
        .venv/bin/python $D/benchmarks/target_report.py --commit $(git rev-parse --short HEAD) \\
        --out docs/benchmarks.md [--models kws_int8,ad_int8] [--targets cortex-m4,cortex-m55]
        [--kernels stai,cmsis-nn] [--per-layer mlperf] [--layer-targets cortex-m4,cortex-m55]
        [--merge]

``--merge`` keeps the rows and per-layer tables of the existing report that this run does
not measure (so one model or one target can be measured again alone); each row names the
commit it measured. ``--per-layer MODELS`` (``mlperf``: the four MLPerf Tiny int8 models)
adds, for each of ``--layer-targets`` (default Cortex-M4), a table of each node's
instructions for each kernel set (the observer's per-node counts) with the ratio of
stai's kernels to CMSIS-NN's and the layers where most instructions go. Without
``--commit`` the report names the HEAD of the script's checkout (``+edits`` when the
work tree differs from it). A full run (every model, target and kernel set, per-layer
tables of the four MLPerf models on M4, M7 and M55) takes about 10 minutes on two busy
cores.

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
KERNEL_SETS = ("portable", "cmsis-nn", "stai", "stai-portable")
STAI_SETS = ("stai", "stai-portable")
"""The kernel sets compiled with ``--kernels stai`` (int8 models only)."""
LAYER_SETS = ("portable", "cmsis-nn", "stai")
"""The kernel sets of the per-layer tables."""
NO_CHECKOUT_TARGETS = ("cortex-m55",)
"""Where ``stai-portable`` is measured unless ``--kernels`` names it: on M4 and M7 stai's
kernels cover nearly every layer, so it differs little from ``stai``."""
MLPERF = ("kws_int8", "vww_int8", "ic_int8", "ad_int8")

ANCHORS = {
    "cortex-m4": (
        "X-CUBE-AI 10.2's cycles",
        {"kws_int8": 5.21e6, "vww_int8": 10.73e6, "ic_int8": 19.9e6, "ad_int8": 0.575e6},
    ),
    "cortex-m55": (
        "the anchors' CMSIS-NN Helium",
        {"kws_int8": 1808417, "vww_int8": 6547812, "ic_int8": 4907167, "ad_int8": 146844},
    ),
}
"""../shared/ANCHORS.md: X-CUBE-AI 10.2's published MLPerf Tiny cycles on a Cortex-M4;
CMSIS-NN's Helium kernels' instructions on Cortex-M55 (the issue's 1.81 M / 6.55 M /
4.91 M / 0.147 M)."""


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
    commit: str = "?"
    """The commit measured."""
    error: str | None = None


@dataclass
class Layer:
    """One node of a model on one target: its kernel, MACC and instructions."""

    c_id: int
    kind: str
    macc: int
    kernel: dict[str, str] = field(default_factory=dict)
    instructions: dict[str, int] = field(default_factory=dict)


@dataclass
class LayerTable:
    """The per-layer view of one model on one target."""

    model: str
    target: str
    commit: str
    layers: list[Layer]
    totals: dict[str, int] = field(default_factory=dict)
    """Instructions of the whole inference (the observer firmware's plain twin)."""


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
    stai sets, ``cmsis-nn`` otherwise (the portable and CMSIS-NN builds share the C)."""
    options = CompileOptions(
        name=key,
        target=target,
        kernels="stai" if kernels in STAI_SETS else "cmsis-nn",
        observer=observer,
    )
    compiled = compile_model(path, options, keep_planned=True)
    write_generated(compiled, out)
    return compiled


def _checkout(kernels: str, cmsis: str) -> str:
    """The CMSIS-NN checkout a kernel set links ("" for the portable kernels)."""
    return cmsis if kernels in ("cmsis-nn", "stai") else ""


def measure(
    key: str,
    kind: str,
    path: Path,
    target: str,
    kernels: str,
    cmsis: str,
    work: Path,
    samples: list[list[np.ndarray]],
    commit: str,
) -> Row:
    """Compile, build and run one model on one target."""
    row = Row(key, kind, target, kernels, commit=commit)
    out = work / f"{key}_{target}_{kernels}"
    try:
        start = time.perf_counter()
        compiled = _compile(path, key, target, kernels, out)
        row.compile_s = time.perf_counter() - start
        row.arena = compiled.activations_bytes
        assert compiled.planned is not None
        row.macs = _weighted_macs(compiled.planned)
        if kernels in STAI_SETS:
            called = layer_kernels(compiled.module)
            row.stai_layers = f"{sum(k.startswith('stai_mk_') for k in called)}/{len(called)}"
        model = TargetModel(
            out,
            work_dir=work / f"build_{key}_{target}_{kernels}",
            cmsis_nn_path=_checkout(kernels, cmsis),
            timeout=900,
        )
        row.flash = model.footprint.flash
        row.weights = model.footprint.flash_weights
        run = model.run_many(samples)
        counts = [s.instructions for s in run.samples if s.instructions is not None]
        row.instructions = int(np.median(counts))
        shares = [s.glue_share for s in run.samples if s.glue_share is not None]
        inlined = kernels in STAI_SETS
        row.glue_share = float(np.mean(shares)) if shares and not inlined else None
    except StaiError as e:
        row.error = str(e)
    return row


def per_layer(
    key: str,
    path: Path,
    target: str,
    kernel_sets: list[str],
    cmsis: str,
    work: Path,
    sample: list,
    commit: str,
) -> LayerTable:
    """Each node's instructions on ``target`` (the observer's per-node counts) for each
    kernel set, on one sample."""
    from stai.dialects import qnn

    layers: dict[int, Layer] = {}
    table = LayerTable(key, target, commit, [])
    for kernels in kernel_sets:
        out = work / f"layers_{key}_{target}_{kernels}"
        compiled = _compile(path, key, target, kernels, out, observer=True)
        assert compiled.planned is not None
        ops = [
            op
            for op in compiled.planned.walk()
            if isinstance(op, qnn.KernelOp) and op.out is not None
        ]
        called = layer_kernels(compiled.module)
        model = TargetModel(
            out,
            work_dir=work / f"layers_build_{key}_{target}_{kernels}",
            cmsis_nn_path=_checkout(kernels, cmsis),
            timeout=900,
        )
        run = model.run_many([sample], per_node=True)
        if run.samples[0].instructions is not None:
            table.totals[kernels] = run.samples[0].instructions
        counts = {n.c_id: n.instructions for n in run.samples[0].nodes}
        for c_id, op in enumerate(ops):
            layer = layers.setdefault(c_id, Layer(c_id, op.name, op.macc()))
            layer.kernel[kernels] = called[c_id] if c_id < len(called) else "?"
            if c_id in counts:
                layer.instructions[kernels] = counts[c_id]
    table.layers = [layers[c] for c in sorted(layers)]
    return table


def _fmt(value: int | None) -> str:
    return "-" if value is None else f"{value:,}"


def _per_mac(r: Row) -> str:
    if not r.instructions or not r.macs:
        return "-"
    return f"{r.instructions / r.macs:.2f}"


COLUMNS = (
    "| model | kind | target | kernels | compile (s) | arena (B) | flash (B) | weights (B) "
    "| instructions / inference | per MAC | glue | stai kernels | commit |"
)


def render(
    rows: list[Row],
    cmsis: str | None,
    tools: dict[str, str],
    tables: list[LayerTable] | None = None,
    merged: bool = False,
    kept_layers: dict[tuple[str, str], str] | None = None,
) -> str:
    """The Markdown report (``merged``: some rows come from an earlier run;
    ``kept_layers``: per-layer sections of an earlier report, kept as they are)."""
    commits = sorted({r.commit for r in rows} | {t.commit for t in tables or []})
    lines = [
        "# Benchmarks on emulated Cortex-M",
        "",
        "Written by `benchmarks/target_report.py` (do not edit by hand). Every shared model "
        "(`tests/shared_models.py`) is compiled with `stai generate --target T`, linked with "
        "stai's test harness for QEMU's board (`docs/target.md`) and run on two random "
        "samples (median shown).",
        "",
        f"- Measured: commit {', '.join(commits)} (`git archive` of the commit, so nobody's "
        "uncommitted edits; each row and per-layer table names its commit).",
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
        "M55; `stai` = `--kernels stai` (the default): stai's own kernels (`stai_mk_s8.h`, "
        "DSP on M4/M7, `stai_mk_mve_s8.h`, Helium, on M55; inlined and specialised per "
        "layer) where one fits, the other layers on the CMSIS-NN checkout; `stai-portable` "
        "= the same generated C without a CMSIS-NN checkout (which no package registry "
        "has): what a user of `pip install` gets, the layers stai's kernels do not take on "
        "the portable kernels. The `stai kernels` column counts the nodes running stai's "
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
    lines += [COLUMNS, "|---|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
    for r in rows:
        if r.error:
            lines.append(
                f"| {r.model} | {r.kind} | {r.target} | {r.kernels} | "
                f"| | | | not run: {r.error} | | | | {r.commit} |"
            )
            continue
        glue = "-" if r.glue_share is None else f"{100 * r.glue_share:.3f}%"
        if r.kernels in STAI_SETS:
            glue = "inlined"
        compile_s = "-" if r.compile_s is None else f"{r.compile_s:.2f}"
        lines.append(
            f"| {r.model} | {r.kind} | {r.target} | {r.kernels} | {compile_s} | "
            f"{_fmt(r.arena)} | {_fmt(r.flash)} | {_fmt(r.weights)} | "
            f"{_fmt(r.instructions)} | {_per_mac(r)} | {glue} | {r.stai_layers or '-'} | "
            f"{r.commit} |"
        )
    lines += _comparison(rows)
    # stai's kernels are inlined into the generated code: its share is theirs too.
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
    sections = {(t.model, t.target): _layer_table(t) for t in tables or []}
    for key, section in (kept_layers or {}).items():
        sections.setdefault(key, ["", *section.rstrip("\n").splitlines()])
    models = [m.key for m in SHARED_MODELS]
    for key in sorted(sections, key=lambda k: (_index(models, k[0]), _index(TARGETS, k[1]))):
        lines += sections[key]
    return "\n".join(lines) + "\n"


def _index(seq, item) -> int:
    return seq.index(item) if item in seq else len(seq)


def _comparison(rows: list[Row]) -> list[str]:
    """stai's kernels against CMSIS-NN's and the anchors (X-CUBE-AI 10.2 on M4, the
    anchors' CMSIS-NN Helium count on M55)."""
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
        label, anchors = ANCHORS.get(r.target, ("", {}))
        if r.model in anchors:
            parts.append(f"{r.instructions / anchors[r.model]:.3f} x {label}")
        alone = by_key.get((r.model, r.target, "stai-portable"))
        if alone is not None and alone.instructions:
            text = f"without a CMSIS-NN checkout {alone.instructions:,}"
            if cmsis is not None and cmsis.instructions:
                text += f" ({alone.instructions / cmsis.instructions:.3f} x CMSIS-NN's)"
            portable = by_key.get((r.model, r.target, "portable"))
            if portable is not None and portable.instructions:
                text += f", where the portable kernels alone take {portable.instructions:,}"
            parts.append(text)
        out.append("- " + "; ".join(parts) + ".")
    if out:
        out = [
            "",
            "stai's kernels (`--kernels stai`) against CMSIS-NN's and the anchors "
            "(`../shared/ANCHORS.md`: X-CUBE-AI 10.2's published cycles on M4, CMSIS-NN "
            "Helium's instructions on M55):",
            "",
            *out,
        ]
    return out


def _ratio(a: int | None, b: int | None) -> str:
    return f"{a / b:.2f}" if a and b else "-"


def _layer_table(table: LayerTable) -> list[str]:
    """Per-node instructions of one model on one target for each kernel set, the ratio
    of stai's kernels to CMSIS-NN's and the layers where most instructions go."""
    layers = table.layers
    sets = [k for k in LAYER_SETS if any(k in layer.instructions for layer in layers)]
    both = "stai" in sets and "cmsis-nn" in sets
    head = "| node | op | MACC | " + " | ".join(
        f"{k} kernel | {k} instructions | {k} per MAC" for k in sets
    )
    if both:
        head += " | stai / CMSIS-NN"
    last = "stai" if "stai" in sets else (sets[-1] if sets else "")
    if last:
        head += f" | {last} share"
    lines = [
        "",
        f"## {table.model} per layer on {table.target}",
        "",
        f"Commit {table.commit}. Instructions of each node from the observer's per-node "
        "counts (one sample): the kernel call and the few generated instructions around it; "
        f"the share is of the whole inference with the {last} kernels (or of the nodes' "
        "sum where the observer's hooks make it the larger).",
        "",
        head + " |",
        "|---:|---|---:|" + "---|---:|---:|" * len(sets) + "---:|" * (both + bool(last)),
    ]
    total = table.totals.get(last)
    if total:
        # The node counts come from the observer firmware (its hooks included), the whole
        # inference from the plain one: the nodes' sum may exceed it by a few hundred.
        total = max(total, sum(x.instructions.get(last, 0) for x in layers))
    for layer in layers:
        cells = [str(layer.c_id), layer.kind, f"{layer.macc:,}"]
        for k in sets:
            n = layer.instructions.get(k)
            cells += [
                f"`{layer.kernel.get(k, '-')}`",
                _fmt(n),
                f"{n / layer.macc:.2f}" if n and layer.macc else "-",
            ]
        if both:
            cells.append(_ratio(layer.instructions.get("stai"), layer.instructions.get("cmsis-nn")))
        if last:
            n = layer.instructions.get(last)
            cells.append(f"{100 * n / total:.1f}%" if n and total else "-")
        lines.append("| " + " | ".join(cells) + " |")
    cells = ["", "whole inference", f"{sum(layer.macc for layer in layers):,}"]
    for k in sets:
        cells += ["", _fmt(table.totals.get(k)), ""]
    if both:
        cells.append(_ratio(table.totals.get("stai"), table.totals.get("cmsis-nn")))
    if last:
        cells.append("100%")
    lines.append("| " + " | ".join(cells) + " |")
    if last and total:
        lines += ["", _where_they_go(layers, last, total)]
    return lines


def _where_they_go(layers: list[Layer], kernels: str, total: int) -> str:
    """One line: the layers with the largest shares of the inference with ``kernels``,
    then the shares by op and kernel (where the remaining instructions go)."""
    ran = [x for x in layers if kernels in x.instructions]
    top = sorted(ran, key=lambda x: -x.instructions[kernels])[:5]
    parts = []
    for x in top:
        n = x.instructions[kernels]
        per = f", {n / x.macc:.2f} per MAC" if x.macc else ""
        parts.append(
            f"node {x.c_id} ({x.kind.removeprefix('qnn.')}, `{x.kernel.get(kernels, '?')}`"
            f"{per}) {100 * n / total:.1f}%"
        )
    groups: dict[tuple[str, str], list[Layer]] = {}
    for x in ran:
        groups.setdefault((x.kind, x.kernel.get(kernels, "?")), []).append(x)
    ranked = sorted(groups.items(), key=lambda g: -sum(x.instructions[kernels] for x in g[1]))
    by_kernel = []
    for (kind, kernel), members in ranked[:4]:
        n = sum(x.instructions[kernels] for x in members)
        macc = sum(x.macc for x in members)
        per = f", {n / macc:.2f} per MAC" if macc else ""
        by_kernel.append(
            f"{kind.removeprefix('qnn.')} `{kernel}` {100 * n / total:.1f}% "
            f"({len(members)} node{'s' if len(members) > 1 else ''}{per})"
        )
    glue = total - sum(x.instructions[kernels] for x in ran)
    rest = f"; outside the nodes {100 * glue / total:.1f}%" if glue > 0 else ""
    return (
        f"Where the remaining instructions go with the {kernels} kernels: the top layers "
        + "; ".join(parts)
        + ". By op and kernel: "
        + "; ".join(by_kernel)
        + rest
        + "."
    )


_LAYER_HEADING = re.compile(r"^## (\S+) per layer on (\S+)$", re.M)


def read_layer_sections(path: Path) -> dict[tuple[str, str], str]:
    """The per-layer sections of an existing report (``--merge`` keeps those this run
    does not measure), by model and target: each from its heading to the next heading or
    the end."""
    if not path.is_file():
        return {}
    text = path.read_text()
    found = list(_LAYER_HEADING.finditer(text))
    sections = {}
    for i, match in enumerate(found):
        end = found[i + 1].start() if i + 1 < len(found) else len(text)
        sections[(match.group(1), match.group(2))] = text[match.start() : end]
    return sections


def read_rows(path: Path) -> list[Row]:
    """The table rows of an existing report (old reports lack the last columns)."""
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
        if len(cells) >= 13:
            row.commit = cells[12]
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


def current_commit() -> str:
    """The commit of the script's folder (``+edits`` when tracked files differ from it),
    or ``?`` outside a git checkout (an exported commit: pass ``--commit``)."""
    try:
        sha = subprocess.run(
            ["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(REPO), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "?"
    return sha + ("+edits" if dirty else "")


def _order(rows: list[Row]) -> list[Row]:
    """Rows in the shared models' order, then target and kernel set order."""
    models = [m.key for m in SHARED_MODELS]

    def key(r: Row) -> tuple[int, int, int]:
        return (
            _index(models, r.model),
            _index(TARGETS, r.target),
            _index(KERNEL_SETS, r.kernels),
        )

    return sorted(rows, key=key)


def _wanted(text: str, known: tuple[str, ...], what: str) -> list[str]:
    """A comma-separated list of names from ``known`` (anything else: one-line error)."""
    names = [n for n in text.split(",") if n]
    unknown = [n for n in names if n not in known]
    if unknown:
        raise StaiError(f"unknown {what} {', '.join(unknown)} (known: {', '.join(known)})")
    return names


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--models", help="comma-separated shared model keys (default: all)")
    parser.add_argument("--targets", default=",".join(TARGETS), help="comma-separated targets")
    parser.add_argument("--kernels", help="comma-separated kernel sets (default: all)")
    parser.add_argument(
        "--per-layer", default="", help="models to measure per layer ('mlperf': the four)"
    )
    parser.add_argument(
        "--layer-targets", default="cortex-m4", help="targets of the per-layer tables"
    )
    parser.add_argument("--merge", action="store_true", help="keep the other rows of --out")
    parser.add_argument("--commit", help="the commit measured (default: git's, of the script)")
    parser.add_argument("--out", default=str(REPO / "docs" / "benchmarks.md"))
    args = parser.parse_args(argv)
    started = time.perf_counter()
    root = models_dir_setting()
    if not root.is_dir():
        print(f"shared models not found: {root} (set STAI_MODELS)", file=sys.stderr)
        return 2
    every = tuple(m.key for m in SHARED_MODELS)
    try:
        keys = _wanted(args.models, every, "model") if args.models else list(every)
        targets = _wanted(args.targets, TARGETS, "target")
        wanted = _wanted(args.kernels or ",".join(KERNEL_SETS), KERNEL_SETS, "kernel set")
        layer_models = _wanted(args.per_layer.replace("mlperf", ",".join(MLPERF)), every, "model")
        layer_targets = _wanted(args.layer_targets, TARGETS, "target")
    except StaiError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    commit = args.commit or current_commit()
    cmsis = os.environ.get("CMSIS_NN_PATH")
    kernel_sets = [k for k in KERNEL_SETS if k in wanted and (k != "cmsis-nn" or cmsis)]
    rows = []
    tables: list[LayerTable] = []
    with tempfile.TemporaryDirectory(prefix="stai-bench-") as tmp:
        for model in SHARED_MODELS:
            if model.key not in keys and model.key not in layer_models:
                continue
            path = model.path(root)
            samples = random_inputs(path, 2, seed=1, float_range=model.float_range)
            for target in targets if model.key in keys else []:
                for kernels in kernel_sets:
                    if kernels in STAI_SETS and model.kind != INT8:
                        continue
                    if (
                        kernels == "stai-portable"
                        and args.kernels is None
                        and target not in NO_CHECKOUT_TARGETS
                    ):
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
                        commit,
                    )
                    print(
                        f"{row.model:18} {target:10} {kernels:13} "
                        f"{_fmt(row.instructions):>15} {_per_mac(row):>6} {row.error or ''}",
                        flush=True,
                    )
                    rows.append(row)
            if model.key in layer_models:
                sets = [k for k in kernel_sets if k in LAYER_SETS]
                if model.kind != INT8:
                    sets = [k for k in sets if k not in STAI_SETS]
                for target in layer_targets:
                    tables.append(
                        per_layer(
                            model.key,
                            path,
                            target,
                            sets,
                            cmsis or "",
                            Path(tmp),
                            samples[0],
                            commit,
                        )
                    )
                    print(f"{model.key:18} {target:10} per layer", flush=True)
    kept_layers: dict[tuple[str, str], str] = {}
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
    text = render(rows, cmsis, tool_versions(), tables, args.merge, kept_layers)
    Path(args.out).write_text(text)
    print(f"wrote {args.out} in {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
