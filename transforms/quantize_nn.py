"""``quantize-nn``: rewrite a calibrated float ``nn`` module to int8 (TFLite quantization spec).

Calibration (``stai.tools.quantize.calibrate``) writes the real range of every float tensor as a
discardable attribute ``nn.range = array<f32: lo, hi>`` on the op that defines it (and in
the argument attributes of ``@main`` for its inputs). How each op is quantized is its
``QuantRule`` trait (``dialects/nn_traits.py``). This pass then:

* gives every activation with a range an asymmetric per-tensor ``!nn.q<i8, s : zp>`` type
  (softmax and logistic outputs ``1/256 : -128``, tanh ``1/128 : 0``; pooling, reshape,
  pad, transpose and relu6 keep their input's parameters; concat inputs are requantized to the
  output's parameters);
* quantizes weights symmetrically (int8, zero point 0) per output channel: conv2d and
  fully_connected along axis 0, depthwise_conv2d along axis 3 (as the TFLite converter;
  ``per-channel-fc=false`` gives fully_connected one per-tensor scale instead, for
  runtimes without ``arm_fully_connected_per_channel_s8``); the bias becomes int32 with
  scale ``s_input * s_weight``;
* re-quantizes the int8 weights of hybrid layers (float activations, int8 weights) from
  their real values, so a dynamic-range model quantizes as a float one;
* quantizes the float constant operands of add, sub and mul (the scale and offset of an
  unfolded batch norm) per tensor over their own range, and a prelu's constant ``alpha``
  symmetrically per tensor (zero point 0, as the TFLite converter);
* rewrites a calibrated ``nn.swish`` as the TFLite converter does (there is no int8
  swish): ``nn.logistic`` (output ``1/256 : -128``) then ``nn.mul`` of the input by it,
  with the swish's own range;
* keeps ops with no int8 kernel in float, with ``nn.dequantize`` / ``nn.quantize`` around
  them (mixed precision): their names are listed in the module attribute
  ``nn.float_ops``;
* keeps float inputs and outputs (an ``nn.quantize`` after each input, an
  ``nn.dequantize`` before each output), or, with ``int8-io=true``, makes them int8.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from xdsl.context import Context
from xdsl.dialects.builtin import (
    ArrayAttr,
    DenseArrayBase,
    DictionaryAttr,
    Float32Type,
    FunctionType,
    IntegerType,
    ModuleOp,
    StringAttr,
    TensorType,
    f32,
)
from xdsl.dialects.func import FuncOp, ReturnOp
from xdsl.ir import Attribute, Block, Operation, SSAValue
from xdsl.passes import ModulePass
from xdsl.rewriter import InsertPoint, Rewriter

from stai.dialects import nn
from stai.dialects.nn_traits import ConstantQuant, QuantKind, quant_rule
from stai.errors import StaiError
from stai.transforms.canonicalize_nn import dequantize_array

RANGE_ATTR = "nn.range"
FLOAT_OPS_ATTR = "nn.float_ops"


def range_attr(lo: float, hi: float) -> DenseArrayBase:
    """The ``array<f32: lo, hi>`` calibration attribute."""
    return DenseArrayBase.from_list(f32, [float(lo), float(hi)])


def read_range(attr: Attribute | None) -> tuple[float, float] | None:
    """A calibrated ``[lo, hi]``; None without one, or when it is not finite (a tensor that
    holds -inf, as a ``masked_fill`` writes): such a tensor stays float."""
    if not isinstance(attr, DenseArrayBase):
        return None
    lo, hi = (float(v) for v in attr.get_values())
    return (lo, hi) if math.isfinite(lo) and math.isfinite(hi) else None


def activation_params(lo: float, hi: float) -> tuple[float, int]:
    """Asymmetric int8 scale and zero point covering ``[lo, hi]`` (widened to hold 0)."""
    lo, hi = min(float(lo), 0.0), max(float(hi), 0.0)
    if hi - lo < 1e-30:
        return 1.0, 0
    scale = float(np.float32((hi - lo) / 255.0))
    zero_point = int(np.clip(np.round(-128.0 - lo / scale), -128, 127))
    return scale, zero_point


def symmetric_scales(w: np.ndarray, axis: int | None) -> np.ndarray:
    """Per-channel (``axis``) or per-tensor (``None``) symmetric int8 scales of ``w``."""
    if axis is None:
        peak = np.array([np.max(np.abs(w))])
    else:
        peak = np.max(np.abs(np.moveaxis(w, axis, 0).reshape(w.shape[axis], -1)), axis=1)
    scales = (peak / 127.0).astype(np.float32)
    return np.where(scales > 0, scales, np.float32(1.0)).astype(np.float64)


def bias_safe_scales(
    scales: np.ndarray, bias: np.ndarray, n_weights: int, x: nn.QuantType
) -> np.ndarray:
    """Weight scales raised where needed so that the int32 accumulator cannot overflow:
    per output channel, |bias / (input scale x weight scale)| plus the largest
    |input - zero point| x sum|int8 weight| stays within INT32_MAX (the int8 kernels add
    without saturation). A channel whose weights are tiny beside its bias gets a coarser
    scale instead of a bias clipped at INT32_MAX."""
    b = np.abs(bias.astype(np.float64).reshape(-1))
    if b.size == 0:
        return scales
    per_channel = n_weights // b.size
    reach = max(abs(-128 - x.zero_point), abs(127 - x.zero_point))
    room = (2**31 - 1) - reach * 127 * per_channel
    if room <= 2**24:
        raise StaiError(
            f"a layer with {per_channel} weights per output channel can overflow the int32 "
            "accumulator of the int8 kernels"
        )
    # The scales are stored as float32 and the bias scale is their float32 product: keep a
    # margin of 2^-20 (a few float32 ulps) so that rounding cannot eat into the room.
    needed = b / (x.scale * room * (1.0 - 2.0**-20))
    if scales.size == 1:
        needed = np.array([needed.max()])
    return np.maximum(scales, needed)


def _round(x: np.ndarray) -> np.ndarray:
    """Round half away from zero."""
    return np.sign(x) * np.floor(np.abs(x) + 0.5)


def _f32_tensor(value: SSAValue) -> bool:
    t = value.type
    return isinstance(t, TensorType) and isinstance(t.element_type, Float32Type)


def _with_element(t: Attribute, element: Attribute) -> TensorType:
    assert isinstance(t, TensorType)
    return TensorType(element, t.get_shape())


def _q8(scale: float, zero_point: int) -> nn.QuantType:
    return nn.QuantType(IntegerType(8), [scale], [zero_point])


class _Quantizer:
    """Rewrites the body of one function."""

    def __init__(self, func: FuncOp, int8_io: bool, per_channel_fc: bool = True):
        self.func = func
        self.int8_io = int8_io
        self.per_channel_fc = per_channel_fc
        self.params: dict[SSAValue, nn.QuantType] = {}
        self.quantized: dict[tuple[SSAValue, nn.QuantType], SSAValue] = {}
        self.dequantized: dict[SSAValue, SSAValue] = {}
        self.float_ops: list[str] = []

    # --------------------------------------------------------------- parameters
    def arg_range(self, index: int) -> tuple[float, float] | None:
        attrs = self.func.arg_attrs
        if attrs is None:
            return None
        entry = attrs.data[index]
        return read_range(entry.data.get(RANGE_ATTR)) if isinstance(entry, DictionaryAttr) else None

    def plan(self, block: Block) -> None:
        """Choose the int8 type of every float activation that will be quantized."""
        for i, arg in enumerate(block.args):
            rng = self.arg_range(i)
            if _f32_tensor(arg) and rng is not None:
                self.params[arg] = _q8(*activation_params(*rng))
        for op in block.ops:
            rule = quant_rule(op)
            if rule.constants is ConstantQuant.SYMMETRIC:
                for v in op.operands[1:]:
                    self.plan_symmetric(v)
            if rule.constants is ConstantQuant.OWN_RANGE:
                for v in op.operands:
                    if isinstance(v.owner, nn.ConstantOp) and _f32_tensor(v):
                        values = v.owner.to_numpy()
                        lo, hi = (
                            (float(values.min()), float(values.max())) if values.size else (0, 0)
                        )
                        self.params[v] = _q8(*activation_params(lo, hi))
            if rule.kind is QuantKind.CONSTANT or len(op.results) != 1:
                continue
            out = op.results[0]
            if not _f32_tensor(out):
                continue
            if rule.output is not None:
                self.params[out] = _q8(*rule.output)
            elif rule.kind is QuantKind.SAME_AS_INPUT and op.operands[0] in self.params:
                self.params[out] = self.params[op.operands[0]]
            else:
                rng = read_range(op.attributes.get(RANGE_ATTR))
                if rng is not None:
                    self.params[out] = _q8(*activation_params(*rng))

    def plan_symmetric(self, value: SSAValue) -> None:
        """A float constant operand of a ``ConstantQuant.SYMMETRIC`` op (prelu's ``alpha``):
        symmetric int8, one scale (max |value| / 127)."""
        if isinstance(value.owner, nn.ConstantOp) and _f32_tensor(value):
            scale = float(symmetric_scales(value.owner.to_numpy().astype(np.float64), None)[0])
            self.params[value] = _q8(scale, 0)

    # ------------------------------------------------------------- conversions
    def as_quant(self, value: SSAValue, q: nn.QuantType, before: Operation) -> SSAValue:
        t = value.type
        assert isinstance(t, TensorType)
        if t.element_type == q:
            return value
        key = (value, q)
        if key not in self.quantized:
            owner = value.owner
            if isinstance(owner, nn.ConstantOp):  # a constant is quantized at compile time
                values = owner.to_numpy().astype(np.float64) / q.scale + q.zero_point
                data = np.clip(_round(values), -128, 127).astype(np.int8)
                conv: Operation = nn.ConstantOp(data, _with_element(t, q))
                conv.attributes.update(owner.attributes)
            else:
                conv = nn.QuantizeOp.build(operands=[value], result_types=[_with_element(t, q)])
            Rewriter.insert_op(conv, InsertPoint.before(before))
            self.quantized[key] = conv.results[0]
        return self.quantized[key]

    def as_float(self, value: SSAValue, before: Operation) -> SSAValue:
        """``value`` for a float op: an int8 value dequantized; a float, boolean or plain
        integer value as it is."""
        t = value.type
        assert isinstance(t, TensorType)
        if not isinstance(t.element_type, nn.QuantType):
            return value
        if value not in self.dequantized:
            conv = nn.DequantizeOp.build(operands=[value], result_types=[_with_element(t, f32)])
            Rewriter.insert_op(conv, InsertPoint.before(before))
            self.dequantized[value] = conv.results[0]
        return self.dequantized[value]

    def input_quant(self, value: SSAValue, op: Operation) -> nn.QuantType:
        q = self.params.get(value)
        if q is None:
            t = value.type
            assert isinstance(t, TensorType)
            if isinstance(t.element_type, nn.QuantType):
                return t.element_type
            raise StaiError(f"{op.name}: an input has no calibration range (run calibration)")
        return q

    # ---------------------------------------------------------------- rewrites
    def can_quantize(self, op: Operation) -> bool:
        rule = quant_rule(op)
        if not rule.int8 or len(op.results) != 1:
            return False
        if op.results[0] not in self.params:
            return False
        acts = op.operands[:1] if rule.kind is QuantKind.WEIGHTED else op.operands
        return all(v in self.params or not _f32_tensor(v) for v in acts)

    @staticmethod
    def real_value(const: nn.ConstantOp) -> np.ndarray:
        """The real values of a constant: float ones as they are, int8 ones of a hybrid
        layer (float activations, int8 weights) dequantized."""
        element = const.output.type.element_type
        if isinstance(element, nn.QuantType):
            return dequantize_array(const.to_numpy(), element).astype(np.float64)
        return const.to_numpy().astype(np.float64)

    def weight_axis(self, op: Operation) -> int | None:
        """The axis of the per-channel weight scales of ``op``, None for one scale."""
        if isinstance(op, nn.FullyConnectedOp) and not self.per_channel_fc:
            return None
        return quant_rule(op).weight_axis

    def quantize_weights(self, op: Operation, x: nn.QuantType) -> tuple[SSAValue, SSAValue]:
        filt, bias = op.operands[1], op.operands[2]
        w_op, b_op = filt.owner, bias.owner
        if not isinstance(w_op, nn.ConstantOp) or not isinstance(b_op, nn.ConstantOp):
            raise StaiError(f"{op.name}: weights and bias must be constants to quantize")
        w = self.real_value(w_op)
        b = self.real_value(b_op)
        axis = self.weight_axis(op)
        scales = bias_safe_scales(symmetric_scales(w, axis), b, w.size, x)
        shape = [1] * w.ndim
        if axis is not None:
            shape[axis] = -1
        qw = np.clip(_round(w / scales.reshape(shape)), -127, 127).astype(np.int8)
        bias_scales = np.array([float(np.float32(x.scale * s)) for s in scales])
        qb = np.clip(_round(b / bias_scales), -(2**31) + 1, 2**31 - 1).astype(np.int32)
        n = len(scales)
        w_type = nn.QuantType(
            IntegerType(8), list(scales), [0] * n, axis if axis is not None else -1
        )
        b_type = nn.QuantType(
            IntegerType(32), list(bias_scales), [0] * n, 0 if axis is not None else -1
        )
        new_w = nn.ConstantOp(qw, _with_element(filt.type, w_type))
        new_b = nn.ConstantOp(qb, _with_element(bias.type, b_type))
        for new, old in ((new_w, w_op), (new_b, b_op)):
            new.attributes.update(old.attributes)
            Rewriter.insert_op(new, InsertPoint.before(op))
        return new_w.output, new_b.output

    def quantize_op(self, op: Operation) -> None:
        out = op.results[0]
        q_out = self.params[out]
        rule = quant_rule(op)
        if rule.kind is QuantKind.WEIGHTED:
            x = self.input_quant(op.operands[0], op)
            new_x = self.as_quant(op.operands[0], x, op)
            w, b = self.quantize_weights(op, x)
            op.operands = [new_x, w, b]
        else:
            new = []
            for v in op.operands:
                if not _f32_tensor(v) and v not in self.params:
                    new.append(v)
                    continue
                q = q_out if rule.inputs_take_output else self.input_quant(v, op)
                new.append(self.as_quant(v, q, op))
            op.operands = new
        out._type = _with_element(out.type, q_out)  # in place: uses keep their value

    def keep_float(self, op: Operation) -> None:
        op.operands = [
            self.as_float(v, op) if isinstance(v.type, TensorType) else v for v in op.operands
        ]
        if op.name.startswith("nn.") and not isinstance(op, nn.ConstantOp):
            name = op.attributes.get("nn.name")
            label = name.data if isinstance(name, StringAttr) else op.name
            self.float_ops.append(f"{op.name} ({label})")

    def run(self) -> None:
        block = self.func.body.block
        for op in list(block.ops):
            if (
                quant_rule(op).kind is QuantKind.DECOMPOSED
                and RANGE_ATTR in op.attributes
                and _f32_tensor(op.operands[0])
            ):
                decompose(op)
        self.plan(block)
        if self.int8_io:
            for arg in block.args:
                if arg in self.params:
                    arg._type = _with_element(arg.type, self.params[arg])
        for op in list(block.ops):
            if isinstance(op, nn.ConstantOp):
                continue
            if isinstance(op, ReturnOp):
                if self.int8_io:
                    op.operands = [
                        self.as_quant(v, self.input_quant(v, op), op) if _f32_tensor(v) else v
                        for v in op.operands
                    ]
                else:
                    op.operands = [self.as_float(v, op) for v in op.operands]
                continue
            if self.can_quantize(op):
                self.quantize_op(op)
            else:
                self.keep_float(op)
        for op in list(block.ops):  # float weights that are no longer used
            if isinstance(op, nn.ConstantOp) and not op.output.uses:
                Rewriter.erase_op(op)
        ret = block.last_op
        assert ret is not None
        self.func.function_type = FunctionType.from_lists(
            [a.type for a in block.args], [v.type for v in ret.operands]
        )


def decompose(op: Operation) -> None:
    """Rewrite a calibrated ``QuantKind.DECOMPOSED`` op into ops that quantize."""
    if isinstance(op, nn.SwishOp):
        split_swish(op)
        return
    raise StaiError(f"{op.name}: declared DECOMPOSED, but quantize-nn has no rewrite for it")


def split_swish(op: nn.SwishOp) -> None:
    """Replace a float ``nn.swish`` by ``nn.logistic`` and ``nn.mul`` (input times its
    logistic); the mul takes the swish's attributes (its calibrated range, name, model
    operator), the logistic only its model operator."""
    t = op.output.type
    logistic = nn.LogisticOp.build(operands=[op.input], result_types=[t])
    mul = nn.MulOp.build(
        operands=[op.input, logistic.output],
        result_types=[t],
        properties={"activation": StringAttr("none")},
    )
    mul.attributes.update(op.attributes)
    if "nn.m_id" in op.attributes:
        logistic.attributes["nn.m_id"] = op.attributes["nn.m_id"]
    Rewriter.insert_op(logistic, InsertPoint.before(op))
    Rewriter.insert_op(mul, InsertPoint.before(op))
    mul.output.name_hint = op.output.name_hint
    op.output.replace_all_uses_with(mul.output)
    Rewriter.erase_op(op)


def float_ops(module: ModuleOp) -> list[str]:
    """The ops this pass left in float in ``module`` (its ``nn.float_ops`` attribute;
    empty when the pass has not run)."""
    attr = module.attributes.get(FLOAT_OPS_ATTR)
    if not isinstance(attr, ArrayAttr):
        return []
    return [a.data for a in attr.data if isinstance(a, StringAttr)]


@dataclass(frozen=True)
class QuantizeNNPass(ModulePass):
    """Quantize a calibrated float ``nn`` module to int8 (see the module docstring)."""

    name = "quantize-nn"

    int8_io: bool = False
    per_channel_fc: bool = True

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        float_ops: list[str] = []
        for func in op.ops:
            if isinstance(func, FuncOp):
                quantizer = _Quantizer(func, self.int8_io, self.per_channel_fc)
                quantizer.run()
                float_ops.extend(quantizer.float_ops)
        op.attributes[FLOAT_OPS_ATTR] = ArrayAttr([StringAttr(s) for s in float_ops])
