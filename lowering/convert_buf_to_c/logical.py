"""Kernels of boolean tensors (``stai_kernels_logical.h``): ``compare``, ``logical``,
``select``, ``cast`` and ``floor_mod``. The binary kernels take the NHWC dims of each
input and of the output (they broadcast)."""

from __future__ import annotations

from stai.dialects import qnn_logical
from stai.dialects.buf import element_bytes
from stai.dialects.qnn_base import element_kind
from stai.lowering.convert_buf_to_c.common import fail, memref_of, shape_of, size_of
from stai.lowering.convert_buf_to_c.kernel_block import KernelBlock, Trained, out_of

CAST_TYPES = {"f32": 0, "s8": 1, "s16": 2, "s32": 3, "s64": 4, "bool": 5}
"""The element kinds as ``stai_cast`` codes (``STAI_TYPE_*``)."""


def emit_compare(k: KernelBlock) -> None:
    """``stai_compare_<kind>(predicate, in1_dims, in1, in2_dims, in2, out_dims, out)``,
    int8 followed by the (offset, multiplier, shift) of each input."""
    op = k.op
    assert isinstance(op, qnn_logical.CompareOp)
    a, b = op.ins
    y = out_of(op)
    args = [
        k.int_(op.predicate_code),
        k.dims("input1_dims", shape_of(a)),
        k.ptr(a),
        k.dims("input2_dims", shape_of(b)),
        k.ptr(b),
        k.dims("output_dims", shape_of(y)),
        k.ptr(y, True),
    ]
    if op.kind == "s8":
        assert op.quant is not None
        quant = [int(v) for v in op.quant.get_values()]
        args += [k.int_(Trained(v) if k.marks else v) for v in quant]
    k.call(f"stai_compare_{op.kind}", args)


def emit_logical(k: KernelBlock) -> None:
    """``stai_logical_{and,or}(in1_dims, in1, in2_dims, in2, out_dims, out)`` or
    ``stai_logical_not(in, out, size)``."""
    op = k.op
    assert isinstance(op, qnn_logical.LogicalOp) and op.function is not None
    y = out_of(op)
    function = op.function.data
    if function == "not":
        (x,) = op.ins
        k.call("stai_logical_not", [k.ptr(x), k.ptr(y, True), k.int_(size_of(y))])
        return
    a, b = op.ins
    dims = [k.dims("input1_dims", shape_of(a)), k.ptr(a), k.dims("input2_dims", shape_of(b))]
    out = [k.ptr(b), k.dims("output_dims", shape_of(y)), k.ptr(y, True)]
    k.call(f"stai_logical_{function}", [*dims, *out])


def emit_select(k: KernelBlock) -> None:
    """``stai_select(cond_dims, cond, x_dims, x, y_dims, y, out_dims, out, element_bytes)``."""
    op = k.op
    cond, x, other = op.ins
    y = out_of(op)
    k.call(
        "stai_select",
        [
            k.dims("condition_dims", shape_of(cond)),
            k.ptr(cond),
            k.dims("x_dims", shape_of(x)),
            k.ptr(x),
            k.dims("y_dims", shape_of(other)),
            k.ptr(other),
            k.dims("output_dims", shape_of(y)),
            k.ptr(y, True),
            k.int_(element_bytes(memref_of(y))),
        ],
    )


def emit_cast(k: KernelBlock) -> None:
    """``stai_cast(in, in_type, out, out_type, size)`` (``STAI_TYPE_*`` codes)."""
    op = k.op
    (x,) = op.ins
    y = out_of(op)
    source, target = op.kind, element_kind(memref_of(y))
    if source not in CAST_TYPES or target not in CAST_TYPES:
        raise fail(op, f"no cast from {source} to {target}")
    k.call(
        "stai_cast",
        [
            k.ptr(x),
            k.int_(CAST_TYPES[source]),
            k.ptr(y, True),
            k.int_(CAST_TYPES[target]),
            k.int_(size_of(y)),
        ],
    )


def emit_floor_mod(k: KernelBlock) -> None:
    """``stai_floor_mod_f32(in1_dims, in1, in2_dims, in2, out_dims, out)``."""
    op = k.op
    a, b = op.ins
    y = out_of(op)
    k.call(
        "stai_floor_mod_f32",
        [
            k.dims("input1_dims", shape_of(a)),
            k.ptr(a),
            k.dims("input2_dims", shape_of(b)),
            k.ptr(b),
            k.dims("output_dims", shape_of(y)),
            k.ptr(y, True),
        ],
    )


LOGICAL_EMITTERS = {
    qnn_logical.CompareOp: emit_compare,
    qnn_logical.LogicalOp: emit_logical,
    qnn_logical.SelectOp: emit_select,
    qnn_logical.CastOp: emit_cast,
    qnn_logical.FloorModOp: emit_floor_mod,
}
"""The emitter of each op of ``qnn_logical`` (``emitters.py`` spreads it into ``EMITTERS``)."""
