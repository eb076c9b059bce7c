"""Single-operator models (built by the tests) compiled by stai, against the references:
int8 bit-exact with TFLite Micro, float within 1e-4 x max(1, max |ref|) of LiteRT."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import float_tolerance
from opmodels import ALL_MODELS, INT8, OPS_BY_NAME
from shared_models import random_inputs

from stai.tools.reference import run_litert_ref, run_tflm


@pytest.mark.parametrize("name,kind", ALL_MODELS, ids=[f"{n}-{k}" for n, k in ALL_MODELS])
def test_operator(name, kind, op_model, compiled):
    spec = OPS_BY_NAME[name]
    path = op_model(name, kind)
    c_model = compiled(path)
    lo, hi = spec.range_of(0)
    samples = random_inputs(path, 10, seed=7, float_range=(lo, hi))
    for inputs in samples:
        got = c_model.run(inputs)
        if kind == INT8:
            expected = run_tflm(path, inputs)
            for e, g in zip(expected, got):
                assert np.array_equal(e, g), (
                    f"not bit-exact with TFLM: max diff "
                    f"{np.max(np.abs(e.astype(np.int32) - g.astype(np.int32)))}"
                )
        else:
            expected = run_litert_ref(path, inputs)
            for e, g in zip(expected, got):
                assert np.max(np.abs(e - g)) <= float_tolerance(e)
