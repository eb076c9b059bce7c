"""The types of the ``c`` dialect (``!c.type<"...">``, builtin types spelled in C) and
the checks its ops share."""

from __future__ import annotations

import re
from collections.abc import Sequence

from xdsl.dialects.builtin import (
    Float32Type,
    Float64Type,
    IndexType,
    IntAttr,
    IntegerType,
    Signedness,
    StringAttr,
)
from xdsl.ir import (
    Attribute,
    Operation,
    ParametrizedAttribute,
    TypeAttribute,
)
from xdsl.irdl import (
    irdl_attr_definition,
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
