"""``nn.batch_matmul`` (registered by ``stai.dialects.nn``): the product of two tensors
over their last two axes, batch axes broadcast (TFLite's BATCH_MATMUL, ONNX's MatMul of
two computed tensors: attention's query-key and attention-value products).

``lhs`` is ``[..., M, K]`` (``[..., K, M]`` with ``adj_x = 1``), ``rhs`` ``[..., K, N]``
(``[..., N, K]`` with ``adj_y = 1``); the result is ``[..., M, N]``, its batch axes the
numpy broadcast of the operands' (ranks 2 to 5, as TensorFlow Lite Micro). Either operand
may be a constant. int8 and int16 (16x8) operands are quantized per tensor; int16 ones
have zero point 0.

Example::

    %y = nn.batch_matmul %q, %k {adj_x = 0 : i64, adj_y = 1 : i64}
         : (tensor<1x2x16x16xf32>, tensor<1x2x16x16xf32>) -> tensor<1x2x16x16xf32>
"""

from __future__ import annotations

from collections.abc import Sequence

from xdsl.dialects.builtin import IntegerAttr, TensorType
from xdsl.irdl import irdl_op_definition, operand_def, prop_def, result_def, traits_def
from xdsl.utils.exceptions import VerifyException

from stai.dialects.nn_base import _check_float_or_quant, _NNOp, _tensor
from stai.dialects.nn_traits import ConstantQuant, LayoutSensitive, QuantKind, QuantRule

MAX_RANK = 5
"""The largest operand rank (TensorFlow Lite Micro's kernel takes 2 to 5)."""


def batch_matmul_shape(
    lhs: Sequence[int], rhs: Sequence[int], adj_x: bool, adj_y: bool
) -> tuple[int, ...] | None:
    """The result shape of a batch matmul of ``lhs`` and ``rhs``, or None when the shapes
    do not multiply (ranks 2 to 5, equal depths, broadcastable batch axes)."""
    if not (2 <= len(lhs) <= MAX_RANK and 2 <= len(rhs) <= MAX_RANK):
        return None
    m, k = (lhs[-1], lhs[-2]) if adj_x else (lhs[-2], lhs[-1])
    k2, n = (rhs[-1], rhs[-2]) if adj_y else (rhs[-2], rhs[-1])
    if k != k2:
        return None
    a, b = list(lhs[:-2]), list(rhs[:-2])
    rank = max(len(a), len(b))
    a, b = [1] * (rank - len(a)) + a, [1] * (rank - len(b)) + b
    batch = []
    for x, y in zip(a, b):
        if x != y and 1 not in (x, y):
            return None
        batch.append(max(x, y) if 1 in (x, y) else x)
    return (*batch, m, n)


@irdl_op_definition
class BatchMatmulOp(_NNOp):
    """``y[..., i, j] = sum_k lhs[..., i, k] * rhs[..., k, j]`` with broadcast batch axes;
    ``adj_x`` / ``adj_y`` (0 or 1) read an operand with its last two axes swapped."""

    name = "nn.batch_matmul"
    lhs = operand_def(TensorType)
    rhs = operand_def(TensorType)
    adj_x = prop_def(IntegerAttr)
    adj_y = prop_def(IntegerAttr)
    output = result_def(TensorType)
    traits = traits_def(
        QuantRule(QuantKind.OWN_RANGE, constants=ConstantQuant.OWN_RANGE), LayoutSensitive()
    )

    def flags(self) -> tuple[bool, bool]:
        """``(adj_x, adj_y)``."""
        return self.adj_x.value.data != 0, self.adj_y.value.data != 0

    def verify_(self) -> None:
        a, b, y = _tensor(self, "lhs"), _tensor(self, "rhs"), _tensor(self, "output")
        for t, what in ((a, "lhs"), (b, "rhs"), (y, "output")):
            _check_float_or_quant(self, t, what)
        for name in ("adj_x", "adj_y"):
            if getattr(self, name).value.data not in (0, 1):
                raise VerifyException(f"{self.name}: '{name}' must be 0 or 1")
        adj_x, adj_y = self.flags()
        shape = batch_matmul_shape(a.get_shape(), b.get_shape(), adj_x, adj_y)
        if shape is None:
            raise VerifyException(
                f"{self.name}: operands {tuple(a.get_shape())} and {tuple(b.get_shape())} "
                "do not multiply (ranks 2 to 5, equal depths, broadcastable batch axes)"
            )
        if tuple(y.get_shape()) != shape:
            raise VerifyException(
                f"{self.name}: the result must have shape {shape}, got {tuple(y.get_shape())}"
            )


MATMUL_OPS = (BatchMatmulOp,)
"""The ops of this module, in the order ``nn.NN`` registers them."""

__all__ = ["MATMUL_OPS", "MAX_RANK", "BatchMatmulOp", "batch_matmul_shape"]
