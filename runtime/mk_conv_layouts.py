"""The compile-time side of stai's general int8 convolution micro-kernel
(``include/stai_mk_conv_s8.h``, ``stai_mk_conv_s8``).

The kernel runs any ``kh`` x ``kw`` convolution (stride 1 or 2 per axis, TFLite's SAME or
VALID padding, no dilation, no groups, batch 1) as a matrix product of the packed weights
with the widened windows ("im2col") of a few output pixels at a time. Each window row
(``kw * in_ch`` bytes, contiguous in NHWC) is padded to an even length, so a row is a
whole number of int16 pairs; the packed weights follow that padded order, each group of
four values as ``x0 x2 x1 x3`` (``row_order``: the pairs two SXTB16 make of four input
bytes). Small weights (``wide_weights``) are widened to int16 by the kernel, once per
call, into its scratch.

As in ``mk_layouts`` (whose ``KernelCall`` this module uses): a predicate saying when a
layer fits (``fits_conv``), the offline layout of its constants (``pack_conv_s8``, the
input offset folded into an effective bias), its scratch bytes (``scratch_bytes_conv``),
whether the short requantization is exact (``fast_requant_conv``), and ``CONV``, the C
function and its arguments in order. Padded taps read the input zero point, so the
folded bias stays exact at the borders. Shapes are NHWC, weights OHWI; pads are
``(top, bottom, left, right)``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from stai.runtime.mk_layouts import KernelCall, fast_requant_conv1x1, pack_pairs_s8

__all__ = [
    "CONV",
    "HEADER",
    "fast_requant_conv",
    "fits_conv",
    "pack_conv_s8",
    "packed_depth",
    "row_order",
    "scratch_bytes_conv",
    "wide_weights",
]

HEADER = "stai_mk_conv_s8.h"
"""The runtime header that defines ``stai_mk_conv_s8``."""

BLOCK = 4
"""Output pixels whose windows the kernel widens together."""

WIDE_WORDS = 128
"""Packed weight words (output-channel pairs x window pairs) up to which the kernel widens
the weights to int16 in its scratch (``STAI_MK_CONV_WIDE_WORDS``): 1 KB."""

CONV = KernelCall(
    "stai_mk_conv_s8",
    (
        "input",  # const int8_t *: [in_h][in_w][in_ch]
        "weights",  # const int8_t *: pack_conv_s8(...)[0]
        "bias",  # const int32_t *: pack_conv_s8(...)[1]
        "multipliers",  # const int32_t *: out_ch
        "shifts",  # const int32_t *: out_ch
        "output",  # int8_t *: [out_h][out_w][out_ch]
        "scratch",  # void *: scratch_bytes_conv(weights_shape, output_shape), 4-byte aligned
        "in_h",
        "in_w",
        "in_ch",
        "out_h",
        "out_w",
        "out_ch",
        "kernel_h",
        "kernel_w",
        "stride_h",
        "stride_w",
        "pad_top",  # pads[0]
        "pad_left",  # pads[2]
        "input_offset",
        "output_offset",
        "act_min",
        "act_max",
        "fast_requant",  # fast_requant_conv(...)
    ),
    ("input", "weights", "bias", "multipliers", "shifts", "output", "scratch"),
    HEADER,
)
"""``stai_mk_conv_s8``: a general convolution (any window, stride 1 or 2 per axis)."""


def _ints(values: Sequence[int] | None, default: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(int(v) for v in values) if values is not None else default


def fits_conv(
    input_shape: Sequence[int],
    weights_shape: Sequence[int],
    output_shape: Sequence[int],
    strides: Sequence[int] | None = None,
    pads: Sequence[int] | None = None,
    dilations: Sequence[int] | None = None,
) -> bool:
    """Whether a convolution can run as ``stai_mk_conv_s8``: batch 1, OHWI weights over
    all the input's channels (no groups), no dilation, strides 1 or 2 (each axis), pads
    ``(top, bottom, left, right)`` each smaller than the window along their axis, and
    ``output_shape`` the one those give (every window meets the input)."""
    if len(input_shape) != 4 or len(weights_shape) != 4 or len(output_shape) != 4:
        return False
    n, in_h, in_w, in_ch = (int(d) for d in input_shape)
    out_ch, kh, kw, k_in = (int(d) for d in weights_shape)
    on, out_h, out_w, oc = (int(d) for d in output_shape)
    if n != 1 or on != 1 or oc != out_ch or k_in != in_ch:
        return False
    if min(in_h, in_w, in_ch, out_ch, kh, kw, out_h, out_w) < 1:
        return False
    if _ints(dilations, (1, 1)) != (1, 1):
        return False
    sh, sw = _ints(strides, (1, 1))
    if sh not in (1, 2) or sw not in (1, 2):
        return False
    top, bottom, left, right = _ints(pads, (0, 0, 0, 0))
    if min(top, bottom, left, right) < 0 or max(top, bottom) >= kh or max(left, right) >= kw:
        return False
    return (in_h + top + bottom - kh) // sh + 1 == out_h and (
        in_w + left + right - kw
    ) // sw + 1 == out_w


def packed_depth(kernel_h: int, kernel_w: int, in_ch: int) -> int:
    """The int16 values of one widened window: ``kernel_h`` rows of ``kernel_w * in_ch``
    values, each rounded up to even."""
    row = int(kernel_w) * int(in_ch)
    return int(kernel_h) * (row + (row & 1))


def row_order(kernel_w: int, in_ch: int) -> list[int]:
    """The order of the values of a padded window row in the packed vector: each group of
    four values ``x0 x1 x2 x3`` as ``x0 x2 x1 x3`` (the pairs one SXTB16 each makes of a
    word of four input bytes), then the last two (or one and the padding) as they are."""
    row = int(kernel_w) * int(in_ch)
    full = row // 4 * 4
    order = [4 * g + i for g in range(full // 4) for i in (0, 2, 1, 3)]
    return order + list(range(full, row + (row & 1)))


def pack_conv_s8(
    weights_ohwi: np.ndarray, bias: np.ndarray | None, input_offset: int
) -> tuple[np.ndarray, np.ndarray]:
    """The weights and the effective bias ``stai_mk_conv_s8`` reads.

    ``weights_ohwi`` is (out, kh, kw, in) int8, ``bias`` out int32 (or None). Each output
    channel's weights, row by row of the window, each row (``kw * in`` values) zero
    padded to even length and in ``row_order`` (groups of four values as ``x0 x2 x1 x3``:
    the kernel widens four input bytes with two SXTB16 and no packing), form a
    ``packed_depth(kh, kw, in)``-long vector ``v[o]``; these
    are laid out as ``pack_pairs_s8`` lays out a (out, depth) matrix: for each output
    channel pair ``j`` (out rounded up to even), for each value pair ``k``, the word
    ``v[2j][2k], v[2j+1][2k], v[2j][2k+1], v[2j+1][2k+1]``. The effective bias is
    ``bias[o] + input_offset * sum(w[o])``, 2 * ceil(out / 2) int32 (zero padded)."""
    w = np.asarray(weights_ohwi)
    if w.ndim != 4:
        raise ValueError(f"conv weights must be (out, kh, kw, in), not {w.shape}")
    out_ch, kh, kw, in_ch = w.shape
    row = kw * in_ch
    rows = np.zeros((out_ch, kh, row + (row & 1)), dtype=np.int8)
    rows[:, :, :row] = w.astype(np.int8).reshape(out_ch, kh, row)
    rows = rows[:, :, row_order(kw, in_ch)]
    packed, _ = pack_pairs_s8(rows.reshape(out_ch, -1), None, 0)
    _, eff = pack_pairs_s8(w.reshape(out_ch, -1), bias, input_offset)
    return packed, eff


def wide_weights(weights_shape: Sequence[int], output_shape: Sequence[int]) -> bool:
    """Whether ``stai_mk_conv_s8`` widens the weights to int16 in its scratch (two words per
    packed word, read by an 8-SMLAD step of 11 instructions instead of 13): at least four
    output pixels and at most ``WIDE_WORDS`` packed words (the first layers, a few input
    channels)."""
    out_ch, kh, kw, in_ch = (int(d) for d in weights_shape)
    pixels = int(np.prod([int(d) for d in output_shape[:3]]))
    words = (out_ch + 1) // 2 * packed_depth(kh, kw, in_ch) // 2
    return pixels >= BLOCK and words <= WIDE_WORDS


def scratch_bytes_conv(weights_shape: Sequence[int], output_shape: Sequence[int]) -> int:
    """Scratch bytes of ``stai_mk_conv_s8``: the widened windows of up to four output
    pixels (int16), then, if ``wide_weights``, the weights widened to int16."""
    out_ch, kh, kw, in_ch = (int(d) for d in weights_shape)
    pixels = int(np.prod([int(d) for d in output_shape[:3]]))
    depth = packed_depth(kh, kw, in_ch)
    windows = min(BLOCK, max(1, pixels)) * 2 * depth
    if wide_weights(weights_shape, output_shape):
        return windows + 2 * ((out_ch + 1) // 2 * 2) * depth
    return windows


def fast_requant_conv(
    packed_bias: np.ndarray, weights_ohwi: np.ndarray, shifts: Sequence[int] | np.ndarray
) -> int:
    """``fast_requant`` of a ``stai_mk_conv_s8`` call (0, 1 or 2, the header's paths):
    every accumulator, bounded by ``|bias| + 128 * sum(|w|)`` (padded taps hold the zero
    point, an int8 too), must keep two bits of headroom past its left shift."""
    return fast_requant_conv1x1(packed_bias, weights_ohwi, shifts)
