"""``qnn.squared_difference`` (registered in the ``QNN`` dialect of
``stai.dialects.qnn``): the kernels ``stai_squared_difference_s8``, ``_s16`` and ``_s32``
of ``runtime/include/stai_kernels_sqdiff.h``, with broadcasting (each input dimension is
the output's or 1).

int8 and 16x8 take ``#qnn.add_sub_s8``, as TensorFlow Lite Micro's SQUARED_DIFFERENCE
Prepare fills its ``ArithmeticParams``: left shift 7 (int8) or 0 (int16), the input
offsets minus the zero points, the input multipliers ``s_i / (2 max(s_1, s_2))`` and the
output multiplier ``(2 max(s_1, s_2))^2 / (2^(2 left_shift) s_out)``; int32 has none.

Example::

    %y = qnn.squared_difference ins(%a, %b : tensor<1x8xi32>, tensor<1x1xi32>)
           -> tensor<1x8xi32>
"""

from __future__ import annotations

from typing import ClassVar

from xdsl.irdl import irdl_op_definition

from stai.dialects import qnn_params as qp
from stai.dialects.qnn_base import InPlace, KernelOp, NoParams, ParamsSpec, count_of


@irdl_op_definition
class SquaredDifferenceOp(KernelOp):
    """``stai_squared_difference_s8``; 16x8: ``_s16``; int32: ``_s32``."""

    name = "qnn.squared_difference"
    NUM_INS: ClassVar[int | None] = 2
    S8_PARAMS: ClassVar[ParamsSpec] = qp.AddSubS8Params
    S16_PARAMS: ClassVar[ParamsSpec] = qp.AddSubS8Params
    F32_PARAMS: ClassVar[ParamsSpec] = None
    IN_PLACE: ClassVar[InPlace] = "no"
    SCRATCH: ClassVar[str] = "none"

    def params_family(self) -> ParamsSpec:
        """int32 takes no parameters; the others as their ``*_PARAMS``."""
        return NoParams if self.kind == "s32" else super().params_family()

    def macc(self) -> int:
        """One multiplication per output element."""
        return count_of(self.output_type)


SQDIFF_OPS = (SquaredDifferenceOp,)
"""The ops of this module, in the order ``qnn.QNN`` registers them."""

__all__ = ["SQDIFF_OPS", "SquaredDifferenceOp"]
