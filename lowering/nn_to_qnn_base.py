"""The base of ``convert-nn-to-qnn``: the machine types and ``Lowering``, the builder of
one ``nn`` op's replacement, shared by the pattern modules (``convert_nn_to_qnn.py``,
``nn_to_qnn_shapes.py``)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from xdsl.dialects.builtin import (
    I64,
    DenseArrayBase,
    TensorType,
    UnrealizedConversionCastOp,
    f32,
    i64,
)
from xdsl.ir import Attribute, Operation, SSAValue
from xdsl.pattern_rewriter import (
    PatternRewriter,
)
from xdsl.rewriter import InsertPoint

from stai.dialects import nn, qnn

FLT_MAX = float(np.finfo(np.float32).max)

FLOAT_ACTIVATION_RANGES: dict[str, tuple[float, float]] = {
    "none": (-FLT_MAX, FLT_MAX),
    "relu": (0.0, FLT_MAX),
    "relu6": (0.0, 6.0),
    "relu_n1_to_1": (-1.0, 1.0),
}
"""The float clamp range of each fused activation (TFLite's ``CalculateActivationRange``)."""


# ----------------------------------------------------------------------------- helpers


def machine_type(t: Attribute) -> Attribute:
    """A tensor type with its element type lowered to the machine type (``!nn.q<i8,...>``
    -> ``i8``); other types unchanged."""
    if isinstance(t, TensorType) and isinstance(t.element_type, nn.QuantType):
        return TensorType(t.element_type.storage, t.get_shape())
    return t


def i64_array(attr: DenseArrayBase[I64]) -> DenseArrayBase[I64]:
    """A geometric property (strides, pads, ...) as ``array<i64: ...>``."""
    return DenseArrayBase.from_list(i64, [int(v) for v in attr.get_values()])


def float_act(activation: str) -> DenseArrayBase:
    lo, hi = FLOAT_ACTIVATION_RANGES[activation]
    return DenseArrayBase.from_list(f32, [lo, hi])


class Lowering:
    """Builds the replacement of one ``nn`` op: casts of its operands to machine types,
    the new ops, and a cast of the result back to its ``nn`` type (the casts cancel out
    once every op is converted)."""

    def __init__(self, op: Operation):
        self.op = op
        self.ops: list[Operation] = []

    def operand(self, value: SSAValue) -> SSAValue:
        """``value`` as a machine-typed value."""
        target = machine_type(value.type)
        if target == value.type:
            return value
        cast = UnrealizedConversionCastOp.get([value], [target])
        self.ops.append(cast)
        return cast.results[0]

    def kernel(
        self,
        cls: type[qnn.KernelOp],
        ins: Sequence[SSAValue],
        result_type: Attribute,
        properties: dict[str, Attribute],
    ) -> SSAValue:
        """Append a tensor-form ``qnn`` op carrying the ``nn`` op's discardable attributes."""
        new = cls.build(
            operands=[[self.operand(v) for v in ins], None, None],
            result_types=[machine_type(result_type)],
            properties=properties,
            attributes=dict(self.op.attributes),
        )
        self.ops.append(new)
        return new.results[0]

    def finish(self, rewriter: PatternRewriter, result: SSAValue) -> None:
        """Replace the ``nn`` op by the built ops; ``result`` stands for its result."""
        old = self.op.results[0]
        result.name_hint = old.name_hint
        if result.type != old.type:
            back = UnrealizedConversionCastOp.get([result], [old.type])
            self.ops.append(back)
            result = back.results[0]
        # Not ``rewriter.replace``: it would give the op's name to every new value.
        rewriter.insert(self.ops, InsertPoint.before(self.op))
        rewriter.replace_all_uses_with(old, result)
        rewriter.erase(self.op)


# ---------------------------------------------------------------------------- patterns
