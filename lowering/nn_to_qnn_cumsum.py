"""``convert-nn-to-qnn`` patterns of ``nn.cumsum`` and ``nn.gather_nd``
(``dialects/nn_cumsum.py``). ``nn.gather_nd`` becomes ``qnn.gather_nd`` (float or int8,
one quantization for params and output: a copy), its ``row_strides`` the rows of one step
along each indexed axis. ``nn.cumsum``:
``qnn.cumsum`` in float and int8, with TensorFlow Lite Micro's parameters (CUMSUM's
``CalculateOpData``: left shift 20, input multiplier ``s_in / (2 s_in)``, output
multiplier ``2 s_in / (2^20 s_out)``, minus the input zero point and the output one as
offsets). ``convert_nn_to_qnn.py`` applies it with the others.

Before::

    %y = nn.cumsum %x {axis = 1 : i64, exclusive = 0 : i64, reverse = 0 : i64}
         : (tensor<1x6x!nn.q<i8, 0.02 : -3>>) -> tensor<1x6x!nn.q<i8, 0.1 : 5>>

After::

    %y = qnn.cumsum ins(%x : tensor<1x6xi8>) {axis = 1 : i64, exclusive = 0 : i64,
           reverse = 0 : i64, params = #qnn.add_sub_s8<left_shift = 20, input1_offset = 3,
           ...>} -> tensor<1x6xi8>
"""

from __future__ import annotations

import math

from xdsl.dialects.builtin import DenseArrayBase, IntegerAttr, TensorType, i64
from xdsl.ir import Attribute
from xdsl.pattern_rewriter import PatternRewriter, RewritePattern, op_type_rewrite_pattern

from stai.dialects import nn_cumsum, qnn_cumsum
from stai.dialects import qnn_params as qp
from stai.lowering import quant_math as qm
from stai.lowering.kernel_params import act_quant, fail, kind_of
from stai.lowering.nn_to_qnn_base import Lowering


def cumsum_s8_params(
    in_scale: float, in_zero_point: int, out_scale: float, out_zero_point: int
) -> qp.AddSubS8Params:
    """TensorFlow Lite Micro's int8 CUMSUM parameters (in double precision, as its
    ``CalculateOpData``)."""
    twice_max = 2.0 * in_scale
    in_mult, in_shift = qm.quantize_multiplier(in_scale / twice_max)
    out_mult, out_shift = qm.quantize_multiplier(
        twice_max / ((1 << qm.ADD_SUB_LEFT_SHIFT_S8) * out_scale)
    )
    return qp.AddSubS8Params.make(
        left_shift=qm.ADD_SUB_LEFT_SHIFT_S8,
        input1_offset=-in_zero_point,
        input1_multiplier=in_mult,
        input1_shift=in_shift,
        input2_offset=0,
        input2_multiplier=0,
        input2_shift=0,
        output_offset=out_zero_point,
        output_multiplier=out_mult,
        output_shift=out_shift,
    )


class ConvertCumsum(RewritePattern):
    """``nn.cumsum`` -> ``qnn.cumsum`` (float, int8)."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: nn_cumsum.CumsumOp, rewriter: PatternRewriter) -> None:
        kind = kind_of(op, [op.input, op.output])
        props: dict[str, Attribute] = {
            name: IntegerAttr(getattr(op, name).value.data, i64)
            for name in ("axis", "exclusive", "reverse")
        }
        if kind == "s8":
            x = act_quant(op, op.input, "input")
            y = act_quant(op, op.output, "output")
            props["params"] = cumsum_s8_params(x.scale, x.zero_point, y.scale, y.zero_point)
        low = Lowering(op)
        result = low.kernel(qnn_cumsum.CumsumOp, [op.input], op.output.type, props)
        low.finish(rewriter, result)


class ConvertGatherNd(RewritePattern):
    """``nn.gather_nd`` -> ``qnn.gather_nd`` (float32, int8: TFLite Micro's params types)."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: nn_cumsum.GatherNdOp, rewriter: PatternRewriter) -> None:
        kind = kind_of(op, [op.input, op.output])
        if kind not in ("f32", "s8"):
            raise fail(op, f"no {kind} kernel (float32 and int8 params, as TFLite Micro)")
        x, y = op.input.type, op.output.type
        assert isinstance(x, TensorType) and isinstance(y, TensorType)
        if x.element_type != y.element_type:
            raise fail(op, "the params and output quantizations differ")
        shape = tuple(x.get_shape())
        depth = op.depth()
        strides = [math.prod(shape[j + 1 : depth]) for j in range(depth)]
        props: dict[str, Attribute] = {"row_strides": DenseArrayBase.from_list(i64, strides)}
        low = Lowering(op)
        operands = [op.input, op.indices]
        low.finish(rewriter, low.kernel(qnn_cumsum.GatherNdOp, operands, op.output.type, props))


CUMSUM_PATTERNS: tuple[RewritePattern, ...] = (ConvertCumsum(), ConvertGatherNd())
"""The patterns of this module, appended to ``convert-nn-to-qnn``'s list."""
