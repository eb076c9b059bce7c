"""Translation of a read TFLite model (`reader.TflModel`) into the ``nn`` dialect.

The result is a ``builtin.module`` with one ``func.func @main``: the model's inputs are
its arguments, its outputs the operands of ``func.return``, both in model order and
named with ``{nn.name = "..."}``. Every ``nn`` op carries ``nn.m_id`` (the index of the
TFLite operator it comes from) and, for an operator's result, ``nn.name`` (the output
tensor's name). Constants are created where first used; constants read only as shape
operands (reshape shapes, pad amounts, mean axes) are not emitted.

Hybrid models (symmetric int8 constant weights feeding float operators, as the converter's
dynamic-range quantization writes them): LiteRT runs CONV_2D, FULLY_CONNECTED and
DEPTHWISE_CONV_2D with hybrid kernels that quantize the float input at run time, so these
keep their int8 weights (an ``nn`` op with an f32 input and an ``!nn.q<i8, ...>`` filter)
and are lowered to stai's hybrid kernels, which repeat LiteRT's arithmetic:

* CONV_2D: per batch, symmetric input quantization with one filter scale, asymmetric
  with per-channel scales;
* FULLY_CONNECTED: per row, symmetric or asymmetric as its ``asymmetric_quantize_inputs``
  option says (``nn.fully_connected`` gets the ``asymmetric_inputs`` property), one filter
  scale or one per output; ``keep_num_dims`` keeps the input's leading axes as for float;
* DEPTHWISE_CONV_2D: per batch, asymmetric, with per-channel scales (one per output
  channel, which the converter writes). A per-tensor (single-scale) int8 depthwise filter
  is dequantized at compile time instead: LiteRT's reference kernel reads one scale per
  channel, past the end of a single-scale array, so it has no defined result to match.

Weights behind DEQUANTIZE (int8 or float16) are folded into f32 constants, as LiteRT
dequantizes them before a float kernel. Other float operators with int8 constant inputs
get them dequantized at compile time.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

import numpy as np
from xdsl.dialects import func
from xdsl.dialects.builtin import (
    ArrayAttr,
    DictionaryAttr,
    FloatAttr,
    IntegerAttr,
    IntegerType,
    ModuleOp,
    StringAttr,
    TensorType,
    UnitAttr,
    f32,
    i64,
)
from xdsl.ir import Attribute, Block, Operation, Region, SSAValue
from xdsl.irdl import IRDLOperation
from xdsl.utils.exceptions import VerifyException

from stai.dialects import nn
from stai.errors import StaiError

from ..checks import check_accumulators, check_quant, check_size
from .reader import TflModel, TflOperator, TflQuant

_NUMPY_DTYPES: dict[str, str] = {
    "FLOAT32": "<f4",
    "FLOAT16": "<f2",
    "FLOAT64": "<f8",
    "INT8": "i1",
    "UINT8": "u1",
    "INT16": "<i2",
    "INT32": "<i4",
    "INT64": "<i8",
    "BOOL": "?",
}
"""Numpy dtype of each TFLite tensor type whose constant data can be read."""

_ACTIVATIONS = {0: "none", 1: "relu", 2: "relu_n1_to_1", 3: "relu6"}
"""TFLite ActivationFunctionType values that become an nn ``activation`` property."""

_ACTIVATION_NAMES = {4: "TANH", 5: "SIGN_BIT"}

_SAME, _VALID = 0, 1
"""TFLite Padding values."""

_NAME_HINT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,39}$")
_NUMBERED = re.compile(r"_[0-9]+$")
"""SSA names of values: short identifiers not ending in ``_<n>`` (the printer's suffix)."""


def import_model(model: TflModel) -> ModuleOp:
    """Translate a read TFLite model into an ``nn`` module; raise `StaiError` on what it can't."""
    module = _Importer(model).run()
    try:
        module.verify()
    except VerifyException as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else "verification failed"
        raise StaiError(f"{model.name}: the imported model does not verify: {first}") from exc
    check_accumulators(module, model.name)
    return module


# --------------------------------------------------------------------------- helpers


def _padding(
    padding: int, size: int, kernel: int, stride: int, dilation: int, where: str
) -> tuple[int, int, int]:
    """Output size and (before, after) padding of one spatial axis, as TFLite computes them."""
    if stride <= 0 or dilation <= 0 or kernel <= 0:
        raise StaiError(f"{where}: strides, dilations and kernel sizes must be positive")
    effective = (kernel - 1) * dilation + 1
    if padding == _SAME:
        out = (size + stride - 1) // stride
    elif padding == _VALID:
        out = (size - effective + stride) // stride
    else:
        raise StaiError(f"{where}: unknown padding type {padding}")
    total = max((out - 1) * stride + effective - size, 0)
    return out, total // 2, total - total // 2


def _dequantize(array: np.ndarray, quant: TflQuant) -> np.ndarray:
    """``scale * (q - zero_point)`` in double precision, rounded to float32."""
    q = array.astype(np.float64)
    scales = np.asarray(quant.scales, dtype=np.float64)
    zps = np.asarray(quant.zero_points, dtype=np.float64)
    if quant.per_channel:
        shape = [1] * array.ndim
        shape[quant.axis] = -1
        scales, zps = scales.reshape(shape), zps.reshape(shape)
    return (scales * (q - zps)).astype(np.float32)


def _quant_type(storage_bits: int, quant: TflQuant) -> nn.QuantType:
    return nn.QuantType(IntegerType(storage_bits), quant.scales, quant.zero_points, quant.axis)


# -------------------------------------------------------------------------- importer


class _Importer:
    """Walks the operators of one model in order and appends nn ops to ``@main``."""

    def __init__(self, model: TflModel):
        self.model = model
        self.tensors = model.tensors
        self.block = Block()
        self.values: dict[int, SSAValue] = {}
        self.constants: dict[tuple[int, bool], SSAValue] = {}
        self.folded: dict[int, np.ndarray] = {}
        """Outputs of DEQUANTIZE operators applied to constants: their f32 values."""
        self.handlers: dict[str, Callable[[TflOperator], None]] = {
            "CONV_2D": self._conv2d,
            "DEPTHWISE_CONV_2D": self._depthwise_conv2d,
            "FULLY_CONNECTED": self._fully_connected,
            "AVERAGE_POOL_2D": lambda op: self._pool(op, nn.AvgPool2DOp),
            "MAX_POOL_2D": lambda op: self._pool(op, nn.MaxPool2DOp),
            "ADD": lambda op: self._binary(op, nn.AddOp),
            "SUB": lambda op: self._binary(op, nn.SubOp),
            "MUL": lambda op: self._binary(op, nn.MulOp),
            "DIV": self._div,
            "CONCATENATION": self._concat,
            "PAD": self._pad,
            "PADV2": self._pad,
            "RESHAPE": self._reshape,
            "SQUEEZE": self._reshape,
            "EXPAND_DIMS": self._reshape,
            "SOFTMAX": self._softmax,
            "QUANTIZE": lambda op: self._unary(op, nn.QuantizeOp),
            "DEQUANTIZE": self._dequantize_op,
            "RELU": lambda op: self._unary(op, nn.ReluOp),
            "RELU6": lambda op: self._unary(op, nn.Relu6Op),
            "RELU_N1_TO_1": lambda op: self._unary(op, nn.ReluN1To1Op),
            "LOGISTIC": lambda op: self._unary(op, nn.LogisticOp),
            "TANH": lambda op: self._unary(op, nn.TanhOp),
            "HARD_SWISH": lambda op: self._unary(op, nn.HardSwishOp),
            "LEAKY_RELU": self._leaky_relu,
            "PRELU": self._prelu,
            "MEAN": self._mean,
        }

    # ------------------------------------------------------------------ driver

    def run(self) -> ModuleOp:
        for op in self.model.operators:
            if op.opcode not in self.handlers:
                raise StaiError(
                    f"{self.model.name}: unsupported TFLite operator '{op.opcode}' "
                    f"(operator {op.index})"
                )
        input_types = []
        for t in self.model.inputs:
            tensor = self.tensors[t]
            if tensor.is_constant:
                raise StaiError(f"{self.model.name}: model input '{tensor.name}' is a constant")
            input_types.append(self._tensor_type(t))
        for t, arg_type in zip(self.model.inputs, input_types):
            arg = self.block.insert_arg(arg_type, len(self.block.args))
            self._name_hint(arg, self.tensors[t].name)
            self.values[t] = arg
        for op in self.model.operators:
            self.handlers[op.opcode](op)
        results = [self._graph_output(t) for t in self.model.outputs]
        self.block.add_op(func.ReturnOp(*results))
        main = func.FuncOp(
            "main",
            (input_types, [r.type for r in results]),
            Region(self.block),
            arg_attrs=self._name_attrs(self.model.inputs),
            res_attrs=self._name_attrs(self.model.outputs),
        )
        return ModuleOp([main])

    def _name_attrs(self, tensors: Sequence[int]) -> ArrayAttr[DictionaryAttr]:
        return ArrayAttr(
            [DictionaryAttr({"nn.name": StringAttr(self.tensors[t].name)}) for t in tensors]
        )

    def _graph_output(self, t: int) -> SSAValue:
        if t in self.values:
            return self.values[t]
        tensor = self.tensors[t]
        if tensor.is_constant or t in self.folded:
            return self._constant(t, None, float_context=t in self.folded)
        raise StaiError(f"{self.model.name}: model output '{tensor.name}' is never computed")

    @staticmethod
    def _name_hint(value: SSAValue, name: str) -> None:
        if _NAME_HINT.match(name) and not _NUMBERED.search(name):
            value.name_hint = name

    # ------------------------------------------------------------------ types

    def _where(self, t: int) -> str:
        return f"{self.model.name}: tensor '{self.tensors[t].name}' (tensor {t})"

    def _shape(self, t: int) -> tuple[int, ...]:
        """The static shape of a tensor; `StaiError` if it is dynamic or unknown."""
        tensor = self.tensors[t]
        if not tensor.has_rank and not tensor.is_constant:
            raise StaiError(f"{self._where(t)} has an unknown shape")
        if any(d < 0 for d in tensor.shape):
            raise StaiError(f"{self._where(t)} has a dynamic shape {list(tensor.shape)}")
        sig = tensor.signature
        if sig is not None and len(sig) == len(tensor.shape) and any(d < 0 for d in sig[1:]):
            raise StaiError(f"{self._where(t)} has a dynamic shape (signature {list(sig)})")
        dtype = _NUMPY_DTYPES.get(tensor.type_name)
        check_size(self._where(t), tensor.shape, np.dtype(dtype).itemsize if dtype else 1)
        return tensor.shape

    def _quant(self, t: int) -> TflQuant | None:
        """The quantization of a tensor, checked (`StaiError` on unusable parameters)."""
        tensor = self.tensors[t]
        if tensor.quant is not None:
            bits = {"INT8": 8, "INT16": 16, "INT32": 32}.get(tensor.type_name)
            check_quant(self._where(t), tensor.quant.scales, tensor.quant.zero_points, bits)
        return tensor.quant

    def _element_type(self, t: int) -> Attribute:
        tensor = self.tensors[t]
        kind = tensor.type_name
        if kind == "FLOAT32":
            return f32
        if kind in ("INT8", "INT32"):
            quant = self._quant(t)
            if quant is None:
                raise StaiError(
                    f"{self._where(t)}: {kind} tensors without quantization parameters "
                    "are not supported"
                )
            if quant.per_channel and not 0 <= quant.axis < len(tensor.shape):
                raise StaiError(f"{self._where(t)}: quantized dimension out of range")
            return _quant_type(8 if kind == "INT8" else 32, quant)
        raise StaiError(f"{self._where(t)}: unsupported tensor type {kind}")

    def _tensor_type(self, t: int) -> TensorType:
        shape = self._shape(t)
        return TensorType(self._element_type(t), shape)

    def _is_float(self, t: int) -> bool:
        return self.tensors[t].type_name == "FLOAT32"

    # ------------------------------------------------------------------ operands

    def _array(self, t: int) -> np.ndarray:
        """The data of a constant tensor as a numpy array of its shape."""
        tensor = self.tensors[t]
        if t in self.folded:
            return self.folded[t]
        if tensor.data is None:
            raise StaiError(f"{self._where(t)} must be a constant")
        dtype = _NUMPY_DTYPES.get(tensor.type_name)
        if dtype is None:
            raise StaiError(f"{self._where(t)}: unsupported tensor type {tensor.type_name}")
        shape = self._shape(t)
        count = int(np.prod(shape, dtype=np.int64))
        itemsize = np.dtype(dtype).itemsize
        if len(tensor.data) != count * itemsize:
            raise StaiError(
                f"{self._where(t)}: its buffer holds {len(tensor.data)} bytes, "
                f"{count * itemsize} expected"
            )
        return np.frombuffer(tensor.data, dtype=dtype).reshape(shape)

    def _is_constant(self, t: int) -> bool:
        return t >= 0 and (self.tensors[t].is_constant or t in self.folded)

    def _int_list(self, op: TflOperator, position: int, what: str) -> list[int]:
        """A constant integer operand (axes, paddings) as a flat list."""
        t = self._input_index(op, position, what)
        if not self._is_constant(t):
            raise StaiError(
                f"{self.model.name}: {op.opcode} (operator {op.index}) needs constant {what}"
            )
        array = self._array(t)
        if array.dtype.kind not in "iu":
            raise StaiError(f"{self._where(t)}: {what} must be integers")
        return [int(v) for v in array.reshape(-1)]

    def _input_index(self, op: TflOperator, position: int, what: str) -> int:
        if position >= len(op.inputs) or op.inputs[position] < 0:
            raise StaiError(
                f"{self.model.name}: {op.opcode} (operator {op.index}) has no {what} input"
            )
        return op.inputs[position]

    def _operand(self, op: TflOperator, position: int, what: str = "data") -> SSAValue:
        """The SSA value of an operator input; constants are created on first use.

        In a float operator (float result), quantized constants are dequantized (hybrid).
        """
        t = self._input_index(op, position, what)
        if t in self.values:
            return self.values[t]
        if self._is_constant(t):
            float_context = bool(op.outputs) and self._is_float(op.outputs[0])
            return self._constant(t, op, float_context)
        raise StaiError(
            f"{self.model.name}: {op.opcode} (operator {op.index}) reads tensor "
            f"'{self.tensors[t].name}' before it is computed"
        )

    def _constant(self, t: int, op: TflOperator | None, float_context: bool) -> SSAValue:
        """An ``nn.constant`` for tensor ``t`` (f32 when folded or dequantized)."""
        tensor = self.tensors[t]
        dequantize = t in self.folded or (
            float_context and tensor.type_name in ("INT8", "INT32") and tensor.quant is not None
        )
        key = (t, dequantize)
        if key in self.constants:
            return self.constants[key]
        if t in self.folded:
            array = self.folded[t]
            result_type = TensorType(f32, self._shape(t))
        elif dequantize:
            quant = self._quant(t)
            assert quant is not None
            array = _dequantize(self._array(t), quant)
            result_type = TensorType(f32, self._shape(t))
        else:
            result_type = self._tensor_type(t)
            array = self._array(t)
        storage = nn.numpy_dtype(result_type.element_type)
        const = nn.ConstantOp(np.ascontiguousarray(array, dtype=storage), result_type)
        self._tag(const, op, tensor.name)
        self.block.add_op(const)
        self.constants[key] = const.output
        return const.output

    def _zero_bias(self, op: TflOperator, x: int, w: int, channels: int) -> SSAValue:
        """A zero bias for a conv/fc without one: f32, or int32 with scale s_in * s_w."""
        if self._is_float(op.outputs[0]):
            result_type = TensorType(f32, (channels,))
            array = np.zeros(channels, np.float32)
        else:
            qx, qw = self._quant(x), self._quant(w)
            if qx is None or qw is None:
                raise StaiError(
                    f"{self.model.name}: {op.opcode} (operator {op.index}) has quantized "
                    "tensors without quantization parameters"
                )
            scales = [float(np.float32(qx.scales[0]) * np.float32(s)) for s in qw.scales]
            where = f"{self.model.name}: {op.opcode} (operator {op.index}) implicit zero bias"
            check_quant(where, scales, (), None)
            axis = 0 if qw.per_channel else -1
            if qw.per_channel and len(scales) != channels:
                raise StaiError(f"{self._where(w)}: expected {channels} per-channel scales")
            qtype = nn.QuantType(IntegerType(32), scales, [0] * len(scales), axis)
            result_type = TensorType(qtype, (channels,))
            array = np.zeros(channels, np.int32)
        const = nn.ConstantOp(array, result_type)
        self._tag(const, op, None)
        self.block.add_op(const)
        return const.output

    # ------------------------------------------------------------------ emission

    @staticmethod
    def _tag(operation: Operation, op: TflOperator | None, name: str | None) -> None:
        if op is not None:
            operation.attributes["nn.m_id"] = IntegerAttr(op.index, i64)
        if name is not None:
            operation.attributes["nn.name"] = StringAttr(name)

    def _emit(
        self,
        op: TflOperator,
        op_class: type[IRDLOperation],
        operands: Sequence[SSAValue | Sequence[SSAValue]],
        properties: dict[str, Attribute] | None = None,
        result_type: TensorType | None = None,
        name: bool = True,
    ) -> SSAValue:
        """Append one nn op computing ``op``'s first output (or ``result_type``)."""
        out = op.outputs[0]
        rtype = result_type if result_type is not None else self._tensor_type(out)
        new = op_class.build(
            operands=list(operands), result_types=[rtype], properties=properties or {}
        )
        self._tag(new, op, self.tensors[out].name if name else None)
        self.block.add_op(new)
        value = new.results[0]
        if result_type is None:
            self.values[out] = value
            self._name_hint(value, self.tensors[out].name)
        return value

    def _activation(self, op: TflOperator) -> StringAttr:
        code = int(op.options.get("FusedActivationFunction", 0))
        if code not in _ACTIVATIONS:
            act = _ACTIVATION_NAMES.get(code, str(code))
            raise StaiError(
                f"{self.model.name}: {op.opcode} (operator {op.index}) has an unsupported "
                f"fused activation {act}"
            )
        return StringAttr(_ACTIVATIONS[code])

    def _check_outputs(self, op: TflOperator, count: int = 1) -> None:
        if len(op.outputs) != count or any(t < 0 for t in op.outputs):
            raise StaiError(
                f"{self.model.name}: {op.opcode} (operator {op.index}) must have {count} output(s)"
            )

    def _error(self, op: TflOperator, message: str) -> StaiError:
        return StaiError(f"{self.model.name}: {op.opcode} (operator {op.index}): {message}")

    # ------------------------------------------------------------------ operators

    def _conv_common(
        self, op: TflOperator, kh: int, kw: int, dilated: bool = True
    ) -> tuple[list[int], list[int], list[int]]:
        """Strides, dilations and explicit pads [top, bottom, left, right] of a conv/pool."""
        opts = op.options
        x_shape = self._shape(self._input_index(op, 0, "input"))
        y_shape = self._shape(op.outputs[0])
        if len(x_shape) != 4 or len(y_shape) != 4:
            raise self._error(op, "input and output must have rank 4")
        sh, sw = int(opts.get("StrideH", 1)), int(opts.get("StrideW", 1))
        dh, dw = 1, 1
        if dilated:
            dh, dw = int(opts.get("DilationHFactor", 1)), int(opts.get("DilationWFactor", 1))
        padding = int(opts.get("Padding", _SAME))
        where = f"{self.model.name}: {op.opcode} (operator {op.index})"
        oh, top, bottom = _padding(padding, x_shape[1], kh, sh, dh, where)
        ow, left, right = _padding(padding, x_shape[2], kw, sw, dw, where)
        if (oh, ow) != tuple(y_shape[1:3]):
            raise self._error(
                op,
                f"output size {oh}x{ow} differs from the output tensor's {y_shape[1]}x{y_shape[2]}",
            )
        return [sh, sw], [dh, dw], [top, bottom, left, right]

    def _bias(self, op: TflOperator, x: int, w: int, channels: int) -> SSAValue:
        if len(op.inputs) > 2 and op.inputs[2] >= 0:
            return self._operand(op, 2, "bias")
        return self._zero_bias(op, x, w, channels)

    def _conv2d(self, op: TflOperator) -> None:
        self._check_outputs(op)
        x = self._input_index(op, 0, "input")
        w = self._input_index(op, 1, "filter")
        w_shape = self._shape(w)
        if len(w_shape) != 4:
            raise self._error(op, "the filter must have rank 4")
        strides, dilations, pads = self._conv_common(op, w_shape[1], w_shape[2])
        filt = self._constant(w, op, False) if self._is_hybrid(op, w) else self._operand(op, 1)
        operands = [self._operand(op, 0), filt, self._bias(op, x, w, w_shape[0])]
        props = {
            "strides": nn.i64_array(strides),
            "dilations": nn.i64_array(dilations),
            "pads": nn.i64_array(pads),
            "activation": self._activation(op),
        }
        self._emit(op, nn.Conv2DOp, operands, props)

    def _is_hybrid(self, op: TflOperator, w: int) -> bool:
        """A float operator whose weights are a symmetric int8 constant (not a DEQUANTIZE
        output): LiteRT runs it with its hybrid kernel, so the weights stay int8."""
        tensor = self.tensors[w]
        quant = tensor.quant
        return (
            self._is_float(op.outputs[0])
            and self._is_float(op.inputs[0])
            and tensor.is_constant
            and w not in self.folded
            and tensor.type_name == "INT8"
            and quant is not None
            and all(z == 0 for z in quant.zero_points)
        )

    def _per_channel_along(self, w: int, axis: int, channels: int) -> bool:
        """Whether constant ``w`` has one scale per channel along ``axis`` (a single
        channel: its one scale)."""
        quant = self.tensors[w].quant
        if quant is None or len(quant.scales) != channels:
            return False
        return channels == 1 or (quant.per_channel and quant.axis == axis)

    def _depthwise_conv2d(self, op: TflOperator) -> None:
        self._check_outputs(op)
        x = self._input_index(op, 0, "input")
        w = self._input_index(op, 1, "filter")
        w_shape, x_shape = self._shape(w), self._shape(x)
        if len(w_shape) != 4 or len(x_shape) != 4:
            raise self._error(op, "input and filter must have rank 4")
        strides, dilations, pads = self._conv_common(op, w_shape[1], w_shape[2])
        in_c, out_c = x_shape[3], w_shape[3]
        multiplier = int(op.options.get("DepthMultiplier", 0))
        if multiplier <= 0:
            if in_c == 0 or out_c % in_c:
                raise self._error(op, f"{out_c} filter channels for {in_c} input channels")
            multiplier = out_c // in_c
        if in_c * multiplier != out_c:
            raise self._error(
                op, f"depth multiplier {multiplier} does not match {in_c} -> {out_c} channels"
            )
        hybrid = self._is_hybrid(op, w) and self._per_channel_along(w, 3, out_c)
        filt = self._constant(w, op, False) if hybrid else self._operand(op, 1)
        operands = [self._operand(op, 0), filt, self._bias(op, x, w, out_c)]
        props = {
            "strides": nn.i64_array(strides),
            "dilations": nn.i64_array(dilations),
            "pads": nn.i64_array(pads),
            "activation": self._activation(op),
            "depth_multiplier": IntegerAttr(multiplier, i64),
        }
        self._emit(op, nn.DepthwiseConv2DOp, operands, props)

    def _fully_connected(self, op: TflOperator) -> None:
        self._check_outputs(op)
        if int(op.options.get("WeightsFormat", 0)) != 0:
            raise self._error(op, "shuffled weights are not supported")
        x = self._input_index(op, 0, "input")
        w = self._input_index(op, 1, "weights")
        w_shape, x_shape = self._shape(w), self._shape(x)
        if len(w_shape) != 2:
            raise self._error(op, "the weights must have rank 2")
        units, depth = w_shape
        if not x_shape or x_shape[-1] * int(np.prod(x_shape[:-1], dtype=np.int64)) % depth:
            raise self._error(
                op, f"input shape {list(x_shape)} does not fit weights {list(w_shape)}"
            )
        value = self._operand(op, 0)
        keep = bool(op.options.get("KeepNumDims", False))
        if len(x_shape) != 2 and not keep:
            count = int(np.prod(x_shape, dtype=np.int64))
            assert isinstance(value.type, TensorType)
            flat_type = TensorType(value.type.element_type, (count // depth, depth))
            value = self._emit(op, nn.ReshapeOp, [value], result_type=flat_type, name=False)
        elif x_shape[-1] != depth:
            raise self._error(op, f"input depth {x_shape[-1]} differs from the weights' {depth}")
        props: dict[str, Attribute] = {"activation": self._activation(op)}
        if self._is_hybrid(op, w):
            filt = self._constant(w, op, False)
            if bool(op.options.get("AsymmetricQuantizeInputs", False)):
                props["asymmetric_inputs"] = UnitAttr()
        else:
            filt = self._operand(op, 1, "weights")
        operands = [value, filt, self._bias(op, x, w, units)]
        self._emit(op, nn.FullyConnectedOp, operands, props)

    def _pool(self, op: TflOperator, op_class: type[IRDLOperation]) -> None:
        self._check_outputs(op)
        opts = op.options
        kernel = [int(opts.get("FilterHeight", 1)), int(opts.get("FilterWidth", 1))]
        strides, _, pads = self._conv_common(op, kernel[0], kernel[1], dilated=False)
        props = {
            "kernel": nn.i64_array(kernel),
            "strides": nn.i64_array(strides),
            "pads": nn.i64_array(pads),
            "activation": self._activation(op),
        }
        self._emit(op, op_class, [self._operand(op, 0)], props)

    def _binary(self, op: TflOperator, op_class: type[IRDLOperation]) -> None:
        self._check_outputs(op)
        lhs, rhs = self._operand(op, 0, "lhs"), self._operand(op, 1, "rhs")
        self._emit(op, op_class, [lhs, rhs], {"activation": self._activation(op)})

    def _div(self, op: TflOperator) -> None:
        self._check_outputs(op)
        if not self._is_float(op.outputs[0]):
            raise self._error(op, "only float32 division is supported")
        self._binary(op, nn.DivOp)

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

    def _softmax(self, op: TflOperator) -> None:
        self._check_outputs(op)
        beta = float(np.float32(op.options.get("Beta", 1.0)))
        self._emit(op, nn.SoftmaxOp, [self._operand(op, 0)], {"beta": FloatAttr(beta, f32)})

    def _leaky_relu(self, op: TflOperator) -> None:
        self._check_outputs(op)
        alpha = float(np.float32(op.options.get("Alpha", 0.0)))
        self._emit(op, nn.LeakyReluOp, [self._operand(op, 0)], {"alpha": FloatAttr(alpha, f32)})

    def _prelu(self, op: TflOperator) -> None:
        """PRELU: ``alpha`` (a constant in int8 models, with its own quantization)
        broadcasts to the input (e.g. [1, 1, C], [C] or the full shape)."""
        self._check_outputs(op)
        x, alpha = self._operand(op, 0), self._operand(op, 1, "alpha")
        x_shape, a_shape = self._shape(op.inputs[0]), self._shape(op.inputs[1])
        try:
            fits = np.broadcast_shapes(x_shape, a_shape) == tuple(x_shape)
        except ValueError:
            fits = False
        if not fits:
            raise self._error(
                op,
                f"alpha of shape {list(a_shape)} does not broadcast to the input's {list(x_shape)}",
            )
        self._emit(op, nn.PReluOp, [x, alpha])

    def _unary(self, op: TflOperator, op_class: type[IRDLOperation]) -> None:
        self._check_outputs(op)
        self._emit(op, op_class, [self._operand(op, 0)])

    def _dequantize_op(self, op: TflOperator) -> None:
        """DEQUANTIZE of a constant folds into an f32 constant; else nn.dequantize."""
        self._check_outputs(op)
        t = self._input_index(op, 0, "input")
        if self._is_constant(t) and t not in self.values:
            self.folded[op.outputs[0]] = self._folded_value(op, t)
            return
        self._unary(op, nn.DequantizeOp)

    def _folded_value(self, op: TflOperator, t: int) -> np.ndarray:
        tensor = self.tensors[t]
        array = self._array(t)
        if tensor.type_name in ("FLOAT16", "FLOAT32"):
            return array.astype(np.float32)
        quant = self._quant(t)
        if quant is None:
            raise self._error(op, f"constant '{tensor.name}' has no quantization parameters")
        return _dequantize(array, quant)

    def _mean(self, op: TflOperator) -> None:
        self._check_outputs(op)
        rank = len(self._shape(self._input_index(op, 0, "input")))
        axes = self._int_list(op, 1, "axes")
        normalized = sorted({a + rank if a < 0 else a for a in axes})
        if any(not 0 <= a < rank for a in normalized):
            raise self._error(op, f"axes {axes} out of range for rank {rank}")
        props = {
            "axes": nn.i64_array(normalized),
            "keep_dims": IntegerAttr(1 if op.options.get("KeepDims", False) else 0, i64),
        }
        self._emit(op, nn.MeanOp, [self._operand(op, 0)], props)
