"""``qnn`` ops that pick or interpolate elements by index (registered in the ``QNN``
dialect of ``stai.dialects.qnn``): resizing, gathering, reductions, layer
normalization and log-softmax.

Their index arithmetic is computed at compile time where it can be (the nearest
neighbour's source rows and columns, the gathered indices are tables); the kernels are in
``runtime/include/stai_kernels_indexing.h``.
"""

from __future__ import annotations

from typing import ClassVar, cast

from xdsl.dialects.builtin import (
    AnyFloat,
    DenseArrayBase,
    Float32Type,
    FloatAttr,
    IntegerAttr,
    IntegerType,
    StringAttr,
)
from xdsl.irdl import irdl_op_definition, opt_prop_def
from xdsl.utils.exceptions import VerifyException

from stai.dialects import qnn_params as qp
from stai.dialects.qnn_base import InPlace, KernelOp, NoParams, ParamsSpec, count_of, shape_of


class _Resize(KernelOp):
    """Resizing of H and W of an NHWC tensor; batch and channels stay."""

    S8_PARAMS: ClassVar[ParamsSpec] = NoParams
    F32_PARAMS: ClassVar[ParamsSpec] = NoParams
    IN_PLACE: ClassVar[InPlace] = "no"
    SCRATCH: ClassVar[str] = "none"

    def verify_(self) -> None:
        super().verify_()
        x, y = shape_of(self.ins[0]), shape_of(self.output_type)
        if len(x) != 4 or len(y) != 4 or x[0] != y[0] or x[3] != y[3]:
            raise VerifyException(f"{self.name}: NHWC input and output of equal N and C expected")


@irdl_op_definition
class ResizeNearestOp(_Resize):
    """Nearest-neighbour resizing (any element type): ``stai_resize_nearest``. Output row
    ``y`` copies input row ``rows[y]``, output column ``x`` input column ``cols[x]``
    (``array<i32: ...>``, computed at compile time with the framework's arithmetic)."""

    name = "qnn.resize_nearest"
    rows = opt_prop_def(DenseArrayBase)
    cols = opt_prop_def(DenseArrayBase)
    GEOMETRY: ClassVar[tuple[str, ...]] = ("rows", "cols")
    S16_PARAMS: ClassVar[ParamsSpec] = NoParams

    def verify_(self) -> None:
        super().verify_()
        x, y = shape_of(self.ins[0]), shape_of(self.output_type)
        for name, size, limit in (("rows", y[1], x[1]), ("cols", y[2], x[2])):
            values = self.ints(name)
            if len(values) != size or any(not 0 <= v < limit for v in values):
                raise VerifyException(
                    f"{self.name}: '{name}' must hold {size} indices below {limit}"
                )

    def macc(self) -> int:
        return 0


@irdl_op_definition
class ResizeBilinearOp(_Resize):
    """Bilinear resizing as TFLite's reference kernels compute it: ``stai_resize_bilinear_s8``
    (integer, 10 fractional bits; ``coefficients = array<i32: scale_h, scale_w,
    half_pixel>``, the scales in 1/1024) / ``stai_resize_bilinear_f32``
    (``coefficients = array<f32: scale_h, scale_w, offset>``: input coordinate
    ``(x + offset) * scale - offset``)."""

    name = "qnn.resize_bilinear"
    coefficients = opt_prop_def(DenseArrayBase)
    GEOMETRY: ClassVar[tuple[str, ...]] = ("coefficients",)

    def coefficient_values(self) -> tuple[float, ...]:
        """The three coefficients (integers for int8)."""
        assert self.coefficients is not None
        attr = self.coefficients
        if isinstance(attr.elt_type, IntegerType):
            return tuple(float(v) for v in cast(DenseArrayBase[IntegerType], attr).get_values())
        return tuple(cast(DenseArrayBase[AnyFloat], attr).get_values())

    def verify_(self) -> None:
        super().verify_()
        assert self.coefficients is not None
        element = self.coefficients.elt_type
        want = Float32Type if self.kind == "f32" else IntegerType
        if not isinstance(element, want) or len(self.coefficients) != 3:
            kind = "f32" if self.kind == "f32" else "i32"
            raise VerifyException(f"{self.name}: 'coefficients' must be array<{kind}: 3 values>")

    def macc(self) -> int:
        """Four products per output element."""
        return 4 * self._output_count()


@irdl_op_definition
class GatherOp(KernelOp):
    """Elements at constant indices along ``axis`` (any element type): ``stai_gather``.
    Result index ``i`` of the axis is input index ``indices[i]`` (``array<i32: ...>``)."""

    name = "qnn.gather"
    axis = opt_prop_def(IntegerAttr)
    indices = opt_prop_def(DenseArrayBase)
    GEOMETRY: ClassVar[tuple[str, ...]] = ("axis", "indices")
    S8_PARAMS: ClassVar[ParamsSpec] = NoParams
    F32_PARAMS: ClassVar[ParamsSpec] = NoParams
    IN_PLACE: ClassVar[InPlace] = "no"
    SCRATCH: ClassVar[str] = "none"

    def verify_(self) -> None:
        super().verify_()
        assert self.axis is not None
        x, y = shape_of(self.ins[0]), shape_of(self.output_type)
        axis = self.axis.value.data
        indices = self.ints("indices")
        if not 0 <= axis < len(x) or y != (*x[:axis], len(indices), *x[axis + 1 :]):
            raise VerifyException(
                f"{self.name}: the output must be the input with {len(indices)} elements along axis {axis}"
            )
        if any(not 0 <= i < x[axis] for i in indices):
            raise VerifyException(f"{self.name}: indices must lie in [0, {x[axis]})")

    def macc(self) -> int:
        return 0


@irdl_op_definition
class TakeOp(KernelOp):
    """Slices at run-time indices along ``axis``: inputs ``x`` and the int32 ``indices``;
    ``stai_gather`` reads the indices from the arena and returns an error for one outside
    ``[0, x.shape[axis])``, which ends ``run``. Float and int8 (one quantization for input
    and output), as TFLite Micro's GATHER."""

    name = "qnn.take"
    axis = opt_prop_def(IntegerAttr)
    NUM_INS: ClassVar[int | None] = 2
    GEOMETRY: ClassVar[tuple[str, ...]] = ("axis",)
    S8_PARAMS: ClassVar[ParamsSpec] = NoParams
    F32_PARAMS: ClassVar[ParamsSpec] = NoParams
    IN_PLACE: ClassVar[InPlace] = "no"
    SCRATCH: ClassVar[str] = "none"

    def verify_(self) -> None:
        super().verify_()
        assert self.axis is not None
        x, i, y = shape_of(self.ins[0]), shape_of(self.ins[1]), shape_of(self.output_type)
        axis = self.axis.value.data
        if not 0 <= axis < len(x) or y != (*x[:axis], *i, *x[axis + 1 :]):
            raise VerifyException(
                f"{self.name}: the output must be the input with the indices' shape at axis {axis}"
            )

    def macc(self) -> int:
        return 0


class _Reduce(KernelOp):
    """A reduction over ``axes`` (``array<i64: ...>`` of the input's axes, rank <= 4); the
    output holds the other axes in order (kept as 1s or dropped: the same bytes)."""

    axes = opt_prop_def(DenseArrayBase)
    IN_PLACE: ClassVar[InPlace] = "no"
    SCRATCH: ClassVar[str] = "none"

    def verify_(self) -> None:
        super().verify_()
        x = shape_of(self.ins[0])
        axes = self.ints("axes")
        if len(x) > 4 or any(not 0 <= a < len(x) for a in axes):
            raise VerifyException(f"{self.name}: axes {list(axes)} of a rank-{len(x)} input")
        kept = [n for d, n in enumerate(x) if d not in axes]
        if [n for n in shape_of(self.output_type) if n != 1] != [n for n in kept if n != 1]:
            raise VerifyException(f"{self.name}: the output must hold the axes not reduced")

    def macc(self) -> int:
        """One per input element."""
        return count_of(self.ins[0])


@irdl_op_definition
class ReduceOp(_Reduce):
    """The largest or smallest element (``function`` ``max`` / ``min``):
    ``stai_reduce_{max,min}_{s8,f32}`` (int8 compares the codes, as TFLite Micro)."""

    name = "qnn.reduce"
    function = opt_prop_def(StringAttr)
    GEOMETRY: ClassVar[tuple[str, ...]] = ("axes", "function")
    S8_PARAMS: ClassVar[ParamsSpec] = NoParams
    F32_PARAMS: ClassVar[ParamsSpec] = NoParams

    def verify_(self) -> None:
        super().verify_()
        assert self.function is not None
        if self.function.data not in ("max", "min"):
            raise VerifyException(f"{self.name}: function must be max or min")


@irdl_op_definition
class ReduceSumOp(_Reduce):
    """The sum: ``stai_reduce_sum_f32``; int8 ``stai_reduce_sum_s8``: the int32 sum of the
    offset codes, one requantization to the output (TFLite Micro's arithmetic)."""

    name = "qnn.reduce_sum"
    GEOMETRY: ClassVar[tuple[str, ...]] = ("axes",)
    S8_PARAMS: ClassVar[ParamsSpec] = qp.RequantizeS8Params
    F32_PARAMS: ClassVar[ParamsSpec] = NoParams


@irdl_op_definition
class ArgOp(KernelOp):
    """The index of the largest (``function`` ``max``) or smallest (``min``) element
    along ``axis``, the first on ties: ``stai_arg_{max,min}_{s8,f32}``; the output holds
    int32 or int64 indices."""

    name = "qnn.arg"
    function = opt_prop_def(StringAttr)
    axis = opt_prop_def(IntegerAttr)
    GEOMETRY: ClassVar[tuple[str, ...]] = ("function", "axis")
    S8_PARAMS: ClassVar[ParamsSpec] = NoParams
    F32_PARAMS: ClassVar[ParamsSpec] = NoParams
    IN_PLACE: ClassVar[InPlace] = "no"
    SCRATCH: ClassVar[str] = "none"

    def verify_(self) -> None:
        super().verify_()
        assert self.function is not None and self.axis is not None
        if self.function.data not in ("max", "min"):
            raise VerifyException(f"{self.name}: function must be max or min")
        x, axis = shape_of(self.ins[0]), self.axis.value.data
        out = shape_of(self.output_type)
        if not 0 <= axis < len(x) or out not in (
            x[:axis] + x[axis + 1 :],
            x[:axis] + (1,) + x[axis + 1 :],
        ):
            raise VerifyException(f"{self.name}: the output must be the input without axis {axis}")

    def macc(self) -> int:
        """One comparison per input element."""
        return count_of(self.ins[0])


@irdl_op_definition
class LayerNormOp(KernelOp):
    """Layer normalization (float only): ``stai_layer_norm_f32``. Inputs x, gamma, beta;
    ``axis``: the first normalized axis; ``epsilon`` (f32). ``gamma`` and ``beta`` hold
    one value per normalized element or one for all."""

    name = "qnn.layer_norm"
    axis = opt_prop_def(IntegerAttr)
    epsilon = opt_prop_def(FloatAttr)
    NUM_INS: ClassVar[int | None] = 3
    GEOMETRY: ClassVar[tuple[str, ...]] = ("axis", "epsilon")
    S8_PARAMS: ClassVar[ParamsSpec] = None
    F32_PARAMS: ClassVar[ParamsSpec] = NoParams
    IN_PLACE: ClassVar[InPlace] = "no"
    SCRATCH: ClassVar[str] = "none"
    OPERAND_ROLES: ClassVar[tuple[str, ...]] = ("input", "gamma", "beta")

    def macc(self) -> int:
        """A sum, a sum of squares and a scaling per element."""
        return 3 * count_of(self.ins[0])


@irdl_op_definition
class LogSoftmaxOp(KernelOp):
    """Log-softmax over the last axis (float only): ``stai_log_softmax_f32``."""

    name = "qnn.log_softmax"
    S8_PARAMS: ClassVar[ParamsSpec] = None
    F32_PARAMS: ClassVar[ParamsSpec] = NoParams
    IN_PLACE: ClassVar[InPlace] = "no"
    SCRATCH: ClassVar[str] = "none"

    def macc(self) -> int:
        """A max, an exponential-and-sum and a subtraction per element."""
        return 3 * count_of(self.ins[0])


INDEXING_OPS = (
    ResizeNearestOp,
    ResizeBilinearOp,
    GatherOp,
    ReduceOp,
    ReduceSumOp,
    ArgOp,
    TakeOp,
    LayerNormOp,
    LogSoftmaxOp,
)
"""The ops of this module, in the order the ``QNN`` dialect lists them."""
