"""Scratch-buffer bytes of the CMSIS-NN API kernels, for planning the activation arena.

Each function repeats the formula of the matching ``*_get_buffer_size`` function of
CMSIS-NN release v7.0.0 for one ISA (instruction-set flavour of the CMSIS-NN kernels):

* ``"host"``: a plain-C build (no DSP, no Helium), which is also what stai's portable
  kernels in ``runtime/src`` accept (their C ``_get_buffer_size`` functions return it);
* ``"dsp"``: a Cortex-M with the DSP extension (M4, M7, M33), CMSIS-NN built with GCC;
* ``"mve"``: a Cortex-M with Helium (M55, M85), CMSIS-NN built with GCC.

Where CMSIS-NN depends on the compiler (two places, both only with Arm Compiler 6), the
GCC value is given. Integer arithmetic follows C (division truncates toward zero, ``%``
takes the dividend's sign), as the C code does.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, Protocol

from stai.errors import StaiError

Isa = Literal["host", "dsp", "mve"]
ISAS: tuple[Isa, ...] = ("host", "dsp", "mve")

CH_IN_BLOCK_MVE = 124
"""Input channels per block of the Helium depthwise kernel."""

DW_ONE_INPUT_CH_THRESHOLD_MVE = 1
"""On Helium, a depthwise convolution with one input channel and more output channels than
this runs as a regular convolution (GCC value)."""


@dataclass(frozen=True)
class Dims:
    """A ``cmsis_nn_dims``: NHWC dimensions (``n`` is the output channels of a filter)."""

    n: int
    h: int
    w: int
    c: int


@dataclass(frozen=True)
class ConvGeometry:
    """The parts of ``cmsis_nn_conv_params`` / ``cmsis_nn_dw_conv_params`` that sizes use."""

    stride_h: int = 1
    stride_w: int = 1
    pad_h: int = 0
    pad_w: int = 0
    dilation_h: int = 1
    dilation_w: int = 1


def as_isa(isa: str) -> Isa:
    """``isa`` as a ``Isa`` (``StaiError`` unless it is one of ``ISAS``)."""
    if isa not in ISAS:
        raise StaiError(f"unknown ISA {isa!r} (expected one of {', '.join(ISAS)})")
    return isa


def _check_isa(isa: str) -> None:
    """Raise ``StaiError`` unless ``isa`` is one of ``ISAS``."""
    as_isa(isa)


def _cdiv(a: int, b: int) -> int:
    """C integer division (truncates toward zero)."""
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b > 0) else -q


def _cmod(a: int, b: int) -> int:
    """C remainder (same sign as the dividend)."""
    return a - _cdiv(a, b) * b


# ------------------------------------------------------------------------ convolution


def _conv_is_1x1(g: ConvGeometry, filter_dims: Dims) -> bool:
    """The wrapper's 1x1 path: pointwise filter, no padding, no dilation."""
    return (
        g.pad_w == 0
        and g.pad_h == 0
        and filter_dims.w == 1
        and filter_dims.h == 1
        and g.dilation_w == 1
        and g.dilation_h == 1
    )


def _conv_is_1_x_n(g: ConvGeometry, input_dims: Dims, filter_dims: Dims) -> bool:
    """The wrapper's 1xN path: one input row, one filter row, 4-aligned stride * channels."""
    return (
        input_dims.h == 1
        and g.dilation_w == 1
        and filter_dims.h == 1
        and _cmod(g.stride_w * input_dims.c, 4) == 0
    )


def convolve_s8_bytes(isa: Isa, input_dims: Dims, filter_dims: Dims) -> int:
    """``arm_convolve_s8_get_buffer_size``: host/DSP two int16 im2col columns of
    ``kw * kh * c_in`` rounded up to a multiple of 4; Helium four int8 columns rounded up
    to 16 bytes."""
    _check_isa(isa)
    col = filter_dims.w * filter_dims.h * input_dims.c
    if isa == "mve":
        return 4 * _cdiv(col + 15, 16) * 16
    remainder = _cmod(col, 4)
    aligned = col + 4 - remainder if remainder != 0 else col
    return 2 * aligned * 2


def _convolve_1_x_n_mve_bytes(
    g: ConvGeometry, input_dims: Dims, filter_dims: Dims, output_dims: Dims
) -> int:
    """The Helium 1xN im2col row (or the general size when padding splits unevenly)."""
    total_pad = (output_dims.w - 1) * g.stride_w + filter_dims.w - input_dims.w
    asym_pad = _cmod(total_pad, 2)
    right_num = (
        max(1, _cdiv(g.pad_w + asym_pad + g.stride_w - 1, g.stride_w))
        if g.pad_w + asym_pad != 0
        else 0
    )
    left_num = max(1, _cdiv(g.pad_w + g.stride_w - 1, g.stride_w)) if g.pad_w != 0 else 0
    no_pad_num = max(output_dims.w - (right_num + left_num), 0)
    if right_num + no_pad_num + left_num != output_dims.w:
        return convolve_s8_bytes("mve", input_dims, filter_dims)
    pad_left = g.pad_w * input_dims.c
    pad_right = right_num * input_dims.c if asym_pad else pad_left
    elem_left = filter_dims.w * input_dims.c
    elem_right = elem_left - input_dims.c
    return max(elem_left + pad_left, elem_right + pad_right)


def convolve_wrapper_s8_bytes(
    isa: Isa, geometry: ConvGeometry, input_dims: Dims, filter_dims: Dims, output_dims: Dims
) -> int:
    """``arm_convolve_wrapper_s8_get_buffer_size`` (``_dsp`` / ``_mve`` for those targets):
    0 for the 1x1 path; the 1xN size for one-row inputs; else ``convolve_s8_bytes``."""
    _check_isa(isa)
    if _conv_is_1x1(geometry, filter_dims):
        return 0
    if _conv_is_1_x_n(geometry, input_dims, filter_dims) and isa == "mve":
        return _convolve_1_x_n_mve_bytes(geometry, input_dims, filter_dims, output_dims)
    return convolve_s8_bytes(isa, input_dims, filter_dims)


# ------------------------------------------------------------- depthwise convolution


def _dw_is_opt(g: ConvGeometry, input_dims: Dims, output_dims: Dims) -> bool:
    """The wrapper's optimized path: multiplier 1, one batch, no dilation."""
    return (
        input_dims.c == output_dims.c
        and input_dims.n == 1
        and g.dilation_w == 1
        and g.dilation_h == 1
    )


def depthwise_conv_wrapper_s8_bytes(
    isa: Isa, geometry: ConvGeometry, input_dims: Dims, filter_dims: Dims, output_dims: Dims
) -> int:
    """``arm_depthwise_conv_wrapper_s8_get_buffer_size`` (``_dsp`` / ``_mve``).

    host: 0. DSP: ``c_in * kw * kh`` int16 on the optimized path, except 3x3 filters with
    padding <= 1 (0). Helium: ``4 * 124 * kw * kh`` bytes on the optimized path; with one
    input channel and more than one output channel, the convolution size of the filter
    seen as ``[c_out, kh, kw, 1]`` plus a filter copy, when larger.
    """
    _check_isa(isa)
    g = geometry
    if isa == "host":
        return 0
    if isa == "dsp":
        if not _dw_is_opt(g, input_dims, output_dims):
            return 0
        if filter_dims.w == 3 and filter_dims.h == 3 and g.pad_h <= 1 and g.pad_w <= 1:
            return 0
        return input_dims.c * filter_dims.w * filter_dims.h * 2
    size = (
        4 * CH_IN_BLOCK_MVE * filter_dims.w * filter_dims.h
        if _dw_is_opt(g, input_dims, output_dims)
        else 0
    )
    if input_dims.c == 1 and output_dims.c > DW_ONE_INPUT_CH_THRESHOLD_MVE:
        conv_filter = Dims(filter_dims.c, filter_dims.h, filter_dims.w, filter_dims.n)
        to_conv = (
            convolve_wrapper_s8_bytes("mve", g, input_dims, conv_filter, output_dims)
            + filter_dims.c * filter_dims.h * filter_dims.w * filter_dims.n
        )
        size = max(size, to_conv)
    return size


# ------------------------------------------------------------- int4 weights (s4)


def _conv_s4_im2col_bytes(isa: Isa, input_dims: Dims, filter_dims: Dims) -> int:
    """``arm_convolve_s4_get_buffer_size`` (``_mve``): two int16 im2col columns of
    ``kw * kh * c_in``; Helium four int8 columns rounded up to 16 bytes."""
    col = filter_dims.w * filter_dims.h * input_dims.c
    if isa == "mve":
        return 4 * _cdiv(col + 15, 16) * 16
    return 2 * col * 2


def convolve_wrapper_s4_bytes(
    isa: Isa, geometry: ConvGeometry, input_dims: Dims, filter_dims: Dims, output_dims: Dims
) -> int:
    """``arm_convolve_wrapper_s4_get_buffer_size`` (``_dsp`` / ``_mve``): 0 for the 1x1
    paths; on Helium the 1xN path's (0 when the padded columns split evenly); else the
    im2col columns of ``_conv_s4_im2col_bytes``."""
    _check_isa(isa)
    g = geometry
    if _conv_is_1x1(g, filter_dims) and input_dims.c == filter_dims.c:
        return 0
    if isa == "mve" and _conv_is_1_x_n(g, input_dims, filter_dims):
        total_pad = (output_dims.w - 1) * g.stride_w + filter_dims.w - input_dims.w
        asym_pad = _cmod(total_pad, 2)
        right = (
            max(1, _cdiv(g.pad_w + asym_pad + g.stride_w - 1, g.stride_w))
            if g.pad_w + asym_pad != 0
            else 0
        )
        left = max(1, _cdiv(g.pad_w + g.stride_w - 1, g.stride_w)) if g.pad_w != 0 else 0
        middle = max(output_dims.w - (right + left), 0)
        if right + middle + left == output_dims.w:
            return 0
    return _conv_s4_im2col_bytes(isa, input_dims, filter_dims)


def depthwise_conv_wrapper_s4_bytes(
    isa: Isa, geometry: ConvGeometry, input_dims: Dims, filter_dims: Dims, output_dims: Dims
) -> int:
    """``arm_depthwise_conv_wrapper_s4_get_buffer_size`` (``_dsp`` / ``_mve``): on the
    optimized path (multiplier 1, one batch, no dilation) ``c_in * kw * kh`` int16 (on
    every core but Helium, host included), ``4 * 124 * kw * kh`` bytes on Helium; else 0."""
    _check_isa(isa)
    if not _dw_is_opt(geometry, input_dims, output_dims):
        return 0
    if isa == "mve":
        return 4 * CH_IN_BLOCK_MVE * filter_dims.w * filter_dims.h
    return input_dims.c * filter_dims.w * filter_dims.h * 2


# ------------------------------------------------------------------- fully connected


def fully_connected_s8_bytes(isa: Isa, filter_dims: Dims) -> int:
    """``arm_fully_connected_s8_get_buffer_size`` (``_dsp`` / ``_mve``): one int32 kernel
    sum per output channel (``filter_dims.c``) on Helium, else 0. The per-channel variant
    uses the same buffer."""
    _check_isa(isa)
    return filter_dims.c * 4 if isa == "mve" else 0


# -------------------------------------------------------------------------- pooling


def avgpool_s8_bytes(isa: Isa, dim_dst_width: int, ch_src: int) -> int:
    """``arm_avgpool_s8_get_buffer_size`` (``_dsp`` / ``_mve``): one int32 per channel with
    DSP, else 0."""
    _check_isa(isa)
    return ch_src * 4 if isa == "dsp" else 0


def no_scratch_bytes(isa: Isa) -> int:
    """Kernels without a scratch buffer (max pool, softmax, elementwise add and mul): 0."""
    _check_isa(isa)
    return 0


# ----------------------------------------------------------------- stai's float kernels


def hybrid_conv_f32_bytes(input_dims: Dims) -> int:
    """``stai_conv2d_hybrid_f32`` / ``stai_depthwise_conv2d_hybrid_f32``: per batch, the
    input's scale and zero point (8 bytes) and the input quantized to int8."""
    return input_dims.n * (8 + input_dims.h * input_dims.w * input_dims.c)


def hybrid_fully_connected_f32_bytes(input_size: int, depth: int) -> int:
    """``stai_fully_connected_hybrid_f32``: per input row (``depth`` values), its scale and
    zero point (8 bytes) and the row quantized to int8."""
    return input_size // depth * (8 + depth)


def lstm_f32_bytes(units: int) -> int:
    """``stai_lstm_f32``: the state h, c and the next h, ``units`` floats each."""
    return 3 * 4 * units


# ------------------------------------------------------------------ formulas by name


class Kernel(Protocol):
    """What the rules read of a ``qnn`` op (``stai.dialects.qnn.KernelOp``)."""

    @property
    def kind(self) -> str: ...
    def input_shape(self, index: int) -> tuple[int, ...]: ...
    def output_shape(self) -> tuple[int, ...]: ...
    def ints(self, name: str) -> tuple[int, ...]: ...


def _dims(shape: tuple[int, ...]) -> Dims:
    """NHWC dims of a 4-D shape (rank-2 ``[n, c]`` as ``n x 1 x 1 x c``)."""
    if len(shape) == 2:
        shape = (shape[0], 1, 1, shape[1])
    if len(shape) != 4:
        raise StaiError(f"convert-qnn-to-buf: expected a 4-D shape, got {list(shape)}")
    return Dims(*shape)


def convolve_wrapper_s16_bytes(isa: Isa, input_dims: Dims, filter_dims: Dims) -> int:
    """``arm_convolve_wrapper_s16_get_buffer_size`` (``_dsp`` / ``_mve``): two int16
    im2col columns of ``kw * kh * c_in``; Helium four, each rounded up to 8 elements."""
    _check_isa(isa)
    col = filter_dims.w * filter_dims.h * input_dims.c
    if isa == "mve":
        return 4 * _cdiv(col + 7, 8) * 8 * 2
    return 2 * col * 2


def depthwise_conv_wrapper_s16_bytes(
    isa: Isa, geometry: ConvGeometry, ch_mult: int, input_dims: Dims, filter_dims: Dims
) -> int:
    """``arm_depthwise_conv_wrapper_s16_get_buffer_size`` (``_dsp`` / ``_mve``): the fast
    kernel's (multiplier 1, no dilation, fewer than 512 taps) im2col column of int16 on
    DSP (four and 8 bytes more on Helium); 0 otherwise and without DSP."""
    _check_isa(isa)
    taps = filter_dims.w * filter_dims.h
    fast = ch_mult == 1 and geometry.dilation_h == geometry.dilation_w == 1 and taps < 512
    if not fast or isa not in ("dsp", "mve"):
        return 0
    column = input_dims.c * taps * 2
    return 4 * column + 8 if isa == "mve" else column


def weight_bits(op: object) -> int:
    """The bit width of a weighted op's filter (operand 1): 4 for int4 filters, which the
    s4 kernels read packed two per byte; 8 otherwise."""
    ins = getattr(op, "ins", ())
    element = getattr(getattr(ins[1], "type", None), "element_type", None) if len(ins) > 1 else None
    width = getattr(getattr(element, "width", None), "data", 8)
    return width if isinstance(width, int) else 8


def _conv_wrapper(op: Kernel, isa: Isa, depthwise: bool) -> int:
    if op.kind == "s16":
        return _conv_wrapper_s16(op, isa, depthwise)
    if op.kind != "s8":
        return 0
    sh, sw = op.ints("strides")
    top, _bottom, left, _right = op.ints("pads")
    dh, dw = op.ints("dilations")
    if weight_bits(op) == 4:
        size_of = depthwise_conv_wrapper_s4_bytes if depthwise else convolve_wrapper_s4_bytes
    else:
        size_of = depthwise_conv_wrapper_s8_bytes if depthwise else convolve_wrapper_s8_bytes
    return size_of(
        isa,
        ConvGeometry(sh, sw, top, left, dh, dw),
        _dims(op.input_shape(0)),
        _dims(op.input_shape(1)),
        _dims(op.output_shape()),
    )


def _conv_wrapper_s16(op: Kernel, isa: Isa, depthwise: bool) -> int:
    """The scratch of the CMSIS-NN API's s16 convolution wrappers (stai's portable ones
    take none, but a build with ``CMSIS_NN_PATH`` does)."""
    input_dims, filter_dims = _dims(op.input_shape(0)), _dims(op.input_shape(1))
    if not depthwise:
        return convolve_wrapper_s16_bytes(isa, input_dims, filter_dims)
    sh, sw = op.ints("strides")
    top, _bottom, left, _right = op.ints("pads")
    dh, dw = op.ints("dilations")
    ch_mult = _dims(op.output_shape()).c // max(1, input_dims.c)
    return depthwise_conv_wrapper_s16_bytes(
        isa, ConvGeometry(sh, sw, top, left, dh, dw), ch_mult, input_dims, filter_dims
    )


def _fully_connected_s8(op: Kernel, isa: Isa) -> int:
    if op.kind != "s8" or weight_bits(op) == 4:  # arm_fully_connected_s4 takes none
        return 0
    weights = op.input_shape(1)
    return fully_connected_s8_bytes(isa, Dims(weights[-1], 1, 1, weights[0]))


def _avgpool_s8(op: Kernel, isa: Isa) -> int:
    if op.kind != "s8":
        return 0
    return avgpool_s8_bytes(isa, _dims(op.output_shape()).w, _dims(op.input_shape(0)).c)


SCRATCH_RULES: dict[str, Callable[[Kernel, Isa], int]] = {
    "none": lambda op, isa: 0,
    "convolve_wrapper_s8": lambda op, isa: _conv_wrapper(op, isa, False),
    "depthwise_conv_wrapper_s8": lambda op, isa: _conv_wrapper(op, isa, True),
    "fully_connected_s8": _fully_connected_s8,
    "avgpool_s8": _avgpool_s8,
    "hybrid_conv_f32": lambda op, isa: hybrid_conv_f32_bytes(_dims(op.input_shape(0))),
    "hybrid_fully_connected_f32": lambda op, isa: hybrid_fully_connected_f32_bytes(
        math.prod(op.input_shape(0)), op.input_shape(1)[-1]
    ),
    "lstm_f32": lambda op, isa: lstm_f32_bytes(op.input_shape(2)[1]),
}
"""The scratch bytes of a kernel on a isa, by the name a ``qnn`` op gives in its
``SCRATCH``: the int8 CMSIS-NN formulas above (0 for the op's float kernel, which has no
scratch buffer) and those of stai's hybrid and LSTM float kernels."""
