"""The quantized absolute value kernels: ``stai_abs_s8`` and ``stai_abs_s16``
(``qnn.abs``)."""

from __future__ import annotations

from stai.dialects import qnn_abs
from stai.lowering.convert_buf_to_c.common import fail, size_of
from stai.lowering.convert_buf_to_c.kernel_block import KernelBlock, out_of


def emit_abs(k: KernelBlock) -> None:
    """``stai_abs_s8(in, out, size, input_offset, output_offset, multiplier, shift)``;
    ``stai_abs_s16`` with the same arguments."""
    op = k.op
    assert isinstance(op, qnn_abs.AbsOp)
    if op.kind not in ("s8", "s16"):
        raise fail(op, f"no {op.kind} kernel")
    (x,) = op.ins
    y = out_of(op)
    names = ("input_offset", "output_offset", "multiplier", "shift")
    args = [k.ptr(x), k.ptr(y, True), k.int_(size_of(y)), *(k.pi(n) for n in names)]
    k.call(f"stai_abs_{op.kind}", args)


ABS_EMITTERS = {qnn_abs.AbsOp: emit_abs}
"""The rows of this module in ``EMITTERS``."""
