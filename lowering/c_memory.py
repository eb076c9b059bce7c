"""The C of planned memory, for ``convert-buf-to-c``: pools, caller buffers, weights blob.

* **memory pools**: one ``buf.arena`` per pool becomes one pointer global
  (``stai_NAME_arena`` for pool 0, ``stai_NAME_arena_1`` ...) and one parameter of
  ``stai_NAME_init``; ``STAI_NAME_POOL_NUM`` / ``STAI_NAME_POOL_<p>_SIZE`` / ``_NAME`` /
  ``_SECTION`` describe the pools;
* **caller-provided inputs and outputs** (``buf.extern``): one pointer global each
  (``stai_NAME_input_0`` ...), set by ``stai_NAME_set_input(index, ptr)`` /
  ``stai_NAME_set_output``, returned by ``input_ptr`` / ``output_ptr``;
* **packed weights**: every ``const`` array of ``NAME_data.c`` laid out in one
  little-endian byte array ``NAME_weights`` (each at an offset aligned to its own
  alignment); the generated code reads ``(const T *)(NAME_weights + offset)``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
from xdsl.dialects.builtin import (
    BytesAttr,
    DenseIntOrFPElementsAttr,
    FixedBitwidthType,
    IntegerType,
    Signedness,
    TensorType,
)
from xdsl.ir import Block, Operation, Region, SSAValue

from stai.dialects import c
from stai.dialects.buf import ArenaOp, ExternOp
from stai.errors import StaiError

BYTE_PTR = c.CType("uint8_t *")
CONST_BYTE_PTR = c.CType("const uint8_t *")
VOID_PTR = c.CType("void *")
INT = c.CType("int")
UINTPTR = c.CType("uintptr_t")
POINTER_BYTES = 4
"""The size of a data pointer on the 32-bit cores stai targets (for RAM figures)."""


@dataclass(frozen=True)
class PoolInfo:
    """One pool of the generated code: its arena op, C global, init parameter name."""

    arena: ArenaOp
    global_name: str
    param: str
    name: str
    section: str

    @property
    def size(self) -> int:
        return self.arena.size.value.data

    @property
    def alignment(self) -> int:
        return self.arena.alignment.value.data


def _c_name(text: str) -> str:
    out = re.sub(r"[^A-Za-z0-9_]", "_", text).strip("_") or "pool"
    return out if not out[0].isdigit() else "p" + out


def pools_of(function: Operation, network: str, prefix: str = "stai") -> list[PoolInfo]:
    """The pools of a buffer-form function, by pool index (there is at least one)."""
    arenas = sorted(
        (op for op in function.walk() if isinstance(op, ArenaOp)), key=lambda a: a.pool_index
    )
    if not arenas:
        raise StaiError(
            "convert-buf-to-c: the function holds no buf.arena; run convert-qnn-to-buf first"
        )
    indices = [a.pool_index for a in arenas]
    if indices != list(range(len(arenas))):
        raise StaiError(
            f"convert-buf-to-c: a function must hold one buf.arena per pool "
            f"(pools 0..{len(arenas) - 1}), found pools {indices}"
        )
    out = []
    for p, arena in enumerate(arenas):
        glob = f"{prefix}_{network}_arena" + (f"_{p}" if p else "")
        name = arena.pool_name.data if arena.pool_name is not None else f"pool{p}"
        param = "activations" if len(arenas) == 1 else f"pool_{_c_name(name)}"
        section = arena.section.data if arena.section is not None else ""
        out.append(PoolInfo(arena, glob, param, name, section))
    return out


def extern_global(network: str, role: str, index: int, prefix: str = "stai") -> str:
    """The pointer global of a caller-provided input or output."""
    return f"{prefix}_{network}_{role}_{index}"


def externs_of(function: Operation, role: str) -> dict[int, int]:
    """Caller-provided buffers of ``role``: index -> bytes."""
    out: dict[int, int] = {}
    for op in function.walk():
        if isinstance(op, ExternOp) and op.role_name == role:
            out[op.index_value] = max(out.get(op.index_value, 0), op.nbytes)
    return out


def extern_alignment(function: Operation, role: str, index: int) -> int:
    """The alignment a caller buffer needs: its largest element size."""
    from stai.dialects.buf import element_bytes

    sizes = [
        element_bytes(op.result.type)
        for op in function.walk()
        if isinstance(op, ExternOp) and op.role_name == role and op.index_value == index
    ]
    return max(sizes, default=1)


# ------------------------------------------------------------------------ functions


def _bad_pointer(block: Block, ptr: SSAValue, alignment: int, allow_null: bool) -> SSAValue:
    """Ops (added to ``block``) computing ``ptr == NULL || ptr misaligned``."""
    ops: list[Operation] = []
    address = c.CastOp(ptr, UINTPTR)
    mask = c.LiteralOp(alignment - 1, UINTPTR)
    low = c.BinaryOp("&", address, mask, UINTPTR)
    zero = c.LiteralOp(0, UINTPTR)
    bad = c.BinaryOp("!=", low, zero, INT)
    ops += [address, mask, low, zero, bad]
    if not allow_null:
        null = c.LiteralOp("NULL", VOID_PTR)
        is_null = c.BinaryOp("==", ptr, null, INT)
        either = c.BinaryOp("||", is_null, bad, INT)
        ops += [null, is_null, either]
        bad = either
    block.add_ops(ops)
    return bad.results[0]


def init_func(network: str, pools: list[PoolInfo], prefix: str = "stai") -> c.FuncOp:
    """``int stai_NAME_init(void *p0, ...)``: checks and binds one pointer per pool
    (NULL allowed for an empty pool); 1 on a NULL or misaligned pointer."""
    block = Block(arg_types=[VOID_PTR] * len(pools))
    one = c.LiteralOp(1, INT)
    block.add_op(one)
    for arg, pool in zip(block.args, pools):
        arg.name_hint = pool.param
        bad = _bad_pointer(block, arg, pool.alignment, allow_null=pool.size == 0)
        block.add_op(c.IfReturnOp(bad, one))
    for arg, pool in zip(block.args, pools):
        cast = c.CastOp(arg, BYTE_PTR)
        block.add_ops([cast, c.AssignGlobalOp(pool.global_name, cast)])
    zero = c.LiteralOp(0, INT)
    block.add_ops([zero, c.ReturnOp(zero)])
    return c.FuncOp(f"{prefix}_{network}_init", [VOID_PTR] * len(pools), INT, Region(block))


def set_io_func(
    network: str, role: str, alignments: dict[int, int], prefix: str = "stai"
) -> c.FuncOp:
    """``int stai_NAME_set_<role>(int index, void *data)``: binds a caller buffer; 1 for
    a bad index, a NULL or a misaligned pointer."""
    block = Block(arg_types=[INT, VOID_PTR])
    index, data = block.args
    index.name_hint, data.name_hint = "index", "data"
    one = c.LiteralOp(1, INT)
    zero = c.LiteralOp(0, INT)
    block.add_ops([one, zero])
    for i, align in sorted(alignments.items()):
        literal = c.LiteralOp(i, INT)
        is_i = c.BinaryOp("==", index, literal, INT)
        block.add_ops([literal, is_i])
        if_op = c.IfOp(is_i)
        body = if_op.body.blocks[0]
        bad = _bad_pointer(body, data, align, allow_null=False)
        body.add_op(c.IfReturnOp(bad, one))
        cast = c.CastOp(data, BYTE_PTR)
        body.add_ops(
            [
                cast,
                c.AssignGlobalOp(extern_global(network, role, i, prefix), cast),
                c.ReturnOp(zero),
            ]
        )
        block.add_op(if_op)
    block.add_op(c.ReturnOp(one))
    return c.FuncOp(f"{prefix}_{network}_set_{role}", [INT, VOID_PTR], INT, Region(block))


def check_bound_ops(
    network: str,
    pools: list[PoolInfo],
    externs: dict[str, list[int]],
    result: SSAValue,
    prefix: str = "stai",
) -> list[Operation]:
    """``if (pointer == NULL) return result;`` for every pool with bytes and every caller
    buffer (the start of ``run``)."""
    ops: list[Operation] = []
    names = [p.global_name for p in pools if p.size > 0]
    names += [extern_global(network, role, i, prefix) for role, ids in externs.items() for i in ids]
    for name in names:
        g = c.GetGlobalOp(name, BYTE_PTR)
        null = c.LiteralOp("NULL", BYTE_PTR)
        is_null = c.BinaryOp("==", g, null, INT)
        ops += [g, null, is_null, c.IfReturnOp(is_null, result)]
    return ops


def header_ops(
    network: str, pools: list[PoolInfo], externs: dict[str, list[int]], prefix: str = "stai"
) -> list[Operation]:
    """The pool macros of ``NAME.h`` and the ``set_input`` / ``set_output`` prototypes."""
    m = f"{prefix}_{network}".upper()
    ops: list[Operation] = [
        c.DefineOp(f"{m}_POOL_NUM", len(pools)),
    ]
    for p, pool in enumerate(pools):
        ops.append(c.DefineOp(f"{m}_POOL_{p}_SIZE", pool.size))
        ops.append(c.DefineOp(f"{m}_POOL_{p}_NAME", f'"{pool.name}"'))
        if pool.section:
            ops.append(c.DefineOp(f"{m}_POOL_{p}_SECTION", f'"{pool.section}"'))
    ops.append(c.DefineOp(f"{m}_INPUTS_IN_ACTIVATIONS", 0 if externs.get("input") else 1))
    ops.append(c.DefineOp(f"{m}_OUTPUTS_IN_ACTIVATIONS", 0 if externs.get("output") else 1))
    for role in ("input", "output"):
        if externs.get(role):
            ops += [
                c.CommentOp(
                    f"Binds the caller's buffer of {role} index (aligned to its "
                    "element): 0 = ok, 1 = bad index or pointer."
                ),
                c.FuncOp(
                    f"{prefix}_{network}_set_{role}",
                    [INT, VOID_PTR],
                    INT,
                    arg_names=["index", "data"],
                ),
            ]
    return ops


def globals_ops(
    network: str, pools: list[PoolInfo], externs: dict[str, list[int]], prefix: str = "stai"
) -> list[Operation]:
    """The mutable globals: one pointer per pool and per caller buffer."""
    from xdsl.dialects.builtin import StringAttr

    ops: list[Operation] = [
        c.GlobalOp(p.global_name, BYTE_PTR, StringAttr("NULL"), static=True) for p in pools
    ]
    for role, ids in externs.items():
        ops += [
            c.GlobalOp(
                extern_global(network, role, i, prefix), BYTE_PTR, StringAttr("NULL"), static=True
            )
            for i in ids
        ]
    return ops


def mutable_static_bytes(pools: int, externs: int) -> int:
    """Bytes of the generated code's mutable globals on a 32-bit core."""
    return POINTER_BYTES * (pools + externs)


# -------------------------------------------------------------------- packed weights

_NUMPY = {
    "i1": "?",
    "i8": "<i1",
    "ui8": "<u1",
    "i16": "<i2",
    "i32": "<i4",
    "i64": "<i8",
    "f32": "<f4",
    "f64": "<f8",
}


def _array_bytes(value: DenseIntOrFPElementsAttr) -> bytes:
    """The little-endian bytes of a dense value (a splat expanded)."""
    element = str(value.get_element_type())
    data = np.frombuffer(value.data.data, dtype=np.dtype(_NUMPY[element]).newbyteorder("="))
    count = 1
    for d in value.get_shape():
        count *= d
    if data.size == 1 and count != 1:
        data = np.full(count, data[0])
    return data.astype(_NUMPY[element]).tobytes()


@dataclass
class Blob:
    """The packed weights: one byte array and each array's offset in it."""

    name: str
    data: bytes
    offsets: dict[str, int]
    alignment: int


def pack_arrays(name: str, arrays: list[c.ArrayOp]) -> Blob:
    """Lay the arrays out one after the other, each aligned to its own alignment."""
    chunks: list[bytes] = []
    offsets: dict[str, int] = {}
    end, top = 0, 1
    for a in arrays:
        assert a.value is not None
        raw = _array_bytes(a.value)
        element = a.type.element_type
        assert isinstance(element, FixedBitwidthType), f"no bit width for {element}"
        natural = max(1, (element.bitwidth + 7) // 8)
        align = max(natural, a.alignment.value.data if a.alignment is not None else 1)
        top = max(top, align)
        start = -(-end // align) * align
        chunks.append(b"\0" * (start - end))
        chunks.append(raw)
        offsets[a.sym_name.data] = start
        end = start + len(raw)
    return Blob(name, b"".join(chunks), offsets, top)


def blob_array(blob: Blob, declaration: bool = False) -> c.ArrayOp:
    """The ``const uint8_t NAME_weights[N]`` definition (or its ``extern``)."""
    u8 = IntegerType(8, Signedness.UNSIGNED)
    t = TensorType(u8, [max(len(blob.data), 1)])
    if declaration:
        return c.ArrayOp(blob.name, t)
    value = DenseIntOrFPElementsAttr(t, BytesAttr(blob.data or b"\0"))
    return c.ArrayOp(blob.name, t, value, alignment=blob.alignment if blob.alignment > 1 else None)


def redirect_to_blob(files: list[c.FileOp], blob: Blob) -> None:
    """Replace every read of a packed array (``c.get_global array @x``) by an offset
    pointer into the blob."""
    for f in files:
        for op in list(f.walk()):
            if not (isinstance(op, c.GetGlobalOp) and op.is_array is not None):
                continue
            name = op.global_name.root_reference.data
            if name not in blob.offsets:
                continue
            base = c.GetGlobalOp(blob.name, CONST_BYTE_PTR, array=True)
            ptr = c.OffsetPtrOp(base, blob.offsets[name], op.result.type)
            block = op.parent_block()
            assert block is not None
            block.insert_op_before(base, op)
            block.insert_op_before(ptr, op)
            op.result.replace_all_uses_with(ptr.result)
            block.erase_op(op)
