"""TFLite translations of the operators whose results follow from static facts: SHAPE,
ZEROS_LIKE and FILL.

stai compiles static shapes (a dynamic batch axis is taken as its stored size, as TFLite
Micro does), so SHAPE and ZEROS_LIKE always fold into an ``nn.constant``: SHAPE is its
input's shape in ``int32`` (TensorFlow Lite Micro's only SHAPE output type), ZEROS_LIKE a
tensor of zeros of its input's type (stored zeros: an int8 ZEROS_LIKE holds the integer
0 whatever its zero point, as TFLite Micro's kernel writes). FILL needs constant dims
(TensorFlow Lite Micro refuses others) equal to its output's shape; a constant value folds
into a constant of that shape, a computed one (a scalar) is broadcast to it: a reshape to
the output's rank, then per axis a concatenation of copies, the form BROADCAST_TO takes.
A folded result is also recorded in ``folded``, so consumers that need a constant
operand (a RESHAPE's shape, a FILL's dims) read its values.
"""

from __future__ import annotations

import numpy as np
from xdsl.dialects.builtin import IntegerAttr, StringAttr, TensorType, i64
from xdsl.ir import Attribute, SSAValue

from stai.dialects import nn

from .reader import NUMPY_DTYPES, TflOperator
from .translator import Translator

SHAPE_TYPES = ("float32", "int8")
"""The input types SHAPE is tested with (it reads only the input's shape, whatever its
type); the output is ``int32``."""

ZEROS_LIKE_TYPES = ("float32", "int8", "int32")
"""TensorFlow Lite Micro's ZEROS_LIKE types (it also has int64, a type stai lacks)."""

FILL_TYPES = ("float32", "int8", "int32")
"""TensorFlow Lite Micro's FILL value types."""

_TYPE_NAMES = {"FLOAT32": "float32", "INT8": "int8", "INT16": "int16", "INT32": "int32"}


class ConstantsTranslator(Translator):
    """Translators of SHAPE, ZEROS_LIKE and FILL."""

    def _fold(self, op: TflOperator, array: np.ndarray) -> None:
        """Make ``op``'s output the constant ``array`` (in its output tensor's type)."""
        out = op.outputs[0]
        out_type = self._tensor_type(out)
        storage = nn.numpy_dtype(out_type.element_type)
        values = np.ascontiguousarray(np.broadcast_to(array, out_type.get_shape()), storage)
        const = nn.ConstantOp(values, out_type)
        self._tag(const, op, self.tensors[out].name)
        self.block.add_op(const)
        self.values[out] = const.output
        self._name_hint(const.output, self.tensors[out].name)
        self.folded[out] = values

    def _type_of(self, op: TflOperator, t: int, allowed: tuple[str, ...]) -> str:
        """The stai name of tensor ``t``'s type, refused unless in ``allowed``."""
        kind = _TYPE_NAMES.get(self.tensors[t].type_name, self.tensors[t].type_name.lower())
        if kind not in allowed:
            raise self._error(
                op, f"{kind} is not supported (types: {', '.join(allowed)}, as TFLite Micro)"
            )
        return kind

    def _shape_op(self, op: TflOperator) -> None:
        """SHAPE: the input's static shape as an int32 constant."""
        self._check_outputs(op)
        shape = self._shape(self._input_index(op, 0, "input"))
        out = op.outputs[0]
        if self.tensors[out].type_name != "INT32":
            raise self._error(
                op, f"output type {self.tensors[out].type_name} (TFLite Micro writes INT32 only)"
            )
        if tuple(self._shape(out)) != (len(shape),):
            raise self._error(
                op, f"the output shape {list(self._shape(out))} is not [{len(shape)}]"
            )
        self._fold(op, np.asarray(shape, np.int32))

    def _zeros_like(self, op: TflOperator) -> None:
        """ZEROS_LIKE: stored zeros of the input's shape and type."""
        self._check_outputs(op)
        x, out = self._input_index(op, 0, "input"), op.outputs[0]
        self._type_of(op, out, ZEROS_LIKE_TYPES)
        if self.tensors[x].type_name != self.tensors[out].type_name:
            raise self._error(op, "the input and output types differ")
        if tuple(self._shape(x)) != tuple(self._shape(out)):
            raise self._error(op, "the input and output shapes differ")
        self._fold(op, np.zeros((), NUMPY_DTYPES[self.tensors[out].type_name]))

    def _fill(self, op: TflOperator) -> None:
        """FILL: constant dims; a constant value folds, a computed one is broadcast."""
        self._check_outputs(op)
        value_t, out = self._input_index(op, 1, "value"), op.outputs[0]
        self._type_of(op, out, FILL_TYPES)
        dims = self._int_list(op, 0, "dims")
        shape = list(self._shape(out))
        if dims != shape:
            raise self._error(op, f"dims {dims} differ from the output's shape {shape}")
        if self._shape(value_t) not in ((), (1,)):
            raise self._error(op, f"the value must be a scalar, not {list(self._shape(value_t))}")
        if self._tensor_type(value_t).element_type != self._tensor_type(out).element_type:
            raise self._error(op, "the value and output types (or quantizations) differ")
        if self._is_constant(value_t):
            self._fold(op, self._array(value_t).reshape(()))
            return
        self._broadcast_scalar(op, self._operand(op, 1, "value"), shape)

    def _broadcast_scalar(self, op: TflOperator, value: SSAValue, shape: list[int]) -> None:
        """``value`` (one element) as the whole output: a reshape to ``[1] * rank``, then
        per axis longer than 1 a concatenation of copies along it."""
        assert isinstance(value.type, TensorType)
        element = value.type.element_type
        axes = [d for d, n in enumerate(shape) if n != 1]
        ones = [1] * len(shape)
        if not axes:
            self._emit(op, nn.ReshapeOp, [value])
            return
        value = self._emit(
            op, nn.ReshapeOp, [value], result_type=TensorType(element, ones), name=False
        )
        for axis in axes:
            ones[axis] = shape[axis]
            props: dict[str, Attribute] = {
                "axis": IntegerAttr(axis, i64),
                "activation": StringAttr("none"),
            }
            final = axis == axes[-1]
            result_type = None if final else TensorType(element, ones)
            value = self._emit(
                op, nn.ConcatOp, [[value] * shape[axis]], props, result_type, name=final
            )
