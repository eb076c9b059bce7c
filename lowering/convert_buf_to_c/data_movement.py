"""Kernels that move bytes: ``pad``, ``concat``, ``reshape``, ``transpose``,
``strided_slice``."""

from __future__ import annotations

import math

from xdsl.dialects.builtin import IntegerAttr

from stai.dialects import c, qnn
from stai.dialects.buf import ViewOp, byte_size, element_bytes
from stai.lowering.convert_buf_to_c.common import fail, memref_of, shape_of
from stai.lowering.convert_buf_to_c.kernel_block import KernelBlock, out_of


def emit_pad(k: KernelBlock) -> None:
    op = k.op
    (x,) = op.ins
    y = out_of(op)
    pads = list(k.geometry("pads"))
    if len(pads) > 8 or len(pads) % 2:
        raise fail(op, "pads must hold before/after amounts for at most 4 dimensions")
    pads = [0] * (8 - len(pads)) + pads
    in_dims = k.dims("input_dims", shape_of(x))
    pre = k.dims("pad_before", pads[0::2])
    post = k.dims("pad_after", pads[1::2])
    if op.kind == "f32":
        k.call(
            "stai_pad_f32",
            [k.ptr(x), k.ptr(y, True), k.float_(k.pf("pad_value")), in_dims, pre, post],
        )
    else:
        element = "int16_t" if op.kind == "s16" else "int8_t"
        k.call(
            f"stai_pad_{op.kind}",
            [
                k.ptr(x),
                in_dims,
                pre,
                post,
                k.int_(k.p("pad_value"), c.CType(element)),
                k.ptr(y, True),
            ],
        )


def emit_concat(k: KernelBlock) -> None:
    op = k.op
    assert isinstance(op, qnn.ConcatOp)
    y = out_of(op)
    out_shape = shape_of(y)
    axis = op.axis.value.data if isinstance(op.axis, IntegerAttr) else None
    if axis is None:
        raise fail(op, "missing integer 'axis'")
    if axis < 0:
        axis += len(out_shape)
    if not 0 <= axis < len(out_shape):
        raise fail(op, f"axis {axis} out of range")
    element = element_bytes(memref_of(y))
    outer = math.prod(out_shape[:axis])
    out_inner = math.prod(out_shape[axis:]) * element
    offset = 0
    for x in op.ins:
        inner = math.prod(shape_of(x)[axis:]) * element
        k.call(
            "stai_concat",
            [
                k.ptr(x),
                k.ptr(y, True),
                k.int_(outer),
                k.int_(inner),
                k.int_(out_inner),
                k.int_(offset),
            ],
        )
        offset += inner
    if offset != out_inner:
        raise fail(op, "the inputs do not fill the output along the axis")


def emit_reshape(k: KernelBlock) -> None:
    op = k.op
    (x,) = op.ins
    y = out_of(op)
    xo, yo = x.owner, y.owner
    if isinstance(xo, ViewOp) and isinstance(yo, ViewOp) and xo.byte_offset == yo.byte_offset:
        k.ops.append(c.CommentOp("reshape: the output aliases the input"))
        return
    k.call("stai_copy", [k.ptr(x), k.ptr(y, True), k.int_(byte_size(memref_of(y)))])


def emit_transpose(k: KernelBlock) -> None:
    op = k.op
    (x,) = op.ins
    y = out_of(op)
    perm = list(k.geometry("perm"))
    shape = shape_of(x)
    if len(perm) != len(shape) or len(perm) > 4:
        raise fail(op, "perm must be a permutation of the input's rank (at most 4)")
    lead = 4 - len(perm)
    full = list(range(lead)) + [p + lead for p in perm]
    element = element_bytes(memref_of(y))
    k.call(
        "stai_transpose",
        [
            k.ptr(x),
            k.ptr(y, True),
            k.dims("input_dims", shape),
            *(k.int_(p) for p in full),
            k.int_(element),
        ],
    )


def emit_strided_slice(k: KernelBlock) -> None:
    op = k.op
    (x,) = op.ins
    y = out_of(op)
    begin, strides = list(k.geometry("begin")), list(k.geometry("strides"))
    shape = shape_of(x)
    if not len(begin) == len(strides) == len(shape) <= 4:
        raise fail(op, "begin and strides need one value per dimension (at most 4)")
    lead = 4 - len(shape)
    k.call(
        "stai_strided_slice",
        [
            k.ptr(x),
            k.dims("input_dims", shape),
            k.dims("begin", [0] * lead + begin),
            k.dims("stride", [1] * lead + strides),
            k.ptr(y, True),
            k.dims("output_dims", shape_of(y)),
            k.int_(element_bytes(memref_of(y))),
        ],
    )
