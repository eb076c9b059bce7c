"""Recurrent ``nn`` ops besides ``nn.lstm`` (``stai.dialects.nn`` registers them): the GRU,
the simple (Elman) RNN and the final cell state of an LSTM.

They share ``nn.lstm``'s conventions: the input is ``[batch, time, features]``, weights are
``[gates * units, features]`` and recurrent weights ``[gates * units, units]`` (the rows
of gate ``k`` are ``k * units`` to ``(k + 1) * units - 1``); every batch item starts from
its initial state (the optional last operand ``initial``, ``[batch, units]``, zeros when
absent) and runs forward over the steps; ``return_sequences = 1`` gives every step's
state (``[batch, time, units]``), ``0`` the last one (``[batch, units]``). A backward
direction is the forward op on the time-reversed input (frontends reverse with
``nn.strided_slice``). They compute in float: ``quantize-nn`` keeps them float.

Example::

    %y = nn.gru %x, %w, %r, %b, %rb {return_sequences = 0 : i64,
           linear_before_reset = 1 : i64}
         : (tensor<1x12x10xf32>, tensor<72x10xf32>, tensor<72x24xf32>, tensor<72xf32>,
            tensor<72xf32>) -> tensor<1x24xf32>
"""

from __future__ import annotations

from typing import ClassVar

from xdsl.dialects.builtin import Float32Type, IntegerAttr, StringAttr, TensorType
from xdsl.irdl import (
    irdl_op_definition,
    operand_def,
    opt_operand_def,
    prop_def,
    result_def,
    traits_def,
)
from xdsl.utils.exceptions import VerifyException

from stai.dialects.nn_base import _NNOp, _tensor
from stai.dialects.nn_traits import LayoutSensitive, QuantKind, QuantRule

RNN_ACTIVATIONS = ("tanh", "relu", "sigmoid", "linear")
"""The activations of ``nn.rnn`` (``linear``: none)."""


def _verify_recurrent(op: _NNOp, gates: int, sequences: bool) -> int:
    """Checks the shapes common to the recurrent ops; returns the units."""
    x = _tensor(op, "input", 3)
    batch, time, features = x.get_shape()
    rows, depth = _tensor(op, "weights", 2).get_shape()
    units = rows // gates
    if rows != gates * units or units < 1 or depth != features:
        raise VerifyException(f"{op.name}: weights must be [{gates} * units, {features}]")
    if tuple(_tensor(op, "recurrent", 2).get_shape()) != (rows, units):
        raise VerifyException(f"{op.name}: recurrent weights must be [{rows}, {units}]")
    for name in ("bias", "recurrent_bias"):
        if getattr(op, name, None) is not None:
            if tuple(_tensor(op, name, 1).get_shape()) != (rows,):
                raise VerifyException(f"{op.name}: {name} must be [{rows}]")
    if getattr(op, "initial", None) is not None:
        if tuple(_tensor(op, "initial", 2).get_shape()) != (batch, units):
            raise VerifyException(f"{op.name}: the initial state must be [{batch}, {units}]")
    expected = (batch, time, units) if sequences else (batch, units)
    if tuple(_tensor(op, "output").get_shape()) != expected:
        raise VerifyException(f"{op.name}: the result must have shape {expected}")
    for name in ("input", "weights", "recurrent", "output"):
        if not isinstance(_tensor(op, name).element_type, Float32Type):
            raise VerifyException(f"{op.name}: {name} must hold f32 elements")
    return units


def _flag(op: _NNOp, name: str) -> bool:
    value = getattr(op, name)
    assert isinstance(value, IntegerAttr)
    if value.value.data not in (0, 1):
        raise VerifyException(f"{op.name}: '{name}' must be 0 or 1")
    return value.value.data == 1


@irdl_op_definition
class GruOp(_NNOp):
    """A GRU layer (ONNX's GRU, Keras' GRU). Gates in the order update ``z``, reset ``r``,
    candidate ``n``; ``x W^T`` and ``h R^T`` per gate, ``bias`` (of the inputs) and
    ``recurrent_bias`` (of the state), both ``[3 * units]``:

    - ``z = logistic(x Wz + bz + h Rz + rbz)``, ``r = logistic(x Wr + br + h Rr + rbr)``;
    - ``linear_before_reset = 0``: ``n = tanh(x Wn + bn + (r * h) Rn + rbn)``;
    - ``linear_before_reset = 1``: ``n = tanh(x Wn + bn + r * (h Rn + rbn))``;
    - ``h = (1 - z) * n + z * h``.
    """

    name = "nn.gru"
    input = operand_def(TensorType)
    weights = operand_def(TensorType)
    recurrent = operand_def(TensorType)
    bias = operand_def(TensorType)
    recurrent_bias = operand_def(TensorType)
    initial = opt_operand_def(TensorType)
    return_sequences = prop_def(IntegerAttr)
    linear_before_reset = prop_def(IntegerAttr)
    output = result_def(TensorType)
    traits = traits_def(QuantRule(QuantKind.FLOAT), LayoutSensitive())
    GATES: ClassVar[int] = 3

    def verify_(self) -> None:
        _flag(self, "linear_before_reset")
        _verify_recurrent(self, self.GATES, _flag(self, "return_sequences"))


@irdl_op_definition
class RnnOp(_NNOp):
    """A simple (Elman) RNN layer (ONNX's RNN, Keras' SimpleRNN):
    ``h = activation(x W^T + h R^T + bias)`` with ``bias`` ``[units]`` (ONNX's two biases
    summed) and ``activation`` one of ``tanh``, ``relu``, ``sigmoid``, ``linear``."""

    name = "nn.rnn"
    input = operand_def(TensorType)
    weights = operand_def(TensorType)
    recurrent = operand_def(TensorType)
    bias = operand_def(TensorType)
    initial = opt_operand_def(TensorType)
    return_sequences = prop_def(IntegerAttr)
    activation = prop_def(StringAttr)
    output = result_def(TensorType)
    traits = traits_def(QuantRule(QuantKind.FLOAT), LayoutSensitive())
    GATES: ClassVar[int] = 1

    def verify_(self) -> None:
        if self.activation.data not in RNN_ACTIVATIONS:
            raise VerifyException(
                f"nn.rnn: activation must be one of {', '.join(RNN_ACTIVATIONS)}, "
                f"got '{self.activation.data}'"
            )
        _verify_recurrent(self, self.GATES, _flag(self, "return_sequences"))


@irdl_op_definition
class LstmCellStateOp(_NNOp):
    """The cell state ``c`` after the last step of the LSTM ``nn.lstm`` computes with the
    same operands (both states zero at the start): ``[batch, units]`` (ONNX's ``Y_c``)."""

    name = "nn.lstm_cell_state"
    input = operand_def(TensorType)
    weights = operand_def(TensorType)
    recurrent = operand_def(TensorType)
    bias = operand_def(TensorType)
    output = result_def(TensorType)
    traits = traits_def(QuantRule(QuantKind.FLOAT), LayoutSensitive())
    GATES: ClassVar[int] = 4

    def verify_(self) -> None:
        _verify_recurrent(self, self.GATES, False)


RECURRENT_OPS = (GruOp, RnnOp, LstmCellStateOp)
"""The ops of this module, in the order ``nn.NN`` registers them."""

__all__ = ["RECURRENT_OPS", "RNN_ACTIVATIONS", "GruOp", "LstmCellStateOp", "RnnOp"]
