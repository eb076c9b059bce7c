"""Broadcast ADD and SUB (int8 and 16x8) of two inputs of very different ranges, as
TensorFlow's converter quantizes them from a representative dataset: the narrow input's
multiplier is below 2^-31, so its shift would be below -31 (undefined in C). stai makes it
0 with shift 0, as TFLite Micro's QuantizeMultiplier does, and the compiled C is bit-exact
with TFLite Micro."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from opmodels import INT8, INT16, OpSpec, _binary, convert, model_ops
from shared_models import random_inputs

from stai.compiler.driver import generate, import_model
from stai.dialects import nn
from stai.lowering import quant_math as qm
from stai.runtime.runner import CModel
from stai.tools.reference import run_tflm


def _spec(op: str) -> OpSpec:
    """x0 (1, 3, 4, 8) within +-1e-9, x1 (1, 1, 4, 8) within [-3e5, 2e5], broadcast."""
    return OpSpec(
        f"tiny_{op.lower()}",
        ((1, 3, 4, 8), (1, 1, 4, 8)),
        _binary(op.lower()),
        (op,),
        op,
        {"FusedActivationFunction": "NONE"},
        input_ranges=((-1e-9, 1e-9), (-3e5, 2e5)),
        kinds=(INT8, INT16),
    )


def _scales(path: Path, name: str) -> tuple[float, float, float]:
    """The scales of the op's two inputs and output."""
    (op,) = [op for op in import_model(path).walk() if op.name == name]
    types = [v.type for v in (*op.operands, op.results[0])]
    scales = []
    for t in types:
        assert isinstance(t, nn.TensorType) and isinstance(t.element_type, nn.QuantType)
        scales.append(t.element_type.scale_list()[0])
    return scales[0], scales[1], scales[2]


@pytest.mark.parametrize("kind", [INT8, INT16])
@pytest.mark.parametrize("op", ["ADD", "SUB"])
def test_tiny_multiplier_is_flushed_and_matches_tflm(op: str, kind: str, tmp_path: Path) -> None:
    path = convert(_spec(op), kind, tmp_path / f"tiny_{op}_{kind}.tflite")
    assert model_ops(path) == [op]
    s1, s2, so = _scales(path, f"nn.{op.lower()}")
    # The converter's scales do give a shift below -31 for the first input ...
    twice_max = 2.0 * max(float(np.float32(s1)), float(np.float32(s2)))
    assert math.frexp(float(np.float32(s1)) / twice_max)[1] < -31
    # ... which the parameters hold as multiplier 0, shift 0; the others stay in range.
    bits = 16 if kind == INT16 else 8
    p = qm.add_params_s8(s1, 0, s2, 0, so, 0, "NONE", bits)
    assert (p.input_1_mult, p.input_1_shift) == (0, 0)
    assert p.input_2_mult > 0 and -31 <= p.out_shift <= 0
    folder = tmp_path / "c"
    generate(path, folder)
    suffix = "s16" if kind == INT16 else "s8"
    assert f"stai_broadcast_{op.lower()}_{suffix}(" in (folder / "network.c").read_text()
    c_model = CModel(folder)
    for inputs in random_inputs(path, 4, seed=3):
        (got,) = c_model.run(inputs)
        (want,) = run_tflm(path, inputs)
        np.testing.assert_array_equal(got.reshape(want.shape), want)
