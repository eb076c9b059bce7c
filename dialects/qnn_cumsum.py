"""``qnn.cumsum`` (registered in the ``QNN`` dialect of ``stai.dialects.qnn``): the kernels
``stai_cumsum_f32`` and ``stai_cumsum_s8`` of ``runtime/include/stai_kernels_cumsum.h``.

int8 takes ``#qnn.add_sub_s8`` (TensorFlow Lite Micro's CUMSUM fills the addition's
``ArithmeticParams``: left shift 20, the input scaled by 1/2, the output multiplier
``2 s_in / (2^20 s_out)``; the ``input2`` fields are 0).

Example::

    %y = qnn.cumsum ins(%x : tensor<2x5x3xf32>)
           {axis = 1 : i64, exclusive = 0 : i64, reverse = 0 : i64} -> tensor<2x5x3xf32>
"""

from __future__ import annotations

import math
from typing import ClassVar

from xdsl.dialects.builtin import IntegerAttr
from xdsl.irdl import irdl_op_definition, opt_prop_def
from xdsl.utils.exceptions import VerifyException

from stai.dialects import qnn_params as qp
from stai.dialects.qnn_base import InPlace, KernelOp, NoParams, ParamsSpec, count_of, shape_of


@irdl_op_definition
class CumsumOp(KernelOp):
    """Cumulative sum along ``axis``: ``stai_cumsum_f32`` / ``_s8``."""

    name = "qnn.cumsum"
    axis = opt_prop_def(IntegerAttr)
    exclusive = opt_prop_def(IntegerAttr)
    reverse = opt_prop_def(IntegerAttr)
    NUM_INS: ClassVar[int | None] = 1
    S8_PARAMS: ClassVar[ParamsSpec] = qp.AddSubS8Params
    F32_PARAMS: ClassVar[ParamsSpec] = NoParams
    IN_PLACE: ClassVar[InPlace] = "no"
    SCRATCH: ClassVar[str] = "none"

    def flag(self, name: str) -> int:
        """The integer value of ``axis``, ``exclusive`` or ``reverse``."""
        value = getattr(self, name)
        assert isinstance(value, IntegerAttr)
        return value.value.data

    def geometry(self) -> tuple[int, int, int]:
        """``(before, depth, after)``: the elements of the axes before ``axis``, its size,
        the elements of the axes after it."""
        shape = shape_of(self.ins[0])
        axis = self.flag("axis")
        return math.prod(shape[:axis]), shape[axis], math.prod(shape[axis + 1 :])

    def macc(self) -> int:
        """One addition per element."""
        return count_of(self.ins[0])

    def verify_(self) -> None:
        super().verify_()
        for name in ("axis", "exclusive", "reverse"):
            if getattr(self, name) is None:
                raise VerifyException(f"{self.name}: missing '{name}'")
        shape = shape_of(self.ins[0])
        if shape != self.output_shape() or not 0 <= self.flag("axis") < len(shape):
            raise VerifyException(f"{self.name}: the shapes or the axis do not fit")


CUMSUM_OPS = (CumsumOp,)
"""The ops of this module, in the order ``qnn.QNN`` registers them."""

__all__ = ["CUMSUM_OPS", "CumsumOp"]
