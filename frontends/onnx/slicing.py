"""ONNX operators that select or repeat parts of a tensor, with constant parameters:
Slice, Split, Gather (constant indices; computed ones: ``nn.take``), Tile, Expand, Pad in
reflect and edge modes, DepthToSpace and SpaceToDepth.

They become ``nn.strided_slice``, ``nn.reshape`` and ``nn.concat`` (copies side by side),
so, as the other data movement ops, they keep what their input is: a dequantized int8
value stays int8. A selection that would be empty is an error.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from xdsl.dialects.builtin import IntegerAttr, IntegerType, StringAttr, TensorType, i64
from xdsl.ir import Operation, SSAValue

from stai.dialects import nn
from stai.dialects.nn_logical import CastOp
from stai.errors import printable_name

from .builder import node_attrs
from .shapes import ShapeOps
from .values import Const, QConst, Val, shape_of, tensor_type

_INT64_MAX = np.iinfo(np.int64).max


class SliceOps(ShapeOps):
    """Translators of Slice, Split, Gather, Tile and Expand."""

    def _named(self, y: SSAValue, x: SSAValue, name: str) -> SSAValue:
        """``y`` (computed from ``x`` by this node) named ``name``: a result of this node
        gets the name, ``x`` itself (nothing selected away) gets a no-op reshape."""
        owner = y.owner
        if y is x or not isinstance(owner, Operation):
            return self._reshape_value(y, shape_of(y), name)
        owner.attributes["nn.name"] = StringAttr(name)
        return y

    def _axis(self, node: Any, rank: int, default: int = 0) -> int:
        axis = int(node_attrs(node).get("axis", default))
        axis = axis + rank if axis < 0 else axis
        if not 0 <= axis < rank:
            raise self._error(f"axis {axis} out of range for rank {rank}")
        return axis

    def _slice_value(
        self, x: SSAValue, axis: int, picked: range, name: str | None = None
    ) -> SSAValue:
        """The elements ``picked`` (a non-empty range) of ``x`` along ``axis``."""
        shape = list(shape_of(x))
        if len(picked) == 0:
            raise self._error(f"the selection along axis {axis} of {shape} is empty")
        if len(picked) == shape[axis] and picked.step == 1:
            return x
        begin = [0] * len(shape)
        strides = [1] * len(shape)
        begin[axis], strides[axis], shape[axis] = picked.start, picked.step, len(picked)
        out = TensorType(tensor_type(x).element_type, tuple(shape))
        props = {"begin": nn.i64_array(begin), "strides": nn.i64_array(strides)}
        return self._emit(nn.StridedSliceOp, [x], out, props, name)

    def _concat_copies(self, parts: Sequence[SSAValue], axis: int) -> SSAValue:
        if len(parts) == 1:
            return parts[0]
        shape = list(shape_of(parts[0]))
        shape[axis] = sum(shape_of(p)[axis] for p in parts)
        props = {"axis": IntegerAttr(axis, i64), "activation": StringAttr("none")}
        out = TensorType(tensor_type(parts[0]).element_type, tuple(shape))
        return self._emit(nn.ConcatOp, [list(parts)], out, props)

    # ------------------------------------------------------------------ Slice

    def _slice_params(self, node: Any, rank: int) -> list[tuple[int, int, int, int]]:
        """(axis, start, end, step) of each sliced axis."""
        if self.opset < 10:
            a = node_attrs(node)
            starts, ends = list(a["starts"]), list(a["ends"])
            axes = list(a.get("axes", range(len(starts))))
            steps = [1] * len(starts)
        else:
            found = [self._const(node, i, w, optional=i > 2) for i, w in _SLICE_INPUTS]
            starts = [int(v) for v in found[0].reshape(-1)]  # type: ignore[union-attr]
            ends = [int(v) for v in found[1].reshape(-1)]  # type: ignore[union-attr]
            axes = range(len(starts)) if found[2] is None else found[2].reshape(-1)
            steps = [1] * len(starts) if found[3] is None else found[3].reshape(-1)
        params = []
        for axis, start, end, step in zip(axes, starts, ends, steps, strict=True):
            axis = int(axis) + rank if int(axis) < 0 else int(axis)
            if not 0 <= axis < rank or int(step) == 0:
                raise self._error(f"bad slice of axis {axis} with step {step}")
            params.append((axis, int(start), int(end), int(step)))
        return params

    def _slice(self, node: Any) -> None:
        if self._moved_const(node):
            return
        x, kind = self._moved(node.input[0])
        shape = shape_of(x)
        y = x
        for axis, start, end, step in self._slice_params(node, len(shape)):
            start = max(min(start, _INT64_MAX // 2), -_INT64_MAX // 2)
            end = max(min(end, _INT64_MAX // 2), -_INT64_MAX // 2)
            y = self._slice_value(y, axis, range(shape[axis])[start:end:step])
        self._set(node.output[0], self._named(y, x, node.output[0]), kind)

    # ------------------------------------------------------------------ Split

    def _split_sizes(self, node: Any, dim: int) -> list[int]:
        a = node_attrs(node)
        outputs = len(node.output)
        sizes: Any = a.get("split") if self.opset < 13 else None
        if self.opset >= 13:
            found = self._const(node, 1, "split", optional=True)
            sizes = None if found is None else found.reshape(-1)
        if sizes is None:
            count = int(a.get("num_outputs", outputs))
            chunk = -(-dim // count) if self.opset >= 18 else dim // count
            if self.opset < 18 and dim % count:
                raise self._error(f"{dim} elements do not split into {count} equal parts")
            sizes = [min(chunk, dim - k * chunk) for k in range(count)]
        sizes = [int(s) for s in sizes]
        if sum(sizes) != dim or len(sizes) != outputs or min(sizes) < 1:
            raise self._error(f"split sizes {sizes} do not fit {dim} elements in {outputs} outputs")
        return sizes

    def _split(self, node: Any) -> None:
        x, kind = self._moved(node.input[0])
        shape = shape_of(x)
        axis = self._axis(node, len(shape))
        start = 0
        for out, size in zip(node.output, self._split_sizes(node, shape[axis]), strict=True):
            if out:
                picked = range(start, start + size)
                self._set(out, self._named(self._slice_value(x, axis, picked), x, out), kind)
            start += size

    # ------------------------------------------------------------------ Gather

    def _gather(self, node: Any) -> None:
        if not isinstance(self._entry(node.input[1]), (Const, QConst)):
            self._take(node)
            return
        indices = self._const(node, 1, "indices")
        assert indices is not None
        if self._moved_const(node):
            return
        x, kind = self._moved(node.input[0])
        shape = shape_of(x)
        axis = self._axis(node, len(shape))
        dim = shape[axis]
        flat = [int(i) + dim if int(i) < 0 else int(i) for i in indices.reshape(-1)]
        if not flat or any(not 0 <= i < dim for i in flat):
            raise self._error(f"indices {indices.reshape(-1).tolist()} out of range for {dim}")
        parts = []
        run = [flat[0]]
        for i in flat[1:]:  # runs of equally spaced indices: one strided slice each
            step = run[1] - run[0] if len(run) > 1 else i - run[0]
            if step != 0 and i - run[-1] == step:
                run.append(i)
            else:
                parts.append(run)
                run = [i]
        parts.append(run)
        slices = []
        for run in parts:
            step = run[1] - run[0] if len(run) > 1 else 1
            slices.append(self._slice_value(x, axis, range(run[0], run[-1] + step, step)))
        y = self._concat_copies(slices, axis)
        out = (*shape[:axis], *indices.shape, *shape[axis + 1 :])
        self._set(node.output[0], self._reshape_value(y, out, node.output[0]), kind)

    def _take(self, node: Any) -> None:
        """Gather at indices computed at run time (int32 or int64, say a model input of
        token ids): ``nn.take`` of int32 indices (int64 ones cast first). ``stai_gather``
        refuses an index outside the axis at run time, negative ones included (ONNX would
        count those from the end)."""
        x, kind = self._moved(node.input[0])
        entry = self._entry(node.input[1])
        if not isinstance(entry, Val):
            raise self._error("the indices must be an integer tensor")
        ids = entry.value
        ids_type = ids.type
        assert isinstance(ids_type, TensorType)
        if ids_type.element_type == IntegerType(64):
            narrow = TensorType(IntegerType(32), ids_type.get_shape())
            ids = self._emit(CastOp, [ids], narrow)
        elif ids_type.element_type != IntegerType(32):
            raise self._error(f"indices of type {ids_type.element_type} (int32 or int64 expected)")
        shape = shape_of(x)
        axis = self._axis(node, len(shape))
        t = x.type
        assert isinstance(t, TensorType)
        out = TensorType(t.element_type, (*shape[:axis], *shape_of(ids), *shape[axis + 1 :]))
        props = {"axis": IntegerAttr(axis, i64)}
        self._set(node.output[0], self._emit(nn.TakeOp, [x, ids], out, props, node.output[0]), kind)

    # ------------------------------------------------------------------ Pad modes

    def _pad(self, node: Any) -> None:
        """Pad: constant mode as ``nn.pad``; ``reflect`` (the border element not repeated)
        and ``edge`` (the border element repeated) modes as, per padded axis, the reversed
        slices or copies of the border concatenated around the tensor."""
        mode = str(node_attrs(node).get("mode", "constant"))
        if mode not in ("reflect", "edge"):
            super()._pad(node)
            return
        if self.opset < 11:
            pads = [int(p) for p in node_attrs(node).get("pads", [])]
        else:
            found = self._const(node, 1, "pads")
            assert found is not None
            pads = [int(p) for p in found.reshape(-1)]
            if self._input_name(node, 3) is not None:
                raise self._error("the axes input is not supported")
        x, kind = self._moved(node.input[0])
        shape = shape_of(x)
        rank = len(shape)
        if len(pads) != 2 * rank or any(p < 0 for p in pads):
            raise self._error(f"pads must hold {2 * rank} counts >= 0")
        y = x
        for axis in range(rank):
            before, after = pads[axis], pads[rank + axis]
            n = shape[axis]
            if mode == "reflect" and max(before, after) > n - 1:
                raise self._error(f"reflect padding {before}, {after} is too wide for size {n}")
            parts = []
            if before:
                picked = range(before, 0, -1) if mode == "reflect" else range(0, 1)
                parts += [self._slice_value(y, axis, picked)] * (1 if mode == "reflect" else before)
            parts.append(y)
            if after:
                picked = range(n - 2, n - 2 - after, -1) if mode == "reflect" else range(n - 1, n)
                parts += [self._slice_value(y, axis, picked)] * (1 if mode == "reflect" else after)
            y = self._concat_copies(parts, axis)
        self._set(node.output[0], self._reshape_value(y, shape_of(y), node.output[0]), kind)

    # ------------------------------------------------------------------ depth <-> space

    def _depth_space(self, node: Any, to_space: bool) -> None:
        """DepthToSpace (DCR and CRD modes) / SpaceToDepth of a batch-1 NCHW tensor: in
        NHWC, a reshape that splits the block out of an axis, a transpose of the two middle
        axes and a reshape to the output (CRD first reorders the channels to DCR's)."""
        a = node_attrs(node)
        block = int(a.get("blocksize", 0))
        x, kind = self._moved(node.input[0])
        shape = shape_of(x)
        if len(shape) != 4 or shape[0] != 1:
            raise self._error(f"only a rank-4 input of batch 1 is supported, got {list(shape)}")
        _, c, h, w = shape
        value = self._to_nhwc(x)
        element = tensor_type(value).element_type
        perm = {"perm": nn.i64_array([0, 2, 1, 3])}
        if to_space:
            if block < 1 or c % (block * block):
                raise self._error(f"{c} channels do not hold {block}x{block} blocks")
            mode = str(a.get("mode", "DCR"))
            if mode not in ("DCR", "CRD"):
                raise self._error(f"mode '{printable_name(mode)}' is not supported")
            if mode == "CRD":  # channel c * b * b + i * b + j -> (i * b + j) * C' + c
                grouped = self._reshape_value(
                    value, (h * w, c // (block * block), block * block, 1)
                )
                swapped = TensorType(element, (h * w, block * block, c // (block * block), 1))
                value = self._emit(nn.TransposeOp, [grouped], swapped, perm)
            split = (h, w, block, c // block)
            moved = (h, block, w, c // block)
            out = (1, h * block, w * block, c // (block * block))
        else:
            if block < 1 or h % block or w % block:
                raise self._error(f"{h}x{w} does not split into {block}x{block} blocks")
            split = (h // block, block, w // block, block * c)
            moved = (h // block, w // block, block, block * c)
            out = (1, h // block, w // block, block * block * c)
        y = self._reshape_value(value, split)
        y = self._emit(nn.TransposeOp, [y], TensorType(element, moved), perm)
        y = self._reshape_value(y, out)
        self._set(node.output[0], self._from_nhwc(y, 4, node.output[0]), kind)

    # ------------------------------------------------------------------ Tile, Expand

    def _repeat(self, x: SSAValue, counts: Sequence[int]) -> SSAValue:
        """``x`` with ``counts[d]`` copies side by side along each dimension ``d``."""
        for axis, count in enumerate(counts):
            if count < 1:
                raise self._error(f"repeat count {count} on axis {axis}")
            x = self._concat_copies([x] * count, axis)
        return x

    def _tile(self, node: Any) -> None:
        repeats = self._const(node, 1, "repeats")
        assert repeats is not None
        if self._moved_const(node):
            return
        x, kind = self._moved(node.input[0])
        counts = [int(r) for r in repeats.reshape(-1)]
        if len(counts) != len(shape_of(x)):
            raise self._error(f"{len(counts)} repeats for rank {len(shape_of(x))}")
        y = self._repeat(x, counts)
        self._set(node.output[0], self._named(y, x, node.output[0]), kind)

    def _expand(self, node: Any) -> None:
        target = self._const(node, 1, "shape")
        assert target is not None
        if self._moved_const(node):
            return
        x, kind = self._moved(node.input[0])
        shape = shape_of(x)
        try:
            out = tuple(np.broadcast_shapes(shape, tuple(int(d) for d in target.reshape(-1))))
        except ValueError:
            raise self._error(f"{list(shape)} does not broadcast to {target.tolist()}") from None
        ranked = (1,) * (len(out) - len(shape)) + tuple(shape)
        y = self._reshape_value(x, ranked)
        counts = [o // d for o, d in zip(out, ranked, strict=True)]
        if math.prod(counts) > 1:
            y = self._repeat(y, counts)
        self._set(node.output[0], self._reshape_value(y, out, node.output[0]), kind)


_SLICE_INPUTS = ((1, "starts"), (2, "ends"), (3, "axes"), (4, "steps"))
