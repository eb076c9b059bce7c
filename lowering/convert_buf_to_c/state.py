"""Emitters of the persistent variables: ``qnn.read_variable`` copies a variable's bytes
of the state buffer into its output, ``qnn.assign_variable`` copies its input into them
(``stai_copy``). The state buffer is the network's ``static uint8_t PREFIX_NAME_state[]``
(``network.py``); a ``buf.state`` is an offset in it."""

from __future__ import annotations

from xdsl.ir import SSAValue

from stai.dialects import c
from stai.dialects.buf import StateOp, byte_size
from stai.dialects.qnn_state import AssignVariableOp, ReadVariableOp
from stai.lowering.convert_buf_to_c.common import BYTE_PTR, VOID_PTR, fail, memref_of
from stai.lowering.convert_buf_to_c.kernel_block import KernelBlock, out_of


def state_global(k: KernelBlock) -> str:
    """The C name of the network's state buffer."""
    return k.low.names.fn("state")


def _state_ptr(k: KernelBlock, value: SSAValue) -> SSAValue:
    owner = value.owner
    if not isinstance(owner, StateOp):
        raise fail(k.op, "the variable's buffer must be a buf.state")
    base = k.add(c.GetGlobalOp(state_global(k), BYTE_PTR, array=True))
    return k.add(c.OffsetPtrOp(base, owner.byte_offset, VOID_PTR))


def emit_read_variable(k: KernelBlock) -> None:
    (state,) = k.op.ins
    y = out_of(k.op)
    k.call("stai_copy", [_state_ptr(k, state), k.ptr(y, True), k.int_(byte_size(memref_of(y)))])


def emit_assign_variable(k: KernelBlock) -> None:
    (x,) = k.op.ins
    state = out_of(k.op)
    k.call("stai_copy", [k.ptr(x), _state_ptr(k, state), k.int_(byte_size(memref_of(x)))])


STATE_EMITTERS = {
    ReadVariableOp: emit_read_variable,
    AssignVariableOp: emit_assign_variable,
}
"""The emitters of this module (rows of ``emitters.EMITTERS``)."""
