"""The SQUARED_DIFFERENCE kernels: ``stai_squared_difference_s8``, ``_s16`` and ``_s32``
(``qnn.squared_difference``)."""

from __future__ import annotations

from xdsl.ir import SSAValue

from stai.dialects import qnn_sqdiff
from stai.lowering.convert_buf_to_c.common import fail, shape_of
from stai.lowering.convert_buf_to_c.kernel_block import KernelBlock, out_of

_FIELDS = (
    "left_shift",
    "input1_offset",
    "input1_multiplier",
    "input1_shift",
    "input2_offset",
    "input2_multiplier",
    "input2_shift",
    "output_offset",
    "output_multiplier",
    "output_shift",
)
"""The fields of ``stai_sqdiff_params`` (``#qnn.add_sub_s8``'s names)."""


def emit_squared_difference(k: KernelBlock) -> None:
    """``stai_squared_difference_<kind>(a, a_dims, b, b_dims, out, out_dims[, &params])``;
    the operands' dims aligned to the output's rank (leading 1s)."""
    op = k.op
    assert isinstance(op, qnn_sqdiff.SquaredDifferenceOp)
    if op.kind not in ("s8", "s16", "s32"):
        raise fail(op, f"no {op.kind} kernel")
    a, b = op.ins
    y = out_of(op)
    rank = len(shape_of(y))

    def aligned(value: SSAValue) -> tuple[int, ...]:
        shape = tuple(shape_of(value))
        return (1,) * (rank - len(shape)) + shape

    a_dims, b_dims = k.dims("input1_dims", aligned(a)), k.dims("input2_dims", aligned(b))
    args = [k.ptr(a), a_dims, k.ptr(b), b_dims, k.ptr(y, True), k.dims("output_dims", shape_of(y))]
    if op.kind != "s32":
        fields: dict[str, object] = {n: k.pi(n) for n in _FIELDS}
        args.append(k.struct("sqdiff_params", "stai_sqdiff_params", fields))
    k.call(f"stai_squared_difference_{op.kind}", args)


SQDIFF_EMITTERS = {qnn_sqdiff.SquaredDifferenceOp: emit_squared_difference}
"""The rows of this module in ``EMITTERS``."""
