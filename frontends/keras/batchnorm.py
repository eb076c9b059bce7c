"""Folding of batch normalizations into the convolution or dense layer before them.

The Keras frontend emits a batch normalization as ``nn.mul`` by a per-channel scale then
``nn.add`` of a per-channel shift (``scale = gamma / sqrt(variance + epsilon)``, ``shift
= beta - mean * scale``), both tagged with ``nn.batch_norm``. Where the multiplied value is
the result of an ``nn.conv2d``, ``nn.depthwise_conv2d`` or ``nn.fully_connected`` without
a fused activation (or a reshape of it keeping the channels last), used by nothing else,
and with constant weights used by nothing else, the scale multiplies the weights of each
output channel and the bias becomes ``bias * scale + shift``: the mul and the add
disappear, and the batch norm's ``nn.m_id`` joins the producer's ``nn.fused_m_ids``.
"""

from __future__ import annotations

import numpy as np
from xdsl.dialects import func
from xdsl.dialects.builtin import ArrayAttr, IntegerAttr, StringAttr, TensorType, f32, i64
from xdsl.ir import Operation, SSAValue
from xdsl.rewriter import InsertPoint, Rewriter

from stai.dialects import nn

BN_ATTR = "nn.batch_norm"
"""Marks the ``scale`` (mul) and ``shift`` (add) halves of an unfolded batch normalization."""

_FOLDABLE = (nn.Conv2DOp, nn.DepthwiseConv2DOp, nn.FullyConnectedOp)
Foldable = nn.Conv2DOp | nn.DepthwiseConv2DOp | nn.FullyConnectedOp
"""The ops a batch normalization after them folds into (filter, bias, activation)."""


def _single_use_constant(value: SSAValue) -> nn.ConstantOp | None:
    owner = value.owner
    if isinstance(owner, nn.ConstantOp) and owner.output.uses.get_length() == 1:
        return owner
    return None


def _scaled_filter(op: Operation, filt: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """The filter with each output channel multiplied by its scale."""
    if isinstance(op, nn.DepthwiseConv2DOp):  # [1, kh, kw, out]
        return filt * scale.reshape(1, 1, 1, -1)
    return filt * scale.reshape((-1,) + (1,) * (filt.ndim - 1))  # [out, ...]


def _replace_constant(old: nn.ConstantOp, array: np.ndarray) -> None:
    data = np.ascontiguousarray(array.astype(np.float32))
    new = nn.ConstantOp(data, TensorType(f32, list(data.shape)))
    new.attributes.update(old.attributes)
    Rewriter.insert_op(new, InsertPoint.before(old))
    old.output.replace_all_uses_with(new.output)
    Rewriter.erase_op(old)


def _producer(value: SSAValue) -> Foldable | None:
    """The conv / dense op computing ``value`` (used only there), possibly through one
    ``nn.reshape`` that keeps the channel axis last (a Conv1D's result)."""
    if value.uses.get_length() != 1:
        return None
    owner = value.owner
    if isinstance(owner, nn.ReshapeOp):
        inner = owner.input
        in_type, out_type = inner.type, value.type
        assert isinstance(in_type, TensorType) and isinstance(out_type, TensorType)
        if in_type.get_shape()[-1] != out_type.get_shape()[-1] or inner.uses.get_length() != 1:
            return None
        owner = inner.owner
    return owner if isinstance(owner, _FOLDABLE) else None


def _record_fused(producer: Operation, mul: nn.MulOp) -> None:
    """Append the batch norm's ``nn.m_id`` to the producer's ``nn.fused_m_ids``."""
    m_id = mul.attributes.get("nn.m_id")
    if not isinstance(m_id, IntegerAttr):
        return
    previous = producer.attributes.get("nn.fused_m_ids")
    ids = list(previous.data) if isinstance(previous, ArrayAttr) else []
    producer.attributes["nn.fused_m_ids"] = ArrayAttr([*ids, IntegerAttr(m_id.value.data, i64)])


def _try_fold(mul: nn.MulOp) -> bool:
    """Fold one batch normalization (``mul`` and the ``add`` using it); True if done."""
    uses = list(mul.output.uses)
    if len(uses) != 1 or not isinstance(uses[0].operation, nn.AddOp):
        return False
    add = uses[0].operation
    producer = _producer(mul.lhs)
    if producer is None:
        return False
    if producer.activation.data != "none":
        return False
    scale_op, shift_op = _single_use_constant(mul.rhs), _single_use_constant(add.rhs)
    filt_op, bias_op = _single_use_constant(producer.filter), _single_use_constant(producer.bias)
    if None in (scale_op, shift_op, filt_op, bias_op):
        return False
    assert scale_op and shift_op and filt_op and bias_op
    scale = scale_op.to_numpy().astype(np.float64).reshape(-1)
    shift = shift_op.to_numpy().astype(np.float64).reshape(-1)
    filt = filt_op.to_numpy().astype(np.float64)
    bias = bias_op.to_numpy().astype(np.float64)
    if scale.shape != bias.shape or shift.shape != bias.shape:
        return False
    _replace_constant(filt_op, _scaled_filter(producer, filt, scale))
    _replace_constant(bias_op, bias * scale + shift)
    add.output.replace_all_uses_with(mul.lhs)
    _record_fused(producer, mul)
    for op in (add, mul, scale_op, shift_op):
        Rewriter.erase_op(op)
    return True


def fold_batch_norms(main: func.FuncOp) -> int:
    """Fold every foldable batch normalization of ``main``; returns how many were folded.

    The ones left keep their mul and add (without the ``nn.batch_norm`` tag)."""
    folded = 0
    for op in list(main.body.block.ops):
        scale = op.attributes.get(BN_ATTR) == StringAttr("scale")
        if isinstance(op, nn.MulOp) and scale and _try_fold(op):
            folded += 1
    for op in main.body.block.ops:
        op.attributes.pop(BN_ATTR, None)
    return folded
