"""SOFTMAX with an int8 input and an int16 output (scale 1/65536, zero point -32768, as
TFLite Micro requires: ``arm_softmax_s8_s16``), alone and followed by the QUANTIZE int16 ->
int32 or the DEQUANTIZE that TFLite Micro's keyword model has after it, compiled by stai and
run as C, bit for bit with TFLite Micro's Python interpreter. The converter writes no such
softmax, so each model is a flatbuffer written with the tests' builder; inputs are seeded
random int8 codes."""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

from stai.compiler.driver import generate
from stai.errors import StaiError
from stai.runtime.runner import CModel
from stai.tools.reference import run_tflm

_INPUTS = Path(__file__).resolve().parents[1] / "filecheck" / "frontends" / "tflite" / "Inputs"
_OUT_SCALE = 1.5259021893143654e-05  # 1/65535 in float32, as the converter wrote it


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
    path: Path,
    shape: tuple[int, ...],
    in_quant: tuple[float, int],
    beta: float,
    out_quant: tuple[float, int] = (_OUT_SCALE, -32768),
    then: str | None = None,
) -> Path:
    """SOFTMAX int8 -> int16, then (``then``) QUANTIZE to int32 or DEQUANTIZE to float."""
    m = _builder().ModelBuilder()
    x = m.tensor("x", shape, "INT8", scales=(in_quant[0],), zero_points=(in_quant[1],))
    s = m.tensor("s", shape, "INT16", scales=(out_quant[0],), zero_points=(out_quant[1],))
    m.op("SOFTMAX", [x], [s], Beta=beta)
    y = s
    if then == "QUANTIZE":
        y = m.tensor("y", shape, "INT32", scales=(3.0518509447574615e-05,), zero_points=(0,))
        m.op("QUANTIZE", [s], [y])
    elif then == "DEQUANTIZE":
        y = m.tensor("y", shape, "FLOAT32")
        m.op("DEQUANTIZE", [s], [y])
    path.write_bytes(m.build([x], [y]))
    return path


def _samples(shape: tuple[int, ...], n: int, seed: int) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [rng.integers(-128, 127, shape, endpoint=True, dtype=np.int8) for _ in range(n)]


def _check(path: Path, c_model: CModel, shape: tuple[int, ...]) -> int:
    """Outputs equal TFLite Micro's on 4 samples; the number of distinct output values."""
    seen: set[float] = set()
    for x in _samples(shape, 4, seed=shape[-1]):
        (expected,) = run_tflm(path, [x])
        (got,) = c_model.run([x])
        assert got.dtype == expected.dtype
        np.testing.assert_array_equal(got, expected)
        seen.update(np.unique(expected).tolist())
    return len(seen)


# (shape, input scale : zero point, beta): the keyword model's 1x2 row, many rows, long
# rows, input scales whose differences reach diff_min (0.5 : the exp saturates) or not.
CASES = [
    ((1, 2), (0.06996273249387741, 2), 1.0),
    ((3, 10), (0.1, -5), 1.0),
    ((2, 4, 33), (0.03, 17), 2.5),
    ((1, 1001), (0.5, -128), 1.0),
    ((5, 7), (0.25, 0), 0.3),
]


@pytest.mark.parametrize(("shape", "in_quant", "beta"), CASES)
@pytest.mark.parametrize("then", [None, "QUANTIZE", "DEQUANTIZE"])
def test_softmax_int8_to_int16(shape, in_quant, beta, then, tmp_path):
    path = _model(tmp_path / "softmax.tflite", shape, in_quant, beta, then=then)
    out = tmp_path / "c"
    generate(path, out)
    assert "arm_softmax_s8_s16(" in (out / "network.c").read_text()
    distinct = _check(path, CModel(out), shape)
    assert distinct > min(shape[-1], 8)  # not a saturated, constant output


def test_output_scale_one_over_65536_too(tmp_path):
    """Scale 1/65536 (TFLite Micro checks it within 0.1 %) as well as the converter's
    1/65535."""
    shape = (2, 9)
    path = _model(tmp_path / "m.tflite", shape, (0.08, 3), 1.0, (1.0 / 65536, -32768))
    generate(path, tmp_path / "c")
    assert _check(path, CModel(tmp_path / "c"), shape) > 8


@pytest.mark.parametrize(
    ("out_quant", "message"),
    [
        ((_OUT_SCALE, 0), "zero point -32768, got 1.5259021893143654e-05 and 0"),
        ((1.0 / 32768, -32768), "with scale 1.52587890625e-05 and zero point -32768"),
    ],
)
def test_other_output_quantizations_are_one_line_errors(out_quant, message, tmp_path):
    """An int16 output quantized otherwise than TFLite Micro requires is refused in one
    line naming the softmax (zero point 0 first passes the importer: it is an int16
    tensor only a SOFTMAX writes)."""
    path = _model(tmp_path / "m.tflite", (1, 4), (0.1, 0), 1.0, out_quant)
    with pytest.raises(StaiError) as info:
        generate(path, tmp_path / "c")
    text = str(info.value)
    assert "nn.softmax (operator 0): the int16 output must be quantized" in text
    assert message in text
    assert "\n" not in text


@pytest.mark.cmsis_nn
def test_real_cmsis_nn_softmax_s8_s16(tmp_path, monkeypatch):
    """With ``CMSIS_NN_PATH`` (a CMSIS-NN checkout), CMSIS-NN's own arm_softmax_s8_s16
    gives TFLite Micro's outputs too."""
    root = os.environ.get("CMSIS_NN_PATH")
    if not root:
        pytest.fail("CMSIS_NN_PATH is not set", pytrace=False)
    shape = (3, 40)
    path = _model(tmp_path / "m.tflite", shape, (0.05, -3), 1.0, then="QUANTIZE")
    generate(path, tmp_path / "c")
    monkeypatch.setenv("CMSIS_NN_PATH", root)
    assert _check(path, CModel(tmp_path / "c"), shape) > 8
