"""Emitters of the persistent variables: ``qnn.read_variable`` copies a variable's bytes
of the state buffer into its output, ``qnn.assign_variable`` copies its input into them
(``stai_copy``); ``qnn.svdf`` calls ``stai_svdf_f32`` / ``stai_svdf_s8`` (int16 state) /
``stai_svdf_s8_state_s8`` (int8 state) on its state. The state buffer is the network's
``static uint8_t PREFIX_NAME_state[]``
(``network.py``); a ``buf.state`` is an offset in it."""

from __future__ import annotations

from collections.abc import Callable

from xdsl.ir import SSAValue

from stai.dialects import c
from stai.dialects.buf import StateOp, byte_size
from stai.dialects.qnn_base import KernelOp, element_kind
from stai.dialects.qnn_state import AssignVariableOp, ReadVariableOp, SvdfOp
from stai.lowering.convert_buf_to_c.common import BYTE_PTR, VOID_PTR, fail, memref_of
from stai.lowering.convert_buf_to_c.kernel_block import KernelBlock, out_of


def state_global(k: KernelBlock) -> str:
    """The C name of the network's state buffer."""
    return k.low.names.fn("state")


def _state_ptr(k: KernelBlock, value: SSAValue, type: c.CType = VOID_PTR) -> SSAValue:
    owner = value.owner
    if not isinstance(owner, StateOp):
        raise fail(k.op, "the variable's buffer must be a buf.state")
    base = k.add(c.GetGlobalOp(state_global(k), BYTE_PTR, array=True))
    return k.add(c.OffsetPtrOp(base, owner.byte_offset, type))


def emit_read_variable(k: KernelBlock) -> None:
    (state,) = k.op.ins
    y = out_of(k.op)
    k.call("stai_copy", [_state_ptr(k, state), k.ptr(y, True), k.int_(byte_size(memref_of(y)))])


def emit_assign_variable(k: KernelBlock) -> None:
    (x,) = k.op.ins
    state = out_of(k.op)
    k.call("stai_copy", [k.ptr(x), _state_ptr(k, state), k.int_(byte_size(memref_of(x)))])


def emit_svdf(k: KernelBlock) -> None:
    op = k.op
    assert isinstance(op, SvdfOp)
    x, wf, wt, bias, state = op.ins
    if op.scratch is None:
        raise fail(op, "missing scratch buffer")
    s8 = op.kind == "s8"
    state_s8 = s8 and element_kind(op.state_type()) == "s8"
    element = "int32_t" if s8 else "float"
    scratch = k.add(c.CastOp(k.ptr(op.scratch, True), c.CType(f"{element} *")))
    state_c = "float" if not s8 else "int8_t" if state_s8 else "int16_t"
    state_ptr = _state_ptr(k, state, c.CType(f"{state_c} *"))
    args = [
        k.ptr(x),
        k.ptr(wf),
        k.ptr(wt),
        k.ptr(bias),
        state_ptr,
        scratch,
        k.ptr(out_of(op), True),
    ]
    args += [k.int_(v) for v in op.dims()]
    if s8:
        assert op.quant is not None
        args += [k.int_(int(v)) for v in op.quant.get_values()]  # pyright: ignore[reportAttributeAccessIssue]
        k.call("stai_svdf_s8_state_s8" if state_s8 else "stai_svdf_s8", args)
    else:
        lo, hi = k.act()
        k.call("stai_svdf_f32", [*args, k.float_(lo), k.float_(hi)])


STATE_EMITTERS: dict[type[KernelOp], Callable[[KernelBlock], None]] = {
    ReadVariableOp: emit_read_variable,
    AssignVariableOp: emit_assign_variable,
    SvdfOp: emit_svdf,
}
"""The emitters of this module (rows of ``emitters.EMITTERS``)."""
