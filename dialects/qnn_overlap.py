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


def overlap_saving(in_size: int, out_size: int, gap: int) -> int:
    """The most bytes an input and its output can share when the output starts at most
    ``gap`` bytes after the input."""
    start = min(gap, max(0, in_size - out_size)) if gap >= 0 else gap
    return max(0, min(in_size, start + out_size) - max(0, start))
