"""``nn.cumsum`` and ``nn.gather_nd`` (registered by ``stai.dialects.nn``), TFLite's CUMSUM
and GATHER_ND with indices computed at run time (the ops of ``frontends/tflite/cumsum.py``).

``nn.cumsum``: the running sum of a tensor along one axis, ``exclusive`` (each element gets
the sum of the ones before it) and ``reverse`` (summed from the end) as TensorFlow defines
them::

    %y = nn.cumsum %x {axis = 1 : i64, exclusive = 0 : i64, reverse = 1 : i64}
         : (tensor<2x5x3xf32>) -> tensor<2x5x3xf32>

``nn.gather_nd``: the slices of ``input`` that the int32 index tuples (the last axis of
``indices``, 1 to 5 long) name, at the flat position TFLite Micro computes (each index
times the element count of its axis' slices, summed); the result's shape is
``indices.shape[:-1] + input.shape[depth:]``. A tuple whose slice lies outside the tensor
stops ``run`` with an error, where TFLite Micro's invocation fails::

    %y = nn.gather_nd %p, %i : (tensor<4x5x3xf32>, tensor<6x2xi32>) -> tensor<6x3xf32>
"""

from __future__ import annotations

from xdsl.dialects.builtin import IntegerAttr, IntegerType, TensorType
from xdsl.irdl import irdl_op_definition, operand_def, prop_def, result_def, traits_def
from xdsl.utils.exceptions import VerifyException

from stai.dialects.nn_base import _check_float_or_quant, _NNOp, _tensor
from stai.dialects.nn_traits import ConstantQuant, LayoutSensitive, QuantKind, QuantRule

MAX_GATHER_ND_DEPTH = 5
"""The longest index tuple of GATHER_ND (TensorFlow Lite Micro's limit)."""


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


@irdl_op_definition
class GatherNdOp(_NNOp):
    """The slices of ``input`` named by the index tuples of ``indices`` (int32, computed
    at run time): tuple ``t`` of depth ``d`` names the slice at flat position
    ``sum(t[j] * prod(input.shape[j + 1:]))``, of ``prod(input.shape[d:])`` elements."""

    name = "nn.gather_nd"
    input = operand_def(TensorType)
    indices = operand_def(TensorType)
    output = result_def(TensorType)
    traits = traits_def(
        QuantRule(QuantKind.SAME_AS_INPUT, constants=ConstantQuant.OWN_RANGE), LayoutSensitive()
    )

    def depth(self) -> int:
        """The length of an index tuple (the indices' last dimension)."""
        return _tensor(self, "indices").get_shape()[-1]

    def index_limit(self) -> int:
        """A bound of safe indices: every tuple of indices in ``[0, limit)`` names a slice
        inside the input (the smallest indexed axis)."""
        return min(_tensor(self, "input").get_shape()[: self.depth()])

    def verify_(self) -> None:
        x, i, y = _tensor(self, "input"), _tensor(self, "indices"), _tensor(self, "output")
        shape, index_shape = tuple(x.get_shape()), tuple(i.get_shape())
        if i.element_type != IntegerType(32):
            raise VerifyException(f"{self.name}: the indices must be i32")
        if not shape or not index_shape:
            raise VerifyException(f"{self.name}: input and indices must have rank >= 1")
        depth = index_shape[-1]
        if not 1 <= depth <= min(len(shape), MAX_GATHER_ND_DEPTH):
            raise VerifyException(
                f"{self.name}: index tuples of {depth} for a rank-{len(shape)} input "
                f"(1 to {MAX_GATHER_ND_DEPTH})"
            )
        expected = (*index_shape[:-1], *shape[depth:])
        if tuple(y.get_shape()) != expected:
            raise VerifyException(f"{self.name}: the result must have shape {expected}")
        if x.element_type != y.element_type:
            raise VerifyException(f"{self.name}: element types differ")


CUMSUM_OPS = (CumsumOp, GatherNdOp)
"""The ops of this module, in the order ``nn.NN`` registers them."""

__all__ = ["CUMSUM_OPS", "MAX_GATHER_ND_DEPTH", "CumsumOp", "GatherNdOp"]
