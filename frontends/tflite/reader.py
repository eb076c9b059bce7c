"""Reading a .tflite flatbuffer into plain Python records.

All access to the flatbuffer happens here, inside one guard that turns any failure of the
generated reader (a truncated or corrupt file) into a `StaiError`. The importer only sees
the records below: `TflModel`, `TflTensor`, `TflOperator`, `TflQuant`.
"""

from __future__ import annotations

import inspect
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from stai.errors import StaiError, printable_name

FILE_IDENTIFIER = b"TFL3"
"""The 4 bytes at offset 4 of every TFLite flatbuffer."""


@dataclass(frozen=True)
class TflQuant:
    """Affine quantization of a tensor: ``real = scale * (q - zero_point)``.

    ``axis`` is the quantized dimension when there are several scales, else -1.
    Scales are kept as the float32 values of the file, widened exactly to Python floats.
    """

    scales: tuple[float, ...]
    zero_points: tuple[int, ...]
    axis: int

    @property
    def per_channel(self) -> bool:
        return self.axis >= 0


@dataclass(frozen=True)
class TflTensor:
    """One tensor of the subgraph.

    ``shape`` is the static shape, ``signature`` the shape signature (-1 for a dynamic
    dimension) when the file has one, ``type_name`` the TFLite type (``"FLOAT32"``,
    ``"INT8"``...), ``data`` the raw little-endian bytes of a constant, else None.
    """

    index: int
    name: str
    shape: tuple[int, ...]
    signature: tuple[int, ...] | None
    type_name: str
    quant: TflQuant | None
    data: bytes | None
    has_rank: bool

    @property
    def is_constant(self) -> bool:
        return self.data is not None


@dataclass(frozen=True)
class TflOperator:
    """One operator: its index in the subgraph, builtin name, tensor indices, options.

    ``options`` maps the option table's field names (as the schema spells them, e.g.
    ``"StrideW"``) to their values; empty when the operator has no options. A custom
    operator's options (a flexbuffer) are ``options["CustomOptions"]``, as bytes.
    """

    index: int
    opcode: str
    inputs: tuple[int, ...]
    outputs: tuple[int, ...]
    options: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class TflModel:
    """The single subgraph of a TFLite model."""

    name: str
    tensors: list[TflTensor]
    operators: list[TflOperator]
    inputs: tuple[int, ...]
    outputs: tuple[int, ...]
    subgraphs: tuple[TflModel, ...] = ()
    """Every subgraph's records by index (0: this graph's), when the model has several:
    a CALL_ONCE's initialisation subgraph."""


def _enum_names(enum_class: type) -> dict[int, str]:
    """The value -> name table of a generated flatbuffer enum class."""
    return {
        value: key
        for key, value in vars(enum_class).items()
        if not key.startswith("_") and isinstance(value, int)
    }


def read_model(data: bytes, name: str) -> TflModel:
    """Parse TFLite flatbuffer bytes; raise `StaiError` if they are not a readable model."""
    if len(data) < 8 or data[4:8] != FILE_IDENTIFIER:
        raise StaiError(f"{name}: not a TFLite flatbuffer (no 'TFL3' file identifier)")
    try:
        return _read_model(data, name)
    except StaiError:
        raise
    except Exception as exc:  # the generated reader fails in many ways on bad bytes
        detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise StaiError(f"{name}: corrupt or truncated TFLite file ({detail})") from exc


def _read_model(data: bytes, name: str) -> TflModel:
    import tflite

    buf = bytearray(data)
    model = tflite.Model.GetRootAs(buf, 0)
    n_graphs = model.SubgraphsLength()
    if n_graphs == 0:
        raise StaiError(f"{name}: the model has no subgraph")
    graphs = [_read_graph(model, g, name, data) for g in range(n_graphs)]
    main = graphs[0]
    if n_graphs > 1 and not any(op.opcode == "CALL_ONCE" for op in main.operators):
        raise StaiError(
            f"{name}: the model has {n_graphs} subgraphs (control flow); "
            "only single-subgraph models are supported"
        )
    if n_graphs == 1:
        return main
    from dataclasses import replace

    return replace(main, subgraphs=tuple(graphs))


def _read_graph(model, g: int, name: str, data: bytes) -> TflModel:
    import tflite

    graph = model.Subgraphs(g)
    if graph is None:
        raise StaiError(f"{name}: the subgraph cannot be read")
    type_names = _enum_names(tflite.TensorType)
    tensors = [
        _read_tensor(model, graph.Tensors(i), i, data, type_names)
        for i in range(graph.TensorsLength())
    ]
    opcodes = [_opcode_name(model.OperatorCodes(i)) for i in range(model.OperatorCodesLength())]
    operators = []
    for k in range(graph.OperatorsLength()):
        op = graph.Operators(k)
        if op is None:
            raise StaiError(f"{name}: operator {k} cannot be read")
        opcode_index = op.OpcodeIndex()
        if not 0 <= opcode_index < len(opcodes):
            raise StaiError(f"{name}: operator {k} has an invalid opcode index {opcode_index}")
        operators.append(
            TflOperator(
                index=k,
                opcode=opcodes[opcode_index],
                inputs=_int_vector(op.InputsAsNumpy()),
                outputs=_int_vector(op.OutputsAsNumpy()),
                options=_read_options(op),
            )
        )
    inputs = _int_vector(graph.InputsAsNumpy())
    outputs = _int_vector(graph.OutputsAsNumpy())
    for k, op in enumerate(operators):
        for t in (*op.inputs, *op.outputs):
            if t >= len(tensors) or t < -1:
                raise StaiError(f"{name}: operator {k} refers to tensor {t}, which does not exist")
    for t in (*inputs, *outputs):
        if not 0 <= t < len(tensors):
            raise StaiError(f"{name}: the graph refers to tensor {t}, which does not exist")
    computed = {t for op in operators for t in op.outputs if t >= 0} | set(inputs)
    read = {t for op in operators for t in op.inputs if t >= 0} | set(outputs)
    for t in sorted(computed | read):
        _check_shape(tensors[t], name, t in computed)
    return TflModel(name, tensors, operators, inputs, outputs)


NUMPY_DTYPES: dict[str, str] = {
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

ELEMENT_BYTES = {
    **{name: np.dtype(dtype).itemsize for name, dtype in NUMPY_DTYPES.items()},
    "UINT16": 2,
    "UINT32": 4,
    "UINT64": 8,
}
"""Bytes per element of the fixed-size TFLite types (a constant's data must fill its shape)."""


def _check_shape(t: TflTensor, name: str, computed: bool) -> None:
    """A computed tensor (or a graph input) the graph uses is not empty; a constant of a fixed-size type holds exactly the bytes its shape needs."""
    label = f"{name}: tensor {t.index} ('{printable_name(t.name)}')"
    if any(d < 0 for d in t.shape):
        return  # a dynamic shape: the importer names it
    if t.data is None:
        if computed and 0 in t.shape:
            raise StaiError(f"{label} is empty (shape {list(t.shape)})")
        return
    size = ELEMENT_BYTES.get(t.type_name)
    if size is not None and len(t.data) != size * math.prod(t.shape):
        raise StaiError(
            f"{label} holds {len(t.data)} bytes, but its shape {list(t.shape)} of "
            f"{t.type_name} needs {size * math.prod(t.shape)}"
        )


def _int_vector(values: Any) -> tuple[int, ...]:
    """A flatbuffer int vector (numpy array, or 0 when absent) as a tuple of ints."""
    if isinstance(values, int):
        return ()
    return tuple(int(v) for v in values)


def _opcode_name(code: Any) -> str:
    """The builtin operator name of an operator code (``"CUSTOM:name"`` for custom ops)."""
    from tflite.utils import BUILTIN_OPCODE2NAME

    builtin = max(int(code.BuiltinCode()), int(code.DeprecatedBuiltinCode()))
    opname = BUILTIN_OPCODE2NAME.get(builtin, f"BUILTIN_{builtin}")
    if opname == "CUSTOM":
        custom = code.CustomCode()
        return f"CUSTOM:{custom.decode(errors='replace') if custom else '?'}"
    return opname


def _read_tensor(
    model: Any, tensor: Any, index: int, data: bytes, type_names: dict[int, str]
) -> TflTensor:
    name = tensor.Name()
    shape = _int_vector(tensor.ShapeAsNumpy())
    signature = (
        _int_vector(tensor.ShapeSignatureAsNumpy()) if tensor.ShapeSignatureLength() else None
    )
    quant = _read_quant(tensor.Quantization())
    if quant is not None and quant.per_channel and len(shape) == 1:
        # A 1-D tensor has one axis, whatever its quantized_dimension says: older converters
        # copied the filter's dimension (3) onto depthwise biases, and TFLM never reads it.
        quant = TflQuant(quant.scales, quant.zero_points, 0)
    return TflTensor(
        index=index,
        name=name.decode(errors="replace") if name else f"tensor_{index}",
        shape=shape,
        signature=signature,
        type_name=type_names.get(tensor.Type(), f"TYPE_{tensor.Type()}"),
        quant=quant,
        data=_read_buffer(model, tensor.Buffer(), data),
        has_rank=bool(tensor.HasRank()) or tensor.ShapeLength() > 0,
    )


def _read_buffer(model: Any, buffer_index: int, data: bytes) -> bytes | None:
    """The bytes of a constant's buffer, or None for buffer 0 / an empty buffer."""
    if buffer_index == 0:
        return None
    if buffer_index >= model.BuffersLength():
        raise StaiError(f"buffer index {buffer_index} out of range")
    buffer = model.Buffers(buffer_index)
    offset, size = int(buffer.Offset()), int(buffer.Size())
    if offset > 1:  # data stored after the flatbuffer (models over 2 GB)
        if offset + size > len(data):
            raise StaiError("buffer data lies past the end of the file")
        return bytes(data[offset : offset + size])
    if buffer.DataLength() == 0:
        return None
    return buffer.DataAsNumpy().tobytes()


def _read_quant(q: Any) -> TflQuant | None:
    """The affine quantization of a tensor, or None when it has no scale."""
    if q is None or q.ScaleLength() == 0:
        return None
    scales = tuple(float(np.float32(s)) for s in q.ScaleAsNumpy())
    zps = _int_vector(q.ZeroPointAsNumpy()) if q.ZeroPointLength() else (0,) * len(scales)
    if len(zps) == 1 and len(scales) > 1:
        zps = zps * len(scales)
    axis = int(q.QuantizedDimension()) if len(scales) > 1 else -1
    return TflQuant(scales, zps, axis)


def _read_options(op: Any) -> dict[str, Any]:
    """The operator's builtin options table as a dict of its scalar and vector fields."""
    import tflite

    kind = op.BuiltinOptionsType()
    if kind == 0:
        if op.CustomOptionsLength() > 0:  # a custom operator's flexbuffer
            return {"CustomOptions": op.CustomOptionsAsNumpy().tobytes()}
        return {}
    class_name = _enum_names(tflite.BuiltinOptions).get(kind)
    table = op.BuiltinOptions()
    if class_name is None or table is None or not hasattr(tflite, class_name):
        return {}
    options = getattr(tflite, class_name)()
    options.Init(table.Bytes, table.Pos)
    values: dict[str, Any] = {}
    for attr, method in inspect.getmembers(options, inspect.ismethod):
        if attr.startswith("_") or attr == "Init" or attr.startswith("GetRootAs"):
            continue
        if attr.endswith(("Length", "IsNone")) or "BufferHasIdentifier" in attr:
            continue
        if len(inspect.signature(method).parameters) != 0:
            continue
        value = method()
        if attr.endswith("AsNumpy"):
            values[attr[: -len("AsNumpy")]] = (
                _int_vector(value) if not isinstance(value, int) else ()
            )
        elif isinstance(value, (int, float, bool)):
            values[attr] = value
        elif isinstance(value, bytes):  # VAR_HANDLE's container and shared name
            values[attr] = value.decode(errors="replace")
    return values
