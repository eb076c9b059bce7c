"""ONNX recurrent operators: LSTM, GRU and RNN (float) in each direction (``forward``,
``reverse``, ``bidirectional``), with each of their outputs ``Y`` (every step), ``Y_h``
(the last state) and, for LSTM, ``Y_c`` (the last cell state).

The input is read batch-major (``[batch, time, features]``, transposed from ONNX's
default time-major ``layout = 0``) and the weights of each direction become
``[gates * units, ...]`` matrices: LSTM's gates are reordered from ONNX's i, o, f, c to
``nn.lstm``'s i, f, c, o and its two biases added; GRU keeps ONNX's z, r, h order and both
biases (``linear_before_reset`` needs the recurrent one apart); RNN adds its two biases.
Only the outputs the graph reads are computed: ``Y_h`` is the last step of ``Y`` when both
are read, else a layer computing only the last step; LSTM's ``Y_c`` is
``nn.lstm_cell_state``. GRU and RNN take an ``initial_h`` (constant or computed; zeros
give none); LSTM's initial states and peepholes must be zero.

A reverse direction is the forward layer on the input reversed along time (an
``nn.strided_slice`` of stride -1), its ``Y`` reversed back; its last state is the last
step of that run. A bidirectional layer runs both, each with its own slice of ``W``,
``R``, ``B`` and ``initial_h`` (and, for RNN, its own activation), and concatenates their
results along ONNX's ``num_directions`` axis.

The translators are functions of the importer (``importer.HANDLERS`` rows ``LSTM``,
``GRU``, ``RNN``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
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
"""The activations ONNX defaults to, per operator and direction (lower case)."""

_RNN_ACTIVATIONS = {"tanh": "tanh", "relu": "relu", "sigmoid": "sigmoid"}
"""ONNX RNN activations -> ``nn.rnn``'s."""

_DIRECTIONS = {"forward": (False,), "reverse": (True,), "bidirectional": (False, True)}
"""ONNX ``direction`` -> whether each of its directions runs over the reversed sequence."""

Operands = list[SSAValue | list[SSAValue]]
RecurrentOp = type[nn.LstmOp | nn_recurrent.GruOp | nn_recurrent.RnnOp]


def _activations(b: GraphBuilder, op_type: str, attrs: dict[str, Any], dirs: int) -> list[str]:
    """The node's activations in lower case, one run of them per direction (its defaults
    when not given)."""
    given = [
        s.lower() if isinstance(s, str) else s.decode().lower()
        for s in attrs.get("activations", [])
    ]
    if "activation_alpha" in attrs or "activation_beta" in attrs:
        raise b._error("activation_alpha and activation_beta are not supported")
    default = _DEFAULT_ACTIVATIONS[op_type] * dirs
    if op_type == "RNN":
        if given and len(given) != dirs:
            raise b._error(f"activations {given} are not supported (one per direction)")
        acts = given or default
        for act in acts:
            if act not in _RNN_ACTIVATIONS:
                raise b._error(f"activation '{act}' is not supported (tanh, relu or sigmoid)")
        return acts
    if given and given != default:
        raise b._error(f"activations {given} are not supported (only {default})")
    return default


class _Layer:
    """What the three operators share: the attributes, the input, the directions and the
    outputs read."""

    def __init__(self, b: GraphBuilder, node: Any, gates: int):
        self.b, self.node = b, node
        attrs = node_attrs(node)
        op_type = node.op_type
        direction = attrs.get("direction", "forward")
        if direction not in _DIRECTIONS:
            raise b._error(f"direction '{direction}' is not forward, reverse or bidirectional")
        self.reverse = _DIRECTIONS[direction]
        """Per direction: whether it runs over the reversed sequence."""
        dirs = self.dirs = len(self.reverse)
        if "clip" in attrs:
            raise b._error("clip is not supported")
        self.attrs = attrs
        self.activations = _activations(b, op_type, attrs, dirs)
        self.layout = int(attrs.get("layout", 0))
        if self.layout not in (0, 1):
            raise b._error(f"layout {self.layout} is not 0 or 1")
        w, r = b._const(node, 1, "W"), b._const(node, 2, "R")
        assert w is not None and r is not None
        if w.ndim != 3 or r.ndim != 3 or w.shape[0] != dirs or r.shape[0] != dirs:
            raise b._error(
                f"W and R must be [{dirs}, gates * hidden_size, ...] ({dirs} direction"
                f"{'s' if dirs > 1 else ''} for a {direction} {op_type})"
            )
        units = r.shape[-1]
        if "hidden_size" in attrs and int(attrs["hidden_size"]) != units:
            raise b._error(f"hidden_size {attrs['hidden_size']} differs from R's {units}")
        if w.shape[1] != gates * units or r.shape[1] != gates * units:
            raise b._error(f"W and R must have {gates} x {units} rows")
        self.w, self.r, self.units, self.gates = w, r, units, gates
        rows = gates * units
        bias = b._const(node, 3, "B", optional=True)
        if bias is not None and bias.shape != (dirs, 2 * rows):
            raise b._error(f"B must be [{dirs}, {2 * rows}]")
        if bias is None:
            bias = np.zeros((dirs, 2 * rows), np.float32)
        self.wb, self.rb = bias[:, :rows], bias[:, rows:]
        self.x = b._f32(node.input[0])
        shape = shape_of(self.x)
        if len(shape) != 3:
            raise b._error("the input must have rank 3")
        if shape[2] != w.shape[2]:
            raise b._error(f"the input's {shape[2]} features do not fit W's {w.shape[2]}")
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

    def _state_shape(self, count: int) -> tuple[int, int, int]:
        """ONNX's shape of ``count`` directions' states (``initial_h``, ``Y_h``, ``Y_c``)."""
        if self.layout == 0:
            return (count, self.batch, self.units)
        return (self.batch, count, self.units)

    def initial_h(self, d: int) -> SSAValue | None:
        """Direction ``d``'s ``initial_h`` as ``[batch, units]``; None when absent or
        zero."""
        b, node = self.b, self.node
        name = b._input_name(node, 5)
        if name is None:
            return None
        want = self._state_shape(self.dirs)
        entry = b._entry(name)
        if isinstance(entry, Const | QConst):
            value = b._const(node, 5, "initial_h")
            assert value is not None
            if self.dirs > 1:
                if value.shape != want:
                    raise b._error(f"initial_h must be {list(want)}")
                part = value[d] if self.layout == 0 else value[:, d]
                return self.constant(part) if np.any(part) else None
            if not np.any(value):
                return None
        h = b._f32(name)
        if shape_of(h) != want:
            raise b._error(f"initial_h must be {list(want)}")
        if self.dirs > 1:
            begin = (d, 0, 0) if self.layout == 0 else (0, d, 0)
            props = {"begin": nn.i64_array(begin), "strides": nn.i64_array((1, 1, 1))}
            out = TensorType(f32, self._state_shape(1))
            h = b._emit(nn.StridedSliceOp, [h], out, props)
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

    def _reversed(self, value: SSAValue) -> SSAValue:
        """A ``[batch, time, ...]`` value with its steps in reverse order."""
        shape = shape_of(value)
        begin, strides = [0] * len(shape), [1] * len(shape)
        begin[1], strides[1] = shape[1] - 1, -1
        props = {"begin": nn.i64_array(begin), "strides": nn.i64_array(strides)}
        return self.b._emit(nn.StridedSliceOp, [value], TensorType(f32, shape), props)

    def run(
        self,
        cls: RecurrentOp,
        operands_of: Callable[[int, SSAValue], Operands],
        props_of: Callable[[int], dict[str, Attribute]],
        cell_state: bool = False,
    ) -> None:
        """Each direction's layer (its operands from ``operands_of(d, input)``), then the
        outputs the graph reads: ``Y``, ``Y_h`` and, with ``cell_state``, LSTM's
        ``Y_c``."""
        b = self.b
        y_name, h_name, c_name = self.outputs
        if not cell_state:
            c_name = ""
        batch, time, units = self.batch, self.time, self.units
        named = self.dirs == 1 and not self.reverse[0]
        """A single forward layer's ops carry the names of ONNX's outputs."""
        sequences, states, cells = [], [], []
        for d, reverse in enumerate(self.reverse):
            x = self._reversed(self.xb) if reverse else self.xb
            operands = operands_of(d, x)
            if y_name or h_name:
                seq = bool(y_name)
                rshape = (batch, time, units) if seq else (batch, units)
                props = {**props_of(d), "return_sequences": IntegerAttr(1 if seq else 0, i64)}
                name = (y_name or h_name) if named else None
                y = b._emit(cls, operands, TensorType(f32, rshape), props, name)
                if y_name:
                    sequences.append(self._reversed(y) if reverse else y)
                    if self.dirs == 1:
                        self._set_sequence(y_name, sequences)
                if h_name:
                    last = y
                    if seq:
                        out = TensorType(f32, (batch, 1, units))
                        props = {
                            "begin": nn.i64_array((0, time - 1, 0)),
                            "strides": nn.i64_array((1, 1, 1)),
                        }
                        step_name = h_name if named else None
                        last = b._emit(nn.StridedSliceOp, [y], out, props, step_name)
                    states.append(last)
                    if self.dirs == 1:
                        self._set_states(h_name, states)
            if c_name:
                out = TensorType(f32, (batch, units))
                name = c_name if named else None
                cells.append(b._emit(nn_recurrent.LstmCellStateOp, operands, out, {}, name))
                if self.dirs == 1:
                    self._set_states(c_name, cells)
        if self.dirs == 1:
            return  # one direction: its outputs are set as they are computed
        if y_name:
            self._set_sequence(y_name, sequences)
        if h_name:
            self._set_states(h_name, states)
        if c_name:
            self._set_states(c_name, cells)

    def _set_sequence(self, name: str, parts: list[SSAValue]) -> None:
        """The directions' ``[batch, time, units]`` sequences as ONNX's ``Y``:
        ``[time, num_directions, batch, units]`` (layout 0) or ``[batch, time,
        num_directions, units]`` (layout 1)."""
        b = self.b
        batch, time, units = self.batch, self.time, self.units
        if len(parts) == 1:
            (y,) = parts
            if self.layout == 0:
                seq = b._transpose_value(y, (1, 0, 2))
                seq = b._reshape_value(seq, (time, 1, batch, units))
            else:
                seq = b._reshape_value(y, (batch, time, 1, units))
            b._set(name, seq)
            return
        steps = [b._reshape_value(y, (batch, time, 1, units)) for y in parts]
        if self.layout == 1:
            b._set(name, self._concat(steps, 2, name))
            return
        both = self._concat(steps, 2, None)
        out = TensorType(f32, (time, len(parts), batch, units))
        perm = nn.i64_array((1, 2, 0, 3))
        b._set(name, b._emit(nn.TransposeOp, [both], out, {"perm": perm}, name))

    def _set_states(self, name: str, parts: list[SSAValue]) -> None:
        """The directions' ``[batch, units]`` states (or ``[batch, 1, units]`` steps) as
        ONNX's ``Y_h`` / ``Y_c``."""
        b = self.b
        one = self._state_shape(1)
        if len(parts) == 1:
            b._set(name, b._reshape_value(parts[0], one))
            return
        states = [b._reshape_value(s, one) for s in parts]
        b._set(name, self._concat(states, 0 if self.layout == 0 else 1, name))

    def _concat(self, parts: list[SSAValue], axis: int, name: str | None) -> SSAValue:
        shape = list(shape_of(parts[0]))
        shape[axis] = sum(shape_of(p)[axis] for p in parts)
        props = {"axis": IntegerAttr(axis, i64), "activation": StringAttr("none")}
        return self.b._emit(nn.ConcatOp, [parts], TensorType(f32, tuple(shape)), props, name)


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

    def operands(d: int, x: SSAValue) -> Operands:
        return [
            x,
            layer.constant(gates(layer.w[d])),
            layer.constant(gates(layer.r[d])),
            layer.constant(gates(layer.wb[d] + layer.rb[d])),
        ]

    layer.run(nn.LstmOp, operands, lambda d: {}, cell_state=True)


def onnx_gru(b: GraphBuilder, node: Any) -> None:
    """ONNX GRU -> ``nn.gru``."""
    layer = _Layer(b, node, 3)
    if layer.unused:
        return
    before = int(layer.attrs.get("linear_before_reset", 0))
    if before not in (0, 1):
        raise b._error(f"linear_before_reset {before} is not 0 or 1")

    def operands(d: int, x: SSAValue) -> Operands:
        initial = layer.initial_h(d)
        return [
            x,
            layer.constant(layer.w[d]),
            layer.constant(layer.r[d]),
            layer.constant(layer.wb[d]),
            layer.constant(layer.rb[d]),
            [initial] if initial is not None else [],
        ]

    props: dict[str, Attribute] = {"linear_before_reset": IntegerAttr(before, i64)}
    layer.run(nn_recurrent.GruOp, operands, lambda d: props)


def onnx_rnn(b: GraphBuilder, node: Any) -> None:
    """ONNX RNN -> ``nn.rnn``."""
    layer = _Layer(b, node, 1)
    if layer.unused:
        return

    def operands(d: int, x: SSAValue) -> Operands:
        initial = layer.initial_h(d)
        return [
            x,
            layer.constant(layer.w[d]),
            layer.constant(layer.r[d]),
            layer.constant(layer.wb[d] + layer.rb[d]),
            [initial] if initial is not None else [],
        ]

    def props(d: int) -> dict[str, Attribute]:
        return {"activation": StringAttr(_RNN_ACTIVATIONS[layer.activations[d]])}

    layer.run(nn_recurrent.RnnOp, operands, props)


__all__ = ["onnx_gru", "onnx_lstm", "onnx_rnn"]
