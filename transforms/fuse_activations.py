"""``fuse-activations``: fold standalone relus into the op that produces their input."""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects.builtin import ArrayAttr, IntegerAttr, ModuleOp, StringAttr, i64
from xdsl.ir import Operation
from xdsl.passes import ModulePass
from xdsl.pattern_rewriter import (
    GreedyRewritePatternApplier,
    PatternRewriter,
    PatternRewriteWalker,
    RewritePattern,
)

from stai.dialects.nn_traits import FusesAs, FusibleProducer


def record_fused_m_id(fused: Operation, absorbed: Operation) -> None:
    """Append the absorbed op's ``nn.m_id`` (and its own ``nn.fused_m_ids``) to the fused
    op's ``nn.fused_m_ids``, so reports can say which model operators a node holds."""
    ids: list[int] = []
    for source in (fused, absorbed):
        previous = source.attributes.get("nn.fused_m_ids")
        if isinstance(previous, ArrayAttr):
            ids += [a.value.data for a in previous.data if isinstance(a, IntegerAttr)]
    m_id = absorbed.attributes.get("nn.m_id")
    if isinstance(m_id, IntegerAttr):
        ids.append(m_id.value.data)
    if ids:
        fused.attributes["nn.fused_m_ids"] = ArrayAttr([IntegerAttr(i, i64) for i in ids])


class FuseRelu(RewritePattern):
    """``relu(producer(...))`` -> ``producer(...) {activation = "relu"}``.

    Applies to an op with the ``FusesAs`` trait (relu, relu6, relu_n1_to_1; the trait names
    the activation) when its producer has the ``FusibleProducer`` trait, has no other user and no activation yet, and
    the relu's input and output types are identical (so for int8 the same quantization:
    the fused clamp in output units is then exactly the standalone relu). The fused op
    keeps the producer's attributes, and takes the relu's ``nn.name`` (its result is now
    the relu's tensor) and records the relu's ``nn.m_id`` in ``nn.fused_m_ids``.
    """

    def match_and_rewrite(self, op: Operation, rewriter: PatternRewriter) -> None:
        fuses_as = op.get_trait(FusesAs)
        if fuses_as is None or len(op.operands) != 1 or len(op.results) != 1:
            return
        value, result = op.operands[0], op.results[0]
        producer = value.owner
        if not isinstance(producer, Operation) or not producer.has_trait(FusibleProducer):
            return
        if not value.has_one_use() or value.type != result.type:
            return
        current = producer.properties.get("activation")
        if not isinstance(current, StringAttr) or current.data != "none":
            return
        fused = producer.clone()
        fused.properties["activation"] = StringAttr(fuses_as.activation)
        if "nn.name" in op.attributes:
            fused.attributes["nn.name"] = op.attributes["nn.name"]
        record_fused_m_id(fused, op)
        rewriter.replace(producer, fused)
        rewriter.replace(op, [], [fused.results[0]])


@dataclass(frozen=True)
class FuseActivationsPass(ModulePass):
    """Fold ``nn.relu`` / ``nn.relu6`` / ``nn.relu_n1_to_1`` (the ops with a ``FusesAs``
    trait) into the conv, depthwise, fully-connected, pool, add, sub, mul or concat that
    produces their input (the ops with a ``FusibleProducer`` trait).

    The producer must have no other user and ``activation = "none"``, and the relu must
    not change the type (for int8: identical input and output quantization).

    Before::

        %y = nn.add %a, %b {activation = "none"} : (...) -> tensor<4x!nn.q<i8, 0.5 : -3>>
        %r = nn.relu %y : (tensor<4x!nn.q<i8, 0.5 : -3>>) -> tensor<4x!nn.q<i8, 0.5 : -3>>

    After::

        %r = nn.add %a, %b {activation = "relu"} : (...) -> tensor<4x!nn.q<i8, 0.5 : -3>>
    """

    name = "fuse-activations"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        PatternRewriteWalker(GreedyRewritePatternApplier([FuseRelu()])).rewrite_module(op)
