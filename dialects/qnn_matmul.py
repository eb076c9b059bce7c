"""``qnn.batch_matmul`` (registered in the ``QNN`` dialect of ``stai.dialects.qnn``): the
kernels ``stai_batch_matmul_{f32,s8,s16}`` of ``runtime/include/stai_kernels_matmul.h``.

Inputs ``lhs``, ``rhs`` (either may be a constant), the output ``[..., M, N]``; ``adj_x``
/ ``adj_y`` (0 or 1) as ``nn.batch_matmul``. int8: ``#qnn.fully_connected_s8`` (TensorFlow
Lite Micro's kernel reuses the fully-connected parameters): ``input_offset`` is minus the
lhs zero point, ``filter_offset`` minus the rhs one, one multiplier and shift
(``s_lhs * s_rhs / s_out``); 16x8 (int16 operands, zero points 0):
``#qnn.fully_connected_s16``. No fused activation: the result saturates to its type.

Example::

    %y = qnn.batch_matmul ins(%a, %b : tensor<2x3x4xf32>, tensor<2x4x5xf32>)
           {adj_x = 0 : i64, adj_y = 0 : i64} -> tensor<2x3x5xf32>
"""

from __future__ import annotations

import math
from typing import ClassVar

from xdsl.dialects.builtin import DenseArrayBase, IntegerAttr
from xdsl.irdl import irdl_op_definition, opt_prop_def
from xdsl.utils.exceptions import VerifyException

from stai.dialects import qnn_params as qp
from stai.dialects.nn_matmul import batch_matmul_shape
from stai.dialects.qnn_base import InPlace, KernelOp, NoParams, ParamsSpec, element_kind, shape_of


def _extended(shape: tuple[int, ...]) -> list[int]:
    """``shape`` with leading 1s to rank 5."""
    return [1] * (5 - len(shape)) + list(shape)


@irdl_op_definition
class BatchMatmulOp(KernelOp):
    """Batch matmul: ``stai_batch_matmul_f32`` / ``_s8`` / ``_s16``."""

    name = "qnn.batch_matmul"
    adj_x = opt_prop_def(IntegerAttr)
    adj_y = opt_prop_def(IntegerAttr)
    NUM_INS: ClassVar[int | None] = 2
    GEOMETRY: ClassVar[tuple[str, ...]] = ("adj_x", "adj_y")
    S8_PARAMS: ClassVar[ParamsSpec] = qp.FullyConnectedS8Params
    S16_PARAMS: ClassVar[ParamsSpec] = qp.FullyConnectedS16Params
    F32_PARAMS: ClassVar[ParamsSpec] = NoParams
    IN_PLACE: ClassVar[InPlace] = "no"
    SCRATCH: ClassVar[str] = "none"
    OPERAND_ROLES: ClassVar[tuple[str, ...]] = ("lhs", "rhs")

    def flags(self) -> tuple[bool, bool]:
        """``(adj_x, adj_y)``."""
        assert self.adj_x is not None and self.adj_y is not None
        return self.adj_x.value.data != 0, self.adj_y.value.data != 0

    def geometry(self) -> list[int]:
        """The kernel's geometry table: the output's three batch axes (rank extended to 5),
        the elements between consecutive lhs and rhs matrices along each (0 where the
        operand is broadcast), then ``M``, ``N``, ``K``, ``adj_x``, ``adj_y``."""
        adj_x, adj_y = self.flags()
        a, b = _extended(shape_of(self.ins[0])), _extended(shape_of(self.ins[1]))
        y = _extended(self.output_shape())
        m, k = (a[4], a[3]) if adj_x else (a[3], a[4])
        n = b[3] if adj_y else b[4]

        def strides(shape: list[int]) -> list[int]:
            return [0 if shape[i] == 1 else math.prod(shape[i + 1 :]) for i in range(3)]

        return [*y[:3], *strides(a), *strides(b), m, n, k, int(adj_x), int(adj_y)]

    def macc(self) -> int:
        """One multiply-accumulate per output element and depth step."""
        g = self.geometry()
        return math.prod(g[:3]) * g[9] * g[10] * g[11]

    def verify_(self) -> None:
        super().verify_()
        for name in ("adj_x", "adj_y"):
            value = getattr(self, name)
            assert value is not None
            if value.value.data not in (0, 1):
                raise VerifyException(f"{self.name}: '{name}' must be 0 or 1")
        kinds = {element_kind(t) for t in (*(v.type for v in self.ins), self.output_type)}
        if len(kinds) != 1:
            raise VerifyException(f"{self.name}: operands and result must share an element type")
        a, b = shape_of(self.ins[0]), shape_of(self.ins[1])
        shape = batch_matmul_shape(a, b, *self.flags())
        if shape is None or shape != self.output_shape():
            raise VerifyException(
                f"{self.name}: operands {a} and {b} do not give the result {self.output_shape()}"
            )
        if self.params is not None and self.kind in ("s8", "s16"):
            multipliers = self.param("multipliers")
            if not isinstance(multipliers, DenseArrayBase) or len(multipliers) != 1:
                raise VerifyException(f"{self.name}: expected one multiplier and shift")


MATMUL_OPS = (BatchMatmulOp,)
"""The ops of this module, in the order ``qnn.QNN`` registers them."""

__all__ = ["MATMUL_OPS", "BatchMatmulOp"]
