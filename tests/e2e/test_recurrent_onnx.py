"""ONNX recurrent operators compiled by stai and run as C: GRU (``linear_before_reset`` 0
and 1, initial state as a graph input, a constant or none, outputs ``Y`` / ``Y_h``), RNN
(tanh, relu), LSTM with ``Y``, ``Y_h`` and ``Y_c``, in graphs written with onnx's helper
and compared with onnxruntime; and torch's exports (``torch.onnx.export`` of ``nn.GRU``,
``nn.RNN``, ``nn.LSTM`` with ``batch_first=True``: the last-step Gather, the states as
outputs, an initial state as an input) compared with torch. Float within 1e-4 x
max(1, max |reference|)."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import numpy as np
import onnx
import pytest
from conftest import float_tolerance
from exporter_models import compare, torch_onnx
from onnx import numpy_helper
from onnx_recurrent_graphs import (
    Sizes,
    assert_outputs_close,
    check_against_onnxruntime,
    recurrent_graph,
)

from stai.compiler.driver import generate, import_model
from stai.errors import StaiError
from stai.runtime.runner import CModel

STEPS, BATCH, FEATURES, UNITS = SIZES = Sizes(6, 2, 5, 4)


def _graph(op: str, outputs: tuple[str, ...], initial: str = "none", **kw: Any) -> onnx.ModelProto:
    """One forward ``op`` node (``recurrent_graph``) of this file's sizes."""
    return recurrent_graph(SIZES, op, outputs, initial, **kw)


CASES: dict[str, dict[str, Any]] = {
    "gru_lbr0_both": dict(op="GRU", outputs=("Y", "Y_h"), linear_before_reset=0),
    "gru_lbr1_both": dict(op="GRU", outputs=("Y", "Y_h"), linear_before_reset=1),
    "gru_lbr0_last_input_h0": dict(op="GRU", outputs=("Y_h",), initial="input"),
    "gru_lbr1_seq_const_h0": dict(op="GRU", outputs=("Y",), initial="const", linear_before_reset=1),
    "gru_batch_major": dict(
        op="GRU", outputs=("Y", "Y_h"), initial="input", layout=1, linear_before_reset=1
    ),
    "rnn_tanh_both_input_h0": dict(op="RNN", outputs=("Y", "Y_h"), initial="input"),
    "rnn_relu_last": dict(op="RNN", outputs=("Y_h",), activations=["Relu"]),
    "lstm_all_outputs": dict(op="LSTM", outputs=("Y", "Y_h", "Y_c")),
    "lstm_cell_state_only": dict(op="LSTM", outputs=("Y_c",)),
    "lstm_states_batch_major": dict(op="LSTM", outputs=("Y", "Y_h", "Y_c"), layout=1),
}
"""Name -> the arguments of ``_graph``."""


@pytest.mark.parametrize("name", list(CASES))
def test_onnx_recurrent_matches_onnxruntime(name: str, tmp_path: Path):
    check_against_onnxruntime(_graph, CASES[name], tmp_path, name, float_tolerance)


def test_y_h_is_the_last_step_of_y_when_both_are_read(tmp_path: Path):
    """One layer computes both outputs; Y_h is a slice of Y."""
    path = tmp_path / "gru.onnx"
    onnx.save(_graph(**CASES["gru_lbr1_both"]), path)
    names = [op.name for op in import_model(path).walk()]
    assert names.count("nn.gru") == 1 and "nn.strided_slice" in names


def test_lstm_outputs_run_one_layer_each(tmp_path: Path):
    path = tmp_path / "lstm.onnx"
    onnx.save(_graph(**CASES["lstm_all_outputs"]), path)
    names = [op.name for op in import_model(path).walk()]
    assert names.count("nn.lstm") == 1 and names.count("nn.lstm_cell_state") == 1


def test_zero_initial_state_is_dropped(tmp_path: Path):
    model = _graph("GRU", ("Y_h",), "const")
    h0 = next(i for i in model.graph.initializer if i.name == "h0")
    h0.CopyFrom(numpy_helper.from_array(np.zeros((1, BATCH, UNITS), np.float32), "h0"))
    path = tmp_path / "gru0.onnx"
    onnx.save(model, path)
    (gru,) = [op for op in import_model(path).walk() if op.name == "nn.gru"]
    assert len(gru.operands) == 5


@pytest.mark.parametrize(
    ("op", "attrs", "message"),
    [
        ("GRU", {"direction": "bidirectional", "weight_dirs": 1}, r"W and R must be \[2, "),
        ("RNN", {"activations": ["Elu"]}, "activation 'elu' is not supported"),
        ("GRU", {"activations": ["HardSigmoid", "Tanh"]}, "activations .* are not supported"),
        ("RNN", {"clip": 3.0}, "clip is not supported"),
    ],
)
def test_unsupported_attributes_are_one_line_errors(op, attrs, message, tmp_path: Path):
    path = tmp_path / "bad.onnx"
    onnx.save(_graph(op, ("Y",), **attrs), path)
    with pytest.raises(StaiError, match=message) as info:
        import_model(path)
    assert "\n" not in str(info.value)


# ------------------------------------------------------------------ torch exports


@pytest.mark.parametrize(
    ("opset", "dynamo"), [(13, False), (17, False), (18, True)], ids=["ts13", "ts17", "dynamo18"]
)
def test_torch_gru_last_step(opset: int, dynamo: bool, tmp_path: Path):
    """``nn.GRU(batch_first=True)``, ``out[:, -1, :]``, a linear layer."""
    built = torch_onnx("gru_last_step", tmp_path, opset, dynamo)
    ops = [n.op_type for n in onnx.load(built.path).graph.node]
    assert "GRU" in ops and "Gather" in ops
    generate(built.path, tmp_path / "c")
    model = CModel(tmp_path / "c")
    errors = compare(built, [model.run(x) for x in built.inputs])
    assert errors.relative <= 1e-4, errors


def _torch_states_model(cell: str) -> Any:
    import torch

    class States(torch.nn.Module):
        """A batch-first recurrent layer from a given initial state (LSTM: from zeros),
        returning its whole output and its last states."""

        def __init__(self) -> None:
            super().__init__()
            layer = {"gru": torch.nn.GRU, "rnn": torch.nn.RNN, "lstm": torch.nn.LSTM}[cell]
            self.layer = layer(FEATURES, UNITS, batch_first=True)

        def forward(self, x: Any, h0: Any) -> Any:
            if cell == "lstm":
                out, (h, c) = self.layer(x)
                return out, h, c + h0
            out, h = self.layer(x, h0)
            return out, h

    torch.manual_seed(5)
    return States().eval()


@pytest.mark.parametrize("cell", ["gru", "rnn", "lstm"])
def test_torch_states_and_initial_state(cell: str, tmp_path: Path):
    import torch

    module = _torch_states_model(cell)
    rng = np.random.default_rng(8)
    x = rng.standard_normal((BATCH, STEPS, FEATURES)).astype(np.float32)
    h0 = rng.standard_normal((1, BATCH, UNITS)).astype(np.float32)
    path = tmp_path / f"{cell}.onnx"
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            module, (torch.from_numpy(x), torch.from_numpy(h0)), str(path), dynamo=False,
            opset_version=17, input_names=["x", "h0"],
        )  # fmt: skip
        expected = [t.numpy() for t in module(torch.from_numpy(x), torch.from_numpy(h0))]
    assert cell.upper() in [n.op_type for n in onnx.load(path).graph.node]
    generate(path, tmp_path / "c")
    assert_outputs_close(expected, CModel(tmp_path / "c").run([x, h0]), float_tolerance)
