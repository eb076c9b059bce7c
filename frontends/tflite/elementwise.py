"""TFLite element-wise translations made of several ``nn`` ops or of float-only ones:
SQUARED_DIFFERENCE (a subtraction, then its square), FLOOR_DIV (a division, then its
floor), ADD_N (additions left to right), LOG_SOFTMAX. Each is float only here: an int8
version is a one-line error naming it."""

from __future__ import annotations

from collections.abc import Sequence

from xdsl.dialects.builtin import StringAttr, TensorType
from xdsl.ir import Attribute, SSAValue
from xdsl.irdl import IRDLOperation

from stai.dialects import nn
from stai.dialects.nn_sqdiff import SquaredDifferenceOp

from .indexing import IndexingTranslator
from .reader import TflOperator


class ElementwiseTranslator(IndexingTranslator):
    """The element-wise operators built from several ``nn`` ops."""

    def _float_only(self, op: TflOperator) -> None:
        self._check_outputs(op)
        tensors = [t for t in (*op.inputs, *op.outputs) if t >= 0]
        if not all(self._is_float(t) for t in tensors):
            raise self._error(op, f"only float32 {op.opcode} is supported")

    def _sequence(
        self,
        op: TflOperator,
        steps: Sequence[tuple[type[IRDLOperation], Sequence[SSAValue | None]]],
    ) -> SSAValue:
        """The ops of ``steps`` in order, each reading the previous result (``None`` in its
        operands) and the given values; the last computes the operator's output."""
        out_type = self._tensor_type(op.outputs[0])
        previous: SSAValue | None = None
        for i, (cls, operands) in enumerate(steps):
            values: list[SSAValue] = []
            for v in operands:
                chosen = v if v is not None else previous
                assert chosen is not None
                values.append(chosen)
            props: dict[str, Attribute] = {}
            if len(values) == 2:
                props["activation"] = StringAttr("none")
            last = i == len(steps) - 1
            if last:
                previous = self._emit(op, cls, values, props)
            else:
                shape = out_type.get_shape()
                result_type = TensorType(out_type.element_type, shape)
                previous = self._emit(op, cls, values, props, result_type=result_type, name=False)
        assert previous is not None
        return previous

    def _squared_difference(self, op: TflOperator) -> None:
        self._check_outputs(op)
        a, b = self._operand(op, 0, "lhs"), self._operand(op, 1, "rhs")
        if all(self._is_float(t) for t in (*op.inputs, *op.outputs) if t >= 0):
            self._sequence(op, [(nn.SubOp, [a, b]), (nn.SquareOp, [None])])
        else:  # int8, int16, int32: TensorFlow Lite Micro's own arithmetic
            self._emit(op, SquaredDifferenceOp, [a, b])

    def _floor_div(self, op: TflOperator) -> None:
        self._float_only(op)
        a, b = self._operand(op, 0, "lhs"), self._operand(op, 1, "rhs")
        self._sequence(op, [(nn.DivOp, [a, b]), (nn.FloorOp, [None])])

    def _add_n(self, op: TflOperator) -> None:
        self._float_only(op)
        values = [self._operand(op, i) for i in range(len(op.inputs))]
        if len(values) == 1:
            self._emit(op, nn.ReshapeOp, values)
            return
        steps: list[tuple[type[IRDLOperation], Sequence[SSAValue | None]]] = [
            (nn.AddOp, [values[0], values[1]])
        ]
        steps += [(nn.AddOp, [None, v]) for v in values[2:]]
        self._sequence(op, steps)

    def _log_softmax(self, op: TflOperator) -> None:
        self._float_only(op)
        self._emit(op, nn.LogSoftmaxOp, [self._operand(op, 0)])
