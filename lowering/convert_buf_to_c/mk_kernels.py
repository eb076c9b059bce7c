"""stai's own micro-kernels (``mk`` ops): one call of an inline kernel of
``stai_mk_s8.h`` per op, every size, offset and clamp bound a literal so that the C
compiler specialises the kernel for the layer; the buffers are pointers (input, packed
weights, effective bias, the per-channel multiplier and shift tables, output, scratch).

The arguments follow the kernel's ``KernelCall`` (``stai.runtime.mk_layouts``), by name.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from xdsl.dialects.builtin import i16
from xdsl.ir import SSAValue

from stai.dialects import c, mk
from stai.lowering.convert_buf_to_c.common import fail
from stai.lowering.convert_buf_to_c.kernel_block import KernelBlock, out_of, scratch_ptr
from stai.runtime import mk_conv_layouts, mk_eltwise_layouts, mk_layouts, mk_mve_layouts


def _table(k: KernelBlock, what: str) -> SSAValue:
    """The op's per-channel ``what`` (multipliers or shifts) as a const int32 table."""
    name = k.low.data.add_int32_table(f"{k.low.op_label(k.op, k.step)}_{what}", k.plist(what))
    return k.add(c.GetGlobalOp(name, c.CType("const int32_t *"), array=True))


def _call(k: KernelBlock, call: mk_layouts.KernelCall, values: dict[str, int]) -> None:
    """``call.function(...)``: the op's buffers and tables as pointers, ``values`` (and
    the clamp bounds, ``fast_requant``) as int32 literals, in the kernel's argument
    order."""
    op = k.op
    assert isinstance(op, mk.MicroKernelOp)
    lo, hi = k.act()
    values = values | {"act_min": int(lo), "act_max": int(hi)}
    if isinstance(op, mk.WeightedKernelOp):
        values["fast_requant"] = op.fast
    args: list[SSAValue] = []
    for name in call.arguments:
        if name in call.pointers:
            args.append(_pointer(k, name))
        elif name in values:
            args.append(k.int_(values[name]))
        else:
            raise fail(op, f"no value for argument '{name}' of {call.function}")
    k.call(call.function, args)


def _pointer(k: KernelBlock, name: str) -> SSAValue:
    """The pointer argument ``name`` of a kernel call (``KernelCall.pointers``)."""
    op = k.op
    if name == "scratch":
        if op.scratch is None:
            if isinstance(op, mk.MicroKernelOp) and op.scratch_bytes("") == 0:
                return k.add(c.LiteralOp("NULL", c.CType("void *")))  # the kernel needs none
            raise fail(op, "the kernel needs its scratch buffer (run convert-qnn-to-buf)")
        return scratch_ptr(k)
    if name in ("multipliers", "shifts"):
        return _table(k, name)
    if name == "output":
        return k.ptr(out_of(op), True)
    operands = {"input": 0, "input1": 0, "weights": 1, "input2": 1, "bias": 2}
    if name not in operands or operands[name] >= len(op.ins):
        raise fail(op, f"no buffer for argument '{name}'")
    return k.ptr(op.ins[operands[name]])


def emit_conv1x1(k: KernelBlock) -> None:
    """``stai_mk_conv1x1_s8``: a 1x1 convolution or a fully connected layer."""
    op = k.op
    assert isinstance(op, mk.Conv1x1S8Op)
    wide = getattr(op.ins[1].type, "element_type", None) == i16  # -O time's int16 weights
    _call(
        k,
        mk_layouts.CONV1X1_W16 if wide else mk_layouts.CONV1X1,
        {
            "pixels": op.pixels,
            "in_ch": op.in_channels,
            "out_ch": op.out_channels,
            "output_offset": k.p("output_offset"),
        },
    )


def emit_conv1x1_mve(k: KernelBlock) -> None:
    """``stai_mk_conv1x1_mve_s8``: a 1x1 convolution or a fully connected layer on a
    Helium core."""
    op = k.op
    assert isinstance(op, mk.Conv1x1MveS8Op)
    _call(
        k,
        mk_mve_layouts.CONV1X1_MVE,
        {
            "pixels": op.pixels,
            "in_ch": op.in_channels,
            "out_ch": op.out_channels,
            "output_offset": k.p("output_offset"),
        },
    )


def emit_dwconv3x3(k: KernelBlock) -> None:
    """``stai_mk_dwconv3x3_s8``: a depthwise 3x3 convolution."""
    op = k.op
    assert isinstance(op, mk.DwConv3x3S8Op)
    _, in_h, in_w, ch = op.input_shape(0)
    _, out_h, out_w, _ = op.output_shape()
    top, _bottom, left, _right = k.geometry("pads")
    _call(
        k,
        mk_layouts.DWCONV3X3,
        {
            "in_h": in_h,
            "in_w": in_w,
            "ch": ch,
            "out_h": out_h,
            "out_w": out_w,
            "stride": k.geometry("strides")[0],
            "pad_top": top,
            "pad_left": left,
            "input_offset": k.p("input_offset"),
            "output_offset": k.p("output_offset"),
        },
    )


def emit_dwconv3x3_mve(k: KernelBlock) -> None:
    """``stai_mk_dwconv3x3_mve_s8``: a depthwise 3x3 convolution on a Helium core."""
    op = k.op
    assert isinstance(op, mk.DwConv3x3MveS8Op)
    _, in_h, in_w, ch = op.input_shape(0)
    _, out_h, out_w, _ = op.output_shape()
    top, _bottom, left, _right = k.geometry("pads")
    _call(
        k,
        mk_mve_layouts.DWCONV3X3_MVE,
        {
            "in_h": in_h,
            "in_w": in_w,
            "ch": ch,
            "out_h": out_h,
            "out_w": out_w,
            "stride": k.geometry("strides")[0],
            "pad_top": top,
            "pad_left": left,
            "input_offset": k.p("input_offset"),
            "output_offset": k.p("output_offset"),
        },
    )


def _window(k: KernelBlock) -> dict[str, int]:
    """The sizes, window, strides and left/top padding of a windowed kernel."""
    op = k.op
    _, in_h, in_w, in_ch = op.input_shape(0)
    _, out_h, out_w, out_ch = op.output_shape()
    kernel_h, kernel_w = k.geometry("kernel")
    stride_h, stride_w = k.geometry("strides")
    top, _bottom, left, _right = k.geometry("pads")
    return {
        "in_h": in_h,
        "in_w": in_w,
        "in_ch": in_ch,
        "ch": in_ch,
        "out_h": out_h,
        "out_w": out_w,
        "out_ch": out_ch,
        "kernel_h": kernel_h,
        "kernel_w": kernel_w,
        "stride_h": stride_h,
        "stride_w": stride_w,
        "pad_top": top,
        "pad_left": left,
    }


def emit_conv(k: KernelBlock) -> None:
    """``stai_mk_conv_s8``: a convolution of any window."""
    offsets = {"input_offset": k.p("input_offset"), "output_offset": k.p("output_offset")}
    _call(k, mk_conv_layouts.CONV, _window(k) | offsets)


def emit_conv_mve(k: KernelBlock) -> None:
    """``stai_mk_conv_mve_s8``: a convolution of any window on a Helium core."""
    offsets = {"input_offset": k.p("input_offset"), "output_offset": k.p("output_offset")}
    _call(k, mk_mve_layouts.CONV_MVE, _window(k) | offsets)


def emit_pool(k: KernelBlock) -> None:
    """``stai_mk_avgpool_s8`` / ``stai_mk_maxpool_s8``."""
    call = (
        mk_eltwise_layouts.AVGPOOL
        if isinstance(k.op, mk.AvgPoolS8Op)
        else mk_eltwise_layouts.MAXPOOL
    )
    _call(k, call, _window(k))


def emit_add(k: KernelBlock) -> None:
    """``stai_mk_add_s8``: the ``#qnn.add_sub_s8`` parameters and the op's plan."""
    op = k.op
    assert isinstance(op, mk.AddS8Op)
    method, k1, k2, k0, kshift = op.ints("plan")
    names = {
        "input1_offset": "input1_offset",
        "input1_mult": "input1_multiplier",
        "input1_shift": "input1_shift",
        "input2_offset": "input2_offset",
        "input2_mult": "input2_multiplier",
        "input2_shift": "input2_shift",
        "left_shift": "left_shift",
        "output_offset": "output_offset",
        "output_mult": "output_multiplier",
        "output_shift": "output_shift",
    }
    values = {arg: k.p(field) for arg, field in names.items()}
    plan = {"method": method, "k1": k1, "k2": k2, "k0": k0, "kshift": kshift}
    _call(k, mk_eltwise_layouts.ADD, values | plan | {"size": math.prod(op.output_shape())})


def emit_add_mve(k: KernelBlock) -> None:
    """``stai_mk_add_mve_s8``: an addition with a linear plan on a Helium core."""
    op = k.op
    assert isinstance(op, mk.AddMveS8Op)
    _method, k1, k2, k0, kshift = op.ints("plan")
    plan = {"k1": k1, "k2": k2, "k0": k0, "kshift": kshift}
    _call(k, mk_mve_layouts.ADD_MVE, plan | {"size": math.prod(op.output_shape())})


def emit_mul(k: KernelBlock) -> None:
    """``stai_mk_mul_s8``: the ``#qnn.mul_s8`` parameters and ``fast_requant``."""
    op = k.op
    assert isinstance(op, mk.MulS8Op)
    names = {
        "input1_offset": "input1_offset",
        "input2_offset": "input2_offset",
        "output_offset": "output_offset",
        "output_mult": "output_multiplier",
        "output_shift": "output_shift",
    }
    values = {arg: k.p(field) for arg, field in names.items()}
    values |= {"size": math.prod(op.output_shape()), "fast_requant": op.fast}
    _call(k, mk_eltwise_layouts.MUL, values)


MK_EMITTERS: dict[type[mk.MicroKernelOp], Callable[[KernelBlock], None]] = {
    mk.Conv1x1S8Op: emit_conv1x1,
    mk.DwConv3x3S8Op: emit_dwconv3x3,
    mk.ConvS8Op: emit_conv,
    mk.AvgPoolS8Op: emit_pool,
    mk.MaxPoolS8Op: emit_pool,
    mk.AddS8Op: emit_add,
    mk.MulS8Op: emit_mul,
    mk.Conv1x1MveS8Op: emit_conv1x1_mve,
    mk.DwConv3x3MveS8Op: emit_dwconv3x3_mve,
    mk.ConvMveS8Op: emit_conv_mve,
    mk.AddMveS8Op: emit_add_mve,
}
"""The emitter of each ``mk`` op (rows of ``EMITTERS``)."""

CALLS: tuple[mk_layouts.KernelCall, ...] = (
    mk_layouts.CONV1X1,
    mk_layouts.CONV1X1_W16,
    mk_layouts.DWCONV3X3,
    mk_conv_layouts.CONV,
    mk_eltwise_layouts.AVGPOOL,
    mk_eltwise_layouts.MAXPOOL,
    mk_eltwise_layouts.ADD,
    mk_eltwise_layouts.MUL,
    mk_mve_layouts.CONV1X1_MVE,
    mk_mve_layouts.DWCONV3X3_MVE,
    mk_mve_layouts.CONV_MVE,
    mk_mve_layouts.ADD_MVE,
)
"""Every micro-kernel call the emitters make."""


def headers_for(called: set[str] | frozenset[str]) -> list[str]:
    """The runtime headers that define the micro-kernels among the C functions
    ``called`` (what the generated ``NAME.c`` must include), in a fixed order."""
    return sorted({call.header for call in CALLS if call.function in called})
