"""``canonicalize-nn``: local simplifications of the ``nn`` dialect."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from xdsl.context import Context
from xdsl.dialects.builtin import Float32Type, ModuleOp, TensorType, f32
from xdsl.passes import ModulePass
from xdsl.pattern_rewriter import (
    GreedyRewritePatternApplier,
    PatternRewriter,
    PatternRewriteWalker,
    RewritePattern,
    op_type_rewrite_pattern,
)

from stai.dialects import nn


class DropNoOpReshape(RewritePattern):
    """``nn.reshape`` whose result type is its input type: use the input."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: nn.ReshapeOp, rewriter: PatternRewriter) -> None:
        if op.input.type == op.output.type:
            rewriter.replace(op, [], [op.input])


class FoldReshapeOfReshape(RewritePattern):
    """``reshape(reshape(x))``: one reshape of ``x`` to the outer result type."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: nn.ReshapeOp, rewriter: PatternRewriter) -> None:
        inner = op.input.owner
        if not isinstance(inner, nn.ReshapeOp):
            return
        folded = nn.ReshapeOp.create(
            operands=[inner.input],
            result_types=[op.output.type],
            attributes=dict(op.attributes),
        )
        rewriter.replace(op, folded)
        if not inner.output.uses:
            rewriter.erase(inner)


class DropNoOpQuantize(RewritePattern):
    """``nn.quantize`` whose input already has the output type: use the input."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: nn.QuantizeOp, rewriter: PatternRewriter) -> None:
        if op.input.type == op.output.type:
            rewriter.replace(op, [], [op.input])


def dequantize_array(q: np.ndarray, qtype: nn.QuantType) -> np.ndarray:
    """``scale * (q - zero_point)`` in float32, as the TFLite Micro reference dequantizes
    (the difference is an integer, the product a float32 one); per channel along the
    type's axis."""
    scales = np.asarray(qtype.scale_list(), dtype=np.float32)
    zps = np.asarray(qtype.zero_point_list(), dtype=np.int64)
    if qtype.per_channel:
        shape = [1] * q.ndim
        shape[qtype.axis.data] = -1
        scales, zps = scales.reshape(shape), zps.reshape(shape)
    diff = (q.astype(np.int64) - zps).astype(np.float32)
    return (scales * diff).astype(np.float32)


class FoldDequantizeOfConstant(RewritePattern):
    """``nn.dequantize`` of a quantized ``nn.constant``: an f32 ``nn.constant``."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: nn.DequantizeOp, rewriter: PatternRewriter) -> None:
        const = op.input.owner
        if not isinstance(const, nn.ConstantOp):
            return
        in_type, out_type = op.input.type, op.output.type
        if not (isinstance(in_type, TensorType) and isinstance(out_type, TensorType)):
            return
        qtype = in_type.element_type
        if not isinstance(qtype, nn.QuantType) or not isinstance(
            out_type.element_type, Float32Type
        ):
            return
        data = dequantize_array(const.to_numpy(), qtype)
        folded = nn.ConstantOp(data, TensorType(f32, out_type.get_shape()))
        folded.attributes.update(op.attributes)
        rewriter.replace(op, folded)
        if not const.output.uses:
            rewriter.erase(const)


@dataclass(frozen=True)
class CanonicalizeNNPass(ModulePass):
    """Simplify ``nn`` IR without changing what it computes.

    * a reshape to its own type disappears; a reshape of a reshape becomes one reshape;
    * a quantize whose input already has the output type disappears;
    * a dequantize of a constant becomes an f32 constant (``scale * (q - zp)`` in float32).

    Before::

        %a = nn.reshape %x : (tensor<1x1x1x8xf32>) -> tensor<1x8xf32>
        %b = nn.reshape %a : (tensor<1x8xf32>) -> tensor<8xf32>
        %c = nn.constant dense<[2, 4]> : tensor<2xi8> -> tensor<2x!nn.q<i8, 0.5 : 0>>
        %d = nn.dequantize %c : (tensor<2x!nn.q<i8, 0.5 : 0>>) -> tensor<2xf32>

    After::

        %b = nn.reshape %x : (tensor<1x1x1x8xf32>) -> tensor<8xf32>
        %d = nn.constant dense<[1.0, 2.0]> : tensor<2xf32> -> tensor<2xf32>
    """

    name = "canonicalize-nn"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        PatternRewriteWalker(
            GreedyRewritePatternApplier(
                [
                    DropNoOpReshape(),
                    FoldReshapeOfReshape(),
                    DropNoOpQuantize(),
                    FoldDequantizeOfConstant(),
                ]
            )
        ).rewrite_module(op)
