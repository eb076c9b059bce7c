"""Facts about ``nn`` ops, declared on each op as xDSL traits; passes ask the op.

Two facts are mandatory: every op of the ``nn`` dialect has exactly one ``QuantRule``
(read by ``quantize-nn``) and exactly one ``LayoutTrait`` (read by ``optimize-transposes``);
``tests/unit/test_nn_op_facts.py`` checks it. The others are present only where they hold:
``ChannelBias`` (optimize-transposes), ``FusibleProducer`` and ``FusesAs``
(fuse-activations). The ops declare them in ``dialects/nn.py``::

    traits = traits_def(Pure(), QuantRule(QuantKind.OWN_RANGE), ElementwiseUnary(), FusesAs("relu"))
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum

import numpy as np
from xdsl.dialects.builtin import DenseArrayBase, IntegerAttr, i64
from xdsl.ir import Attribute, Operation
from xdsl.traits import OpTrait
from xdsl.utils.exceptions import VerifyException

# ------------------------------------------------------------------- quantization


class QuantKind(Enum):
    """How post-training quantization (quantize-nn) gives an op int8 types."""

    WEIGHTED = "weighted"
    """int8 activation over its own range; the constant filter symmetric per output
    channel (along ``QuantRule.weight_axis``), the bias int32 at ``s_input * s_filter``."""
    SAME_AS_INPUT = "same_as_input"
    """The output keeps its (first) input's parameters."""
    FIXED_OUTPUT = "fixed_output"
    """The output has fixed parameters (``QuantRule.output``), whatever its range."""
    OWN_RANGE = "own_range"
    """The output is quantized over its own calibrated range."""
    DECOMPOSED = "decomposed"
    """Rewritten first into ops that quantize (swish: logistic, then mul)."""
    CONSTANT = "constant"
    """A constant: quantized by the op that reads it."""
    FLOAT = "float"
    """No int8 kernel: stays float, between a dequantize and a quantize."""


class ConstantQuant(Enum):
    """How an op's float constant operands are quantized."""

    NONE = "none"
    """Like any other operand (they need a calibrated range)."""
    OWN_RANGE = "own_range"
    """Per tensor over their own values (an unfolded batch norm's scale and offset)."""
    SYMMETRIC = "symmetric"
    """Those after the first operand (prelu's ``alpha``): per tensor, zero point 0."""


_INT8_KINDS = frozenset(
    {QuantKind.WEIGHTED, QuantKind.SAME_AS_INPUT, QuantKind.FIXED_OUTPUT, QuantKind.OWN_RANGE}
)


@dataclass(frozen=True)
class QuantRule(OpTrait):
    """Mandatory: how quantize-nn quantizes the op (see ``QuantKind``)."""

    kind: QuantKind
    output: tuple[float, int] | None = None
    """The (scale, zero point) of a ``FIXED_OUTPUT`` op."""
    weight_axis: int = 0
    """The filter axis of the per-channel scales of a ``WEIGHTED`` op."""
    constants: ConstantQuant = ConstantQuant.NONE
    """How its float constant operands are quantized."""
    inputs_take_output: bool = False
    """The inputs are requantized to the output's parameters (concat)."""

    def __post_init__(self) -> None:
        if (self.kind is QuantKind.FIXED_OUTPUT) != (self.output is not None):
            raise ValueError("QuantRule: output parameters go with FIXED_OUTPUT, and only it")

    @property
    def int8(self) -> bool:
        """Whether the op itself becomes an int8 op (it has an int8 kernel)."""
        return self.kind in _INT8_KINDS


FLOAT_RULE = QuantRule(QuantKind.FLOAT)


def quant_rule(op: Operation | type[Operation]) -> QuantRule:
    """The ``QuantRule`` of ``op`` (an op or an op class); FLOAT for an op of another
    dialect, an error for an ``nn`` op that declares none."""
    rule = op.get_trait(QuantRule)
    if rule is not None:
        return rule
    if op.name.startswith("nn."):
        raise ValueError(f"{op.name}: the op declares no QuantRule")
    return FLOAT_RULE


# ------------------------------------------------------------------------ layout


class LayoutTrait(OpTrait):
    """Mandatory: how the op behaves when its operands are transposed (read by
    optimize-transposes). An op has exactly one of the subclasses below."""


class ElementwiseUnary(LayoutTrait):
    """One operand, element by element: ``f(transpose(x)) == transpose(f(x))``."""


class ElementwiseBinary(LayoutTrait):
    """Two operands, element by element with broadcasting: the same transpose of both
    operands (or of one, the other a constant) moves to the result."""


class RemapsAxes(LayoutTrait):
    """Commutes with a transpose of its operands once the properties naming axes are
    permuted (``untransposed_properties``)."""

    def untransposed_properties(self, op: Operation, perm: Sequence[int]) -> dict[str, Attribute]:
        """The properties of ``op`` computing on its operands before their transpose by
        ``perm`` (its result is then transposed by ``perm``)."""
        raise NotImplementedError


class ConcatAxis(RemapsAxes):
    """``axis`` names one axis of the result."""

    def untransposed_properties(self, op: Operation, perm: Sequence[int]) -> dict[str, Attribute]:
        axis = op.properties["axis"]
        assert isinstance(axis, IntegerAttr)
        return {**op.properties, "axis": IntegerAttr(perm[axis.value.data], axis.type)}


class PadAxes(RemapsAxes):
    """``pads`` holds before/after for every axis in order."""

    def untransposed_properties(self, op: Operation, perm: Sequence[int]) -> dict[str, Attribute]:
        attr = op.properties["pads"]
        assert isinstance(attr, DenseArrayBase)
        pads = [int(p) for p in attr.get_values()]
        inv = [list(perm).index(d) for d in range(len(perm))]
        new = [pads[2 * inv[d] + k] for d in range(len(perm)) for k in (0, 1)]
        return {**op.properties, "pads": DenseArrayBase.from_list(i64, new)}


class SliceAxes(RemapsAxes):
    """``begin`` and ``strides`` hold one value per axis in order (strided slice)."""

    def untransposed_properties(self, op: Operation, perm: Sequence[int]) -> dict[str, Attribute]:
        inv = [list(perm).index(d) for d in range(len(perm))]
        new = dict(op.properties)
        for name in ("begin", "strides"):
            attr = op.properties[name]
            assert isinstance(attr, DenseArrayBase)
            values = [int(v) for v in attr.get_values()]
            new[name] = DenseArrayBase.from_list(i64, [values[inv[d]] for d in range(len(perm))])
        return new


class LayoutSensitive(LayoutTrait):
    """Depends on the layout (convolutions, pools, softmax or mean over given axes,
    reshape...): a transpose does not move through it."""


class FoldsTranspose(LayoutTrait):
    """A constant: a transpose of it becomes a transposed constant."""


class IsTranspose(LayoutTrait):
    """``nn.transpose`` itself: transposes compose."""


MANDATORY: tuple[type[OpTrait], ...] = (QuantRule, LayoutTrait)
"""The facts every ``nn`` op declares exactly once."""


def missing_facts(op_type: type[Operation]) -> list[str]:
    """The mandatory facts ``op_type`` does not declare exactly once (empty when complete)."""
    return [
        f"{op_type.name}: {len(op_type.get_traits_of_type(fact))} {fact.__name__} (one expected)"
        for fact in MANDATORY
        if len(op_type.get_traits_of_type(fact)) != 1
    ]


# ------------------------------------------------------------------ other facts


class ChannelBias(OpTrait):
    """Operands ``(input, filter, bias)``, the bias along the output channels, and an
    ``activation``: a constant added after the op folds into its bias (optimize-transposes)."""

    def verify(self, op: Operation) -> None:
        if len(op.operands) != 3 or "activation" not in op.properties:
            raise VerifyException(
                f"{op.name}: a biased op has (input, filter, bias) and an activation"
            )


class FusibleProducer(OpTrait):
    """Has an ``activation`` property a standalone relu after it folds into
    (fuse-activations)."""

    def verify(self, op: Operation) -> None:
        if "activation" not in op.properties:
            raise VerifyException(f"{op.name}: a fusible producer needs an activation")


@dataclass(frozen=True)
class FusesAs(OpTrait):
    """A standalone activation that folds into its producer's ``activation`` as
    ``activation`` (fuse-activations)."""

    activation: str


# ------------------------------------------------------------------- shapes


def broadcast_shape(op_name: str, lhs: Sequence[int], rhs: Sequence[int]) -> tuple[int, ...]:
    """The broadcast shape of two operand shapes (numpy rules), or a `VerifyException`
    naming both shapes."""
    try:
        return tuple(np.broadcast_shapes(tuple(lhs), tuple(rhs)))
    except ValueError:
        raise VerifyException(
            f"{op_name}: operand shapes {list(lhs)} and {list(rhs)} do not broadcast"
        ) from None
