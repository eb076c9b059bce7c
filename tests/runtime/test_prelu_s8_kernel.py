"""``stai_prelu_s8`` called directly, with parameters from ``quant_math.prelu_params_s8``,
against TFLite Micro's PRELU on hand-made models with quantizations the converter does not
write: an alpha with a non-zero zero point and |alpha| > 1, an identity multiplier above 1
(a left shift) and one far below; every input code, alpha broadcast from [1, 1, C], [C]
and the full shape. Inconsistent arguments give ARM_CMSIS_NN_ARG_ERROR."""

from __future__ import annotations

import ctypes
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
import test_s8_support as s8

from stai.lowering import quant_math as qm

SHAPE = (1, 4, 4, 16)
"""256 elements: one sample holds every input code."""


@dataclass(frozen=True)
class Quant:
    """Scales and zero points of input, alpha and output, and alpha's shape."""

    name: str
    x: tuple[float, int]
    alpha: tuple[float, int]
    out: tuple[float, int]
    alpha_shape: tuple[int, ...]


QUANTS = [
    Quant("alpha_zp_channels", (0.02, 5), (0.02, -7), (0.015, -20), (1, 1, 16)),
    Quant("left_shift_vector", (0.05, -3), (0.004, 0), (0.011, 9), (16,)),
    Quant("small_identity_full", (0.01, 100), (0.03, 12), (0.2, -128), (4, 4, 16)),
]


@pytest.fixture(scope="module")
def kernels(tmp_path_factory: pytest.TempPathFactory) -> s8.Kernels:
    return s8.Kernels(s8.build_library(tmp_path_factory.mktemp("prelu_s8")))


def _alpha_codes(shape: tuple[int, ...]) -> np.ndarray:
    rng = np.random.default_rng(int(np.prod(shape)))
    return rng.integers(-128, 128, shape).astype(np.int8)


def _model(folder: Path, q: Quant) -> s8.ModelInfo:
    alpha = s8.T(
        q.alpha_shape, scale=q.alpha[0], zero_point=q.alpha[1], data=_alpha_codes(q.alpha_shape)
    )
    return s8.write_model(
        folder,
        q.name,
        lambda: s8.handmade(
            "PRELU",
            [s8.T(SHAPE, scale=q.x[0], zero_point=q.x[1]), alpha],
            [s8.T(SHAPE, scale=q.out[0], zero_point=q.out[1])],
        ),
    )


def _run(kernels: s8.Kernels, q: Quant, x: np.ndarray, alpha: np.ndarray, out: np.ndarray) -> int:
    p = qm.prelu_params_s8(*q.x, *q.alpha, *q.out)
    return kernels.call(
        "stai_prelu_s8",
        ctypes.byref(s8.dims(x.shape)),
        s8._ptr(x),  # pyright: ignore[reportPrivateUsage]
        ctypes.byref(s8.dims(alpha.shape)),
        s8._ptr(alpha),  # pyright: ignore[reportPrivateUsage]
        s8._ptr(out),
        p.input_offset,
        p.alpha_offset,
        p.output_offset,  # pyright: ignore[reportPrivateUsage]
        p.identity_mult,
        p.identity_shift,
        p.alpha_mult,
        p.alpha_shift,
    )


@pytest.mark.parametrize("q", QUANTS, ids=[q.name for q in QUANTS])
def test_every_code_bit_exact_with_tflm(kernels: s8.Kernels, q: Quant, tmp_path: Path) -> None:
    info = _model(tmp_path, q)
    rng = np.random.default_rng(1)
    samples = [
        rng.permutation(np.arange(-128, 128, dtype=np.int8)).reshape(SHAPE) for _ in range(3)
    ]
    expected = s8.run_tflm(info, [[x] for x in samples])
    alpha = _alpha_codes(q.alpha_shape)
    for x, e in zip(samples, expected):
        out = np.zeros(SHAPE, np.int8)
        assert _run(kernels, q, x, alpha, out) == s8.SUCCESS
        diff = np.count_nonzero(out != e.reshape(SHAPE))
        assert diff == 0, f"{diff} of {out.size} codes differ from TFLite Micro"


def test_parameters_of_a_left_shift() -> None:
    """0.05 / 0.011 = 4.545: the identity multiplier is a left shift of 3; both multipliers
    are those of the float32 scales, to the Q31 step."""
    p = qm.prelu_params_s8(0.05, -3, 0.004, 0, 0.011, 9)
    assert (p.input_offset, p.alpha_offset, p.output_offset) == (3, 0, 9)
    assert p.identity_shift == 3 and 2**30 <= p.identity_mult < 2**31
    s_in, s_alpha, s_out = (float(np.float32(s)) for s in (0.05, 0.004, 0.011))
    for mult, shift, real in (
        (p.identity_mult, p.identity_shift, s_in / s_out),
        (p.alpha_mult, p.alpha_shift, s_in * s_alpha / s_out),
    ):
        assert abs(mult * 2.0 ** (shift - 31) - real) <= 2.0 ** (shift - 32)


@pytest.mark.parametrize("bad", ["alpha_h", "negative_mult", "shift", "offset"])
def test_argument_errors_leave_the_output(kernels: s8.Kernels, bad: str) -> None:
    x = np.zeros(SHAPE, np.int8)
    alpha = np.zeros((1, 2, 1, 16) if bad == "alpha_h" else (16,), np.int8)  # h 2: not 1 or 4
    out = np.full(SHAPE, 9, np.int8)
    args = {
        "input_offset": 0,
        "alpha_offset": 0,
        "identity_mult": 1 << 30,
        "identity_shift": 0,
        "alpha_mult": 1 << 30,
        "alpha_shift": 0,
    }
    if bad == "negative_mult":
        args["alpha_mult"] = -(1 << 30)
    elif bad == "shift":
        args["identity_shift"] = -32
    elif bad == "offset":
        args["alpha_offset"] = 300
    status = kernels.call(
        "stai_prelu_s8",
        ctypes.byref(s8.dims(x.shape)),
        s8._ptr(x),  # pyright: ignore[reportPrivateUsage]
        ctypes.byref(s8.dims(alpha.shape)),
        s8._ptr(alpha),
        s8._ptr(out),  # pyright: ignore[reportPrivateUsage]
        args["input_offset"],
        args["alpha_offset"],
        0,
        args["identity_mult"],
        args["identity_shift"],
        args["alpha_mult"],
        args["alpha_shift"],
    )
    assert status == s8.ARG_ERROR
    assert np.all(out == 9)
