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

The layer translators live in one module per family (`linear`, `elementwise`, `pooling`,
`shapes`) on top of the shared helpers of `builder`; this module walks the graph and
dispatches each layer by its Keras class through the handler table of `_Importer`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from xdsl.dialects import func
from xdsl.dialects.builtin import (
    ArrayAttr,
    DictionaryAttr,
    IntegerAttr,
    IntegerType,
    ModuleOp,
    StringAttr,
    TensorType,
    f32,
    i64,
)
from xdsl.ir import Region, SSAValue
from xdsl.utils.exceptions import VerifyException

from stai.dialects import nn
from stai.errors import StaiError, printable_name

from .batchnorm import fold_batch_norms
from .builder import FUSED, same_padding, shape_of, valid_size
from .elementwise import ElementwiseLayers
from .linear import LinearLayers
from .pooling import PoolingLayers
from .recurrent import keras_bidirectional, keras_recurrent
from .shapes import ShapeLayers

__all__ = [
    "FUSED",
    "HANDLERS",
    "IDENTITY_LAYERS",
    "TIME_DISTRIBUTED_LAYERS",
    "SUPPORTED_OPERATORS",
    "import_model",
    "layer_names",
    "same_padding",
    "shape_of",
    "valid_size",
]

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

TIME_DISTRIBUTED_LAYERS = {
    "Dense",
    "Conv1D",
    "Conv2D",
    "DepthwiseConv2D",
    "SeparableConv2D",
    "Conv2DTranspose",
    "MaxPooling1D",
    "AveragePooling1D",
    "MaxPooling2D",
    "AveragePooling2D",
    "GlobalAveragePooling1D",
    "GlobalMaxPooling1D",
    "GlobalAveragePooling2D",
    "GlobalMaxPooling2D",
    "Flatten",
}
"""The layers a TimeDistributed wrapper may hold (each step runs as one batch item)."""


def layer_names(model: Any, name: str) -> list[str]:
    """The name the importer gives each layer call of ``model`` (``outer/inner`` inside a
    nested model), indexed by ``nn.m_id`` (the model is translated to learn them)."""
    importer = _Importer(model, name)
    importer.run()
    return importer.layer_names


def import_model(model: Any, name: str) -> ModuleOp:
    """Translate a Keras model into a verified ``nn`` module; `StaiError` on what it can't."""
    module = _Importer(model, name).run()
    try:
        module.verify()
    except VerifyException as exc:
        text = str(exc).strip()
        first = printable_name(text.splitlines()[0], 200) if text else "verification failed"
        raise StaiError(f"{name}: the imported model does not verify: {first}") from exc
    return module


class _Importer(LinearLayers, ElementwiseLayers, PoolingLayers, ShapeLayers):
    """Walks one Keras model's graph and appends nn ops to ``@main``."""

    # ------------------------------------------------------------------ driver

    def run(self) -> ModuleOp:
        model = self.model
        if not isinstance(model, self.keras.Model):
            raise StaiError(f"{self.name}: not a Keras model ({type(model).__name__})")
        graph = self._graph_of(model)
        _refuse_masks(model, self.name)
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
                    f"{self.name}: Sequential model '{printable_name(model.name)}' has no input shape "
                    "(give it a keras.Input or build it)"
                )
            return graph
        if not getattr(model, "inputs", None) or not getattr(model, "outputs", None):
            raise StaiError(
                f"{self.name}: model '{printable_name(model.name)}' is not a functional graph"
            )
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
        where = f"{self.name}: input '{printable_name(self._producer_name(tensor))}'"
        dtype = str(tensor.dtype)
        if dtype not in ("float32", "int32"):
            raise StaiError(f"{where} has dtype {dtype} (float32 and int32 inputs are supported)")
        if any(d is None for d in shape[1:]):
            dims = ["None" if d is None else str(d) for d in shape]
            raise StaiError(
                f"{where} has a dynamic shape [{', '.join(dims)}]: stai needs static "
                "sizes (give the Input a full shape)"
            )
        if shape and shape[0] is None:
            shape[0] = 1
        return TensorType(f32 if dtype == "float32" else IntegerType(32), shape)

    def _call_graph(self, graph: Any, args: Sequence[SSAValue], prefix: str) -> list[SSAValue]:
        """Translate one functional graph given its input values; returns its outputs."""
        inputs = list(graph.inputs)
        if len(inputs) != len(args):
            raise StaiError(
                f"{self.name}: model '{printable_name(graph.name)}' takes {len(inputs)} inputs, "
                f"given {len(args)}"
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
                        f"{self.name}: layer '{printable_name(prefix + node.operation.name)}' gives "
                        f"{len(results)} results, Keras {len(node.outputs)}"
                    )
                for t, v in zip(node.outputs, results):
                    env[id(t)] = v
        return [env[id(t)] for t in graph.outputs]

    def _node_of(self, tensor: Any) -> Any:
        history = getattr(tensor, "_keras_history", None)
        if history is None:
            raise StaiError(
                f"{self.name}: tensor '{printable_name(str(tensor.name))}' is not computed by "
                "a layer"
            )
        operation, node_index, _ = history
        return operation._inbound_nodes[node_index]

    def _call_layer(self, layer: Any, values: list[SSAValue], prefix: str) -> list[SSAValue]:
        """Translate one call of ``layer`` (a nested model is flattened)."""
        class_name = type(layer).__name__
        if isinstance(layer, self.keras.Model):
            graph = self._graph_of(layer)
            return self._call_graph(graph, values, f"{prefix}{layer.name}/")
        builtin = type(layer).__module__.split(".")[0] == "keras"
        handler = HANDLERS.get(class_name) if builtin else None
        if handler is None:
            what = "Keras layer" if builtin else "custom layer"
            if class_name == "Lambda":
                what = "layer"
            raise StaiError(
                f"{self.name}: unsupported {what} '{printable_name(prefix + layer.name)}' of class "
                f"{printable_name(class_name)}; `stai supported-ops` lists what stai compiles"
            )
        self.layer = layer
        self.layer_name = f"{prefix}{layer.name}"
        self.config = layer.get_config()
        self.layer_types.append(class_name)
        self.layer_names.append(self.layer_name)
        results = handler(self, values)
        self.m_id += 1
        return results

    def _time_distributed(self, xs: list[SSAValue]) -> list[SSAValue]:
        """The wrapped layer on every time step: the time axis is folded into the batch
        ([N, T, ...] -> [N * T, ...]) and unfolded from the result (a Dense layer acts on
        the last axis and needs neither). The wrapped layer's op keeps the layer's name
        and the unfolding reshape has none, so that int8 calibration, which reads each
        named op's values, gives that op its own range (the reshape takes its input's)."""
        x = self.only(xs)
        shape = shape_of(x)
        inner = self.layer.layer
        class_name = type(inner).__name__
        builtin = type(inner).__module__.split(".")[0] == "keras"
        if not builtin or class_name not in TIME_DISTRIBUTED_LAYERS:
            raise self.error(
                f"wrapping a {printable_name(class_name)} layer is not supported (only "
                f"{', '.join(sorted(TIME_DISTRIBUTED_LAYERS))})"
            )
        if len(shape) < 3:
            raise self.error(f"expected an input with a time axis, got shape {shape}")
        outer = self.layer
        self.layer, self.config = inner, inner.get_config()
        try:
            if class_name == "Dense":
                return HANDLERS[class_name](self, [x])
            n, steps = shape[0], shape[1]
            folded = self.reshape(x, [n * steps, *shape[2:]])
            (y,) = HANDLERS[class_name](self, [folded])
        finally:
            self.layer = outer
        return [self.reshape(y, [n, steps, *shape_of(y)[1:]])]


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


def _refuse_masks(model: Any, name: str) -> None:
    """An Embedding with ``mask_zero`` makes Keras skip masked steps in the layers after
    it (pooling, recurrent layers): refused before the walk meets its mask computation."""
    for layer in getattr(model, "layers", []):
        if type(layer).__name__ == "Embedding" and layer.get_config().get("mask_zero"):
            raise StaiError(
                f"{name}: layer '{printable_name(layer.name)}': mask_zero=True is not "
                "supported (the layers after it would skip masked steps)"
            )
        _refuse_masks(layer, name)


HANDLERS: dict[str, Callable[[_Importer, list[SSAValue]], list[SSAValue]]] = {
    "InputLayer": lambda self, xs: xs,
    "Conv2D": _Importer._conv2d,
    "Conv1D": _Importer._conv1d,
    "DepthwiseConv2D": _Importer._depthwise_conv2d,
    "SeparableConv2D": _Importer._separable_conv2d,
    "Dense": _Importer._dense,
    "BatchNormalization": _Importer._batch_norm,
    "Activation": _Importer._activation_layer,
    "ReLU": _Importer._relu,
    "LeakyReLU": _Importer._leaky_relu,
    "ELU": _Importer._elu_layer,
    "PReLU": _Importer._prelu,
    "Softmax": _Importer._softmax_layer,
    "MaxPooling2D": lambda self, xs: self._pool2d(xs, nn.MaxPool2DOp),
    "AveragePooling2D": lambda self, xs: self._pool2d(xs, nn.AvgPool2DOp),
    "MaxPooling1D": lambda self, xs: self._pool1d(xs, nn.MaxPool2DOp),
    "AveragePooling1D": lambda self, xs: self._pool1d(xs, nn.AvgPool2DOp),
    "GlobalAveragePooling2D": lambda self, xs: self._global_pool(xs, average=True),
    "GlobalMaxPooling2D": lambda self, xs: self._global_pool(xs, average=False),
    "GlobalAveragePooling1D": lambda self, xs: self._global_pool(xs, average=True),
    "GlobalMaxPooling1D": lambda self, xs: self._global_pool(xs, average=False),
    "Flatten": _Importer._flatten,
    "Reshape": _Importer._reshape_layer,
    "Permute": _Importer._permute,
    "Add": lambda self, xs: self._merge(xs, nn.AddOp),
    "Subtract": lambda self, xs: self._merge(xs, nn.SubOp),
    "Multiply": lambda self, xs: self._merge(xs, nn.MulOp),
    "Concatenate": _Importer._concatenate,
    "ZeroPadding2D": _Importer._zero_padding2d,
    "ZeroPadding1D": _Importer._zero_padding1d,
    "Rescaling": _Importer._rescaling,
    "Normalization": _Importer._normalization,
    "LayerNormalization": _Importer._layer_normalization,
    "Cropping1D": _Importer._cropping1d,
    "Cropping2D": _Importer._cropping2d,
    "UpSampling2D": _Importer._upsampling2d,
    "Resizing": _Importer._resizing,
    "Conv2DTranspose": _Importer._conv2d_transpose,
    "Embedding": _Importer._embedding,
    "TimeDistributed": _Importer._time_distributed,
    "LSTM": keras_recurrent,
    "GRU": keras_recurrent,
    "SimpleRNN": keras_recurrent,
    "Bidirectional": keras_bidirectional,
    **{layer_class: _Importer._identity for layer_class in IDENTITY_LAYERS},
}
"""The importer's dispatch table: the translator of each Keras layer class (layers of
Keras' own modules only; a model used as a layer is flattened instead)."""

SUPPORTED_OPERATORS: tuple[str, ...] = tuple(sorted(HANDLERS))
"""The Keras layer class names the importer translates (the keys of :data:`HANDLERS`)."""
