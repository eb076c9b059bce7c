"""TFLite translations of the operators that pick or interpolate elements by index:
RESIZE_NEAREST_NEIGHBOR, RESIZE_BILINEAR; and GELU (float)."""

from __future__ import annotations

import numpy as np
from xdsl.dialects.builtin import DenseArrayBase, StringAttr, f32
from xdsl.ir import Attribute

from stai.dialects import nn

from .reader import TflOperator
from .shapes import ShapeTranslator


class IndexingTranslator(ShapeTranslator):
    """Resizing and gathering."""

    def _resize(self, op: TflOperator) -> None:
        """RESIZE_NEAREST_NEIGHBOR / RESIZE_BILINEAR of an NHWC tensor to the constant
        ``size`` (the output tensor's H and W), with TFLite's coordinate arithmetic."""
        self._check_outputs(op)
        x_shape = self._shape(self._input_index(op, 0, "input"))
        y_shape = self._shape(op.outputs[0])
        if len(x_shape) != 4 or len(y_shape) != 4:
            raise self._error(op, "input and output must have rank 4")
        size = self._int_list(op, 1, "size")
        if size != list(y_shape[1:3]) or min(size) < 1:
            raise self._error(op, f"size {size} differs from the output's {list(y_shape[1:3])}")
        align = bool(op.options.get("AlignCorners", False))
        half = bool(op.options.get("HalfPixelCenters", False))
        if align and half:
            raise self._error(op, "align_corners with half_pixel_centers is not supported")
        nearest = op.opcode == "RESIZE_NEAREST_NEIGHBOR"
        if align:
            coordinates = "align_corners"
        elif half:
            coordinates = "tf_half_pixel_for_nn" if nearest else "half_pixel"
        else:
            coordinates = "asymmetric"
        x_type, y_type = self._tensor_type(op.inputs[0]), self._tensor_type(op.outputs[0])
        if x_type.element_type != y_type.element_type:
            raise self._error(op, "the input and output quantizations differ")
        scales = [float(np.float32(o) / np.float32(i)) for i, o in zip(x_shape[1:3], size)]
        props: dict[str, Attribute] = {
            "mode": StringAttr("nearest" if nearest else "linear"),
            "coordinate_mode": StringAttr(coordinates),
            "nearest_mode": StringAttr("round_prefer_ceil" if align else "floor"),
            "convention": StringAttr("tflite"),
            "scales": DenseArrayBase.from_list(f32, scales),
        }
        self._emit(op, nn.ResizeOp, [self._operand(op, 0)], props)

    def _gelu(self, op: TflOperator) -> None:
        """GELU (float): exact, or its tanh approximation (``approximate``)."""
        self._check_outputs(op)
        if not (self._is_float(op.inputs[0]) and self._is_float(op.outputs[0])):
            raise self._error(op, "only float32 GELU is supported")
        approximate = bool(op.options.get("Approximate", False))
        self._emit(op, nn.GeluTanhOp if approximate else nn.GeluOp, [self._operand(op, 0)])
