"""``qnn`` ops of persistent variables: copies between the state buffer and the arena.

In tensor form ``qnn.read_variable`` takes no input and ``qnn.assign_variable`` takes the
value to store; both name their ``variable`` and carry its ``initial`` value (storage
type; absent: zeros). ``convert-qnn-to-buf`` gives each variable its bytes in the state
buffer (a ``buf.state`` op): the read then copies ``ins(%state)`` into its output view,
the assignment copies its input into ``outs(%state)``::

    %s = buf.state {variable = "acc", offset = 0 : i64} : memref<1x4xf32>
    qnn.read_variable ins(%s : memref<1x4xf32>) outs(%v : memref<1x4xf32>) {variable = "acc"}
    qnn.assign_variable ins(%n : memref<1x4xf32>) outs(%s : memref<1x4xf32>) {variable = "acc"}

The generated code copies the bytes (``memcpy``); every element type has the same kernel.
"""

from __future__ import annotations

from typing import ClassVar

from xdsl.dialects.builtin import DenseIntOrFPElementsAttr, StringAttr, TensorType
from xdsl.irdl import irdl_op_definition, opt_prop_def
from xdsl.utils.exceptions import VerifyException

from stai.dialects.qnn_base import InPlace, KernelOp, NoParams, ParamsSpec, element_kind


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


STATE_OPS = (ReadVariableOp, AssignVariableOp)
"""The ``qnn`` ops of persistent variables (in ``qnn.QNN``)."""
