"""Compile-time quantization arithmetic (TFLite quantization spec).

Every kernel parameter that TFLite Micro computes at ``Prepare`` time is computed here,
at compile time, with the same floating-point steps, so that stai's integer kernels give
bit-identical results.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass as _dataclass

import numpy as _np


class QuantParamError(ValueError):
    """Quantization parameters that the int8 arithmetic cannot represent (bad input: the
    lowering reports it as a `StaiError` naming the op)."""


MAX_LEFT_SHIFT = 30
"""The largest shift of ``quantize_multiplier`` (a multiplier below 2**30 in magnitude):
larger ones cannot come from consistent scales and would overflow the kernels."""


def round_half_away(x: float) -> int:
    """Round to nearest, ties away from zero (C's ``round``)."""
    return int(math.copysign(math.floor(abs(x) + 0.5), x))


def quantize_multiplier(real_multiplier: float, max_shift: int = MAX_LEFT_SHIFT) -> tuple[int, int]:
    """Split a positive real multiplier into a Q31 fixed-point multiplier and a shift.

    ``real_multiplier ~= multiplier * 2**(shift - 31)`` with ``multiplier`` in
    ``[2**30, 2**31)``; a positive shift is a left shift. Zero (or a multiplier too small
    to represent) gives ``(0, 0)``; a shift above ``max_shift`` (a multiplier that
    consistent scales never give, except where a kernel caps it on purpose) raises
    `QuantParamError`.
    """
    if real_multiplier == 0.0:
        return 0, 0
    if not math.isfinite(real_multiplier):
        raise QuantParamError(
            f"the real multiplier {real_multiplier:g} (from the quantization scales) is not finite"
        )
    mantissa, shift = math.frexp(real_multiplier)
    q_fixed = round_half_away(mantissa * (1 << 31))
    if q_fixed > (1 << 31):
        raise QuantParamError(f"cannot quantize multiplier {real_multiplier}")
    if q_fixed == (1 << 31):
        q_fixed //= 2
        shift += 1
    if shift < -31:
        return 0, 0
    if shift > max_shift:
        raise QuantParamError(
            f"the real multiplier {real_multiplier:g} (from the quantization scales) "
            f"is too large (at most 2^{max_shift})"
        )
    return q_fixed, shift


# ----------------------------------------------------------------------------------------
# Parameters of stai's own int8 kernels (runtime/include/stai_kernels_s8.h). Each function
# repeats the float32 / float64 steps of the matching TFLite Micro Prepare function, as
# the pinned tflite-micro package does them (tests/runtime/test_s8_kernels.py holds cases
# where the choice matters); float32 steps are done with numpy.float32. Offsets follow
# the CMSIS-NN API convention: input offset = -zero point, output offset = +zero point.


INT8_MIN = -128
INT8_MAX = 127
ADD_SUB_LEFT_SHIFT_S8 = 20
"""The left shift of the int8 ADD / SUB kernels (``left_shift`` argument)."""
ADD_SUB_LEFT_SHIFT_S16 = 15
"""The left shift of the 16x8 (int16) ADD / SUB kernels: TFLite Micro's general int16 path."""


def _quantize_multiplier_smaller_than_one(real_multiplier: float) -> tuple[int, int]:
    """``quantize_multiplier`` for a multiplier in (0, 1): the shift is <= 0."""
    if not 0.0 < real_multiplier < 1.0:
        raise QuantParamError(f"multiplier {real_multiplier} is not in (0, 1)")
    return quantize_multiplier(real_multiplier)


def quantized_activation_range(
    activation: str, out_scale: float, out_zp: int, bits: int = 8
) -> tuple[int, int]:
    """The clamp range of a fused activation ("NONE", "RELU", "RELU6", "RELU_N1_TO_1") on
    ``bits``-bit outputs (8, or 16 for 16x8 layers), as TFLite Micro's
    ``CalculateActivationRangeQuantized``: the real bounds divided by the float32 output
    scale, rounded half away from zero, plus the zero point, limited to the type's range.
    Returns (out_activation_min, out_activation_max)."""
    scale = _np.float32(out_scale)
    lo_limit, hi_limit = -(1 << (bits - 1)), (1 << (bits - 1)) - 1

    def quantize(value: float) -> int:
        return int(out_zp) + round_half_away(float(_np.float32(value) / scale))

    if activation == "NONE":
        return lo_limit, hi_limit
    if activation == "RELU":
        return max(lo_limit, quantize(0.0)), hi_limit
    if activation == "RELU6":
        return max(lo_limit, quantize(0.0)), min(hi_limit, quantize(6.0))
    if activation == "RELU_N1_TO_1":
        return max(lo_limit, quantize(-1.0)), min(hi_limit, quantize(1.0))
    raise QuantParamError(f"unsupported fused activation {activation!r}")


@_dataclass(frozen=True)
class AddSubParamsS8:
    """Arguments of ``stai_elementwise_sub_s8``, ``stai_broadcast_add_s8`` /
    ``stai_broadcast_sub_s8`` and the CMSIS-NN API's ``arm_elementwise_add_s8`` (same
    names, same order)."""

    input_1_offset: int
    input_1_mult: int
    input_1_shift: int
    input_2_offset: int
    input_2_mult: int
    input_2_shift: int
    left_shift: int
    out_offset: int
    out_mult: int
    out_shift: int
    out_activation_min: int
    out_activation_max: int


def add_params_s8(
    in1_scale: float,
    in1_zp: int,
    in2_scale: float,
    in2_zp: int,
    out_scale: float,
    out_zp: int,
    activation: str = "NONE",
    bits: int = 8,
) -> AddSubParamsS8:
    """int8 ADD parameters as TFLite Micro's ``CalculateOpDataAdd`` (float64 steps):
    ``twice_max = 2 * max(s1, s2)``, input multipliers ``s_i / twice_max``, output
    multiplier ``twice_max / (2**left_shift * s_out)``; ``left_shift`` is 20 for int8 and
    15 for int16 outputs (``bits=16``, 16x8 models: zero points 0), whose clamp range is
    the int16 one."""
    left_shift = ADD_SUB_LEFT_SHIFT_S16 if bits == 16 else ADD_SUB_LEFT_SHIFT_S8
    s1, s2, so = (float(_np.float32(s)) for s in (in1_scale, in2_scale, out_scale))
    twice_max = 2.0 * max(s1, s2)
    m1, sh1 = _quantize_multiplier_smaller_than_one(s1 / twice_max)
    m2, sh2 = _quantize_multiplier_smaller_than_one(s2 / twice_max)
    mo, sho = _quantize_multiplier_smaller_than_one(twice_max / ((1 << left_shift) * so))
    lo, hi = quantized_activation_range(activation, out_scale, out_zp, bits)
    return AddSubParamsS8(
        -int(in1_zp),
        m1,
        sh1,
        -int(in2_zp),
        m2,
        sh2,
        left_shift,
        int(out_zp),
        mo,
        sho,
        lo,
        hi,
    )


def sub_params_s8(
    in1_scale: float,
    in1_zp: int,
    in2_scale: float,
    in2_zp: int,
    out_scale: float,
    out_zp: int,
    activation: str = "NONE",
    bits: int = 8,
) -> AddSubParamsS8:
    """int8 (or int16: ``bits=16``) SUB parameters as TFLite Micro's
    ``CalculateOpDataSub``: the same float64 steps as ADD (``add_params_s8``). Some TFLite Micro sources do these steps in float32; the
    pinned tflite-micro package does them in float64 (its outputs differ from the float32
    version, e.g. for scales 0.011 / 0.06 / 0.05, and match this one)."""
    return add_params_s8(in1_scale, in1_zp, in2_scale, in2_zp, out_scale, out_zp, activation, bits)


@_dataclass(frozen=True)
class MulParamsS8:
    """Arguments of ``stai_broadcast_mul_s8`` and the CMSIS-NN API's
    ``arm_elementwise_mul_s8`` (same names, same order)."""

    input_1_offset: int
    input_2_offset: int
    out_offset: int
    out_mult: int
    out_shift: int
    out_activation_min: int
    out_activation_max: int


def mul_params_s8(
    in1_scale: float,
    in1_zp: int,
    in2_scale: float,
    in2_zp: int,
    out_scale: float,
    out_zp: int,
    activation: str = "NONE",
    bits: int = 8,
) -> MulParamsS8:
    """int8 MUL parameters as TFLite Micro's ``CalculateOpDataMul``: the output multiplier
    of ``s1 * s2 / s_out`` computed in float64; ``bits=16``: 16x8 (int16 clamp range)."""
    s1, s2, so = (float(_np.float32(s)) for s in (in1_scale, in2_scale, out_scale))
    real = s1 * s2 / so
    mult, shift = quantize_multiplier(real)
    lo, hi = quantized_activation_range(activation, out_scale, out_zp, bits)
    return MulParamsS8(-int(in1_zp), -int(in2_zp), int(out_zp), mult, shift, lo, hi)


@_dataclass(frozen=True)
class RequantizeParamsS8:
    """Arguments of ``stai_requantize_s8`` after (input, output, size)."""

    input_offset: int
    mult: int
    shift: int
    output_offset: int


def requantize_params_s8(
    in_scale: float, in_zp: int, out_scale: float, out_zp: int
) -> RequantizeParamsS8:
    """int8 -> int8 QUANTIZE parameters as TFLite Micro's quantize Prepare: the multiplier
    of ``s_in / s_out`` computed in float64."""
    real = float(_np.float32(in_scale)) / float(_np.float32(out_scale))
    mult, shift = quantize_multiplier(real)
    return RequantizeParamsS8(-int(in_zp), mult, shift, int(out_zp))


@_dataclass(frozen=True)
class ReluParamsS8:
    """Arguments of ``stai_relu_s8`` after (input, output, size)."""

    input_offset: int
    mult: int
    shift: int
    output_offset: int
    act_min: int
    act_max: int


def relu_params_s8(
    activation: str, in_scale: float, in_zp: int, out_scale: float, out_zp: int, bits: int = 8
) -> ReluParamsS8:
    """Parameters of the int8 activations "RELU", "RELU6", "RELU_N1_TO_1" for
    ``stai_relu_s8``.

    RELU follows TFLite Micro's ``CalculateReluOpData``: the multiplier of ``s_in / s_out``
    in float64 (the pinned tflite-micro package divides in float64, not float32), the range
    [max(-128, zp_out), 127]. RELU6 follows TFLite
    Micro's RELU6, which does not requantize: the input codes are clamped to
    [zp_in, zp_in + round(6 / s_in)] (identity multiplier; the output quantization is
    ignored, as the reference does). RELU_N1_TO_1 (which TFLite Micro does not register)
    requantizes like RELU and clamps to the quantized [-1, 1]. ``bits=16``: the same for
    int16 codes (16x8), whose range limits the bounds.
    """
    f32 = _np.float32
    lo_limit, hi_limit = -(1 << (bits - 1)), (1 << (bits - 1)) - 1
    if activation == "RELU6":
        six = int(in_zp) + round_half_away(float(f32(6.0) / f32(in_scale)))
        six = min(hi_limit, max(lo_limit, six))
        return ReluParamsS8(-int(in_zp), 1 << 30, 1, int(in_zp), int(in_zp), six)
    if activation not in ("RELU", "RELU_N1_TO_1"):
        raise QuantParamError(f"unsupported activation {activation!r}")
    mult, shift = quantize_multiplier(float(f32(in_scale)) / float(f32(out_scale)))
    lo, hi = quantized_activation_range(activation, out_scale, out_zp, bits)
    return ReluParamsS8(-int(in_zp), mult, shift, int(out_zp), lo, hi)


@_dataclass(frozen=True)
class SigmoidParamsS8:
    """Arguments of ``stai_logistic_s8`` / ``stai_tanh_s8`` after (input, output, size)."""

    input_zero_point: int
    input_range_radius: int
    input_multiplier: int
    input_left_shift: int


def _sigmoid_params_s8(in_scale: float, in_zp: int) -> SigmoidParamsS8:
    """The shared Prepare step of int8 LOGISTIC and TANH (4 integer bits, float64):
    ``frexp(s_in * 2**27)`` gives the multiplier (mantissa * 2**31 rounded) and the left
    shift; the radius is ``floor(15 * 2**27 / 2**shift)``."""
    real = float(_np.float32(in_scale)) * float(1 << 27)
    mantissa, shift = math.frexp(real)
    mult = round_half_away(mantissa * float(1 << 31))
    if mult >= (1 << 31) or shift < 0:
        raise QuantParamError(f"input scale {in_scale} out of range for int8 LOGISTIC/TANH")
    radius = math.floor(15.0 * float(1 << 27) / float(1 << shift))
    return SigmoidParamsS8(int(in_zp), radius, mult, shift)


def logistic_params_s8(in_scale: float, in_zp: int) -> SigmoidParamsS8:
    """int8 LOGISTIC parameters as TFLite Micro's ``CalculateArithmeticOpDataLogistic``
    (the output must be quantized with scale 1/256, zero point -128)."""
    return _sigmoid_params_s8(in_scale, in_zp)


def tanh_params_s8(in_scale: float, in_zp: int) -> SigmoidParamsS8:
    """int8 TANH parameters as TFLite Micro's tanh Prepare (output scale 1/128, zero
    point 0)."""
    return _sigmoid_params_s8(in_scale, in_zp)


@_dataclass(frozen=True)
class MeanParamsS8:
    """Arguments of ``stai_mean_hw_s8`` after (input, input_dims, output)."""

    input_offset: int
    out_mult: int
    out_shift: int
    output_offset: int


def mean_params_s8(
    in_scale: float, in_zp: int, out_scale: float, out_zp: int, num_elements: int
) -> MeanParamsS8:
    """int8 MEAN parameters (``num_elements`` = the number of reduced elements, h * w).

    TFLite Micro's reduce Prepare quantizes ``s_in / s_out`` (float64); its integer mean
    (used whether or not the input and output quantizations are equal) then folds
    ``1 / num_elements`` in: with ``k = min(floor(log2 n), 32, 31 + shift)`` the multiplier
    becomes ``(mult << k) // n`` and the shift ``shift - k``.
    """
    if num_elements < 1:
        raise QuantParamError(f"MEAN over {num_elements} elements")
    mult, shift = quantize_multiplier(float(_np.float32(in_scale)) / float(_np.float32(out_scale)))
    k = min(num_elements.bit_length() - 1, 32, 31 + shift)
    mult = (mult << k) // num_elements
    return MeanParamsS8(-int(in_zp), mult, shift - k, int(out_zp))


# ----------------------------------------------------------------------------------------
# Parameters of the CMSIS-NN API kernels (runtime/include/arm_nnfunctions.h) that the
# functions above do not already give: convolution / depthwise / fully-connected
# requantization and softmax. (ADD and MUL use ``add_params_s8`` / ``mul_params_s8``:
# ``AddSubParamsS8`` and ``MulParamsS8`` are the ``arm_elementwise_add_s8`` /
# ``arm_elementwise_mul_s8`` arguments, left_shift 20.)

SOFTMAX_SCALED_DIFF_INTEGER_BITS = 5
"""Integer bits of the scaled input differences of the int8 softmax (Q5.26)."""


def conv_output_multipliers(
    input_scale: float, filter_scales: list[float], output_scale: float
) -> tuple[list[int], list[int]]:
    """Per-output-channel (multiplier, shift) lists of CONV_2D, DEPTHWISE_CONV_2D and
    FULLY_CONNECTED, as TFLite Micro's ``PopulateConvolutionQuantizationParams`` and its
    per-channel fully-connected Prepare: for each channel
    ``float64(s_in) * float64(s_filter[i]) / float64(s_out)``, every scale first rounded
    to float32 (as stored in the model), the product and quotient in float64. A single
    filter scale gives the per-tensor fully-connected multiplier (its Prepare uses the same
    float64 steps)."""
    f32 = _np.float32
    s_in, s_out = float(f32(input_scale)), float(f32(output_scale))
    multipliers: list[int] = []
    shifts: list[int] = []
    for scale in filter_scales:
        mult, shift = quantize_multiplier(s_in * float(f32(scale)) / s_out)
        multipliers.append(mult)
        shifts.append(shift)
    return multipliers, shifts


@_dataclass(frozen=True)
class SoftmaxParamsS8:
    """The ``mult``, ``shift`` and ``diff_min`` arguments of ``arm_softmax_s8``."""

    mult: int
    shift: int
    diff_min: int


def softmax_params_s8(beta: float, input_scale: float) -> SoftmaxParamsS8:
    """int8 SOFTMAX parameters as TFLite Micro's ``CalculateSoftmaxParams``.

    ``PreprocessSoftmaxScaling`` with 5 integer bits: the real multiplier
    ``min(float64(beta) * float64(s_in) * 2**26, 2**31 - 1)`` (float64 throughout; beta and
    the scale are float32 in the model) is quantized as a multiplier greater than one (the
    shift is a left shift, >= 0). ``CalculateInputRadius``: ``diff_min`` is minus
    ``floor(31 * 2**26 / 2**shift)`` computed in float64. The int8 output must be
    quantized with scale 1/256 and zero point -128 (TFLite Micro checks that).
    """
    f32 = _np.float32
    bits = SOFTMAX_SCALED_DIFF_INTEGER_BITS
    real = min(
        float(f32(beta)) * float(f32(input_scale)) * float(1 << (31 - bits)), float((1 << 31) - 1)
    )
    if not real > 1.0:
        raise QuantParamError(
            f"softmax beta * input scale {real / (1 << (31 - bits))} is too small"
        )
    mult, shift = quantize_multiplier(real, max_shift=31)  # capped at 2**31 - 1 above
    radius = math.floor(1.0 * ((1 << bits) - 1) * float(1 << (31 - bits)) / float(1 << shift))
    return SoftmaxParamsS8(mult, shift, -radius)


@_dataclass(frozen=True)
class LeakyReluParamsS8:
    """Arguments of ``stai_leaky_relu_s8`` after (input, output, size)."""

    input_offset: int
    output_offset: int
    identity_mult: int
    identity_shift: int
    alpha_mult: int
    alpha_shift: int


def leaky_relu_params_s8(
    alpha: float, in_scale: float, in_zp: int, out_scale: float, out_zp: int
) -> LeakyReluParamsS8:
    """int8 LEAKY_RELU parameters as TFLite Micro's ``CalculateOpDataLeakyRelu``: the
    multipliers of ``s_in * alpha / s_out`` and ``s_in / s_out``, both in float64 (as the
    pinned tflite-micro package; float32 steps give other outputs); a negative alpha gives
    a negative ``alpha_mult``."""
    f32 = _np.float32
    s_in, s_out = float(f32(in_scale)), float(f32(out_scale))
    alpha_real = s_in * float(f32(alpha)) / s_out
    identity_real = s_in / s_out
    am, ash = quantize_multiplier(alpha_real)
    im, ish = quantize_multiplier(identity_real)
    return LeakyReluParamsS8(-int(in_zp), int(out_zp), im, ish, am, ash)


def _downscale_multiplier_to_int16(multiplier: int) -> int:
    """A Q31 multiplier rounded to Q15 (saturating at 32767), as the reference does."""
    if multiplier >= (1 << 31) - 1 - (1 << 15):
        return (1 << 15) - 1
    return (multiplier + (1 << 15)) >> 16


@_dataclass(frozen=True)
class HardSwishParamsS8:
    """Arguments of ``stai_hard_swish_s8`` after (input, output, size)."""

    input_zero_point: int
    output_zero_point: int
    output_multiplier: int
    output_multiplier_exponent: int
    reluish_multiplier: int
    reluish_multiplier_exponent: int


def hard_swish_params_s8(
    in_scale: float, in_zp: int, out_scale: float, out_zp: int
) -> HardSwishParamsS8:
    """int8 HARD_SWISH parameters as TFLite Micro's ``HardSwishPrepare``: with
    ``hires = s_in / 128`` and ``reluish_scale = 3 / 32768`` (both exact in float32), the
    Q31 multipliers of ``hires / s_out`` and ``hires / reluish_scale`` divided in float64
    (the pinned tflite-micro package divides ``hires / s_out`` in float64), rounded to Q15."""
    f32 = _np.float32
    hires = float(f32(1.0 / 128.0) * f32(in_scale))
    reluish_scale = float(f32(3.0) / f32(32768.0))
    om, oe = quantize_multiplier(hires / float(f32(out_scale)))
    rm, re_ = quantize_multiplier(hires / reluish_scale)
    if oe > 0:
        raise QuantParamError("HARD_SWISH output scale must be >= input scale / 128")
    return HardSwishParamsS8(
        int(in_zp),
        int(out_zp),
        _downscale_multiplier_to_int16(om),
        oe,
        _downscale_multiplier_to_int16(rm),
        re_,
    )


@_dataclass(frozen=True)
class PReluParamsS8:
    """Arguments of ``stai_prelu_s8`` after the tensors (same names and order)."""

    input_offset: int
    alpha_offset: int
    output_offset: int
    identity_mult: int
    identity_shift: int
    alpha_mult: int
    alpha_shift: int


def prelu_params_s8(
    in_scale: float,
    in_zp: int,
    alpha_scale: float,
    alpha_zp: int,
    out_scale: float,
    out_zp: int,
) -> PReluParamsS8:
    """int8 PRELU parameters as TFLite Micro's ``CalculatePreluParams``: the multipliers
    of ``s_in / s_out`` (the identity, x >= 0) and ``s_in * s_alpha / s_out`` (x < 0, the
    product of the two offset-corrected codes), each scale read as float32 and the
    arithmetic done in float64."""
    f32 = _np.float32
    s_in, s_alpha, s_out = (float(f32(s)) for s in (in_scale, alpha_scale, out_scale))
    im, ish = quantize_multiplier(s_in / s_out)
    am, ash = quantize_multiplier(s_in * s_alpha / s_out)
    return PReluParamsS8(-int(in_zp), -int(alpha_zp), int(out_zp), im, ish, am, ash)


# ------------------------------------------------------------------ 16x8 (int16) kernels


def softmax_params_s16(beta: float, input_scale: float) -> tuple[int, int]:
    """int16 SOFTMAX's input multiplier and shift as TFLite Micro's
    ``CalculateSoftmaxParams``: ``s_in * beta / (10 / 65535)`` in float64 (so that input
    differences of [-65535, 0] codes cover [-10, 0]), quantized as usual."""
    f32 = _np.float32
    real = float(f32(input_scale)) * float(f32(beta)) / (10.0 / 65535.0)
    return quantize_multiplier(real)


LUT_S16_SIZE = 513
"""Entries of an int16 lookup table: 512 intervals and the end of the last one."""


def lut_s16(
    transform: Callable[[_np.float32], _np.float32],
    input_scale: float,
    input_zp: int,
    output_scale: float,
    output_zp: int,
) -> list[int]:
    """An int16 interpolation table of ``transform`` as TFLite's ``LUTPopulate<int16_t>``
    (float32 arithmetic, ``transform`` of float32 values): 512 samples over the input's
    int16 range, each moved by half the error of the linear interpolation at its
    interval's midpoint, and the value at the range's end."""
    f = _np.float32
    lo, hi = -32768, 32767
    in_scale, out_scale = f(input_scale), f(output_scale)
    input_min = in_scale * f(lo - input_zp)
    input_max = in_scale * f(hi - input_zp)
    output_min = out_scale * f(lo - output_zp)
    output_max = out_scale * f(hi - output_zp)
    steps = LUT_S16_SIZE - 1
    step = (input_max - input_min) / f(steps)
    half_step = step / f(2)
    inv = f(hi - lo + 1) / (output_max - output_min)

    def rnd(x: _np.float32) -> _np.float32:  # roundf: half away from zero
        return f(_np.copysign(_np.floor(_np.abs(x) + f(0.5)), x))

    def clamp(x: _np.float32) -> int:
        return int(min(max(x, f(lo)), f(hi)))

    table: list[int] = []
    for i in range(steps):
        start = input_min + f(i) * step
        val = transform(start)
        mid = transform(start + half_step)
        nxt = transform(input_min + f(i + 1) * step)
        sample = rnd(val * inv)
        interpolated = rnd((nxt * inv + rnd(val * inv)) / f(2))
        bias = rnd((interpolated - rnd(mid * inv)) / f(2))
        table.append(clamp(sample - bias))
    table.append(clamp(rnd(transform(input_max) * inv)))
    return table


def _exp_f32(x: _np.float32) -> _np.float32:
    """``expf``: the float64 exponential rounded to float32 (correctly rounded)."""
    return _np.float32(math.exp(float(x)))


def _one_over_one_plus_x_f32(x: _np.float32) -> _np.float32:
    return _np.float32(1.0) / (_np.float32(1.0) + x)


def softmax_luts_s16() -> tuple[list[int], list[int]]:
    """The two tables of the int16 softmax as TFLite Micro builds them: ``exp(x)`` over
    [-10, 0] (input codes of scale 10/65535 and zero point 32767, output scale 2/65535)
    and ``1 / (1 + x)`` over [0, 1] (scale 1/65535, zero point -32768)."""
    f, span = _np.float32, _np.float32(65535)
    exp_lut = lut_s16(_exp_f32, float(f(10) / span), 32767, float(f(2) / span), 0)
    one_over = lut_s16(_one_over_one_plus_x_f32, float(f(1) / span), -32768, float(f(2) / span), 0)
    return exp_lut, one_over


def _checked_log2(x: float) -> tuple[int, bool]:
    """TFLite's ``CheckedLog2`` (float32): the rounded log2 of ``x`` and whether ``x`` is
    that power of two (fractional part below 1e-3)."""
    f = _np.float32
    log2 = f(math.log(float(f(x)))) * (f(1.0) / f(math.log(2.0)))
    rounded = f(_np.copysign(_np.floor(_np.abs(log2) + f(0.5)), log2))
    return int(rounded), bool(abs(log2 - rounded) < f(1e-3))


def logistic_tanh_params_s16(in_scale: float, out_scale: float, tanh: bool) -> tuple[int, int]:
    """int16 LOGISTIC / TANH input rescaling as TFLite Micro's Prepare: ``(multiplier,
    left_shift)``. A power-of-two input scale whose left shift ``12 + log2(s_in)`` is 0
    (logistic) or 0 or 1 (tanh) gives multiplier 0 (the kernel then uses ``3 << shift``);
    otherwise ``s_in * 4096 * 3`` doubled until above 32767 / 2 (the shift counts the
    doublings, at most 31) and truncated. The output scale must be 2^-15."""
    integer_bits = 3
    log2_in, pot = _checked_log2(in_scale)
    left_shift = (15 - integer_bits) + log2_in
    pot = pot and (left_shift in ((0, 1) if tanh else (0,)))
    if pot:
        multiplier = 0
    else:
        real = float(_np.float32(in_scale)) * 4096.0 * 3.0
        left_shift = 0
        while real <= 32767.0 / 2.0 and left_shift <= 30:
            left_shift += 1
            real *= 2.0
        multiplier = int(real)
        if multiplier > 32767:
            raise QuantParamError(f"the int16 input scale {in_scale:g} is too large")
    log2_out, out_pot = _checked_log2(out_scale)
    if not out_pot or log2_out != -15:
        raise QuantParamError(f"the int16 output scale must be 2^-15, got {out_scale:g}")
    return multiplier, left_shift


def sigmoid_table_s16() -> list[int]:
    """The sigmoid table of the int16 LOGISTIC / TANH kernels: ``sigmoid(i / 24)`` in
    Q0.16 for i = 0..254, each moved by half the error of the linear interpolation at its
    interval's midpoint (rounded half up, at most 65535), and 65535 (1.0 saturated) at
    255; stored as int16 codes offset by -32768 (the kernels add it back)."""

    def q16(x: float) -> float:
        return 65536.0 / (1.0 + math.exp(-x))

    table = []
    for i in range(255):
        here, there, mid = q16(i / 24), q16((i + 1) / 24), q16((i + 0.5) / 24)
        table.append(min(65535, math.floor(here - ((here + there) / 2 - mid) / 2 + 0.5)))
    table.append(65535)
    return [v - 32768 for v in table]
