"""``softmax``: float, or the int8 kernel of the CMSIS-NN API."""

from __future__ import annotations

from stai.lowering.convert_buf_to_c.common import shape_of, size_of
from stai.lowering.convert_buf_to_c.kernel_block import KernelBlock, out_of


def emit_softmax(k: KernelBlock) -> None:
    op = k.op
    (x,) = op.ins
    y = out_of(op)
    shape = shape_of(x)
    depth = shape[-1] if shape else 1
    rows = size_of(x) // depth
    if op.kind == "f32":
        k.call(
            "stai_softmax_f32",
            [k.ptr(x), k.int_(rows), k.int_(depth), k.float_(k.pf("beta")), k.ptr(y, True)],
        )
        return
    # The int8 softmax of the CMSIS-NN API returns nothing: there is nothing to check.
    k.call(
        "arm_softmax_s8",
        [
            k.ptr(x),
            k.int_(rows),
            k.int_(depth),
            k.pi("multiplier"),
            k.pi("shift"),
            k.pi("diff_min"),
            k.ptr(y, True),
        ],
        checked=False,
    )
