"""Keras 3 recurrent layers (GRU with ``reset_after`` both ways, SimpleRNN, LSTM, and
Bidirectional around each with every merge mode), built here with random weights, saved
as ``.keras``, compiled by stai and run as C against TensorFlow: every output within
1e-4 x max(1, max |reference|)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from conftest import float_tolerance
from keras_models import keras

from stai.compiler.driver import import_model
from stai.errors import StaiError
from stai.tools.reference import run_keras

STEPS, FEATURES = 7, 5


def _sequence_input(k: Any) -> Any:
    return k.Input((STEPS, FEATURES), name="x")


def _gru_stack(reset_after: bool) -> Callable[[], Any]:
    def build() -> Any:
        k = keras()
        x = _sequence_input(k)
        y = k.layers.GRU(6, return_sequences=True, reset_after=reset_after, name="gru_seq")(x)
        y = k.layers.GRU(4, reset_after=reset_after, name="gru_last")(y)
        return k.Model(x, k.layers.Dense(3, name="head")(y))

    return build


def _simple_rnn() -> Any:
    k = keras()
    x = _sequence_input(k)
    y = k.layers.SimpleRNN(6, return_sequences=True, name="rnn_seq")(x)
    y = k.layers.SimpleRNN(4, activation="relu", name="rnn_relu")(y)
    return k.Model(x, y)


def _backwards_and_states() -> Any:
    """go_backwards (sequence kept reversed, as Keras gives it) and return_state."""
    k = keras()
    x = _sequence_input(k)
    seq = k.layers.GRU(5, return_sequences=True, go_backwards=True, name="gru_back")(x)
    out, h = k.layers.GRU(4, return_sequences=True, return_state=True, name="gru_state")(seq)
    last, h2, c = k.layers.LSTM(3, return_state=True, name="lstm_state")(out)
    return k.Model(x, [out, h, last, h2, c])


def _initial_state() -> Any:
    """A GRU and a SimpleRNN starting from a state given as a model input."""
    k = keras()
    x = _sequence_input(k)
    h0 = k.Input((4,), name="h0")
    y = k.layers.GRU(4, return_sequences=True, name="gru_init")(x, initial_state=h0)
    z = k.layers.SimpleRNN(4, name="rnn_init")(y, initial_state=h0)
    return k.Model([x, h0], z)


def _bidirectional(cell: str, merge: str | None, sequences: bool) -> Callable[[], Any]:
    def build() -> Any:
        k = keras()
        x = _sequence_input(k)
        layer = getattr(k.layers, cell)(5, return_sequences=sequences)
        y = k.layers.Bidirectional(layer, merge_mode=merge, name="bi")(x)
        return k.Model(x, y)

    return build


MODELS: dict[str, Callable[[], Any]] = {
    "gru_reset_after": _gru_stack(True),
    "gru_reset_before": _gru_stack(False),
    "simple_rnn": _simple_rnn,
    "backwards_and_states": _backwards_and_states,
    "initial_state": _initial_state,
    "bi_lstm_concat_seq": _bidirectional("LSTM", "concat", True),
    "bi_lstm_ave_last": _bidirectional("LSTM", "ave", False),
    "bi_gru_sum_seq": _bidirectional("GRU", "sum", True),
    "bi_gru_concat_last": _bidirectional("GRU", "concat", False),
    "bi_rnn_mul_seq": _bidirectional("SimpleRNN", "mul", True),
    "bi_rnn_ave_seq": _bidirectional("SimpleRNN", "ave", True),
    "bi_gru_none_seq": _bidirectional("GRU", None, True),
}


def _randomized(model: Any, seed: int) -> Any:
    """Every weight random (biases included: Keras starts them at zero)."""
    rng = np.random.default_rng(seed)
    model.set_weights(
        [(0.4 * rng.standard_normal(w.shape)).astype(np.float32) for w in model.get_weights()]
    )
    return model


@pytest.fixture(scope="module")
def saved(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], tuple[Any, Path]]:
    root = tmp_path_factory.mktemp("recurrent_keras")
    cache: dict[str, tuple[Any, Path]] = {}

    def get(name: str) -> tuple[Any, Path]:
        if name not in cache:
            keras().utils.set_random_seed(3)
            model = _randomized(MODELS[name](), seed=len(cache) + 7)
            path = root / f"{name}.keras"
            model.save(path)
            cache[name] = (model, path)
        return cache[name]

    return get


def _samples(model: Any, count: int, seed: int) -> list[list[np.ndarray]]:
    rng = np.random.default_rng(seed)
    return [
        [rng.standard_normal((1, *t.shape[1:])).astype(np.float32) for t in model.inputs]
        for _ in range(count)
    ]


_OPS = {
    "gru_reset_after": {"nn.gru": 2},
    "gru_reset_before": {"nn.gru": 2},
    "simple_rnn": {"nn.rnn": 2},
    "backwards_and_states": {"nn.gru": 2, "nn.lstm": 1, "nn.lstm_cell_state": 1},
    "initial_state": {"nn.gru": 1, "nn.rnn": 1},
    "bi_lstm_concat_seq": {"nn.lstm": 2},
    "bi_gru_none_seq": {"nn.gru": 2},
}


@pytest.mark.parametrize("name", list(MODELS))
def test_keras_recurrent_matches_tensorflow(name, saved, compiled):
    model, path = saved(name)
    names = [op.name for op in import_model(path).walk()]
    for op_name, count in _OPS.get(name, {}).items():
        assert names.count(op_name) == count, (op_name, names)
    c_model = compiled(path)
    for inputs in _samples(model, 3, seed=5):
        expected = run_keras(path, inputs)
        got = c_model.run(inputs)
        assert len(got) == len(expected)
        for e, g in zip(expected, got):
            assert g.shape == e.shape
            assert float(np.max(np.abs(e - g))) <= float_tolerance(e)


def test_bidirectional_keeps_both_directions_apart(saved):
    """A Bidirectional sequence: the backward half reverses the input and its output."""
    _, path = saved("bi_lstm_concat_seq")
    module = import_model(path)
    slices = [op for op in module.walk() if op.name == "nn.strided_slice"]
    assert len(slices) == 2
    assert all(tuple(op.strides.get_values())[1] == -1 for op in slices)  # type: ignore[attr-defined]


def test_stateful_gru_and_rnn_keep_their_state(tmp_path, compiled):
    """Stateful GRU and SimpleRNN: the last state is a variable of the state buffer,
    carried from run to run as Keras carries it between ``predict`` calls, until
    ``reset`` (Keras: ``reset_state``)."""
    k = keras()
    x = k.Input((5, 3), batch_size=1)
    y = k.layers.GRU(4, stateful=True, return_sequences=True, name="mem_gru")(x)
    y = k.layers.SimpleRNN(3, stateful=True, name="mem_rnn")(y)
    model = _randomized(k.Model(x, y), seed=13)
    path = tmp_path / "stateful.keras"
    model.save(path)
    names = [op.name for op in import_model(path).walk()]
    assert names.count("nn.read_variable") == 2 and names.count("nn.assign_variable") == 2
    c_model = compiled(path)
    c_model.reset()
    samples = [s[0] for s in _samples(model, 4, seed=17)]
    for i, sample in enumerate(samples):
        if i == 3:
            c_model.reset()
            for layer in model.layers:
                if getattr(layer, "stateful", False):
                    layer.reset_state()
        expected = model.predict(sample, verbose=0)
        got = c_model.run([sample])[0]
        assert float(np.max(np.abs(expected - got))) <= float_tolerance(expected)
    c_model.reset()
    from_zeros = c_model.run([samples[1]])[0]
    carried = c_model.run([samples[1]])[0]  # the same sample from the state it left
    assert float(np.max(np.abs(from_zeros - carried))) > 1e-3


def test_stateful_lstm_keeps_both_states(tmp_path, compiled):
    """A stateful LSTM (then a stateful one reading backwards): h and c carried from run to
    run in the state buffer (nn.sequence_lstm), as Keras carries them between ``predict``
    calls, until ``reset``."""
    k = keras()
    x = k.Input((5, 3), batch_size=1)
    y = k.layers.LSTM(4, stateful=True, return_sequences=True, name="mem_lstm")(x)
    y = k.layers.LSTM(3, stateful=True, go_backwards=True, name="back_lstm")(y)
    model = _randomized(k.Model(x, y), seed=19)
    path = tmp_path / "stateful_lstm.keras"
    model.save(path)
    names = [op.name for op in import_model(path).walk()]
    assert names.count("nn.sequence_lstm") == 2
    c_model = compiled(path)
    c_model.reset()
    samples = [s[0] for s in _samples(model, 4, seed=23)]
    for i, sample in enumerate(samples):
        if i == 3:
            c_model.reset()
            for layer in model.layers:
                if getattr(layer, "stateful", False):
                    layer.reset_state()
        expected = model.predict(sample, verbose=0)
        got = c_model.run([sample])[0]
        assert float(np.max(np.abs(expected - got))) <= float_tolerance(expected)
    c_model.reset()
    from_zeros = c_model.run([samples[1]])[0]
    carried = c_model.run([samples[1]])[0]
    assert float(np.max(np.abs(from_zeros - carried))) > 1e-3


def test_stateful_bidirectional_is_refused(tmp_path):
    k = keras()
    x = k.Input((5, 3), batch_size=1)
    layer = k.layers.Bidirectional(k.layers.GRU(4, stateful=True), name="bi")
    path = tmp_path / "bi.keras"
    k.Model(x, layer(x)).save(path)
    with pytest.raises(StaiError, match="stateful Bidirectional"):
        import_model(path)


def test_hard_sigmoid_gru_is_refused(tmp_path):
    k = keras()
    x = k.Input((5, 3))
    model = k.Model(x, k.layers.GRU(4, recurrent_activation="hard_sigmoid", name="g")(x))
    path = tmp_path / "hard.keras"
    model.save(path)
    with pytest.raises(StaiError, match="recurrent_activation 'hard_sigmoid'"):
        import_model(path)


@pytest.mark.parametrize("suffix", [".h5", ".keras"])
def test_keras2_files_from_tf_keras(suffix: str, tmp_path: Path, compiled):
    """A Keras 2 model (``tf_keras``) with Bidirectional GRU (``ave``), SimpleRNN and
    Bidirectional LSTM (``concat``), as ``.h5`` and ``.keras``, against ``tf_keras``."""
    import tf_keras as k2

    x = k2.Input((STEPS, FEATURES))
    y = k2.layers.Bidirectional(k2.layers.GRU(6, return_sequences=True), merge_mode="ave")(x)
    y = k2.layers.SimpleRNN(4, return_sequences=True)(y)
    y = k2.layers.Bidirectional(k2.layers.LSTM(3))(y)
    model = _randomized(k2.Model(x, k2.layers.Dense(2)(y)), seed=21)
    path = tmp_path / f"keras2{suffix}"
    model.save(path)
    c_model = compiled(path)
    for (sample,) in _samples(model, 3, seed=9):
        expected = model.predict(sample, verbose=0)
        (got,) = c_model.run([sample])
        assert got.shape == expected.shape
        assert float(np.max(np.abs(expected - got))) <= float_tolerance(expected)


def test_masked_sequences_are_detected():
    """Keras skips masked steps (Embedding ``mask_zero``, Masking); the translators refuse
    a recurrent layer that reads a masked sequence instead of computing every step."""
    from stai.frontends.keras.recurrent import masked

    k = keras()
    tokens = k.Input((6,), dtype="int32")
    masked_gru = k.layers.GRU(3)
    masked_gru(k.layers.Embedding(10, 4, mask_zero=True)(tokens))
    plain_gru = k.layers.GRU(3)
    plain_gru(_sequence_input(k))
    bi = k.layers.Bidirectional(k.layers.LSTM(2))
    bi(k.layers.Masking()(_sequence_input(k)))
    assert masked(masked_gru) and masked(bi) and not masked(plain_gru)
