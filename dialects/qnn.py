"""The ``qnn`` dialect: one op per kernel, every parameter computed.

Each op is one call of a runtime kernel. Integer arithmetic is explicit: for int8 ops the
zero-point offsets, Q31 multipliers and shifts and the clamp range are properties
(computed at compile time by ``convert-nn-to-qnn``); float ops carry their clamp range.
Element types are machine types (``i8``, ``i32``, ``f32``): quantization has been
lowered away.

Ops are destination-style, so the same op serves two levels:

* tensor form (before bufferization): operands ``ins(...)``, a result::

    %y = qnn.conv2d ins(%x, %w, %b : tensor<1x8x8x3xi8>, ...) {...} -> tensor<1x8x8x4xi8>

* buffer form (after ``convert-qnn-to-buf``): memref operands, the output buffer in
  ``outs(...)``, the kernel's scratch buffer (if any) in ``scratch(...)``, no result::

    qnn.conv2d ins(%x, %w, %b : memref<...>, ...) outs(%y : memref<...>)
               scratch(%s : memref<64xi8>) {...}

The ``params`` property holds the kernel's arithmetic parameters as one typed attribute
of a parameter family (``stai.dialects.qnn_params``, e.g. ``#qnn.conv_s8<...>``); each
op declares the family it takes for int8 (``S8_PARAMS``) and float (``F32_PARAMS``).

Every op also states the facts the passes need about its kernel (mandatory, checked by
``tests/unit/test_qnn_op_facts.py``): ``IN_PLACE`` (``plan-memory``: may the output be an
input's bytes, ``may_write_over``), ``macc()`` (``stai analyze``: multiply-accumulates of
one run), ``SCRATCH`` (``convert-qnn-to-buf``, ``plan-memory``: the name of its formula
in ``stai.lowering.scratch_sizes``, ``scratch_bytes(target)``); and, with defaults,
``CODEBOOK`` (``compress-weights``) and ``OPERAND_ROLES`` (names of constants).
"""

from __future__ import annotations

import math
from typing import ClassVar

from xdsl.dialects.builtin import DenseArrayBase, IntegerAttr, MemRefType, StringAttr, TensorType
from xdsl.ir import Attribute, Dialect
from xdsl.irdl import irdl_op_definition, opt_prop_def
from xdsl.utils.exceptions import VerifyException

from stai.dialects import qnn_params as qp
from stai.dialects.qnn_abs import ABS_OPS
from stai.dialects.qnn_base import InPlace, KernelOp, NoParams, ParamsSpec
from stai.dialects.qnn_base import count_of as _count
from stai.dialects.qnn_base import element_kind as element_kind
from stai.dialects.qnn_base import shape_of as _shape
from stai.dialects.qnn_cumsum import CUMSUM_OPS
from stai.dialects.qnn_detection import DETECTION_OPS
from stai.dialects.qnn_indexing import INDEXING_OPS
from stai.dialects.qnn_logical import LOGICAL_OPS
from stai.dialects.qnn_matmul import MATMUL_OPS
from stai.dialects.qnn_norm import NORM_OPS
from stai.dialects.qnn_recurrent import RECURRENT_OPS
from stai.dialects.qnn_sqdiff import SQDIFF_OPS
from stai.dialects.qnn_state import STATE_OPS
from stai.lowering.scratch_sizes import ISAS


class _ConvLike(KernelOp):
    strides = opt_prop_def(DenseArrayBase)
    pads = opt_prop_def(DenseArrayBase)
    """top, bottom, left, right."""
    dilations = opt_prop_def(DenseArrayBase)
    NUM_INS: ClassVar[int | None] = 3
    HAS_ACT: ClassVar[bool] = True
    GEOMETRY: ClassVar[tuple[str, ...]] = ("strides", "pads", "dilations")
    S8_PARAMS: ClassVar[ParamsSpec] = qp.ConvS8Params
    F32_PARAMS: ClassVar[ParamsSpec] = NoParams
    IN_PLACE: ClassVar[InPlace] = "no"
    OPERAND_ROLES: ClassVar[tuple[str, ...]] = ("input", "weights", "bias")

    def macc(self) -> int:
        """Outputs x the filter's elements per output channel (kh x kw x cin)."""
        return self._output_count() * math.prod(_shape(self.ins[1])[1:])


@irdl_op_definition
class Conv2DCodebookOp(_ConvLike):
    """Convolution with k-means-shared weights (``compress-weights``):
    ``stai_conv2d_codebook_f32`` / ``stai_conv2d_codebook_s8``.

    Inputs: the input, the codebook (``K`` centroids: f32, or i8 for an int8 layer), the
    indices (packed as for ``qnn.fully_connected_codebook``, flat over the
    ``[out_c, kh, kw, in_c / groups]`` filter) and the bias. The other parameters are the
    ones of ``qnn.conv2d``.
    """

    name = "qnn.conv2d_codebook"
    weight_shape = opt_prop_def(DenseArrayBase)
    """``array<i64: out_c, kh, kw, in_c / groups>``: the shape of the decoded filter."""
    index_bits = opt_prop_def(Attribute)
    """``4`` or ``8`` (an integer attribute)."""
    NUM_INS: ClassVar[int | None] = 4
    GEOMETRY: ClassVar[tuple[str, ...]] = (*_ConvLike.GEOMETRY, "weight_shape", "index_bits")
    SCRATCH: ClassVar[str] = "none"
    OPERAND_ROLES: ClassVar[tuple[str, ...]] = ("input", "codebook", "indices", "bias")

    def verify_(self) -> None:
        super().verify_()
        _verify_codebook(self, "[out_c, kh, kw, in_c]")

    @property
    def bits(self) -> int:
        """Bits per index (4 or 8)."""
        return _index_bits(self)

    def macc(self) -> int:
        return self._output_count() * math.prod(self.ints("weight_shape")[1:])


def _index_bits(op: Conv2DCodebookOp | FullyConnectedCodebookOp) -> int:
    assert isinstance(op.index_bits, IntegerAttr)  # verified by _verify_codebook
    return op.index_bits.value.data


def _verify_codebook(op: Conv2DCodebookOp | FullyConnectedCodebookOp, what: str) -> None:
    """``index_bits`` is 4 or 8 and the indices fill ``weight_shape`` (of rank ``what``)."""
    bits = getattr(op.index_bits, "value", None)
    if bits is None or bits.data not in (4, 8):
        raise VerifyException(f"{op.name}: 'index_bits' must be 4 or 8")
    shape = op.ints("weight_shape")
    if len(shape) != len(what.split(",")):
        raise VerifyException(f"{op.name}: 'weight_shape' must be {what}")
    count = math.prod(shape)
    expected = count if bits.data == 8 else (count + 1) // 2
    t = op.ins[2].type
    if isinstance(t, TensorType | MemRefType) and (
        len(t.get_shape()) != 1 or t.get_shape()[0] != expected
    ):
        raise VerifyException(f"{op.name}: expected {expected} index bytes")


@irdl_op_definition
class Conv2DOp(_ConvLike):
    """Convolution: ``arm_convolve_wrapper_s8`` / ``stai_conv2d_f32``; 16x8 (int16
    activations, int8 weights, int64 bias; offsets 0): ``arm_convolve_wrapper_s16``.

    ``multipliers``/``shifts`` are ``array<i32: ...>`` with one entry per output channel.
    """

    name = "qnn.conv2d"
    S16_PARAMS: ClassVar[ParamsSpec] = qp.ConvS8Params
    SCRATCH: ClassVar[str] = "convolve_wrapper_s8"
    CODEBOOK: ClassVar[tuple[type[KernelOp], int] | None] = (Conv2DCodebookOp, 4)

    def overlap_isas(self) -> tuple[str, ...]:
        """Pixel order: stai's float kernel; CMSIS-NN's int8 im2col convolution, but not
        its grouped one (group by group) nor its unpadded 1x1 one (a matrix product that
        runs output channel pairs over every pixel on DSP)."""
        if self.kind == "f32":
            return ISAS
        w, x = _shape(self.ins[1]), _shape(self.ins[0])
        pointwise = w[1:3] == (1, 1) and not any(self.ints("pads"))
        return ISAS if self.kind == "s8" and w[3] == x[3] and not pointwise else ()


@irdl_op_definition
class HybridConv2DOp(_ConvLike):
    """Hybrid (dynamic-range) convolution: f32 input/output/bias, int8 filter:
    ``stai_conv2d_hybrid_f32``. The input is quantized per batch at run time (into the
    scratch buffer), so the weights stay one byte each (4x less flash than f32).

    ``filter_scales`` (``array<f32: ...>``): one scale (symmetric input quantization) or one
    per output channel (asymmetric input quantization), as the TFLite reference kernel.
    """

    name = "qnn.hybrid_conv2d"
    S8_PARAMS: ClassVar[ParamsSpec] = None
    F32_PARAMS: ClassVar[ParamsSpec] = qp.HybridConvParams
    SCRATCH: ClassVar[str] = "hybrid_conv_f32"

    def overlap_gap(self, value, isa: str = "") -> int | None:
        """On every core the kernel quantizes its whole float input into the scratch
        buffer before it writes any output: the output may share any of the input's
        bytes (not pixel order: ``overlap_isas`` stays empty)."""
        if not self.ins or value is not self.ins[0]:
            return None
        return _count(value.type) * 4 - 1


@irdl_op_definition
class DepthwiseConv2DOp(_ConvLike):
    """Depthwise convolution: ``arm_depthwise_conv_wrapper_s8`` / ``stai_depthwise_conv2d_f32``;
    16x8: ``arm_depthwise_conv_wrapper_s16``."""

    name = "qnn.depthwise_conv2d"
    S16_PARAMS: ClassVar[ParamsSpec] = qp.ConvS8Params
    depth_multiplier = opt_prop_def(Attribute)
    GEOMETRY: ClassVar[tuple[str, ...]] = ("strides", "pads", "dilations", "depth_multiplier")
    SCRATCH: ClassVar[str] = "depthwise_conv_wrapper_s8"

    def macc(self) -> int:
        """Outputs x kh x kw."""
        return self._output_count() * math.prod(_shape(self.ins[1])[1:3])

    def overlap_isas(self) -> tuple[str, ...]:
        """Pixel order: stai's float kernel and CMSIS-NN's int8 kernels, except on Helium
        (``arm_depthwise_conv_s8_opt`` runs blocks of 16 channels over every pixel)."""
        return ISAS if self.kind == "f32" else ("host", "dsp") if self.kind == "s8" else ()


@irdl_op_definition
class HybridDepthwiseConv2DOp(_ConvLike):
    """Hybrid (dynamic-range) depthwise convolution: f32 input/output/bias, int8 filter:
    ``stai_depthwise_conv2d_hybrid_f32``. The input is quantized per batch at run time,
    asymmetrically (into the scratch buffer); the weights stay one byte each.

    ``filter_scales`` (``array<f32: ...>``): one per output channel, or one when they are
    all equal (the same products), as the TFLite reference kernel.
    """

    name = "qnn.hybrid_depthwise_conv2d"
    depth_multiplier = opt_prop_def(Attribute)
    GEOMETRY: ClassVar[tuple[str, ...]] = DepthwiseConv2DOp.GEOMETRY
    S8_PARAMS: ClassVar[ParamsSpec] = None
    F32_PARAMS: ClassVar[ParamsSpec] = qp.HybridConvParams
    SCRATCH: ClassVar[str] = "hybrid_conv_f32"

    def macc(self) -> int:
        return self._output_count() * math.prod(_shape(self.ins[1])[1:3])


@irdl_op_definition
class TransposeConv2DOp(_ConvLike):
    """Transposed convolution: ``stai_transpose_conv2d_{f32,s8,s16}``; ``pads`` are
    cropped from the full output (top, bottom, left, right). int8 and 16x8 take a conv's
    parameters (per-channel multipliers and shifts, offsets; int64 bias for 16x8)."""

    name = "qnn.transpose_conv2d"
    S16_PARAMS: ClassVar[ParamsSpec] = qp.ConvS8Params
    SCRATCH: ClassVar[str] = "none"
    OPERAND_ROLES: ClassVar[tuple[str, ...]] = ()  # its constants are named input2, input3

    def macc(self) -> int:
        """Inputs x kh x kw x (the filter's output channels)."""
        return _count(self.ins[0]) * math.prod(_shape(self.ins[1])[:3])


class _FullyConnectedLike(KernelOp):
    NUM_INS: ClassVar[int | None] = 3
    HAS_ACT: ClassVar[bool] = True
    S8_PARAMS: ClassVar[ParamsSpec] = qp.FullyConnectedS8Params
    F32_PARAMS: ClassVar[ParamsSpec] = NoParams
    IN_PLACE: ClassVar[InPlace] = "no"
    OPERAND_ROLES: ClassVar[tuple[str, ...]] = ("input", "weights", "bias")

    def macc(self) -> int:
        """Outputs x depth."""
        return self._output_count() * _shape(self.ins[1])[-1]


@irdl_op_definition
class FullyConnectedCodebookOp(_FullyConnectedLike):
    """Fully connected with k-means-shared weights (``compress-weights``):
    ``stai_fully_connected_codebook_f32`` / ``stai_fully_connected_codebook_s8``.

    Inputs: the input, the codebook (``K`` centroids: f32, or i8 for an int8 layer), the
    indices (one byte each for ``index_bits = 8``, two 4-bit indices per byte, low nibble
    first, for ``index_bits = 4``; flat over the ``[outputs, depth]`` weights) and the bias.
    Weight ``w[o, d]`` is ``codebook[index[o * depth + d]]``; the parameters are the ones of
    ``qnn.fully_connected``.
    """

    name = "qnn.fully_connected_codebook"
    weight_shape = opt_prop_def(DenseArrayBase)
    """``array<i64: outputs, depth>``: the shape of the decoded weights."""
    index_bits = opt_prop_def(Attribute)
    """``4`` or ``8`` (an integer attribute)."""
    NUM_INS: ClassVar[int | None] = 4
    GEOMETRY: ClassVar[tuple[str, ...]] = ("weight_shape", "index_bits")
    SCRATCH: ClassVar[str] = "none"
    OPERAND_ROLES: ClassVar[tuple[str, ...]] = ("input", "codebook", "indices", "bias")

    def verify_(self) -> None:
        super().verify_()
        _verify_codebook(self, "[outputs, depth]")

    @property
    def bits(self) -> int:
        """Bits per index (4 or 8)."""
        return _index_bits(self)

    def macc(self) -> int:
        return self._output_count() * self.ints("weight_shape")[-1]


@irdl_op_definition
class FullyConnectedOp(_FullyConnectedLike):
    """Fully connected: ``arm_fully_connected_s8`` / ``stai_fully_connected_f32``; 16x8
    (int16 input and output, int8 weights, int64 bias): ``arm_fully_connected_s16`` (one
    multiplier) or ``stai_fully_connected_per_channel_s16``.

    ``multipliers``/``shifts`` hold one entry (per tensor) or one per output (per channel).
    """

    name = "qnn.fully_connected"
    S16_PARAMS: ClassVar[ParamsSpec] = qp.FullyConnectedS16Params
    SCRATCH: ClassVar[str] = "fully_connected_s8"
    CODEBOOK: ClassVar[tuple[type[KernelOp], int] | None] = (FullyConnectedCodebookOp, 2)


@irdl_op_definition
class HybridFullyConnectedOp(_FullyConnectedLike):
    """Hybrid (dynamic-range) fully connected: f32 input/output/bias, int8 weights:
    ``stai_fully_connected_hybrid_f32``. Each input row is quantized at run time (into the
    scratch buffer), so the weights stay one byte each (4x less flash than f32).

    ``filter_scales`` (``array<f32: ...>``): one scale (per tensor) or one per output;
    ``asymmetric_inputs`` (i32): 1 to quantize the rows with a zero point, 0 symmetrically
    (the model's ``asymmetric_quantize_inputs``), as the TFLite reference kernel.
    """

    name = "qnn.hybrid_fully_connected"
    S8_PARAMS: ClassVar[ParamsSpec] = None
    F32_PARAMS: ClassVar[ParamsSpec] = qp.HybridFullyConnectedParams
    SCRATCH: ClassVar[str] = "hybrid_fully_connected_f32"


class _Pool(KernelOp):
    kernel = opt_prop_def(DenseArrayBase)
    strides = opt_prop_def(DenseArrayBase)
    pads = opt_prop_def(DenseArrayBase)
    HAS_ACT: ClassVar[bool] = True
    GEOMETRY: ClassVar[tuple[str, ...]] = ("kernel", "strides", "pads")
    S8_PARAMS: ClassVar[ParamsSpec] = NoParams
    S16_PARAMS: ClassVar[ParamsSpec] = NoParams
    F32_PARAMS: ClassVar[ParamsSpec] = NoParams
    IN_PLACE: ClassVar[InPlace] = "no"

    def macc(self) -> int:
        """Outputs x the window's elements."""
        return self._output_count() * math.prod(self.ints("kernel"))

    def overlap_isas(self) -> tuple[str, ...]:
        """Pixel order: every int8 and float pooling kernel."""
        return ISAS if self.kind in ("s8", "f32") else ()


@irdl_op_definition
class AvgPool2DOp(_Pool):
    """Average pooling: ``arm_avgpool_s8`` / ``stai_avgpool_f32``; 16x8: ``arm_avgpool_s16``
    (the same scratch bytes as int8)."""

    name = "qnn.avg_pool2d"
    SCRATCH: ClassVar[str] = "avgpool_s8"


@irdl_op_definition
class MaxPool2DOp(_Pool):
    """Max pooling: ``arm_max_pool_s8`` / ``stai_max_pool_f32``; 16x8: ``arm_max_pool_s16``."""

    name = "qnn.max_pool2d"
    SCRATCH: ClassVar[str] = "none"


class _PerOutput(KernelOp):
    """Kernels of one operation per output element; without scratch buffer."""

    SCRATCH: ClassVar[str] = "none"

    def macc(self) -> int:
        """One per output element."""
        return self._output_count()


class _Binary(_PerOutput):
    NUM_INS: ClassVar[int | None] = 2
    HAS_ACT: ClassVar[bool] = True
    F32_PARAMS: ClassVar[ParamsSpec] = NoParams
    IN_PLACE: ClassVar[InPlace] = "binary"


@irdl_op_definition
class AddOp(_Binary):
    """Addition with broadcasting: ``arm_elementwise_add_s8`` (same shapes),
    ``stai_broadcast_add_s8``, ``stai_add_f32``; 16x8: ``arm_elementwise_add_s16`` (same
    shapes), ``stai_broadcast_add_s16``."""

    name = "qnn.add"
    S8_PARAMS: ClassVar[ParamsSpec] = qp.AddSubS8Params
    S16_PARAMS: ClassVar[ParamsSpec] = qp.AddSubS8Params


@irdl_op_definition
class SubOp(_Binary):
    """Subtraction: ``stai_elementwise_sub_s8``, ``stai_broadcast_sub_s8``, ``stai_sub_f32``;
    16x8: ``stai_elementwise_sub_s16`` (same shapes), ``stai_broadcast_sub_s16``."""

    name = "qnn.sub"
    S8_PARAMS: ClassVar[ParamsSpec] = qp.AddSubS8Params
    S16_PARAMS: ClassVar[ParamsSpec] = qp.AddSubS8Params


@irdl_op_definition
class MulOp(_Binary):
    """Multiplication: ``arm_elementwise_mul_s8``, ``stai_broadcast_mul_s8``, ``stai_mul_f32``;
    16x8: ``arm_elementwise_mul_s16``, ``stai_broadcast_mul_s16``."""

    name = "qnn.mul"
    S8_PARAMS: ClassVar[ParamsSpec] = qp.MulS8Params
    S16_PARAMS: ClassVar[ParamsSpec] = qp.MulS8Params


@irdl_op_definition
class DivOp(_Binary):
    """Division (float only): ``stai_div_f32``."""

    name = "qnn.div"
    S8_PARAMS: ClassVar[ParamsSpec] = None


class _Select(_PerOutput):
    """Element-wise maximum / minimum with broadcasting (no clamp, no parameters: int8
    compares the codes of operands that share the output's quantization)."""

    NUM_INS: ClassVar[int | None] = 2
    S8_PARAMS: ClassVar[ParamsSpec] = NoParams
    S16_PARAMS: ClassVar[ParamsSpec] = NoParams
    F32_PARAMS: ClassVar[ParamsSpec] = NoParams
    IN_PLACE: ClassVar[InPlace] = "binary"


@irdl_op_definition
class MaximumOp(_Select):
    """``stai_maximum_s8`` (stai_kernels_shape.h) / ``stai_maximum_f32``; 16x8:
    ``stai_maximum_s16``."""

    name = "qnn.maximum"


@irdl_op_definition
class MinimumOp(_Select):
    """``stai_minimum_s8`` (stai_kernels_shape.h) / ``stai_minimum_f32``; 16x8:
    ``stai_minimum_s16``."""

    name = "qnn.minimum"


class _Unary(_PerOutput):
    """``out[i] = f(in[i])``: the output may be the input's bytes."""

    F32_PARAMS: ClassVar[ParamsSpec] = NoParams
    IN_PLACE: ClassVar[InPlace] = "unary"


@irdl_op_definition
class ClampOp(_Unary):
    """relu / relu6 / relu_n1_to_1 and any clamp: ``stai_relu_s8`` (requantizes from the
    input to the output scale, then clamps) / ``stai_clamp_f32``; 16x8: ``stai_relu_s16``."""

    name = "qnn.clamp"
    HAS_ACT: ClassVar[bool] = True
    S8_PARAMS: ClassVar[ParamsSpec] = qp.RequantizeS8Params
    S16_PARAMS: ClassVar[ParamsSpec] = qp.RequantizeS8Params


@irdl_op_definition
class LogisticOp(_Unary):
    """Logistic: ``stai_logistic_s8`` / ``stai_logistic_f32``; 16x8: ``stai_logistic_s16``
    (with the sigmoid table in the data file)."""

    name = "qnn.logistic"
    S8_PARAMS: ClassVar[ParamsSpec] = qp.LogisticTanhS8Params
    S16_PARAMS: ClassVar[ParamsSpec] = qp.LogisticTanhS16Params


@irdl_op_definition
class TanhOp(_Unary):
    """Tanh: ``stai_tanh_s8`` / ``stai_tanh_f32``; 16x8: ``stai_tanh_s16`` (with the
    sigmoid table in the data file)."""

    name = "qnn.tanh"
    S8_PARAMS: ClassVar[ParamsSpec] = qp.LogisticTanhS8Params
    S16_PARAMS: ClassVar[ParamsSpec] = qp.LogisticTanhS16Params


@irdl_op_definition
class LeakyReluOp(_Unary):
    """Leaky relu: ``stai_leaky_relu_s8`` / ``stai_leaky_relu_f32`` (``alpha``); 16x8:
    ``stai_leaky_relu_s16``."""

    name = "qnn.leaky_relu"
    S8_PARAMS: ClassVar[ParamsSpec] = qp.LeakyReluS8Params
    S16_PARAMS: ClassVar[ParamsSpec] = qp.LeakyReluS8Params
    F32_PARAMS: ClassVar[ParamsSpec] = qp.LeakyReluF32Params


@irdl_op_definition
class HardSwishOp(_Unary):
    """Hard swish: ``stai_hard_swish_s8`` / ``stai_hard_swish_f32``."""

    name = "qnn.hard_swish"
    S8_PARAMS: ClassVar[ParamsSpec] = qp.HardSwishS8Params


@irdl_op_definition
class RequantizeOp(_Unary):
    """int8 -> int8 with other quantization: ``stai_requantize_s8``; int8 -> int16,
    int16 -> int8, int16 -> int16: ``stai_requantize_s8_s16``, ``stai_requantize_s16_s8``,
    ``stai_requantize_s16``; to and from int32: ``stai_requantize_s8_s32``,
    ``stai_requantize_s16_s32``, ``stai_requantize_s32_s8``, ``stai_requantize_s32_s16``;
    int8 <-> uint8 (a model's uint8 input or output): ``stai_requantize_s8_u8``,
    ``stai_requantize_u8_s8``."""

    name = "qnn.requantize"
    S8_PARAMS: ClassVar[ParamsSpec] = qp.RequantizeS8Params
    S16_PARAMS: ClassVar[ParamsSpec] = qp.RequantizeS8Params
    U8_PARAMS: ClassVar[ParamsSpec] = qp.RequantizeS8Params
    F32_PARAMS: ClassVar[ParamsSpec] = None

    def params_family(self) -> ParamsSpec:
        """An int32 input (QUANTIZE int32 -> int8 / int16) takes the same family."""
        return qp.RequantizeS8Params if self.kind == "s32" else super().params_family()


@irdl_op_definition
class QuantizeOp(_PerOutput):
    """f32 -> int8 / int16: ``stai_quantize_f32_s8`` / ``stai_quantize_f32_s16``
    (``scale``, ``zero_point``)."""

    name = "qnn.quantize"
    S8_PARAMS: ClassVar[ParamsSpec] = None
    F32_PARAMS: ClassVar[ParamsSpec] = qp.QuantizationParams
    IN_PLACE: ClassVar[InPlace] = "no"


@irdl_op_definition
class DequantizeOp(_PerOutput):
    """int8 / int16 / uint8 -> f32: ``stai_dequantize_s8_f32`` / ``stai_dequantize_s16_f32``
    / ``stai_dequantize_u8_f32`` (``scale``, ``zero_point``)."""

    name = "qnn.dequantize"
    S8_PARAMS: ClassVar[ParamsSpec] = qp.QuantizationParams
    S16_PARAMS: ClassVar[ParamsSpec] = qp.QuantizationParams
    U8_PARAMS: ClassVar[ParamsSpec] = qp.QuantizationParams
    F32_PARAMS: ClassVar[ParamsSpec] = None
    IN_PLACE: ClassVar[InPlace] = "no"


@irdl_op_definition
class SoftmaxOp(KernelOp):
    """Softmax over the last axis: ``arm_softmax_s8`` / ``stai_softmax_f32``; int8 input,
    int16 output: ``arm_softmax_s8_s16``; 16x8: ``arm_softmax_s16`` (with the exp and
    1/(1+x) tables in the data file)."""

    name = "qnn.softmax"
    S8_PARAMS: ClassVar[ParamsSpec] = qp.SoftmaxS8Params
    S16_PARAMS: ClassVar[ParamsSpec] = qp.SoftmaxS16Params
    F32_PARAMS: ClassVar[ParamsSpec] = qp.SoftmaxF32Params
    IN_PLACE: ClassVar[InPlace] = "no"
    SCRATCH: ClassVar[str] = "none"

    def macc(self) -> int:
        """A max, an exponential-and-sum and a scaling per element."""
        return 3 * self._output_count()


@irdl_op_definition
class SwishOp(_PerOutput):
    """Swish (float only): ``stai_swish_f32``."""

    name = "qnn.swish"
    S8_PARAMS: ClassVar[ParamsSpec] = None
    F32_PARAMS: ClassVar[ParamsSpec] = NoParams
    IN_PLACE: ClassVar[InPlace] = "no"


@irdl_op_definition
class HardSigmoidOp(_PerOutput):
    """Hard sigmoid (float only): ``stai_hard_sigmoid_f32`` (``alpha``, ``beta``)."""

    name = "qnn.hard_sigmoid"
    S8_PARAMS: ClassVar[ParamsSpec] = None
    F32_PARAMS: ClassVar[ParamsSpec] = qp.HardSigmoidF32Params
    IN_PLACE: ClassVar[InPlace] = "no"


@irdl_op_definition
class PReluOp(_PerOutput):
    """Parametric relu with a broadcast ``alpha``: ``stai_prelu_s8`` / ``stai_prelu_f32``.

    int8: ``alpha`` is int8 with its own (per-tensor) quantization."""

    name = "qnn.prelu"
    NUM_INS: ClassVar[int | None] = 2
    S8_PARAMS: ClassVar[ParamsSpec] = qp.PReluS8Params
    F32_PARAMS: ClassVar[ParamsSpec] = NoParams
    IN_PLACE: ClassVar[InPlace] = "no"
    OPERAND_ROLES: ClassVar[tuple[str, ...]] = ("input", "alpha")


class _DataMovement(KernelOp):
    """Copies bytes: no arithmetic (no MACC), no scratch buffer."""

    S8_PARAMS: ClassVar[ParamsSpec] = NoParams
    F32_PARAMS: ClassVar[ParamsSpec] = NoParams
    IN_PLACE: ClassVar[InPlace] = "no"
    SCRATCH: ClassVar[str] = "none"

    def macc(self) -> int:
        return 0


@irdl_op_definition
class PadOp(_DataMovement):
    """Constant padding of a 4-D tensor: ``stai_pad_s8`` / ``stai_pad_f32``; 16x8:
    ``stai_pad_s16``.

    ``pads`` holds before/after per dimension (8 values); ``pad_value`` is in ``params``.
    """

    name = "qnn.pad"
    pads = opt_prop_def(DenseArrayBase)
    GEOMETRY: ClassVar[tuple[str, ...]] = ("pads",)
    S8_PARAMS: ClassVar[ParamsSpec] = qp.PadS8Params
    S16_PARAMS: ClassVar[ParamsSpec] = qp.PadS8Params
    F32_PARAMS: ClassVar[ParamsSpec] = qp.PadF32Params


@irdl_op_definition
class ConcatOp(_DataMovement):
    """Concatenation along ``axis`` (a byte copy per input): ``stai_concat``."""

    name = "qnn.concat"
    S16_PARAMS: ClassVar[ParamsSpec] = NoParams
    axis = opt_prop_def(Attribute)
    NUM_INS: ClassVar[int | None] = None
    GEOMETRY: ClassVar[tuple[str, ...]] = ("axis",)


_COPIED_KINDS = ("bool", "s32", "s64")
"""The element kinds the byte-copying ops also move: booleans and plain integers."""


class _Copy(_DataMovement):
    """A data movement of any element type: its kernel copies bytes."""

    def params_family(self) -> ParamsSpec:
        return NoParams if self.kind in _COPIED_KINDS else super().params_family()


@irdl_op_definition
class ReshapeOp(_Copy):
    """Reshape. Bufferization makes the output alias the input, so it costs nothing;
    where it cannot alias it is a ``stai_copy``."""

    name = "qnn.reshape"
    S16_PARAMS: ClassVar[ParamsSpec] = NoParams


@irdl_op_definition
class TransposeOp(_Copy):
    """Transpose of a tensor of rank <= 4 (any element type): ``stai_transpose``.

    ``perm`` (``array<i64: ...>``): result dimension ``i`` is input dimension ``perm[i]``.
    """

    name = "qnn.transpose"
    S16_PARAMS: ClassVar[ParamsSpec] = NoParams
    perm = opt_prop_def(DenseArrayBase)
    GEOMETRY: ClassVar[tuple[str, ...]] = ("perm",)


@irdl_op_definition
class StridedSliceOp(_Copy):
    """Strided slice of a tensor of rank <= 4 (any element type): ``stai_strided_slice``.

    ``begin`` and ``strides`` (``array<i64: ...>``, one per dimension; a stride may be
    negative): output element ``i`` of dimension ``d`` is input element
    ``begin[d] + i * strides[d]``.
    """

    name = "qnn.strided_slice"
    S16_PARAMS: ClassVar[ParamsSpec] = NoParams
    begin = opt_prop_def(DenseArrayBase)
    strides = opt_prop_def(DenseArrayBase)
    GEOMETRY: ClassVar[tuple[str, ...]] = ("begin", "strides")


@irdl_op_definition
class MathOp(_PerOutput):
    """A float element-wise math function ``function`` (``abs``, ``neg``, ``exp``, ``log``,
    ``sqrt``, ``rsqrt``, ``square``, ``floor``, ``ceil``, ``round``, ``sin``, ``cos``,
    ``elu``, ``erf``, ``gelu``, ``gelu_tanh``): ``stai_<function>_f32``
    (``stai_kernels_math.h``)."""

    name = "qnn.math"
    function = opt_prop_def(StringAttr)
    GEOMETRY: ClassVar[tuple[str, ...]] = ("function",)
    S8_PARAMS: ClassVar[ParamsSpec] = None
    F32_PARAMS: ClassVar[ParamsSpec] = NoParams
    IN_PLACE: ClassVar[InPlace] = "unary"


@irdl_op_definition
class MeanOp(KernelOp):
    """Mean over H and W of NHWC: ``stai_mean_hw_s8`` / ``stai_mean_hw_f32``; 16x8:
    ``stai_mean_hw_s16``."""

    name = "qnn.mean"
    S8_PARAMS: ClassVar[ParamsSpec] = qp.RequantizeS8Params
    S16_PARAMS: ClassVar[ParamsSpec] = qp.RequantizeS8Params
    F32_PARAMS: ClassVar[ParamsSpec] = NoParams
    IN_PLACE: ClassVar[InPlace] = "no"
    SCRATCH: ClassVar[str] = "none"

    def macc(self) -> int:
        """One per input element."""
        return _count(self.ins[0])


@irdl_op_definition
class LstmOp(KernelOp):
    """Stateless forward LSTM (float only): ``stai_lstm_f32``; inputs x, weights, recurrent
    weights, bias; the buffer form has a scratch buffer of ``3 * units`` floats."""

    name = "qnn.lstm"
    return_sequences = opt_prop_def(Attribute)
    NUM_INS: ClassVar[int | None] = 4
    GEOMETRY: ClassVar[tuple[str, ...]] = ("return_sequences",)
    S8_PARAMS: ClassVar[ParamsSpec] = None
    F32_PARAMS: ClassVar[ParamsSpec] = NoParams
    IN_PLACE: ClassVar[InPlace] = "no"
    SCRATCH: ClassVar[str] = "lstm_f32"
    OPERAND_ROLES: ClassVar[tuple[str, ...]] = ("input", "weights", "recurrent", "bias")

    def macc(self) -> int:
        """The weights' elements (both matrices) per time step, for every step of every
        batch (the input is batch x time x features), whatever the output keeps."""
        weights = sum(_count(v) for v in self.ins[1:] if len(_shape(v)) == 2)
        x = _shape(self.ins[0])
        return weights * (x[0] * x[1] if len(x) >= 3 else 1)


QNN = Dialect(
    "qnn",
    [
        Conv2DOp,
        HybridConv2DOp,
        DepthwiseConv2DOp,
        HybridDepthwiseConv2DOp,
        FullyConnectedOp,
        HybridFullyConnectedOp,
        FullyConnectedCodebookOp,
        Conv2DCodebookOp,
        AvgPool2DOp,
        MaxPool2DOp,
        AddOp,
        SubOp,
        MulOp,
        DivOp,
        SoftmaxOp,
        ClampOp,
        LogisticOp,
        TanhOp,
        LeakyReluOp,
        HardSwishOp,
        QuantizeOp,
        DequantizeOp,
        RequantizeOp,
        PadOp,
        ConcatOp,
        ReshapeOp,
        MeanOp,
        TransposeOp,
        TransposeConv2DOp,
        SwishOp,
        HardSigmoidOp,
        PReluOp,
        LstmOp,
        StridedSliceOp,
        MaximumOp,
        MinimumOp,
        MathOp,
        *INDEXING_OPS,
        *RECURRENT_OPS,
        *STATE_OPS,
        *MATMUL_OPS,
        *LOGICAL_OPS,
        *NORM_OPS,
        *CUMSUM_OPS,
        *DETECTION_OPS,
        *ABS_OPS,
        *SQDIFF_OPS,
    ],
    list(qp.PARAM_FAMILIES),
)
