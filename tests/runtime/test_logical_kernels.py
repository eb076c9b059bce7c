"""The kernels of boolean tensors (``runtime/src/stai_logical.c``) called directly: the
int8 comparison against a Python transcription of TFLite Micro's ``ComparisonWithScaling``
on quantizations the converter does not write (zero points at the ends of the range,
scales far apart), with broadcasting; the casts' edge cases (NaN, values out of range,
wrapping to a narrower integer, booleans); select with 2- and 8-byte elements; the float
floor modulo; argument errors. The same calls run in a C program built with ASan and
UBSan, which must finish without a report."""

from __future__ import annotations

import ctypes
import subprocess
import zlib
from pathlib import Path

import numpy as np
import pytest

from stai.lowering.nn_to_qnn_logical import compare_quant_s8

ROOT = Path(__file__).resolve().parents[2]
INCLUDE = ROOT / "runtime" / "include"
SOURCE = ROOT / "runtime" / "src" / "stai_logical.c"
PREDICATES = ("equal", "not_equal", "less", "less_equal", "greater", "greater_equal")
TYPES = {"f32": 0, "s8": 1, "s16": 2, "s32": 3, "s64": 4, "bool": 5}


class Dims(ctypes.Structure):
    _fields_ = [
        ("n", ctypes.c_int32),
        ("h", ctypes.c_int32),
        ("w", ctypes.c_int32),
        ("c", ctypes.c_int32),
    ]


def _dims(shape: tuple[int, ...]) -> Dims:
    n, h, w, c = (1,) * (4 - len(shape)) + tuple(shape)
    return Dims(n, h, w, c)


def _ptr(a: np.ndarray) -> ctypes.c_void_p:
    return ctypes.c_void_p(a.ctypes.data)


@pytest.fixture(scope="module")
def lib(tmp_path_factory) -> ctypes.CDLL:
    out = tmp_path_factory.mktemp("logical") / "liblogical.so"
    subprocess.run(
        ["cc", "-std=c99", "-O1", "-Wall", "-Wextra", "-Werror", "-shared", "-fPIC"]
        + ["-I", str(INCLUDE), str(SOURCE), "-o", str(out), "-lm"],
        check=True,
    )
    return ctypes.CDLL(str(out))


# ------------------------------------------------------------- TFLite Micro's arithmetic


def _srdhm(a: int, b: int) -> int:
    """gemmlowp's SaturatingRoundingDoublingHighMul (C's division truncates toward 0)."""
    if a == b == -(1 << 31):
        return (1 << 31) - 1
    v = a * b + ((1 << 30) if a * b >= 0 else 1 - (1 << 30))
    return (abs(v) >> 31) * (1 if v >= 0 else -1)


def _rounding_divide(x: int, exponent: int) -> int:
    mask = (1 << exponent) - 1
    remainder = x & mask
    threshold = (mask >> 1) + (1 if x < 0 else 0)
    return (x >> exponent) + (1 if remainder > threshold else 0)


def _scaled(code: int, offset: int, multiplier: int, shift: int) -> int:
    shifted = (code + offset) * (1 << 8)
    left, right = max(shift, 0), max(-shift, 0)
    return _rounding_divide(_srdhm(shifted * (1 << left), multiplier), right)


def _compare_reference(a, b, quant, predicate) -> np.ndarray:
    o1, m1, s1, o2, m2, s2 = quant
    a2, b2 = np.broadcast_arrays(a, b)
    sa = np.vectorize(lambda v: _scaled(int(v), o1, m1, s1))(a2)
    sb = np.vectorize(lambda v: _scaled(int(v), o2, m2, s2))(b2)
    return getattr(np, predicate)(sa, sb)


QUANTS = [
    ((0.0078125, -128), (0.5, 127)),
    ((0.9, 127), (0.001, -128)),
    ((0.02, 3), (0.02, 3)),
    ((0.0473, -17), (0.0236, 40)),
]


@pytest.mark.parametrize("predicate", PREDICATES)
@pytest.mark.parametrize("quant", QUANTS)
def test_compare_s8_matches_tflite_micro(lib, quant, predicate):
    (s1, z1), (s2, z2) = quant
    params = compare_quant_s8(s1, z1, s2, z2)
    rng = np.random.default_rng(zlib.crc32(repr((quant, predicate)).encode()))
    a = rng.integers(-128, 128, size=(2, 3, 4, 5)).astype(np.int8)
    b = rng.integers(-128, 128, size=(1, 3, 1, 5)).astype(np.int8)
    out = np.zeros((2, 3, 4, 5), np.bool_)
    status = lib.stai_compare_s8(
        PREDICATES.index(predicate),
        ctypes.byref(_dims(a.shape)),
        _ptr(a),
        ctypes.byref(_dims(b.shape)),
        _ptr(b),
        ctypes.byref(_dims(out.shape)),
        _ptr(out),
        *[ctypes.c_int32(v) for v in params],
    )
    assert status == 0
    np.testing.assert_array_equal(out, _compare_reference(a, b, params, predicate))


def test_compare_f32_nan_and_broadcast(lib):
    a = np.array([[np.nan, 1.0, -0.0, 2.0]], np.float32)
    b = np.array([[0.0]], np.float32)
    for k, predicate in enumerate(PREDICATES):
        out = np.zeros((1, 4), np.bool_)
        status = lib.stai_compare_f32(
            k,
            ctypes.byref(_dims(a.shape)),
            _ptr(a),
            ctypes.byref(_dims(b.shape)),
            _ptr(b),
            ctypes.byref(_dims(out.shape)),
            _ptr(out),
        )
        assert status == 0
        with np.errstate(invalid="ignore"):
            np.testing.assert_array_equal(out, getattr(np, predicate)(a, b))


def _cast(lib, x: np.ndarray, source: str, target: str, dtype) -> np.ndarray:
    out = np.zeros(x.shape, dtype)
    status = lib.stai_cast(_ptr(x), TYPES[source], _ptr(out), TYPES[target], x.size)
    assert status == 0
    return out


def test_cast_edges(lib):
    f = np.array([np.nan, 3.9, -3.9, 1e20, -1e20, 0.0, -0.5], np.float32)
    np.testing.assert_array_equal(
        _cast(lib, f, "f32", "s32", np.int32), [0, 3, -3, 2**31 - 1, -(2**31), 0, 0]
    )  # a float saturates to the target's range (TFLite Micro's interpreter does so)
    np.testing.assert_array_equal(_cast(lib, f, "f32", "s8", np.int8), [0, 3, -3, 127, -128, 0, 0])
    wide = np.array([40000.5, -40000.5, 200.7, -200.7], np.float32)
    np.testing.assert_array_equal(
        _cast(lib, wide, "f32", "s16", np.int16), [32767, -32768, 200, -200]
    )
    np.testing.assert_array_equal(_cast(lib, wide, "f32", "s8", np.int8), [127, -128, 127, -128])
    np.testing.assert_array_equal(
        _cast(lib, f, "f32", "bool", np.bool_), [True, True, True, True, True, False, True]
    )
    i = np.array([300, -129, 127, -1, 1 << 20], np.int32)
    np.testing.assert_array_equal(_cast(lib, i, "s32", "s8", np.int8), i.astype(np.int8))
    np.testing.assert_array_equal(_cast(lib, i, "s32", "s16", np.int16), i.astype(np.int16))
    np.testing.assert_array_equal(_cast(lib, i, "s32", "f32", np.float32), i.astype(np.float32))
    np.testing.assert_array_equal(_cast(lib, i, "s32", "s64", np.int64), i.astype(np.int64))
    b = np.array([True, False, True])
    np.testing.assert_array_equal(_cast(lib, b, "bool", "f32", np.float32), [1.0, 0.0, 1.0])
    np.testing.assert_array_equal(_cast(lib, b, "bool", "s32", np.int32), [1, 0, 1])
    big = np.array([(1 << 40) + 5, -(1 << 33) - 1], np.int64)
    np.testing.assert_array_equal(_cast(lib, big, "s64", "s32", np.int32), big.astype(np.int32))
    assert lib.stai_cast(_ptr(b), 9, _ptr(b), 0, 3) != 0


@pytest.mark.parametrize("dtype", [np.int16, np.int64])
def test_select_wide_elements(lib, dtype):
    rng = np.random.default_rng(4)
    cond = rng.random((3, 1)) < 0.5
    x = rng.integers(-1000, 1000, size=(3, 4)).astype(dtype)
    y = rng.integers(-1000, 1000, size=(1, 4)).astype(dtype)
    out = np.zeros((3, 4), dtype)
    status = lib.stai_select(
        ctypes.byref(_dims(cond.shape)),
        _ptr(cond),
        ctypes.byref(_dims(x.shape)),
        _ptr(x),
        ctypes.byref(_dims(y.shape)),
        _ptr(y),
        ctypes.byref(_dims(out.shape)),
        _ptr(out),
        np.dtype(dtype).itemsize,
    )
    assert status == 0
    np.testing.assert_array_equal(out, np.where(cond, x, y))


def test_floor_mod_and_errors(lib):
    a = np.array([[5.5, -5.5, 5.5, -5.5, 0.0, 3.0]], np.float32)
    b = np.array([[2.0, 2.0, -2.0, -2.0, 3.0, 1.5]], np.float32)
    out = np.zeros_like(a)
    d = ctypes.byref(_dims(a.shape))
    assert lib.stai_floor_mod_f32(d, _ptr(a), d, _ptr(b), d, _ptr(out)) == 0
    trunc = np.fmod(a, b)
    np.testing.assert_array_equal(
        out, np.where((trunc != 0) & ((b < 0) != (trunc < 0)), trunc + b, trunc)
    )
    bad = ctypes.byref(_dims((2, 6)))
    assert lib.stai_floor_mod_f32(d, _ptr(a), bad, _ptr(b), d, _ptr(out)) != 0
    flags = np.zeros(6, np.bool_)
    assert lib.stai_compare_f32(7, d, _ptr(a), d, _ptr(b), d, _ptr(flags)) != 0
    assert lib.stai_select(d, _ptr(flags), d, _ptr(a), d, _ptr(b), d, _ptr(out), 3) != 0


_SANITIZED_MAIN = r"""
#include <math.h>
#include <stdio.h>
#include "stai_kernels_logical.h"

int main(void)
{
    const cmsis_nn_dims full = {2, 3, 4, 5};
    const cmsis_nn_dims row = {1, 3, 1, 5};
    int8_t a[120];
    int8_t b[15];
    bool out[120];
    float f[120];
    float g[15];
    float h[120];
    int32_t ints[120];
    int64_t wide[120];
    for (int i = 0; i < 120; ++i) { a[i] = (int8_t)(i * 37 - 128); f[i] = (float)i * 0.25f - 7.0f; }
    for (int i = 0; i < 15; ++i) { b[i] = (int8_t)(127 - i * 17); g[i] = (float)i - 7.5f; }
    f[3] = NAN; f[4] = 1e30f; f[5] = -1e30f;
    int bad = 0;
    for (int p = 0; p < 6; ++p)
    {
        bad |= stai_compare_s8(p, &full, a, &row, b, &full, out, 128, 1073741824, -1, -127, 1518500250, -8);
        bad |= stai_compare_f32(p, &full, f, &row, g, &full, out);
    }
    bad |= stai_logical_and(&full, out, &row, out, &full, out);
    bad |= stai_logical_or(&row, out, &full, out, &full, out);
    bad |= stai_logical_not(out, out, 120);
    bad |= stai_select(&full, out, &full, f, &row, g, &full, h, 4);
    bad |= stai_cast(f, STAI_TYPE_F32, ints, STAI_TYPE_S32, 120);
    bad |= stai_cast(f, STAI_TYPE_F32, wide, STAI_TYPE_S64, 120);
    bad |= stai_cast(wide, STAI_TYPE_S64, a, STAI_TYPE_S8, 120);
    bad |= stai_cast(ints, STAI_TYPE_S32, out, STAI_TYPE_BOOL, 120);
    bad |= stai_cast(out, STAI_TYPE_BOOL, h, STAI_TYPE_F32, 120);
    bad |= stai_floor_mod_f32(&full, f, &row, g, &full, h);
    printf("%d\n", bad);
    return bad != 0;
}
"""


def test_kernels_under_sanitizers(tmp_path):
    main = tmp_path / "main.c"
    main.write_text(_SANITIZED_MAIN)
    exe = tmp_path / "logical_sanitized"
    flags = ["-std=c99", "-g", "-O1", "-fsanitize=address,undefined", "-fno-sanitize-recover=all"]
    subprocess.run(
        ["cc", *flags, "-I", str(INCLUDE), str(SOURCE), str(main), "-o", str(exe), "-lm"],
        check=True,
    )
    run = subprocess.run([str(exe)], capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stderr
    assert "runtime error" not in run.stderr
