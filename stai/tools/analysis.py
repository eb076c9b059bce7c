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
