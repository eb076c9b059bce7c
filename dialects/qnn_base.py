"""The base of the ``qnn`` ops (``stai.dialects.qnn``): ``KernelOp``.

``KernelOp`` holds what every kernel op has: its operands in tensor or buffer form, the
``params`` attribute of a parameter family (``stai.dialects.qnn_params``) and the clamp
range ``act``; the checks of both forms and of the parameter family; and the facts each
op states about its kernel (``S8_PARAMS``, ``F32_PARAMS``, ``IN_PLACE``, ``SCRATCH`` and
``macc()`` without default; ``CODEBOOK`` and ``OPERAND_ROLES`` with one).
"""

from __future__ import annotations

import math
from typing import ClassVar, Literal, TypeVar

from xdsl.dialects.builtin import (
    DenseArrayBase,
    Float32Type,
    IntegerAttr,
    IntegerType,
    MemRefType,
    Signedness,
    TensorType,
)
from xdsl.ir import Attribute, SSAValue
from xdsl.irdl import (
    AttrSizedOperandSegments,
    IRDLOperation,
    ParsePropInAttrDict,
    opt_operand_def,
    opt_prop_def,
    opt_result_def,
    var_operand_def,
)
from xdsl.utils.exceptions import VerifyException

from stai.dialects.qnn_overlap import pixel_order_gap
from stai.dialects.qnn_params import KernelParams
from stai.lowering import scratch_sizes

_FORMAT = (
    "`ins` `(` $ins `:` type($ins) `)`"
    " (`outs` `(` $out^ `:` type($out) `)`)?"
    " (`scratch` `(` $scratch^ `:` type($scratch) `)`)?"
    " attr-dict (`->` type($res)^)?"
)


def element_kind(t: Attribute) -> str:
    """``"s8"``, ``"s16"``, ``"s32"``, ``"f32"``, ``"bool"`` (``i1``, one byte), ``"u8"``
    (``ui8``: a model's uint8 input or output) (or ``"?"``) for a tensor or memref type."""
    if isinstance(t, TensorType | MemRefType):
        e = t.element_type
        if isinstance(e, Float32Type):
            return "f32"
        if isinstance(e, IntegerType) and e.width.data == 1:
            return "bool"
        if isinstance(e, IntegerType) and e.signedness.data == Signedness.UNSIGNED:
            return f"u{e.width.data}"
        if isinstance(e, IntegerType):
            return f"s{e.width.data}"
    return "?"


class NoParams:
    """A ``S8_PARAMS`` / ``F32_PARAMS`` value: the kernel exists for that element kind and
    takes no parameters (None: there is no kernel for that kind)."""


ParamsSpec = type[KernelParams] | type[NoParams] | None
"""What an op takes as ``params`` for one element kind."""
InPlace = Literal["no", "unary", "binary"]
P = TypeVar("P", bound=KernelParams)


def _element_bytes(t: Attribute) -> int:
    kind = element_kind(t)
    return int(kind[1:]) // 8 if kind not in ("?", "bool") else 1


def shape_of(value: SSAValue | Attribute) -> tuple[int, ...]:
    t = value.type if isinstance(value, SSAValue) else value
    assert isinstance(t, TensorType | MemRefType)
    return tuple(t.get_shape())


def count_of(value: SSAValue | Attribute) -> int:
    """The number of elements of a shaped value or type."""
    return math.prod(shape_of(value))


MANDATORY_FACTS: tuple[str, ...] = ("S8_PARAMS", "F32_PARAMS", "IN_PLACE", "SCRATCH", "macc")
"""The facts every ``qnn`` op states itself (no default in ``KernelOp``)."""


def missing_facts(op: type[KernelOp]) -> list[str]:
    """The mandatory facts that ``op`` does not state."""
    missing = [name for name in MANDATORY_FACTS[:-1] if not hasattr(op, name)]
    if op.macc is KernelOp.macc:
        missing.append("macc")
    return missing


class KernelOp(IRDLOperation):
    """Base of every ``qnn`` op: inputs, an output (result or buffer), optional scratch."""

    ins = var_operand_def()
    out = opt_operand_def()
    scratch = opt_operand_def()
    res = opt_result_def()
    params = opt_prop_def(KernelParams)
    """Arithmetic parameters: an attribute of the family ``S8_PARAMS`` or ``F32_PARAMS``."""
    act = opt_prop_def(DenseArrayBase)
    """Clamp range of the output: ``array<i32: lo, hi>`` (int8) or ``array<f32: lo, hi>``."""

    irdl_options = (AttrSizedOperandSegments(as_property=True), ParsePropInAttrDict())
    assembly_format = _FORMAT

    NUM_INS: ClassVar[int | None] = 1
    """How many inputs the kernel takes (None: one or more)."""
    HAS_ACT: ClassVar[bool] = False
    GEOMETRY: ClassVar[tuple[str, ...]] = ()
    """Names of the op's geometric properties that must be present."""

    # Facts every op states (no default: tests/unit/test_qnn_op_facts.py).
    S8_PARAMS: ClassVar[ParamsSpec]
    """The parameter family of the int8 kernel (``NoParams``: none; None: no int8 kernel)."""
    F32_PARAMS: ClassVar[ParamsSpec]
    """The parameter family of the float kernel (``NoParams``: none; None: no float kernel)."""
    IN_PLACE: ClassVar[InPlace]
    """Whether the output may share an input's bytes (see ``may_write_over``)."""
    SCRATCH: ClassVar[str]
    """The scratch-size formula of the kernel (a key of ``scratch_sizes.SCRATCH_RULES``)."""
    # Facts with a default.
    S16_PARAMS: ClassVar[ParamsSpec] = None
    """The parameter family of the int16-activation (16x8) kernel (None: no such kernel)."""
    U8_PARAMS: ClassVar[ParamsSpec] = None
    """The parameter family of the kernel taking a uint8 input (None: no such kernel;
    only the conversions of a model's uint8 inputs and outputs have one)."""
    CODEBOOK: ClassVar[tuple[type[KernelOp], int] | None] = None
    """``compress-weights``: (the codebook form, the rank of the weights), or None."""
    OPERAND_ROLES: ClassVar[tuple[str, ...]] = ()
    """The role of each input in constant names (default ``input<i>``)."""

    # ------------------------------------------------------------ accessors
    @property
    def output_type(self) -> Attribute:
        """The type of the output, a tensor (tensor form) or memref (buffer form)."""
        if self.res is not None:
            return self.res.type
        assert self.out is not None
        return self.out.type

    @property
    def is_bufferized(self) -> bool:
        return self.out is not None

    @property
    def kind(self) -> str:
        """The kernel flavour: the element kind of the first input (``s8``, ``s16`` or
        ``f32``)."""
        return element_kind(self.ins[0].type)

    def params_family(self) -> ParamsSpec:
        """The parameter family of the op's kernel for its element kind."""
        return {
            "s8": self.S8_PARAMS,
            "s16": self.S16_PARAMS,
            "f32": self.F32_PARAMS,
            "u8": self.U8_PARAMS,
        }.get(self.kind)

    def params_as(self, family: type[P]) -> P:
        """``params`` as the typed ``family`` (``ValueError`` if it is not)."""
        if not isinstance(self.params, family):
            raise ValueError(f"{self.name}: expected #{family.name} parameters")
        return self.params

    def param(self, name: str) -> Attribute:
        """The parameter field ``name`` (``KeyError`` if there is none)."""
        if self.params is None:
            raise KeyError(f"{self.name}: no parameter '{name}'")
        return self.params.get(name)

    def int_param(self, name: str) -> int:
        value = self.param(name)
        if not isinstance(value, IntegerAttr):
            raise TypeError(f"{self.name}: parameter '{name}' is not an integer")
        return value.value.data

    def ints(self, name: str) -> tuple[int, ...]:
        """A geometric property (``array<i64: ...>``) as a tuple."""
        value = getattr(self, name)
        return tuple(value.get_values())

    # ---------------------------------------------------------------- facts
    def macc(self) -> int:
        """Multiply-accumulates of one run of the kernel (``docs/analyze.md``)."""
        raise NotImplementedError(f"{self.name} does not say its MACC count")

    def scratch_bytes(self, isa: str) -> int:
        """Bytes of the scratch buffer of the kernel on ``isa`` (one of
        ``scratch_sizes.ISAS``; 0: none), by the formula named by ``SCRATCH``."""
        return scratch_sizes.SCRATCH_RULES[self.SCRATCH](self, scratch_sizes.as_isa(isa))

    def input_shape(self, index: int) -> tuple[int, ...]:
        return shape_of(self.ins[index])

    def output_shape(self) -> tuple[int, ...]:
        return shape_of(self.output_type)

    def may_write_over(self, value: SSAValue) -> bool:
        """Whether the kernel may write its output over the operand ``value``'s bytes:
        element-wise kernels read ``in[i]`` before they write ``out[i]``, so the output
        may be an input of its own type; int8 and int16 binary kernels only without
        broadcasting."""
        out = self.output_type
        if value.type != out or self.IN_PLACE == "no":
            return False
        if self.IN_PLACE == "binary" and self.kind in ("s8", "s16"):
            return all(count_of(v) == count_of(out) for v in self.ins)
        return True

    def overlap_isas(self) -> tuple[str, ...]:
        """The ISAs (``scratch_sizes.ISAS``) on whose kernels the output may overlap the
        first input in pixel order (:mod:`stai.dialects.qnn_overlap`); none by default."""
        return ()

    def overlap_gap(self, value: SSAValue, isa: str = "") -> int | None:
        """The most bytes the output may start after operand ``value``'s start while
        sharing its bytes, by the kernel's order of reads and writes on ``isa`` (empty:
        on every ISA); None: output and ``value`` must stay apart."""
        isas = (isa,) if isa else scratch_sizes.ISAS
        allowed = self.overlap_isas()
        if not self.ins or value is not self.ins[0] or any(i not in allowed for i in isas):
            return None
        in_shape, out_shape = shape_of(value), self.output_shape()
        if len(in_shape) != 4 or len(out_shape) != 4:
            return None
        strides, pads = self.ints("strides"), self.ints("pads")
        return pixel_order_gap(
            in_shape,
            out_shape,
            (strides[0], strides[1]),
            (pads[0], pads[2]),
            _element_bytes(value.type),
            _element_bytes(self.output_type),
        )

    def _output_count(self) -> int:
        return count_of(self.output_type)

    # -------------------------------------------------------------- verify
    def verify_(self) -> None:
        if (self.res is None) == (self.out is None):
            raise VerifyException(f"{self.name}: expected either a result or an outs() buffer")
        form = TensorType if self.res is not None else MemRefType
        for value in (*self.ins, *([self.out] if self.out is not None else [])):
            if not isinstance(value.type, form):
                what = "tensors" if form is TensorType else "memrefs"
                raise VerifyException(f"{self.name}: operands must all be {what} in this form")
        if self.scratch is not None and self.res is not None:
            raise VerifyException(f"{self.name}: scratch buffers exist only in buffer form")
        if self.NUM_INS is not None and len(self.ins) != self.NUM_INS:
            raise VerifyException(
                f"{self.name}: expected {self.NUM_INS} inputs, got {len(self.ins)}"
            )
        if not self.ins:
            raise VerifyException(f"{self.name}: expected at least one input")
        for name in self.GEOMETRY:
            if getattr(self, name) is None:
                raise VerifyException(f"{self.name}: missing property '{name}'")
        kind = self.kind
        family = self.params_family()
        if family is None:
            raise VerifyException(f"{self.name}: no kernel for element kind '{kind}'")
        if issubclass(family, NoParams):
            if self.params is not None:
                raise VerifyException(f"{self.name}: the {kind} kernel takes no parameters")
        elif not isinstance(self.params, family):
            got = "none" if self.params is None else f"#{self.params.name}"
            raise VerifyException(
                f"{self.name}: expected {kind} parameters #{family.name}<...>, got {got}"
            )
        if self.HAS_ACT:
            if self.act is None:
                raise VerifyException(f"{self.name}: missing clamp range 'act'")
            if len(self.act) != 2:
                raise VerifyException(f"{self.name}: 'act' must hold two values")
