"""The C printer: prints the ``c`` dialect as C source files.

``CModulePrinter`` (the printer ``c``: xDSL's ``-t c``, what ``stai-translate`` runs) prints every ``c.file`` of a
module, each after a line ``// ----- file: NAME``; ``print_file`` gives one file's text.
Only ``c`` ops are printable: anything else is a hard error (lower it first).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import IO

import numpy as np
from xdsl.context import Context
from xdsl.dialects.builtin import (
    DenseIntOrFPElementsAttr,
    DictionaryAttr,
    Float32Type,
    FloatAttr,
    IntegerAttr,
    ModuleOp,
    StringAttr,
)
from xdsl.ir import Attribute, BlockArgument, Operation, SSAValue
from xdsl.utils.target import Target

from stai.dialects import c
from stai.errors import StaiError

LINE_WIDTH = 100
INDENT = "    "

_C_KEYWORDS = frozenset(
    "auto break case char const continue default do double else enum extern float for goto "
    "if inline int long register restrict return short signed sizeof static struct switch "
    "typedef union unsigned void volatile while _Bool _Complex _Imaginary bool".split()
)


class CPrintError(StaiError):
    """The module holds something the C printer cannot print."""


def declarator(type_name: str, name: str) -> str:
    """``int8_t *`` and ``x`` give ``int8_t *x``; ``int`` and ``x`` give ``int x``."""
    return f"{type_name}{name}" if type_name.endswith("*") else f"{type_name} {name}"


def int_literal(value: int) -> str:
    """A C integer constant; the most negative 32/64-bit values are written as an
    expression (their magnitude has no signed type)."""
    if value == -(1 << 31):
        return "(-2147483647 - 1)"
    if value == -(1 << 63):
        return "(-9223372036854775807LL - 1)"
    return str(value)


def float_literal(value: float, single: bool) -> str:
    """An exact C float constant: ``%.9g`` with an ``f`` suffix for ``float`` (enough
    digits to give back the same float), ``%.17g`` for ``double``."""
    if math.isnan(value):
        return "NAN"
    if math.isinf(value):
        return "INFINITY" if value > 0 else "-INFINITY"
    text = f"{float(np.float32(value)):.9g}" if single else f"{value:.17g}"
    if not any(ch in text for ch in ".en"):
        text += ".0"
    return text + ("f" if single else "")


_NUMPY_DTYPES = {
    "i1": "?",
    "i8": "<i1",
    "ui8": "<u1",
    "i16": "<i2",
    "i32": "<i4",
    "i64": "<i8",
    "f32": "<f4",
    "f64": "<f8",
}
_PER_LINE = {"i1": 16, "i8": 16, "ui8": 16, "i16": 12, "i32": 8, "i64": 4, "f32": 6, "f64": 4}


def array_values(value: DenseIntOrFPElementsAttr) -> list[str]:
    """The elements of a dense attribute as C constants, flattened."""
    element = str(value.get_element_type())
    data = np.frombuffer(value.data.data, dtype=_NUMPY_DTYPES[element])
    count = math.prod(value.get_shape())
    if data.size == 1 and count != 1:
        data = np.full(count, data[0])
    if element in ("f32", "f64"):
        single = element == "f32"
        return [float_literal(float(x), single) for x in data]
    return [int_literal(int(x)) for x in data]


class CPrinter:
    """Prints ``c.file`` ops as C text: one ``match op:`` per level (file, statement,
    expression), helpers to name values and indent."""

    def __init__(self) -> None:
        self._lines: list[str] = []
        self._depth = 0
        self._names: dict[SSAValue, str] = {}
        self._scopes: list[set[str]] = []
        self._file_names: set[str] = set()

    # ---------------------------------------------------------------- helpers
    def _emit(self, text: str = "") -> None:
        self._lines.append(INDENT * self._depth + text if text else "")

    @contextmanager
    def _indented(self) -> Iterator[None]:
        self._depth += 1
        try:
            yield
        finally:
            self._depth -= 1

    @contextmanager
    def _scope(self) -> Iterator[None]:
        self._scopes.append(set())
        try:
            yield
        finally:
            self._scopes.pop()

    def _fresh_name(self, hint: str | None, fallback: str) -> str:
        base = re.sub(r"[^A-Za-z0-9_]", "_", hint or "") or fallback
        if base[0].isdigit():
            base = "v" + base
        taken = set().union(*self._scopes) | self._file_names
        name, n = base, 1
        while name in taken or name in _C_KEYWORDS:
            name = f"{base}_{n}"
            n += 1
        self._scopes[-1].add(name)
        return name

    def _bind(self, value: SSAValue, fallback: str) -> str:
        name = self._fresh_name(value.name_hint, fallback)
        self._names[value] = name
        return name

    @staticmethod
    def _unsupported(op: Operation, where: str) -> CPrintError:
        return CPrintError(
            f"C printer: cannot print '{op.name}' {where}: only c ops are printable "
            "(lower the module with convert-buf-to-c first)"
        )

    # ------------------------------------------------------------------- files
    def print_file(self, file_op: c.FileOp) -> str:
        """The text of one generated file."""
        if file_op.is_binary:
            raise CPrintError(f"C printer: '{file_op.path.data}' is a binary file, not C")
        self._lines = []
        self._file_names = {
            op.sym_name.data
            for op in file_op.body.block.ops
            if isinstance(op, c.FuncOp | c.ArrayOp | c.GlobalOp)
        } | {op.sym_name.data for op in file_op.walk() if isinstance(op, c.GlobalOp | c.ArrayOp)}
        guard = file_op.guard.data if file_op.guard is not None else None
        if guard is not None:
            self._emit(f"#ifndef {guard}")
            self._emit(f"#define {guard}")
            self._emit()
        if file_op.extern_c is not None:
            self._emit("#ifdef __cplusplus")
            self._emit('extern "C" {')
            self._emit("#endif")
            self._emit()
        previous: str | None = None
        for op in file_op.body.block.ops:
            kind = self._kind(op)
            if (
                previous is not None
                and previous != "comment"
                and (kind != previous or kind == "block")
            ):
                self._emit()
            self._print_top(op)
            previous = kind
        if file_op.extern_c is not None:
            self._emit()
            self._emit("#ifdef __cplusplus")
            self._emit("}")
            self._emit("#endif")
        if guard is not None:
            self._emit()
            self._emit(f"#endif /* {guard} */")
        return "\n".join(self._lines) + "\n"

    @staticmethod
    def _kind(op: Operation) -> str:
        """How an op groups with its neighbours: same-kind one-liners share a paragraph."""
        match op:
            case c.IncludeOp():
                return "include"
            case c.DefineOp():
                return "define"
            case c.CommentOp():
                return "comment"
            case c.ErrorUnlessOp():
                return "check"
            case c.ArrayOp(zeroed=None, value=None) | c.FuncOp(is_declaration=True):
                return "declaration"
            case c.GlobalOp() | c.ArrayOp(value=None):
                return "global"
            case _:
                return "block"

    def _print_top(self, op: Operation) -> None:
        match op:
            case c.IncludeOp():
                h = op.header.data
                self._emit(f"#include <{h}>" if op.system is not None else f'#include "{h}"')
            case c.DefineOp():
                v = op.value.data
                text = int_literal(v) if isinstance(v, int) else v
                self._emit(f"#define {op.macro.data} {text}")
            case c.CommentOp():
                self._print_comment(op)
            case c.ErrorUnlessOp():
                self._lines.append(f"#if !({op.condition.data})")
                self._lines.append(f'#error "{op.message.data}"')
                self._lines.append("#endif")
            case c.ArrayOp():
                self._print_array(op)
            case c.GlobalOp():
                self._print_global(op)
            case c.FuncOp():
                self._print_func(op)
            case c.IfDefinedOp():
                self._print_if_defined(op, self._print_top)
            case _:
                raise self._unsupported(op, "at file level")

    def _print_comment(self, op: c.CommentOp) -> None:
        """``/* text */``; the lines after the first are indented under its text."""
        first, *rest = op.text.data.split("\n")
        if not rest:
            self._emit(f"/* {first} */")
            return
        self._emit(f"/* {first}".rstrip())
        for line in rest[:-1]:
            self._emit(f"   {line}".rstrip())
        self._emit(f"   {rest[-1]} */")

    def _print_if_defined(
        self, op: c.IfDefinedOp, print_inner: Callable[[Operation], None]
    ) -> None:
        """``#if defined(MACRO)`` (at column 0), the body, ``#endif``."""
        self._lines.append(f"#if defined({op.macro.data})")
        previous: str | None = None
        for inner in op.body.block.ops:
            kind = self._kind(inner)
            top = print_inner == self._print_top
            if (
                top
                and previous is not None
                and previous != "comment"
                and (kind != previous or kind == "block")
            ):
                self._emit()
            print_inner(inner)
            previous = kind
        self._lines.append(f"#endif /* {op.macro.data} */")

    def _print_array(self, op: c.ArrayOp) -> None:
        element = c.c_type_name(op.type.element_type)
        qual = "const " if op.is_const is not None else ""
        head = f"{qual}{element} {op.sym_name.data}[{op.size}]"
        if op.value is None and op.zeroed is None:
            self._emit(f"extern {head};")
            return
        if op.is_static is not None:
            head = "static " + head
        attrs = []
        if op.alignment is not None:
            attrs.append(f"aligned({op.alignment.value.data})")
        if op.section is not None:
            attrs.append(f'section("{op.section.data}")')
        if attrs:
            head += f" __attribute__(({', '.join(attrs)}))"
        if op.value is None:
            self._emit(f"{head};")  # zeroed
            return
        values = array_values(op.value)
        one_line = f"{head} = {{{', '.join(values)}}};"
        if len(one_line) <= LINE_WIDTH:
            self._emit(one_line)
            return
        self._emit(f"{head} = {{")
        per_line = _PER_LINE[str(op.type.element_type)]
        with self._indented():
            for i in range(0, len(values), per_line):
                self._emit(", ".join(values[i : i + per_line]) + ",")
        self._emit("};")

    def _print_global(self, op: c.GlobalOp) -> None:
        text = declarator(c.c_type_name(op.type), op.sym_name.data)
        if op.is_static is not None:
            text = "static " + text
        if op.init is not None:
            text += " = " + self._literal(op.init, op.type)
        self._emit(text + ";")

    def _print_func(self, op: c.FuncOp) -> None:
        ret = c.c_type_name(op.output) if op.output is not None else "void"
        static = "static " if op.is_static is not None else ""
        inputs = [c.c_type_name(t) for t in op.function_type.inputs.data]
        if op.is_declaration:
            names = [n.data for n in op.arg_names.data] if op.arg_names is not None else None
            params = [declarator(t, n) for t, n in zip(inputs, names)] if names else inputs
            self._emit(
                declarator(f"{static}{ret}", f"{op.sym_name.data}({', '.join(params) or 'void'});")
            )
            return
        self._names = {}
        with self._scope():
            params = []
            for i, (t, arg) in enumerate(zip(inputs, op.body.block.args)):
                params.append(declarator(t, self._bind(arg, f"arg{i}")))
            self._emit(
                declarator(f"{static}{ret}", f"{op.sym_name.data}({', '.join(params) or 'void'})")
            )
            self._emit("{")
            with self._indented():
                for inner in op.body.block.ops:
                    self._print_statement(inner)
            self._emit("}")

    # -------------------------------------------------------------- statements
    def _print_statement(self, op: Operation) -> None:
        match op:
            case (
                c.LiteralOp()
                | c.GetGlobalOp()
                | c.AddrOp()
                | c.OffsetPtrOp()
                | c.CastOp()
                | c.BinaryOp()
                | c.IndexOp()
            ):
                pass  # expressions: printed where they are used
            case c.CommentOp():
                self._print_comment(op)
            case c.StructOp():
                self._print_struct(op)
            case c.CallOp():
                self._print_call(op)
            case c.ReturnOp():
                self._emit("return;" if op.value is None else f"return {self._expr(op.value)};")
            case c.IfReturnOp():
                self._emit(f"if ({self._expr(op.condition)}) {{")
                with self._indented():
                    self._emit("return;" if op.value is None else f"return {self._expr(op.value)};")
                self._emit("}")
            case c.SwitchReturnOp():
                self._emit(f"switch ({self._expr(op.selector)}) {{")
                for case, value in zip(op.cases.get_values(), op.values):
                    self._emit(f"case {int_literal(int(case))}:")
                    with self._indented():
                        self._emit(f"return {self._expr(value)};")
                self._emit("default:")
                with self._indented():
                    self._emit(f"return {self._expr(op.default)};")
                self._emit("}")
            case c.AssignGlobalOp():
                self._emit(f"{op.global_name.root_reference.data} = {self._expr(op.value)};")
            case c.IfDefinedOp():
                self._print_if_defined(op, self._print_statement)
            case c.IfOp():
                self._emit(f"if ({self._expr(op.condition)}) {{")
                with self._indented(), self._scope():
                    for inner in op.body.block.ops:
                        self._print_statement(inner)
                self._emit("}")
            case c.LocalOp():
                value = self._expr(op.init)
                type_name = c.c_type_name(op.result.type)
                self._emit(f"{declarator(type_name, self._bind(op.result, 'v'))} = {value};")
            case c.AssignOp():
                self._emit(f"{self._expr(op.target)} = {self._expr(op.value)};")
            case c.ForOp():
                bound = self._expr(op.bound, nested=True)
                with self._scope():
                    i = self._bind(op.counter, "i")
                    type_name = c.c_type_name(op.bound.type)
                    self._emit(f"for ({declarator(type_name, i)} = 0; {i} < {bound}; {i}++) {{")
                    with self._indented():
                        for inner in op.body.block.ops:
                            self._print_statement(inner)
                self._emit("}")
            case c.ScopeOp():
                self._emit("{")
                with self._indented(), self._scope():
                    for inner in op.body.block.ops:
                        self._print_statement(inner)
                self._emit("}")
            case _:
                raise self._unsupported(op, "in a function")

    def _print_struct(self, op: c.StructOp) -> None:
        type_name = c.c_type_name(op.result.type)
        name = self._bind(op.result, "s")
        head = (
            f"{'static ' if op.is_static is not None else ''}const {declarator(type_name, name)} ="
        )
        fields = self._struct_fields(op.init, op)
        one_line = f"{head} {{{', '.join(fields)}}};"
        if len(INDENT * self._depth + one_line) <= LINE_WIDTH:
            self._emit(one_line)
            return
        self._emit(f"{head} {{")
        with self._indented():
            for field in fields:
                self._emit(field + ",")
        self._emit("};")

    def _struct_fields(self, init: DictionaryAttr, op: c.StructOp) -> list[str]:
        fields = []
        for key, value in init.data.items():
            if isinstance(value, DictionaryAttr):
                text = "{" + ", ".join(self._struct_fields(value, op)) + "}"
            elif isinstance(value, c.ArgRefAttr):
                text = self._expr(op.args[value.index.data])
            else:
                text = self._literal(value, None)
            fields.append(f".{key} = {text}")
        return fields

    def _print_call(self, op: c.CallOp) -> None:
        callee = op.callee.data
        args = [self._expr(a) for a in op.args]
        if op.ok is not None:
            assert op.error_return is not None
            prefix, suffix = "if (", f" != {self._literal(op.ok, None)}) {{"
        elif op.result is not None and op.result.uses:
            type_name = c.c_type_name(op.result.type)
            prefix, suffix = declarator(type_name, self._bind(op.result, "r")) + " = ", ";"
        else:
            prefix, suffix = "", ";"
        call = f"{callee}({', '.join(args)})"
        if len(INDENT * self._depth + prefix + call + suffix) <= LINE_WIDTH or len(args) < 2:
            self._emit(prefix + call + suffix)
        else:
            pad = " " * len(prefix + callee + "(")
            self._emit(f"{prefix}{callee}({args[0]},")
            for a in args[1:-1]:
                self._emit(f"{pad}{a},")
            self._emit(f"{pad}{args[-1]}){suffix}")
        if op.ok is not None:
            assert op.error_return is not None
            with self._indented():
                self._emit(f"return {self._literal(op.error_return, None)};")
            self._emit("}")

    # ------------------------------------------------------------- expressions
    def _expr(self, value: SSAValue, nested: bool = False) -> str:
        """The C expression of ``value``; ``nested`` when it is an operand of an
        operator (then a binary expression gets parentheses)."""
        if value in self._names:
            return self._names[value]
        if isinstance(value, BlockArgument):
            raise CPrintError("C printer: block argument outside of a function's entry block")
        op = value.owner
        assert isinstance(op, Operation)  # a block argument was handled above
        match op:
            case c.LiteralOp():
                return self._literal(op.value, op.result.type)
            case c.GetGlobalOp():
                return op.global_name.root_reference.data
            case c.AddrOp():
                return "&" + self._expr(op.operand, nested=True)
            case c.OffsetPtrOp():
                type_name = c.c_type_name(op.result.type)
                offset = op.offset.value.data
                base = self._expr(op.base, nested=True)
                return f"({type_name})({base} + {offset})" if offset else f"({type_name}){base}"
            case c.CastOp():
                return f"({c.c_type_name(op.result.type)}){self._expr(op.operand, nested=True)}"
            case c.BinaryOp():
                text = f"{self._expr(op.lhs, True)} {op.operator.data} {self._expr(op.rhs, True)}"
                return f"({text})" if nested else text
            case c.IndexOp():
                base = self._expr(op.base, nested=True)
                if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", base):
                    base = f"({base})"
                return f"{base}[{self._expr(op.index)}]"
            case c.StructOp() | c.CallOp() | c.LocalOp():
                raise CPrintError(f"C printer: '{op.name}' is used before it is declared")
            case _:
                raise self._unsupported(op, "as an expression")

    @staticmethod
    def _literal(value: Attribute, type: Attribute | None) -> str:
        if isinstance(value, IntegerAttr):
            return int_literal(value.value.data)
        if isinstance(value, FloatAttr):
            if type is None:
                single = isinstance(value.type, Float32Type)
            else:
                single = c.c_type_name(type) in ("float", "const float")
            return float_literal(float(value.value.data), single)
        if isinstance(value, StringAttr):
            return value.data
        raise CPrintError(f"C printer: cannot print the literal {value}")


def print_file(file_op: c.FileOp) -> str:
    """The C text of one ``c.file``."""
    return CPrinter().print_file(file_op)


def files_of(module: ModuleOp) -> list[c.FileOp]:
    """The ``c.file`` ops of a module; anything else at the top level is an error."""
    files = []
    for op in module.body.block.ops:
        if not isinstance(op, c.FileOp):
            raise CPrinter._unsupported(op, "at module level")
        files.append(op)
    if not files:
        raise CPrintError("C printer: the module holds no c.file (run convert-buf-to-c first)")
    return files


def _check_unique(module: ModuleOp) -> list[c.FileOp]:
    files = files_of(module)
    seen: set[str] = set()
    for file_op in files:
        if file_op.path.data in seen:
            raise CPrintError(f"C printer: two files named '{file_op.path.data}'")
        seen.add(file_op.path.data)
    return files


def print_module(module: ModuleOp) -> dict[str, str]:
    """File name -> text for every C ``c.file`` of ``module`` (binary files, one
    ``c.bytes``, are left to ``binary_files``)."""
    return {f.path.data: print_file(f) for f in _check_unique(module) if not f.is_binary}


def binary_files(module: ModuleOp) -> dict[str, bytes]:
    """File name -> contents for every binary ``c.file`` (one ``c.bytes``) of ``module``."""
    out: dict[str, bytes] = {}
    for file_op in _check_unique(module):
        if file_op.is_binary:
            data = file_op.body.block.first_op
            assert isinstance(data, c.BytesOp)
            out[file_op.path.data] = data.data
    return out


@dataclass(frozen=True)
class CModulePrinter(Target):
    """Prints every ``c.file`` of the module, each after ``// ----- file: NAME`` (a binary
    file only as that line, with its size)."""

    name = "c"

    def emit(self, ctx: Context, module: ModuleOp, output: IO[str]) -> None:
        texts, data = print_module(module), binary_files(module)
        for file_op in files_of(module):
            path = file_op.path.data
            if path in data:
                output.write(f"// ----- file: {path} ({len(data[path])} bytes of binary data)\n")
                continue
            output.write(f"// ----- file: {path}\n")
            output.write(texts[path])
