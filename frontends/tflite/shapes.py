"""Data-movement translations of the TFLite importer: RESHAPE (SQUEEZE, EXPAND_DIMS),
PAD/PADV2, CONCATENATION, TRANSPOSE, ... Elements move, their values stay: an int8 output
with other quantization parameters than its input gets a requantization after the move.
"""

from __future__ import annotations

from xdsl.dialects.builtin import (
    IntegerAttr,
    TensorType,
    i64,
)
from xdsl.ir import Attribute
from xdsl.irdl import IRDLOperation

from stai.dialects import nn

from .reader import TflOperator
from .translator import Translator


class ShapeTranslator(Translator):
    """The data-movement operators."""

    def _concat(self, op: TflOperator) -> None:
        self._check_outputs(op)
        rank = len(self._shape(op.outputs[0]))
        axis = int(op.options.get("Axis", 0))
        if axis < 0:
            axis += rank
        if not 0 <= axis < rank:
            raise self._error(op, f"axis {op.options.get('Axis', 0)} out of range")
        inputs = [self._operand(op, i) for i in range(len(op.inputs))]
        props = {"axis": IntegerAttr(axis, i64), "activation": self._activation(op)}
        self._emit(op, nn.ConcatOp, [inputs], props)

    def _pad(self, op: TflOperator) -> None:
        self._check_outputs(op)
        x = self._input_index(op, 0, "input")
        rank = len(self._shape(x))
        pads = self._int_list(op, 1, "paddings")
        if len(pads) != 2 * rank:
            raise self._error(op, f"paddings must be a [{rank}, 2] tensor")
        if any(p < 0 for p in pads):
            raise self._error(op, "negative paddings are not supported")
        if op.opcode == "PADV2" and len(op.inputs) > 2 and op.inputs[2] >= 0:
            self._check_pad_value(op)
        self._emit(op, nn.PadOp, [self._operand(op, 0)], {"pads": nn.i64_array(pads)})

    def _check_pad_value(self, op: TflOperator) -> None:
        """PADV2's constant value must be the real value 0 (stai pads with zero)."""
        t = op.inputs[2]
        if not self._is_constant(t):
            raise self._error(op, "the pad value must be a constant")
        values = self._array(t).reshape(-1)
        if values.size != 1:
            raise self._error(op, "the pad value must be a scalar")
        out = self.tensors[op.outputs[0]]
        zero = (
            out.quant.zero_points[0]
            if out.quant is not None and not self._is_float(op.outputs[0])
            else 0
        )
        if float(values[0]) != float(zero):
            raise self._error(op, f"pad value {values[0]} is not supported (only zero padding)")

    def _reshape(self, op: TflOperator) -> None:
        """RESHAPE, SQUEEZE, EXPAND_DIMS: an nn.reshape to the output tensor's shape."""
        self._check_outputs(op)
        value = self._operand(op, 0)
        out_type = self._tensor_type(op.outputs[0])
        assert isinstance(value.type, TensorType)
        if value.type.element_type == out_type.element_type:
            self._emit(op, nn.ReshapeOp, [value])
            return
        # Differing quantization: reshape, then requantize to the output's parameters.
        same = TensorType(value.type.element_type, out_type.get_shape())
        reshaped = self._emit(op, nn.ReshapeOp, [value], result_type=same, name=False)
        self._emit(op, nn.QuantizeOp, [reshaped])

    def _transpose(self, op: TflOperator) -> None:
        """TRANSPOSE with a constant permutation (negative entries count from the end)."""
        self._check_outputs(op)
        rank = len(self._shape(self._input_index(op, 0, "input")))
        perm = [p + rank if p < 0 else p for p in self._int_list(op, 1, "permutation")]
        if sorted(perm) != list(range(rank)):
            raise self._error(op, f"{perm} is not a permutation of {rank} axes")
        self._data_movement(op, nn.TransposeOp, {"perm": nn.i64_array(perm)})

    def _data_movement(
        self, op: TflOperator, op_class: type[IRDLOperation], props: dict[str, Attribute]
    ) -> None:
        """An op that moves elements of its first input; when the output's quantization
        differs from the input's, a requantization follows (as for RESHAPE)."""
        value = self._operand(op, 0)
        out_type = self._tensor_type(op.outputs[0])
        assert isinstance(value.type, TensorType)
        if value.type.element_type == out_type.element_type:
            self._emit(op, op_class, [value], props)
            return
        same = TensorType(value.type.element_type, out_type.get_shape())
        moved = self._emit(op, op_class, [value], props, result_type=same, name=False)
        self._emit(op, nn.QuantizeOp, [moved])
