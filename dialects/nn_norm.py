"""L2 ops of the ``nn`` dialect (registered by ``stai.dialects.nn``): TFLite's
L2_NORMALIZATION and L2_POOL_2D.

Examples::

    %y = nn.l2_normalization %x : (tensor<1x4x6xf32>) -> tensor<1x4x6xf32>
    %p = nn.l2_pool2d %x {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>,
         pads = array<i64: 0, 0, 0, 0>, activation = "none"}
         : (tensor<1x4x4x3xf32>) -> tensor<1x2x2x3xf32>
"""

from __future__ import annotations

from xdsl.dialects.builtin import I64, DenseArrayBase, StringAttr, TensorType
from xdsl.irdl import irdl_op_definition, operand_def, prop_def, result_def, traits_def
from xdsl.utils.exceptions import VerifyException

from stai.dialects.nn_base import (
    _check_float_or_quant,
    _check_len,
    _NNOp,
    _tensor,
    _verify_activation,
)
from stai.dialects.nn_traits import LayoutSensitive, QuantKind, QuantRule

L2_NORM_OUTPUT = (1.0 / 128.0, 0)
"""The int8 output quantization of an L2 normalization (TensorFlow Lite Micro's kernel
writes values in 1/128 units, zero point 0)."""


@irdl_op_definition
class L2NormalizationOp(_NNOp):
    """``y = x / max(||x||, 1e-6)`` along the last axis (rank 1 to 4); int8 output in
    1/128 units."""

    name = "nn.l2_normalization"
    input = operand_def(TensorType)
    output = result_def(TensorType)
    traits = traits_def(QuantRule(QuantKind.FIXED_OUTPUT, output=L2_NORM_OUTPUT), LayoutSensitive())

    def verify_(self) -> None:
        x, y = _tensor(self, "input"), _tensor(self, "output")
        _check_float_or_quant(self, x, "input")
        _check_float_or_quant(self, y, "output")
        if tuple(x.get_shape()) != tuple(y.get_shape()):
            raise VerifyException(f"{self.name}: input and result shapes differ")
        if not 1 <= len(x.get_shape()) <= 4:
            raise VerifyException(f"{self.name}: the input must have rank 1 to 4")


@irdl_op_definition
class L2Pool2DOp(_NNOp):
    """L2 pooling over NHWC: ``sqrt(mean of the squares of the window cells inside the
    input)``, a fused activation; float only (as TensorFlow Lite Micro)."""

    name = "nn.l2_pool2d"
    input = operand_def(TensorType)
    kernel = prop_def(DenseArrayBase[I64])
    strides = prop_def(DenseArrayBase[I64])
    pads = prop_def(DenseArrayBase[I64])
    activation = prop_def(StringAttr)
    output = result_def(TensorType)
    traits = traits_def(QuantRule(QuantKind.FLOAT), LayoutSensitive())

    def verify_(self) -> None:
        x, y = _tensor(self, "input", 4), _tensor(self, "output", 4)
        _check_len(self, "kernel", 2)
        _check_len(self, "strides", 2)
        _check_len(self, "pads", 4)
        _verify_activation(self)
        xs, ys = x.get_shape(), y.get_shape()
        if xs[0] != ys[0] or xs[3] != ys[3]:
            raise VerifyException(f"{self.name}: batch and channels must be kept")


NORM_OPS = (L2NormalizationOp, L2Pool2DOp)
"""The ops of this module, in the order ``nn.NN`` registers them."""

__all__ = ["L2_NORM_OUTPUT", "NORM_OPS", "L2NormalizationOp", "L2Pool2DOp"]
