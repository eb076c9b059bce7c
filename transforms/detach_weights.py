"""``detach-weights``: the packed weights out of the generated code, into a binary file.

``stai generate --binary`` runs it after ``convert-buf-to-c`` (with ``weights=packed``).
The generated code then holds no weights: the blob ``const uint8_t NAME_weights[]`` of
``NAME_data.c`` becomes the file ``NAME_weights.bin`` (a ``c.file`` holding one
``c.bytes``), and ``NAME_weights`` becomes a pointer that ``stai_NAME_init(weights,
activations...)`` binds. The application loads the file into memory, or places it at an
address (a flash sector written separately), and passes its address; a model whose code is
unchanged (same graph, same quantization) can so be updated by writing a new weights file
without reflashing the firmware. ``NAME_data.h`` holds ``STAI_NAME_WEIGHTS_SIZE``,
``STAI_NAME_WEIGHTS_ALIGNMENT`` and ``STAI_NAME_WEIGHTS_CRC32`` so the application can
check a file before binding it. With ``prefix`` (``--c-prefix``, ``convert-buf-to-c``'s
option of that name) the pass finds and rewrites the names ``convert-buf-to-c`` spelled:
``PREFIX_NAME_init`` / ``PREFIX_NAME_run``, macros ``PREFIX_NAME_*`` in capitals and the blob
``PREFIX_NAME_weights``; the files keep their names (``NAME_weights.bin``).

Before (``-p 'detach-weights{name=net}'``, abridged)::

    c.file "net_data.c" {
      c.include "net_data.h"
      c.array @net_weights : tensor<8xui8> {const, alignment = 4 : i64} = dense<[...]> : tensor<8xui8>
    }
    c.file "net.c" {
      c.func @stai_net_init(%activations : !c.type<"void *">) -> !c.type<"int"> {...}
      c.func @stai_net_run() -> !c.type<"int"> {
        %w = c.get_global array @net_weights : !c.type<"const uint8_t *">
        ...
      }
    }

After::

    c.file "net_data.c" {
      c.include "net_data.h"
      c.comment "The weights are in net_weights.bin (8 bytes), bound by stai_net_init."
    }
    c.file "net.c" {
      c.global static @net_weights : !c.type<"const uint8_t *"> = "NULL"
      c.func @stai_net_init(%weights : !c.type<"const void *">, %activations : ...) {
        ... returns 1 for a NULL or misaligned weights pointer, else binds it ...
      }
      c.func @stai_net_run() -> !c.type<"int"> {
        ... returns -1 while net_weights is NULL ...
        %w = c.get_global @net_weights : !c.type<"const uint8_t *">
      }
    }
    c.file "net_weights.bin" {
      c.bytes dense<[...]> : tensor<8xui8>
    }
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp, StringAttr
from xdsl.ir import Block, Operation, Region
from xdsl.passes import ModulePass
from xdsl.utils.arg_spec import ArgSpec

from stai.dialects import c
from stai.errors import StaiError
from stai.lowering.convert_buf_to_c.common import DEFAULT_PREFIX, Names

CONST_BYTE_PTR = c.CType("const uint8_t *")
CONST_VOID_PTR = c.CType("const void *")
UINTPTR = c.CType("uintptr_t")
INT = c.CType("int")


def weights_file_name(network: str) -> str:
    """The file the weights of ``network`` go to."""
    return f"{network}_weights.bin"


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
    """Move the packed weights of network ``name`` (at the ``c`` level) into a binary
    ``c.file``; the blob becomes a pointer bound by ``PREFIX_NAME_init``'s new first
    parameter. ``prefix`` is ``convert-buf-to-c``'s: the functions ``PREFIX_NAME_init`` /
    ``_run``, the macros ``PREFIX_NAME_*`` and the blob's name are the ones it spelled."""
    names = Names(name, prefix)
    blob_name = f"{names.data}_weights"
    macro = names.macro
    data_c, data_h = _file(module, f"{name}_data.c"), _file(module, f"{name}_data.h")
    impl, api = _file(module, f"{name}.c"), _file(module, f"{name}.h")
    _func(impl, names.fn("init"))  # another prefix than convert-buf-to-c's: say so first
    array = _blob(data_c, blob_name)
    assert array.value is not None
    values = array.value.get_values()
    ints = [v for v in values if isinstance(v, int)]
    if len(ints) != len(values):
        raise StaiError(f"detach-weights: '{blob_name}' is not an integer array")
    data = bytes(v & 0xFF for v in ints)
    alignment = array.alignment.value.data if array.alignment is not None else 1
    data_c.body.block.insert_op_before(
        c.CommentOp(
            f"The weights are in {weights_file_name(name)} ({len(data)} bytes), "
            f"bound by {names.fn('init')}."
        ),
        array,
    )
    data_c.body.block.erase_op(array)
    _declare_in_data_header(data_h, blob_name, macro, data, alignment)
    _pointer_global(impl, blob_name)
    _bind_in_init(impl, api, names, blob_name, alignment)
    _check_in_run(impl, names, blob_name)
    module.body.block.add_op(c.FileOp(weights_file_name(name), [c.BytesOp(data)]))


def _declare_in_data_header(
    data_h: c.FileOp, blob_name: str, macro: str, data: bytes, alignment: int
) -> None:
    block = data_h.body.block
    for op in list(block.ops):
        if isinstance(op, c.ArrayOp) and op.sym_name.data == blob_name:
            block.insert_op_before(
                c.CommentOp(
                    f"The weights file ({macro}_WEIGHTS_SIZE bytes, CRC-32 "
                    f"{macro}_WEIGHTS_CRC32) is passed to init, {macro}_WEIGHTS_ALIGNMENT-byte "
                    "aligned."
                ),
                op,
            )
            block.insert_op_before(c.DefineOp(f"{macro}_WEIGHTS_ALIGNMENT", alignment), op)
            block.insert_op_before(
                c.DefineOp(f"{macro}_WEIGHTS_CRC32", zlib.crc32(data) & 0xFFFFFFFF), op
            )
            block.erase_op(op)


def _pointer_global(impl: c.FileOp, blob_name: str) -> None:
    """``static const uint8_t *NAME_weights = NULL;`` and every read of the blob made a
    read of that pointer (no longer a constant expression: static structs holding it
    become ordinary locals)."""
    block = impl.body.block
    first = next(op for op in block.ops if isinstance(op, c.GlobalOp | c.FuncOp))
    block.insert_op_before(c.GlobalOp(blob_name, CONST_BYTE_PTR, StringAttr("NULL")), first)
    reads = [
        op
        for op in impl.walk()
        if isinstance(op, c.GetGlobalOp) and op.global_name.root_reference.data == blob_name
    ]
    for op in reads:
        new = c.GetGlobalOp(blob_name, op.result.type)
        parent = op.parent_block()
        assert parent is not None
        parent.insert_op_before(new, op)
        op.result.replace_all_uses_with(new.result)
        parent.erase_op(op)
    for op in impl.walk():
        if isinstance(op, c.StructOp) and op.is_static is not None:
            if not all(c.is_constant_expression(a) for a in op.args):
                del op.properties["static"]


def _bind_in_init(
    impl: c.FileOp, api: c.FileOp, names: Names, blob_name: str, alignment: int
) -> None:
    """``PREFIX_NAME_init(const void *weights, ...)``: 1 for a NULL or misaligned weights
    pointer, else binds it (before the activations' checks and bindings)."""
    name, macro = names.network, names.macro
    fn_name = names.fn("init")
    old = _func(impl, fn_name)
    inputs = [CONST_VOID_PTR, *old.function_type.inputs.data]
    old_block = old.body.blocks[0]
    block = Block(arg_types=inputs)
    weights = block.args[0]
    weights.name_hint = "weights"
    for new_arg, old_arg in zip(block.args[1:], old_block.args):
        new_arg.name_hint = old_arg.name_hint
        old_arg.replace_all_uses_with(new_arg)
    one = c.LiteralOp(1, INT)
    null = c.LiteralOp("NULL", CONST_VOID_PTR)
    is_null = c.BinaryOp("==", weights, null, INT)
    address = c.CastOp(weights, UINTPTR)
    mask = c.LiteralOp(alignment - 1, UINTPTR)
    low = c.BinaryOp("&", address, mask, UINTPTR)
    zero = c.LiteralOp(0, UINTPTR)
    misaligned = c.BinaryOp("!=", low, zero, INT)
    bad = c.BinaryOp("||", is_null, misaligned, INT)
    cast = c.CastOp(weights, CONST_BYTE_PTR)
    ops: list[Operation] = [
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
    block.add_ops(ops)
    for op in list(old_block.ops):
        op.detach()
        block.add_op(op)
    returns = [op for op in block.ops if isinstance(op, c.ReturnOp)]
    block.insert_op_before(cast, returns[-1])
    block.insert_op_before(c.AssignGlobalOp(blob_name, cast), returns[-1])
    new = c.FuncOp(fn_name, inputs, old.output, Region(block))
    impl.body.block.insert_op_before(new, old)
    impl.body.block.erase_op(old)

    decl = _func(api, fn_name)
    arg_names = ["weights", *[n.data for n in (decl.arg_names.data if decl.arg_names else [])]]
    new_decl = c.FuncOp(fn_name, inputs, decl.output, arg_names=arg_names)
    api.body.block.insert_op_before(
        c.CommentOp(
            f"weights: the contents of {weights_file_name(name)} ({macro}_WEIGHTS_SIZE bytes in "
            f"{name}_data.h), {macro}_WEIGHTS_ALIGNMENT-byte aligned, kept while the network is "
            "used."
        ),
        decl,
    )
    api.body.block.insert_op_before(new_decl, decl)
    api.body.block.erase_op(decl)


def _check_in_run(impl: c.FileOp, names: Names, blob_name: str) -> None:
    """``if (NAME_weights == NULL) return -1;`` first in ``PREFIX_NAME_run``."""
    run = _func(impl, names.fn("run"))
    block = run.body.blocks[0]
    first = block.first_op
    assert first is not None
    minus_one = c.LiteralOp(-1, INT)
    ptr = c.GetGlobalOp(blob_name, CONST_BYTE_PTR)
    null = c.LiteralOp("NULL", CONST_BYTE_PTR)
    is_null = c.BinaryOp("==", ptr, null, INT)
    for op in (minus_one, ptr, null, is_null, c.IfReturnOp(is_null, minus_one)):
        block.insert_op_before(op, first)


@dataclass(frozen=True)
class DetachWeightsPass(ModulePass):
    """Moves the packed weight blob of network ``network`` (alias ``name``) out of
    ``NAME_data.c`` into the binary ``c.file`` ``NAME_weights.bin``, bound at run time by
    ``PREFIX_NAME_init``'s new first parameter ``weights``."""

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
