"""``detach-weights``: everything trained out of the generated code, into a weights file.

``stai generate --binary`` runs it after ``convert-buf-to-c`` (with ``weights=packed``).
The generated code then holds only the graph's structure and shapes: the packed blob
``const uint8_t NAME_weights[]`` of ``NAME_data.c`` (weights, biases, per-channel
multiplier and shift tables, filter scales, codebooks, lookup tables) and every trained
scalar of the kernel calls (the literals ``KernelBlock`` marked ``c.trained``: offsets,
per-tensor multipliers and shifts, clamp bounds, softmax and activation parameters) go
to ``NAME_weights.bin``; the code reads the scalars from the file's parameter table at
run time (a struct that held one becomes an ordinary local). A model of the same
architecture trained and quantized otherwise gives a file the unchanged firmware runs.

The file is a 32-byte header (more when the weights need a larger alignment) and the
payload, all little-endian ``uint32`` fields:

====== =================================================================================
offset field
====== =================================================================================
0      magic ``0x57415453`` (the bytes ``S T A W``)
4      format version (``WEIGHTS_FORMAT_VERSION``)
8      structure hash: the first 4 bytes of the SHA-256 of the code the file fits
       (``NAME.c`` and ``NAME.h`` without comments, after the scalars moved: the kernel
       sequence, shapes, arena offsets, offsets into the payload, the parameter layout)
12     header size (the payload's offset)
16     payload size
20     CRC-32 of the payload
24     0 (reserved, 8 bytes)
====== =================================================================================

The payload is the packed blob, then (at a 4-byte boundary) the parameter table: one
4-byte slot per trained scalar (``int32_t`` or ``float``), in the order of ``run``.

``PREFIX_NAME_init(const void *weights, size_t size, ...)`` checks the file before it
binds it and returns, besides 1 for a NULL or misaligned pointer, ``..._BAD_MAGIC`` (2),
``..._BAD_VERSION`` (3), ``..._BAD_STRUCTURE`` (4), ``..._BAD_SIZE`` (5: the header's
sizes are not this code's, or ``size`` is shorter than the file) and ``..._BAD_CRC`` (6),
macros ``PREFIX_NAME_WEIGHTS_*`` of ``NAME.h``; ``PREFIX_NAME_run`` returns
``PREFIX_NAME_NO_WEIGHTS`` (-2) until a valid file is bound. ``NAME_data.h`` holds
``PREFIX_NAME_WEIGHTS_SIZE`` (the file's bytes), ``_ALIGNMENT``, ``_CRC32`` (the payload's),
``_HASH`` and ``_VERSION``. With ``prefix`` (``--c-prefix``) the pass finds and rewrites the
names ``convert-buf-to-c`` spelled; the files keep their names (``NAME_weights.bin``).

Before (``-p 'detach-weights{name=net}'``, abridged)::

    c.file "net_data.c" {
      c.array @net_weights : tensor<8xui8> {const, alignment = 4 : i64} = dense<[...]> : tensor<8xui8>
    }
    c.file "net.c" {
      c.func @stai_net_init(%activations : !c.type<"void *">) -> !c.type<"int"> {...}
      c.func @stai_net_run() -> !c.type<"int"> {
        %w = c.get_global array @net_weights : !c.type<"const uint8_t *">
        %o = c.literal -5 {c.trained} : i32
        ...
      }
    }

After::

    c.file "net_data.c" {
      c.comment "The weights are in net_weights.bin (44 bytes), bound by stai_net_init."
    }
    c.file "net.c" {
      c.global static @net_weights : !c.type<"const uint8_t *"> = "NULL"
      c.func static @stai_net_crc32(...) {...}
      c.func @stai_net_init(%weights : !c.type<"const void *">, %size : !c.type<"size_t">,
                            %activations : ...) {... the header's checks, then binds ...}
      c.func @stai_net_run() -> !c.type<"int"> {
        ... returns -2 while net_weights is NULL ...
        %w = c.get_global @net_weights : !c.type<"const uint8_t *">
        %t = c.offset_ptr %w[8] : ... -> !c.type<"const int32_t *">
        %o = c.index %t[%zero] : ... -> !c.type<"int32_t">
      }
    }
    c.file "net_weights.bin" {
      c.bytes dense<[...]> : tensor<44xui8>
    }
"""

from __future__ import annotations

import hashlib
import io
import math
import struct
import zlib
from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects.builtin import FloatAttr, IntegerAttr, ModuleOp, StringAttr
from xdsl.ir import Block, Operation, Region, SSAValue
from xdsl.passes import ModulePass
from xdsl.printer import Printer
from xdsl.utils.arg_spec import ArgSpec

from stai.dialects import c
from stai.errors import StaiError
from stai.lowering.convert_buf_to_c.common import DEFAULT_PREFIX, Names
from stai.lowering.convert_buf_to_c.kernel_block import is_trained

CONST_BYTE_PTR = c.CType("const uint8_t *")
CONST_VOID_PTR = c.CType("const void *")
CONST_U32_PTR = c.CType("const uint32_t *")
UINTPTR = c.CType("uintptr_t")
U32 = c.CType("uint32_t")
SIZE_T = c.CType("size_t")
INT = c.CType("int")

WEIGHTS_MAGIC = 0x57415453
"""The file's first 4 bytes, little-endian: ``S T A W``."""
WEIGHTS_FORMAT_VERSION = 1
HEADER_BYTES = 32
CRC32_POLYNOMIAL = 0xEDB88320
"""The reflected CRC-32 polynomial (``zlib.crc32``'s)."""

STATUS = {
    "BAD_MAGIC": (2, "the file does not start with the magic number"),
    "BAD_VERSION": (3, "another format version"),
    "BAD_STRUCTURE": (4, "the file fits another network (structure hash)"),
    "BAD_SIZE": (5, "the header's sizes are not this code's, or size is shorter than the file"),
    "BAD_CRC": (6, "the payload's CRC-32 differs from the header's"),
}
"""``PREFIX_NAME_WEIGHTS_<key>``: what ``init`` returns for each refused file."""
NO_WEIGHTS = -2
"""What ``run`` returns until ``init`` bound a valid file (``PREFIX_NAME_NO_WEIGHTS``)."""


def weights_file_name(network: str) -> str:
    """The file the weights of ``network`` go to."""
    return f"{network}_weights.bin"


@dataclass(frozen=True)
class WeightsHeader:
    """The header of a weights file (``parse_header``)."""

    magic: int
    version: int
    structure_hash: int
    header_size: int
    payload_size: int
    crc32: int


def parse_header(data: bytes) -> WeightsHeader:
    """The header fields of a weights file's bytes (``StaiError`` if it is too short)."""
    if len(data) < HEADER_BYTES:
        raise StaiError(f"a weights file has at least {HEADER_BYTES} bytes, this has {len(data)}")
    return WeightsHeader(*struct.unpack_from("<6I", data))


def weights_file_bytes(module: ModuleOp) -> int | None:
    """The bytes of the weights file of a ``c``-level module after this pass (None when
    it has none: compiled without ``--binary``)."""
    for op in module.walk():
        if isinstance(op, c.FileOp) and op.is_binary and op.path.data.endswith("_weights.bin"):
            data = op.body.block.first_op
            if isinstance(data, c.BytesOp):
                return len(data.data)
    return None


def _file(module: ModuleOp, path: str) -> c.FileOp:
    for op in module.walk():
        if isinstance(op, c.FileOp) and op.path.data == path:
            return op
    raise StaiError(f"detach-weights: the generated code has no {path}")


def _func(file: c.FileOp, name: str) -> c.FuncOp:
    for op in file.body.block.ops:
        if isinstance(op, c.FuncOp) and op.sym_name.data == name:
            return op
    raise StaiError(f"detach-weights: {file.path.data} has no {name}")


def _blob(data_c: c.FileOp, blob_name: str) -> c.ArrayOp:
    for op in data_c.body.block.ops:
        if isinstance(op, c.ArrayOp) and op.sym_name.data == blob_name and op.value is not None:
            return op
    raise StaiError(
        "--binary needs the weights as one packed blob (not --split-weights) and a model "
        "with weights"
    )


def detach(module: ModuleOp, name: str, prefix: str = DEFAULT_PREFIX) -> None:
    """Move the packed weights and the trained scalars of network ``name`` (at the ``c``
    level) into a binary ``c.file`` with its header; the blob becomes a pointer bound by
    ``PREFIX_NAME_init``'s new parameters ``weights`` and ``size``. ``prefix`` is
    ``convert-buf-to-c``'s: the functions ``PREFIX_NAME_init`` / ``_run``, the macros
    ``PREFIX_NAME_*`` and the blob's name are the ones it spelled."""
    names = Names(name, prefix)
    blob_name = f"{names.data}_weights"
    data_c, data_h = _file(module, f"{name}_data.c"), _file(module, f"{name}_data.h")
    impl, api = _file(module, f"{name}.c"), _file(module, f"{name}.h")
    _func(impl, names.fn("init"))  # another prefix than convert-buf-to-c's: say so first
    array = _blob(data_c, blob_name)
    assert array.value is not None
    values = array.value.get_values()
    ints = [v for v in values if isinstance(v, int)]
    if len(ints) != len(values):
        raise StaiError(f"detach-weights: '{blob_name}' is not an integer array")
    blob = bytes(v & 0xFF for v in ints)
    alignment = max(4, array.alignment.value.data if array.alignment is not None else 1)
    header_size = max(HEADER_BYTES, alignment)
    data_c.body.block.erase_op(array)
    _pointer_global(impl, blob_name)
    table_offset = -(-len(blob) // 4) * 4
    params = _move_trained(impl, blob_name, table_offset)
    payload = blob + bytes(table_offset - len(blob)) + params if params else blob
    _unstatic(impl)
    structure = structure_hash(impl, api)
    header = struct.pack(
        "<6I",
        WEIGHTS_MAGIC,
        WEIGHTS_FORMAT_VERSION,
        structure,
        header_size,
        len(payload),
        zlib.crc32(payload),
    )
    data = header + bytes(header_size - len(header)) + payload
    data_c.body.block.add_op(
        c.CommentOp(
            f"The weights are in {weights_file_name(name)} ({len(data)} bytes), "
            f"bound by {names.fn('init')}."
        )
    )
    _declare_in_data_header(data_h, blob_name, names.macro, data, alignment, structure)
    _status_macros(api, names)
    impl.body.block.insert_op_before(_crc32_func(names), _func(impl, names.fn("init")))
    _bind_in_init(impl, api, names, blob_name, alignment, header_size, len(payload))
    _check_in_run(impl, names, blob_name)
    module.body.block.add_op(c.FileOp(weights_file_name(name), [c.BytesOp(data)]))


# ------------------------------------------------------------------ the payload


def _pointer_global(impl: c.FileOp, blob_name: str) -> None:
    """``static const uint8_t *NAME_weights = NULL;`` and every read of the blob made a
    read of that pointer."""
    block = impl.body.block
    first = next(op for op in block.ops if isinstance(op, c.GlobalOp | c.FuncOp))
    block.insert_op_before(c.GlobalOp(blob_name, CONST_BYTE_PTR, StringAttr("NULL")), first)
    reads = [
        op
        for op in impl.walk()
        if isinstance(op, c.GetGlobalOp) and op.global_name.root_reference.data == blob_name
    ]
    for op in reads:
        _replace(op, [c.GetGlobalOp(blob_name, op.result.type)])


def _replace(op: Operation, new: list[Operation]) -> None:
    """Insert ``new`` before ``op``, give its last result to ``op``'s uses, erase ``op``."""
    parent = op.parent_block()
    assert parent is not None
    for n in new:
        parent.insert_op_before(n, op)
    op.results[0].replace_all_uses_with(new[-1].results[0])
    parent.erase_op(op)


def _move_trained(impl: c.FileOp, blob_name: str, table_offset: int) -> bytes:
    """Every ``c.trained`` literal of the code made a read of its slot of the parameter
    table (at ``table_offset`` in the payload); the table's bytes."""
    slots: list[bytes] = []
    for op in [o for o in impl.walk() if is_trained(o)]:
        assert isinstance(op, c.LiteralOp)
        value = op.value
        if isinstance(value, IntegerAttr):
            number = value.value.data
            if not -(1 << 31) <= number < (1 << 31):
                raise StaiError(f"detach-weights: the parameter {number} does not fit 32 bits")
            slots.append(struct.pack("<i", number))
            element = "int32_t"
        elif isinstance(value, FloatAttr) and math.isfinite(value.value.data):
            slots.append(struct.pack("<f", value.value.data))
            element = "float"
        else:
            continue
        base = c.GetGlobalOp(blob_name, CONST_BYTE_PTR)
        table = c.OffsetPtrOp(base, table_offset, c.CType(f"const {element} *"))
        index = c.LiteralOp(len(slots) - 1, INT)
        read = c.IndexOp(table, index, c.CType(element))
        _replace(op, [base, table, index, read])
    return b"".join(slots)


def _unstatic(impl: c.FileOp) -> None:
    """A ``static`` struct holding a value that is no longer constant (a read of the
    weights pointer, of a parameter, the address of such a struct) becomes an ordinary
    local (C99 initialises automatic structs with any expressions)."""
    changed = True
    while changed:
        changed = False
        for op in impl.walk():
            if isinstance(op, c.StructOp) and op.is_static is not None:
                if not all(c.is_constant_expression(a) for a in op.args):
                    del op.properties["static"]
                    changed = True


def structure_hash(impl: c.FileOp, api: c.FileOp) -> int:
    """The structure hash of the code: the first 4 bytes (little-endian) of the SHA-256 of
    ``impl`` and ``api`` printed as IR without their comments."""
    text = io.StringIO()
    for file_op in (api, impl):
        clone = file_op.clone()
        for op in [o for o in clone.walk() if isinstance(o, c.CommentOp)]:
            parent = op.parent_block()
            assert parent is not None
            parent.erase_op(op)
        Printer(stream=text).print_op(clone)
    return int.from_bytes(hashlib.sha256(text.getvalue().encode()).digest()[:4], "little")


# ------------------------------------------------------------------ the headers


def _declare_in_data_header(
    data_h: c.FileOp, blob_name: str, macro: str, data: bytes, alignment: int, structure: int
) -> None:
    block = data_h.body.block
    for op in list(block.ops):
        if isinstance(op, c.DefineOp) and op.macro.data == f"{macro}_WEIGHTS_SIZE":
            block.insert_op_before(c.DefineOp(f"{macro}_WEIGHTS_SIZE", len(data)), op)
            block.erase_op(op)
    payload_crc = parse_header(data).crc32
    for op in list(block.ops):
        if isinstance(op, c.ArrayOp) and op.sym_name.data == blob_name:
            for new in (
                c.CommentOp(
                    f"The weights file ({macro}_WEIGHTS_SIZE bytes) is passed to init, "
                    f"{macro}_WEIGHTS_ALIGNMENT-byte aligned; its header holds the format "
                    f"version, the structure hash and the payload's CRC-32."
                ),
                c.DefineOp(f"{macro}_WEIGHTS_ALIGNMENT", alignment),
                c.DefineOp(f"{macro}_WEIGHTS_VERSION", WEIGHTS_FORMAT_VERSION),
                c.DefineOp(f"{macro}_WEIGHTS_HASH", f"0x{structure:08x}u"),
                c.DefineOp(f"{macro}_WEIGHTS_CRC32", f"0x{payload_crc:08x}u"),
            ):
                block.insert_op_before(new, op)
            block.erase_op(op)


def _status_macros(api: c.FileOp, names: Names) -> None:
    """The status macros of ``init`` and ``run`` in ``NAME.h``, before ``init``."""
    macro = names.macro
    decl = _func(api, names.fn("init"))
    ops: list[Operation] = [
        c.CommentOp(f"What {names.fn('init')} returns for a refused weights file:"),
    ]
    for key, (value, meaning) in STATUS.items():
        ops += [c.CommentOp(meaning), c.DefineOp(f"{macro}_WEIGHTS_{key}", value)]
    ops += [
        c.CommentOp(f"What {names.fn('run')} returns until a valid weights file is bound."),
        c.DefineOp(f"{macro}_NO_WEIGHTS", f"({NO_WEIGHTS})"),
    ]
    anchor: Operation = decl
    previous = decl.prev_op
    if isinstance(previous, c.CommentOp):  # init's own comment stays next to it
        anchor = previous
    for op in ops:
        api.body.block.insert_op_before(op, anchor)


# --------------------------------------------------------------- the functions


def _u32(value: int) -> list[Operation]:
    """``(uint32_t)value``."""
    literal = c.LiteralOp(value, U32)
    return [literal, c.CastOp(literal, U32)]


def _crc32_func(names: Names) -> c.FuncOp:
    """``static uint32_t PREFIX_NAME_crc32(const uint8_t *data, uint32_t size)``: the
    CRC-32 of ``zlib.crc32`` (reflected, bit by bit: no table in flash)."""
    block = Block(arg_types=[CONST_BYTE_PTR, U32])
    data, size = block.args
    data.name_hint, size.name_hint = "data", "size"
    ones = _u32(0xFFFFFFFF)
    crc = c.LocalOp(ones[-1], U32)
    crc.result.name_hint = "crc"
    byte_loop = c.ForOp(size)
    i = byte_loop.counter
    i.name_hint = "i"
    byte = c.IndexOp(data, i, c.CType("uint8_t"))
    mixed = c.BinaryOp("^", crc, byte, U32)
    eight = c.LiteralOp(8, U32)
    bit_loop = c.ForOp(eight)
    bit_loop.counter.name_hint = "bit"
    one, zero = c.LiteralOp(1, U32), c.LiteralOp(0, U32)
    low = c.BinaryOp("&", crc, one, U32)
    mask = c.BinaryOp("-", zero, low, U32)
    poly = _u32(CRC32_POLYNOMIAL)
    masked = c.BinaryOp("&", poly[-1], mask, U32)
    shifted = c.BinaryOp(">>", crc, one, U32)
    nxt = c.BinaryOp("^", shifted, masked, U32)
    bit_loop.body.block.add_ops(
        [one, zero, low, mask, *poly, masked, shifted, nxt, c.AssignOp(crc, nxt)]
    )
    byte_loop.body.block.add_ops([byte, mixed, c.AssignOp(crc, mixed), eight, bit_loop])
    final = c.BinaryOp("^", crc, ones[-1], U32)
    block.add_ops([*ones, crc, byte_loop, final, c.ReturnOp(final)])
    return c.FuncOp(names.fn("crc32"), [CONST_BYTE_PTR, U32], U32, Region(block), static=True)


def _check_header(
    block: Block,
    names: Names,
    weights: SSAValue,
    size: SSAValue,
    header_size: int,
    payload_size: int,
) -> None:
    """The header's checks, each returning its status (``STATUS``)."""
    macro = names.macro

    def status(key: str) -> c.LiteralOp:
        return c.LiteralOp(f"{macro}_WEIGHTS_{key}", INT)

    def field(index: int) -> list[Operation]:
        words = c.CastOp(weights, CONST_U32_PTR)
        at = c.LiteralOp(index, INT)
        return [words, at, c.IndexOp(words, at, U32)]

    def differs(index: int, expected: int | str) -> list[Operation]:
        read = field(index)
        if isinstance(expected, str):
            wanted: list[Operation] = [c.LiteralOp(expected, U32)]
        else:
            wanted = _u32(expected)
        return [*read, *wanted, c.BinaryOp("!=", read[-1], wanted[-1], INT)]

    def refuse(condition: list[Operation], key: str) -> None:
        code = status(key)
        block.add_ops([*condition, code, c.IfReturnOp(condition[-1], code)])

    short = c.LiteralOp(header_size, SIZE_T)
    refuse([short, c.BinaryOp("<", size, short, INT)], "BAD_SIZE")
    refuse(differs(0, WEIGHTS_MAGIC), "BAD_MAGIC")
    refuse(differs(1, f"{macro}_WEIGHTS_VERSION"), "BAD_VERSION")
    refuse(differs(2, f"{macro}_WEIGHTS_HASH"), "BAD_STRUCTURE")
    head = differs(3, header_size)
    body = differs(4, payload_size)
    total = c.LiteralOp(header_size + payload_size, SIZE_T)
    cut = c.BinaryOp("<", size, total, INT)
    either = c.BinaryOp("||", head[-1], body[-1], INT)
    refuse([*head, *body, total, cut, either, c.BinaryOp("||", either, cut, INT)], "BAD_SIZE")
    base = c.CastOp(weights, CONST_BYTE_PTR)
    payload = c.OffsetPtrOp(base, header_size, CONST_BYTE_PTR)
    length = _u32(payload_size)
    crc = c.CallOp(names.fn("crc32"), [payload, length[-1]], U32)
    crc.results[0].name_hint = "crc"
    stored = field(5)
    bad = c.BinaryOp("!=", crc, stored[-1], INT)
    refuse([base, payload, *length, crc, *stored, bad], "BAD_CRC")


def _bind_in_init(
    impl: c.FileOp,
    api: c.FileOp,
    names: Names,
    blob_name: str,
    alignment: int,
    header_size: int,
    payload_size: int,
) -> None:
    """``PREFIX_NAME_init(const void *weights, size_t size, ...)``: drops the bound file,
    returns 1 for a NULL or misaligned pointer, a ``STATUS`` for a refused file, else
    binds its payload (after the activations' checks and bindings)."""
    name, macro = names.network, names.macro
    fn_name = names.fn("init")
    old = _func(impl, fn_name)
    inputs = [CONST_VOID_PTR, SIZE_T, *old.function_type.inputs.data]
    old_block = old.body.blocks[0]
    block = Block(arg_types=inputs)
    weights, size = block.args[:2]
    weights.name_hint, size.name_hint = "weights", "size"
    for new_arg, old_arg in zip(block.args[2:], old_block.args):
        new_arg.name_hint = old_arg.name_hint
        old_arg.replace_all_uses_with(new_arg)
    none = c.LiteralOp("NULL", CONST_BYTE_PTR)
    one = c.LiteralOp(1, INT)
    null = c.LiteralOp("NULL", CONST_VOID_PTR)
    is_null = c.BinaryOp("==", weights, null, INT)
    address = c.CastOp(weights, UINTPTR)
    mask = c.LiteralOp(alignment - 1, UINTPTR)
    low = c.BinaryOp("&", address, mask, UINTPTR)
    zero = c.LiteralOp(0, UINTPTR)
    misaligned = c.BinaryOp("!=", low, zero, INT)
    bad = c.BinaryOp("||", is_null, misaligned, INT)
    block.add_ops(
        [
            none,
            c.AssignGlobalOp(blob_name, none),
            one,
            null,
            is_null,
            address,
            mask,
            low,
            zero,
            misaligned,
            bad,
            c.IfReturnOp(bad, one),
        ]
    )
    _check_header(block, names, weights, size, header_size, payload_size)
    for op in list(old_block.ops):
        op.detach()
        block.add_op(op)
    returns = [op for op in block.ops if isinstance(op, c.ReturnOp)]
    cast = c.CastOp(weights, CONST_BYTE_PTR)
    payload = c.OffsetPtrOp(cast, header_size, CONST_BYTE_PTR)
    for op in (cast, payload, c.AssignGlobalOp(blob_name, payload)):
        block.insert_op_before(op, returns[-1])
    new = c.FuncOp(fn_name, inputs, old.output, Region(block))
    impl.body.block.insert_op_before(new, old)
    impl.body.block.erase_op(old)

    decl = _func(api, fn_name)
    arg_names = [
        "weights",
        "size",
        *[n.data for n in (decl.arg_names.data if decl.arg_names else [])],
    ]
    new_decl = c.FuncOp(fn_name, inputs, decl.output, arg_names=arg_names)
    api.body.block.insert_op_before(
        c.CommentOp(
            f"weights, size: the contents of {weights_file_name(name)} ({macro}_WEIGHTS_SIZE "
            f"bytes in {name}_data.h), {macro}_WEIGHTS_ALIGNMENT-byte aligned, kept while "
            f"the network is used; a refused file returns {macro}_WEIGHTS_BAD_* and leaves "
            "no file bound."
        ),
        decl,
    )
    api.body.block.insert_op_before(new_decl, decl)
    api.body.block.erase_op(decl)


def _check_in_run(impl: c.FileOp, names: Names, blob_name: str) -> None:
    """``if (NAME_weights == NULL) return PREFIX_NAME_NO_WEIGHTS;`` first in ``run``."""
    run = _func(impl, names.fn("run"))
    block = run.body.blocks[0]
    first = block.first_op
    assert first is not None
    refused = c.LiteralOp(f"{names.macro}_NO_WEIGHTS", INT)
    ptr = c.GetGlobalOp(blob_name, CONST_BYTE_PTR)
    null = c.LiteralOp("NULL", CONST_BYTE_PTR)
    is_null = c.BinaryOp("==", ptr, null, INT)
    for op in (refused, ptr, null, is_null, c.IfReturnOp(is_null, refused)):
        block.insert_op_before(op, first)


@dataclass(frozen=True)
class DetachWeightsPass(ModulePass):
    """Moves the packed weight blob and the trained scalars of network ``network`` (alias
    ``name``) out of the code into the binary ``c.file`` ``NAME_weights.bin`` (a header,
    the payload), checked and bound at run time by ``PREFIX_NAME_init``'s new first
    parameters ``weights`` and ``size``."""

    name = "detach-weights"

    network: str = "network"
    """The network's C name (``convert-buf-to-c``'s ``network``)."""
    prefix: str = DEFAULT_PREFIX
    """What the generated API's names start with (``convert-buf-to-c``'s ``prefix``)."""

    @classmethod
    def from_spec(cls, spec: ArgSpec) -> DetachWeightsPass:
        parameters = dict(spec.parameters)
        if "name" in parameters:
            parameters["network"] = parameters.pop("name")
        return super().from_spec(ArgSpec(spec.name, parameters))

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        detach(op, self.network, self.prefix)
