"""Activations and conversions: the unary element-wise kernels and ``prelu``."""

from __future__ import annotations

from stai.dialects import c, qnn
from stai.lowering import quant_math as qm
from stai.lowering.convert_buf_to_c.common import fail, shape_of, size_of
from stai.lowering.convert_buf_to_c.kernel_block import KernelBlock, out_of

_REQUANTIZE = {
    ("s8", "s8"): "stai_requantize_s8",
    ("s8", "s16"): "stai_requantize_s8_s16",
    ("s16", "s8"): "stai_requantize_s16_s8",
    ("s16", "s16"): "stai_requantize_s16",
    ("s8", "s32"): "stai_requantize_s8_s32",
    ("s16", "s32"): "stai_requantize_s16_s32",
    ("s32", "s8"): "stai_requantize_s32_s8",
    ("s32", "s16"): "stai_requantize_s32_s16",
    ("s8", "u8"): "stai_requantize_s8_u8",
    ("u8", "s8"): "stai_requantize_u8_s8",
}
"""The requantization kernel of each (input, output) element kind (uint8: a converted
model's uint8 inputs and outputs, to and from int8 only, as TFLite Micro)."""


def emit_unary(k: KernelBlock) -> None:
    """Element-wise kernels of the form ``f(in, out, size, ...)``."""
    op = k.op
    (x,) = op.ins
    y = out_of(op)
    size = k.int_(size_of(y))
    io = [k.ptr(x), k.ptr(y, True), size]
    kind = op.kind
    out_kind = qnn.element_kind(y.type)
    match op:
        case qnn.ClampOp() if kind == "f32":
            lo, hi = k.act()
            k.call("stai_clamp_f32", [*io, k.float_(lo), k.float_(hi)])
        case qnn.ClampOp() if kind in ("s8", "s16"):
            lo, hi = k.act_ints()
            k.call(
                f"stai_relu_{kind}",
                [
                    *io,
                    k.pi("input_offset"),
                    k.pi("multiplier"),
                    k.pi("shift"),
                    k.pi("output_offset"),
                    k.int_(lo),
                    k.int_(hi),
                ],
            )
        case qnn.LogisticOp() | qnn.TanhOp() if kind == "f32":
            k.call("stai_logistic_f32" if isinstance(op, qnn.LogisticOp) else "stai_tanh_f32", io)
        case qnn.LogisticOp() | qnn.TanhOp() if kind == "s16":
            callee = "stai_logistic_s16" if isinstance(op, qnn.LogisticOp) else "stai_tanh_s16"
            name = k.low.data.add_int16_table("sigmoid_s16_table", qm.sigmoid_table_s16())
            table = k.add(c.GetGlobalOp(name, c.CType("const int16_t *"), array=True))
            k.call(callee, [*io, k.pi("input_multiplier"), k.pi("input_left_shift"), table])
        case qnn.LogisticOp() | qnn.TanhOp():
            callee = "stai_logistic_s8" if isinstance(op, qnn.LogisticOp) else "stai_tanh_s8"
            k.call(
                callee,
                [
                    *io,
                    k.pi("input_zero_point"),
                    k.pi("input_range_radius"),
                    k.pi("input_multiplier"),
                    k.pi("input_left_shift"),
                ],
            )
        case qnn.LeakyReluOp() if kind == "f32":
            k.call("stai_leaky_relu_f32", [*io, k.float_(k.pf("alpha"))])
        case qnn.LeakyReluOp() if kind in ("s8", "s16"):
            # parameter names as quant_math.LeakyReluParamsS8 and the kernel's arguments
            k.call(
                f"stai_leaky_relu_{kind}",
                [
                    *io,
                    *(
                        k.pi(n)
                        for n in (
                            "input_offset",
                            "output_offset",
                            "identity_mult",
                            "identity_shift",
                            "alpha_mult",
                            "alpha_shift",
                        )
                    ),
                ],
            )
        case qnn.HardSwishOp() if kind == "f32":
            k.call("stai_hard_swish_f32", io)
        case qnn.HardSwishOp():
            k.call(
                "stai_hard_swish_s8",
                [
                    *io,
                    *(
                        k.pi(n)
                        for n in (
                            "input_zero_point",
                            "output_zero_point",
                            "output_multiplier",
                            "output_multiplier_exponent",
                            "reluish_multiplier",
                            "reluish_multiplier_exponent",
                        )
                    ),
                ],
            )
        case qnn.SwishOp() if kind == "f32":
            k.call("stai_swish_f32", io)
        case qnn.HardSigmoidOp() if kind == "f32":
            k.call("stai_hard_sigmoid_f32", [*io, k.float_(k.pf("alpha")), k.float_(k.pf("beta"))])
        case qnn.QuantizeOp() if kind == "f32" and out_kind in ("s8", "s16"):
            k.call(
                f"stai_quantize_f32_{out_kind}",
                [*io, k.float_(k.pf("scale")), k.pi("zero_point")],
            )
        case qnn.DequantizeOp() if kind in ("s8", "s16", "u8"):
            k.call(
                f"stai_dequantize_{kind}_f32", [*io, k.float_(k.pf("scale")), k.pi("zero_point")]
            )
        case qnn.RequantizeOp() if (kind, out_kind) in _REQUANTIZE:
            k.call(
                _REQUANTIZE[kind, out_kind],
                [
                    *io,
                    k.pi("input_offset"),
                    k.pi("multiplier"),
                    k.pi("shift"),
                    k.pi("output_offset"),
                ],
            )
        case _:
            raise fail(op, f"no {kind} kernel")


def emit_prelu(k: KernelBlock) -> None:
    op = k.op
    x, alpha = op.ins
    y = out_of(op)
    if op.kind not in ("f32", "s8"):
        raise fail(op, f"no {op.kind} kernel")
    x_shape = shape_of(x)
    a_shape = (1,) * (len(x_shape) - len(shape_of(alpha))) + shape_of(alpha)
    args = [
        k.dims("input_dims", x_shape),
        k.ptr(x),
        k.dims("alpha_dims", a_shape),
        k.ptr(alpha),
        k.ptr(y, True),
    ]
    if op.kind == "f32":
        k.call("stai_prelu_f32", args)
    else:  # parameter names as quant_math.PReluParamsS8 and the kernel's arguments
        k.call(
            "stai_prelu_s8",
            [
                *args,
                *(
                    k.pi(n)
                    for n in (
                        "input_offset",
                        "alpha_offset",
                        "output_offset",
                        "identity_mult",
                        "identity_shift",
                        "alpha_mult",
                        "alpha_shift",
                    )
                ),
            ],
        )
