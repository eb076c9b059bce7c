"""Small ONNX models built with ``onnx.helper`` for the ONNX frontend tests: one (or a few)
operators each, with random weights from a fixed seed, float32 in and out.

``FLOAT_MODELS`` maps a name to a builder ``() -> ModelProto``; ``quantized(model, fmt)``
makes a QDQ or QOperator int8 model of a float one with ``onnxruntime.quantization``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 17
RNG_SEED = 1234


class Graph:
    """A tiny ONNX graph builder: ``g.node(...)`` appends a node, ``g.const`` an
    initializer; ``g.model(...)`` makes the model."""

    def __init__(self, seed: int = RNG_SEED):
        self.nodes: list[onnx.NodeProto] = []
        self.inits: list[onnx.TensorProto] = []
        self.rng = np.random.default_rng(seed)
        self.count = 0

    def const(self, array: np.ndarray, name: str | None = None) -> str:
        self.count += 1
        name = name or f"c{self.count}"
        self.inits.append(numpy_helper.from_array(np.asarray(array), name))
        return name

    def weights(self, *shape: int, scale: float = 0.5) -> str:
        return self.const(self.rng.normal(0.0, scale, size=shape).astype(np.float32))

    def node(self, op: str, inputs: list[str], n_out: int = 1, **attrs) -> str | list[str]:
        self.count += 1
        outs = [f"{op.lower()}_{self.count}_{k}" for k in range(n_out)]
        self.nodes.append(helper.make_node(op, inputs, outs, name=f"{op}_{self.count}", **attrs))
        return outs[0] if n_out == 1 else outs

    def model(
        self, inputs: dict[str, list[int]], outputs: dict[str, list[int] | None], opset: int = OPSET
    ) -> onnx.ModelProto:
        graph = helper.make_graph(
            self.nodes,
            "test",
            [helper.make_tensor_value_info(n, TensorProto.FLOAT, s) for n, s in inputs.items()],
            [
                helper.make_tensor_value_info(n, TensorProto.FLOAT, s)
                if s is not None
                else helper.make_empty_tensor_value_info(n)
                for n, s in outputs.items()
            ],
            self.inits,
        )
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
        model.ir_version = 8
        model = onnx.shape_inference.infer_shapes(model, strict_mode=True)
        onnx.checker.check_model(model)
        return model


def _single(
    op: str, x_shape: list[int], opset: int = OPSET, extra: Callable | None = None, **attrs
) -> onnx.ModelProto:
    g = Graph()
    inputs = ["x"] + (extra(g) if extra else [])
    y = g.node(op, inputs, **attrs)
    g.nodes[-1].output[0] = "y"
    del y
    return g.model({"x": x_shape}, {"y": None}, opset)


def conv(
    group: int = 1,
    stride: int = 1,
    pads=(1, 1, 1, 1),
    dilation: int = 1,
    auto_pad: str | None = None,
    c_in: int = 4,
    c_out: int = 6,
    k: int = 3,
) -> onnx.ModelProto:
    g = Graph()
    w = g.weights(c_out, c_in // group, k, k)
    b = g.weights(c_out, scale=0.1)
    attrs = {
        "group": group,
        "strides": [stride, stride],
        "dilations": [dilation, dilation],
        "kernel_shape": [k, k],
    }
    if auto_pad:
        attrs["auto_pad"] = auto_pad
    else:
        attrs["pads"] = list(pads)
    y = g.node("Conv", ["x", w, b], **attrs)
    r = g.node("Relu", [y])
    g.nodes[-1].output[0] = "y"
    del r
    return g.model({"x": [1, c_in, 9, 8]}, {"y": None})


def conv1d() -> onnx.ModelProto:
    g = Graph()
    w = g.weights(5, 3, 3)
    g.node("Conv", ["x", w], pads=[1, 1], strides=[2])
    g.nodes[-1].output[0] = "y"
    return g.model({"x": [1, 3, 16]}, {"y": None})


def conv_transpose() -> onnx.ModelProto:
    g = Graph()
    w = g.weights(4, 3, 3, 3)
    b = g.weights(3, scale=0.1)
    g.node("ConvTranspose", ["x", w, b], strides=[2, 2], pads=[1, 1, 1, 1], output_padding=[1, 1])
    g.nodes[-1].output[0] = "y"
    return g.model({"x": [1, 4, 5, 6]}, {"y": None})


def gemm() -> onnx.ModelProto:
    g = Graph()
    w = g.weights(7, 12)
    c = g.weights(7, scale=0.1)
    g.node("Gemm", ["x", w, c], transB=1, alpha=0.5, beta=2.0)
    g.nodes[-1].output[0] = "y"
    return g.model({"x": [1, 12]}, {"y": None})


def gemm_plain() -> onnx.ModelProto:
    g = Graph()
    g.node("Gemm", ["x", g.weights(7, 12), g.weights(7, scale=0.1)], transB=1)
    g.nodes[-1].output[0] = "y"
    return g.model({"x": [1, 12]}, {"y": None})


def matmul() -> onnx.ModelProto:
    g = Graph()
    w = g.weights(12, 5)
    b = g.weights(5, scale=0.1)
    y = g.node("MatMul", ["x", w])
    g.node("Add", [y, b])
    g.nodes[-1].output[0] = "y"
    return g.model({"x": [1, 3, 12]}, {"y": None})


def flatten_gemm() -> onnx.ModelProto:
    """Conv, then Flatten of the NCHW result into a dense layer (the weights' columns get
    permuted to NHWC order)."""
    g = Graph()
    w = g.weights(4, 3, 3, 3)
    y = g.node("Conv", ["x", w], pads=[1, 1, 1, 1])
    f = g.node("Flatten", [y], axis=1)
    d = g.weights(6, 4 * 5 * 5, scale=0.1)
    g.node("Gemm", [f, d], transB=1)
    g.nodes[-1].output[0] = "y"
    return g.model({"x": [1, 3, 5, 5]}, {"y": None})


def binary(op: str, const_shape: list[int] | None) -> Callable[[], onnx.ModelProto]:
    def build() -> onnx.ModelProto:
        g = Graph()
        if const_shape is None:
            other = g.node("Relu", ["x"])
        else:
            values = g.rng.uniform(0.5, 2.0, size=const_shape).astype(np.float32)
            other = g.const(values)
        w = g.weights(4, 4, 1, 1)
        conv_out = g.node("Conv", ["x", w])
        g.node(op, [conv_out, other])
        g.nodes[-1].output[0] = "y"
        return g.model({"x": [1, 4, 5, 6]}, {"y": None})

    return build


def unary(op: str, opset: int = OPSET, **attrs) -> Callable[[], onnx.ModelProto]:
    return lambda: _single(op, [1, 3, 4, 5], opset, **attrs)


def clip(lo: float | None, hi: float | None, opset: int = OPSET) -> Callable[[], onnx.ModelProto]:
    def build() -> onnx.ModelProto:
        if opset < 11:
            attrs = {}
            if lo is not None:
                attrs["min"] = lo
            if hi is not None:
                attrs["max"] = hi
            return _single("Clip", [1, 3, 4, 5], opset, **attrs)

        def extra(g: Graph) -> list[str]:
            return [
                g.const(np.float32(lo)) if lo is not None else "",
                g.const(np.float32(hi)) if hi is not None else "",
            ]

        return _single("Clip", [1, 3, 4, 5], opset, extra=extra)

    return build


def softmax(opset: int, axis: int, shape: list[int]) -> Callable[[], onnx.ModelProto]:
    return lambda: _single("Softmax", shape, opset, axis=axis)


def pool(op: str, **attrs) -> Callable[[], onnx.ModelProto]:
    return lambda: _single(op, [1, 3, 9, 10], OPSET, **attrs)


def batch_norm(after_conv: bool) -> Callable[[], onnx.ModelProto]:
    def build() -> onnx.ModelProto:
        g = Graph()
        x = "x"
        if after_conv:
            x = g.node("Conv", ["x", g.weights(4, 4, 3, 3)], pads=[1, 1, 1, 1])
        else:
            x = g.node("Relu", ["x"])
        scale = g.const(g.rng.uniform(0.5, 1.5, 4).astype(np.float32))
        bias = g.const(g.rng.normal(0, 0.2, 4).astype(np.float32))
        mean = g.const(g.rng.normal(0, 0.2, 4).astype(np.float32))
        var = g.const(g.rng.uniform(0.5, 2.0, 4).astype(np.float32))
        g.node("BatchNormalization", [x, scale, bias, mean, var], epsilon=1e-3)
        g.nodes[-1].output[0] = "y"
        return g.model({"x": [1, 4, 6, 6]}, {"y": None})

    return build


def shape_reshape() -> onnx.ModelProto:
    """Reshape by a shape computed from Shape/Gather/Concat (folded to a constant)."""
    g = Graph()
    s = g.node("Shape", ["x"])
    batch = g.node("Gather", [s, g.const(np.array([0], np.int64))], axis=0)
    shape = g.node("Concat", [batch, g.const(np.array([-1], np.int64))], axis=0)
    r = g.node("Reshape", ["x", shape])
    g.node("Gemm", [r, g.weights(5, 24)], transB=1)
    g.nodes[-1].output[0] = "y"
    return g.model({"x": [1, 2, 3, 4]}, {"y": None})


def data_movement() -> onnx.ModelProto:
    """Transpose, Squeeze/Unsqueeze, Identity, Dropout, Constant, Concat and Pad."""
    g = Graph()
    t = g.node("Transpose", ["x"], perm=[0, 2, 3, 1])
    u = g.node("Unsqueeze", [t, g.const(np.array([0], np.int64))])
    s = g.node("Squeeze", [u, g.const(np.array([0], np.int64))])
    i = g.node("Identity", [s])
    d = g.node("Dropout", [i])
    k = g.node(
        "Constant",
        [],
        value=numpy_helper.from_array(g.rng.normal(0, 1, (1, 4, 5, 2)).astype(np.float32)),
    )
    c = g.node("Concat", [d, k], axis=3)
    g.node("Pad", [c, g.const(np.array([0, 1, 0, 0, 0, 2, 1, 0], np.int64))])
    g.nodes[-1].output[0] = "y"
    return g.model({"x": [1, 3, 4, 5]}, {"y": None})


def concat_channels() -> onnx.ModelProto:
    g = Graph()
    a = g.node("Conv", ["x", g.weights(2, 3, 1, 1)])
    b = g.node("Relu", ["x"])
    g.node("Concat", [a, b], axis=1)
    g.nodes[-1].output[0] = "y"
    return g.model({"x": [1, 3, 4, 5]}, {"y": None})


def pad_conv() -> onnx.ModelProto:
    g = Graph()
    p = g.node("Pad", ["x", g.const(np.array([0, 0, 1, 2, 0, 0, 2, 1], np.int64))])
    g.node("Conv", [p, g.weights(4, 3, 3, 3)])
    g.nodes[-1].output[0] = "y"
    return g.model({"x": [1, 3, 6, 6]}, {"y": None})


def reduce_mean(keepdims: int) -> Callable[[], onnx.ModelProto]:
    return lambda: _single("ReduceMean", [1, 3, 5, 4], 13, axes=[2, 3], keepdims=keepdims)


def lstm(outputs: str) -> Callable[[], onnx.ModelProto]:
    def build() -> onnx.ModelProto:
        g = Graph()
        hidden, features = 6, 4
        w = g.weights(1, 4 * hidden, features)
        r = g.weights(1, 4 * hidden, hidden)
        b = g.weights(1, 8 * hidden, scale=0.1)
        outs = g.node("LSTM", ["x", w, r, b], n_out=2, hidden_size=hidden)
        g.nodes[-1].output[:] = ["y", ""] if outputs == "Y" else ["", "y"]
        del outs
        return g.model({"x": [5, 1, features]}, {"y": None})

    return build


def after_conv(op: str, **attrs) -> Callable[[], onnx.ModelProto]:
    """A 1x1 convolution, then ``op`` (so that a quantizer has an int8 producer)."""

    def build() -> onnx.ModelProto:
        g = Graph()
        y = g.node("Conv", ["x", g.weights(4, 3, 1, 1)])
        g.node(op, [y], **attrs)
        g.nodes[-1].output[0] = "y"
        return g.model({"x": [1, 3, 8, 9]}, {"y": None})

    return build


def _chain(x_shape: list[int], steps: Callable[[Graph, str], str], opset: int = OPSET):
    """A model whose output ``y`` is ``steps(g, "x")`` (the last node's output renamed)."""

    def build() -> onnx.ModelProto:
        g = Graph()
        steps(g, "x")
        g.nodes[-1].output[0] = "y"
        return g.model({"x": x_shape}, {"y": None}, opset)

    return build


def positive(op: str, **attrs) -> Callable[[], onnx.ModelProto]:
    """``op`` on ``|x| + 0.25`` (Log, Sqrt, Reciprocal, Pow need positive inputs)."""
    return _chain(
        [1, 3, 4, 5],
        lambda g, x: g.node(
            op, [g.node("Add", [g.node("Abs", [x]), g.const(np.float32(0.25))])], **attrs
        ),
    )


def power(exponent: float) -> Callable[[], onnx.ModelProto]:
    return _chain(
        [1, 3, 4, 5],
        lambda g, x: g.node(
            "Pow",
            [
                g.node("Add", [g.node("Abs", [x]), g.const(np.float32(0.25))]),
                g.const(np.float32(exponent)),
            ],
        ),
    )


def min_max(op: str) -> Callable[[], onnx.ModelProto]:
    """``op`` of x, a per-channel constant and a scalar (three inputs, broadcasting)."""
    return _chain(
        [1, 3, 4, 5],
        lambda g, x: g.node(
            op,
            [
                x,
                g.const(np.array([[[-0.5]], [[0.0]], [[0.5]]], np.float32)),
                g.const(np.float32(-0.2 if op == "Max" else 0.3)),
            ],
        ),
    )


def slice_steps(opset: int = OPSET) -> Callable[[], onnx.ModelProto]:
    """Slice of the channels (every other one, backwards) and of W (negative start),
    after a conv."""

    def steps(g: Graph, x: str) -> str:
        y = g.node("Conv", [x, g.weights(6, 3, 1, 1)])
        if opset < 10:
            return g.node("Slice", [y], starts=[1, -4], ends=[6, 1000], axes=[1, 3])
        ints = [np.array(v, np.int64) for v in ([5, -4], [-100, 100], [1, 3], [-2, 1])]
        return g.node("Slice", [y, *(g.const(v) for v in ints)])

    return _chain([1, 3, 5, 7], steps, opset)


def split_concat(opset: int) -> Callable[[], onnx.ModelProto]:
    """Split of the channels in three (sizes given, or equal parts at opset 18), then
    concatenated in another order."""

    def steps(g: Graph, x: str) -> str:
        y = g.node("Conv", [x, g.weights(6, 3, 1, 1)])
        if opset >= 18:
            a, b, c = g.node("Split", [y], n_out=3, axis=1, num_outputs=3)
        else:
            sizes = g.const(np.array([1, 2, 3], np.int64))
            a, b, c = g.node("Split", [y, sizes], n_out=3, axis=1)
        return g.node("Concat", [c, a, b], axis=1)

    return _chain([1, 3, 4, 5], steps, opset)


def gather(indices: list[int] | int, axis: int) -> Callable[[], onnx.ModelProto]:
    """Gather of constant indices after a conv (list: runs and a repeat; int: one index,
    the axis dropped)."""

    def steps(g: Graph, x: str) -> str:
        y = g.node("Conv", [x, g.weights(6, 3, 1, 1)])
        return g.node("Gather", [y, g.const(np.array(indices, np.int64))], axis=axis)

    return _chain([1, 3, 4, 5], steps)


def lstm_last_step() -> onnx.ModelProto:
    """What torch.onnx.export makes of ``lstm(x)[0][-1]`` followed by a linear layer: LSTM,
    Gather of the last step (scalar index -1 on the time axis), Squeeze of the direction,
    Gemm."""
    g = Graph()
    hidden, features = 6, 4
    w, r = g.weights(1, 4 * hidden, features), g.weights(1, 4 * hidden, hidden)
    b = g.weights(1, 8 * hidden, scale=0.1)
    seq = g.node("LSTM", ["x", w, r, b], n_out=1, hidden_size=hidden)
    last = g.node("Gather", [seq, g.const(np.array(-1, np.int64))], axis=0)
    flat = g.node("Squeeze", [last, g.const(np.array([0], np.int64))])
    g.node("Gemm", [flat, g.weights(3, hidden), g.weights(3)], transB=1)
    g.nodes[-1].output[0] = "y"
    return g.model({"x": [5, 1, features]}, {"y": None})


def tile_expand(op: str) -> Callable[[], onnx.ModelProto]:
    """Tile (repeats 1, 2, 1, 3) or Expand (of a [1, 4, 1, 1] mean to [2, 4, 3, 1], then
    broadcast on a [5] row by the shape input [5]) after a conv."""

    def steps(g: Graph, x: str) -> str:
        y = g.node("Conv", [x, g.weights(4, 3, 1, 1)])
        if op == "Tile":
            return g.node("Tile", [y, g.const(np.array([1, 2, 1, 3], np.int64))])
        y = g.node("GlobalAveragePool", [y])
        return g.node("Expand", [y, g.const(np.array([2, 1, 3, 5], np.int64))])

    return _chain([1, 3, 4, 5], steps, 17)


def scale_shift() -> onnx.ModelProto:
    """A batch normalization as tf2onnx writes a Keras one (Conv, Mul and Add by
    per-channel constants), a Div and a Sub by scalars after a second conv, and a Gemm
    (transB=0, alpha, beta) scaled and shifted per unit; every one folds into its layer."""
    g = Graph()
    rng = g.rng
    y = g.node("Conv", ["x", g.weights(4, 3, 3, 3), g.weights(4)], pads=[1, 1, 1, 1])
    y = g.node("Mul", [y, g.const(rng.uniform(0.5, 1.5, (4, 1, 1)).astype(np.float32))])
    y = g.node("Add", [g.const(rng.uniform(-0.5, 0.5, (1, 4, 1, 1)).astype(np.float32)), y])
    y = g.node("Relu", [y])
    y = g.node("Conv", [y, g.weights(4, 4, 1, 1)])
    y = g.node("Sub", [g.node("Div", [y, g.const(np.float32(1.5))]), g.const(np.float32(0.2))])
    y = g.node("Flatten", [g.node("GlobalAveragePool", [y])])
    y = g.node("Gemm", [y, g.weights(4, 3), g.weights(3)], alpha=0.5, beta=2.0)
    y = g.node("Mul", [y, g.const(rng.uniform(0.5, 1.5, (3,)).astype(np.float32))])
    g.node("Add", [y, g.const(rng.uniform(-0.5, 0.5, (1, 3)).astype(np.float32))])
    g.nodes[-1].output[0] = "y"
    return g.model({"x": [1, 3, 6, 6]}, {"y": None})


FLOAT_MODELS: dict[str, Callable[[], onnx.ModelProto]] = {
    "conv": conv,
    "conv_stride2_same": lambda: conv(stride=2, auto_pad="SAME_UPPER"),
    "conv_dilated": lambda: conv(dilation=2, pads=(2, 2, 2, 2)),
    "conv_depthwise": lambda: conv(group=4, c_in=4, c_out=8),
    "conv_grouped": lambda: conv(group=2, c_in=4, c_out=6),
    "conv1d": conv1d,
    "conv_transpose": conv_transpose,
    "gemm": gemm,
    "gemm_plain": gemm_plain,
    "matmul": matmul,
    "flatten_gemm": flatten_gemm,
    "add_channel_const": binary("Add", [4, 1, 1]),
    "add_tensors": binary("Add", None),
    "sub_const": binary("Sub", [1, 4, 1, 6]),
    "mul_const": binary("Mul", [4, 1, 1]),
    "div_const": binary("Div", [1]),
    "relu": unary("Relu"),
    "leaky_relu": unary("LeakyRelu", alpha=0.2),
    "sigmoid": unary("Sigmoid"),
    "tanh": unary("Tanh"),
    "hard_sigmoid": unary("HardSigmoid", alpha=0.25, beta=0.4),
    "hard_swish": unary("HardSwish"),
    "clip_relu6": clip(0.0, 6.0),
    "clip_range": clip(-0.5, 0.75),
    "clip_opset7": clip(0.0, 6.0, opset=7),
    "softmax": softmax(13, -1, [1, 10]),
    "softmax_opset11_axis1": softmax(11, 1, [1, 3, 2, 2]),
    "softmax_axis1": softmax(13, 1, [1, 3, 2, 2]),
    "max_pool": pool("MaxPool", kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1]),
    "max_pool_ceil": pool("MaxPool", kernel_shape=[2, 2], strides=[2, 2], ceil_mode=1),
    "avg_pool": pool("AveragePool", kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1]),
    "avg_pool_include_pad": pool(
        "AveragePool", kernel_shape=[3, 3], strides=[1, 1], pads=[1, 1, 1, 1], count_include_pad=1
    ),
    "global_avg_pool": pool("GlobalAveragePool"),
    "reduce_mean": reduce_mean(1),
    "reduce_mean_squeezed": reduce_mean(0),
    "batch_norm_folded": batch_norm(True),
    "batch_norm_alone": batch_norm(False),
    "shape_reshape": shape_reshape,
    "data_movement": data_movement,
    "concat_channels": concat_channels,
    "pad_conv": pad_conv,
    "lstm_sequence": lstm("Y"),
    "lstm_last": lstm("Y_h"),
    "conv_max_pool": after_conv("MaxPool", kernel_shape=[2, 2], strides=[2, 2]),
    "conv_avg_pool": after_conv(
        "AveragePool", kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1]
    ),
    "conv_relu": after_conv("Relu"),
    "conv_sigmoid": after_conv("Sigmoid"),
    "conv_tanh": after_conv("Tanh"),
    "conv_leaky_relu": after_conv("LeakyRelu", alpha=0.1),
    "conv_hard_sigmoid": after_conv("HardSigmoid"),
    "conv_hard_swish": after_conv("HardSwish"),
    "conv_global_avg_pool": after_conv("GlobalAveragePool"),
    "conv_transpose_perm": after_conv("Transpose", perm=[0, 2, 3, 1]),
    "conv_flatten": after_conv("Flatten"),
    "abs": unary("Abs"),
    "neg": unary("Neg"),
    "exp": unary("Exp"),
    "floor": unary("Floor"),
    "ceil": unary("Ceil"),
    "log": positive("Log"),
    "sqrt": positive("Sqrt"),
    "reciprocal": positive("Reciprocal"),
    "pow_2": power(2.0),
    "pow_half": power(0.5),
    "pow_minus_half": power(-0.5),
    "pow_minus_1": power(-1.0),
    "min": min_max("Min"),
    "max": min_max("Max"),
    "slice": slice_steps(),
    "slice_opset9": slice_steps(9),
    "split": split_concat(13),
    "split_equal_opset18": split_concat(18),
    "gather_channels": gather([4, 2, 0, 1, 1, 5], 1),
    "gather_one_row": gather(-2, 2),
    "lstm_last_step": lstm_last_step,
    "tile": tile_expand("Tile"),
    "expand": tile_expand("Expand"),
    "scale_shift": scale_shift,
}


def save(model: onnx.ModelProto, path: Path) -> Path:
    onnx.save(model, str(path))
    return path


def input_shape(model: onnx.ModelProto) -> list[int]:
    dims = model.graph.input[0].type.tensor_type.shape.dim
    return [d.dim_value or 1 for d in dims]


def quantized(
    float_path: Path,
    out_path: Path,
    fmt: str = "qdq",
    per_channel: bool = True,
    samples: int = 16,
    seed: int = 3,
) -> Path:
    """An int8 model (activations and weights int8) of a float model, calibrated on
    uniform random inputs in [-1, 1]: QDQ (``fmt="qdq"``) or QOperator (``"qop"``)."""
    from onnxruntime.quantization import (
        CalibrationDataReader,
        QuantFormat,
        QuantType,
        quantize_static,
    )

    model = onnx.load(str(float_path))
    name = model.graph.input[0].name
    shape = input_shape(model)
    rng = np.random.default_rng(seed)
    data = [{name: rng.uniform(-1, 1, shape).astype(np.float32)} for _ in range(samples)]

    class Reader(CalibrationDataReader):
        def __init__(self) -> None:
            self.it = iter(data)

        def get_next(self):  # type: ignore[override]
            return next(self.it, None)

    quantize_static(
        str(float_path),
        str(out_path),
        Reader(),
        quant_format=QuantFormat.QDQ if fmt == "qdq" else QuantFormat.QOperator,
        activation_type=QuantType.QInt8,
        weight_type=QuantType.QInt8,
        per_channel=per_channel,
        reduce_range=True,
    )
    return out_path


def output_scale(model_path: Path) -> float:
    """The scale of the DequantizeLinear that makes the (first) graph output."""
    model = onnx.load(str(model_path))
    out = model.graph.output[0].name
    inits = {t.name: numpy_helper.to_array(t) for t in model.graph.initializer}
    for node in model.graph.node:
        if node.output and node.output[0] == out and node.op_type == "DequantizeLinear":
            return float(inits[node.input[1]].reshape(-1)[0])
    raise ValueError("the output is not made by a DequantizeLinear")
