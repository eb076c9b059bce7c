"""The compile-time side of stai's Helium (MVE) int8 micro-kernels
(``include/stai_mk_mve_s8.h``), for cores with ``isa=mve`` (Cortex-M55).

As ``mk_layouts`` does for the DSP kernels: the packed weights in the order the vector
loops read them (``pack_*``), the effective bias with the input offset folded in, the
requantization path the layer's shifts allow (``fast_requant_mve``) and the
``KernelCall`` of each kernel. The Helium kernels read 16 input channels per vector
load, so the layouts pad the input channels to a multiple of 16 with zero weights.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from stai.runtime.mk_layouts import KernelCall

__all__ = [
    "ADD_MVE",
    "CONV1X1_MVE",
    "CONV_MVE",
    "DWCONV3X3_MVE",
    "HEADER",
    "conv1x1_mve_sizes",
    "dwconv3x3_mve_sizes",
    "fast_requant_mve",
    "pack_dwconv3x3_mve_s8",
    "pack_pointwise_mve_s8",
    "scratch_bytes_conv_mve",
    "scratch_bytes_dwconv3x3_mve",
]

HEADER = "stai_mk_mve_s8.h"
"""The runtime header of the Helium micro-kernels."""

CONV1X1_MVE = KernelCall(
    "stai_mk_conv1x1_mve_s8",
    (
        "input",  # const int8_t *: [pixels][in_ch]
        "weights",  # const int8_t *: pack_pointwise_mve_s8(...)[0]
        "bias",  # const int32_t *: pack_pointwise_mve_s8(...)[1]
        "multipliers",  # const int32_t *: out_ch
        "shifts",  # const int32_t *: out_ch
        "output",  # int8_t *: [pixels][out_ch], apart from the input
        "scratch",  # void *: none (NULL)
        "pixels",  # batch * height * width
        "in_ch",
        "out_ch",
        "output_offset",
        "act_min",
        "act_max",
        "fast_requant",  # fast_requant_mve(...)
    ),
    ("input", "weights", "bias", "multipliers", "shifts", "output", "scratch"),
    HEADER,
)
"""``stai_mk_conv1x1_mve_s8``: a 1x1 convolution (stride 1, no padding) or a fully
connected layer (pixels = batch) on a Helium core."""


DWCONV3X3_MVE = KernelCall(
    "stai_mk_dwconv3x3_mve_s8",
    (
        "input",  # const int8_t *: [in_h][in_w][ch]
        "weights",  # const int8_t *: pack_dwconv3x3_mve_s8(...)[0]
        "bias",  # const int32_t *: pack_dwconv3x3_mve_s8(...)[1]
        "multipliers",  # const int32_t *: ch
        "shifts",  # const int32_t *: ch
        "output",  # int8_t *: [out_h][out_w][ch], apart from the input
        "scratch",  # void *: scratch_bytes_dwconv3x3_mve(out_w, ch, stride) bytes
        "in_h",
        "in_w",
        "ch",
        "out_h",
        "out_w",
        "stride",  # 1 or 2, the same in both directions
        "pad_top",  # rows of padding above the input (pads[0])
        "pad_left",  # columns of padding left of the input (pads[2])
        "input_offset",
        "output_offset",
        "act_min",
        "act_max",
        "fast_requant",  # fast_requant_mve(...)
    ),
    ("input", "weights", "bias", "multipliers", "shifts", "output", "scratch"),
    HEADER,
)
"""``stai_mk_dwconv3x3_mve_s8``: a depthwise 3x3 convolution, channel multiplier 1, on a
Helium core."""


CONV_MVE = KernelCall(
    "stai_mk_conv_mve_s8",
    (
        "input",  # const int8_t *: [in_h][in_w][in_ch]
        "weights",  # const int8_t *: pack_pointwise_mve_s8 of the (out_ch, K) matrix
        "bias",  # const int32_t *: its effective bias
        "multipliers",  # const int32_t *: out_ch
        "shifts",  # const int32_t *: out_ch
        "output",  # int8_t *: [out_h][out_w][out_ch], apart from the input
        "scratch",  # void *: scratch_bytes_conv_mve(K) bytes
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
        "fast_requant",  # fast_requant_mve(...)
    ),
    ("input", "weights", "bias", "multipliers", "shifts", "output", "scratch"),
    HEADER,
)
"""``stai_mk_conv_mve_s8``: a convolution of any window (windows copied into rows, then
the 1x1 kernel's vector loop) on a Helium core."""


ADD_MVE = KernelCall(
    "stai_mk_add_mve_s8",
    (
        "input1",  # const int8_t *: size elements
        "input2",  # const int8_t *: size elements
        "output",  # int8_t *: size elements (may be input1 or input2)
        "size",
        "k1",  # mk_eltwise_layouts.plan_add_s8(...), method 1 (LINEAR) only
        "k2",
        "k0",
        "kshift",
        "act_min",
        "act_max",
    ),
    ("input1", "input2", "output"),
    HEADER,
)
"""``stai_mk_add_mve_s8``: an addition of two same-shape tensors whose plan is the linear
one, on a Helium core."""


def _round_up(n: int, m: int) -> int:
    return -(-int(n) // m) * m


def conv1x1_mve_sizes(in_ch: int, out_ch: int) -> tuple[int, int]:
    """Bytes of ``pack_pointwise_mve_s8``'s weights and entries of its bias: output
    channels rounded up to a multiple of 4 times input channels rounded up to 16; a bias
    per output channel of the rounded count."""
    o4 = _round_up(out_ch, 4)
    return o4 * _round_up(in_ch, 16), o4


def pack_pointwise_mve_s8(
    weights_ohwi: np.ndarray, bias: np.ndarray | None, input_offset: int
) -> tuple[np.ndarray, np.ndarray]:
    """The weights and the effective bias ``stai_mk_conv1x1_mve_s8`` reads.

    ``weights_ohwi`` is (out, 1, 1, in) or (out, in) int8; ``bias`` out int32 (or None).
    With ``O4 = 4 * ceil(out / 4)`` output channels and ``C = ceil(in / 16)`` chunks of 16
    input channels (``w`` zero padded to ``(O4, 16 C)``), the packed weights are, for each
    output-channel pair ``j`` and each chunk ``k``, the 16 bytes ``w[2j, 16k:16k+16]`` then
    the 16 bytes ``w[2j+1, 16k:16k+16]`` (the two weight vectors of one step of the
    kernel's four-pixel block; its one-pixel loop reads pairs ``2g`` and ``2g+1``). The
    effective bias is ``bias[o] + input_offset * sum(w[o, :])`` as O4 int32 (zero padded);
    ValueError when it does not fit in int32."""
    w = np.asarray(weights_ohwi)
    if w.ndim == 4:
        w = w.reshape(w.shape[0], -1)
    if w.ndim != 2:
        raise ValueError(f"conv1x1 weights must be (out, in) or (out, 1, 1, in), not {w.shape}")
    out_ch, in_ch = w.shape
    o4, i16 = _round_up(out_ch, 4), _round_up(in_ch, 16)
    padded = np.zeros((o4, i16), dtype=np.int8)
    padded[:out_ch, :in_ch] = w.astype(np.int8)
    # [j][oc in pair][k][16] -> [j][k][oc in pair][16]
    packed = padded.reshape(o4 // 2, 2, i16 // 16, 16).transpose(0, 2, 1, 3).reshape(-1)
    b64 = np.zeros(o4, dtype=np.int64)
    if bias is not None:
        b64[:out_ch] = np.asarray(bias, dtype=np.int64).reshape(-1)
    b64[:out_ch] += int(input_offset) * w.astype(np.int64).sum(axis=1)
    if b64.size and (b64.min() < -(2**31) or b64.max() >= 2**31):
        raise ValueError("the effective bias does not fit in int32")
    return np.ascontiguousarray(packed), b64.astype(np.int32)


def fast_requant_mve(shifts: Sequence[int] | np.ndarray) -> int:
    """``fast_requant`` of a Helium kernel call: 2 when every shift is a right shift of
    at least 1 (the requantization then needs no per-channel branch), else 0. Helium's
    VQRDMULH needs no headroom: every accumulator is exact."""
    s = np.asarray(shifts, dtype=np.int64).reshape(-1)
    return 2 if s.size and bool(np.all(s <= -1)) else 0


def dwconv3x3_mve_sizes(ch: int) -> tuple[int, int]:
    """Bytes of ``pack_dwconv3x3_mve_s8``'s weights and entries of its bias: 9 taps times
    the channels rounded up to 4; a bias per rounded channel."""
    c4 = _round_up(ch, 4)
    return 9 * c4, c4


def pack_dwconv3x3_mve_s8(
    weights_1hwc: np.ndarray, bias: np.ndarray | None, input_offset: int
) -> tuple[np.ndarray, np.ndarray]:
    """The weights and the effective bias ``stai_mk_dwconv3x3_mve_s8`` reads.

    ``weights_1hwc`` is (1, 3, 3, ch) (or (3, 3, ch)) int8; ``bias`` ch int32 (or None).
    With ``C4 = 4 * ceil(ch / 4)`` channels (zero weights past ``ch``), the packed weights
    are, for each group of four channels ``4g..4g+3`` and each tap ``t = 3 ky + kx``, the
    4 bytes ``w[ky, kx, 4g:4g+4]`` (36 bytes per group: the kernel's widening loads of
    one tap for four channels). The effective bias is ``bias[c] + input_offset *
    sum(w[:, :, c])`` as C4 int32 (zero padded): the kernel pads the input with its zero
    point, so the border outputs stay exact. ValueError when it does not fit in int32."""
    w = np.asarray(weights_1hwc)
    if w.ndim == 4 and w.shape[0] == 1:
        w = w[0]
    if w.ndim != 3 or w.shape[:2] != (3, 3):
        raise ValueError(f"dwconv3x3 weights must be (1, 3, 3, ch), not {np.shape(weights_1hwc)}")
    ch = w.shape[2]
    c4 = _round_up(ch, 4)
    padded = np.zeros((9, c4), dtype=np.int8)
    padded[:, :ch] = w.reshape(9, ch).astype(np.int8)
    packed = padded.reshape(9, c4 // 4, 4).transpose(1, 0, 2).reshape(-1)  # [g][t][4]
    b64 = np.zeros(c4, dtype=np.int64)
    if bias is not None:
        b64[:ch] = np.asarray(bias, dtype=np.int64).reshape(-1)
    b64[:ch] += int(input_offset) * w.astype(np.int64).reshape(9, ch).sum(axis=0)
    if b64.size and (b64.min() < -(2**31) or b64.max() >= 2**31):
        raise ValueError("the effective bias does not fit in int32")
    return np.ascontiguousarray(packed), b64.astype(np.int32)


def scratch_bytes_dwconv3x3_mve(out_w: int, ch: int, stride: int) -> int:
    """Scratch bytes of ``stai_mk_dwconv3x3_mve_s8``: three input rows of
    ``(out_w - 1) * stride + 3`` pixels of ``ch`` channels (a multiple of 4)."""
    cols = (int(out_w) - 1) * int(stride) + 3
    return 3 * cols * int(ch)


def scratch_bytes_conv_mve(depth: int) -> int:
    """Scratch bytes of ``stai_mk_conv_mve_s8`` for windows of ``depth`` = kernel_h *
    kernel_w * in_ch values: four rows of ``depth`` rounded up to 16."""
    return 4 * _round_up(depth, 16)
