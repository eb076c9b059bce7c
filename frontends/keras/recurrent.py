"""Keras recurrent layers: LSTM, GRU, SimpleRNN and the Bidirectional wrapper around them.

Each layer becomes one ``nn`` recurrent op on ``[batch, time, features]`` with Keras'
own gate order (``nn.lstm``: i, f, c, o; ``nn.gru``: z, r, h) and the kernels transposed
to ``[gates * units, ...]``: ``nn.lstm``, ``nn.gru`` (``reset_after = True`` is
``linear_before_reset = 1`` with Keras' two bias rows; ``False`` is ``0`` with one bias)
and ``nn.rnn``. ``go_backwards`` reverses the input along time (``nn.strided_slice``
with stride -1; the output stays in the reversed order, as Keras gives it).
``return_state`` adds the last ``h`` (the last step of the sequence, or the output
itself) and, for LSTM, ``c`` (``nn.lstm_cell_state``). A GRU or SimpleRNN called with
an ``initial_state`` starts from it; LSTM states start at zero.

Bidirectional runs its forward and backward layers (the backward one on the reversed
sequence, its output sequence reversed back) and merges them: ``concat`` on the last axis,
``sum``, ``mul``, ``ave`` (the sum times 0.5), or none (two results).

The translators are functions of the importer (``importer.HANDLERS`` rows ``LSTM``,
``GRU``, ``SimpleRNN``, ``Bidirectional``). A stateful GRU or SimpleRNN keeps its last
state in a variable of the state buffer (``nn.read_variable`` before the layer gives its
initial state, ``nn.assign_variable`` after it stores the last one; zeros after
``reset``); a stateful LSTM is an ``nn.sequence_lstm``, which keeps both its states (``h``
and ``c``) in one variable of the state buffer itself; a stateful Bidirectional layer is
refused.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from xdsl.dialects.builtin import FloatAttr, IntegerAttr, StringAttr, TensorType, f32, i64
from xdsl.ir import Attribute, SSAValue

from stai.dialects import nn, nn_recurrent
from stai.dialects.nn_state import AssignVariableOp, ReadVariableOp
from stai.errors import printable_name

from .builder import LayerBuilder, shape_of, variable_array

_GATES = {"LSTM": 4, "GRU": 3, "SimpleRNN": 1}
"""The recurrent layer classes translated, with their gate counts."""

_RNN_ACTIVATIONS = ("tanh", "relu", "sigmoid", "linear")


def _reverse_time(b: LayerBuilder, x: SSAValue) -> SSAValue:
    """``x`` ([batch, time, ...]) with its steps in reverse order."""
    shape = shape_of(x)
    begin = [0] * len(shape)
    strides = [1] * len(shape)
    begin[1], strides[1] = shape[1] - 1, -1
    props = {"begin": nn.i64_array(begin), "strides": nn.i64_array(strides)}
    return b.emit(nn.StridedSliceOp, [x], shape, props, final=False)


def _last_step(b: LayerBuilder, y: SSAValue, final: bool) -> SSAValue:
    """The last step ``[batch, units]`` of a ``[batch, time, units]`` sequence."""
    n, steps, units = shape_of(y)
    props = {"begin": nn.i64_array((0, steps - 1, 0)), "strides": nn.i64_array((1, 1, 1))}
    step = b.emit(nn.StridedSliceOp, [y], [n, 1, units], props, final=False)
    return b.reshape(step, [n, units], final=final)


def masked(layer: Any) -> bool:
    """Whether a call of ``layer`` reads a masked sequence (after ``Masking`` or an
    ``Embedding`` with ``mask_zero``): Keras then skips the masked steps, which the
    kernels do not."""
    for node in getattr(layer, "_inbound_nodes", []):
        tensors = list(getattr(node, "input_tensors", []))
        if tensors and getattr(tensors[0], "_keras_mask", None) is not None:
            return True
    return False


class _Recurrent:
    """One LSTM, GRU or SimpleRNN layer object (a layer, or a Bidirectional's half)."""

    def __init__(self, b: LayerBuilder, layer: Any):
        self.b, self.layer = b, layer
        self.kind = type(layer).__name__
        if self.kind not in _GATES or type(layer).__module__.split(".")[0] != "keras":
            raise b.error(
                f"wrapping a {printable_name(self.kind)} layer is not supported "
                f"(only {', '.join(sorted(_GATES))})"
            )
        cfg = layer.get_config()
        self.config = cfg
        self.stateful = bool(cfg.get("stateful"))
        self.units = int(cfg["units"])
        self.sequences = bool(cfg.get("return_sequences"))
        self.backwards = bool(cfg.get("go_backwards"))
        self.cell = layer.cell
        self._check_activations()

    def _check_activations(self) -> None:
        b, cell = self.b, self.cell
        act = b.activation_name(cell.activation)
        if self.kind == "SimpleRNN":
            if act not in _RNN_ACTIVATIONS:
                raise b.error(
                    f"activation '{act}' is not supported (only {', '.join(_RNN_ACTIVATIONS)})"
                )
            self.activation = act
            return
        rec = b.activation_name(cell.recurrent_activation)
        if act != "tanh" or rec != "sigmoid":
            raise b.error(
                f"activation '{act}' / recurrent_activation '{rec}' are not supported "
                "(only tanh / sigmoid)"
            )
        self.activation = act

    def operands(self) -> list[SSAValue]:
        """The weights as ``nn`` constants: weights, recurrent weights, bias(es)."""
        b, cell, gates = self.b, self.cell, _GATES[self.kind]
        rows = gates * self.units
        kernel = variable_array(cell.kernel)  # [features, rows]
        recurrent = variable_array(cell.recurrent_kernel)  # [units, rows]
        bias = variable_array(cell.bias) if cell.use_bias else np.zeros(rows, np.float32)
        values = [b.constant(kernel.T), b.constant(recurrent.T)]
        if self.kind == "GRU":
            if self.reset_after:
                pair = bias.reshape(2, rows)
                values += [b.constant(pair[0]), b.constant(pair[1])]
            else:
                values += [b.constant(bias.reshape(rows)), b.constant(np.zeros(rows))]
        else:
            values.append(b.constant(bias.reshape(rows)))
        return values

    @property
    def reset_after(self) -> bool:
        return bool(self.config.get("reset_after", True))

    def run(
        self, x: SSAValue, initial: SSAValue | None, sequences: bool, final: bool
    ) -> tuple[SSAValue, list[SSAValue]]:
        """The layer on ``x`` ([batch, time, features]): its output (every step or the last
        one, as ``sequences``) and its operands (input first)."""
        b = self.b
        n, steps, _ = shape_of(x)
        if self.backwards:
            x = _reverse_time(b, x)
        operands = [x, *self.operands()]
        out = [n, steps, self.units] if sequences else [n, self.units]
        props: dict[str, Attribute] = {"return_sequences": IntegerAttr(int(sequences), i64)}
        op: type[nn.LstmOp | nn_recurrent.GruOp | nn_recurrent.RnnOp]
        if self.kind == "LSTM":
            if initial is not None:
                raise b.error("initial states given as inputs are not supported for LSTM")
            op = nn.LstmOp
        elif self.kind == "GRU":
            op = nn_recurrent.GruOp
            props["linear_before_reset"] = IntegerAttr(int(self.reset_after), i64)
        else:
            op = nn_recurrent.RnnOp
            props["activation"] = StringAttr(self.activation)
        extra: list[SSAValue | list[SSAValue]] = []
        if op is not nn.LstmOp:
            extra.append([initial] if initial is not None else [])
        y = b.emit(op, [*operands, *extra], out, props, final=final)
        return y, operands

    def cell_state(self, operands: list[SSAValue]) -> SSAValue:
        """The LSTM's last cell state ``[batch, units]``."""
        n = shape_of(operands[0])[0]
        return self.b.emit(nn_recurrent.LstmCellStateOp, operands, [n, self.units], final=False)


def keras_recurrent(b: LayerBuilder, xs: list[SSAValue]) -> list[SSAValue]:
    """LSTM, GRU, SimpleRNN: the output, then with ``return_state`` the last states."""
    layer = _Recurrent(b, b.layer)
    if not xs:
        raise b.error("expected an input")
    if masked(b.layer):
        raise b.error("masked sequences (Masking, mask_zero) are not supported")
    x, states = xs[0], xs[1:]
    n = b.rank(x, 3)[0]
    initial = None
    if states:
        if layer.kind == "LSTM":
            raise b.error("initial states given as inputs are not supported for LSTM")
        if len(states) != 1:
            raise b.error(f"expected one initial state, got {len(states)}")
        initial = states[0]
        if shape_of(initial) != [n, layer.units]:
            raise b.error(f"the initial state must be [{n}, {layer.units}]")
    if layer.stateful and layer.kind == "LSTM":
        return [_stateful_lstm(b, layer, x)]
    state: dict[str, Attribute] = {}
    if layer.stateful:  # the state: a variable read before the layer, assigned after it
        if initial is not None:
            raise b.error("a stateful layer takes no initial state input")
        zeros = np.zeros((n, layer.units), np.float32)
        state = {
            "variable": StringAttr(f"{b.layer_name}/h"),
            "initial": nn.dense_attr(TensorType(f32, zeros.shape), zeros.tobytes()),
        }
        initial = b.emit(ReadVariableOp, [], [n, layer.units], state, final=False)
    y, operands = layer.run(x, initial, layer.sequences, final=True)
    states = bool(layer.config.get("return_state"))
    h = _last_step(b, y, final=False) if layer.sequences and (states or state) else y
    if state:
        b.emit(AssignVariableOp, [h], [n, layer.units], state, final=False)
    if not states:
        return [y]
    if layer.kind != "LSTM":
        return [y, h]
    return [y, h, layer.cell_state(operands)]


def _stateful_lstm(b: LayerBuilder, layer: _Recurrent, x: SSAValue) -> SSAValue:
    """A stateful LSTM: ``nn.sequence_lstm`` (float) with ``h`` and ``c`` in the variable
    ``lstm:<layer>`` of the state buffer, carried from run to run; the last step unless
    ``return_sequences``. Keras' gate order (input, forget, cell, output) is the op's."""
    if layer.config.get("return_state"):
        raise b.error("return_state is not supported for a stateful LSTM")
    n, steps, _ = shape_of(x)
    if layer.backwards:
        x = _reverse_time(b, x)
    props: dict[str, Attribute] = {
        "variable": StringAttr(f"lstm:{b.layer_name}"),
        "time_major": IntegerAttr(0, i64),
        "cell_clip": FloatAttr(0.0, f32),
    }
    sequences = layer.sequences
    y = b.emit(
        nn_recurrent.SequenceLstmOp,
        [x, *layer.operands()],
        [n, steps, layer.units],
        props,
        final=sequences,
    )
    return y if sequences else _last_step(b, y, final=True)


def keras_bidirectional(b: LayerBuilder, xs: list[SSAValue]) -> list[SSAValue]:
    """Bidirectional around an LSTM, GRU or SimpleRNN."""
    if len(xs) != 1:
        raise b.error("initial states given as inputs are not supported")
    x = xs[0]
    b.rank(x, 3)
    if masked(b.layer):
        raise b.error("masked sequences (Masking, mask_zero) are not supported")
    forward = _Recurrent(b, b.layer.forward_layer)
    backward = _Recurrent(b, b.layer.backward_layer)
    if forward.stateful:
        raise b.error("a stateful Bidirectional layer is not supported")
    if forward.config.get("return_state"):
        raise b.error("return_state is not supported in a Bidirectional layer")
    sequences = forward.sequences
    if backward.sequences != sequences or not backward.backwards or forward.backwards:
        raise b.error("the backward layer must mirror the forward one")
    merge = b.config.get("merge_mode")
    if merge not in ("concat", "sum", "mul", "ave", None):
        raise b.error(f"merge_mode '{printable_name(str(merge))}' is not supported")
    y_fwd, _ = forward.run(x, None, sequences, final=merge is None)
    y_bwd, _ = backward.run(x, None, sequences, final=False)
    if sequences:
        y_bwd = _reverse_time(b, y_bwd)
    if merge is None:
        return [y_fwd, y_bwd]
    shape = shape_of(y_fwd)
    none = {"activation": StringAttr("none")}
    if merge == "concat":
        out = [*shape[:-1], 2 * shape[-1]]
        props = {"axis": IntegerAttr(len(shape) - 1, i64), **none}
        return [b.emit(nn.ConcatOp, [[y_fwd, y_bwd]], out, props)]
    if merge == "mul":
        return [b.emit(nn.MulOp, [y_fwd, y_bwd], shape, none)]
    total = b.emit(nn.AddOp, [y_fwd, y_bwd], shape, none, final=merge == "sum")
    if merge == "sum":
        return [total]
    half = b.constant(np.full([1] * len(shape), 0.5, np.float32))
    return [b.emit(nn.MulOp, [total, half], shape, none)]


__all__ = ["keras_bidirectional", "keras_recurrent", "masked"]
