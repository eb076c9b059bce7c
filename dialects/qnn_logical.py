"""``qnn`` ops of boolean tensors (``runtime/include/stai_kernels_logical.h``).

A boolean is ``i1``: one byte holding 0 or 1 (the element kind ``"bool"``)::

    %m = qnn.compare ins(%a, %b : tensor<1x8xi8>, tensor<1x8xi8>) {predicate = "less",
           quant = array<i32: 3, 1073741824, -6, -2, 1342177280, -7>} -> tensor<1x8xi1>

* ``qnn.compare``: ``stai_compare_{f32,s8,s16,s32,s64,bool}``; the int8 kernel's ``quant``
  holds TFLite Micro's (offset, multiplier, shift) of each input (``input << 8`` rescaled
  by its own scale: both meet on a common scale); int16 compares the codes (inputs of one
  quantization);
* ``qnn.logical`` (``function`` ``and``, ``or`` or ``not``): ``stai_logical_*``;
* ``qnn.select``: ``stai_select`` (``ins(condition, x, y)``, any element of 1 to 8 bytes);
* ``qnn.cast``: ``stai_cast`` between ``f32``, ``i8``, ``i16``, ``i32``, ``i64`` and ``i1``;
* ``qnn.floor_mod``: ``stai_floor_mod_f32``.

The binary kernels broadcast 4-D NHWC shapes. No parameter family: the kernels take none,
whatever their element kind (``params_family`` is ``NoParams`` for every kind they have).
"""

from __future__ import annotations

from typing import ClassVar

from xdsl.dialects.builtin import I32, DenseArrayBase, StringAttr
from xdsl.irdl import irdl_op_definition, opt_prop_def
from xdsl.utils.exceptions import VerifyException

from stai.dialects.nn_logical import LOGICAL_FUNCTIONS, PREDICATES
from stai.dialects.qnn_base import (
    InPlace,
    KernelOp,
    NoParams,
    ParamsSpec,
    count_of,
    element_kind,
)


class _BoolKernel(KernelOp):
    """A kernel of this module: no parameters, no scratch, not in place."""

    KINDS: ClassVar[tuple[str, ...]] = ()
    """The element kinds (of ``kind``) the kernel exists for."""
    S8_PARAMS: ClassVar[ParamsSpec] = NoParams
    F32_PARAMS: ClassVar[ParamsSpec] = NoParams
    IN_PLACE: ClassVar[InPlace] = "no"
    SCRATCH: ClassVar[str] = "none"

    def params_family(self) -> ParamsSpec:
        return NoParams if self.kind in self.KINDS else None

    def macc(self) -> int:
        """One operation per output element."""
        return self._output_count()


@irdl_op_definition
class CompareOp(_BoolKernel):
    """``ins(lhs, rhs)`` compared by ``predicate`` into booleans (``kind``: the inputs')."""

    name = "qnn.compare"
    predicate = opt_prop_def(StringAttr)
    quant = opt_prop_def(DenseArrayBase[I32])
    """int8: ``array<i32: input1_offset, input1_multiplier, input1_shift, input2_offset,
    input2_multiplier, input2_shift>``."""
    NUM_INS: ClassVar[int | None] = 2
    GEOMETRY: ClassVar[tuple[str, ...]] = ("predicate",)
    KINDS: ClassVar[tuple[str, ...]] = ("f32", "s8", "s16", "s32", "s64", "bool")

    @property
    def predicate_code(self) -> int:
        """The predicate's code in the kernels (``STAI_CMP_*``)."""
        assert self.predicate is not None
        return PREDICATES.index(self.predicate.data)

    def verify_(self) -> None:
        super().verify_()
        assert self.predicate is not None
        if self.predicate.data not in PREDICATES:
            raise VerifyException(f"{self.name}: unknown predicate '{self.predicate.data}'")
        if element_kind(self.ins[1].type) != self.kind:
            raise VerifyException(f"{self.name}: the inputs' element types differ")
        if element_kind(self.output_type) != "bool":
            raise VerifyException(f"{self.name}: the output must hold i1 booleans")
        if (self.kind == "s8") != (self.quant is not None):
            raise VerifyException(f"{self.name}: 'quant' goes with int8 inputs, and only them")
        if self.quant is not None and len(self.quant) != 6:
            raise VerifyException(f"{self.name}: 'quant' must hold 6 values")
        if self.kind == "bool" and self.predicate.data not in ("equal", "not_equal"):
            raise VerifyException(f"{self.name}: booleans compare only for (in)equality")


@irdl_op_definition
class LogicalOp(_BoolKernel):
    """``and`` / ``or`` of ``ins(lhs, rhs)``, or ``not`` of ``ins(x)``, on booleans."""

    name = "qnn.logical"
    function = opt_prop_def(StringAttr)
    NUM_INS: ClassVar[int | None] = None
    GEOMETRY: ClassVar[tuple[str, ...]] = ("function",)
    KINDS: ClassVar[tuple[str, ...]] = ("bool",)

    def verify_(self) -> None:
        super().verify_()
        assert self.function is not None
        function = self.function.data
        if function not in (*LOGICAL_FUNCTIONS, "not"):
            raise VerifyException(f"{self.name}: function must be 'and', 'or' or 'not'")
        want = 1 if function == "not" else 2
        if len(self.ins) != want:
            raise VerifyException(f"{self.name}: '{function}' takes {want} input(s)")
        kinds = {element_kind(v.type) for v in self.ins} | {element_kind(self.output_type)}
        if kinds != {"bool"}:
            raise VerifyException(f"{self.name}: inputs and output must hold i1 booleans")


@irdl_op_definition
class SelectOp(_BoolKernel):
    """``ins(condition, x, y)``: ``condition ? x : y`` (``kind``: the values')."""

    name = "qnn.select"
    NUM_INS: ClassVar[int | None] = 3
    KINDS: ClassVar[tuple[str, ...]] = ("f32", "s8", "s16", "s32", "s64", "bool")

    @property
    def kind(self) -> str:
        return element_kind(self.ins[1].type) if len(self.ins) > 1 else "?"

    def verify_(self) -> None:
        super().verify_()
        if element_kind(self.ins[0].type) != "bool":
            raise VerifyException(f"{self.name}: the condition must hold i1 booleans")
        if not element_kind(self.ins[2].type) == element_kind(self.output_type) == self.kind:
            raise VerifyException(f"{self.name}: x, y and the output must have one element type")


@irdl_op_definition
class CastOp(_BoolKernel):
    """``ins(x)`` converted to the output's element type, element by element."""

    name = "qnn.cast"
    KINDS: ClassVar[tuple[str, ...]] = ("f32", "s8", "s16", "s32", "s64", "bool")

    def verify_(self) -> None:
        super().verify_()
        if element_kind(self.output_type) not in self.KINDS:
            raise VerifyException(f"{self.name}: no cast to {self.output_type}")
        if count_of(self.ins[0]) != count_of(self.output_type):
            raise VerifyException(f"{self.name}: input and output sizes differ")


@irdl_op_definition
class FloorModOp(_BoolKernel):
    """TFLite's float FLOOR_MOD of ``ins(lhs, rhs)``."""

    name = "qnn.floor_mod"
    NUM_INS: ClassVar[int | None] = 2
    S8_PARAMS: ClassVar[ParamsSpec] = None
    KINDS: ClassVar[tuple[str, ...]] = ("f32",)


LOGICAL_OPS = (CompareOp, LogicalOp, SelectOp, CastOp, FloorModOp)
"""The ``qnn`` ops of this module (in ``qnn.QNN``)."""
