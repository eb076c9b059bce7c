"""The ``mk`` dialect: stai's own int8 micro-kernels, one op per specialised kernel.

``mk`` sits below ``qnn``: ``select-kernels`` replaces an int8 ``qnn`` op by an ``mk`` op
when one of stai's kernels fits the layer (``stai.runtime.mk_layouts``,
``mk_conv_layouts`` and ``mk_eltwise_layouts`` say when). A convolution's or fully
connected layer's weights are re-laid out in the order the kernel reads them and its
input offset folded into an effective bias, both as new constants. Everything else about
the op is the ``qnn`` op's: the ops subclass ``qnn``'s ``KernelOp``, so bufferization,
``plan-memory`` and ``stai analyze``'s MACC read the same facts; the arithmetic
parameters are ``qnn``'s families (``#qnn.conv_s8``, ``#qnn.add_sub_s8``) and ``act``
is the clamp range.

Each op is one call of an inline kernel of ``runtime/include/stai_mk_*.h`` (``KERNEL``),
which the generated code calls with literal channel counts, sizes, offsets and clamp
bounds so that the C compiler specialises it per layer::

    %y = mk.conv1x1_s8 ins(%x, %w, %b : tensor<1x25x5x64xi8>, tensor<4096xi8>,
                                        tensor<64xi32>)
         {act = array<i32: -128, 127>, fast_requant = 2 : i64, params = #qnn.conv_s8<...>}
         -> tensor<1x25x5x64xi8>

The ops: ``mk.conv1x1_s8`` (1x1 convolutions and fully connected layers; its Helium
form ``mk.conv1x1_mve_s8``, a separate op because its weight layout, kernel and scratch
differ, taken on ``isa=mve`` only, as ``mk.dwconv3x3_mve_s8``, ``mk.conv_mve_s8`` and
``mk.add_mve_s8`` are for ``mk.dwconv3x3_s8``, ``mk.conv_s8`` and ``mk.add_s8``),
``mk.dwconv3x3_s8`` (depthwise 3x3), ``mk.conv_s8`` (any other convolution),
``mk.avgpool_s8`` / ``mk.maxpool_s8``, ``mk.add_s8`` (same-shape additions, with the
``plan`` of ``mk_eltwise_layouts.plan_add_s8``) and ``mk.mul_s8`` (same shapes). A weighted op's operands are the input,
the packed weights (``i8``, one dimension) and the effective bias (``i32``, padded to an
even number of channels where the kernel pairs them); ``fast_requant`` (0, 1 or 2,
``fast_requant_*``) says which requantization path the layer's accumulators and shifts
allow. The convolutions need a scratch buffer (``scratch_bytes_*``, the same on every
core; none for a 1x1 convolution of one or two pixels, such as a fully connected layer of
batch 1). The
verifier checks the packed layouts' sizes. Besides the pixel-order overlap of the
convolutions and poolings, ``mk.dwconv3x3_s8`` runs channel by channel: its output may
start at any whole pixel of its input (``qnn_overlap.channel_order_gap``).
"""

from __future__ import annotations

import math
from typing import ClassVar

from xdsl.dialects.builtin import DenseArrayBase, IntegerAttr, UnitAttr
from xdsl.ir import Dialect, SSAValue
from xdsl.irdl import irdl_op_definition, opt_prop_def
from xdsl.utils.exceptions import VerifyException

from stai.dialects import qnn_params as qp
from stai.dialects.qnn_base import InPlace, KernelOp, NoParams, ParamsSpec, shape_of
from stai.dialects.qnn_overlap import channel_order_gap, pixel_order_gap
from stai.lowering.scratch_sizes import ISAS
from stai.runtime import mk_conv_layouts, mk_layouts, mk_mve_layouts

FAST_REQUANT = (0, 1, 2)
"""``fast_requant`` levels: 0 the general requantization, 1 the short one (every
accumulator has two bits of headroom past its left shift), 2 the shortest (also every
right shift in [1, 22])."""


MUL_FAST_REQUANT = (*FAST_REQUANT, 3)
"""``mk.mul_s8`` has a fourth path: 3, no right shift (one SMMLAR per product)."""


def _even(n: int) -> int:
    return n + (n & 1)


class MicroKernelOp(KernelOp):
    """Base of the ``mk`` ops: an int8 kernel of stai's own (no float form)."""

    HAS_ACT: ClassVar[bool] = True
    F32_PARAMS: ClassVar[ParamsSpec] = None
    SCRATCH: ClassVar[str] = "mk_layouts"
    """The scratch bytes are the kernel's own formula (``mk_layouts.scratch_bytes_*``,
    ``scratch_bytes`` below), not a CMSIS-NN one of ``scratch_sizes``."""
    KERNEL: ClassVar[str]
    """The C function (of ``stai_mk_*.h``) the op calls."""
    WINDOW: ClassVar[tuple[int, int] | None] = None
    """The kernel's fixed window (height, width), if it has one."""

    def scratch_bytes(self, isa: str) -> int:
        """The kernel's scratch bytes (the ``mk_layouts`` formulas), on every core."""
        return 0

    def verify_(self) -> None:
        super().verify_()
        if self.kind != "s8" or self.output_shape() == () or self.input_shape(0) == ():
            raise VerifyException(f"{self.name}: expected int8 input and output")


class WeightedKernelOp(MicroKernelOp):
    """A kernel on packed weights and an effective bias (convolutions, fully connected)."""

    NUM_INS: ClassVar[int | None] = 3
    S8_PARAMS: ClassVar[ParamsSpec] = qp.ConvS8Params
    IN_PLACE: ClassVar[InPlace] = "no"
    OPERAND_ROLES: ClassVar[tuple[str, ...]] = ("input", "packed_weights", "effective_bias")

    fast_requant = opt_prop_def(IntegerAttr)
    """The requantization path the layer's accumulators and shifts allow (``FAST_REQUANT``,
    ``mk_layouts.fast_requant_*``)."""

    @property
    def fast(self) -> int:
        value = self.fast_requant
        return value.value.data if isinstance(value, IntegerAttr) else 0

    @property
    def in_channels(self) -> int:
        return shape_of(self.ins[0])[-1]

    @property
    def out_channels(self) -> int:
        return self.output_shape()[-1]

    def packed_sizes(self) -> tuple[int, int]:
        """Bytes of the packed weights and entries of the effective bias the kernel
        reads (the layouts of ``mk_layouts.pack_*``)."""
        raise NotImplementedError

    def verify_(self) -> None:
        super().verify_()
        packed, bias = shape_of(self.ins[1]), shape_of(self.ins[2])
        want_packed, want_bias = self.packed_sizes()
        if packed != (want_packed,):
            raise VerifyException(
                f"{self.name}: expected {want_packed} bytes of packed weights (one "
                f"dimension), got {'x'.join(map(str, packed))}"
            )
        if bias != (want_bias,):
            raise VerifyException(
                f"{self.name}: expected {want_bias} effective bias values, got "
                f"{'x'.join(map(str, bias))}"
            )
        if self.fast not in FAST_REQUANT:
            raise VerifyException(f"{self.name}: 'fast_requant' must be 0, 1 or 2")
        params = self.params_as(qp.ConvS8Params)
        if len(params.multipliers) != self.out_channels:
            raise VerifyException(
                f"{self.name}: expected one multiplier and shift per output channel "
                f"({self.out_channels})"
            )


@irdl_op_definition
class Conv1x1S8Op(WeightedKernelOp):
    """1x1 convolution, stride 1, no padding (and fully connected layers): every pixel
    (row) of ``[..., in_c]`` times the ``[out_c, in_c]`` filter. ``stai_mk_conv1x1_s8``."""

    name = "mk.conv1x1_s8"
    KERNEL: ClassVar[str] = "stai_mk_conv1x1_s8"
    WINDOW: ClassVar[tuple[int, int] | None] = (1, 1)

    no_scratch = opt_prop_def(UnitAttr)
    """Every pixel one at a time, widened in registers: no scratch (``-O ram``)."""

    @property
    def pixels(self) -> int:
        return math.prod(self.input_shape(0)[:-1])

    def packed_sizes(self) -> tuple[int, int]:
        """Output-channel pairs x input-channel pairs x 4 bytes; a bias per channel of
        the pairs (``mk_layouts.pack_pointwise_s8``)."""
        o2, i2 = _even(self.out_channels), _even(self.in_channels)
        return o2 * i2, o2

    def scratch_bytes(self, isa: str) -> int:
        if self.no_scratch is not None:
            return 0
        return mk_layouts.scratch_bytes_conv1x1(self.pixels, self.in_channels)

    def macc(self) -> int:
        """Outputs x input channels."""
        return self._output_count() * self.in_channels

    def overlap_isas(self) -> tuple[str, ...]:
        """Pixel order on every core: blocks of three pixels, each block's input widened
        into the scratch buffer before its outputs are written, then the last one or two
        pixels one at a time, each read again (widened in registers) for every four
        outputs, so output pixel ``p`` must not meet input pixel ``p``: the pixel-order
        gap keeps it below."""
        return ISAS

    def overlap_gap(self, value: SSAValue, isa: str = "") -> int | None:
        """The pixel-order gap of its rows (``qnn_overlap.pixel_order_gap`` on a column of
        ``pixels`` pixels: no window, no stride)."""
        if value is not self.ins[0] or (isa and isa not in self.overlap_isas()):
            return None
        n = self.pixels
        return pixel_order_gap(
            (1, n, 1, self.in_channels), (1, n, 1, self.out_channels), (1, 1), (0, 0), 1, 1
        )

    def verify_(self) -> None:
        super().verify_()
        x, y = self.input_shape(0), self.output_shape()
        if len(x) != len(y) or x[:-1] != y[:-1]:
            raise VerifyException(
                f"{self.name}: the output must have the input's pixels (rows), got "
                f"{'x'.join(map(str, x))} -> {'x'.join(map(str, y))}"
            )


@irdl_op_definition
class Conv1x1MveS8Op(WeightedKernelOp):
    """``mk.conv1x1_s8``'s Helium form (``isa=mve`` only): the same layers (every pixel
    or row of ``[..., in_c]`` times the ``[out_c, in_c]`` filter), weights in
    ``mk_mve_layouts.pack_pointwise_mve_s8``'s layout (16 input channels per vector),
    ``stai_mk_conv1x1_mve_s8`` of ``stai_mk_mve_s8.h``; no scratch. ``fast_requant`` is
    ``mk_mve_layouts.fast_requant_mve`` (0 or 2). Blocks of four pixels write each
    output pair before the next pair reads the block's inputs again: the output stays
    apart from the input (no overlap)."""

    name = "mk.conv1x1_mve_s8"
    KERNEL: ClassVar[str] = "stai_mk_conv1x1_mve_s8"
    WINDOW: ClassVar[tuple[int, int] | None] = (1, 1)

    @property
    def pixels(self) -> int:
        return math.prod(self.input_shape(0)[:-1])

    def packed_sizes(self) -> tuple[int, int]:
        """``mk_mve_layouts.conv1x1_mve_sizes``: output channels rounded up to 4 times
        input channels rounded up to 16; a bias per rounded output channel."""
        return mk_mve_layouts.conv1x1_mve_sizes(self.in_channels, self.out_channels)

    def macc(self) -> int:
        """Outputs x input channels."""
        return self._output_count() * self.in_channels

    def verify_(self) -> None:
        super().verify_()
        x, y = self.input_shape(0), self.output_shape()
        if len(x) != len(y) or x[:-1] != y[:-1]:
            raise VerifyException(
                f"{self.name}: the output must have the input's pixels (rows), got "
                f"{'x'.join(map(str, x))} -> {'x'.join(map(str, y))}"
            )


@irdl_op_definition
class DwConv3x3S8Op(WeightedKernelOp):
    """Depthwise 3x3 convolution, channel multiplier 1, stride 1 or 2, padding 0 or 1 on
    each side (``pads``: top, bottom, left, right). ``stai_mk_dwconv3x3_s8``."""

    name = "mk.dwconv3x3_s8"
    KERNEL: ClassVar[str] = "stai_mk_dwconv3x3_s8"
    WINDOW: ClassVar[tuple[int, int] | None] = (3, 3)
    strides = opt_prop_def(DenseArrayBase)
    pads = opt_prop_def(DenseArrayBase)
    GEOMETRY: ClassVar[tuple[str, ...]] = ("strides", "pads")

    def may_write_over(self, value: SSAValue) -> bool:
        """In place when the output has the input's shape (stride 1, 'same'): the kernel
        runs channel by channel, copying a whole input channel into its scratch plane
        before it writes that channel's outputs, which are the same bytes."""
        return value is self.ins[0] and value.type == self.output_type

    def overlap_gap(self, value: SSAValue, isa: str = "") -> int | None:
        """Not pixel order (``overlap_isas`` is empty) but channel order, on every core:
        channel ``c`` of the whole input is copied into the scratch plane before channel
        ``c`` of any output pixel is written. So the output may start at any multiple of
        a pixel's bytes from the input (``qnn_overlap.channel_order_gap``): each output
        byte then lands on an input byte of its own channel, already copied."""
        if value is not self.ins[0]:
            return None
        return channel_order_gap(self.input_shape(0), self.output_shape(), 1, 1)

    def packed_sizes(self) -> tuple[int, int]:
        """12 bytes per channel; a bias per channel (``mk_layouts.pack_dwconv3x3_s8``)."""
        return 12 * self.in_channels, self.in_channels

    def scratch_bytes(self, isa: str) -> int:
        _, out_h, out_w, _ = self.output_shape()
        return mk_layouts.scratch_bytes_dwconv3x3(out_h, out_w, self.ints("strides")[0])

    def macc(self) -> int:
        """Outputs x 9."""
        return self._output_count() * 9

    def verify_(self) -> None:
        super().verify_()
        x, y = self.input_shape(0), self.output_shape()
        if len(x) != 4 or len(y) != 4 or x[0] != 1 or y[0] != 1 or x[3] != y[3]:
            raise VerifyException(
                f"{self.name}: expected NHWC input and output of batch 1, same channels"
            )
        sh, sw = self.ints("strides")
        top, bottom, left, right = self.ints("pads")
        if sh != sw or sh not in (1, 2) or any(p not in (0, 1) for p in (top, bottom, left, right)):
            raise VerifyException(f"{self.name}: expected stride 1 or 2 and pads of 0 or 1")
        want = ((x[1] + top + bottom - 3) // sh + 1, (x[2] + left + right - 3) // sw + 1)
        if y[1:3] != want:
            raise VerifyException(
                f"{self.name}: expected an output of {want[0]}x{want[1]} pixels, got {y[1]}x{y[2]}"
            )


@irdl_op_definition
class DwConv3x3MveS8Op(WeightedKernelOp):
    """``mk.dwconv3x3_s8``'s Helium form (``isa=mve`` only): the same layers with a
    multiple of 4 channels, weights in ``mk_mve_layouts.pack_dwconv3x3_mve_s8``'s layout
    (four channels per vector), ``stai_mk_dwconv3x3_mve_s8`` of ``stai_mk_mve_s8.h``, three
    scratch rows (``mk_mve_layouts.scratch_bytes_dwconv3x3_mve``). An output row is written
    after its three input rows are copied, but the next output rows read input rows it
    may cover: the output stays apart from the input (no overlap)."""

    name = "mk.dwconv3x3_mve_s8"
    KERNEL: ClassVar[str] = "stai_mk_dwconv3x3_mve_s8"
    WINDOW: ClassVar[tuple[int, int] | None] = (3, 3)
    strides = opt_prop_def(DenseArrayBase)
    pads = opt_prop_def(DenseArrayBase)
    GEOMETRY: ClassVar[tuple[str, ...]] = ("strides", "pads")

    def packed_sizes(self) -> tuple[int, int]:
        """``mk_mve_layouts.dwconv3x3_mve_sizes``: 9 bytes per channel; a bias per channel."""
        return mk_mve_layouts.dwconv3x3_mve_sizes(self.in_channels)

    def scratch_bytes(self, isa: str) -> int:
        _, _, out_w, ch = self.output_shape()
        return mk_mve_layouts.scratch_bytes_dwconv3x3_mve(out_w, ch, self.ints("strides")[0])

    def macc(self) -> int:
        """Outputs x 9."""
        return self._output_count() * 9

    def verify_(self) -> None:
        super().verify_()
        x, y = self.input_shape(0), self.output_shape()
        if len(x) != 4 or len(y) != 4 or x[0] != 1 or y[0] != 1 or x[3] != y[3] or x[3] % 4:
            raise VerifyException(
                f"{self.name}: expected NHWC input and output of batch 1, the same channels "
                "(a multiple of 4)"
            )
        sh, sw = self.ints("strides")
        top, bottom, left, right = self.ints("pads")
        if sh != sw or sh not in (1, 2) or any(p not in (0, 1) for p in (top, bottom, left, right)):
            raise VerifyException(f"{self.name}: expected stride 1 or 2 and pads of 0 or 1")
        want = ((x[1] + top + bottom - 3) // sh + 1, (x[2] + left + right - 3) // sw + 1)
        if y[1:3] != want:
            raise VerifyException(
                f"{self.name}: expected an output of {want[0]}x{want[1]} pixels, got {y[1]}x{y[2]}"
            )


def _window_output(
    x: tuple[int, ...], kernel: tuple[int, ...], strides: tuple[int, ...], pads: tuple[int, ...]
) -> tuple[int, int]:
    """The output pixels of a window over ``x`` (NHWC) with ``pads`` (t, b, l, r)."""
    top, bottom, left, right = pads
    return (
        (x[1] + top + bottom - kernel[0]) // strides[0] + 1,
        (x[2] + left + right - kernel[1]) // strides[1] + 1,
    )


@irdl_op_definition
class ConvS8Op(WeightedKernelOp):
    """A convolution of any window (``kernel``: height, width), stride 1 or 2 on each
    axis, padding smaller than the window, batch 1: ``stai_mk_conv_s8`` (widened windows
    of a few output pixels times the packed weights)."""

    name = "mk.conv_s8"
    KERNEL: ClassVar[str] = "stai_mk_conv_s8"
    kernel = opt_prop_def(DenseArrayBase)
    strides = opt_prop_def(DenseArrayBase)
    pads = opt_prop_def(DenseArrayBase)
    GEOMETRY: ClassVar[tuple[str, ...]] = ("kernel", "strides", "pads")

    def packed_sizes(self) -> tuple[int, int]:
        """Output-channel pairs x the packed depth (``mk_conv_layouts.packed_depth``) x
        2 bytes; a bias per channel of the pairs (``mk_conv_layouts.pack_conv_s8``)."""
        kh, kw = self.ints("kernel")
        o2 = _even(self.out_channels)
        return o2 * mk_conv_layouts.packed_depth(kh, kw, self.in_channels), o2

    def filter_shape(self) -> tuple[int, int, int, int]:
        kh, kw = self.ints("kernel")
        return (self.out_channels, kh, kw, self.in_channels)

    def scratch_bytes(self, isa: str) -> int:
        return mk_conv_layouts.scratch_bytes_conv(self.filter_shape(), self.output_shape())

    def macc(self) -> int:
        """Outputs x kh x kw x input channels."""
        return self._output_count() * math.prod(self.filter_shape()[1:])

    def overlap_isas(self) -> tuple[str, ...]:
        """Pixel order on every core: blocks of four output pixels in increasing order,
        each block's windows read before its outputs are written (``stai_mk_conv_s8.h``)."""
        return ISAS

    def verify_(self) -> None:
        super().verify_()
        x, y = self.input_shape(0), self.output_shape()
        if len(x) != 4 or len(y) != 4 or x[0] != 1 or y[0] != 1:
            raise VerifyException(f"{self.name}: expected NHWC input and output of batch 1")
        kernel, strides, pads = self.ints("kernel"), self.ints("strides"), self.ints("pads")
        if len(kernel) != 2 or len(strides) != 2 or len(pads) != 4:
            raise VerifyException(f"{self.name}: expected a 2-d kernel and strides, 4 pads")
        if y[1:3] != _window_output(x, kernel, strides, pads):
            raise VerifyException(f"{self.name}: the output does not fit the window")


@irdl_op_definition
class ConvMveS8Op(WeightedKernelOp):
    """``mk.conv_s8``'s Helium form (``isa=mve`` only): the same layers (any window,
    stride 1 or 2 per axis, padding smaller than the window, batch 1), weights as the
    (out, K) matrix in ``mk_mve_layouts.pack_pointwise_mve_s8``'s layout (K = kernel_h *
    kernel_w * in_ch), ``stai_mk_conv_mve_s8``: four windows copied into scratch rows
    (``mk_mve_layouts.scratch_bytes_conv_mve``), then the 1x1 kernel's vector loop on the
    copies. Pixel order, as ``mk.conv_s8``: blocks of four output pixels in increasing
    order, each block's windows copied before its outputs are written."""

    name = "mk.conv_mve_s8"
    KERNEL: ClassVar[str] = "stai_mk_conv_mve_s8"
    kernel = opt_prop_def(DenseArrayBase)
    strides = opt_prop_def(DenseArrayBase)
    pads = opt_prop_def(DenseArrayBase)
    GEOMETRY: ClassVar[tuple[str, ...]] = ("kernel", "strides", "pads")

    def _depth(self) -> int:
        kh, kw = self.ints("kernel")
        return kh * kw * self.in_channels

    def packed_sizes(self) -> tuple[int, int]:
        """``mk_mve_layouts.conv1x1_mve_sizes`` of the (out, K) matrix."""
        return mk_mve_layouts.conv1x1_mve_sizes(self._depth(), self.out_channels)

    def filter_shape(self) -> tuple[int, int, int, int]:
        kh, kw = self.ints("kernel")
        return (self.out_channels, kh, kw, self.in_channels)

    def scratch_bytes(self, isa: str) -> int:
        return mk_mve_layouts.scratch_bytes_conv_mve(self._depth())

    def overlap_isas(self) -> tuple[str, ...]:
        """Pixel order (``qnn_overlap.pixel_order_gap``); the op exists on ``mve`` only,
        whose kernel reads the input only through the copied windows."""
        return ISAS

    def macc(self) -> int:
        """Outputs x kh x kw x input channels."""
        return self._output_count() * math.prod(self.filter_shape()[1:])

    def verify_(self) -> None:
        super().verify_()
        x, y = self.input_shape(0), self.output_shape()
        if len(x) != 4 or len(y) != 4 or x[0] != 1 or y[0] != 1:
            raise VerifyException(f"{self.name}: expected NHWC input and output of batch 1")
        kernel, strides, pads = self.ints("kernel"), self.ints("strides"), self.ints("pads")
        if len(kernel) != 2 or len(strides) != 2 or len(pads) != 4:
            raise VerifyException(f"{self.name}: expected a 2-d kernel and strides, 4 pads")
        if y[1:3] != _window_output(x, kernel, strides, pads):
            raise VerifyException(f"{self.name}: the output does not fit the window")


class _PoolKernelOp(MicroKernelOp):
    """A pooling kernel: any window, strides and padding (every window meets the input),
    batch 1; no weights, no parameters."""

    NUM_INS: ClassVar[int | None] = 1
    S8_PARAMS: ClassVar[ParamsSpec] = NoParams
    IN_PLACE: ClassVar[InPlace] = "no"
    kernel = opt_prop_def(DenseArrayBase)
    strides = opt_prop_def(DenseArrayBase)
    pads = opt_prop_def(DenseArrayBase)
    GEOMETRY: ClassVar[tuple[str, ...]] = ("kernel", "strides", "pads")

    def macc(self) -> int:
        """Outputs x the window's elements."""
        return self._output_count() * math.prod(self.ints("kernel"))

    def overlap_isas(self) -> tuple[str, ...]:
        """Pixel order on every core: output pixels in increasing order, each written
        after its window is read (``stai_mk_eltwise_s8.h``)."""
        return ISAS

    def verify_(self) -> None:
        super().verify_()
        x, y = self.input_shape(0), self.output_shape()
        if len(x) != 4 or len(y) != 4 or x[0] != 1 or y[0] != 1 or x[3] != y[3]:
            raise VerifyException(
                f"{self.name}: expected NHWC input and output of batch 1, same channels"
            )


@irdl_op_definition
class AvgPoolS8Op(_PoolKernelOp):
    """Average pooling: ``stai_mk_avgpool_s8``."""

    name = "mk.avgpool_s8"
    KERNEL: ClassVar[str] = "stai_mk_avgpool_s8"


@irdl_op_definition
class MaxPoolS8Op(_PoolKernelOp):
    """Max pooling: ``stai_mk_maxpool_s8``."""

    name = "mk.maxpool_s8"
    KERNEL: ClassVar[str] = "stai_mk_maxpool_s8"


@irdl_op_definition
class AddS8Op(MicroKernelOp):
    """Addition of two int8 tensors of the output's shape: ``stai_mk_add_s8``, with the
    ``#qnn.add_sub_s8`` parameters and ``plan`` (``array<i32: method, k1, k2, k0,
    kshift>``, ``mk_eltwise_layouts.plan_add_s8``: method 1 is one linear combination of
    the codes, exact on every input pair; method 0 the reference arithmetic). The output
    may be an input's bytes."""

    name = "mk.add_s8"
    KERNEL: ClassVar[str] = "stai_mk_add_s8"
    NUM_INS: ClassVar[int | None] = 2
    S8_PARAMS: ClassVar[ParamsSpec] = qp.AddSubS8Params
    IN_PLACE: ClassVar[InPlace] = "binary"
    plan = opt_prop_def(DenseArrayBase)
    GEOMETRY: ClassVar[tuple[str, ...]] = ("plan",)

    def macc(self) -> int:
        """One per output element."""
        return self._output_count()

    def verify_(self) -> None:
        super().verify_()
        if not all(shape_of(v) == self.output_shape() for v in self.ins):
            raise VerifyException(f"{self.name}: expected inputs of the output's shape")
        if len(self.ints("plan")) != 5:
            raise VerifyException(f"{self.name}: 'plan' must hold five values")


@irdl_op_definition
class AddMveS8Op(MicroKernelOp):
    """``mk.add_s8``'s Helium form (``isa=mve`` only) for a linear ``plan`` (method 1):
    ``stai_mk_add_mve_s8``, four elements per vector. The output may be an input's
    bytes."""

    name = "mk.add_mve_s8"
    KERNEL: ClassVar[str] = "stai_mk_add_mve_s8"
    NUM_INS: ClassVar[int | None] = 2
    S8_PARAMS: ClassVar[ParamsSpec] = qp.AddSubS8Params
    IN_PLACE: ClassVar[InPlace] = "binary"
    plan = opt_prop_def(DenseArrayBase)
    GEOMETRY: ClassVar[tuple[str, ...]] = ("plan",)

    def macc(self) -> int:
        """One per output element."""
        return self._output_count()

    def verify_(self) -> None:
        super().verify_()
        if not all(shape_of(v) == self.output_shape() for v in self.ins):
            raise VerifyException(f"{self.name}: expected inputs of the output's shape")
        plan = self.ints("plan")
        if len(plan) != 5 or plan[0] != 1:
            raise VerifyException(f"{self.name}: 'plan' must be a linear plan (method 1)")


@irdl_op_definition
class MulS8Op(MicroKernelOp):
    """Multiplication of two int8 tensors of the output's shape: ``stai_mk_mul_s8``, with
    the ``#qnn.mul_s8`` parameters and ``fast_requant`` (``mk_eltwise_layouts.
    fast_requant_mul``). The output may be an input's bytes."""

    name = "mk.mul_s8"
    KERNEL: ClassVar[str] = "stai_mk_mul_s8"
    NUM_INS: ClassVar[int | None] = 2
    S8_PARAMS: ClassVar[ParamsSpec] = qp.MulS8Params
    IN_PLACE: ClassVar[InPlace] = "binary"
    fast_requant = opt_prop_def(IntegerAttr)

    @property
    def fast(self) -> int:
        value = self.fast_requant
        return value.value.data if isinstance(value, IntegerAttr) else 0

    def macc(self) -> int:
        """One per output element."""
        return self._output_count()

    def verify_(self) -> None:
        super().verify_()
        if not all(shape_of(v) == self.output_shape() for v in self.ins):
            raise VerifyException(f"{self.name}: expected inputs of the output's shape")
        if self.fast not in MUL_FAST_REQUANT:
            raise VerifyException(f"{self.name}: 'fast_requant' must be 0, 1, 2 or 3")


MK = Dialect(
    "mk",
    [
        Conv1x1S8Op,
        Conv1x1MveS8Op,
        DwConv3x3S8Op,
        DwConv3x3MveS8Op,
        ConvS8Op,
        ConvMveS8Op,
        AvgPoolS8Op,
        MaxPoolS8Op,
        AddS8Op,
        AddMveS8Op,
        MulS8Op,
    ],
    [],
)
