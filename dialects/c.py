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
    I64,
    ArrayAttr,
    BytesAttr,
    DenseArrayBase,
    DenseIntOrFPElementsAttr,
    DictionaryAttr,
    Float32Type,
    Float64Type,
    FloatAttr,
    FunctionType,
    IndexType,
    IntAttr,
    IntegerAttr,
    IntegerType,
    MemRefType,
    Signedness,
    StringAttr,
    SymbolNameConstraint,
    SymbolRefAttr,
    TensorType,
    UnitAttr,
    f64,
    i64,
)
from xdsl.ir import (
    Attribute,
    Block,
    Dialect,
    Operation,
    ParametrizedAttribute,
    Region,
    SSAValue,
    TypeAttribute,
)
from xdsl.irdl import (
    AttrSizedOperandSegments,
    IRDLOperation,
    ParsePropInAttrDict,
    irdl_attr_definition,
    irdl_op_definition,
    operand_def,
    opt_operand_def,
    opt_prop_def,
    opt_result_def,
    prop_def,
    region_def,
    result_def,
    traits_def,
    var_operand_def,
)
from xdsl.parser import Parser, UnresolvedOperand
from xdsl.printer import Printer
from xdsl.traits import (
    IsolatedFromAbove,
    IsTerminator,
    NoTerminator,
    Pure,
    SymbolOpInterface,
    SymbolTable,
)
from xdsl.utils.exceptions import VerifyException

# ----------------------------------------------------------------------------- types


@irdl_attr_definition
class CType(ParametrizedAttribute, TypeAttribute):
    """An opaque C type, spelled as in C: ``!c.type<"const cmsis_nn_dims *">``."""

    name = "c.type"

    spelling: StringAttr

    def __init__(self, spelling: str | StringAttr):
        if isinstance(spelling, str):
            spelling = StringAttr(spelling)
        super().__init__(spelling)

    def verify(self) -> None:
        text = self.spelling.data
        if not text.strip() or text != text.strip():
            raise VerifyException(f"c.type: bad C type spelling '{text}'")
        if not re.fullmatch(r"[A-Za-z0-9_ *]+", text):
            raise VerifyException(f"c.type: bad C type spelling '{text}'")


@irdl_attr_definition
class ArgRefAttr(ParametrizedAttribute):
    """In a ``c.struct`` initialiser, the struct's operand number ``index``: ``#c.arg<0>``."""

    name = "c.arg"

    index: IntAttr

    def __init__(self, index: int):
        super().__init__(IntAttr(index))


_INT_NAMES = {8: "int8_t", 16: "int16_t", 32: "int32_t", 64: "int64_t"}


def c_type_name(t: Attribute) -> str:
    """The C spelling of a type of the ``c`` dialect (opaque or builtin)."""
    if isinstance(t, CType):
        return t.spelling.data
    if isinstance(t, IntegerType):
        width = t.width.data
        if width == 1:
            return "bool"
        if width in _INT_NAMES:
            unsigned = t.signedness.data == Signedness.UNSIGNED
            return ("u" if unsigned else "") + _INT_NAMES[width]
    if isinstance(t, IndexType):
        return "size_t"
    if isinstance(t, Float32Type):
        return "float"
    if isinstance(t, Float64Type):
        return "double"
    raise VerifyException(f"type {t} has no C spelling")


def is_c_type(t: Attribute) -> bool:
    """Whether ``t`` can be spelled in C."""
    try:
        c_type_name(t)
    except VerifyException:
        return False
    return True


def _check_c_types(op: Operation, types: Sequence[Attribute]) -> None:
    for t in types:
        if not is_c_type(t):
            raise VerifyException(f"{op.name}: type {t} has no C spelling")


_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _check_identifier(op: Operation, name: str) -> None:
    if not _IDENTIFIER.fullmatch(name):
        raise VerifyException(f"{op.name}: '{name}' is not a C identifier")


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
    assembly_format = "$path (`guard` $guard^)? (`extern_c` $extern_c^)? attr-dict-with-keyword $body"

    def __init__(self, path: str, ops: Sequence[Operation] = (), guard: str | None = None,
                 extern_c: bool = False):
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
            raise VerifyException("c.error_unless: the message must be one line without a "
                                  "double quote or a backslash")


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


_ARRAY_ELEMENTS = ("i8", "ui8", "i16", "i32", "i64", "f32", "f64")


@irdl_op_definition
class ArrayOp(IRDLOperation):
    """A global array, flattened to one dimension. With a value it is a definition::

        c.array @w : tensor<2x2xi8> {const, alignment = 16} = dense<[[1, -2], [3, 4]]> : tensor<2x2xi8>

    prints ``const int8_t w[4] __attribute__((aligned(16))) = {1, -2, 3, 4};``.
    Without a value it is the ``extern`` declaration a header holds::

        c.array @w : tensor<2x2xi8> {const}

    prints ``extern const int8_t w[4];``. ``static`` gives internal linkage (a definition
    only); ``section`` places it in a linker section.
    """

    name = "c.array"

    sym_name = prop_def(SymbolNameConstraint())
    type = prop_def(TensorType | MemRefType)
    """The array's shape and element type (it is printed flat)."""
    value = opt_prop_def(DenseIntOrFPElementsAttr)
    is_const = opt_prop_def(UnitAttr, prop_name="const")
    is_static = opt_prop_def(UnitAttr, prop_name="static")
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
    ):
        super().__init__(
            properties={
                "sym_name": StringAttr(name),
                "type": type,
                "value": value,
                "const": UnitAttr() if const else None,
                "static": UnitAttr() if static else None,
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
        if self.value is None and self.is_static is not None:
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

    def __init__(self, name: str, type: Attribute, init: Attribute | None = None,
                 static: bool = True):
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
class FuncOp(IRDLOperation):
    """A C function. With a body it is a definition; the names of the block arguments are
    the parameter names::

        c.func @stai_network_init(%activations : !c.type<"void *">) -> !c.type<"int"> {
          ...
        }

    Without a body it is a declaration (a prototype); ``arg_names`` names its parameters::

        c.func @stai_network_init(!c.type<"void *">) -> !c.type<"int"> attributes {arg_names = ["activations"]}

    prints ``int stai_network_init(void *activations);``. ``static`` gives internal linkage.
    """

    name = "c.func"

    sym_name = prop_def(SymbolNameConstraint())
    function_type = prop_def(FunctionType)
    arg_names = opt_prop_def(ArrayAttr[StringAttr])
    is_static = opt_prop_def(UnitAttr, prop_name="static")
    body = region_def()

    traits = traits_def(IsolatedFromAbove(), SymbolOpInterface(), NoTerminator())

    def __init__(
        self,
        name: str,
        inputs: Sequence[Attribute],
        output: Attribute | None,
        body: Region | None = None,
        *,
        arg_names: Sequence[str] | None = None,
        static: bool = False,
    ):
        super().__init__(
            properties={
                "sym_name": StringAttr(name),
                "function_type": FunctionType.from_lists(
                    list(inputs), [] if output is None else [output]
                ),
                "arg_names": None
                if arg_names is None
                else ArrayAttr([StringAttr(n) for n in arg_names]),
                "static": UnitAttr() if static else None,
            },
            regions=[Region() if body is None else body],
        )

    @property
    def is_declaration(self) -> bool:
        return not self.body.blocks

    @property
    def output(self) -> Attribute | None:
        outputs = self.function_type.outputs.data
        return outputs[0] if outputs else None

    def verify_(self) -> None:
        _check_identifier(self, self.sym_name.data)
        inputs = self.function_type.inputs.data
        outputs = self.function_type.outputs.data
        _check_c_types(self, [*inputs, *outputs])
        if len(outputs) > 1:
            raise VerifyException("c.func: a C function returns at most one value")
        if self.arg_names is not None:
            if len(self.arg_names.data) != len(inputs):
                raise VerifyException("c.func: one name per parameter expected in 'arg_names'")
            for n in self.arg_names.data:
                _check_identifier(self, n.data)
        if self.is_declaration:
            return
        if len(self.body.blocks) != 1:
            raise VerifyException("c.func: the body is one block")
        block = self.body.block
        if tuple(block.arg_types) != inputs:
            raise VerifyException("c.func: the block arguments must match the parameter types")
        if outputs and not isinstance(block.last_op, ReturnOp | SwitchReturnOp):
            raise VerifyException("c.func: a function with a result must end with a return")

    @classmethod
    def parse(cls, parser: Parser) -> FuncOp:
        from xdsl.dialects.utils import parse_func_op_like

        static = parser.parse_optional_keyword("static") is not None
        name, inputs, outputs, region, extra, _, _ = parse_func_op_like(
            parser, reserved_attr_names=("sym_name", "function_type", "static")
        )
        attrs = dict(extra.data) if extra is not None else {}
        names = attrs.pop("arg_names", None)
        arg_names = None
        if names is not None:
            if not isinstance(names, ArrayAttr):
                parser.raise_error("c.func: 'arg_names' must be an array of strings")
            arg_names = [n.data for n in names.data if isinstance(n, StringAttr)]
        if len(outputs) > 1:
            parser.raise_error("c.func: a C function returns at most one value")
        op = cls(
            name,
            inputs,
            outputs[0] if outputs else None,
            region if region.blocks else None,
            arg_names=arg_names,
            static=static,
        )
        op.attributes |= attrs
        return op

    def print(self, printer: Printer) -> None:
        from xdsl.dialects.utils import print_func_op_like

        if self.is_static is not None:
            printer.print_string(" static")
        attributes = dict(self.attributes)
        if self.arg_names is not None:
            attributes["arg_names"] = self.arg_names
        print_func_op_like(
            printer,
            self.sym_name,
            self.function_type,
            self.body,
            attributes,
            reserved_attr_names=("sym_name", "function_type", "static"),
            print_empty_outputs=False,
        )


# ------------------------------------------------------------------------ statements


def _parse_literal_value(parser: Parser) -> Attribute:
    """A literal: a bare integer (kept as i64), a float (``1.5``, kept as f64), or a
    string of verbatim C."""
    number = parser.parse_optional_number()
    if number is not None:
        if isinstance(number, int):
            return IntegerAttr(number, i64)
        return FloatAttr(number, f64)
    return StringAttr(parser.parse_str_literal())


def _print_literal_value(printer: Printer, value: Attribute) -> None:
    if isinstance(value, IntegerAttr):
        printer.print_string(str(value.value.data))
    elif isinstance(value, FloatAttr):
        printer.print_string(repr(float(value.value.data)))
    else:
        assert isinstance(value, StringAttr)
        printer.print_string_literal(value.data)


def _check_literal_value(op: Operation, value: Attribute) -> None:
    if isinstance(value, FloatAttr) and not math.isfinite(value.value.data):
        raise VerifyException(f"{op.name}: non-finite floats are written as C, e.g. \"INFINITY\"")
    if isinstance(value, StringAttr) and ("\n" in value.data or not value.data.strip()):
        raise VerifyException(f"{op.name}: verbatim C must be one non-empty line")


@irdl_op_definition
class LiteralOp(IRDLOperation):
    """A constant expression: ``%0 = c.literal 3 : !c.type<"int">`` prints ``3``;
    ``c.literal 0.5 : f32`` prints ``0.5f``; ``c.literal "NULL" : !c.type<"void *">``
    prints ``NULL``. Printed where it is used."""

    name = "c.literal"

    value = prop_def(IntegerAttr | FloatAttr | StringAttr)
    result = result_def()

    traits = traits_def(Pure())

    def __init__(self, value: int | float | str, type: Attribute):
        if isinstance(value, bool):
            value = int(value)
        if isinstance(value, int):
            attr: Attribute = IntegerAttr(value, i64)
        elif isinstance(value, float):
            attr = FloatAttr(value, f64)
        else:
            attr = StringAttr(value)
        super().__init__(properties={"value": attr}, result_types=[type])

    def verify_(self) -> None:
        _check_c_types(self, [self.result.type])
        _check_literal_value(self, self.value)

    @classmethod
    def parse(cls, parser: Parser) -> LiteralOp:
        value = _parse_literal_value(parser)
        attrs = parser.parse_optional_attr_dict()
        parser.parse_punctuation(":")
        type = parser.parse_type()
        op = cls.create(properties={"value": value}, result_types=[type])
        op.attributes |= attrs
        return op

    def print(self, printer: Printer) -> None:
        printer.print_string(" ")
        _print_literal_value(printer, self.value)
        printer.print_op_attributes(self.attributes)
        printer.print_string(" : ")
        printer.print_attribute(self.result.type)


StructValue = IntegerAttr | FloatAttr | StringAttr | ArgRefAttr | DictionaryAttr


@irdl_op_definition
class StructOp(IRDLOperation):
    """A named local constant of a struct type, initialised field by field. A field's value
    is a literal, an SSA value, or a nested initialiser::

        %p = c.struct {input_offset = 128, stride = {w = 1, h = 1}, buf = %s}
             : (!c.type<"void *">) -> !c.type<"cmsis_nn_conv_params">

    prints ``const cmsis_nn_conv_params p = {.input_offset = 128, .stride = {.w = 1,
    .h = 1}, .buf = s};`` (``static const`` with ``static``, when every value is constant).
    The SSA values are the op's operands; in the ``init`` property they are ``#c.arg<N>``.
    """

    name = "c.struct"

    args = var_operand_def()
    init = prop_def(DictionaryAttr)
    is_static = opt_prop_def(UnitAttr, prop_name="static")
    result = result_def()

    traits = traits_def(Pure())

    def __init__(self, init: dict[str, object], type: Attribute, static: bool = False):
        args: list[SSAValue] = []
        init_attr = _struct_init(init, args)
        super().__init__(
            operands=[args],
            properties={"init": init_attr, "static": UnitAttr() if static else None},
            result_types=[type],
        )

    def verify_(self) -> None:
        _check_c_types(self, [self.result.type])
        used: set[int] = set()
        self._verify_init(self.init, used)
        if used != set(range(len(self.args))):
            raise VerifyException("c.struct: every operand is used once in the initialiser")
        if self.is_static is not None and self.args:
            for arg in self.args:
                if not is_constant_expression(arg):
                    raise VerifyException(
                        "c.struct: a static struct can only hold constant expressions"
                    )

    def _verify_init(self, init: DictionaryAttr, used: set[int]) -> None:
        if not init.data:
            raise VerifyException("c.struct: an initialiser holds at least one field")
        for key, value in init.data.items():
            _check_identifier(self, key)
            if isinstance(value, DictionaryAttr):
                self._verify_init(value, used)
            elif isinstance(value, ArgRefAttr):
                index = value.index.data
                if not 0 <= index < len(self.args) or index in used:
                    raise VerifyException(f"c.struct: bad operand reference #c.arg<{index}>")
                used.add(index)
            elif isinstance(value, IntegerAttr | FloatAttr | StringAttr):
                _check_literal_value(self, value)
            else:
                raise VerifyException(f"c.struct: bad field value {value}")

    @classmethod
    def parse(cls, parser: Parser) -> StructOp:
        static = parser.parse_optional_keyword("static") is not None
        unresolved: list[UnresolvedOperand] = []
        init = _parse_struct_init(parser, unresolved)
        attrs = parser.parse_optional_attr_dict()
        parser.parse_punctuation(":")
        if unresolved:
            pos = parser.pos
            ftype = parser.parse_function_type()
            if len(ftype.outputs.data) != 1:
                parser.raise_error("c.struct: one result type expected", pos)
            args = parser.resolve_operands(unresolved, ftype.inputs.data, pos)
            type = ftype.outputs.data[0]
        else:
            args, type = [], parser.parse_type()
        op = cls.create(
            operands=args,
            properties={"init": init} | ({"static": UnitAttr()} if static else {}),
            result_types=[type],
        )
        op.attributes |= attrs
        return op

    def print(self, printer: Printer) -> None:
        if self.is_static is not None:
            printer.print_string(" static")
        printer.print_string(" ")
        _print_struct_init(printer, self.init, self.args)
        printer.print_op_attributes(self.attributes)
        printer.print_string(" : ")
        if self.args:
            printer.print_function_type([a.type for a in self.args], [self.result.type])
        else:
            printer.print_attribute(self.result.type)


def _struct_init(init: dict[str, object], args: list[SSAValue]) -> DictionaryAttr:
    """Build an ``init`` dictionary from Python values, moving SSA values to ``args``."""
    out: dict[str, Attribute] = {}
    for key, value in init.items():
        if isinstance(value, dict):
            out[key] = _struct_init(value, args)  # type: ignore[arg-type]
        elif isinstance(value, SSAValue):
            out[key] = ArgRefAttr(len(args))
            args.append(value)
        elif isinstance(value, Operation):
            out[key] = ArgRefAttr(len(args))
            args.append(value.results[0])
        elif isinstance(value, bool | int):
            out[key] = IntegerAttr(int(value), i64)
        elif isinstance(value, float):
            out[key] = FloatAttr(value, f64)
        elif isinstance(value, str):
            out[key] = StringAttr(value)
        elif isinstance(value, Attribute):
            out[key] = value
        else:
            raise TypeError(f"c.struct: cannot initialise a field with {value!r}")
    return DictionaryAttr(out)


def _parse_struct_init(parser: Parser, args: list[UnresolvedOperand]) -> DictionaryAttr:
    parser.parse_punctuation("{")
    return _parse_struct_fields_after_brace(parser, args)


def _parse_struct_fields_after_brace(
    parser: Parser, args: list[UnresolvedOperand]
) -> DictionaryAttr:
    """A nested initialiser whose ``{`` was already read."""
    fields: dict[str, Attribute] = {}
    while True:
        nested = _parse_one_field(parser, args)
        fields[nested[0]] = nested[1]
        if parser.parse_optional_punctuation(",") is None:
            break
    parser.parse_punctuation("}")
    return DictionaryAttr(fields)


def _parse_one_field(parser: Parser, args: list[UnresolvedOperand]) -> tuple[str, Attribute]:
    key = parser.parse_identifier_or_str_literal()
    parser.parse_punctuation("=")
    if parser.parse_optional_punctuation("{") is not None:
        return key, _parse_struct_fields_after_brace(parser, args)
    operand = parser.parse_optional_unresolved_operand()
    if operand is not None:
        args.append(operand)
        return key, ArgRefAttr(len(args) - 1)
    number = parser.parse_optional_number()
    if number is not None:
        if isinstance(number, int):
            return key, IntegerAttr(number, i64)
        ftype: Attribute = f64
        if parser.parse_optional_punctuation(":") is not None:
            ftype = parser.parse_type()
            if not isinstance(ftype, Float32Type | Float64Type):
                parser.raise_error("c.struct: a float field is f32 or f64")
        return key, FloatAttr(number, ftype)  # type: ignore[arg-type]
    return key, StringAttr(parser.parse_str_literal())


def _print_struct_init(printer: Printer, init: DictionaryAttr, args: Sequence[SSAValue]) -> None:
    printer.print_string("{")
    for i, (key, value) in enumerate(init.data.items()):
        if i:
            printer.print_string(", ")
        printer.print_identifier_or_string_literal(key)
        printer.print_string(" = ")
        if isinstance(value, DictionaryAttr):
            _print_struct_init(printer, value, args)
        elif isinstance(value, ArgRefAttr):
            printer.print_operand(args[value.index.data])
        elif isinstance(value, FloatAttr):
            printer.print_string(repr(float(value.value.data)))
            if isinstance(value.type, Float32Type):
                printer.print_string(" : f32")
        else:
            _print_literal_value(printer, value)
    printer.print_string("}")


@irdl_op_definition
class AddrOp(IRDLOperation):
    """``%p = c.addr %s : !c.type<"T"> -> !c.type<"const T *">`` prints ``&s``. The operand
    is a named object: a ``c.struct``, a ``c.get_global`` or a variable."""

    name = "c.addr"

    operand = operand_def()
    result = result_def()

    traits = traits_def(Pure())
    assembly_format = "$operand attr-dict `:` type($operand) `->` type($result)"

    def __init__(self, operand: SSAValue | Operation, type: Attribute):
        super().__init__(operands=[operand], result_types=[type])

    def verify_(self) -> None:
        _check_c_types(self, [self.operand.type, self.result.type])
        owner = self.operand.owner
        if not isinstance(owner, StructOp | GetGlobalOp | CallOp):
            raise VerifyException("c.addr: the operand must be a named object")
        if not c_type_name(self.result.type).endswith("*"):
            raise VerifyException("c.addr: the result must be a pointer type")


@irdl_op_definition
class OffsetPtrOp(IRDLOperation):
    """A typed pointer ``offset`` bytes past a byte pointer:
    ``%p = c.offset_ptr %arena[64] : !c.type<"uint8_t *"> -> !c.type<"int8_t *">`` prints
    ``(int8_t *)(arena + 64)``."""

    name = "c.offset_ptr"

    base = operand_def()
    offset = prop_def(IntegerAttr[I64])
    result = result_def()

    traits = traits_def(Pure())
    assembly_format = "$base `[` $offset `]` attr-dict `:` type($base) `->` type($result)"

    def __init__(self, base: SSAValue | Operation, offset: int, type: Attribute):
        super().__init__(
            operands=[base], properties={"offset": IntegerAttr(offset, i64)}, result_types=[type]
        )

    def verify_(self) -> None:
        _check_c_types(self, [self.base.type, self.result.type])
        base = c_type_name(self.base.type)
        if base.replace(" ", "").removeprefix("const") not in (
            "uint8_t*", "int8_t*", "char*", "unsignedchar*"
        ):
            raise VerifyException("c.offset_ptr: the base must be a byte pointer")
        if not c_type_name(self.result.type).endswith("*"):
            raise VerifyException("c.offset_ptr: the result must be a pointer type")
        if self.offset.value.data < 0:
            raise VerifyException("c.offset_ptr: the offset must not be negative")


@irdl_op_definition
class GetGlobalOp(IRDLOperation):
    """The value of a global: ``%a = c.get_global @arena : !c.type<"uint8_t *">`` prints
    ``arena``. With ``array`` the global is an array, whose value (its address) is a
    constant expression: ``c.get_global array @w : !c.type<"const int8_t *">``. The global
    may be declared in an included header, so the name is not looked up."""

    name = "c.get_global"

    global_name = prop_def(SymbolRefAttr, prop_name="name")
    is_array = opt_prop_def(UnitAttr, prop_name="array")
    result = result_def()

    traits = traits_def(Pure())
    assembly_format = "(`array` $array^)? $name attr-dict `:` type($result)"

    def __init__(self, name: str, type: Attribute, array: bool = False):
        super().__init__(
            properties={"name": SymbolRefAttr(name), "array": UnitAttr() if array else None},
            result_types=[type],
        )

    def verify_(self) -> None:
        _check_c_types(self, [self.result.type])
        if self.global_name.nested_references.data:
            raise VerifyException("c.get_global: a C name is not nested")
        _check_identifier(self, self.global_name.root_reference.data)


@irdl_op_definition
class AssignGlobalOp(IRDLOperation):
    """``c.assign_global @arena = %v : !c.type<"uint8_t *">`` prints ``arena = v;``."""

    name = "c.assign_global"

    global_name = prop_def(SymbolRefAttr, prop_name="name")
    value = operand_def()

    assembly_format = "$name `=` $value attr-dict `:` type($value)"

    def __init__(self, name: str, value: SSAValue | Operation):
        super().__init__(operands=[value], properties={"name": SymbolRefAttr(name)})

    def verify_(self) -> None:
        _check_c_types(self, [self.value.type])
        _check_identifier(self, self.global_name.root_reference.data)


@irdl_op_definition
class CastOp(IRDLOperation):
    """``%r = c.cast %x : !c.type<"void *"> -> !c.type<"uintptr_t">`` prints
    ``(uintptr_t)x``."""

    name = "c.cast"

    operand = operand_def()
    result = result_def()

    traits = traits_def(Pure())
    assembly_format = "$operand attr-dict `:` type($operand) `->` type($result)"

    def __init__(self, operand: SSAValue | Operation, type: Attribute):
        super().__init__(operands=[operand], result_types=[type])

    def verify_(self) -> None:
        _check_c_types(self, [self.operand.type, self.result.type])


BINARY_OPERATORS = ("+", "-", "*", "/", "%", "&", "|", "^", "<<", ">>", "==", "!=", "<",
                    "<=", ">", ">=", "&&", "||")


@irdl_op_definition
class BinaryOp(IRDLOperation):
    """``%r = c.binary "==" %a, %b : (!c.type<"void *">, !c.type<"void *">) -> !c.type<"int">``
    prints ``(a == b)``."""

    name = "c.binary"

    operator = prop_def(StringAttr)
    lhs = operand_def()
    rhs = operand_def()
    result = result_def()

    traits = traits_def(Pure())
    assembly_format = "$operator $lhs `,` $rhs attr-dict `:` `(` type($lhs) `,` type($rhs) `)` `->` type($result)"

    def __init__(self, operator: str, lhs: SSAValue | Operation, rhs: SSAValue | Operation,
                 type: Attribute):
        super().__init__(
            operands=[lhs, rhs], properties={"operator": StringAttr(operator)}, result_types=[type]
        )

    def verify_(self) -> None:
        _check_c_types(self, [self.lhs.type, self.rhs.type, self.result.type])
        if self.operator.data not in BINARY_OPERATORS:
            raise VerifyException(f"c.binary: unknown operator '{self.operator.data}'")


@irdl_op_definition
class CallOp(IRDLOperation):
    """A call of a C function by name (declared in an included header)::

        c.call "f"(%a, %b) : (!c.type<"int">, i32) -> ()

    prints ``f(a, b);``. With ``ok`` and ``error_return`` the result is checked::

        c.call "g"(%a) {ok = "ARM_CMSIS_NN_SUCCESS", error_return = 3} : (i32) -> ()

    prints ``if (g(a) != ARM_CMSIS_NN_SUCCESS) { return 3; }``. An op result becomes a
    local variable.
    """

    name = "c.call"

    callee = prop_def(StringAttr)
    args = var_operand_def()
    ok = opt_prop_def(IntegerAttr | StringAttr)
    error_return = opt_prop_def(IntegerAttr | StringAttr)
    result = opt_result_def()

    irdl_options = (ParsePropInAttrDict(),)
    assembly_format = "$callee `(` $args `)` attr-dict `:` functional-type($args, $result)"

    def __init__(
        self,
        callee: str,
        args: Sequence[SSAValue | Operation],
        result_type: Attribute | None = None,
        *,
        ok: int | str | None = None,
        error_return: int | str | None = None,
    ):
        def attr(v: int | str | None) -> Attribute | None:
            if v is None:
                return None
            return IntegerAttr(v, i64) if isinstance(v, int) else StringAttr(v)

        super().__init__(
            operands=[list(args)],
            properties={"callee": StringAttr(callee), "ok": attr(ok), "error_return": attr(error_return)},
            result_types=[[] if result_type is None else [result_type]],
        )

    def verify_(self) -> None:
        _check_identifier(self, self.callee.data)
        _check_c_types(self, [a.type for a in self.args])
        if self.result is not None:
            _check_c_types(self, [self.result.type])
        if (self.ok is None) != (self.error_return is None):
            raise VerifyException("c.call: 'ok' and 'error_return' go together")
        if self.ok is not None and self.result is not None:
            raise VerifyException("c.call: a checked call has no result")
        if self.ok is not None and _enclosing_func(self).output is None:
            raise VerifyException("c.call: a checked call returns a value from its function")
        for v in (self.ok, self.error_return):
            if v is not None:
                _check_literal_value(self, v)


@irdl_op_definition
class ReturnOp(IRDLOperation):
    """``c.return %v : !c.type<"int">`` prints ``return v;``; ``c.return`` prints
    ``return;``."""

    name = "c.return"

    value = opt_operand_def()

    traits = traits_def(IsTerminator())
    assembly_format = "($value^ `:` type($value))? attr-dict"

    def __init__(self, value: SSAValue | Operation | None = None):
        super().__init__(operands=[[] if value is None else [value]])

    def verify_(self) -> None:
        func = _enclosing_func(self)
        _check_return_type(self, func, None if self.value is None else self.value.type)


def _check_return_type(op: Operation, func: FuncOp, type: Attribute | None) -> None:
    if func.output != type:
        raise VerifyException(
            f"{op.name}: returns {type or 'nothing'} from a function returning "
            f"{func.output or 'nothing'}"
        )


def _enclosing_func(op: Operation) -> FuncOp:
    parent = op.parent_op()
    while parent is not None and not isinstance(parent, FuncOp):
        parent = parent.parent_op()
    if parent is None:
        raise VerifyException(f"{op.name}: expected inside a c.func")
    return parent


@irdl_op_definition
class IfReturnOp(IRDLOperation):
    """``c.if_return %cond, %v : !c.type<"int">, !c.type<"int">`` prints
    ``if (cond) { return v; }`` (``return;`` without a value)."""

    name = "c.if_return"

    condition = operand_def()
    value = opt_operand_def()

    assembly_format = "$condition (`,` $value^)? attr-dict `:` type($condition) (`,` type($value)^)?"

    def __init__(self, condition: SSAValue | Operation, value: SSAValue | Operation | None = None):
        super().__init__(operands=[condition, [] if value is None else [value]])

    def verify_(self) -> None:
        _check_c_types(self, [self.condition.type])
        _check_return_type(self, _enclosing_func(self), None if self.value is None else self.value.type)


@irdl_op_definition
class SwitchReturnOp(IRDLOperation):
    """Returns one of ``values`` chosen by ``selector``, or ``default``::

        c.switch_return %i : !c.type<"int"> [0 : %a, 1 : %b] default %d : T

    prints::

        switch (i) {
        case 0:
            return a;
        case 1:
            return b;
        default:
            return d;
        }
    """

    name = "c.switch_return"

    selector = operand_def()
    values = var_operand_def()
    default = operand_def()
    cases = prop_def(DenseArrayBase)

    traits = traits_def(IsTerminator())
    irdl_options = (AttrSizedOperandSegments(as_property=True),)

    @classmethod
    def parse(cls, parser: Parser) -> SwitchReturnOp:
        selector = parser.parse_unresolved_operand()
        parser.parse_punctuation(":")
        selector_type = parser.parse_type()

        def parse_case() -> tuple[int, UnresolvedOperand]:
            case = parser.parse_integer(allow_negative=True)
            parser.parse_punctuation(":")
            return case, parser.parse_unresolved_operand()

        pairs = parser.parse_comma_separated_list(parser.Delimiter.SQUARE, parse_case)
        parser.parse_keyword("default")
        default = parser.parse_unresolved_operand()
        parser.parse_punctuation(":")
        type = parser.parse_type()
        op = cls(
            parser.resolve_operand(selector, selector_type),
            [case for case, _ in pairs],
            [parser.resolve_operand(v, type) for _, v in pairs],
            parser.resolve_operand(default, type),
        )
        op.attributes |= parser.parse_optional_attr_dict()
        return op

    def print(self, printer: Printer) -> None:
        printer.print_string(" ")
        printer.print_operand(self.selector)
        printer.print_string(" : ")
        printer.print_attribute(self.selector.type)
        printer.print_string(" [")
        for i, (case, value) in enumerate(zip(self.cases.get_values(), self.values)):
            if i:
                printer.print_string(", ")
            printer.print_string(f"{case} : ")
            printer.print_operand(value)
        printer.print_string("] default ")
        printer.print_operand(self.default)
        printer.print_string(" : ")
        printer.print_attribute(self.default.type)
        printer.print_op_attributes(self.attributes)

    def __init__(self, selector: SSAValue | Operation, cases: Sequence[int],
                 values: Sequence[SSAValue | Operation], default: SSAValue | Operation):
        super().__init__(
            operands=[selector, list(values), default],
            properties={"cases": DenseArrayBase.from_list(i64, list(cases))},
        )

    def verify_(self) -> None:
        cases = self.cases.get_values()
        if len(cases) != len(self.values):
            raise VerifyException("c.switch_return: one value per case expected")
        if len(set(cases)) != len(cases):
            raise VerifyException("c.switch_return: duplicate case")
        func = _enclosing_func(self)
        for v in (*self.values, self.default):
            _check_return_type(self, func, v.type)
        _check_c_types(self, [self.selector.type])


@irdl_op_definition
class ScopeOp(IRDLOperation):
    """A compound statement: ``c.scope { ... }`` prints ``{ ... }``. Names declared inside
    stay inside."""

    name = "c.scope"

    body = region_def("single_block")

    traits = traits_def(NoTerminator())
    assembly_format = "attr-dict-with-keyword $body"

    def __init__(self, ops: Sequence[Operation] = ()):
        super().__init__(regions=[Region(Block(ops))])

    def verify_(self) -> None:
        _enclosing_func(self)


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


@irdl_op_definition
class IfOp(IRDLOperation):
    """A conditional statement: ``c.if %cond : !c.type<"int"> { ... }`` prints
    ``if (cond) { ... }``. The body holds statements (it may end with ``c.return``)."""

    name = "c.if"

    condition = operand_def()
    body = region_def("single_block")

    traits = traits_def(NoTerminator())
    assembly_format = "$condition `:` type($condition) attr-dict-with-keyword $body"

    def __init__(self, condition: SSAValue | Operation, ops: Sequence[Operation] = ()):
        super().__init__(operands=[condition], regions=[Region(Block(ops))])

    def verify_(self) -> None:
        _check_c_types(self, [self.condition.type])
        _enclosing_func(self)


TopLevelOps = (IncludeOp | DefineOp | CommentOp | ErrorUnlessOp | ArrayOp | GlobalOp | FuncOp
               | IfDefinedOp)

EXPRESSION_OPS = (LiteralOp, GetGlobalOp, AddrOp, OffsetPtrOp, CastOp, BinaryOp)
"""Ops printed inline where their result is used."""


def is_constant_expression(value: SSAValue) -> bool:
    """Whether ``value`` is a C constant expression (an address constant at most)."""
    owner = value.owner
    if isinstance(owner, LiteralOp):
        return True
    if isinstance(owner, GetGlobalOp):
        return owner.is_array is not None
    if isinstance(owner, AddrOp):
        return isinstance(owner.operand.owner, GetGlobalOp) or (
            isinstance(owner.operand.owner, StructOp) and owner.operand.owner.is_static is not None
        )
    if isinstance(owner, CastOp):
        return is_constant_expression(owner.operand)
    if isinstance(owner, OffsetPtrOp):
        return is_constant_expression(owner.base)
    if isinstance(owner, BinaryOp):
        return is_constant_expression(owner.lhs) and is_constant_expression(owner.rhs)
    return False


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
    ],
    [CType, ArgRefAttr],
)
