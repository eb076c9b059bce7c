"""Compile-time quantization arithmetic (TFLite quantization spec).

Every kernel parameter that TFLite Micro computes at ``Prepare`` time is computed here,
at compile time, with the same floating-point steps, so that stai's integer kernels give
bit-identical results.
"""

from __future__ import annotations

import math


def round_half_away(x: float) -> int:
    """Round to nearest, ties away from zero (C's ``round``)."""
    return int(math.copysign(math.floor(abs(x) + 0.5), x))


def quantize_multiplier(real_multiplier: float) -> tuple[int, int]:
    """Split a positive real multiplier into a Q31 fixed-point multiplier and a shift.

    ``real_multiplier ~= multiplier * 2**(shift - 31)`` with ``multiplier`` in
    ``[2**30, 2**31)``; a positive shift is a left shift. Zero (or a multiplier too small
    to represent) gives ``(0, 0)``.
    """
    if real_multiplier == 0.0:
        return 0, 0
    mantissa, shift = math.frexp(real_multiplier)
    q_fixed = round_half_away(mantissa * (1 << 31))
    if q_fixed > (1 << 31):
        raise ValueError(f"cannot quantize multiplier {real_multiplier}")
    if q_fixed == (1 << 31):
        q_fixed //= 2
        shift += 1
    if shift < -31:
        return 0, 0
    return q_fixed, shift
