"""Pictures for ``stai analyze``: the memory plan as SVG and the graph as Graphviz DOT.

The memory plan draws, per arena, every buffer as a rectangle: its lifetime (first to last
node that uses it) across, its byte range up. The graph has one box per generated node
(``c_id``, kind, output shape) and the model's inputs and outputs; ``dot_to_svg`` renders
it when Graphviz's ``dot`` is installed.
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
WIDTH, HEIGHT, MARGIN = 900, 360, 60


def _esc(text: str) -> str:
    return html.escape(text, quote=True)


def memory_plan_svg(a: Analysis) -> str:
    """One panel per arena: buffers as rectangles (x: node index, y: byte offset)."""
    arenas = a.totals.arena_bytes or [0]
    steps = max([b.last for b in a.buffers] + [len(a.layers) - 1, 0]) + 1
    panel = HEIGHT + MARGIN
    total_h = panel * len(arenas) + MARGIN
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH + 2 * MARGIN}" '
        f'height="{total_h}" font-family="sans-serif" font-size="11">',
        f"<title>memory plan of {_esc(a.name)}</title>",
    ]
    for i, size in enumerate(arenas):
        top = MARGIN + i * panel
        scale_y = HEIGHT / max(size, 1)
        step_w = WIDTH / steps
        parts.append(
            f'<text x="{MARGIN}" y="{top - 20}" font-size="13">arena {i}: {size:,} bytes, '
            f"{steps} nodes (x: node, y: byte offset)</text>"
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
        for label in (0, size):
            y = top + HEIGHT - label * scale_y
            parts.append(f'<text x="{MARGIN - 4}" y="{y:.1f}" text-anchor="end">{label:,}</text>')
        for b in (b for b in a.buffers if b.arena == i):
            x = MARGIN + b.first * step_w
            w = (b.last - b.first + 1) * step_w
            h = max(b.size * scale_y, 1.0)
            y = top + HEIGHT - (b.offset + b.size) * scale_y
            color = COLORS.get(b.role, COLORS["tensor"])
            tip = f"{b.name}: {b.size:,} B at {b.offset:,}, nodes {b.first}-{b.last} ({b.role})"
            parts.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h:.1f}" '
                f'fill="{color}" stroke="#333" stroke-width="0.5" opacity="0.85">'
                f"<title>{_esc(tip)}</title></rect>"
            )
            if h >= 12 and w >= 40:
                short = (
                    b.name if len(b.name) <= int(w / 6) else b.name[: max(int(w / 6) - 1, 1)] + "…"
                )
                parts.append(f'<text x="{x + 3:.1f}" y="{y + 11:.1f}">{_esc(short)}</text>')
    legend_y = total_h - 15
    for k, (role, color) in enumerate(COLORS.items()):
        x = MARGIN + k * 110
        parts.append(f'<rect x="{x}" y="{legend_y - 9}" width="10" height="10" fill="{color}"/>')
        parts.append(f'<text x="{x + 14}" y="{legend_y}">{role}</text>')
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def _dot_label(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def graph_dot(a: Analysis) -> str:
    """The generated graph in Graphviz DOT."""
    lines = [
        f'digraph "{_dot_label(a.name)}" {{',
        "  rankdir=TB;",
        '  node [shape=box, fontname="sans-serif", fontsize=10];',
    ]
    for i, t in enumerate(a.inputs):
        shape = "x".join(map(str, t.shape))
        lines.append(
            f'  "in:{i}" [shape=ellipse, label="input {i}\\n{_dot_label(t.name)}\\n'
            f'{shape} {t.dtype}"];'
        )
    for r in a.layers:
        shape = "x".join(map(str, r.output_shape))
        extra = ""
        if r.fused or r.folded:
            extra = "\\n+m_id " + ",".join(str(m) for m in r.fused + r.folded)
        m = "" if r.m_id is None else f" (m_id {r.m_id})"
        lines.append(
            f'  "c:{r.c_id}" [label="{r.c_id}: {r.type}{m}\\n{shape} {r.dtype}\\n'
            f'MACC {r.macc:,}  ROM {r.rom_bytes:,} B{extra}"];'
        )
    for i, t in enumerate(a.outputs):
        shape = "x".join(map(str, t.shape))
        lines.append(
            f'  "out:{i}" [shape=ellipse, label="output {i}\\n{_dot_label(t.name)}\\n'
            f'{shape} {t.dtype}"];'
        )
    for src, dst in a.edges:
        lines.append(f'  "{src}" -> "{dst}";')
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
