"""ONNX recurrent operators: LSTM, GRU and RNN (forward, float), with each of their
outputs ``Y`` (every step), ``Y_h`` (the last state) and, for LSTM, ``Y_c`` (the last cell
state).

The input is read batch-major (``[batch, time, features]``, transposed from ONNX's
default time-major ``layout = 0``) and the weights of the one direction become
``[gates * units, ...]`` matrices: LSTM's gates are reordered from ONNX's i, o, f, c to
``nn.lstm``'s i, f, c, o and its two biases added; GRU keeps ONNX's z, r, h order and both
biases (``linear_before_reset`` needs the recurrent one apart); RNN adds its two biases.
Only the outputs the graph reads are computed: ``Y_h`` is the last step of ``Y`` when both
are read, else a layer computing only the last step; LSTM's ``Y_c`` is
``nn.lstm_cell_state``. GRU and RNN take an ``initial_h`` (constant or computed; zeros
give none); LSTM's initial states and peepholes must be zero.

The translators are functions of the importer (``importer.HANDLERS`` rows ``LSTM``,
``GRU``, ``RNN``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from xdsl.dialects.builtin import IntegerAttr, StringAttr, TensorType, f32, i64
from xdsl.ir import Attribute, SSAValue

from stai.dialects import nn, nn_recurrent

from .builder import GraphBuilder, node_attrs
from .values import Const, QConst, shape_of

_DEFAULT_ACTIVATIONS = {
    "LSTM": ["sigmoid", "tanh", "tanh"],
    "GRU": ["sigmoid", "tanh"],
    "RNN": ["tanh"],
}
"""The activations ONNX defaults to, per operator (lower case)."""

_RNN_ACTIVATIONS = {"tanh": "tanh", "relu": "relu", "sigmoid": "sigmoid"}
"""ONNX RNN activations -> ``nn.rnn``'s."""


def _activations(b: GraphBuilder, op_type: str, attrs: dict[str, Any]) -> list[str]:
    """The node's activations in lower case (its defaults when not given)."""
    given = [
        s.lower() if isinstance(s, str) else s.decode().lower()
        for s in attrs.get("activations", [])
    ]
    if "activation_alpha" in attrs or "activation_beta" in attrs:
        raise b._error("activation_alpha and activation_beta are not supported")
    default = _DEFAULT_ACTIVATIONS[op_type]
    if op_type == "RNN":
        if len(given) > 1:
            raise b._error(f"activations {given} are not supported (one for a forward RNN)")
        act = given[0] if given else default[0]
        if act not in _RNN_ACTIVATIONS:
            raise b._error(f"activation '{act}' is not supported (tanh, relu or sigmoid)")
        return [act]
    if given and given != default:
        raise b._error(f"activations {given} are not supported (only {default})")
    return default


class _Layer:
    """What the three operators share: the attributes, the input and the outputs read."""

    def __init__(self, b: GraphBuilder, node: Any, gates: int):
        self.b, self.node = b, node
        attrs = node_attrs(node)
        op_type = node.op_type
        if attrs.get("direction", "forward") != "forward":
            raise b._error(f"only forward {op_type}s are supported")
        if "clip" in attrs:
            raise b._error("clip is not supported")
        self.attrs = attrs
        self.activations = _activations(b, op_type, attrs)
        self.layout = int(attrs.get("layout", 0))
        w, r = b._const(node, 1, "W"), b._const(node, 2, "R")
        assert w is not None and r is not None
        if w.ndim != 3 or r.ndim != 3 or w.shape[0] != 1 or r.shape[0] != 1:
            raise b._error("W and R must be [1, gates * hidden_size, ...] (one direction)")
        units = r.shape[-1]
        if "hidden_size" in attrs and int(attrs["hidden_size"]) != units:
            raise b._error(f"hidden_size {attrs['hidden_size']} differs from R's {units}")
        if w.shape[1] != gates * units or r.shape[1] != gates * units:
            raise b._error(f"W and R must have {gates} x {units} rows")
        self.w, self.r, self.units, self.gates = w[0], r[0], units, gates
        bias = b._const(node, 3, "B", optional=True)
        if bias is not None and bias.shape != (1, 2 * gates * units):
            raise b._error(f"B must be [1, {2 * gates * units}]")
        rows = gates * units
        self.wb = np.zeros(rows, np.float32) if bias is None else bias[0][:rows]
        self.rb = np.zeros(rows, np.float32) if bias is None else bias[0][rows:]
        self.x = b._f32(node.input[0])
        shape = shape_of(self.x)
        if len(shape) != 3:
            raise b._error("the input must have rank 3")
        if shape[2] != self.w.shape[1]:
            raise b._error(f"the input's {shape[2]} features do not fit W's {self.w.shape[1]}")
        self.time, self.batch = (shape[0], shape[1]) if self.layout == 0 else (shape[1], shape[0])
        lens = b._const(node, 4, "sequence_lens", optional=True)
        if lens is not None and np.any(lens != self.time):
            raise b._error("sequence_lens shorter than the sequence are not supported")
        outs = list(node.output) + [""] * 3
        self.outputs = [name if self._read(name) else "" for name in outs[:3]]
        self.unused = not any(self.outputs)
        """No output of the node is read: nothing to compute."""
        if self.unused or self.layout == 1:
            self.xb = self.x
        else:
            self.xb = b._transpose_value(self.x, (1, 0, 2))

    def _read(self, name: str) -> bool:
        b = self.b
        return bool(name) and (bool(b.consumers.get(name)) or name in b.graph_outputs)

    def constant(self, array: np.ndarray) -> SSAValue:
        return self.b._constant(np.ascontiguousarray(array, dtype=np.float32))

    def initial_h(self) -> SSAValue | None:
        """``initial_h`` as ``[batch, units]``; None when absent or zero."""
        b, node = self.b, self.node
        name = b._input_name(node, 5)
        if name is None:
            return None
        entry = b._entry(name)
        if isinstance(entry, Const | QConst):
            value = b._const(node, 5, "initial_h")
            assert value is not None
            if not np.any(value):
                return None
        h = b._f32(name)
        want = (1, self.batch, self.units) if self.layout == 0 else (self.batch, 1, self.units)
        if shape_of(h) != want:
            raise b._error(f"initial_h must be {list(want)}")
        return b._reshape_value(h, (self.batch, self.units))

    def zero_inputs(self, positions: Sequence[tuple[int, str]]) -> None:
        """Refuses a non-zero constant (or any computed value) at these positions."""
        b, node = self.b, self.node
        for position, what in positions:
            if b._input_name(node, position) is None:
                continue
            entry = b._entry(node.input[position])
            if not isinstance(entry, Const | QConst):
                raise b._error(f"a computed {what} is not supported (it must be zero)")
            value = b._const(node, position, what)
            if value is not None and np.any(value != 0):
                raise b._error(f"a non-zero {what} is not supported")

    def emit(
        self,
        cls: type[nn.LstmOp | nn_recurrent.GruOp | nn_recurrent.RnnOp],
        operands: list[SSAValue | list[SSAValue]],
        props: dict[str, Attribute],
    ) -> None:
        """The layer's ``Y`` and ``Y_h`` (those the graph reads)."""
        b = self.b
        y_name, h_name = self.outputs[0], self.outputs[1]
        if not y_name and not h_name:
            return
        batch, time, units = self.batch, self.time, self.units
        sequences = bool(y_name)
        rshape = (batch, time, units) if sequences else (batch, units)
        props = {**props, "return_sequences": IntegerAttr(1 if sequences else 0, i64)}
        name = y_name or h_name
        y = b._emit(cls, operands, TensorType(f32, rshape), props, name)
        if y_name:
            if self.layout == 0:
                seq = b._transpose_value(y, (1, 0, 2))
                seq = b._reshape_value(seq, (time, 1, batch, units))
            else:
                seq = b._reshape_value(y, (batch, time, 1, units))
            b._set(y_name, seq)
        if h_name:
            last = y
            if sequences:
                out = TensorType(f32, (batch, 1, units))
                props = {
                    "begin": nn.i64_array((0, time - 1, 0)),
                    "strides": nn.i64_array((1, 1, 1)),
                }
                last = b._emit(nn.StridedSliceOp, [y], out, props, h_name)
            self.set_state(h_name, last)

    def set_state(self, name: str, value: SSAValue) -> None:
        """A ``[batch, units]`` state (or ``[batch, 1, units]`` step) as ONNX's ``Y_h`` /
        ``Y_c``."""
        shape = (1, self.batch, self.units) if self.layout == 0 else (self.batch, 1, self.units)
        self.b._set(name, self.b._reshape_value(value, shape))


def onnx_lstm(b: GraphBuilder, node: Any) -> None:
    """ONNX LSTM -> ``nn.lstm`` (``Y``, ``Y_h``) and ``nn.lstm_cell_state`` (``Y_c``)."""
    if node_attrs(node).get("input_forget", 0):
        raise b._error("input_forget is not supported")
    layer = _Layer(b, node, 4)
    if layer.unused:
        return
    layer.zero_inputs(((5, "initial_h"), (6, "initial_c"), (7, "P")))
    units = layer.units
    order = [0, 2, 3, 1]  # ONNX gates i, o, f, c -> nn gates i, f, c, o

    def gates(m: np.ndarray) -> np.ndarray:
        blocks = m.reshape((4, units) + m.shape[1:])
        return blocks[order].reshape(m.shape)

    operands: list[SSAValue | list[SSAValue]] = [
        layer.xb,
        layer.constant(gates(layer.w)),
        layer.constant(gates(layer.r)),
        layer.constant(gates(layer.wb + layer.rb)),
    ]
    layer.emit(nn.LstmOp, operands, {})
    c_name = layer.outputs[2]
    if c_name:
        out = TensorType(f32, (layer.batch, units))
        c = b._emit(nn_recurrent.LstmCellStateOp, operands, out, {}, c_name)
        layer.set_state(c_name, c)


def onnx_gru(b: GraphBuilder, node: Any) -> None:
    """ONNX GRU -> ``nn.gru``."""
    layer = _Layer(b, node, 3)
    if layer.unused:
        return
    initial = layer.initial_h()
    operands: list[SSAValue | list[SSAValue]] = [
        layer.xb,
        layer.constant(layer.w),
        layer.constant(layer.r),
        layer.constant(layer.wb),
        layer.constant(layer.rb),
    ]
    operands.append([initial] if initial is not None else [])
    before = int(layer.attrs.get("linear_before_reset", 0))
    if before not in (0, 1):
        raise b._error(f"linear_before_reset {before} is not 0 or 1")
    layer.emit(nn_recurrent.GruOp, operands, {"linear_before_reset": IntegerAttr(before, i64)})


def onnx_rnn(b: GraphBuilder, node: Any) -> None:
    """ONNX RNN -> ``nn.rnn``."""
    layer = _Layer(b, node, 1)
    if layer.unused:
        return
    initial = layer.initial_h()
    operands: list[SSAValue | list[SSAValue]] = [
        layer.xb,
        layer.constant(layer.w),
        layer.constant(layer.r),
        layer.constant(layer.wb + layer.rb),
    ]
    operands.append([initial] if initial is not None else [])
    activation = _RNN_ACTIVATIONS[layer.activations[0]]
    layer.emit(nn_recurrent.RnnOp, operands, {"activation": StringAttr(activation)})


__all__ = ["onnx_gru", "onnx_lstm", "onnx_rnn"]
