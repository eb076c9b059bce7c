"""The ``nn`` dialect: framework-level neural-network operators on tensors.

Tensors are NHWC. An element type is ``f32`` for float models, or ``!nn.q<...>``: a
uniformly quantized integer with a scale and zero point (``real = scale * (q - zp)``),
per tensor or per channel along one axis. Every frontend produces this dialect;
``transforms/`` rewrite it, ``convert-nn-to-qnn`` lowers it to kernel-level ``qnn``.

Example::

    %y = nn.conv2d %x, %w, %b {strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>,
           pads = array<i64: 0, 1, 0, 1>, activation = "relu"}
         : (tensor<1x49x10x1x!nn.q<i8, 0.58470290899276733 : 83>>, ...) -> tensor<...>

This module assembles the one ``nn`` dialect (``NN``): the element type and the helpers
every op shares live in ``nn_base.py``, the data-movement ops (reshape, pad, concat,
transpose, ...) in ``nn_shapes.py``; ``nn.X`` names all of them.
"""

from __future__ import annotations

import numpy as np
from xdsl.dialects.builtin import (
    I64,
    DenseArrayBase,
    DenseIntOrFPElementsAttr,
    FloatAttr,
    IntegerAttr,
    StringAttr,
    TensorType,
    UnitAttr,
)
from xdsl.ir import Dialect
from xdsl.irdl import (
    IRDLOperation,
    irdl_op_definition,
    operand_def,
    opt_prop_def,
    prop_def,
    result_def,
    traits_def,
)
from xdsl.traits import Pure
from xdsl.utils.exceptions import VerifyException

from stai.dialects.nn_base import (
    ACTIVATIONS,
    QuantType,
    _check_float_or_quant,
    _check_len,
    _NNOp,
    _tensor,
    _verify_activation,
    dense_attr,
    dense_to_numpy,
    i64_array,
    is_quantized,
    numpy_dtype,
    storage_type,
)
from stai.dialects.nn_cumsum import CUMSUM_OPS
from stai.dialects.nn_detection import DETECTION_OPS
from stai.dialects.nn_logical import LOGICAL_OPS
from stai.dialects.nn_matmul import MATMUL_OPS
from stai.dialects.nn_norm import NORM_OPS
from stai.dialects.nn_recurrent import RECURRENT_OPS
from stai.dialects.nn_shapes import (
    REDUCE_OPS,
    ArgMaxOp,
    ArgMinOp,
    ConcatOp,
    GatherOp,
    LayerNormOp,
    LogSoftmaxOp,
    PadOp,
    ReduceMaxOp,
    ReduceMinOp,
    ReduceSumOp,
    ReshapeOp,
    ResizeOp,
    StridedSliceOp,
    TakeOp,
    TransposeOp,
)
from stai.dialects.nn_sqdiff import SQDIFF_NN_OPS
from stai.dialects.nn_state import STATE_OPS
from stai.dialects.nn_traits import (
    ChannelBias,
    ConstantQuant,
    ElementwiseBinary,
    ElementwiseUnary,
    FoldsTranspose,
    FusesAs,
    FusibleProducer,
    LayoutSensitive,
    QuantKind,
    QuantRule,
    broadcast_shape,
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


class _SelectOp(_BinaryOp):
    """Maximum, minimum: one operand's element is the result, no arithmetic (int8: the
    codes are compared, the result keeps the operands' parameters, as TFLite Micro)."""

    traits = traits_def(QuantRule(QuantKind.SAME_AS_INPUT))


@irdl_op_definition
class MaximumOp(_SelectOp):
    name = "nn.maximum"


@irdl_op_definition
class MinimumOp(_SelectOp):
    name = "nn.minimum"


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


class _MathOp(_ElementwiseOp):
    """A float element-wise math function, computed as TFLite's reference kernels do (the
    C library's float function; rsqrt is ``1 / sqrt``); there is no int8 kernel."""

    traits = traits_def(QuantRule(QuantKind.FLOAT))


@irdl_op_definition
class AbsOp(_MathOp):
    name = "nn.abs"


@irdl_op_definition
class NegOp(_MathOp):
    name = "nn.neg"


@irdl_op_definition
class ExpOp(_MathOp):
    name = "nn.exp"


@irdl_op_definition
class LogOp(_MathOp):
    name = "nn.log"


@irdl_op_definition
class SqrtOp(_MathOp):
    name = "nn.sqrt"


@irdl_op_definition
class RsqrtOp(_MathOp):
    name = "nn.rsqrt"


@irdl_op_definition
class SquareOp(_MathOp):
    name = "nn.square"


@irdl_op_definition
class FloorOp(_MathOp):
    name = "nn.floor"


@irdl_op_definition
class CeilOp(_MathOp):
    name = "nn.ceil"


@irdl_op_definition
class ErfOp(_MathOp):
    """The error function (every exact GELU: ``x * 0.5 * (1 + erf(x / sqrt(2)))``)."""

    name = "nn.erf"


@irdl_op_definition
class GeluOp(_MathOp):
    """GELU: ``x * 0.5 * (1 + erf(x / sqrt(2)))``."""

    name = "nn.gelu"


@irdl_op_definition
class GeluTanhOp(_MathOp):
    """The tanh approximation of GELU:
    ``0.5 * x * (1 + tanh(sqrt(2 / pi) * (x + 0.044715 * x^3)))``."""

    name = "nn.gelu_tanh"


@irdl_op_definition
class SinOp(_MathOp):
    name = "nn.sin"


@irdl_op_definition
class CosOp(_MathOp):
    name = "nn.cos"


@irdl_op_definition
class RoundOp(_MathOp):
    """Rounding to the nearest integer, halves to even (TFLite's ROUND, ONNX's Round)."""

    name = "nn.round"


@irdl_op_definition
class EluOp(_MathOp):
    """``x < 0 ? exp(x) - 1 : x`` (alpha 1)."""

    name = "nn.elu"


MATH_OPS = (AbsOp, NegOp, ExpOp, LogOp, SqrtOp, RsqrtOp, SquareOp, FloorOp, CeilOp) + (
    ErfOp,
    GeluOp,
    GeluTanhOp,
    SinOp,
    CosOp,
    RoundOp,
    EluOp,
)
"""The float element-wise math functions; each op's name without ``nn.`` is its function."""


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
    (TransposeConv2DOp, StridedSliceOp, MaximumOp, MinimumOp, ResizeOp, GatherOp),
    MATH_OPS,
    REDUCE_OPS,
    (ArgMaxOp, ArgMinOp, LayerNormOp, LogSoftmaxOp, TakeOp),
    RECURRENT_OPS,
    MATMUL_OPS,
    LOGICAL_OPS,
    NORM_OPS,
    CUMSUM_OPS,
    DETECTION_OPS,
    SQDIFF_NN_OPS,
)

NN = Dialect("nn", [op for row in (*_OPS, STATE_OPS) for op in row], [QuantType])

__all__ = [
    "AbsOp",
    "NegOp",
    "ExpOp",
    "LogOp",
    "SqrtOp",
    "RsqrtOp",
    "SquareOp",
    "FloorOp",
    "CeilOp",
    "ErfOp",
    "SinOp",
    "CosOp",
    "RoundOp",
    "EluOp",
    "GeluOp",
    "GeluTanhOp",
    "MATH_OPS",
    "ACTIVATIONS",
    "AddOp",
    "ArgMaxOp",
    "ArgMinOp",
    "AvgPool2DOp",
    "ClampOp",
    "ConcatOp",
    "ConstantOp",
    "Conv2DOp",
    "DepthwiseConv2DOp",
    "DequantizeOp",
    "DivOp",
    "FullyConnectedOp",
    "GatherOp",
    "HardSigmoidOp",
    "HardSwishOp",
    "LayerNormOp",
    "LeakyReluOp",
    "LogSoftmaxOp",
    "LogisticOp",
    "LstmOp",
    "MaxPool2DOp",
    "MaximumOp",
    "MinimumOp",
    "MeanOp",
    "MulOp",
    "NN",
    "PReluOp",
    "PadOp",
    "QuantType",
    "QuantizeOp",
    "Relu6Op",
    "ReluN1To1Op",
    "ReluOp",
    "REDUCE_OPS",
    "ReduceMaxOp",
    "ReduceMinOp",
    "ReduceSumOp",
    "ReshapeOp",
    "ResizeOp",
    "SoftmaxOp",
    "StridedSliceOp",
    "SubOp",
    "SwishOp",
    "TakeOp",
    "TanhOp",
    "TransposeConv2DOp",
    "TransposeOp",
    "dense_attr",
    "dense_to_numpy",
    "i64_array",
    "is_quantized",
    "numpy_dtype",
    "storage_type",
]
