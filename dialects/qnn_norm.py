"""L2 kernels of the ``qnn`` dialect (registered in ``stai.dialects.qnn``'s ``QNN``):
``stai_l2_normalization_{f32,s8}`` and ``stai_l2_pool_f32`` of
``runtime/include/stai_kernels_norm.h``.

``qnn.l2_normalization`` normalizes along the last axis; int8 takes the input's
``#qnn.quantization`` (its zero point is the kernel's offset; the output is in 1/128
units, as TensorFlow Lite Micro). ``qnn.l2_pool2d`` (float) has the geometry of the other
pools and the clamp ``act``.

Example::

    %y = qnn.l2_normalization ins(%x : tensor<1x4x6xi8>)
           {params = #qnn.quantization<scale = 0.02 : f32, zero_point = -3 : i32>}
           -> tensor<1x4x6xi8>
"""

from __future__ import annotations

import math
from typing import ClassVar

from xdsl.dialects.builtin import DenseArrayBase
from xdsl.irdl import irdl_op_definition, opt_prop_def
from xdsl.utils.exceptions import VerifyException

from stai.dialects import qnn_params as qp
from stai.dialects.qnn_base import InPlace, KernelOp, NoParams, ParamsSpec, count_of, shape_of


@irdl_op_definition
class L2NormalizationOp(KernelOp):
    """L2 normalization along the last axis: ``stai_l2_normalization_f32`` / ``_s8``."""

    name = "qnn.l2_normalization"
    NUM_INS: ClassVar[int | None] = 1
    S8_PARAMS: ClassVar[ParamsSpec] = qp.QuantizationParams
    F32_PARAMS: ClassVar[ParamsSpec] = NoParams
    IN_PLACE: ClassVar[InPlace] = "no"
    SCRATCH: ClassVar[str] = "none"

    def rows_depth(self) -> tuple[int, int]:
        """The number of vectors and their length (the last axis)."""
        shape = shape_of(self.ins[0])
        return math.prod(shape[:-1]), shape[-1]

    def macc(self) -> int:
        """A square-and-add and a multiply per element."""
        return 2 * count_of(self.ins[0])

    def verify_(self) -> None:
        super().verify_()
        if shape_of(self.ins[0]) != self.output_shape():
            raise VerifyException(f"{self.name}: input and output shapes differ")


@irdl_op_definition
class L2Pool2DOp(KernelOp):
    """L2 pooling (float): ``stai_l2_pool_f32``."""

    name = "qnn.l2_pool2d"
    kernel = opt_prop_def(DenseArrayBase)
    strides = opt_prop_def(DenseArrayBase)
    pads = opt_prop_def(DenseArrayBase)
    NUM_INS: ClassVar[int | None] = 1
    HAS_ACT: ClassVar[bool] = True
    GEOMETRY: ClassVar[tuple[str, ...]] = ("kernel", "strides", "pads")
    S8_PARAMS: ClassVar[ParamsSpec] = None
    F32_PARAMS: ClassVar[ParamsSpec] = NoParams
    IN_PLACE: ClassVar[InPlace] = "no"
    SCRATCH: ClassVar[str] = "none"

    def macc(self) -> int:
        """Outputs x the window's elements."""
        return self._output_count() * math.prod(self.ints("kernel"))


NORM_OPS = (L2NormalizationOp, L2Pool2DOp)
"""The ops of this module, in the order ``qnn.QNN`` registers them."""

__all__ = ["NORM_OPS", "L2NormalizationOp", "L2Pool2DOp"]
