"""``convert-nn-to-qnn`` pattern of ``nn.batch_matmul`` (``dialects/nn_matmul.py``):
``qnn.batch_matmul`` in float, int8 and 16x8, with TensorFlow Lite Micro's parameters
(``BatchMatMulPrepare``: the multiplier of ``s_lhs * s_rhs / s_out``, the lhs and rhs zero
points as offsets). ``convert_nn_to_qnn.py`` applies it with the others.

Before::

    %y = nn.batch_matmul %a, %b {adj_x = 0 : i64, adj_y = 1 : i64}
         : (tensor<1x4x8x!nn.q<i8, 0.05 : 3>>, tensor<1x6x8x!nn.q<i8, 0.04 : -2>>)
           -> tensor<1x4x6x!nn.q<i8, 0.1 : -1>>

After::

    %y = qnn.batch_matmul ins(%a, %b : tensor<1x4x8xi8>, tensor<1x6x8xi8>)
           {adj_x = 0 : i64, adj_y = 1 : i64, params = #qnn.fully_connected_s8<
           input_offset = -3, filter_offset = 2, output_offset = -1, ...>} -> tensor<1x4x6xi8>
"""

from __future__ import annotations

from xdsl.dialects.builtin import IntegerAttr, i64
from xdsl.ir import Attribute
from xdsl.pattern_rewriter import PatternRewriter, RewritePattern, op_type_rewrite_pattern

from stai.dialects import nn_matmul, qnn_matmul
from stai.dialects import qnn_params as qp
from stai.lowering import quant_math as qm
from stai.lowering.kernel_params import act_quant, kind_of
from stai.lowering.nn_to_qnn_base import Lowering


class ConvertBatchMatmul(RewritePattern):
    """``nn.batch_matmul`` -> ``qnn.batch_matmul`` (float, int8, 16x8)."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: nn_matmul.BatchMatmulOp, rewriter: PatternRewriter) -> None:
        kind = kind_of(op, [op.lhs, op.rhs, op.output], int16=True)
        adj_x, adj_y = op.flags()
        props: dict[str, Attribute] = {
            "adj_x": IntegerAttr(int(adj_x), i64),
            "adj_y": IntegerAttr(int(adj_y), i64),
        }
        if kind != "f32":
            widths = (16,) if kind == "s16" else (8,)
            a = act_quant(op, op.lhs, "lhs", widths)
            b = act_quant(op, op.rhs, "rhs", widths)
            y = act_quant(op, op.output, "output", widths)
            mults, shifts = qm.conv_output_multipliers(a.scale, [b.scale], y.scale)
            if kind == "s8":
                props["params"] = qp.FullyConnectedS8Params.make(
                    input_offset=-a.zero_point,
                    filter_offset=-b.zero_point,
                    output_offset=y.zero_point,
                    multipliers=mults,
                    shifts=shifts,
                )
            else:
                props["params"] = qp.FullyConnectedS16Params.make(multipliers=mults, shifts=shifts)
        low = Lowering(op)
        result = low.kernel(qnn_matmul.BatchMatmulOp, [op.lhs, op.rhs], op.output.type, props)
        low.finish(rewriter, result)


MATMUL_PATTERNS: tuple[RewritePattern, ...] = (ConvertBatchMatmul(),)
"""The patterns of this module, appended to ``convert-nn-to-qnn``'s list."""
