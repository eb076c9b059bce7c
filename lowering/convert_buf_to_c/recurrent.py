"""Recurrent layers: the float32 ``lstm``."""

from __future__ import annotations

from xdsl.dialects.builtin import IntegerAttr

from stai.dialects import c, qnn
from stai.lowering.convert_buf_to_c.common import fail, shape_of
from stai.lowering.convert_buf_to_c.kernel_block import KernelBlock, out_of, scratch_ptr


def emit_lstm(k: KernelBlock) -> None:
    op = k.op
    assert isinstance(op, qnn.LstmOp)
    x, w, r, b = op.ins
    y = out_of(op)
    if op.kind != "f32" or op.scratch is None:
        raise fail(op, "expected a float32 LSTM with a scratch buffer")
    batches, steps, features = shape_of(x)
    units = shape_of(r)[1]
    if not isinstance(op.return_sequences, IntegerAttr):
        raise fail(op, "missing integer 'return_sequences'")
    sequences = 1 if op.return_sequences.value.data else 0
    params = k.struct(
        "lstm_params", "stai_lstm_params_f32", {"units": units, "return_sequences": sequences}
    )
    state = k.add(c.CastOp(scratch_ptr(k), c.CType("float *")))
    k.call(
        "stai_lstm_f32",
        [
            params,
            k.dims("input_dims", (batches, 1, steps, features)),
            k.ptr(x),
            k.ptr(w),
            k.ptr(r),
            k.ptr(b),
            state,
            k.ptr(y, True),
        ],
    )
