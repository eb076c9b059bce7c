"""UNIDIRECTIONAL_SEQUENCE_LSTM with its hidden and cell states in the state buffer, kept
between runs as TFLite Micro keeps its variable tensors: float, int8 (int16 cell state) and
16x8, against TFLite Micro call by call (the integer kernels bit for bit), then both reset.

Models: Keras LSTMs converted by TensorFlow's converter (float, and int8 full-integer
quantization from a representative dataset), a Conv1D + LSTM audio classifier (int8), and
models written with the TFLite flatbuffer schema for what the converter does not write
(16x8, which it refuses for this operator; several batches, time-major sequences, a cell
clip that clips)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from lstm_models import convert, keras_lstm, lstm_model

from stai.compiler.driver import generate
from stai.errors import StaiError
from stai.runtime.runner import CModel
from stai.tools.reference import run_litert_ref


def _ops(path: Path) -> list[str]:
    from stai.frontends.tflite.reader import read_model

    return [op.opcode for op in read_model(path.read_bytes(), path.name).operators]


def _samples(dtype: Any, shape: tuple[int, ...], count: int, seed: int) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    if dtype == np.float32:
        return [rng.uniform(-1.5, 1.5, shape).astype(np.float32) for _ in range(count)]
    info = np.iinfo(dtype)
    return [rng.integers(info.min, info.max + 1, shape).astype(dtype) for _ in range(count)]


def _call_by_call(data: bytes, folder: Path, calls: int = 4, seed: int = 2) -> list[np.ndarray]:
    """Run the compiled model and one TFLite Micro interpreter ``calls`` times in a row
    (no reset: the states carry over), then reset both and run the first input again.
    Integer outputs must be equal, float ones within float rounding."""
    c_model = CModel(folder)
    assert c_model.has_state
    from tflite_micro.python.tflite_micro import runtime

    interp = runtime.Interpreter.from_bytes(data)
    detail = interp.get_input_details(0)
    dtype = detail["dtype"]
    xs = _samples(dtype, tuple(detail["shape"]), calls, seed)
    outputs = []
    for k, x in enumerate(xs):
        (got,) = c_model.run([x])
        interp.set_input(x, 0)
        interp.invoke()
        want = interp.get_output(0)
        if dtype == np.float32:
            np.testing.assert_allclose(got, want, rtol=1e-5, atol=2e-6, err_msg=f"call {k}")
        else:
            np.testing.assert_array_equal(got, want, err_msg=f"call {k}")
        outputs.append(got)
    c_model.reset()
    interp.reset()
    (again,) = c_model.run([xs[0]])
    np.testing.assert_array_equal(again, outputs[0])
    # The states carry over: running the same input again without a reset differs.
    (carried,) = c_model.run([xs[0]])
    assert not np.array_equal(carried, outputs[0])
    return xs


@pytest.mark.parametrize("sequences", [True, False])
def test_float_lstm_matches_tflm_call_by_call(sequences, tmp_path):
    path = keras_lstm(tmp_path / "lstm.tflite", 7, 5, 6, sequences)
    assert "UNIDIRECTIONAL_SEQUENCE_LSTM" in _ops(path)
    generate(path, tmp_path / "gen")
    xs = _call_by_call(path.read_bytes(), tmp_path / "gen")
    # LiteRT's reference kernels, from zero states (a fresh interpreter per call).
    c_model = CModel(tmp_path / "gen")
    (got,) = c_model.run([xs[1]])
    (lite,) = run_litert_ref(path, [xs[1]])
    np.testing.assert_allclose(got, lite, rtol=1e-5, atol=2e-6)


def test_float_cell_clip_over_a_long_sequence(tmp_path):
    """The converter's cell clip (10) applies from the 11th step on; TFLite Micro clips."""
    path = keras_lstm(tmp_path / "long.tflite", 16, 3, 4, True)
    generate(path, tmp_path / "gen")
    _call_by_call(path.read_bytes(), tmp_path / "gen", calls=3)


@pytest.mark.parametrize("sequences", [True, False])
def test_int8_lstm_is_bit_exact_with_tflm(sequences, tmp_path):
    """Full-integer quantization of a Keras LSTM: int8 activations and weights, int32
    biases, an int16 cell state (the converter's calibrated scale)."""
    path = keras_lstm(tmp_path / "lstm8.tflite", 6, 5, 7, sequences, int8=True)
    from stai.frontends.tflite.reader import read_model

    model = read_model(path.read_bytes(), path.name)
    (lstm,) = [op for op in model.operators if op.opcode == "UNIDIRECTIONAL_SEQUENCE_LSTM"]
    assert model.tensors[lstm.inputs[0]].type_name == "INT8"
    assert model.tensors[lstm.inputs[19]].type_name == "INT16"
    generate(path, tmp_path / "gen")
    text = (tmp_path / "gen" / "network.c").read_text()
    assert "stai_sequence_lstm_s8(" in text
    _call_by_call(path.read_bytes(), tmp_path / "gen", calls=5)


def test_conv1d_lstm_audio_model_int8(tmp_path):
    """A keyword-spotting shape: 49 frames of 10 features, Conv1D, LSTM(24), a dense
    classifier with softmax, int8 full-integer, random weights."""
    import tf_keras

    tf_keras.utils.set_random_seed(5)
    inp = tf_keras.Input(shape=(49, 10), batch_size=1)
    x = tf_keras.layers.Conv1D(16, 3, strides=2, activation="relu")(inp)
    x = tf_keras.layers.LSTM(24)(x)
    y = tf_keras.layers.Dense(12, activation="softmax")(x)
    path = tmp_path / "kws_lstm.tflite"
    path.write_bytes(convert(tf_keras.Model(inp, y), True, (1, 49, 10)))
    ops = _ops(path)
    assert "UNIDIRECTIONAL_SEQUENCE_LSTM" in ops and "CONV_2D" in ops
    generate(path, tmp_path / "gen")
    _call_by_call(path.read_bytes(), tmp_path / "gen", calls=4, seed=9)


CASES = {
    # kind, batch, steps, features, units, time major, cell clip
    "s16": ("s16", 1, 6, 5, 7, False, 0.0),
    "s16_batch2_clip": ("s16", 2, 5, 4, 6, False, 0.5),
    "s16_time_major": ("s16", 3, 4, 6, 5, True, 10.0),
    "s8_batch2_clip": ("s8", 2, 6, 5, 4, False, 0.4),
    "s8_time_major": ("s8", 2, 5, 3, 6, True, 0.0),
    "f32_time_major_clip": ("f32", 2, 6, 4, 5, True, 0.3),
}


@pytest.mark.parametrize("case", list(CASES))
def test_written_lstm_matches_tflm_call_by_call(case, tmp_path):
    kind, batch, steps, features, units, major, clip = CASES[case]
    data = lstm_model(kind, batch, steps, features, units, major, clip, seed=len(case))
    path = tmp_path / f"{case}.tflite"
    path.write_bytes(data)
    generate(path, tmp_path / "gen")
    text = (tmp_path / "gen" / "network.c").read_text()
    assert f"stai_sequence_lstm_{kind}(" in text
    _call_by_call(data, tmp_path / "gen", calls=4, seed=len(case))


def test_validate_resets_before_each_sample(tmp_path):
    """``stai validate`` resets the C model before each sample as the reference is reset:
    every sample of the int8 LSTM is bit-exact."""
    from stai.tools.validate import ValidateOptions, validate

    path = keras_lstm(tmp_path / "lstm8.tflite", 6, 5, 7, True, int8=True)
    report = validate(
        ValidateOptions(model=path, batch_size=5, seed=2, out_dir=tmp_path, progress=False)
    )
    (row,) = report.rows
    assert row.metrics.samples == 5 and row.metrics.bit_exact == 5


def test_an_int8_cell_state_is_refused(tmp_path):
    """TFLite Micro's integer LSTM needs an int16 cell state: an int8 one is a one-line
    refusal naming the types."""
    path = tmp_path / "int8_cell.tflite"
    path.write_bytes(lstm_model("s8", 1, 3, 2, 3, False, 0.0, seed=1, cell_type="INT8"))
    with pytest.raises(StaiError, match="INT8/INT8 states is not supported") as info:
        generate(path, tmp_path / "gen")
    assert "\n" not in str(info.value)
