"""TFLite translations of CUMSUM (``nn.cumsum``) and GATHER_ND.

CUMSUM: float32 or int8 (TensorFlow Lite Micro's types), a constant axis (negative
counts from the end), the ``exclusive`` and ``reverse`` options; the converter keeps int8
models' CUMSUM in float, so int8 ones come from other writers.

GATHER_ND with constant indices (float32, int8, TensorFlow Lite Micro's types): each
index tuple names a slice of the params' trailing axes, at the flat position TensorFlow
Lite Micro computes (an index tuple whose slice would leave the tensor is an error at
compile time; TFLite Micro fails at run time). The params are reshaped to [slices,
slice size], gathered along axis 0 (``nn.gather``), and reshaped to the output; constant
params fold into a constant. Computed indices of one element per tuple select slices of
the first axis (``nn.take``, checked at run time as TFLite Micro does); longer computed
tuples (up to 5) become ``nn.gather_nd``: each tuple names the slice at TFLite Micro's flat
position, and a slice outside the params ends ``run`` with an error, as TFLite Micro's
invocation fails.
"""

from __future__ import annotations

import math

import numpy as np
from xdsl.dialects.builtin import IntegerAttr, TensorType, i64
from xdsl.ir import Attribute

from stai.dialects import nn
from stai.dialects.nn_cumsum import MAX_GATHER_ND_DEPTH, CumsumOp, GatherNdOp

from .reader import TflOperator
from .translator import Translator

__all__ = ["CumsumOp", "CumsumTranslator", "GatherNdOp"]

MAX_INDEX_DEPTH = MAX_GATHER_ND_DEPTH
"""The longest index tuple of GATHER_ND (TensorFlow Lite Micro's limit)."""


class CumsumTranslator(Translator):
    """Translators of CUMSUM and GATHER_ND."""

    def _cumsum(self, op: TflOperator) -> None:
        self._check_outputs(op)
        x, out = self._input_index(op, 0, "input"), op.outputs[0]
        types = {self.tensors[t].type_name for t in (x, out)}
        if types not in ({"FLOAT32"}, {"INT8"}):
            raise self._error(op, f"{'/'.join(sorted(types))} is not supported (float32, int8)")
        rank = len(self._shape(x))
        axes = self._int_list(op, 1, "axis")
        if len(axes) != 1 or not -rank <= axes[0] < rank:
            raise self._error(op, f"axis {axes} is not one axis of a rank-{rank} tensor")
        props: dict[str, Attribute] = {
            "axis": IntegerAttr(axes[0] % rank, i64),
            "exclusive": IntegerAttr(int(bool(op.options.get("Exclusive", False))), i64),
            "reverse": IntegerAttr(int(bool(op.options.get("Reverse", False))), i64),
        }
        self._emit(op, CumsumOp, [self._operand(op, 0)], props)

    def _gather_nd(self, op: TflOperator) -> None:
        self._check_outputs(op)
        p, ids, out = (
            self._input_index(op, 0, "params"),
            self._input_index(op, 1, "indices"),
            op.outputs[0],
        )
        if self.tensors[p].type_name not in ("FLOAT32", "INT8"):
            raise self._error(
                op, f"{self.tensors[p].type_name} params are not supported (float32, int8)"
            )
        if self.tensors[ids].type_name != "INT32":
            raise self._error(op, "the indices must be int32 (as TFLite Micro)")
        shape, index_shape = list(self._shape(p)), list(self._shape(ids))
        depth = index_shape[-1] if index_shape else 0
        if not shape or not index_shape or depth > len(shape) or depth > MAX_INDEX_DEPTH:
            raise self._error(op, f"indices {index_shape} do not index params {shape}")
        expected = [*index_shape[:-1], *shape[depth:]]
        if list(self._shape(out)) != expected:
            raise self._error(op, f"the output shape {list(self._shape(out))} is not {expected}")
        if not self._is_constant(ids):
            self._gather_nd_computed(op, shape, index_shape, expected)
            return
        slice_size = math.prod(shape[depth:])
        flat = math.prod(shape)
        tuples = self._array(ids).reshape(-1, depth).astype(np.int64)
        strides = [math.prod(shape[j + 1 :]) for j in range(depth)]
        rows = []
        for index in tuples:
            start = int(sum(int(v) * s for v, s in zip(index, strides)))
            if start < 0 or start + slice_size > flat:
                raise self._error(op, f"index {list(map(int, index))} is out of bounds for {shape}")
            rows.append(start // slice_size if slice_size else 0)
        out_type = self._tensor_type(out)
        if self._is_constant(p):
            table = self._array(p).reshape(-1, slice_size)
            storage = nn.numpy_dtype(out_type.element_type)
            gathered = np.ascontiguousarray(table[rows].reshape(expected), dtype=storage)
            const = nn.ConstantOp(gathered, out_type)
            self._tag(const, op, self.tensors[out].name)
            self.block.add_op(const)
            self.values[out] = const.output
            return
        value = self._operand(op, 0, "params")
        assert isinstance(value.type, TensorType)
        element = value.type.element_type
        if element != out_type.element_type:
            raise self._error(op, "the params and output quantizations differ")
        table_type = TensorType(element, (flat // slice_size if slice_size else 0, slice_size))
        table = self._emit(op, nn.ReshapeOp, [value], result_type=table_type, name=False)
        props: dict[str, Attribute] = {"axis": IntegerAttr(0, i64), "indices": nn.i64_array(rows)}
        picked_type = TensorType(element, (len(rows), slice_size))
        picked = self._emit(op, nn.GatherOp, [table], props, result_type=picked_type, name=False)
        self._emit(op, nn.ReshapeOp, [picked])

    def _gather_nd_computed(
        self, op: TflOperator, shape: list[int], index_shape: list[int], expected: list[int]
    ) -> None:
        """GATHER_ND with indices computed at run time: one per tuple, the slices of the
        params' first axis they name (an ``nn.take``, whose kernel ends ``run`` with an
        error for an index outside the axis, where TFLite Micro fails too); longer tuples
        an ``nn.gather_nd`` (the flat position TFLite Micro computes, checked the same way)."""
        value = self._operand(op, 0, "params")
        ids = self._operand(op, 1, "indices")
        out_type = self._tensor_type(op.outputs[0])
        assert isinstance(value.type, TensorType) and isinstance(ids.type, TensorType)
        if value.type.element_type != out_type.element_type:
            raise self._error(op, "the params and output quantizations differ")
        if index_shape[-1] != 1:
            self._emit(op, GatherNdOp, [value, ids])
            return
        count = math.prod(index_shape[:-1])
        flat_type = TensorType(ids.type.element_type, (count,))
        flat = self._emit(op, nn.ReshapeOp, [ids], result_type=flat_type, name=False)
        props: dict[str, Attribute] = {"axis": IntegerAttr(0, i64)}
        taken_shape = (count, *shape[1:])
        if list(taken_shape) == expected:
            self._emit(op, nn.TakeOp, [value, flat], props)
            return
        taken_type = TensorType(out_type.element_type, taken_shape)
        taken = self._emit(op, nn.TakeOp, [value, flat], props, result_type=taken_type, name=False)
        self._emit(op, nn.ReshapeOp, [taken])
