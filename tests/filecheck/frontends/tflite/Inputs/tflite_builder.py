"""A minimal writer of TFLite flatbuffers for tests (with the `tflite`/`flatbuffers` packages).

`ModelBuilder` collects tensors (with optional constant data and quantization) and
operators (with builtin options given as a dict of schema field names), then `build()`
returns the .tflite bytes. It writes exactly what it is told, so tests can also make
models that TensorFlow's converter never would (unsupported types, dynamic shapes, several
subgraphs, unsupported operators).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Any

import flatbuffers
import numpy as np
import tflite
from tflite.utils import BUILTIN_OPCODE2NAME

_OPCODES = {name: code for code, name in BUILTIN_OPCODE2NAME.items()}

_TYPES = {
    "FLOAT32": (tflite.TensorType.FLOAT32, "<f4"),
    "FLOAT16": (tflite.TensorType.FLOAT16, "<f2"),
    "INT8": (tflite.TensorType.INT8, "i1"),
    "UINT8": (tflite.TensorType.UINT8, "u1"),
    "INT16": (tflite.TensorType.INT16, "<i2"),
    "INT32": (tflite.TensorType.INT32, "<i4"),
    "INT64": (tflite.TensorType.INT64, "<i8"),
}

_OPTIONS = {
    "CONV_2D": "Conv2DOptions",
    "DEPTHWISE_CONV_2D": "DepthwiseConv2DOptions",
    "FULLY_CONNECTED": "FullyConnectedOptions",
    "AVERAGE_POOL_2D": "Pool2DOptions",
    "MAX_POOL_2D": "Pool2DOptions",
    "ADD": "AddOptions",
    "SUB": "SubOptions",
    "MUL": "MulOptions",
    "DIV": "DivOptions",
    "CONCATENATION": "ConcatenationOptions",
    "SOFTMAX": "SoftmaxOptions",
    "MEAN": "ReducerOptions",
    "LEAKY_RELU": "LeakyReluOptions",
    "RESHAPE": "ReshapeOptions",
    "GATHER": "GatherOptions",
    "SPLIT": "SplitOptions",
    "STRIDED_SLICE": "StridedSliceOptions",
    "DEPTH_TO_SPACE": "DepthToSpaceOptions",
}
"""The builtin options table of each operator the builder can give options to."""


@dataclass
class _Tensor:
    name: str
    shape: tuple[int, ...]
    type_name: str
    buffer: int
    scales: tuple[float, ...] | None
    zero_points: tuple[int, ...] | None
    axis: int
    signature: tuple[int, ...] | None


@dataclass
class _Operator:
    opcode: str
    inputs: tuple[int, ...]
    outputs: tuple[int, ...]
    options: dict[str, Any] = field(default_factory=dict)


class ModelBuilder:
    """Collects one subgraph's tensors and operators and writes them as a .tflite model."""

    def __init__(self) -> None:
        self.tensors: list[_Tensor] = []
        self.buffers: list[bytes] = [b""]
        self.operators: list[_Operator] = []

    def tensor(
        self,
        name: str,
        shape: tuple[int, ...],
        type_name: str = "FLOAT32",
        data: np.ndarray | None = None,
        scales: tuple[float, ...] | None = None,
        zero_points: tuple[int, ...] | None = None,
        axis: int = 0,
        signature: tuple[int, ...] | None = None,
    ) -> int:
        """Add a tensor (a constant when `data` is given) and return its index."""
        buffer = 0
        if data is not None:
            dtype = _TYPES[type_name][1]
            self.buffers.append(np.ascontiguousarray(data, dtype=dtype).tobytes())
            buffer = len(self.buffers) - 1
        if scales is not None and zero_points is None:
            zero_points = (0,) * len(scales)
        self.tensors.append(
            _Tensor(
                name,
                tuple(shape),
                type_name,
                buffer,
                tuple(scales) if scales is not None else None,
                tuple(zero_points) if zero_points is not None else None,
                axis,
                tuple(signature) if signature is not None else None,
            )
        )
        return len(self.tensors) - 1

    def op(self, opcode: str, inputs: list[int], outputs: list[int], **options: Any) -> None:
        """Add an operator; `options` are its builtin options by schema field name."""
        self.operators.append(_Operator(opcode, tuple(inputs), tuple(outputs), options))

    def build(self, inputs: list[int], outputs: list[int], subgraphs: int = 1) -> bytes:
        """The model as .tflite bytes (the one subgraph repeated `subgraphs` times)."""
        b = flatbuffers.Builder(1024)
        opcode_names = sorted({op.opcode for op in self.operators})
        buffers = [self._buffer(b, data) for data in self.buffers]
        graphs = [self._subgraph(b, opcode_names, inputs, outputs) for _ in range(subgraphs)]
        codes = [self._opcode(b, name) for name in opcode_names]
        description = b.CreateString("stai test model")
        codes_vec = _offsets(b, codes)
        graphs_vec = _offsets(b, graphs)
        buffers_vec = _offsets(b, buffers)
        _m("Model").ModelStart(b)
        _m("Model").ModelAddVersion(b, 3)
        _m("Model").ModelAddOperatorCodes(b, codes_vec)
        _m("Model").ModelAddSubgraphs(b, graphs_vec)
        _m("Model").ModelAddDescription(b, description)
        _m("Model").ModelAddBuffers(b, buffers_vec)
        b.Finish(_m("Model").ModelEnd(b), file_identifier=b"TFL3")
        return bytes(b.Output())

    # ------------------------------------------------------------------ pieces

    @staticmethod
    def _buffer(b: flatbuffers.Builder, data: bytes) -> int:
        vec = b.CreateNumpyVector(np.frombuffer(data, dtype=np.uint8)) if data else None
        _m("Buffer").BufferStart(b)
        if vec is not None:
            _m("Buffer").BufferAddData(b, vec)
        return _m("Buffer").BufferEnd(b)

    @staticmethod
    def _opcode(b: flatbuffers.Builder, name: str) -> int:
        code = _OPCODES[name]
        _m("OperatorCode").OperatorCodeStart(b)
        _m("OperatorCode").OperatorCodeAddDeprecatedBuiltinCode(b, min(code, 127))
        _m("OperatorCode").OperatorCodeAddBuiltinCode(b, code)
        _m("OperatorCode").OperatorCodeAddVersion(b, 1)
        return _m("OperatorCode").OperatorCodeEnd(b)

    def _subgraph(
        self, b: flatbuffers.Builder, opcode_names: list[str], inputs: list[int], outputs: list[int]
    ) -> int:
        tensors = [self._tensor(b, t) for t in self.tensors]
        operators = [self._operator(b, op, opcode_names.index(op.opcode)) for op in self.operators]
        tensors_vec = _offsets(b, tensors)
        ops_vec = _offsets(b, operators)
        in_vec = b.CreateNumpyVector(np.array(inputs, dtype=np.int32))
        out_vec = b.CreateNumpyVector(np.array(outputs, dtype=np.int32))
        name = b.CreateString("main")
        _m("SubGraph").SubGraphStart(b)
        _m("SubGraph").SubGraphAddTensors(b, tensors_vec)
        _m("SubGraph").SubGraphAddInputs(b, in_vec)
        _m("SubGraph").SubGraphAddOutputs(b, out_vec)
        _m("SubGraph").SubGraphAddOperators(b, ops_vec)
        _m("SubGraph").SubGraphAddName(b, name)
        return _m("SubGraph").SubGraphEnd(b)

    @staticmethod
    def _tensor(b: flatbuffers.Builder, t: _Tensor) -> int:
        name = b.CreateString(t.name)
        shape = b.CreateNumpyVector(np.array(t.shape, dtype=np.int32))
        signature = (
            b.CreateNumpyVector(np.array(t.signature, dtype=np.int32))
            if t.signature is not None
            else None
        )
        quant = None
        if t.scales is not None:
            scale_vec = b.CreateNumpyVector(np.array(t.scales, dtype=np.float32))
            zp_vec = b.CreateNumpyVector(np.array(t.zero_points, dtype=np.int64))
            Q = _m("QuantizationParameters")
            Q.QuantizationParametersStart(b)
            Q.QuantizationParametersAddScale(b, scale_vec)
            Q.QuantizationParametersAddZeroPoint(b, zp_vec)
            Q.QuantizationParametersAddQuantizedDimension(b, t.axis)
            quant = Q.QuantizationParametersEnd(b)
        _m("Tensor").TensorStart(b)
        _m("Tensor").TensorAddShape(b, shape)
        _m("Tensor").TensorAddType(b, _TYPES[t.type_name][0])
        _m("Tensor").TensorAddBuffer(b, t.buffer)
        _m("Tensor").TensorAddName(b, name)
        if quant is not None:
            _m("Tensor").TensorAddQuantization(b, quant)
        if signature is not None:
            _m("Tensor").TensorAddShapeSignature(b, signature)
        return _m("Tensor").TensorEnd(b)

    @staticmethod
    def _operator(b: flatbuffers.Builder, op: _Operator, opcode_index: int) -> int:
        options, options_type = None, 0
        table = _OPTIONS.get(op.opcode)
        if table is not None:
            module = importlib.import_module(f"tflite.{table}")
            getattr(module, f"{table}Start")(b)
            for key, value in op.options.items():
                getattr(module, f"{table}Add{key}")(b, value)
            options = getattr(module, f"{table}End")(b)
            options_type = getattr(tflite.BuiltinOptions, table)
        elif op.options:
            raise ValueError(f"no options table known for {op.opcode}")
        in_vec = b.CreateNumpyVector(np.array(op.inputs, dtype=np.int32))
        out_vec = b.CreateNumpyVector(np.array(op.outputs, dtype=np.int32))
        _m("Operator").OperatorStart(b)
        _m("Operator").OperatorAddOpcodeIndex(b, opcode_index)
        _m("Operator").OperatorAddInputs(b, in_vec)
        _m("Operator").OperatorAddOutputs(b, out_vec)
        if options is not None:
            _m("Operator").OperatorAddBuiltinOptionsType(b, options_type)
            _m("Operator").OperatorAddBuiltinOptions(b, options)
        return _m("Operator").OperatorEnd(b)


def _m(name: str) -> Any:
    """The generated schema module ``tflite.<name>`` (its builder functions)."""
    return importlib.import_module(f"tflite.{name}")


def _offsets(b: flatbuffers.Builder, items: list[int]) -> int:
    """A vector of table offsets."""
    b.StartVector(4, len(items), 4)
    for item in reversed(items):
        b.PrependUOffsetTRelative(item)
    return b.EndVector()
