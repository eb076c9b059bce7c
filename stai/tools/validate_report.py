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
    "metric_text",
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
    """The outputs outside the ``--check`` criteria (filled with or without ``--check``)."""
    check_requested: bool | None = None
    """Whether ``--check`` was given (None: not said). Without it the messages are notes,
    not failures: the exit code does not depend on them."""
    outputs_info: list[dict[str, Any]] = field(default_factory=list)
    target: dict[str, Any] | None = None
    """``--mode target``: instructions, per node, footprint (``stai.tools.validate_board``)."""
    weights_file_bytes: int | None = None
    """``--binary``: the bytes of ``NAME_weights.bin``, the file the C model ran through."""
    image: dict[str, Any] | None = None
    """``--relocatable --mode target``: the image the loader ran, its path and sizes
    (``stai.tools.deployed_files.image_section``)."""
    relocatable_note: str | None = None
    """``--relocatable --mode host``: what host mode ran instead of the image."""


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
        "check": {
            "requested": r.check_requested,
            "passed": r.check_passed,
            "messages": r.check_messages,
        },
        "target": r.target,
        "weights_file_bytes": r.weights_file_bytes,
        "image": r.image,
        "relocatable_note": r.relocatable_note,
    }


def check_outputs(
    report: ValidationReport,
    tolerance: float,
    infos: list[dict[str, Any]],
    c_out: list[np.ndarray],
    ref_out: list[np.ndarray] | None,
) -> None:
    """The ``--check`` criteria on ``report``: integer outputs bit-exact with the
    reference, float outputs within ``tolerance`` x max(1, max |reference|)."""
    if ref_out is None:
        return
    for j, info in enumerate(infos):
        r = ref_out[j]
        # (unpacked: numpy's stubs type reshape(tuple[Any, ...]) as a 0-d array)
        c = c_out[j].reshape(*r.shape)
        if np.dtype(info["dtype"]).kind in "iu":
            exact = int(np.sum(np.all((c == r).reshape(c.shape[0], -1), axis=1)))
            if exact < c.shape[0]:
                report.check_passed = False
                report.check_messages.append(
                    f"output {j} '{info['name']}': {exact}/{c.shape[0]} samples bit-exact"
                )
        else:
            bound = tolerance * max(1.0, float(np.max(np.abs(r))) if r.size else 1.0)
            err = float(np.max(np.abs(c.astype(np.float64) - r))) if r.size else 0.0
            if err > bound:
                report.check_passed = False
                report.check_messages.append(
                    f"output {j} '{info['name']}': max |error| {err:.3g} > {bound:.3g}"
                )


def _g(x: float | None, digits: int = 4) -> str:
    if x is None:
        return "-"
    return f"{x:.{digits}g}"


RESULT_COLUMNS: tuple[tuple[str, str], ...] = (
    ("acc", "acc"),
    ("rmse", "rmse"),
    ("mae", "mae"),
    ("l2r", "l2r"),
    ("mean", "mean"),
    ("std", "std"),
    ("cos", "cos"),
    ("nse", "nse"),
    ("max |err|", "max_abs"),
    ("max LSB", "max_abs_lsb"),
    ("bit-exact", "bit_exact"),
)
"""The metric columns of the results table: (title, ``Metrics`` field)."""


def metric_text(m: Metrics, metric: str) -> str:
    """One metric as the report prints it: ``-`` where it does not apply (``docs/validate.md``,
    Metrics), a percentage for ``acc``, ``k/n`` samples for ``bit_exact``, four significant
    digits for the real-valued metrics."""
    if not m.applies(metric):
        return "-"
    value = getattr(m, metric)
    if metric == "acc":
        return f"{100 * value:.2f}%"
    if metric == "bit_exact":
        return f"{value}/{m.samples}"
    if metric == "max_abs_lsb":
        return str(value)
    return _g(value)


def print_report(r: ValidationReport, console: Console | None = None) -> None:
    """The report as tables; a table too wide for the console wraps between words or
    stacks its rows, so no figure is ever cut (``stai.tools.analysis.print_table``)."""
    from rich.console import Console

    from stai.tools.analysis import print_table

    console = console or Console()
    console.print(f"[bold]stai validate[/bold] ({r.mode})  {r.model}", highlight=False)
    console.print(
        f"{r.samples} samples from {r.input_source}; reference: {r.reference or 'none'}"
        + ("" if r.target else f"; C model {r.c_time_ms:.3f} ms/inference on the host"),
        highlight=False,
    )
    from stai.tools.deployed_files import print_files

    print_files(console, r.name, r.weights_file_bytes, r.image)
    if r.relocatable_note is not None:
        console.print(f"--relocatable: {r.relocatable_note}", highlight=False)
    if r.target:
        from stai.tools.validate_board import print_target

        print_target(r.target, console)
    columns = [("comparison", "left"), ("output", "left")]
    columns += [(title, "right") for title, _key in RESULT_COLUMNS]
    rows = [
        [row.what, f"{row.index} {row.tensor}"]
        + [metric_text(row.metrics, key) for _title, key in RESULT_COLUMNS]
        for row in r.rows
    ]
    print_table(console, "results", columns, rows)
    for title, cm in r.confusion.items():
        print_table(
            console,
            f"confusion matrix, {title} (rows: expected, columns: predicted)",
            [("", "left"), *((str(k), "right") for k in range(len(cm)))],
            [[str(k), *(str(v) if v else "." for v in line)] for k, line in enumerate(cm)],
        )
    if r.layers:
        layer_columns = [
            ("c_id", "right"),
            ("m_id", "right"),
            ("type", "left"),
            ("shape", "left"),
            ("rmse", "right"),
            ("cos", "right"),
            ("max |err|", "right"),
            ("max LSB", "right"),
            ("bit-exact", "right"),
            ("ms", "right"),
        ]
        layer_rows = []
        for layer in r.layers:
            m = layer.metrics
            head = [str(layer.c_id), str(layer.m_id), layer.type, "x".join(map(str, layer.shape))]
            if m is None:
                figures = ["no reference", "", "", "", ""]
            else:
                keys = ("rmse", "cos", "max_abs", "max_abs_lsb", "bit_exact")
                figures = [metric_text(m, key) for key in keys]
            layer_rows.append([*head, *figures, f"{layer.time_ms:.3f}"])
        print_table(
            console,
            f"per layer: C node vs the tensor of the same name (or of its m_id) in {r.layer_reference}",
            layer_columns,
            layer_rows,
        )
        if r.first_divergence is None:
            console.print("every compared node matches the reference")
        else:
            console.print(f"first node that differs from the reference: c_id {r.first_divergence}")
    _print_check(r, console)


def _print_check(r: ValidationReport, console: Console) -> None:
    """``--check``: its verdict; without it, the outputs outside its criteria as notes."""
    if r.check_requested:
        for message in r.check_messages:
            console.print(f"check failed: {message}", highlight=False)
        if r.check_passed:
            console.print("check passed", highlight=False)
        return
    for message in r.check_messages:
        console.print(
            f"note: {message} (outside the --check criteria; not checked)", highlight=False
        )


def report_text(r: ValidationReport, width: int = 160) -> str:
    """The report as plain text."""
    from io import StringIO

    from rich.console import Console

    stream = StringIO()
    print_report(r, Console(file=stream, width=width, no_color=True, highlight=False))
    return stream.getvalue()
