"""ONNX reductions other than ReduceMean: ReduceMax, ReduceMin and ReduceSum over any axes
of a tensor of rank 4 or less, in the tensor's own layout, and ArgMax / ArgMin. ReduceMax,
ReduceMin, ArgMax and ArgMin select an element, so on a dequantized int8 tensor (QDQ) they
read the int8 values; ReduceSum runs in float."""

from __future__ import annotations

from typing import Any

from xdsl.dialects.builtin import IntegerAttr, TensorType, i64
from xdsl.irdl import IRDLOperation

from stai.dialects import nn

from .builder import GraphBuilder, node_attrs
from .values import Val, shape_of, tensor_type

_AXES_INPUT_SINCE = {"ReduceSum": 13, "ReduceMax": 18, "ReduceMin": 18}
"""The opset from which each reduction takes its axes as an input (before: an attribute)."""


class ReduceOps(GraphBuilder):
    """Translators of ReduceMax, ReduceMin, ReduceSum, ArgMax and ArgMin."""

    def _reduce(self, node: Any, cls: type[IRDLOperation]) -> None:
        a = node_attrs(node)
        if cls is nn.ReduceSumOp:
            x, kind = self._f32(node.input[0]), Val
        else:
            x, kind = self._moved(node.input[0])
        shape = shape_of(x)
        if self.opset >= _AXES_INPUT_SINCE[node.op_type]:
            found = self._const(node, 1, "axes", optional=True)
            axes = [] if found is None else [int(v) for v in found.reshape(-1)]
        else:
            axes = [int(v) for v in a.get("axes", [])]
        if not axes and int(a.get("noop_with_empty_axes", 0)):
            self._set(node.output[0], self._reshape_value(x, shape, node.output[0]), kind)
            return
        if not axes:
            axes = list(range(len(shape)))
        if any(not -len(shape) <= v < len(shape) for v in axes):
            raise self._error(f"axes {axes} out of range for rank {len(shape)}")
        axes = sorted({v + len(shape) if v < 0 else v for v in axes})
        keep = bool(a.get("keepdims", 1))
        if keep:
            out = tuple(1 if d in axes else n for d, n in enumerate(shape))
        else:
            out = tuple(n for d, n in enumerate(shape) if d not in axes)
        if not out:  # every axis dropped: a one-element tensor of rank 1
            props = {"axes": nn.i64_array(axes), "keep_dims": IntegerAttr(1, i64)}
            kept = TensorType(tensor_type(x).element_type, (1,) * len(shape))
            y = self._emit(cls, [x], kept, props)
            self._set(node.output[0], self._reshape_value(y, (1,), node.output[0]), kind)
            return
        props = {"axes": nn.i64_array(axes), "keep_dims": IntegerAttr(int(keep), i64)}
        out_type = TensorType(tensor_type(x).element_type, out)
        self._set(node.output[0], self._emit(cls, [x], out_type, props, node.output[0]), kind)

    def _arg(self, node: Any, cls: type[IRDLOperation]) -> None:
        """ArgMax / ArgMin: int64 indices, the first on ties (select_last_index 0); an
        int8 (QDQ) input compares its codes."""
        a = node_attrs(node)
        if int(a.get("select_last_index", 0)):
            raise self._error("select_last_index 1 is not supported")
        x, _ = self._moved(node.input[0])
        shape = shape_of(x)
        axis = int(a.get("axis", 0))
        if not -len(shape) <= axis < len(shape):
            raise self._error(f"axis {axis} out of range for rank {len(shape)}")
        axis = axis + len(shape) if axis < 0 else axis
        if a.get("keepdims", 1):
            out = shape[:axis] + (1,) + shape[axis + 1 :]
        else:
            out = shape[:axis] + shape[axis + 1 :]
        props = {"axis": IntegerAttr(axis, i64)}
        self._set(node.output[0], self._emit(cls, [x], TensorType(i64, out), props, node.output[0]))
