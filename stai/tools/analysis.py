"""What ``stai analyze`` reports, as data (``stai.tools.analyze`` computes it,
``stai.tools.report_svg`` draws it)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class TensorSummary:
    """A model input or output."""

    name: str
    shape: list[int]
    dtype: str
    scale: float | None = None
    zero_point: int | None = None
    bytes: int = 0


@dataclass
class LayerRow:
    """One generated node."""

    c_id: int
    m_id: int | None
    type: str
    """The kernel (``qnn`` op) kind: ``conv2d``, ``fully_connected``, ..."""
    model_type: str | None
    """The model operator's type (``CONV_2D`` ...) of ``m_id``."""
    name: str
    output_shape: list[int]
    dtype: str
    params: int
    macc: int
    rom_bytes: int
    fused: list[int] = field(default_factory=list)
    """m_ids of model operators fused into this node (e.g. a RELU)."""
    folded: list[int] = field(default_factory=list)
    """m_ids of model operators that generate no code of their own and whose result this
    node reads (reshapes become aliases, dequantized constants become weights)."""
    compression_ratio: float | None = None
    """Weight sharing (``-c``, ``docs/compression.md``): ROM bytes the layer would take
    uncompressed over ``rom_bytes``; None for uncompressed layers."""
    geometry: dict[str, list[int]] = field(default_factory=dict)
    """The kernel's geometry: ``kernel`` (height, width), ``strides``, ``pads``,
    ``dilations``, ``depth_multiplier``, whichever it has."""
    activation: str | None = None
    """The activation fused into the node (``relu``, ``relu6``, ...; None: none)."""
    input_shapes: list[list[int]] = field(default_factory=list)
    """Shapes of the node's tensor inputs (its weights excluded)."""


@dataclass
class BufferRect:
    """One buffer of the memory plan: bytes ``[offset, offset + size)`` of an arena, alive
    from node ``first`` to node ``last``."""

    name: str
    role: str
    arena: int
    offset: int
    size: int
    first: int
    last: int


@dataclass
class Totals:
    """The headline figures."""

    params: int
    macc: int
    weights_bytes: int
    model_weights_bytes: int
    weights_change_bytes: int
    weights_change_percent: float
    activations_bytes: int
    arena_bytes: list[int]
    input_bytes: int
    output_bytes: int
    io_in_arena: bool
    ram_total_bytes: int
    nodes: int
    model_operators: int
    breadth_bound_bytes: int = 0
    """The operator-breadth bound of the model's order (``buf.breadth_bound``)."""
    overlap_bound_bytes: int | None = None
    """With outputs over their inputs allowed: the least any plan needs."""


@dataclass
class Analysis:
    """Everything ``stai analyze`` reports."""

    model: str
    format: str
    file_bytes: int
    sha256: str
    name: str
    target: str
    inputs: list[TensorSummary]
    outputs: list[TensorSummary]
    totals: Totals
    layers: list[LayerRow]
    buffers: list[BufferRect]
    edges: list[tuple[str, str]]
    model_types: dict[int, str] = field(default_factory=dict)
    removed: list[int] = field(default_factory=list)
    """m_ids with no code and no node to attribute them to."""
    target_footprint: dict[str, Any] | None = None
    """With a Cortex-M target: flash and RAM of the linked firmware
    (``stai.tools.board_footprint``)."""
    weights_file_bytes: int | None = None
    """``--binary``: the bytes of the ``NAME_weights.bin`` generate writes (header
    included)."""
    image: dict[str, Any] | None = None
    """``--relocatable``: the sizes of the ``NAME_image.bin`` generate writes
    (``stai.tools.deployed_files.image_sizes``)."""


# --------------------------------------------------------------------------- tables


def _words(text: str) -> list[str]:
    return text.split() or [""]


def _fit(
    widths: list[int], floors: list[int], room: int, lengths: list[list[int]] | None = None
) -> list[int] | None:
    """Column widths within ``room`` characters: the natural ``widths`` when they fit, else
    every column at least its ``floors`` (its longest word) and the space left given one
    character at a time to the column with the most cells still too long for it
    (``lengths``: each column's cell lengths); None when even the floors do not fit."""
    if sum(widths) <= room:
        return widths
    if sum(floors) > room:
        return None
    out = list(floors)
    cells = lengths or [[w] for w in widths]
    for _ in range(room - sum(floors)):
        wanting = [i for i in range(len(out)) if widths[i] > out[i]]
        if not wanting:
            break
        best = max(wanting, key=lambda i: (sum(n > out[i] for n in cells[i]), widths[i] - out[i]))
        out[best] += 1
    return out


def print_table(
    console: Any,
    title: str | None,
    columns: list[tuple[str, str]],
    rows: list[list[str]],
    *,
    show_header: bool = True,
    note: str | None = None,
    stack: bool = True,
    boxed: bool = True,
) -> None:
    """Print ``rows`` under ``columns`` (``(header, "left" | "right")``) on a ``rich``
    console without ever cutting a cell: a cell may wrap between its words, never inside
    one, so a figure is always printed whole.

    The layouts tried, in order: a boxed table, the same without borders, and, when even
    the longest words do not fit side by side, the table transposed (one line per column)
    when its rows are few enough, else each row stacked as ``header  value`` lines."""
    from rich import box
    from rich.table import Table
    from rich.text import Text

    heads = [h for h, _j in columns]
    cells = [[str(c) for c in row] for row in rows]
    n = len(columns)
    natural = [
        max([len(heads[i]) if show_header else 0, *(len(r[i]) for r in cells)]) for i in range(n)
    ]
    floors = [
        max(
            [max(map(len, _words(heads[i]))) if show_header else 0]
            + [max(map(len, _words(r[i]))) for r in cells]
        )
        for i in range(n)
    ]
    lengths = [[len(r[i]) for r in cells] for i in range(n)]
    layouts = ((True, 3 * n + 1), (False, n)) if boxed else ((False, n),)
    for boxed, extra in layouts:
        widths = _fit(natural, floors, console.width - extra, lengths)
        if widths is None and (stack or boxed):
            continue
        widths = widths or floors
        table = Table(
            title=title,
            show_header=show_header,
            box=box.HEAVY_HEAD if boxed else None,
            padding=(0, 1) if boxed else (0, 1, 0, 0),
            show_edge=boxed,
            pad_edge=boxed,
            title_justify="center" if boxed else "left",
        )
        for (head, justify), width in zip(columns, widths):
            table.add_column(
                head,
                justify="right" if justify == "right" else "left",
                width=width,
                overflow="fold",
            )
        for row in cells:
            table.add_row(*(Text(c) for c in row))
        console.print(table)
        if note:
            console.print(note)
        return
    if title:
        console.print(title)
    # transposed: one line per column, one column per row (when the rows are few)
    across = [[heads[i] or "#", *(r[i] for r in cells)] for i in range(n)]
    across_natural = [max(len(line[k]) for line in across) for k in range(len(cells) + 1)]
    across_floors = [
        max(max(map(len, _words(line[k]))) for line in across) for k in range(len(cells) + 1)
    ]
    if _fit(across_natural, across_floors, console.width - (len(cells) + 1)) is not None:
        print_table(
            console,
            None,
            [("", "left"), *(("", "right") for _r in cells)],
            across,
            show_header=False,
            stack=False,
            boxed=False,
        )
    else:
        for k, row in enumerate(cells):
            pairs = [[heads[i] or "#", row[i]] for i in range(n) if row[i] != ""]
            label = [("", "left"), ("", "left")]
            print_table(console, None, label, pairs, show_header=False, stack=False, boxed=False)
            if k + 1 < len(cells):
                console.print()
    if note:
        console.print(note)
