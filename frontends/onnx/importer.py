"""Translation of a prepared ONNX graph into the ``nn`` dialect.

The result is a ``builtin.module`` with one ``func.func @main`` (arguments and results
named ``{nn.name = "..."}`` after the graph's inputs and outputs). Every op carries
``nn.m_id`` (the index of the ONNX node it comes from); an op computing a node's output
carries ``nn.name`` (the output's name).

Layout: ONNX tensors keep their own (channel-first) layout in the imported graph; each
layout-sensitive op (convolutions, pooling, means over H and W) reads an ``nn.transpose``
of its input to NHWC and its result is transposed back. ``optimize-transposes`` then
cancels the transposes that meet and folds the rest into constants and weights. Without
``io_transpose``, a rank-4 input or output is NHWC at the interface.

Constants: initializers, ``Constant`` nodes and every node whose inputs are all constant
(shape computations) are evaluated at compile time with ONNX's reference evaluator.

Quantized models: ``DequantizeLinear`` of an int8 value makes the ONNX float tensor an int8
value read as float (:class:`Deq`); an op whose only reader is a ``QuantizeLinear`` and
that has an int8 kernel is imported as that int8 op with the quantization's output type
(the QDQ pattern); other ops on dequantized values run in float between a
``nn.dequantize`` and a ``nn.quantize``. ``QLinearConv``, ``QLinearMatMul``, ``QGemm``,
``QLinearAdd`` and ``QLinearMul`` (QOperator models) become the same int8 ops.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from xdsl.dialects import func
from xdsl.dialects.builtin import (
    ArrayAttr,
    DictionaryAttr,
    Float32Type,
    FloatAttr,
    IntegerAttr,
    IntegerType,
    ModuleOp,
    StringAttr,
    TensorType,
    f32,
    i64,
)
from xdsl.ir import Attribute, Block, Region, SSAValue
from xdsl.irdl import IRDLOperation

from stai.dialects import nn
from stai.errors import StaiError

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

INT8_OPS = frozenset(
    {"Conv", "Gemm", "MatMul", "Add", "Sub", "Mul", "Relu", "Clip", "AveragePool",
     "GlobalAveragePool", "ReduceMean", "Concat", "MaxPool"}
)
"""Ops imported as int8 ops when a QuantizeLinear alone reads their output (QDQ)."""

NEVER_FOLD = frozenset({"DequantizeLinear"})


def _attrs(node: Any) -> dict[str, Any]:
    from onnx import helper

    out = {}
    for a in node.attribute:
        value = helper.get_attribute_value(a)
        if isinstance(value, bytes):
            value = value.decode("utf-8", errors="replace")
        out[a.name] = value
    return out


def _perm_shape(shape: Sequence[int], perm: Sequence[int]) -> tuple[int, ...]:
    return tuple(shape[p] for p in perm)


def _to_last(rank: int) -> tuple[int, ...]:
    """The permutation moving axis 1 (channels) last: NCHW -> NHWC, NCW -> NWC."""
    return (0, *range(2, rank), 1)


def _inverse(perm: Sequence[int]) -> tuple[int, ...]:
    inv = [0] * len(perm)
    for i, p in enumerate(perm):
        inv[p] = i
    return tuple(inv)


class OnnxImporter:
    """Walks the nodes of one ONNX graph in order and appends ``nn`` ops to ``@main``."""

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
        self.handlers: dict[str, Callable[[Any], None]] = {
            "Conv": self._conv,
            "ConvTranspose": self._conv_transpose,
            "Gemm": self._gemm,
            "MatMul": self._matmul,
            "Add": lambda n: self._binary(n, nn.AddOp),
            "Sub": lambda n: self._binary(n, nn.SubOp),
            "Mul": lambda n: self._binary(n, nn.MulOp),
            "Div": lambda n: self._binary(n, nn.DivOp),
            "Relu": lambda n: self._unary(n, nn.ReluOp),
            "Sigmoid": lambda n: self._unary(n, nn.LogisticOp),
            "Tanh": lambda n: self._unary(n, nn.TanhOp),
            "HardSwish": lambda n: self._unary(n, nn.HardSwishOp),
            "LeakyRelu": self._leaky_relu,
            "HardSigmoid": self._hard_sigmoid,
            "Clip": self._clip,
            "Softmax": self._softmax,
            "MaxPool": lambda n: self._pool(n, nn.MaxPool2DOp),
            "AveragePool": lambda n: self._pool(n, nn.AvgPool2DOp),
            "GlobalAveragePool": self._global_average_pool,
            "GlobalMaxPool": self._global_max_pool,
            "ReduceMean": self._reduce_mean,
            "BatchNormalization": self._batch_norm,
            "Flatten": self._flatten,
            "Reshape": self._reshape,
            "Squeeze": self._squeeze,
            "Unsqueeze": self._unsqueeze,
            "Transpose": self._transpose,
            "Identity": self._identity,
            "Dropout": self._identity,
            "Concat": self._concat,
            "Pad": self._pad,
            "Shape": self._shape_op,
            "Size": self._size_op,
            "LSTM": self._lstm,
            "QuantizeLinear": self._quantize_linear,
            "DequantizeLinear": self._dequantize_linear,
            "QLinearConv": self._qlinear_conv,
            "QLinearMatMul": self._qlinear_matmul,
            "QGemm": self._qgemm,
            "QLinearAdd": lambda n: self._qlinear_binary(n, nn.AddOp),
            "QLinearMul": lambda n: self._qlinear_binary(n, nn.MulOp),
            "QLinearAveragePool": self._qlinear_pool,
            "QLinearGlobalAveragePool": self._qlinear_global_average_pool,
            "QLinearConcat": self._qlinear_concat,
            "QLinearLeakyRelu": lambda n: self._qlinear_float(n, "LeakyRelu"),
            "QLinearSigmoid": lambda n: self._qlinear_float(n, "Sigmoid"),
            "QLinearSoftmax": lambda n: self._qlinear_float(n, "Softmax"),
        }

    # ------------------------------------------------------------------ driver

    def run(self) -> ModuleOp:
        from onnx import numpy_helper

        for init in self.graph.initializer:
            self.entries[init.name] = Const(numpy_helper.to_array(init))
        arg_types, arg_names = [], []
        for value in self.graph.input:
            if value.name in self.entries:
                continue
            arg_types.append(self._input(value))
            arg_names.append(value.name)
        for index, node in enumerate(self.graph.node):
            self.index, self.node = index, node
            self._convert(node)
        self.node, self.index = None, -1
        results, names = [], []
        for out in self.graph.output:
            results.append(self._graph_output(out.name))
            names.append(out.name)
        self.block.add_op(func.ReturnOp(*results))
        main = func.FuncOp(
            "main",
            (arg_types, [r.type for r in results]),
            Region(self.block),
            arg_attrs=ArrayAttr([DictionaryAttr({"nn.name": StringAttr(n)}) for n in arg_names]),
            res_attrs=ArrayAttr([DictionaryAttr({"nn.name": StringAttr(n)}) for n in names]),
        )
        return ModuleOp([main])

    def _input(self, value: Any) -> TensorType:
        tensor = value.type.tensor_type
        if tensor.elem_type != 1:  # FLOAT
            raise StaiError(f"{self.name}: input '{value.name}' is not float32 (only float inputs)")
        shape = tuple(int(d.dim_value) for d in tensor.shape.dim)
        last = not self.io_transpose and len(shape) in (3, 4)
        arg_type = TensorType(f32, _perm_shape(shape, _to_last(len(shape))) if last else shape)
        arg = self.block.insert_arg(arg_type, len(self.block.args))
        self._hint(arg, value.name)
        v: SSAValue = arg
        if last:
            v = self._transpose_value(arg, _inverse(_to_last(len(shape))))
        self.entries[value.name] = Val(v)
        return arg_type

    def _graph_output(self, name: str) -> SSAValue:
        entry = self._entry(name)
        if isinstance(entry, Deq):
            value = self._dequantized(entry.value)
        elif isinstance(entry, Val):
            value = entry.value
        elif isinstance(entry, QConst):
            value = self._constant(entry.real())
        else:
            value = self._constant(np.asarray(entry.array, dtype=np.float32))
        rank = len(shape_of(value))
        if not self.io_transpose and rank in (3, 4):
            value = self._transpose_value(value, _to_last(rank))
        return value

    def _convert(self, node: Any) -> None:
        op = node.op_type
        if node.domain not in ("", "ai.onnx", "com.microsoft"):
            raise self._unsupported(node)
        inputs = [i for i in node.input if i]
        if op not in NEVER_FOLD and all(isinstance(self.entries.get(i), Const) for i in inputs):
            self._fold(node)
            return
        handler = self.handlers.get(op)
        if handler is None or (node.domain == "com.microsoft" and not op.startswith("Q")):
            raise self._unsupported(node)
        quantize = self._sole_quantize_reader(node)
        if quantize is not None and op in INT8_OPS:
            out_type = self._quantize_type(quantize)
            value = self._int8(node, out_type)
            if value is not None:
                self.absorbed[node.output[0]] = value
                return
        handler(node)

    def _unsupported(self, node: Any) -> StaiError:
        domain = f"{node.domain}." if node.domain not in ("", "ai.onnx") else ""
        return StaiError(
            f"{self.name}: unsupported ONNX operator '{domain}{node.op_type}' "
            f"(node '{node.name or node.output[0]}')"
        )

    def _error(self, message: str) -> StaiError:
        node = self.node
        return StaiError(
            f"{self.name}: {node.op_type} (node '{node.name or node.output[0]}'): {message}"
        )

    # ------------------------------------------------------------------ entries

    def _entry(self, name: str) -> Entry:
        if name not in self.entries:
            if name in self.absorbed:
                raise StaiError(f"{self.name}: internal error: '{name}' was absorbed")
            raise StaiError(f"{self.name}: tensor '{name}' is read before it is computed")
        return self.entries[name]

    def _input_name(self, node: Any, position: int) -> str | None:
        if position < len(node.input) and node.input[position]:
            return node.input[position]
        return None

    def _const(self, node: Any, position: int, what: str, optional: bool = False) -> np.ndarray | None:
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
                raise self._error(f"constant '{name}' of type {entry.array.dtype} is not supported")
            return self._constant(np.asarray(entry.array, dtype=np.float32))
        if isinstance(entry, QConst):
            return self._constant(entry.real())
        if isinstance(entry, Deq):
            return self._dequantized(entry.value)
        t = tensor_type(entry.value)
        if not isinstance(t.element_type, Float32Type):
            raise self._error(f"'{name}' is an integer tensor where a float one is expected")
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
        props: dict[str, Attribute] | None = None,
        name: str | None = None,
    ) -> SSAValue:
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
        out = TensorType(t.element_type, _perm_shape(t.get_shape(), perm))
        return self._emit(nn.TransposeOp, [value], out, {"perm": nn.i64_array(perm)})

    def _reshape_value(self, value: SSAValue, shape: Sequence[int], name: str | None = None) -> SSAValue:
        t = tensor_type(value)
        if tuple(shape) == tuple(t.get_shape()) and name is None:
            return value
        return self._emit(nn.ReshapeOp, [value], TensorType(t.element_type, tuple(shape)), name=name)

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
            array = self.entries[name].array  # type: ignore[union-attr]
            key = f"in{k}"
            feeds[key] = array
            renamed.append(key)
            inputs.append(helper.make_tensor_value_info(
                key, helper.np_dtype_to_tensor_dtype(array.dtype), array.shape))
        outs = [f"out{k}" for k in range(len(node.output))]
        copy = helper.make_node(node.op_type, renamed, outs, domain=node.domain or None)
        copy.attribute.extend(node.attribute)
        graph = helper.make_graph(
            [copy], "fold", inputs, [helper.make_empty_tensor_value_info(o) for o in outs])
        model = helper.make_model(graph, opset_imports=list(self.model.opset_import))
        try:
            results = ReferenceEvaluator(model).run(None, feeds)
        except Exception as exc:
            message = " ".join(str(exc).split())[:160] or type(exc).__name__
            raise self._error(f"cannot evaluate this constant node: {message}") from exc
        for name, result in zip(node.output, results):
            if name:
                self.entries[name] = Const(np.asarray(result))

    def _shape_op(self, node: Any) -> None:
        shape = np.array(self._shape(node.input[0]), dtype=np.int64)
        a = _attrs(node)
        start, end = a.get("start", 0), a.get("end", None)
        self.entries[node.output[0]] = Const(shape[start:end])

    def _size_op(self, node: Any) -> None:
        self.entries[node.output[0]] = Const(np.array(math.prod(self._shape(node.input[0])), np.int64))

    # ------------------------------------------------------------------ QDQ

    def _sole_quantize_reader(self, node: Any) -> Any | None:
        outputs = [o for o in node.output if o]
        if len(outputs) != 1 or outputs[0] in self.graph_outputs:
            return None
        readers = self.consumers.get(outputs[0], [])
        if len(readers) == 1 and readers[0].op_type == "QuantizeLinear" \
                and readers[0].input[0] == outputs[0]:
            return readers[0]
        return None

    def _scalar_qtype(self, node: Any, scale_pos: int, zp_pos: int, what: str,
                      default_dtype: type = np.uint8) -> nn.QuantType:
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
        return make_qtype(scale, zp, dtype)

    def _quantize_type(self, q: Any) -> nn.QuantType:
        saved = self.node
        self.node = q
        try:
            return self._scalar_qtype(q, 1, 2, "output")
        finally:
            self.node = saved

    def _quantize_linear(self, node: Any) -> None:
        x = node.input[0]
        out_type = self._scalar_qtype(node, 1, 2, "output")
        if x in self.absorbed:
            value = self.absorbed[x]
            target = TensorType(out_type, shape_of(value))
            if tensor_type(value) != target:
                value = self._emit(nn.QuantizeOp, [value], target, name=node.output[0])
            self._set(node.output[0], value)
            return
        entry = self._entry(x)
        target = TensorType(out_type, self._shape(x))
        if isinstance(entry, Deq) and tensor_type(entry.value) == target:
            self._set(node.output[0], entry.value)
            return
        source = entry.value if isinstance(entry, Deq) else self._f32(x)
        self._set(node.output[0], self._emit(nn.QuantizeOp, [source], target, name=node.output[0]))

    def _dequantize_linear(self, node: Any) -> None:
        x = node.input[0]
        entry = self._entry(x)
        if isinstance(entry, Const):
            self.entries[node.output[0]] = self._qconst(node, entry.array)
            return
        if not isinstance(entry, Val) or quant_of(entry.value) is None:
            raise self._error("the input must be a quantized tensor")
        qtype = self._scalar_qtype(node, 1, 2, "input", default_dtype=np.int8)
        have = quant_of(entry.value)
        assert have is not None
        if np.float32(have.scale) != np.float32(qtype.scale) or have.zero_point != qtype.zero_point:
            raise self._error("its quantization differs from the one of the tensor it reads")
        self._set(node.output[0], entry.value, Deq)

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
            axis = int(_attrs(node).get("axis", 1))
            axis = axis + q.ndim if axis < 0 else axis
            if not 0 <= axis < q.ndim or q.shape[axis] != scale.size:
                raise self._error("the scales do not match the quantized axis")
        return QConst(to_signed(q), make_qtype(scale, zp, q.dtype, axis))

    def _qparams_const(self, node: Any, data_pos: int, scale_pos: int, zp_pos: int, what: str) -> QConst:
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
        return QConst(to_signed(q), make_qtype(scale, zp, q.dtype, axis))

    def _int8(self, node: Any, out_type: nn.QuantType) -> SSAValue | None:
        """``node`` as an int8 op with result type ``out_type``, or None (float instead)."""
        op = node.op_type
        if op == "Conv":
            return self._conv_int8(node, out_type)
        if op in ("Gemm", "MatMul"):
            return self._fc_int8(node, out_type)
        if op in ("Add", "Sub", "Mul"):
            cls = {"Add": nn.AddOp, "Sub": nn.SubOp, "Mul": nn.MulOp}[op]
            a, b = self._q(node.input[0]), self._q(node.input[1])
            if a is None or b is None:
                return None
            return self._binary_values(cls, a, b, out_type, node.output[0])
        x = self._q(node.input[0])
        if x is None:
            return None
        name = node.output[0]
        if op == "Relu":
            return self._emit(nn.ReluOp, [x], TensorType(out_type, shape_of(x)), name=name)
        if op == "Clip":
            lo, hi = self._clip_bounds(node)
            props = {"min": FloatAttr(lo, f32), "max": FloatAttr(hi, f32)}
            return self._emit(nn.ClampOp, [x], TensorType(out_type, shape_of(x)), props, name)
        if op in ("AveragePool", "MaxPool"):
            cls = nn.AvgPool2DOp if op == "AveragePool" else nn.MaxPool2DOp
            pooled = self._pool_value(node, cls, x, quant_of(x), None)
            return self._requantized(pooled, out_type, name)
        if op in ("GlobalAveragePool", "ReduceMean"):
            return self._mean(node, x, out_type)
        if op == "Concat":
            parts = [self._q(i) for i in node.input]
            if any(p is None for p in parts):
                return None
            parts = [self._requantized(p, out_type, None) for p in parts]  # type: ignore[arg-type]
            return self._concat_values(node, parts, out_type)
        return None

    def _requantized(self, value: SSAValue, out_type: nn.QuantType, name: str | None) -> SSAValue:
        if quant_of(value) == out_type:
            return value
        return self._emit(nn.QuantizeOp, [value], TensorType(out_type, shape_of(value)), name=name)

    # ------------------------------------------------------------------ geometry

    def _spatial(self, attrs: dict[str, Any], in_sizes: Sequence[int], kernel: Sequence[int],
                 ceil_mode: bool = False, dilated: bool = True) -> tuple[list[int], list[int], list[int], list[int]]:
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
                begin[i], end[i] = (small, total - small) if auto_pad == "SAME_UPPER" else (total - small, small)
            elif auto_pad == "VALID":
                begin[i], end[i] = 0, 0
            elif auto_pad != "NOTSET":
                raise self._error(f"unknown auto_pad '{auto_pad}'")
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

    # ------------------------------------------------------------------ convolution

    def _conv_parts(self, node: Any, x_shape: tuple[int, ...], w_shape: tuple[int, ...]) -> dict[str, Any]:
        """Geometry of a Conv node: nn properties, output NHWC shape, kind of conv."""
        a = _attrs(node)
        rank = len(x_shape)
        if rank not in (3, 4) or len(w_shape) != rank:
            raise self._error("only 1-D and 2-D convolutions are supported")
        kernel = list(a.get("kernel_shape", w_shape[2:]))
        if list(kernel) != list(w_shape[2:]):
            raise self._error("kernel_shape differs from the weights' shape")
        spatial = list(x_shape[2:])
        strides, dilations, begin, end = self._spatial(a, spatial, kernel)
        if rank == 3:
            kernel, spatial = [1] + kernel, [1] + spatial
            strides, dilations, begin, end = [1] + strides, [1] + dilations, [0] + begin, [0] + end
        out = [self._out_size(spatial[i], kernel[i], strides[i], dilations[i], begin[i], end[i])
               for i in range(2)]
        if min(out) <= 0:
            raise self._error("the output would be empty")
        group = int(a.get("group", 1))
        c_in, m = x_shape[1], w_shape[0]
        if group <= 0 or c_in % group or m % group or w_shape[1] != c_in // group:
            raise self._error(f"group {group} does not fit {c_in} input and {m} output channels")
        kind = "conv" if group == 1 else ("depthwise" if group == c_in else "grouped")
        return {
            "strides": nn.i64_array(strides),
            "dilations": nn.i64_array(dilations),
            "pads": nn.i64_array([begin[0], end[0], begin[1], end[1]]),
            "activation": StringAttr("none"),
            "kind": kind,
            "out_shape": (x_shape[0], out[0], out[1], m),
            "kernel": kernel,
            "multiplier": m // c_in if kind == "depthwise" else 1,
        }

    @staticmethod
    def _nn_filter(w: np.ndarray, kind: str, kernel: Sequence[int]) -> np.ndarray:
        """ONNX weights [M, C/g, (kh,) kw] as an nn filter (conv [M, kh, kw, C/g],
        depthwise [1, kh, kw, M])."""
        w = w.reshape(w.shape[0], w.shape[1], kernel[0], kernel[1])
        if kind == "depthwise":
            return np.ascontiguousarray(w[:, 0].transpose(1, 2, 0)[None])
        return np.ascontiguousarray(w.transpose(0, 2, 3, 1))

    def _emit_conv(self, x: SSAValue, parts: dict[str, Any], filt: SSAValue, bias: SSAValue,
                   element: Attribute, rank: int, name: str) -> SSAValue:
        props = {k: parts[k] for k in ("strides", "dilations", "pads", "activation")}
        cls: type[IRDLOperation] = nn.Conv2DOp
        if parts["kind"] == "depthwise":
            cls = nn.DepthwiseConv2DOp
            props["depth_multiplier"] = IntegerAttr(parts["multiplier"], i64)
        y = self._emit(cls, [self._to_nhwc(x), filt, bias], TensorType(element, parts["out_shape"]), props, name)
        return self._from_nhwc(y, rank, name if rank == 3 else None)

    def _conv(self, node: Any) -> None:
        x = self._f32(node.input[0])
        w = self._const(node, 1, "weights")
        assert w is not None
        parts = self._conv_parts(node, shape_of(x), tuple(w.shape))
        b = self._const(node, 2, "bias", optional=True)
        m = w.shape[0]
        bias = np.zeros(m, np.float32) if b is None else b.reshape(-1)
        filt = self._constant(self._nn_filter(w, parts["kind"], parts["kernel"]))
        y = self._emit_conv(x, parts, filt, self._constant(bias), f32, len(shape_of(x)), node.output[0])
        self._set(node.output[0], y)

    def _conv_int8_values(self, node: Any, x: SSAValue, w: QConst, b: QConst | None,
                          out_type: nn.QuantType) -> SSAValue | None:
        xq = quant_of(x)
        if xq is None or w.q.dtype != np.int8 or any(z != 0 for z in w.qtype.zero_point_list()):
            return None
        parts = self._conv_parts(node, shape_of(x), tuple(w.q.shape))
        if parts["kind"] == "grouped":
            return None
        m = w.q.shape[0]
        scales = w.qtype.scale_list()
        if w.qtype.per_channel and w.qtype.axis.data != 0:
            return None
        axis = 3 if parts["kind"] == "depthwise" else 0
        filt_q = self._nn_filter(w.q, parts["kind"], parts["kernel"])
        wtype = nn.QuantType(IntegerType(8), scales, [0] * len(scales), axis if len(scales) > 1 else -1)
        filt = self._constant(filt_q, wtype)
        bias = self._int_bias(b, xq, scales, m)
        if bias is None:
            return None
        return self._emit_conv(x, parts, filt, bias, out_type, len(shape_of(x)), node.output[0])

    def _int_bias(self, b: QConst | None, xq: nn.QuantType, w_scales: list[float], m: int) -> SSAValue | None:
        """The int32 bias of an int8 conv / fc, with scale s_in * s_w (per channel)."""
        scales = [float(np.float32(xq.scale) * np.float32(s)) for s in w_scales]
        if len(scales) == 1:
            scales = scales * 1
        if b is None:
            q = np.zeros(m, np.int32)
        else:
            if b.q.dtype != np.int32 or b.q.size != m:
                return None
            q = b.q.reshape(m).astype(np.int32)
        axis = 0 if len(scales) > 1 else -1
        btype = nn.QuantType(IntegerType(32), scales, [0] * len(scales), axis)
        return self._constant(q, btype)

    def _conv_int8(self, node: Any, out_type: nn.QuantType) -> SSAValue | None:
        x = self._q(node.input[0])
        w = self.entries.get(node.input[1])
        b_name = self._input_name(node, 2)
        b = self.entries.get(b_name) if b_name else None
        if x is None or not isinstance(w, QConst) or (b is not None and not isinstance(b, QConst)):
            return None
        return self._conv_int8_values(node, x, w, b, out_type)  # type: ignore[arg-type]

    def _qlinear_conv(self, node: Any) -> None:
        x = self._q(node.input[0])
        if x is None:
            raise self._error("the input must be quantized")
        w = self._qparams_const(node, 3, 4, 5, "weights")
        out_type = self._scalar_qtype(node, 6, 7, "output")
        b = None
        b_array = self._const(node, 8, "bias", optional=True)
        if b_array is not None:
            b = QConst(b_array.astype(np.int32), make_qtype(np.ones(1), np.zeros(1), np.int32))
        y = self._conv_int8_values(node, x, w, b, out_type)
        if y is None:
            raise self._error("only symmetric int8 weights (zero point 0) and groups of 1 or "
                              "depthwise are supported")
        self._set(node.output[0], y)

    def _conv_transpose(self, node: Any) -> None:
        x = self._f32(node.input[0])
        w = self._const(node, 1, "weights")
        assert w is not None
        a = _attrs(node)
        x_shape = shape_of(x)
        if len(x_shape) != 4 or w.ndim != 4:
            raise self._error("only 2-D transposed convolutions are supported")
        if int(a.get("group", 1)) != 1:
            raise self._error("only group 1 is supported")
        c_in, m = w.shape[0], w.shape[1]
        if c_in != x_shape[1]:
            raise self._error("the weights do not match the input channels")
        kernel = list(w.shape[2:])
        strides = list(a.get("strides", [1, 1]))
        dilations = list(a.get("dilations", [1, 1]))
        out_pad = list(a.get("output_padding", [0, 0]))
        pads = list(a.get("pads", [0, 0, 0, 0]))
        auto_pad = a.get("auto_pad", "NOTSET")
        full = [strides[i] * (x_shape[2 + i] - 1) + out_pad[i] + (kernel[i] - 1) * dilations[i] + 1
                for i in range(2)]
        if "output_shape" in a or auto_pad in ("SAME_UPPER", "SAME_LOWER"):
            target = list(a["output_shape"])[-2:] if "output_shape" in a else \
                [x_shape[2 + i] * strides[i] for i in range(2)]
            for i in range(2):
                total = full[i] - target[i]
                if total < 0:
                    raise self._error("output_shape is larger than the full output")
                small = total // 2
                if auto_pad == "SAME_UPPER":
                    pads[i], pads[2 + i] = small, total - small
                else:
                    pads[i], pads[2 + i] = total - small, small
        elif auto_pad not in ("NOTSET", "VALID"):
            raise self._error(f"unknown auto_pad '{auto_pad}'")
        if any(p < 0 for p in pads):
            raise self._error("negative pads are not supported")
        out = [full[i] - pads[i] - pads[2 + i] for i in range(2)]
        filt = self._constant(np.ascontiguousarray(w.transpose(1, 2, 3, 0)))
        b = self._const(node, 2, "bias", optional=True)
        bias = self._constant(np.zeros(m, np.float32) if b is None else b.reshape(-1))
        props = {
            "strides": nn.i64_array(strides),
            "dilations": nn.i64_array(dilations),
            "pads": nn.i64_array([pads[0], pads[2], pads[1], pads[3]]),
            "activation": StringAttr("none"),
        }
        out_type = TensorType(f32, (x_shape[0], out[0], out[1], m))
        y = self._emit(nn.TransposeConv2DOp, [self._to_nhwc(x), filt, bias], out_type, props,
                       node.output[0])
        self._set(node.output[0], self._from_nhwc(y, 4, None))

    # ------------------------------------------------------------------ gemm / matmul

    def _fc(self, x: SSAValue, w: SSAValue, bias: SSAValue, out_element: Attribute, units: int,
            name: str) -> SSAValue:
        out_shape = shape_of(x)[:-1] + (units,)
        props = {"activation": StringAttr("none")}
        return self._emit(nn.FullyConnectedOp, [x, w, bias], TensorType(out_element, out_shape), props, name)

    def _gemm_operands(self, node: Any) -> tuple[bool, bool, float, float]:
        a = _attrs(node)
        return (bool(a.get("transA", 0)), bool(a.get("transB", 0)), float(a.get("alpha", 1.0)),
                float(a.get("beta", 1.0)))

    def _gemm(self, node: Any) -> None:
        trans_a, trans_b, alpha, beta = self._gemm_operands(node)
        x = self._f32(node.input[0])
        if len(shape_of(x)) != 2:
            raise self._error("the input must have rank 2")
        if trans_a:
            x = self._transpose_value(x, (1, 0))
        w = self._const(node, 1, "weights")
        assert w is not None
        if w.ndim != 2:
            raise self._error("the weights must have rank 2")
        w = (w if trans_b else w.T).astype(np.float32)
        if alpha != 1.0:
            w = (w * np.float32(alpha)).astype(np.float32)
        units = w.shape[0]
        if w.shape[1] != shape_of(x)[1]:
            raise self._error("the weights do not match the input")
        c = self._const(node, 2, "bias", optional=True)
        extra = None
        bias = np.zeros(units, np.float32)
        if c is not None:
            c = (c.astype(np.float32) * np.float32(beta)).astype(np.float32)
            if c.size == units and (c.ndim == 1 or c.shape[-1] == units):
                bias = c.reshape(units)
            elif c.size == 1:
                bias = np.full(units, c.reshape(-1)[0], np.float32)
            else:
                extra = c
        y = self._fc(x, self._constant(np.ascontiguousarray(w)), self._constant(bias), f32, units,
                     node.output[0])
        if extra is not None:
            shape = tuple(np.broadcast_shapes(shape_of(y), extra.shape))
            y = self._emit(nn.AddOp, [y, self._constant(extra)], TensorType(f32, shape),
                           {"activation": StringAttr("none")}, node.output[0])
        self._set(node.output[0], y)

    def _matmul(self, node: Any) -> None:
        b_entry = self._entry(node.input[1])
        if not isinstance(b_entry, Const | QConst):
            raise self._error("only a constant right-hand side is supported")
        x = self._f32(node.input[0])
        w = self._const(node, 1, "weights")
        assert w is not None
        if w.ndim != 2 or len(shape_of(x)) < 2 or shape_of(x)[-1] != w.shape[0]:
            raise self._error("only [..., K] x [K, N] products are supported")
        units = w.shape[1]
        y = self._fc(x, self._constant(np.ascontiguousarray(w.T.astype(np.float32))),
                     self._constant(np.zeros(units, np.float32)), f32, units, node.output[0])
        self._set(node.output[0], y)

    def _fc_int8_values(self, x: SSAValue, w: QConst, transposed: bool, b: QConst | None,
                        out_type: nn.QuantType, name: str) -> SSAValue | None:
        """An int8 fully connected; ``w`` is [K, N] unless ``transposed`` ([N, K])."""
        xq = quant_of(x)
        if xq is None or w.q.dtype != np.int8 or w.q.ndim != 2:
            return None
        q = w.q if transposed else w.q.T
        qtype = w.qtype
        if qtype.per_channel:
            axis = qtype.axis.data if transposed else 1 - qtype.axis.data
            if axis != 0 or any(z != 0 for z in qtype.zero_point_list()):
                return None
            qtype = nn.QuantType(IntegerType(8), qtype.scale_list(), qtype.zero_point_list(), 0)
        units, depth = q.shape
        if shape_of(x)[-1] != depth:
            return None
        bias = self._int_bias(b, xq, qtype.scale_list(), units)
        if bias is None:
            return None
        filt = self._constant(np.ascontiguousarray(q), qtype)
        return self._fc(x, filt, bias, out_type, units, name)

    def _fc_int8(self, node: Any, out_type: nn.QuantType) -> SSAValue | None:
        x = self._q(node.input[0])
        w = self.entries.get(node.input[1])
        if x is None or not isinstance(w, QConst):
            return None
        transposed = False
        b = None
        if node.op_type == "Gemm":
            trans_a, transposed, alpha, beta = self._gemm_operands(node)
            if trans_a or alpha != 1.0 or len(shape_of(x)) != 2:
                return None
            b_name = self._input_name(node, 2)
            if b_name is not None:
                b = self.entries.get(b_name)
                if not isinstance(b, QConst) or beta != 1.0:
                    return None
        return self._fc_int8_values(x, w, transposed, b, out_type, node.output[0])

    def _qlinear_matmul(self, node: Any) -> None:
        x = self._q(node.input[0])
        if x is None:
            raise self._error("the input must be quantized")
        w = self._qparams_const(node, 3, 4, 5, "weights")
        if w.qtype.per_channel:
            w = QConst(w.q, nn.QuantType(IntegerType(8), w.qtype.scale_list(), w.qtype.zero_point_list(), 1))
        out_type = self._scalar_qtype(node, 6, 7, "output")
        y = self._fc_int8_values(x, w, False, None, out_type, node.output[0])
        if y is None:
            raise self._error("unsupported weights (int8 [K, N] expected)")
        self._set(node.output[0], y)

    def _qgemm(self, node: Any) -> None:
        x = self._q(node.input[0])
        trans_a, trans_b, alpha, _ = self._gemm_operands(node)
        if x is None or trans_a or alpha != 1.0:
            raise self._error("only a quantized input, transA = 0 and alpha = 1 are supported")
        if self._input_name(node, 7) is None:
            raise self._error("a float output (no y_scale) is not supported")
        w = self._qparams_const(node, 3, 4, 5, "weights")
        if w.qtype.per_channel and not trans_b:
            w = QConst(w.q, nn.QuantType(IntegerType(8), w.qtype.scale_list(), w.qtype.zero_point_list(), 1))
        b = None
        c = self._const(node, 6, "bias", optional=True)
        if c is not None:
            b = QConst(c.astype(np.int32), make_qtype(np.ones(1), np.zeros(1), np.int32))
        out_type = self._scalar_qtype(node, 7, 8, "output")
        y = self._fc_int8_values(x, w, trans_b, b, out_type, node.output[0])
        if y is None:
            raise self._error("unsupported weights (symmetric int8 expected)")
        self._set(node.output[0], y)

    def _qlinear_input(self, node: Any) -> SSAValue:
        x = self._q(node.input[0])
        if x is None:
            raise self._error("the input must be quantized")
        return x

    def _qlinear_pool(self, node: Any) -> None:
        x = self._qlinear_input(node)
        out_type = self._scalar_qtype(node, 3, 4, "output")
        if _attrs(node).get("channels_last", 0):
            raise self._error("channels_last is not supported")
        pooled = self._pool_value(node, nn.AvgPool2DOp, x, None, None)
        self._set(node.output[0], self._requantized(pooled, out_type, node.output[0]))

    def _qlinear_global_average_pool(self, node: Any) -> None:
        x = self._qlinear_input(node)
        out_type = self._scalar_qtype(node, 3, 4, "output")
        if _attrs(node).get("channels_last", 0):
            raise self._error("channels_last is not supported")
        self._set(node.output[0], self._mean(node, x, out_type))

    def _qlinear_concat(self, node: Any) -> None:
        out_type = self._scalar_qtype(node, 0, 1, "output")
        parts = []
        for k in range(2, len(node.input), 3):
            part = self._q_operand(node, k, k + 1, k + 2)
            if part is None:
                raise self._error("every input must be quantized")
            parts.append(self._requantized(part, out_type, None))
        self._set(node.output[0], self._concat_values(node, parts, out_type))

    def _qlinear_float(self, node: Any, op_type: str) -> None:
        """A QOperator node without an int8 kernel here: dequantize, the float op, quantize."""
        x = self._qlinear_input(node)
        out_type = self._scalar_qtype(node, 3, 4, "output")
        from onnx import helper

        inner = helper.make_node(op_type, [node.input[0] + "__real"], [node.output[0] + "__real"])
        inner.attribute.extend(a for a in node.attribute if a.name in ("alpha", "axis"))
        self.entries[inner.input[0]] = Val(self._dequantized(x))
        saved = self.node
        self.node = inner
        try:
            self.handlers[op_type](inner)
        finally:
            self.node = saved
        real = self._f32(inner.output[0])
        target = TensorType(out_type, shape_of(real))
        self._set(node.output[0], self._emit(nn.QuantizeOp, [real], target, name=node.output[0]))

    # ------------------------------------------------------------------ element-wise

    def _binary_values(self, cls: type[IRDLOperation], a: SSAValue, b: SSAValue, element: Attribute,
                       name: str) -> SSAValue:
        shape = tuple(np.broadcast_shapes(shape_of(a), shape_of(b)))
        return self._emit(cls, [a, b], TensorType(element, shape), {"activation": StringAttr("none")}, name)

    def _binary(self, node: Any, cls: type[IRDLOperation]) -> None:
        a, b = self._f32(node.input[0]), self._f32(node.input[1])
        try:
            y = self._binary_values(cls, a, b, f32, node.output[0])
        except ValueError as exc:
            raise self._error("the operand shapes do not broadcast") from exc
        self._set(node.output[0], y)

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

    def _qlinear_binary(self, node: Any, cls: type[IRDLOperation]) -> None:
        a, b = self._q_operand(node, 0, 1, 2), self._q_operand(node, 3, 4, 5)
        if a is None or b is None:
            raise self._error("both operands must be quantized")
        out_type = self._scalar_qtype(node, 6, 7, "output")
        self._set(node.output[0], self._binary_values(cls, a, b, out_type, node.output[0]))

    def _unary(self, node: Any, cls: type[IRDLOperation], props: dict[str, Attribute] | None = None) -> None:
        x = self._f32(node.input[0])
        self._set(node.output[0], self._emit(cls, [x], tensor_type(x), props, node.output[0]))

    def _leaky_relu(self, node: Any) -> None:
        alpha = float(_attrs(node).get("alpha", 0.01))
        self._unary(node, nn.LeakyReluOp, {"alpha": FloatAttr(alpha, f32)})

    def _hard_sigmoid(self, node: Any) -> None:
        a = _attrs(node)
        props = {"alpha": FloatAttr(float(a.get("alpha", 0.2)), f32),
                 "beta": FloatAttr(float(a.get("beta", 0.5)), f32)}
        self._unary(node, nn.HardSigmoidOp, props)

    def _clip_bounds(self, node: Any) -> tuple[float, float]:
        if self.opset < 11:
            a = _attrs(node)
            return float(a.get("min", -math.inf)), float(a.get("max", math.inf))
        lo = self._const(node, 1, "min", optional=True)
        hi = self._const(node, 2, "max", optional=True)
        return (-math.inf if lo is None else float(lo.reshape(-1)[0]),
                math.inf if hi is None else float(hi.reshape(-1)[0]))

    def _clip(self, node: Any) -> None:
        lo, hi = self._clip_bounds(node)
        named = {(0.0, 6.0): nn.Relu6Op, (0.0, math.inf): nn.ReluOp, (-1.0, 1.0): nn.ReluN1To1Op}
        cls = named.get((lo, hi))
        if cls is not None:
            self._unary(node, cls)
            return
        self._unary(node, nn.ClampOp, {"min": FloatAttr(lo, f32), "max": FloatAttr(hi, f32)})

    def _softmax(self, node: Any) -> None:
        x = self._f32(node.input[0])
        shape = shape_of(x)
        rank = len(shape)
        axis = int(_attrs(node).get("axis", 1 if self.opset < 13 else -1))
        axis = axis + rank if axis < 0 else axis
        props = {"beta": FloatAttr(1.0, f32)}
        name = node.output[0]
        if axis == rank - 1:
            y = self._emit(nn.SoftmaxOp, [x], tensor_type(x), props, name)
        elif self.opset < 13:
            flat = (math.prod(shape[:axis]), math.prod(shape[axis:]))
            y = self._emit(nn.SoftmaxOp, [self._reshape_value(x, flat)], TensorType(f32, flat), props)
            y = self._reshape_value(y, shape, name)
        else:
            perm = [i for i in range(rank) if i != axis] + [axis]
            t = self._transpose_value(x, perm)
            y = self._emit(nn.SoftmaxOp, [t], tensor_type(t), props, name)
            y = self._transpose_value(y, _inverse(perm))
        self._set(name, y)

    def _batch_norm(self, node: Any) -> None:
        x = self._f32(node.input[0])
        shape = shape_of(x)
        gamma, beta, mean, var = (self._const(node, i, w) for i, w in
                                  enumerate(("scale", "bias", "mean", "variance"), start=1))
        eps = float(_attrs(node).get("epsilon", 1e-5))
        assert gamma is not None and beta is not None and mean is not None and var is not None
        scale = gamma.astype(np.float64) / np.sqrt(var.astype(np.float64) + eps)
        shift = beta.astype(np.float64) - mean.astype(np.float64) * scale
        bshape = (shape[1],) + (1,) * (len(shape) - 2)
        none = {"activation": StringAttr("none")}
        y = self._emit(nn.MulOp, [x, self._constant(scale.astype(np.float32).reshape(bshape))],
                       TensorType(f32, shape), none)
        y = self._emit(nn.AddOp, [y, self._constant(shift.astype(np.float32).reshape(bshape))],
                       TensorType(f32, shape), none, node.output[0])
        self._set(node.output[0], y)

    # ------------------------------------------------------------------ pooling

    def _pool_value(self, node: Any, cls: type[IRDLOperation], x: SSAValue, element: Attribute | None,
                    name: str | None) -> SSAValue:
        a = _attrs(node)
        if len([o for o in node.output if o]) > 1:
            raise self._error("the indices output is not supported")
        shape = shape_of(x)
        if len(shape) not in (3, 4):
            raise self._error("only 1-D and 2-D pooling is supported")
        kernel = list(a["kernel_shape"])
        spatial = list(shape[2:])
        strides, _, begin, end = self._spatial(a, spatial, kernel, bool(a.get("ceil_mode", 0)), dilated=False)
        if len(shape) == 3:
            kernel, spatial = [1] + kernel, [1] + spatial
            strides, begin, end = [1] + strides, [0] + begin, [0] + end
        value = self._to_nhwc(x)
        t = tensor_type(value)
        pads = [begin[0], end[0], begin[1], end[1]]
        if cls is nn.AvgPool2DOp and a.get("count_include_pad", 0) and any(pads):
            if a.get("ceil_mode", 0):
                raise self._error("count_include_pad with ceil_mode is not supported")
            padded = (shape[0], spatial[0] + begin[0] + end[0], spatial[1] + begin[1] + end[1], shape[1])
            value = self._emit(nn.PadOp, [value], TensorType(t.element_type, padded),
                               {"pads": nn.i64_array([0, 0, begin[0], end[0], begin[1], end[1], 0, 0])})
            spatial = [padded[1], padded[2]]
            pads = [0, 0, 0, 0]
            begin, end = [0, 0], [0, 0]
        out = [self._out_size(spatial[i], kernel[i], strides[i], 1, begin[i], end[i]) for i in range(2)]
        if min(out) <= 0:
            raise self._error("the output would be empty")
        props = {
            "kernel": nn.i64_array(kernel),
            "strides": nn.i64_array(strides),
            "pads": nn.i64_array(pads),
            "activation": StringAttr("none"),
        }
        out_type = TensorType(element or t.element_type, (shape[0], out[0], out[1], shape[1]))
        y = self._emit(cls, [value], out_type, props, name)
        return self._from_nhwc(y, len(shape), None)

    def _pool(self, node: Any, cls: type[IRDLOperation]) -> None:
        if cls is nn.MaxPool2DOp:
            x, kind = self._moved(node.input[0])
        else:
            x, kind = self._f32(node.input[0]), Val
        self._set(node.output[0], self._pool_value(node, cls, x, None, node.output[0]), kind)

    def _global_max_pool(self, node: Any) -> None:
        x, kind = self._moved(node.input[0])
        shape = shape_of(x)
        if len(shape) != 4:
            raise self._error("only rank-4 inputs are supported")
        props = {
            "kernel": nn.i64_array(shape[2:]),
            "strides": nn.i64_array([1, 1]),
            "pads": nn.i64_array([0, 0, 0, 0]),
            "activation": StringAttr("none"),
        }
        value = self._to_nhwc(x)
        out = TensorType(tensor_type(value).element_type, (shape[0], 1, 1, shape[1]))
        y = self._emit(nn.MaxPool2DOp, [value], out, props, node.output[0])
        self._set(node.output[0], self._from_nhwc(y, 4, None), kind)

    def _mean(self, node: Any, x: SSAValue, element: Attribute) -> SSAValue:
        """GlobalAveragePool, or ReduceMean over H and W, as an nn.mean in NHWC."""
        shape = shape_of(x)
        keep = True
        if node.op_type == "ReduceMean":
            a = _attrs(node)
            axes = a.get("axes")
            if axes is None and self.opset >= 18:
                found = self._const(node, 1, "axes", optional=True)
                axes = None if found is None else [int(v) for v in found.reshape(-1)]
            if axes is None:
                axes = list(range(len(shape)))
            axes = sorted(int(v) + len(shape) if int(v) < 0 else int(v) for v in axes)
            if len(shape) != 4 or axes != [2, 3]:
                raise self._error(f"ReduceMean is supported over axes [2, 3] of a rank-4 tensor, not {axes}")
            keep = bool(a.get("keepdims", 1))
        elif len(shape) != 4:
            raise self._error("only rank-4 inputs are supported")
        props = {"axes": nn.i64_array([1, 2]), "keep_dims": IntegerAttr(1, i64)}
        value = self._to_nhwc(x)
        y = self._emit(nn.MeanOp, [value], TensorType(element, (shape[0], 1, 1, shape[1])), props,
                       node.output[0])
        y = self._from_nhwc(y, 4, None)
        if not keep:
            y = self._reshape_value(y, shape[:2])
        return y

    def _global_average_pool(self, node: Any) -> None:
        self._set(node.output[0], self._mean(node, self._f32(node.input[0]), f32))

    def _reduce_mean(self, node: Any) -> None:
        self._set(node.output[0], self._mean(node, self._f32(node.input[0]), f32))

    # ------------------------------------------------------------------ data movement

    def _moved_const(self, node: Any) -> bool:
        """A data-movement op on a dequantized constant: evaluate it on the real values."""
        entry = self._entry(node.input[0])
        if not isinstance(entry, QConst):
            return False
        saved = self.entries[node.input[0]]
        self.entries[node.input[0]] = Const(entry.real())
        try:
            self._fold(node)
        finally:
            self.entries[node.input[0]] = saved
        return True

    def _reshape_to(self, node: Any, shape: Sequence[int]) -> None:
        if self._moved_const(node):
            return
        x, kind = self._moved(node.input[0])
        if math.prod(shape) != math.prod(shape_of(x)):
            raise self._error(f"cannot reshape {list(shape_of(x))} to {list(shape)}")
        self._set(node.output[0], self._reshape_value(x, shape, node.output[0]), kind)

    def _flatten(self, node: Any) -> None:
        shape = self._shape(node.input[0])
        axis = int(_attrs(node).get("axis", 1))
        axis = axis + len(shape) if axis < 0 else axis
        self._reshape_to(node, (math.prod(shape[:axis]), math.prod(shape[axis:])))

    def _reshape(self, node: Any) -> None:
        shape = self._shape(node.input[0])
        target = self._const(node, 1, "shape")
        assert target is not None
        allow_zero = bool(_attrs(node).get("allowzero", 0))
        dims = [int(d) for d in target.reshape(-1)]
        out = [shape[i] if d == 0 and not allow_zero else d for i, d in enumerate(dims)]
        if out.count(-1) > 1:
            raise self._error("more than one -1 in the shape")
        if -1 in out:
            known = math.prod(d for d in out if d != -1)
            if known == 0 or math.prod(shape) % known:
                raise self._error(f"cannot reshape {list(shape)} to {dims}")
            out[out.index(-1)] = math.prod(shape) // known
        self._reshape_to(node, out)

    def _axes(self, node: Any, rank: int | None = None) -> list[int] | None:
        """The axes of Squeeze / Unsqueeze (attribute or input), made non-negative for
        ``rank`` (the output rank for Unsqueeze)."""
        axes = _attrs(node).get("axes")
        if axes is None and self.opset >= 13:
            found = self._const(node, 1, "axes", optional=True)
            axes = None if found is None else [int(v) for v in found.reshape(-1)]
        if axes is None:
            return None
        if rank is None:
            rank = len(self._shape(node.input[0])) + len(axes)
        return sorted(int(a) + rank if int(a) < 0 else int(a) for a in axes)

    def _squeeze(self, node: Any) -> None:
        shape = self._shape(node.input[0])
        axes = self._axes(node, len(shape))
        if axes is None:
            axes = [i for i, d in enumerate(shape) if d == 1]
        if any(shape[a] != 1 for a in axes):
            raise self._error("only dimensions of size 1 can be squeezed")
        self._reshape_to(node, [d for i, d in enumerate(shape) if i not in axes])

    def _unsqueeze(self, node: Any) -> None:
        shape = list(self._shape(node.input[0]))
        axes = self._axes(node)
        if axes is None:
            raise self._error("no axes")
        for a in axes:
            shape.insert(a, 1)
        self._reshape_to(node, shape)

    def _transpose(self, node: Any) -> None:
        if self._moved_const(node):
            return
        x, kind = self._moved(node.input[0])
        rank = len(shape_of(x))
        perm = [int(p) for p in _attrs(node).get("perm", list(range(rank))[::-1])]
        if sorted(perm) != list(range(rank)):
            raise self._error(f"perm {perm} is not a permutation")
        y = self._transpose_value(x, perm)
        y.owner.attributes["nn.name"] = StringAttr(node.output[0])  # type: ignore[union-attr]
        self._set(node.output[0], y, kind)

    def _identity(self, node: Any) -> None:
        outputs = [o for o in node.output if o]
        if len(outputs) > 1 and any(self.consumers.get(o) or o in self.graph_outputs for o in outputs[1:]):
            raise self._error("the mask output is not supported")
        self.entries[node.output[0]] = self._entry(node.input[0])
        if node.input[0] in self.absorbed:
            self.absorbed[node.output[0]] = self.absorbed[node.input[0]]

    def _concat_values(self, node: Any, parts: Sequence[SSAValue], element: Attribute) -> SSAValue:
        rank = len(shape_of(parts[0]))
        axis = int(_attrs(node)["axis"])
        axis = axis + rank if axis < 0 else axis
        if not 0 <= axis < rank:
            raise self._error(f"axis {axis} out of range")
        shape = list(shape_of(parts[0]))
        shape[axis] = sum(shape_of(p)[axis] for p in parts)
        props = {"axis": IntegerAttr(axis, i64), "activation": StringAttr("none")}
        return self._emit(nn.ConcatOp, [list(parts)], TensorType(element, tuple(shape)), props, node.output[0])

    def _concat(self, node: Any) -> None:
        names = [i for i in node.input if i]
        entries = [self._entry(n) for n in names]
        if all(isinstance(e, Deq) for e in entries):
            types = {tensor_type(e.value).element_type for e in entries}  # type: ignore[union-attr]
            if len(types) == 1:
                parts = [e.value for e in entries]  # type: ignore[union-attr]
                self._set(node.output[0], self._concat_values(node, parts, types.pop()), Deq)
                return
        parts = [self._f32(n) for n in names]
        self._set(node.output[0], self._concat_values(node, parts, f32))

    def _pad(self, node: Any) -> None:
        a = _attrs(node)
        if a.get("mode", "constant") != "constant":
            raise self._error(f"only constant padding is supported, not '{a['mode']}'")
        if self.opset < 11:
            pads = list(a.get("pads", []))
            value = float(a.get("value", 0.0))
        else:
            found = self._const(node, 1, "pads")
            assert found is not None
            pads = [int(p) for p in found.reshape(-1)]
            v = self._const(node, 2, "constant value", optional=True)
            value = 0.0 if v is None or v.size == 0 else float(v.reshape(-1)[0])
            if self._input_name(node, 3) is not None:
                raise self._error("the axes input is not supported")
        x, kind = self._moved(node.input[0])
        shape = shape_of(x)
        rank = len(shape)
        if len(pads) != 2 * rank:
            raise self._error(f"pads must hold {2 * rank} values")
        if any(p < 0 for p in pads):
            raise self._error("negative pads are not supported")
        if kind is Val and quant_of(x) is not None:
            raise self._error("padding a quantized tensor is supported only after DequantizeLinear")
        if value != 0.0:
            raise self._error(f"only zero padding is supported, not {value}")
        pairs = [p for i in range(rank) for p in (pads[i], pads[rank + i])]
        out = tuple(shape[i] + pads[i] + pads[rank + i] for i in range(rank))
        y = self._emit(nn.PadOp, [x], TensorType(tensor_type(x).element_type, out),
                       {"pads": nn.i64_array(pairs)}, node.output[0])
        self._set(node.output[0], y, kind)

    # ------------------------------------------------------------------ LSTM

    def _lstm(self, node: Any) -> None:
        a = _attrs(node)
        if a.get("direction", "forward") != "forward":
            raise self._error("only forward LSTMs are supported")
        if "clip" in a or a.get("input_forget", 0):
            raise self._error("clip and input_forget are not supported")
        acts = [s.lower() if isinstance(s, str) else s.decode().lower() for s in a.get("activations", [])]
        if acts and acts != ["sigmoid", "tanh", "tanh"]:
            raise self._error(f"activations {acts} are not supported")
        layout = int(a.get("layout", 0))
        x = self._f32(node.input[0])
        w, r = self._const(node, 1, "W"), self._const(node, 2, "R")
        assert w is not None and r is not None
        units = r.shape[-1]
        b = self._const(node, 3, "B", optional=True)
        seq = self._const(node, 4, "sequence_lens", optional=True)
        for pos, what in ((5, "initial_h"), (6, "initial_c"), (7, "P")):
            v = self._const(node, pos, what, optional=True) if self._input_name(node, pos) else None
            if v is not None and np.any(v != 0):
                raise self._error(f"a non-zero {what} is not supported (stateless LSTM)")
        shape = shape_of(x)
        if len(shape) != 3:
            raise self._error("the input must have rank 3")
        time, batch = (shape[0], shape[1]) if layout == 0 else (shape[1], shape[0])
        if seq is not None and np.any(seq != time):
            raise self._error("sequence_lens shorter than the sequence are not supported")
        order = [0, 2, 3, 1]  # ONNX gates i, o, f, c -> nn gates i, f, c, o

        def gates(m: np.ndarray) -> np.ndarray:
            blocks = m.reshape((4, units) + m.shape[1:])
            return np.ascontiguousarray(blocks[order].reshape(m.shape)).astype(np.float32)

        weights = self._constant(gates(w[0]))
        recurrent = self._constant(gates(r[0]))
        bias = np.zeros(4 * units, np.float32) if b is None else (b[0][: 4 * units] + b[0][4 * units:])
        bias_v = self._constant(gates(bias.reshape(4 * units, 1)).reshape(-1))
        xb = x if layout == 1 else self._transpose_value(x, (1, 0, 2))
        outs = list(node.output) + [""] * (3 - len(node.output))
        if outs[2] and (self.consumers.get(outs[2]) or outs[2] in self.graph_outputs):
            raise self._error("the Y_c output is not supported")
        for position, sequences in ((0, 1), (1, 0)):
            name = outs[position]
            if not name:
                continue
            rshape = (batch, time, units) if sequences else (batch, units)
            y = self._emit(nn.LstmOp, [xb, weights, recurrent, bias_v], TensorType(f32, rshape),
                           {"return_sequences": IntegerAttr(sequences, i64)}, name)
            if sequences:
                if layout == 0:
                    y = self._transpose_value(y, (1, 0, 2))
                    y = self._reshape_value(y, (time, 1, batch, units))
                else:
                    y = self._reshape_value(y, (batch, time, 1, units))
            else:
                y = self._reshape_value(y, (1, batch, units) if layout == 0 else (batch, 1, units))
            self._set(name, y)
