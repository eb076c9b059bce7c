"""``convert-nn-to-qnn`` patterns of the ops that move or select elements: reshape, pad,
concat, transpose, strided slice, maximum / minimum, and the float element-wise math
functions. ``convert_nn_to_qnn.py`` applies them with the others."""

from __future__ import annotations

import numpy as np
from xdsl.dialects.builtin import DenseArrayBase, IntegerAttr, IntegerType, StringAttr, i64
from xdsl.ir import Attribute, Operation, SSAValue
from xdsl.pattern_rewriter import (
    PatternRewriter,
    RewritePattern,
    op_type_rewrite_pattern,
)

from stai.dialects import nn, qnn
from stai.dialects import qnn_params as qp
from stai.lowering.kernel_params import (
    act_quant,
    activation_of,
    clamp_s8_props,
    element_type,
    fail,
    kind_of,
)
from stai.lowering.nn_to_qnn_base import Lowering, float_act, i64_array


def _check_moved(op: Operation, values: list[SSAValue]) -> None:
    """The types a data movement accepts: those of ``kind_of``, or one plain boolean or
    integer element type (its bytes are copied as they are)."""
    elements = {element_type(v) for v in values}
    plain = next(iter(elements))
    if len(elements) == 1 and isinstance(plain, IntegerType) and plain.width.data in (1, 32, 64):
        return
    kind_of(op, values, int16=True)


class ConvertReshape(RewritePattern):
    """``nn.reshape`` -> ``qnn.reshape``."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: nn.ReshapeOp, rewriter: PatternRewriter) -> None:
        _check_moved(op, [op.input, op.output])
        low = Lowering(op)
        low.finish(rewriter, low.kernel(qnn.ReshapeOp, [op.input], op.output.type, {}))


class ConvertPad(RewritePattern):
    """``nn.pad`` -> ``qnn.pad`` with 8 pad amounts (a lower rank is padded in front as a
    4-D tensor with leading 1s) and the padding value (int8: the output zero point)."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: nn.PadOp, rewriter: PatternRewriter) -> None:
        pads = list(op.pads.get_values())
        if len(pads) > 8:
            raise fail(op, "only tensors of rank 4 or less can be padded")
        pads = [0] * (8 - len(pads)) + pads
        kind = kind_of(op, [op.input, op.output], int16=True)
        if kind in ("s8", "s16"):
            bits = (16,) if kind == "s16" else (8,)
            x = act_quant(op, op.input, "input", bits)
            y = act_quant(op, op.output, "output", bits)
            if np.float32(x.scale) != np.float32(y.scale) or x.zero_point != y.zero_point:
                raise fail(op, "the input and output quantizations must be equal")
            params: qp.KernelParams = qp.PadS8Params.make(pad_value=y.zero_point)
        else:
            params = qp.PadF32Params.make(pad_value=0.0)
        props: dict[str, Attribute] = {
            "pads": DenseArrayBase.from_list(i64, pads),
            "params": params,
        }
        low = Lowering(op)
        low.finish(rewriter, low.kernel(qnn.PadOp, [op.input], op.output.type, props))


class ConvertConcat(RewritePattern):
    """``nn.concat`` -> ``qnn.concat`` (a byte copy per input, as TFLite Micro's int8 and
    int16 concatenation); a fused activation becomes a following ``qnn.clamp`` (int16: no
    fused activation)."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: nn.ConcatOp, rewriter: PatternRewriter) -> None:
        kind = kind_of(op, [*op.inputs, op.output], int16=True)
        if kind == "s16" and activation_of(op) != "none":
            raise fail(op, "a fused activation on an int16 (16x8) concatenation is not supported")
        low = Lowering(op)
        props: dict[str, Attribute] = {"axis": IntegerAttr(op.axis.value.data, i64)}
        result = low.kernel(qnn.ConcatOp, list(op.inputs), op.output.type, props)
        activation = activation_of(op)
        if activation != "none":
            if kind == "s8":
                y = act_quant(op, op.output, "output")
                clamp_props = clamp_s8_props(op, activation, y, y)
            else:
                clamp_props = {"act": float_act(activation)}
            clamp = qnn.ClampOp.build(
                operands=[[result], None, None],
                result_types=[result.type],
                properties=clamp_props,
                attributes=dict(op.attributes),
            )
            low.ops.append(clamp)
            result = clamp.results[0]
        low.finish(rewriter, result)


class ConvertTranspose(RewritePattern):
    """``nn.transpose`` -> ``qnn.transpose`` (a data movement: the element type and any
    quantization stay; int8, int16 or f32)."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: nn.TransposeOp, rewriter: PatternRewriter) -> None:
        _check_moved(op, [op.input, op.output])
        if element_type(op.input) != element_type(op.output):
            raise fail(op, "the input and output types must be equal")
        if len(op.perm.get_values()) > 4:
            raise fail(op, "only tensors of rank 4 or less can be transposed")
        props: dict[str, Attribute] = {"perm": i64_array(op.perm)}
        low = Lowering(op)
        low.finish(rewriter, low.kernel(qnn.TransposeOp, [op.input], op.output.type, props))


class ConvertStridedSlice(RewritePattern):
    """``nn.strided_slice`` -> ``qnn.strided_slice`` (elements move, types stay; int8,
    int16 or f32)."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: nn.StridedSliceOp, rewriter: PatternRewriter) -> None:
        _check_moved(op, [op.input, op.output])
        if element_type(op.input) != element_type(op.output):
            raise fail(op, "the input and output types must be equal")
        if len(op.begin.get_values()) > 4:
            raise fail(op, "only tensors of rank 4 or less can be sliced")
        props: dict[str, Attribute] = {
            "begin": i64_array(op.begin),
            "strides": i64_array(op.strides),
        }
        low = Lowering(op)
        low.finish(rewriter, low.kernel(qnn.StridedSliceOp, [op.input], op.output.type, props))


class ConvertSelect(RewritePattern):
    """``nn.maximum`` / ``nn.minimum`` -> ``qnn.maximum`` / ``qnn.minimum`` (int8 and 16x8:
    the operands and the result must share one quantization; the codes are compared)."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: nn.MaximumOp | nn.MinimumOp, rewriter: PatternRewriter) -> None:
        if activation_of(op) != "none":
            raise fail(op, "a fused activation is not supported")
        kind = kind_of(op, [op.lhs, op.rhs, op.output], int16=True)
        if kind in ("s8", "s16"):
            bits = (16,) if kind == "s16" else (8,)
            y = act_quant(op, op.output, "output", bits)
            for value, what in ((op.lhs, "first input"), (op.rhs, "second input")):
                x = act_quant(op, value, what, bits)
                if np.float32(x.scale) != np.float32(y.scale) or x.zero_point != y.zero_point:
                    raise fail(op, f"the {what} and the output quantizations must be equal")
        cls = qnn.MaximumOp if isinstance(op, nn.MaximumOp) else qnn.MinimumOp
        low = Lowering(op)
        low.finish(rewriter, low.kernel(cls, [op.lhs, op.rhs], op.output.type, {}))


class ConvertMath(RewritePattern):
    """A float math function (``nn.exp``, ...) -> ``qnn.math {function = "exp"}``."""

    def match_and_rewrite(self, op: Operation, rewriter: PatternRewriter) -> None:
        if not isinstance(op, nn.MATH_OPS):
            return
        if kind_of(op, [op.input, op.output]) != "f32":
            raise fail(op, "only the float32 version is supported")
        props: dict[str, Attribute] = {"function": StringAttr(op.name.removeprefix("nn."))}
        low = Lowering(op)
        low.finish(rewriter, low.kernel(qnn.MathOp, [op.input], op.output.type, props))
