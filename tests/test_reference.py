"""The reference runners reproduce the outputs listed in the shared models' README."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from shared_models import (
    FLOAT,
    HYBRID,
    INT8,
    SHARED_BY_KEY,
    SHARED_MODELS,
    input_specs,
    random_inputs,
)

from stai.errors import StaiError
from stai.tools.reference import run_litert_ref, run_tflm, run_tflm_many, tflm_arena_bytes

SAMPLED_INT8 = [
    m.key
    for m in SHARED_MODELS
    if m.kind == INT8 and m.key in ("kws_int8", "ad_int8", "hello_world_int8", "micro_speech_int8")
]
SAMPLED_FLOAT = ["kws_hybrid", "ad_float", "hello_world_float"]


def _check_sample(outputs: list[np.ndarray], expected: np.ndarray, atol: float) -> None:
    """The leading values of the only output equal `expected` within `atol`."""
    assert len(outputs) == 1
    got = outputs[0].ravel()[: expected.size]
    if atol == 0.0:
        np.testing.assert_array_equal(got, expected)
    else:
        np.testing.assert_allclose(got.astype(np.float64), expected, rtol=0, atol=atol)


@pytest.mark.parametrize("key", SAMPLED_INT8)
def test_tflm_reproduces_int8_samples(models_dir: Path, key: str) -> None:
    model = SHARED_BY_KEY[key]
    samples = model.samples(models_dir)
    assert samples, f"{key} has no samples"
    for sample in samples:
        outputs = run_tflm(model.path(models_dir), sample.inputs)
        assert outputs[0].dtype == np.int8
        _check_sample(outputs, sample.expected, 0.0)
        if sample.argmax is not None:
            assert int(np.argmax(outputs[0])) == sample.argmax, sample.name


@pytest.mark.parametrize("key", SAMPLED_INT8)
def test_litert_ref_matches_int8_samples(models_dir: Path, key: str) -> None:
    """LiteRT-ref agrees with TFLM, exactly except on AD (documented: up to 2 LSB)."""
    model = SHARED_BY_KEY[key]
    atol = 2 if key == "ad_int8" else 0
    for sample in model.samples(models_dir):
        outputs = run_litert_ref(model.path(models_dir), sample.inputs)
        got = outputs[0].ravel()[: sample.expected.size].astype(np.int32)
        assert np.max(np.abs(got - sample.expected.astype(np.int32))) <= atol, sample.name


def test_kws_sample_is_class_5_saturated(models_dir: Path) -> None:
    model = SHARED_BY_KEY["kws_int8"]
    (sample,) = model.samples(models_dir)
    (out,) = run_tflm(model.path(models_dir), sample.inputs)
    assert out.shape == (1, 12)
    assert out[0, 5] == 127 and np.all(np.delete(out[0], 5) == -128)


@pytest.mark.parametrize("key", SAMPLED_FLOAT)
def test_litert_ref_reproduces_float_samples(models_dir: Path, key: str) -> None:
    model = SHARED_BY_KEY[key]
    for sample in model.samples(models_dir):
        outputs = run_litert_ref(model.path(models_dir), sample.inputs)
        assert outputs[0].dtype == np.float32
        _check_sample(outputs, sample.expected, sample.atol)
        if sample.argmax is not None:
            assert int(np.argmax(outputs[0])) == sample.argmax


def test_tflm_runs_hello_world_float(models_dir: Path) -> None:
    """TFLM's float kernels agree with LiteRT-ref on a pure float model."""
    path = SHARED_BY_KEY["hello_world_float"].path(models_dir)
    for sample in SHARED_BY_KEY["hello_world_float"].samples(models_dir):
        (a,) = run_tflm(path, sample.inputs)
        (b,) = run_litert_ref(path, sample.inputs)
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-5)


def test_tflm_refuses_hybrid_model(models_dir: Path) -> None:
    model = SHARED_BY_KEY["kws_hybrid"]
    (sample,) = model.samples(models_dir)
    with pytest.raises(StaiError) as info:
        run_tflm(model.path(models_dir), sample.inputs)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize("model", SHARED_MODELS, ids=[m.key for m in SHARED_MODELS])
def test_every_shared_model_is_present_and_kind_matches(models_dir: Path, model) -> None:
    path = model.path(models_dir)
    assert path.is_file(), path
    dtypes = {dtype for _, dtype in input_specs(path)}
    assert dtypes == ({np.dtype(np.int8)} if model.kind == INT8 else {np.dtype(np.float32)})
    assert model.kind in (INT8, FLOAT, HYBRID)


@pytest.mark.parametrize("key", ["ic_int8", "vww_int8", "micro_speech_int8"])
def test_tflm_and_litert_agree_on_random_int8_inputs(models_dir: Path, key: str) -> None:
    """The README reports identical outputs on random inputs for these int8 models."""
    path = SHARED_BY_KEY[key].path(models_dir)
    for inputs in random_inputs(path, 2, seed=1):
        (a,) = run_tflm(path, inputs)
        (b,) = run_litert_ref(path, inputs)
        np.testing.assert_array_equal(a, b)


def test_random_inputs_are_seeded_and_typed(models_dir: Path) -> None:
    path = SHARED_BY_KEY["kws_int8"].path(models_dir)
    first = random_inputs(path, 3, seed=7)
    again = random_inputs(path, 3, seed=7)
    assert len(first) == 3
    for a, b in zip(first, again):
        assert a[0].dtype == np.int8 and a[0].shape == (1, 49, 10, 1)
        np.testing.assert_array_equal(a[0], b[0])
    values = np.concatenate([s[0].ravel() for s in first])
    assert values.min() < -100 and values.max() > 100
    fpath = SHARED_BY_KEY["vww_float"].path(models_dir)
    (fsample,) = random_inputs(fpath, 1, float_range=(0.0, 1.0))
    assert fsample[0].dtype == np.float32 and 0.0 <= fsample[0].min() <= fsample[0].max() <= 1.0


def test_arena_bytes_is_positive_and_grows_with_model(models_dir: Path) -> None:
    small = tflm_arena_bytes(SHARED_BY_KEY["hello_world_int8"].path(models_dir))
    large = tflm_arena_bytes(SHARED_BY_KEY["kws_int8"].path(models_dir))
    assert 0 < small < large


def test_bad_inputs_raise_one_line_stai_error(models_dir: Path, tmp_path: Path) -> None:
    path = SHARED_BY_KEY["hello_world_int8"].path(models_dir)
    cases = [
        (path, [np.zeros((1, 1), np.float32)]),
        (path, [np.zeros((1, 2), np.int8)]),
        (path, []),
        (tmp_path / "missing.tflite", [np.zeros((1, 1), np.int8)]),
    ]
    for model, inputs in cases:
        for runner in (run_tflm, run_litert_ref):
            with pytest.raises(StaiError) as info:
                runner(model, inputs)
            assert "\n" not in str(info.value)


def test_run_tflm_many_equals_one_by_one(models_dir: Path) -> None:
    model = SHARED_BY_KEY["micro_speech_int8"]
    path = model.path(models_dir)
    samples = model.samples(models_dir)
    batch = run_tflm_many(path, [s.inputs for s in samples])
    assert len(batch) == len(samples)
    for sample, outputs in zip(samples, batch):
        np.testing.assert_array_equal(outputs[0], run_tflm(path, sample.inputs)[0])
        np.testing.assert_array_equal(outputs[0].ravel(), sample.expected)


@pytest.mark.parametrize(
    ("runner", "package", "module"),
    [
        (run_tflm, "tflite-micro", "tflite_micro"),
        (run_litert_ref, "ai-edge-litert", "ai_edge_litert"),
    ],
)
def test_missing_package_names_the_extra(
    models_dir: Path, monkeypatch: pytest.MonkeyPatch, runner, package: str, module: str
) -> None:
    import sys

    for name in [m for m in sys.modules if m == module or m.startswith(module + ".")]:
        monkeypatch.setitem(sys.modules, name, None)
    monkeypatch.setitem(sys.modules, module, None)
    path = SHARED_BY_KEY["hello_world_int8"].path(models_dir)
    with pytest.raises(StaiError) as info:
        runner(path, [np.zeros((1, 1), np.int8)])
    message = str(info.value)
    assert "stai[tflite]" in message and package in message and "\n" not in message


def test_tflm_runs_a_small_model_with_large_activations(tmp_path: Path) -> None:
    """A one-operator model of a few hundred bytes whose tensors need 64 KB: TFLite Micro's
    default arena (ten times the model's bytes) is too small, the reference retries with
    larger ones."""
    from opmodels import INT8, OpSpec, _tf_fn, convert

    spec = OpSpec(
        "big_add", ((1, 64, 64, 8),), _tf_fn(lambda tf: lambda x: x + 1.0), ("ADD",), "ADD"
    )
    path = convert(spec, INT8, tmp_path / "big_add.tflite")
    assert path.stat().st_size * 10 < 64 * 64 * 8 * 2
    x = np.arange(64 * 64 * 8, dtype=np.int64).reshape(1, 64, 64, 8) % 256 - 128
    (y,) = run_tflm(path, [x.astype(np.int8)])
    assert y.shape == (1, 64, 64, 8) and y.dtype == np.int8
    assert len(np.unique(y)) > 100
