"""TFLite translations of the operators of boolean tensors: the comparisons (LESS,
LESS_EQUAL, GREATER, GREATER_EQUAL, EQUAL, NOT_EQUAL), LOGICAL_AND, LOGICAL_OR,
LOGICAL_NOT, SELECT and SELECT_V2, CAST and FLOOR_MOD (``dialects/nn_logical.py``).

A ``BOOL`` tensor is ``i1`` and a plain (unquantized) ``INT32`` tensor ``i32``
(``Translator._element_type``); quantized int8 operands keep their ``!nn.q`` types (an
int8 comparison rescales both inputs, as TFLite Micro does).
"""

from __future__ import annotations

from xdsl.dialects.builtin import IntegerType, StringAttr, TensorType
from xdsl.ir import Attribute, SSAValue

from stai.dialects import nn
from stai.dialects.nn_logical import (
    CastOp,
    CompareOp,
    FloorModOp,
    LogicalNotOp,
    LogicalOp,
    SelectOp,
)

from .reader import TflOperator
from .translator import Translator

PREDICATE_OF = {
    "EQUAL": "equal",
    "NOT_EQUAL": "not_equal",
    "LESS": "less",
    "LESS_EQUAL": "less_equal",
    "GREATER": "greater",
    "GREATER_EQUAL": "greater_equal",
}
"""The ``nn.compare`` predicate of each TFLite comparison."""

COMPARE_TYPES = ("float32", "int8", "int16", "int32")
"""The element types of the comparisons (EQUAL and NOT_EQUAL also compare booleans);
int16 inputs must share one quantization (their codes are compared)."""

SELECT_TYPES = ("float32", "int8", "int32")
"""SELECT's value types (its kernel copies elements of any size; the converter writes no
16x8 SELECT)."""
CAST_TYPES = ("float32", "int8", "int16", "int32", "bool")
"""CAST's types: TFLite Micro's (from int8, int16, int32, float32 or bool to int8, int16,
int32 or float32; its uint32 is not a stai type) and casts to bool (LiteRT's). The
converter writes the int8 and int16 ends of a CAST without quantization: plain integers."""

_PLAIN_BITS = {"INT8": 8, "INT16": 16}
"""The integer TFLite types a CAST writes without quantization (INT32 is plain already)."""


class LogicalTranslator(Translator):
    """Translators of the comparisons, logical operators, SELECT(_V2), CAST, FLOOR_MOD."""

    def _compare(self, op: TflOperator) -> None:
        self._check_outputs(op)
        lhs, rhs = self._operand(op, 0, "lhs"), self._operand(op, 1, "rhs")
        props: dict[str, Attribute] = {"predicate": StringAttr(PREDICATE_OF[op.opcode])}
        self._emit(op, CompareOp, [lhs, rhs], props)

    def _logical(self, op: TflOperator) -> None:
        self._check_outputs(op)
        lhs, rhs = self._operand(op, 0, "lhs"), self._operand(op, 1, "rhs")
        function = "and" if op.opcode == "LOGICAL_AND" else "or"
        self._emit(op, LogicalOp, [lhs, rhs], {"function": StringAttr(function)})

    def _logical_not(self, op: TflOperator) -> None:
        self._check_outputs(op)
        self._emit(op, LogicalNotOp, [self._operand(op, 0)])

    def _select(self, op: TflOperator) -> None:
        """SELECT_V2 broadcasts its three inputs; SELECT (v1) also takes a 1-D condition
        that picks whole rows of x and y (along their first dimension)."""
        self._check_outputs(op)
        cond = self._operand(op, 0, "condition")
        x, y = self._operand(op, 1, "x"), self._operand(op, 2, "y")
        c_shape, x_shape = self._shape(op.inputs[0]), self._shape(op.inputs[1])
        if op.opcode == "SELECT" and len(c_shape) == 1 and len(x_shape) > 1 and c_shape != x_shape:
            if c_shape[0] != x_shape[0]:
                raise self._error(op, "a 1-D condition must have x's first dimension")
            shape = (c_shape[0],) + (1,) * (len(x_shape) - 1)
            rows = TensorType(self._value_type(cond).element_type, shape)
            cond = self._emit(op, nn.ReshapeOp, [cond], result_type=rows, name=False)
        self._emit(op, SelectOp, [cond, x, y])

    def _cast(self, op: TflOperator) -> None:
        """CAST converts element by element; an INT8 or INT16 tensor without quantization
        (what the converter writes for a cast to int8 or int16) is a plain ``i8`` / ``i16``."""
        self._check_outputs(op)
        x = self._operand(op, 0)
        out = op.outputs[0]
        tensor = self.tensors[out]
        bits = _PLAIN_BITS.get(tensor.type_name)
        if bits is None or tensor.quant is not None:
            self._emit(op, CastOp, [x])
            return
        plain = TensorType(IntegerType(bits), self._shape(out))
        value = self._emit(op, CastOp, [x], result_type=plain)
        self.values[out] = value
        self._name_hint(value, tensor.name)

    def _floor_mod(self, op: TflOperator) -> None:
        self._check_outputs(op)
        if not self._is_float(op.outputs[0]):
            raise self._error(op, "only float32 FLOOR_MOD is supported (as TFLite Micro)")
        lhs, rhs = self._operand(op, 0, "lhs"), self._operand(op, 1, "rhs")
        self._emit(op, FloorModOp, [lhs, rhs])

    @staticmethod
    def _value_type(value: SSAValue) -> TensorType:
        t = value.type
        assert isinstance(t, TensorType)
        return t
