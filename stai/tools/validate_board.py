"""``stai validate --mode target``: the generated code run on an emulated Cortex-M.

``TargetRunner`` has the interface ``stai.tools.validate`` uses of the host runner
(``stai.runtime.model_runner.Runner``): ``inputs``, ``outputs``, ``has_observer`` and
``run(batch, per_layer) -> RunResult``. Behind it a ``TargetModel`` runs each batch on
QEMU; every run also counts instructions per inference and per node (the observer
firmware), and ``report()`` sums them up with the firmware's footprint for the
validation report (its ``target`` section).
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
        self, folder: str | Path, name: str | None = None, cmsis_nn_path: str | Path | None = None
    ):
        self.model = TargetModel(folder, name, cmsis_nn_path=cmsis_nn_path)
        self.name = self.model.name
        self.samples: list[SampleResult] = []

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
        types: dict[int, str | None] = {}
        for s in self.samples:
            for node in s.nodes:
                nodes.setdefault(node.c_id, []).append(node.instructions)
                types.setdefault(node.c_id, node.type_name)
        footprint = model.footprint.as_dict()
        footprint["stack_used"] = max((s.stack_bytes for s in self.samples), default=None)
        return {
            "target": model.target.name,
            "machine": board_for(model.target).machine,
            "kernels": model.firmware.kernels,
            "counting": "QEMU TCG plugin, every executed instruction (resolution: 1 instruction);"
            " instructions, not cycles",
            "instructions": {
                "mean": float(np.mean(counts)) if counts else None,
                "min": min(counts) if counts else None,
                "max": max(counts) if counts else None,
            },
            "glue_share": float(np.mean(glue)) if glue else None,
            "nodes": [
                {"c_id": c, "type": types[c], "instructions": float(np.mean(v))}
                for c, v in sorted(nodes.items())
            ],
            "footprint": footprint,
        }


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


def print_target(section: dict[str, Any], console: Console) -> None:
    """The ``target`` section as ``rich`` tables (instructions, per node, footprint)."""
    from rich.table import Table

    ins = section["instructions"]
    glue = section.get("glue_share")
    console.print(
        f"target {section['target']} (QEMU {section['machine']}, {section['kernels']} kernels): "
        f"{ins['mean']:,.0f} instructions per inference (min {ins['min']:,}, max {ins['max']:,})"
        + (f"; generated code {100 * glue:.3f}% of them" if glue is not None else "")
    )
    console.print(f"counting: {section['counting']}")
    if section["nodes"]:
        table = Table(title="instructions per node (target)")
        for col in ("c_id", "type", "instructions", "share"):
            table.add_column(col, justify="left" if col == "type" else "right")
        total = sum(n["instructions"] for n in section["nodes"]) or 1.0
        for n in section["nodes"]:
            table.add_row(
                str(n["c_id"]),
                n["type"] or "",
                f"{n['instructions']:,.0f}",
                f"{100 * n['instructions'] / total:.1f}%",
            )
        console.print(table)
    fp = section["footprint"]
    table = Table(title="footprint (linked firmware, bytes)")
    columns = (*COLUMNS, ("stack used", "stack_used"))
    for title, _key in columns:
        table.add_column(title, justify="right")
    table.add_row(*(str(fp[key]) if fp.get(key) is not None else "-" for _title, key in columns))
    console.print(table)
