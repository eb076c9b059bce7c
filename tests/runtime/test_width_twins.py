"""The int8 and int16 versions of a kernel share one body (``runtime/include/stai_codes.h``,
``stai_nn_codes.h``): each width's file only passes its element size and checks its own
argument ranges. On codes of the int8 range, with arguments both widths accept, the two
versions must give the same codes (the int16 one clamped to int8 where only the final
clamp differs); a file that passed the wrong size, operation or argument would not.

The kernels are built warning-free (-Werror) from the files ``runtime/manifest.py`` names
for them, as a generated folder would carry them.
"""

from __future__ import annotations

import ctypes
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import test_s8_support as s8

from stai.runtime import manifest

TWINS = (
    "stai_maximum",
    "stai_minimum",
    "stai_broadcast_add",
    "stai_broadcast_sub",
    "stai_broadcast_mul",
    "stai_elementwise_sub",
    "stai_pad",
    "stai_mean_hw",
    "stai_relu",
    "stai_leaky_relu",
    "arm_avgpool",
    "arm_max_pool",
    "arm_elementwise_add",
    "arm_elementwise_mul",
)
CONVERSIONS = (
    "stai_quantize_f32_s8",
    "stai_quantize_f32_s16",
    "stai_dequantize_s8_f32",
    "stai_dequantize_s16_f32",
    "stai_requantize_s8",
    "stai_requantize_s16",
    "stai_requantize_s8_s16",
    "stai_requantize_s16_s8",
)


class PoolParams(ctypes.Structure):
    """cmsis_nn_pool_params: stride, padding (cmsis_nn_tile {w, h}), activation {min, max}."""

    _fields_ = [(name, ctypes.c_int32) for name in ("sw", "sh", "pw", "ph", "lo", "hi")]


@pytest.fixture(scope="module")
def lib(tmp_path_factory: pytest.TempPathFactory) -> ctypes.CDLL:
    functions = {f"{base}_{w}" for base in TWINS for w in ("s8", "s16")} | set(CONVERSIONS)
    out = tmp_path_factory.mktemp("twins")
    objects = []
    for source in manifest.sources_for(functions):
        obj = out / f"{source.stem}.o"
        s8._run(
            [s8.compiler(), *s8.WARNING_FLAGS, "-O2", "-fPIC", "-I", str(s8.INCLUDE_DIR)]
            + ["-c", str(source), "-o", str(obj)]
        )
        objects.append(str(obj))
    library = out / "libtwins.so"
    s8._run([s8.compiler(), "-shared", *objects, "-o", str(library)])
    return ctypes.CDLL(str(library))


def _ptr(array: np.ndarray) -> ctypes.c_void_p:
    return ctypes.c_void_p(array.ctypes.data)


def _both(
    lib: ctypes.CDLL,
    base: str,
    inputs: list[np.ndarray],
    out_size: int,
    call: Callable[..., list[object]],
) -> tuple[np.ndarray, np.ndarray]:
    """Run base_s8 and base_s16 on the same codes; call(inputs..., output) gives the
    arguments. Both must succeed."""
    results = []
    for width, dtype in (("s8", np.int8), ("s16", np.int16)):
        typed = [np.ascontiguousarray(x, dtype=dtype) for x in inputs]
        output = np.full(out_size, 99, dtype=dtype)
        status = getattr(lib, f"{base}_{width}")(*call(*[_ptr(x) for x in typed], _ptr(output)))
        assert status == s8.SUCCESS, f"{base}_{width}"
        results.append(output.astype(np.int32))
    return results[0], results[1]


def _codes(rng: np.random.Generator, *shape: int) -> np.ndarray:
    return rng.integers(-128, 128, size=shape)


@pytest.mark.parametrize("base", ["stai_maximum", "stai_minimum"])
def test_maximum_minimum_agree(lib: ctypes.CDLL, base: str) -> None:
    rng = np.random.default_rng(1)
    x, y = _codes(rng, 30), _codes(rng, 12)
    d1, d2, do = s8.Dims(2, 3, 1, 5), s8.Dims(1, 3, 4, 1), s8.Dims(2, 3, 4, 5)
    a, b = _both(
        lib,
        base,
        [x, y],
        120,
        lambda i, j, o: [i, ctypes.byref(d1), j, ctypes.byref(d2), o, ctypes.byref(do)],
    )
    np.testing.assert_array_equal(a, b)
    pick = np.maximum if base == "stai_maximum" else np.minimum
    np.testing.assert_array_equal(a, pick(x.reshape(2, 3, 1, 5), y.reshape(1, 3, 4, 1)).reshape(-1))


@pytest.mark.parametrize("base", ["stai_broadcast_add", "stai_broadcast_sub", "stai_broadcast_mul"])
def test_broadcast_arithmetic_agrees(lib: ctypes.CDLL, base: str) -> None:
    rng = np.random.default_rng(2)
    d1, d2, do = s8.Dims(1, 4, 1, 6), s8.Dims(1, 1, 3, 6), s8.Dims(1, 4, 3, 6)
    m1, m2, mo = 1_500_000_000, 1_200_000_000, 1_800_000_000

    def call(x: object, y: object, o: object) -> list[object]:
        inputs: list[object] = [x, ctypes.byref(d1), y, ctypes.byref(d2)]
        if base == "stai_broadcast_mul":
            return [*inputs, 3, -2, o, ctypes.byref(do), -4, mo, -9, -128, 127]
        return [*inputs, 3, m1, -2, -2, m2, -1, 15, o, ctypes.byref(do), -4, mo, -17, -128, 127]

    a, b = _both(lib, base, [_codes(rng, 24), _codes(rng, 18)], 72, call)
    np.testing.assert_array_equal(a, b)
    assert len(set(a.tolist())) > 10  # not a constant (a clamped) output


def test_elementwise_sub_agrees(lib: ctypes.CDLL) -> None:
    rng = np.random.default_rng(3)
    m1, m2, mo = 1_500_000_000, 1_200_000_000, 1_800_000_000
    a, b = _both(
        lib,
        "stai_elementwise_sub",
        [_codes(rng, 50), _codes(rng, 50)],
        50,
        lambda x, y, o: [x, y, 0, m1, -2, 0, m2, -1, 15, o, 0, mo, -17, -128, 127, 50],
    )
    np.testing.assert_array_equal(a, b)
    assert len(set(a.tolist())) > 10


def test_pad_and_mean_agree(lib: ctypes.CDLL) -> None:
    rng = np.random.default_rng(4)
    di, before, after = s8.Dims(1, 2, 3, 4), s8.Dims(0, 1, 0, 2), s8.Dims(1, 0, 2, 1)
    a, b = _both(
        lib,
        "stai_pad",
        [_codes(rng, 24)],
        2 * 3 * 5 * 7,
        lambda x, o: [x, ctypes.byref(di), ctypes.byref(before), ctypes.byref(after), -7, o],
    )
    np.testing.assert_array_equal(a, b)
    dm = s8.Dims(2, 3, 3, 5)
    # 1 / 9 as a Q31 multiplier and shift: the mean of each channel's plane, plus 5
    a, b = _both(
        lib,
        "stai_mean_hw",
        [_codes(rng, 90)],
        10,
        lambda x, o: [x, ctypes.byref(dm), o, 1, 1908874354, -3, 5],
    )
    np.testing.assert_array_equal(np.clip(b, -128, 127), a)


def test_activations_agree(lib: ctypes.CDLL) -> None:
    rng = np.random.default_rng(5)
    x = _codes(rng, 64)
    a, b = _both(
        lib, "stai_relu", [x], 64, lambda i, o: [i, o, 64, 3, 1_400_000_000, 1, -20, -30, 100]
    )
    np.testing.assert_array_equal(a, b)
    a, b = _both(
        lib,
        "stai_leaky_relu",
        [x],
        64,
        lambda i, o: [i, o, 64, 2, 6, 1_300_000_000, 0, -1_100_000_000, -3],
    )
    np.testing.assert_array_equal(np.clip(b, -128, 127), a)
    assert len(set(a.tolist())) > 10


@pytest.mark.parametrize("base", ["arm_avgpool", "arm_max_pool"])
def test_pooling_agrees(lib: ctypes.CDLL, base: str) -> None:
    rng = np.random.default_rng(6)
    di, df, do = s8.Dims(2, 5, 6, 3), s8.Dims(1, 3, 3, 1), s8.Dims(2, 3, 3, 3)
    params = PoolParams(2, 2, 1, 1, -100, 120)
    a, b = _both(
        lib,
        base,
        [_codes(rng, 180)],
        54,
        lambda x, o: [
            None,
            ctypes.byref(params),
            ctypes.byref(di),
            x,
            ctypes.byref(df),
            ctypes.byref(do),
            o,
        ],
    )
    np.testing.assert_array_equal(a, b)


def test_portable_add_and_mul_agree(lib: ctypes.CDLL) -> None:
    rng = np.random.default_rng(7)
    x, y = _codes(rng, 40), _codes(rng, 40)
    a, b = _both(
        lib,
        "arm_elementwise_add",
        [x, y],
        40,
        lambda i, j, o: (
            [i, j, 5, 1_500_000_000, -1, -3, 1_200_000_000, -2, 15, o, 2, 1_800_000_000, -16]
            + [-128, 127, 40]
        ),
    )
    np.testing.assert_array_equal(a, b)
    a, b = _both(
        lib,
        "arm_elementwise_mul",
        [x, y],
        40,
        lambda i, j, o: [i, j, 5, -3, o, 2, 1_800_000_000, -8, -128, 127, 40],
    )
    np.testing.assert_array_equal(a, b)


def test_conversions_agree(lib: ctypes.CDLL) -> None:
    rng = np.random.default_rng(8)
    values = (rng.standard_normal(100) * 40).astype(np.float32)
    codes = {}
    for width, dtype in (("s8", np.int8), ("s16", np.int16)):
        out = np.zeros(100, dtype=dtype)
        fn = getattr(lib, f"stai_quantize_f32_{width}")
        assert fn(_ptr(values), _ptr(out), 100, ctypes.c_float(0.5), 3) == s8.SUCCESS
        codes[width] = out.astype(np.int32)
        back = np.zeros(100, dtype=np.float32)
        fn = getattr(lib, f"stai_dequantize_{width}_f32")
        assert fn(_ptr(out), _ptr(back), 100, ctypes.c_float(0.5), 3) == s8.SUCCESS
        codes[width + "_back"] = back
    np.testing.assert_array_equal(np.clip(codes["s16"], -128, 127), codes["s8"])
    unclipped = (codes["s8"] > -128) & (codes["s8"] < 127)
    np.testing.assert_array_equal(codes["s8_back"][unclipped], codes["s16_back"][unclipped])
    x = _codes(rng, 60)
    results = {}
    for name, in_type, out_type in (
        ("stai_requantize_s8", np.int8, np.int8),
        ("stai_requantize_s16", np.int16, np.int16),
        ("stai_requantize_s8_s16", np.int8, np.int16),
        ("stai_requantize_s16_s8", np.int16, np.int8),
    ):
        source = x.astype(in_type)
        out = np.zeros(60, dtype=out_type)
        status = getattr(lib, name)(_ptr(source), _ptr(out), 60, 4, 1_600_000_000, 1, -6)
        assert status == s8.SUCCESS, name
        results[name] = np.clip(out.astype(np.int32), -128, 127)
    first = results.pop("stai_requantize_s8")
    for name, result in results.items():
        np.testing.assert_array_equal(result, first, err_msg=name)


def test_twin_sources_include_their_shared_body() -> None:
    """Each twin's source is the manifest's, and both widths' files use the same header."""
    for base in TWINS:
        sources = [manifest.sources_for({f"{base}_{w}"}) for w in ("s8", "s16")]
        assert all(len(s) == 1 for s in sources), base
        texts = [Path(s[0]).read_text() for s in sources]
        shared = [
            h for h in ("stai_codes.h", "stai_nn_codes.h") if all(f'"{h}"' in t for t in texts)
        ]
        assert shared, f"{base}: the int8 and int16 files share no body header"
