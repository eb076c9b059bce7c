"""``qnn.cumsum`` and ``qnn.gather_nd`` (registered in the ``QNN`` dialect of
``stai.dialects.qnn``): the kernels ``stai_cumsum_f32``, ``stai_cumsum_s8`` and
``stai_gather_nd`` of ``runtime/include/stai_kernels_cumsum.h``.

``qnn.gather_nd`` copies slices of any element type: ``ins(params, indices)``, the params
seen as [rows, slice] and each index tuple turned into a row by ``row_strides`` (the rows
of one step along each indexed axis); the kernel checks every row and returns an error for
one outside the params, which ends ``run``.

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

from xdsl.dialects.builtin import DenseArrayBase, IntegerAttr
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


@irdl_op_definition
class GatherNdOp(KernelOp):
    """GATHER_ND with computed indices: ``stai_gather_nd``. ``row_strides``
    (``array<i64: ...>``, one per element of an index tuple) turn a tuple into the row of
    the params' [rows, slice] view it names."""

    name = "qnn.gather_nd"
    row_strides = opt_prop_def(DenseArrayBase)
    NUM_INS: ClassVar[int | None] = 2
    GEOMETRY: ClassVar[tuple[str, ...]] = ("row_strides",)
    S8_PARAMS: ClassVar[ParamsSpec] = NoParams
    F32_PARAMS: ClassVar[ParamsSpec] = NoParams
    IN_PLACE: ClassVar[InPlace] = "no"
    SCRATCH: ClassVar[str] = "none"

    def geometry(self) -> tuple[int, int, int]:
        """``(rows, slice, tuples)``: the params' rows and elements per row, and the count
        of index tuples."""
        shape, index_shape = shape_of(self.ins[0]), shape_of(self.ins[1])
        depth = index_shape[-1]
        size = math.prod(shape[depth:])
        return math.prod(shape[:depth]), size, math.prod(index_shape[:-1])

    def macc(self) -> int:
        """A copy: no multiply-accumulate."""
        return 0

    def verify_(self) -> None:
        super().verify_()
        if self.row_strides is None:
            raise VerifyException(f"{self.name}: missing 'row_strides'")
        shape, index_shape = shape_of(self.ins[0]), shape_of(self.ins[1])
        depth = index_shape[-1] if index_shape else 0
        if not 1 <= depth <= len(shape) or len(self.ints("row_strides")) != depth:
            raise VerifyException(f"{self.name}: index tuples of {depth} do not fit the params")
        if self.output_shape() != (*index_shape[:-1], *shape[depth:]):
            raise VerifyException(f"{self.name}: the output shape does not fit")


CUMSUM_OPS = (CumsumOp, GatherNdOp)
"""The ops of this module, in the order ``qnn.QNN`` registers them."""

__all__ = ["CUMSUM_OPS", "CumsumOp", "GatherNdOp"]
