"""Pictures for ``stai analyze``: the memory plan as SVG and the graph as Graphviz DOT.

The memory plan draws, per arena, every buffer as a rectangle: its lifetime (first to last
node that uses it) across, its byte range up, with byte ticks on the y axis; each
rectangle has a short unique label (``buffer_labels``), its size on hover and a line in the
legend. The graph has one box per generated node (``c_id``, kind and model operator,
kernel size, stride, fused activation, output tensor name and shape, MACC, ROM) and the
model's inputs and outputs; edges carry tensor shapes; ``dot_to_svg`` renders it when
Graphviz's ``dot`` is installed.
"""

from __future__ import annotations

import html
import shutil
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from stai.tools.analysis import Analysis

COLORS = {"input": "#7fb3d5", "output": "#82e0aa", "scratch": "#f5b7b1", "tensor": "#f9e79f"}
WIDTH, HEIGHT, MARGIN = 900, 360, 70
LEGEND_LINE = 15
PREFIX = {"input": "in", "output": "out", "scratch": "s", "tensor": "t"}


def _esc(text: str) -> str:
    return html.escape(text, quote=True)


def _bytes(n: int) -> str:
    return f"{n:,} B"


def byte_ticks(size: int) -> list[int]:
    """Byte offsets for the axis of an arena of ``size`` bytes: 0, multiples of a round
    step (1, 2 or 5 times a power of ten) giving 4 to 10 intervals, and ``size``."""
    if size <= 0:
        return [0]
    step = 1
    while size / step > 10:
        for factor in (2, 5 / 2, 2):
            step = int(step * factor)
            if size / step <= 10:
                break
    ticks = list(range(0, size, step))
    if len(ticks) < 4 and size >= 4:
        step = max(1, size // 4)
        ticks = list(range(0, size, step))[:4]
    if size - ticks[-1] < step / 3 and len(ticks) > 1:
        ticks.pop()
    return [*ticks, size]


def buffer_labels(a: Analysis) -> list[str]:
    """A short unique label per buffer of the memory plan: ``in0``, ``out0``, ``t3``
    (tensor), ``s1`` (scratch), numbered per role in plan order."""
    counts: dict[str, int] = {}
    labels = []
    for b in a.buffers:
        prefix = PREFIX.get(b.role, "t")
        labels.append(f"{prefix}{counts.get(prefix, 0)}")
        counts[prefix] = counts.get(prefix, 0) + 1
    return labels


def memory_plan_svg(a: Analysis) -> str:
    """One panel per arena: buffers as rectangles (x: node index, y: byte offset), each
    with a short unique label, its size on hover (``<title>``) and a line of the legend
    below (label, size, offset, lifetime, tensor name); the y axis has byte ticks."""
    arenas = a.totals.arena_bytes or [0]
    steps = max([b.last for b in a.buffers] + [len(a.layers) - 1, 0]) + 1
    labels = buffer_labels(a)
    panel = HEIGHT + MARGIN
    legend_top = MARGIN + panel * len(arenas) + 10
    total_h = legend_top + LEGEND_LINE * (len(a.buffers) + 2) + 10
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH + 2 * MARGIN}" '
        f'height="{total_h}" font-family="sans-serif" font-size="11">',
        f"<title>memory plan of {_esc(a.name)}</title>",
    ]
    for i, size in enumerate(arenas):
        top = MARGIN + i * panel
        scale_y = HEIGHT / max(size, 1)
        step_w = WIDTH / steps
        bounds = ""
        if len(arenas) == 1 and a.totals.breadth_bound_bytes:
            bounds = f"; breadth bound {a.totals.breadth_bound_bytes:,}"
            if a.totals.overlap_bound_bytes is not None:
                bounds += f", overlap lower bound {a.totals.overlap_bound_bytes:,}"
        parts.append(
            f'<text x="{MARGIN}" y="{top - 20}" font-size="13">arena {i}: {size:,} bytes'
            f"{bounds}, {steps} nodes (x: node, y: byte offset)</text>"
        )
        parts.append(
            f'<rect x="{MARGIN}" y="{top}" width="{WIDTH}" height="{HEIGHT}" '
            'fill="none" stroke="#555"/>'
        )
        for s in range(steps + 1):
            x = MARGIN + s * step_w
            parts.append(
                f'<line x1="{x:.1f}" y1="{top + HEIGHT}" x2="{x:.1f}" '
                f'y2="{top + HEIGHT + 4}" stroke="#555"/>'
            )
            if s < steps and (steps <= 40 or s % max(1, steps // 20) == 0):
                parts.append(
                    f'<text x="{x + step_w / 2:.1f}" y="{top + HEIGHT + 16}" '
                    f'text-anchor="middle">{s}</text>'
                )
        for tick in byte_ticks(size):
            y = top + HEIGHT - tick * scale_y
            parts.append(
                f'<line x1="{MARGIN - 4}" y1="{y:.1f}" x2="{MARGIN + WIDTH}" y2="{y:.1f}" '
                'stroke="#ddd" stroke-width="0.5"/>'
            )
            parts.append(
                f'<text class="tick" data-bytes="{tick}" x="{MARGIN - 6}" y="{y + 4:.1f}" '
                f'text-anchor="end">{_bytes(tick)}</text>'
            )
        for b, label in zip(a.buffers, labels):
            if b.arena != i:
                continue
            x = MARGIN + b.first * step_w
            w = (b.last - b.first + 1) * step_w
            h = max(b.size * scale_y, 1.0)
            y = top + HEIGHT - (b.offset + b.size) * scale_y
            color = COLORS.get(b.role, COLORS["tensor"])
            tip = (
                f"{label}: {_bytes(b.size)} at offset {b.offset:,}, nodes {b.first}-{b.last} "
                f"({b.role}) {b.name}"
            )
            parts.append(
                f'<rect data-label="{label}" data-bytes="{b.size}" x="{x:.1f}" y="{y:.1f}" '
                f'width="{w:.1f}" height="{h:.1f}" fill="{color}" stroke="#333" '
                f'stroke-width="0.5" opacity="0.85"><title>{_esc(tip)}</title></rect>'
            )
            text = (
                label if w < 6.5 * len(f"{label} {_bytes(b.size)}") else f"{label} {_bytes(b.size)}"
            )
            if h >= 12 and w >= 6.5 * len(text):
                parts.append(
                    f'<text x="{x + 3:.1f}" y="{y + 11:.1f}" pointer-events="none">{_esc(text)}</text>'
                )
    y = legend_top
    for k, (role, color) in enumerate(COLORS.items()):
        x = MARGIN + k * 110
        parts.append(f'<rect x="{x}" y="{y - 9}" width="10" height="10" fill="{color}"/>')
        parts.append(f'<text x="{x + 14}" y="{y}">{role}</text>')
    y += LEGEND_LINE
    parts.append(
        f'<text x="{MARGIN}" y="{y}" font-weight="bold">label  size  offset  nodes  '
        "arena  tensor</text>"
    )
    for b, label in zip(a.buffers, labels):
        y += LEGEND_LINE
        parts.append(
            f'<text class="legend" data-label="{label}" x="{MARGIN}" y="{y}">'
            f"{_esc(label)}  {_bytes(b.size)}  @{b.offset:,}  {b.first}-{b.last}  "
            f"{b.arena}  {_esc(b.name)}</text>"
        )
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def _dot_label(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def _shape(shape: list[int]) -> str:
    return "x".join(map(str, shape)) or "scalar"


def _short_name(name: str, limit: int = 40) -> str:
    """A tensor name for a graph box: its first ``;``-separated part, at most ``limit``
    characters (the full name is the box's tooltip)."""
    first = name.split(";")[0]
    return first if len(first) <= limit else "…" + first[-(limit - 1) :]


def _geometry_text(geometry: dict[str, list[int]]) -> list[str]:
    lines = []
    if "kernel" in geometry:
        lines.append("kernel " + "x".join(map(str, geometry["kernel"])))
    if "strides" in geometry:
        lines.append("stride " + "x".join(map(str, geometry["strides"])))
    dilations = geometry.get("dilations", [])
    if any(d != 1 for d in dilations):
        lines.append("dilation " + "x".join(map(str, dilations)))
    if any(geometry.get("pads", [])):
        lines.append("pads " + ",".join(map(str, geometry["pads"])))
    if geometry.get("depth_multiplier", [1]) != [1]:
        lines.append(f"depth multiplier {geometry['depth_multiplier'][0]}")
    return lines


def graph_dot(a: Analysis) -> str:
    """The generated graph in Graphviz DOT: per node its kind and model operator, kernel
    size, stride (and pads, dilation), fused activation, output tensor name and shape,
    MACC and ROM; edges carry the shape of the tensor they pass."""
    lines = [
        f'digraph "{_dot_label(a.name)}" {{',
        "  rankdir=TB;",
        '  node [shape=box, fontname="sans-serif", fontsize=10];',
        '  edge [fontname="sans-serif", fontsize=9];',
    ]
    shapes: dict[str, str] = {}
    for i, t in enumerate(a.inputs):
        shapes[f"in:{i}"] = _shape(t.shape)
        lines.append(
            f'  "in:{i}" [shape=ellipse, label="input {i}\\n{_dot_label(t.name)}\\n'
            f'{_shape(t.shape)} {t.dtype}", tooltip="{_dot_label(t.name)}"];'
        )
    for r in a.layers:
        shapes[f"c:{r.c_id}"] = _shape(r.output_shape)
        head = f"{r.c_id}: {r.type}"
        if r.model_type:
            head += f" ({r.model_type}"
            head += f", m_id {r.m_id})" if r.m_id is not None else ")"
        body = _geometry_text(r.geometry)
        if r.activation:
            body.append(f"activation {r.activation}")
        if r.fused or r.folded:
            body.append("+m_id " + ",".join(str(m) for m in r.fused + r.folded))
        body.append(f"{_dot_label(_short_name(r.name))}" if r.name else "")
        body.append(f"{_shape(r.output_shape)} {r.dtype}")
        body.append(f"MACC {r.macc:,}  ROM {r.rom_bytes:,} B")
        label = "\\n".join([_dot_label(head), *(b for b in body if b)])
        lines.append(f'  "c:{r.c_id}" [label="{label}", tooltip="{_dot_label(r.name)}"];')
    for i, t in enumerate(a.outputs):
        lines.append(
            f'  "out:{i}" [shape=ellipse, label="output {i}\\n{_dot_label(t.name)}\\n'
            f'{_shape(t.shape)} {t.dtype}", tooltip="{_dot_label(t.name)}"];'
        )
    for src, dst in a.edges:
        lines.append(f'  "{src}" -> "{dst}" [label=" {shapes.get(src, "")}"];')
    lines.append("}")
    return "\n".join(lines) + "\n"


def dot_to_svg(dot_file: Path) -> Path | None:
    """Render a DOT file next to it as SVG with Graphviz (None when ``dot`` is missing or
    fails)."""
    exe = shutil.which("dot")
    if exe is None:
        return None
    svg = dot_file.with_suffix(".svg")
    proc = subprocess.run([exe, "-Tsvg", str(dot_file), "-o", str(svg)], capture_output=True)
    return svg if proc.returncode == 0 and svg.exists() else None
