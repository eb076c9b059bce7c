"""Recurrent ``qnn`` ops besides ``qnn.lstm`` (registered in the ``QNN`` dialect of
``stai.dialects.qnn``): the float32 GRU, simple RNN and LSTM final cell state, and the
stateful sequence LSTM (float, int8, 16x8), kernels of
``runtime/include/stai_kernels_recurrent.h``.

Inputs: the sequence ``[batch, time, features]``, the weights, the recurrent weights, the
bias (and the GRU's recurrent bias), then optionally the initial state ``[batch, units]``.
The buffer form has a scratch buffer holding the state vectors.
"""

from __future__ import annotations

from typing import ClassVar

from xdsl.dialects.builtin import (
    DenseArrayBase,
    FloatAttr,
    IntegerAttr,
    StringAttr,
)
from xdsl.irdl import (
    irdl_op_definition,
    opt_prop_def,
)
from xdsl.utils.exceptions import VerifyException

from stai.dialects.qnn_base import InPlace, KernelOp, NoParams, ParamsSpec, count_of, shape_of
from stai.dialects.qnn_state import StatefulOp

RNN_ACTIVATIONS = ("tanh", "relu", "sigmoid", "linear")
"""``qnn.rnn``'s activations, in the order of their codes in ``stai_rnn_params_f32``."""


class _Recurrent(KernelOp):
    """A float recurrent layer: ``ins`` x, weights, recurrent weights, biases[, initial]."""

    return_sequences = opt_prop_def(IntegerAttr)
    NUM_INS: ClassVar[int | None] = None
    BIASES: ClassVar[int] = 1
    """How many bias operands follow the recurrent weights."""
    S8_PARAMS: ClassVar[ParamsSpec] = None
    F32_PARAMS: ClassVar[ParamsSpec] = NoParams
    IN_PLACE: ClassVar[InPlace] = "no"
    SCRATCH: ClassVar[str] = "lstm_f32"
    """Three state vectors of ``units`` floats (the formula of ``stai_lstm_f32``)."""

    @property
    def has_initial(self) -> bool:
        """Whether the initial state is an operand (else it is zero)."""
        return len(self.ins) == 4 + self.BIASES

    @property
    def units(self) -> int:
        return shape_of(self.ins[2])[1]

    def verify_(self) -> None:
        super().verify_()
        if len(self.ins) not in (3 + self.BIASES, 4 + self.BIASES):
            raise VerifyException(
                f"{self.name}: expected {3 + self.BIASES} inputs and an optional initial state"
            )
        x, y = shape_of(self.ins[0]), shape_of(self.output_type)
        units = self.units
        sequences = self.return_sequences is not None and self.return_sequences.value.data != 0
        want = (x[0], x[1], units) if sequences else (x[0], units)
        if len(x) != 3 or y != want:
            raise VerifyException(f"{self.name}: expected a [batch, time, features] input")
        if self.has_initial and shape_of(self.ins[-1]) != (x[0], units):
            raise VerifyException(f"{self.name}: the initial state must be [{x[0]}, {units}]")

    def macc(self) -> int:
        """The elements of both weight matrices per time step and batch item."""
        x = shape_of(self.ins[0])
        return x[0] * x[1] * (count_of(self.ins[1]) + count_of(self.ins[2]))


@irdl_op_definition
class GruOp(_Recurrent):
    """Float GRU: ``stai_gru_f32``; inputs x, weights ``[3U, F]``, recurrent ``[3U, U]``
    (gates update, reset, candidate), bias and recurrent bias ``[3U]``[, initial state];
    ``linear_before_reset`` as ``nn.gru``. Scratch: ``3 * U`` floats."""

    name = "qnn.gru"
    linear_before_reset = opt_prop_def(IntegerAttr)
    GEOMETRY: ClassVar[tuple[str, ...]] = ("return_sequences", "linear_before_reset")
    BIASES: ClassVar[int] = 2
    OPERAND_ROLES: ClassVar[tuple[str, ...]] = (
        "input",
        "weights",
        "recurrent",
        "bias",
        "recurrent_bias",
        "initial",
    )


@irdl_op_definition
class RnnOp(_Recurrent):
    """Float simple RNN: ``stai_rnn_f32``; inputs x, weights ``[U, F]``, recurrent
    ``[U, U]``, bias ``[U]``[, initial state]; ``activation`` one of
    :data:`RNN_ACTIVATIONS`. Scratch: ``2 * U`` floats (the state and the next one)."""

    name = "qnn.rnn"
    activation = opt_prop_def(StringAttr)
    GEOMETRY: ClassVar[tuple[str, ...]] = ("return_sequences",)
    OPERAND_ROLES: ClassVar[tuple[str, ...]] = ("input", "weights", "recurrent", "bias", "initial")

    def scratch_bytes(self, isa: str) -> int:
        """Two state vectors of ``units`` floats, on every ISA."""
        return 2 * 4 * self.units

    def verify_(self) -> None:
        super().verify_()
        if self.activation is None:
            raise VerifyException(f"{self.name}: missing property 'activation'")
        if self.activation.data not in RNN_ACTIVATIONS:
            raise VerifyException(f"{self.name}: unknown activation '{self.activation.data}'")


@irdl_op_definition
class LstmCellStateOp(_Recurrent):
    """The final cell state of the float LSTM of ``qnn.lstm`` (same inputs, states starting
    at zero): ``stai_lstm_cell_state_f32``; output ``[batch, U]``. Scratch: ``3 * U``
    floats."""

    name = "qnn.lstm_cell_state"
    OPERAND_ROLES: ClassVar[tuple[str, ...]] = ("input", "weights", "recurrent", "bias")

    def verify_(self) -> None:
        super().verify_()
        if self.has_initial:
            raise VerifyException(f"{self.name}: takes no initial state")


LSTM_QUANT = (
    "input_offset",
    "hidden_offset",
    "hidden_zero_point",
    "forget_multiplier",
    "forget_shift",
    "input_gate_multiplier",
    "input_gate_shift",
    "hidden_multiplier",
    "hidden_shift",
    "cell_clip",
    "cell_tanh_multiplier",
    "cell_tanh_shift",
)
"""The integer fields of ``stai_sequence_lstm_params`` in ``qnn.sequence_lstm``'s ``quant``
(after them, per gate input, forget, cell, output: the input and recurrent FC multipliers
and shifts, the kernel's ``gate_quant``)."""


@irdl_op_definition
class SequenceLstmOp(StatefulOp):
    """TFLite's sequence LSTM with its states in the state buffer: ``stai_sequence_lstm_s8``
    / ``_s16`` / ``_f32``; ins(x, weights ``[4U, F]``, recurrent ``[4U, U]``, bias ``[4U]``)
    in tensor form, the variable's ``buf.state`` appended in buffer form (``c`` first, then
    ``h``, as bytes: ``initial`` holds them after reset). Integer kernels: ``quant`` holds
    :data:`LSTM_QUANT` then the 16 ``gate_quant`` values; float: ``cell_clip``. Scratch:
    ``5 * U`` int16 (integer) or ``4 * U`` floats."""

    name = "qnn.sequence_lstm"
    quant = opt_prop_def(DenseArrayBase)
    time_major = opt_prop_def(IntegerAttr)
    cell_clip = opt_prop_def(FloatAttr)
    GEOMETRY: ClassVar[tuple[str, ...]] = ("variable", "initial", "time_major")
    S8_PARAMS: ClassVar[ParamsSpec] = NoParams
    S16_PARAMS: ClassVar[ParamsSpec] = NoParams
    F32_PARAMS: ClassVar[ParamsSpec] = NoParams
    OPERAND_ROLES: ClassVar[tuple[str, ...]] = ("input", "weights", "recurrent", "bias")

    def lstm_dims(self) -> tuple[int, int, int, int]:
        """(batch, time steps, features, units)."""
        a, b, features = shape_of(self.ins[0])
        units = shape_of(self.ins[2])[1]
        assert self.time_major is not None
        return (b, a, features, units) if self.time_major.value.data else (a, b, features, units)

    def scratch_bytes(self, isa: str) -> int:
        units = self.lstm_dims()[3]
        return 16 * units if self.kind == "f32" else 10 * units

    def macc(self) -> int:
        """Both weight matrices once per time step and batch item."""
        batch, time, _, _ = self.lstm_dims()
        return batch * time * (count_of(self.ins[1]) + count_of(self.ins[2]))

    def verify_(self) -> None:
        super().verify_()
        self.verify_state()
        batch, time, features, units = self.lstm_dims()
        major = self.time_major is not None and self.time_major.value.data
        expected = (time, batch, units) if major else (batch, time, units)
        if self.output_shape() != expected:
            raise VerifyException(f"{self.name}: the output must be {expected}")
        if shape_of(self.ins[1]) != (4 * units, features) or shape_of(self.ins[3]) != (4 * units,):
            raise VerifyException(f"{self.name}: weights [4U, F] and bias [4U] expected")
        act = {"f32": 4, "s8": 1, "s16": 2}.get(self.kind)
        if act is None:
            raise VerifyException(f"{self.name}: no kernel for {self.kind} inputs")
        cell = 4 if self.kind == "f32" else 2
        if self.state_type().get_shape() != (batch * units * (cell + act),):
            raise VerifyException(f"{self.name}: the state must be the bytes of c and h")
        if self.kind == "f32":
            if self.cell_clip is None:
                raise VerifyException(f"{self.name}: the float kernel needs 'cell_clip'")
        elif self.quant is None or len(self.quant) != len(LSTM_QUANT) + 16:
            raise VerifyException(
                f"{self.name}: the integer kernels need {len(LSTM_QUANT) + 16} 'quant' values"
            )


RECURRENT_OPS = (GruOp, RnnOp, LstmCellStateOp, SequenceLstmOp)
"""The ops of this module, in the order ``qnn.QNN`` registers them."""

__all__ = [
    "LSTM_QUANT",
    "RECURRENT_OPS",
    "RNN_ACTIVATIONS",
    "GruOp",
    "LstmCellStateOp",
    "RnnOp",
    "SequenceLstmOp",
]
