"""QUANTIZE to and from int32 (TFLite Micro's Requantize: int8 -> int32, int16 -> int32,
int32 -> int8, int32 -> int16) and int16 tensors with a zero point other than 0 where TFLite
Micro takes them (QUANTIZE, DEQUANTIZE), compiled by stai and run as C, bit for bit with
TFLite Micro's Python interpreter. The converter writes none of these models, so each is a
single-operator flatbuffer written with the tests' builder; inputs are seeded random codes
over the input type's range (int32: a range whose rescaling fits int32, as the reference's
own arithmetic needs)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

from stai.compiler.driver import generate
from stai.errors import StaiError
from stai.tools.reference import run_tflm

_INPUTS = Path(__file__).resolve().parents[1] / "filecheck" / "frontends" / "tflite" / "Inputs"
_DTYPES = {"INT8": np.int8, "INT16": np.int16, "INT32": np.int32, "FLOAT32": np.float32}


def _builder() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "stai_test_tflite_builder", _INPUTS / "tflite_builder.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def _model(
    tmp_path: Path,
    opcode: str,
    source: tuple[str, float | None, int],
    target: tuple[str, float | None, int],
    shape: tuple[int, ...] = (1, 2, 40, 3),
) -> Path:
    """A one-operator model: ``opcode`` from a tensor (type, scale, zero point; scale
    None: float) to another."""
    m = _builder().ModelBuilder()
    tensors = []
    for name, (type_name, scale, zp) in (("x", source), ("y", target)):
        quant = {} if scale is None else {"scales": (scale,), "zero_points": (zp,)}
        tensors.append(m.tensor(name, shape, type_name, **quant))
    x, y = tensors
    m.op(opcode, [x], [y])
    path = tmp_path / f"{opcode}_{source[0]}_{target[0]}_{abs(hash((source, target)))}.tflite"
    path.write_bytes(m.build([x], [y]))
    return path


def _samples(
    type_name: str, shape: tuple[int, ...], n: int, seed: int, bound: int | None
) -> list[list[np.ndarray]]:
    rng = np.random.default_rng(seed)
    dtype = _DTYPES[type_name]
    if dtype == np.float32:
        return [[rng.uniform(-3, 3, shape).astype(np.float32)] for _ in range(n)]
    info = np.iinfo(dtype)
    lo, hi = (info.min, info.max) if bound is None else (-bound, bound)
    samples = [[rng.integers(lo, hi, shape, endpoint=True, dtype=dtype)] for _ in range(n)]
    samples[0][0].flat[:2] = (lo, hi)  # both ends of the range
    return samples


def _check(path: Path, tmp_path: Path, source: str, target: str, bound: int | None) -> None:
    out = tmp_path / f"c_{path.stem}"
    generate(path, out)
    from stai.runtime.runner import CModel

    c_model = CModel(out)
    saturated = 0
    for (x,) in _samples(source, (1, 2, 40, 3), 4, seed=len(path.stem), bound=bound):
        (expected,) = run_tflm(path, [x])
        (got,) = c_model.run([x])
        assert got.dtype == expected.dtype == _DTYPES[target]
        np.testing.assert_array_equal(got, expected)
        if target != "FLOAT32":
            info = np.iinfo(_DTYPES[target])
            saturated += int(np.sum((expected == info.min) | (expected == info.max)))
    if target != "FLOAT32" and target != "INT32":
        # not every code saturates: the case tests the rescaling, not only the clamp
        assert saturated < 4 * 2 * 40 * 3


# (source, target, int32 input bound: None, the whole range): scales that widen and narrow,
# zero points of both signs, and the tensors of TFLite Micro's seanet quantize models.
CASES = [
    (("INT8", 0.0523, -7), ("INT32", 0.0004, 0), None),
    (("INT8", 0.0123, 5), ("INT32", 1.4901161193847656e-07, 1234), None),
    (("INT16", 0.0004943124367855489, 0), ("INT32", 1.4901161193847656e-07, 0), None),
    (("INT16", 1.5259021893143654e-05, -32768), ("INT32", 3.0518509447574615e-05, 0), None),
    (("INT16", 0.00091, 211), ("INT32", 0.37, -17), None),
    (("INT32", 1.4901161193847656e-07, 0), ("INT16", 0.0009219714556820691, 0), None),
    (("INT32", 1.4901161193847656e-07, 0), ("INT16", 0.0000123, -300), 1 << 22),
    (("INT32", 0.0001, 0), ("INT8", 0.05, 3), 1 << 17),
    (("INT32", 0.031, -42), ("INT8", 0.011, -128), 1 << 8),
    (("INT32", 0.75, 99), ("INT16", 0.25, 7), 1 << 20),
]


@pytest.mark.parametrize(("source", "target", "bound"), CASES)
def test_quantize_to_and_from_int32(source, target, bound, tmp_path):
    """Every int32 pair TFLite Micro's QUANTIZE takes, bit for bit."""
    path = _model(tmp_path, "QUANTIZE", source, target)
    _check(path, tmp_path, source[0], target[0], bound)


INT16_OFFSET_CASES = [
    ("QUANTIZE", ("INT16", 0.00091, -32768), ("INT8", 0.0411, 3)),
    ("QUANTIZE", ("INT8", 0.0123, -7), ("INT16", 0.00037, 1000)),
    ("QUANTIZE", ("INT16", 0.00091, 5), ("INT16", 0.00213, -6000)),
    ("QUANTIZE", ("FLOAT32", None, 0), ("INT16", 0.0002, -12345)),
    ("DEQUANTIZE", ("INT16", 0.0004, 20000), ("FLOAT32", None, 0)),
]


@pytest.mark.parametrize(("opcode", "source", "target"), INT16_OFFSET_CASES)
def test_int16_zero_points_where_tflm_takes_them(opcode, source, target, tmp_path):
    """QUANTIZE and DEQUANTIZE take int16 tensors of any zero point, as TFLite Micro."""
    path = _model(tmp_path, opcode, source, target)
    _check(path, tmp_path, source[0], target[0], None)


@pytest.mark.parametrize(
    ("source", "target", "message"),
    [
        (
            ("INT32", 0.5, 0),
            ("INT32", 0.25, 0),
            "nn.quantize (operator 0): QUANTIZE int32 -> int32 is not supported",
        ),
        (
            ("FLOAT32", None, 0),
            ("INT32", 0.25, 0),
            "nn.quantize (operator 0): output must be f32 or per-tensor !nn.q<i8, ...> or "
            "!nn.q<i16, ...>, got !nn.q<i32",
        ),
        (
            ("INT32", 0.5, -(1 << 31)),
            ("INT8", 0.25, 0),
            "an int32 input zero point of -2^31 is not supported",
        ),
    ],
)
def test_pairs_tflm_lacks_are_one_line_errors(source, target, message, tmp_path):
    """QUANTIZE int32 -> int32 and float32 -> int32 (TFLite Micro has neither) are refused
    in one line."""
    path = _model(tmp_path, "QUANTIZE", source, target)
    with pytest.raises(StaiError) as info:
        generate(path, tmp_path / "out")
    assert message in str(info.value)
    assert "\n" not in str(info.value)


def test_int16_zero_point_elsewhere_stays_refused(tmp_path):
    """An int16 tensor with a zero point other than 0 that another operator reads (here a
    RELU, which TFLite Micro's int16 kernels take only symmetric) is refused by name."""
    m = _builder().ModelBuilder()
    x = m.tensor("x", (1, 8), "INT8", scales=(0.05,), zero_points=(0,))
    h = m.tensor("h", (1, 8), "INT16", scales=(0.001,), zero_points=(-5,))
    y = m.tensor("y", (1, 8), "INT16", scales=(0.001,), zero_points=(-5,))
    m.op("QUANTIZE", [x], [h])
    m.op("RELU", [h], [y])
    path = tmp_path / "relu16.tflite"
    path.write_bytes(m.build([x], [y]))
    with pytest.raises(
        StaiError, match=r"tensor 'h' \(tensor 1\): int16 tensors must be symmetric"
    ):
        generate(path, tmp_path / "out")
