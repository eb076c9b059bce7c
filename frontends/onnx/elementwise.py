"""Element-wise ONNX operators: the binary arithmetic ops (with broadcasting; a division
by a constant is a multiplication by its reciprocal), Min and Max, the float math
functions (Abs, Neg, Exp, Log, Sqrt, Floor, Ceil, Reciprocal, Pow with a constant
exponent), the activations, Softmax and BatchNormalization, and the QOperator
``QLinearAdd`` and ``QLinearMul``."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
from xdsl.dialects.builtin import FloatAttr, StringAttr, TensorType, f32
from xdsl.ir import Attribute, SSAValue
from xdsl.irdl import IRDLOperation

from stai.dialects import nn

from .builder import GraphBuilder, inverse_perm, node_attrs
from .values import Const, QConst, shape_of, tensor_type


class ElementwiseOps(GraphBuilder):
    """Translators of the element-wise ONNX operators."""

    # ------------------------------------------------------------------ element-wise

    def _binary_values(
        self,
        cls: type[IRDLOperation],
        a: SSAValue,
        b: SSAValue,
        element: Attribute,
        name: str | None,
    ) -> SSAValue:
        try:
            shape = tuple(np.broadcast_shapes(shape_of(a), shape_of(b)))
        except ValueError:
            raise self._error(
                f"operand shapes {list(shape_of(a))} and {list(shape_of(b))} do not broadcast"
            ) from None
        return self._emit(
            cls, [a, b], TensorType(element, shape), {"activation": StringAttr("none")}, name
        )

    def _binary(self, node: Any, cls: type[IRDLOperation]) -> None:
        a, b = self._f32(node.input[0]), self._f32(node.input[1])
        y = self._binary_values(cls, a, b, f32, node.output[0])
        self._set(node.output[0], y)

    def _div(self, node: Any) -> None:
        """``x / c`` with a constant ``c`` is ``x * (1 / c)`` (an int8 kernel exists for
        mul, not for div); other divisions are ``nn.div``."""
        divisor = self._entry(node.input[1])
        if isinstance(divisor, Const | QConst):
            c = divisor.array if isinstance(divisor, Const) else divisor.real()
            c = np.asarray(c, dtype=np.float64)
            if c.dtype.kind == "f" and np.all(c != 0):
                a = self._f32(node.input[0])
                b = self._constant((1.0 / c).astype(np.float32))
                self._set(node.output[0], self._binary_values(nn.MulOp, a, b, f32, node.output[0]))
                return
        self._binary(node, nn.DivOp)

    def _min_max(self, node: Any, cls: type[IRDLOperation]) -> None:
        """Min / Max of one or more tensors (broadcasting), left to right."""
        names = [i for i in node.input if i]
        y = self._f32(names[0])
        for k, other in enumerate(names[1:], start=2):
            last = k == len(names)
            y = self._binary_values(cls, y, self._f32(other), f32, node.output[0] if last else None)
        if len(names) == 1:
            y = self._reshape_value(y, shape_of(y), node.output[0])
        self._set(node.output[0], y)

    def _reciprocal(self, node: Any) -> None:
        x = self._f32(node.input[0])
        one = self._constant(np.ones((1,) * len(shape_of(x)), np.float32))
        self._set(node.output[0], self._binary_values(nn.DivOp, one, x, f32, node.output[0]))

    def _pow(self, node: Any) -> None:
        """Pow with a constant scalar exponent: 1 (a copy), 2, 3 (the tanh form of GELU),
        0.5, -0.5 and -1."""
        exponent = self._const(node, 1, "exponent")
        assert exponent is not None
        if exponent.size != 1:
            raise self._error("the exponent must be one number")
        e = float(exponent.reshape(-1)[0])
        unary = {2.0: nn.SquareOp, 0.5: nn.SqrtOp, -0.5: nn.RsqrtOp}
        if e in unary:
            self._unary(node, unary[e])
        elif e == -1.0:
            self._reciprocal(node)
        elif e == 1.0:
            x = self._f32(node.input[0])
            self._set(node.output[0], self._reshape_value(x, shape_of(x), node.output[0]))
        elif e == 3.0:
            x = self._f32(node.input[0])
            square = self._emit(nn.SquareOp, [x], tensor_type(x))
            cube = self._emit(
                nn.MulOp,
                [square, x],
                tensor_type(x),
                {"activation": StringAttr("none")},
                node.output[0],
            )
            self._set(node.output[0], cube)
        else:
            raise self._error(f"exponent {e:g} is not supported (only 1, 2, 3, 0.5, -0.5 and -1)")

    def _gelu(self, node: Any) -> None:
        """Gelu (opset 20): exact, or its tanh approximation."""
        approximate = str(node_attrs(node).get("approximate", "none"))
        if approximate not in ("none", "tanh"):
            raise self._error(f"approximate '{approximate}' is not supported (none, tanh)")
        self._unary(node, nn.GeluTanhOp if approximate == "tanh" else nn.GeluOp)

    def _qlinear_binary(self, node: Any, cls: type[IRDLOperation]) -> None:
        a, b = self._q_operand(node, 0, 1, 2), self._q_operand(node, 3, 4, 5)
        if a is None or b is None:
            raise self._error("both operands must be quantized")
        out_type = self._scalar_qtype(node, 6, 7, "output")
        self._set(node.output[0], self._binary_values(cls, a, b, out_type, node.output[0]))

    def _unary(
        self, node: Any, cls: type[IRDLOperation], props: Mapping[str, Attribute] | None = None
    ) -> None:
        x = self._f32(node.input[0])
        self._set(node.output[0], self._emit(cls, [x], tensor_type(x), props, node.output[0]))

    def _leaky_relu(self, node: Any) -> None:
        alpha = float(node_attrs(node).get("alpha", 0.01))
        self._unary(node, nn.LeakyReluOp, {"alpha": FloatAttr(alpha, f32)})

    def _hard_sigmoid(self, node: Any) -> None:
        a = node_attrs(node)
        props = {
            "alpha": FloatAttr(float(a.get("alpha", 0.2)), f32),
            "beta": FloatAttr(float(a.get("beta", 0.5)), f32),
        }
        self._unary(node, nn.HardSigmoidOp, props)

    def _clip_bounds(self, node: Any) -> tuple[float, float]:
        if self.opset < 11:
            a = node_attrs(node)
            return float(a.get("min", -math.inf)), float(a.get("max", math.inf))
        lo = self._const(node, 1, "min", optional=True)
        hi = self._const(node, 2, "max", optional=True)
        return (
            -math.inf if lo is None else float(lo.reshape(-1)[0]),
            math.inf if hi is None else float(hi.reshape(-1)[0]),
        )

    def _clip(self, node: Any) -> None:
        lo, hi = self._clip_bounds(node)
        named = {(0.0, 6.0): nn.Relu6Op, (0.0, math.inf): nn.ReluOp, (-1.0, 1.0): nn.ReluN1To1Op}
        cls = named.get((lo, hi))
        if cls is not None:
            self._unary(node, cls)
            return
        self._unary(node, nn.ClampOp, {"min": FloatAttr(lo, f32), "max": FloatAttr(hi, f32)})

    def _softmax(self, node: Any, cls: type[IRDLOperation] = nn.SoftmaxOp) -> None:
        """Softmax, or LogSoftmax (``cls``), over any axis: the last one directly, another
        by a transpose around it (opset < 13: over the 2-D coercion)."""
        x = self._f32(node.input[0])
        shape = shape_of(x)
        rank = len(shape)
        axis = int(node_attrs(node).get("axis", 1 if self.opset < 13 else -1))
        axis = axis + rank if axis < 0 else axis
        props = {"beta": FloatAttr(1.0, f32)} if cls is nn.SoftmaxOp else {}
        name = node.output[0]
        if axis == rank - 1:
            y = self._emit(cls, [x], tensor_type(x), props, name)
        elif self.opset < 13:
            flat = (math.prod(shape[:axis]), math.prod(shape[axis:]))
            y = self._emit(cls, [self._reshape_value(x, flat)], TensorType(f32, flat), props)
            y = self._reshape_value(y, shape, name)
        else:
            perm = [i for i in range(rank) if i != axis] + [axis]
            t = self._transpose_value(x, perm)
            y = self._emit(cls, [t], tensor_type(t), props, name)
            y = self._transpose_value(y, inverse_perm(perm))
        self._set(name, y)

    def _elu(self, node: Any) -> None:
        alpha = float(node_attrs(node).get("alpha", 1.0))
        if alpha != 1.0:
            raise self._error(f"alpha {alpha:g} is not supported (only 1)")
        self._unary(node, nn.EluOp)

    def _sum(self, node: Any) -> None:
        """Sum of one or more inputs (broadcasting), added left to right."""
        values = [self._f32(name) for name in node.input if name]
        if not values:
            raise self._error("no input")
        y = values[0]
        if len(values) == 1:
            y = self._reshape_value(y, shape_of(y), node.output[0])
        for i, v in enumerate(values[1:], start=2):
            name = node.output[0] if i == len(values) else None
            y = self._binary_values(nn.AddOp, y, v, f32, name)
        self._set(node.output[0], y)

    def _batch_norm(self, node: Any) -> None:
        x = self._f32(node.input[0])
        shape = shape_of(x)
        gamma, beta, mean, var = (
            self._const(node, i, w)
            for i, w in enumerate(("scale", "bias", "mean", "variance"), start=1)
        )
        eps = float(node_attrs(node).get("epsilon", 1e-5))
        assert gamma is not None and beta is not None and mean is not None and var is not None
        scale = gamma.astype(np.float64) / np.sqrt(var.astype(np.float64) + eps)
        shift = beta.astype(np.float64) - mean.astype(np.float64) * scale
        bshape = (shape[1],) + (1,) * (len(shape) - 2)
        none = {"activation": StringAttr("none")}
        y = self._emit(
            nn.MulOp,
            [x, self._constant(scale.astype(np.float32).reshape(bshape))],
            TensorType(f32, shape),
            none,
        )
        y = self._emit(
            nn.AddOp,
            [y, self._constant(shift.astype(np.float32).reshape(bshape))],
            TensorType(f32, shape),
            none,
            node.output[0],
        )
        self._set(node.output[0], y)
