"""The L2 kernels: ``stai_l2_normalization_{f32,s8}`` (``qnn.l2_normalization``) and
``stai_l2_pool_f32`` (``qnn.l2_pool2d``)."""

from __future__ import annotations

from collections.abc import Callable

from stai.dialects import qnn_norm
from stai.dialects.qnn_base import KernelOp
from stai.lowering.convert_buf_to_c.common import fail, shape_of
from stai.lowering.convert_buf_to_c.kernel_block import KernelBlock, out_of


def emit_l2_normalization(k: KernelBlock) -> None:
    """``stai_l2_normalization_f32(in, out, rows, depth)``; ``_s8(..., zero_point)``."""
    op = k.op
    assert isinstance(op, qnn_norm.L2NormalizationOp)
    rows, depth = op.rows_depth()
    (x,) = op.ins
    args = [k.ptr(x), k.ptr(out_of(op), True), k.int_(rows), k.int_(depth)]
    if op.kind == "f32":
        k.call("stai_l2_normalization_f32", args)
    elif op.kind == "s8":
        k.call("stai_l2_normalization_s8", [*args, k.pi("zero_point")])
    else:
        raise fail(op, f"no {op.kind} kernel")


def emit_l2_pool(k: KernelBlock) -> None:
    """``stai_l2_pool_f32(params, in_dims, in, filter_dims, out_dims, out)``, the call of
    ``stai_avgpool_f32``."""
    op = k.op
    (x,) = op.ins
    y = out_of(op)
    if op.kind != "f32":
        raise fail(op, f"no {op.kind} kernel")
    kh, kw = k.geometry("kernel")
    in_dims = k.dims("input_dims", shape_of(x))
    f_dims = k.dims("filter_dims", (1, kh, kw, 1))
    out_dims = k.dims("output_dims", shape_of(y))
    params = k.struct("pool_params", "stai_pool_params_f32", k.tiles(False) | k.act_floats())
    k.call("stai_l2_pool_f32", [params, in_dims, k.ptr(x), f_dims, out_dims, k.ptr(y, True)])


NORM_EMITTERS: dict[type[KernelOp], Callable[[KernelBlock], None]] = {
    qnn_norm.L2NormalizationOp: emit_l2_normalization,
    qnn_norm.L2Pool2DOp: emit_l2_pool,
}
"""The emitters of this module, merged into ``EMITTERS``."""
