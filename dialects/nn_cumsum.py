"""``nn.cumsum`` (registered by ``stai.dialects.nn``): TFLite's CUMSUM, the running sum of
a tensor along one axis, ``exclusive`` (each element gets the sum of the ones before it)
and ``reverse`` (summed from the end) as TensorFlow defines them.

Example::

    %y = nn.cumsum %x {axis = 1 : i64, exclusive = 0 : i64, reverse = 1 : i64}
         : (tensor<2x5x3xf32>) -> tensor<2x5x3xf32>
"""

from __future__ import annotations

from xdsl.dialects.builtin import IntegerAttr, TensorType
from xdsl.irdl import irdl_op_definition, operand_def, prop_def, result_def, traits_def
from xdsl.utils.exceptions import VerifyException

from stai.dialects.nn_base import _check_float_or_quant, _NNOp, _tensor
from stai.dialects.nn_traits import LayoutSensitive, QuantKind, QuantRule


@irdl_op_definition
class CumsumOp(_NNOp):
    """The cumulative sum along ``axis`` (0 <= axis < rank); ``exclusive`` and ``reverse``
    are 0 or 1."""

    name = "nn.cumsum"
    input = operand_def(TensorType)
    axis = prop_def(IntegerAttr)
    exclusive = prop_def(IntegerAttr)
    reverse = prop_def(IntegerAttr)
    output = result_def(TensorType)
    traits = traits_def(QuantRule(QuantKind.OWN_RANGE), LayoutSensitive())

    def verify_(self) -> None:
        x, y = _tensor(self, "input"), _tensor(self, "output")
        _check_float_or_quant(self, x, "input")
        _check_float_or_quant(self, y, "output")
        if tuple(x.get_shape()) != tuple(y.get_shape()):
            raise VerifyException(f"{self.name}: input and result shapes differ")
        if not 0 <= self.axis.value.data < len(x.get_shape()):
            raise VerifyException(f"{self.name}: axis out of range")
        for name in ("exclusive", "reverse"):
            if getattr(self, name).value.data not in (0, 1):
                raise VerifyException(f"{self.name}: '{name}' must be 0 or 1")


CUMSUM_OPS = (CumsumOp,)
"""The ops of this module, in the order ``nn.NN`` registers them."""

__all__ = ["CUMSUM_OPS", "CumsumOp"]
