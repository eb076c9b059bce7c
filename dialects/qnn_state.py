"""``qnn`` ops of persistent variables: copies between the state buffer and the arena.

In tensor form ``qnn.read_variable`` takes no input and ``qnn.assign_variable`` takes the
value to store; both name their ``variable`` and carry its ``initial`` value (storage
type; absent: zeros). ``convert-qnn-to-buf`` gives each variable its bytes in the state
buffer (a ``buf.state`` op): the read then copies ``ins(%state)`` into its output view,
the assignment copies its input into ``outs(%state)``::

    %s = buf.state {variable = "acc", offset = 0 : i64} : memref<1x4xf32>
    qnn.read_variable ins(%s : memref<1x4xf32>) outs(%v : memref<1x4xf32>) {variable = "acc"}
    qnn.assign_variable ins(%n : memref<1x4xf32>) outs(%s : memref<1x4xf32>) {variable = "acc"}

The generated code copies the bytes (``stai_copy``); every element type has the same kernel.

``qnn.svdf`` (``stai_svdf_f32`` / ``stai_svdf_s8`` / ``stai_svdf_s8_state_s8``,
``stai_kernels_state.h``) reads and updates its own state variable (a `StatefulOp`): in
buffer form the ``buf.state`` is its fifth input. The int8 kernel's ``quant`` holds the
input and output zero points and the two (multiplier, shift) pairs of TFLite Micro (input x
feature weights -> state, state x time weights -> output); its state has the type of its
time weights: int16 with zero point 0, or int8 with the zero point ``quant`` ends with.
"""

from __future__ import annotations

from typing import ClassVar

from xdsl.dialects.builtin import (
    I64,
    DenseArrayBase,
    DenseIntOrFPElementsAttr,
    IntegerAttr,
    MemRefType,
    StringAttr,
    TensorType,
)
from xdsl.irdl import irdl_op_definition, opt_prop_def
from xdsl.utils.exceptions import VerifyException

from stai.dialects.qnn_base import (
    InPlace,
    KernelOp,
    NoParams,
    ParamsSpec,
    element_kind,
    shape_of,
)


class _VariableOp(KernelOp):
    variable = opt_prop_def(StringAttr)
    initial = opt_prop_def(DenseIntOrFPElementsAttr)
    """The variable's value after ``reset`` (its storage type), or None: zeros."""

    GEOMETRY: ClassVar[tuple[str, ...]] = ("variable",)
    S8_PARAMS: ClassVar[ParamsSpec] = NoParams
    S16_PARAMS: ClassVar[ParamsSpec] = NoParams
    F32_PARAMS: ClassVar[ParamsSpec] = NoParams
    IN_PLACE: ClassVar[InPlace] = "no"
    SCRATCH: ClassVar[str] = "none"

    @property
    def variable_name(self) -> str:
        assert self.variable is not None
        return self.variable.data

    @property
    def kind(self) -> str:
        return element_kind(self.output_type)

    def macc(self) -> int:
        """A copy: no multiply-accumulate."""
        return 0

    def _check_initial(self) -> None:
        if self.initial is None:
            return
        vt = self.initial.get_type()
        assert isinstance(vt, TensorType)
        if tuple(vt.get_shape()) != tuple(self.output_shape()):
            raise VerifyException(f"{self.name}: the initial value's shape differs")


@irdl_op_definition
class ReadVariableOp(_VariableOp):
    """Copy the variable's bytes into the output (tensor form: no input; buffer form: the
    ``buf.state`` of the variable is the input)."""

    name = "qnn.read_variable"
    NUM_INS: ClassVar[int | None] = None

    def verify_(self) -> None:
        if (self.res is None) == (self.out is None):
            raise VerifyException(f"{self.name}: expected either a result or an outs() buffer")
        want = 0 if self.res is not None else 1
        if len(self.ins) != want:
            raise VerifyException(f"{self.name}: expected {want} inputs, got {len(self.ins)}")
        if self.out is not None and self.ins[0].type != self.out.type:
            raise VerifyException(f"{self.name}: the state and the output types differ")
        if self.variable is None:
            raise VerifyException(f"{self.name}: missing property 'variable'")
        if self.params is not None:
            raise VerifyException(f"{self.name}: the kernel takes no parameters")
        self._check_initial()


@irdl_op_definition
class AssignVariableOp(_VariableOp):
    """Copy the input into the variable's bytes (buffer form: ``outs`` is its ``buf.state``)."""

    name = "qnn.assign_variable"

    def verify_(self) -> None:
        super().verify_()
        if self.ins[0].type != self.output_type:
            raise VerifyException(f"{self.name}: the value and the variable types differ")
        self._check_initial()


class StatefulOp(_VariableOp):
    """A kernel that reads and updates its own state variable (SVDF, the sequence LSTM).
    ``convert-qnn-to-buf`` gives the variable its bytes of the state buffer (``initial``
    gives their type and shape) and appends its ``buf.state`` to the op's inputs, after
    the ``STATE_INPUT`` inputs of the tensor form."""

    NUM_INS: ClassVar[int | None] = None
    STATE_INPUT: ClassVar[int] = 4
    """The index of the ``buf.state`` input in buffer form (the tensor form's input count)."""

    @property
    def kind(self) -> str:
        return element_kind(self.ins[0].type)

    def state_type(self) -> MemRefType:
        """The memref of the op's state variable (its storage type and shape)."""
        assert self.initial is not None
        t = self.initial.get_type()
        assert isinstance(t, TensorType)
        return MemRefType(t.element_type, t.get_shape())

    def verify_state(self) -> None:
        """``STATE_INPUT`` inputs in tensor form; the variable's ``buf.state`` after them
        in buffer form."""
        want = self.STATE_INPUT + (0 if self.res is not None else 1)
        if len(self.ins) != want:
            raise VerifyException(f"{self.name}: expected {want} inputs, got {len(self.ins)}")
        if self.out is not None and self.ins[self.STATE_INPUT].type != self.state_type():
            raise VerifyException(f"{self.name}: the state buffer is not the variable's type")


@irdl_op_definition
class SvdfOp(StatefulOp):
    """TFLite SVDF with its state variable: ins(input, weights_feature, weights_time, bias)
    in tensor form, the variable's ``buf.state`` appended in buffer form; the scratch holds
    one 32-bit sum per filter (and, int8, one per unit)."""

    name = "qnn.svdf"
    rank = opt_prop_def(IntegerAttr[I64])
    quant = opt_prop_def(DenseArrayBase)
    """int8: ``array<i32: input_zp, output_zp, multiplier_1, shift_1, multiplier_2, shift_2>``,
    then, for an int8 state, ``state_zp``."""
    GEOMETRY: ClassVar[tuple[str, ...]] = ("variable", "rank", "initial")
    S16_PARAMS: ClassVar[ParamsSpec] = None
    OPERAND_ROLES: ClassVar[tuple[str, ...]] = ("input", "weights_feature", "weights_time", "bias")

    def dims(self) -> tuple[int, int, int, int, int]:
        """(batch, input size, filters, memory size, rank)."""
        batch, size = shape_of(self.ins[0])
        filters, memory = shape_of(self.ins[2])
        assert self.rank is not None
        return batch, size, filters, memory, self.rank.value.data

    def scratch_bytes(self, isa: str) -> int:
        batch, _, filters, _, rank = self.dims()
        return 4 * batch * filters + (4 * batch * (filters // rank) if self.kind == "s8" else 0)

    def macc(self) -> int:
        batch, size, filters, memory, _ = self.dims()
        return batch * filters * (size + memory)

    def verify_(self) -> None:
        super().verify_()
        self.verify_state()
        if self.kind == "s8":
            state = element_kind(self.state_type())
            if state not in ("s16", "s8") or element_kind(self.ins[2].type) != state:
                raise VerifyException(
                    f"{self.name}: the int8 kernel keeps an int16 or int8 state, of its time "
                    "weights' type"
                )
            want = 6 if state == "s16" else 7
            if self.quant is None or len(self.quant) != want:
                raise VerifyException(
                    f"{self.name}: the int8 kernel needs its {want} 'quant' values"
                )
        elif self.act is None:
            raise VerifyException(f"{self.name}: the float kernel needs its clamp range 'act'")


STATE_OPS = (ReadVariableOp, AssignVariableOp, SvdfOp)
"""The ``qnn`` ops of persistent variables (in ``qnn.QNN``)."""
