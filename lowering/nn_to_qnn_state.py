"""``convert-nn-to-qnn`` for persistent variables: ``nn.read_variable`` and
``nn.assign_variable`` become ``qnn.read_variable`` / ``qnn.assign_variable`` (copies; the
same for float, int8 and int16 variables, whose quantization the model fixes)."""

from __future__ import annotations

from xdsl.dialects.builtin import DenseArrayBase, IntegerType, TensorType, i32
from xdsl.ir import Attribute, Operation, SSAValue
from xdsl.pattern_rewriter import PatternRewriter, RewritePattern

from stai.dialects import nn, nn_state, qnn_state
from stai.lowering.kernel_params import fail
from stai.lowering.nn_to_qnn_base import Lowering, float_act, machine_type
from stai.lowering.quant_math import quantize_multiplier


class ConvertVariable(RewritePattern):
    """``nn.read_variable`` / ``nn.assign_variable`` -> their ``qnn`` copies."""

    def match_and_rewrite(self, op: Operation, rewriter: PatternRewriter) -> None:
        if not isinstance(op, nn_state.ReadVariableOp | nn_state.AssignVariableOp):
            return
        if qnn_state.element_kind(machine_type(op.output.type)) not in ("f32", "s8", "s16"):
            raise fail(op, f"variables of type {op.output.type} are not supported")
        props: dict[str, Attribute] = {"variable": op.variable}
        if op.initial is not None:
            props["initial"] = op.initial
        low = Lowering(op)
        if isinstance(op, nn_state.ReadVariableOp):
            result = low.kernel(qnn_state.ReadVariableOp, [], op.output.type, props)
        else:
            result = low.kernel(qnn_state.AssignVariableOp, [op.input], op.output.type, props)
        low.finish(rewriter, result)


def _scale(op: Operation, value: SSAValue, what: str) -> tuple[float, int]:
    t = value.type
    assert isinstance(t, TensorType)
    q = t.element_type
    if not isinstance(q, nn.QuantType) or len(q.scales.data) != 1:
        raise fail(op, f"the {what} must be quantized per tensor")
    return q.scales.data[0].data, q.zero_points.data[0].data


def _storage_bits(value: SSAValue) -> int:
    t = machine_type(value.type)
    assert isinstance(t, TensorType)
    e = t.element_type
    return e.width.data if isinstance(e, IntegerType) else 32


class ConvertSvdf(RewritePattern):
    """``nn.svdf`` -> ``qnn.svdf``: float (its activation as the clamp range), or int8 with
    int32 bias and int16 time weights and state (``quant`` of 6 values) or int8 ones (7:
    the state's zero point last). The two multipliers are computed as TFLite Micro's SVDF
    Prepare does in the interpreter stai is checked against (double precision from the
    float32 scales; float32 products give other multipliers and other outputs)."""

    def match_and_rewrite(self, op: Operation, rewriter: PatternRewriter) -> None:
        if not isinstance(op, nn_state.SvdfOp):
            return
        props: dict[str, Attribute] = {
            "variable": op.variable,
            "initial": op.initial,
            "rank": op.rank,
        }
        x_type = op.input.type
        assert isinstance(x_type, TensorType)
        if not isinstance(x_type.element_type, nn.QuantType):
            props["act"] = float_act(op.activation.data)
        else:
            widths = [_storage_bits(v) for v in (op.input, op.weights_feature, op.weights_time)]
            if widths not in ([8, 8, 16], [8, 8, 8]) or _storage_bits(op.bias) != 32:
                raise fail(
                    op,
                    "int8 SVDF needs int8 feature weights, int16 or int8 time weights, int32 bias",
                )
            state_bits = _storage_bits_of(op.initial.get_type())
            if op.state_scale is None or state_bits != widths[2]:
                raise fail(op, "int8 SVDF needs a quantized state of its time weights' type")
            s_in, zp_in = _scale(op, op.input, "input")
            s_wf, _ = _scale(op, op.weights_feature, "feature weights")
            s_wt, _ = _scale(op, op.weights_time, "time weights")
            s_out, zp_out = _scale(op, op.output, "output")
            s_state = op.state_scale.value.data
            scale_1 = s_in * s_wf / s_state
            scale_2 = s_state * s_wt / s_out
            m1, sh1 = quantize_multiplier(scale_1)
            m2, sh2 = quantize_multiplier(scale_2)
            quant = [zp_in, zp_out, m1, sh1, m2, sh2]
            if state_bits == 8:
                zp = op.state_zero_point
                quant.append(zp.value.data if zp is not None else 0)
            props["quant"] = DenseArrayBase.from_list(i32, quant)
        low = Lowering(op)
        operands = [op.input, op.weights_feature, op.weights_time, op.bias]
        result = low.kernel(qnn_state.SvdfOp, operands, op.output.type, props)
        low.finish(rewriter, result)


def _storage_bits_of(t: Attribute) -> int:
    assert isinstance(t, TensorType)
    e = t.element_type
    return e.width.data if isinstance(e, IntegerType) else 32


STATE_PATTERNS = (ConvertVariable(), ConvertSvdf())
"""The patterns of this module (in ``convert-nn-to-qnn``'s list)."""
