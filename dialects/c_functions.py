"""``c.func`` and the statements of a function body: ``c.assign_global``, ``c.call``,
``c.return``, ``c.if_return``, ``c.switch_return``, ``c.scope``, ``c.if``, and the
local variables and counted loops of small helpers: ``c.local``, ``c.assign``,
``c.for``."""

from __future__ import annotations

from collections.abc import Sequence

from xdsl.dialects.builtin import (
    I64,
    ArrayAttr,
    DenseArrayBase,
    FunctionType,
    IntegerAttr,
    StringAttr,
    SymbolNameConstraint,
    SymbolRefAttr,
    UnitAttr,
    i64,
)
from xdsl.ir import (
    Attribute,
    Block,
    Operation,
    Region,
    SSAValue,
)
from xdsl.irdl import (
    AttrSizedOperandSegments,
    IRDLOperation,
    ParsePropInAttrDict,
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
    SymbolOpInterface,
)
from xdsl.utils.exceptions import VerifyException

from stai.dialects.c_expressions import _check_literal_value
from stai.dialects.c_types import _check_c_types, _check_identifier


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
            properties={
                "callee": StringAttr(callee),
                "ok": attr(ok),
                "error_return": attr(error_return),
            },
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

    assembly_format = (
        "$condition (`,` $value^)? attr-dict `:` type($condition) (`,` type($value)^)?"
    )

    def __init__(self, condition: SSAValue | Operation, value: SSAValue | Operation | None = None):
        super().__init__(operands=[condition, [] if value is None else [value]])

    def verify_(self) -> None:
        _check_c_types(self, [self.condition.type])
        _check_return_type(
            self, _enclosing_func(self), None if self.value is None else self.value.type
        )


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
    cases = prop_def(DenseArrayBase[I64])

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

    def __init__(
        self,
        selector: SSAValue | Operation,
        cases: Sequence[int],
        values: Sequence[SSAValue | Operation],
        default: SSAValue | Operation,
    ):
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


@irdl_op_definition
class LocalOp(IRDLOperation):
    """A local variable: ``%v = c.local %init : !c.type<"uint32_t">`` prints
    ``uint32_t v = init;``. Its result names the variable: every use reads its current
    value, ``c.assign`` writes it."""

    name = "c.local"

    init = operand_def()
    result = result_def()

    assembly_format = "$init attr-dict `:` type($init) `->` type($result)"

    def __init__(self, init: SSAValue | Operation, type: Attribute):
        super().__init__(operands=[init], result_types=[type])

    def verify_(self) -> None:
        _check_c_types(self, [self.init.type, self.result.type])
        _enclosing_func(self)


@irdl_op_definition
class AssignOp(IRDLOperation):
    """``c.assign %v = %x : !c.type<"uint32_t">, !c.type<"uint32_t">`` prints ``v = x;``
    (``%v`` is a ``c.local``)."""

    name = "c.assign"

    target = operand_def()
    value = operand_def()

    assembly_format = "$target `=` $value attr-dict `:` type($target) `,` type($value)"

    def __init__(self, target: SSAValue | Operation, value: SSAValue | Operation):
        super().__init__(operands=[target, value])

    def verify_(self) -> None:
        _check_c_types(self, [self.target.type, self.value.type])
        if not isinstance(self.target.owner, LocalOp):
            raise VerifyException("c.assign: the target must be a c.local")


@irdl_op_definition
class ForOp(IRDLOperation):
    """A counted loop: ``c.for %n : !c.type<"uint32_t"> { ^bb0(%i : !c.type<"uint32_t">):
    ... }`` prints ``for (uint32_t i = 0; i < n; i++) { ... }``; the block argument is the
    counter, of the bound's type."""

    name = "c.for"

    bound = operand_def()
    body = region_def("single_block")

    traits = traits_def(NoTerminator())
    assembly_format = "$bound `:` type($bound) attr-dict-with-keyword $body"

    def __init__(self, bound: SSAValue | Operation, ops: Sequence[Operation] = ()):
        value = SSAValue.get(bound)
        super().__init__(operands=[value], regions=[Region(Block(ops, arg_types=[value.type]))])

    @property
    def counter(self) -> SSAValue:
        return self.body.block.args[0]

    def verify_(self) -> None:
        _check_c_types(self, [self.bound.type])
        block = self.body.block
        if tuple(block.arg_types) != (self.bound.type,):
            raise VerifyException("c.for: one counter, of the bound's type")
        _enclosing_func(self)
