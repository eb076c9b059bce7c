"""``convert-nn-to-qnn`` patterns of the recurrent ops of ``dialects/nn_recurrent.py``:
``nn.gru`` -> ``qnn.gru``, ``nn.rnn`` -> ``qnn.rnn``, ``nn.lstm_cell_state`` ->
``qnn.lstm_cell_state`` (float only: ``quantize-nn`` keeps them float), and
``nn.sequence_lstm`` -> ``qnn.sequence_lstm`` (float, int8, 16x8: the integer parameters as
TensorFlow Lite Micro's LSTM Prepare computes them, see ``ConvertSequenceLstm``).
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

import math

import numpy as np
from xdsl.dialects.builtin import (
    DenseArrayBase,
    FloatAttr,
    IntegerAttr,
    StringAttr,
    TensorType,
    f32,
    i8,
    i32,
    i64,
)
from xdsl.ir import Attribute, SSAValue
from xdsl.pattern_rewriter import PatternRewriter, RewritePattern, op_type_rewrite_pattern

from stai.dialects import nn, nn_recurrent, qnn_recurrent
from stai.lowering.kernel_params import fail, kind_of
from stai.lowering.nn_to_qnn_base import Lowering
from stai.lowering.quant_math import QuantParamError, quantize_multiplier


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


GATE_SCALE = 2.0**-12
"""The scale of every gate's pre-activation (int16, Q3.12)."""
ACTIVATED_SCALE = 2.0**-15
"""The scale of every activated gate (int16, Q0.15)."""


def _scales(value: SSAValue) -> tuple[list[float], int]:
    t = value.type
    assert isinstance(t, TensorType)
    q = t.element_type
    assert isinstance(q, nn.QuantType)
    return q.scale_list(), q.zero_point_list()[0]


def _f32(x: float) -> float:
    """``x`` rounded to float32, as TFLite keeps scales."""
    return float(np.float32(x))


def _mul_params(scale_1: float, scale_2: float, out_scale: float) -> tuple[int, int]:
    """``CreateInterGateMulParams``: the product of two float32 scales over the output's,
    in double precision."""
    return quantize_multiplier(_f32(scale_1) * _f32(scale_2) / _f32(out_scale))


def _cell_tanh(cell_scale: float) -> tuple[int, int]:
    """The int16 tanh's (input multiplier, left shift) of the cell state: its scale's power
    of two p (``CheckedLog2`` in float32, rounded), the shift ``15 + p - 3`` (negative: a
    multiplier of 3 and the opposite shift; else multiplier 0, the power-of-two case)."""
    log2 = np.float32(math.log(np.float32(cell_scale))) * (
        np.float32(1.0) / np.float32(math.log(np.float32(2.0)))
    )
    power = int(np.round(np.float32(log2)))
    shift = 15 + power - 3
    return (3, -shift) if shift < 0 else (0, shift)


def lstm_quant(op: nn_recurrent.SequenceLstmOp) -> list[int]:
    """The ``quant`` values of ``qnn.sequence_lstm`` (``qnn_recurrent.LSTM_QUANT``, then per
    gate the input and recurrent FC (multiplier, shift)), as TensorFlow Lite Micro's integer
    LSTM Prepare computes them: each FC requantizes to 2^-12 (input scale x gate weight
    scale, in double from the float32 scales), the gate products to the cell state's scale
    and to the hidden state's, the cell clip in cell-state codes (truncated)."""
    s_in, zp_in = _scales(op.input)
    w_scales, _ = _scales(op.weights)
    r_scales, _ = _scales(op.recurrent)
    assert op.hidden_scale is not None and op.hidden_zero_point is not None
    assert op.cell_scale is not None
    s_h, zp_h = op.hidden_scale.value.data, op.hidden_zero_point.value.data
    s_c = op.cell_scale.value.data
    units = op.dims()[3]
    gates: list[int] = []
    for k in range(4):
        gates += quantize_multiplier(_f32(s_in[0]) * _f32(w_scales[k * units]) / GATE_SCALE)
        gates += quantize_multiplier(_f32(s_h) * _f32(r_scales[k * units]) / GATE_SCALE)
    forget = _mul_params(ACTIVATED_SCALE, s_c, s_c)
    input_gate = _mul_params(ACTIVATED_SCALE, ACTIVATED_SCALE, s_c)
    hidden = _mul_params(ACTIVATED_SCALE, ACTIVATED_SCALE, s_h)
    clip = _f32(op.cell_clip.value.data)
    q_clip = 0
    if clip > 0:
        q_clip = int(min(max(clip / _f32(s_c), -32768.0), 32767.0))
        if q_clip <= 0:
            raise QuantParamError(f"the cell clip {clip:g} is below one cell-state step")
    values = [
        -zp_in if op.kind == "s8" else 0,
        -zp_h,
        zp_h,
        *forget,
        *input_gate,
        *hidden,
        q_clip,
        *_cell_tanh(s_c),
    ]
    assert len(values) == len(qnn_recurrent.LSTM_QUANT)
    return values + gates


def lstm_initial_state(op: nn_recurrent.SequenceLstmOp) -> bytes:
    """The state's bytes after reset: ``c`` (zeros), then ``h`` (its zero point)."""
    batch, _, _, units = op.dims()
    if op.kind == "f32":
        return bytes(8 * batch * units)
    assert op.hidden_zero_point is not None
    zp = op.hidden_zero_point.value.data
    h = np.full(batch * units, zp, np.int8 if op.kind == "s8" else np.int16)
    return bytes(2 * batch * units) + h.tobytes()


class ConvertSequenceLstm(RewritePattern):
    """``nn.sequence_lstm`` -> ``qnn.sequence_lstm``: the state variable's bytes and
    initial value, and (integer kernels) the parameters of :func:`lstm_quant`."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: nn_recurrent.SequenceLstmOp, rewriter: PatternRewriter) -> None:
        state = lstm_initial_state(op)
        props: dict[str, Attribute] = {
            "variable": op.variable,
            "initial": nn.dense_attr(TensorType(i8, [len(state)]), state),
            "time_major": IntegerAttr(op.time_major.value.data, i64),
        }
        if op.kind == "f32":
            props["cell_clip"] = FloatAttr(op.cell_clip.value.data, f32)
        else:
            try:
                quant = lstm_quant(op)
            except QuantParamError as e:
                raise fail(op, str(e)) from None
            props["quant"] = DenseArrayBase.from_list(i32, quant)
        ins = [op.input, op.weights, op.recurrent, op.bias]
        low = Lowering(op)
        result = low.kernel(qnn_recurrent.SequenceLstmOp, ins, op.output.type, props)
        low.finish(rewriter, result)


RECURRENT_PATTERNS: tuple[RewritePattern, ...] = (
    ConvertGru(),
    ConvertRnn(),
    ConvertLstmCellState(),
    ConvertSequenceLstm(),
)
"""The patterns of this module, appended to ``convert-nn-to-qnn``'s list."""
