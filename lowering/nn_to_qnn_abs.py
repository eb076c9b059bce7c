"""``convert-nn-to-qnn`` pattern of the quantized ``nn.abs``: int8 and 16x8 ABS become
``qnn.abs`` (``dialects/qnn_abs.py``) with TensorFlow Lite Micro's parameters (its ABS
Prepare: the input and output zero points, and the multiplier of ``s_in / s_out``, the
quotient of the float32 scales). float32 ``nn.abs`` is left to ``ConvertMath``:
``convert_nn_to_qnn.py`` applies this pattern before it.

Before::

    %y = nn.abs %x : (tensor<1x64x!nn.q<i8, 0.02 : -3>>) -> tensor<1x64x!nn.q<i8, 0.01 : -128>>

After::

    %y = qnn.abs ins(%x : tensor<1x64xi8>) {params = #qnn.requantize_s8<input_offset = 3,
           output_offset = -128, multiplier = 1073741824, shift = 2>} -> tensor<1x64xi8>
"""

from __future__ import annotations

import numpy as np
from xdsl.ir import Attribute
from xdsl.pattern_rewriter import PatternRewriter, RewritePattern, op_type_rewrite_pattern

from stai.dialects import nn, qnn_abs
from stai.dialects import qnn_params as qp
from stai.lowering import quant_math as qm
from stai.lowering.kernel_params import act_quant, kind_of
from stai.lowering.nn_to_qnn_base import Lowering


def abs_params(
    in_scale: float, in_zero_point: int, out_scale: float, out_zero_point: int
) -> qp.RequantizeS8Params:
    """TensorFlow Lite Micro's quantized ABS parameters: the rescale ``s_in / s_out``
    divided in float32, as its Prepare does, then made a multiplier in double."""
    real = float(np.float32(in_scale) / np.float32(out_scale))
    mult, shift = qm.quantize_multiplier(real)
    return qp.RequantizeS8Params.make(
        input_offset=-in_zero_point, output_offset=out_zero_point, multiplier=mult, shift=shift
    )


class ConvertAbsQuantized(RewritePattern):
    """int8 / 16x8 ``nn.abs`` -> ``qnn.abs`` (float32 ones are not matched)."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: nn.AbsOp, rewriter: PatternRewriter) -> None:
        kind = kind_of(op, [op.input, op.output], int16=True)
        if kind == "f32":
            return
        widths = (16,) if kind == "s16" else (8,)
        x = act_quant(op, op.input, "input", widths)
        y = act_quant(op, op.output, "output", widths)
        props: dict[str, Attribute] = {
            "params": abs_params(x.scale, x.zero_point, y.scale, y.zero_point)
        }
        low = Lowering(op)
        low.finish(rewriter, low.kernel(qnn_abs.AbsOp, [op.input], op.output.type, props))


ABS_PATTERNS: tuple[RewritePattern, ...] = (ConvertAbsQuantized(),)
"""The patterns of this module, placed before ``ConvertMath`` in ``convert-nn-to-qnn``."""
