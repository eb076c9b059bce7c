"""Binary element-wise kernels (``add``, ``sub``, ``mul``, ``div``, ``maximum``,
``minimum``: same shapes or broadcast) and the float math functions (``math``)."""

from __future__ import annotations

from xdsl.ir import SSAValue

from stai.dialects import qnn
from stai.lowering.convert_buf_to_c.common import fail, shape_of, size_of
from stai.lowering.convert_buf_to_c.kernel_block import KernelBlock, out_of

_BINARY_F32 = {
    qnn.AddOp: "stai_add_f32",
    qnn.SubOp: "stai_sub_f32",
    qnn.MulOp: "stai_mul_f32",
    qnn.DivOp: "stai_div_f32",
}


def emit_binary(k: KernelBlock) -> None:
    op = k.op
    a, b = op.ins
    y = out_of(op)
    same = size_of(a) == size_of(b) == size_of(y)
    if op.kind == "f32":
        lo, hi = k.act()
        k.call(
            _BINARY_F32[type(op)],
            [
                k.dims("input1_dims", shape_of(a)),
                k.ptr(a),
                k.dims("input2_dims", shape_of(b)),
                k.ptr(b),
                k.dims("output_dims", shape_of(y)),
                k.ptr(y, True),
                k.float_(lo),
                k.float_(hi),
            ],
        )
        return
    lo, hi = k.act_ints()
    kind = op.kind  # s8 or s16: the kernels' suffix
    if kind not in ("s8", "s16"):
        raise fail(op, f"no {kind} kernel")
    if isinstance(op, qnn.MulOp):
        offsets = [k.pi("input1_offset"), k.pi("input2_offset")]
        out_args = [
            k.pi("output_offset"),
            k.pi("output_multiplier"),
            k.pi("output_shift"),
            k.int_(lo),
            k.int_(hi),
        ]
        if same:
            k.call(
                f"arm_elementwise_mul_{kind}",
                [k.ptr(a), k.ptr(b), *offsets, k.ptr(y, True), *out_args, k.int_(size_of(y))],
            )
        else:
            k.call(
                f"stai_broadcast_mul_{kind}",
                [
                    k.ptr(a),
                    k.dims("input1_dims", shape_of(a)),
                    k.ptr(b),
                    k.dims("input2_dims", shape_of(b)),
                    *offsets,
                    k.ptr(y, True),
                    k.dims("output_dims", shape_of(y)),
                    *out_args,
                ],
            )
        return
    if not isinstance(op, qnn.AddOp | qnn.SubOp):
        raise fail(op, "no int8 kernel")
    for name in ("input1_shift", "input2_shift", "output_shift"):
        shift = k.p(name)
        if not -31 <= shift <= 31:
            raise fail(
                op,
                f"{name} {shift} is outside [-31, 31] (shifting that far is undefined in C; "
                "a multiplier below 2^-31 is 0 with shift 0)",
            )
    ins_args = [
        k.pi("input1_offset"),
        k.pi("input1_multiplier"),
        k.pi("input1_shift"),
        k.pi("input2_offset"),
        k.pi("input2_multiplier"),
        k.pi("input2_shift"),
        k.pi("left_shift"),
    ]
    out_args = [
        k.pi("output_offset"),
        k.pi("output_multiplier"),
        k.pi("output_shift"),
        k.int_(lo),
        k.int_(hi),
    ]
    add = isinstance(op, qnn.AddOp)
    if same:
        callee = f"arm_elementwise_add_{kind}" if add else f"stai_elementwise_sub_{kind}"
        k.call(
            callee, [k.ptr(a), k.ptr(b), *ins_args, k.ptr(y, True), *out_args, k.int_(size_of(y))]
        )
    else:
        callee = f"stai_broadcast_add_{kind}" if add else f"stai_broadcast_sub_{kind}"
        k.call(
            callee,
            [
                k.ptr(a),
                k.dims("input1_dims", shape_of(a)),
                k.ptr(b),
                k.dims("input2_dims", shape_of(b)),
                *ins_args,
                k.ptr(y, True),
                k.dims("output_dims", shape_of(y)),
                *out_args,
            ],
        )


def emit_select(k: KernelBlock) -> None:
    """``qnn.maximum`` / ``qnn.minimum``: ``stai_{maximum,minimum}_{s8,f32}``; the operands'
    dims are aligned to the output's rank (leading 1s), as numpy broadcasting does."""
    op = k.op
    a, b = op.ins
    y = out_of(op)
    rank = len(shape_of(y))

    def aligned(value: SSAValue) -> tuple[int, ...]:
        shape = tuple(shape_of(value))
        return (1,) * (rank - len(shape)) + shape

    which = "maximum" if isinstance(op, qnn.MaximumOp) else "minimum"
    a_dims, b_dims = k.dims("input1_dims", aligned(a)), k.dims("input2_dims", aligned(b))
    y_dims = k.dims("output_dims", shape_of(y))
    if op.kind == "f32":
        args = [a_dims, k.ptr(a), b_dims, k.ptr(b), y_dims, k.ptr(y, True)]
    else:
        args = [k.ptr(a), a_dims, k.ptr(b), b_dims, k.ptr(y, True), y_dims]
    k.call(f"stai_{which}_{op.kind}", args)


def emit_math(k: KernelBlock) -> None:
    """``qnn.math``: ``stai_<function>_f32(in, out, size)``."""
    op = k.op
    assert isinstance(op, qnn.MathOp)
    if op.function is None or op.kind != "f32":
        raise fail(op, "a float32 math function expected")
    (x,) = op.ins
    y = out_of(op)
    k.call(f"stai_{op.function.data}_f32", [k.ptr(x), k.ptr(y, True), k.int_(size_of(y))])
