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

The ``params`` property holds the kernel's arithmetic parameters by name; each op
declares which names it needs for int8 (``S8_PARAMS``) and float (``F32_PARAMS``).
"""

from __future__ import annotations

from typing import ClassVar

from xdsl.dialects.builtin import (
    DenseArrayBase,
    DictionaryAttr,
    Float32Type,
    IntegerType,
    MemRefType,
    TensorType,
)
from xdsl.ir import Attribute, Dialect
from xdsl.irdl import (
    AttrSizedOperandSegments,
    IRDLOperation,
    ParsePropInAttrDict,
    irdl_op_definition,
    opt_operand_def,
    opt_prop_def,
    opt_result_def,
    var_operand_def,
)
from xdsl.utils.exceptions import VerifyException

_FORMAT = (
    "`ins` `(` $ins `:` type($ins) `)`"
    " (`outs` `(` $out^ `:` type($out) `)`)?"
    " (`scratch` `(` $scratch^ `:` type($scratch) `)`)?"
    " attr-dict (`->` type($res)^)?"
)


def element_kind(t: Attribute) -> str:
    """``"s8"``, ``"s32"``, ``"f32"`` (or ``"?"``) for a tensor or memref type."""
    if isinstance(t, TensorType | MemRefType):
        e = t.element_type
        if isinstance(e, Float32Type):
            return "f32"
        if isinstance(e, IntegerType):
            return f"s{e.width.data}"
    return "?"


class KernelOp(IRDLOperation):
    """Base of every ``qnn`` op: inputs, an output (result or buffer), optional scratch."""

    ins = var_operand_def()
    out = opt_operand_def()
    scratch = opt_operand_def()
    res = opt_result_def()
    params = opt_prop_def(DictionaryAttr)
    """Arithmetic parameters by name (``S8_PARAMS`` or ``F32_PARAMS``)."""
    act = opt_prop_def(DenseArrayBase)
    """Clamp range of the output: ``array<i32: lo, hi>`` (int8) or ``array<f32: lo, hi>``."""

    irdl_options = (AttrSizedOperandSegments(as_property=True), ParsePropInAttrDict())
    assembly_format = _FORMAT

    NUM_INS: ClassVar[int | None] = 1
    """How many inputs the kernel takes (None: one or more)."""
    S8_PARAMS: ClassVar[tuple[str, ...]] = ()
    F32_PARAMS: ClassVar[tuple[str, ...]] = ()
    HAS_ACT: ClassVar[bool] = False
    GEOMETRY: ClassVar[tuple[str, ...]] = ()
    """Names of the op's geometric properties that must be present."""

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
        """The kernel flavour: the element kind of the first input (``s8`` or ``f32``)."""
        return element_kind(self.ins[0].type)

    def param(self, name: str) -> Attribute:
        if self.params is None or name not in self.params.data:
            raise KeyError(f"{self.name}: no parameter '{name}'")
        return self.params.data[name]

    def int_param(self, name: str) -> int:
        value = self.param(name)
        return value.value.data  # type: ignore[attr-defined]

    def ints(self, name: str) -> tuple[int, ...]:
        """A geometric property (``array<i64: ...>``) as a tuple."""
        value = getattr(self, name)
        return tuple(value.get_values())

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
        needed = {"s8": self.S8_PARAMS, "f32": self.F32_PARAMS}.get(kind)
        if needed is None:
            raise VerifyException(f"{self.name}: no kernel for element kind '{kind}'")
        present = set() if self.params is None else set(self.params.data)
        missing = [n for n in needed if n not in present]
        if missing:
            raise VerifyException(f"{self.name}: missing {kind} parameters: {', '.join(missing)}")
        if self.HAS_ACT:
            if self.act is None:
                raise VerifyException(f"{self.name}: missing clamp range 'act'")
            if len(self.act.get_values()) != 2:
                raise VerifyException(f"{self.name}: 'act' must hold two values")


class _ConvLike(KernelOp):
    strides = opt_prop_def(DenseArrayBase)
    pads = opt_prop_def(DenseArrayBase)
    """top, bottom, left, right."""
    dilations = opt_prop_def(DenseArrayBase)
    NUM_INS: ClassVar[int | None] = 3
    HAS_ACT: ClassVar[bool] = True
    GEOMETRY: ClassVar[tuple[str, ...]] = ("strides", "pads", "dilations")
    S8_PARAMS: ClassVar[tuple[str, ...]] = ("input_offset", "output_offset", "multipliers", "shifts")


@irdl_op_definition
class Conv2DOp(_ConvLike):
    """Convolution: ``arm_convolve_wrapper_s8`` / ``stai_conv2d_f32``.

    ``multipliers``/``shifts`` are ``array<i32: ...>`` with one entry per output channel.
    """

    name = "qnn.conv2d"


@irdl_op_definition
class HybridConv2DOp(_ConvLike):
    """Hybrid (dynamic-range) convolution: f32 input/output/bias, int8 filter:
    ``stai_conv2d_hybrid_f32``. The input is quantized per batch at run time (into the
    scratch buffer), so the weights stay one byte each (4x less flash than f32).

    ``filter_scales`` (``array<f32: ...>``): one scale (symmetric input quantization) or one
    per output channel (asymmetric input quantization), as the TFLite reference kernel.
    """

    name = "qnn.hybrid_conv2d"
    S8_PARAMS: ClassVar[tuple[str, ...]] = ("unsupported",)
    F32_PARAMS: ClassVar[tuple[str, ...]] = ("filter_scales",)


@irdl_op_definition
class DepthwiseConv2DOp(_ConvLike):
    """Depthwise convolution: ``arm_depthwise_conv_wrapper_s8`` / ``stai_depthwise_conv2d_f32``."""

    name = "qnn.depthwise_conv2d"
    depth_multiplier = opt_prop_def(Attribute)
    GEOMETRY: ClassVar[tuple[str, ...]] = ("strides", "pads", "dilations", "depth_multiplier")


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
    S8_PARAMS: ClassVar[tuple[str, ...]] = ("unsupported",)
    F32_PARAMS: ClassVar[tuple[str, ...]] = ("filter_scales",)


@irdl_op_definition
class FullyConnectedOp(KernelOp):
    """Fully connected: ``arm_fully_connected_s8`` / ``stai_fully_connected_f32``.

    ``multipliers``/``shifts`` hold one entry (per tensor) or one per output (per channel).
    """

    name = "qnn.fully_connected"
    NUM_INS: ClassVar[int | None] = 3
    HAS_ACT: ClassVar[bool] = True
    S8_PARAMS: ClassVar[tuple[str, ...]] = ("input_offset", "filter_offset", "output_offset", "multipliers", "shifts")


@irdl_op_definition
class HybridFullyConnectedOp(KernelOp):
    """Hybrid (dynamic-range) fully connected: f32 input/output/bias, int8 weights:
    ``stai_fully_connected_hybrid_f32``. Each input row is quantized at run time (into the
    scratch buffer), so the weights stay one byte each (4x less flash than f32).

    ``filter_scales`` (``array<f32: ...>``): one scale (per tensor) or one per output;
    ``asymmetric_inputs`` (i32): 1 to quantize the rows with a zero point, 0 symmetrically
    (the model's ``asymmetric_quantize_inputs``), as the TFLite reference kernel.
    """

    name = "qnn.hybrid_fully_connected"
    NUM_INS: ClassVar[int | None] = 3
    HAS_ACT: ClassVar[bool] = True
    S8_PARAMS: ClassVar[tuple[str, ...]] = ("unsupported",)
    F32_PARAMS: ClassVar[tuple[str, ...]] = ("filter_scales", "asymmetric_inputs")


class _Pool(KernelOp):
    kernel = opt_prop_def(DenseArrayBase)
    strides = opt_prop_def(DenseArrayBase)
    pads = opt_prop_def(DenseArrayBase)
    HAS_ACT: ClassVar[bool] = True
    GEOMETRY: ClassVar[tuple[str, ...]] = ("kernel", "strides", "pads")


@irdl_op_definition
class AvgPool2DOp(_Pool):
    """Average pooling: ``arm_avgpool_s8`` / ``stai_avgpool_f32``."""

    name = "qnn.avg_pool2d"


@irdl_op_definition
class MaxPool2DOp(_Pool):
    """Max pooling: ``arm_max_pool_s8`` / ``stai_max_pool_f32``."""

    name = "qnn.max_pool2d"


class _Binary(KernelOp):
    NUM_INS: ClassVar[int | None] = 2
    HAS_ACT: ClassVar[bool] = True


_ADD_PARAMS = (
    "left_shift",
    "input1_offset",
    "input1_multiplier",
    "input1_shift",
    "input2_offset",
    "input2_multiplier",
    "input2_shift",
    "output_offset",
    "output_multiplier",
    "output_shift",
)


@irdl_op_definition
class AddOp(_Binary):
    """Addition with broadcasting: ``arm_elementwise_add_s8`` (same shapes),
    ``stai_broadcast_add_s8``, ``stai_add_f32``."""

    name = "qnn.add"
    S8_PARAMS: ClassVar[tuple[str, ...]] = _ADD_PARAMS


@irdl_op_definition
class SubOp(_Binary):
    """Subtraction: ``stai_elementwise_sub_s8``, ``stai_broadcast_sub_s8``, ``stai_sub_f32``."""

    name = "qnn.sub"
    S8_PARAMS: ClassVar[tuple[str, ...]] = _ADD_PARAMS


@irdl_op_definition
class MulOp(_Binary):
    """Multiplication: ``arm_elementwise_mul_s8``, ``stai_broadcast_mul_s8``, ``stai_mul_f32``."""

    name = "qnn.mul"
    S8_PARAMS: ClassVar[tuple[str, ...]] = ("input1_offset", "input2_offset", "output_offset", "output_multiplier", "output_shift")


@irdl_op_definition
class DivOp(_Binary):
    """Division (float only): ``stai_div_f32``."""

    name = "qnn.div"
    S8_PARAMS: ClassVar[tuple[str, ...]] = ("unsupported",)


@irdl_op_definition
class SoftmaxOp(KernelOp):
    """Softmax over the last axis: ``arm_softmax_s8`` / ``stai_softmax_f32``."""

    name = "qnn.softmax"
    S8_PARAMS: ClassVar[tuple[str, ...]] = ("multiplier", "shift", "diff_min")
    F32_PARAMS: ClassVar[tuple[str, ...]] = ("beta",)


@irdl_op_definition
class ClampOp(KernelOp):
    """relu / relu6 / relu_n1_to_1 and any clamp: ``stai_relu_s8`` (requantizes from the
    input to the output scale, then clamps) / ``stai_clamp_f32``."""

    name = "qnn.clamp"
    HAS_ACT: ClassVar[bool] = True
    S8_PARAMS: ClassVar[tuple[str, ...]] = ("input_offset", "output_offset", "multiplier", "shift")


@irdl_op_definition
class LogisticOp(KernelOp):
    """Logistic: ``stai_logistic_s8`` / ``stai_logistic_f32``."""

    name = "qnn.logistic"
    S8_PARAMS: ClassVar[tuple[str, ...]] = ("input_zero_point", "input_range_radius", "input_multiplier", "input_left_shift")


@irdl_op_definition
class TanhOp(KernelOp):
    """Tanh: ``stai_tanh_s8`` / ``stai_tanh_f32``."""

    name = "qnn.tanh"
    S8_PARAMS: ClassVar[tuple[str, ...]] = ("input_zero_point", "input_range_radius", "input_multiplier", "input_left_shift")


@irdl_op_definition
class LeakyReluOp(KernelOp):
    """Leaky relu: ``stai_leaky_relu_s8`` (the parameters of
    ``quant_math.LeakyReluParamsS8``) / ``stai_leaky_relu_f32`` (``alpha``)."""

    name = "qnn.leaky_relu"
    S8_PARAMS: ClassVar[tuple[str, ...]] = (
        "input_offset", "output_offset", "identity_mult", "identity_shift", "alpha_mult",
        "alpha_shift")
    F32_PARAMS: ClassVar[tuple[str, ...]] = ("alpha",)


@irdl_op_definition
class HardSwishOp(KernelOp):
    """Hard swish: ``stai_hard_swish_s8`` (the parameters of
    ``quant_math.HardSwishParamsS8``) / ``stai_hard_swish_f32``."""

    name = "qnn.hard_swish"
    S8_PARAMS: ClassVar[tuple[str, ...]] = (
        "input_zero_point", "output_zero_point", "output_multiplier",
        "output_multiplier_exponent", "reluish_multiplier", "reluish_multiplier_exponent")


@irdl_op_definition
class QuantizeOp(KernelOp):
    """f32 -> int8: ``stai_quantize_f32_s8`` (``scale``, ``zero_point``)."""

    name = "qnn.quantize"
    F32_PARAMS: ClassVar[tuple[str, ...]] = ("scale", "zero_point")


@irdl_op_definition
class DequantizeOp(KernelOp):
    """int8 -> f32: ``stai_dequantize_s8_f32`` (``scale``, ``zero_point``)."""

    name = "qnn.dequantize"
    S8_PARAMS: ClassVar[tuple[str, ...]] = ("scale", "zero_point")


@irdl_op_definition
class RequantizeOp(KernelOp):
    """int8 -> int8 with other quantization: ``stai_requantize_s8``."""

    name = "qnn.requantize"
    S8_PARAMS: ClassVar[tuple[str, ...]] = ("input_offset", "output_offset", "multiplier", "shift")


@irdl_op_definition
class PadOp(KernelOp):
    """Constant padding of a 4-D tensor: ``stai_pad_s8`` / ``stai_pad_f32``.

    ``pads`` holds before/after per dimension (8 values); ``pad_value`` is in ``params``.
    """

    name = "qnn.pad"
    pads = opt_prop_def(DenseArrayBase)
    GEOMETRY: ClassVar[tuple[str, ...]] = ("pads",)
    S8_PARAMS: ClassVar[tuple[str, ...]] = ("pad_value",)
    F32_PARAMS: ClassVar[tuple[str, ...]] = ("pad_value",)


@irdl_op_definition
class ConcatOp(KernelOp):
    """Concatenation along ``axis`` (a byte copy per input): ``stai_concat``."""

    name = "qnn.concat"
    axis = opt_prop_def(Attribute)
    NUM_INS: ClassVar[int | None] = None
    GEOMETRY: ClassVar[tuple[str, ...]] = ("axis",)


@irdl_op_definition
class ReshapeOp(KernelOp):
    """Reshape. Bufferization makes the output alias the input, so it costs nothing;
    where it cannot alias it is a ``stai_copy``."""

    name = "qnn.reshape"


@irdl_op_definition
class MeanOp(KernelOp):
    """Mean over H and W of NHWC: ``stai_mean_hw_s8`` / ``stai_mean_hw_f32``."""

    name = "qnn.mean"
    S8_PARAMS: ClassVar[tuple[str, ...]] = ("input_offset", "output_offset", "multiplier", "shift")


@irdl_op_definition
class SwishOp(KernelOp):
    """Swish (float only): ``stai_swish_f32``."""

    name = "qnn.swish"
    S8_PARAMS: ClassVar[tuple[str, ...]] = ("unsupported",)


@irdl_op_definition
class HardSigmoidOp(KernelOp):
    """Hard sigmoid (float only): ``stai_hard_sigmoid_f32`` (``alpha``, ``beta``)."""

    name = "qnn.hard_sigmoid"
    S8_PARAMS: ClassVar[tuple[str, ...]] = ("unsupported",)
    F32_PARAMS: ClassVar[tuple[str, ...]] = ("alpha", "beta")


@irdl_op_definition
class PReluOp(KernelOp):
    """Parametric relu with a broadcast ``alpha``: ``stai_prelu_s8`` / ``stai_prelu_f32``.

    int8: ``alpha`` is int8 with its own (per-tensor) quantization; the parameters are
    those of ``quant_math.PReluParamsS8``."""

    name = "qnn.prelu"
    NUM_INS: ClassVar[int | None] = 2
    S8_PARAMS: ClassVar[tuple[str, ...]] = (
        "input_offset", "alpha_offset", "output_offset", "identity_mult", "identity_shift",
        "alpha_mult", "alpha_shift")


@irdl_op_definition
class LstmOp(KernelOp):
    """Stateless forward LSTM (float only): ``stai_lstm_f32``; inputs x, weights, recurrent
    weights, bias; the buffer form has a scratch buffer of ``3 * units`` floats."""

    name = "qnn.lstm"
    return_sequences = opt_prop_def(Attribute)
    NUM_INS: ClassVar[int | None] = 4
    GEOMETRY: ClassVar[tuple[str, ...]] = ("return_sequences",)
    S8_PARAMS: ClassVar[tuple[str, ...]] = ("unsupported",)


@irdl_op_definition
class TransposeOp(KernelOp):
    """Transpose of a tensor of rank <= 4 (any element type): ``stai_transpose``.

    ``perm`` (``array<i64: ...>``): result dimension ``i`` is input dimension ``perm[i]``.
    """

    name = "qnn.transpose"
    perm = opt_prop_def(DenseArrayBase)
    GEOMETRY: ClassVar[tuple[str, ...]] = ("perm",)


@irdl_op_definition
class FullyConnectedCodebookOp(KernelOp):
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
    HAS_ACT: ClassVar[bool] = True
    GEOMETRY: ClassVar[tuple[str, ...]] = ("weight_shape", "index_bits")
    S8_PARAMS: ClassVar[tuple[str, ...]] = FullyConnectedOp.S8_PARAMS

    def verify_(self) -> None:
        super().verify_()
        bits = getattr(self.index_bits, "value", None)
        if bits is None or bits.data not in (4, 8):
            raise VerifyException(f"{self.name}: 'index_bits' must be 4 or 8")
        shape = self.ints("weight_shape")
        if len(shape) != 2:
            raise VerifyException(f"{self.name}: 'weight_shape' must be [outputs, depth]")
        count = shape[0] * shape[1]
        expected = count if bits.data == 8 else (count + 1) // 2
        t = self.ins[2].type
        if isinstance(t, TensorType | MemRefType) and (
            len(t.get_shape()) != 1 or t.get_shape()[0] != expected
        ):
            raise VerifyException(f"{self.name}: expected {expected} index bytes")

    @property
    def bits(self) -> int:
        """Bits per index (4 or 8)."""
        return self.index_bits.value.data  # type: ignore[union-attr]


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

    def verify_(self) -> None:
        super().verify_()
        bits = getattr(self.index_bits, "value", None)
        if bits is None or bits.data not in (4, 8):
            raise VerifyException(f"{self.name}: 'index_bits' must be 4 or 8")
        shape = self.ints("weight_shape")
        if len(shape) != 4:
            raise VerifyException(f"{self.name}: 'weight_shape' must be [out_c, kh, kw, in_c]")
        count = shape[0] * shape[1] * shape[2] * shape[3]
        expected = count if bits.data == 8 else (count + 1) // 2
        t = self.ins[2].type
        if isinstance(t, TensorType | MemRefType) and (
            len(t.get_shape()) != 1 or t.get_shape()[0] != expected
        ):
            raise VerifyException(f"{self.name}: expected {expected} index bytes")

    @property
    def bits(self) -> int:
        """Bits per index (4 or 8)."""
        return self.index_bits.value.data  # type: ignore[union-attr]


@irdl_op_definition
class TransposeConv2DOp(_ConvLike):
    """Transposed convolution (float only): ``stai_transpose_conv2d_f32``; ``pads`` are
    cropped from the full output (top, bottom, left, right)."""

    name = "qnn.transpose_conv2d"
    S8_PARAMS: ClassVar[tuple[str, ...]] = ("unsupported",)


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
    ],
    [],
)
