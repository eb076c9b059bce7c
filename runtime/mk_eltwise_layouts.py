"""The compile-time side of stai's int8 element-wise and pooling micro-kernels
(``include/stai_mk_eltwise_s8.h``): ``stai_mk_add_s8``, ``stai_mk_mul_s8``,
``stai_mk_avgpool_s8``, ``stai_mk_maxpool_s8``.

As in ``mk_layouts`` (whose ``KernelCall`` this module uses): a predicate per kernel
saying when a layer fits (``fits_*``), the ``KernelCall`` naming the C function and its
arguments in order, and the offline parameters the kernels take (``plan_add_s8``,
``plan_mul_s8``).

An int8 addition or multiplication maps two int8 codes to one: a function on 256 x 256
points. TFLite Micro computes it with three (add) or one (mul) fixed-point
requantizations. With every constant known, ``plan_*`` looks for a much shorter integer
formula (one or two multiply-accumulates and an arithmetic shift, below) and keeps it
only when it gives the reference integers on all 65,536 input pairs, checked here
exhaustively with the reference arithmetic; otherwise the kernel takes its general path
(the reference arithmetic itself). Either way the kernel is bit-exact.

Conventions are the CMSIS-NN API's: an input offset is the negated input zero point,
the output offset the output zero point, a (multiplier, shift) pair a Q31 multiplier
and a power-of-two exponent (positive = left shift), as ``lowering/quant_math.py``
computes them (``add_params_s8``, ``mul_params_s8``).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import numpy as np

from stai.runtime.mk_layouts import KernelCall

__all__ = [
    "ADD",
    "AVGPOOL",
    "HEADER",
    "MAXPOOL",
    "MUL",
    "add_reference",
    "fits_add",
    "fits_avgpool",
    "fits_maxpool",
    "fits_mul",
    "fast_requant_mul",
    "mul_reference",
    "plan_add_s8",
]

HEADER = "stai_mk_eltwise_s8.h"
"""The runtime header that defines the element-wise and pooling micro-kernels."""

GENERAL = 0
"""``method`` of a kernel call that runs the reference arithmetic."""
LINEAR = 1
"""``method`` of a kernel call that runs the short formula of its plan."""
REQUANT = 2
"""``method`` of an addition that runs the reference's three requantizations on the short
exact paths of ``stai_mk_s8.h`` (``k1``, ``k2``, ``k0``: their ``fast_requant`` levels)."""

ADD = KernelCall(
    "stai_mk_add_s8",
    (
        "input1",  # const int8_t *: size elements
        "input2",  # const int8_t *: size elements
        "output",  # int8_t *: size elements (may be input1 or input2: in place)
        "size",
        "input1_offset",
        "input1_mult",
        "input1_shift",
        "input2_offset",
        "input2_mult",
        "input2_shift",
        "left_shift",
        "output_offset",
        "output_mult",
        "output_shift",
        "act_min",
        "act_max",
        "method",  # plan_add_s8(...)[0]
        "k1",  # plan_add_s8(...)[1]
        "k2",  # plan_add_s8(...)[2]
        "k0",  # plan_add_s8(...)[3]
        "kshift",  # plan_add_s8(...)[4]
    ),
    ("input1", "input2", "output"),
    HEADER,
)
"""``stai_mk_add_s8``: an int8 addition of two same-shape tensors (TFLite's ADD)."""

MUL = KernelCall(
    "stai_mk_mul_s8",
    (
        "input1",  # const int8_t *: size elements
        "input2",  # const int8_t *: size elements
        "output",  # int8_t *: size elements (may be input1 or input2: in place)
        "size",
        "input1_offset",
        "input2_offset",
        "output_offset",
        "output_mult",
        "output_shift",
        "act_min",
        "act_max",
        "fast_requant",  # fast_requant_mul(...)
    ),
    ("input1", "input2", "output"),
    HEADER,
)
"""``stai_mk_mul_s8``: an int8 multiplication of two same-shape tensors (TFLite's MUL)."""

_POOL_ARGUMENTS = (
    "input",  # const int8_t *: [in_h][in_w][ch]
    "output",  # int8_t *: [out_h][out_w][ch]
    "in_h",
    "in_w",
    "ch",
    "out_h",
    "out_w",
    "kernel_h",
    "kernel_w",
    "stride_h",
    "stride_w",
    "pad_top",  # pads[0]
    "pad_left",  # pads[2]
    "act_min",
    "act_max",
)

AVGPOOL = KernelCall("stai_mk_avgpool_s8", _POOL_ARGUMENTS, ("input", "output"), HEADER)
"""``stai_mk_avgpool_s8``: int8 average pooling (TFLite's AVERAGE_POOL_2D), batch 1."""

MAXPOOL = KernelCall("stai_mk_maxpool_s8", _POOL_ARGUMENTS, ("input", "output"), HEADER)
"""``stai_mk_maxpool_s8``: int8 max pooling (TFLite's MAX_POOL_2D), batch 1."""


# ---- predicates ------------------------------------------------------------------------


def _same_shapes(*shapes: Sequence[int]) -> bool:
    first = tuple(int(d) for d in shapes[0])
    return all(tuple(int(d) for d in s) == first for s in shapes[1:]) and all(d >= 1 for d in first)


def fits_add(
    input1_shape: Sequence[int], input2_shape: Sequence[int], output_shape: Sequence[int]
) -> bool:
    """Whether an int8 addition can run as ``stai_mk_add_s8``: the three shapes are the
    same (no broadcasting)."""
    return _same_shapes(input1_shape, input2_shape, output_shape)


def fits_mul(
    input1_shape: Sequence[int], input2_shape: Sequence[int], output_shape: Sequence[int]
) -> bool:
    """Whether an int8 multiplication can run as ``stai_mk_mul_s8``: the three shapes
    are the same (no broadcasting)."""
    return _same_shapes(input1_shape, input2_shape, output_shape)


def _fits_pool(
    input_shape: Sequence[int],
    output_shape: Sequence[int],
    kernel: Sequence[int],
    strides: Sequence[int] | None,
    pads: Sequence[int] | None,
) -> bool:
    if len(input_shape) != 4 or len(output_shape) != 4 or len(kernel) != 2:
        return False
    n, in_h, in_w, ch = (int(d) for d in input_shape)
    on, out_h, out_w, out_c = (int(d) for d in output_shape)
    if n != 1 or on != 1 or out_c != ch or min(in_h, in_w, ch, out_h, out_w) < 1:
        return False
    kh, kw = (int(k) for k in kernel)
    sh, sw = (int(s) for s in (strides or (1, 1)))
    top, bottom, left, right = (int(p) for p in (pads or (0, 0, 0, 0)))
    if min(kh, kw, sh, sw) < 1 or min(top, bottom, left, right) < 0:
        return False
    # Every window holds at least one input pixel (the first and the last ones).
    if top >= kh or left >= kw:
        return False
    return (out_h - 1) * sh - top < in_h and (out_w - 1) * sw - left < in_w


def fits_avgpool(
    input_shape: Sequence[int],
    output_shape: Sequence[int],
    kernel: Sequence[int],
    strides: Sequence[int] | None = None,
    pads: Sequence[int] | None = None,
) -> bool:
    """Whether an int8 average pooling can run as ``stai_mk_avgpool_s8``: NHWC, batch 1,
    any window (``kernel`` = (h, w)), strides and padding (``pads`` top, bottom, left,
    right) such that every window holds at least one input pixel, as TFLite's SAME and
    VALID paddings give."""
    return _fits_pool(input_shape, output_shape, kernel, strides, pads)


def fits_maxpool(
    input_shape: Sequence[int],
    output_shape: Sequence[int],
    kernel: Sequence[int],
    strides: Sequence[int] | None = None,
    pads: Sequence[int] | None = None,
) -> bool:
    """Whether an int8 max pooling can run as ``stai_mk_maxpool_s8`` (the conditions of
    ``fits_avgpool``)."""
    return _fits_pool(input_shape, output_shape, kernel, strides, pads)


# ---- the reference arithmetic (TFLite Micro's, as the portable CMSIS-NN kernels) --------


def _wrap32(x: np.ndarray) -> np.ndarray:
    """int64 values reduced to int32 two's complement (C's wrapping shift)."""
    x = np.asarray(x, dtype=np.int64) & 0xFFFFFFFF
    return np.where(x >= 2**31, x - 2**32, x)


def _requantize(v: np.ndarray, mult: int, shift: int) -> np.ndarray:
    """``arm_nn_requantize``: the doubling high multiply of ``v << left`` and ``mult``
    (TFLite's nudge, then a division truncating toward zero: ties round up), then the
    division by ``2^right`` rounded half away from zero."""
    left, right = max(int(shift), 0), max(-int(shift), 0)
    p = _wrap32(np.asarray(v, dtype=np.int64) << left) * int(mult)
    q = p + np.where(p >= 0, 1 << 30, 1 - (1 << 30))
    x = np.where(q >= 0, q >> 31, -((-q) >> 31))  # C's division, toward zero
    if int(mult) == -(2**31):  # the saturating case; Q31 multipliers are never negative
        x = np.where(_wrap32(np.asarray(v, dtype=np.int64) << left) == -(2**31), 2**31 - 1, x)
    mask = (1 << right) - 1
    threshold = (mask >> 1) + (x < 0)
    return (x >> right) + ((x & mask) > threshold)


_CODES = np.arange(-128, 128, dtype=np.int64)
_X1, _X2 = (a.reshape(-1) for a in np.meshgrid(_CODES, _CODES, indexing="ij"))


def add_reference(
    x1: np.ndarray,
    x2: np.ndarray,
    input1_offset: int,
    input1_mult: int,
    input1_shift: int,
    input2_offset: int,
    input2_mult: int,
    input2_shift: int,
    left_shift: int,
    output_offset: int,
    output_mult: int,
    output_shift: int,
    act_min: int,
    act_max: int,
) -> np.ndarray:
    """The int8 outputs of ``arm_elementwise_add_s8`` (TFLite Micro's int8 ADD)."""
    a = _wrap32((np.asarray(x1, dtype=np.int64) + input1_offset) << left_shift)
    b = _wrap32((np.asarray(x2, dtype=np.int64) + input2_offset) << left_shift)
    s = _wrap32(
        _requantize(a, input1_mult, input1_shift) + _requantize(b, input2_mult, input2_shift)
    )
    return np.clip(_requantize(s, output_mult, output_shift) + output_offset, act_min, act_max)


def mul_reference(
    x1: np.ndarray,
    x2: np.ndarray,
    input1_offset: int,
    input2_offset: int,
    output_offset: int,
    output_mult: int,
    output_shift: int,
    act_min: int,
    act_max: int,
) -> np.ndarray:
    """The int8 outputs of ``arm_elementwise_mul_s8`` (TFLite Micro's int8 MUL)."""
    p = (np.asarray(x1, dtype=np.int64) + input1_offset) * (
        np.asarray(x2, dtype=np.int64) + input2_offset
    )
    return np.clip(_requantize(p, output_mult, output_shift) + output_offset, act_min, act_max)


# ---- plans: a short exact formula, or the general path ---------------------------------


def _offset_interval(
    partial: np.ndarray, want: np.ndarray, kshift: int, act_min: int, act_max: int
) -> tuple[int, int] | None:
    """The integers ``k0`` such that ``clamp((partial + k0) >> kshift)`` equals ``want``
    at every point, as an interval, or None."""
    lo, hi = -(2**62), 2**62
    inner_lo, inner_hi = want > act_min, want < act_max
    if inner_lo.any():
        lo = int(np.max((want[inner_lo] << kshift) - partial[inner_lo]))
    if inner_hi.any():
        hi = int(np.min(((want[inner_hi] + 1) << kshift) - partial[inner_hi] - 1))
    return (lo, hi) if lo <= hi else None


def _pick_offset(
    interval: tuple[int, int], partial: np.ndarray, kshift: int, act_min: int
) -> int | None:
    """The ``k0`` of the interval nearest its middle for which ``partial + k0`` and
    ``partial + k0 - (act_min << kshift)`` stay within int32 at every point (the kernels
    add in int32, the second with the lower clamp bound folded in), or None."""
    fold = act_min << kshift
    lo, hi = interval
    room_lo = -(2**31) - int(partial.min()) + max(fold, 0)
    room_hi = 2**31 - 1 - int(partial.max()) + min(fold, 0)
    lo, hi = max(lo, room_lo), min(hi, room_hi)
    if lo > hi:
        return None
    return (lo + hi) // 2


@lru_cache(maxsize=256)
def plan_add_s8(
    input1_offset: int,
    input1_mult: int,
    input1_shift: int,
    input2_offset: int,
    input2_mult: int,
    input2_shift: int,
    left_shift: int,
    output_offset: int,
    output_mult: int,
    output_shift: int,
    act_min: int,
    act_max: int,
) -> tuple[int, int, int, int, int]:
    """``(method, k1, k2, k0, kshift)`` of a ``stai_mk_add_s8`` call (its last five
    arguments), from the layer's ``arm_elementwise_add_s8`` arguments.

    ``method`` 1: the output is ``clamp((k0 + k1 * x1 + k2 * x2) >> kshift, act_min,
    act_max)`` for the raw int8 codes x1, x2 (two MLA and one SSAT on a Cortex-M; the sum,
    and the sum minus ``act_min << kshift``, fit int32); it is chosen only when it equals
    the reference on all 65,536 input pairs. Otherwise ``method`` 2 (``REQUANT``), when
    the short requantization paths of ``stai_mk_s8.h`` are exact for the layer: the
    reference's three requantizations, each on its path ``k1``, ``k2``, ``k0`` (1 or 2;
    ``kshift`` 0). Else ``method`` 0 (and zeros): the reference arithmetic."""
    args = (
        input1_offset,
        input1_mult,
        input1_shift,
        input2_offset,
        input2_mult,
        input2_shift,
        left_shift,
        output_offset,
        output_mult,
        output_shift,
        act_min,
        act_max,
    )
    if act_min == act_max:  # a constant output
        return (LINEAR, 0, 0, act_min, 0)
    if act_min > act_max:
        return (GENERAL, 0, 0, 0, 0)
    want = add_reference(_X1, _X2, *args)
    # d output / d code of each input, in output codes
    out_scale = output_mult * 2.0 ** (output_shift - 31 + left_shift)
    slopes = [
        input1_mult * 2.0 ** (input1_shift - 31) * out_scale,
        input2_mult * 2.0 ** (input2_shift - 31) * out_scale,
    ]
    reach = 128.0 * (abs(slopes[0]) + abs(slopes[1])) + 512.0  # |output| before the clamp
    # The largest kshift whose sums fit int32, then smaller ones (less precise).
    top = int(np.floor(np.log2(2**31 / reach)))
    for kshift in range(min(top, 30), max(top - 6, 0) - 1, -1):
        ideal = [s * 2.0**kshift for s in slopes]
        for d1 in (0, 1, -1, 2, -2):
            for d2 in (0, 1, -1, 2, -2):
                k1, k2 = round(ideal[0]) + d1, round(ideal[1]) + d2
                partial = k1 * _X1 + k2 * _X2
                interval = _offset_interval(partial, want, kshift, act_min, act_max)
                if interval is None:
                    continue
                k0 = _pick_offset(interval, partial, kshift, act_min)
                if k0 is not None:
                    return (LINEAR, k1, k2, k0, kshift)
    return _plan_requant(args, want)


def _fast_level(bound: int, shift: int) -> int:
    """``stai_mk_s8.h``'s requantization path for values up to ``bound`` in magnitude:
    2 or 1 when ``bound << (left shift + 2)`` fits int32 and the right shift is at most
    29 (2: in [1, 22]), else 0 (``mk_layouts.fast_requant_*``'s rule)."""
    left, right = max(int(shift), 0), max(-int(shift), 0)
    if int(bound) << (left + 2) >= 2**31 or right > 29:
        return 0
    return 2 if 1 <= right <= 22 else 1


def _requantize_fast(acc: np.ndarray, mult: int, shift: int, level: int) -> np.ndarray:
    """``arm_nn_requantize`` as ``stai_mk_s8.h``'s path ``level`` (1 or 2) computes it
    (SMMULR / SMMLAR of ``acc << (left + 1)``)."""
    left, right = max(int(shift), 0), max(-int(shift), 0)
    a = np.asarray(acc, dtype=np.int64) << (left + 1)
    negative = np.where(np.asarray(acc) < 0, -1, 0)
    x = (a * int(mult) + 2**31) >> 32
    if level == 2:
        return (x + (1 << (right - 1)) + negative) >> right
    return ((1 << right) + 2 * x + np.where(x < 0, -1, 0)) >> (right + 1)


def _plan_requant(args: tuple[int, ...], want: np.ndarray) -> tuple[int, int, int, int, int]:
    """``(REQUANT, level1, level2, level_out, 0)`` when the short requantization paths
    are exact for the layer (checked on every input pair), else the general plan."""
    o1, m1, s1, o2, m2, s2, left_shift, out_offset, mo, so, act_min, act_max = args
    a1 = (_CODES + o1) << left_shift
    a2 = (_CODES + o2) << left_shift
    if max(np.abs(a1).max(), np.abs(a2).max()) >= 2**31:
        return (GENERAL, 0, 0, 0, 0)
    l1 = _fast_level(int(np.abs(a1).max()), s1)
    l2 = _fast_level(int(np.abs(a2).max()), s2)
    f1, f2 = _requantize(a1, m1, s1), _requantize(a2, m2, s2)
    lo = _fast_level(int(np.abs(f1).max() + np.abs(f2).max()), so)
    if 0 in (l1, l2, lo):
        return (GENERAL, 0, 0, 0, 0)
    g1 = _requantize_fast(a1, m1, s1, l1)
    g2 = _requantize_fast(a2, m2, s2, l2)
    total = g1[_X1 + 128] + g2[_X2 + 128]
    got = np.clip(_requantize_fast(total, mo, so, lo) + out_offset, act_min, act_max)
    if not np.array_equal(got, want):
        return (GENERAL, 0, 0, 0, 0)
    return (REQUANT, l1, l2, lo, 0)


def fast_requant_mul(
    input1_offset: int, input2_offset: int, output_shift: int, output_mult: int | None = None
) -> int:
    """``fast_requant`` of a ``stai_mk_mul_s8`` call (its last argument): the
    requantization path that is exact for the layer's products ``(x1 + input1_offset) *
    (x2 + input2_offset)`` (x1, x2 int8). When the product shifted left by the output's
    left shift plus two does not fit int32, or the right shift passes 29: 0 (the general
    path). Else 2 when the right shift is in [1, 22] (path 2 of ``stai_mk_s8.h``); given
    ``output_mult``, 3 when there is no right shift: one SMMLAR of the product shifted
    left by the left shift plus one gives the doubling high multiply, whose ties round up
    as SMMLAR's do (checked on every input pair); else 1 (path 1)."""
    bound = (128 + abs(int(input1_offset))) * (128 + abs(int(input2_offset)))
    left, right = max(int(output_shift), 0), max(-int(output_shift), 0)
    if bound << (left + 2) >= 2**31 or right > 29:
        return 0
    if 1 <= right <= 22:
        return 2
    if output_mult is not None and right == 0:
        p = (_X1 + input1_offset) * (_X2 + input2_offset)
        y = ((p << (left + 1)) * int(output_mult) + 2**31) >> 32
        args = (input1_offset, input2_offset, 0, output_mult, output_shift, -(2**31), 2**31)
        if np.array_equal(y, mul_reference(_X1, _X2, *args)):
            return 3
    return 1
