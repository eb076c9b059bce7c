"""The recurrent float kernels (``stai_gru_f32`` with ``linear_before_reset`` 0 and 1 and an
initial state, ``stai_rnn_f32``, ``stai_lstm_cell_state_f32``) built with -Werror and run
clean under address and undefined-behaviour sanitizers, with the outputs of
``model.predict``."""

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
    k.utils.set_random_seed(6)
    x = k.Input((6, 4))
    h0 = k.Input((5,))
    y = L.GRU(5, return_sequences=True, reset_after=False)(x, initial_state=h0)
    y = L.SimpleRNN(4, return_sequences=True, activation="relu")(y)
    y = L.GRU(4, return_sequences=True)(y)
    _, h, c = L.LSTM(3, return_state=True)(y)
    return k.Model([x, h0], L.Dense(2)(L.Concatenate()([h, c])))


def test_recurrent_kernels_run_clean_under_sanitizers(tmp_path: Path) -> None:
    model = _model()
    path = tmp_path / "m.keras"
    model.save(path)
    folder = tmp_path / "gen"
    generate(path, folder)
    code = (folder / "network.c").read_text()
    for kernel in ("stai_gru_f32", "stai_rnn_f32", "stai_lstm_f32", "stai_lstm_cell_state_f32"):
        assert f"{kernel}(" in code
    stdout = run_sanitized(folder, FLOAT_HARNESS, tmp_path)
    got = np.array([float(v) for v in stdout.split()], dtype=np.float32)
    inputs = float_pattern_inputs([(1, *t.shape[1:]) for t in model.inputs])
    expected = np.asarray(model.predict(inputs, verbose=0)).reshape(-1)
    assert got.shape == expected.shape
    assert np.max(np.abs(got - expected)) <= float_tolerance(expected)
