"""ONNX data movement and shape operators: Flatten, Reshape, Squeeze, Unsqueeze, Transpose,
Identity/Dropout, Concat (and ``QLinearConcat``), Pad, Shape and Size.

Data movement keeps what its input is: a dequantized int8 value (:class:`~.values.Deq`)
stays int8, and a dequantized constant is evaluated on its real values.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from xdsl.dialects.builtin import IntegerAttr, StringAttr, TensorType, f32, i64
from xdsl.ir import Attribute, Operation, SSAValue

from stai.dialects import nn
from stai.errors import printable_name

from .builder import GraphBuilder, node_attrs
from .values import Const, Deq, QConst, Val, quant_of, shape_of, tensor_type


class ShapeOps(GraphBuilder):
    """Translators of the ONNX data movement and shape operators."""

    # ------------------------------------------------------------------ data movement

    def _moved_const(self, node: Any) -> bool:
        """A data-movement op on a dequantized constant: evaluate it on the real values."""
        entry = self._entry(node.input[0])
        if not isinstance(entry, QConst):
            return False
        saved = self.entries[node.input[0]]
        self.entries[node.input[0]] = Const(entry.real())
        try:
            self._fold(node)
        finally:
            self.entries[node.input[0]] = saved
        return True

    def _reshape_to(self, node: Any, shape: Sequence[int]) -> None:
        if self._moved_const(node):
            return
        x, kind = self._moved(node.input[0])
        if math.prod(shape) != math.prod(shape_of(x)):
            raise self._error(f"cannot reshape {list(shape_of(x))} to {list(shape)}")
        self._set(node.output[0], self._reshape_value(x, shape, node.output[0]), kind)

    def _flatten(self, node: Any) -> None:
        shape = self._shape(node.input[0])
        axis = int(node_attrs(node).get("axis", 1))
        axis = axis + len(shape) if axis < 0 else axis
        self._reshape_to(node, (math.prod(shape[:axis]), math.prod(shape[axis:])))

    def _reshape(self, node: Any) -> None:
        shape = self._shape(node.input[0])
        target = self._const(node, 1, "shape")
        assert target is not None
        allow_zero = bool(node_attrs(node).get("allowzero", 0))
        dims = [int(d) for d in target.reshape(-1)]
        if any(d < -1 for d in dims) or (
            not allow_zero and any(d == 0 and i >= len(shape) for i, d in enumerate(dims))
        ):
            raise self._error(f"cannot reshape {list(shape)} to {dims}")
        out = [shape[i] if d == 0 and not allow_zero else d for i, d in enumerate(dims)]
        if out.count(-1) > 1:
            raise self._error("more than one -1 in the shape")
        if -1 in out:
            known = math.prod(d for d in out if d != -1)
            if known == 0 or math.prod(shape) % known:
                raise self._error(f"cannot reshape {list(shape)} to {dims}")
            out[out.index(-1)] = math.prod(shape) // known
        self._reshape_to(node, out)

    def _axes(self, node: Any, rank: int | None = None) -> list[int] | None:
        """The axes of Squeeze / Unsqueeze (attribute or input), made non-negative for
        ``rank`` (the output rank for Unsqueeze)."""
        axes = node_attrs(node).get("axes")
        if axes is None and self.opset >= 13:
            found = self._const(node, 1, "axes", optional=True)
            axes = None if found is None else [int(v) for v in found.reshape(-1)]
        if axes is None:
            return None
        if rank is None:
            rank = len(self._shape(node.input[0])) + len(axes)
        return sorted(int(a) + rank if int(a) < 0 else int(a) for a in axes)

    def _squeeze(self, node: Any) -> None:
        shape = self._shape(node.input[0])
        axes = self._axes(node, len(shape))
        if axes is None:
            axes = [i for i, d in enumerate(shape) if d == 1]
        if any(shape[a] != 1 for a in axes):
            raise self._error("only dimensions of size 1 can be squeezed")
        self._reshape_to(node, [d for i, d in enumerate(shape) if i not in axes])

    def _unsqueeze(self, node: Any) -> None:
        shape = list(self._shape(node.input[0]))
        axes = self._axes(node)
        if axes is None:
            raise self._error("no axes")
        for a in axes:
            shape.insert(a, 1)
        self._reshape_to(node, shape)

    def _transpose(self, node: Any) -> None:
        if self._moved_const(node):
            return
        x, kind = self._moved(node.input[0])
        rank = len(shape_of(x))
        perm = [int(p) for p in node_attrs(node).get("perm", list(range(rank))[::-1])]
        if sorted(perm) != list(range(rank)):
            raise self._error(f"perm {perm} is not a permutation")
        y = self._transpose_value(x, perm)
        owner = y.owner
        assert isinstance(owner, Operation)
        owner.attributes["nn.name"] = StringAttr(node.output[0])
        self._set(node.output[0], y, kind)

    def _identity(self, node: Any) -> None:
        outputs = [o for o in node.output if o]
        if len(outputs) > 1 and any(
            self.consumers.get(o) or o in self.graph_outputs for o in outputs[1:]
        ):
            raise self._error("the mask output is not supported")
        self.entries[node.output[0]] = self._entry(node.input[0])
        if node.input[0] in self.absorbed:
            self.absorbed[node.output[0]] = self.absorbed[node.input[0]]

    def _concat_values(self, node: Any, parts: Sequence[SSAValue], element: Attribute) -> SSAValue:
        rank = len(shape_of(parts[0]))
        axis = int(node_attrs(node)["axis"])
        axis = axis + rank if axis < 0 else axis
        if not 0 <= axis < rank:
            raise self._error(f"axis {axis} out of range")
        shape = list(shape_of(parts[0]))
        shape[axis] = sum(shape_of(p)[axis] for p in parts)
        props = {"axis": IntegerAttr(axis, i64), "activation": StringAttr("none")}
        return self._emit(
            nn.ConcatOp, [list(parts)], TensorType(element, tuple(shape)), props, node.output[0]
        )

    def _concat(self, node: Any) -> None:
        names = [i for i in node.input if i]
        entries = [self._entry(n) for n in names]
        deqs = [e for e in entries if isinstance(e, Deq)]
        if len(deqs) == len(entries):
            types = {tensor_type(e.value).element_type for e in deqs}
            if len(types) == 1:
                parts = [e.value for e in deqs]
                self._set(node.output[0], self._concat_values(node, parts, types.pop()), Deq)
                return
        parts = [self._f32(n) for n in names]
        self._set(node.output[0], self._concat_values(node, parts, f32))

    def _pad(self, node: Any) -> None:
        a = node_attrs(node)
        if a.get("mode", "constant") != "constant":
            raise self._error(
                f"pad mode '{printable_name(str(a['mode']))}' is not supported "
                "(constant, reflect, edge)"
            )
        if self.opset < 11:
            pads = list(a.get("pads", []))
            value = float(a.get("value", 0.0))
        else:
            found = self._const(node, 1, "pads")
            assert found is not None
            pads = [int(p) for p in found.reshape(-1)]
            v = self._const(node, 2, "constant value", optional=True)
            value = 0.0 if v is None or v.size == 0 else float(v.reshape(-1)[0])
            if self._input_name(node, 3) is not None:
                raise self._error("the axes input is not supported")
        x, kind = self._moved(node.input[0])
        shape = shape_of(x)
        rank = len(shape)
        if len(pads) != 2 * rank:
            raise self._error(f"pads must hold {2 * rank} values")
        if any(p < 0 for p in pads):
            raise self._error("negative pads are not supported")
        if kind is Val and quant_of(x) is not None:
            raise self._error("padding a quantized tensor is supported only after DequantizeLinear")
        if value != 0.0:
            raise self._error(f"only zero padding is supported, not {value}")
        pairs = [p for i in range(rank) for p in (pads[i], pads[rank + i])]
        out = tuple(shape[i] + pads[i] + pads[rank + i] for i in range(rank))
        y = self._emit(
            nn.PadOp,
            [x],
            TensorType(tensor_type(x).element_type, out),
            {"pads": nn.i64_array(pairs)},
            node.output[0],
        )
        self._set(node.output[0], y, kind)

    def _shape_op(self, node: Any) -> None:
        shape = np.array(self._shape(node.input[0]), dtype=np.int64)
        a = node_attrs(node)
        start, end = a.get("start", 0), a.get("end", None)
        self.entries[node.output[0]] = Const(shape[start:end])

    def _size_op(self, node: Any) -> None:
        self.entries[node.output[0]] = Const(
            np.array(math.prod(self._shape(node.input[0])), np.int64)
        )

    def _qlinear_concat(self, node: Any) -> None:
        out_type = self._scalar_qtype(node, 0, 1, "output")
        parts = []
        for k in range(2, len(node.input), 3):
            part = self._q_operand(node, k, k + 1, k + 2)
            if part is None:
                raise self._error("every input must be quantized")
            parts.append(self._requantized(part, out_type, None))
        self._set(node.output[0], self._concat_values(node, parts, out_type))
