"""``convert-nn-to-qnn`` patterns of the ops that pick or interpolate elements by index:
``nn.resize``, ``nn.gather``, ``nn.take``, and the reductions ``nn.reduce_max`` / ``_min`` / ``_sum``.
``convert_nn_to_qnn.py`` applies them with the others.

The nearest neighbour's source rows and columns are computed here, once, with the float32
arithmetic of the framework the model comes from (``convention``), so the kernel only
copies; bilinear resizing passes the scales its kernel needs.
"""

from __future__ import annotations

import math

import numpy as np
from xdsl.dialects.builtin import (
    DenseArrayBase,
    FloatAttr,
    IntegerAttr,
    StringAttr,
    TensorType,
    f32,
    i32,
    i64,
)
from xdsl.ir import Attribute, Operation, SSAValue
from xdsl.pattern_rewriter import PatternRewriter, RewritePattern, op_type_rewrite_pattern

from stai.dialects import nn, qnn_indexing
from stai.dialects import qnn_params as qp
from stai.lowering import quant_math as qm
from stai.lowering.kernel_params import act_quant, fail, kind_of
from stai.lowering.nn_to_qnn_base import Lowering

_F = np.float32


def resize_scales(op: nn.ResizeOp) -> tuple[float, float]:
    scale_h, scale_w = (float(v) for v in op.scales.get_values())
    return scale_h, scale_w


def shape_of(value: SSAValue) -> tuple[int, ...]:
    t = value.type
    assert isinstance(t, TensorType)
    return tuple(t.get_shape())


def _round_half_away(v: np.float32) -> int:
    """C's ``roundf``: halves away from zero."""
    return int(math.floor(abs(float(v)) + 0.5)) * (1 if v >= 0 else -1)


def _tflite_scale(size_in: int, size_out: int, align: bool) -> np.float32:
    """TFLite's ``in / out`` (``(in - 1) / (out - 1)`` with align_corners) in float32."""
    if align and size_out > 1:
        return _F(size_in - 1) / _F(size_out - 1)
    return _F(size_in) / _F(size_out)


def _onnx_coordinate(mode: str, x: int, scale: np.float32, size_in: int, size_out: int) -> float:
    """The input coordinate of output index ``x`` (ONNX's ``coordinate_transformation_mode``,
    float32 arithmetic as onnxruntime computes it)."""
    if mode == "half_pixel" or (mode == "pytorch_half_pixel" and size_out > 1):
        return float((_F(x) + _F(0.5)) / scale - _F(0.5))
    if mode == "pytorch_half_pixel":
        return 0.0
    if mode == "align_corners":
        return 0.0 if size_out == 1 else float(_F(x) * _F(size_in - 1) / _F(size_out - 1))
    if mode == "tf_half_pixel_for_nn":
        return float((_F(x) + _F(0.5)) / scale)
    return float(_F(x) / scale)  # asymmetric


def _rounded(v: float, nearest: str) -> int:
    if nearest == "floor":
        return math.floor(v)
    if nearest == "ceil":
        return math.ceil(v)
    if nearest == "round_prefer_floor" and v == math.floor(v) + 0.5:
        return math.floor(v)
    return _round_half_away(_F(v))


def nearest_indices(op: nn.ResizeOp, size_in: int, size_out: int, scale: float) -> list[int]:
    """The input index each output index along one axis copies."""
    mode, nearest = op.coordinate_mode.data, op.nearest_mode.data
    out: list[int] = []
    if op.convention.data == "tflite":
        # TFLite's GetNearestNeighbor: (x + offset) * (in / out), floor, or round with
        # align_corners; clamped below in - 1 (and above 0 with half-pixel centers).
        align = mode == "align_corners"
        s = _tflite_scale(size_in, size_out, align)
        offset = _F(0.5) if mode == "tf_half_pixel_for_nn" else _F(0.0)
        for x in range(size_out):
            v = (_F(x) + offset) * s
            index = _rounded(float(v), nearest)
            out.append(max(0, min(index, size_in - 1)))
        return out
    for x in range(size_out):
        v = _onnx_coordinate(mode, x, _F(scale), size_in, size_out)
        out.append(max(0, min(_rounded(v, nearest), size_in - 1)))
    return out


def _bilinear_f32(op: nn.ResizeOp, ins: tuple[int, int], outs: tuple[int, int]) -> list[float]:
    """``[scale_h, scale_w, offset]``: input coordinate ``(x + offset) * scale - offset``."""
    mode = op.coordinate_mode.data
    if mode == "tf_half_pixel_for_nn":
        raise fail(op, "linear resizing with tf_half_pixel_for_nn coordinates is not supported")
    offset = 0.5 if mode in ("half_pixel", "pytorch_half_pixel") else 0.0
    scales: list[float] = []
    for axis, (size_in, size_out) in enumerate(zip(ins, outs)):
        if op.convention.data == "tflite":
            scales.append(float(_tflite_scale(size_in, size_out, mode == "align_corners")))
        elif mode == "align_corners" or (mode == "pytorch_half_pixel" and size_out == 1):
            scales.append(0.0 if size_out == 1 else float(_tflite_scale(size_in, size_out, True)))
        else:
            scales.append(float(_F(1.0) / _F(resize_scales(op)[axis])))
    return [*scales, offset]


def _bilinear_s8(op: nn.ResizeOp, ins: tuple[int, int], outs: tuple[int, int]) -> list[int]:
    """``[scale_h, scale_w, half_pixel]`` of TFLite's integer kernel (scales in 1/1024)."""
    mode = op.coordinate_mode.data
    if mode not in ("asymmetric", "align_corners", "half_pixel", "pytorch_half_pixel"):
        raise fail(op, f"int8 linear resizing with {mode} coordinates is not supported")
    if mode == "pytorch_half_pixel" and min(outs) == 1:
        raise fail(op, "int8 linear resizing to a size of 1 with pytorch_half_pixel")
    if op.convention.data == "onnx":
        for axis, (size_in, size_out) in enumerate(zip(ins, outs)):
            if _F(resize_scales(op)[axis]) != _F(size_out) / _F(size_in):
                raise fail(op, "int8 linear resizing by a factor other than the sizes' ratio")
    scales = []
    for size_in, size_out in zip(ins, outs):
        if mode == "align_corners" and size_out > 1:
            scales.append(((1 << 10) * (size_in - 1) + (size_out - 1) // 2) // (size_out - 1))
        else:
            scales.append(((1 << 10) * size_in + size_out // 2) // size_out)
    return [*scales, 1 if mode in ("half_pixel", "pytorch_half_pixel") else 0]


class ConvertResize(RewritePattern):
    """``nn.resize`` -> ``qnn.resize_nearest`` (float, int8, int16: a copy by index tables)
    or ``qnn.resize_bilinear`` (float, int8 with TFLite's integer arithmetic). Quantized,
    the input and the output must share their parameters (the kernels never rescale)."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: nn.ResizeOp, rewriter: PatternRewriter) -> None:
        nearest = op.mode.data == "nearest"
        kind = kind_of(op, [op.input, op.output], int16=nearest)
        if kind != "f32":
            widths = (16,) if kind == "s16" else (8,)
            x = act_quant(op, op.input, "input", widths)
            y = act_quant(op, op.output, "output", widths)
            if _F(x.scale) != _F(y.scale) or x.zero_point != y.zero_point:
                raise fail(op, "the input and output quantizations must be equal")
        _, h, w, _ = shape_of(op.input)
        _, oh, ow, _ = shape_of(op.output)
        scale_h, scale_w = resize_scales(op)
        props: dict[str, Attribute]
        if nearest:
            cls: type[qnn_indexing._Resize] = qnn_indexing.ResizeNearestOp
            props = {
                "rows": DenseArrayBase.from_list(i32, nearest_indices(op, h, oh, scale_h)),
                "cols": DenseArrayBase.from_list(i32, nearest_indices(op, w, ow, scale_w)),
            }
        elif kind == "f32":
            cls = qnn_indexing.ResizeBilinearOp
            coefficients = _bilinear_f32(op, (h, w), (oh, ow))
            props = {"coefficients": DenseArrayBase.from_list(f32, coefficients)}
        else:
            cls = qnn_indexing.ResizeBilinearOp
            ints = _bilinear_s8(op, (h, w), (oh, ow))
            props = {"coefficients": DenseArrayBase.from_list(i32, ints)}
        low = Lowering(op)
        low.finish(rewriter, low.kernel(cls, [op.input], op.output.type, props))


class ConvertGather(RewritePattern):
    """``nn.gather`` -> ``qnn.gather`` (float or int8, as TFLite Micro: a copy; a
    quantized input and output share their parameters)."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: nn.GatherOp, rewriter: PatternRewriter) -> None:
        kind_of(op, [op.input, op.output])
        indices = [int(i) for i in op.indices.get_values()]
        props: dict[str, Attribute] = {
            "axis": IntegerAttr(op.axis.value.data, i64),
            "indices": DenseArrayBase.from_list(i32, indices),
        }
        low = Lowering(op)
        low.finish(rewriter, low.kernel(qnn_indexing.GatherOp, [op.input], op.output.type, props))


class ConvertTake(RewritePattern):
    """``nn.take`` -> ``qnn.take`` (float or int8: a copy of the selected slices, so a
    quantized input and output must share their parameters)."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: nn.TakeOp, rewriter: PatternRewriter) -> None:
        if kind_of(op, [op.input, op.output]) == "s8":
            x, y = op.input.type, op.output.type
            assert isinstance(x, TensorType) and isinstance(y, TensorType)
            if x.element_type != y.element_type:
                raise fail(op, "the input and output quantizations differ")
        props: dict[str, Attribute] = {"axis": IntegerAttr(op.axis.value.data, i64)}
        low = Lowering(op)
        operands = [op.input, op.indices]
        low.finish(rewriter, low.kernel(qnn_indexing.TakeOp, operands, op.output.type, props))


class ConvertReduce(RewritePattern):
    """``nn.reduce_max`` / ``nn.reduce_min`` -> ``qnn.reduce`` (int8: one quantization for
    input and output, the codes compared), ``nn.reduce_sum`` -> ``qnn.reduce_sum`` (int8:
    TFLite Micro's requantization by ``s_in / s_out``)."""

    def match_and_rewrite(self, op: Operation, rewriter: PatternRewriter) -> None:
        if not isinstance(op, nn.REDUCE_OPS):
            return
        kind = kind_of(op, [op.input, op.output])
        if len(shape_of(op.input)) > 4:
            raise fail(op, "only tensors of rank 4 or less can be reduced")
        props: dict[str, Attribute] = {
            "axes": DenseArrayBase.from_list(i64, [int(a) for a in op.axes.get_values()])
        }
        cls: type[qnn_indexing._Reduce]
        if isinstance(op, nn.ReduceSumOp):
            cls = qnn_indexing.ReduceSumOp
            if kind == "s8":
                x = act_quant(op, op.input, "input")
                y = act_quant(op, op.output, "output")
                mult, shift = qm.quantize_multiplier(float(_F(x.scale)) / float(_F(y.scale)))
                props["params"] = qp.RequantizeS8Params.make(
                    input_offset=-x.zero_point,
                    output_offset=y.zero_point,
                    multiplier=mult,
                    shift=shift,
                )
        else:
            cls = qnn_indexing.ReduceOp
            function = "max" if isinstance(op, nn.ReduceMaxOp) else "min"
            props["function"] = StringAttr(function)
            if kind == "s8":
                x = act_quant(op, op.input, "input")
                y = act_quant(op, op.output, "output")
                if _F(x.scale) != _F(y.scale) or x.zero_point != y.zero_point:
                    raise fail(op, "the input and output quantizations must be equal")
        low = Lowering(op)
        low.finish(rewriter, low.kernel(cls, [op.input], op.output.type, props))


class ConvertArg(RewritePattern):
    """``nn.arg_max`` / ``nn.arg_min`` -> ``qnn.arg`` (float, or int8 codes: the same order
    as the real values)."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: nn.ArgMaxOp | nn.ArgMinOp, rewriter: PatternRewriter) -> None:
        kind_of(op, [op.input])
        props: dict[str, Attribute] = {
            "function": StringAttr("max" if isinstance(op, nn.ArgMaxOp) else "min"),
            "axis": IntegerAttr(op.axis.value.data, i64),
        }
        low = Lowering(op)
        low.finish(rewriter, low.kernel(qnn_indexing.ArgOp, [op.input], op.output.type, props))


class ConvertLayerNorm(RewritePattern):
    """``nn.layer_norm`` -> ``qnn.layer_norm`` (float only)."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: nn.LayerNormOp, rewriter: PatternRewriter) -> None:
        if kind_of(op, [op.input, op.gamma, op.beta, op.output]) != "f32":
            raise fail(op, "only the float32 version is supported")
        props: dict[str, Attribute] = {
            "axis": IntegerAttr(op.axis.value.data, i64),
            "epsilon": FloatAttr(float(op.epsilon.value.data), f32),
        }
        low = Lowering(op)
        ins = [op.input, op.gamma, op.beta]
        low.finish(rewriter, low.kernel(qnn_indexing.LayerNormOp, ins, op.output.type, props))


class ConvertLogSoftmax(RewritePattern):
    """``nn.log_softmax`` -> ``qnn.log_softmax`` (float only)."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: nn.LogSoftmaxOp, rewriter: PatternRewriter) -> None:
        if kind_of(op, [op.input, op.output]) != "f32":
            raise fail(op, "only the float32 version is supported")
        low = Lowering(op)
        low.finish(rewriter, low.kernel(qnn_indexing.LogSoftmaxOp, [op.input], op.output.type, {}))


INDEXING_PATTERNS: tuple[RewritePattern, ...] = (
    ConvertResize(),
    ConvertGather(),
    ConvertTake(),
    ConvertReduce(),
    ConvertArg(),
    ConvertLayerNorm(),
    ConvertLogSoftmax(),
)
"""The patterns of this module (``convert_nn_to_qnn.py`` appends them)."""
