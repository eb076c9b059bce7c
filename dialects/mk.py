"""The ``mk`` dialect: stai's own int8 micro-kernels, one op per specialised kernel.

``mk`` sits below ``qnn``: ``select-kernels`` replaces an int8 ``qnn`` op by an ``mk`` op
when one of stai's kernels fits the layer (``stai.runtime.mk_layouts`` says when), with
its weights re-laid out in the order the kernel reads them and the input offset folded
into an effective bias, both as new constants. Everything else about the op is the
``qnn`` op's: the ops subclass ``qnn``'s ``KernelOp``, so bufferization, ``plan-memory``,
the scratch sizes and ``stai analyze``'s MACC read the same facts; the arithmetic
parameters are ``qnn``'s ``#qnn.conv_s8`` family (offsets, one Q31 multiplier and shift
per output channel) and ``act`` is the clamp range.

Each op is one call of an inline kernel of ``runtime/include/stai_mk_s8.h`` (``KERNEL``),
which the generated code calls with literal channel counts, sizes, offsets and clamp
bounds so that the C compiler specialises it per layer::

    %y = mk.conv1x1_s8 ins(%x, %w, %b : tensor<1x25x5x64xi8>, tensor<4096xi8>,
                                        tensor<64xi32>)
         {act = array<i32: -128, 127>, params = #qnn.conv_s8<...>} -> tensor<1x25x5x64xi8>

Operands: the input, the packed weights (``i8``, the kernel's layout, one dimension) and
the effective bias (``i32``; ``mk.conv1x1_s8`` pads it to an even number of channels).
``fast_requant`` (0, 1 or 2, ``mk_layouts.fast_requant_*``) says which of the kernel's
requantization paths the layer's accumulators and shifts allow. Both kernels need a scratch buffer
(``mk_layouts.scratch_bytes_*``, the same on every core). The verifier checks the packed
layout's sizes against the kernel's layout (documented in ``mk_layouts.pack_*``).
"""

from __future__ import annotations

import math
from typing import ClassVar

from xdsl.dialects.builtin import DenseArrayBase, IntegerAttr
from xdsl.ir import Dialect
from xdsl.irdl import irdl_op_definition, opt_prop_def
from xdsl.utils.exceptions import VerifyException

from stai.dialects import qnn_params as qp
from stai.dialects.qnn_base import InPlace, KernelOp, ParamsSpec, shape_of
from stai.runtime import mk_layouts


FAST_REQUANT = (0, 1, 2)
"""``fast_requant`` levels: 0 the general requantization, 1 the short one (every
accumulator has two bits of headroom past its left shift), 2 the shortest (also every
right shift in [1, 22])."""


def _even(n: int) -> int:
    return n + (n & 1)


class MicroKernelOp(KernelOp):
    """Base of the ``mk`` ops: an int8 kernel of stai's own, on packed weights and an
    effective bias; no scratch buffer, no float form."""

    NUM_INS: ClassVar[int | None] = 3
    HAS_ACT: ClassVar[bool] = True
    S8_PARAMS: ClassVar[ParamsSpec] = qp.ConvS8Params
    F32_PARAMS: ClassVar[ParamsSpec] = None
    IN_PLACE: ClassVar[InPlace] = "no"
    SCRATCH: ClassVar[str] = "mk_layouts"
    """The scratch bytes are the kernel's own formula (``mk_layouts.scratch_bytes_*``,
    ``scratch_bytes`` below), not a CMSIS-NN one of ``scratch_sizes``."""
    OPERAND_ROLES: ClassVar[tuple[str, ...]] = ("input", "packed_weights", "effective_bias")
    KERNEL: ClassVar[str]
    """The C function of ``stai_mk_s8.h`` the op calls."""
    WINDOW: ClassVar[tuple[int, int]]
    """The kernel's window (height, width)."""

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

    def scratch_bytes(self, isa: str) -> int:
        """The kernel's scratch bytes (``mk_layouts.scratch_bytes_*``), on every core."""
        raise NotImplementedError

    def verify_(self) -> None:
        super().verify_()
        if self.kind != "s8" or self.output_shape() == () or self.input_shape(0) == ():
            raise VerifyException(f"{self.name}: expected int8 input and output")
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
class Conv1x1S8Op(MicroKernelOp):
    """1x1 convolution, stride 1, no padding (and fully connected layers): every pixel
    (row) of ``[..., in_c]`` times the ``[out_c, in_c]`` filter. ``stai_mk_conv1x1_s8``."""

    name = "mk.conv1x1_s8"
    KERNEL: ClassVar[str] = "stai_mk_conv1x1_s8"
    WINDOW: ClassVar[tuple[int, int]] = (1, 1)

    @property
    def pixels(self) -> int:
        return math.prod(self.input_shape(0)[:-1])

    def packed_sizes(self) -> tuple[int, int]:
        """Output-channel pairs x input-channel pairs x 4 bytes; a bias per channel of
        the pairs (``mk_layouts.pack_conv1x1_s8``)."""
        o2, i2 = _even(self.out_channels), _even(self.in_channels)
        return o2 * i2, o2

    def scratch_bytes(self, isa: str) -> int:
        return mk_layouts.scratch_bytes_conv1x1(self.pixels, self.in_channels)

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
class DwConv3x3S8Op(MicroKernelOp):
    """Depthwise 3x3 convolution, channel multiplier 1, stride 1 or 2, padding 0 or 1 on
    each side (``pads``: top, bottom, left, right). ``stai_mk_dwconv3x3_s8``."""

    name = "mk.dwconv3x3_s8"
    KERNEL: ClassVar[str] = "stai_mk_dwconv3x3_s8"
    WINDOW: ClassVar[tuple[int, int]] = (3, 3)
    strides = opt_prop_def(DenseArrayBase)
    pads = opt_prop_def(DenseArrayBase)
    GEOMETRY: ClassVar[tuple[str, ...]] = ("strides", "pads")

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


MK = Dialect("mk", [Conv1x1S8Op, DwConv3x3S8Op], [])
