"""The base of the TFLite importer: ``Translator`` holds the state of one translation
(the ``@main`` block, the values of translated tensors, the constants) and what every
operator translation uses: tensor types, constant operands and the emission of ``nn`` ops.
``shapes.py`` adds the data-movement translations, ``importer.py`` the others and the
operator table.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
from xdsl.dialects.builtin import (
    ArrayAttr,
    DictionaryAttr,
    IntegerAttr,
    IntegerType,
    Signedness,
    StringAttr,
    TensorType,
    f32,
    i1,
    i32,
    i64,
)
from xdsl.ir import Attribute, Block, Operation, SSAValue
from xdsl.irdl import IRDLOperation

from stai.dialects import nn
from stai.errors import StaiError

from ..checks import check_quant, check_size
from .reader import NUMPY_DTYPES, TflModel, TflOperator, TflQuant

_QUANT_BITS: dict[str, int] = {"INT4": 4, "INT8": 8, "INT16": 16, "INT32": 32, "INT64": 64}
"""Storage bits of the quantized TFLite tensor types: int8 and int16 activations (int16:
16x8 models, symmetric), int4 (constant weights only) and int8 weights, int32 and int64
(16x8) biases."""

_S4_OPERATORS = frozenset({"CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED"})
"""The operators whose INT4 filters stay packed (CMSIS-NN's s4 kernels read them)."""

_INT16_WITH_OFFSET = frozenset({"QUANTIZE", "DEQUANTIZE", "SOFTMAX"})
"""The operators whose int16 tensors may have a zero point other than 0."""

_UINT8_USES = "QUANTIZE uint8 <-> int8 and DEQUANTIZE uint8 -> float32"
"""Where TFLite Micro takes a UINT8 tensor (a converted model's uint8 input or output)."""

_ACTIVATIONS = {0: "none", 1: "relu", 2: "relu_n1_to_1", 3: "relu6"}
"""TFLite ActivationFunctionType values that become an nn ``activation`` property."""

_ACTIVATION_NAMES = {4: "TANH", 5: "SIGN_BIT"}

SAME, VALID = 0, 1
"""TFLite Padding values."""

_NAME_HINT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,39}$")
_NUMBERED = re.compile(r"_[0-9]+$")
"""SSA names of values: short identifiers not ending in ``_<n>`` (the printer's suffix)."""


def tflite_padding(
    padding: int, size: int, kernel: int, stride: int, dilation: int, where: str
) -> tuple[int, int, int]:
    """Output size and (before, after) padding of one spatial axis, as TFLite computes them."""
    if stride <= 0 or dilation <= 0 or kernel <= 0:
        raise StaiError(f"{where}: strides, dilations and kernel sizes must be positive")
    effective = (kernel - 1) * dilation + 1
    if padding == SAME:
        out = (size + stride - 1) // stride
    elif padding == VALID:
        out = (size - effective + stride) // stride
    else:
        raise StaiError(f"{where}: unknown padding type {padding}")
    total = max((out - 1) * stride + effective - size, 0)
    return out, total // 2, total - total // 2


def dequantized(array: np.ndarray, quant: TflQuant) -> np.ndarray:
    """``scale * (q - zero_point)`` in double precision, rounded to float32."""
    q = array.astype(np.float64)
    scales = np.asarray(quant.scales, dtype=np.float64)
    zps = np.asarray(quant.zero_points, dtype=np.float64)
    if quant.per_channel:
        shape = [1] * array.ndim
        shape[quant.axis] = -1
        scales, zps = scales.reshape(shape), zps.reshape(shape)
    return (scales * (q - zps)).astype(np.float32)


def unpack_int4(data: bytes, shape: Sequence[int], where: str) -> np.ndarray:
    """An INT4 tensor's values as int8: two per byte, the first in the low nibble, each
    sign-extended (TFLite's packing; an odd count leaves the last high nibble unused)."""
    count = int(np.prod(shape, dtype=np.int64))
    if len(data) != (count + 1) // 2:
        raise StaiError(f"{where}: its buffer holds {len(data)} bytes, {(count + 1) // 2} expected")
    packed = np.frombuffer(data, dtype=np.uint8)
    low = (packed & 0x0F).astype(np.int8)
    high = (packed >> 4).astype(np.int8)
    values = np.empty(2 * len(packed), np.int8)
    values[0::2] = np.where(low > 7, low - 16, low)
    values[1::2] = np.where(high > 7, high - 16, high)
    return values[:count].reshape(tuple(shape))


def _is_int4(t: TensorType) -> bool:
    e = t.element_type
    return isinstance(e, nn.QuantType) and e.storage.width.data == 4


def _quant_type(storage_bits: int, quant: TflQuant) -> nn.QuantType:
    return nn.QuantType(IntegerType(storage_bits), quant.scales, quant.zero_points, quant.axis)


# -------------------------------------------------------------------------- importer


class Translator:
    """The state of one model's translation and the helpers of every operator's."""

    def __init__(self, model: TflModel):
        self.model = model
        self.tensors = model.tensors
        self.block = Block()
        self.values: dict[int, SSAValue] = {}
        self.constants: dict[tuple[int, bool], SSAValue] = {}
        self.folded: dict[int, np.ndarray] = {}
        """Outputs of DEQUANTIZE operators applied to constants: their f32 values."""

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
        dtype = NUMPY_DTYPES.get(tensor.type_name)
        check_size(self._where(t), tensor.shape, np.dtype(dtype).itemsize if dtype else 1)
        return tensor.shape

    def _quant(self, t: int) -> TflQuant | None:
        """The quantization of a tensor, checked (`StaiError` on unusable parameters)."""
        tensor = self.tensors[t]
        if tensor.quant is not None:
            bits = _QUANT_BITS.get(tensor.type_name)
            check_quant(self._where(t), tensor.quant.scales, tensor.quant.zero_points, bits)
        return tensor.quant

    def _element_type(self, t: int) -> Attribute:
        tensor = self.tensors[t]
        kind = tensor.type_name
        if kind == "FLOAT32":
            return f32
        if kind == "BOOL":
            return i1
        if kind == "INT32" and tensor.quant is None:
            return i32  # plain integers (comparisons, casts, selects)
        if kind == "UINT8":
            return self._uint8_type(t)
        if kind == "INT4":
            if not tensor.is_constant:
                raise StaiError(
                    f"{self._where(t)}: INT4 tensors are supported as constant weights only"
                )
            if not self._int4_stays_packed(t):
                kind = "INT8"  # unpacked at compile time (`_array`), as TFLite Micro does
        if kind in _QUANT_BITS:
            quant = self._quant(t)
            if quant is None:
                raise StaiError(
                    f"{self._where(t)}: {kind} tensors without quantization parameters "
                    "are not supported"
                )
            if quant.per_channel and not 0 <= quant.axis < len(tensor.shape):
                raise StaiError(f"{self._where(t)}: quantized dimension out of range")
            if (
                kind == "INT16"
                and any(z != 0 for z in quant.zero_points)
                and not self._int16_offset_allowed(t)
            ):
                raise StaiError(
                    f"{self._where(t)}: int16 tensors must be symmetric (zero point 0), "
                    f"got {quant.zero_points[0]}"
                )
            return _quant_type(_QUANT_BITS[kind], quant)
        raise StaiError(f"{self._where(t)}: unsupported tensor type {kind}")

    def _int4_stays_packed(self, t: int) -> bool:
        """Whether an INT4 constant keeps its 4 bits (``!nn.q<i4, ...>``, two values per
        byte in the generated data, read by CMSIS-NN's s4 kernels): when every operator
        reading it is a convolution, a depthwise convolution or a fully connected layer
        with int8 input and output taking it as its symmetric filter (per tensor for a
        fully connected layer, not grouped for a convolution), the layers CMSIS-NN has s4
        kernels for. Any other INT4 constant is unpacked to int8 at import."""
        quant = self.tensors[t].quant
        if quant is None or any(z != 0 for z in quant.zero_points):
            return False
        users = [op for op in self.model.operators if t in op.inputs]
        for op in users:
            if op.opcode not in _S4_OPERATORS or list(op.inputs).index(t) != 1:
                return False
            if t in op.inputs[2:] or not op.outputs:
                return False
            x, y = self.tensors[op.inputs[0]], self.tensors[op.outputs[0]]
            if x.type_name != "INT8" or y.type_name != "INT8":
                return False
            if op.opcode == "FULLY_CONNECTED" and quant.per_channel:
                return False
            filt = self.tensors[t].shape
            if op.opcode == "CONV_2D" and (len(filt) != 4 or tuple(x.shape)[-1:] != (filt[3],)):
                return False
            if op.opcode == "DEPTHWISE_CONV_2D" and not self._s4_depthwise_fits(op):
                return False
        return bool(users)

    def _s4_depthwise_fits(self, op: TflOperator) -> bool:
        """A depthwise layer CMSIS-NN's s4 kernels compute as TFLite Micro's reference
        does: an even input channel count, or the optimized path (multiplier 1, one batch,
        no dilation). CMSIS-NN's basic s4 kernel gives other results for an odd count
        (``tests/unit/test_s4_kernels.py``), so such a filter is unpacked to int8."""
        x_shape = tuple(self.tensors[op.inputs[0]].shape)
        y_shape = tuple(self.tensors[op.outputs[0]].shape)
        if len(x_shape) != 4 or len(y_shape) != 4:
            return False
        if x_shape[3] % 2 == 0:
            return True
        dilations = (op.options.get("DilationHFactor", 1), op.options.get("DilationWFactor", 1))
        return x_shape[0] == 1 and y_shape[3] == x_shape[3] and tuple(dilations) == (1, 1)

    def _int16_offset_allowed(self, t: int) -> bool:
        """Whether an int16 tensor may have a zero point other than 0: as in TFLite Micro,
        when only QUANTIZE, DEQUANTIZE and SOFTMAX read or write it (an int8 -> int16
        SOFTMAX writes zero point -32768; the lowering checks each op's own rule)."""
        users = [op.opcode for op in self.model.operators if t in op.inputs or t in op.outputs]
        return bool(users) and all(u in _INT16_WITH_OFFSET for u in users)

    def _uint8_type(self, t: int) -> nn.QuantType:
        """``!nn.q<ui8, ...>`` for a UINT8 tensor that only QUANTIZE (to or from int8) and
        DEQUANTIZE (its input) touch, as in TFLite Micro; any other use is refused, naming
        the operator."""
        for op in self.model.operators:
            if t not in op.inputs and t not in op.outputs:
                continue
            reads = t in op.inputs
            other = op.outputs if reads else op.inputs
            others = {self.tensors[o].type_name for o in other if o >= 0}
            if not (
                (op.opcode == "QUANTIZE" and others == {"INT8"})
                or (op.opcode == "DEQUANTIZE" and reads and others == {"FLOAT32"})
            ):
                raise StaiError(
                    f"{self.model.name}: {op.opcode} (operator {op.index}) does not take "
                    f"UINT8 tensors (tensor '{self.tensors[t].name}'; only {_UINT8_USES})"
                )
        quant = self._quant(t)
        if quant is None or quant.per_channel:
            raise StaiError(f"{self._where(t)}: UINT8 tensors need per-tensor quantization")
        if not 0 <= quant.zero_points[0] <= 255:
            raise StaiError(
                f"{self._where(t)}: zero point {quant.zero_points[0]} is outside the uint8 range"
            )
        return nn.QuantType(IntegerType(8, Signedness.UNSIGNED), quant.scales, quant.zero_points)

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
        if tensor.type_name == "INT4":
            return unpack_int4(tensor.data, self._shape(t), self._where(t))
        dtype = NUMPY_DTYPES.get(tensor.type_name)
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
            float_context
            and tensor.type_name in _QUANT_BITS
            and tensor.type_name != "INT4"  # hybrid layers read int4 weights as int8
            and tensor.quant is not None
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
            array = dequantized(self._array(t), quant)
            result_type = TensorType(f32, self._shape(t))
        else:
            result_type = self._tensor_type(t)
            array = self._array(t)
        # An int4 constant holds one value per byte in the IR (as xDSL stores `i4`).
        storage = np.int8 if _is_int4(result_type) else nn.numpy_dtype(result_type.element_type)
        const = nn.ConstantOp(np.ascontiguousarray(array, dtype=storage), result_type)
        self._tag(const, op, tensor.name)
        self.block.add_op(const)
        self.constants[key] = const.output
        return const.output

    def _zero_bias(self, op: TflOperator, x: int, w: int, channels: int) -> SSAValue:
        """A zero bias for a conv/fc without one: f32, or int32 with scale s_in * s_w (int64
        for an int16 input, as TFLite Micro accumulates 16x8 layers in 64 bits)."""
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
            wide = self.tensors[x].type_name == "INT16"
            qtype = nn.QuantType(IntegerType(64 if wide else 32), scales, [0] * len(scales), axis)
            result_type = TensorType(qtype, (channels,))
            array = np.zeros(channels, np.int64 if wide else np.int32)
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
        output: int = 0,
    ) -> SSAValue:
        """Append one nn op computing ``op``'s output ``output`` (or ``result_type``)."""
        out = op.outputs[output]
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
