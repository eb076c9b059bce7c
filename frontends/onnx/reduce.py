"""ONNX reductions other than ReduceMean: ReduceMax, ReduceMin and ReduceSum over any axes
of a tensor of rank 4 or less, in the tensor's own layout, and ArgMax / ArgMin. ReduceMax,
ReduceMin, ArgMax and ArgMin select an element, so on a dequantized int8 tensor (QDQ) they
read the int8 values; ReduceSum runs in float. Also LayerNormalization and
InstanceNormalization (float, ``nn.layer_norm``)."""

from __future__ import annotations

from typing import Any

import numpy as np
from xdsl.dialects.builtin import FloatAttr, IntegerAttr, StringAttr, TensorType, f32, i64
from xdsl.ir import SSAValue
from xdsl.irdl import IRDLOperation

from stai.dialects import nn

from .builder import GraphBuilder, node_attrs
from .values import Val, shape_of, tensor_type

_AXES_INPUT_SINCE = {"ReduceSum": 13, "ReduceMax": 18, "ReduceMin": 18}
"""The opset from which each reduction takes its axes as an input (before: an attribute)."""


class ReduceOps(GraphBuilder):
    """Translators of ReduceMax, ReduceMin, ReduceSum, ArgMax, ArgMin, LayerNormalization
    and InstanceNormalization."""

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

    # ------------------------------------------------------------------ normalization

    def _layer_norm(self, node: Any) -> None:
        """LayerNormalization (opset 17): over the axes from ``axis`` on, constant Scale
        and B; only the Y output."""
        if any(o for o in node.output[1:]):
            raise self._error("only the Y output is supported (not Mean, InvStdDev)")
        a = node_attrs(node)
        x = self._f32(node.input[0])
        shape = shape_of(x)
        axis = int(a.get("axis", -1))
        if not -len(shape) <= axis < len(shape):
            raise self._error(f"axis {axis} out of range for rank {len(shape)}")
        axis = axis + len(shape) if axis < 0 else axis
        normalized = tuple(shape[axis:])
        affine = []
        for position, what, default in ((1, "scale", 1.0), (2, "bias", 0.0)):
            array = self._const(node, position, what, optional=position == 2)
            array = np.full(1, default) if array is None else np.asarray(array, np.float64)
            try:
                array = np.broadcast_to(array, normalized)
            except ValueError:
                raise self._error(f"{what} does not broadcast to {list(normalized)}") from None
            affine.append(self._constant(np.asarray(array, np.float32)))
        self._set(node.output[0], self._norm(x, axis, affine, float(a.get("epsilon", 1e-5))))

    def _instance_norm(self, node: Any) -> None:
        """InstanceNormalization: a layer normalization of each channel's spatial values,
        then the per-channel scale and bias (broadcast multiply and add)."""
        a = node_attrs(node)
        x = self._f32(node.input[0])
        shape = shape_of(x)
        if len(shape) < 3:
            raise self._error(f"expected an input of rank 3 or more, got {list(shape)}")
        one, zero = self._constant(np.ones(1)), self._constant(np.zeros(1))
        y = self._norm(x, 2, [one, zero], float(a.get("epsilon", 1e-5)))
        per_channel = (shape[1],) + (1,) * (len(shape) - 2)
        none = {"activation": StringAttr("none")}
        for position, what, cls in ((1, "scale", nn.MulOp), (2, "B", nn.AddOp)):
            array = self._const(node, position, what)
            assert array is not None
            if array.size != shape[1]:
                raise self._error(f"{what} must hold {shape[1]} values")
            const = self._constant(np.asarray(array, np.float32).reshape(per_channel))
            name = node.output[0] if cls is nn.AddOp else None
            y = self._emit(cls, [y, const], tensor_type(x), none, name)
        self._set(node.output[0], y)

    def _norm(self, x: SSAValue, axis: int, affine: list[SSAValue], epsilon: float) -> SSAValue:
        props = {"axis": IntegerAttr(axis, i64), "epsilon": FloatAttr(epsilon, f32)}
        name = self.node.output[0] if self.node.op_type == "LayerNormalization" else None
        return self._emit(nn.LayerNormOp, [x, *affine], tensor_type(x), props, name)
