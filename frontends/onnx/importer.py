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

from collections.abc import Callable
from typing import Any

import numpy as np
from xdsl.dialects import func
from xdsl.dialects.builtin import (
    ArrayAttr,
    DictionaryAttr,
    FloatAttr,
    IntegerType,
    ModuleOp,
    StringAttr,
    TensorType,
    f32,
)
from xdsl.ir import Region, SSAValue

from stai.dialects import nn
from stai.errors import StaiError, printable_name

from ..checks import check_size
from .builder import inverse_perm, perm_shape, to_last
from .elementwise import ElementwiseOps
from .linear import LinearOps
from .logical import onnx_cast, onnx_compare, onnx_logical, onnx_not, onnx_where
from .pooling import PoolingOps
from .recurrent import onnx_gru, onnx_lstm, onnx_rnn
from .reduce import ReduceOps
from .resize import ResizeOps
from .slicing import SliceOps
from .values import Const, Deq, QConst, Val, quant_of, shape_of, tensor_type

__all__ = ["HANDLERS", "INT8_OPS", "NEVER_FOLD", "SUPPORTED_OPERATORS", "OnnxImporter"]

_INDEX_INPUTS = {6: IntegerType(32), 7: IntegerType(64)}
"""Integer graph inputs (ONNX INT32, INT64): indices, such as a torch Embedding's."""

INT8_OPS = frozenset(
    {
        "Conv",
        "Gemm",
        "MatMul",
        "Add",
        "Sub",
        "Mul",
        "Relu",
        "Clip",
        "AveragePool",
        "GlobalAveragePool",
        "ReduceMean",
        "Concat",
        "MaxPool",
    }
)
"""Ops imported as int8 ops when a QuantizeLinear alone reads their output (QDQ)."""

NEVER_FOLD = frozenset({"DequantizeLinear"})


class OnnxImporter(LinearOps, ElementwiseOps, PoolingOps, SliceOps, ResizeOps, ReduceOps):
    """Walks the nodes of one ONNX graph in order and appends ``nn`` ops to ``@main``."""

    # ------------------------------------------------------------------ driver

    def run(
        self, m_ids: list[int] | None = None, operators: list[tuple[str, str]] | None = None
    ) -> ModuleOp:
        """The ``nn`` module of the graph. ``m_ids``: the ``nn.m_id`` of each node (default:
        its index); ``operators``: the type and name of each model operator by ``nn.m_id``
        (default: the graph's nodes), recorded for reports."""
        from onnx import numpy_helper
        from onnx.helper import tensor_dtype_to_np_dtype

        # (the file's initializers are checked before preparation: validation.check_graph)
        for init in self.graph.initializer:
            itemsize = tensor_dtype_to_np_dtype(init.data_type).itemsize
            where = f"{self.name}: initializer '{printable_name(init.name)}'"
            check_size(where, init.dims, itemsize)
            self.entries[init.name] = Const(numpy_helper.to_array(init))
        arg_types, arg_names = [], []
        for value in self.graph.input:
            if value.name in self.entries:
                continue
            arg_types.append(self._input(value))
            arg_names.append(value.name)
        nodes = self.graph.node
        if m_ids is None:
            m_ids = list(range(len(nodes)))
        if operators is None:
            operators = [(n.op_type, n.name or (n.output[0] if n.output else "")) for n in nodes]
        for index, node in enumerate(nodes):
            self.index, self.node = m_ids[index], node
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
        module = ModuleOp([main])
        # For reports: each operator's ONNX type and name, indexed by nn.m_id.
        module.attributes["nn.layer_types"] = ArrayAttr([StringAttr(t) for t, _ in operators])
        module.attributes["nn.layer_names"] = ArrayAttr([StringAttr(n) for _, n in operators])
        return module

    def _input(self, value: Any) -> TensorType:
        tensor = value.type.tensor_type
        integer = _INDEX_INPUTS.get(tensor.elem_type)
        if tensor.elem_type != 1 and integer is None:  # FLOAT
            raise StaiError(
                f"{self.name}: input '{printable_name(value.name)}' is not float32 "
                "(float inputs, and int32 or int64 indices for Gather)"
            )
        shape = tuple(int(d.dim_value) for d in tensor.shape.dim)
        if any(d < 1 for d in shape):
            raise StaiError(
                f"{self.name}: input '{printable_name(value.name)}' has the shape "
                f"{list(shape)} after preparation: a zero or unknown size"
            )
        check_size(f"{self.name}: input '{printable_name(value.name)}'", shape, 4)
        if integer is not None:  # indices: the layout stays
            index_type = TensorType(integer, shape)
            arg = self.block.insert_arg(index_type, len(self.block.args))
            self._hint(arg, value.name)
            self.entries[value.name] = Val(arg)
            return index_type
        last = not self.io_transpose and len(shape) in (3, 4)
        arg_type = TensorType(f32, perm_shape(shape, to_last(len(shape))) if last else shape)
        arg = self.block.insert_arg(arg_type, len(self.block.args))
        self._hint(arg, value.name)
        v: SSAValue = arg
        if last:
            v = self._transpose_value(arg, inverse_perm(to_last(len(shape))))
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
            value = self._transpose_value(value, to_last(rank))
        return value

    def _convert(self, node: Any) -> None:
        op = node.op_type
        if node.domain not in ("", "ai.onnx", "com.microsoft"):
            raise self._unsupported(node)
        inputs = [i for i in node.input if i]
        if op not in NEVER_FOLD and all(isinstance(self.entries.get(i), Const) for i in inputs):
            self._fold(node)
            return
        handler = HANDLERS.get(op)
        if handler is None or (node.domain == "com.microsoft" and not op.startswith("Q")):
            raise self._unsupported(node)
        quantize = self._sole_quantize_reader(node)
        if quantize is not None and op in INT8_OPS:
            out_type = self._quantize_type(quantize)
            value = self._int8(node, out_type)
            if value is not None:
                self.absorbed[node.output[0]] = value
                return
        handler(self, node)

    def _unsupported(self, node: Any) -> StaiError:
        domain = f"{node.domain}." if node.domain not in ("", "ai.onnx") else ""
        label = node.name or (node.output[0] if node.output else "")
        return StaiError(
            f"{self.name}: unsupported ONNX operator '{printable_name(domain + node.op_type)}' "
            f"(node '{printable_name(label)}'); `stai supported-ops` lists what stai compiles"
        )

    # ------------------------------------------------------------------ QDQ

    def _sole_quantize_reader(self, node: Any) -> Any | None:
        outputs = [o for o in node.output if o]
        if len(outputs) != 1 or outputs[0] in self.graph_outputs:
            return None
        readers = self.consumers.get(outputs[0], [])
        if (
            len(readers) == 1
            and readers[0].op_type == "QuantizeLinear"
            and readers[0].input[0] == outputs[0]
        ):
            return readers[0]
        return None

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
        if op == "ReduceMean" and (
            len(shape_of(x)) != 4 or self._mean_axes(node, len(shape_of(x))) != [2, 3]
        ):
            return None  # over other axes: in float
        if op in ("GlobalAveragePool", "ReduceMean"):
            return self._mean(node, x, out_type)
        if op == "Concat":
            found = [self._q(i) for i in node.input]
            parts = [p for p in found if p is not None]
            if len(parts) != len(found):
                return None
            parts = [self._requantized(p, out_type, None) for p in parts]
            return self._concat_values(node, parts, out_type)
        return None

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
            HANDLERS[op_type](self, inner)
        finally:
            self.node = saved
        real = self._f32(inner.output[0])
        target = TensorType(out_type, shape_of(real))
        self._set(node.output[0], self._emit(nn.QuantizeOp, [real], target, name=node.output[0]))


HANDLERS: dict[str, Callable[[OnnxImporter, Any], None]] = {
    "Conv": OnnxImporter._conv,
    "ConvTranspose": OnnxImporter._conv_transpose,
    "Gemm": OnnxImporter._gemm,
    "MatMul": OnnxImporter._matmul,
    "Add": lambda self, n: self._binary(n, nn.AddOp),
    "Sub": lambda self, n: self._binary(n, nn.SubOp),
    "Mul": lambda self, n: self._binary(n, nn.MulOp),
    "Div": OnnxImporter._div,
    "Min": lambda self, n: self._min_max(n, nn.MinimumOp),
    "Max": lambda self, n: self._min_max(n, nn.MaximumOp),
    "Abs": lambda self, n: self._unary(n, nn.AbsOp),
    "Neg": lambda self, n: self._unary(n, nn.NegOp),
    "Exp": lambda self, n: self._unary(n, nn.ExpOp),
    "Log": lambda self, n: self._unary(n, nn.LogOp),
    "Sqrt": lambda self, n: self._unary(n, nn.SqrtOp),
    "Floor": lambda self, n: self._unary(n, nn.FloorOp),
    "Ceil": lambda self, n: self._unary(n, nn.CeilOp),
    "Reciprocal": OnnxImporter._reciprocal,
    "Pow": OnnxImporter._pow,
    "Relu": lambda self, n: self._unary(n, nn.ReluOp),
    "Sigmoid": lambda self, n: self._unary(n, nn.LogisticOp),
    "Tanh": lambda self, n: self._unary(n, nn.TanhOp),
    "HardSwish": lambda self, n: self._unary(n, nn.HardSwishOp),
    "LeakyRelu": OnnxImporter._leaky_relu,
    "HardSigmoid": OnnxImporter._hard_sigmoid,
    "Clip": OnnxImporter._clip,
    "Softmax": OnnxImporter._softmax,
    "MaxPool": lambda self, n: self._pool(n, nn.MaxPool2DOp),
    "AveragePool": lambda self, n: self._pool(n, nn.AvgPool2DOp),
    "GlobalAveragePool": OnnxImporter._global_average_pool,
    "GlobalMaxPool": OnnxImporter._global_max_pool,
    "ReduceMean": OnnxImporter._reduce_mean,
    "BatchNormalization": OnnxImporter._batch_norm,
    "Flatten": OnnxImporter._flatten,
    "Reshape": OnnxImporter._reshape,
    "Squeeze": OnnxImporter._squeeze,
    "Unsqueeze": OnnxImporter._unsqueeze,
    "Transpose": OnnxImporter._transpose,
    "Identity": OnnxImporter._identity,
    "Dropout": OnnxImporter._identity,
    "Concat": OnnxImporter._concat,
    "Pad": OnnxImporter._pad,
    "Slice": OnnxImporter._slice,
    "Split": OnnxImporter._split,
    "Gather": OnnxImporter._gather,
    "Tile": OnnxImporter._tile,
    "Expand": OnnxImporter._expand,
    "Shape": OnnxImporter._shape_op,
    "Size": OnnxImporter._size_op,
    "LSTM": onnx_lstm,
    "GRU": onnx_gru,
    "RNN": onnx_rnn,
    "QuantizeLinear": OnnxImporter._quantize_linear,
    "DequantizeLinear": OnnxImporter._dequantize_linear,
    "QLinearConv": OnnxImporter._qlinear_conv,
    "QLinearMatMul": OnnxImporter._qlinear_matmul,
    "QGemm": OnnxImporter._qgemm,
    "QLinearAdd": lambda self, n: self._qlinear_binary(n, nn.AddOp),
    "QLinearMul": lambda self, n: self._qlinear_binary(n, nn.MulOp),
    "QLinearAveragePool": OnnxImporter._qlinear_pool,
    "QLinearGlobalAveragePool": OnnxImporter._qlinear_global_average_pool,
    "QLinearConcat": OnnxImporter._qlinear_concat,
    "QLinearLeakyRelu": lambda self, n: self._qlinear_float(n, "LeakyRelu"),
    "QLinearSigmoid": lambda self, n: self._qlinear_float(n, "Sigmoid"),
    "QLinearSoftmax": lambda self, n: self._qlinear_float(n, "Softmax"),
    "Resize": OnnxImporter._resize,
    "Upsample": OnnxImporter._resize,
    "Erf": lambda self, n: self._unary(n, nn.ErfOp),
    "Gelu": OnnxImporter._gelu,
    "ReduceMax": lambda self, n: self._reduce(n, nn.ReduceMaxOp),
    "ReduceMin": lambda self, n: self._reduce(n, nn.ReduceMinOp),
    "ReduceSum": lambda self, n: self._reduce(n, nn.ReduceSumOp),
    "ArgMax": lambda self, n: self._arg(n, nn.ArgMaxOp),
    "ArgMin": lambda self, n: self._arg(n, nn.ArgMinOp),
    "LayerNormalization": OnnxImporter._layer_norm,
    "Sin": lambda self, n: self._unary(n, nn.SinOp),
    "Cos": lambda self, n: self._unary(n, nn.CosOp),
    "Round": lambda self, n: self._unary(n, nn.RoundOp),
    "Elu": OnnxImporter._elu,
    "LogSoftmax": lambda self, n: self._softmax(n, nn.LogSoftmaxOp),
    "Sum": OnnxImporter._sum,
    "DepthToSpace": lambda self, n: self._depth_space(n, True),
    "SpaceToDepth": lambda self, n: self._depth_space(n, False),
    "InstanceNormalization": OnnxImporter._instance_norm,
    "Equal": onnx_compare,
    "Greater": onnx_compare,
    "Less": onnx_compare,
    "GreaterOrEqual": onnx_compare,
    "LessOrEqual": onnx_compare,
    "Not": onnx_not,
    "And": onnx_logical,
    "Or": onnx_logical,
    "Where": onnx_where,
    "Cast": onnx_cast,
}
"""The importer's dispatch table: the translator of each ONNX operator type (default
domain; the ``Q...`` operators also in ``com.microsoft``)."""

SUPPORTED_OPERATORS: tuple[str, ...] = tuple(sorted(HANDLERS))
"""The ONNX operator types the importer translates (the keys of :data:`HANDLERS`). Any
other operator is imported only when all its inputs are constants (it is then evaluated
at compile time)."""
