"""The batch matmul kernels: ``stai_batch_matmul_{f32,s8,s16}`` (``qnn.batch_matmul``)."""

from __future__ import annotations

from stai.dialects import qnn_matmul
from stai.lowering.convert_buf_to_c.common import fail
from stai.lowering.convert_buf_to_c.kernel_block import KernelBlock, out_of


def emit_batch_matmul(k: KernelBlock) -> None:
    """``stai_batch_matmul_f32(lhs, rhs, out, geometry)``; ``_s8(..., lhs_offset,
    rhs_offset, output_offset, multiplier, shift)``; ``_s16(..., multiplier, shift)``. The
    geometry table (batch axes, operand steps, M, N, K, adj_x, adj_y) is a const table."""
    op = k.op
    assert isinstance(op, qnn_matmul.BatchMatmulOp)
    lhs, rhs = op.ins
    args = [k.ptr(lhs), k.ptr(rhs), k.ptr(out_of(op), True), k.table("geometry", op.geometry())]
    if op.kind == "f32":
        k.call("stai_batch_matmul_f32", args)
        return
    if op.kind not in ("s8", "s16"):
        raise fail(op, f"no {op.kind} kernel")
    requant = [k.int_(k.plist("multipliers")[0]), k.int_(k.plist("shifts")[0])]
    if op.kind == "s8":
        offsets = [k.pi("input_offset"), k.pi("filter_offset"), k.pi("output_offset")]
        k.call("stai_batch_matmul_s8", [*args, *offsets, *requant])
        return
    k.call("stai_batch_matmul_s16", [*args, *requant])
