"""Every shared `.tflite` model compiled by stai and run as C on the host.

int8 models: outputs equal TFLite Micro's bit for bit, on the shipped samples and on 20
random inputs each. Float and hybrid models: max abs difference to LiteRT's reference
kernels <= 1e-4 x max(1, max |reference|), on the samples and 5 random inputs (20 for
hybrid models, whose convolutions quantize their input at run time).
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import float_tolerance
from shared_models import HYBRID, INT8, SHARED_MODELS, random_inputs

from stai.tools.reference import run_litert_ref, run_tflm

RANDOM_INPUTS = 20

INT8_MODELS = [m for m in SHARED_MODELS if m.kind == INT8]
FLOAT_MODELS = [m for m in SHARED_MODELS if m.kind != INT8]


@pytest.mark.parametrize("model", INT8_MODELS, ids=lambda m: m.key)
def test_int8_bit_exact_with_tflm(model, models_dir, compiled):
    path = model.path(models_dir)
    c_model = compiled(path)
    samples = [s.inputs for s in model.samples(models_dir)]
    samples += random_inputs(path, RANDOM_INPUTS, seed=1234)
    mismatches = []
    for i, inputs in enumerate(samples):
        expected = run_tflm(path, inputs)
        got = c_model.run(inputs)
        for out_index, (e, g) in enumerate(zip(expected, got)):
            if not np.array_equal(e, g):
                diff = int(np.max(np.abs(e.astype(np.int32) - g.astype(np.int32))))
                mismatches.append(f"input {i} output {out_index}: max diff {diff}")
    assert not mismatches, f"{len(mismatches)}/{len(samples)} not bit-exact: {mismatches[:5]}"


@pytest.mark.parametrize("model", INT8_MODELS, ids=lambda m: m.key)
def test_int8_shipped_samples_match_readme(model, models_dir, compiled):
    """The known outputs of the models' README, reproduced by the generated C."""
    c_model = compiled(model.path(models_dir))
    for sample in model.samples(models_dir):
        (out,) = c_model.run(sample.inputs)
        if sample.expected is not None:
            flat = out.reshape(-1)[: sample.expected.size].astype(np.float64)
            assert np.max(np.abs(flat - sample.expected)) <= sample.atol, sample.name
        if sample.argmax is not None:
            assert int(np.argmax(out)) == sample.argmax, sample.name


@pytest.mark.parametrize("model", FLOAT_MODELS, ids=lambda m: m.key)
def test_float_within_tolerance_of_litert(model, models_dir, compiled):
    path = model.path(models_dir)
    c_model = compiled(path)
    samples = [s.inputs for s in model.samples(models_dir)]
    count = RANDOM_INPUTS if model.kind == HYBRID else 5  # hybrid: run-time quantization
    samples += random_inputs(path, count, seed=99, float_range=model.float_range)
    worst = 0.0
    for inputs in samples:
        expected = run_litert_ref(path, inputs)
        got = c_model.run(inputs)
        for e, g in zip(expected, got):
            error = float(np.max(np.abs(e.astype(np.float64) - g)))
            bound = float_tolerance(e)
            worst = max(worst, error / bound)
            assert error <= bound, f"max abs error {error:.3g} > {bound:.3g}"
    assert worst <= 1.0
