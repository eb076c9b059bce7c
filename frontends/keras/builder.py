"""The state and the op-building helpers shared by the Keras layer translators.

`LayerBuilder` holds the ``@main`` block being filled, the layer being translated (its
object, prefixed name, configuration and ``nn.m_id``) and the helpers every translator
uses: `LayerBuilder.emit` appends one f32 ``nn`` op tagged with the layer's ``nn.m_id``
(and ``nn.name`` on the op computing the layer's result), `LayerBuilder.constant` one
weight, and the activation helpers fuse a Keras activation into the op or apply it after.
The layer families (`linear`, `elementwise`, `pooling`, `shapes`) extend it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from xdsl.dialects.builtin import FloatAttr, IntegerAttr, StringAttr, TensorType, f32, i64
from xdsl.ir import Attribute, Block, SSAValue
from xdsl.irdl import IRDLOperation

from stai.dialects import nn
from stai.errors import StaiError, printable_name

from .loader import keras_module

_NAME_HINT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,39}$")
_NUMBERED = re.compile(r"_[0-9]+$")

FUSED = {"linear": "none", "relu": "relu", "relu6": "relu6"}
"""Keras activations that conv / dense / pool ops take as a fused clamp."""


def pair(value: Any) -> tuple[int, int]:
    if isinstance(value, int):
        return value, value
    a, b = value
    return int(a), int(b)


def same_padding(size: int, kernel: int, stride: int, dilation: int) -> tuple[int, int, int]:
    """Output size and (before, after) padding of ``same`` padding (TensorFlow's rule)."""
    effective = (kernel - 1) * dilation + 1
    out = (size + stride - 1) // stride
    total = max((out - 1) * stride + effective - size, 0)
    return out, total // 2, total - total // 2


def valid_size(size: int, kernel: int, stride: int, dilation: int) -> int:
    effective = (kernel - 1) * dilation + 1
    return (size - effective) // stride + 1


def shape_of(value: SSAValue) -> list[int]:
    t = value.type
    assert isinstance(t, TensorType)
    return list(t.get_shape())


def variable_array(variable: Any) -> np.ndarray:
    return np.asarray(variable.numpy() if hasattr(variable, "numpy") else variable, np.float32)


def one(value: Any) -> tuple[int]:
    if isinstance(value, int):
        return (value,)
    (v,) = value
    return (int(v),)


class LayerBuilder:
    """The ``@main`` block under construction and the layer being translated."""

    def __init__(self, model: Any, name: str):
        self.keras = keras_module()
        self.model = model
        self.name = name
        self.block = Block()
        self.m_id = 0
        self.layer: Any = None
        self.layer_name = ""
        self.config: dict[str, Any] = {}
        """The configuration (``get_config()``) of the layer being translated."""
        self.layer_types: list[str] = []
        self.layer_names: list[str] = []
        """The name of each translated layer call (with its nested models' prefixes), by
        ``nn.m_id``."""
        """The Keras class of each translated layer, by ``nn.m_id``."""

    def error(self, message: str) -> StaiError:
        return StaiError(
            f"{self.name}: layer '{printable_name(self.layer_name)}' "
            f"({printable_name(type(self.layer).__name__)}): {message}"
        )

    @staticmethod
    def _name_hint(value: SSAValue, name: str) -> None:
        if _NAME_HINT.match(name) and not _NUMBERED.search(name):
            value.name_hint = name

    def emit(
        self,
        op_class: type[IRDLOperation],
        operands: Sequence[SSAValue | Sequence[SSAValue]],
        shape: Sequence[int],
        properties: Mapping[str, Attribute] | None = None,
        final: bool = True,
    ) -> SSAValue:
        """Append one f32 nn op; ``final`` marks the op computing the layer's result."""
        new = op_class.build(
            operands=list(operands),
            result_types=[TensorType(f32, list(shape))],
            properties=properties or {},
        )
        new.attributes["nn.m_id"] = IntegerAttr(self.m_id, i64)
        if final:
            new.attributes["nn.name"] = StringAttr(self.layer_name)
            self._name_hint(new.results[0], self.layer_name)
        self.block.add_op(new)
        return new.results[0]

    def constant(self, array: np.ndarray) -> SSAValue:
        data = np.ascontiguousarray(np.asarray(array, dtype=np.float32))
        const = nn.ConstantOp(data, TensorType(f32, list(data.shape)))
        const.attributes["nn.m_id"] = IntegerAttr(self.m_id, i64)
        self.block.add_op(const)
        return const.output

    def reshape(self, x: SSAValue, shape: Sequence[int], final: bool = False) -> SSAValue:
        if tuple(shape_of(x)) == tuple(shape) and not final:
            return x
        return self.emit(nn.ReshapeOp, [x], shape, final=final)

    def only(self, values: list[SSAValue]) -> SSAValue:
        if len(values) != 1:
            raise self.error(f"expected one input, got {len(values)}")
        return values[0]

    def rank(self, x: SSAValue, rank: int) -> list[int]:
        shape = shape_of(x)
        if len(shape) != rank:
            raise self.error(f"expected an input of rank {rank}, got shape {shape}")
        return shape

    def channels_last(self) -> None:
        fmt = self.config.get("data_format", "channels_last")
        if fmt not in (None, "channels_last"):
            raise self.error(f"data_format '{fmt}' is not supported (only channels_last)")

    def weights(self) -> list[np.ndarray]:
        return [np.asarray(w, dtype=np.float32) for w in self.layer.get_weights()]

    def activation_name(self, activation: Any = None) -> str:
        """The registered name of a layer's activation (``linear``, ``relu``, ...)."""
        fn = self.layer.activation if activation is None else activation
        try:
            name = self.keras.activations.serialize(fn)
        except Exception as exc:  # a custom function
            what = printable_name(str(getattr(fn, "__name__", fn)))
            raise self.error(f"unsupported activation {what}") from exc
        if not isinstance(name, str):
            raise self.error(f"unsupported activation {printable_name(str(name))}")
        return name

    def fused_and_rest(self) -> tuple[str, str | None]:
        """A fused activation for the op and an activation left to apply after it."""
        name = self.activation_name()
        if name in FUSED:
            return FUSED[name], None
        return "none", name

    def apply_activation(self, x: SSAValue, name: str, final: bool = True) -> SSAValue:
        """One activation function as nn ops."""
        shape = shape_of(x)
        unary: dict[str, type[IRDLOperation]] = {
            "relu": nn.ReluOp,
            "relu6": nn.Relu6Op,
            "sigmoid": nn.LogisticOp,
            "tanh": nn.TanhOp,
            "silu": nn.SwishOp,
            "swish": nn.SwishOp,
            "hard_silu": nn.HardSwishOp,
            "hard_swish": nn.HardSwishOp,
            "gelu": nn.GeluOp,
            "elu": nn.EluOp,
            "log_softmax": nn.LogSoftmaxOp,
        }
        if name == "linear":
            return x
        if name in unary:
            return self.emit(unary[name], [x], shape, final=final)
        if name == "hard_sigmoid":
            props = {"alpha": FloatAttr(1.0 / 6.0, f32), "beta": FloatAttr(0.5, f32)}
            return self.emit(nn.HardSigmoidOp, [x], shape, props, final=final)
        if name == "softmax":
            return self.emit(nn.SoftmaxOp, [x], shape, {"beta": FloatAttr(1.0, f32)}, final=final)
        if name == "leaky_relu":
            return self.emit(
                nn.LeakyReluOp, [x], shape, {"alpha": FloatAttr(0.2, f32)}, final=final
            )
        raise self.error(f"unsupported activation '{printable_name(str(name))}'")

    def finish(self, y: SSAValue, rest: str | None) -> list[SSAValue]:
        """The layer's result: ``y`` followed by its unfused activation, if any."""
        if rest is None:
            return [y]
        return [self.apply_activation(y, rest)]

    def window_pads(
        self,
        in_hw: Sequence[int],
        kernel: Sequence[int],
        strides: Sequence[int],
        dilations: Sequence[int],
        padding: str,
    ) -> tuple[list[int], list[int]]:
        """Output (h, w) and explicit pads [top, bottom, left, right]."""
        out, pads = [], []
        for size, k, s, d in zip(in_hw, kernel, strides, dilations):
            if padding == "same":
                o, before, after = same_padding(size, k, s, d)
            elif padding == "valid":
                o, before, after = valid_size(size, k, s, d), 0, 0
            elif padding == "causal":
                before, after = (k - 1) * d, 0
                o = valid_size(size + before, k, s, d)
            else:
                raise self.error(f"unsupported padding '{padding}'")
            if o < 1:
                raise self.error(f"the input {list(in_hw)} is smaller than the window")
            out.append(o)
            pads += [before, after]
        return out, pads
