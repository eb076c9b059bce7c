"""The cumulative sum kernels: ``stai_cumsum_f32`` and ``stai_cumsum_s8`` (``qnn.cumsum``),
and ``stai_gather_nd`` (``qnn.gather_nd``)."""

from __future__ import annotations

from stai.dialects import qnn_cumsum
from stai.dialects.buf import element_bytes
from stai.lowering.convert_buf_to_c.common import fail, memref_of
from stai.lowering.convert_buf_to_c.kernel_block import KernelBlock, out_of


def emit_cumsum(k: KernelBlock) -> None:
    """``stai_cumsum_f32(in, out, before, depth, after, exclusive, reverse)``; ``_s8(...,
    left_shift, input_offset, input_multiplier, input_shift, output_offset,
    output_multiplier, output_shift)``."""
    op = k.op
    assert isinstance(op, qnn_cumsum.CumsumOp)
    (x,) = op.ins
    sizes = [k.int_(v) for v in op.geometry()]
    flags = [k.int_(op.flag("exclusive")), k.int_(op.flag("reverse"))]
    args = [k.ptr(x), k.ptr(out_of(op), True), *sizes, *flags]
    if op.kind == "f32":
        k.call("stai_cumsum_f32", args)
        return
    if op.kind != "s8":
        raise fail(op, f"no {op.kind} kernel")
    names = ("left_shift", "input1_offset", "input1_multiplier", "input1_shift")
    names += ("output_offset", "output_multiplier", "output_shift")
    k.call("stai_cumsum_s8", [*args, *(k.pi(n) for n in names)])


def emit_gather_nd(k: KernelBlock) -> None:
    """``stai_gather_nd(params, out, rows, slice_bytes, indices, tuples, depth,
    row_strides)``: the index tuples read from the arena, the row strides a const table."""
    op = k.op
    assert isinstance(op, qnn_cumsum.GatherNdOp)
    params, indices = op.ins
    y = out_of(op)
    rows, size, tuples = op.geometry()
    strides = k.geometry("row_strides")
    k.call(
        "stai_gather_nd",
        [
            k.ptr(params),
            k.ptr(y, True),
            k.int_(rows),
            k.int_(size * element_bytes(memref_of(y))),
            k.ptr(indices),
            k.int_(tuples),
            k.int_(len(strides)),
            k.table("row_strides", strides),
        ],
    )
