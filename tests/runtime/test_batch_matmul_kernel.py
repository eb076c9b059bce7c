"""``stai_batch_matmul_{f32,s8,s16}`` called directly against TensorFlow Lite Micro's
BATCH_MATMUL on hand-made models with quantizations the converter does not write: zero
points near the ends of the range, a requantization multiplier above 1 (a left shift) and
one far below, saturating outputs, 16x8 depths whose products need the 64-bit accumulator;
``adj_x`` / ``adj_y`` and broadcast batch axes up to rank 5. Every case is bit-exact (float
too: the depth is summed in TFLite Micro's order), also on an ASan + UBSan build (run as a
script under the sanitizers). A bad geometry gives ARM_CMSIS_NN_ARG_ERROR."""

from __future__ import annotations

import ctypes
import math
import os
import pickle
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import test_s8_support as s8  # noqa: E402

from stai.dialects.nn_matmul import batch_matmul_shape  # noqa: E402
from stai.lowering import quant_math as qm  # noqa: E402

SOURCE = s8.SOURCE_DIR / "stai_batch_matmul.c"


@dataclass(frozen=True)
class Case:
    """One BATCH_MATMUL: operand shapes, flags, element type, (scale, zero point) of lhs,
    rhs and output (int types)."""

    name: str
    lhs: tuple[int, ...]
    rhs: tuple[int, ...]
    adj_x: bool
    adj_y: bool
    dtype: str
    quant: tuple[tuple[float, int], ...] = ()


CASES = [
    Case("f32_adj_broadcast", (2, 1, 5, 3), (3, 4, 5), True, True, "FLOAT32"),
    Case("f32_rank5", (2, 1, 3, 2, 7), (1, 2, 1, 7, 4), False, False, "FLOAT32"),
    Case(
        "s8_edge_zero_points",
        (2, 3, 9),
        (2, 9, 4),
        False,
        False,
        "INT8",
        ((0.02, 120), (0.03, -127), (0.05, -128)),
    ),  # fmt: skip
    Case(
        "s8_left_shift_saturating",
        (1, 4, 6),
        (3, 5, 6),
        False,
        True,
        "INT8",
        ((0.05, -3), (0.04, 7), (0.0002, 10)),
    ),  # fmt: skip
    Case(
        "s8_tiny_multiplier_adj_x",
        (2, 2, 8, 3),
        (2, 1, 8, 5),
        True,
        False,
        "INT8",
        ((0.01, 0), (0.002, 50), (3.0, -20)),
    ),  # fmt: skip
    Case(
        "s16_deep_accumulator",
        (2, 3, 96),
        (1, 96, 4),
        False,
        False,
        "INT16",
        ((0.0005, 0), (0.0007, 0), (0.00002, 0)),
    ),  # fmt: skip
    Case(
        "s16_adj_both",
        (3, 5, 2),
        (3, 4, 5),
        True,
        True,
        "INT16",
        ((0.001, 0), (0.0003, 0), (0.0001, 0)),
    ),  # fmt: skip
]

_NUMPY = {"FLOAT32": np.float32, "INT8": np.int8, "INT16": np.int16}


def _extended(shape: tuple[int, ...]) -> list[int]:
    return [1] * (5 - len(shape)) + list(shape)


def geometry(case: Case) -> list[int]:
    """The kernel's geometry table (``stai_kernels_matmul.h``)."""
    out = batch_matmul_shape(case.lhs, case.rhs, case.adj_x, case.adj_y)
    assert out is not None
    a, b, y = _extended(case.lhs), _extended(case.rhs), _extended(out)
    m, k = (a[4], a[3]) if case.adj_x else (a[3], a[4])
    n = b[3] if case.adj_y else b[4]

    def steps(shape: list[int]) -> list[int]:
        return [0 if shape[i] == 1 else math.prod(shape[i + 1 :]) for i in range(3)]

    return [*y[:3], *steps(a), *steps(b), m, n, k, int(case.adj_x), int(case.adj_y)]


def _model(folder: Path, case: Case) -> s8.ModelInfo:
    out = batch_matmul_shape(case.lhs, case.rhs, case.adj_x, case.adj_y)
    assert out is not None
    quant = case.quant or ((None, 0),) * 3
    tensors = [
        s8.T(shape, case.dtype, scale=q[0], zero_point=q[1])
        for shape, q in zip((case.lhs, case.rhs, out), quant)
    ]
    options = ("BatchMatMulOptions", {"adjX": case.adj_x, "adjY": case.adj_y})
    return s8.write_model(
        folder, case.name, lambda: s8.handmade("BATCH_MATMUL", tensors[:2], tensors[2:], options)
    )


def _samples(case: Case, count: int) -> list[list[np.ndarray]]:
    rng = np.random.default_rng(len(case.name))
    samples = []
    for _ in range(count):
        sample = []
        for shape in (case.lhs, case.rhs):
            if case.dtype == "FLOAT32":
                sample.append(rng.standard_normal(shape).astype(np.float32))
            else:
                info = np.iinfo(_NUMPY[case.dtype])
                sample.append(rng.integers(info.min, info.max + 1, shape).astype(info.dtype))
        samples.append(sample)
    return samples


def arguments(case: Case) -> list[int]:
    """The kernel's arguments after the geometry: offsets and requantization."""
    if case.dtype == "FLOAT32":
        return []
    (sa, za), (sb, zb), (sy, zy) = case.quant
    (mult,), (shift,) = qm.conv_output_multipliers(sa, [sb], sy)
    if case.dtype == "INT16":
        return [mult, shift]
    return [-za, -zb, zy, mult, shift]


def run_kernel(lib: ctypes.CDLL, case: Case, sample: list[np.ndarray]) -> tuple[int, np.ndarray]:
    """The kernel's status and output for one sample."""
    out_shape = batch_matmul_shape(case.lhs, case.rhs, case.adj_x, case.adj_y)
    assert out_shape is not None
    out = np.zeros(out_shape, _NUMPY[case.dtype])
    table = np.array(geometry(case), np.int32)
    suffix = {"FLOAT32": "f32", "INT8": "s8", "INT16": "s16"}[case.dtype]
    fn = getattr(lib, f"stai_batch_matmul_{suffix}")
    fn.restype = ctypes.c_int
    lhs, rhs = (np.ascontiguousarray(x) for x in sample)
    status = fn(
        lhs.ctypes.data_as(ctypes.c_void_p),
        rhs.ctypes.data_as(ctypes.c_void_p),
        out.ctypes.data_as(ctypes.c_void_p),
        table.ctypes.data_as(ctypes.c_void_p),
        *(ctypes.c_int32(v) for v in arguments(case)),
    )
    return status, out


def build(folder: Path, sanitize: bool = False) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    lib = folder / ("libbmm_asan.so" if sanitize else "libbmm.so")
    flags = s8.SANITIZE_FLAGS if sanitize else ["-O2"]
    subprocess.run(
        [s8.compiler(), *s8.WARNING_FLAGS, *flags, "-fPIC", "-shared", "-I",
         str(s8.INCLUDE_DIR), str(SOURCE), "-o", str(lib)],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    return lib


@pytest.fixture(scope="module")
def expected(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[list, list]]:
    folder = tmp_path_factory.mktemp("bmm_models")
    out = {}
    for case in CASES:
        samples = _samples(case, 3)
        out[case.name] = (samples, s8.run_tflm(_model(folder, case), samples))
    return out


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_bit_exact_with_tflm(case: Case, expected, tmp_path_factory) -> None:
    lib = ctypes.CDLL(str(build(tmp_path_factory.getbasetemp() / "bmm_lib")))
    samples, results = expected[case.name]
    saturated = 0
    for sample, want in zip(samples, results):
        status, got = run_kernel(lib, case, sample)
        assert status == s8.SUCCESS
        np.testing.assert_array_equal(got, want.reshape(got.shape))
        if case.dtype != "FLOAT32":
            info = np.iinfo(got.dtype)
            saturated += int(np.sum((got == info.min) | (got == info.max)))
    if case.name == "s8_left_shift_saturating":
        assert saturated > 0


def test_bad_geometry_is_an_argument_error(tmp_path: Path) -> None:
    lib = ctypes.CDLL(str(build(tmp_path)))
    case = CASES[0]
    sample = _samples(case, 1)[0]
    good = geometry(case)
    for index, value in ((0, 0), (3, -1), (9, 0), (11, -2)):
        bad = list(good)
        bad[index] = value
        out = np.zeros(64, np.float32)
        table = np.array(bad, np.int32)
        status = lib.stai_batch_matmul_f32(
            sample[0].ctypes.data_as(ctypes.c_void_p),
            sample[1].ctypes.data_as(ctypes.c_void_p),
            out.ctypes.data_as(ctypes.c_void_p),
            table.ctypes.data_as(ctypes.c_void_p),
        )
        assert status == s8.ARG_ERROR, (index, value)


def _replay(lib_path: str, cases_file: str) -> int:
    """Script mode: every pickled (case index, sample, expected) on the library; 0 when exact."""
    lib = ctypes.CDLL(lib_path)
    items = pickle.loads(Path(cases_file).read_bytes())
    bad = 0
    for index, sample, want in items:
        status, got = run_kernel(lib, CASES[index], sample)
        if status != s8.SUCCESS or not np.array_equal(got, want.reshape(got.shape)):
            bad += 1
    print(f"{len(items)} cases, {bad} mismatches")
    return 1 if bad else 0


def test_sanitizers_clean(expected, tmp_path: Path) -> None:
    """Every case on an ASan + UBSan build (aborting on any report), bit-exact."""
    lib = build(tmp_path, sanitize=True)
    items = [
        (index, sample, want)
        for index, case in enumerate(CASES)
        for sample, want in zip(*expected[case.name])
    ]
    cases_file = tmp_path / "cases.pkl"
    cases_file.write_bytes(pickle.dumps(items))
    env = dict(
        os.environ,
        LD_PRELOAD=s8.libasan_path(),
        ASAN_OPTIONS="detect_leaks=0:halt_on_error=1",
        UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1",
    )
    done = subprocess.run(
        [sys.executable, __file__, str(lib), str(cases_file)],
        capture_output=True, text=True, env=env, timeout=600,
    )  # fmt: skip
    report = (done.stdout + done.stderr)[-4000:]
    assert done.returncode == 0, report
    assert f"{len(items)} cases, 0 mismatches" in done.stdout, report


if __name__ == "__main__":
    sys.exit(_replay(sys.argv[1], sys.argv[2]))
