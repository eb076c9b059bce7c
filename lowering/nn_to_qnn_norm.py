"""``convert-nn-to-qnn`` patterns of the L2 ops (``dialects/nn_norm.py``):
``nn.l2_normalization`` -> ``qnn.l2_normalization`` (float, int8: the input's
quantization as ``#qnn.quantization``) and ``nn.l2_pool2d`` -> ``qnn.l2_pool2d`` (float,
its geometry and the fused activation's clamp). ``convert_nn_to_qnn.py`` applies them with
the others.

Before::

    %y = nn.l2_normalization %x : (tensor<1x6x!nn.q<i8, 0.02 : -3>>)
         -> tensor<1x6x!nn.q<i8, 0.0078125 : 0>>

After::

    %y = qnn.l2_normalization ins(%x : tensor<1x6xi8>)
           {params = #qnn.quantization<scale = 0.02 : f32, zero_point = -3 : i32>}
           -> tensor<1x6xi8>
"""

from __future__ import annotations

from xdsl.ir import Attribute
from xdsl.pattern_rewriter import PatternRewriter, RewritePattern, op_type_rewrite_pattern

from stai.dialects import nn_norm, qnn_norm
from stai.dialects import qnn_params as qp
from stai.lowering.kernel_params import act_quant, activation_of, fail, kind_of
from stai.lowering.nn_to_qnn_base import Lowering, float_act, i64_array


class ConvertL2Normalization(RewritePattern):
    """``nn.l2_normalization`` -> ``qnn.l2_normalization`` (float, int8)."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: nn_norm.L2NormalizationOp, rewriter: PatternRewriter) -> None:
        kind = kind_of(op, [op.input, op.output])
        props: dict[str, Attribute] = {}
        if kind == "s8":
            x = act_quant(op, op.input, "input")
            act_quant(op, op.output, "output")
            props["params"] = qp.QuantizationParams.make(scale=x.scale, zero_point=x.zero_point)
        low = Lowering(op)
        result = low.kernel(qnn_norm.L2NormalizationOp, [op.input], op.output.type, props)
        low.finish(rewriter, result)


class ConvertL2Pool(RewritePattern):
    """``nn.l2_pool2d`` -> ``qnn.l2_pool2d`` (float only, as TensorFlow Lite Micro)."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: nn_norm.L2Pool2DOp, rewriter: PatternRewriter) -> None:
        if kind_of(op, [op.input, op.output]) != "f32":
            raise fail(op, "only the float32 version is supported (as TFLite Micro)")
        props: dict[str, Attribute] = {
            "kernel": i64_array(op.kernel),
            "strides": i64_array(op.strides),
            "pads": i64_array(op.pads),
            "act": float_act(activation_of(op)),
        }
        low = Lowering(op)
        low.finish(rewriter, low.kernel(qnn_norm.L2Pool2DOp, [op.input], op.output.type, props))


NORM_PATTERNS: tuple[RewritePattern, ...] = (ConvertL2Normalization(), ConvertL2Pool())
"""The patterns of this module, appended to ``convert-nn-to-qnn``'s list."""
