"""``nn.squared_difference``: TFLite's SQUARED_DIFFERENCE on quantized (int8, 16x8) and
int32 tensors, ``(lhs - rhs)^2`` with numpy broadcasting. float32 SQUARED_DIFFERENCE is
imported as ``nn.sub`` then ``nn.square``; this op holds the quantized and integer forms,
whose arithmetic (TensorFlow Lite Micro's) is not that of a subtraction followed by a
square (registered by ``stai.dialects.nn``)::

    %y = nn.squared_difference %a, %b
         : (tensor<1x8x!nn.q<i8, 0.02 : -3>>, tensor<1x8x!nn.q<i8, 0.03 : 5>>)
           -> tensor<1x8x!nn.q<i8, 0.01 : -128>>
"""

from __future__ import annotations

from xdsl.dialects.builtin import IntegerType, TensorType
from xdsl.irdl import irdl_op_definition, operand_def, result_def, traits_def
from xdsl.utils.exceptions import VerifyException

from stai.dialects.nn_base import _check_float_or_quant, _NNOp, _tensor
from stai.dialects.nn_traits import ElementwiseBinary, QuantKind, QuantRule, broadcast_shape


@irdl_op_definition
class SquaredDifferenceOp(_NNOp):
    """``(lhs - rhs)^2`` element by element, with broadcasting."""

    name = "nn.squared_difference"
    lhs = operand_def(TensorType)
    rhs = operand_def(TensorType)
    output = result_def(TensorType)
    traits = traits_def(QuantRule(QuantKind.FLOAT), ElementwiseBinary())

    def verify_(self) -> None:
        a, b, y = _tensor(self, "lhs"), _tensor(self, "rhs"), _tensor(self, "output")
        for t, what in ((a, "lhs"), (b, "rhs"), (y, "output")):
            if not isinstance(t.element_type, IntegerType):
                _check_float_or_quant(self, t, what)
        shape = broadcast_shape(self.name, a.get_shape(), b.get_shape())
        if tuple(shape) != tuple(y.get_shape()):
            raise VerifyException(f"{self.name}: the result shape is not the broadcast one")


SQDIFF_NN_OPS = (SquaredDifferenceOp,)
"""The ops of this module (for the ``NN`` dialect's list)."""

__all__ = ["SQDIFF_NN_OPS", "SquaredDifferenceOp"]
