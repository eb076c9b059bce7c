"""Checks of what a model file declares, shared by the frontends.

Quantization parameters must be usable by stai's integer arithmetic (finite, positive,
normal float32 scales; zero points inside the storage type's range), every tensor must
fit in a 32-bit MCU's address space and the int32 accumulators of the imported int8
kernels must not overflow. Each check raises a one-line `StaiError` naming the tensor or
op, before anything is built from the bad value.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

import numpy as np
from xdsl.dialects.builtin import IntegerAttr, ModuleOp, TensorType
from xdsl.ir import Attribute, SSAValue

from stai.dialects import nn
from stai.errors import StaiError

MAX_TENSOR_SIZE = 1 << 31
"""Tensors of this many bytes or elements (or more) cannot be addressed by a 32-bit MCU."""

_MIN_SCALE = float(np.finfo(np.float32).tiny)
"""The smallest normal float32: smaller scales lose precision (and their products vanish)."""

_MAX_SCALE = float(np.finfo(np.float32).max)
"""The largest float32: a scale given in double precision must be stored as float32."""


def check_quant(
    where: str, scales: Iterable[float], zero_points: Iterable[int], bits: int | None
) -> None:
    """Raise `StaiError` if a scale is not a finite normal positive float32 or a zero point
    is outside the range of ``bits``-bit signed storage (``where`` names the tensor; no
    zero point check when ``bits`` is None)."""
    for s in scales:
        s = float(s)
        if not math.isfinite(s) or s <= 0.0:
            raise StaiError(f"{where}: quantization scale {s:g} is not a positive finite number")
        if s < _MIN_SCALE:
            raise StaiError(
                f"{where}: quantization scale {s:g} is too small (below {_MIN_SCALE:g})"
            )
        if s > _MAX_SCALE:
            raise StaiError(
                f"{where}: quantization scale {s:g} is too large for float32 (above {_MAX_SCALE:g})"
            )
    if bits is None:
        return
    lo, hi = -(1 << (bits - 1)), (1 << (bits - 1)) - 1
    for z in zero_points:
        if not lo <= int(z) <= hi:
            raise StaiError(f"{where}: zero point {int(z)} is outside the int{bits} range")


def check_size(where: str, shape: Sequence[int], itemsize: int) -> None:
    """Raise `StaiError` if a tensor of ``shape`` has 2^31 elements or bytes or more."""
    count = math.prod(int(d) for d in shape)
    size = count * itemsize
    if count >= MAX_TENSOR_SIZE or size >= MAX_TENSOR_SIZE:
        raise StaiError(f"{where} has {size} bytes: too big for a 32-bit MCU")


def check_accumulators(module: ModuleOp, name: str) -> None:
    """Refuse an imported int8 conv / depthwise conv / fully connected whose int32
    accumulator can overflow: for some output channel, |bias| + max|input - zero point| *
    sum|filter - filter zero point| exceeds INT32_MAX (the int8 kernels, as TFLite Micro's
    reference ones, add in int32 without saturation)."""
    for op in module.walk():
        if not isinstance(op, nn.Conv2DOp | nn.DepthwiseConv2DOp | nn.FullyConnectedOp):
            continue
        x, w = _element(op.input), _element(op.filter)
        filt, bias = op.filter.owner, op.bias.owner
        if not isinstance(x, nn.QuantType) or not isinstance(w, nn.QuantType) or x.per_channel:
            continue
        if x.storage.width.data != 8:  # 16x8 layers accumulate in int64
            continue
        if not isinstance(filt, nn.ConstantOp) or not isinstance(bias, nn.ConstantOp):
            continue
        axis = 3 if isinstance(op, nn.DepthwiseConv2DOp) else 0
        w_zp = 0 if w.per_channel else w.zero_point
        weights = filt.to_numpy().astype(np.int64) - w_zp
        if weights.ndim <= axis:
            continue
        weights = np.moveaxis(weights, axis, 0).reshape(weights.shape[axis], -1)
        b = bias.to_numpy().astype(np.int64).reshape(-1)
        if b.size != weights.shape[0]:
            continue
        reach = max(abs(-128 - x.zero_point), abs(127 - x.zero_point))
        worst = np.abs(b) + reach * np.abs(weights).sum(axis=1)
        c = int(np.argmax(worst))
        if int(worst[c]) >= MAX_TENSOR_SIZE:
            m_id = op.attributes.get("nn.m_id")
            where = f" (operator {m_id.value.data})" if isinstance(m_id, IntegerAttr) else ""
            raise StaiError(
                f"{name}: {op.name}{where}: bias {int(b[c])} of output channel {c} can "
                "overflow the int32 accumulator (|bias| + the largest |input x filter| sum "
                f"reaches {int(worst[c])})"
            )


def _element(value: SSAValue) -> Attribute:
    t = value.type
    return t.element_type if isinstance(t, TensorType) else t
