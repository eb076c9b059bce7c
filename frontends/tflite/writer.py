"""Serialization of an ``nn``-level module into a TFLite flatbuffer (``stai quantize
--save-tflite``).

``write_tflite(module, path)`` writes ``@main`` of a module at the ``nn`` level (typically
after ``quantize-nn``: ``!nn.q`` tensors, ``nn.constant`` weights) as a one-subgraph
``.tflite`` model, with the ``flatbuffers`` package and the ``tflite`` package's generated
schema. Layouts are TFLite's already (NHWC, conv filters ``[out, kh, kw, in]``, depthwise
``[1, kh, kw, out]``, fully connected weights ``[out, in]``). Explicit pads become SAME or
VALID padding when they equal TFLite's computation of it; a conv with other pads gets a
PAD operator in front, a pool raises `StaiError`. Per-channel types keep their axis as
``quantized_dimension``; scales are written as float32, as TFLite stores them.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from xdsl.dialects import func
from xdsl.dialects.builtin import (
    DenseArrayBase,
    Float32Type,
    IntegerType,
    ModuleOp,
    Signedness,
    StringAttr,
    TensorType,
)
from xdsl.ir import Operation, SSAValue
from xdsl.utils.hints import isa

from stai.dialects import nn
from stai.dialects.nn_cumsum import CumsumOp
from stai.dialects.nn_logical import CompareOp, LogicalOp
from stai.dialects.nn_matmul import BatchMatmulOp
from stai.dialects.nn_norm import L2NormalizationOp, L2Pool2DOp
from stai.errors import StaiError

_SAME, _VALID = 0, 1
"""TFLite Padding values."""

_ACTIVATIONS = {"none": 0, "relu": 1, "relu_n1_to_1": 2, "relu6": 3}
"""nn ``activation`` -> TFLite ActivationFunctionType."""

_UNARY = {
    "nn.relu": "RELU",
    "nn.relu6": "RELU6",
    "nn.relu_n1_to_1": "RELU_N1_TO_1",
    "nn.logistic": "LOGISTIC",
    "nn.tanh": "TANH",
    "nn.hard_swish": "HARD_SWISH",
    "nn.quantize": "QUANTIZE",
    "nn.dequantize": "DEQUANTIZE",
    "nn.prelu": "PRELU",
    "nn.logical_not": "LOGICAL_NOT",
    "nn.select": "SELECT_V2",
}
"""nn ops written as an option-less TFLite operator of their operands (PRELU: the input
and alpha; SELECT_V2: the condition, x and y, broadcast)."""

_COMPARE = {
    "equal": "EQUAL",
    "not_equal": "NOT_EQUAL",
    "less": "LESS",
    "less_equal": "LESS_EQUAL",
    "greater": "GREATER",
    "greater_equal": "GREATER_EQUAL",
}
"""``nn.compare`` predicate -> TFLite comparison (option-less, its result a BOOL tensor)."""

_BINARY = {
    "nn.add": ("ADD", "AddOptions"),
    "nn.sub": ("SUB", "SubOptions"),
    "nn.mul": ("MUL", "MulOptions"),
}

_OPTION_TABLES = {
    "CONV_2D": "Conv2DOptions",
    "DEPTHWISE_CONV_2D": "DepthwiseConv2DOptions",
    "FULLY_CONNECTED": "FullyConnectedOptions",
    "AVERAGE_POOL_2D": "Pool2DOptions",
    "MAX_POOL_2D": "Pool2DOptions",
    "ADD": "AddOptions",
    "SUB": "SubOptions",
    "MUL": "MulOptions",
    "CONCATENATION": "ConcatenationOptions",
    "SOFTMAX": "SoftmaxOptions",
    "MEAN": "ReducerOptions",
    "LEAKY_RELU": "LeakyReluOptions",
    "RESHAPE": "ReshapeOptions",
    "PAD": "PadOptions",
    "BATCH_MATMUL": "BatchMatMulOptions",
    "L2_NORMALIZATION": "L2NormOptions",
    "L2_POOL_2D": "Pool2DOptions",
    "CUMSUM": "CumsumOptions",
}
"""The builtin options table of each operator written with options."""


# ------------------------------------------------------------------------- model


@dataclass
class _Tensor:
    """One tensor of the subgraph: shape, TFLite type name, buffer and quantization."""

    name: str
    shape: tuple[int, ...]
    type_name: str
    buffer: int = 0
    scales: list[float] | None = None
    zero_points: list[int] | None = None
    axis: int = 0


@dataclass
class _Operator:
    """One operator: opcode name, tensor indices and builtin options by schema field."""

    opcode: str
    inputs: list[int]
    outputs: list[int]
    options: dict[str, Any] = field(default_factory=dict)


@dataclass
class _Graph:
    """The tensors, buffers and operators collected from a module."""

    tensors: list[_Tensor] = field(default_factory=list)
    buffers: list[bytes] = field(default_factory=lambda: [b""])
    operators: list[_Operator] = field(default_factory=list)
    inputs: list[int] = field(default_factory=list)
    outputs: list[int] = field(default_factory=list)

    def add(self, tensor: _Tensor, data: bytes | None = None) -> int:
        """Append a tensor (a constant when ``data`` is given); its index."""
        if data is not None:
            self.buffers.append(data)
            tensor.buffer = len(self.buffers) - 1
        self.tensors.append(tensor)
        return len(self.tensors) - 1

    def int32_constant(self, name: str, values: np.ndarray) -> int:
        """An INT32 constant tensor (shapes, paddings, axes; a scalar for ``shape ()``)."""
        array = np.ascontiguousarray(values, dtype="<i4")
        return self.add(_Tensor(name, tuple(array.shape), "INT32"), array.tobytes())


# ------------------------------------------------------------------------- types


def _type_name(element: Any, where: str) -> str:
    """The TFLite tensor type of an nn element type (``ui8``, a model's uint8 input or
    output: ``UINT8``)."""
    storage = element.storage if isinstance(element, nn.QuantType) else element
    if isinstance(storage, Float32Type):
        return "FLOAT32"
    if isinstance(storage, IntegerType) and storage.width.data == 1:
        return "BOOL"
    if isinstance(storage, IntegerType):
        width = storage.width.data
        if storage.signedness.data == Signedness.UNSIGNED:
            if width == 8:
                return "UINT8"
        elif width in (8, 16, 32, 64):
            return f"INT{width}"
    raise StaiError(f"{where}: element type {element} cannot be written to TFLite")


def _tensor_of(name: str, t: Any, where: str) -> _Tensor:
    """A `_Tensor` with the shape, type and quantization of tensor type ``t``."""
    if not isinstance(t, TensorType):
        raise StaiError(f"{where}: {t} is not a tensor type")
    tensor = _Tensor(name, tuple(int(d) for d in t.get_shape()), _type_name(t.element_type, where))
    q = t.element_type
    if isinstance(q, nn.QuantType):
        tensor.scales = [float(np.float32(s)) for s in q.scale_list()]
        tensor.zero_points = q.zero_point_list()
        tensor.axis = max(q.axis.data, 0)
    return tensor


def _ints(attr: DenseArrayBase) -> list[int]:
    if not isa(attr, DenseArrayBase[IntegerType]):
        raise StaiError(f"{attr} is not an integer array")
    return [int(v) for v in attr.get_values()]


def _shape(value: SSAValue) -> tuple[int, ...]:
    """The shape of a tensor value (an ``nn`` operand or result)."""
    t = value.type
    if not isinstance(t, TensorType):
        raise StaiError(f"{t} is not a tensor type")
    return tuple(t.get_shape())


def _padding(size: int, kernel: int, stride: int, dilation: int, code: int) -> tuple[int, int]:
    """(before, after) padding of one spatial axis under TFLite's SAME or VALID."""
    effective = (kernel - 1) * dilation + 1
    out = (size + stride - 1) // stride if code == _SAME else (size - effective + stride) // stride
    total = max((out - 1) * stride + effective - size, 0)
    return total // 2, total - total // 2


def _padding_code(
    shape: tuple[int, ...],
    kernel: list[int],
    strides: list[int],
    dilations: list[int],
    pads: list[int],
) -> int | None:
    """SAME or VALID when explicit pads [top, bottom, left, right] equal it, else None."""
    for code in (_VALID, _SAME):
        h = _padding(shape[1], kernel[0], strides[0], dilations[0], code)
        w = _padding(shape[2], kernel[1], strides[1], dilations[1], code)
        if [*h, *w] == pads:
            return code
    return None


# ------------------------------------------------------------------------ writer


class _Writer:
    """Walks ``@main`` and collects its tensors and operators into a `_Graph`."""

    def __init__(self, main: func.FuncOp):
        self.main = main
        self.graph = _Graph()
        self.index: dict[SSAValue, int] = {}
        self.count = 0

    def _name(self, op: Operation | None, fallback: str) -> str:
        name = op.attributes.get("nn.name") if op is not None else None
        return name.data if isinstance(name, StringAttr) else fallback

    def _fresh(self, stem: str) -> str:
        self.count += 1
        return f"{stem}_{self.count}"

    def run(self) -> _Graph:
        attrs = self.main.arg_attrs.data if self.main.arg_attrs is not None else None
        for i, arg in enumerate(self.main.body.block.args):
            entry = attrs[i].data.get("nn.name") if attrs is not None else None
            name = entry.data if isinstance(entry, StringAttr) else f"input_{i}"
            index = self.graph.add(_tensor_of(name, arg.type, f"input {i}"))
            self.index[arg] = index
            self.graph.inputs.append(index)
        for op in self.main.body.block.ops:
            if isinstance(op, func.ReturnOp):
                self._outputs(op)
            else:
                self._op(op)
        return self.graph

    def _outputs(self, op: func.ReturnOp) -> None:
        """The model outputs, named as ``@main``'s results when they are named."""
        attrs = self.main.res_attrs.data if self.main.res_attrs is not None else None
        for i, value in enumerate(op.operands):
            index = self._value(value, op.name)
            entry = attrs[i].data.get("nn.name") if attrs is not None else None
            if isinstance(entry, StringAttr) and index not in self.graph.inputs:
                self.graph.tensors[index].name = entry.data
            self.graph.outputs.append(index)

    def _value(self, value: SSAValue, where: str) -> int:
        if value not in self.index:
            raise StaiError(f"{where}: reads a value the writer has not seen")
        return self.index[value]

    def _result(self, op: Operation) -> int:
        """The tensor of ``op``'s single result."""
        where = self._name(op, op.name)
        stem = op.name.removeprefix("nn.")
        if op.operands and op.operands[0] in self.index:
            stem = f"{self.graph.tensors[self.index[op.operands[0]]].name}/{stem}"
        name = self._name(op, self._fresh(stem))
        index = self.graph.add(_tensor_of(name, op.results[0].type, where))
        self.index[op.results[0]] = index
        return index

    def _emit(
        self, op: Operation, opcode: str, extra: list[int] | None = None, **options: Any
    ) -> None:
        inputs = [self._value(v, op.name) for v in op.operands] + (extra or [])
        self.graph.operators.append(_Operator(opcode, inputs, [self._result(op)], options))

    def _op(self, op: Operation) -> None:
        name = op.name
        if isinstance(op, nn.ConstantOp):
            self._constant(op)
        elif name in _UNARY:
            self._emit(op, _UNARY[name])
        elif name in _BINARY:
            self._emit(op, _BINARY[name][0], FusedActivationFunction=self._act(op))
        elif isinstance(op, (nn.Conv2DOp, nn.DepthwiseConv2DOp)):
            self._conv(op)
        elif isinstance(op, nn.FullyConnectedOp):
            rank = len(_shape(op.output))
            self._emit(
                op, "FULLY_CONNECTED", FusedActivationFunction=self._act(op), KeepNumDims=rank != 2
            )
        elif isinstance(op, (nn.AvgPool2DOp, nn.MaxPool2DOp, L2Pool2DOp)):
            self._pool(op)
        elif isinstance(op, nn.ReshapeOp):
            shape = np.array(_shape(op.output), np.int32)
            target = self.graph.int32_constant(self._fresh("shape"), shape)
            self._emit(op, "RESHAPE", [target], NewShape=[int(d) for d in shape])
        elif isinstance(op, nn.SoftmaxOp):
            self._emit(op, "SOFTMAX", Beta=float(op.beta.value.data))
        elif isinstance(op, nn.LeakyReluOp):
            self._emit(op, "LEAKY_RELU", Alpha=float(op.alpha.value.data))
        elif isinstance(op, nn.PadOp):
            pads = np.array(_ints(op.pads), np.int32).reshape(-1, 2)
            self._emit(op, "PAD", [self.graph.int32_constant(self._fresh("paddings"), pads)])
        elif isinstance(op, nn.ConcatOp):
            self._emit(
                op, "CONCATENATION", Axis=op.axis.value.data, FusedActivationFunction=self._act(op)
            )
        elif isinstance(op, nn.MeanOp):
            axes = self.graph.int32_constant(self._fresh("axes"), np.array(_ints(op.axes)))
            self._emit(op, "MEAN", [axes], KeepDims=bool(op.keep_dims.value.data))
        elif isinstance(op, CompareOp):
            self._emit(op, _COMPARE[op.predicate.data])
        elif isinstance(op, LogicalOp):
            self._emit(op, "LOGICAL_AND" if op.function.data == "and" else "LOGICAL_OR")
        elif isinstance(op, BatchMatmulOp):
            adj_x, adj_y = bool(op.adj_x.value.data), bool(op.adj_y.value.data)
            self._emit(op, "BATCH_MATMUL", AdjX=adj_x, AdjY=adj_y)
        elif isinstance(op, L2NormalizationOp):
            self._emit(op, "L2_NORMALIZATION", FusedActivationFunction=_ACTIVATIONS["none"])
        elif isinstance(op, CumsumOp):
            axis = self.graph.int32_constant(self._fresh("axis"), np.array(op.axis.value.data))
            exclusive, reverse = bool(op.exclusive.value.data), bool(op.reverse.value.data)
            self._emit(op, "CUMSUM", [axis], Exclusive=exclusive, Reverse=reverse)
        else:
            raise StaiError(f"{name} cannot be written to TFLite")

    def _act(self, op: Operation) -> int:
        act = getattr(op, "activation", None)
        key = act.data if isinstance(act, StringAttr) else "none"
        if key not in _ACTIVATIONS:
            raise StaiError(f"{op.name}: activation '{key}' has no TFLite equivalent")
        return _ACTIVATIONS[key]

    def _constant(self, op: nn.ConstantOp) -> None:
        array = op.to_numpy()
        t = _tensor_of(self._name(op, self._fresh("const")), op.output.type, op.name)
        dtype = np.dtype(array.dtype).newbyteorder("<")
        index = self.graph.add(t, np.ascontiguousarray(array, dtype=dtype).tobytes())
        self.index[op.output] = index

    def _conv(self, op: nn.Conv2DOp | nn.DepthwiseConv2DOp) -> None:
        x_shape = _shape(op.input)
        w_shape = _shape(op.filter)
        strides, dilations, pads = _ints(op.strides), _ints(op.dilations), _ints(op.pads)
        kernel = [w_shape[1], w_shape[2]]
        code = _padding_code(x_shape, kernel, strides, dilations, pads)
        inputs = [self._value(v, op.name) for v in op.operands]
        if code is None:
            inputs[0] = self._explicit_pad(op, x_shape, pads)
            code = _VALID
        options: dict[str, Any] = {
            "Padding": code,
            "StrideH": strides[0],
            "StrideW": strides[1],
            "DilationHFactor": dilations[0],
            "DilationWFactor": dilations[1],
            "FusedActivationFunction": self._act(op),
        }
        opcode = "CONV_2D"
        if isinstance(op, nn.DepthwiseConv2DOp):
            opcode = "DEPTHWISE_CONV_2D"
            options["DepthMultiplier"] = op.depth_multiplier.value.data
        self.graph.operators.append(_Operator(opcode, inputs, [self._result(op)], options))

    def _explicit_pad(self, op: Operation, x_shape: tuple[int, ...], pads: list[int]) -> int:
        """A PAD operator giving ``op``'s input its explicit pads; the padded tensor."""
        x = self._value(op.operands[0], op.name)
        source = self.graph.tensors[x]
        top, bottom, left, right = pads
        shape = (x_shape[0], x_shape[1] + top + bottom, x_shape[2] + left + right, x_shape[3])
        padded = self.graph.add(
            _Tensor(
                self._fresh(f"{source.name}_padded"),
                shape,
                source.type_name,
                0,
                source.scales,
                source.zero_points,
                source.axis,
            )
        )
        amounts = np.array([[0, 0], [top, bottom], [left, right], [0, 0]], np.int32)
        paddings = self.graph.int32_constant(self._fresh("paddings"), amounts)
        self.graph.operators.append(_Operator("PAD", [x, paddings], [padded]))
        return padded

    def _pool(self, op: nn.AvgPool2DOp | nn.MaxPool2DOp | L2Pool2DOp) -> None:
        x_shape = _shape(op.input)
        kernel, strides, pads = _ints(op.kernel), _ints(op.strides), _ints(op.pads)
        code = _padding_code(x_shape, kernel, strides, [1, 1], pads)
        if code is None:
            raise StaiError(f"{op.name}: pads {pads} are neither TFLite's SAME nor VALID")
        opcode = {nn.AvgPool2DOp: "AVERAGE_POOL_2D", nn.MaxPool2DOp: "MAX_POOL_2D"}.get(
            type(op), "L2_POOL_2D"
        )
        self._emit(
            op,
            opcode,
            Padding=code,
            StrideH=strides[0],
            StrideW=strides[1],
            FilterHeight=kernel[0],
            FilterWidth=kernel[1],
            FusedActivationFunction=self._act(op),
        )


# -------------------------------------------------------------------- flatbuffer


def _schema(name: str) -> Any:
    """The generated schema module ``tflite.<name>`` (its builder functions)."""
    return importlib.import_module(f"tflite.{name}")


def _offsets(b: Any, items: list[int]) -> int:
    """A vector of table offsets."""
    b.StartVector(4, len(items), 4)
    for item in reversed(items):
        b.PrependUOffsetTRelative(item)
    return b.EndVector()


_TYPE_CODES = {"FLOAT32": 0, "INT32": 2, "UINT8": 3, "INT64": 4, "BOOL": 6, "INT16": 7, "INT8": 9}
"""TFLite TensorType values."""


class _Serializer:
    """Writes a `_Graph` as a .tflite flatbuffer."""

    def __init__(self, graph: _Graph):
        import flatbuffers
        from tflite.utils import BUILTIN_OPCODE2NAME

        self.graph = graph
        self.b = flatbuffers.Builder(1024)
        self.codes = {name: code for code, name in BUILTIN_OPCODE2NAME.items()}
        self.opcodes = sorted({op.opcode for op in graph.operators})

    def bytes(self) -> bytes:
        b, M = self.b, _schema("Model")
        buffers = [self._buffer(data) for data in self.graph.buffers]
        graph = self._subgraph()
        codes = [self._opcode(name) for name in self.opcodes]
        description = b.CreateString("stai quantized model")
        codes_vec, graphs_vec, buffers_vec = (
            _offsets(b, codes),
            _offsets(b, [graph]),
            _offsets(b, buffers),
        )
        M.ModelStart(b)
        M.ModelAddVersion(b, 3)
        M.ModelAddOperatorCodes(b, codes_vec)
        M.ModelAddSubgraphs(b, graphs_vec)
        M.ModelAddDescription(b, description)
        M.ModelAddBuffers(b, buffers_vec)
        b.Finish(M.ModelEnd(b), file_identifier=b"TFL3")
        return bytes(b.Output())

    def _buffer(self, data: bytes) -> int:
        b, B = self.b, _schema("Buffer")
        vec = None
        if data:
            b.StartVector(1, len(data), 16)  # 16-byte aligned constant data
            b.head = b.head - len(data)
            b.Bytes[b.head : b.head + len(data)] = data
            vec = b.EndVector()
        B.BufferStart(b)
        if vec is not None:
            B.BufferAddData(b, vec)
        return B.BufferEnd(b)

    def _opcode(self, name: str) -> int:
        b, ops = self.b, _schema("OperatorCode")
        code = self.codes[name]
        ops.OperatorCodeStart(b)
        ops.OperatorCodeAddDeprecatedBuiltinCode(b, min(code, 127))
        ops.OperatorCodeAddBuiltinCode(b, code)
        ops.OperatorCodeAddVersion(b, 1)
        return ops.OperatorCodeEnd(b)

    def _ints(self, values: list[int]) -> int:
        return self.b.CreateNumpyVector(np.array(values, dtype=np.int32))

    def _subgraph(self) -> int:
        b, S = self.b, _schema("SubGraph")
        tensors = [self._tensor(t) for t in self.graph.tensors]
        operators = [self._operator(op) for op in self.graph.operators]
        tensors_vec, ops_vec = _offsets(b, tensors), _offsets(b, operators)
        in_vec, out_vec = self._ints(self.graph.inputs), self._ints(self.graph.outputs)
        name = b.CreateString("main")
        S.SubGraphStart(b)
        S.SubGraphAddTensors(b, tensors_vec)
        S.SubGraphAddInputs(b, in_vec)
        S.SubGraphAddOutputs(b, out_vec)
        S.SubGraphAddOperators(b, ops_vec)
        S.SubGraphAddName(b, name)
        return S.SubGraphEnd(b)

    def _tensor(self, t: _Tensor) -> int:
        b, T = self.b, _schema("Tensor")
        name = b.CreateString(t.name)
        shape = self._ints(list(t.shape))
        quant = None
        if t.scales is not None:
            scales = b.CreateNumpyVector(np.array(t.scales, dtype=np.float32))
            zps = b.CreateNumpyVector(np.array(t.zero_points, dtype=np.int64))
            Q = _schema("QuantizationParameters")
            Q.QuantizationParametersStart(b)
            Q.QuantizationParametersAddScale(b, scales)
            Q.QuantizationParametersAddZeroPoint(b, zps)
            Q.QuantizationParametersAddQuantizedDimension(b, t.axis)
            quant = Q.QuantizationParametersEnd(b)
        T.TensorStart(b)
        T.TensorAddShape(b, shape)
        T.TensorAddType(b, _TYPE_CODES[t.type_name])
        T.TensorAddBuffer(b, t.buffer)
        T.TensorAddName(b, name)
        if quant is not None:
            T.TensorAddQuantization(b, quant)
        return T.TensorEnd(b)

    def _options(self, op: _Operator) -> tuple[int | None, int]:
        """The builtin options table of ``op`` and its union type (0 when none)."""
        import tflite

        table = _OPTION_TABLES.get(op.opcode)
        if table is None:
            return None, 0
        vectors = {k: self._ints(v) for k, v in op.options.items() if isinstance(v, list)}
        module = _schema(table)
        getattr(module, f"{table}Start")(self.b)
        for key, value in op.options.items():
            getattr(module, f"{table}Add{key}")(self.b, vectors.get(key, value))
        return getattr(module, f"{table}End")(self.b), getattr(tflite.BuiltinOptions, table)

    def _operator(self, op: _Operator) -> int:
        b, ops = self.b, _schema("Operator")
        options, options_type = self._options(op)
        in_vec, out_vec = self._ints(op.inputs), self._ints(op.outputs)
        ops.OperatorStart(b)
        ops.OperatorAddOpcodeIndex(b, self.opcodes.index(op.opcode))
        ops.OperatorAddInputs(b, in_vec)
        ops.OperatorAddOutputs(b, out_vec)
        if options is not None:
            ops.OperatorAddBuiltinOptionsType(b, options_type)
            ops.OperatorAddBuiltinOptions(b, options)
        return ops.OperatorEnd(b)


# ------------------------------------------------------------------------ entry


def _main(module: ModuleOp) -> func.FuncOp:
    for op in module.ops:
        if isinstance(op, func.FuncOp):
            return op
    raise StaiError("the module has no function to write")


def tflite_bytes(module: ModuleOp) -> bytes:
    """The ``.tflite`` bytes of an ``nn``-level module (see the module docstring)."""
    try:
        import flatbuffers  # noqa: F401
        import tflite  # noqa: F401
    except ImportError as exc:
        raise StaiError(
            f"writing .tflite needs the flatbuffers and tflite packages ({exc})"
        ) from None
    return _Serializer(_Writer(_main(module)).run()).bytes()


def write_tflite(module: ModuleOp, path: str | Path) -> Path:
    """Write ``module`` (``nn`` level) as a ``.tflite`` model at ``path``; the path."""
    out = Path(path)
    data = tflite_bytes(module)
    try:
        out.write_bytes(data)
    except OSError as exc:
        raise StaiError(f"cannot write {out}: {exc.strerror}") from None
    return out
