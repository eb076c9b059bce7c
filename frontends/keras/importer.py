"""Translation of a Keras 3 model's layer graph into the ``nn`` dialect.

The result is a ``builtin.module`` with one ``func.func @main``: the model's inputs are
its arguments and its outputs the operands of ``func.return`` (model order, named with
``{nn.name = "..."}`` after their layers). The graph is walked from the outputs through
each tensor's producing layer call (Keras' inbound nodes), so every layer is translated
after its inputs. A model used as a layer (functional ``Model`` or ``Sequential``) is
flattened into the same graph; its layers' names get the model's name as a prefix.

Every ``nn`` op carries ``nn.m_id`` (the position of its layer in the flattened graph)
and the op that computes a layer's result ``nn.name`` (the layer's name). Weights come
from the layers' variables; batch dimensions of size ``None`` become 1. Batch
normalizations are emitted as a multiply and an add, then folded into the convolution or
dense layer before them where they are its only user (`batchnorm.fold_batch_norms`).

The module gets ``nn.original_weight_bytes`` (the bytes of every variable of the Keras
model), ``nn.folded_batch_norms`` (how many were folded) and ``nn.layer_types`` (the
Keras class of each layer, indexed by ``nn.m_id``) so that reports can show the
weight-size change of folding and name the layers that have no op left.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
from xdsl.dialects import func
from xdsl.dialects.builtin import (
    ArrayAttr,
    DictionaryAttr,
    FloatAttr,
    IntegerAttr,
    ModuleOp,
    StringAttr,
    TensorType,
    f32,
    i64,
)
from xdsl.ir import Attribute, Block, Operation, Region, SSAValue
from xdsl.irdl import IRDLOperation
from xdsl.utils.exceptions import VerifyException

from stai.dialects import nn
from stai.errors import StaiError

from .batchnorm import BN_ATTR, fold_batch_norms
from .loader import keras_module

_NAME_HINT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,39}$")
_NUMBERED = re.compile(r"_[0-9]+$")

FUSED = {"linear": "none", "relu": "relu", "relu6": "relu6"}
"""Keras activations that conv / dense / pool ops take as a fused clamp."""

IDENTITY_LAYERS = {
    "Dropout",
    "SpatialDropout1D",
    "SpatialDropout2D",
    "GaussianNoise",
    "GaussianDropout",
    "AlphaDropout",
    "ActivityRegularization",
    "Identity",
}
"""Layers that pass their input through at inference."""


def import_model(model: Any, name: str) -> ModuleOp:
    """Translate a Keras model into a verified ``nn`` module; `StaiError` on what it can't."""
    module = _Importer(model, name).run()
    try:
        module.verify()
    except VerifyException as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else "verification failed"
        raise StaiError(f"{name}: the imported model does not verify: {first}") from exc
    return module


def _pair(value: Any) -> tuple[int, int]:
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


class _Importer:
    """Walks one Keras model's graph and appends nn ops to ``@main``."""

    def __init__(self, model: Any, name: str):
        self.keras = keras_module()
        self.model = model
        self.name = name
        self.block = Block()
        self.m_id = 0
        self.layer: Any = None
        self.layer_name = ""
        self.layer_types: list[str] = []
        """The Keras class of each translated layer, by ``nn.m_id``."""
        self.handlers: dict[str, Callable[[list[SSAValue]], list[SSAValue]]] = {
            "InputLayer": lambda xs: xs,
            "Conv2D": self._conv2d,
            "Conv1D": self._conv1d,
            "DepthwiseConv2D": self._depthwise_conv2d,
            "SeparableConv2D": self._separable_conv2d,
            "Dense": self._dense,
            "BatchNormalization": self._batch_norm,
            "Activation": self._activation_layer,
            "ReLU": self._relu,
            "LeakyReLU": self._leaky_relu,
            "PReLU": self._prelu,
            "Softmax": self._softmax_layer,
            "MaxPooling2D": lambda xs: self._pool2d(xs, nn.MaxPool2DOp),
            "AveragePooling2D": lambda xs: self._pool2d(xs, nn.AvgPool2DOp),
            "MaxPooling1D": lambda xs: self._pool1d(xs, nn.MaxPool2DOp),
            "AveragePooling1D": lambda xs: self._pool1d(xs, nn.AvgPool2DOp),
            "GlobalAveragePooling2D": lambda xs: self._global_pool(xs, average=True),
            "GlobalMaxPooling2D": lambda xs: self._global_pool(xs, average=False),
            "GlobalAveragePooling1D": lambda xs: self._global_pool(xs, average=True),
            "GlobalMaxPooling1D": lambda xs: self._global_pool(xs, average=False),
            "Flatten": self._flatten,
            "Reshape": self._reshape_layer,
            "Permute": self._permute,
            "Add": lambda xs: self._merge(xs, nn.AddOp),
            "Subtract": lambda xs: self._merge(xs, nn.SubOp),
            "Multiply": lambda xs: self._merge(xs, nn.MulOp),
            "Concatenate": self._concatenate,
            "ZeroPadding2D": self._zero_padding2d,
            "ZeroPadding1D": self._zero_padding1d,
            "Rescaling": self._rescaling,
            "LSTM": self._lstm,
        }
        for layer_class in IDENTITY_LAYERS:
            self.handlers[layer_class] = self._identity

    # ------------------------------------------------------------------ driver

    def run(self) -> ModuleOp:
        model = self.model
        if not isinstance(model, self.keras.Model):
            raise StaiError(f"{self.name}: not a Keras model ({type(model).__name__})")
        graph = self._graph_of(model)
        arg_types = [self._input_type(t) for t in graph.inputs]
        args = []
        for t, arg_type in zip(graph.inputs, arg_types):
            arg = self.block.insert_arg(arg_type, len(self.block.args))
            self._name_hint(arg, self._producer_name(t))
            args.append(arg)
        results = self._call_graph(graph, args, prefix="")
        self.block.add_op(func.ReturnOp(*results))
        main = func.FuncOp(
            "main",
            (arg_types, [r.type for r in results]),
            Region(self.block),
            arg_attrs=self._name_attrs(graph.inputs),
            res_attrs=self._name_attrs(graph.outputs),
        )
        module = ModuleOp([main])
        folded = fold_batch_norms(main)
        module.attributes["nn.original_weight_bytes"] = IntegerAttr(_weight_bytes(model), i64)
        module.attributes["nn.folded_batch_norms"] = IntegerAttr(folded, i64)
        module.attributes["nn.layer_types"] = ArrayAttr([StringAttr(t) for t in self.layer_types])
        return module

    def _graph_of(self, model: Any) -> Any:
        """The functional graph of a model (a built ``Sequential`` keeps one)."""
        if isinstance(model, self.keras.Sequential):
            graph = getattr(model, "_functional", None)
            if graph is None:
                raise StaiError(
                    f"{self.name}: Sequential model '{model.name}' has no input shape "
                    "(give it a keras.Input or build it)"
                )
            return graph
        if not getattr(model, "inputs", None) or not getattr(model, "outputs", None):
            raise StaiError(f"{self.name}: model '{model.name}' is not a functional graph")
        return model

    def _producer_name(self, tensor: Any) -> str:
        history = getattr(tensor, "_keras_history", None)
        return history.operation.name if history is not None else str(tensor.name)

    def _name_attrs(self, tensors: Sequence[Any]) -> ArrayAttr[DictionaryAttr]:
        return ArrayAttr(
            [DictionaryAttr({"nn.name": StringAttr(self._producer_name(t))}) for t in tensors]
        )

    def _input_type(self, tensor: Any) -> TensorType:
        shape = list(tensor.shape)
        where = f"{self.name}: input '{self._producer_name(tensor)}'"
        if str(tensor.dtype) != "float32":
            raise StaiError(f"{where} has dtype {tensor.dtype} (only float32 inputs are supported)")
        if any(d is None for d in shape[1:]):
            dims = ["None" if d is None else str(d) for d in shape]
            raise StaiError(
                f"{where} has a dynamic shape [{', '.join(dims)}]: stai needs static "
                "sizes (give the Input a full shape)"
            )
        if shape and shape[0] is None:
            shape[0] = 1
        return TensorType(f32, shape)

    def _call_graph(self, graph: Any, args: Sequence[SSAValue], prefix: str) -> list[SSAValue]:
        """Translate one functional graph given its input values; returns its outputs."""
        inputs = list(graph.inputs)
        if len(inputs) != len(args):
            raise StaiError(
                f"{self.name}: model '{graph.name}' takes {len(inputs)} inputs, given {len(args)}"
            )
        env: dict[int, SSAValue] = {id(t): v for t, v in zip(inputs, args)}
        for out in graph.outputs:
            stack = [out]
            while stack:
                tensor = stack[-1]
                if id(tensor) in env:
                    stack.pop()
                    continue
                node = self._node_of(tensor)
                missing = [t for t in node.input_tensors if id(t) not in env]
                if missing:
                    stack.extend(missing)
                    continue
                stack.pop()
                values = [env[id(t)] for t in node.input_tensors]
                results = self._call_layer(node.operation, values, prefix)
                if len(results) != len(node.outputs):
                    raise StaiError(
                        f"{self.name}: layer '{prefix}{node.operation.name}' gives "
                        f"{len(results)} results, Keras {len(node.outputs)}"
                    )
                for t, v in zip(node.outputs, results):
                    env[id(t)] = v
        return [env[id(t)] for t in graph.outputs]

    def _node_of(self, tensor: Any) -> Any:
        history = getattr(tensor, "_keras_history", None)
        if history is None:
            raise StaiError(f"{self.name}: tensor '{tensor.name}' is not computed by a layer")
        operation, node_index, _ = history
        return operation._inbound_nodes[node_index]

    def _call_layer(self, layer: Any, values: list[SSAValue], prefix: str) -> list[SSAValue]:
        """Translate one call of ``layer`` (a nested model is flattened)."""
        class_name = type(layer).__name__
        if isinstance(layer, self.keras.Model):
            graph = self._graph_of(layer)
            return self._call_graph(graph, values, f"{prefix}{layer.name}/")
        builtin = type(layer).__module__.split(".")[0] == "keras"
        handler = self.handlers.get(class_name) if builtin else None
        if handler is None:
            what = "Keras layer" if builtin else "custom layer"
            if class_name == "Lambda":
                what = "layer"
            raise StaiError(
                f"{self.name}: unsupported {what} '{prefix}{layer.name}' of class {class_name}"
            )
        self.layer = layer
        self.layer_name = f"{prefix}{layer.name}"
        self.config = layer.get_config()
        self.layer_types.append(class_name)
        results = handler(values)
        self.m_id += 1
        return results

    # ------------------------------------------------------------------ helpers

    def error(self, message: str) -> StaiError:
        return StaiError(
            f"{self.name}: layer '{self.layer_name}' ({type(self.layer).__name__}): {message}"
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
            raise self.error(f"unsupported activation {getattr(fn, '__name__', fn)}") from exc
        if not isinstance(name, str):
            raise self.error(f"unsupported activation {name}")
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
        raise self.error(f"unsupported activation '{name}'")

    def finish(self, y: SSAValue, rest: str | None) -> list[SSAValue]:
        """The layer's result: ``y`` followed by its unfused activation, if any."""
        if rest is None:
            return [y]
        return [self.apply_activation(y, rest)]

    # ------------------------------------------------------------------ layers

    def _identity(self, xs: list[SSAValue]) -> list[SSAValue]:
        return [self.only(xs)]

    def _conv_pads(
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

    def _conv_core(
        self,
        x: SSAValue,
        filt: np.ndarray,
        bias: np.ndarray,
        kernel: Sequence[int],
        strides: Sequence[int],
        dilations: Sequence[int],
        padding: str,
        activation: str,
        depth_multiplier: int | None = None,
        final: bool = True,
    ) -> SSAValue:
        """One nn.conv2d (or nn.depthwise_conv2d with ``depth_multiplier``) on NHWC ``x``."""
        n, h, w, _ = shape_of(x)
        (oh, ow), pads = self._conv_pads((h, w), kernel, strides, dilations, padding)
        out_c = filt.shape[0] if depth_multiplier is None else filt.shape[3]
        props: dict[str, Attribute] = {
            "strides": nn.i64_array(strides),
            "dilations": nn.i64_array(dilations),
            "pads": nn.i64_array(pads),
            "activation": StringAttr(activation),
        }
        op_class: type[IRDLOperation] = nn.Conv2DOp
        if depth_multiplier is not None:
            props["depth_multiplier"] = IntegerAttr(depth_multiplier, i64)
            op_class = nn.DepthwiseConv2DOp
        operands = [x, self.constant(filt), self.constant(bias)]
        return self.emit(op_class, operands, [n, oh, ow, out_c], props, final=final)

    def _bias(self, weights: list[np.ndarray], index: int, channels: int) -> np.ndarray:
        if self.config.get("use_bias", True) and len(weights) > index:
            return weights[index]
        return np.zeros(channels, np.float32)

    def _conv2d(self, xs: list[SSAValue]) -> list[SSAValue]:
        x = self.only(xs)
        self.rank(x, 4)
        self.channels_last()
        w = self.weights()
        kernel = w[0]  # [kh, kw, in / groups, out]
        filt = kernel.transpose(3, 0, 1, 2)
        fused, rest = self.fused_and_rest()
        y = self._conv_core(
            x,
            filt,
            self._bias(w, 1, kernel.shape[3]),
            kernel.shape[:2],
            _pair(self.config["strides"]),
            _pair(self.config["dilation_rate"]),
            self.config["padding"],
            fused,
            final=rest is None,
        )
        return self.finish(y, rest)

    def _conv1d(self, xs: list[SSAValue]) -> list[SSAValue]:
        """A 1-D convolution as a 2-D one with height 1."""
        x = self.only(xs)
        n, length, channels = self.rank(x, 3)
        self.channels_last()
        w = self.weights()
        kernel = w[0]  # [k, in / groups, out]
        filt = kernel.transpose(2, 0, 1)[:, None, :, :]
        fused, rest = self.fused_and_rest()
        (stride,), (dilation,) = self.config["strides"], self.config["dilation_rate"]
        x4 = self.reshape(x, [n, 1, length, channels])
        y4 = self._conv_core(
            x4,
            filt,
            self._bias(w, 1, kernel.shape[2]),
            (1, kernel.shape[0]),
            (1, stride),
            (1, dilation),
            self.config["padding"],
            fused,
            final=False,
        )
        _, _, out_len, out_c = shape_of(y4)
        y = self.reshape(y4, [n, out_len, out_c], final=rest is None)
        return self.finish(y, rest)

    def _depthwise_conv2d(self, xs: list[SSAValue]) -> list[SSAValue]:
        x = self.only(xs)
        self.rank(x, 4)
        self.channels_last()
        w = self.weights()
        kernel = w[0]  # [kh, kw, in, multiplier]
        kh, kw, channels, mult = kernel.shape
        filt = kernel.reshape(1, kh, kw, channels * mult)
        fused, rest = self.fused_and_rest()
        y = self._conv_core(
            x,
            filt,
            self._bias(w, 1, channels * mult),
            (kh, kw),
            _pair(self.config["strides"]),
            _pair(self.config["dilation_rate"]),
            self.config["padding"],
            fused,
            depth_multiplier=mult,
            final=rest is None,
        )
        return self.finish(y, rest)

    def _separable_conv2d(self, xs: list[SSAValue]) -> list[SSAValue]:
        """A depthwise convolution, then a 1x1 convolution with the bias and activation."""
        x = self.only(xs)
        self.rank(x, 4)
        self.channels_last()
        w = self.weights()
        depthwise, pointwise = w[0], w[1]  # [kh, kw, in, mult], [1, 1, in * mult, out]
        kh, kw, channels, mult = depthwise.shape
        out_c = pointwise.shape[3]
        d = self._conv_core(
            x,
            depthwise.reshape(1, kh, kw, channels * mult),
            np.zeros(channels * mult, np.float32),
            (kh, kw),
            _pair(self.config["strides"]),
            _pair(self.config["dilation_rate"]),
            self.config["padding"],
            "none",
            depth_multiplier=mult,
            final=False,
        )
        fused, rest = self.fused_and_rest()
        y = self._conv_core(
            d,
            pointwise.transpose(3, 0, 1, 2),
            self._bias(w, 2, out_c),
            (1, 1),
            (1, 1),
            (1, 1),
            "valid",
            fused,
            final=rest is None,
        )
        return self.finish(y, rest)

    def _dense(self, xs: list[SSAValue]) -> list[SSAValue]:
        x = self.only(xs)
        shape = shape_of(x)
        w = self.weights()
        kernel = w[0]  # [in, units]
        if not shape or shape[-1] != kernel.shape[0]:
            raise self.error(f"input shape {shape} does not fit weights {list(kernel.shape)}")
        fused, rest = self.fused_and_rest()
        operands = [x, self.constant(kernel.T), self.constant(self._bias(w, 1, kernel.shape[1]))]
        y = self.emit(
            nn.FullyConnectedOp,
            operands,
            [*shape[:-1], kernel.shape[1]],
            {"activation": StringAttr(fused)},
            final=rest is None,
        )
        return self.finish(y, rest)

    def _batch_norm(self, xs: list[SSAValue]) -> list[SSAValue]:
        """``x * scale + shift`` over the last axis (folded later where possible)."""
        x = self.only(xs)
        shape = shape_of(x)
        axis = self.config.get("axis", -1)
        if isinstance(axis, list | tuple):
            if len(axis) != 1:
                raise self.error(f"normalization over axes {axis} is not supported")
            axis = axis[0]
        if axis % len(shape) != len(shape) - 1:
            raise self.error(f"normalization over axis {axis} is not supported (only the last)")
        layer = self.layer
        channels = shape[-1]
        gamma = _value(layer.gamma) if layer.gamma is not None else np.ones(channels, np.float32)
        beta = _value(layer.beta) if layer.beta is not None else np.zeros(channels, np.float32)
        mean, var = _value(layer.moving_mean), _value(layer.moving_variance)
        eps = float(self.config.get("epsilon", 1e-3))
        scale = gamma.astype(np.float64) / np.sqrt(var.astype(np.float64) + eps)
        shift = beta.astype(np.float64) - mean.astype(np.float64) * scale
        mul = self.emit(
            nn.MulOp,
            [x, self.constant(scale)],
            shape,
            {"activation": StringAttr("none")},
            final=False,
        )
        add = self.emit(
            nn.AddOp, [mul, self.constant(shift)], shape, {"activation": StringAttr("none")}
        )
        for value, half in ((mul, "scale"), (add, "shift")):
            owner = value.owner
            assert isinstance(owner, Operation)
            owner.attributes[BN_ATTR] = StringAttr(half)
        return [add]

    def _activation_layer(self, xs: list[SSAValue]) -> list[SSAValue]:
        return [self.apply_activation(self.only(xs), self.activation_name())]

    def _relu(self, xs: list[SSAValue]) -> list[SSAValue]:
        x = self.only(xs)
        max_value = self.config.get("max_value")
        slope = float(self.config.get("negative_slope") or 0.0)
        threshold = float(self.config.get("threshold") or 0.0)
        if threshold != 0.0:
            raise self.error("a non-zero threshold is not supported")
        if slope != 0.0 and max_value is None:
            return [self.emit(nn.LeakyReluOp, [x], shape_of(x), {"alpha": FloatAttr(slope, f32)})]
        if slope != 0.0:
            raise self.error("a negative slope with a max_value is not supported")
        if max_value is None:
            return [self.apply_activation(x, "relu")]
        if float(max_value) == 6.0:
            return [self.apply_activation(x, "relu6")]
        props = {"min": FloatAttr(0.0, f32), "max": FloatAttr(float(max_value), f32)}
        return [self.emit(nn.ClampOp, [x], shape_of(x), props)]

    def _leaky_relu(self, xs: list[SSAValue]) -> list[SSAValue]:
        x = self.only(xs)
        slope = self.config.get("negative_slope", self.config.get("alpha", 0.3))
        return [
            self.emit(nn.LeakyReluOp, [x], shape_of(x), {"alpha": FloatAttr(float(slope), f32)})
        ]

    def _prelu(self, xs: list[SSAValue]) -> list[SSAValue]:
        x = self.only(xs)
        (alpha,) = self.weights()
        features = tuple(shape_of(x)[1:])
        try:
            fits = np.broadcast_shapes(alpha.shape, features) == features
        except ValueError:
            fits = False
        if not fits:
            raise self.error(f"alpha of shape {list(alpha.shape)} does not fit the input")
        return [self.emit(nn.PReluOp, [x, self.constant(alpha)], shape_of(x))]

    def _softmax_layer(self, xs: list[SSAValue]) -> list[SSAValue]:
        x = self.only(xs)
        axis = self.config.get("axis", -1)
        if isinstance(axis, list | tuple):
            axis = axis[0] if len(axis) == 1 else None
        if axis is None or axis % len(shape_of(x)) != len(shape_of(x)) - 1:
            raise self.error(
                f"softmax over axis {self.config.get('axis')} is not supported (only the last)"
            )
        return [self.apply_activation(x, "softmax")]

    def _pool_core(
        self,
        x: SSAValue,
        op_class: type[IRDLOperation],
        kernel: Sequence[int],
        strides: Sequence[int],
        padding: str,
        final: bool = True,
    ) -> SSAValue:
        n, h, w, c = shape_of(x)
        (oh, ow), pads = self._conv_pads((h, w), kernel, strides, (1, 1), padding)
        props = {
            "kernel": nn.i64_array(kernel),
            "strides": nn.i64_array(strides),
            "pads": nn.i64_array(pads),
            "activation": StringAttr("none"),
        }
        return self.emit(op_class, [x], [n, oh, ow, c], props, final=final)

    def _pool2d(self, xs: list[SSAValue], op_class: type[IRDLOperation]) -> list[SSAValue]:
        x = self.only(xs)
        self.rank(x, 4)
        self.channels_last()
        kernel = _pair(self.config["pool_size"])
        strides = _pair(self.config.get("strides") or kernel)
        return [self._pool_core(x, op_class, kernel, strides, self.config["padding"])]

    def _pool1d(self, xs: list[SSAValue], op_class: type[IRDLOperation]) -> list[SSAValue]:
        x = self.only(xs)
        n, length, c = self.rank(x, 3)
        self.channels_last()
        (k,) = _one(self.config["pool_size"])
        (s,) = _one(self.config.get("strides") or k)
        x4 = self.reshape(x, [n, 1, length, c])
        y4 = self._pool_core(x4, op_class, (1, k), (1, s), self.config["padding"], final=False)
        return [self.reshape(y4, [n, shape_of(y4)[2], c], final=True)]

    def _global_pool(self, xs: list[SSAValue], average: bool) -> list[SSAValue]:
        """Mean or max over the spatial axes (1-D inputs as height 1)."""
        x = self.only(xs)
        shape = shape_of(x)
        if len(shape) not in (3, 4):
            raise self.error(f"expected an input of rank 3 or 4, got shape {shape}")
        self.channels_last()
        n, c = shape[0], shape[-1]
        x4 = x if len(shape) == 4 else self.reshape(x, [n, 1, shape[1], c])
        _, h, w, _ = shape_of(x4)
        keep = bool(self.config.get("keepdims", False))
        out_shape = [n] + [1] * (len(shape) - 2) + [c] if keep else [n, c]
        if average:
            props = {"axes": nn.i64_array([1, 2]), "keep_dims": IntegerAttr(0, i64)}
            y = self.emit(nn.MeanOp, [x4], [n, c], props, final=not keep)
        else:
            y = self._pool_core(x4, nn.MaxPool2DOp, (h, w), (h, w), "valid", final=False)
            if not keep:
                return [self.reshape(y, [n, c], final=True)]
        return [self.reshape(y, out_shape, final=True) if keep else y]

    def _flatten(self, xs: list[SSAValue]) -> list[SSAValue]:
        x = self.only(xs)
        shape = shape_of(x)
        return [self.reshape(x, [shape[0], int(np.prod(shape[1:], dtype=np.int64))], final=True)]

    def _reshape_layer(self, xs: list[SSAValue]) -> list[SSAValue]:
        x = self.only(xs)
        shape = shape_of(x)
        target = list(self.config["target_shape"])
        known = int(np.prod([d for d in target if d != -1], dtype=np.int64))
        if target.count(-1) > 1 or known == 0:
            raise self.error(f"cannot reshape {shape} to {target}")
        count = int(np.prod(shape[1:], dtype=np.int64))
        if -1 in target:
            target[target.index(-1)] = count // known
        if int(np.prod(target, dtype=np.int64)) != count:
            raise self.error(f"cannot reshape {shape} to {self.config['target_shape']}")
        return [self.reshape(x, [shape[0], *target], final=True)]

    def _permute(self, xs: list[SSAValue]) -> list[SSAValue]:
        x = self.only(xs)
        shape = shape_of(x)
        perm = [0] + [int(d) for d in self.config["dims"]]
        if sorted(perm) != list(range(len(shape))):
            raise self.error(f"dims {self.config['dims']} do not permute shape {shape}")
        out = [shape[p] for p in perm]
        return [self.emit(nn.TransposeOp, [x], out, {"perm": nn.i64_array(perm)})]

    def _merge(self, xs: list[SSAValue], op_class: type[IRDLOperation]) -> list[SSAValue]:
        """Add / Subtract / Multiply; more than two inputs are combined left to right."""
        if len(xs) < 2 or (op_class is nn.SubOp and len(xs) != 2):
            raise self.error(f"unexpected number of inputs: {len(xs)}")
        acc = xs[0]
        for i, other in enumerate(xs[1:], start=2):
            shape = list(np.broadcast_shapes(tuple(shape_of(acc)), tuple(shape_of(other))))
            acc = self.emit(
                op_class,
                [acc, other],
                shape,
                {"activation": StringAttr("none")},
                final=i == len(xs),
            )
        return [acc]

    def _concatenate(self, xs: list[SSAValue]) -> list[SSAValue]:
        shapes = [shape_of(x) for x in xs]
        rank = len(shapes[0])
        axis = int(self.config.get("axis", -1))
        axis = axis + rank if axis < 0 else axis
        if not 0 < axis < rank or any(len(s) != rank for s in shapes):
            raise self.error(
                f"cannot concatenate shapes {shapes} along axis {self.config.get('axis')}"
            )
        out = list(shapes[0])
        out[axis] = sum(s[axis] for s in shapes)
        props = {"axis": IntegerAttr(axis, i64), "activation": StringAttr("none")}
        return [self.emit(nn.ConcatOp, [xs], out, props)]

    def _zero_padding2d(self, xs: list[SSAValue]) -> list[SSAValue]:
        x = self.only(xs)
        n, h, w, c = self.rank(x, 4)
        self.channels_last()
        (top, bottom), (left, right) = self.config["padding"]
        pads = [0, 0, top, bottom, left, right, 0, 0]
        out = [n, h + top + bottom, w + left + right, c]
        return [self.emit(nn.PadOp, [x], out, {"pads": nn.i64_array(pads)})]

    def _zero_padding1d(self, xs: list[SSAValue]) -> list[SSAValue]:
        x = self.only(xs)
        n, length, c = self.rank(x, 3)
        left, right = _pair(self.config["padding"])
        out = [n, length + left + right, c]
        return [self.emit(nn.PadOp, [x], out, {"pads": nn.i64_array([0, 0, left, right, 0, 0])})]

    def _rescaling(self, xs: list[SSAValue]) -> list[SSAValue]:
        """``x * scale + offset`` with scalar or per-channel constants."""
        x = self.only(xs)
        shape = shape_of(x)
        scale = np.asarray(self.config["scale"], np.float32).reshape(-1)
        offset = np.asarray(self.config["offset"], np.float32).reshape(-1)
        none = {"activation": StringAttr("none")}
        y = self.emit(nn.MulOp, [x, self.constant(scale)], shape, none, final=False)
        return [self.emit(nn.AddOp, [y, self.constant(offset)], shape, none)]

    def _lstm(self, xs: list[SSAValue]) -> list[SSAValue]:
        """A stateless forward LSTM with the default activations."""
        if len(xs) != 1:
            raise self.error("initial states given as inputs are not supported")
        x = xs[0]
        n, steps, _ = self.rank(x, 3)
        cfg = self.config
        if cfg.get("stateful"):
            raise self.error(
                "stateful LSTMs are not supported (the state is not kept between runs)"
            )
        if cfg.get("return_state"):
            raise self.error("return_state is not supported")
        if cfg.get("go_backwards"):
            raise self.error("go_backwards is not supported")
        cell = self.layer.cell
        act = self.activation_name(cell.activation)
        rec = self.activation_name(cell.recurrent_activation)
        if act != "tanh" or rec != "sigmoid":
            raise self.error(
                f"activation '{act}' / recurrent_activation '{rec}' are not supported "
                "(only tanh / sigmoid)"
            )
        units = int(cfg["units"])
        kernel = _value(cell.kernel)  # [features, 4 * units], gates i, f, c, o
        recurrent = _value(cell.recurrent_kernel)  # [units, 4 * units]
        bias = _value(cell.bias) if cell.use_bias else np.zeros(4 * units, np.float32)
        sequences = bool(cfg.get("return_sequences"))
        operands = [x, self.constant(kernel.T), self.constant(recurrent.T), self.constant(bias)]
        out = [n, steps, units] if sequences else [n, units]
        props = {"return_sequences": IntegerAttr(1 if sequences else 0, i64)}
        return [self.emit(nn.LstmOp, operands, out, props)]


def shape_of(value: SSAValue) -> list[int]:
    t = value.type
    assert isinstance(t, TensorType)
    return list(t.get_shape())


def _value(variable: Any) -> np.ndarray:
    return np.asarray(variable.numpy() if hasattr(variable, "numpy") else variable, np.float32)


def _one(value: Any) -> tuple[int]:
    if isinstance(value, int):
        return (value,)
    (v,) = value
    return (int(v),)


def _weight_bytes(model: Any) -> int:
    """Bytes of every variable of the model (each shared variable once)."""
    seen: set[int] = set()
    total = 0
    for variable in model.weights:
        if id(variable) in seen:
            continue
        seen.add(id(variable))
        total += int(np.prod(variable.shape, dtype=np.int64)) * np.dtype(variable.dtype).itemsize
    return total
