"""ONNX LSTM, GRU and RNN in the ``reverse`` and ``bidirectional`` directions, compiled by
stai and run as C: graphs written with onnx's helper (every output ``Y``, ``Y_h``,
``Y_c``; an ``initial_h`` as a graph input or a constant; layout 0 and 1; an RNN with
another activation per direction) compared with onnxruntime, and torch's exports of a
bidirectional ``nn.RNN`` and ``nn.GRU`` with their states compared with torch. Float
within 1e-4 x max(1, max |reference|)."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import numpy as np
import onnx
import pytest
from conftest import float_tolerance
from onnx import helper
from onnx_recurrent_graphs import (
    Sizes,
    assert_outputs_close,
    check_against_onnxruntime,
    recurrent_graph,
)

from stai.compiler.driver import generate, import_model
from stai.dialects import nn
from stai.errors import StaiError
from stai.runtime.runner import CModel

STEPS, BATCH, FEATURES, UNITS = SIZES = Sizes(5, 2, 3, 4)


def _graph(
    op: str, direction: str, outputs: tuple[str, ...], initial: str = "none", **kw: Any
) -> onnx.ModelProto:
    """One ``op`` node in ``direction`` (``recurrent_graph``) of this file's sizes."""
    return recurrent_graph(SIZES, op, outputs, initial, direction=direction, **kw)


CASES: dict[str, dict[str, Any]] = {
    "gru_reverse_input_h0": dict(op="GRU", direction="reverse", outputs=("Y", "Y_h"), initial="input"),
    "gru_reverse_const_h0_layout1": dict(
        op="GRU", direction="reverse", outputs=("Y", "Y_h"), initial="const", layout=1,
        linear_before_reset=1,
    ),
    "rnn_reverse_relu_last": dict(
        op="RNN", direction="reverse", outputs=("Y_h",), initial="const", activations=["Relu"]
    ),
    "lstm_reverse_all": dict(op="LSTM", direction="reverse", outputs=("Y", "Y_h", "Y_c")),
    "lstm_reverse_layout1": dict(
        op="LSTM", direction="reverse", outputs=("Y", "Y_h", "Y_c"), layout=1
    ),
    "gru_bidirectional_input_h0": dict(
        op="GRU", direction="bidirectional", outputs=("Y", "Y_h"), initial="input"
    ),
    "gru_bidirectional_half_h0_layout1": dict(
        op="GRU", direction="bidirectional", outputs=("Y", "Y_h"), initial="half", layout=1,
        linear_before_reset=1,
    ),
    "rnn_bidirectional_tanh_relu": dict(
        op="RNN", direction="bidirectional", outputs=("Y", "Y_h"), initial="input",
        activations=["Tanh", "Relu"],
    ),
    "rnn_bidirectional_last_layout1": dict(
        op="RNN", direction="bidirectional", outputs=("Y_h",), initial="input", layout=1
    ),
    "lstm_bidirectional_all": dict(op="LSTM", direction="bidirectional", outputs=("Y", "Y_h", "Y_c")),
    "lstm_bidirectional_all_layout1": dict(
        op="LSTM", direction="bidirectional", outputs=("Y", "Y_h", "Y_c"), layout=1
    ),
    "lstm_bidirectional_cell_state": dict(op="LSTM", direction="bidirectional", outputs=("Y_c",)),
}  # fmt: skip
"""Name -> the arguments of ``_graph``."""


@pytest.mark.parametrize("name", list(CASES))
def test_onnx_recurrent_direction_matches_onnxruntime(name: str, tmp_path: Path):
    check_against_onnxruntime(_graph, CASES[name], tmp_path, name, float_tolerance)


def _save(model: onnx.ModelProto, tmp_path: Path) -> Path:
    path = tmp_path / "m.onnx"
    onnx.save(model, path)
    return path


def test_bidirectional_runs_one_layer_per_direction_over_the_reversed_input(tmp_path: Path):
    """Two ``nn.lstm`` and two ``nn.lstm_cell_state``; the input is reversed once for the
    backward direction and its sequence reversed back."""
    path = _save(_graph("LSTM", "bidirectional", ("Y", "Y_h", "Y_c")), tmp_path)
    ops = list(import_model(path).walk())
    names = [op.name for op in ops]
    assert names.count("nn.lstm") == 2 and names.count("nn.lstm_cell_state") == 2
    reversals = [
        op for op in ops if isinstance(op, nn.StridedSliceOp) and -1 in op.strides.get_values()
    ]
    assert len(reversals) == 2


def test_a_zero_initial_state_of_one_direction_is_dropped(tmp_path: Path):
    path = _save(_graph("GRU", "bidirectional", ("Y",), "half"), tmp_path)
    grus = [op for op in import_model(path).walk() if op.name == "nn.gru"]
    assert [len(op.operands) for op in grus] == [5, 6]


@pytest.mark.parametrize(
    ("op", "direction", "attrs", "message"),
    [
        ("GRU", "bidirectional", {"weight_dirs": 1}, r"W and R must be \[2, "),
        ("LSTM", "reverse", {"weight_dirs": 2}, r"W and R must be \[1, "),
        ("GRU", "sideways", {"weight_dirs": 1}, "direction 'sideways' is not forward, reverse"),
        ("RNN", "bidirectional", {"activations": ["Tanh"]}, "one per direction"),
        ("GRU", "bidirectional", {"activations": ["Sigmoid", "Tanh"]}, "are not supported"),
    ],
)
def test_bad_directions_are_one_line_errors(op, direction, attrs, message, tmp_path: Path):
    path = _save(_graph(op, direction, ("Y",), **attrs), tmp_path)
    with pytest.raises(StaiError, match=message) as info:
        import_model(path)
    assert "\n" not in str(info.value)


# ------------------------------------------------------------------ torch exports


def _torch_states_model(cell: str, layers: int) -> Any:
    import torch

    class States(torch.nn.Module):
        """A batch-first bidirectional recurrent layer stack from a given initial state,
        returning its whole output and its last states."""

        def __init__(self) -> None:
            super().__init__()
            layer = {"gru": torch.nn.GRU, "rnn": torch.nn.RNN}[cell]
            self.layer = layer(
                FEATURES, UNITS, num_layers=layers, batch_first=True, bidirectional=True
            )

        def forward(self, x: Any, h0: Any) -> Any:
            return self.layer(x, h0)

    torch.manual_seed(5)
    return States().eval()


@pytest.mark.parametrize(("cell", "layers"), [("rnn", 2), ("gru", 1)])
@pytest.mark.parametrize("opset", [13, 17])
def test_torch_bidirectional_states_and_initial_state(
    cell: str, layers: int, opset: int, tmp_path: Path
):
    import torch

    module = _torch_states_model(cell, layers)
    rng = np.random.default_rng(8)
    x = rng.standard_normal((BATCH, STEPS, FEATURES)).astype(np.float32)
    h0 = rng.standard_normal((2 * layers, BATCH, UNITS)).astype(np.float32)
    path = tmp_path / f"{cell}.onnx"
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            module, (torch.from_numpy(x), torch.from_numpy(h0)), str(path), dynamo=False,
            opset_version=opset, input_names=["x", "h0"],
        )  # fmt: skip
        expected = [t.numpy() for t in module(torch.from_numpy(x), torch.from_numpy(h0))]
    nodes = [n for n in onnx.load(path).graph.node if n.op_type == cell.upper()]
    assert len(nodes) == layers
    assert all(
        helper.get_attribute_value(a) == b"bidirectional"
        for n in nodes
        for a in n.attribute
        if a.name == "direction"
    )
    generate(path, tmp_path / "c")
    assert_outputs_close(expected, CModel(tmp_path / "c").run([x, h0]), float_tolerance)
