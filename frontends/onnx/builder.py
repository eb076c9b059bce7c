"""The state and the building blocks shared by the ONNX operator translators.

:class:`GraphBuilder` holds what the import knows about each ONNX tensor (its
:data:`~.values.Entry`), appends ``nn`` ops to the ``@main`` block, evaluates constant
nodes, reads the quantization parameters of QDQ and QOperator nodes, and computes the
spatial geometry (strides, dilations, pads) of convolutions and pooling. The operator
families (``linear``, ``elementwise``, ``pooling``, ``shapes``) subclass it, and
``importer.OnnxImporter`` combines them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from numpy.typing import DTypeLike
from xdsl.dialects.builtin import (
    Float32Type,
    IntegerAttr,
    StringAttr,
    TensorType,
    f32,
    i64,
)
from xdsl.ir import Attribute, Block, SSAValue
from xdsl.irdl import IRDLOperation

from stai.dialects import nn
from stai.errors import StaiError, printable_name

from ..checks import check_size
from .validation import node_label
from .values import (
    Const,
    Deq,
    Entry,
    QConst,
    Val,
    make_qtype,
    quant_of,
    shape_of,
    tensor_type,
    to_signed,
)

NHWC = (0, 2, 3, 1)
NCHW = (0, 3, 1, 2)

_NAME_HINT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,39}$")
_NUMBERED = re.compile(r"_[0-9]+$")


def node_attrs(node: Any) -> dict[str, Any]:
    """An ONNX node's attributes by name (strings decoded)."""
    from onnx import helper

    out = {}
    for a in node.attribute:
        value = helper.get_attribute_value(a)
        if isinstance(value, bytes):
            value = value.decode("utf-8", errors="replace")
        out[a.name] = value
    return out


def perm_shape(shape: Sequence[int], perm: Sequence[int]) -> tuple[int, ...]:
    return tuple(shape[p] for p in perm)


def to_last(rank: int) -> tuple[int, ...]:
    """The permutation moving axis 1 (channels) last: NCHW -> NHWC, NCW -> NWC."""
    return (0, *range(2, rank), 1)


def inverse_perm(perm: Sequence[int]) -> tuple[int, ...]:
    inv = [0] * len(perm)
    for i, p in enumerate(perm):
        inv[p] = i
    return tuple(inv)


class GraphBuilder:
    """The import state of one ONNX graph and the helpers every translator uses."""

    def __init__(self, model: Any, name: str, io_transpose: bool, opset: int):
        self.model = model
        self.graph = model.graph
        self.name = name
        self.io_transpose = io_transpose
        self.opset = opset
        self.block = Block()
        self.entries: dict[str, Entry] = {}
        self.absorbed: dict[str, SSAValue] = {}
        """Outputs of ops imported as int8 for the QuantizeLinear that reads them."""
        self.dequantized: dict[SSAValue, SSAValue] = {}
        self.node: Any = None
        self.index = -1
        self.consumers: dict[str, list[Any]] = {}
        for node in self.graph.node:
            for i in node.input:
                if i:
                    self.consumers.setdefault(i, []).append(node)
        self.graph_outputs = {o.name for o in self.graph.output}

    def _error(self, message: str) -> StaiError:
        return StaiError(f"{self.name}: {node_label(self.node)}: {message}")

    # ------------------------------------------------------------------ entries

    def _entry(self, name: str) -> Entry:
        if name not in self.entries:
            if name in self.absorbed:
                raise StaiError(
                    f"{self.name}: internal error: '{printable_name(name)}' was absorbed"
                )
            raise StaiError(
                f"{self.name}: tensor '{printable_name(name)}' is read before it is computed"
            )
        return self.entries[name]

    def _input_name(self, node: Any, position: int) -> str | None:
        if position < len(node.input) and node.input[position]:
            return node.input[position]
        return None

    def _const(
        self, node: Any, position: int, what: str, optional: bool = False
    ) -> np.ndarray | None:
        name = self._input_name(node, position)
        if name is None:
            if optional:
                return None
            raise self._error(f"no {what} input")
        entry = self._entry(name)
        if isinstance(entry, Const):
            return entry.array
        if isinstance(entry, QConst):
            return entry.real()
        raise self._error(f"the {what} must be a constant")

    def _shape(self, name: str) -> tuple[int, ...]:
        entry = self._entry(name)
        if isinstance(entry, Const):
            return tuple(entry.array.shape)
        if isinstance(entry, QConst):
            return tuple(entry.q.shape)
        return shape_of(entry.value)

    def _f32(self, name: str) -> SSAValue:
        """The tensor ``name`` as a float32 ``nn`` value."""
        entry = self._entry(name)
        if isinstance(entry, Const):
            if entry.array.dtype.kind not in "fiub":
                raise self._error(
                    f"constant '{printable_name(name)}' of type {entry.array.dtype} is not supported"
                )
            return self._constant(np.asarray(entry.array, dtype=np.float32))
        if isinstance(entry, QConst):
            return self._constant(entry.real())
        if isinstance(entry, Deq):
            return self._dequantized(entry.value)
        t = tensor_type(entry.value)
        if not isinstance(t.element_type, Float32Type):
            raise self._error(
                f"'{printable_name(name)}' is an integer tensor where a float one is expected"
            )
        return entry.value

    def _q(self, name: str) -> SSAValue | None:
        """The tensor ``name`` as an int8 ``nn`` value, or None if it is float."""
        entry = self._entry(name)
        if isinstance(entry, Deq):
            return entry.value
        if isinstance(entry, Val) and quant_of(entry.value) is not None:
            return entry.value
        if isinstance(entry, QConst) and entry.q.dtype == np.int8 and not entry.qtype.per_channel:
            return self._constant(entry.q, entry.qtype)
        return None

    def _moved(self, name: str) -> tuple[SSAValue, type[Val | Deq]]:
        """The tensor ``name`` for a data-movement op, with the kind of its result."""
        entry = self._entry(name)
        if isinstance(entry, Deq):
            return entry.value, Deq
        if isinstance(entry, Val):
            return entry.value, Val
        return self._f32(name), Val

    def _dequantized(self, value: SSAValue) -> SSAValue:
        if value not in self.dequantized:
            out = TensorType(f32, shape_of(value))
            self.dequantized[value] = self._emit(nn.DequantizeOp, [value], out)
        return self.dequantized[value]

    def _set(self, name: str, value: SSAValue, kind: type[Val | Deq] = Val) -> None:
        self.entries[name] = kind(value)
        self._hint(value, name)

    @staticmethod
    def _hint(value: SSAValue, name: str) -> None:
        if _NAME_HINT.match(name) and not _NUMBERED.search(name):
            value.name_hint = name

    # ------------------------------------------------------------------ emission

    def _emit(
        self,
        cls: type[IRDLOperation],
        operands: Sequence[SSAValue | Sequence[SSAValue]],
        result_type: Attribute,
        props: Mapping[str, Attribute] | None = None,
        name: str | None = None,
    ) -> SSAValue:
        if isinstance(result_type, TensorType):
            shape = result_type.get_shape()
            if any(d < 1 for d in shape):  # a symbolic or empty size left after folding
                raise self._error(f"the result's shape {list(shape)} has a zero or unknown size")
            try:
                check_size("the result", shape, 4)
            except StaiError as exc:
                raise self._error(str(exc)) from None
        op = cls.build(operands=list(operands), result_types=[result_type], properties=props or {})
        if self.index >= 0:
            op.attributes["nn.m_id"] = IntegerAttr(self.index, i64)
        if name is not None:
            op.attributes["nn.name"] = StringAttr(name)
        self.block.add_op(op)
        return op.results[0]

    def _constant(self, array: np.ndarray, qtype: nn.QuantType | None = None) -> SSAValue:
        array = np.asarray(array)
        shape = tuple(array.shape) if array.ndim else (1,)
        element: Attribute = qtype if qtype is not None else f32
        if qtype is None:
            array = array.astype(np.float32)
        op = nn.ConstantOp(np.ascontiguousarray(array.reshape(shape)), TensorType(element, shape))
        if self.index >= 0:
            op.attributes["nn.m_id"] = IntegerAttr(self.index, i64)
        self.block.add_op(op)
        return op.output

    def _transpose_value(self, value: SSAValue, perm: Sequence[int]) -> SSAValue:
        t = tensor_type(value)
        out = TensorType(t.element_type, perm_shape(t.get_shape(), perm))
        return self._emit(nn.TransposeOp, [value], out, {"perm": nn.i64_array(perm)})

    def _reshape_value(
        self, value: SSAValue, shape: Sequence[int], name: str | None = None
    ) -> SSAValue:
        t = tensor_type(value)
        if tuple(shape) == tuple(t.get_shape()) and name is None:
            return value
        return self._emit(
            nn.ReshapeOp, [value], TensorType(t.element_type, tuple(shape)), name=name
        )

    def _to_nhwc(self, value: SSAValue) -> SSAValue:
        """A rank-3 [N, C, L] (as [N, C, 1, L]) or rank-4 NCHW value in NHWC."""
        shape = shape_of(value)
        if len(shape) == 3:
            value = self._transpose_value(value, (0, 2, 1))
            return self._reshape_value(value, (shape[0], 1, shape[2], shape[1]))
        if len(shape) != 4:
            raise self._error(f"expected a rank-3 or rank-4 input, got shape {list(shape)}")
        return self._transpose_value(value, NHWC)

    def _from_nhwc(self, value: SSAValue, rank: int, name: str | None) -> SSAValue:
        if rank == 3:
            n, _, w, c = shape_of(value)
            return self._transpose_value(self._reshape_value(value, (n, w, c)), (0, 2, 1))
        return self._transpose_value(value, NCHW)

    # ------------------------------------------------------------------ folding

    def _fold(self, node: Any) -> None:
        """Evaluate a node whose inputs are all constant with ONNX's reference evaluator."""
        from onnx import helper
        from onnx.reference import ReferenceEvaluator

        feeds, inputs, renamed = {}, [], []
        for k, name in enumerate(node.input):
            if not name:
                renamed.append("")
                continue
            entry = self.entries[name]
            if not isinstance(entry, Const):
                raise self._error(f"'{printable_name(name)}' is not a constant")
            array = entry.array
            key = f"in{k}"
            feeds[key] = array
            renamed.append(key)
            inputs.append(
                helper.make_tensor_value_info(
                    key, helper.np_dtype_to_tensor_dtype(array.dtype), array.shape
                )
            )
        outs = [f"out{k}" for k in range(len(node.output))]
        copy = helper.make_node(node.op_type, renamed, outs, domain=node.domain or None)
        copy.attribute.extend(node.attribute)
        graph = helper.make_graph(
            [copy], "fold", inputs, [helper.make_empty_tensor_value_info(o) for o in outs]
        )
        model = helper.make_model(graph, opset_imports=list(self.model.opset_import))
        try:
            results = ReferenceEvaluator(model).run(None, feeds)
        except Exception as exc:
            message = " ".join(str(exc).split())[:160] or type(exc).__name__
            raise self._error(f"cannot evaluate this constant node: {message}") from exc
        for name, result in zip(node.output, results):
            if name:
                self.entries[name] = Const(np.asarray(result))

    # ------------------------------------------------------------------ quantization parameters

    def _scalar_qtype(
        self, node: Any, scale_pos: int, zp_pos: int, what: str, default_dtype: DTypeLike = np.uint8
    ) -> nn.QuantType:
        """A per-tensor int8 type from a node's (scale, zero point) inputs."""
        scale = self._const(node, scale_pos, f"{what} scale")
        zp = self._const(node, zp_pos, f"{what} zero point", optional=True)
        assert scale is not None
        dtype = np.dtype(default_dtype) if zp is None else zp.dtype
        if zp is None:
            zp = np.zeros(1, dtype)
        if dtype not in (np.int8, np.uint8):
            raise self._error(f"{what}: only int8 and uint8 quantization is supported, not {dtype}")
        if scale.size != 1 or zp.size != 1:
            raise self._error(f"{what}: only per-tensor quantization of activations is supported")
        return self._make_qtype(scale, zp, dtype, -1, what)

    def _qconst(self, node: Any, q: np.ndarray) -> QConst:
        if q.dtype not in (np.int8, np.uint8, np.int32):
            raise self._error(f"constant of type {q.dtype} cannot be dequantized")
        scale = self._const(node, 1, "scale")
        zp = self._const(node, 2, "zero point", optional=True)
        assert scale is not None
        if zp is None:
            zp = np.zeros(1, q.dtype)
        axis = -1
        if scale.size > 1:
            axis = int(node_attrs(node).get("axis", 1))
            axis = axis + q.ndim if axis < 0 else axis
            if not 0 <= axis < q.ndim or q.shape[axis] != scale.size:
                raise self._error("the scales do not match the quantized axis")
        return QConst(to_signed(q), self._make_qtype(scale, zp, q.dtype, axis, "the constant"))

    def _make_qtype(
        self, scale: np.ndarray, zp: np.ndarray, dtype: DTypeLike, axis: int, what: str
    ) -> nn.QuantType:
        """`make_qtype`, its errors naming this node."""
        try:
            return make_qtype(scale, zp, dtype, axis, where=what)
        except StaiError as exc:
            raise self._error(str(exc)) from None

    def _qparams_const(
        self, node: Any, data_pos: int, scale_pos: int, zp_pos: int, what: str
    ) -> QConst:
        """A constant integer input of a QOperator node with its scale and zero point."""
        q = self._const(node, data_pos, what)
        assert q is not None
        entry = self._entry(node.input[data_pos])
        if isinstance(entry, QConst) or q.dtype.kind not in "iu":
            raise self._error(f"the {what} must be an integer constant")
        scale = self._const(node, scale_pos, f"{what} scale")
        zp = self._const(node, zp_pos, f"{what} zero point", optional=True)
        assert scale is not None
        if zp is None:
            zp = np.zeros(1, q.dtype)
        axis = 0 if scale.size > 1 else -1
        return QConst(to_signed(q), self._make_qtype(scale, zp, q.dtype, axis, what))

    def _requantized(self, value: SSAValue, out_type: nn.QuantType, name: str | None) -> SSAValue:
        if quant_of(value) == out_type:
            return value
        return self._emit(nn.QuantizeOp, [value], TensorType(out_type, shape_of(value)), name=name)

    def _q_operand(self, node: Any, data: int, scale: int, zp: int) -> SSAValue | None:
        """A quantized operand of a QOperator node: an int8 value, or an integer constant
        with the node's scale and zero point for it."""
        entry = self._entry(node.input[data])
        if isinstance(entry, Const) and entry.array.dtype.kind in "iu":
            q = self._qparams_const(node, data, scale, zp, "operand")
            if q.qtype.per_channel:
                return None
            return self._constant(q.q, q.qtype)
        return self._q(node.input[data])

    def _qlinear_input(self, node: Any) -> SSAValue:
        x = self._q(node.input[0])
        if x is None:
            raise self._error("the input must be quantized")
        return x

    # ------------------------------------------------------------------ geometry

    def _spatial(
        self,
        attrs: dict[str, Any],
        in_sizes: Sequence[int],
        kernel: Sequence[int],
        ceil_mode: bool = False,
        dilated: bool = True,
    ) -> tuple[list[int], list[int], list[int], list[int]]:
        """Strides, dilations, begin and end pads of each spatial axis (ONNX rules)."""
        n = len(kernel)
        strides = list(attrs.get("strides", [1] * n))
        dilations = list(attrs.get("dilations", [1] * n)) if dilated else [1] * n
        if not dilated and any(d != 1 for d in attrs.get("dilations", [1] * n)):
            raise self._error("dilated pooling is not supported")
        pads = list(attrs.get("pads", [0] * 2 * n))
        auto_pad = attrs.get("auto_pad", "NOTSET")
        if len(strides) != n or len(dilations) != n or len(pads) != 2 * n:
            raise self._error("strides, dilations and pads do not match the kernel's rank")
        if any(s <= 0 for s in strides) or any(d <= 0 for d in dilations):
            raise self._error("strides and dilations must be positive")
        begin, end = pads[:n], pads[n:]
        for i in range(n):
            size, k, s, d = in_sizes[i], kernel[i], strides[i], dilations[i]
            eff = (k - 1) * d + 1
            if auto_pad in ("SAME_UPPER", "SAME_LOWER"):
                out = -(-size // s)
                total = max((out - 1) * s + eff - size, 0)
                small = total // 2
                begin[i], end[i] = (
                    (small, total - small) if auto_pad == "SAME_UPPER" else (total - small, small)
                )
            elif auto_pad == "VALID":
                begin[i], end[i] = 0, 0
            elif auto_pad != "NOTSET":
                raise self._error(f"unknown auto_pad '{printable_name(str(auto_pad))}'")
            if begin[i] < 0 or end[i] < 0:
                raise self._error("negative pads are not supported")
            if ceil_mode:
                span = size + begin[i] + end[i] - eff
                out = -(-span // s) + 1
                if (out - 1) * s >= size + begin[i]:
                    out -= 1
                end[i] += max((out - 1) * s + eff - (size + begin[i] + end[i]), 0)
        return strides, dilations, begin, end

    @staticmethod
    def _out_size(size: int, k: int, s: int, d: int, b: int, e: int) -> int:
        return (size + b + e - ((k - 1) * d + 1)) // s + 1
