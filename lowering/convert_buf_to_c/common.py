"""What every part of ``convert-buf-to-c`` shares: the C types it spells, C names,
shape helpers, errors, and the const tables of ``NAME_data.c``."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from xdsl.dialects.builtin import (
    DenseIntOrFPElementsAttr,
    FixedBitwidthType,
    MemRefType,
    StringAttr,
    TensorType,
    f32,
    i16,
    i32,
)
from xdsl.ir import Attribute, Operation, SSAValue

from stai.dialects import c, qnn
from stai.dialects.buf import ConstOp
from stai.errors import StaiError

OK = "ARM_CMSIS_NN_SUCCESS"
"""The success value of every kernel (both APIs return ``arm_cmsis_nn_status``)."""

BYTE_PTR = c.CType("uint8_t *")
VOID_PTR = c.CType("void *")
INT = c.CType("int")
SIZE_T = c.CType("size_t")
I32: Attribute = i32
I32_PTR = c.CType("int32_t *")

_ELEMENT_C = {
    "s8": "int8_t",
    "u8": "uint8_t",
    "s32": "int32_t",
    "f32": "float",
    "s16": "int16_t",
    "s64": "int64_t",
    "bool": "bool",
}


def c_identifier(text: str) -> str:
    """``text`` made into a C identifier (other characters become ``_``)."""
    out = re.sub(r"[^A-Za-z0-9_]", "_", text).strip("_") or "x"
    out = re.sub(r"_+", "_", out)
    return "v" + out if out[0].isdigit() else out


def element_c(t: Attribute) -> str:
    kind = qnn.element_kind(t)
    if kind not in _ELEMENT_C:
        raise StaiError(f"convert-buf-to-c: no C element type for {t}")
    return _ELEMENT_C[kind]


def shape_of(value: SSAValue) -> tuple[int, ...]:
    t = value.type
    assert isinstance(t, MemRefType | TensorType)
    return tuple(t.get_shape())


def memref_of(value: SSAValue) -> MemRefType:
    """The memref type of a buffer (every buffer of the buffer form is a memref)."""
    t = value.type
    assert isinstance(t, MemRefType), f"expected a memref buffer, got {t}"
    return t


def size_of(value: SSAValue) -> int:
    return math.prod(shape_of(value))


def nhwc(shape: Sequence[int], what: str) -> tuple[int, int, int, int]:
    """A shape of rank <= 4 as NHWC dims (leading 1s)."""
    if len(shape) > 4:
        raise StaiError(f"convert-buf-to-c: {what} has rank {len(shape)} (at most 4 supported)")
    n, h, w, ch = (1,) * (4 - len(shape)) + tuple(shape)
    return n, h, w, ch


def fail(op: Operation, message: str) -> StaiError:
    name = op.attributes.get("nn.name")
    where = f"{op.name} '{name.data}'" if isinstance(name, StringAttr) else op.name
    return StaiError(f"convert-buf-to-c: {where}: {message}")


# ---------------------------------------------------------------------------- naming


DEFAULT_PREFIX = "stai"
"""The prefix of the generated API: ``stai_NAME_*`` functions, ``STAI_NAME_*`` macros."""


def check_prefix(prefix: str) -> str:
    """``prefix`` if it can start the generated C names (a C identifier that begins with a
    letter, so no name it makes is reserved to the C implementation)."""
    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", prefix) or prefix.endswith("_"):
        raise StaiError(
            f"C prefix '{prefix}' is not a C identifier that starts with a letter "
            "(and does not end with '_')"
        )
    return prefix


@dataclass
class Names:
    """The C names of one network: ``PREFIX_NAME_*`` functions and globals,
    ``PREFIX_NAME_*`` macros in capitals (``prefix`` defaults to ``stai``), and the data
    arrays ``NAME_*`` (``PREFIX_NAME_*`` with another prefix, so that folders of one
    network generated with different prefixes link into one program)."""

    network: str
    prefix: str = DEFAULT_PREFIX

    def __post_init__(self) -> None:
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", self.network):
            raise StaiError(f"network name '{self.network}' is not a C identifier")
        check_prefix(self.prefix)

    @property
    def stem(self) -> str:
        """``PREFIX_NAME``: what every function and global of the network starts with."""
        return f"{self.prefix}_{self.network}"

    @property
    def macro(self) -> str:
        return self.stem.upper()

    @property
    def data(self) -> str:
        """What the data arrays start with: ``NAME``, or ``PREFIX_NAME`` with another prefix."""
        return self.network if self.prefix == DEFAULT_PREFIX else self.stem

    def fn(self, what: str) -> str:
        return f"{self.stem}_{what}"

    @property
    def arena(self) -> str:
        return f"{self.stem}_arena"


# ------------------------------------------------------------------- data (weights)


@dataclass
class DataTables:
    """The const arrays of ``NAME_data.c``: weights and per-op tables."""

    names: Names
    arrays: list[c.ArrayOp] = field(default_factory=lambda: [])
    by_symbol: dict[str, str] = field(default_factory=lambda: {})
    _taken: set[str] = field(default_factory=lambda: set())
    _int16_tables: dict[tuple[str, tuple[int, ...]], str] = field(default_factory=lambda: {})

    def _fresh(self, base: str) -> str:
        name = f"{self.names.data}_{c_identifier(base)}"
        candidate, n = name, 1
        while candidate in self._taken:
            candidate = f"{name}_{n}"
            n += 1
        self._taken.add(candidate)
        return candidate

    def add_const(self, op: ConstOp) -> None:
        name = self._fresh(op.sym_name.data)
        self.by_symbol[op.sym_name.data] = name
        t = op.memref_type
        alignment = op.alignment.value.data
        element = t.element_type
        if not isinstance(element, FixedBitwidthType):
            raise fail(op, f"no bit width for the element type {element}")
        natural = (element.bitwidth + 7) // 8
        self.arrays.append(
            c.ArrayOp(name, t, op.value, alignment=alignment if alignment > natural else None)
        )

    def add_int32_table(self, base: str, values: Sequence[int]) -> str:
        name = self._fresh(base)
        t = TensorType(i32, [len(values)])
        self.arrays.append(c.ArrayOp(name, t, DenseIntOrFPElementsAttr.from_list(t, list(values))))
        return name

    def add_int16_table(self, base: str, values: Sequence[int]) -> str:
        """A const int16 table, shared by every caller with the same ``base`` and values
        (the fixed lookup tables of the int16 kernels)."""
        key = (base, tuple(int(v) for v in values))
        if key in self._int16_tables:
            return self._int16_tables[key]
        name = self._fresh(base)
        t = TensorType(i16, [len(values)])
        self.arrays.append(c.ArrayOp(name, t, DenseIntOrFPElementsAttr.from_list(t, list(key[1]))))
        self._int16_tables[key] = name
        return name

    def add_float_table(self, base: str, values: Sequence[float]) -> str:
        name = self._fresh(base)
        t = TensorType(f32, [len(values)])
        self.arrays.append(c.ArrayOp(name, t, DenseIntOrFPElementsAttr.from_list(t, list(values))))
        return name

    def declarations(self) -> list[Operation]:
        return [c.ArrayOp(a.sym_name.data, a.type) for a in self.arrays]
