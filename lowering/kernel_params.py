"""The kernel parameters of ``nn`` ops, as ``convert-nn-to-qnn`` attaches them.

For each int8 ``nn`` op, the typed parameter family of its ``qnn`` kernel
(``stai.dialects.qnn_params``) and its clamp range ``act``, computed from the ``nn``
quantization types with ``stai.lowering.quant_math`` (the floating-point steps of
TensorFlow Lite Micro's ``Prepare`` functions); also the scales of the hybrid kernels and
the checks that raise ``StaiError`` naming the op and its model operator (``nn.m_id``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from xdsl.dialects.builtin import (
    DenseArrayBase,
    Float32Type,
    IntegerAttr,
    IntegerType,
    StringAttr,
    TensorType,
    f32,
    i32,
)
from xdsl.ir import Attribute, Operation, SSAValue

from stai.dialects import nn
from stai.dialects import qnn_params as qp
from stai.errors import StaiError
from stai.lowering import quant_math as qm

# ---------------------------------------------------------------------- types and checks


def fail(op: Operation, message: str) -> StaiError:
    """A one-line error naming the op and the model operator (``nn.m_id``) it comes from."""
    m_id = op.attributes.get("nn.m_id")
    where = f" (operator {m_id.value.data})" if isinstance(m_id, IntegerAttr) else ""
    return StaiError(f"{op.name}{where}: {message}")


def element_type(value: SSAValue) -> Attribute:
    t = value.type
    assert isinstance(t, TensorType)
    return t.element_type


def is_float(value: SSAValue) -> bool:
    return isinstance(element_type(value), Float32Type)


def act_quant(
    op: Operation, value: SSAValue, what: str, widths: tuple[int, ...] = (8,)
) -> nn.QuantType:
    """The quantization of an activation tensor (per tensor) whose storage is one of
    ``widths`` bits (int8 by default; int16 activations are symmetric), or an error."""
    e = element_type(value)
    if not isinstance(e, nn.QuantType) or e.storage.width.data not in widths:
        names = " or ".join(f"!nn.q<i{w}, ...>" for w in widths)
        raise fail(op, f"{what} must be f32 or per-tensor {names}, got {e}")
    if e.per_channel:
        raise fail(op, f"{what} has per-channel quantization (only weights may)")
    if e.storage.width.data == 16 and e.zero_point != 0:
        raise fail(op, f"{what}: int16 activations must have zero point 0, got {e.zero_point}")
    return e


def storage_bits(value: SSAValue) -> int:
    """The storage width of a quantized value (0 for f32)."""
    e = element_type(value)
    return e.storage.width.data if isinstance(e, nn.QuantType) else 0


def kind_of(op: Operation, values: Sequence[SSAValue], int16: bool = False) -> str:
    """``"f32"`` if every value is f32, ``"s8"`` if every value is int8, ``"s16"`` if every
    value is int16 (16x8 models; an error unless the op has int16 kernels: ``int16``),
    else an error."""
    if all(is_float(v) for v in values):
        return "f32"
    if any(is_float(v) for v in values):
        raise fail(op, "mixes f32 and quantized tensors")
    if any(storage_bits(v) == 16 for v in values):
        if not int16:
            raise fail(op, "int16 activations (16x8) are not supported for this operator yet")
        for i, v in enumerate(values):
            act_quant(op, v, f"tensor {i}", (16,))
        return "s16"
    for i, v in enumerate(values):
        act_quant(op, v, f"tensor {i}")
    return "s8"


def i32_array(values: Sequence[int]) -> DenseArrayBase:
    return DenseArrayBase.from_list(i32, [int(v) for v in values])


def int_act(lo: int, hi: int) -> DenseArrayBase:
    return i32_array([lo, hi])


def quant_act(activation: str, out: nn.QuantType) -> DenseArrayBase:
    """The int8 (or int16) clamp range of a fused activation in output units."""
    return int_act(
        *qm.quantized_activation_range(
            activation.upper(), out.scale, out.zero_point, out.storage.width.data
        )
    )


def activation_of(op: Operation) -> str:
    act = op.properties.get("activation")
    return act.data if isinstance(act, StringAttr) else "none"


# ------------------------------------------------------------------ kernel parameters


def conv_s8_params(
    op: nn.Conv2DOp | nn.DepthwiseConv2DOp | nn.TransposeConv2DOp,
    channel_axis: int,
    bits: int = 8,
) -> tuple[qp.ConvS8Params, DenseArrayBase]:
    """Offsets, per-channel multipliers/shifts and clamp range of an int8 conv/depthwise,
    or of a 16x8 one (``bits=16``: int16 activations with offsets 0, an int64 bias)."""
    x = act_quant(op, op.input, "input", (bits,))
    y = act_quant(op, op.output, "output", (bits,))
    if bits == 16:
        bias = element_type(op.bias)
        if not isinstance(bias, nn.QuantType) or bias.storage != IntegerType(64):
            raise fail(op, f"a 16x8 bias must be !nn.q<i64, ...> (int64), got {bias}")
    w = element_type(op.filter)
    storages = (IntegerType(8),) if bits == 16 else (IntegerType(4), IntegerType(8))
    if not isinstance(w, nn.QuantType) or w.storage not in storages:  # int4: 8-bit inputs
        raise fail(op, f"the filter must be !nn.q<i8, ...>, got {w}")
    if any(z != 0 for z in w.zero_point_list()):
        raise fail(op, "the filter must be symmetric (zero point 0)")
    filter_type = op.filter.type
    assert isinstance(filter_type, TensorType)
    channels = filter_type.get_shape()[channel_axis]
    scales = w.scale_list()
    if w.per_channel:
        if w.axis.data != channel_axis or len(scales) != channels:
            raise fail(op, f"per-channel filter scales must be along axis {channel_axis}")
    else:
        scales = scales * channels
    mults, shifts = qm.conv_output_multipliers(x.scale, scales, y.scale)
    params = qp.ConvS8Params.make(
        input_offset=-x.zero_point, output_offset=y.zero_point, multipliers=mults, shifts=shifts
    )
    return params, quant_act(activation_of(op), y)


def hybrid_scales(op: Operation, filt: SSAValue, channel_axis: int, what: str) -> DenseArrayBase:
    """The ``filter_scales`` of a hybrid kernel (f32 activations, int8 filter ``filt``): one
    scale, unless the per-channel scales (along ``channel_axis``) differ, then one per
    output channel."""
    w = element_type(filt)
    assert isinstance(w, nn.QuantType)
    if w.storage != IntegerType(8) or any(z != 0 for z in w.zero_point_list()):
        raise fail(op, f"a hybrid {what} filter must be symmetric !nn.q<i8, ...>, got {w}")
    scales = [float(np.float32(s)) for s in w.scale_list()]
    filter_type = filt.type
    assert isinstance(filter_type, TensorType)
    if w.per_channel and len(set(scales)) > 1:
        if w.axis.data != channel_axis or len(scales) != filter_type.get_shape()[channel_axis]:
            raise fail(op, f"per-channel filter scales must be along axis {channel_axis}")
        return DenseArrayBase.from_list(f32, scales)
    return DenseArrayBase.from_list(f32, scales[:1])


def hybrid_filter_scales(op: nn.Conv2DOp) -> DenseArrayBase:
    """The ``filter_scales`` of a hybrid conv: one scale, unless the per-channel scales
    differ (then one per output channel), as LiteRT's reference picks its symmetric (per
    tensor) or asymmetric (per channel) input quantization."""
    return hybrid_scales(op, op.filter, 0, "conv")


def fully_connected_s8_params(op: nn.FullyConnectedOp) -> qp.FullyConnectedS8Params:
    """Offsets and multipliers/shifts of an int8 fully connected (per tensor or per
    output channel, as TFLite Micro's fully-connected Prepare)."""
    x = act_quant(op, op.input, "input")
    y = act_quant(op, op.output, "output")
    w = element_type(op.filter)
    if not isinstance(w, nn.QuantType) or w.storage not in (IntegerType(4), IntegerType(8)):
        raise fail(op, f"the weights must be !nn.q<i8, ...>, got {w}")
    if w.storage == IntegerType(4) and (w.per_channel or w.zero_point != 0):
        raise fail(op, "int4 weights must be quantized per tensor, symmetric")
    scales = w.scale_list()
    if w.per_channel:
        filter_type = op.filter.type
        assert isinstance(filter_type, TensorType)
        if w.axis.data != 0 or len(scales) != filter_type.get_shape()[0]:
            raise fail(op, "per-channel weight scales must be along axis 0")
    # One scale gives the per-tensor multiplier. The reference's source takes the product
    # s_in * s_filter in float32 there, but the TFLite Micro build that stai is checked
    # against gives the results of the float64 product (tests/unit/test_convert_nn_to_qnn).
    mults, shifts = qm.conv_output_multipliers(x.scale, scales, y.scale)
    filter_zp = 0 if w.per_channel else w.zero_point
    return qp.FullyConnectedS8Params.make(
        input_offset=-x.zero_point,
        filter_offset=-filter_zp,
        output_offset=y.zero_point,
        multipliers=mults,
        shifts=shifts,
    )


def fully_connected_s16_params(op: nn.FullyConnectedOp) -> qp.FullyConnectedS16Params:
    """Multipliers/shifts of a 16x8 fully connected (int16 input and output, symmetric
    int8 weights, int64 bias or none), as TFLite Micro's fully-connected Prepare."""
    x = act_quant(op, op.input, "input", (16,))
    y = act_quant(op, op.output, "output", (16,))
    w = element_type(op.filter)
    if not isinstance(w, nn.QuantType) or w.storage != IntegerType(8):
        raise fail(op, f"the weights must be !nn.q<i8, ...>, got {w}")
    if any(z != 0 for z in w.zero_point_list()):
        raise fail(op, "16x8 weights must be symmetric (zero point 0)")
    bias = element_type(op.bias)
    if not isinstance(bias, nn.QuantType) or bias.storage != IntegerType(64):
        raise fail(op, f"a 16x8 bias must be !nn.q<i64, ...> (int64), got {bias}")
    scales = w.scale_list()
    if w.per_channel:
        filter_type = op.filter.type
        assert isinstance(filter_type, TensorType)
        if w.axis.data != 0 or len(scales) != filter_type.get_shape()[0]:
            raise fail(op, "per-channel weight scales must be along axis 0")
    mults, shifts = qm.conv_output_multipliers(x.scale, scales, y.scale)
    return qp.FullyConnectedS16Params.make(multipliers=mults, shifts=shifts)


def add_sub_s8_params(
    op: nn.AddOp | nn.SubOp, bits: int = 8
) -> tuple[qp.AddSubS8Params, DenseArrayBase]:
    """int8 ADD / SUB parameters, or 16x8 ones (``bits=16``: int16 tensors, zero points 0,
    the same family with TFLite Micro's int16 left shift and clamp range)."""
    a = act_quant(op, op.lhs, "lhs", (bits,))
    b = act_quant(op, op.rhs, "rhs", (bits,))
    y = act_quant(op, op.output, "output", (bits,))
    compute = qm.add_params_s8 if isinstance(op, nn.AddOp) else qm.sub_params_s8
    p = compute(
        a.scale,
        a.zero_point,
        b.scale,
        b.zero_point,
        y.scale,
        y.zero_point,
        activation_of(op).upper(),
        bits,
    )
    params = qp.AddSubS8Params.make(
        left_shift=p.left_shift,
        input1_offset=p.input_1_offset,
        input1_multiplier=p.input_1_mult,
        input1_shift=p.input_1_shift,
        input2_offset=p.input_2_offset,
        input2_multiplier=p.input_2_mult,
        input2_shift=p.input_2_shift,
        output_offset=p.out_offset,
        output_multiplier=p.out_mult,
        output_shift=p.out_shift,
    )
    return params, int_act(p.out_activation_min, p.out_activation_max)


def mul_s8_params(op: nn.MulOp, bits: int = 8) -> tuple[qp.MulS8Params, DenseArrayBase]:
    """int8 MUL parameters, or 16x8 ones (``bits=16``: int16 tensors, zero points 0)."""
    a = act_quant(op, op.lhs, "lhs", (bits,))
    b = act_quant(op, op.rhs, "rhs", (bits,))
    y = act_quant(op, op.output, "output", (bits,))
    p = qm.mul_params_s8(
        a.scale,
        a.zero_point,
        b.scale,
        b.zero_point,
        y.scale,
        y.zero_point,
        activation_of(op).upper(),
        bits,
    )
    params = qp.MulS8Params.make(
        input1_offset=p.input_1_offset,
        input2_offset=p.input_2_offset,
        output_offset=p.out_offset,
        output_multiplier=p.out_mult,
        output_shift=p.out_shift,
    )
    return params, int_act(p.out_activation_min, p.out_activation_max)


def clamp_s8_props(
    op: Operation, activation: str, x: nn.QuantType, y: nn.QuantType
) -> dict[str, Attribute]:
    """``qnn.clamp`` properties of an int8 (or, for int16 ``y``, 16x8) relu: requantization
    from x to y, then clamp."""
    bits = y.storage.width.data
    p = qm.relu_params_s8(activation.upper(), x.scale, x.zero_point, y.scale, y.zero_point, bits)
    params = qp.RequantizeS8Params.make(
        input_offset=p.input_offset, output_offset=p.output_offset, multiplier=p.mult, shift=p.shift
    )
    return {"params": params, "act": int_act(p.act_min, p.act_max)}


def check_fixed_output(
    op: Operation, y: nn.QuantType, scale: float, zero_point: int, tolerance: float = 0.0
) -> None:
    """The output quantization that TFLite Micro requires of softmax/logistic/tanh: the
    scale exactly (as float32), or within ``tolerance`` times it (int16 softmax), and the
    zero point."""
    s = np.float32(scale)
    near = abs(float(np.float32(y.scale)) - float(s)) <= tolerance * float(s)
    if not near or y.zero_point != zero_point:
        bits = y.storage.width.data
        raise fail(
            op,
            f"the int{bits} output must be quantized with scale {scale} and zero point "
            f"{zero_point}, got {y.scale} and {y.zero_point}",
        )


def prelu_s8_params(op: nn.PReluOp) -> qp.PReluS8Params:
    """Offsets and the identity / alpha multipliers of an int8 prelu (TFLite Micro's
    ``CalculatePreluParams``); ``alpha`` has its own per-tensor quantization."""
    x = act_quant(op, op.input, "input")
    a = act_quant(op, op.alpha, "alpha")
    y = act_quant(op, op.output, "output")
    p = qm.prelu_params_s8(x.scale, x.zero_point, a.scale, a.zero_point, y.scale, y.zero_point)
    return qp.PReluS8Params.from_object(p)


def hard_sigmoid_s8_props(op: nn.HardSigmoidOp) -> dict[str, Attribute]:
    """An int8 hard sigmoid ``clamp(alpha * x + beta, 0, 1)`` as one ``qnn.clamp``
    (``stai_relu_s8``): requantize by ``alpha * s_in / s_out``, add ``beta`` as
    ``round(beta / s_out)`` output codes, clamp to the codes of 0 and 1 (within one output
    step of the real function; TFLite has no HARD_SIGMOID operator to match)."""
    alpha, beta = float(op.alpha.value.data), float(op.beta.value.data)
    if alpha <= 0:
        raise fail(op, f"an int8 hard sigmoid needs alpha > 0, got {alpha}")
    x = act_quant(op, op.input, "input")
    y = act_quant(op, op.output, "output")
    f32_ = np.float32
    mult, shift = qm.quantize_multiplier(
        float(f32_(alpha)) * float(f32_(x.scale)) / float(f32_(y.scale))
    )
    offset = y.zero_point + qm.round_half_away(beta / float(f32_(y.scale)))
    one = y.zero_point + qm.round_half_away(1.0 / float(f32_(y.scale)))
    lo, hi = max(-128, min(127, y.zero_point)), max(-128, min(127, one))
    params = qp.RequantizeS8Params.make(
        input_offset=-x.zero_point, output_offset=offset, multiplier=mult, shift=shift
    )
    return {"params": params, "act": int_act(lo, hi)}


def clamp_range_s8(op: Operation, lo: float, hi: float, y: nn.QuantType) -> tuple[int, int]:
    """The int8 codes of the real bounds ``lo``, ``hi`` in the output quantization
    (rounded half away from zero, limited to [-128, 127])."""
    scale = np.float32(y.scale)

    def code(value: float) -> int:
        if not np.isfinite(value):
            return 127 if value > 0 else -128
        return y.zero_point + qm.round_half_away(float(np.float32(value) / scale))

    low, high = max(-128, code(lo)), min(127, code(hi))
    if low > high:
        raise fail(op, f"the clamp range [{lo}, {hi}] is empty in the output quantization")
    return low, high
