"""``convert-nn-to-qnn`` pattern of ``nn.squared_difference`` (``dialects/nn_sqdiff.py``):
``qnn.squared_difference`` on int8, 16x8 and int32 tensors, the quantized ones with
TensorFlow Lite Micro's parameters (its SQUARED_DIFFERENCE Prepare, in double precision
from the float32 scales: left shift 7 for int8 and 0 for int16, input multipliers
``s_i / (2 max(s_1, s_2))``, output multiplier
``(2 max(s_1, s_2))^2 / (2^(2 left_shift) s_out)``). ``convert_nn_to_qnn.py`` applies it
with the others.

Before::

    %y = nn.squared_difference %a, %b : (tensor<1x8x!nn.q<i8, 0.02 : -3>>,
           tensor<1x8x!nn.q<i8, 0.03 : 5>>) -> tensor<1x8x!nn.q<i8, 0.01 : -128>>

After::

    %y = qnn.squared_difference ins(%a, %b : tensor<1x8xi8>, tensor<1x8xi8>)
           {params = #qnn.add_sub_s8<left_shift = 7, input1_offset = 3, ...>}
           -> tensor<1x8xi8>
"""

from __future__ import annotations

import numpy as np
from xdsl.dialects.builtin import IntegerType, TensorType
from xdsl.ir import Attribute, SSAValue
from xdsl.pattern_rewriter import PatternRewriter, RewritePattern, op_type_rewrite_pattern

from stai.dialects import nn_sqdiff, qnn_sqdiff
from stai.dialects import qnn_params as qp
from stai.lowering import quant_math as qm
from stai.lowering.kernel_params import act_quant, fail, kind_of
from stai.lowering.nn_to_qnn_base import Lowering

LEFT_SHIFT = {"s8": 7, "s16": 0}
"""TensorFlow Lite Micro's left shift of the quantized SQUARED_DIFFERENCE."""


def sqdiff_params(
    kind: str, in1: tuple[float, int], in2: tuple[float, int], out: tuple[float, int]
) -> qp.AddSubS8Params:
    """The parameters of TensorFlow Lite Micro's SQUARED_DIFFERENCE Prepare; each
    argument a (scale, zero point)."""
    shift = LEFT_SHIFT[kind]
    s1, s2, so = (float(np.float32(q[0])) for q in (in1, in2, out))
    twice_max = 2.0 * max(s1, s2)
    m1, sh1 = qm.quantize_multiplier(s1 / twice_max)
    m2, sh2 = qm.quantize_multiplier(s2 / twice_max)
    mo, sho = qm.quantize_multiplier(twice_max * twice_max / ((1 << (2 * shift)) * so))
    return qp.AddSubS8Params.make(
        left_shift=shift,
        input1_offset=-in1[1],
        input1_multiplier=m1,
        input1_shift=sh1,
        input2_offset=-in2[1],
        input2_multiplier=m2,
        input2_shift=sh2,
        output_offset=out[1],
        output_multiplier=mo,
        output_shift=sho,
    )


def _is_i32(value: SSAValue) -> bool:
    t = value.type
    assert isinstance(t, TensorType)
    e = t.element_type
    return isinstance(e, IntegerType) and e.width.data == 32


class ConvertSquaredDifference(RewritePattern):
    """``nn.squared_difference`` -> ``qnn.squared_difference`` (int8, 16x8, int32)."""

    @op_type_rewrite_pattern
    def match_and_rewrite(
        self, op: nn_sqdiff.SquaredDifferenceOp, rewriter: PatternRewriter
    ) -> None:
        values = [op.lhs, op.rhs, op.output]
        props: dict[str, Attribute] = {}
        if not all(_is_i32(v) for v in values):
            kind = kind_of(op, values, int16=True)
            if kind not in LEFT_SHIFT:
                raise fail(op, f"no {kind} kernel (int8, int16 and int32, as TFLite Micro)")
            widths = (16,) if kind == "s16" else (8,)
            q = [act_quant(op, v, f"tensor {i}", widths) for i, v in enumerate(values)]
            pairs = [(x.scale, x.zero_point) for x in q]
            props["params"] = sqdiff_params(kind, pairs[0], pairs[1], pairs[2])
        low = Lowering(op)
        result = low.kernel(qnn_sqdiff.SquaredDifferenceOp, [op.lhs, op.rhs], op.output.type, props)
        low.finish(rewriter, result)


SQDIFF_PATTERNS: tuple[RewritePattern, ...] = (ConvertSquaredDifference(),)
"""The patterns of this module, appended to ``convert-nn-to-qnn``'s list."""
