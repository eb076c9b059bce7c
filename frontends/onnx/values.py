"""What an ONNX tensor is during import: a constant, a quantized constant, an ``nn`` value,
or an int8 ``nn`` value that the ONNX graph reads as its dequantized float values.

ONNX quantized tensors may be uint8: they become int8 with the zero point minus 128 (the
same real values), so that every int8 kernel serves both.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import DTypeLike
from xdsl.dialects.builtin import IntegerType, TensorType
from xdsl.ir import SSAValue

from stai.dialects import nn

from ..checks import check_quant


@dataclass
class Const:
    """A tensor known at compile time (an initializer, a Constant or a folded node)."""

    array: np.ndarray


@dataclass
class QConst:
    """``DequantizeLinear`` of a constant: integers and their quantization."""

    q: np.ndarray
    """int8 (uint8 shifted by -128) or int32 values."""
    qtype: nn.QuantType

    def real(self) -> np.ndarray:
        """The float32 values ``(q - zero_point) * scale``, as ONNX Runtime computes them."""
        scales = np.asarray(self.qtype.scale_list(), dtype=np.float32)
        zps = np.asarray(self.qtype.zero_point_list(), dtype=np.int64)
        if self.qtype.per_channel:
            shape = [1] * self.q.ndim
            shape[self.qtype.axis.data] = -1
            scales, zps = scales.reshape(shape), zps.reshape(shape)
        return ((self.q.astype(np.int64) - zps).astype(np.float32) * scales).astype(np.float32)


@dataclass
class Val:
    """An ``nn`` value holding the tensor itself (f32, or int8 for an ONNX integer tensor)."""

    value: SSAValue


@dataclass
class Deq:
    """An int8 ``nn`` value that ONNX reads as float: ``DequantizeLinear`` of it."""

    value: SSAValue


Entry = Const | QConst | Val | Deq


def tensor_type(value: SSAValue) -> TensorType:
    t = value.type
    assert isinstance(t, TensorType)
    return t


def shape_of(value: SSAValue) -> tuple[int, ...]:
    return tuple(tensor_type(value).get_shape())


def quant_of(value: SSAValue) -> nn.QuantType | None:
    e = tensor_type(value).element_type
    return e if isinstance(e, nn.QuantType) else None


def make_qtype(
    scales: np.ndarray,
    zero_points: np.ndarray,
    dtype: DTypeLike,
    axis: int = -1,
    where: str = "quantization parameters",
) -> nn.QuantType:
    """An ``!nn.q`` type from ONNX scales and zero points of an int8/uint8/int32 tensor;
    `StaiError` (starting with ``where``) if they are unusable (`checks.check_quant`)."""
    scales = np.asarray(scales, dtype=np.float64).reshape(-1)
    zps = np.asarray(zero_points, dtype=np.int64).reshape(-1)
    if zps.size == 1 and scales.size > 1:
        zps = np.full(scales.size, zps[0])
    if np.dtype(dtype) == np.uint8:
        zps = zps - 128
    bits = 32 if np.dtype(dtype) == np.int32 else 8
    per_channel = scales.size > 1 and axis >= 0
    check_quant(where, [float(s) for s in scales], [int(z) for z in zps], bits)
    scale_list = [float(np.float32(s)) for s in scales]
    check_quant(where, scale_list, [], None)  # a double rounding below float32's normals
    return nn.QuantType(
        IntegerType(bits), scale_list, [int(z) for z in zps], axis if per_channel else -1
    )


def to_signed(q: np.ndarray) -> np.ndarray:
    """uint8 codes as int8 codes of the same real values (minus 128); others unchanged."""
    if q.dtype == np.uint8:
        return (q.astype(np.int16) - 128).astype(np.int8)
    return q
