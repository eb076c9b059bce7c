"""Data-movement ops of the ``nn`` dialect (``stai.dialects.nn`` registers them): reshape,
pad, concatenation, transpose, strided slice, resize, gather, take. They move elements without
arithmetic; quantization passes through them unchanged (concat excepted: its inputs take
the output's parameters). Also the ops that reduce or normalize along axes: reductions,
arg max / min, layer normalization, log-softmax.
"""

from __future__ import annotations

import numpy as np
from xdsl.dialects.builtin import (
    I64,
    DenseArrayBase,
    Float32Type,
    FloatAttr,
    IntegerAttr,
    IntegerType,
    StringAttr,
    TensorType,
)
from xdsl.irdl import (
    irdl_op_definition,
    operand_def,
    prop_def,
    result_def,
    traits_def,
    var_operand_def,
)
from xdsl.utils.exceptions import VerifyException

from stai.dialects.nn_base import QuantType, _ints, _NNOp, _tensor, _verify_activation
from stai.dialects.nn_traits import (
    ConcatAxis,
    ConstantQuant,
    FusibleProducer,
    IsTranspose,
    LayoutSensitive,
    PadAxes,
    QuantKind,
    QuantRule,
    SliceAxes,
)


@irdl_op_definition
class ReshapeOp(_NNOp):
    """Same elements, another shape (the result type gives it)."""

    name = "nn.reshape"
    input = operand_def(TensorType)
    output = result_def(TensorType)
    traits = traits_def(QuantRule(QuantKind.SAME_AS_INPUT), LayoutSensitive())

    def verify_(self) -> None:
        x, y = _tensor(self, "input"), _tensor(self, "output")
        if x.element_count() != y.element_count():
            raise VerifyException(
                f"nn.reshape: {x.element_count()} elements cannot become {y.element_count()}"
            )
        if x.element_type != y.element_type:
            raise VerifyException("nn.reshape: element types differ")


@irdl_op_definition
class PadOp(_NNOp):
    """Constant padding; ``pads`` holds before/after for every dimension in order."""

    name = "nn.pad"
    input = operand_def(TensorType)
    pads = prop_def(DenseArrayBase[I64])
    output = result_def(TensorType)
    traits = traits_def(QuantRule(QuantKind.SAME_AS_INPUT), PadAxes())

    def verify_(self) -> None:
        x, y = _tensor(self, "input"), _tensor(self, "output")
        pads = _ints(self.pads)
        rank = len(x.get_shape())
        if len(pads) != 2 * rank:
            raise VerifyException(f"nn.pad: pads must have {2 * rank} values")
        expected = tuple(d + pads[2 * i] + pads[2 * i + 1] for i, d in enumerate(x.get_shape()))
        if expected != tuple(y.get_shape()):
            raise VerifyException(f"nn.pad: result shape must be {expected}")


@irdl_op_definition
class ConcatOp(_NNOp):
    """Concatenation along ``axis``."""

    name = "nn.concat"
    inputs = var_operand_def(TensorType)
    axis = prop_def(IntegerAttr)
    activation = prop_def(StringAttr)
    output = result_def(TensorType)
    traits = traits_def(
        QuantRule(QuantKind.OWN_RANGE, inputs_take_output=True), ConcatAxis(), FusibleProducer()
    )

    def verify_(self) -> None:
        _verify_activation(self)
        y = _tensor(self, "output")
        axis = self.axis.value.data
        rank = len(y.get_shape())
        if not 0 <= axis < rank:
            raise VerifyException(f"nn.concat: axis {axis} out of range for rank {rank}")
        total = 0
        for value in self.inputs:
            t = value.type
            assert isinstance(t, TensorType)
            shape = t.get_shape()
            if len(shape) != rank or any(
                s != o for i, (s, o) in enumerate(zip(shape, y.get_shape())) if i != axis
            ):
                raise VerifyException("nn.concat: inputs differ from the result off the axis")
            total += shape[axis]
        if total != y.get_shape()[axis]:
            raise VerifyException("nn.concat: the inputs' sizes along the axis do not add up")


@irdl_op_definition
class TransposeOp(_NNOp):
    """A permutation of the dimensions: result dimension ``i`` is input dimension ``perm[i]``."""

    name = "nn.transpose"
    input = operand_def(TensorType)
    perm = prop_def(DenseArrayBase[I64])
    output = result_def(TensorType)
    traits = traits_def(QuantRule(QuantKind.SAME_AS_INPUT), IsTranspose())

    def verify_(self) -> None:
        x, y = _tensor(self, "input"), _tensor(self, "output")
        perm = _ints(self.perm)
        shape = tuple(x.get_shape())
        if sorted(perm) != list(range(len(shape))):
            raise VerifyException(
                f"nn.transpose: perm {list(perm)} is not a permutation of rank {len(shape)}"
            )
        expected = tuple(shape[p] for p in perm)
        if tuple(y.get_shape()) != expected:
            raise VerifyException(f"nn.transpose: the result must have shape {expected}")
        if x.element_type != y.element_type:
            raise VerifyException("nn.transpose: element types differ")


@irdl_op_definition
class StridedSliceOp(_NNOp):
    """Every ``strides[d]``-th element of each dimension ``d`` from ``begin[d]`` on (a
    negative stride walks backwards); the result type gives the count per dimension and has
    the input's rank (a frontend reshapes to drop or add axes). TFLite's SLICE,
    STRIDED_SLICE, SPLIT, SPLIT_V and UNPACK become this op."""

    name = "nn.strided_slice"
    input = operand_def(TensorType)
    begin = prop_def(DenseArrayBase[I64])
    strides = prop_def(DenseArrayBase[I64])
    output = result_def(TensorType)
    traits = traits_def(QuantRule(QuantKind.SAME_AS_INPUT), SliceAxes())

    def verify_(self) -> None:
        x, y = _tensor(self, "input"), _tensor(self, "output")
        shape, sizes = tuple(x.get_shape()), tuple(y.get_shape())
        begin, strides = _ints(self.begin), _ints(self.strides)
        if not len(shape) == len(sizes) == len(begin) == len(strides):
            raise VerifyException(
                f"nn.strided_slice: begin, strides and the result need the input's rank {len(shape)}"
            )
        if x.element_type != y.element_type:
            raise VerifyException("nn.strided_slice: element types differ")
        for d, (dim, size, b, s) in enumerate(zip(shape, sizes, begin, strides)):
            last = b + (size - 1) * s
            if s == 0 or size < 1 or not (0 <= b < dim and 0 <= last < dim):
                raise VerifyException(
                    f"nn.strided_slice: dimension {d}: {size} elements from {b} by {s} "
                    f"do not fit in {dim}"
                )


RESIZE_MODES = ("nearest", "linear")
RESIZE_COORDINATES = (
    "asymmetric",
    "align_corners",
    "half_pixel",
    "pytorch_half_pixel",
    "tf_half_pixel_for_nn",
)
RESIZE_NEAREST = ("floor", "ceil", "round_prefer_floor", "round_prefer_ceil")
RESIZE_CONVENTIONS = ("tflite", "onnx")


@irdl_op_definition
class ResizeOp(_NNOp):
    """Resizing of H and W of an NHWC tensor (the result type gives the new size).

    Output index ``x`` reads input coordinate ``c(x)`` of ``coordinate_mode`` (ONNX's
    names); ``mode`` "nearest" takes the element at ``c(x)`` rounded by ``nearest_mode``
    and clamped into the input, "linear" interpolates the two neighbours along each axis.
    ``convention`` says whose float arithmetic computes ``c(x)``: "tflite" multiplies by
    ``in / out`` (``(in - 1) / (out - 1)`` for align_corners) as TFLite's kernels do
    (nearest with align_corners rounds half away from zero, i.e. round_prefer_ceil);
    "onnx" divides by ``scales`` (output / input per H and W, the model's given factors
    when present, else the sizes' ratio) as the ONNX specification writes it."""

    name = "nn.resize"
    input = operand_def(TensorType)
    mode = prop_def(StringAttr)
    coordinate_mode = prop_def(StringAttr)
    nearest_mode = prop_def(StringAttr)
    convention = prop_def(StringAttr)
    scales = prop_def(DenseArrayBase[Float32Type])
    """``array<f32: scale_h, scale_w>``: output / input."""
    output = result_def(TensorType)
    traits = traits_def(QuantRule(QuantKind.SAME_AS_INPUT), LayoutSensitive())

    def verify_(self) -> None:
        x, y = _tensor(self, "input", 4), _tensor(self, "output", 4)
        xs, ys = x.get_shape(), y.get_shape()
        if xs[0] != ys[0] or xs[3] != ys[3]:
            raise VerifyException("nn.resize: batch and channels must stay")
        if x.element_type != y.element_type:
            raise VerifyException("nn.resize: element types differ")
        for name, allowed in (
            ("mode", RESIZE_MODES),
            ("coordinate_mode", RESIZE_COORDINATES),
            ("nearest_mode", RESIZE_NEAREST),
            ("convention", RESIZE_CONVENTIONS),
        ):
            value = getattr(self, name).data
            if value not in allowed:
                raise VerifyException(
                    f"nn.resize: {name} '{value}' is not one of {', '.join(allowed)}"
                )
        scales = self.scales.get_values()
        if len(scales) != 2 or any(not float(s) > 0.0 for s in scales):
            raise VerifyException("nn.resize: scales must hold two positive factors")


@irdl_op_definition
class GatherOp(_NNOp):
    """The elements of ``input`` at the constant ``indices`` along ``axis``: result
    index ``i`` of that axis is input index ``indices[i]``; the other axes stay (a frontend
    reshapes for indices of another rank)."""

    name = "nn.gather"
    input = operand_def(TensorType)
    axis = prop_def(IntegerAttr)
    indices = prop_def(DenseArrayBase[I64])
    output = result_def(TensorType)
    traits = traits_def(QuantRule(QuantKind.SAME_AS_INPUT), ConcatAxis())

    def verify_(self) -> None:
        x, y = _tensor(self, "input"), _tensor(self, "output")
        shape, out = tuple(x.get_shape()), tuple(y.get_shape())
        axis = self.axis.value.data
        indices = _ints(self.indices)
        if not 0 <= axis < len(shape):
            raise VerifyException(f"nn.gather: axis {axis} out of range for rank {len(shape)}")
        expected = (*shape[:axis], len(indices), *shape[axis + 1 :])
        if out != expected:
            raise VerifyException(f"nn.gather: the result must have shape {expected}")
        if any(not 0 <= i < shape[axis] for i in indices):
            raise VerifyException(f"nn.gather: indices must lie in [0, {shape[axis]})")
        if x.element_type != y.element_type:
            raise VerifyException("nn.gather: element types differ")


@irdl_op_definition
class TakeOp(_NNOp):
    """The slices of ``input`` at the ``indices`` computed at run time (an int32 tensor)
    along ``axis``: the result's shape is ``input.shape[:axis] + indices.shape +
    input.shape[axis + 1:]`` (TFLite GATHER and EMBEDDING_LOOKUP with variable indices,
    ONNX Gather, Keras Embedding). An index outside ``[0, input.shape[axis])`` stops the
    network's ``run`` with an error instead of reading outside the tensor."""

    name = "nn.take"
    input = operand_def(TensorType)
    indices = operand_def(TensorType)
    axis = prop_def(IntegerAttr)
    output = result_def(TensorType)
    traits = traits_def(
        QuantRule(QuantKind.SAME_AS_INPUT, constants=ConstantQuant.OWN_RANGE), LayoutSensitive()
    )

    def verify_(self) -> None:
        x, i, y = _tensor(self, "input"), _tensor(self, "indices"), _tensor(self, "output")
        shape, axis = tuple(x.get_shape()), self.axis.value.data
        if not 0 <= axis < len(shape):
            raise VerifyException(f"nn.take: axis {axis} out of range for rank {len(shape)}")
        if i.element_type != IntegerType(32):
            raise VerifyException("nn.take: the indices must be i32")
        expected = (*shape[:axis], *i.get_shape(), *shape[axis + 1 :])
        if tuple(y.get_shape()) != expected:
            raise VerifyException(f"nn.take: the result must have shape {expected}")
        if x.element_type != y.element_type:
            raise VerifyException("nn.take: element types differ")

    def index_limit(self) -> int:
        """The number of valid indices: the input's size along ``axis``."""
        return _tensor(self, "input").get_shape()[self.axis.value.data]


# ------------------------------------------------------------ reductions and norms


@irdl_op_definition
class LogSoftmaxOp(_NNOp):
    """Log-softmax over the last axis: ``x - max - log(sum(exp(x - max)))``; float only."""

    name = "nn.log_softmax"
    input = operand_def(TensorType)
    output = result_def(TensorType)
    traits = traits_def(QuantRule(QuantKind.FLOAT), LayoutSensitive())

    def verify_(self) -> None:
        x, y = _tensor(self, "input"), _tensor(self, "output")
        if tuple(x.get_shape()) != tuple(y.get_shape()):
            raise VerifyException("nn.log_softmax: input and result shapes differ")


class _ReduceOp(_NNOp):
    """A reduction over ``axes`` (sorted, distinct); with ``keep_dims`` they stay as 1s,
    else they are dropped (the result type gives the shape)."""

    input = operand_def(TensorType)
    axes = prop_def(DenseArrayBase[I64])
    keep_dims = prop_def(IntegerAttr)
    output = result_def(TensorType)

    def verify_(self) -> None:
        x, y = _tensor(self, "input"), _tensor(self, "output")
        shape = tuple(x.get_shape())
        axes = list(self.axes.get_values())
        if axes != sorted(set(axes)) or any(not 0 <= a < len(shape) for a in axes):
            raise VerifyException(f"{self.name}: axes {axes} are not distinct axes in order")
        if self.keep_dims.value.data:
            expected = tuple(1 if d in axes else n for d, n in enumerate(shape))
        else:
            expected = tuple(n for d, n in enumerate(shape) if d not in axes)
        if tuple(y.get_shape()) != expected:
            raise VerifyException(f"{self.name}: the result must have shape {expected}")
        if x.element_type != y.element_type and not isinstance(y.element_type, QuantType):
            raise VerifyException(f"{self.name}: element types differ")


@irdl_op_definition
class ReduceMaxOp(_ReduceOp):
    """The largest element (int8: of the codes, the result keeps the input's parameters)."""

    name = "nn.reduce_max"
    traits = traits_def(QuantRule(QuantKind.SAME_AS_INPUT), LayoutSensitive())


@irdl_op_definition
class ReduceMinOp(_ReduceOp):
    """The smallest element (as ``nn.reduce_max``)."""

    name = "nn.reduce_min"
    traits = traits_def(QuantRule(QuantKind.SAME_AS_INPUT), LayoutSensitive())


@irdl_op_definition
class ReduceSumOp(_ReduceOp):
    """The sum (int8: requantized to the output's own parameters)."""

    name = "nn.reduce_sum"
    traits = traits_def(QuantRule(QuantKind.OWN_RANGE), LayoutSensitive())


REDUCE_OPS = (ReduceMaxOp, ReduceMinOp, ReduceSumOp)


class _ArgOp(_NNOp):
    """The index of the largest (smallest) element along ``axis``, the first one on ties;
    the axis is dropped (or kept as a 1) and the result holds ``i32`` or ``i64`` indices. Float for stai's
    quantizer (an int8 input, as TFLite's converter writes it, compares the codes)."""

    input = operand_def(TensorType)
    axis = prop_def(IntegerAttr)
    output = result_def(TensorType)
    traits = traits_def(QuantRule(QuantKind.FLOAT), LayoutSensitive())

    def verify_(self) -> None:
        x, y = _tensor(self, "input"), _tensor(self, "output")
        shape = tuple(x.get_shape())
        axis = self.axis.value.data
        if not 0 <= axis < len(shape):
            raise VerifyException(f"{self.name}: axis {axis} out of range for rank {len(shape)}")
        expected = shape[:axis] + shape[axis + 1 :]
        kept = shape[:axis] + (1,) + shape[axis + 1 :]
        if tuple(y.get_shape()) not in (expected, kept):
            raise VerifyException(f"{self.name}: the result must have shape {expected}")
        e = y.element_type
        if not isinstance(e, IntegerType) or e.width.data not in (32, 64):
            raise VerifyException(f"{self.name}: the result must hold i32 or i64 indices")


@irdl_op_definition
class LayerNormOp(_NNOp):
    """Normalization over the axes from ``axis`` to the last: each group of those elements
    becomes ``(x - mean) / sqrt(variance + epsilon) * gamma + beta`` (the variance of the
    group, not corrected). ``gamma`` and ``beta`` hold one value per normalized element
    (the shape of the normalized axes) or one for all (``[1]``). Float only."""

    name = "nn.layer_norm"
    input = operand_def(TensorType)
    gamma = operand_def(TensorType)
    beta = operand_def(TensorType)
    axis = prop_def(IntegerAttr)
    epsilon = prop_def(FloatAttr)
    output = result_def(TensorType)
    traits = traits_def(QuantRule(QuantKind.FLOAT), LayoutSensitive())

    def verify_(self) -> None:
        x, y = _tensor(self, "input"), _tensor(self, "output")
        shape = tuple(x.get_shape())
        axis = self.axis.value.data
        if not 0 <= axis < len(shape):
            raise VerifyException(f"nn.layer_norm: axis {axis} out of range for rank {len(shape)}")
        if tuple(y.get_shape()) != shape:
            raise VerifyException("nn.layer_norm: input and result shapes differ")
        inner = int(np.prod(shape[axis:]))
        for name in ("gamma", "beta"):
            count = _tensor(self, name).element_count()
            if count not in (1, inner):
                raise VerifyException(f"nn.layer_norm: {name} must hold 1 or {inner} values")


@irdl_op_definition
class ArgMaxOp(_ArgOp):
    name = "nn.arg_max"


@irdl_op_definition
class ArgMinOp(_ArgOp):
    name = "nn.arg_min"
