"""``nn`` ops of boolean tensors: comparisons, logical operators, select and casts.

A boolean element is ``i1`` (one byte in memory, 0 or 1: TFLite's ``BOOL``, ONNX's
``bool``, C's ``bool``). Comparisons and logical operators broadcast their operands
(numpy rules) like the arithmetic binary ops::

    %m = nn.compare %x, %t {predicate = "greater"}
         : (tensor<1x8xf32>, tensor<1xf32>) -> tensor<1x8xi1>
    %y = nn.select %m, %x, %z : (tensor<1x8xi1>, tensor<1x8xf32>, tensor<1x8xf32>)
         -> tensor<1x8xf32>

``nn.compare`` reads two tensors of one element type: ``f32``, plain integers (``i32``,
``i64``), booleans (``equal`` / ``not_equal``) or one quantized type per operand (an int8
comparison rescales both to a common scale, as TFLite Micro). ``nn.select`` keeps the
element type of its two value operands (quantized: one quantization for both and the
result). ``nn.cast`` converts element by element (quantized codes are cast as plain
integers, as TFLite Micro's CAST does); ``nn.floor_mod`` is TFLite's float FLOOR_MOD.

None of them has an int8 kernel of its own in stai's quantizer (``QuantKind.FLOAT``), and
a transpose stops at them (``LayoutSensitive``).
"""

from __future__ import annotations

from typing import Any

from xdsl.dialects.builtin import Float32Type, IntegerType, StringAttr, TensorType
from xdsl.irdl import irdl_op_definition, operand_def, prop_def, result_def, traits_def
from xdsl.utils.exceptions import VerifyException

from stai.dialects.nn_base import QuantType, _NNOp, _tensor
from stai.dialects.nn_traits import LayoutSensitive, QuantKind, QuantRule, broadcast_shape

PREDICATES = ("equal", "not_equal", "less", "less_equal", "greater", "greater_equal")
"""The predicates of ``nn.compare`` (and ``qnn.compare``), in the kernels' code order."""

LOGICAL_FUNCTIONS = ("and", "or")
"""The functions of ``nn.logical``."""


def is_bool(t: TensorType) -> bool:
    """Whether a tensor type holds booleans (``i1``)."""
    e = t.element_type
    return isinstance(e, IntegerType) and e.width.data == 1


def _check_broadcast(op: _NNOp, names: tuple[str, ...]) -> None:
    shapes = [tuple(_tensor(op, n).get_shape()) for n in names]
    shape = shapes[0]
    for other in shapes[1:]:
        shape = broadcast_shape(op.name, shape, other)
    y = tuple(_tensor(op, "output").get_shape())
    if shape != y:
        raise VerifyException(
            f"{op.name}: result shape {y} is not the broadcast shape {shape} of the operands"
        )


def _common() -> Any:
    """The facts every op here states: no int8 kernel of stai's quantizer, a transpose
    stops at it."""
    return traits_def(QuantRule(QuantKind.FLOAT), LayoutSensitive())


@irdl_op_definition
class CompareOp(_NNOp):
    """``lhs <predicate> rhs`` element by element with broadcasting: a boolean tensor."""

    name = "nn.compare"
    lhs = operand_def(TensorType)
    rhs = operand_def(TensorType)
    predicate = prop_def(StringAttr)
    output = result_def(TensorType)
    traits = _common()

    def verify_(self) -> None:
        a, b, y = _tensor(self, "lhs"), _tensor(self, "rhs"), _tensor(self, "output")
        if self.predicate.data not in PREDICATES:
            raise VerifyException(f"{self.name}: unknown predicate '{self.predicate.data}'")
        if not is_bool(y):
            raise VerifyException(f"{self.name}: the result must hold i1 booleans")
        ea, eb = a.element_type, b.element_type
        quantized = isinstance(ea, QuantType) and isinstance(eb, QuantType)
        if not quantized and ea != eb:
            raise VerifyException(f"{self.name}: the operands' element types differ")
        if quantized:
            assert isinstance(ea, QuantType) and isinstance(eb, QuantType)
            if ea.storage != eb.storage or ea.per_channel or eb.per_channel:
                raise VerifyException(
                    f"{self.name}: quantized operands must share one per-tensor storage type"
                )
        if is_bool(a) and self.predicate.data not in ("equal", "not_equal"):
            raise VerifyException(f"{self.name}: booleans compare only for (in)equality")
        _check_broadcast(self, ("lhs", "rhs"))


@irdl_op_definition
class LogicalOp(_NNOp):
    """Logical ``and`` / ``or`` (``function``) of two boolean tensors with broadcasting."""

    name = "nn.logical"
    lhs = operand_def(TensorType)
    rhs = operand_def(TensorType)
    function = prop_def(StringAttr)
    output = result_def(TensorType)
    traits = _common()

    def verify_(self) -> None:
        if self.function.data not in LOGICAL_FUNCTIONS:
            raise VerifyException(f"{self.name}: function must be 'and' or 'or'")
        for n in ("lhs", "rhs", "output"):
            if not is_bool(_tensor(self, n)):
                raise VerifyException(f"{self.name}: {n} must hold i1 booleans")
        _check_broadcast(self, ("lhs", "rhs"))


@irdl_op_definition
class LogicalNotOp(_NNOp):
    """Logical negation of a boolean tensor."""

    name = "nn.logical_not"
    input = operand_def(TensorType)
    output = result_def(TensorType)
    traits = _common()

    def verify_(self) -> None:
        x, y = _tensor(self, "input"), _tensor(self, "output")
        if not is_bool(x) or not is_bool(y):
            raise VerifyException(f"{self.name}: input and result must hold i1 booleans")
        if tuple(x.get_shape()) != tuple(y.get_shape()):
            raise VerifyException(f"{self.name}: input and result shapes differ")


@irdl_op_definition
class SelectOp(_NNOp):
    """``condition ? x : y`` element by element, the three operands broadcast (TFLite's
    SELECT_V2, ONNX's Where)."""

    name = "nn.select"
    condition = operand_def(TensorType)
    x = operand_def(TensorType)
    y = operand_def(TensorType)
    output = result_def(TensorType)
    traits = _common()

    def verify_(self) -> None:
        if not is_bool(_tensor(self, "condition")):
            raise VerifyException(f"{self.name}: the condition must hold i1 booleans")
        x, y, out = _tensor(self, "x"), _tensor(self, "y"), _tensor(self, "output")
        if not x.element_type == y.element_type == out.element_type:
            raise VerifyException(f"{self.name}: x, y and the result must have one element type")
        _check_broadcast(self, ("condition", "x", "y"))


@irdl_op_definition
class CastOp(_NNOp):
    """The input converted element by element to the result's element type (float to an
    integer truncates toward zero; to a boolean: non-zero)."""

    name = "nn.cast"
    input = operand_def(TensorType)
    output = result_def(TensorType)
    traits = _common()

    def verify_(self) -> None:
        x, y = _tensor(self, "input"), _tensor(self, "output")
        if tuple(x.get_shape()) != tuple(y.get_shape()):
            raise VerifyException(f"{self.name}: input and result shapes differ")
        for t, what in ((x, "input"), (y, "result")):
            e = t.element_type
            if isinstance(e, QuantType):
                e = e.storage
            if not isinstance(e, Float32Type | IntegerType) or (
                isinstance(e, IntegerType) and e.width.data not in (1, 8, 16, 32, 64)
            ):
                raise VerifyException(f"{self.name}: no cast for the {what} type {t.element_type}")


@irdl_op_definition
class FloorModOp(_NNOp):
    """TFLite's FLOOR_MOD of floats with broadcasting: the remainder with the divisor's
    sign (``fmod(a, b)``, plus ``b`` when it is not zero and the signs differ)."""

    name = "nn.floor_mod"
    lhs = operand_def(TensorType)
    rhs = operand_def(TensorType)
    output = result_def(TensorType)
    traits = _common()

    def verify_(self) -> None:
        for n in ("lhs", "rhs", "output"):
            if not isinstance(_tensor(self, n).element_type, Float32Type):
                raise VerifyException(f"{self.name}: {n} must hold f32")
        _check_broadcast(self, ("lhs", "rhs"))


LOGICAL_OPS = (CompareOp, LogicalOp, LogicalNotOp, SelectOp, CastOp, FloorModOp)
"""The ``nn`` ops of boolean tensors (appended to ``nn.NN``)."""
