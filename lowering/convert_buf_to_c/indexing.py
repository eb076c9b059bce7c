"""Kernels that pick or interpolate elements by index: ``resize_nearest`` (a copy by the
row and column tables computed at compile time), ``resize_bilinear``, ``gather``, ``take`` and the
reductions ``reduce`` (max, min) and ``reduce_sum``."""

from __future__ import annotations

import math

from xdsl.ir import SSAValue

from stai.dialects import qnn_indexing
from stai.dialects.buf import element_bytes
from stai.lowering.convert_buf_to_c.common import fail, memref_of, shape_of
from stai.lowering.convert_buf_to_c.kernel_block import KernelBlock, out_of


def emit_resize_nearest(k: KernelBlock) -> None:
    """``stai_resize_nearest(in, in_dims, out, out_dims, rows, cols, element_bytes)``."""
    op = k.op
    (x,) = op.ins
    y = out_of(op)
    k.call(
        "stai_resize_nearest",
        [
            k.ptr(x),
            k.dims("input_dims", shape_of(x)),
            k.ptr(y, True),
            k.dims("output_dims", shape_of(y)),
            k.table("rows", k.geometry("rows")),
            k.table("cols", k.geometry("cols")),
            k.int_(element_bytes(memref_of(y))),
        ],
    )


def emit_resize_bilinear(k: KernelBlock) -> None:
    """``stai_resize_bilinear_{s8,f32}(in, in_dims, out, out_dims, scale_h, scale_w,
    half_pixel | offset)``."""
    op = k.op
    assert isinstance(op, qnn_indexing.ResizeBilinearOp)
    (x,) = op.ins
    y = out_of(op)
    if op.coefficients is None:
        raise fail(op, "missing property 'coefficients'")
    values = op.coefficient_values()
    if op.kind == "f32":
        coefficients = [k.float_(float(v)) for v in values]
    elif op.kind == "s8":
        coefficients = [k.int_(int(v)) for v in values]
    else:
        raise fail(op, f"no {op.kind} kernel")
    k.call(
        f"stai_resize_bilinear_{op.kind}",
        [
            k.ptr(x),
            k.dims("input_dims", shape_of(x)),
            k.ptr(y, True),
            k.dims("output_dims", shape_of(y)),
            *coefficients,
        ],
    )


def _gather_args(k: KernelBlock, x: SSAValue, axis: int) -> list[SSAValue]:
    """``stai_gather``'s arguments before the indices: in, out, outer count, axis size and
    the bytes after the axis."""
    y = out_of(k.op)
    shape = shape_of(x)
    inner = math.prod(shape[axis + 1 :]) * element_bytes(memref_of(y))
    return [
        k.ptr(x),
        k.ptr(y, True),
        k.int_(math.prod(shape[:axis])),
        k.int_(shape[axis]),
        k.int_(inner),
    ]


def emit_gather(k: KernelBlock) -> None:
    """``stai_gather(in, out, outer, axis_size, inner_bytes, indices, count)``."""
    op = k.op
    assert isinstance(op, qnn_indexing.GatherOp) and op.axis is not None
    (x,) = op.ins
    indices = k.geometry("indices")
    head = _gather_args(k, x, op.axis.value.data)
    k.call("stai_gather", [*head, k.table("indices", indices), k.int_(len(indices))])


def emit_take(k: KernelBlock) -> None:
    """``stai_gather(in, out, outer, axis_size, inner_bytes, indices, count)`` with the
    indices read from the arena (the kernel checks each one: an error ends ``run``)."""
    op = k.op
    assert isinstance(op, qnn_indexing.TakeOp) and op.axis is not None
    x, indices = op.ins
    head = _gather_args(k, x, op.axis.value.data)
    k.call("stai_gather", [*head, k.ptr(indices), k.int_(math.prod(shape_of(indices)))])


def _reduce_args(k: KernelBlock) -> tuple[list, int]:
    """The input pointer, its dims (rank <= 4, leading 1s) and the mask of reduced axes
    (bit 0: n, 1: h, 2: w, 3: c)."""
    op = k.op
    (x,) = op.ins
    shape = list(shape_of(x))
    if len(shape) > 4:
        raise fail(op, "only tensors of rank 4 or less can be reduced")
    lead = 4 - len(shape)
    mask = sum(1 << (a + lead) for a in k.geometry("axes"))
    return [k.ptr(x), k.dims("input_dims", [1] * lead + shape)], mask


def emit_reduce(k: KernelBlock) -> None:
    """``stai_reduce_{max,min}_{s8,f32}(in, in_dims, mask, out)``."""
    op = k.op
    assert isinstance(op, qnn_indexing.ReduceOp) and op.function is not None
    args, mask = _reduce_args(k)
    y = out_of(op)
    k.call(f"stai_reduce_{op.function.data}_{op.kind}", [*args, k.int_(mask), k.ptr(y, True)])


def emit_reduce_sum(k: KernelBlock) -> None:
    """``stai_reduce_sum_f32(in, in_dims, mask, out)``; ``stai_reduce_sum_s8(..., out,
    input_offset, multiplier, shift, output_offset)``."""
    op = k.op
    args, mask = _reduce_args(k)
    y = out_of(op)
    if op.kind == "f32":
        k.call("stai_reduce_sum_f32", [*args, k.int_(mask), k.ptr(y, True)])
        return
    params = [k.pi(name) for name in ("input_offset", "multiplier", "shift", "output_offset")]
    k.call("stai_reduce_sum_s8", [*args, k.int_(mask), k.ptr(y, True), *params])


def emit_arg(k: KernelBlock) -> None:
    """``stai_arg_{max,min}_{s8,f32}(in, outer, axis_size, inner, out, index_bytes)``."""
    op = k.op
    assert isinstance(op, qnn_indexing.ArgOp) and op.function is not None and op.axis is not None
    (x,) = op.ins
    y = out_of(op)
    shape = shape_of(x)
    axis = op.axis.value.data
    if op.kind not in ("s8", "f32"):
        raise fail(op, f"no {op.kind} kernel")
    k.call(
        f"stai_arg_{op.function.data}_{op.kind}",
        [
            k.ptr(x),
            k.int_(math.prod(shape[:axis])),
            k.int_(shape[axis]),
            k.int_(math.prod(shape[axis + 1 :])),
            k.ptr(y, True),
            k.int_(element_bytes(memref_of(y))),
        ],
    )


def emit_layer_norm(k: KernelBlock) -> None:
    """``stai_layer_norm_f32(in, gamma, beta, out, outer, inner, affine_count, epsilon)``."""
    op = k.op
    assert isinstance(op, qnn_indexing.LayerNormOp) and op.axis is not None
    assert op.epsilon is not None
    x, gamma, beta = op.ins
    y = out_of(op)
    shape = shape_of(x)
    axis = op.axis.value.data
    count = math.prod(shape_of(gamma))
    if math.prod(shape_of(beta)) != count:
        raise fail(op, "gamma and beta must hold as many values")
    k.call(
        "stai_layer_norm_f32",
        [
            k.ptr(x),
            k.ptr(gamma),
            k.ptr(beta),
            k.ptr(y, True),
            k.int_(math.prod(shape[:axis])),
            k.int_(math.prod(shape[axis:])),
            k.int_(count),
            k.float_(float(op.epsilon.value.data)),
        ],
    )


def emit_log_softmax(k: KernelBlock) -> None:
    """``stai_log_softmax_f32(in, out, rows, depth)`` over the last axis."""
    op = k.op
    (x,) = op.ins
    y = out_of(op)
    shape = shape_of(x)
    k.call(
        "stai_log_softmax_f32",
        [k.ptr(x), k.ptr(y, True), k.int_(math.prod(shape[:-1])), k.int_(shape[-1])],
    )
