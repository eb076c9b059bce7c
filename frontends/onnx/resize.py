"""ONNX resizing: Resize (opsets 10 to 19) and Upsample (opsets 7 to 9), nearest and
linear, over the last two axes of a rank-3 or rank-4 tensor.

The input is transposed to NHWC for ``nn.resize`` and its result transposed back. The
coordinate arithmetic is ONNX's (``convention = "onnx"``): Resize reads
``coordinate_transformation_mode`` and ``nearest_mode``; Upsample and opset 10's Resize
use asymmetric coordinates, truncated when enlarging and rounded up when shrinking, as
onnxruntime does. A nearest resize of an int8 (QDQ) tensor stays int8; linear runs in
float.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from xdsl.dialects.builtin import DenseArrayBase, StringAttr, TensorType, f32
from xdsl.ir import Attribute

from stai.dialects import nn
from stai.dialects.nn_shapes import RESIZE_COORDINATES, RESIZE_NEAREST

from .builder import GraphBuilder, node_attrs
from .values import Val, shape_of, tensor_type


class ResizeOps(GraphBuilder):
    """Translators of Resize and Upsample."""

    def _resize_factors(self, node: Any, rank: int) -> tuple[list[float], list[int] | None]:
        """The scales (output / input per axis) and the output sizes, if given."""
        a = node_attrs(node)
        if node.op_type == "Upsample" and "scales" in a:  # opset 7: an attribute
            return [float(s) for s in a["scales"]], None
        if node.op_type == "Upsample" or self.opset < 11:
            scales = self._const(node, 1, "scales")
            assert scales is not None
            return [float(s) for s in scales.reshape(-1)], None
        scales = self._const(node, 2, "scales", optional=True)
        sizes = self._const(node, 3, "sizes", optional=True)
        axes = [int(v) + rank if int(v) < 0 else int(v) for v in a.get("axes", range(rank))]
        if sizes is not None and sizes.size:
            if a.get("keep_aspect_ratio_policy", "stretch") != "stretch":
                raise self._error("keep_aspect_ratio_policy other than stretch is not supported")
            full = list(self._shape(node.input[0]))
            for axis, size in zip(axes, sizes.reshape(-1)):
                full[axis] = int(size)
            return [], full
        if scales is None or not scales.size:
            raise self._error("neither scales nor sizes are given")
        full_scales = [1.0] * rank
        for axis, scale in zip(axes, scales.reshape(-1)):
            full_scales[axis] = float(scale)
        return full_scales, None

    def _resize(self, node: Any) -> None:
        a = node_attrs(node)
        shape = self._shape(node.input[0])
        rank = len(shape)
        if rank not in (3, 4):
            raise self._error(f"only rank-3 and rank-4 inputs can be resized, got {list(shape)}")
        mode = str(a.get("mode", "nearest"))
        if mode not in ("nearest", "linear", "bilinear"):
            raise self._error(f"mode '{mode}' is not supported (nearest, linear)")
        mode = "linear" if mode == "bilinear" else mode
        if int(a.get("antialias", 0)) and mode == "linear":
            raise self._error("antialiased linear resizing is not supported")
        scales, sizes = self._resize_factors(node, rank)
        if sizes is None:
            if len(scales) != rank:
                raise self._error(f"{len(scales)} scales for a rank-{rank} input")
            sizes = [int(math.floor(d * s)) for d, s in zip(shape, scales)]
        else:
            scales = [float(np.float32(o) / np.float32(i)) for i, o in zip(shape, sizes)]
        if list(sizes[:2]) != list(shape[:2]) or min(sizes) < 1:
            raise self._error(
                f"only the spatial axes can be resized ({list(shape)} to {list(sizes)})"
            )
        legacy = node.op_type == "Upsample" or self.opset < 11
        if legacy:
            coordinates = "asymmetric"
            spatial = scales[2:]
            if any(s < 1.0 for s in spatial) and any(s > 1.0 for s in spatial):
                raise self._error("enlarging one axis and shrinking the other is not supported")
            nearest = "ceil" if any(s < 1.0 for s in spatial) else "floor"
        else:
            coordinates = str(a.get("coordinate_transformation_mode", "half_pixel"))
            nearest = str(a.get("nearest_mode", "round_prefer_floor"))
            if coordinates not in RESIZE_COORDINATES:
                raise self._error(
                    f"coordinate_transformation_mode '{coordinates}' is not supported"
                )
            if nearest not in RESIZE_NEAREST:
                raise self._error(f"nearest_mode '{nearest}' is not supported")
        if mode == "nearest":
            x, kind = self._moved(node.input[0])
        else:
            x, kind = self._f32(node.input[0]), Val
        spatial_scales = ([1.0] + scales[2:]) if rank == 3 else scales[2:]
        props: dict[str, Attribute] = {
            "mode": StringAttr(mode),
            "coordinate_mode": StringAttr(coordinates),
            "nearest_mode": StringAttr(nearest),
            "convention": StringAttr("onnx"),
            "scales": DenseArrayBase.from_list(f32, spatial_scales),
        }
        value = self._to_nhwc(x)
        n, h, w, c = shape_of(value)
        out_h, out_w = (1, sizes[2]) if rank == 3 else (sizes[2], sizes[3])
        out_type = TensorType(tensor_type(value).element_type, (n, out_h, out_w, c))
        y = self._emit(nn.ResizeOp, [value], out_type, props, node.output[0])
        self._set(node.output[0], self._from_nhwc(y, rank, None), kind)
