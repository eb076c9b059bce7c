"""``convert-nn-to-qnn`` patterns of the boolean ops (``dialects/nn_logical.py``):
comparisons, logical operators, select, casts and the float floor modulo.

An int8 comparison gets TFLite Micro's parameters (``ComparisonsPrepare``): each input's
offset (-zero point) and its own scale as a Q31 multiplier with a shift <= 0
(``QuantizeMultiplierSmallerThanOneExp``); the kernel scales each code by 2^8 first. An
int16 comparison compares the codes (LiteRT's reference does; TFLite Micro registers only
an int16 GREATER, which reads parameters its Prepare never sets), so both inputs must share
one quantization: then the codes order as the real values do.
"""

from __future__ import annotations

from xdsl.dialects.builtin import DenseArrayBase, StringAttr, TensorType, i32
from xdsl.ir import Attribute, SSAValue
from xdsl.pattern_rewriter import PatternRewriter, RewritePattern, op_type_rewrite_pattern

from stai.dialects import nn, nn_logical, qnn_logical
from stai.lowering import quant_math as qm
from stai.lowering.kernel_params import fail
from stai.lowering.nn_to_qnn_base import Lowering

COMPARE_LEFT_SHIFT = 8
"""TFLite Micro's left shift of int8 comparisons (``kLeftShift``), fixed in the kernel."""


def _element(value: SSAValue) -> Attribute:
    t = value.type
    assert isinstance(t, TensorType)
    return t.element_type


def compare_quant_s8(scale_1: float, zp_1: int, scale_2: float, zp_2: int) -> list[int]:
    """The int8 comparison's ``quant``: (offset, multiplier, shift) of each input."""
    out: list[int] = []
    for scale, zp in ((scale_1, zp_1), (scale_2, zp_2)):
        if not 0.0 < scale < 1.0:
            raise qm.QuantParamError(
                f"an int8 comparison needs input scales below 1 (TFLite Micro), got {scale:g}"
            )
        multiplier, shift = qm.quantize_multiplier(scale)
        out += [-zp, multiplier, shift]
    return out


class ConvertCompare(RewritePattern):
    """``nn.compare`` -> ``qnn.compare`` (float, int32, int64, boolean; int8 with
    TFLite Micro's rescaling; int16 of one quantization: the codes)."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: nn_logical.CompareOp, rewriter: PatternRewriter) -> None:
        a, b = _element(op.lhs), _element(op.rhs)
        props: dict[str, Attribute] = {"predicate": StringAttr(op.predicate.data)}
        if isinstance(a, nn.QuantType) and isinstance(b, nn.QuantType):
            bits = a.storage.width.data
            if bits == 16:
                if (
                    a.per_channel
                    or b.per_channel
                    or (a.scale, a.zero_point)
                    != (
                        b.scale,
                        b.zero_point,
                    )
                ):
                    raise fail(
                        op,
                        "an int16 comparison needs one quantization for both inputs (TFLite "
                        "Micro has no int16 comparison that rescales, LiteRT compares codes)",
                    )
                low = Lowering(op)
                ins = [op.lhs, op.rhs]
                low.finish(rewriter, low.kernel(qnn_logical.CompareOp, ins, op.output.type, props))
                return
            if bits != 8:
                raise fail(op, "only int8 and int16 quantized comparisons are supported")
            try:
                quant = compare_quant_s8(a.scale, a.zero_point, b.scale, b.zero_point)
            except qm.QuantParamError as exc:
                raise fail(op, str(exc)) from exc
            props["quant"] = DenseArrayBase.from_list(i32, quant)
        low = Lowering(op)
        ins = [op.lhs, op.rhs]
        low.finish(rewriter, low.kernel(qnn_logical.CompareOp, ins, op.output.type, props))


class ConvertLogical(RewritePattern):
    """``nn.logical`` / ``nn.logical_not`` -> ``qnn.logical``."""

    @op_type_rewrite_pattern
    def match_and_rewrite(
        self, op: nn_logical.LogicalOp | nn_logical.LogicalNotOp, rewriter: PatternRewriter
    ) -> None:
        if isinstance(op, nn_logical.LogicalOp):
            ins, function = [op.lhs, op.rhs], op.function.data
        else:
            ins, function = [op.input], "not"
        props: dict[str, Attribute] = {"function": StringAttr(function)}
        low = Lowering(op)
        low.finish(rewriter, low.kernel(qnn_logical.LogicalOp, ins, op.output.type, props))


class ConvertWhere(RewritePattern):
    """``nn.select`` -> ``qnn.select`` (quantized values: x, y and the result must share
    one quantization, as TFLite's SELECT_V2 copies codes)."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: nn_logical.SelectOp, rewriter: PatternRewriter) -> None:
        out = _element(op.output)
        if isinstance(out, nn.QuantType):
            for value, what in ((op.x, "x"), (op.y, "y")):
                q = _element(value)
                assert isinstance(q, nn.QuantType)
                if q.per_channel or (q.scale, q.zero_point) != (out.scale, out.zero_point):
                    raise fail(op, f"{what} and the result must have the same quantization")
        low = Lowering(op)
        ins = [op.condition, op.x, op.y]
        low.finish(rewriter, low.kernel(qnn_logical.SelectOp, ins, op.output.type, {}))


class ConvertCast(RewritePattern):
    """``nn.cast`` -> ``qnn.cast`` (quantized codes are cast as plain integers)."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: nn_logical.CastOp, rewriter: PatternRewriter) -> None:
        low = Lowering(op)
        low.finish(rewriter, low.kernel(qnn_logical.CastOp, [op.input], op.output.type, {}))


class ConvertFloorMod(RewritePattern):
    """``nn.floor_mod`` -> ``qnn.floor_mod`` (float)."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: nn_logical.FloorModOp, rewriter: PatternRewriter) -> None:
        low = Lowering(op)
        ins = [op.lhs, op.rhs]
        low.finish(rewriter, low.kernel(qnn_logical.FloorModOp, ins, op.output.type, {}))


LOGICAL_PATTERNS: tuple[RewritePattern, ...] = (
    ConvertCompare(),
    ConvertLogical(),
    ConvertWhere(),
    ConvertCast(),
    ConvertFloorMod(),
)
"""The patterns of this module (``convert_nn_to_qnn.py`` appends them)."""
