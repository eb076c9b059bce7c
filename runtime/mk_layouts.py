"""The compile-time side of stai's int8 micro-kernels (``include/stai_mk_s8.h``).

For each kernel: a predicate saying when a layer can use it (``fits_*``), a function
that lays out the layer's constants in the order the kernel reads them (``pack_*``), the
scratch bytes it needs (``scratch_bytes_*``), whether its short requantization is exact
for the layer (``fast_requant_*``), and a ``KernelCall`` naming its C function and
arguments in order. Every ``pack_*`` folds the input offset into an effective bias, exact
in int32, so the kernel's inner loop is a plain int8 dot product.

Conventions are the CMSIS-NN API's: ``input_offset`` is the negated input zero point,
``output_offset`` the output zero point, (multiplier, shift) the per-channel Q31
requantization of ``lowering/quant_math.py``. Shapes are NHWC; a convolution's weights
are OHWI, a depthwise convolution's 1HWC (TFLite's layouts).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

__all__ = [
    "CONV1X1",
    "CONV1X1_W16",
    "DWCONV3X3",
    "OPTIMIZE",
    "KernelCall",
    "MkConstants",
    "conv1x1_slots",
    "fast_requant_conv1x1",
    "fast_requant_dwconv3x3",
    "fits_conv1x1",
    "fits_dwconv3x3",
    "pack_dwconv3x3_s8",
    "pack_pairs_s8",
    "pack_pointwise_s16",
    "pack_pointwise_s8",
    "plan_conv1x1_s8",
    "plan_dwconv3x3_s8",
    "requantize_s8",
    "scratch_bytes_conv1x1",
    "scratch_bytes_dwconv3x3",
    "smallest_working_set",
    "widen_pointwise_s8",
]

HEADER = "stai_mk_s8.h"
"""The runtime header that defines every micro-kernel."""


@dataclass(frozen=True)
class KernelCall:
    """How generated code calls a micro-kernel: ``function(arguments...)``.

    ``arguments`` are the C parameter names in order; ``pointers`` are those that take an
    array or buffer (the others take an int32 literal). The function returns
    ``arm_cmsis_nn_status`` (always ``ARM_CMSIS_NN_SUCCESS``)."""

    function: str
    arguments: tuple[str, ...]
    pointers: tuple[str, ...]
    header: str = HEADER


CONV1X1 = KernelCall(
    "stai_mk_conv1x1_s8",
    (
        "input",  # const int8_t *: [pixels][in_ch]
        "weights",  # const int8_t *: pack_pointwise_s8(...)[0]
        "bias",  # const int32_t *: pack_pointwise_s8(...)[1]
        "multipliers",  # const int32_t *: out_ch
        "shifts",  # const int32_t *: out_ch
        "output",  # int8_t *: [pixels][out_ch]
        "scratch",  # void *: scratch_bytes_conv1x1(pixels, in_ch) bytes, 4-byte aligned (NULL: 0)
        "pixels",  # batch * height * width
        "in_ch",
        "out_ch",
        "output_offset",
        "act_min",
        "act_max",
        "fast_requant",  # fast_requant_conv1x1(...)
    ),
    ("input", "weights", "bias", "multipliers", "shifts", "output", "scratch"),
)
"""``stai_mk_conv1x1_s8``: a 1x1 convolution (stride 1, no padding) or a fully connected
layer (pixels = batch)."""

CONV1X1_W16 = KernelCall(
    "stai_mk_conv1x1_s8_w16",
    CONV1X1.arguments,
    CONV1X1.pointers,
)
"""``stai_mk_conv1x1_s8_w16``: ``stai_mk_conv1x1_s8`` on int16 weights (``weights``:
``const int16_t *``, ``pack_pointwise_s16(...)[0]``), what ``-O time`` takes; the same
arguments as ``CONV1X1``."""

OPTIMIZE: tuple[str, ...] = ("balanced", "time", "ram")
"""The size/speed choices (``-O``): ``balanced`` (int8 weights, every kernel that fits),
``time`` (the 1x1 kernel on int16 weights widened offline: faster, twice its weights'
bytes), ``ram`` (where a stai kernel's scratch buffer makes a layer's working set the
largest of the model, the layer keeps the kernel with less scratch)."""


DWCONV3X3 = KernelCall(
    "stai_mk_dwconv3x3_s8",
    (
        "input",  # const int8_t *: [in_h][in_w][ch]
        "weights",  # const int8_t *: pack_dwconv3x3_s8(...)[0]
        "bias",  # const int32_t *: pack_dwconv3x3_s8(...)[1]
        "multipliers",  # const int32_t *: ch
        "shifts",  # const int32_t *: ch
        "output",  # int8_t *: [out_h][out_w][ch]
        "scratch",  # void *: scratch_bytes_dwconv3x3(out_h, out_w, stride), 4-byte aligned
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
        "fast_requant",  # fast_requant_dwconv3x3(...)
    ),
    ("input", "weights", "bias", "multipliers", "shifts", "output", "scratch"),
)
"""``stai_mk_dwconv3x3_s8``: a depthwise 3x3 convolution, channel multiplier 1."""


def _pair(values: Sequence[int] | None, default: int) -> tuple[int, ...]:
    return tuple(int(v) for v in values) if values is not None else (default, default)


def fits_conv1x1(
    input_shape: Sequence[int],
    weights_shape: Sequence[int],
    strides: Sequence[int] | None = None,
    pads: Sequence[int] | None = None,
    dilations: Sequence[int] | None = None,
) -> bool:
    """Whether a convolution can run as ``stai_mk_conv1x1_s8``: NHWC input, OHWI weights
    with a 1x1 window over all the input's channels (no groups), stride 1, no padding
    (``pads`` top, bottom, left, right). Dilation does not matter for a 1x1 window. A
    fully connected layer fits with ``input_shape = (batch, 1, 1, in)`` and weights
    ``(out, 1, 1, in)``."""
    if len(input_shape) != 4 or len(weights_shape) != 4:
        return False
    _, _, _, in_ch = (int(d) for d in input_shape)
    out_ch, kh, kw, k_in = (int(d) for d in weights_shape)
    if (kh, kw) != (1, 1) or k_in != in_ch or in_ch < 1 or out_ch < 1:
        return False
    if _pair(strides, 1) != (1, 1):
        return False
    return tuple(int(p) for p in (pads or (0, 0, 0, 0))) == (0, 0, 0, 0)


def fits_dwconv3x3(
    input_shape: Sequence[int],
    weights_shape: Sequence[int],
    output_shape: Sequence[int],
    strides: Sequence[int] | None = None,
    pads: Sequence[int] | None = None,
    dilations: Sequence[int] | None = None,
    depth_multiplier: int = 1,
) -> bool:
    """Whether a depthwise convolution can run as ``stai_mk_dwconv3x3_s8``: batch 1,
    1HWC weights with a 3x3 window, channel multiplier 1, no dilation, the same stride (1
    or 2) in both directions, and at most one row / column of padding on each side
    (``pads`` top, bottom, left, right, as TFLite's SAME or VALID give them) consistent
    with ``output_shape``."""
    if len(input_shape) != 4 or len(weights_shape) != 4 or len(output_shape) != 4:
        return False
    n, in_h, in_w, ch = (int(d) for d in input_shape)
    on, out_h, out_w, out_c = (int(d) for d in output_shape)
    if n != 1 or on != 1 or depth_multiplier != 1 or out_c != ch:
        return False
    if tuple(int(d) for d in weights_shape) != (1, 3, 3, ch):
        return False
    if _pair(dilations, 1) != (1, 1):
        return False
    sh, sw = _pair(strides, 1)
    if sh != sw or sh not in (1, 2):
        return False
    top, bottom, left, right = (int(p) for p in (pads or (0, 0, 0, 0)))
    if not all(0 <= p <= 1 for p in (top, bottom, left, right)):
        return False
    if out_h < 1 or out_w < 1:
        return False
    # The windows must stay within the padded input.
    return (out_h - 1) * sh + 3 <= in_h + top + bottom and (
        out_w - 1
    ) * sw + 3 <= in_w + left + right


def _wrap_int32(values: np.ndarray) -> np.ndarray:
    """int64 values that must fit int32, checked."""
    if values.size and (values.min() < -(2**31) or values.max() >= 2**31):
        raise ValueError("the effective bias does not fit in int32")
    return values.astype(np.int32)


def conv1x1_slots(in_ch: int) -> np.ndarray:
    """The input channels of each slot of ``stai_mk_conv1x1_s8``'s packed weights, as
    ``(ceil(in_ch / 2), 2)`` indices (``in_ch`` for a missing channel): each whole group of
    four channels ``4q..4q+3`` gives the slots ``(4q, 4q+2)`` and ``(4q+1, 4q+3)``, the pairs
    SXTB16 and SXTB16 ROR #8 of one input word hold; the last ``in_ch % 4`` channels ``c..``
    give ``(c, c+1)`` and ``(c+2, -)`` in order."""
    n = int(in_ch)
    quads = n // 4
    slots = [(4 * q + i, 4 * q + i + 2) for q in range(quads) for i in (0, 1)]
    for c in range(4 * quads, n, 2):
        slots.append((c, c + 1 if c + 1 < n else n))
    return np.array(slots, dtype=np.int64).reshape(-1, 2)


def _weight_matrix(weights_ohwi: np.ndarray) -> np.ndarray:
    """(out, 1, 1, in) or (out, in) weights as an (out, in) matrix."""
    w = np.asarray(weights_ohwi)
    if w.ndim == 4:
        w = w.reshape(w.shape[0], -1)
    if w.ndim != 2:
        raise ValueError(f"conv1x1 weights must be (out, in) or (out, 1, 1, in), not {w.shape}")
    return w


def _effective_bias(w: np.ndarray, bias: np.ndarray | None, input_offset: int) -> np.ndarray:
    """``bias[o] + input_offset * sum(w[o, :])`` as 2 * ceil(out / 2) int32 (zero padded)."""
    out_ch = w.shape[0]
    b64 = np.zeros(out_ch + (out_ch & 1), dtype=np.int64)
    if bias is not None:
        b64[:out_ch] = np.asarray(bias, dtype=np.int64).reshape(-1)
    b64[:out_ch] += int(input_offset) * w.astype(np.int64).sum(axis=1)
    return _wrap_int32(b64)


def pack_pairs_s8(
    weights_ohwi: np.ndarray, bias: np.ndarray | None, input_offset: int
) -> tuple[np.ndarray, np.ndarray]:
    """An (out, depth) int8 matrix in channel-pair words, as ``stai_mk_conv_s8`` reads
    its windows (``mk_conv_layouts.pack_conv_s8``), and its effective bias.

    ``weights_ohwi`` is (out, 1, 1, in) or (out, in) int8; ``bias`` out int32 (or None).
    With ``O2 = 2 * ceil(out / 2)`` and ``I2 = 2 * ceil(in / 2)`` and ``w`` zero padded to
    ``(O2, I2)``, the packed weights are ``O2 / 2 * I2 / 2`` words of 4 bytes, in the
    order output-channel pair ``j``, then input-channel pair ``k``; word ``(j, k)`` is the
    bytes ``w[2j, 2k], w[2j+1, 2k], w[2j, 2k+1], w[2j+1, 2k+1]`` (so SXTB16 gives output
    channel 2j's input pair, SXTB16 of the word rotated by 8 bits channel 2j+1's). The
    effective bias is ``bias[o] + input_offset * sum(w[o, :])`` as O2 int32 (zero padded)."""
    w = _weight_matrix(weights_ohwi)
    out_ch, in_ch = w.shape
    o2, i2 = out_ch + (out_ch & 1), in_ch + (in_ch & 1)
    padded = np.zeros((o2, i2), dtype=np.int8)
    padded[:out_ch, :in_ch] = w.astype(np.int8)
    # [j][k][word byte]: word byte b = w[2j + (b & 1), 2k + (b >> 1)]
    blocks = padded.reshape(o2 // 2, 2, i2 // 2, 2)  # [j][oc in pair][k][ic in pair]
    packed = blocks.transpose(0, 2, 3, 1).reshape(-1)  # [j][k][ic in pair][oc in pair]
    return np.ascontiguousarray(packed), _effective_bias(w, bias, input_offset)


def pack_pointwise_s8(
    weights_ohwi: np.ndarray, bias: np.ndarray | None, input_offset: int
) -> tuple[np.ndarray, np.ndarray]:
    """The weights and the effective bias ``stai_mk_conv1x1_s8`` reads.

    ``weights_ohwi`` is (out, 1, 1, in) or (out, in) int8; ``bias`` out int32 (or None).
    With ``O2 = 2 * ceil(out / 2)`` output channels (zero padded) and the
    ``S = ceil(in / 2)`` input slots of ``conv1x1_slots`` (``(a, b)``: two input channels),
    the packed weights are ``O2 / 2 * S`` words of 4 bytes; word ``(j, k)`` of output pair
    ``j`` and slot ``k = (a, b)`` is the bytes ``w[2j, a], w[2j+1, a], w[2j, b],
    w[2j+1, b]`` (so SXTB16 gives output channel 2j's two weights, SXTB16 of the word
    rotated by 8 bits channel 2j+1's; a missing channel's weight is 0). Output pairs go
    two by two: for each slot ``k``, word ``(2g, k)`` then word ``(2g+1, k)`` (one LDRD
    loads both); when ``O2 / 2`` is odd the last pair follows alone, a word per slot. The
    effective bias is ``bias[o] + input_offset * sum(w[o, :])`` as O2 int32 (zero
    padded)."""
    w = _weight_matrix(weights_ohwi)
    out_ch, in_ch = w.shape
    o2 = out_ch + (out_ch & 1)
    padded = np.zeros((o2, in_ch + 1), dtype=np.int8)  # column in_ch: a missing channel
    padded[:out_ch, :in_ch] = w.astype(np.int8)
    slots = conv1x1_slots(in_ch)
    # [j][k][word byte]: word byte b = w[2j + (b & 1), slots[k][b >> 1]]
    taps = padded[:, slots]  # [o][k][channel in slot]
    words = taps.reshape(o2 // 2, 2, -1, 2).transpose(0, 2, 3, 1)  # [j][k][slot ch][oc in pair]
    words = words.reshape(o2 // 2, len(slots), 4)
    grouped = (o2 // 2) & ~1
    pairs_of_two = words[:grouped].reshape(grouped // 2, 2, len(slots), 4).transpose(0, 2, 1, 3)
    packed = np.concatenate([pairs_of_two.reshape(-1), words[grouped:].reshape(-1)])
    return np.ascontiguousarray(packed, dtype=np.int8), _effective_bias(w, bias, input_offset)


def widen_pointwise_s8(packed: np.ndarray) -> np.ndarray:
    """``pack_pointwise_s8``'s weights as ``stai_mk_conv1x1_s8_w16`` reads them: each
    4-byte word ``{w[2j][a], w[2j+1][a], w[2j][b], w[2j+1][b]}`` (output pair ``j``, input
    slot ``(a, b)``) becomes the two int16 words ``{w[2j][a], w[2j][b]}`` and
    ``{w[2j+1][a], w[2j+1][b]}`` (low halfword first), in the same order: the even
    channel's pair of weights, then the odd channel's, each a word SMLAD multiplies by the
    input slot's int16 pair directly. The same number of values, as int16: twice the
    bytes."""
    words = np.asarray(packed, dtype=np.int8).reshape(-1, 4)
    return np.ascontiguousarray(words[:, [0, 2, 1, 3]].astype(np.int16).reshape(-1))


def pack_pointwise_s16(
    weights_ohwi: np.ndarray, bias: np.ndarray | None, input_offset: int
) -> tuple[np.ndarray, np.ndarray]:
    """The int16 weights and the effective bias ``stai_mk_conv1x1_s8_w16`` reads:
    ``pack_pointwise_s8``'s, widened by ``widen_pointwise_s8``."""
    packed, bias32 = pack_pointwise_s8(weights_ohwi, bias, input_offset)
    return widen_pointwise_s8(packed), bias32


def smallest_working_set(layers: Sequence[Sequence[int | None]]) -> list[int]:
    """The kernel each layer takes under ``-O ram``. Each layer lists the bytes it needs at
    once (activations, as far as its output may overlap its input, and scratch) with each
    of its kernels in order of preference (stai's, stai's without scratch, CMSIS-NN's;
    None: that kernel does not fit). The model's smallest reachable working set is the
    largest of each layer's smallest; each layer takes the first kernel within it (its
    index), so a scratch buffer that would set the peak is avoided, and every other layer
    keeps its preferred kernel."""
    floor = max((min(s for s in sizes if s is not None) for sizes in layers), default=0)
    return [
        next(i for i, s in enumerate(sizes) if s is not None and s <= floor) for sizes in layers
    ]


def pack_dwconv3x3_s8(
    weights_1hwc: np.ndarray, bias: np.ndarray | None, input_offset: int
) -> tuple[np.ndarray, np.ndarray]:
    """The weights and the effective bias ``stai_mk_dwconv3x3_s8`` reads.

    ``weights_1hwc`` is (1, 3, 3, ch) (or (3, 3, ch)) int8; ``bias`` ch int32 (or None).
    The packed weights are 12 bytes per channel ``c``, with ``w<y><x> = w[y, x, c]``:
    ``w00, w10, w01, w11, w20, w02, w21, w12, w22, 0, 0, 0`` (SXTB16 of the first word
    gives the pair (w00, w01), of it rotated by 8 bits (w10, w11); of the second word
    (w20, w21) and (w02, w12)). The effective bias is ``bias[c] + input_offset *
    sum(w[:, :, c])`` as ch int32: the kernel pads with the input zero point, so the
    border outputs stay exact."""
    w = np.asarray(weights_1hwc)
    if w.ndim == 4 and w.shape[0] == 1:
        w = w[0]
    if w.ndim != 3 or w.shape[:2] != (3, 3):
        raise ValueError(f"dwconv3x3 weights must be (1, 3, 3, ch), not {np.shape(weights_1hwc)}")
    ch = w.shape[2]
    w8 = w.astype(np.int8)
    order = [(0, 0), (1, 0), (0, 1), (1, 1), (2, 0), (0, 2), (2, 1), (1, 2), (2, 2)]
    packed = np.zeros((ch, 12), dtype=np.int8)
    for i, (y, x) in enumerate(order):
        packed[:, i] = w8[y, x, :]
    b64 = np.zeros(ch, dtype=np.int64)
    if bias is not None:
        b64 += np.asarray(bias, dtype=np.int64).reshape(-1)
    b64 += int(input_offset) * w.astype(np.int64).sum(axis=(0, 1))
    return packed.reshape(-1), _wrap_int32(b64)


def scratch_bytes_conv1x1(pixels: int, in_ch: int) -> int:
    """Scratch bytes of ``stai_mk_conv1x1_s8``: a block of three pixels' input as int16
    slots (``(in_ch + 1) // 2`` words per pixel); none for fewer than three pixels (a fully
    connected layer of batch 1 or 2), whose input the kernel widens in registers, as it
    does for every pixel when called without scratch (``-O ram``)."""
    if int(pixels) < 3:
        return 0
    return 3 * 4 * ((int(in_ch) + 1) // 2)


def scratch_bytes_dwconv3x3(out_h: int, out_w: int, stride: int) -> int:
    """Scratch bytes of ``stai_mk_dwconv3x3_s8``: one padded input channel as int16, with
    one spare column, rounded up to 4 bytes."""
    rows = (int(out_h) - 1) * int(stride) + 3
    row_stride = (int(out_w) - 1) * int(stride) + 4
    return (rows * row_stride * 2 + 3) // 4 * 4


def _fast_requant(bound: np.ndarray, shifts: Sequence[int] | np.ndarray) -> int:
    """The header's ``fast_requant``: 0 unless, for every channel, ``bound * 2^(left
    shift + 2) < 2^31`` and the right shift is at most 29; then 2 when every right shift
    is in [1, 22] (the shortest path), else 1."""
    s = np.asarray(shifts, dtype=np.int64).reshape(-1)
    left = np.maximum(s, 0)
    right = np.maximum(-s, 0)
    if not (np.all((bound[: s.size] << (left + 2)) < 2**31) and np.all(right <= 29)):
        return 0
    return 2 if np.all((right >= 1) & (right <= 22)) else 1


def fast_requant_conv1x1(
    packed_bias: np.ndarray, weights_ohwi: np.ndarray, shifts: Sequence[int] | np.ndarray
) -> int:
    """``fast_requant`` of a ``stai_mk_conv1x1_s8`` call: every accumulator (effective
    bias plus int8 inputs in [-128, 127] times the weights) bounded by
    ``|bias| + 128 * sum(|w|)`` must keep two bits of headroom past its left shift."""
    w = np.asarray(weights_ohwi, dtype=np.int64)
    w = w.reshape(w.shape[0], -1)
    b = np.abs(np.asarray(packed_bias, dtype=np.int64)[: w.shape[0]])
    return _fast_requant(b + 128 * np.abs(w).sum(axis=1), shifts)


def fast_requant_dwconv3x3(
    packed_bias: np.ndarray, weights_1hwc: np.ndarray, shifts: Sequence[int] | np.ndarray
) -> int:
    """``fast_requant`` of a ``stai_mk_dwconv3x3_s8`` call (the bound of
    ``fast_requant_conv1x1`` over the channel's nine taps)."""
    w = np.asarray(weights_1hwc, dtype=np.int64).reshape(9, -1)
    b = np.abs(np.asarray(packed_bias, dtype=np.int64))
    return _fast_requant(b + 128 * np.abs(w).sum(axis=0), shifts)


@dataclass(frozen=True)
class MkConstants:
    """Everything a micro-kernel call reads that the compiler computes: the packed
    weights, the effective bias, the per-channel multipliers and shifts to pass (they may
    differ from the layer's, see ``plan_conv1x1_s8``) and ``fast_requant``."""

    weights: np.ndarray
    bias: np.ndarray
    multipliers: np.ndarray
    shifts: np.ndarray
    fast_requant: int


def requantize_s8(
    acc: int, multiplier: int, shift: int, output_offset: int, lo: int, hi: int
) -> int:
    """One int8 output as TFLite (and ``arm_nn_requantize``) computes it from an int32
    accumulator (``acc << left`` must fit in int32)."""
    left, right = max(shift, 0), max(-shift, 0)
    x = ((acc << left) * multiplier + (1 << 30)) >> 31
    mask = (1 << right) - 1
    y = (x >> right) + (1 if (x & mask) > (mask >> 1) + (1 if x < 0 else 0) else 0)
    return min(max(y + output_offset, lo), hi)


def _tame_constant_channels(
    weights: np.ndarray,
    bias: np.ndarray,
    multipliers: np.ndarray,
    shifts: np.ndarray,
    output_offset: int,
    lo: int,
    hi: int,
) -> None:
    """Give every channel whose output is the same for every input (a filter of zeros
    with a large bias, a zero multiplier, a clamp that swallows the whole range) zero
    weights, the multiplier 2^30 with shift -1 (a quarter) and the bias 4 * (output -
    output_offset): the same output, and accumulators small enough for the short
    requantization. ``weights`` is (channels, taps) int64, ``bias`` the effective bias;
    all are updated in place."""
    for o in range(weights.shape[0]):
        reach = 128 * int(np.abs(weights[o]).sum())
        low, high = int(bias[o]) - reach, int(bias[o]) + reach
        left = max(int(shifts[o]), 0)
        if max(abs(low), abs(high)) << left >= 2**31:
            continue  # the reference wraps: not monotonic, leave it alone
        first = requantize_s8(low, int(multipliers[o]), int(shifts[o]), output_offset, lo, hi)
        last = requantize_s8(high, int(multipliers[o]), int(shifts[o]), output_offset, lo, hi)
        if first != last:
            continue
        weights[o] = 0
        bias[o] = 4 * (first - output_offset)
        multipliers[o], shifts[o] = 2**30, -1


def _plan(
    kind: str,
    weights: np.ndarray,
    bias: np.ndarray | None,
    input_offset: int,
    multipliers: Sequence[int] | np.ndarray,
    shifts: Sequence[int] | np.ndarray,
    output_offset: int,
    act_min: int,
    act_max: int,
) -> MkConstants:
    w = np.asarray(weights)
    taps = (w.reshape(w.shape[0], -1) if kind == "conv1x1" else w.reshape(9, -1).T).astype(np.int64)
    channels = taps.shape[0]
    b = np.zeros(channels, dtype=np.int64)
    if bias is not None:
        b += np.asarray(bias, dtype=np.int64).reshape(-1)
    b += int(input_offset) * taps.sum(axis=1)
    mult = np.asarray(multipliers, dtype=np.int64).reshape(-1).copy()
    shift = np.asarray(shifts, dtype=np.int64).reshape(-1).copy()
    _tame_constant_channels(taps, b, mult, shift, output_offset, act_min, act_max)
    # Pack the (possibly zeroed) weights with the already effective bias.
    if kind == "conv1x1":
        packed, eff = pack_pointwise_s8(taps.astype(np.int8).reshape(channels, 1, 1, -1), b, 0)
        fast = fast_requant_conv1x1(eff, taps, shift)
    else:
        w1hwc = taps.T.reshape(1, 3, 3, channels).astype(np.int8)
        packed, eff = pack_dwconv3x3_s8(w1hwc, b, 0)
        fast = fast_requant_dwconv3x3(eff, w1hwc, shift)
    return MkConstants(packed, eff, mult.astype(np.int32), shift.astype(np.int32), fast)


def plan_conv1x1_s8(
    weights_ohwi: np.ndarray,
    bias: np.ndarray | None,
    input_offset: int,
    multipliers: Sequence[int] | np.ndarray,
    shifts: Sequence[int] | np.ndarray,
    output_offset: int,
    act_min: int,
    act_max: int,
) -> MkConstants:
    """All the constants of a ``stai_mk_conv1x1_s8`` call: ``pack_pointwise_s8``'s
    weights and effective bias and ``fast_requant_conv1x1``, after the channels whose
    output does not depend on the input (quantizers leave such dead channels: zero
    weights with a bias near 2^30, which would leave no headroom) are given equivalent
    small constants. Pass ``multipliers`` and ``shifts`` from the result, not the
    layer's: exact for every input."""
    return _plan(
        "conv1x1",
        weights_ohwi,
        bias,
        input_offset,
        multipliers,
        shifts,
        output_offset,
        act_min,
        act_max,
    )


def plan_dwconv3x3_s8(
    weights_1hwc: np.ndarray,
    bias: np.ndarray | None,
    input_offset: int,
    multipliers: Sequence[int] | np.ndarray,
    shifts: Sequence[int] | np.ndarray,
    output_offset: int,
    act_min: int,
    act_max: int,
) -> MkConstants:
    """``plan_conv1x1_s8`` for a ``stai_mk_dwconv3x3_s8`` call."""
    return _plan(
        "dwconv3x3",
        weights_1hwc,
        bias,
        input_offset,
        multipliers,
        shifts,
        output_offset,
        act_min,
        act_max,
    )
