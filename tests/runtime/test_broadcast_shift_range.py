"""``stai_broadcast_{add,sub}_{s8,s16}`` and the same-shape ``stai_elementwise_sub_{s8,s16}``
called directly: a shift below -31 (an input's or the output's) is ARM_CMSIS_NN_ARG_ERROR
with the output untouched, not a shift C leaves undefined; -31 itself runs."""

from __future__ import annotations

import ctypes
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import test_s8_support as s8  # noqa: E402

SOURCES = [
    s8.SOURCE_DIR / name
    for name in (
        "stai_broadcast_s8.c",
        "stai_broadcast_s16.c",
        "stai_elementwise_sub_s8.c",
        "stai_elementwise_sub_s16.c",
    )
]


@pytest.fixture(scope="module")
def lib(tmp_path_factory: pytest.TempPathFactory) -> ctypes.CDLL:
    out = tmp_path_factory.mktemp("broadcast") / "libbroadcast.so"
    flags = [*s8.WARNING_FLAGS, "-O1", "-fPIC", "-shared"]
    done = subprocess.run(
        [s8.compiler(), *flags, "-I", str(s8.INCLUDE_DIR), *map(str, SOURCES), "-o", str(out)],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    return ctypes.CDLL(str(out))


def _call(lib: ctypes.CDLL, name: str, shifts: tuple[int, int, int]) -> tuple[int, np.ndarray]:
    """``name`` on a (1, 2, 2, 3) + (1, 1, 1, 3) broadcast with the given input 1, input 2
    and output shifts (the others valid), and its output."""
    dtype = np.int16 if name.endswith("s16") else np.int8
    left_shift = 15 if dtype == np.int16 else 20
    a = np.arange(12, dtype=dtype).reshape(1, 2, 2, 3)
    b = np.array([[[[1, -2, 3]]]], dtype=dtype)
    out = np.full(a.shape, 7, dtype)
    info = np.iinfo(dtype)
    i32 = ctypes.c_int32
    args = [
        s8._ptr(a),
        ctypes.byref(s8.dims(a.shape)),
        s8._ptr(b),
        ctypes.byref(s8.dims(b.shape)),
        i32(0),
        i32(1 << 30),
        i32(shifts[0]),
        i32(0),
        i32(1 << 30),
        i32(shifts[1]),
        i32(left_shift),
        s8._ptr(out),
        ctypes.byref(s8.dims(out.shape)),
        i32(0),
        i32(1 << 30),
        i32(shifts[2]),
        i32(int(info.min)),
        i32(int(info.max)),
    ]
    return int(getattr(lib, name)(*args)), out


KERNELS = ["stai_broadcast_add_s8", "stai_broadcast_sub_s8", "stai_broadcast_add_s16", "stai_broadcast_sub_s16"]  # fmt: skip


@pytest.mark.parametrize("name", KERNELS)
@pytest.mark.parametrize("which", [0, 1, 2], ids=["input_1_shift", "input_2_shift", "out_shift"])
def test_a_shift_below_minus_31_is_an_argument_error(lib, name: str, which: int) -> None:
    shifts = [-1, -1, -20]
    shifts[which] = -32
    status, out = _call(lib, name, (shifts[0], shifts[1], shifts[2]))
    assert status == s8.ARG_ERROR
    assert np.all(out == 7)
    shifts[which] = -31
    status, out = _call(lib, name, (shifts[0], shifts[1], shifts[2]))
    assert status == s8.SUCCESS
    assert not np.all(out == 7)


def _call_same_shape(
    lib: ctypes.CDLL, name: str, shifts: tuple[int, int, int]
) -> tuple[int, np.ndarray]:
    """``name`` (``stai_elementwise_sub_*``) on two tensors of 12 elements with the given
    input 1, input 2 and output shifts (the others valid), and its output."""
    dtype = np.int16 if name.endswith("s16") else np.int8
    left_shift = 15 if dtype == np.int16 else 20
    a = np.arange(12, dtype=dtype)
    b = np.arange(12, dtype=dtype)[::-1].copy()
    out = np.full(a.shape, 7, dtype)
    info = np.iinfo(dtype)
    i32 = ctypes.c_int32
    args = [s8._ptr(a), s8._ptr(b), i32(0), i32(1 << 30), i32(shifts[0]), i32(0), i32(1 << 30)]
    args += [i32(shifts[1]), i32(left_shift), s8._ptr(out), i32(0), i32(1 << 30)]
    args += [i32(shifts[2]), i32(int(info.min)), i32(int(info.max)), i32(a.size)]
    return int(getattr(lib, name)(*args)), out


@pytest.mark.parametrize("name", ["stai_elementwise_sub_s8", "stai_elementwise_sub_s16"])
@pytest.mark.parametrize("which", [0, 1, 2], ids=["input_1_shift", "input_2_shift", "out_shift"])
def test_a_same_shape_sub_refuses_a_shift_below_minus_31(lib, name: str, which: int) -> None:
    shifts = [-1, -1, -20]
    shifts[which] = -32
    status, out = _call_same_shape(lib, name, (shifts[0], shifts[1], shifts[2]))
    assert status == s8.ARG_ERROR
    assert np.all(out == 7)
    shifts[which] = -31
    status, out = _call_same_shape(lib, name, (shifts[0], shifts[1], shifts[2]))
    assert status == s8.SUCCESS
    assert not np.all(out == 7)
