"""How far a kernel's output may overlap its input: the geometry behind ``KernelOp.OVERLAP``.

A kernel that computes its output pixels in increasing order (NHWC, batch by batch, row
by row), and reads for output pixel ``p`` only input pixels at or after the first pixel of
``p``'s window, may write its output over input bytes it will not read again. With the
input at byte ``I`` and the output at byte ``O``, writing output pixel ``p`` (bytes
``[O + p*co, O + (p+1)*co)``) must leave intact every input pixel that pixel ``p`` or a
later one still reads: those start at the first pixel of ``p``'s window, ``first(p)``. So
the plan is safe when, for every ``p``::

    O + (p + 1) * co <= I + first(p) * ci        (co, ci: bytes per output/input pixel)

that is ``O - I <= gap``, with ``gap`` the smallest ``first(p) * ci - (p + 1) * co``.
The rule is conservative for kernels that write a pixel's channels while still reading
that pixel's window (CMSIS-NN's max pooling, depthwise kernels writing channel by
channel) and for kernels that compute two or four pixels at a time (im2col blocks): a
block's inputs are read before any of its outputs is written. ``first(p)`` clamps the
window's top-left corner to the image, which with dilation may be before the first pixel
actually read: a smaller ``first(p)`` only makes the gap smaller (safer).

    >>> # a 3x3 stride-1 'same' convolution, 5 pixels wide, 64 channels in and out
    >>> pixel_order_gap((1, 25, 5, 64), (1, 25, 5, 64), (1, 1), (1, 1), 1, 1)
    -448

A kernel that runs channel by channel instead (stai's depthwise 3x3: it copies channel
``c`` of the whole input into its scratch plane, then writes channel ``c`` of every
output pixel) may write its output over its input wherever each output byte lands on an
input byte of the same channel, already copied: at any distance that is a multiple of
the channel count. :class:`Gap` carries such a ``step``: the output may start ``gap``,
``gap - step``, ``gap - 2 * step``, ... bytes after the input (a plain ``int`` gap is
step 1: anywhere up to ``gap``).

    >>> g = channel_order_gap((1, 48, 48, 16), (1, 24, 24, 16), 1, 1)
    >>> int(g), g.step, int(g + 4), (g + 4).step
    (36848, 16, 36852, 16)
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def pixel_order_gap(
    in_shape: Sequence[int],
    out_shape: Sequence[int],
    strides: Sequence[int],
    pads_before: Sequence[int],
    in_bytes: int,
    out_bytes: int,
) -> int:
    """The largest ``O - I`` (bytes) at which a pixel-order kernel may write its NHWC
    output (``out_shape``) over its NHWC input (``in_shape``); ``strides`` (sh, sw),
    ``pads_before`` (top, left) of its window; element sizes in bytes. Only the window's
    first pixel matters, so its size is not needed."""
    n, h, w, c = (int(v) for v in in_shape)
    on, oh, ow, oc = (int(v) for v in out_shape)
    if n != on or min(n, h, w, c, oh, ow, oc) <= 0:
        raise ValueError(f"pixel_order_gap: shapes {tuple(in_shape)} -> {tuple(out_shape)}")
    ci, co = c * in_bytes, oc * out_bytes
    oy = np.arange(oh, dtype=np.int64)[:, None]
    ox = np.arange(ow, dtype=np.int64)[None, :]
    y0 = np.clip(oy * strides[0] - pads_before[0], 0, h - 1)
    x0 = np.clip(ox * strides[1] - pads_before[1], 0, w - 1)
    first = y0 * w + x0
    p = oy * ow + ox
    gap_image = int(np.min(first * ci - (p + 1) * co))
    # Image b shifts both sides by whole images: the smallest gap is in the first or the
    # last image.
    shift = h * w * ci - oh * ow * co
    return gap_image + min(0, (n - 1) * shift)


class Gap(int):
    """A gap with a ``step``: the output may start ``self - k * step`` bytes after the
    input, for any ``k >= 0``, when it shares the input's bytes. Adding or subtracting a
    number of bytes (moving the two buffers' starts) keeps the step, so the planner can
    shift it like a plain gap."""

    step: int

    def __new__(cls, value: int, step: int = 1) -> Gap:
        if step < 1:
            raise ValueError(f"Gap: step must be positive, got {step}")
        gap = super().__new__(cls, value)
        gap.step = step
        return gap

    def __add__(self, other: int) -> Gap:
        return Gap(int(self) + int(other), self.step)

    def __radd__(self, other: int) -> Gap:
        return Gap(int(other) + int(self), self.step)

    def __sub__(self, other: int) -> Gap:
        return Gap(int(self) - int(other), self.step)

    def __repr__(self) -> str:
        return f"Gap({int(self)}, step={self.step})"


def gap_step(gap: int) -> int:
    """The step of a gap (1 for a plain ``int``)."""
    return gap.step if isinstance(gap, Gap) else 1


def gap_allows(gap: int, distance: int) -> bool:
    """Whether an output starting ``distance`` bytes after its input is allowed by
    ``gap`` (when the two share bytes)."""
    return distance <= gap and (int(gap) - distance) % gap_step(gap) == 0


def channel_order_gap(
    in_shape: Sequence[int], out_shape: Sequence[int], in_bytes: int, out_bytes: int
) -> Gap | None:
    """The gap of a kernel that reads channel ``c`` of every input pixel before it writes
    channel ``c`` of any output pixel, channel after channel (NHWC, the same channels in
    and out, the same element size): the output may start at any multiple of a pixel's
    bytes from the input (the gap is the largest one that still shares bytes with it).
    None when the element sizes differ (the channels would not line up)."""
    c, oc = int(in_shape[-1]), int(out_shape[-1])
    if c != oc or in_bytes != out_bytes or c <= 0:
        return None
    size_in = int(np.prod([int(v) for v in in_shape])) * in_bytes
    pixel = c * in_bytes
    return Gap(size_in - pixel, pixel)


def overlap_saving(in_size: int, out_size: int, gap: int) -> int:
    """The most bytes an input and its output can share when the output starts at most
    ``gap`` bytes after the input."""
    start = min(gap, max(0, in_size - out_size)) if gap >= 0 else gap
    return max(0, min(in_size, start + out_size) - max(0, start))
