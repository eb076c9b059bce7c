"""Typed kernel parameters of the ``qnn`` ops: one attribute type per parameter family.

Each family is an xDSL ``ParametrizedAttribute`` whose fields are the kernel's arithmetic
parameters, each of one of four kinds, given by its annotation:

* ``I32Param``: an ``i32`` integer (an offset, a Q31 multiplier, a shift...), ``128``;
* ``F32Param``: an ``f32`` float (a scale, ``beta``, ``alpha``...), ``5.000000e-01``;
* ``I32Array`` / ``F32Array``: a per-channel list, ``array<i32: ...>`` / ``array<f32: ...>``.

The IR spells a family's fields by name, in their declared order::

    #qnn.conv_s8<input_offset = 128, output_offset = -5,
                 multipliers = array<i32: 1073741824>, shifts = array<i32: -2>>

``KernelParams`` holds the shared parsing, printing, verification and construction
(``Family.make(input_offset=128, ...)``); a family only lists its typed fields (and which
arrays must have equal lengths, ``SAME_LENGTH``). The ops of ``stai.dialects.qnn`` say
which family they take for int8 and for float32 (``S8_PARAMS`` / ``F32_PARAMS``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import cache
from typing import Any, ClassVar, Self, TypeAlias

from xdsl.dialects.builtin import (
    I32,
    DenseArrayBase,
    Float32Type,
    FloatAttr,
    IntegerAttr,
    f32,
    i32,
)
from xdsl.ir import Attribute, ParametrizedAttribute
from xdsl.irdl import irdl_attr_definition
from xdsl.irdl.constraints import VerificationContext
from xdsl.parser import AttrParser
from xdsl.printer import Printer
from xdsl.utils.exceptions import VerifyException

I32Param: TypeAlias = IntegerAttr[I32]
F32Param: TypeAlias = FloatAttr[Float32Type]
I32Array: TypeAlias = DenseArrayBase[I32]
F32Array: TypeAlias = DenseArrayBase[Float32Type]

_I32_MIN, _I32_MAX = -(1 << 31), (1 << 31) - 1

_KIND_SAMPLES: tuple[tuple[str, Attribute], ...] = (
    ("i32", IntegerAttr(0, i32)),
    ("f32", FloatAttr(0.0, f32)),
    ("i32[]", DenseArrayBase.from_list(i32, [0])),
    ("f32[]", DenseArrayBase.from_list(f32, [0.0])),
)
"""One value of each field kind, to find a field's kind from its constraint."""


def _attr_of(kind: str, value: Any) -> Attribute:
    """The attribute of a field of ``kind`` holding the Python ``value``."""
    if isinstance(value, Attribute):
        return value
    if kind == "i32":
        return IntegerAttr(int(value), i32)
    if kind == "f32":
        return FloatAttr(float(value), f32)
    if kind == "i32[]":
        return DenseArrayBase.from_list(i32, [int(v) for v in value])
    return DenseArrayBase.from_list(f32, [float(v) for v in value])


class KernelParams(ParametrizedAttribute):
    """Base of the parameter families (not itself an attribute of the IR)."""

    SAME_LENGTH: ClassVar[tuple[str, ...]] = ()
    """Array fields that must hold as many values as each other (one per channel)."""

    # ------------------------------------------------------------------ fields
    @classmethod
    def fields(cls) -> tuple[tuple[str, str], ...]:
        """``(name, kind)`` of every field in order; kinds are ``i32``, ``f32``,
        ``i32[]`` and ``f32[]``."""
        return _fields(cls)

    @classmethod
    def field_names(cls) -> tuple[str, ...]:
        return tuple(name for name, _ in cls.fields())

    @classmethod
    def make(cls, **values: Any) -> Self:
        """The family from Python values (ints, floats, sequences) or attributes, by
        field name: ``ConvS8Params.make(input_offset=128, multipliers=[...], ...)``."""
        fields = cls.fields()
        unknown = set(values) - {name for name, _ in fields}
        missing = [name for name, _ in fields if name not in values]
        if unknown or missing:
            raise ValueError(f"{cls.name}: unknown fields {sorted(unknown)}, missing {missing}")
        return cls.new([_attr_of(kind, values[name]) for name, kind in fields])

    @classmethod
    def from_object(cls, obj: object) -> Self:
        """The family from the same-named attributes of ``obj`` (a ``quant_math`` result)."""
        return cls.make(**{name: getattr(obj, name) for name in cls.field_names()})

    def get(self, name: str) -> Attribute:
        """The field ``name`` (``KeyError`` if the family has none)."""
        if name not in self.field_names():
            raise KeyError(f"{self.name}: no parameter '{name}'")
        return getattr(self, name)

    def value(self, name: str) -> int | float | tuple[int, ...] | tuple[float, ...]:
        """The field ``name`` as a Python int, float or tuple."""
        attr = self.get(name)
        if isinstance(attr, DenseArrayBase):
            return attr.get_values()
        assert isinstance(attr, IntegerAttr | FloatAttr)
        return attr.value.data

    def ints(self, name: str) -> tuple[int, ...]:
        """An ``i32`` array field as a tuple of ints."""
        attr = self.get(name)
        assert isinstance(attr, DenseArrayBase)
        return tuple(int(v) for v in attr.get_values())

    # ------------------------------------------------------------------ verify
    def verify(self) -> None:
        lengths = {}
        for name, kind in self.fields():
            attr = getattr(self, name)
            if kind.endswith("[]"):
                if len(attr) == 0:
                    raise VerifyException(f"{self.name}: '{name}' must not be empty")
                if name in self.SAME_LENGTH:
                    lengths[name] = len(attr)
            elif kind == "f32" and not math.isfinite(attr.value.data):
                raise VerifyException(f"{self.name}: '{name}' must be finite")
        if len(set(lengths.values())) > 1:
            listed = ", ".join(f"{n} ({k})" for n, k in lengths.items())
            raise VerifyException(f"{self.name}: expected as many values in {listed}")

    # ------------------------------------------------------------ parse, print
    @classmethod
    def parse_parameters(cls, parser: AttrParser) -> Sequence[Attribute]:
        values: list[Attribute] = []
        parser.parse_punctuation("<")
        for i, (name, kind) in enumerate(cls.fields()):
            if i:
                parser.parse_punctuation(",", f" before '{name}' in {cls.name}")
            parser.parse_keyword(name, f" (field {i + 1} of {cls.name})")
            parser.parse_punctuation("=")
            values.append(_parse_value(parser, kind, f"{cls.name} '{name}'"))
        parser.parse_punctuation(">", f" after the last field of {cls.name}")
        return values

    def print_parameters(self, printer: Printer) -> None:
        printer.print_string("<")
        for i, (name, kind) in enumerate(self.fields()):
            if i:
                printer.print_string(", ")
            printer.print_string(f"{name} = ")
            attr = getattr(self, name)
            if kind == "i32":
                printer.print_string(str(attr.value.data))
            elif kind == "f32":
                printer.print_float(attr.value.data, f32)
            else:
                printer.print_attribute(attr)
        printer.print_string(">")


@cache
def _fields(cls: type[KernelParams]) -> tuple[tuple[str, str], ...]:
    found: list[tuple[str, str]] = []
    for name, param in cls.get_irdl_definition().parameters:
        kinds = []
        for kind, sample in _KIND_SAMPLES:
            try:
                param.constr.verify(sample, VerificationContext())
            except VerifyException:
                continue
            kinds.append(kind)
        if len(kinds) != 1:
            raise TypeError(f"{cls.__name__}.{name}: not an I32/F32 param or array")
        found.append((name, kinds[0]))
    return tuple(found)


def _parse_value(parser: AttrParser, kind: str, what: str) -> Attribute:
    if kind == "i32":
        pos = parser.pos
        value = parser.parse_integer(allow_boolean=False)
        if not _I32_MIN <= value <= _I32_MAX:
            parser.raise_error(f"{what}: {value} does not fit in i32", pos, parser.pos)
        return IntegerAttr(value, i32)
    if kind == "f32":
        return FloatAttr(float(parser.parse_number()), f32)
    pos = parser.pos
    attr = parser.parse_attribute()
    element = i32 if kind == "i32[]" else f32
    if not isinstance(attr, DenseArrayBase) or attr.elt_type != element:
        parser.raise_error(f"{what}: expected array<{element}: ...>", pos, parser.pos)
    return attr


# ------------------------------------------------------------------------ the families


@irdl_attr_definition
class ConvS8Params(KernelParams):
    """int8 convolution (``qnn.conv2d``, ``qnn.depthwise_conv2d``,
    ``qnn.conv2d_codebook``): offsets and per-output-channel Q31 multipliers and shifts;
    also the 16x8 (int16) convolutions, whose offsets are 0."""

    name = "qnn.conv_s8"
    SAME_LENGTH: ClassVar[tuple[str, ...]] = ("multipliers", "shifts")

    input_offset: I32Param
    output_offset: I32Param
    multipliers: I32Array
    shifts: I32Array


@irdl_attr_definition
class FullyConnectedS8Params(KernelParams):
    """int8 fully connected (``qnn.fully_connected``, ``qnn.fully_connected_codebook``):
    offsets, one multiplier and shift (per tensor) or one per output (per channel)."""

    name = "qnn.fully_connected_s8"
    SAME_LENGTH: ClassVar[tuple[str, ...]] = ("multipliers", "shifts")

    input_offset: I32Param
    filter_offset: I32Param
    output_offset: I32Param
    multipliers: I32Array
    shifts: I32Array


@irdl_attr_definition
class FullyConnectedS16Params(KernelParams):
    """16x8 fully connected (int16 activations, int8 weights, int64 bias; offsets 0): one
    multiplier and shift (per tensor) or one per output (per channel)."""

    name = "qnn.fully_connected_s16"
    SAME_LENGTH: ClassVar[tuple[str, ...]] = ("multipliers", "shifts")

    multipliers: I32Array
    shifts: I32Array


@irdl_attr_definition
class AddSubS8Params(KernelParams):
    """int8 addition and subtraction (TFLite Micro's ``ArithmeticParams``); also 16x8
    (int16) ones, whose offsets are 0 and left shift 15."""

    name = "qnn.add_sub_s8"

    left_shift: I32Param
    input1_offset: I32Param
    input1_multiplier: I32Param
    input1_shift: I32Param
    input2_offset: I32Param
    input2_multiplier: I32Param
    input2_shift: I32Param
    output_offset: I32Param
    output_multiplier: I32Param
    output_shift: I32Param


@irdl_attr_definition
class MulS8Params(KernelParams):
    """int8 multiplication."""

    name = "qnn.mul_s8"

    input1_offset: I32Param
    input2_offset: I32Param
    output_offset: I32Param
    output_multiplier: I32Param
    output_shift: I32Param


@irdl_attr_definition
class SoftmaxS8Params(KernelParams):
    """int8 softmax (``arm_softmax_s8``)."""

    name = "qnn.softmax_s8"

    multiplier: I32Param
    shift: I32Param
    diff_min: I32Param


@irdl_attr_definition
class SoftmaxS16Params(KernelParams):
    """16x8 softmax (``arm_softmax_s16``): the input differences' multiplier and shift
    (the exp and 1/(1+x) tables are fixed, ``quant_math.softmax_luts_s16``)."""

    name = "qnn.softmax_s16"

    multiplier: I32Param
    shift: I32Param


@irdl_attr_definition
class SoftmaxF32Params(KernelParams):
    """float softmax: ``exp(beta * x)``."""

    name = "qnn.softmax_f32"

    beta: F32Param


@irdl_attr_definition
class RequantizeS8Params(KernelParams):
    """An int8 requantization ``out = offset_out + (in + offset_in) * multiplier >> shift``
    (``qnn.clamp``, ``qnn.requantize``, ``qnn.mean``); also ``qnn.requantize`` between
    int8 and int16."""

    name = "qnn.requantize_s8"

    input_offset: I32Param
    output_offset: I32Param
    multiplier: I32Param
    shift: I32Param


@irdl_attr_definition
class LogisticTanhS8Params(KernelParams):
    """int8 logistic and tanh (TFLite Micro's fixed-point input rescaling)."""

    name = "qnn.logistic_tanh_s8"

    input_zero_point: I32Param
    input_range_radius: I32Param
    input_multiplier: I32Param
    input_left_shift: I32Param


@irdl_attr_definition
class LogisticTanhS16Params(KernelParams):
    """16x8 logistic and tanh (``stai_logistic_s16`` / ``stai_tanh_s16``): the input's
    rescaling to the sigmoid table's 1/(3 * 4096) steps (multiplier 0: a power-of-two
    scale, ``3 << input_left_shift``)."""

    name = "qnn.logistic_tanh_s16"

    input_multiplier: I32Param
    input_left_shift: I32Param


@irdl_attr_definition
class LeakyReluS8Params(KernelParams):
    """int8 leaky relu (``quant_math.LeakyReluParamsS8``)."""

    name = "qnn.leaky_relu_s8"

    input_offset: I32Param
    output_offset: I32Param
    identity_mult: I32Param
    identity_shift: I32Param
    alpha_mult: I32Param
    alpha_shift: I32Param


@irdl_attr_definition
class LeakyReluF32Params(KernelParams):
    """float leaky relu: the slope below zero."""

    name = "qnn.leaky_relu_f32"

    alpha: F32Param


@irdl_attr_definition
class HardSwishS8Params(KernelParams):
    """int8 hard swish (``quant_math.HardSwishParamsS8``)."""

    name = "qnn.hard_swish_s8"

    input_zero_point: I32Param
    output_zero_point: I32Param
    output_multiplier: I32Param
    output_multiplier_exponent: I32Param
    reluish_multiplier: I32Param
    reluish_multiplier_exponent: I32Param


@irdl_attr_definition
class PReluS8Params(KernelParams):
    """int8 prelu (``quant_math.PReluParamsS8``)."""

    name = "qnn.prelu_s8"

    input_offset: I32Param
    alpha_offset: I32Param
    output_offset: I32Param
    identity_mult: I32Param
    identity_shift: I32Param
    alpha_mult: I32Param
    alpha_shift: I32Param


@irdl_attr_definition
class QuantizationParams(KernelParams):
    """The int8 or int16 side of ``qnn.quantize`` / ``qnn.dequantize``:
    ``real = scale * (q - zp)``."""

    name = "qnn.quantization"

    scale: F32Param
    zero_point: I32Param


@irdl_attr_definition
class HybridConvParams(KernelParams):
    """Hybrid convolution and depthwise convolution: the int8 filter's scales (one, or one
    per output channel)."""

    name = "qnn.hybrid_conv"

    filter_scales: F32Array


@irdl_attr_definition
class HybridFullyConnectedParams(KernelParams):
    """Hybrid fully connected: the weights' scales (one, or one per output) and whether the
    input rows are quantized with a zero point (1) or symmetrically (0)."""

    name = "qnn.hybrid_fully_connected"

    filter_scales: F32Array
    asymmetric_inputs: I32Param

    def verify(self) -> None:
        super().verify()
        if self.asymmetric_inputs.value.data not in (0, 1):
            raise VerifyException(f"{self.name}: 'asymmetric_inputs' must be 0 or 1")


@irdl_attr_definition
class PadS8Params(KernelParams):
    """int8 padding: the code written in the border (the zero point)."""

    name = "qnn.pad_s8"

    pad_value: I32Param


@irdl_attr_definition
class PadF32Params(KernelParams):
    """float padding: the value written in the border."""

    name = "qnn.pad_f32"

    pad_value: F32Param


@irdl_attr_definition
class HardSigmoidF32Params(KernelParams):
    """float hard sigmoid ``clamp(alpha * x + beta, 0, 1)``."""

    name = "qnn.hard_sigmoid_f32"

    alpha: F32Param
    beta: F32Param


PARAM_FAMILIES: tuple[type[KernelParams], ...] = (
    ConvS8Params,
    FullyConnectedS8Params,
    FullyConnectedS16Params,
    AddSubS8Params,
    MulS8Params,
    SoftmaxS8Params,
    SoftmaxS16Params,
    SoftmaxF32Params,
    RequantizeS8Params,
    LogisticTanhS8Params,
    LogisticTanhS16Params,
    LeakyReluS8Params,
    LeakyReluF32Params,
    HardSwishS8Params,
    PReluS8Params,
    QuantizationParams,
    HybridConvParams,
    HybridFullyConnectedParams,
    PadS8Params,
    PadF32Params,
    HardSigmoidF32Params,
)
"""Every family, registered as attributes of the ``qnn`` dialect."""
