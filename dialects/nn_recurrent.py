"""Recurrent ``nn`` ops besides ``nn.lstm`` (``stai.dialects.nn`` registers them): the GRU,
the simple (Elman) RNN, the final cell state of an LSTM, and TFLite's sequence LSTM with its
states kept between runs (``nn.sequence_lstm``, float, int8 and 16x8: see its docstring).

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

from xdsl.dialects.builtin import (
    Float32Type,
    FloatAttr,
    IntegerAttr,
    IntegerType,
    StringAttr,
    TensorType,
)
from xdsl.irdl import (
    IRDLOperation,
    ParsePropInAttrDict,
    irdl_op_definition,
    operand_def,
    opt_operand_def,
    opt_prop_def,
    prop_def,
    result_def,
    traits_def,
)
from xdsl.utils.exceptions import VerifyException

from stai.dialects.nn_base import QuantType, _NNOp, _tensor
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


def _flag(op: IRDLOperation, name: str) -> bool:
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


def _width(t: TensorType) -> int:
    """The bits of a tensor's (storage) element type; 32 for f32."""
    e = t.element_type
    if isinstance(e, QuantType):
        return e.storage.width.data
    return e.width.data if isinstance(e, IntegerType) else 32


@irdl_op_definition
class SequenceLstmOp(IRDLOperation):
    """TFLite's UNIDIRECTIONAL_SEQUENCE_LSTM with its hidden state ``h`` and cell state ``c``
    (``[batch, units]`` each) kept in the persistent state buffer as the variable
    ``variable`` between runs, as TensorFlow Lite Micro keeps its variable tensors (``reset``
    gives ``h`` its zero point and ``c`` zeros). Input ``[batch, time, features]``
    (``time_major = 1``: ``[time, batch, features]``); ``weights [4 * units, features]``,
    ``recurrent [4 * units, units]`` and ``bias [4 * units]`` hold the gates input, forget,
    cell, output as ``nn.lstm``'s; the result is every step's ``h`` (the input's layout).

    Types: float throughout; int8 (int8 input, output and ``h``, int8 weights with one scale
    per gate: ``!nn.q<i8, axis 0, ...>`` with ``units`` equal scales per gate, int32 bias,
    int16 ``c`` of scale ``cell_scale``); or 16x8 (int16 activations with zero point 0, int8
    weights, int64 bias). ``hidden_scale`` / ``hidden_zero_point`` quantize ``h``.
    ``cell_clip`` (> 0) bounds ``|c|``. Example::

        %y = nn.sequence_lstm %x, %w, %r, %b {variable = "lstm:state", time_major = 0 : i64,
               cell_clip = 10.0 : f32, cell_scale = 6.103515625e-05 : f32,
               hidden_scale = 0.0038 : f32, hidden_zero_point = 27 : i64}
             : (tensor<1x6x5x!nn.q<i8, 0.0117 : 0>>, ...) -> tensor<1x6x7x!nn.q<i8, 0.0038 : 27>>
    """

    name = "nn.sequence_lstm"
    input = operand_def(TensorType)
    weights = operand_def(TensorType)
    recurrent = operand_def(TensorType)
    bias = operand_def(TensorType)
    variable = prop_def(StringAttr)
    time_major = prop_def(IntegerAttr)
    cell_clip = prop_def(FloatAttr)
    cell_scale = opt_prop_def(FloatAttr)
    hidden_scale = opt_prop_def(FloatAttr)
    hidden_zero_point = opt_prop_def(IntegerAttr)
    output = result_def(TensorType)
    traits = traits_def(QuantRule(QuantKind.FLOAT), LayoutSensitive())
    irdl_options = (ParsePropInAttrDict(),)
    assembly_format = "operands attr-dict `:` functional-type(operands, results)"
    GATES: ClassVar[int] = 4

    @property
    def kind(self) -> str:
        """``f32``, ``s8`` (int8 activations) or ``s16`` (16x8)."""
        x = _tensor(self, "input")
        return {32: "f32", 8: "s8", 16: "s16"}.get(_width(x), "?")

    def dims(self) -> tuple[int, int, int, int]:
        """(batch, time steps, features, units)."""
        a, b, features = _tensor(self, "input", 3).get_shape()
        units = _tensor(self, "recurrent", 2).get_shape()[1]
        batch, time = (b, a) if self.time_major.value.data else (a, b)
        return batch, time, features, units

    def verify_(self) -> None:
        major = _flag(self, "time_major")
        x, w, r, b, y = (
            _tensor(self, n) for n in ("input", "weights", "recurrent", "bias", "output")
        )
        if len(x.get_shape()) != 3:
            raise VerifyException(f"{self.name}: the input must have rank 3")
        batch, time, features, units = self.dims()
        if tuple(w.get_shape()) != (4 * units, features):
            raise VerifyException(f"{self.name}: weights must be [4 * {units}, {features}]")
        if tuple(r.get_shape()) != (4 * units, units):
            raise VerifyException(f"{self.name}: recurrent weights must be [{4 * units}, {units}]")
        if tuple(b.get_shape()) != (4 * units,):
            raise VerifyException(f"{self.name}: bias must be [{4 * units}]")
        want = (time, batch, units) if major else (batch, time, units)
        if tuple(y.get_shape()) != want:
            raise VerifyException(f"{self.name}: the result must have shape {want}")
        kind = self.kind
        widths = [_width(t) for t in (x, w, r, b, y)]
        expected = {"f32": [32] * 5, "s8": [8, 8, 8, 32, 8], "s16": [16, 8, 8, 64, 16]}
        if widths != expected.get(kind):
            raise VerifyException(
                f"{self.name}: expected float, int8 (int8 weights, int32 bias) or 16x8 "
                "(int8 weights, int64 bias) operands"
            )
        quantized = kind != "f32"
        for name in ("cell_scale", "hidden_scale", "hidden_zero_point"):
            if (getattr(self, name) is not None) != quantized:
                what = "needs" if quantized else "takes no"
                raise VerifyException(f"{self.name}: the {kind} form {what} '{name}'")


RECURRENT_OPS = (GruOp, RnnOp, LstmCellStateOp, SequenceLstmOp)
"""The ops of this module, in the order ``nn.NN`` registers them."""

__all__ = [
    "RECURRENT_OPS",
    "RNN_ACTIVATIONS",
    "GruOp",
    "LstmCellStateOp",
    "RnnOp",
    "SequenceLstmOp",
]
