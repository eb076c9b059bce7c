"""ONNX translations of the operators of boolean tensors: Equal, Greater, Less,
GreaterOrEqual, LessOrEqual, Not, And, Or, Where and Cast (``dialects/nn_logical.py``).

ONNX's ``bool`` is ``i1``; integer tensors computed at run time (a Cast to INT32 or INT64,
an ArgMax) keep their plain ``i32`` / ``i64`` type. A node whose inputs are all constant
(the Where / Equal / Cast over shapes that exporters write) is evaluated at compile time
by the importer before it reaches these translators. A constant operand of a comparison
or a Where takes the element type of the computed operand it meets; a dequantized int8
(QDQ) operand is read as float.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from xdsl.dialects.builtin import (
    Float32Type,
    IntegerAttr,
    IntegerType,
    StringAttr,
    TensorType,
    f32,
    i1,
    i8,
    i16,
    i32,
    i64,
)
from xdsl.ir import Attribute, SSAValue

from stai.dialects import nn
from stai.dialects.nn_logical import (
    CastOp,
    CompareOp,
    LogicalNotOp,
    LogicalOp,
    SelectOp,
    is_bool,
)
from stai.errors import printable_name

from .builder import GraphBuilder, node_attrs
from .values import Deq, QConst, Val, shape_of, tensor_type

CAST_TARGETS: dict[int, Attribute] = {1: f32, 3: i8, 5: i16, 6: i32, 7: i64, 9: i1}
"""ONNX TensorProto element types a Cast may produce: FLOAT, INT8, INT16, INT32, INT64,
BOOL."""

ELEMENT_TYPES: dict[str, tuple[str, ...]] = {
    "Equal": ("float32", "int32", "int64", "bool"),
    "Greater": ("float32", "int32", "int64"),
    "Less": ("float32", "int32", "int64"),
    "GreaterOrEqual": ("float32", "int32", "int64"),
    "LessOrEqual": ("float32", "int32", "int64"),
    "Not": ("bool",),
    "And": ("bool",),
    "Or": ("bool",),
    "Where": ("float32", "int32", "int64", "bool"),
    "Cast": ("float32", "int8", "int16", "int32", "int64", "bool"),
}
"""The element types of the operands of this module's operators (``stai supported-ops``)."""

_PREDICATES = {
    "Equal": "equal",
    "Greater": "greater",
    "Less": "less",
    "GreaterOrEqual": "greater_equal",
    "LessOrEqual": "less_equal",
}


def _numpy_of(element: Attribute) -> type[np.generic]:
    if isinstance(element, Float32Type):
        return np.float32
    assert isinstance(element, IntegerType)
    return {1: np.bool_, 8: np.int8, 16: np.int16, 32: np.int32, 64: np.int64}[element.width.data]


def _typed_constant(g: GraphBuilder, array: np.ndarray, element: Attribute) -> SSAValue:
    """An ``nn.constant`` of ``array`` in the plain element type ``element``."""
    array = np.asarray(array)
    shape = tuple(array.shape) if array.ndim else (1,)
    data = np.ascontiguousarray(array.astype(_numpy_of(element)).reshape(shape))
    op = nn.ConstantOp(data, TensorType(element, shape))
    if g.index >= 0:
        op.attributes["nn.m_id"] = IntegerAttr(g.index, i64)
    g.block.add_op(op)
    return op.output


def _computed(g: GraphBuilder, name: str) -> SSAValue | None:
    """The tensor ``name`` as a computed value in its own element type (a dequantized
    int8 tensor as float), or None for a constant."""
    entry = g._entry(name)
    if isinstance(entry, Deq):
        return g._f32(name)
    if isinstance(entry, Val):
        return entry.value
    return None


def _operands(g: GraphBuilder, names: list[str]) -> list[SSAValue]:
    """The tensors ``names`` in one element type: the computed ones' (which must agree);
    constants take it (float when every operand is constant, which folding prevents)."""
    computed = [_computed(g, n) for n in names]
    elements = {tensor_type(v).element_type for v in computed if v is not None}
    if len(elements) > 1:
        raise g._error("the operands have different element types")
    element = elements.pop() if elements else f32
    out: list[SSAValue] = []
    for name, value in zip(names, computed):
        if value is not None:
            out.append(value)
            continue
        entry = g._entry(name)
        array = entry.real() if isinstance(entry, QConst) else entry.array  # pyright: ignore[reportAttributeAccessIssue]
        out.append(_typed_constant(g, array, element))
    return out


def _broadcast(g: GraphBuilder, values: list[SSAValue]) -> tuple[int, ...]:
    try:
        return tuple(np.broadcast_shapes(*(shape_of(v) for v in values)))
    except ValueError:
        shapes = ", ".join(str(list(shape_of(v))) for v in values)
        raise g._error(f"operand shapes {shapes} do not broadcast") from None


def onnx_compare(g: GraphBuilder, node: Any) -> None:
    """Equal, Greater, Less, GreaterOrEqual, LessOrEqual: a boolean tensor."""
    a, b = _operands(g, [node.input[0], node.input[1]])
    predicate = _PREDICATES[node.op_type]
    if is_bool(tensor_type(a)) and predicate != "equal":
        raise g._error("booleans compare only for equality")
    out = TensorType(i1, _broadcast(g, [a, b]))
    props = {"predicate": StringAttr(predicate)}
    g._set(node.output[0], g._emit(CompareOp, [a, b], out, props, node.output[0]))


def _bools(g: GraphBuilder, node: Any, count: int) -> list[SSAValue]:
    values = _operands(g, list(node.input[:count]))
    for v in values:
        if not is_bool(tensor_type(v)):
            raise g._error(f"{node.op_type} reads booleans")
    return values


def onnx_logical(g: GraphBuilder, node: Any) -> None:
    """And, Or (with broadcasting)."""
    a, b = _bools(g, node, 2)
    out = TensorType(i1, _broadcast(g, [a, b]))
    props = {"function": StringAttr(node.op_type.lower())}
    g._set(node.output[0], g._emit(LogicalOp, [a, b], out, props, node.output[0]))


def onnx_not(g: GraphBuilder, node: Any) -> None:
    (x,) = _bools(g, node, 1)
    y = g._emit(LogicalNotOp, [x], tensor_type(x), None, node.output[0])
    g._set(node.output[0], y)


def onnx_where(g: GraphBuilder, node: Any) -> None:
    """Where(condition, x, y) with the three operands broadcast; a constant condition (a
    causal or padding mask) is a boolean constant."""
    computed = _computed(g, node.input[0])
    if computed is None:
        entry = g._entry(node.input[0])
        array = entry.real() if isinstance(entry, QConst) else entry.array  # pyright: ignore[reportAttributeAccessIssue]
        cond = _typed_constant(g, np.asarray(array) != 0, i1)
    else:
        cond = computed
    if not is_bool(tensor_type(cond)):
        raise g._error("the condition must be a boolean tensor")
    x, y = _operands(g, [node.input[1], node.input[2]])
    out = TensorType(tensor_type(x).element_type, _broadcast(g, [cond, x, y]))
    g._set(node.output[0], g._emit(SelectOp, [cond, x, y], out, None, node.output[0]))


def onnx_cast(g: GraphBuilder, node: Any) -> None:
    """Cast to FLOAT, INT8, INT16, INT32, INT64 or BOOL (a cast to the same type is the
    tensor itself)."""
    to = int(node_attrs(node).get("to", 0))
    if to not in CAST_TARGETS:
        raise g._error(f"Cast to element type {to} is not supported")
    (x,) = _operands(g, [node.input[0]])
    target = CAST_TARGETS[to]
    t = tensor_type(x)
    if t.element_type == target:
        g._set(node.output[0], x)
        return
    if isinstance(t.element_type, nn.QuantType):
        raise g._error(f"cannot cast the quantized tensor '{printable_name(node.input[0])}'")
    out = TensorType(target, t.get_shape())
    g._set(node.output[0], g._emit(CastOp, [x], out, None, node.output[0]))
