"""Recurrent layers, float32: ``lstm`` (``stai_kernels_f32.h``), and ``gru``, ``rnn`` and
``lstm_cell_state`` (``stai_kernels_recurrent.h``); ``sequence_lstm`` (float, int8, 16x8)
with its states in the network's state buffer (``stai_sequence_lstm_*``)."""

from __future__ import annotations

from collections.abc import Callable

from xdsl.dialects.builtin import IntegerAttr
from xdsl.ir import SSAValue

from stai.dialects import c, qnn, qnn_recurrent
from stai.dialects.buf import StateOp
from stai.lowering import quant_math as qm
from stai.lowering.convert_buf_to_c.common import BYTE_PTR, fail, shape_of
from stai.lowering.convert_buf_to_c.kernel_block import KernelBlock, out_of, scratch_ptr
from stai.lowering.convert_buf_to_c.state import state_global


def _sequences(op: qnn.KernelOp) -> int:
    value = getattr(op, "return_sequences", None)
    if not isinstance(value, IntegerAttr):
        raise fail(op, "missing integer 'return_sequences'")
    return 1 if value.value.data else 0


def _state(k: KernelBlock) -> SSAValue:
    op = k.op
    if op.kind != "f32" or op.scratch is None:
        raise fail(op, f"expected a float32 {op.name} with a scratch buffer")
    return k.add(c.CastOp(scratch_ptr(k), c.CType("float *")))


def emit_lstm(k: KernelBlock) -> None:
    op = k.op
    assert isinstance(op, qnn.LstmOp | qnn_recurrent.LstmCellStateOp)
    x, w, r, b = op.ins
    y = out_of(op)
    if op.kind != "f32" or op.scratch is None:
        raise fail(op, "expected a float32 LSTM with a scratch buffer")
    batches, steps, features = shape_of(x)
    units = shape_of(r)[1]
    sequences = _sequences(op)
    params = k.struct(
        "lstm_params", "stai_lstm_params_f32", {"units": units, "return_sequences": sequences}
    )
    state = _state(k)
    k.call(
        "stai_lstm_f32" if isinstance(op, qnn.LstmOp) else "stai_lstm_cell_state_f32",
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


def _initial(k: KernelBlock, op: qnn_recurrent.GruOp | qnn_recurrent.RnnOp) -> SSAValue:
    """The pointer to the initial state, or ``NULL`` (zeros)."""
    if op.has_initial:
        return k.ptr(op.ins[-1])
    return k.add(c.LiteralOp("NULL", c.CType("const float *")))


def emit_gru(k: KernelBlock) -> None:
    op = k.op
    assert isinstance(op, qnn_recurrent.GruOp)
    x, w, r, b, rb = op.ins[:5]
    y = out_of(op)
    state = _state(k)
    batches, steps, features = shape_of(x)
    if not isinstance(op.linear_before_reset, IntegerAttr):
        raise fail(op, "missing integer 'linear_before_reset'")
    init: dict[str, object] = {
        "units": op.units,
        "return_sequences": _sequences(op),
        "linear_before_reset": 1 if op.linear_before_reset.value.data else 0,
    }
    params = k.struct("gru_params", "stai_gru_params_f32", init)
    k.call(
        "stai_gru_f32",
        [
            params,
            k.dims("input_dims", (batches, 1, steps, features)),
            k.ptr(x),
            k.ptr(w),
            k.ptr(r),
            k.ptr(b),
            k.ptr(rb),
            _initial(k, op),
            state,
            k.ptr(y, True),
        ],
    )


def emit_rnn(k: KernelBlock) -> None:
    op = k.op
    assert isinstance(op, qnn_recurrent.RnnOp)
    x, w, r, b = op.ins[:4]
    y = out_of(op)
    state = _state(k)
    batches, steps, features = shape_of(x)
    assert op.activation is not None
    init: dict[str, object] = {
        "units": op.units,
        "return_sequences": _sequences(op),
        "activation": qnn_recurrent.RNN_ACTIVATIONS.index(op.activation.data),
    }
    params = k.struct("rnn_params", "stai_rnn_params_f32", init)
    k.call(
        "stai_rnn_f32",
        [
            params,
            k.dims("input_dims", (batches, 1, steps, features)),
            k.ptr(x),
            k.ptr(w),
            k.ptr(r),
            k.ptr(b),
            _initial(k, op),
            state,
            k.ptr(y, True),
        ],
    )


def emit_sequence_lstm(k: KernelBlock) -> None:
    """``stai_sequence_lstm_s8`` / ``_s16`` / ``_f32`` on the op's bytes of the state
    buffer: the cell state first, then the hidden state."""
    op = k.op
    assert isinstance(op, qnn_recurrent.SequenceLstmOp)
    x, w, r, b, state = op.ins
    owner = state.owner
    if not isinstance(owner, StateOp) or op.scratch is None:
        raise fail(op, "expected its state as a buf.state and a scratch buffer")
    batches, steps, features, units = op.lstm_dims()
    kind = op.kind
    act_c, cell_c = {"s8": ("int8_t", "int16_t"), "s16": ("int16_t", "int16_t")}.get(
        kind, ("float", "float")
    )
    cell_bytes = 4 if kind == "f32" else 2
    base = k.add(c.GetGlobalOp(state_global(k), BYTE_PTR, array=True))
    cell = k.add(c.OffsetPtrOp(base, owner.byte_offset, c.CType(f"{cell_c} *")))
    hidden_at = owner.byte_offset + cell_bytes * batches * units
    hidden = k.add(c.OffsetPtrOp(base, hidden_at, c.CType(f"{act_c} *")))
    scratch = k.add(c.CastOp(scratch_ptr(k), c.CType(f"{cell_c} *")))
    assert op.time_major is not None
    init: dict[str, object] = {
        "batches": batches,
        "time_steps": steps,
        "features": features,
        "units": units,
        "time_major": 1 if op.time_major.value.data else 0,
    }
    values: list[int] = []
    if kind != "f32":
        assert op.quant is not None
        values = [int(v) for v in op.quant.get_values()]  # pyright: ignore[reportAttributeAccessIssue]
        init.update(zip(qnn_recurrent.LSTM_QUANT, values, strict=False))
    params = k.struct("lstm_params", "stai_sequence_lstm_params", init)
    if kind == "f32":
        assert op.cell_clip is not None
        clip = k.float_(op.cell_clip.value.data)
        args = [params, clip, k.ptr(x), k.ptr(w), k.ptr(r), k.ptr(b), hidden, cell, scratch]
        k.call("stai_sequence_lstm_f32", [*args, k.ptr(out_of(op), True)])
        return
    gate_quant = k.table("lstm_gates", values[len(qnn_recurrent.LSTM_QUANT) :])
    name = k.low.data.add_int16_table("sigmoid_s16_table", qm.sigmoid_table_s16())
    table = k.add(c.GetGlobalOp(name, c.CType("const int16_t *"), array=True))
    args = [params, gate_quant, k.ptr(x), k.ptr(w), k.ptr(r), k.ptr(b), hidden, cell, scratch]
    k.call(f"stai_sequence_lstm_{kind}", [*args, table, k.ptr(out_of(op), True)])


RECURRENT_EMITTERS: dict[type[qnn.KernelOp], Callable[[KernelBlock], None]] = {
    qnn_recurrent.GruOp: emit_gru,
    qnn_recurrent.RnnOp: emit_rnn,
    qnn_recurrent.LstmCellStateOp: emit_lstm,
    qnn_recurrent.SequenceLstmOp: emit_sequence_lstm,
}
"""The emitters of the ops of ``dialects/qnn_recurrent.py`` (``emitters.py`` adds them)."""
