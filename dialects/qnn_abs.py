"""``qnn.abs`` (registered in the ``QNN`` dialect of ``stai.dialects.qnn``): the quantized
ABS kernels ``stai_abs_s8`` and ``stai_abs_s16`` of ``runtime/include/stai_kernels_abs.h``.
float32 ABS stays ``qnn.math {function = "abs"}``.

Both take ``#qnn.requantize_s8``, as TensorFlow Lite Micro's ABS Prepare sets them:
``input_offset`` minus the input zero point, ``output_offset`` the output zero point, and
the multiplier and shift of ``s_in / s_out`` (the quotient of the float32 scales); the
output is ``output_offset + requantize(|q + input_offset|)`` saturated to the type. int16
tensors have zero points 0 (TensorFlow Lite Micro requires it).

Example::

    %y = qnn.abs ins(%x : tensor<1x64xi8>) {params = #qnn.requantize_s8<input_offset = 3,
           output_offset = -128, multiplier = 1073741824, shift = 0>} -> tensor<1x64xi8>
"""

from __future__ import annotations

from typing import ClassVar

from xdsl.irdl import irdl_op_definition

from stai.dialects import qnn_params as qp
from stai.dialects.qnn_base import InPlace, KernelOp, ParamsSpec, count_of


@irdl_op_definition
class AbsOp(KernelOp):
    """Quantized absolute value: ``stai_abs_s8``; 16x8: ``stai_abs_s16``."""

    name = "qnn.abs"
    NUM_INS: ClassVar[int | None] = 1
    S8_PARAMS: ClassVar[ParamsSpec] = qp.RequantizeS8Params
    S16_PARAMS: ClassVar[ParamsSpec] = qp.RequantizeS8Params
    F32_PARAMS: ClassVar[ParamsSpec] = None
    IN_PLACE: ClassVar[InPlace] = "unary"
    SCRATCH: ClassVar[str] = "none"

    def macc(self) -> int:
        """One per element."""
        return count_of(self.ins[0])


ABS_OPS = (AbsOp,)
"""The ops of this module, in the order ``qnn.QNN`` registers them."""

__all__ = ["ABS_OPS", "AbsOp"]
