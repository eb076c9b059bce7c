"""The ``buf`` dialect: buffers instead of tensors, after memory planning.

``convert-qnn-to-buf`` produces it. Constant data (weights, biases) become module-level
named arrays (``buf.const``) read with ``buf.get_const``; every activation, input, output
and kernel scratch buffer is a typed ``buf.view`` at a fixed byte offset of the one
activation arena (``buf.arena``) of the function. ``qnn`` ops then run in buffer form::

    buf.const @conv_weights dense<1> : memref<3x1x1x2xi8> {alignment = 4 : i64}
    func.func @main() attributes {buf.inputs = ["input_1"], buf.outputs = ["out"]} {
      %a = buf.arena {size = 128 : i64, alignment = 16 : i64} : memref<128xi8>
      %x = buf.view %a[0] {lifetime = array<i64: 0, 0>, role = "input", index = 0 : i64}
           : memref<128xi8> -> memref<1x4x4x2xi8>
      %w = buf.get_const @conv_weights : memref<3x1x1x2xi8>
      ...
    }

Two views whose lifetimes (``[first, last]`` step indices in execution order)
intersect never share a byte; views that alias one tensor (a reshape) share an offset.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar, TypeAlias

from xdsl.dialects.builtin import (
    I64,
    DenseArrayBase,
    DenseIntOrFPElementsAttr,
    IntegerAttr,
    IntegerType,
    MemRefType,
    NoneAttr,
    ShapedType,
    StringAttr,
    SymbolNameConstraint,
    SymbolRefAttr,
    i64,
)
from xdsl.ir import Attribute, Dialect, Operation, SSAValue
from xdsl.irdl import (
    IRDLOperation,
    ParsePropInAttrDict,
    irdl_op_definition,
    operand_def,
    opt_prop_def,
    prop_def,
    result_def,
    traits_def,
)
from xdsl.parser import Parser
from xdsl.printer import Printer
from xdsl.traits import Pure, SymbolOpInterface, SymbolTable
from xdsl.utils.exceptions import VerifyException

ROLES = ("input", "output", "scratch", "tensor")
"""What a view holds: a model input or output, a kernel's scratch, an intermediate tensor."""


# --------------------------------------------------------------------------- helpers


def _is_power_of_two(n: int) -> bool:
    return n >= 1 and n & (n - 1) == 0


def element_bytes(t: MemRefType) -> int:
    """The size in bytes of one element of a memref (``i8`` -> 1, ``f32`` -> 4; a boolean
    ``i1`` takes one byte, as TFLite's)."""
    width = getattr(t.element_type, "bitwidth", None)
    if width in (1, 4):  # i4: int4 weights, packed two per byte (see byte_size)
        return 1
    if not isinstance(width, int) or width % 8:
        raise VerifyException(f"no byte size for element type {t.element_type}")
    return width // 8


def byte_size(t: MemRefType) -> int:
    """The size in bytes of a statically shaped memref (int4 elements: two per byte)."""
    n = element_bytes(t)
    for d in t.get_shape():
        n *= d
    if getattr(t.element_type, "bitwidth", None) == 4:
        return (n + 1) // 2
    return n


def _check_static(op_name: str, t: MemRefType, what: str) -> None:
    if any(d < 0 for d in t.get_shape()):
        raise VerifyException(f"{op_name}: {what} must have a static shape")
    if not isinstance(t.layout, NoneAttr):
        raise VerifyException(f"{op_name}: {what} must have the default layout")


def _check_byte_buffer(op_name: str, t: Attribute, what: str) -> int:
    """Check that ``t`` is ``memref<Nxi8>`` and return N."""
    if not (
        isinstance(t, MemRefType)
        and len(t.get_shape()) == 1
        and t.get_shape()[0] >= 0
        and isinstance(t.element_type, IntegerType)
        and t.element_type.width.data == 8
    ):
        raise VerifyException(f"{op_name}: {what} must be a memref<Nxi8>")
    return t.get_shape()[0]


def _int(attr: IntegerAttr) -> int:
    return attr.value.data


# ------------------------------------------------------------------------------ ops


@irdl_op_definition
class ConstOp(IRDLOperation):
    """A named constant array at module level (weights, biases, per-channel tables).

    ``buf.const @conv1_weights dense<[1, 2]> : memref<2xi8> {alignment = 4 : i64}``

    The data's type is the memref type of the array; ``alignment`` is the byte alignment
    the C array must have.
    """

    name = "buf.const"

    sym_name = prop_def(SymbolNameConstraint())
    value = prop_def(DenseIntOrFPElementsAttr)
    alignment = prop_def(IntegerAttr[I64])

    traits = traits_def(SymbolOpInterface())
    irdl_options = (ParsePropInAttrDict(),)
    assembly_format = "$sym_name $value attr-dict"

    def __init__(self, name: str, value: DenseIntOrFPElementsAttr, alignment: int = 4):
        super().__init__(
            properties={
                "sym_name": StringAttr(name),
                "value": value,
                "alignment": IntegerAttr(alignment, i64),
            }
        )

    @property
    def memref_type(self) -> MemRefType:
        t = self.value.get_type()
        assert isinstance(t, MemRefType)
        return t

    def verify_(self) -> None:
        t = self.value.get_type()
        if not isinstance(t, MemRefType):
            raise VerifyException(f"buf.const: the value must have a memref type, got {t}")
        _check_static(self.name, t, "the value")
        if not _is_power_of_two(_int(self.alignment)):
            raise VerifyException(
                f"buf.const: alignment {_int(self.alignment)} is not a power of two"
            )


@irdl_op_definition
class GetConstOp(IRDLOperation):
    """The buffer of a ``buf.const`` of the enclosing module.

    ``%w = buf.get_const @conv1_weights : memref<2xi8>``
    """

    name = "buf.get_const"

    symbol = prop_def(SymbolRefAttr, prop_name="name")
    result = result_def(MemRefType)

    traits = traits_def(Pure())
    assembly_format = "$name `:` type($result) attr-dict"

    def __init__(self, name: str, result_type: MemRefType):
        super().__init__(properties={"name": SymbolRefAttr(name)}, result_types=[result_type])

    def verify_(self) -> None:
        target = SymbolTable.lookup_symbol(self, self.symbol)
        if target is None:
            raise VerifyException(
                f"buf.get_const: no buf.const named @{self.symbol.root_reference.data}"
            )
        if not isinstance(target, ConstOp):
            raise VerifyException(
                f"buf.get_const: @{self.symbol.root_reference.data} is not a buf.const"
            )
        if target.value.get_type() != self.result.type:
            raise VerifyException(
                f"buf.get_const: result type {self.result.type} differs from "
                f"@{self.symbol.root_reference.data}'s type {target.value.get_type()}"
            )


@irdl_op_definition
class ArenaOp(IRDLOperation):
    """The activation arena of a function: ``size`` bytes aligned to ``alignment``.

    ``%a = buf.arena {size = 1024 : i64, alignment = 16 : i64} : memref<1024xi8>``

    There is one per function and memory pool (``pool``, its index in priority order;
    ``pool_name`` and ``section`` describe it); every activation is a ``buf.view`` of one.
    """

    name = "buf.arena"

    size = prop_def(IntegerAttr[I64])
    alignment = prop_def(IntegerAttr[I64])
    pool = opt_prop_def(IntegerAttr[I64])
    """With memory pools: the pool's position in the priority order (absent: pool 0)."""
    pool_name = opt_prop_def(StringAttr)
    section = opt_prop_def(StringAttr)
    """The linker section the pool's memory is meant for (informative)."""
    result = result_def(MemRefType)

    irdl_options = (ParsePropInAttrDict(),)
    assembly_format = "attr-dict `:` type($result)"

    def __init__(
        self,
        size: int,
        alignment: int = 16,
        *,
        pool: int | None = None,
        pool_name: str | None = None,
        section: str | None = None,
    ):
        super().__init__(
            properties={
                "size": IntegerAttr(size, i64),
                "alignment": IntegerAttr(alignment, i64),
                "pool": None if pool is None else IntegerAttr(pool, i64),
                "pool_name": None if pool_name is None else StringAttr(pool_name),
                "section": None if section is None else StringAttr(section),
            },
            result_types=[MemRefType(IntegerType(8), [size])],
        )

    @property
    def pool_index(self) -> int:
        return 0 if self.pool is None else _int(self.pool)

    def verify_(self) -> None:
        n = _check_byte_buffer(self.name, self.result.type, "the result")
        if n != _int(self.size):
            raise VerifyException(
                f"buf.arena: the result holds {n} bytes but size is {_int(self.size)}"
            )
        if not _is_power_of_two(_int(self.alignment)):
            raise VerifyException(
                f"buf.arena: alignment {_int(self.alignment)} is not a power of two"
            )
        if self.pool is not None and _int(self.pool) < 0:
            raise VerifyException(f"buf.arena: negative pool index {_int(self.pool)}")
        region = self.parent_region()
        if region is not None:
            arenas = [
                op
                for op in region.walk()
                if isinstance(op, ArenaOp) and op.pool_index == self.pool_index
            ]
            if len(arenas) > 1 and arenas[0] is not self:
                raise VerifyException(
                    "buf.arena: a function has only one arena per pool"
                    f" (pool {self.pool_index} has {len(arenas)})"
                )


@irdl_op_definition
class ViewOp(IRDLOperation):
    """A typed buffer at byte ``offset`` of the arena.

    ``%v = buf.view %a[64] {lifetime = array<i64: 1, 3>, role = "tensor"}
          : memref<1024xi8> -> memref<1x49x10x1xi8>``

    Optional: ``lifetime`` (first and last step index in execution order), ``role``
    (``input``, ``output``, ``scratch``, ``tensor``) and, for inputs and outputs,
    ``index``: their position in the model's signature.
    """

    name = "buf.view"

    source = operand_def(MemRefType)
    offset = prop_def(IntegerAttr[I64])
    lifetime = opt_prop_def(DenseArrayBase[I64])
    role = opt_prop_def(StringAttr)
    index = opt_prop_def(IntegerAttr[I64])
    result = result_def(MemRefType)

    OPTIONAL_PROPS: ClassVar[tuple[str, ...]] = ("lifetime", "role", "index")

    def __init__(
        self,
        source: SSAValue | Operation,
        offset: int,
        result_type: MemRefType,
        *,
        lifetime: tuple[int, int] | None = None,
        role: str | None = None,
        index: int | None = None,
    ):
        props: dict[str, Attribute] = {"offset": IntegerAttr(offset, i64)}
        if lifetime is not None:
            props["lifetime"] = DenseArrayBase.from_list(i64, list(lifetime))
        if role is not None:
            props["role"] = StringAttr(role)
        if index is not None:
            props["index"] = IntegerAttr(index, i64)
        super().__init__(operands=[source], properties=props, result_types=[result_type])

    # ------------------------------------------------------------- accessors
    @property
    def byte_offset(self) -> int:
        return _int(self.offset)

    @property
    def nbytes(self) -> int:
        t = self.result.type
        assert isinstance(t, MemRefType)
        return byte_size(t)

    @property
    def role_name(self) -> str | None:
        return None if self.role is None else self.role.data

    @property
    def index_value(self) -> int | None:
        return None if self.index is None else _int(self.index)

    def lifetime_range(self) -> tuple[int, int] | None:
        if self.lifetime is None:
            return None
        first, last = self.lifetime.get_values()
        return int(first), int(last)

    # ---------------------------------------------------------------- format
    @classmethod
    def parse(cls, parser: Parser) -> ViewOp:
        unresolved = parser.parse_unresolved_operand()
        parser.parse_punctuation("[")
        offset = parser.parse_integer(allow_boolean=False, allow_negative=True)
        parser.parse_punctuation("]")
        attrs = parser.parse_optional_attr_dict()
        props: dict[str, Attribute] = {"offset": IntegerAttr(offset, i64)}
        for key in cls.OPTIONAL_PROPS:
            if key in attrs:
                props[key] = attrs.pop(key)
        parser.parse_punctuation(":")
        source = parser.resolve_operand(unresolved, parser.parse_type())
        parser.parse_punctuation("->")
        result_type = parser.parse_type()
        op = cls.create(
            operands=[source], properties=props, attributes=attrs, result_types=[result_type]
        )
        return op

    def print(self, printer: Printer) -> None:
        printer.print_string(" ")
        printer.print_operand(self.source)
        printer.print_string(f"[{self.byte_offset}]")
        shown: dict[str, Attribute] = {k: v for k, v in self.properties.items() if k != "offset"}
        shown.update(self.attributes)
        if shown:
            printer.print_string(" ")
            printer.print_attr_dict(shown)
        printer.print_string(" : ")
        printer.print_attribute(self.source.type)
        printer.print_string(" -> ")
        printer.print_attribute(self.result.type)

    # ---------------------------------------------------------------- verify
    def verify_(self) -> None:
        arena_bytes = _check_byte_buffer(self.name, self.source.type, "the source")
        t = self.result.type
        assert isinstance(t, MemRefType)
        _check_static(self.name, t, "the result")
        offset, size = self.byte_offset, byte_size(t)
        if offset < 0:
            raise VerifyException(f"buf.view: negative offset {offset}")
        if offset + size > arena_bytes:
            raise VerifyException(
                f"buf.view: {size} bytes at offset {offset} do not fit in the "
                f"{arena_bytes}-byte arena"
            )
        if offset % element_bytes(t):
            raise VerifyException(
                f"buf.view: offset {offset} is not aligned to the element size {element_bytes(t)}"
            )
        self._verify_annotations()

    def _verify_annotations(self) -> None:
        if self.lifetime is not None:
            if len(self.lifetime.get_values()) != 2:
                raise VerifyException("buf.view: lifetime must hold two values")
            life = self.lifetime_range()
            assert life is not None
            if not 0 <= life[0] <= life[1]:
                raise VerifyException(
                    f"buf.view: lifetime [{life[0]}, {life[1]}] is not a valid range"
                )
        role = self.role_name
        if role is not None and role not in ROLES:
            raise VerifyException(
                f"buf.view: unknown role '{role}' (expected one of {', '.join(ROLES)})"
            )
        has_index = self.index is not None
        if role in ("input", "output") and not has_index:
            raise VerifyException(f"buf.view: an {role} view needs an index")
        if has_index and role not in ("input", "output"):
            raise VerifyException("buf.view: only input and output views have an index")


@irdl_op_definition
class ExternOp(IRDLOperation):
    """A model input or output buffer that the caller provides, outside every arena.

    ``%x = buf.extern {role = "input", index = 0 : i64} : memref<1x49x10x1xi8>``

    ``plan-memory`` makes these with ``inputs-in-arena=false`` / ``outputs-in-arena=false``;
    the generated code reads the pointer the caller set with ``set_input`` / ``set_output``.
    Several ``buf.extern`` of one role and index are views of the same caller buffer (a
    reshape); their shapes may differ, their byte sizes do not exceed the buffer's.
    """

    name = "buf.extern"

    role = prop_def(StringAttr)
    index = prop_def(IntegerAttr[I64])
    result = result_def(MemRefType)

    traits = traits_def(Pure())
    irdl_options = (ParsePropInAttrDict(),)
    assembly_format = "attr-dict `:` type($result)"

    def __init__(self, role: str, index: int, result_type: MemRefType):
        super().__init__(
            properties={"role": StringAttr(role), "index": IntegerAttr(index, i64)},
            result_types=[result_type],
        )

    @property
    def role_name(self) -> str:
        return self.role.data

    @property
    def index_value(self) -> int:
        return _int(self.index)

    @property
    def nbytes(self) -> int:
        t = self.result.type
        assert isinstance(t, MemRefType)
        return byte_size(t)

    def verify_(self) -> None:
        t = self.result.type
        assert isinstance(t, MemRefType)
        _check_static(self.name, t, "the result")
        if self.role.data not in ("input", "output"):
            raise VerifyException(
                f"buf.extern: role must be 'input' or 'output', got '{self.role.data}'"
            )
        if _int(self.index) < 0:
            raise VerifyException(f"buf.extern: negative index {_int(self.index)}")


@irdl_op_definition
class StateOp(IRDLOperation):
    """The bytes of a persistent variable in the model's state buffer, outside every arena.

    ``%s = buf.state {variable = "acc", offset = 0 : i64} : memref<1x4xf32>``

    The state buffer keeps its bytes from one ``run`` to the next; ``reset`` (and ``init``)
    set every variable to its ``initial`` value (the storage type's data; absent: zeros).
    ``convert-qnn-to-buf`` places the variables one after the other, each at a multiple of
    16 bytes; several ``buf.state`` of one variable are the same bytes. ``plan-memory``
    leaves them where they are (they are no arena bytes), keeping the order of the kernels
    that read and write one variable.
    """

    name = "buf.state"

    variable = prop_def(StringAttr)
    offset = prop_def(IntegerAttr[I64])
    initial = opt_prop_def(DenseIntOrFPElementsAttr)
    result = result_def(MemRefType)

    irdl_options = (ParsePropInAttrDict(),)
    assembly_format = "attr-dict `:` type($result)"

    def __init__(
        self,
        variable: str,
        offset: int,
        result_type: MemRefType,
        initial: DenseIntOrFPElementsAttr | None = None,
    ):
        super().__init__(
            properties={
                "variable": StringAttr(variable),
                "offset": IntegerAttr(offset, i64),
                "initial": initial,
            },
            result_types=[result_type],
        )

    @property
    def variable_name(self) -> str:
        return self.variable.data

    @property
    def byte_offset(self) -> int:
        return _int(self.offset)

    @property
    def role_name(self) -> str:
        return "state"

    @property
    def index_value(self) -> None:
        return None

    @property
    def nbytes(self) -> int:
        t = self.result.type
        assert isinstance(t, MemRefType)
        return byte_size(t)

    def verify_(self) -> None:
        t = self.result.type
        assert isinstance(t, MemRefType)
        _check_static(self.name, t, "the result")
        if self.byte_offset < 0 or self.byte_offset % element_bytes(t):
            raise VerifyException(
                f"buf.state: offset {self.byte_offset} is not a non-negative multiple of "
                f"the element size {element_bytes(t)}"
            )
        if self.initial is not None:
            vt = self.initial.get_type()
            assert isinstance(vt, ShapedType)
            if tuple(vt.get_shape()) != tuple(t.get_shape()):
                raise VerifyException("buf.state: the initial value's shape differs")


def state_size(ops: Iterable[Operation]) -> int:
    """Bytes of the state buffer the ``buf.state`` ops among ``ops`` need (0: none), a
    multiple of 16."""
    end = max((op.byte_offset + op.nbytes for op in ops if isinstance(op, StateOp)), default=0)
    return (end + 15) // 16 * 16


Storage: TypeAlias = ViewOp | ExternOp | StateOp
"""Where a model tensor's bytes live while the model runs: a view of an arena, a
caller-provided ``buf.extern``, or a variable of the state buffer (``buf.state``)."""

BUF = Dialect("buf", [ConstOp, GetConstOp, ArenaOp, ViewOp, ExternOp, StateOp], [])
