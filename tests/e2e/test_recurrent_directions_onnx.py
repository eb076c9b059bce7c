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
from onnx import TensorProto, helper, numpy_helper

from stai.compiler.driver import generate, import_model
from stai.dialects import nn
from stai.errors import StaiError
from stai.runtime.runner import CModel
from stai.tools.reference import run_onnxruntime

STEPS, BATCH, FEATURES, UNITS = 5, 2, 3, 4
GATES = {"GRU": 3, "RNN": 1, "LSTM": 4}
DIRS = {"forward": 1, "reverse": 1, "bidirectional": 2}


def _graph(
    op: str,
    direction: str,
    outputs: tuple[str, ...],
    initial: str = "none",
    layout: int = 0,
    seed: int = 0,
    weight_dirs: int | None = None,
    **attrs: Any,
) -> onnx.ModelProto:
    """One ``op`` node over ``x`` in ``direction``; ``outputs`` among Y, Y_h, Y_c are graph
    outputs; ``initial``: ``none``, ``const`` (random), ``half`` (a constant, zero for the
    first direction) or ``input`` (the graph input ``h0``); ``weight_dirs``: how many
    directions W, R and B hold (by default, the direction's)."""
    rng = np.random.default_rng(seed)
    dirs = DIRS.get(direction, 1)
    wd = dirs if weight_dirs is None else weight_dirs
    rows = GATES[op] * UNITS
    inits = [
        numpy_helper.from_array((0.5 * rng.standard_normal((wd, rows, FEATURES))).astype("f4"), "W"),
        numpy_helper.from_array((0.5 * rng.standard_normal((wd, rows, UNITS))).astype("f4"), "R"),
        numpy_helper.from_array((0.3 * rng.standard_normal((wd, 2 * rows))).astype("f4"), "B"),
    ]  # fmt: skip
    x_shape = [STEPS, BATCH, FEATURES] if layout == 0 else [BATCH, STEPS, FEATURES]
    h_shape = [dirs, BATCH, UNITS] if layout == 0 else [BATCH, dirs, UNITS]
    inputs = [helper.make_tensor_value_info("x", TensorProto.FLOAT, x_shape)]
    names = ["x", "W", "R", "B"]
    if initial == "input":
        inputs.append(helper.make_tensor_value_info("h0", TensorProto.FLOAT, h_shape))
        names += ["", "h0"]
    elif initial in ("const", "half"):
        h0 = (0.5 * rng.standard_normal((dirs, BATCH, UNITS))).astype("f4")
        if initial == "half":
            h0[0] = 0.0
        if layout == 1:  # the same states, batch-major
            h0 = np.ascontiguousarray(np.swapaxes(h0, 0, 1))
        inits.append(numpy_helper.from_array(h0, "h0"))
        names += ["", "h0"]
    slots = ["Y", "Y_h", "Y_c"][: 3 if op == "LSTM" else 2]
    node = helper.make_node(
        op,
        names,
        [s if s in outputs else "" for s in slots],
        hidden_size=UNITS,
        direction=direction,
        **attrs,
    )
    if layout:
        node.attribute.append(helper.make_attribute("layout", layout))
    outs = [helper.make_tensor_value_info(s, TensorProto.FLOAT, None) for s in outputs]
    graph = helper.make_graph([node], op.lower(), inputs, outs, inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 14)])


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


def _reference(case: dict[str, Any], path: Path, inputs: list[np.ndarray]) -> list[np.ndarray]:
    """onnxruntime's outputs; onnxruntime has no batch-major (``layout = 1``) kernels, so
    such a graph runs as its time-major twin on inputs and outputs with swapped axes."""
    if not case.get("layout"):
        return run_onnxruntime(path, inputs)
    twin = path.with_name(path.stem + "_time_major.onnx")
    onnx.save(_graph(**{**case, "layout": 0}), twin)
    outs = run_onnxruntime(twin, [np.ascontiguousarray(np.swapaxes(v, 0, 1)) for v in inputs])
    return [np.transpose(y, (2, 0, 1, 3) if y.ndim == 4 else (1, 0, 2)) for y in outs]


@pytest.mark.parametrize("name", list(CASES))
def test_onnx_recurrent_direction_matches_onnxruntime(name: str, tmp_path: Path):
    model = _graph(**CASES[name])
    path = tmp_path / f"{name}.onnx"
    onnx.save(model, path)
    generate(path, tmp_path / "c")
    c_model = CModel(tmp_path / "c")
    rng = np.random.default_rng(4)
    shapes = [[d.dim_value for d in i.type.tensor_type.shape.dim] for i in model.graph.input]
    for _ in range(3):
        inputs = [rng.standard_normal(s).astype(np.float32) for s in shapes]
        expected = _reference(CASES[name], path, inputs)
        got = c_model.run(inputs)
        assert len(got) == len(expected)
        for e, g in zip(expected, got):
            assert g.shape == e.shape
            assert float(np.max(np.abs(e - g))) <= float_tolerance(e)


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
    got = CModel(tmp_path / "c").run([x, h0])
    assert len(got) == len(expected)
    for e, g in zip(expected, got):
        assert g.shape == e.shape
        assert float(np.max(np.abs(e - g))) <= float_tolerance(e)
