"""TFLite translations of the operators that pick or interpolate elements by index:
RESIZE_NEAREST_NEIGHBOR, RESIZE_BILINEAR, GATHER and EMBEDDING_LOOKUP (constant or int32 run-time indices);
the reductions REDUCE_MAX, REDUCE_MIN and SUM, ARG_MAX and ARG_MIN, REVERSE_V2 and MIRROR_PAD
(reversed strided slices), BROADCAST_TO (concatenated copies); and GELU (float)."""

from __future__ import annotations

import numpy as np
from xdsl.dialects.builtin import (
    DenseArrayBase,
    IntegerAttr,
    IntegerType,
    StringAttr,
    TensorType,
    f32,
    i64,
)
from xdsl.ir import Attribute, SSAValue
from xdsl.irdl import IRDLOperation

from stai.dialects import nn

from .reader import TflOperator
from .shapes import ShapeTranslator
from .translator import dequantized


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

    def _gather(self, op: TflOperator) -> None:
        """GATHER with constant indices (batch_dims 0), any axis: an ``nn.gather`` of the
        flattened indices, reshaped to the output's shape (``indices.shape`` in place of
        the axis)."""
        self._check_outputs(op)
        if int(op.options.get("BatchDims", 0)) != 0:
            raise self._error(op, "batch_dims other than 0 is not supported")
        rank = len(self._shape(self._input_index(op, 0, "params")))
        axis = self._axis(op, int(op.options.get("Axis", 0)), rank)
        self._gather_values(op, 0, 1, axis)

    def _embedding_lookup(self, op: TflOperator) -> None:
        """EMBEDDING_LOOKUP with constant ids: the rows of the value tensor (a GATHER on
        axis 0)."""
        self._check_outputs(op)
        self._gather_values(op, 1, 0, 0)

    def _gather_values(self, op: TflOperator, data: int, ids: int, axis: int) -> None:
        t = self._input_index(op, data, "params")
        shape = self._shape(t)
        ids_tensor = self._input_index(op, ids, "indices")
        index_shape = self._shape(ids_tensor)
        if not self._is_constant(ids_tensor):
            self._take(op, data, ids, axis)
            return
        indices = self._int_list(op, ids, "indices")
        if any(not 0 <= i < shape[axis] for i in indices):
            raise self._error(op, f"indices {indices} out of range for {shape[axis]}")
        out = self._shape(op.outputs[0])
        if tuple(out) != (*shape[:axis], *index_shape, *shape[axis + 1 :]):
            raise self._error(op, f"the output's shape {list(out)} is not the gathered one")
        out_type = self._tensor_type(op.outputs[0])
        if self._is_constant(t):  # both constant: the gathered constant
            if self._is_float(op.outputs[0]) and not self._is_float(t):
                array = self._constant_f32(op, t)
            else:
                array = self._array(t)
            gathered = np.take(array, indices, axis=axis).reshape(out)
            storage = nn.numpy_dtype(out_type.element_type)
            const = nn.ConstantOp(np.ascontiguousarray(gathered, dtype=storage), out_type)
            self._tag(const, op, self.tensors[op.outputs[0]].name)
            self.block.add_op(const)
            self.values[op.outputs[0]] = const.output
            return
        value = self._operand(op, data)
        assert isinstance(value.type, TensorType)
        if value.type.element_type != out_type.element_type:
            raise self._error(op, "the input and output quantizations differ")
        gathered_shape = (*shape[:axis], len(indices), *shape[axis + 1 :])
        props = {"axis": IntegerAttr(axis, i64), "indices": nn.i64_array(indices)}
        if tuple(gathered_shape) == tuple(out):
            self._emit(op, nn.GatherOp, [value], props)
            return
        moved_type = TensorType(out_type.element_type, gathered_shape)
        moved = self._emit(op, nn.GatherOp, [value], props, result_type=moved_type, name=False)
        self._emit(op, nn.ReshapeOp, [moved])

    def _take(self, op: TflOperator, data: int, ids: int, axis: int) -> None:
        """GATHER / EMBEDDING_LOOKUP with indices computed at run time (int32, as TFLite
        Micro reads them): an ``nn.take``."""
        ids_tensor = self._input_index(op, ids, "indices")
        index_type = self._tensor_type(ids_tensor).element_type
        if index_type != IntegerType(32):
            raise self._error(op, f"indices of type {index_type} (TFLite Micro reads int32 ones)")
        out_type = self._tensor_type(op.outputs[0])
        value = self._operand(op, data)
        assert isinstance(value.type, TensorType)
        if value.type.element_type != out_type.element_type:
            raise self._error(op, "the input and output quantizations differ")
        props: dict[str, Attribute] = {"axis": IntegerAttr(axis, i64)}
        self._emit(op, nn.TakeOp, [value, self._operand(op, ids)], props)

    def _constant_f32(self, op: TflOperator, t: int) -> np.ndarray:
        quant = self._quant(t)
        if quant is None:
            raise self._error(op, f"constant '{self.tensors[t].name}' has no quantization")
        return dequantized(self._array(t), quant)

    def _reduce(self, op: TflOperator, op_class: type[IRDLOperation]) -> None:
        """REDUCE_MAX, REDUCE_MIN, SUM over constant axes (negative ones from the end,
        repeats ignored), ``keep_dims`` as the option says."""
        self._check_outputs(op)
        rank = len(self._shape(self._input_index(op, 0, "input")))
        axes = sorted({self._axis(op, a, rank) for a in self._int_list(op, 1, "axes")})
        props: dict[str, Attribute] = {
            "axes": nn.i64_array(axes),
            "keep_dims": IntegerAttr(1 if op.options.get("KeepDims", False) else 0, i64),
        }
        x_type, y_type = self._tensor_type(op.inputs[0]), self._tensor_type(op.outputs[0])
        if op_class is not nn.ReduceSumOp and x_type.element_type != y_type.element_type:
            raise self._error(op, "the input and output quantizations differ")
        self._emit(op, op_class, [self._operand(op, 0)], props)

    def _arg(self, op: TflOperator, op_class: type[IRDLOperation]) -> None:
        """ARG_MAX / ARG_MIN over one constant axis: int32 or int64 indices (the output
        tensor's type)."""
        self._check_outputs(op)
        rank = len(self._shape(self._input_index(op, 0, "input")))
        axes = self._int_list(op, 1, "axis")
        if len(axes) != 1:
            raise self._error(op, f"one axis expected, got {axes}")
        out = op.outputs[0]
        type_name = self.tensors[out].type_name
        if type_name not in ("INT32", "INT64"):
            raise self._error(op, f"the output must be INT32 or INT64, got {type_name}")
        result_type = TensorType(IntegerType(32 if type_name == "INT32" else 64), self._shape(out))
        props: dict[str, Attribute] = {"axis": IntegerAttr(self._axis(op, axes[0], rank), i64)}
        value = self._emit(op, op_class, [self._operand(op, 0)], props, result_type=result_type)
        self.values[out] = value
        self._name_hint(value, self.tensors[out].name)

    def _reverse(self, op: TflOperator) -> None:
        """REVERSE_V2 over constant axes: a strided slice walking them backwards."""
        self._check_outputs(op)
        shape = self._shape(self._input_index(op, 0, "input"))
        axes = {self._axis(op, a, len(shape)) for a in self._int_list(op, 1, "axis")}
        begin = [n - 1 if d in axes else 0 for d, n in enumerate(shape)]
        strides = [-1 if d in axes else 1 for d in range(len(shape))]
        self._slice_output(op, 0, self._operand(op, 0), begin, strides, shape)

    def _mirror_pad(self, op: TflOperator) -> None:
        """MIRROR_PAD (REFLECT: the border element not repeated; SYMMETRIC: repeated):
        per padded axis, two reversed strided slices and a concatenation."""
        self._check_outputs(op)
        value = self._operand(op, 0)
        shape = list(self._shape(op.inputs[0]))
        pads = self._int_list(op, 1, "paddings")
        if len(pads) != 2 * len(shape) or any(p < 0 for p in pads):
            raise self._error(op, f"paddings must be a [{len(shape)}, 2] tensor of counts >= 0")
        symmetric = int(op.options.get("Mode", 0)) == 1
        x_type, out_type = self._tensor_type(op.inputs[0]), self._tensor_type(op.outputs[0])
        if x_type.element_type != out_type.element_type:
            raise self._error(op, "the input and output quantizations differ")
        padded = [i for i in range(len(shape)) if pads[2 * i] or pads[2 * i + 1]]
        if not padded:
            self._emit(op, nn.ReshapeOp, [value])
            return
        for axis in padded:
            before, after = pads[2 * axis], pads[2 * axis + 1]
            n = shape[axis]
            limit = n if symmetric else n - 1
            if before > limit or after > limit:
                raise self._error(op, f"padding {before}, {after} is too wide for size {n}")
            first = before - 1 if symmetric else before
            last = n - 1 if symmetric else n - 2
            parts = [self._reversed(op, value, axis, first, before)] if before else []
            parts.append(value)
            if after:
                parts.append(self._reversed(op, value, axis, last, after))
            shape[axis] += before + after
            props: dict[str, Attribute] = {
                "axis": IntegerAttr(axis, i64),
                "activation": StringAttr("none"),
            }
            final = axis == padded[-1]
            result_type = None if final else TensorType(x_type.element_type, shape)
            value = self._emit(op, nn.ConcatOp, [parts], props, result_type=result_type, name=final)

    def _reversed(
        self, op: TflOperator, value: SSAValue, axis: int, first: int, count: int
    ) -> SSAValue:
        """``count`` elements of ``value`` along ``axis`` from ``first`` backwards."""
        assert isinstance(value.type, TensorType)
        shape = list(value.type.get_shape())
        begin = [0] * len(shape)
        strides = [1] * len(shape)
        begin[axis], strides[axis], shape[axis] = first, -1, count
        props: dict[str, Attribute] = {
            "begin": nn.i64_array(begin),
            "strides": nn.i64_array(strides),
        }
        result_type = TensorType(value.type.element_type, shape)
        return self._emit(
            op, nn.StridedSliceOp, [value], props, result_type=result_type, name=False
        )

    def _broadcast_to(self, op: TflOperator) -> None:
        """BROADCAST_TO a constant shape: a reshape to its rank (leading 1s), then per
        broadcast axis a concatenation of copies."""
        self._check_outputs(op)
        value = self._operand(op, 0)
        shape = list(self._shape(op.inputs[0]))
        target = self._int_list(op, 1, "shape")
        out = list(self._shape(op.outputs[0]))
        if target != out or len(shape) > len(out):
            raise self._error(op, f"shape {target} differs from the output's {out}")
        x_type, out_type = self._tensor_type(op.inputs[0]), self._tensor_type(op.outputs[0])
        if x_type.element_type != out_type.element_type:
            raise self._error(op, "the input and output quantizations differ")
        shape = [1] * (len(out) - len(shape)) + shape
        if any(n != m and n != 1 for n, m in zip(shape, out)):
            raise self._error(op, f"{list(self._shape(op.inputs[0]))} does not broadcast to {out}")
        axes = [d for d, (n, m) in enumerate(zip(shape, out)) if n != m]
        if not axes:
            self._emit(op, nn.ReshapeOp, [value])
            return
        if len(shape) != len(self._shape(op.inputs[0])):
            value = self._emit(
                op,
                nn.ReshapeOp,
                [value],
                result_type=TensorType(x_type.element_type, shape),
                name=False,
            )
        for axis in axes:
            shape[axis] = out[axis]
            props: dict[str, Attribute] = {
                "axis": IntegerAttr(axis, i64),
                "activation": StringAttr("none"),
            }
            final = axis == axes[-1]
            result_type = None if final else TensorType(x_type.element_type, shape)
            copies = [value] * out[axis]
            value = self._emit(
                op, nn.ConcatOp, [copies], props, result_type=result_type, name=final
            )
