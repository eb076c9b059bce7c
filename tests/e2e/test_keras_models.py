"""Keras models built by the tests, compiled by stai and run as C: every output matches
``model.predict`` within 1e-4 x max(1, max |ref|), through ``.keras`` and ``.h5`` files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from conftest import float_tolerance
from keras_models import KERAS_MODELS, build, random_inputs, save_keras2

from stai.tools.reference import run_keras


@pytest.fixture(scope="session")
def keras_files(tmp_path_factory: pytest.TempPathFactory):
    """``keras_files(name, suffix) -> (model, path)``: built once, saved once per suffix."""
    root = tmp_path_factory.mktemp("keras")
    models: dict[str, Any] = {}
    paths: dict[tuple[str, str], Path] = {}

    def get(name: str, suffix: str = ".keras") -> tuple[Any, Path]:
        if name not in models:
            models[name] = build(name)
        key = (name, suffix)
        if key not in paths:
            paths[key] = root / f"{name}{suffix}"
            models[name].save(paths[key])
        return models[name], paths[key]

    return get


def _predict(model: Any, inputs: list[np.ndarray]) -> list[np.ndarray]:
    out = model.predict(inputs if len(inputs) > 1 else inputs[0], verbose=0)
    return list(out) if isinstance(out, list | tuple) else [out]


def _check(expected: list[np.ndarray], got: list[np.ndarray]) -> float:
    """Assert every output within tolerance; the largest error relative to the bound."""
    assert len(expected) == len(got)
    worst = 0.0
    for i, (e, g) in enumerate(zip(expected, got)):
        assert e.shape == g.shape, f"output {i}: shape {g.shape}, Keras {e.shape}"
        error = float(np.max(np.abs(e - g)))
        assert error <= float_tolerance(e), f"output {i}: max error {error}"
        worst = max(worst, error / max(1.0, float(np.max(np.abs(e)))))
    return worst


@pytest.mark.parametrize("name", sorted(KERAS_MODELS))
def test_keras_model_matches_predict(name, keras_files, compiled):
    model, path = keras_files(name)
    c_model = compiled(path)
    for inputs in random_inputs(model, 3, seed=11):
        _check(_predict(model, inputs), c_model.run(inputs))


@pytest.mark.parametrize("name", ["sequential_cnn", "nested", "lstm"])
def test_h5_model_matches_reference(name, keras_files, compiled):
    """The legacy HDF5 format, against the `run_keras` reference (which loads the file)."""
    model, path = keras_files(name, ".h5")
    c_model = compiled(path)
    (inputs,) = random_inputs(model, 1, seed=5)
    expected = run_keras(path, inputs)
    _check(expected, c_model.run(inputs))
    _check(_predict(model, inputs), expected)


def test_outputs_keep_their_order(keras_files, compiled):
    """A model with several outputs returns them in Keras' order."""
    model, path = keras_files("activations")
    c_model = compiled(path)
    (inputs,) = random_inputs(model, 1, seed=3)
    got = c_model.run(inputs)
    assert [g.shape for g in got] == [(1, 96), (1, 72), (1, 12)]
    _check(_predict(model, inputs), got)


@pytest.mark.parametrize("suffix", [".h5", ".keras"])
@pytest.mark.parametrize("name", ["ds_cnn", "sequential_cnn", "nested", "lstm"])
def test_keras2_file_matches_predict(name, suffix, tmp_path, compiled):
    """Files in Keras 2's formats (tf.keras 2.x ``.h5``, tf_keras ``.keras``: ``groups``
    on depthwise and separable convolutions, ``time_major`` on LSTMs, nested models'
    node numbers, ...) load, compile and match the model they were saved from."""
    model = build(name)
    path = tmp_path / f"{name}{suffix}"
    save_keras2(model, path)
    c_model = compiled(path)
    for inputs in random_inputs(model, 2, seed=7):
        expected = _predict(model, inputs)
        _check(expected, c_model.run(inputs))
        _check(expected, run_keras(path, inputs))
