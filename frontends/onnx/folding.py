"""Folding per-channel constant scales and shifts into the Conv or Gemm before them.

Converters write a Keras or TensorFlow batch normalization as ``Mul`` and ``Add`` nodes
after the convolution (tf2onnx), and models scale or shift a layer's output by constants.
`fold_scale_shift` folds each ``Mul``, ``Add``, ``Sub`` or ``Div`` by a constant that is
one number per output channel (or one for all) into the weights and bias of the ``Conv``
or ``Gemm`` it alone reads, so that the model has fewer nodes and fewer MACC:

    y = Conv(x, W, B) * s + t   ->   y = Conv(x, W * s, B * s + t)

(``Sub`` adds ``-t``; ``Div`` multiplies by ``1 / s``), in float64, stored as float32.
"""

from __future__ import annotations

from typing import Any

import numpy as np

_FOLDABLE = ("Mul", "Add", "Sub", "Div")


def _constants(graph: Any) -> dict[str, np.ndarray]:
    from onnx import numpy_helper

    values = {t.name: numpy_helper.to_array(t) for t in graph.initializer}
    for node in graph.node:
        if node.op_type == "Constant" and node.output and node.domain in ("", "ai.onnx"):
            for a in node.attribute:
                if a.name == "value":
                    values[node.output[0]] = numpy_helper.to_array(a.t)
    return values


def _per_channel(c: np.ndarray, rank: int, channels: int) -> np.ndarray | None:
    """``c`` as one float64 value per channel (axis 1 of a rank-``rank`` result), or None."""
    if c.dtype.kind != "f" or c.ndim > rank:
        return None
    if c.size == 1:
        return np.full(channels, float(c.reshape(-1)[0]))
    padded = (1,) * (rank - c.ndim) + tuple(c.shape)
    if padded != (1, channels) + (1,) * (rank - 2):
        return None
    return c.astype(np.float64).reshape(-1)


def _attr(node: Any, name: str, default: Any) -> Any:
    for a in node.attribute:
        if a.name == name:
            return a.f if a.type == 1 else a.i
    return default


def _weights(layer: Any, values: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray] | None:
    """The float64 weights and bias of a Conv or Gemm with constant ones, the weights with
    the output channels first (Conv: as stored; Gemm: ``alpha * B`` as ``[N, K]``)."""
    if len(layer.input) < 2 or layer.input[1] not in values:
        return None
    w = values[layer.input[1]]
    if w.dtype.kind != "f":
        return None
    w = w.astype(np.float64)
    bias_name = layer.input[2] if len(layer.input) > 2 else ""
    if bias_name and bias_name not in values:
        return None
    if layer.op_type == "Gemm":
        if w.ndim != 2 or _attr(layer, "transA", 0):
            return None
        w = (w if _attr(layer, "transB", 0) else w.T) * float(_attr(layer, "alpha", 1.0))
        channels = w.shape[0]
        b = np.zeros(channels)
        if bias_name:
            c = values[bias_name].astype(np.float64) * float(_attr(layer, "beta", 1.0))
            if c.size not in (1, channels) or (c.ndim == 2 and c.shape[0] != 1):
                return None
            b = np.broadcast_to(c.reshape(-1), (channels,)).copy()
        return w, b
    channels = w.shape[0]
    b = np.zeros(channels)
    if bias_name:
        b = values[bias_name].astype(np.float64).reshape(-1)
    return w, b


def fold_scale_shift(model: Any) -> int:
    """Fold every foldable constant Mul/Add/Sub/Div into its Conv or Gemm (module
    docstring); return how many nodes were folded."""
    from onnx import helper, numpy_helper

    graph = model.graph
    values = _constants(graph)
    outputs = {o.name for o in graph.output}
    folded = 0
    changed = True
    while changed:
        changed = False
        users: dict[str, list[Any]] = {}
        for node in graph.node:
            for i in node.input:
                users.setdefault(i, []).append(node)
        producer = {o: n for n in graph.node for o in n.output}
        for node in graph.node:
            if node.op_type not in _FOLDABLE or node.domain not in ("", "ai.onnx"):
                continue
            if len(node.input) != 2 or len(node.output) != 1:
                continue
            first, second = node.input
            commutes = node.op_type in ("Mul", "Add")
            if second in values and first not in values:
                x, c_name = first, second
            elif commutes and first in values and second not in values:
                x, c_name = second, first
            else:
                continue
            layer = producer.get(x)
            if layer is None or layer.op_type not in ("Conv", "Gemm"):
                continue
            if len(users.get(x, [])) != 1 or x in outputs:
                continue
            found = _weights(layer, values)
            if found is None:
                continue
            w, b = found
            rank = 2 if layer.op_type == "Gemm" else w.ndim
            c = _per_channel(values[c_name], rank, w.shape[0])
            if c is None or (node.op_type == "Div" and np.any(c == 0)):
                continue
            if node.op_type in ("Mul", "Div"):
                scale = c if node.op_type == "Mul" else 1.0 / c
                w = w * scale.reshape((-1,) + (1,) * (w.ndim - 1))
                b = b * scale
            else:
                b = b + (c if node.op_type == "Add" else -c)
            w_name, b_name = f"{node.output[0]}__folded_weights", f"{node.output[0]}__folded_bias"
            graph.initializer.append(numpy_helper.from_array(w.astype(np.float32), w_name))
            graph.initializer.append(numpy_helper.from_array(b.astype(np.float32), b_name))
            values[w_name], values[b_name] = w, b
            x_in = layer.input[0]
            del layer.input[:]
            layer.input.extend([x_in, w_name, b_name])
            if layer.op_type == "Gemm":  # the weights are now alpha * B as [N, K]
                kept = [a for a in layer.attribute if a.name not in ("alpha", "beta", "transB")]
                del layer.attribute[:]
                layer.attribute.extend([*kept, helper.make_attribute("transB", 1)])
            layer.output[0] = node.output[0]
            graph.node.remove(node)
            folded += 1
            changed = True
            break
    return folded
