"""The base of the ``nn`` dialect (``stai.dialects.nn``): its element type ``!nn.q``, the
dense-data helpers, and what every ``nn`` op shares (``_NNOp``, the operand checks).

``dialects/nn.py`` assembles the one ``nn`` dialect from the type here and the ops of
``nn.py`` and its sibling modules (``nn_shapes.py``: data movement).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from xdsl.dialects.builtin import (
    I64,
    AnyDenseElement,
    ArrayAttr,
    BytesAttr,
    DenseArrayBase,
    DenseIntOrFPElementsAttr,
    Float32Type,
    FloatData,
    IntAttr,
    IntegerType,
    MemRefType,
    Signedness,
    TensorType,
    i64,
)
from xdsl.ir import Attribute, ParametrizedAttribute, TypeAttribute
from xdsl.irdl import (
    IRDLOperation,
    ParsePropInAttrDict,
    irdl_attr_definition,
    traits_def,
)
from xdsl.parser import AttrParser
from xdsl.printer import Printer
from xdsl.traits import Pure
from xdsl.utils.exceptions import VerifyException
from xdsl.utils.hints import isa

# --------------------------------------------------------------------------- types


@irdl_attr_definition
class QuantType(ParametrizedAttribute, TypeAttribute):
    """A uniformly quantized integer element type.

    Per tensor: ``!nn.q<i8, 0.5 : -128>``.
    Per channel along ``axis``: ``!nn.q<i8, axis 0, [0.1, 0.2] : [0, 0]>``.
    Scales are stored as exact doubles (TFLite keeps them as float32). The storage is a
    signless (two's complement) integer type, or ``ui8`` (``!nn.q<ui8, 0.5 : 128>``: the
    uint8 inputs and outputs of a converted model, zero points in [0, 255]).
    """

    name = "nn.q"

    storage: IntegerType
    scales: ArrayAttr[FloatData]
    zero_points: ArrayAttr[IntAttr]
    axis: IntAttr

    def __init__(
        self,
        storage: IntegerType,
        scales: Sequence[float],
        zero_points: Sequence[int],
        axis: int = -1,
    ):
        super().__init__(
            storage,
            ArrayAttr([FloatData(float(s)) for s in scales]),
            ArrayAttr([IntAttr(int(z)) for z in zero_points]),
            IntAttr(axis),
        )

    @property
    def per_channel(self) -> bool:
        return self.axis.data >= 0

    @property
    def scale(self) -> float:
        """The scale of a per-tensor type."""
        return self.scales.data[0].data

    @property
    def zero_point(self) -> int:
        """The zero point of a per-tensor type."""
        return self.zero_points.data[0].data

    def scale_list(self) -> list[float]:
        return [s.data for s in self.scales.data]

    def zero_point_list(self) -> list[int]:
        return [z.data for z in self.zero_points.data]

    def verify(self) -> None:
        if len(self.scales.data) != len(self.zero_points.data):
            raise VerifyException("nn.q: as many scales as zero points are expected")
        if not self.scales.data:
            raise VerifyException("nn.q: at least one scale is expected")
        if self.axis.data < 0 and len(self.scales.data) != 1:
            raise VerifyException("nn.q: a per-tensor type has exactly one scale")
        if any(not 0.0 < s.data < float("inf") for s in self.scales.data):
            raise VerifyException("nn.q: scales must be positive and finite")
        lo, hi = _storage_range(self.storage)
        if any(not lo <= z.data <= hi for z in self.zero_points.data):
            raise VerifyException("nn.q: zero point outside the storage type's range")

    @classmethod
    def parse_parameters(cls, parser: AttrParser) -> list[Attribute]:
        parser.parse_punctuation("<")
        storage = parser.parse_type()
        if not isinstance(storage, IntegerType):
            parser.raise_error("nn.q: the storage type must be an integer type")
        parser.parse_punctuation(",")
        axis = -1
        if parser.parse_optional_keyword("axis") is not None:
            axis = parser.parse_integer(allow_negative=False)
            parser.parse_punctuation(",")
            scales = parser.parse_comma_separated_list(parser.Delimiter.SQUARE, parser.parse_float)
            parser.parse_punctuation(":")
            zps = parser.parse_comma_separated_list(
                parser.Delimiter.SQUARE, lambda: parser.parse_integer(allow_boolean=False)
            )
        else:
            scales = [parser.parse_float()]
            parser.parse_punctuation(":")
            zps = [parser.parse_integer(allow_boolean=False)]
        parser.parse_punctuation(">")
        return [
            storage,
            ArrayAttr([FloatData(s) for s in scales]),
            ArrayAttr([IntAttr(z) for z in zps]),
            IntAttr(axis),
        ]

    def print_parameters(self, printer: Printer) -> None:
        printer.print_string("<")
        printer.print_attribute(self.storage)
        printer.print_string(", ")
        if self.per_channel:
            printer.print_string(f"axis {self.axis.data}, [")
            printer.print_string(", ".join(repr(s) for s in self.scale_list()))
            printer.print_string("] : [")
            printer.print_string(", ".join(str(z) for z in self.zero_point_list()))
            printer.print_string("]")
        else:
            printer.print_string(f"{self.scale!r} : {self.zero_point}")
        printer.print_string(">")


def _storage_range(storage: IntegerType) -> tuple[int, int]:
    """The values of a storage type: ``[0, 2^w - 1]`` unsigned, else two's complement."""
    width = storage.width.data
    if storage.signedness.data == Signedness.UNSIGNED:
        return 0, (1 << width) - 1
    return -(1 << (width - 1)), (1 << (width - 1)) - 1


def storage_type(element_type: Attribute) -> Attribute:
    """The machine type of an element type: ``i8`` for ``!nn.q<i8, ...>``, else itself."""
    return element_type.storage if isinstance(element_type, QuantType) else element_type


def is_quantized(tensor_type: Attribute) -> bool:
    return isinstance(tensor_type, TensorType) and isinstance(tensor_type.element_type, QuantType)


# ----------------------------------------------------------------------- helpers

ACTIVATIONS = ("none", "relu", "relu6", "relu_n1_to_1")
"""Fused activations: a clamp of the result (the TFLite set that kernels implement)."""


def _tensor(op: IRDLOperation, value_name: str, rank: int | None = None) -> TensorType:
    value = getattr(op, value_name)
    t = value.type
    if not isinstance(t, TensorType):
        raise VerifyException(f"{op.name}: {value_name} must be a tensor")
    if rank is not None and len(t.get_shape()) != rank:
        raise VerifyException(
            f"{op.name}: {value_name} must have rank {rank}, got {len(t.get_shape())}"
        )
    return t


def _check_float_or_quant(op: IRDLOperation, t: TensorType, what: str) -> None:
    if not isinstance(t.element_type, Float32Type | QuantType):
        raise VerifyException(f"{op.name}: {what} must hold f32 or !nn.q elements")


def _ints(attr: DenseArrayBase[I64] | None) -> tuple[int, ...]:
    return () if attr is None else attr.get_values()


def _check_len(op: IRDLOperation, attr_name: str, n: int) -> None:
    values = _ints(getattr(op, attr_name))
    if len(values) != n:
        raise VerifyException(f"{op.name}: {attr_name} must have {n} values, got {len(values)}")


class _NNOp(IRDLOperation):
    """Common format of ``nn`` ops: operands, attributes, and a functional type. They are
    pure; each declares its facts as traits (``dialects/nn_traits.py``)."""

    assembly_format = "operands attr-dict `:` functional-type(operands, results)"
    irdl_options = (ParsePropInAttrDict(),)
    traits = traits_def(Pure())


def _verify_activation(op: IRDLOperation) -> None:
    act = getattr(op, "activation", None)
    if act is not None and act.data not in ACTIVATIONS:
        raise VerifyException(
            f"{op.name}: unknown activation '{act.data}' (expected one of {', '.join(ACTIVATIONS)})"
        )


# ------------------------------------------------------------------------- ops

_NUMPY_OF = {
    "i1": np.bool_,
    "i4": np.int8,  # one value per byte, as xDSL's dense attributes hold i4
    "i8": np.int8,
    "ui8": np.uint8,
    "i16": np.int16,
    "i32": np.int32,
    "i64": np.int64,
    "f32": np.float32,
}


def numpy_dtype(element_type: Attribute) -> np.dtype:
    """The numpy dtype of a machine element type (``i8``, ``ui8``, ``i32``, ``f32``...;
    ``i1``: a boolean, one byte)."""
    t = storage_type(element_type)
    if isinstance(t, IntegerType):
        unsigned = t.signedness.data == Signedness.UNSIGNED
        key = f"{'ui' if unsigned else 'i'}{t.width.data}"
    elif isinstance(t, Float32Type):
        key = "f32"
    else:
        raise ValueError(f"no numpy dtype for {t}")
    if key not in _NUMPY_OF:
        raise ValueError(f"no numpy dtype for {t}")
    return np.dtype(_NUMPY_OF[key])


def dense_attr(shaped: TensorType | MemRefType, data: bytes) -> DenseIntOrFPElementsAttr:
    """The dense attribute of type ``shaped`` (integer or float elements) holding ``data``."""
    if not isa(shaped, TensorType[AnyDenseElement] | MemRefType[AnyDenseElement]):
        raise VerifyException(f"a dense attribute cannot hold the elements of {shaped}")
    return DenseIntOrFPElementsAttr(shaped, BytesAttr(data))


def dense_to_numpy(attr: DenseIntOrFPElementsAttr) -> np.ndarray:
    """The contents of a dense attribute as a numpy array of its shape."""
    t = attr.type
    dtype = numpy_dtype(t.element_type)
    data = np.frombuffer(attr.data.data, dtype=dtype)
    shape = tuple(t.get_shape())
    if data.size == 1 and int(np.prod(shape)) != 1:  # splat
        return np.full(shape, data[0], dtype=dtype)
    return data.reshape(shape)


def i64_array(values: Sequence[int]) -> DenseArrayBase[I64]:
    """A ``array<i64: ...>`` property (strides, pads, ...)."""
    return DenseArrayBase.from_list(i64, list(values))
