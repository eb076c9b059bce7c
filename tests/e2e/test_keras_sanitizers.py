"""The float kernels the Keras frontend added (LSTM with its scratch state, swish, PReLU,
hard sigmoid) built with -Werror and run clean under address and undefined-behaviour
sanitizers, with the outputs of ``model.predict``."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from conftest import float_tolerance
from keras_models import keras
from sanitized_build import FLOAT_HARNESS, float_pattern_inputs, run_sanitized

from stai.compiler.driver import generate


def _model():
    k = keras()
    L = k.layers
    k.utils.set_random_seed(4)
    model = k.Sequential(
        [
            k.Input((6, 4)),
            L.LSTM(5, return_sequences=True),
            L.Activation("swish"),
            L.PReLU(alpha_initializer=k.initializers.Constant(0.25)),
            L.Activation("hard_sigmoid"),
            L.LSTM(3),
            L.Dense(2),
        ]
    )
    return model


def test_keras_kernels_run_clean_under_sanitizers(tmp_path: Path) -> None:
    model = _model()
    path = tmp_path / "m.keras"
    model.save(path)
    folder = tmp_path / "gen"
    generate(path, folder)
    called = " ".join(p.name for p in (folder / "src").glob("*.c"))
    for kernel in ("stai_lstm_f32", "stai_swish_f32", "stai_prelu_f32", "stai_hard_sigmoid_f32"):
        assert kernel in called
    stdout = run_sanitized(folder, FLOAT_HARNESS, tmp_path)
    got = np.array([float(v) for v in stdout.split()], dtype=np.float32)
    expected = model.predict(float_pattern_inputs([(1, 6, 4)]), verbose=0).reshape(-1)
    assert got.shape == expected.shape
    assert np.max(np.abs(got - expected)) <= float_tolerance(expected)
