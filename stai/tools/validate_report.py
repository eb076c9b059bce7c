"""The report of ``stai validate``: its data (``ValidationReport`` and its rows) and its
renderings: ``rich`` tables (``print_report``), plain text (``report_text``), JSON data
(``to_json``, ``docs/schemas/validate.schema.json``) and the ``--save-csv`` files
(``save_csv``).

``stai.tools.validate`` runs the validation and fills the report; this module only holds
and shows it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from stai.tools.metrics import Metrics

if TYPE_CHECKING:
    from rich.console import Console

__all__ = [
    "SCHEMA_VERSION",
    "LayerRow",
    "Row",
    "ValidationReport",
    "print_report",
    "report_text",
    "save_csv",
    "to_json",
]

SCHEMA_VERSION = 1


@dataclass
class Row:
    """One line of the report: a comparison of one output (or node)."""

    what: str
    """``C model vs reference``, ``C model vs ground truth``, ``reference vs ground truth``."""
    tensor: str
    index: int
    metrics: Metrics


@dataclass
class LayerRow:
    """Per-layer comparison of one generated node with the reference tensor of its name."""

    c_id: int
    m_id: int
    type: str
    name: str
    shape: list[int]
    dtype: str
    metrics: Metrics | None
    """``None`` when the reference has no tensor of that name."""
    time_ms: float


@dataclass
class ValidationReport:
    """Everything ``stai validate`` reports."""

    model: str
    name: str
    mode: str
    reference: str | None
    samples: int
    input_source: str
    rows: list[Row] = field(default_factory=list)
    layers: list[LayerRow] = field(default_factory=list)
    first_divergence: int | None = None
    layer_reference: str | None = None
    confusion: dict[str, list[list[int]]] = field(default_factory=dict)
    c_time_ms: float = 0.0
    reference_time_ms: float | None = None
    check_passed: bool = True
    check_messages: list[str] = field(default_factory=list)
    outputs_info: list[dict[str, Any]] = field(default_factory=list)
    target: dict[str, Any] | None = None
    """``--mode target``: instructions, per node, footprint (``stai.tools.validate_board``)."""


def save_csv(
    folder: Path,
    inputs: list[np.ndarray],
    c_out: list[np.ndarray],
    ref_out: list[np.ndarray] | None,
) -> None:
    """One CSV per tensor, one row per sample (flattened)."""
    folder.mkdir(parents=True, exist_ok=True)

    def write(name: str, a: np.ndarray) -> None:
        flat = a.reshape(a.shape[0], -1)
        fmt = "%d" if a.dtype.kind in "iu" else "%.9g"
        np.savetxt(folder / name, flat, delimiter=",", fmt=fmt)

    for i, a in enumerate(inputs):
        write(f"input_{i}.csv", a)
    for j, a in enumerate(c_out):
        write(f"c_output_{j}.csv", a)
    for j, a in enumerate(ref_out or []):
        write(f"reference_output_{j}.csv", a)


def _metrics_json(m: Metrics | None) -> dict[str, Any] | None:
    return None if m is None else m.as_dict()


def to_json(r: ValidationReport) -> dict[str, Any]:
    """The report as JSON data (``docs/schemas/validate.schema.json``)."""
    from stai import __version__

    return {
        "schema": "stai-validate",
        "schema_version": SCHEMA_VERSION,
        "stai_version": __version__,
        "model": r.model,
        "name": r.name,
        "mode": r.mode,
        "reference": r.reference,
        "samples": r.samples,
        "inputs": r.input_source,
        "c_time_ms": r.c_time_ms,
        "reference_time_ms": r.reference_time_ms,
        "outputs": r.outputs_info,
        "results": [
            {
                "comparison": row.what,
                "output": row.index,
                "tensor": row.tensor,
                **row.metrics.as_dict(),
            }
            for row in r.rows
        ],
        "confusion_matrices": r.confusion,
        "layers": [
            {
                "c_id": layer.c_id,
                "m_id": layer.m_id,
                "type": layer.type,
                "name": layer.name,
                "shape": layer.shape,
                "dtype": layer.dtype,
                "time_ms": layer.time_ms,
                "metrics": _metrics_json(layer.metrics),
            }
            for layer in r.layers
        ],
        "layer_reference": r.layer_reference,
        "first_divergence": r.first_divergence,
        "check": {"passed": r.check_passed, "messages": r.check_messages},
        "target": r.target,
    }


def _g(x: float | None, digits: int = 4) -> str:
    if x is None:
        return "-"
    return f"{x:.{digits}g}"


def print_report(r: ValidationReport, console: Console | None = None) -> None:
    """The report as ``rich`` tables."""
    from rich.console import Console
    from rich.table import Table

    console = console or Console()
    console.print(f"[bold]stai validate[/bold] ({r.mode})  {r.model}")
    console.print(
        f"{r.samples} samples from {r.input_source}; reference: {r.reference or 'none'}"
        + ("" if r.target else f"; C model {r.c_time_ms:.3f} ms/inference on the host")
    )
    if r.target:
        from stai.tools.validate_board import print_target

        print_target(r.target, console)
    table = Table(title="results")
    cols = (
        "comparison",
        "output",
        "acc",
        "rmse",
        "mae",
        "l2r",
        "mean",
        "std",
        "cos",
        "nse",
        "max |err|",
        "max LSB",
        "bit-exact",
    )
    for col in cols:
        table.add_column(col, justify="left" if col in ("comparison", "output") else "right")
    for row in r.rows:
        m = row.metrics
        acc = "-" if m.acc is None else f"{100 * m.acc:.2f}%"
        exact = "-" if m.bit_exact is None else f"{m.bit_exact}/{m.samples}"
        table.add_row(
            row.what,
            f"{row.index} {row.tensor}",
            acc,
            _g(m.rmse),
            _g(m.mae),
            _g(m.l2r),
            _g(m.mean),
            _g(m.std),
            _g(m.cos),
            _g(m.nse),
            _g(m.max_abs),
            "-" if m.max_abs_lsb is None else str(m.max_abs_lsb),
            exact,
        )
    console.print(table)
    for title, cm in r.confusion.items():
        t = Table(title=f"confusion matrix, {title} (rows: expected, columns: predicted)")
        t.add_column("")
        for k in range(len(cm)):
            t.add_column(str(k), justify="right")
        for k, line in enumerate(cm):
            t.add_row(str(k), *(str(v) if v else "." for v in line))
        console.print(t)
    if r.layers:
        t = Table(title=f"per layer: C node vs the tensor of the same name in {r.layer_reference}")
        for col in (
            "c_id",
            "m_id",
            "type",
            "shape",
            "rmse",
            "cos",
            "max |err|",
            "max LSB",
            "bit-exact",
            "ms",
        ):
            t.add_column(col, justify="left" if col in ("type", "shape") else "right")
        for layer in r.layers:
            m = layer.metrics
            shape = "x".join(map(str, layer.shape))
            if m is None:
                t.add_row(
                    str(layer.c_id),
                    str(layer.m_id),
                    layer.type,
                    shape,
                    "no reference",
                    "",
                    "",
                    "",
                    "",
                    f"{layer.time_ms:.3f}",
                )
                continue
            exact = "-" if m.bit_exact is None else f"{m.bit_exact}/{m.samples}"
            t.add_row(
                str(layer.c_id),
                str(layer.m_id),
                layer.type,
                shape,
                _g(m.rmse),
                _g(m.cos),
                _g(m.max_abs),
                "-" if m.max_abs_lsb is None else str(m.max_abs_lsb),
                exact,
                f"{layer.time_ms:.3f}",
            )
        console.print(t)
        if r.first_divergence is None:
            console.print("every compared node matches the reference")
        else:
            console.print(f"first node that differs from the reference: c_id {r.first_divergence}")
    if r.check_messages:
        for message in r.check_messages:
            console.print(f"check failed: {message}")


def report_text(r: ValidationReport, width: int = 160) -> str:
    """The report as plain text."""
    from io import StringIO

    from rich.console import Console

    stream = StringIO()
    print_report(r, Console(file=stream, width=width, no_color=True, highlight=False))
    return stream.getvalue()
