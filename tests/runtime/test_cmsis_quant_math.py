"""Pinned values of the compile-time parameters of the CMSIS-NN API kernels (quant_math).

The bit-exact comparisons with TFLite Micro (test_cmsis_kernels.py) cover ordinary scales;
these cases pin the edges of the softmax scaling and the float32/float64 steps.
"""

from __future__ import annotations

import numpy as np
import pytest

from stai.lowering import quant_math as qm


def test_softmax_params_power_of_two_scale() -> None:
    # beta * scale * 2**26 = 2**22 -> mantissa 1/2, shift 23; radius floor(31 * 2**26 / 2**23)
    assert qm.softmax_params_s8(1.0, 1.0 / 16) == qm.SoftmaxParamsS8(1 << 30, 23, -248)


def test_softmax_params_beta_scales_the_multiplier() -> None:
    one = qm.softmax_params_s8(1.0, 0.05)
    two = qm.softmax_params_s8(2.0, 0.05)
    assert two.mult == one.mult and two.shift == one.shift + 1
    assert two.diff_min == -((31 << 26) // (1 << two.shift))


def test_softmax_params_large_scale_is_capped() -> None:
    # beta * scale * 2**26 above 2**31 - 1 is capped there: multiplier 2**31 - 1, shift 31,
    # and no difference other than 0 contributes
    assert qm.softmax_params_s8(1.0, 64.0) == qm.SoftmaxParamsS8((1 << 31) - 1, 31, 0)


def test_softmax_params_tiny_scale_is_refused() -> None:
    with pytest.raises(ValueError, match="too small"):
        qm.softmax_params_s8(1.0, 1e-9)


def test_conv_multipliers_round_scales_to_float32_first() -> None:
    s_in, s_w, s_out = 0.1, 0.3, 0.7  # none is a float32
    mults, shifts = qm.conv_output_multipliers(s_in, [s_w, s_w / 2], s_out)
    f32 = np.float32
    real = float(f32(s_in)) * float(f32(s_w)) / float(f32(s_out))
    assert (mults[0], shifts[0]) == qm.quantize_multiplier(real)
    assert mults[1] == mults[0]  # halving a float32 scale is exact
    assert shifts[1] == shifts[0] - 1
    assert (mults[0], shifts[0]) != qm.quantize_multiplier(s_in * s_w / s_out)


def test_add_and_mul_params_follow_the_api_offsets() -> None:
    add = qm.add_params_s8(0.02, -3, 0.05, 7, 0.06, 2)
    assert (add.input_1_offset, add.input_2_offset, add.out_offset) == (3, -7, 2)
    assert add.left_shift == 20 and add.input_1_shift <= 0 and add.input_2_shift <= 0
    mul = qm.mul_params_s8(0.02, -3, 0.05, 7, 0.06, 2)
    assert (mul.input_1_offset, mul.input_2_offset, mul.out_offset) == (3, -7, 2)
