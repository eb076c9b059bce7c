"""UNIDIRECTIONAL_SEQUENCE_LSTM (float) as TensorFlow's converter writes a Keras 2 LSTM,
compiled to stai's float LSTM kernel, against TFLite Micro (reset before each sequence:
its states start at zero, as a stateless Keras LSTM's) and LiteRT's reference kernels."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from stai.compiler.driver import generate
from stai.errors import StaiError
from stai.runtime.runner import CModel
from stai.tools.reference import run_litert_ref


def _keras_lstm(path: Path, steps: int, features: int, units: int, sequences: bool) -> Path:
    import tensorflow as tf
    import tf_keras

    tf_keras.utils.set_random_seed(3)
    inp = tf_keras.Input(shape=(steps, features), batch_size=1)
    y = tf_keras.layers.LSTM(units, return_sequences=sequences)(inp)
    model = tf_keras.Model(inp, y)
    path.write_bytes(tf.lite.TFLiteConverter.from_keras_model(model).convert())
    return path


def _ops(path: Path) -> list[str]:
    from stai.frontends.tflite.reader import read_model

    return [op.opcode for op in read_model(path.read_bytes(), path.name).operators]


@pytest.mark.parametrize("sequences", [True, False])
def test_sequence_lstm_matches_tflm(sequences, tmp_path):
    path = _keras_lstm(tmp_path / "lstm.tflite", 7, 5, 6, sequences)
    assert "UNIDIRECTIONAL_SEQUENCE_LSTM" in _ops(path)
    generate(path, tmp_path / "gen")
    c_model = CModel(tmp_path / "gen")
    from tflite_micro.python.tflite_micro import runtime

    interp = runtime.Interpreter.from_bytes(path.read_bytes())
    rng = np.random.default_rng(2)
    for k in range(4):
        x = rng.uniform(-1.5, 1.5, (1, 7, 5)).astype(np.float32)
        (got,) = c_model.run([x])
        interp.reset()
        interp.set_input(x, 0)
        interp.invoke()
        want = interp.get_output(0)
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=2e-6, err_msg=f"sequence {k}")
        (lite,) = run_litert_ref(path, [x])
        np.testing.assert_allclose(got, lite, rtol=1e-5, atol=2e-6)


def test_a_short_cell_clip_is_refused(tmp_path):
    """The converter's cell clip (10) is exact over at most 10 steps; longer is refused."""
    path = _keras_lstm(tmp_path / "long.tflite", 12, 3, 4, True)
    with pytest.raises(StaiError, match="cell clip of 10.0 over 12 steps") as info:
        generate(path, tmp_path / "gen")
    assert "\n" not in str(info.value)
