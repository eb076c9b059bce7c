"""ONNX operators with weights: Conv, ConvTranspose, Gemm, MatMul, and their int8
forms (QDQ ``Conv``/``Gemm``/``MatMul``, ``QLinearConv``, ``QLinearMatMul``, ``QGemm``).

Weights must be constants. ONNX's [M, C/g, kh, kw] filters become ``nn`` filters
([M, kh, kw, C/g], depthwise [1, kh, kw, M]); a Gemm or MatMul becomes an
``nn.fully_connected`` with [units, depth] weights; an int8 bias has the scale
``s_in * s_w`` (per channel).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from xdsl.dialects.builtin import IntegerAttr, IntegerType, StringAttr, TensorType, f32, i64
from xdsl.ir import Attribute, SSAValue
from xdsl.irdl import IRDLOperation

from stai.dialects import nn
from stai.dialects.nn_matmul import MAX_RANK, BatchMatmulOp, batch_matmul_shape
from stai.errors import StaiError, printable_name

from ..checks import check_quant
from .builder import GraphBuilder, node_attrs
from .values import Const, QConst, make_qtype, quant_of, shape_of


class LinearOps(GraphBuilder):
    """Translators of the ONNX operators with weights."""

    # ------------------------------------------------------------------ convolution

    def _conv_parts(
        self, node: Any, x_shape: tuple[int, ...], w_shape: tuple[int, ...]
    ) -> dict[str, Any]:
        """Geometry of a Conv node: nn properties, output NHWC shape, kind of conv."""
        a = node_attrs(node)
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
        out = [
            self._out_size(spatial[i], kernel[i], strides[i], dilations[i], begin[i], end[i])
            for i in range(2)
        ]
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

    def _emit_conv(
        self,
        x: SSAValue,
        parts: dict[str, Any],
        filt: SSAValue,
        bias: SSAValue,
        element: Attribute,
        rank: int,
        name: str,
    ) -> SSAValue:
        props = {k: parts[k] for k in ("strides", "dilations", "pads", "activation")}
        cls: type[IRDLOperation] = nn.Conv2DOp
        if parts["kind"] == "depthwise":
            cls = nn.DepthwiseConv2DOp
            props["depth_multiplier"] = IntegerAttr(parts["multiplier"], i64)
        y = self._emit(
            cls,
            [self._to_nhwc(x), filt, bias],
            TensorType(element, parts["out_shape"]),
            props,
            name,
        )
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
        y = self._emit_conv(
            x, parts, filt, self._constant(bias), f32, len(shape_of(x)), node.output[0]
        )
        self._set(node.output[0], y)

    def _conv_int8_values(
        self, node: Any, x: SSAValue, w: QConst, b: QConst | None, out_type: nn.QuantType
    ) -> SSAValue | None:
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
        wtype = nn.QuantType(
            IntegerType(8), scales, [0] * len(scales), axis if len(scales) > 1 else -1
        )
        filt = self._constant(filt_q, wtype)
        bias = self._int_bias(b, xq, scales, m)
        if bias is None:
            return None
        return self._emit_conv(x, parts, filt, bias, out_type, len(shape_of(x)), node.output[0])

    def _int_bias(
        self, b: QConst | None, xq: nn.QuantType, w_scales: list[float], m: int
    ) -> SSAValue | None:
        """The int32 bias of an int8 conv / fc, with scale s_in * s_w (per channel)."""
        with np.errstate(over="ignore", under="ignore"):  # refused below, in one line
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
        try:
            check_quant("the implicit bias scale (input x filter)", scales, (), None)
        except StaiError as exc:
            raise self._error(str(exc)) from None
        btype = nn.QuantType(IntegerType(32), scales, [0] * len(scales), axis)
        return self._constant(q, btype)

    def _conv_int8(self, node: Any, out_type: nn.QuantType) -> SSAValue | None:
        x = self._q(node.input[0])
        w = self.entries.get(node.input[1])
        b_name = self._input_name(node, 2)
        b = self.entries.get(b_name) if b_name else None
        if x is None or not isinstance(w, QConst):
            return None
        if b is not None and not isinstance(b, QConst):
            return None
        return self._conv_int8_values(node, x, w, b, out_type)

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
            raise self._error(
                "only symmetric int8 weights (zero point 0) and groups of 1 or "
                "depthwise are supported"
            )
        self._set(node.output[0], y)

    def _conv_transpose(self, node: Any) -> None:
        x = self._f32(node.input[0])
        w = self._const(node, 1, "weights")
        assert w is not None
        a = node_attrs(node)
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
        full = [
            strides[i] * (x_shape[2 + i] - 1) + out_pad[i] + (kernel[i] - 1) * dilations[i] + 1
            for i in range(2)
        ]
        if "output_shape" in a or auto_pad in ("SAME_UPPER", "SAME_LOWER"):
            target = (
                list(a["output_shape"])[-2:]
                if "output_shape" in a
                else [x_shape[2 + i] * strides[i] for i in range(2)]
            )
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
            raise self._error(f"unknown auto_pad '{printable_name(str(auto_pad))}'")
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
        y = self._emit(
            nn.TransposeConv2DOp, [self._to_nhwc(x), filt, bias], out_type, props, node.output[0]
        )
        self._set(node.output[0], self._from_nhwc(y, 4, None))

    # ------------------------------------------------------------------ gemm / matmul

    def _fc(
        self,
        x: SSAValue,
        w: SSAValue,
        bias: SSAValue,
        out_element: Attribute,
        units: int,
        name: str,
    ) -> SSAValue:
        out_shape = shape_of(x)[:-1] + (units,)
        props = {"activation": StringAttr("none")}
        return self._emit(
            nn.FullyConnectedOp, [x, w, bias], TensorType(out_element, out_shape), props, name
        )

    def _gemm_operands(self, node: Any) -> tuple[bool, bool, float, float]:
        a = node_attrs(node)
        return (
            bool(a.get("transA", 0)),
            bool(a.get("transB", 0)),
            float(a.get("alpha", 1.0)),
            float(a.get("beta", 1.0)),
        )

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
        y = self._fc(
            x,
            self._constant(np.ascontiguousarray(w)),
            self._constant(bias),
            f32,
            units,
            node.output[0],
        )
        if extra is not None:
            shape = tuple(np.broadcast_shapes(shape_of(y), extra.shape))
            y = self._emit(
                nn.AddOp,
                [y, self._constant(extra)],
                TensorType(f32, shape),
                {"activation": StringAttr("none")},
                node.output[0],
            )
        self._set(node.output[0], y)

    def _matmul(self, node: Any) -> None:
        b_entry = self._entry(node.input[1])
        x = self._f32(node.input[0])
        w = self._const(node, 1, "weights") if isinstance(b_entry, Const | QConst) else None
        if w is None or w.ndim != 2 or len(shape_of(x)) < 2:
            y = self._batch_matmul(x, self._f32(node.input[1]), f32, node.output[0])
            self._set(node.output[0], y)
            return
        if shape_of(x)[-1] != w.shape[0]:
            raise self._error("only [..., K] x [K, N] products are supported")
        units = w.shape[1]
        y = self._fc(
            x,
            self._constant(np.ascontiguousarray(w.T.astype(np.float32))),
            self._constant(np.zeros(units, np.float32)),
            f32,
            units,
            node.output[0],
        )
        self._set(node.output[0], y)

    def _fc_int8_values(
        self,
        x: SSAValue,
        w: QConst,
        transposed: bool,
        b: QConst | None,
        out_type: nn.QuantType,
        name: str,
    ) -> SSAValue | None:
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
        if x is None:
            return None
        if node.op_type == "MatMul" and (
            not isinstance(w, QConst) or w.q.ndim != 2 or len(shape_of(x)) < 2
        ):
            return self._batch_matmul_int8(node, x, out_type)
        if not isinstance(w, QConst):
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
        b_entry = self._entry(node.input[3])
        if not isinstance(b_entry, Const) or b_entry.array.ndim != 2 or len(shape_of(x)) < 2:
            b = self._q_operand(node, 3, 4, 5)
            out_type = self._scalar_qtype(node, 6, 7, "output")
            if b is None:
                raise self._error("unsupported right-hand side (per-tensor int8 expected)")
            self._set(node.output[0], self._batch_matmul(x, b, out_type, node.output[0]))
            return
        w = self._qparams_const(node, 3, 4, 5, "weights")
        if w.qtype.per_channel:
            w = QConst(
                w.q,
                nn.QuantType(IntegerType(8), w.qtype.scale_list(), w.qtype.zero_point_list(), 1),
            )
        out_type = self._scalar_qtype(node, 6, 7, "output")
        y = self._fc_int8_values(x, w, False, None, out_type, node.output[0])
        if y is None:
            raise self._error("unsupported weights (int8 [K, N] expected)")
        self._set(node.output[0], y)

    def _batch_matmul(
        self, a: SSAValue, b: SSAValue, out_element: Attribute, name: str
    ) -> SSAValue:
        """ONNX's MatMul (numpy's ``matmul``) of two values as an ``nn.batch_matmul``: a
        1-D operand is a row (lhs) or a column (rhs) whose axis the result drops."""
        a_shape, b_shape = shape_of(a), shape_of(b)
        if not a_shape or not b_shape:
            raise self._error("scalar operands are not supported")
        if len(a_shape) == 1:
            a = self._reshape_value(a, (1, a_shape[0]))
        if len(b_shape) == 1:
            b = self._reshape_value(b, (b_shape[0], 1))
        shape = batch_matmul_shape(shape_of(a), shape_of(b), False, False)
        if shape is None:
            raise self._error(
                f"operands {list(a_shape)} and {list(b_shape)} do not multiply (ranks up to "
                f"{MAX_RANK}, equal depths, broadcastable batch axes)"
            )
        props = {"adj_x": IntegerAttr(0, i64), "adj_y": IntegerAttr(0, i64)}
        drop = len(a_shape) == 1 or len(b_shape) == 1
        y = self._emit(
            BatchMatmulOp, [a, b], TensorType(out_element, shape), props, None if drop else name
        )
        if drop:
            final = list(shape[:-2])
            if len(a_shape) > 1:
                final.append(shape[-2])
            if len(b_shape) > 1:
                final.append(shape[-1])
            y = self._reshape_value(y, final, name)
        return y

    def _batch_matmul_int8(self, node: Any, x: SSAValue, out_type: nn.QuantType) -> SSAValue | None:
        """A QDQ MatMul of two int8 tensors (per tensor): an int8 ``nn.batch_matmul``."""
        w = self._q(node.input[1])
        if w is None or quant_of(x) is None or quant_of(w) is None:
            return None
        return self._batch_matmul(x, w, out_type, node.output[0])

    def _qgemm(self, node: Any) -> None:
        x = self._q(node.input[0])
        trans_a, trans_b, alpha, _ = self._gemm_operands(node)
        if x is None or trans_a or alpha != 1.0:
            raise self._error("only a quantized input, transA = 0 and alpha = 1 are supported")
        if self._input_name(node, 7) is None:
            raise self._error("a float output (no y_scale) is not supported")
        w = self._qparams_const(node, 3, 4, 5, "weights")
        if w.qtype.per_channel and not trans_b:
            w = QConst(
                w.q,
                nn.QuantType(IntegerType(8), w.qtype.scale_list(), w.qtype.zero_point_list(), 1),
            )
        b = None
        c = self._const(node, 6, "bias", optional=True)
        if c is not None:
            b = QConst(c.astype(np.int32), make_qtype(np.ones(1), np.zeros(1), np.int32))
        out_type = self._scalar_qtype(node, 7, 8, "output")
        y = self._fc_int8_values(x, w, trans_b, b, out_type, node.output[0])
        if y is None:
            raise self._error("unsupported weights (symmetric int8 expected)")
        self._set(node.output[0], y)
