"""``stai validate --mode target``: the generated code run on an emulated Cortex-M.

``TargetRunner`` has the interface ``stai.tools.validate`` uses of the host runner
(``stai.runtime.model_runner.Runner``): ``inputs``, ``outputs``, ``has_observer`` and
``run(batch, per_layer) -> RunResult``. Behind it a ``TargetModel`` runs each batch on
QEMU; every run also counts instructions per inference and per node (the observer
firmware), and ``report()`` sums them up with the firmware's footprint for the
validation report (its ``target`` section).

Every node of that section has its kernel type and MACC when the runner knows the
compiled module (``node_facts`` of the module after ``plan-memory``, passed as
``TargetRunner(..., nodes=)``), and else the type a ``--per-layer`` capture recorded;
``instructions_per_macc`` divides a node's (and the total's) instructions by its MACC.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from stai.boards.boards import board_for
from stai.boards.footprint import COLUMNS
from stai.boards.runner import NodeResult, SampleResult, TargetModel
from stai.runtime.inputs import check_input_count
from stai.runtime.model_runner import NodeCapture, RunResult

if TYPE_CHECKING:
    from rich.console import Console


class TargetRunner:
    """A generated folder (generated with ``--target`` and ``--observer``) run on QEMU."""

    def __init__(
        self,
        folder: str | Path,
        name: str | None = None,
        cmsis_nn_path: str | Path | None = None,
        nodes: dict[int, dict[str, Any]] | None = None,
    ):
        self.model = TargetModel(folder, name, cmsis_nn_path=cmsis_nn_path)
        self.name = self.model.name
        self.samples: list[SampleResult] = []
        self.nodes = nodes or {}
        """``node_facts`` of the compiled module: each node's type and MACC."""

    @property
    def inputs(self) -> list[dict]:
        return self.model.inputs

    @property
    def outputs(self) -> list[dict]:
        return self.model.outputs

    @property
    def has_observer(self) -> bool:
        return self.model.has_observer

    def run(self, inputs: list[np.ndarray], per_layer: bool = False) -> RunResult:
        """Run a batch (one ``(batch, *shape)`` array per input) on the target."""
        check_input_count(len(inputs), len(self.inputs))
        n = int(np.asarray(inputs[0]).shape[0])
        samples = [[np.asarray(x)[k] for x in inputs] for k in range(n)]
        result = self.model.run_many(samples, per_node=self.has_observer, capture=per_layer)
        self.samples += result.samples
        outputs = [
            np.stack([s.outputs[j] for s in result.samples]) for j in range(len(self.outputs))
        ]
        run = RunResult(outputs, np.zeros(n, dtype=np.int64))
        if per_layer:
            run.nodes = _captures(result.samples)
        return run

    def report(self) -> dict[str, Any]:
        """The ``target`` section of the validation report."""
        model = self.model
        counts = [s.instructions for s in self.samples if s.instructions is not None]
        glue = [s.glue_share for s in self.samples if s.glue_share is not None]
        nodes: dict[int, list[int]] = {}
        types: dict[int, str | None] = {c_id: f["type"] for c_id, f in self.nodes.items()}
        for s in self.samples:
            for node in s.nodes:
                nodes.setdefault(node.c_id, []).append(node.instructions)
                if types.get(node.c_id) is None:
                    types[node.c_id] = node.type_name
        maccs = {c_id: int(f["macc"]) for c_id, f in self.nodes.items()}
        rows = [
            {
                "c_id": c,
                "type": types.get(c),
                "instructions": float(np.mean(v)),
                "macc": maccs.get(c),
                "instructions_per_macc": _per_macc(float(np.mean(v)), maccs.get(c)),
            }
            for c, v in sorted(nodes.items())
        ]
        total_macc = sum(maccs.values()) if maccs else None
        mean = float(np.mean(counts)) if counts else None
        footprint = model.footprint.as_dict()
        footprint["stack_used"] = max((s.stack_bytes for s in self.samples), default=None)
        return {
            "target": model.target.name,
            "machine": board_for(model.target).machine,
            "kernels": model.firmware.kernels,
            "counting": "QEMU TCG plugin, every executed instruction (resolution: 1 instruction);"
            " instructions, not cycles",
            "instructions": {
                "mean": mean,
                "min": min(counts) if counts else None,
                "max": max(counts) if counts else None,
            },
            "macc": total_macc,
            "instructions_per_macc": _per_macc(mean, total_macc),
            "glue_share": float(np.mean(glue)) if glue else None,
            "nodes": rows,
            "footprint": footprint,
        }


def _per_macc(instructions: float | None, macc: int | None) -> float | None:
    """Instructions per multiply-accumulate (None without MACC: a node that does none, or
    unknown)."""
    if instructions is None or not macc:
        return None
    return round(instructions / macc, 3)


def node_facts(planned: Any) -> dict[int, dict[str, Any]]:
    """``c_id -> {"type", "macc"}`` of a module after ``plan-memory``
    (``compile_model(..., keep_planned=True).planned``): its kernels in execution order,
    as the observer numbers them."""
    from xdsl.dialects import func

    from stai.dialects import qnn

    facts: dict[int, dict[str, Any]] = {}
    for fn in planned.walk():
        if not isinstance(fn, func.FuncOp) or not (
            "buf.inputs" in fn.attributes or "buf.outputs" in fn.attributes
        ):
            continue
        kernels = [op for op in fn.body.block.ops if isinstance(op, qnn.KernelOp)]
        for c_id, op in enumerate(kernels):
            facts[c_id] = {"type": op.name.removeprefix("qnn."), "macc": int(op.macc())}
    return facts


def _captured(node: NodeResult) -> np.ndarray:
    """A node's output values, which a run with ``capture`` always records."""
    assert node.values is not None, f"node {node.c_id}: no captured output"
    return node.values


def _captures(samples: list[SampleResult]) -> list[NodeCapture]:
    """The nodes' outputs over a batch, in the host runner's form (no host times)."""
    captures = []
    first = samples[0].nodes
    for i, node in enumerate(first):
        values = np.stack([_captured(s.nodes[i]) for s in samples])
        captures.append(
            NodeCapture(
                c_id=node.c_id,
                m_id=node.m_id if node.m_id is not None else -1,
                type_name=node.type_name or "",
                name=node.name or "",
                shape=node.shape or (),
                dtype=node.dtype or values.dtype,
                scale=node.scale,
                zero_point=node.zero_point,
                values=values,
                time_ns=np.zeros(len(samples), dtype=np.int64),
            )
        )
    return captures


def print_footprint_table(
    console: Console,
    title: str,
    footprint: dict[str, Any],
    extra: tuple[tuple[str, str], ...] = (),
    note: str | None = None,
) -> None:
    """A firmware footprint (``Footprint.as_dict``) as one table row of ``COLUMNS`` (and
    ``extra``); a console too narrow for it gets the figures stacked, never cut."""
    from stai.tools.analysis import print_table

    columns = (*COLUMNS, *extra)
    print_table(
        console,
        title,
        [(head, "right") for head, _key in columns],
        [[f"{footprint[key]:,}" if footprint.get(key) is not None else "-" for _h, key in columns]],
        note=note,
    )


def print_target(section: dict[str, Any], console: Console) -> None:
    """The ``target`` section as tables (instructions, per node, footprint)."""
    from stai.tools.analysis import print_table

    ins = section["instructions"]
    glue = section.get("glue_share")
    per_macc = section.get("instructions_per_macc")
    console.print(
        f"target {section['target']} (QEMU {section['machine']}, {section['kernels']} kernels): "
        f"{ins['mean']:,.0f} instructions per inference (min {ins['min']:,}, max {ins['max']:,})"
        + (f", {per_macc:,.3f} per MACC" if per_macc is not None else "")
        + (f"; generated code {100 * glue:.3f}% of them" if glue is not None else ""),
        highlight=False,
    )
    console.print(f"counting: {section['counting']}", highlight=False)
    if section["nodes"]:
        total = sum(n["instructions"] for n in section["nodes"]) or 1.0
        rows = [
            [
                str(n["c_id"]),
                n["type"] or "?",
                f"{n['instructions']:,.0f}",
                "-" if n.get("macc") is None else f"{n['macc']:,}",
                "-"
                if n.get("instructions_per_macc") is None
                else f"{n['instructions_per_macc']:,.3f}",
                f"{100 * n['instructions'] / total:.1f}%",
            ]
            for n in section["nodes"]
        ]
        columns = [
            ("c_id", "right"),
            ("type", "left"),
            ("instructions", "right"),
            ("MACC", "right"),
            ("instr/MACC", "right"),
            ("share", "right"),
        ]
        print_table(console, "instructions per node (target)", columns, rows)
    print_footprint_table(
        console,
        "footprint (linked firmware, bytes)",
        section["footprint"],
        extra=(("stack used", "stack_used"),),
    )
