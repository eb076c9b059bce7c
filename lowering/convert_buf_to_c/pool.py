"""Pooling and spatial means: ``avg_pool2d``, ``max_pool2d``, ``mean``."""

from __future__ import annotations

from stai.dialects import qnn
from stai.lowering.convert_buf_to_c.common import shape_of
from stai.lowering.convert_buf_to_c.kernel_block import KernelBlock, out_of


def emit_pool(k: KernelBlock) -> None:
    op = k.op
    (x,) = op.ins
    y = out_of(op)
    kh, kw = k.geometry("kernel")
    in_dims = k.dims("input_dims", shape_of(x))
    f_dims = k.dims("filter_dims", (1, kh, kw, 1))
    out_dims = k.dims("output_dims", shape_of(y))
    average = isinstance(op, qnn.AvgPool2DOp)
    if op.kind == "f32":
        params = k.struct("pool_params", "stai_pool_params_f32", k.tiles(False) | k.act_floats())
        callee = "stai_avgpool_f32" if average else "stai_max_pool_f32"
        k.call(callee, [params, in_dims, k.ptr(x), f_dims, out_dims, k.ptr(y, True)])
        return
    ctx = k.context()
    params = k.struct(
        "pool_params", "cmsis_nn_pool_params", k.tiles(False) | {"activation": k.act_struct()}
    )
    callee = f"arm_avgpool_{op.kind}" if average else f"arm_max_pool_{op.kind}"
    k.call(callee, [ctx, params, in_dims, k.ptr(x), f_dims, out_dims, k.ptr(y, True)])


def emit_mean(k: KernelBlock) -> None:
    op = k.op
    (x,) = op.ins
    y = out_of(op)
    in_dims = k.dims("input_dims", shape_of(x))
    if op.kind == "f32":
        k.call("stai_mean_hw_f32", [in_dims, k.ptr(x), k.ptr(y, True)])
    else:
        k.call(
            f"stai_mean_hw_{op.kind}",
            [
                k.ptr(x),
                in_dims,
                k.ptr(y, True),
                k.pi("input_offset"),
                k.pi("multiplier"),
                k.pi("shift"),
                k.pi("output_offset"),
            ],
        )
