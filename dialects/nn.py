"""The ``nn`` dialect: framework-level neural-network operators on tensors.

Tensors are NHWC. An element type is ``f32`` for float models, or ``!nn.q<...>``: a
uniformly quantized integer with a scale and zero point (``real = scale * (q - zp)``),
per tensor or per channel along one axis. Every frontend produces this dialect;
``transforms/`` rewrite it, ``convert-nn-to-qnn`` lowers it to kernel-level ``qnn``.

Example::

    %y = nn.conv2d %x, %w, %b {strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>,
           pads = array<i64: 0, 1, 0, 1>, activation = "relu"}
         : (tensor<1x49x10x1x!nn.q<i8, 0.58470290899276733 : 83>>, ...) -> tensor<...>
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from xdsl.dialects.builtin import (
    I64,
    AnyDenseElement,
    ArrayAttr,
    BytesAttr,
    DenseArrayBase,
    DenseIntOrFPElementsAttr,
    Float32Type,
    FloatAttr,
    FloatData,
    IntAttr,
    IntegerAttr,
    IntegerType,
    MemRefType,
    StringAttr,
    TensorType,
    UnitAttr,
    i64,
)
from xdsl.ir import Attribute, Dialect, ParametrizedAttribute, TypeAttribute
from xdsl.irdl import (
    IRDLOperation,
    ParsePropInAttrDict,
    irdl_attr_definition,
    irdl_op_definition,
    operand_def,
    opt_prop_def,
    prop_def,
    result_def,
    traits_def,
    var_operand_def,
)
from xdsl.parser import AttrParser
from xdsl.printer import Printer
from xdsl.traits import Pure
from xdsl.utils.exceptions import VerifyException
from xdsl.utils.hints import isa

from stai.dialects.nn_traits import (
    ChannelBias,
    ConcatAxis,
    ConstantQuant,
    ElementwiseBinary,
    ElementwiseUnary,
    FoldsTranspose,
    FusesAs,
    FusibleProducer,
    IsTranspose,
    LayoutSensitive,
    PadAxes,
    QuantKind,
    QuantRule,
    broadcast_shape,
)

# --------------------------------------------------------------------------- types


@irdl_attr_definition
class QuantType(ParametrizedAttribute, TypeAttribute):
    """A uniformly quantized integer element type.

    Per tensor: ``!nn.q<i8, 0.5 : -128>``.
    Per channel along ``axis``: ``!nn.q<i8, axis 0, [0.1, 0.2] : [0, 0]>``.
    Scales are stored as exact doubles (TFLite keeps them as float32).
    """

    name = "nn.q"

    storage: IntegerType
    scales: ArrayAttr[FloatData]
    zero_points: ArrayAttr[IntAttr]
    axis: IntAttr

    def __init__(
        self,
        storage: IntegerType,
        scales: Sequence[float],
        zero_points: Sequence[int],
        axis: int = -1,
    ):
        super().__init__(
            storage,
            ArrayAttr([FloatData(float(s)) for s in scales]),
            ArrayAttr([IntAttr(int(z)) for z in zero_points]),
            IntAttr(axis),
        )

    @property
    def per_channel(self) -> bool:
        return self.axis.data >= 0

    @property
    def scale(self) -> float:
        """The scale of a per-tensor type."""
        return self.scales.data[0].data

    @property
    def zero_point(self) -> int:
        """The zero point of a per-tensor type."""
        return self.zero_points.data[0].data

    def scale_list(self) -> list[float]:
        return [s.data for s in self.scales.data]

    def zero_point_list(self) -> list[int]:
        return [z.data for z in self.zero_points.data]

    def verify(self) -> None:
        if len(self.scales.data) != len(self.zero_points.data):
            raise VerifyException("nn.q: as many scales as zero points are expected")
        if not self.scales.data:
            raise VerifyException("nn.q: at least one scale is expected")
        if self.axis.data < 0 and len(self.scales.data) != 1:
            raise VerifyException("nn.q: a per-tensor type has exactly one scale")
        if any(not 0.0 < s.data < float("inf") for s in self.scales.data):
            raise VerifyException("nn.q: scales must be positive and finite")
        lo, hi = _storage_range(self.storage)
        if any(not lo <= z.data <= hi for z in self.zero_points.data):
            raise VerifyException("nn.q: zero point outside the storage type's range")

    @classmethod
    def parse_parameters(cls, parser: AttrParser) -> list[Attribute]:
        parser.parse_punctuation("<")
        storage = parser.parse_type()
        if not isinstance(storage, IntegerType):
            parser.raise_error("nn.q: the storage type must be an integer type")
        parser.parse_punctuation(",")
        axis = -1
        if parser.parse_optional_keyword("axis") is not None:
            axis = parser.parse_integer(allow_negative=False)
            parser.parse_punctuation(",")
            scales = parser.parse_comma_separated_list(parser.Delimiter.SQUARE, parser.parse_float)
            parser.parse_punctuation(":")
            zps = parser.parse_comma_separated_list(
                parser.Delimiter.SQUARE, lambda: parser.parse_integer(allow_boolean=False)
            )
        else:
            scales = [parser.parse_float()]
            parser.parse_punctuation(":")
            zps = [parser.parse_integer(allow_boolean=False)]
        parser.parse_punctuation(">")
        return [
            storage,
            ArrayAttr([FloatData(s) for s in scales]),
            ArrayAttr([IntAttr(z) for z in zps]),
            IntAttr(axis),
        ]

    def print_parameters(self, printer: Printer) -> None:
        printer.print_string("<")
        printer.print_attribute(self.storage)
        printer.print_string(", ")
        if self.per_channel:
            printer.print_string(f"axis {self.axis.data}, [")
            printer.print_string(", ".join(repr(s) for s in self.scale_list()))
            printer.print_string("] : [")
            printer.print_string(", ".join(str(z) for z in self.zero_point_list()))
            printer.print_string("]")
        else:
            printer.print_string(f"{self.scale!r} : {self.zero_point}")
        printer.print_string(">")


def _storage_range(storage: IntegerType) -> tuple[int, int]:
    width = storage.width.data
    return -(1 << (width - 1)), (1 << (width - 1)) - 1


def storage_type(element_type: Attribute) -> Attribute:
    """The machine type of an element type: ``i8`` for ``!nn.q<i8, ...>``, else itself."""
    return element_type.storage if isinstance(element_type, QuantType) else element_type


def is_quantized(tensor_type: Attribute) -> bool:
    return isinstance(tensor_type, TensorType) and isinstance(tensor_type.element_type, QuantType)


# ----------------------------------------------------------------------- helpers

ACTIVATIONS = ("none", "relu", "relu6", "relu_n1_to_1")
"""Fused activations: a clamp of the result (the TFLite set that kernels implement)."""


def _tensor(op: IRDLOperation, value_name: str, rank: int | None = None) -> TensorType:
    value = getattr(op, value_name)
    t = value.type
    if not isinstance(t, TensorType):
        raise VerifyException(f"{op.name}: {value_name} must be a tensor")
    if rank is not None and len(t.get_shape()) != rank:
        raise VerifyException(
            f"{op.name}: {value_name} must have rank {rank}, got {len(t.get_shape())}"
        )
    return t


def _check_float_or_quant(op: IRDLOperation, t: TensorType, what: str) -> None:
    if not isinstance(t.element_type, Float32Type | QuantType):
        raise VerifyException(f"{op.name}: {what} must hold f32 or !nn.q elements")


def _ints(attr: DenseArrayBase[I64] | None) -> tuple[int, ...]:
    return () if attr is None else attr.get_values()


def _check_len(op: IRDLOperation, attr_name: str, n: int) -> None:
    values = _ints(getattr(op, attr_name))
    if len(values) != n:
        raise VerifyException(f"{op.name}: {attr_name} must have {n} values, got {len(values)}")


class _NNOp(IRDLOperation):
    """Common format of ``nn`` ops: operands, attributes, and a functional type. They are
    pure; each declares its facts as traits (``dialects/nn_traits.py``)."""

    assembly_format = "operands attr-dict `:` functional-type(operands, results)"
    irdl_options = (ParsePropInAttrDict(),)
    traits = traits_def(Pure())


def _verify_activation(op: IRDLOperation) -> None:
    act = getattr(op, "activation", None)
    if act is not None and act.data not in ACTIVATIONS:
        raise VerifyException(
            f"{op.name}: unknown activation '{act.data}' (expected one of {', '.join(ACTIVATIONS)})"
        )


# ------------------------------------------------------------------------- ops


@irdl_op_definition
class ConstantOp(IRDLOperation):
    """A constant tensor (weights, biases). The data is stored in its machine type.

    ``%w = nn.constant dense<...> : tensor<8x3x3x1xi8> -> tensor<8x3x3x1x!nn.q<...>>``
    """

    name = "nn.constant"
    value = prop_def(DenseIntOrFPElementsAttr)
    output = result_def(TensorType)
    traits = traits_def(Pure(), QuantRule(QuantKind.CONSTANT), FoldsTranspose())
    assembly_format = "$value attr-dict `->` type($output)"

    def __init__(self, array: np.ndarray, result_type: TensorType):
        storage = storage_type(result_type.element_type)
        data_type = TensorType(storage, result_type.get_shape())
        value = dense_attr(data_type, np.ascontiguousarray(array).tobytes())
        super().__init__(properties={"value": value}, result_types=[result_type])

    def to_numpy(self) -> np.ndarray:
        return dense_to_numpy(self.value)

    def verify_(self) -> None:
        out = self.output.type
        assert isinstance(out, TensorType)
        vt = self.value.type
        if tuple(vt.get_shape()) != tuple(out.get_shape()):
            raise VerifyException("nn.constant: value and result shapes differ")
        if vt.element_type != storage_type(out.element_type):
            raise VerifyException("nn.constant: value type is not the result's storage type")


_NUMPY_OF = {"i8": np.int8, "i16": np.int16, "i32": np.int32, "i64": np.int64, "f32": np.float32}


def numpy_dtype(element_type: Attribute) -> np.dtype:
    """The numpy dtype of a machine element type (``i8``, ``i32``, ``f32``...)."""
    t = storage_type(element_type)
    if isinstance(t, IntegerType):
        key = f"i{t.width.data}"
    elif isinstance(t, Float32Type):
        key = "f32"
    else:
        raise ValueError(f"no numpy dtype for {t}")
    return np.dtype(_NUMPY_OF[key])


def dense_attr(shaped: TensorType | MemRefType, data: bytes) -> DenseIntOrFPElementsAttr:
    """The dense attribute of type ``shaped`` (integer or float elements) holding ``data``."""
    if not isa(shaped, TensorType[AnyDenseElement] | MemRefType[AnyDenseElement]):
        raise VerifyException(f"a dense attribute cannot hold the elements of {shaped}")
    return DenseIntOrFPElementsAttr(shaped, BytesAttr(data))


def dense_to_numpy(attr: DenseIntOrFPElementsAttr) -> np.ndarray:
    """The contents of a dense attribute as a numpy array of its shape."""
    t = attr.type
    dtype = numpy_dtype(t.element_type)
    data = np.frombuffer(attr.data.data, dtype=dtype)
    shape = tuple(t.get_shape())
    if data.size == 1 and int(np.prod(shape)) != 1:  # splat
        return np.full(shape, data[0], dtype=dtype)
    return data.reshape(shape)


class _ConvLikeOp(_NNOp):
    input = operand_def(TensorType)
    filter = operand_def(TensorType)
    bias = operand_def(TensorType)
    strides = prop_def(DenseArrayBase[I64])
    dilations = prop_def(DenseArrayBase[I64])
    pads = prop_def(DenseArrayBase[I64])
    """Explicit padding: top, bottom, left, right."""
    activation = prop_def(StringAttr)
    output = result_def(TensorType)
    traits = traits_def(LayoutSensitive(), ChannelBias(), FusibleProducer())

    def verify_(self) -> None:
        x = _tensor(self, "input", 4)
        _tensor(self, "filter", 4)
        _tensor(self, "bias", 1)
        y = _tensor(self, "output", 4)
        _check_float_or_quant(self, x, "input")
        _check_float_or_quant(self, y, "output")
        _check_len(self, "strides", 2)
        _check_len(self, "dilations", 2)
        _check_len(self, "pads", 4)
        _verify_activation(self)


@irdl_op_definition
class Conv2DOp(_ConvLikeOp):
    """2-D convolution. Filter ``[out_c, kh, kw, in_c]``, bias ``[out_c]``."""

    name = "nn.conv2d"
    traits = traits_def(QuantRule(QuantKind.WEIGHTED))


@irdl_op_definition
class DepthwiseConv2DOp(_ConvLikeOp):
    """Depthwise convolution. Filter ``[1, kh, kw, in_c * depth_multiplier]``."""

    name = "nn.depthwise_conv2d"
    traits = traits_def(QuantRule(QuantKind.WEIGHTED, weight_axis=3))
    depth_multiplier = prop_def(IntegerAttr)


@irdl_op_definition
class FullyConnectedOp(_NNOp):
    """``y = x @ w.T + b`` over the last axis. Weights ``[out, in]``, bias ``[out]``.

    A hybrid fully connected (f32 input, ``!nn.q<i8, ...>`` weights) quantizes each input
    row at run time: with a zero point when ``asymmetric_inputs`` is present (TFLite's
    ``asymmetric_quantize_inputs``), symmetrically otherwise.
    """

    name = "nn.fully_connected"
    input = operand_def(TensorType)
    filter = operand_def(TensorType)
    bias = operand_def(TensorType)
    activation = prop_def(StringAttr)
    asymmetric_inputs = opt_prop_def(UnitAttr)
    output = result_def(TensorType)
    traits = traits_def(
        QuantRule(QuantKind.WEIGHTED), LayoutSensitive(), ChannelBias(), FusibleProducer()
    )

    def verify_(self) -> None:
        _tensor(self, "filter", 2)
        _tensor(self, "bias", 1)
        _check_float_or_quant(self, _tensor(self, "input"), "input")
        _verify_activation(self)


class _PoolOp(_NNOp):
    input = operand_def(TensorType)
    kernel = prop_def(DenseArrayBase[I64])
    strides = prop_def(DenseArrayBase[I64])
    pads = prop_def(DenseArrayBase[I64])
    activation = prop_def(StringAttr)
    output = result_def(TensorType)
    traits = traits_def(QuantRule(QuantKind.SAME_AS_INPUT), LayoutSensitive(), FusibleProducer())

    def verify_(self) -> None:
        _tensor(self, "input", 4)
        _tensor(self, "output", 4)
        _check_len(self, "kernel", 2)
        _check_len(self, "strides", 2)
        _check_len(self, "pads", 4)
        _verify_activation(self)


@irdl_op_definition
class AvgPool2DOp(_PoolOp):
    """Average pooling; padded elements are not counted."""

    name = "nn.avg_pool2d"


@irdl_op_definition
class MaxPool2DOp(_PoolOp):
    name = "nn.max_pool2d"


class _BinaryOp(_NNOp):
    """An elementwise binary op with NHWC broadcasting and a fused activation."""

    lhs = operand_def(TensorType)
    rhs = operand_def(TensorType)
    activation = prop_def(StringAttr)
    output = result_def(TensorType)
    traits = traits_def(ElementwiseBinary())

    def verify_(self) -> None:
        a, b, y = _tensor(self, "lhs"), _tensor(self, "rhs"), _tensor(self, "output")
        _verify_activation(self)
        shape = broadcast_shape(self.name, a.get_shape(), b.get_shape())
        if tuple(shape) != tuple(y.get_shape()):
            raise VerifyException(
                f"{self.name}: result shape {tuple(y.get_shape())} is not the broadcast "
                f"shape {tuple(shape)} of the operands"
            )


class _ArithOp(_BinaryOp):
    """Add, sub, mul: int8 kernels, float constant operands quantized over their own range
    (an unfolded batch norm's scale and offset), a relu folds into them."""

    traits = traits_def(
        QuantRule(QuantKind.OWN_RANGE, constants=ConstantQuant.OWN_RANGE), FusibleProducer()
    )


@irdl_op_definition
class AddOp(_ArithOp):
    name = "nn.add"


@irdl_op_definition
class SubOp(_ArithOp):
    name = "nn.sub"


@irdl_op_definition
class MulOp(_ArithOp):
    name = "nn.mul"


@irdl_op_definition
class DivOp(_BinaryOp):
    name = "nn.div"
    traits = traits_def(QuantRule(QuantKind.FLOAT))


class _UnaryOp(_NNOp):
    input = operand_def(TensorType)
    output = result_def(TensorType)

    def verify_(self) -> None:
        x, y = _tensor(self, "input"), _tensor(self, "output")
        if tuple(x.get_shape()) != tuple(y.get_shape()):
            raise VerifyException(f"{self.name}: input and result shapes differ")


class _ElementwiseOp(_UnaryOp):
    """A unary op computed element by element."""

    traits = traits_def(ElementwiseUnary())


@irdl_op_definition
class ReluOp(_ElementwiseOp):
    name = "nn.relu"
    traits = traits_def(QuantRule(QuantKind.OWN_RANGE), FusesAs("relu"))


@irdl_op_definition
class Relu6Op(_ElementwiseOp):
    name = "nn.relu6"
    # same as input: TFLite Micro's int8 RELU6 clamps the input codes, never rescales
    traits = traits_def(QuantRule(QuantKind.SAME_AS_INPUT), FusesAs("relu6"))


@irdl_op_definition
class ReluN1To1Op(_ElementwiseOp):
    name = "nn.relu_n1_to_1"
    traits = traits_def(QuantRule(QuantKind.OWN_RANGE), FusesAs("relu_n1_to_1"))


@irdl_op_definition
class LogisticOp(_ElementwiseOp):
    name = "nn.logistic"
    traits = traits_def(QuantRule(QuantKind.FIXED_OUTPUT, output=(1.0 / 256.0, -128)))


@irdl_op_definition
class TanhOp(_ElementwiseOp):
    name = "nn.tanh"
    traits = traits_def(QuantRule(QuantKind.FIXED_OUTPUT, output=(1.0 / 128.0, 0)))


@irdl_op_definition
class HardSwishOp(_ElementwiseOp):
    name = "nn.hard_swish"
    traits = traits_def(QuantRule(QuantKind.OWN_RANGE))


@irdl_op_definition
class LeakyReluOp(_ElementwiseOp):
    name = "nn.leaky_relu"
    traits = traits_def(QuantRule(QuantKind.OWN_RANGE))
    alpha = prop_def(FloatAttr)


@irdl_op_definition
class QuantizeOp(_ElementwiseOp):
    """f32 -> quantized, or quantized -> quantized with other parameters (requantize)."""

    name = "nn.quantize"
    traits = traits_def(QuantRule(QuantKind.FLOAT))


@irdl_op_definition
class DequantizeOp(_ElementwiseOp):
    """quantized -> f32."""

    name = "nn.dequantize"
    traits = traits_def(QuantRule(QuantKind.FLOAT))


@irdl_op_definition
class SoftmaxOp(_UnaryOp):
    """Softmax over the last axis: ``exp(beta * x) / sum(exp(beta * x))``."""

    name = "nn.softmax"
    traits = traits_def(
        QuantRule(QuantKind.FIXED_OUTPUT, output=(1.0 / 256.0, -128)), LayoutSensitive()
    )
    beta = prop_def(FloatAttr)


@irdl_op_definition
class ReshapeOp(_NNOp):
    """Same elements, another shape (the result type gives it)."""

    name = "nn.reshape"
    input = operand_def(TensorType)
    output = result_def(TensorType)
    traits = traits_def(QuantRule(QuantKind.SAME_AS_INPUT), LayoutSensitive())

    def verify_(self) -> None:
        x, y = _tensor(self, "input"), _tensor(self, "output")
        if x.element_count() != y.element_count():
            raise VerifyException(
                f"nn.reshape: {x.element_count()} elements cannot become {y.element_count()}"
            )
        if x.element_type != y.element_type:
            raise VerifyException("nn.reshape: element types differ")


@irdl_op_definition
class PadOp(_NNOp):
    """Constant padding; ``pads`` holds before/after for every dimension in order."""

    name = "nn.pad"
    input = operand_def(TensorType)
    pads = prop_def(DenseArrayBase[I64])
    output = result_def(TensorType)
    traits = traits_def(QuantRule(QuantKind.SAME_AS_INPUT), PadAxes())

    def verify_(self) -> None:
        x, y = _tensor(self, "input"), _tensor(self, "output")
        pads = _ints(self.pads)
        rank = len(x.get_shape())
        if len(pads) != 2 * rank:
            raise VerifyException(f"nn.pad: pads must have {2 * rank} values")
        expected = tuple(d + pads[2 * i] + pads[2 * i + 1] for i, d in enumerate(x.get_shape()))
        if expected != tuple(y.get_shape()):
            raise VerifyException(f"nn.pad: result shape must be {expected}")


@irdl_op_definition
class ConcatOp(_NNOp):
    """Concatenation along ``axis``."""

    name = "nn.concat"
    inputs = var_operand_def(TensorType)
    axis = prop_def(IntegerAttr)
    activation = prop_def(StringAttr)
    output = result_def(TensorType)
    traits = traits_def(
        QuantRule(QuantKind.OWN_RANGE, inputs_take_output=True), ConcatAxis(), FusibleProducer()
    )

    def verify_(self) -> None:
        _verify_activation(self)
        y = _tensor(self, "output")
        axis = self.axis.value.data
        rank = len(y.get_shape())
        if not 0 <= axis < rank:
            raise VerifyException(f"nn.concat: axis {axis} out of range for rank {rank}")
        total = 0
        for value in self.inputs:
            t = value.type
            assert isinstance(t, TensorType)
            shape = t.get_shape()
            if len(shape) != rank or any(
                s != o for i, (s, o) in enumerate(zip(shape, y.get_shape())) if i != axis
            ):
                raise VerifyException("nn.concat: inputs differ from the result off the axis")
            total += shape[axis]
        if total != y.get_shape()[axis]:
            raise VerifyException("nn.concat: the inputs' sizes along the axis do not add up")


@irdl_op_definition
class MeanOp(_NNOp):
    """Mean over ``axes`` (stai's kernels cover H and W of NHWC)."""

    name = "nn.mean"
    input = operand_def(TensorType)
    axes = prop_def(DenseArrayBase[I64])
    keep_dims = prop_def(IntegerAttr)
    output = result_def(TensorType)
    traits = traits_def(QuantRule(QuantKind.OWN_RANGE), LayoutSensitive())


@irdl_op_definition
class SwishOp(_ElementwiseOp):
    """Swish (SiLU): ``x * logistic(x)``."""

    name = "nn.swish"
    traits = traits_def(QuantRule(QuantKind.DECOMPOSED))


@irdl_op_definition
class HardSigmoidOp(_ElementwiseOp):
    """Hard sigmoid: ``min(max(alpha * x + beta, 0), 1)`` (Keras 3: alpha 1/6, beta 0.5)."""

    name = "nn.hard_sigmoid"
    traits = traits_def(QuantRule(QuantKind.OWN_RANGE))
    alpha = prop_def(FloatAttr)
    beta = prop_def(FloatAttr)


@irdl_op_definition
class PReluOp(_NNOp):
    """Parametric relu: ``x >= 0 ? x : alpha * x``; ``alpha`` broadcasts to ``x`` (numpy rules)."""

    name = "nn.prelu"
    input = operand_def(TensorType)
    alpha = operand_def(TensorType)
    output = result_def(TensorType)
    traits = traits_def(
        QuantRule(QuantKind.OWN_RANGE, constants=ConstantQuant.SYMMETRIC), LayoutSensitive()
    )

    def verify_(self) -> None:
        x, a, y = _tensor(self, "input"), _tensor(self, "alpha"), _tensor(self, "output")
        x_shape = tuple(x.get_shape())
        if tuple(y.get_shape()) != x_shape:
            raise VerifyException("nn.prelu: input and result shapes differ")
        try:
            shape = np.broadcast_shapes(x_shape, tuple(a.get_shape()))
        except ValueError:
            shape = None
        if shape != x_shape:
            raise VerifyException("nn.prelu: alpha does not broadcast to the input's shape")


@irdl_op_definition
class LstmOp(_NNOp):
    """A forward LSTM layer without state kept between calls (both states start at zero).

    Input ``[batch, time, features]``; ``weights [4 * units, features]``, ``recurrent
    [4 * units, units]`` and ``bias [4 * units]`` hold the gates in the order input, forget,
    cell, output. Gates use the logistic, the cell and the output ``tanh``:
    ``c = f * c + i * g``, ``h = o * tanh(c)``. The result is every step's ``h``
    (``[batch, time, units]``, ``return_sequences = 1``) or the last one (``[batch, units]``).
    """

    name = "nn.lstm"
    input = operand_def(TensorType)
    weights = operand_def(TensorType)
    recurrent = operand_def(TensorType)
    bias = operand_def(TensorType)
    return_sequences = prop_def(IntegerAttr)
    output = result_def(TensorType)
    traits = traits_def(QuantRule(QuantKind.FLOAT), LayoutSensitive())

    def verify_(self) -> None:
        batch, time, features = _tensor(self, "input", 3).get_shape()
        gates, depth = _tensor(self, "weights", 2).get_shape()
        units = gates // 4
        if gates != 4 * units or depth != features:
            raise VerifyException(f"nn.lstm: weights must be [4 * units, {features}]")
        if tuple(_tensor(self, "recurrent", 2).get_shape()) != (gates, units):
            raise VerifyException(f"nn.lstm: recurrent weights must be [{gates}, {units}]")
        if tuple(_tensor(self, "bias", 1).get_shape()) != (gates,):
            raise VerifyException(f"nn.lstm: bias must be [{gates}]")
        sequences = self.return_sequences.value.data != 0
        expected = (batch, time, units) if sequences else (batch, units)
        if tuple(_tensor(self, "output").get_shape()) != expected:
            raise VerifyException(f"nn.lstm: the result must have shape {expected}")


@irdl_op_definition
class TransposeOp(_NNOp):
    """A permutation of the dimensions: result dimension ``i`` is input dimension ``perm[i]``."""

    name = "nn.transpose"
    input = operand_def(TensorType)
    perm = prop_def(DenseArrayBase[I64])
    output = result_def(TensorType)
    traits = traits_def(QuantRule(QuantKind.SAME_AS_INPUT), IsTranspose())

    def verify_(self) -> None:
        x, y = _tensor(self, "input"), _tensor(self, "output")
        perm = _ints(self.perm)
        shape = tuple(x.get_shape())
        if sorted(perm) != list(range(len(shape))):
            raise VerifyException(
                f"nn.transpose: perm {list(perm)} is not a permutation of rank {len(shape)}"
            )
        expected = tuple(shape[p] for p in perm)
        if tuple(y.get_shape()) != expected:
            raise VerifyException(f"nn.transpose: the result must have shape {expected}")
        if x.element_type != y.element_type:
            raise VerifyException("nn.transpose: element types differ")


@irdl_op_definition
class ClampOp(_ElementwiseOp):
    """``min(max(x, min), max)`` with any float bounds (relu, relu6 and relu_n1_to_1 are
    the common cases, with their own ops)."""

    name = "nn.clamp"
    traits = traits_def(QuantRule(QuantKind.OWN_RANGE))
    min = prop_def(FloatAttr)
    max = prop_def(FloatAttr)


@irdl_op_definition
class TransposeConv2DOp(_NNOp):
    """Transposed 2-D convolution (the gradient of a convolution). Input ``[n, h, w, in_c]``,
    filter ``[out_c, kh, kw, in_c]``, bias ``[out_c]``. Every input pixel scatters
    ``filter * x`` into the full output at ``(y * stride, x * stride)`` (taps ``dilation``
    apart); ``pads`` (top, bottom, left, right) are cropped from the full output, whose
    remaining size is the result type's."""

    name = "nn.transpose_conv2d"
    input = operand_def(TensorType)
    filter = operand_def(TensorType)
    bias = operand_def(TensorType)
    strides = prop_def(DenseArrayBase[I64])
    dilations = prop_def(DenseArrayBase[I64])
    pads = prop_def(DenseArrayBase[I64])
    activation = prop_def(StringAttr)
    output = result_def(TensorType)
    traits = traits_def(QuantRule(QuantKind.FLOAT), LayoutSensitive(), ChannelBias())

    def verify_(self) -> None:
        x = _tensor(self, "input", 4)
        w = _tensor(self, "filter", 4)
        _tensor(self, "bias", 1)
        y = _tensor(self, "output", 4)
        _check_float_or_quant(self, x, "input")
        _check_float_or_quant(self, y, "output")
        _check_len(self, "strides", 2)
        _check_len(self, "dilations", 2)
        _check_len(self, "pads", 4)
        _verify_activation(self)
        if w.get_shape()[3] != x.get_shape()[3] or w.get_shape()[0] != y.get_shape()[3]:
            raise VerifyException("nn.transpose_conv2d: the filter must be [out_c, kh, kw, in_c]")


_OPS = (
    (ConstantOp, Conv2DOp, DepthwiseConv2DOp, FullyConnectedOp, AvgPool2DOp, MaxPool2DOp),
    (AddOp, SubOp, MulOp, DivOp, ReluOp, Relu6Op, ReluN1To1Op, LogisticOp, TanhOp),
    (HardSwishOp, LeakyReluOp, QuantizeOp, DequantizeOp, SoftmaxOp, ReshapeOp, PadOp),
    (ConcatOp, MeanOp, SwishOp, HardSigmoidOp, PReluOp, LstmOp, TransposeOp, ClampOp),
    (TransposeConv2DOp,),
)

NN = Dialect("nn", [op for row in _OPS for op in row], [QuantType])


def i64_array(values: Sequence[int]) -> DenseArrayBase[I64]:
    """A ``array<i64: ...>`` property (strides, pads, ...)."""
    return DenseArrayBase.from_list(i64, list(values))
