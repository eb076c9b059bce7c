"""Data-movement translations of the TFLite importer: RESHAPE (SQUEEZE, EXPAND_DIMS),
PAD/PADV2, CONCATENATION, TRANSPOSE, ... Elements move, their values stay: an int8 output
with other quantization parameters than its input gets a requantization after the move.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from xdsl.dialects.builtin import IntegerAttr, StringAttr, TensorType, i64
from xdsl.ir import Attribute, SSAValue
from xdsl.irdl import IRDLOperation

from stai.dialects import nn

from .reader import TflOperator
from .translator import Translator


class ShapeTranslator(Translator):
    """The data-movement operators."""

    def _concat(self, op: TflOperator) -> None:
        self._check_outputs(op)
        rank = len(self._shape(op.outputs[0]))
        axis = int(op.options.get("Axis", 0))
        if axis < 0:
            axis += rank
        if not 0 <= axis < rank:
            raise self._error(op, f"axis {op.options.get('Axis', 0)} out of range")
        inputs = [self._operand(op, i) for i in range(len(op.inputs))]
        props = {"axis": IntegerAttr(axis, i64), "activation": self._activation(op)}
        self._emit(op, nn.ConcatOp, [inputs], props)

    def _pad(self, op: TflOperator) -> None:
        self._check_outputs(op)
        x = self._input_index(op, 0, "input")
        rank = len(self._shape(x))
        pads = self._int_list(op, 1, "paddings")
        if len(pads) != 2 * rank:
            raise self._error(op, f"paddings must be a [{rank}, 2] tensor")
        if any(p < 0 for p in pads):
            raise self._error(op, "negative paddings are not supported")
        if op.opcode == "PADV2" and len(op.inputs) > 2 and op.inputs[2] >= 0:
            self._check_pad_value(op)
        self._emit(op, nn.PadOp, [self._operand(op, 0)], {"pads": nn.i64_array(pads)})

    def _check_pad_value(self, op: TflOperator) -> None:
        """PADV2's constant value must be the real value 0 (stai pads with zero)."""
        t = op.inputs[2]
        if not self._is_constant(t):
            raise self._error(op, "the pad value must be a constant")
        values = self._array(t).reshape(-1)
        if values.size != 1:
            raise self._error(op, "the pad value must be a scalar")
        out = self.tensors[op.outputs[0]]
        zero = (
            out.quant.zero_points[0]
            if out.quant is not None and not self._is_float(op.outputs[0])
            else 0
        )
        if float(values[0]) != float(zero):
            raise self._error(op, f"pad value {values[0]} is not supported (only zero padding)")

    def _reshape(self, op: TflOperator) -> None:
        """RESHAPE, SQUEEZE, EXPAND_DIMS: an nn.reshape to the output tensor's shape."""
        self._check_outputs(op)
        value = self._operand(op, 0)
        out_type = self._tensor_type(op.outputs[0])
        assert isinstance(value.type, TensorType)
        if value.type.element_type == out_type.element_type:
            self._emit(op, nn.ReshapeOp, [value])
            return
        # Differing quantization: reshape, then requantize to the output's parameters.
        same = TensorType(value.type.element_type, out_type.get_shape())
        reshaped = self._emit(op, nn.ReshapeOp, [value], result_type=same, name=False)
        self._emit(op, nn.QuantizeOp, [reshaped])

    def _transpose(self, op: TflOperator) -> None:
        """TRANSPOSE with a constant permutation (negative entries count from the end)."""
        self._check_outputs(op)
        rank = len(self._shape(self._input_index(op, 0, "input")))
        perm = [p + rank if p < 0 else p for p in self._int_list(op, 1, "permutation")]
        if sorted(perm) != list(range(rank)):
            raise self._error(op, f"{perm} is not a permutation of {rank} axes")
        self._data_movement(op, nn.TransposeOp, {"perm": nn.i64_array(perm)})

    def _data_movement(
        self, op: TflOperator, op_class: type[IRDLOperation], props: dict[str, Attribute]
    ) -> None:
        """An op that moves elements of its first input; when the output's quantization
        differs from the input's, a requantization follows (as for RESHAPE)."""
        value = self._operand(op, 0)
        out_type = self._tensor_type(op.outputs[0])
        assert isinstance(value.type, TensorType)
        if value.type.element_type == out_type.element_type:
            self._emit(op, op_class, [value], props)
            return
        same = TensorType(value.type.element_type, out_type.get_shape())
        moved = self._emit(op, op_class, [value], props, result_type=same, name=False)
        self._emit(op, nn.QuantizeOp, [moved])

    # ------------------------------------------------------------------ slices

    def _slice_output(
        self,
        op: TflOperator,
        output: int,
        value: SSAValue,
        begin: Sequence[int],
        strides: Sequence[int],
        sizes: Sequence[int],
    ) -> None:
        """Output ``output`` of ``op``: an ``nn.strided_slice`` of ``value`` (skipped when
        it takes everything), reshaped to the output tensor's shape (dropped or added axes),
        requantized when the output's parameters differ."""
        x_type = value.type
        assert isinstance(x_type, TensorType)
        shape = tuple(x_type.get_shape())
        out_type = self._tensor_type(op.outputs[output])
        out_shape = tuple(out_type.get_shape())
        if any(s <= 0 for s in sizes):
            raise self._error(op, f"output {output} would be empty (sizes {list(sizes)})")
        if math.prod(sizes) != math.prod(out_shape):
            raise self._error(
                op,
                f"output {output}: a slice of sizes {list(sizes)} is not of shape {list(out_shape)}",
            )
        steps: list[tuple[type[IRDLOperation], dict[str, Attribute], tuple[int, ...]]] = []
        if tuple(sizes) != shape or any(s != 1 for s in strides):
            props: dict[str, Attribute] = {
                "begin": nn.i64_array(begin),
                "strides": nn.i64_array(strides),
            }
            steps.append((nn.StridedSliceOp, props, tuple(sizes)))
        if tuple(sizes) != out_shape or not steps:
            steps.append((nn.ReshapeOp, {}, out_shape))
        self._chain(op, output, value, steps)

    def _chain(
        self,
        op: TflOperator,
        output: int,
        value: SSAValue,
        steps: Sequence[tuple[type[IRDLOperation], dict[str, Attribute], tuple[int, ...]]],
    ) -> None:
        """Output ``output`` of ``op`` as a chain of data-movement ops on ``value``, each
        with its properties and result shape (the element type stays), then a
        requantization when the output tensor's parameters differ."""
        x_type = value.type
        assert isinstance(x_type, TensorType)
        element = x_type.element_type
        out_type = self._tensor_type(op.outputs[output])
        chain = [(c, p, TensorType(element, shape)) for c, p, shape in steps]
        if element != out_type.element_type:
            chain.append((nn.QuantizeOp, {}, out_type))
        for i, (op_class, props, result_type) in enumerate(chain):
            last = i == len(chain) - 1
            value = self._emit(
                op,
                op_class,
                [value],
                props,
                result_type=None if last else result_type,
                name=last,
                output=output,
            )

    def _depth_space(self, op: TflOperator, to_space: bool) -> None:
        """DEPTH_TO_SPACE / SPACE_TO_DEPTH (batch 1): a reshape that splits the block out
        of an axis, a transpose of the two middle axes, a reshape to the output."""
        self._check_outputs(op)
        shape = self._input_shape(op)
        block = int(op.options.get("BlockSize", 0))
        if len(shape) != 4 or shape[0] != 1:
            raise self._error(op, f"only a rank-4 input of batch 1 is supported, got {list(shape)}")
        _, h, w, c = shape
        if to_space:
            if block < 1 or c % (block * block):
                raise self._error(op, f"{c} channels do not hold {block}x{block} blocks")
            split = (h, w, block, c // block)
            moved = (h, block, w, c // block)
            out = (1, h * block, w * block, c // (block * block))
        else:
            if block < 1 or h % block or w % block:
                raise self._error(op, f"{h}x{w} does not split into {block}x{block} blocks")
            split = (h // block, block, w // block, block * c)
            moved = (h // block, w // block, block, block * c)
            out = (1, h // block, w // block, block * block * c)
        if out != self._shape(op.outputs[0]):
            raise self._error(op, f"the output must have shape {list(out)}")
        perm = {"perm": nn.i64_array([0, 2, 1, 3])}
        steps = [(nn.ReshapeOp, {}, split), (nn.TransposeOp, perm, moved), (nn.ReshapeOp, {}, out)]
        self._chain(op, 0, self._operand(op, 0), steps)

    def _batch_space(self, op: TflOperator, to_batch: bool) -> None:
        """SPACE_TO_BATCH_ND (a batch-1 input) / BATCH_TO_SPACE_ND (a batch-1 output) of a
        rank-4 tensor with a 2-D block: the padding (zero point for int8, as TFLite Micro)
        or the crop, and two transposes of 4-D views between reshapes."""
        self._check_outputs(op)
        shape = self._input_shape(op)
        block = self._int_list(op, 1, "block shape")
        amounts = self._int_list(op, 2, "paddings" if to_batch else "crops")
        if len(shape) != 4 or len(block) != 2 or len(amounts) != 4:
            raise self._error(
                op, f"only rank-4 tensors with a 2-D block are supported, got {list(shape)}"
            )
        bh, bw = block
        top, bottom, left, right = amounts
        n, h, w, c = shape
        out = self._shape(op.outputs[0])
        swap = nn.i64_array([1, 0, 2, 3])
        middle = nn.i64_array([0, 2, 1, 3])
        steps: list[tuple[type[IRDLOperation], dict[str, Attribute], tuple[int, ...]]] = []
        if bh < 1 or bw < 1 or min(amounts) < 0:
            raise self._error(op, f"block {block} and amounts {amounts} must be positive")
        if to_batch:
            hp, wp = h + top + bottom, w + left + right
            if n != 1 or hp % bh or wp % bw:
                raise self._error(op, f"a batch-1 input padded to a multiple of {block} expected")
            oh, ow = hp // bh, wp // bw
            if amounts != [0, 0, 0, 0]:
                pads = nn.i64_array([0, 0, top, bottom, left, right, 0, 0])
                steps.append((nn.PadOp, {"pads": pads}, (1, hp, wp, c)))
            steps += [
                (nn.ReshapeOp, {}, (oh, bh, ow, bw * c)),
                (nn.TransposeOp, {"perm": swap}, (bh, oh, ow, bw * c)),
                (nn.ReshapeOp, {}, (bh, oh * ow, bw, c)),
                (nn.TransposeOp, {"perm": middle}, (bh, bw, oh * ow, c)),
                (nn.ReshapeOp, {}, (bh * bw, oh, ow, c)),
            ]
            expected = (bh * bw, oh, ow, c)
        else:
            if n != bh * bw:
                raise self._error(op, f"a batch of {bh * bw} expected for block {block}")
            fh, fw = h * bh, w * bw
            expected = (1, fh - top - bottom, fw - left - right, c)
            if min(expected) < 1:
                raise self._error(op, f"crops {amounts} leave nothing of {fh}x{fw}")
            steps += [
                (nn.ReshapeOp, {}, (bh, bw, h * w, c)),
                (nn.TransposeOp, {"perm": middle}, (bh, h * w, bw, c)),
                (nn.ReshapeOp, {}, (bh, h, w, bw * c)),
                (nn.TransposeOp, {"perm": swap}, (h, bh, w, bw * c)),
                (nn.ReshapeOp, {}, (1, fh, fw, c)),
            ]
            if amounts != [0, 0, 0, 0]:
                crop: dict[str, Attribute] = {
                    "begin": nn.i64_array([0, top, left, 0]),
                    "strides": nn.i64_array([1] * 4),
                }
                steps.append((nn.StridedSliceOp, crop, expected))
        if out != expected:
            raise self._error(op, f"the output must have shape {list(expected)}")
        self._chain(op, 0, self._operand(op, 0), steps)

    def _space_to_batch(self, op: TflOperator) -> None:
        self._batch_space(op, to_batch=True)

    def _batch_to_space(self, op: TflOperator) -> None:
        self._batch_space(op, to_batch=False)

    def _depth_to_space(self, op: TflOperator) -> None:
        self._depth_space(op, to_space=True)

    def _space_to_depth(self, op: TflOperator) -> None:
        self._depth_space(op, to_space=False)

    def _input_shape(self, op: TflOperator, position: int = 0) -> tuple[int, ...]:
        return self._shape(self._input_index(op, position, "input"))

    def _axis(self, op: TflOperator, axis: int, rank: int) -> int:
        if not -rank <= axis < rank:
            raise self._error(op, f"axis {axis} out of range for rank {rank}")
        return axis + rank if axis < 0 else axis

    def _slice(self, op: TflOperator) -> None:
        """SLICE: ``size`` elements from ``begin`` (size -1: to the end)."""
        self._check_outputs(op)
        shape = self._input_shape(op)
        begin = self._int_list(op, 1, "begin")
        size = self._int_list(op, 2, "size")
        if len(begin) != len(shape) or len(size) != len(shape):
            raise self._error(op, f"begin and size need {len(shape)} values")
        begin = [b + d if b < 0 else b for b, d in zip(begin, shape)]
        sizes = [d - b if s == -1 else s for b, s, d in zip(begin, size, shape)]
        if any(not 0 <= b < d or not 0 < s <= d - b for b, s, d in zip(begin, sizes, shape)):
            raise self._error(op, f"begin {begin} and size {size} do not fit in {list(shape)}")
        self._slice_output(op, 0, self._operand(op, 0), begin, [1] * len(shape), sizes)

    def _strided_slice(self, op: TflOperator) -> None:
        """STRIDED_SLICE with TensorFlow's begin, end, ellipsis, new-axis and shrink-axis
        masks and the ``offset`` option (end counted from begin)."""
        self._check_outputs(op)
        shape = self._input_shape(op)
        begin = self._int_list(op, 1, "begin")
        end = self._int_list(op, 2, "end")
        strides = self._int_list(op, 3, "strides")
        if not len(begin) == len(end) == len(strides):
            raise self._error(op, "begin, end and strides must have the same length")
        if any(s == 0 for s in strides):
            raise self._error(op, "a stride of 0")
        opts = op.options
        if bool(opts.get("Offset", False)):
            end = [b + e for b, e in zip(begin, end)]
        spec = strided_slice_spec(
            shape,
            begin,
            end,
            strides,
            {name: int(opts.get(f"{name}Mask", 0)) for name in _MASKS},
        )
        if spec is None:
            raise self._error(op, "the masks do not fit the input's rank")
        self._slice_output(op, 0, self._operand(op, 0), *spec)

    def _split_outputs(self, op: TflOperator, data: int, axis: int, sizes: Sequence[int]) -> None:
        """One slice along ``axis`` per output, of ``sizes`` elements each."""
        shape = self._input_shape(op, data)
        axis = self._axis(op, axis, len(shape))
        if sum(sizes) != shape[axis] or any(s <= 0 for s in sizes):
            raise self._error(op, f"sizes {list(sizes)} do not split {shape[axis]} elements")
        if len(sizes) != len(op.outputs) or any(t < 0 for t in op.outputs):
            raise self._error(op, f"{len(sizes)} outputs expected")
        value = self._operand(op, data)
        start = 0
        for k, size in enumerate(sizes):
            begin = [0] * len(shape)
            begin[axis] = start
            extent = list(shape)
            extent[axis] = size
            self._slice_output(op, k, value, begin, [1] * len(shape), extent)
            start += size

    def _split(self, op: TflOperator) -> None:
        """SPLIT: (axis, input) into NumSplits equal parts."""
        (axis,) = self._int_list(op, 0, "axis")[:1] or [0]
        shape = self._input_shape(op, 1)
        parts = int(op.options.get("NumSplits", len(op.outputs)))
        dim = shape[self._axis(op, axis, len(shape))]
        if parts <= 0 or dim % parts:
            raise self._error(op, f"{dim} elements do not split into {parts} equal parts")
        self._split_outputs(op, 1, axis, [dim // parts] * parts)

    def _split_v(self, op: TflOperator) -> None:
        """SPLIT_V: (input, size_splits, axis); one size may be -1 (the rest)."""
        shape = self._input_shape(op)
        sizes = self._int_list(op, 1, "size_splits")
        (axis,) = self._int_list(op, 2, "axis")[:1] or [0]
        dim = shape[self._axis(op, axis, len(shape))]
        if sizes.count(-1) == 1:
            sizes[sizes.index(-1)] = dim - (sum(sizes) + 1)
        self._split_outputs(op, 0, axis, sizes)

    def _unpack(self, op: TflOperator) -> None:
        """UNPACK: one output per index along ``Axis``, that axis dropped."""
        shape = self._input_shape(op)
        axis = self._axis(op, int(op.options.get("Axis", 0)), len(shape))
        self._split_outputs(op, 0, axis, [1] * shape[axis])

    def _pack(self, op: TflOperator) -> None:
        """PACK: every input gets a size-1 axis at ``Axis``, then they are concatenated."""
        self._check_outputs(op)
        out_shape = self._shape(op.outputs[0])
        axis = self._axis(op, int(op.options.get("Axis", 0)), len(out_shape))
        values = []
        for i in range(len(op.inputs)):
            value = self._operand(op, i)
            assert isinstance(value.type, TensorType)
            shape = list(value.type.get_shape())
            shape.insert(axis, 1)
            if [d for k, d in enumerate(out_shape) if k != axis] != shape[:axis] + shape[
                axis + 1 :
            ]:
                raise self._error(op, f"input {i} does not fit the output shape {list(out_shape)}")
            expanded = TensorType(value.type.element_type, shape)
            values.append(self._emit(op, nn.ReshapeOp, [value], result_type=expanded, name=False))
        props = {"axis": IntegerAttr(axis, i64), "activation": StringAttr("none")}
        self._emit(op, nn.ConcatOp, [values], props)


_MASKS = ("Begin", "End", "Ellipsis", "NewAxis", "ShrinkAxis")


def strided_slice_spec(
    shape: Sequence[int],
    begin: Sequence[int],
    end: Sequence[int],
    strides: Sequence[int],
    masks: dict[str, int],
) -> tuple[list[int], list[int], list[int]] | None:
    """TensorFlow's strided-slice semantics resolved against ``shape``: the begin, stride
    and count of every input dimension (a shrunk dimension counts 1; the caller reshapes),
    or None when the specification names more dimensions than ``shape`` has."""

    def bit(mask: str, i: int) -> bool:
        return bool((masks[mask] >> i) & 1)

    rank = len(shape)
    consumed = sum(1 for i in range(len(begin)) if not bit("Ellipsis", i) and not bit("NewAxis", i))
    resolved: list[tuple[int, int, int]] = []
    ellipsis_seen = False
    for i in range(len(begin)):
        if bit("Ellipsis", i) and not ellipsis_seen:
            ellipsis_seen = True
            for _ in range(rank - consumed):
                d = len(resolved)
                if d >= rank:
                    return None
                resolved.append((0, 1, shape[d]))
            continue
        if bit("Ellipsis", i) or bit("NewAxis", i):
            continue  # a second ellipsis is ignored; a new axis consumes no dimension
        d = len(resolved)
        if d >= rank:
            return None
        dim, s = shape[d], strides[i]
        if bit("ShrinkAxis", i):
            b = 0 if bit("Begin", i) else begin[i] + dim if begin[i] < 0 else begin[i]
            resolved.append((min(max(b, 0), dim - 1), 1, 1 if 0 <= b < dim else 0))
            continue
        lo, hi = (0, dim) if s > 0 else (-1, dim - 1)
        b = begin[i] + dim if begin[i] < 0 else begin[i]
        e = end[i] + dim if end[i] < 0 else end[i]
        b = (lo if s > 0 else hi) if bit("Begin", i) else min(max(b, lo), hi)
        e = (hi if s > 0 else lo) if bit("End", i) else min(max(e, lo), hi)
        count = max(0, -(-(e - b) // s)) if s > 0 else max(0, -(-(b - e) // -s))
        resolved.append((b, s, count))
    while len(resolved) < rank:
        resolved.append((0, 1, shape[len(resolved)]))
    return [r[0] for r in resolved], [r[1] for r in resolved], [r[2] for r in resolved]
