"""The ``c`` dialect: stai's EmitC-like dialect, one op per C construct.

This is the last level of the pipeline: ``convert-buf-to-c`` builds it, and the C target
(``stai.emitc.printer``) prints it, one ``c.file`` per generated file. Ops describe C, not
models: files, includes, macros, arrays, globals, functions, and, inside functions, SSA
statements and expressions.

Types are C types: an opaque spelling ``!c.type<"int8_t *">`` or a builtin type
(``i8`` -> ``int8_t``, ``i32`` -> ``int32_t``, ``f32`` -> ``float``, ``index`` ->
``size_t`` ...).

Inside a ``c.func`` the expression ops (``c.literal``, ``c.get_global``, ``c.addr``,
``c.offset_ptr``, ``c.cast``, ``c.binary``) are printed inline where they are used; a
``c.struct`` becomes a named local constant; a ``c.call`` with a result a local variable.

Example::

    c.file "network.c" {
      c.include "network.h"
      c.global static @arena : !c.type<"uint8_t *"> = "NULL"
      c.func @run() -> !c.type<"int"> {
        %a = c.get_global @arena : !c.type<"uint8_t *">
        %x = c.offset_ptr %a[16] : !c.type<"uint8_t *"> -> !c.type<"int8_t *">
        c.call "kernel"(%x) {ok = "ARM_CMSIS_NN_SUCCESS", error_return = 1} : (!c.type<"int8_t *">) -> ()
        %0 = c.literal 0 : !c.type<"int">
        c.return %0 : !c.type<"int">
      }
    }

prints::

    #include "network.h"

    static uint8_t *arena = NULL;

    int run(void)
    {
        if (kernel((int8_t *)(arena + 16)) != ARM_CMSIS_NN_SUCCESS) {
            return 1;
        }
        return 0;
    }
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

from xdsl.dialects.builtin import (
    BytesAttr,
    DenseIntOrFPElementsAttr,
    FloatAttr,
    IntAttr,
    IntegerAttr,
    IntegerType,
    MemRefType,
    Signedness,
    StringAttr,
    SymbolNameConstraint,
    TensorType,
    UnitAttr,
    i64,
)
from xdsl.ir import (
    Attribute,
    Block,
    Dialect,
    Operation,
    Region,
)
from xdsl.irdl import (
    IRDLOperation,
    ParsePropInAttrDict,
    irdl_op_definition,
    opt_prop_def,
    prop_def,
    region_def,
    traits_def,
)
from xdsl.parser import Parser
from xdsl.printer import Printer
from xdsl.traits import (
    IsolatedFromAbove,
    NoTerminator,
    SymbolOpInterface,
    SymbolTable,
)
from xdsl.utils.exceptions import VerifyException

from stai.dialects.c_expressions import (
    BINARY_OPERATORS,
    EXPRESSION_OPS,
    AddrOp,
    BinaryOp,
    CastOp,
    GetGlobalOp,
    IndexOp,
    LiteralOp,
    OffsetPtrOp,
    StructOp,
    StructValue,
    is_constant_expression,
)
from stai.dialects.c_functions import (
    AssignGlobalOp,
    AssignOp,
    CallOp,
    ForOp,
    FuncOp,
    IfOp,
    IfReturnOp,
    LocalOp,
    ReturnOp,
    ScopeOp,
    SwitchReturnOp,
    _enclosing_func,
)
from stai.dialects.c_types import (
    ArgRefAttr,
    CType,
    _check_c_types,
    _check_identifier,
    c_type_name,
    is_c_type,
)

__all__ = [
    "BINARY_OPERATORS",
    "C",
    "EXPRESSION_OPS",
    "AddrOp",
    "ArgRefAttr",
    "ArrayOp",
    "AssignGlobalOp",
    "AssignOp",
    "BinaryOp",
    "BytesOp",
    "CType",
    "CallOp",
    "CastOp",
    "CommentOp",
    "DefineOp",
    "ErrorUnlessOp",
    "FileOp",
    "ForOp",
    "FuncOp",
    "GetGlobalOp",
    "GlobalOp",
    "IfDefinedOp",
    "IfOp",
    "IfReturnOp",
    "IncludeOp",
    "IndexOp",
    "LiteralOp",
    "LocalOp",
    "OffsetPtrOp",
    "ReturnOp",
    "ScopeOp",
    "StructOp",
    "StructValue",
    "SwitchReturnOp",
    "TopLevelOps",
    "c_type_name",
    "is_c_type",
    "is_constant_expression",
]


# ------------------------------------------------------------------------ file level


@irdl_op_definition
class FileOp(IRDLOperation):
    """One generated file. ``guard`` wraps it in an include guard, ``extern_c`` in a
    C++ ``extern "C"`` block::

        c.file "network.h" guard "STAI_NETWORK_H" extern_c { ... }

    prints::

        #ifndef STAI_NETWORK_H
        #define STAI_NETWORK_H
        #ifdef __cplusplus
        extern "C" {
        #endif
        ...
        #ifdef __cplusplus
        }
        #endif
        #endif /* STAI_NETWORK_H */
    """

    name = "c.file"

    path = prop_def(StringAttr)
    guard = opt_prop_def(StringAttr)
    extern_c = opt_prop_def(UnitAttr)
    body = region_def("single_block")

    traits = traits_def(NoTerminator(), SymbolTable(), IsolatedFromAbove())
    assembly_format = (
        "$path (`guard` $guard^)? (`extern_c` $extern_c^)? attr-dict-with-keyword $body"
    )

    def __init__(
        self,
        path: str,
        ops: Sequence[Operation] = (),
        guard: str | None = None,
        extern_c: bool = False,
    ):
        super().__init__(
            properties={
                "path": StringAttr(path),
                "guard": None if guard is None else StringAttr(guard),
                "extern_c": UnitAttr() if extern_c else None,
            },
            regions=[Region(Block(ops))],
        )

    def verify_(self) -> None:
        if not re.fullmatch(r"[A-Za-z0-9_.\-]+", self.path.data):
            raise VerifyException(f"c.file: bad file name '{self.path.data}'")
        if self.guard is not None:
            _check_identifier(self, self.guard.data)
        ops = list(self.body.block.ops)
        if any(isinstance(op, BytesOp) for op in ops):
            if len(ops) != 1 or self.guard is not None or self.extern_c is not None:
                raise VerifyException("c.file: a binary file holds one c.bytes and no guard")
            return
        for op in ops:
            if not isinstance(op, TopLevelOps):
                raise VerifyException(f"c.file: '{op.name}' cannot appear at file level")

    @property
    def is_binary(self) -> bool:
        """Whether this file is binary data (one ``c.bytes``), not C."""
        return isinstance(self.body.block.first_op, BytesOp)


@irdl_op_definition
class IncludeOp(IRDLOperation):
    """``c.include "x.h"`` prints ``#include "x.h"``; ``c.include <"stdint.h">`` prints
    ``#include <stdint.h>``."""

    name = "c.include"

    header = prop_def(StringAttr)
    system = opt_prop_def(UnitAttr)

    def __init__(self, header: str, system: bool = False):
        super().__init__(
            properties={"header": StringAttr(header), "system": UnitAttr() if system else None}
        )

    def verify_(self) -> None:
        if not re.fullmatch(r"[A-Za-z0-9_./\-]+", self.header.data):
            raise VerifyException(f"c.include: bad header name '{self.header.data}'")

    @classmethod
    def parse(cls, parser: Parser) -> IncludeOp:
        system = parser.parse_optional_punctuation("<") is not None
        header = parser.parse_str_literal()
        if system:
            parser.parse_punctuation(">")
        op = cls(header, system)
        attrs = parser.parse_optional_attr_dict()
        op.attributes |= attrs
        return op

    def print(self, printer: Printer) -> None:
        printer.print_string(" ")
        if self.system is not None:
            printer.print_string("<")
        printer.print_string_literal(self.header.data)
        if self.system is not None:
            printer.print_string(">")
        printer.print_op_attributes(self.attributes)


@irdl_op_definition
class DefineOp(IRDLOperation):
    """A macro: ``c.define "STAI_NETWORK_IN_NUM" 1`` prints ``#define STAI_NETWORK_IN_NUM 1``;
    a string value is printed verbatim: ``c.define "X" "(1u << 4)"``."""

    name = "c.define"

    macro = prop_def(StringAttr)
    value = prop_def(IntAttr | StringAttr)
    """An integer, or verbatim C; ``value.data`` is the Python value either way."""

    def __init__(self, macro: str, value: int | str):
        attr: Attribute = IntAttr(value) if isinstance(value, int) else StringAttr(value)
        super().__init__(properties={"macro": StringAttr(macro), "value": attr})

    def verify_(self) -> None:
        _check_identifier(self, self.macro.data)
        if isinstance(self.value, StringAttr) and "\n" in self.value.data:
            raise VerifyException("c.define: the value must fit on one line")

    @classmethod
    def parse(cls, parser: Parser) -> DefineOp:
        macro = parser.parse_str_literal()
        number = parser.parse_optional_integer(allow_negative=True)
        value: int | str = number if number is not None else parser.parse_str_literal()
        op = cls(macro, value)
        op.attributes |= parser.parse_optional_attr_dict()
        return op

    def print(self, printer: Printer) -> None:
        printer.print_string(" ")
        printer.print_string_literal(self.macro.data)
        printer.print_string(" ")
        if isinstance(self.value, IntAttr):
            printer.print_string(str(self.value.data))
        else:
            printer.print_string_literal(self.value.data)
        printer.print_op_attributes(self.attributes)


@irdl_op_definition
class CommentOp(IRDLOperation):
    """``c.comment "conv2d 'name'"`` prints ``/* conv2d 'name' */`` (at file level, or as a
    statement). A text of several lines (``"a\\0Ab"``) prints one comment whose next lines
    are indented under the first line's text::

        /* a
           b */
    """

    name = "c.comment"

    text = prop_def(StringAttr)
    assembly_format = "$text attr-dict"

    def __init__(self, text: str):
        super().__init__(properties={"text": StringAttr(text)})

    def verify_(self) -> None:
        if "*/" in self.text.data or "\r" in self.text.data:
            raise VerifyException("c.comment: the text must not hold '*/' or a carriage return")


@irdl_op_definition
class ErrorUnlessOp(IRDLOperation):
    """A compile-time check at file level: ``c.error_unless "defined(__ARM_FP)" "needs an
    FPU"`` prints::

        #if !(defined(__ARM_FP))
        #error "needs an FPU"
        #endif

    ``condition`` is a preprocessor expression, verbatim; ``message`` the error's text (one
    line, without ``"`` or ``\\``)."""

    name = "c.error_unless"

    condition = prop_def(StringAttr)
    message = prop_def(StringAttr)
    assembly_format = "$condition $message attr-dict"

    def __init__(self, condition: str, message: str):
        super().__init__(
            properties={"condition": StringAttr(condition), "message": StringAttr(message)}
        )

    def verify_(self) -> None:
        condition = self.condition.data
        if not condition.strip() or "\n" in condition or "\\" in condition:
            raise VerifyException("c.error_unless: the condition must be one non-empty line")
        if any(ch in self.message.data for ch in '"\\\n'):
            raise VerifyException(
                "c.error_unless: the message must be one line without a double quote or a backslash"
            )


@irdl_op_definition
class BytesOp(IRDLOperation):
    """The contents of a binary file: ``c.file "network_weights.bin" { c.bytes dense<[1, 2]>
    : tensor<2xui8> }`` is written as those bytes. It is the only op of its ``c.file``,
    which has no guard; the C printer prints no such file (``stai.emitc.folder`` writes
    it)."""

    name = "c.bytes"

    value = prop_def(DenseIntOrFPElementsAttr)
    assembly_format = "$value attr-dict"

    def __init__(self, data: bytes | DenseIntOrFPElementsAttr):
        if isinstance(data, bytes):
            u8 = IntegerType(8, Signedness.UNSIGNED)
            data = DenseIntOrFPElementsAttr(TensorType(u8, [len(data)]), BytesAttr(data))
        super().__init__(properties={"value": data})

    @property
    def data(self) -> bytes:
        """The bytes (a splat expanded)."""
        count = math.prod(self.value.get_shape())
        raw = self.value.data.data
        return raw * count if len(raw) == 1 and count != 1 else bytes(raw)

    def verify_(self) -> None:
        element = self.value.get_element_type()
        if str(element) not in ("i8", "ui8") or len(self.value.get_shape()) != 1:
            raise VerifyException("c.bytes: the value must be a 1-D tensor of i8 or ui8")
        if math.prod(self.value.get_shape()) <= 0:
            raise VerifyException("c.bytes: a binary file holds at least one byte")
        parent = self.parent_op()
        if parent is not None and not isinstance(parent, FileOp):
            raise VerifyException("c.bytes: it must be the contents of a c.file")


_ARRAY_ELEMENTS = ("i1", "i8", "ui8", "i16", "i32", "i64", "f32", "f64")


@irdl_op_definition
class ArrayOp(IRDLOperation):
    """A global array, flattened to one dimension. With a value it is a definition::

        c.array @w : tensor<2x2xi8> {const, alignment = 16} = dense<[[1, -2], [3, 4]]> : tensor<2x2xi8>

    prints ``const int8_t w[4] __attribute__((aligned(16))) = {1, -2, 3, 4};``.
    Without a value it is the ``extern`` declaration a header holds::

        c.array @w : tensor<2x2xi8> {const}

    prints ``extern const int8_t w[4];``. ``zeroed`` makes it a definition without an
    initialiser, a zero-filled buffer (``.bss``)::

        c.array @buf : tensor<32xui8> {static, zeroed, alignment = 16}

    prints ``static uint8_t buf[32] __attribute__((aligned(16)));``. ``static`` gives
    internal linkage (a definition only); ``section`` places it in a linker section.
    """

    name = "c.array"

    sym_name = prop_def(SymbolNameConstraint())
    type = prop_def(TensorType | MemRefType)
    """The array's shape and element type (it is printed flat)."""
    value = opt_prop_def(DenseIntOrFPElementsAttr)
    is_const = opt_prop_def(UnitAttr, prop_name="const")
    is_static = opt_prop_def(UnitAttr, prop_name="static")
    zeroed = opt_prop_def(UnitAttr)
    """A zero-filled definition without an initialiser (no value, not const)."""
    alignment = opt_prop_def(IntegerAttr)
    section = opt_prop_def(StringAttr)

    traits = traits_def(SymbolOpInterface())
    irdl_options = (ParsePropInAttrDict(),)
    assembly_format = "$sym_name `:` $type attr-dict (`=` $value^)?"

    def __init__(
        self,
        name: str,
        type: TensorType | MemRefType,
        value: DenseIntOrFPElementsAttr | None = None,
        *,
        const: bool = True,
        static: bool = False,
        alignment: int | None = None,
        section: str | None = None,
        zeroed: bool = False,
    ):
        super().__init__(
            properties={
                "sym_name": StringAttr(name),
                "type": type,
                "value": value,
                "const": UnitAttr() if const else None,
                "static": UnitAttr() if static else None,
                "zeroed": UnitAttr() if zeroed else None,
                "alignment": None if alignment is None else IntegerAttr(alignment, i64),
                "section": None if section is None else StringAttr(section),
            }
        )

    @property
    def size(self) -> int:
        """The number of elements."""
        return math.prod(self.type.get_shape())

    def verify_(self) -> None:
        _check_identifier(self, self.sym_name.data)
        element = self.type.element_type
        if str(element) not in _ARRAY_ELEMENTS:
            raise VerifyException(f"c.array: unsupported element type {element}")
        if self.size <= 0:
            raise VerifyException("c.array: an array holds at least one element")
        if self.value is not None and self.value.type != self.type:
            raise VerifyException(
                f"c.array: value of type {self.value.type} does not match {self.type}"
            )
        if self.zeroed is not None and (self.value is not None or self.is_const is not None):
            raise VerifyException("c.array: a zeroed array has no value and is not const")
        if self.value is None and self.is_static is not None and self.zeroed is None:
            raise VerifyException("c.array: a static array needs a value")
        if self.alignment is not None:
            a = self.alignment.value.data
            if a <= 0 or a & (a - 1):
                raise VerifyException("c.array: alignment must be a power of two")
        if self.section is not None and not re.fullmatch(r"[A-Za-z0-9_.]+", self.section.data):
            raise VerifyException(f"c.array: bad section name '{self.section.data}'")


@irdl_op_definition
class GlobalOp(IRDLOperation):
    """A global variable: ``c.global static @arena : !c.type<"uint8_t *"> = "NULL"`` prints
    ``static uint8_t *arena = NULL;``. The initialiser is an integer, a float or verbatim C."""

    name = "c.global"

    sym_name = prop_def(SymbolNameConstraint())
    type = prop_def(Attribute)
    init = opt_prop_def(IntegerAttr | FloatAttr | StringAttr)
    is_static = opt_prop_def(UnitAttr, prop_name="static")

    traits = traits_def(SymbolOpInterface())
    assembly_format = "(`static` $static^)? $sym_name `:` $type (`=` $init^)? attr-dict"

    def __init__(
        self, name: str, type: Attribute, init: Attribute | None = None, static: bool = True
    ):
        super().__init__(
            properties={
                "sym_name": StringAttr(name),
                "type": type,
                "init": init,
                "static": UnitAttr() if static else None,
            }
        )

    def verify_(self) -> None:
        _check_identifier(self, self.sym_name.data)
        _check_c_types(self, [self.type])


@irdl_op_definition
class IfDefinedOp(IRDLOperation):
    """Code compiled only when a macro is defined: ``c.if_defined "STAI_OBSERVER" { ... }``
    prints ``#if defined(STAI_OBSERVER)``, the body, and ``#endif``. At file level it holds
    file-level ops; inside a function, statements. Values defined inside are used only
    inside."""

    name = "c.if_defined"

    macro = prop_def(StringAttr)
    body = region_def("single_block")

    traits = traits_def(NoTerminator())
    assembly_format = "$macro attr-dict-with-keyword $body"

    def __init__(self, macro: str, ops: Sequence[Operation] = ()):
        super().__init__(properties={"macro": StringAttr(macro)}, regions=[Region(Block(ops))])

    def verify_(self) -> None:
        _check_identifier(self, self.macro.data)
        parent = self.parent_op()
        while isinstance(parent, IfDefinedOp):
            parent = parent.parent_op()
        if isinstance(parent, FileOp):
            for op in self.body.block.ops:
                if not isinstance(op, TopLevelOps):
                    raise VerifyException(f"c.if_defined: '{op.name}' cannot appear at file level")
        elif parent is not None:
            _enclosing_func(self)
        for op in self.body.block.ops:
            if isinstance(op, ReturnOp | SwitchReturnOp):
                raise VerifyException("c.if_defined: a function cannot end inside it")


TopLevelOps = (
    IncludeOp | DefineOp | CommentOp | ErrorUnlessOp | ArrayOp | GlobalOp | FuncOp | IfDefinedOp
)

C = Dialect(
    "c",
    [
        FileOp,
        IncludeOp,
        DefineOp,
        CommentOp,
        ErrorUnlessOp,
        BytesOp,
        ArrayOp,
        GlobalOp,
        FuncOp,
        LiteralOp,
        StructOp,
        AddrOp,
        OffsetPtrOp,
        GetGlobalOp,
        AssignGlobalOp,
        CastOp,
        BinaryOp,
        CallOp,
        ReturnOp,
        IfReturnOp,
        SwitchReturnOp,
        ScopeOp,
        IfDefinedOp,
        IfOp,
        IndexOp,
        LocalOp,
        AssignOp,
        ForOp,
    ],
    [CType, ArgRefAttr],
)
