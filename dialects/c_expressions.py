"""The expressions of the ``c`` dialect: ``c.literal``, ``c.struct``, ``c.addr``,
``c.offset_ptr``, ``c.get_global``, ``c.cast``, ``c.binary``, ``c.index``. Inside a ``c.func`` they are
printed inline where their result is used (a ``c.struct`` as a named local constant)."""

from __future__ import annotations

import math
from collections.abc import Sequence

from xdsl.dialects.builtin import (
    I64,
    DictionaryAttr,
    Float32Type,
    Float64Type,
    FloatAttr,
    IntegerAttr,
    StringAttr,
    SymbolRefAttr,
    UnitAttr,
    f64,
    i64,
)
from xdsl.ir import (
    Attribute,
    Operation,
    SSAValue,
)
from xdsl.irdl import (
    IRDLOperation,
    irdl_op_definition,
    operand_def,
    opt_prop_def,
    prop_def,
    result_def,
    traits_def,
    var_operand_def,
)
from xdsl.parser import Parser, UnresolvedOperand
from xdsl.printer import Printer
from xdsl.traits import (
    Pure,
)
from xdsl.utils.exceptions import VerifyException

from stai.dialects.c_types import ArgRefAttr, _check_c_types, _check_identifier, c_type_name

# ------------------------------------------------------------------------ expressions


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
        raise VerifyException(f'{op.name}: non-finite floats are written as C, e.g. "INFINITY"')
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
            out[key] = _struct_init(value, args)
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
        return key, FloatAttr(number, ftype)
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
        # a c.call's result is a named local too (c.call is a statement: by name)
        if not (
            isinstance(owner, StructOp | GetGlobalOp)
            or (isinstance(owner, Operation) and owner.name == "c.call")
        ):
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
            "uint8_t*",
            "int8_t*",
            "char*",
            "unsignedchar*",
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


BINARY_OPERATORS = (
    "+",
    "-",
    "*",
    "/",
    "%",
    "&",
    "|",
    "^",
    "<<",
    ">>",
    "==",
    "!=",
    "<",
    "<=",
    ">",
    ">=",
    "&&",
    "||",
)


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
    assembly_format = (
        "$operator $lhs `,` $rhs attr-dict `:` `(` type($lhs) `,` type($rhs) `)` `->` type($result)"
    )

    def __init__(
        self, operator: str, lhs: SSAValue | Operation, rhs: SSAValue | Operation, type: Attribute
    ):
        super().__init__(
            operands=[lhs, rhs], properties={"operator": StringAttr(operator)}, result_types=[type]
        )

    def verify_(self) -> None:
        _check_c_types(self, [self.lhs.type, self.rhs.type, self.result.type])
        if self.operator.data not in BINARY_OPERATORS:
            raise VerifyException(f"c.binary: unknown operator '{self.operator.data}'")


@irdl_op_definition
class IndexOp(IRDLOperation):
    """An element read through a pointer: ``%v = c.index %p[%i] : (!c.type<"const int32_t
    *">, !c.type<"int">) -> !c.type<"int32_t">`` prints ``p[i]`` (``(expr)[i]`` when the
    pointer is not a name). It reads memory, so it is not a constant expression."""

    name = "c.index"

    base = operand_def()
    index = operand_def()
    result = result_def()

    assembly_format = (
        "$base `[` $index `]` attr-dict `:` `(` type($base) `,` type($index) `)` `->` type($result)"
    )

    def __init__(self, base: SSAValue | Operation, index: SSAValue | Operation, type: Attribute):
        super().__init__(operands=[base, index], result_types=[type])

    def verify_(self) -> None:
        _check_c_types(self, [self.base.type, self.index.type, self.result.type])
        if not c_type_name(self.base.type).endswith("*"):
            raise VerifyException("c.index: the base must be a pointer")


EXPRESSION_OPS = (LiteralOp, GetGlobalOp, AddrOp, OffsetPtrOp, CastOp, BinaryOp, IndexOp)
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
