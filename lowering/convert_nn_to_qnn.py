"""``convert-nn-to-qnn``: lower framework-level ``nn`` ops to kernel-level ``qnn`` ops."""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects import arith, func
from xdsl.dialects.builtin import (
    DenseArrayBase,
    FunctionType,
    IntegerAttr,
    ModuleOp,
    Signedness,
    TensorType,
    UnrealizedConversionCastOp,
    f32,
    i64,
)
from xdsl.ir import Attribute, Operation, SSAValue
from xdsl.passes import ModulePass
from xdsl.pattern_rewriter import (
    GreedyRewritePatternApplier,
    PatternRewriter,
    PatternRewriteWalker,
    RewritePattern,
    op_type_rewrite_pattern,
)
from xdsl.rewriter import InsertPoint
from xdsl.transforms.reconcile_unrealized_casts import ReconcileUnrealizedCastsPattern

from stai.dialects import nn, qnn
from stai.dialects import qnn_params as qp
from stai.lowering import quant_math as qm
from stai.lowering.kernel_params import (
    act_quant,
    activation_of,
    add_sub_s8_params,
    check_fixed_output,
    clamp_range_s8,
    clamp_s8_props,
    conv_s8_params,
    element_type,
    fail,
    fully_connected_s8_params,
    fully_connected_s16_params,
    hard_sigmoid_s8_props,
    hybrid_filter_scales,
    hybrid_scales,
    int_act,
    is_float,
    kind_of,
    mul_s8_params,
    prelu_s8_params,
    quant_act,
    storage_bits,
)
from stai.lowering.nn_to_qnn_abs import ABS_PATTERNS
from stai.lowering.nn_to_qnn_base import (
    FLOAT_ACTIVATION_RANGES,
    FLT_MAX,
    Lowering,
    float_act,
    i64_array,
    machine_type,
)
from stai.lowering.nn_to_qnn_cumsum import CUMSUM_PATTERNS
from stai.lowering.nn_to_qnn_detection import DETECTION_PATTERNS
from stai.lowering.nn_to_qnn_indexing import INDEXING_PATTERNS
from stai.lowering.nn_to_qnn_logical import LOGICAL_PATTERNS
from stai.lowering.nn_to_qnn_matmul import MATMUL_PATTERNS
from stai.lowering.nn_to_qnn_norm import NORM_PATTERNS
from stai.lowering.nn_to_qnn_recurrent import RECURRENT_PATTERNS
from stai.lowering.nn_to_qnn_shapes import (
    ConvertConcat,
    ConvertMath,
    ConvertPad,
    ConvertReshape,
    ConvertSelect,
    ConvertStridedSlice,
    ConvertTranspose,
)
from stai.lowering.nn_to_qnn_sqdiff import SQDIFF_PATTERNS
from stai.lowering.nn_to_qnn_state import STATE_PATTERNS

__all__ = ["FLOAT_ACTIVATION_RANGES", "FLT_MAX", "ConvertNNToQNNPass", "machine_type"]


class ConvertConstant(RewritePattern):
    """``nn.constant`` -> ``arith.constant`` of the same dense data (machine type)."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: nn.ConstantOp, rewriter: PatternRewriter) -> None:
        low = Lowering(op)
        const = arith.ConstantOp(op.value)
        const.attributes.update(op.attributes)
        low.ops.append(const)
        low.finish(rewriter, const.result)


class ConvertConv(RewritePattern):
    """``nn.conv2d`` / ``nn.depthwise_conv2d`` -> ``qnn.conv2d`` / ``qnn.depthwise_conv2d``
    (float, int8, 16x8)."""

    @op_type_rewrite_pattern
    def match_and_rewrite(
        self, op: nn.Conv2DOp | nn.DepthwiseConv2DOp, rewriter: PatternRewriter
    ) -> None:
        depthwise = isinstance(op, nn.DepthwiseConv2DOp)
        kind = kind_of(op, [op.input, op.output], int16=True)
        props: dict[str, Attribute] = {
            "strides": i64_array(op.strides),
            "pads": i64_array(op.pads),
            "dilations": i64_array(op.dilations),
        }
        if depthwise:
            props["depth_multiplier"] = IntegerAttr(op.depth_multiplier.value.data, i64)
        cls: type[qnn.KernelOp] = qnn.DepthwiseConv2DOp if depthwise else qnn.Conv2DOp
        if kind in ("s8", "s16"):
            params, act = conv_s8_params(op, 3 if depthwise else 0, 16 if kind == "s16" else 8)
            props["params"] = params
            props["act"] = act
        else:
            props["act"] = float_act(activation_of(op))
            if isinstance(element_type(op.filter), nn.QuantType):
                if depthwise:  # always asymmetric input quantization
                    scales = hybrid_scales(op, op.filter, 3, "depthwise conv")
                    cls = qnn.HybridDepthwiseConv2DOp
                else:
                    scales = hybrid_filter_scales(op)
                    cls = qnn.HybridConv2DOp
                props["params"] = qp.HybridConvParams.make(filter_scales=scales)
        low = Lowering(op)
        low.finish(rewriter, low.kernel(cls, [op.input, op.filter, op.bias], op.output.type, props))


class ConvertFullyConnected(RewritePattern):
    """``nn.fully_connected`` -> ``qnn.fully_connected``."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: nn.FullyConnectedOp, rewriter: PatternRewriter) -> None:
        kind = kind_of(op, [op.input, op.output], int16=True)
        props: dict[str, Attribute] = {}
        cls: type[qnn.KernelOp] = qnn.FullyConnectedOp
        if kind == "s8":
            props["params"] = fully_connected_s8_params(op)
            props["act"] = quant_act(activation_of(op), act_quant(op, op.output, "output"))
        elif kind == "s16":
            props["params"] = fully_connected_s16_params(op)
            props["act"] = quant_act(activation_of(op), act_quant(op, op.output, "output", (16,)))
        else:
            props["act"] = float_act(activation_of(op))
            if isinstance(element_type(op.filter), nn.QuantType):  # hybrid: int8 weights
                props["params"] = qp.HybridFullyConnectedParams.make(
                    filter_scales=hybrid_scales(op, op.filter, 0, "fully connected"),
                    asymmetric_inputs=int(op.asymmetric_inputs is not None),
                )
                cls = qnn.HybridFullyConnectedOp
        low = Lowering(op)
        ins = [op.input, op.filter, op.bias]
        low.finish(rewriter, low.kernel(cls, ins, op.output.type, props))


class ConvertPool(RewritePattern):
    """``nn.avg_pool2d`` / ``nn.max_pool2d`` -> ``qnn.avg_pool2d`` / ``qnn.max_pool2d``
    (int8 and 16x8: no requantization, the clamp range in output units)."""

    @op_type_rewrite_pattern
    def match_and_rewrite(
        self, op: nn.AvgPool2DOp | nn.MaxPool2DOp, rewriter: PatternRewriter
    ) -> None:
        kind = kind_of(op, [op.input, op.output], int16=True)
        props: dict[str, Attribute] = {
            "kernel": i64_array(op.kernel),
            "strides": i64_array(op.strides),
            "pads": i64_array(op.pads),
        }
        if kind in ("s8", "s16"):
            y = act_quant(op, op.output, "output", (16,) if kind == "s16" else (8,))
            props["act"] = quant_act(activation_of(op), y)
        else:
            props["act"] = float_act(activation_of(op))
        cls = qnn.AvgPool2DOp if isinstance(op, nn.AvgPool2DOp) else qnn.MaxPool2DOp
        low = Lowering(op)
        low.finish(rewriter, low.kernel(cls, [op.input], op.output.type, props))


_BINARY: dict[str, type[qnn.KernelOp]] = {
    nn.AddOp.name: qnn.AddOp,
    nn.SubOp.name: qnn.SubOp,
    nn.MulOp.name: qnn.MulOp,
    nn.DivOp.name: qnn.DivOp,
}


class ConvertBinary(RewritePattern):
    """``nn.add`` / ``sub`` / ``mul`` / ``div`` -> ``qnn.add`` / ``sub`` / ``mul`` / ``div``
    (int8 and 16x8 division are not supported; 16x8 add, sub and mul broadcast as int8)."""

    @op_type_rewrite_pattern
    def match_and_rewrite(
        self, op: nn.AddOp | nn.SubOp | nn.MulOp | nn.DivOp, rewriter: PatternRewriter
    ) -> None:
        kind = kind_of(op, [op.lhs, op.rhs, op.output], int16=not isinstance(op, nn.DivOp))
        props: dict[str, Attribute] = {}
        if kind == "f32":
            props["act"] = float_act(activation_of(op))
        elif kind == "s16":
            assert not isinstance(op, nn.DivOp)
            if isinstance(op, nn.MulOp):
                props["params"], props["act"] = mul_s8_params(op, 16)
            else:
                props["params"], props["act"] = add_sub_s8_params(op, 16)
        elif isinstance(op, nn.DivOp):
            raise fail(op, "int8 division is not supported")
        else:
            params, act = mul_s8_params(op) if isinstance(op, nn.MulOp) else add_sub_s8_params(op)
            props["params"] = params
            props["act"] = act
        low = Lowering(op)
        ins = [op.lhs, op.rhs]
        low.finish(rewriter, low.kernel(_BINARY[op.name], ins, op.output.type, props))


_RELU_ACTIVATION: dict[str, str] = {
    nn.ReluOp.name: "relu",
    nn.Relu6Op.name: "relu6",
    nn.ReluN1To1Op.name: "relu_n1_to_1",
}


class ConvertRelu(RewritePattern):
    """``nn.relu`` / ``relu6`` / ``relu_n1_to_1`` -> ``qnn.clamp`` (int8: with the
    requantization of TFLite Micro's standalone activation; 16x8: relu and relu6, which
    TFLite Micro runs on int16)."""

    @op_type_rewrite_pattern
    def match_and_rewrite(
        self, op: nn.ReluOp | nn.Relu6Op | nn.ReluN1To1Op, rewriter: PatternRewriter
    ) -> None:
        activation = _RELU_ACTIVATION[op.name]
        props: dict[str, Attribute]
        kind = kind_of(op, [op.input, op.output], int16=not isinstance(op, nn.ReluN1To1Op))
        if kind in ("s8", "s16"):
            bits = (16,) if kind == "s16" else (8,)
            x = act_quant(op, op.input, "input", bits)
            props = clamp_s8_props(op, activation, x, act_quant(op, op.output, "output", bits))
        else:
            props = {"act": float_act(activation)}
        low = Lowering(op)
        low.finish(rewriter, low.kernel(qnn.ClampOp, [op.input], op.output.type, props))


class ConvertSigmoid(RewritePattern):
    """``nn.logistic`` / ``nn.tanh`` -> ``qnn.logistic`` / ``qnn.tanh`` (int8; 16x8 with
    TFLite Micro's int16 input rescaling, the output scale 2^-15)."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: nn.LogisticOp | nn.TanhOp, rewriter: PatternRewriter) -> None:
        logistic = isinstance(op, nn.LogisticOp)
        props: dict[str, Attribute] = {}
        kind = kind_of(op, [op.input, op.output], int16=True)
        if kind == "s16":
            x = act_quant(op, op.input, "input", (16,))
            y = act_quant(op, op.output, "output", (16,))
            mult, shift = qm.logistic_tanh_params_s16(x.scale, y.scale, tanh=not logistic)
            props["params"] = qp.LogisticTanhS16Params.make(
                input_multiplier=mult, input_left_shift=shift
            )
        elif kind == "s8":
            x = act_quant(op, op.input, "input")
            y = act_quant(op, op.output, "output")
            if logistic:
                check_fixed_output(op, y, 1.0 / 256, -128)
                p = qm.logistic_params_s8(x.scale, x.zero_point)
            else:
                check_fixed_output(op, y, 1.0 / 128, 0)
                p = qm.tanh_params_s8(x.scale, x.zero_point)
            props["params"] = qp.LogisticTanhS8Params.from_object(p)
        cls = qnn.LogisticOp if logistic else qnn.TanhOp
        low = Lowering(op)
        low.finish(rewriter, low.kernel(cls, [op.input], op.output.type, props))


class ConvertLeakyReluHardSwish(RewritePattern):
    """``nn.leaky_relu`` / ``nn.hard_swish`` -> ``qnn.leaky_relu`` / ``qnn.hard_swish``
    (float: ``alpha``; int8: the parameters of ``quant_math.leaky_relu_params_s8`` /
    ``hard_swish_params_s8``, as TFLite Micro's Prepare; 16x8: leaky relu only, with the
    int8 parameters)."""

    @op_type_rewrite_pattern
    def match_and_rewrite(
        self, op: nn.LeakyReluOp | nn.HardSwishOp, rewriter: PatternRewriter
    ) -> None:
        leaky = isinstance(op, nn.LeakyReluOp)
        cls: type[qnn.KernelOp] = qnn.LeakyReluOp if leaky else qnn.HardSwishOp
        params: qp.KernelParams | None = None
        kind = kind_of(op, [op.input, op.output], int16=leaky)  # TFLM: no int16 hard swish
        if kind == "f32":
            if leaky:
                params = qp.LeakyReluF32Params.make(alpha=op.alpha.value.data)
        else:
            bits = (16,) if kind == "s16" else (8,)
            x = act_quant(op, op.input, "input", bits)
            y = act_quant(op, op.output, "output", bits)
            try:
                p = (
                    qm.leaky_relu_params_s8(
                        op.alpha.value.data, x.scale, x.zero_point, y.scale, y.zero_point
                    )
                    if leaky
                    else qm.hard_swish_params_s8(x.scale, x.zero_point, y.scale, y.zero_point)
                )
            except ValueError as exc:
                raise fail(op, str(exc)) from exc
            family = qp.LeakyReluS8Params if leaky else qp.HardSwishS8Params
            params = family.from_object(p)
        props: dict[str, Attribute] = {"params": params} if params is not None else {}
        low = Lowering(op)
        low.finish(rewriter, low.kernel(cls, [op.input], op.output.type, props))


class ConvertSoftmax(RewritePattern):
    """``nn.softmax`` -> ``qnn.softmax`` (int8: multiplier, shift and diff_min; int8 ->
    int16: the same, the output quantized with scale 1/65536 and zero point -32768; 16x8:
    multiplier and shift, the output quantized with scale 1/32768)."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: nn.SoftmaxOp, rewriter: PatternRewriter) -> None:
        beta = op.beta.value.data
        widening = storage_bits(op.input) == 8 and storage_bits(op.output) == 16
        kind = "s8" if widening else kind_of(op, [op.input, op.output], int16=True)
        params: qp.KernelParams
        if kind == "s16":
            x = act_quant(op, op.input, "input", (16,))
            y = act_quant(op, op.output, "output", (16,))
            check_fixed_output(op, y, 1.0 / 32768, 0, tolerance=0.001)
            mult, shift = qm.softmax_params_s16(beta, x.scale)
            params = qp.SoftmaxS16Params.make(multiplier=mult, shift=shift)
        elif kind == "s8":
            x = act_quant(op, op.input, "input")
            if widening:  # TFLite Micro's int8 -> int16 softmax: [0, 1] over the int16 codes
                y = _conversion_quant(op, op.output, "output", (16,))
                check_fixed_output(op, y, 1.0 / 65536, -32768, tolerance=0.001)
            else:
                check_fixed_output(op, act_quant(op, op.output, "output"), 1.0 / 256, -128)
            try:
                p = qm.softmax_params_s8(beta, x.scale)
            except ValueError as exc:
                raise fail(op, str(exc)) from exc
            params = qp.SoftmaxS8Params.make(multiplier=p.mult, shift=p.shift, diff_min=p.diff_min)
        else:
            params = qp.SoftmaxF32Params.make(beta=beta)
        low = Lowering(op)
        props: dict[str, Attribute] = {"params": params}
        low.finish(rewriter, low.kernel(qnn.SoftmaxOp, [op.input], op.output.type, props))


_REQUANTIZE_BITS = frozenset(
    {(8, 8), (8, 16), (8, 32), (16, 8), (16, 16), (16, 32), (32, 8), (32, 16)}
)
"""The (input, output) storage bits of the integer QUANTIZE operators TFLite Micro runs
(a requantization; its uint8 pairs aside)."""


def _conversion_quant(
    op: Operation, value: SSAValue, what: str, widths: tuple[int, ...]
) -> nn.QuantType:
    """The per-tensor quantization of a QUANTIZE / DEQUANTIZE operand (or of an int8 ->
    int16 softmax's output) of one of ``widths`` bits: any zero point, as TFLite Micro."""
    e = element_type(value)
    if not isinstance(e, nn.QuantType) or e.storage.width.data not in widths:
        names = " or ".join(f"!nn.q<i{w}, ...>" for w in widths)
        raise fail(op, f"{what} must be f32 or per-tensor {names}, got {e}")
    if e.per_channel:
        raise fail(op, f"{what} has per-channel quantization (only weights may)")
    return e


_UINT8_PAIRS = frozenset({("uint8", "int8"), ("int8", "uint8")})
"""The QUANTIZE pairs with an unsigned side (TFLite Micro's; DEQUANTIZE takes uint8 too)."""

_UINT8_USES = "uint8 only in QUANTIZE uint8 <-> int8 and DEQUANTIZE uint8 -> float32"


def _int_name(q: nn.QuantType) -> str:
    """``int8``, ``int16``, ``int32``..., or ``uint8`` for an unsigned (``ui8``) storage."""
    unsigned = q.storage.signedness.data == Signedness.UNSIGNED
    return f"{'u' if unsigned else ''}int{q.storage.width.data}"


class ConvertQuantize(RewritePattern):
    """``nn.quantize``: f32 -> int8 / int16 is ``qnn.quantize`` (scale, zero_point); between
    integer types (int8, int16, int32: the pairs of ``_REQUANTIZE_BITS``, and uint8 <-> int8)
    it is ``qnn.requantize``, as TFLite Micro's ``Requantize``. Any other pair with an
    unsigned side (float32 -> uint8, uint8 -> int16...) is refused here, naming the op."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: nn.QuantizeOp, rewriter: PatternRewriter) -> None:
        low = Lowering(op)
        if is_float(op.input):
            y = _conversion_quant(op, op.output, "output", (8, 16))
            if _int_name(y).startswith("u"):
                raise fail(
                    op, f"QUANTIZE float32 -> {_int_name(y)} is not supported ({_UINT8_USES})"
                )
            params: qp.KernelParams = qp.QuantizationParams.make(
                scale=y.scale, zero_point=y.zero_point
            )
            cls: type[qnn.KernelOp] = qnn.QuantizeOp
        else:
            x = _conversion_quant(op, op.input, "input", (8, 16, 32))
            y = _conversion_quant(op, op.output, "output", (8, 16, 32))
            names = (_int_name(x), _int_name(y))
            if any(n.startswith("u") for n in names) and names not in _UINT8_PAIRS:
                raise fail(
                    op, f"QUANTIZE {names[0]} -> {names[1]} is not supported ({_UINT8_USES})"
                )
            bits = (x.storage.width.data, y.storage.width.data)
            if bits not in _REQUANTIZE_BITS:
                raise fail(op, f"QUANTIZE int{bits[0]} -> int{bits[1]} is not supported")
            if x.zero_point == -(1 << 31):
                raise fail(op, "an int32 input zero point of -2^31 is not supported")
            p = qm.requantize_params_s8(x.scale, x.zero_point, y.scale, y.zero_point)
            params = qp.RequantizeS8Params.make(
                input_offset=p.input_offset,
                output_offset=p.output_offset,
                multiplier=p.mult,
                shift=p.shift,
            )
            cls = qnn.RequantizeOp
        props: dict[str, Attribute] = {"params": params}
        low.finish(rewriter, low.kernel(cls, [op.input], op.output.type, props))


class ConvertDequantize(RewritePattern):
    """``nn.dequantize`` int8 / int16 / uint8 -> f32: ``qnn.dequantize`` (scale, zero_point);
    another unsigned input (``ui16``) is refused here, naming the op."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: nn.DequantizeOp, rewriter: PatternRewriter) -> None:
        x = _conversion_quant(op, op.input, "input", (8, 16))
        if _int_name(x).startswith("u") and _int_name(x) != "uint8":
            raise fail(op, f"DEQUANTIZE {_int_name(x)} -> float32 is not supported ({_UINT8_USES})")
        if not is_float(op.output):
            raise fail(op, "the result must be f32")
        params = qp.QuantizationParams.make(scale=x.scale, zero_point=x.zero_point)
        props: dict[str, Attribute] = {"params": params}
        low = Lowering(op)
        low.finish(rewriter, low.kernel(qnn.DequantizeOp, [op.input], op.output.type, props))


class ConvertMean(RewritePattern):
    """``nn.mean`` over H and W of an NHWC tensor -> ``qnn.mean`` (other axes are not
    supported)."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: nn.MeanOp, rewriter: PatternRewriter) -> None:
        in_type = op.input.type
        assert isinstance(in_type, TensorType)
        shape = in_type.get_shape()
        axes = sorted({a % len(shape) for a in op.axes.get_values()}) if shape else []
        kind = kind_of(op, [op.input, op.output], int16=True)
        if len(shape) != 4 or axes != [1, 2]:
            raise fail(op, f"mean is supported over axes [1, 2] of a 4-D tensor, not {axes}")
        props: dict[str, Attribute] = {}
        if kind in ("s8", "s16"):
            bits = (16,) if kind == "s16" else (8,)
            x = act_quant(op, op.input, "input", bits)
            y = act_quant(op, op.output, "output", bits)
            p = qm.mean_params_s8(x.scale, x.zero_point, y.scale, y.zero_point, shape[1] * shape[2])
            props["params"] = qp.RequantizeS8Params.make(
                input_offset=p.input_offset,
                output_offset=p.output_offset,
                multiplier=p.out_mult,
                shift=p.out_shift,
            )
        low = Lowering(op)
        low.finish(rewriter, low.kernel(qnn.MeanOp, [op.input], op.output.type, props))


class ConvertFloatActivationExtra(RewritePattern):
    """``nn.swish`` / ``nn.hard_sigmoid`` / ``nn.prelu`` -> ``qnn.swish`` /
    ``qnn.hard_sigmoid`` / ``qnn.prelu`` (float only, except prelu: int8 too)."""

    @op_type_rewrite_pattern
    def match_and_rewrite(
        self, op: nn.SwishOp | nn.HardSigmoidOp | nn.PReluOp, rewriter: PatternRewriter
    ) -> None:
        ins = [op.input, op.alpha] if isinstance(op, nn.PReluOp) else [op.input]
        kind = kind_of(op, [*ins, op.output])
        if kind == "s8" and isinstance(op, nn.HardSigmoidOp):
            low = Lowering(op)
            low.finish(
                rewriter,
                low.kernel(qnn.ClampOp, [op.input], op.output.type, hard_sigmoid_s8_props(op)),
            )
            return
        if kind != "f32" and not isinstance(op, nn.PReluOp):
            raise fail(op, "only the float32 version is supported")
        props: dict[str, Attribute] = {}
        cls: type[qnn.KernelOp] = qnn.SwishOp
        if isinstance(op, nn.HardSigmoidOp):
            props["params"] = qp.HardSigmoidF32Params.make(
                alpha=op.alpha.value.data, beta=op.beta.value.data
            )
            cls = qnn.HardSigmoidOp
        elif isinstance(op, nn.PReluOp):
            cls = qnn.PReluOp
            if kind == "s8":
                props["params"] = prelu_s8_params(op)
        low = Lowering(op)
        low.finish(rewriter, low.kernel(cls, ins, op.output.type, props))


class ConvertLstm(RewritePattern):
    """``nn.lstm`` -> ``qnn.lstm`` (float only)."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: nn.LstmOp, rewriter: PatternRewriter) -> None:
        ins = [op.input, op.weights, op.recurrent, op.bias]
        if kind_of(op, [*ins, op.output]) != "f32":
            raise fail(op, "only the float32 version is supported")
        props: dict[str, Attribute] = {
            "return_sequences": IntegerAttr(op.return_sequences.value.data, i64)
        }
        low = Lowering(op)
        low.finish(rewriter, low.kernel(qnn.LstmOp, ins, op.output.type, props))


class ConvertTransposeConv(RewritePattern):
    """``nn.transpose_conv2d`` -> ``qnn.transpose_conv2d`` (float, int8, 16x8: a conv's
    parameters, the filter's channels along axis 0)."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: nn.TransposeConv2DOp, rewriter: PatternRewriter) -> None:
        kind = kind_of(op, [op.input, op.output], int16=True)
        props: dict[str, Attribute] = {
            "strides": i64_array(op.strides),
            "pads": i64_array(op.pads),
            "dilations": i64_array(op.dilations),
        }
        if kind == "f32":
            if isinstance(element_type(op.filter), nn.QuantType):
                raise fail(op, "a float transposed convolution with int8 weights is not supported")
            props["act"] = float_act(activation_of(op))
        else:
            if any(d != 1 for d in op.dilations.get_values()):
                raise fail(op, "a dilated int8 or 16x8 transposed convolution is not supported")
            filter_type = op.filter.type
            assert isinstance(filter_type, TensorType)
            if max(filter_type.get_shape()[1:3]) > 64:
                raise fail(
                    op, "an int8 or 16x8 transposed convolution takes at most 64 taps per axis"
                )
            params, act = conv_s8_params(op, 0, 16 if kind == "s16" else 8)
            props["params"] = params
            props["act"] = act
        low = Lowering(op)
        ins = [op.input, op.filter, op.bias]
        low.finish(rewriter, low.kernel(qnn.TransposeConv2DOp, ins, op.output.type, props))


class ConvertClamp(RewritePattern):
    """``nn.clamp`` -> ``qnn.clamp`` (int8: requantization from input to output as a
    relu, then the clamp to the quantized bounds)."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: nn.ClampOp, rewriter: PatternRewriter) -> None:
        lo, hi = float(op.min.value.data), float(op.max.value.data)
        if lo > hi:
            raise fail(op, f"min {lo} is above max {hi}")
        props: dict[str, Attribute]
        if kind_of(op, [op.input, op.output]) == "s8":
            x = act_quant(op, op.input, "input")
            y = act_quant(op, op.output, "output")
            props = clamp_s8_props(op, "relu", x, y)
            props["act"] = int_act(*clamp_range_s8(op, lo, hi, y))
        else:
            props = {"act": DenseArrayBase.from_list(f32, [lo, hi])}
        low = Lowering(op)
        low.finish(rewriter, low.kernel(qnn.ClampOp, [op.input], op.output.type, props))


class ConvertFuncSignature(RewritePattern):
    """Machine types in a ``func.func``'s signature and entry block arguments (the
    argument and result attributes, ``nn.name``, stay)."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: func.FuncOp, rewriter: PatternRewriter) -> None:
        old = op.function_type
        new = FunctionType.from_lists(
            [machine_type(t) for t in old.inputs.data],
            [machine_type(t) for t in old.outputs.data],
        )
        if new == old:
            return
        if op.body.blocks:
            block = op.body.blocks[0]
            for arg in list(block.args):
                target = machine_type(arg.type)
                if target == arg.type:
                    continue
                nn_type, hint = arg.type, arg.name_hint
                new_arg = rewriter.replace_value_with_new_type(arg, target)
                new_arg.name_hint = hint
                cast = UnrealizedConversionCastOp.get([new_arg], [nn_type])
                rewriter.insert(cast, InsertPoint.at_start(block))
                rewriter.replace_uses_with_if(
                    new_arg, cast.results[0], lambda use, c=cast: use.operation is not c
                )
        op.properties["function_type"] = new
        rewriter.notify_op_modified(op)


class ConvertReturn(RewritePattern):
    """``func.return`` of machine-typed values."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: func.ReturnOp, rewriter: PatternRewriter) -> None:
        if all(machine_type(v.type) == v.type for v in op.arguments):
            return
        low = Lowering(op)
        values = [low.operand(v) for v in op.arguments]
        new = func.ReturnOp(*values)
        new.attributes.update(op.attributes)
        rewriter.replace(op, [*low.ops, new])


def check_converted(module: ModuleOp) -> None:
    """Every ``nn`` op and every conversion cast is gone, or the lowering failed."""
    for op in module.walk():
        if isinstance(op, UnrealizedConversionCastOp):
            raise fail(op, "a value is used with both its nn and its machine type")
        if op.dialect_name() == "nn":
            raise fail(op, "no conversion to the qnn dialect")


@dataclass(eq=False, repr=False)
class _ReportingApplier(GreedyRewritePatternApplier):
    """The pattern applier, with quantization parameters that the int8 arithmetic cannot
    represent reported as a `StaiError` naming the op."""

    def match_and_rewrite(self, op: Operation, rewriter: PatternRewriter) -> None:
        try:
            super().match_and_rewrite(op, rewriter)
        except qm.QuantParamError as exc:
            raise fail(op, str(exc)) from exc


@dataclass(frozen=True)
class ConvertNNToQNNPass(ModulePass):
    """Lower every ``nn`` op to its ``qnn`` kernel op in tensor form.

    Element types become machine types (``!nn.q<i8, ...>`` -> ``i8``, ``!nn.q<i32, ...>``
    -> ``i32``, ``f32`` stays) everywhere, including the function signatures (their
    ``nn.name`` argument/result attributes stay). int8 arithmetic parameters are computed
    as TFLite Micro's Prepare computes them (``stai.lowering.quant_math``) and stored in
    the op's ``params``, an attribute of the op's parameter family
    (``stai.dialects.qnn_params``: scalars ``i32`` or ``f32``, per-channel lists
    ``array<i32: ...>``); fused activations become the clamp range ``act``
    (``array<i32: lo, hi>`` in output units, or ``array<f32: lo, hi>``). Each op keeps its
    ``nn.m_id`` / ``nn.name`` attributes.

    Constants: every ``nn.constant`` becomes an ``arith.constant`` whose value is a
    ``DenseIntOrFPElementsAttr`` of the machine type (the same data).

    Unsupported combinations (int8 division, int8 leaky relu / hard swish, mean over axes
    other than H and W, per-channel activations, ...) raise ``StaiError`` naming the op
    and its ``nn.m_id``.

    Before::

        %y = nn.fully_connected %x, %w, %b {activation = "relu"}
           : (tensor<1x4x!nn.q<i8, 0.5 : -3>>, tensor<2x4x!nn.q<i8, 0.25 : 0>>,
              tensor<2x!nn.q<i32, 0.125 : 0>>) -> tensor<1x2x!nn.q<i8, 1.0 : 5>>

    After::

        %y = qnn.fully_connected ins(%x, %w, %b : tensor<1x4xi8>, tensor<2x4xi8>,
               tensor<2xi32>) {params = #qnn.fully_connected_s8<input_offset = 3,
               filter_offset = 0, output_offset = 5, multipliers = array<i32: 1073741824>,
               shifts = array<i32: -2>>, act = array<i32: 5, 127>} -> tensor<1x2xi8>
    """

    name = "convert-nn-to-qnn"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        PatternRewriteWalker(
            _ReportingApplier(
                [
                    ConvertFuncSignature(),
                    ConvertReturn(),
                    ConvertConstant(),
                    ConvertConv(),
                    ConvertFullyConnected(),
                    ConvertPool(),
                    ConvertBinary(),
                    ConvertRelu(),
                    ConvertSigmoid(),
                    ConvertLeakyReluHardSwish(),
                    ConvertSoftmax(),
                    ConvertQuantize(),
                    ConvertDequantize(),
                    ConvertReshape(),
                    ConvertPad(),
                    ConvertConcat(),
                    ConvertMean(),
                    ConvertTranspose(),
                    ConvertTransposeConv(),
                    ConvertStridedSlice(),
                    ConvertSelect(),
                    *ABS_PATTERNS,
                    ConvertMath(),
                    ConvertClamp(),
                    ConvertFloatActivationExtra(),
                    ConvertLstm(),
                    *INDEXING_PATTERNS,
                    *STATE_PATTERNS,
                    *RECURRENT_PATTERNS,
                    *LOGICAL_PATTERNS,
                    *MATMUL_PATTERNS,
                    *NORM_PATTERNS,
                    *CUMSUM_PATTERNS,
                    *DETECTION_PATTERNS,
                    *SQDIFF_PATTERNS,
                ]
            )
        ).rewrite_module(op)
        PatternRewriteWalker(ReconcileUnrealizedCastsPattern()).rewrite_module(op)
        check_converted(op)
