"""``convert-nn-to-qnn`` patterns of the recurrent ops of ``dialects/nn_recurrent.py``:
``nn.gru`` -> ``qnn.gru``, ``nn.rnn`` -> ``qnn.rnn``, ``nn.lstm_cell_state`` ->
``qnn.lstm_cell_state`` (float only: ``quantize-nn`` keeps them float).
``convert_nn_to_qnn.py`` applies them with the others.

Before::

    %y = nn.rnn %x, %w, %r, %b {return_sequences = 1 : i64, activation = "tanh"}
         : (tensor<1x5x3xf32>, tensor<4x3xf32>, tensor<4x4xf32>, tensor<4xf32>)
           -> tensor<1x5x4xf32>

After::

    %y = qnn.rnn ins(%x, %w, %r, %b : tensor<1x5x3xf32>, ...)
           {return_sequences = 1 : i64, activation = "tanh"} -> tensor<1x5x4xf32>
"""

from __future__ import annotations

from xdsl.dialects.builtin import IntegerAttr, StringAttr, i64
from xdsl.ir import Attribute, SSAValue
from xdsl.pattern_rewriter import PatternRewriter, RewritePattern, op_type_rewrite_pattern

from stai.dialects import nn_recurrent, qnn_recurrent
from stai.lowering.kernel_params import fail, kind_of
from stai.lowering.nn_to_qnn_base import Lowering


def _flag(value: IntegerAttr) -> IntegerAttr:
    return IntegerAttr(value.value.data, i64)


def _float_kernel(
    rewriter: PatternRewriter,
    op: nn_recurrent.GruOp | nn_recurrent.RnnOp | nn_recurrent.LstmCellStateOp,
    cls: type[qnn_recurrent.GruOp | qnn_recurrent.RnnOp | qnn_recurrent.LstmCellStateOp],
    ins: list[SSAValue],
    props: dict[str, Attribute],
) -> None:
    if kind_of(op, [*ins, op.output]) != "f32":
        raise fail(op, "only the float32 version is supported")
    low = Lowering(op)
    low.finish(rewriter, low.kernel(cls, ins, op.output.type, props))


class ConvertGru(RewritePattern):
    """``nn.gru`` -> ``qnn.gru``."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: nn_recurrent.GruOp, rewriter: PatternRewriter) -> None:
        ins = [op.input, op.weights, op.recurrent, op.bias, op.recurrent_bias]
        if op.initial is not None:
            ins.append(op.initial)
        props: dict[str, Attribute] = {
            "return_sequences": _flag(op.return_sequences),
            "linear_before_reset": _flag(op.linear_before_reset),
        }
        _float_kernel(rewriter, op, qnn_recurrent.GruOp, ins, props)


class ConvertRnn(RewritePattern):
    """``nn.rnn`` -> ``qnn.rnn``."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: nn_recurrent.RnnOp, rewriter: PatternRewriter) -> None:
        ins = [op.input, op.weights, op.recurrent, op.bias]
        if op.initial is not None:
            ins.append(op.initial)
        props: dict[str, Attribute] = {
            "return_sequences": _flag(op.return_sequences),
            "activation": StringAttr(op.activation.data),
        }
        _float_kernel(rewriter, op, qnn_recurrent.RnnOp, ins, props)


class ConvertLstmCellState(RewritePattern):
    """``nn.lstm_cell_state`` -> ``qnn.lstm_cell_state``."""

    @op_type_rewrite_pattern
    def match_and_rewrite(
        self, op: nn_recurrent.LstmCellStateOp, rewriter: PatternRewriter
    ) -> None:
        ins = [op.input, op.weights, op.recurrent, op.bias]
        props: dict[str, Attribute] = {"return_sequences": IntegerAttr(0, i64)}
        _float_kernel(rewriter, op, qnn_recurrent.LstmCellStateOp, ins, props)


RECURRENT_PATTERNS: tuple[RewritePattern, ...] = (
    ConvertGru(),
    ConvertRnn(),
    ConvertLstmCellState(),
)
"""The patterns of this module, appended to ``convert-nn-to-qnn``'s list."""
