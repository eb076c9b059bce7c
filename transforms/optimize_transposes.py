"""``optimize-transposes``: remove the layout transposes that a channel-first import leaves.

A frontend of a channel-first format (ONNX) wraps every layout-sensitive op in
``nn.transpose``s (NCHW -> NHWC before, NHWC -> NCHW after). This pass moves transposes
down through element-wise ops, concatenations and paddings so that inverse pairs meet and
cancel, folds transposes into constants and into the weights of a fully connected layer
that reads a flattened transposed tensor, turns transposes that move only size-1
dimensions into reshapes, and folds constant additions into the bias of the convolution or
fully connected layer before them. What remains are the transposes that must move data
(typically at the model's inputs and outputs). Which ops a transpose moves through is
each op's ``LayoutTrait`` (``dialects/nn_traits.py``).

Before::

    %t = nn.transpose %conv {perm = array<i64: 0, 3, 1, 2>} : (tensor<1x4x4x8xf32>) -> tensor<1x8x4x4xf32>
    %r = nn.relu %t : (tensor<1x8x4x4xf32>) -> tensor<1x8x4x4xf32>
    %u = nn.transpose %r {perm = array<i64: 0, 2, 3, 1>} : (tensor<1x8x4x4xf32>) -> tensor<1x4x4x8xf32>

After::

    %u = nn.relu %conv : (tensor<1x4x4x8xf32>) -> tensor<1x4x4x8xf32>
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from xdsl.context import Context
from xdsl.dialects.builtin import Float32Type, ModuleOp, StringAttr, TensorType
from xdsl.ir import Operation, SSAValue
from xdsl.passes import ModulePass
from xdsl.pattern_rewriter import (
    GreedyRewritePatternApplier,
    PatternRewriter,
    PatternRewriteWalker,
    RewritePattern,
    op_type_rewrite_pattern,
)

from stai.dialects import nn
from stai.dialects.nn_traits import (
    ChannelBias,
    ElementwiseBinary,
    ElementwiseUnary,
    IsTranspose,
    RemapsAxes,
)

_MOVES_THROUGH = (ElementwiseUnary, ElementwiseBinary, RemapsAxes, IsTranspose)
"""The layout traits of the ops a transpose moves through (or composes with)."""


def perm_of(op: nn.TransposeOp) -> tuple[int, ...]:
    return tuple(int(p) for p in op.perm.get_values())


def inverse(perm: Sequence[int]) -> tuple[int, ...]:
    inv = [0] * len(perm)
    for i, p in enumerate(perm):
        inv[p] = i
    return tuple(inv)


def _type(value: SSAValue) -> TensorType:
    t = value.type
    assert isinstance(t, TensorType)
    return t


def _shape(value: SSAValue) -> tuple[int, ...]:
    return tuple(_type(value).get_shape())


def _retyped(t: TensorType, shape: Sequence[int]) -> TensorType:
    return TensorType(t.element_type, tuple(shape))


def _transpose(value: SSAValue, perm: Sequence[int], attrs: dict | None = None) -> nn.TransposeOp:
    shape = _shape(value)
    op = nn.TransposeOp.build(
        operands=[value],
        result_types=[_retyped(_type(value), [shape[p] for p in perm])],
        properties={"perm": nn.i64_array(perm)},
        attributes=dict(attrs or {}),
    )
    return op


def _transposed_constant(const: nn.ConstantOp, perm: Sequence[int]) -> nn.ConstantOp | None:
    """``const`` with its dimensions permuted (None for a per-channel quantized one whose
    axis would need remapping... it is remapped)."""
    array = np.ascontiguousarray(np.transpose(const.to_numpy(), perm))
    t = _type(const.output)
    element = t.element_type
    if isinstance(element, nn.QuantType) and element.per_channel:
        axis = list(perm).index(element.axis.data)
        element = nn.QuantType(
            element.storage, element.scale_list(), element.zero_point_list(), axis
        )
    new = nn.ConstantOp(array, TensorType(element, array.shape))
    new.attributes.update(const.attributes)
    return new


def _is_transpose(value: SSAValue) -> nn.TransposeOp | None:
    owner = value.owner
    return owner if isinstance(owner, nn.TransposeOp) else None


def _is_constant(value: SSAValue) -> nn.ConstantOp | None:
    owner = value.owner
    return owner if isinstance(owner, nn.ConstantOp) else None


def _pushable(t: nn.TransposeOp) -> bool:
    """Whether moving ``t`` below its users cannot add work: it has one user, or every
    user is an op a transpose moves through (or another transpose)."""
    users = [u.operation for u in t.output.uses]
    if len(users) <= 1:
        return True
    return all(any(u.has_trait(trait) for trait in _MOVES_THROUGH) for u in users)


def _replace_with_transpose(
    rewriter: PatternRewriter, op: Operation, new: Operation, perm: Sequence[int]
) -> None:
    """Replace ``op`` by ``transpose(new, perm)`` (``new`` computes the untransposed result)."""
    rewriter.insert(new, _before(op))
    t = _transpose(new.results[0], perm)
    if "nn.m_id" in op.attributes:
        t.attributes["nn.m_id"] = op.attributes["nn.m_id"]
    rewriter.replace(op, t)
    new.results[0].name_hint = t.output.name_hint
    t.output.name_hint = None


def _before(op: Operation):
    from xdsl.rewriter import InsertPoint

    return InsertPoint.before(op)


# ------------------------------------------------------------------------------ patterns


class ComposeTransposes(RewritePattern):
    """``transpose(transpose(x, p1), p2)``: one transpose by ``p1[p2[i]]`` (or ``x``)."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: nn.TransposeOp, rewriter: PatternRewriter) -> None:
        inner = _is_transpose(op.input)
        if inner is None:
            return
        p1, p2 = perm_of(inner), perm_of(op)
        perm = [p1[i] for i in p2]
        if perm == list(range(len(perm))):
            rewriter.replace(op, [], [inner.input])
            return
        rewriter.replace(op, _transpose(inner.input, perm, op.attributes))


class DropIdentityTranspose(RewritePattern):
    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: nn.TransposeOp, rewriter: PatternRewriter) -> None:
        perm = perm_of(op)
        if perm == tuple(range(len(perm))):
            rewriter.replace(op, [], [op.input])


class FoldTransposeOfConstant(RewritePattern):
    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: nn.TransposeOp, rewriter: PatternRewriter) -> None:
        const = _is_constant(op.input)
        if const is None:
            return
        new = _transposed_constant(const, perm_of(op))
        if new is not None:
            rewriter.replace(op, new)


class TransposeAsReshape(RewritePattern):
    """A transpose that keeps the order of the dimensions larger than 1 moves no data."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: nn.TransposeOp, rewriter: PatternRewriter) -> None:
        shape = _shape(op.input)
        moved = [p for p in perm_of(op) if shape[p] != 1]
        if moved != sorted(moved):
            return
        new = nn.ReshapeOp.build(
            operands=[op.input], result_types=[op.output.type], attributes=dict(op.attributes)
        )
        rewriter.replace(op, new)


class PushTransposeThroughUnary(RewritePattern):
    """``f(transpose(x))`` -> ``transpose(f(x))`` for an ``ElementwiseUnary`` ``f``."""

    def match_and_rewrite(self, op: Operation, rewriter: PatternRewriter) -> None:
        if not op.has_trait(ElementwiseUnary) or len(op.operands) != 1:
            return
        t = _is_transpose(op.operands[0])
        if t is None or not _pushable(t):
            return
        perm = perm_of(t)
        inv = inverse(perm)
        out = _type(op.results[0])
        shape = [out.get_shape()[i] for i in inv]
        new = type(op).create(
            operands=[t.input],
            result_types=[_retyped(out, shape)],
            properties=dict(op.properties),
            attributes=dict(op.attributes),
        )
        _replace_with_transpose(rewriter, op, new, perm)


def _untransposed_operand(
    value: SSAValue, perm: Sequence[int], rank: int, rewriter: PatternRewriter, where: Operation
) -> SSAValue | None:
    """The operand that, transposed by ``perm``, gives ``value``: the input of a transpose
    by ``perm``, or a new constant; None otherwise."""
    t = _is_transpose(value)
    if t is not None and perm_of(t) == tuple(perm):
        return t.input
    const = _is_constant(value)
    if const is None:
        return None
    element = _type(value).element_type
    if isinstance(element, nn.QuantType) and element.per_channel:
        return None
    array = const.to_numpy()
    if array.ndim > rank:
        return None
    full = array.reshape((1,) * (rank - array.ndim) + array.shape)
    moved = np.ascontiguousarray(np.transpose(full, inverse(perm)))
    new = nn.ConstantOp(moved, TensorType(element, moved.shape))
    new.attributes.update(const.attributes)
    rewriter.insert(new, _before(where))
    return new.output


class PushTransposeThroughBinary(RewritePattern):
    """``f(transpose(a), transpose(b))`` or ``f(transpose(a), constant)`` ->
    ``transpose(f(a, b'))`` for an ``ElementwiseBinary`` ``f`` (same permutation)."""

    def match_and_rewrite(self, op: Operation, rewriter: PatternRewriter) -> None:
        if not op.has_trait(ElementwiseBinary):
            return
        lhs, rhs = op.operands
        t = _is_transpose(lhs) or _is_transpose(rhs)
        if t is None or not _pushable(t):
            return
        perm = perm_of(t)
        rank = len(perm)
        if len(_shape(op.results[0])) != rank:
            return
        for v in (lhs, rhs):
            if _is_transpose(v) is None and _is_constant(v) is None:
                return
            vt = _is_transpose(v)
            if vt is not None and perm_of(vt) != perm:
                return
        a = _untransposed_operand(lhs, perm, rank, rewriter, op)
        b = _untransposed_operand(rhs, perm, rank, rewriter, op)
        if a is None or b is None:
            return
        out = _type(op.results[0])
        shape = np.broadcast_shapes(_shape(a), _shape(b))
        new = type(op).create(
            operands=[a, b],
            result_types=[_retyped(out, shape)],
            properties=dict(op.properties),
            attributes=dict(op.attributes),
        )
        _replace_with_transpose(rewriter, op, new, perm)


class PushTransposeThroughAxes(RewritePattern):
    """``f(transpose(a), transpose(b), constant...)`` -> ``transpose(f'(a, b, c...))`` for
    an op with a ``RemapsAxes`` trait (concat, pad): every operand is a transpose by the same
    permutation or a constant, and ``f'`` has the properties the trait remaps."""

    def match_and_rewrite(self, op: Operation, rewriter: PatternRewriter) -> None:
        remap = op.get_trait(RemapsAxes)
        if remap is None or len(op.results) != 1:
            return
        ts = [_is_transpose(v) for v in op.operands]
        first = next((t for t in ts if t is not None), None)
        if first is None or not _pushable(first):
            return
        perm = perm_of(first)
        if any(t is not None and perm_of(t) != perm for t in ts):
            return
        if any(t is None and _is_constant(v) is None for t, v in zip(ts, op.operands)):
            return
        parts = [_untransposed_operand(v, perm, len(perm), rewriter, op) for v in op.operands]
        operands = [p for p in parts if p is not None]
        if len(operands) != len(parts):
            return
        out = _type(op.results[0])
        shape = [out.get_shape()[i] for i in inverse(perm)]
        new = type(op).create(
            operands=operands,
            result_types=[_retyped(out, shape)],
            properties=remap.untransposed_properties(op, perm),
            attributes=dict(op.attributes),
        )
        _replace_with_transpose(rewriter, op, new, perm)


class FoldTransposeIntoFullyConnected(RewritePattern):
    """``fully_connected(reshape(transpose(x)) to [N, K], W)`` with a constant ``W`` and a
    transpose that keeps the batch axis: reshape ``x`` directly and permute the columns of
    ``W`` instead (the flatten of a channel-first tensor before a dense layer)."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: nn.FullyConnectedOp, rewriter: PatternRewriter) -> None:
        reshape = op.input.owner
        if not isinstance(reshape, nn.ReshapeOp):
            return
        t = _is_transpose(reshape.input)
        w = _is_constant(op.filter)
        if t is None or w is None:
            return
        perm = perm_of(t)
        t_shape = _shape(t.output)
        out_shape = _shape(reshape.output)
        if perm[0] != 0 or len(out_shape) != 2 or out_shape[0] != t_shape[0]:
            return
        inner = [p - 1 for p in perm[1:]]
        index = np.arange(out_shape[1]).reshape(t_shape[1:])
        columns = np.transpose(index, inverse(inner)).reshape(-1)
        weights = w.to_numpy()
        new_w = nn.ConstantOp(np.ascontiguousarray(weights[:, columns]), _type(w.output))
        new_w.attributes.update(w.attributes)
        flat = nn.ReshapeOp.build(
            operands=[t.input],
            result_types=[reshape.output.type],
            attributes=dict(reshape.attributes),
        )
        new = nn.FullyConnectedOp.build(
            operands=[flat.output, new_w.output, op.bias],
            result_types=[op.output.type],
            properties=dict(op.properties),
            attributes=dict(op.attributes),
        )
        rewriter.insert([new_w, flat], _before(op))
        rewriter.replace(op, new)


class FoldBiasAdd(RewritePattern):
    """``add(conv(x, w, b), c)`` (or ``sub``; any producer with the ``ChannelBias`` trait)
    with a constant ``c`` along the channels: ``conv(x, w, b + c)`` (float only)."""

    def match_and_rewrite(self, op: Operation, rewriter: PatternRewriter) -> None:
        if not isinstance(op, nn.AddOp | nn.SubOp):
            return
        if op.activation.data != "none":
            return
        for mine, other, sign in ((op.lhs, op.rhs, 1.0), (op.rhs, op.lhs, -1.0)):
            producer = mine.owner
            const = _is_constant(other)
            if not isinstance(producer, Operation) or not producer.has_trait(ChannelBias):
                continue
            if const is None:
                continue
            if isinstance(op, nn.SubOp) and sign < 0:
                continue  # c - conv: not a bias
            activation = producer.properties["activation"]
            if sum(1 for _ in mine.uses) != 1 or activation != StringAttr("none"):
                continue
            bias_value = producer.operands[2]  # (input, filter, bias): see ChannelBias
            bias = _is_constant(bias_value)
            if bias is None or not isinstance(_type(bias_value).element_type, Float32Type):
                continue
            if not isinstance(_type(other).element_type, Float32Type):
                continue
            if _type(op.output) != _type(mine):
                continue
            c = const.to_numpy()
            channels = _shape(bias_value)[0]
            if c.size not in (1, channels) or (c.size == channels and c.shape[-1] != channels):
                continue
            delta = np.broadcast_to(c.reshape(-1), (channels,)).astype(np.float32)
            if isinstance(op, nn.SubOp):
                delta = -delta
            new_bias = nn.ConstantOp(
                (bias.to_numpy() + delta).astype(np.float32), _type(bias.output)
            )
            new_bias.attributes.update(bias.attributes)
            operands = list(producer.operands)
            operands[2] = new_bias.output
            attrs = dict(producer.attributes)
            if "nn.name" in op.attributes:
                attrs["nn.name"] = op.attributes["nn.name"]
            new = type(producer).create(
                operands=operands,
                result_types=[mine.type],
                properties=dict(producer.properties),
                attributes=attrs,
            )
            rewriter.insert(new_bias, _before(producer))
            rewriter.insert(new, _before(op))
            rewriter.replace(op, [], [new.results[0]])
            rewriter.erase(producer)
            return


class EraseUnusedNN(RewritePattern):
    """An ``nn`` op whose results nobody reads."""

    def match_and_rewrite(self, op: Operation, rewriter: PatternRewriter) -> None:
        if op.dialect_name() != "nn" or not op.results:
            return
        if all(not r.uses for r in op.results):
            rewriter.erase(op)


PATTERNS: tuple[type[RewritePattern], ...] = (
    EraseUnusedNN,
    DropIdentityTranspose,
    ComposeTransposes,
    FoldTransposeOfConstant,
    PushTransposeThroughUnary,
    PushTransposeThroughBinary,
    PushTransposeThroughAxes,
    FoldTransposeIntoFullyConnected,
    FoldBiasAdd,
    TransposeAsReshape,
)


def optimize_transposes(module: ModuleOp) -> None:
    """Apply every pattern of the pass to ``module`` until none applies."""
    PatternRewriteWalker(
        GreedyRewritePatternApplier([p() for p in PATTERNS]), walk_reverse=False
    ).rewrite_module(module)


@dataclass(frozen=True)
class OptimizeTransposesPass(ModulePass):
    """Cancel, move and fold ``nn.transpose`` ops (see the module docstring)."""

    name = "optimize-transposes"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        optimize_transposes(op)
