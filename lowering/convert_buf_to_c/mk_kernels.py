"""stai's own micro-kernels (``mk`` ops): one call of an inline kernel of
``stai_mk_s8.h`` per op, every size, offset and clamp bound a literal so that the C
compiler specialises the kernel for the layer; the buffers are pointers (input, packed
weights, effective bias, the per-channel multiplier and shift tables, output, scratch).

The arguments follow the kernel's ``KernelCall`` (``stai.runtime.mk_layouts``), by name.
"""

from __future__ import annotations

from collections.abc import Callable

from xdsl.ir import SSAValue

from stai.dialects import c, mk
from stai.lowering.convert_buf_to_c.common import fail
from stai.lowering.convert_buf_to_c.kernel_block import KernelBlock, out_of, scratch_ptr
from stai.runtime import mk_layouts


def _table(k: KernelBlock, what: str) -> SSAValue:
    """The op's per-channel ``what`` (multipliers or shifts) as a const int32 table."""
    name = k.low.data.add_int32_table(f"{k.low.op_label(k.op, k.step)}_{what}", k.plist(what))
    return k.add(c.GetGlobalOp(name, c.CType("const int32_t *"), array=True))


def _call(k: KernelBlock, call: mk_layouts.KernelCall, values: dict[str, int]) -> None:
    """``call.function(...)``: the buffers of the op as pointers, ``values`` as int32
    literals, in the kernel's argument order."""
    op = k.op
    assert isinstance(op, mk.MicroKernelOp)
    if op.scratch is None:
        raise fail(op, "the kernel needs its scratch buffer (run convert-qnn-to-buf)")
    x, w, b = op.ins
    pointers: dict[str, SSAValue] = {
        "input": k.ptr(x),
        "weights": k.ptr(w),
        "bias": k.ptr(b),
        "multipliers": _table(k, "multipliers"),
        "shifts": _table(k, "shifts"),
        "output": k.ptr(out_of(op), True),
        "scratch": scratch_ptr(k),
    }
    lo, hi = k.act()
    values = values | {"act_min": int(lo), "act_max": int(hi), "fast_requant": op.fast}
    args: list[SSAValue] = []
    for name in call.arguments:
        if name in call.pointers:
            args.append(pointers[name])
        elif name in values:
            args.append(k.int_(values[name]))
        else:
            raise fail(op, f"no value for argument '{name}' of {call.function}")
    k.call(call.function, args)


def emit_conv1x1(k: KernelBlock) -> None:
    """``stai_mk_conv1x1_s8``: a 1x1 convolution or a fully connected layer."""
    op = k.op
    assert isinstance(op, mk.Conv1x1S8Op)
    _call(
        k,
        mk_layouts.CONV1X1,
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


MK_EMITTERS: dict[type[mk.MicroKernelOp], Callable[[KernelBlock], None]] = {
    mk.Conv1x1S8Op: emit_conv1x1,
    mk.DwConv3x3S8Op: emit_dwconv3x3,
}
"""The emitter of each ``mk`` op (rows of ``EMITTERS``)."""
