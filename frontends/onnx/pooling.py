"""ONNX pooling: MaxPool, AveragePool, GlobalMaxPool, GlobalAveragePool, ReduceMean (over H
and W an ``nn.mean``, over other axes a sum times ``1 / count``), and the QOperator
``QLinearAveragePool`` and ``QLinearGlobalAveragePool``.

The input is transposed to NHWC for the ``nn`` op and its result transposed back; a 1-D
pooling of [N, C, L] runs as a 2-D one over [N, 1, L, C].
"""

from __future__ import annotations

from typing import Any

import numpy as np
from xdsl.dialects.builtin import IntegerAttr, StringAttr, TensorType, f32, i64
from xdsl.ir import Attribute, SSAValue
from xdsl.irdl import IRDLOperation

from stai.dialects import nn

from .builder import GraphBuilder, node_attrs
from .values import Val, shape_of, tensor_type


class PoolingOps(GraphBuilder):
    """Translators of the ONNX pooling operators."""

    # ------------------------------------------------------------------ pooling

    def _pool_value(
        self,
        node: Any,
        cls: type[IRDLOperation],
        x: SSAValue,
        element: Attribute | None,
        name: str | None,
    ) -> SSAValue:
        a = node_attrs(node)
        if len([o for o in node.output if o]) > 1:
            raise self._error("the indices output is not supported")
        shape = shape_of(x)
        if len(shape) not in (3, 4):
            raise self._error("only 1-D and 2-D pooling is supported")
        kernel = list(a["kernel_shape"])
        spatial = list(shape[2:])
        strides, _, begin, end = self._spatial(
            a, spatial, kernel, bool(a.get("ceil_mode", 0)), dilated=False
        )
        if len(shape) == 3:
            kernel, spatial = [1] + kernel, [1] + spatial
            strides, begin, end = [1] + strides, [0] + begin, [0] + end
        value = self._to_nhwc(x)
        t = tensor_type(value)
        pads = [begin[0], end[0], begin[1], end[1]]
        if cls is nn.AvgPool2DOp and a.get("count_include_pad", 0) and any(pads):
            if a.get("ceil_mode", 0):
                raise self._error("count_include_pad with ceil_mode is not supported")
            padded = (
                shape[0],
                spatial[0] + begin[0] + end[0],
                spatial[1] + begin[1] + end[1],
                shape[1],
            )
            value = self._emit(
                nn.PadOp,
                [value],
                TensorType(t.element_type, padded),
                {"pads": nn.i64_array([0, 0, begin[0], end[0], begin[1], end[1], 0, 0])},
            )
            spatial = [padded[1], padded[2]]
            pads = [0, 0, 0, 0]
            begin, end = [0, 0], [0, 0]
        out = [
            self._out_size(spatial[i], kernel[i], strides[i], 1, begin[i], end[i]) for i in range(2)
        ]
        if min(out) <= 0:
            raise self._error("the output would be empty")
        props = {
            "kernel": nn.i64_array(kernel),
            "strides": nn.i64_array(strides),
            "pads": nn.i64_array(pads),
            "activation": StringAttr("none"),
        }
        out_type = TensorType(element or t.element_type, (shape[0], out[0], out[1], shape[1]))
        y = self._emit(cls, [value], out_type, props, name)
        return self._from_nhwc(y, len(shape), None)

    def _pool(self, node: Any, cls: type[IRDLOperation]) -> None:
        if cls is nn.MaxPool2DOp:
            x, kind = self._moved(node.input[0])
        else:
            x, kind = self._f32(node.input[0]), Val
        self._set(node.output[0], self._pool_value(node, cls, x, None, node.output[0]), kind)

    def _global_max_pool(self, node: Any) -> None:
        x, kind = self._moved(node.input[0])
        shape = shape_of(x)
        if len(shape) != 4:
            raise self._error("only rank-4 inputs are supported")
        props = {
            "kernel": nn.i64_array(shape[2:]),
            "strides": nn.i64_array([1, 1]),
            "pads": nn.i64_array([0, 0, 0, 0]),
            "activation": StringAttr("none"),
        }
        value = self._to_nhwc(x)
        out = TensorType(tensor_type(value).element_type, (shape[0], 1, 1, shape[1]))
        y = self._emit(nn.MaxPool2DOp, [value], out, props, node.output[0])
        self._set(node.output[0], self._from_nhwc(y, 4, None), kind)

    def _mean(self, node: Any, x: SSAValue, element: Attribute) -> SSAValue:
        """GlobalAveragePool, or ReduceMean over H and W, as an nn.mean in NHWC."""
        shape = shape_of(x)
        keep = True
        if node.op_type == "ReduceMean":
            a = node_attrs(node)
            axes = self._mean_axes(node, len(shape))
            if len(shape) != 4 or axes != [2, 3]:
                raise self._error(
                    f"ReduceMean is supported over axes [2, 3] of a rank-4 tensor, not {axes}"
                )
            keep = bool(a.get("keepdims", 1))
        elif len(shape) != 4:
            raise self._error("only rank-4 inputs are supported")
        props = {"axes": nn.i64_array([1, 2]), "keep_dims": IntegerAttr(1, i64)}
        value = self._to_nhwc(x)
        y = self._emit(
            nn.MeanOp,
            [value],
            TensorType(element, (shape[0], 1, 1, shape[1])),
            props,
            node.output[0],
        )
        y = self._from_nhwc(y, 4, None)
        if not keep:
            y = self._reshape_value(y, shape[:2])
        return y

    def _global_average_pool(self, node: Any) -> None:
        self._set(node.output[0], self._mean(node, self._f32(node.input[0]), f32))

    def _mean_axes(self, node: Any, rank: int) -> list[int]:
        """ReduceMean's axes (attribute, or input from opset 18; all when absent), sorted
        and non-negative."""
        axes = node_attrs(node).get("axes")
        if axes is None and self.opset >= 18:
            found = self._const(node, 1, "axes", optional=True)
            axes = None if found is None else [int(v) for v in found.reshape(-1)]
        axes = list(range(rank)) if not axes else [int(v) for v in axes]
        if any(not -rank <= v < rank for v in axes):
            raise self._error(f"axes {axes} out of range for rank {rank}")
        return sorted({v + rank if v < 0 else v for v in axes})

    def _reduce_mean(self, node: Any) -> None:
        """Over H and W of a rank-4 tensor: ``nn.mean``; over other axes (a decomposed
        LayerNorm's last axis): ``nn.reduce_sum`` times ``1 / count``."""
        x = self._f32(node.input[0])
        shape = shape_of(x)
        a = node_attrs(node)
        axes = self._mean_axes(node, len(shape))
        if len(shape) == 4 and axes == [2, 3]:
            self._set(node.output[0], self._mean(node, x, f32))
            return
        if len(shape) > 4:
            raise self._error("ReduceMean of a tensor of rank above 4 is not supported")
        keep = bool(a.get("keepdims", 1))
        out = [1 if d in axes else n for d, n in enumerate(shape)]
        props = {"axes": nn.i64_array(axes), "keep_dims": IntegerAttr(1, i64)}
        total = self._emit(nn.ReduceSumOp, [x], TensorType(f32, out), props)
        count = int(np.prod([shape[d] for d in axes]))
        scale = self._constant(np.full(1, 1.0 / count, np.float32))
        none = {"activation": StringAttr("none")}
        if not keep:
            out = [n for d, n in enumerate(shape) if d not in axes] or [1]
            total = self._reshape_value(total, out)
        mean = self._emit(nn.MulOp, [total, scale], TensorType(f32, out), none, node.output[0])
        self._set(node.output[0], mean)

    def _qlinear_pool(self, node: Any) -> None:
        x = self._qlinear_input(node)
        out_type = self._scalar_qtype(node, 3, 4, "output")
        if node_attrs(node).get("channels_last", 0):
            raise self._error("channels_last is not supported")
        pooled = self._pool_value(node, nn.AvgPool2DOp, x, None, None)
        self._set(node.output[0], self._requantized(pooled, out_type, node.output[0]))

    def _qlinear_global_average_pool(self, node: Any) -> None:
        x = self._qlinear_input(node)
        out_type = self._scalar_qtype(node, 3, 4, "output")
        if node_attrs(node).get("channels_last", 0):
            raise self._error("channels_last is not supported")
        self._set(node.output[0], self._mean(node, x, out_type))
