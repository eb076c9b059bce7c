"""stai's float32 kernels against LiteRT's reference kernels (BUILTIN_REF resolver).

Each test converts a tiny single-operator float model with TensorFlow's TFLite converter
(once per session, in a temp folder), checks that it holds exactly the intended operator,
reads that operator's weights and options back from the `.tflite` file, runs the model with
LiteRT's reference kernels and calls the C kernel with what was read. The outputs must agree
within 1e-5 x max(1, max|ref|).
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import test_f32_support as support

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

RTOL = 1e-5
FLT_MAX = support.FLT_MAX


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def kernels(tmp_path_factory: pytest.TempPathFactory) -> support.F32Kernels:
    """The float32 kernels, built warning-free (-Werror) into a shared library."""
    return support.F32Kernels(support.build_library(tmp_path_factory.mktemp("f32_lib")))


def _import(name: str) -> Any:
    """Import a test dependency, failing with a clear message when it is missing."""
    import importlib

    try:
        return importlib.import_module(name)
    except ImportError as exc:
        pytest.fail(
            f"the float kernel tests need '{name}': pip install -e '.[all]' ({exc})", pytrace=False
        )


@dataclass
class OpModel:
    """A converted single-operator model, read back with the `tflite` package."""

    path: Path
    op: str  # builtin operator name, e.g. "CONV_2D"
    options: Any  # the operator's builtin options table (or None)
    constants: list[np.ndarray | None]  # the operator's inputs: constant data, or None
    output_shape: tuple[int, ...]
    input_names: list[str]


@pytest.fixture(scope="session")
def op_models(tmp_path_factory: pytest.TempPathFactory) -> Callable[..., OpModel]:
    """`get(name, fn, input_shapes, op)`: convert (once per session) and read a model."""
    folder = tmp_path_factory.mktemp("f32_models")
    cache: dict[str, OpModel] = {}

    def get(name: str, fn: Callable[..., Any], shapes: Sequence[Sequence[int]], op: str) -> OpModel:
        if name not in cache:
            path = folder / f"{name}.tflite"
            path.write_bytes(_convert(fn, shapes))
            cache[name] = _read(path)
        model = cache[name]
        assert model.op == op, f"{name}: converted to {model.op}, expected {op}"
        return model

    return get


def _convert(fn: Callable[..., Any], shapes: Sequence[Sequence[int]]) -> bytes:
    """A float TFLite flatbuffer of `fn`, whose inputs are named in0, in1, ..."""
    tf = _import("tensorflow")
    specs = [tf.TensorSpec(list(s), tf.float32, name=f"in{i}") for i, s in enumerate(shapes)]
    concrete = tf.function(fn).get_concrete_function(*specs)
    converter = tf.lite.TFLiteConverter.from_concrete_functions([concrete])
    return converter.convert()


_OPTION_CLASSES = {
    "CONV_2D": "Conv2DOptions",
    "DEPTHWISE_CONV_2D": "DepthwiseConv2DOptions",
    "FULLY_CONNECTED": "FullyConnectedOptions",
    "AVERAGE_POOL_2D": "Pool2DOptions",
    "MAX_POOL_2D": "Pool2DOptions",
    "ADD": "AddOptions",
    "SUB": "SubOptions",
    "MUL": "MulOptions",
    "DIV": "DivOptions",
    "SOFTMAX": "SoftmaxOptions",
    "LEAKY_RELU": "LeakyReluOptions",
}


def _read(path: Path) -> OpModel:
    """Read the only operator of a model: its name, options, constant inputs, output shape."""
    tflite = _import("tflite")
    names = {v: k for k, v in vars(tflite.BuiltinOperator).items() if not k.startswith("_")}
    model = tflite.Model.GetRootAsModel(path.read_bytes(), 0)
    graph = model.Subgraphs(0)
    ops = []
    for i in range(graph.OperatorsLength()):
        code = model.OperatorCodes(graph.Operators(i).OpcodeIndex())
        ops.append(names[max(code.BuiltinCode(), code.DeprecatedBuiltinCode())])
    assert len(ops) == 1, f"{path.name}: expected one operator, got {ops}"
    op = graph.Operators(0)
    options = None
    if ops[0] in _OPTION_CLASSES and op.BuiltinOptions() is not None:
        table = op.BuiltinOptions()
        options = getattr(tflite, _OPTION_CLASSES[ops[0]])()
        options.Init(table.Bytes, table.Pos)
    constants: list[np.ndarray | None] = []
    for index in op.InputsAsNumpy():
        if index < 0:
            constants.append(None)
            continue
        tensor = graph.Tensors(int(index))
        buffer = model.Buffers(tensor.Buffer())
        if buffer.DataLength() == 0:
            constants.append(None)
            continue
        dtype = np.float32 if tensor.Type() == tflite.TensorType.FLOAT32 else np.int32
        data = np.frombuffer(buffer.DataAsNumpy().tobytes(), dtype=dtype)
        constants.append(data.reshape([int(d) for d in tensor.ShapeAsNumpy()]))
    output = graph.Tensors(int(op.OutputsAsNumpy()[0]))
    inputs = [
        graph.Tensors(int(graph.Inputs(i))).Name().decode() for i in range(graph.InputsLength())
    ]
    return OpModel(
        path, ops[0], options, constants, tuple(int(d) for d in output.ShapeAsNumpy()), inputs
    )


def _litert_ref(model: OpModel, inputs: Sequence[np.ndarray]) -> np.ndarray:
    """Run a model with LiteRT's reference kernels; inputs in the order in0, in1, ..."""
    litert = _import("ai_edge_litert.interpreter")
    interpreter = litert.Interpreter(
        model_path=str(model.path), experimental_op_resolver_type=litert.OpResolverType.BUILTIN_REF
    )
    interpreter.allocate_tensors()
    for detail in interpreter.get_input_details():
        match = re.search(r"in(\d+)", detail["name"])
        assert match, f"unexpected input name {detail['name']}"
        interpreter.set_tensor(detail["index"], np.asarray(inputs[int(match.group(1))], np.float32))
    interpreter.invoke()
    return interpreter.get_tensor(interpreter.get_output_details()[0]["index"])


def _assert_close(got: np.ndarray, ref: np.ndarray) -> None:
    """max |got - ref| <= 1e-5 x max(1, max |ref|), shapes (element counts) equal."""
    assert got.size == ref.size, f"size {got.shape} vs reference {ref.shape}"
    got = got.reshape(ref.shape)
    bound = RTOL * max(1.0, float(np.max(np.abs(ref))) if ref.size else 1.0)
    error = float(np.max(np.abs(got.astype(np.float64) - ref))) if ref.size else 0.0
    assert error <= bound, f"max abs error {error:.3g} > {bound:.3g}"


def _activation(code: int) -> tuple[float, float]:
    """The clamp range of a fused activation function code."""
    tflite = _import("tflite")
    kinds = tflite.ActivationFunctionType
    ranges = {
        kinds.NONE: (-FLT_MAX, FLT_MAX),
        kinds.RELU: (0.0, FLT_MAX),
        kinds.RELU_N1_TO_1: (-1.0, 1.0),
        kinds.RELU6: (0.0, 6.0),
    }
    assert code in ranges, f"unsupported fused activation {code}"
    return ranges[code]


def _pad_before(size: int, out: int, kernel: int, stride: int, dilation: int) -> int:
    """Top/left padding as TFLite computes it from the output size (0 for VALID)."""
    effective = (kernel - 1) * dilation + 1
    return max(0, ((out - 1) * stride + effective - size) // 2)


def _rng(name: str) -> np.random.Generator:
    """A generator seeded from a test name."""
    return np.random.default_rng(sum(map(ord, name)))


def _weights(rng: np.random.Generator, shape: Sequence[int]) -> Any:
    """A constant float tensor of seeded normal values."""
    tf = _import("tensorflow")
    return tf.constant(rng.standard_normal(shape).astype(np.float32))


def _act_fn(act: str) -> Callable[[Any], Any]:
    """A TF activation that the converter fuses ("NONE", "RELU", "RELU6", "RELU_N1_TO_1")."""
    tf = _import("tensorflow")
    return {
        "NONE": lambda t: t,
        "RELU": tf.nn.relu,
        "RELU6": tf.nn.relu6,
        "RELU_N1_TO_1": lambda t: tf.clip_by_value(t, -1.0, 1.0),
    }[act]


# --------------------------------------------------------------------------- convolutions

# name: (input NHWC, (kh, kw), filter in_c, out_c, stride (h, w), padding, dilation, act)
CONV_CASES = {
    "same_relu": ((1, 7, 7, 3), (3, 3), 3, 4, (1, 1), "SAME", (1, 1), "RELU"),
    "same_s2x1_batch2": ((2, 9, 8, 3), (3, 2), 3, 5, (2, 1), "SAME", (1, 1), "NONE"),
    "valid_s2_relu6": ((1, 10, 11, 2), (3, 3), 2, 3, (2, 2), "VALID", (1, 1), "RELU6"),
    "same_even_kernel_s2": ((1, 8, 8, 3), (2, 4), 3, 2, (2, 2), "SAME", (1, 1), "NONE"),
    "same_dilation2": ((1, 9, 9, 3), (3, 3), 3, 4, (1, 1), "SAME", (2, 2), "NONE"),
    "valid_dilation_2x3": ((1, 10, 12, 2), (3, 3), 2, 3, (1, 1), "VALID", (2, 3), "RELU_N1_TO_1"),
    "pointwise_deep": ((1, 4, 4, 64), (1, 1), 64, 8, (1, 1), "VALID", (1, 1), "NONE"),
    "groups2": ((1, 5, 5, 4), (3, 3), 2, 6, (1, 1), "SAME", (1, 1), "RELU"),
}


@pytest.mark.parametrize("name", sorted(CONV_CASES))
def test_conv2d(name: str, kernels: support.F32Kernels, op_models: Callable[..., OpModel]) -> None:
    shape, (kh, kw), cin, cout, stride, padding, dilation, act = CONV_CASES[name]
    tf = _import("tensorflow")
    rng = _rng(name)
    w = _weights(rng, (kh, kw, cin, cout))
    b = _weights(rng, (cout,))

    def fn(x: Any) -> Any:
        y = tf.nn.conv2d(x, w, [1, *stride, 1], padding, dilations=[1, *dilation, 1])
        return _act_fn(act)(y + b)

    model = op_models(f"conv_{name}", fn, [shape], "CONV_2D")
    o = model.options
    x = rng.standard_normal(shape).astype(np.float32)
    filt, bias = model.constants[1], model.constants[2]
    assert filt is not None and filt.shape == (cout, kh, kw, cin)
    out_h, out_w = model.output_shape[1:3]
    pads = (
        _pad_before(shape[1], out_h, kh, o.StrideH(), o.DilationHFactor()),
        _pad_before(shape[2], out_w, kw, o.StrideW(), o.DilationWFactor()),
    )
    got = kernels.conv2d(
        x,
        filt,
        bias,
        (out_h, out_w),
        (o.StrideH(), o.StrideW()),
        pads,
        (o.DilationHFactor(), o.DilationWFactor()),
        _activation(o.FusedActivationFunction()),
    )
    _assert_close(got, _litert_ref(model, [x]))


# name: (input NHWC, (kh, kw), multiplier, stride (h, w), padding, dilation, act)
DW_CASES = {
    "mult1_same_relu": ((1, 7, 7, 4), (3, 3), 1, (1, 1), "SAME", (1, 1), "RELU"),
    "mult2_s2_same": ((1, 9, 8, 3), (3, 3), 2, (2, 2), "SAME", (1, 1), "NONE"),
    "mult2_valid_dilation2": ((2, 9, 9, 3), (3, 3), 2, (1, 1), "VALID", (2, 2), "RELU6"),
    "mult1_same_dilation2": ((1, 8, 9, 2), (3, 2), 1, (1, 1), "SAME", (2, 2), "NONE"),
    "mult3_5x5_s1x2": ((1, 8, 10, 2), (5, 5), 3, (1, 2), "SAME", (1, 1), "RELU6"),
}


@pytest.mark.parametrize("name", sorted(DW_CASES))
def test_depthwise_conv2d(
    name: str, kernels: support.F32Kernels, op_models: Callable[..., OpModel]
) -> None:
    shape, (kh, kw), mult, stride, padding, dilation, act = DW_CASES[name]
    tf = _import("tensorflow")
    rng = _rng(name)
    cin = shape[3]
    w = _weights(rng, (kh, kw, cin, mult))
    b = _weights(rng, (cin * mult,))

    def fn(x: Any) -> Any:
        y = tf.nn.depthwise_conv2d(x, w, [1, *stride, 1], padding, dilations=list(dilation))
        return _act_fn(act)(y + b)

    model = op_models(f"dw_{name}", fn, [shape], "DEPTHWISE_CONV_2D")
    o = model.options
    x = rng.standard_normal(shape).astype(np.float32)
    filt, bias = model.constants[1], model.constants[2]
    assert filt is not None and filt.shape == (1, kh, kw, cin * mult)
    assert o.DepthMultiplier() in (mult, 0)  # newer converters may leave it unset
    out_h, out_w = model.output_shape[1:3]
    pads = (
        _pad_before(shape[1], out_h, kh, o.StrideH(), o.DilationHFactor()),
        _pad_before(shape[2], out_w, kw, o.StrideW(), o.DilationWFactor()),
    )
    got = kernels.depthwise_conv2d(
        x,
        filt,
        bias,
        (out_h, out_w),
        mult,
        (o.StrideH(), o.StrideW()),
        pads,
        (o.DilationHFactor(), o.DilationWFactor()),
        _activation(o.FusedActivationFunction()),
    )
    _assert_close(got, _litert_ref(model, [x]))


# name: (batches, depth, out, act)
FC_CASES = {
    "one_row_relu": (1, 10, 5, "RELU"),
    "three_rows": (3, 16, 7, "NONE"),
    "deep_relu6": (2, 300, 4, "RELU6"),
}


@pytest.mark.parametrize("name", sorted(FC_CASES))
def test_fully_connected(
    name: str, kernels: support.F32Kernels, op_models: Callable[..., OpModel]
) -> None:
    batches, depth, out, act = FC_CASES[name]
    tf = _import("tensorflow")
    rng = _rng(name)
    w = _weights(rng, (depth, out))
    b = _weights(rng, (out,))
    model = op_models(
        f"fc_{name}",
        lambda x: _act_fn(act)(tf.matmul(x, w) + b),
        [(batches, depth)],
        "FULLY_CONNECTED",
    )
    x = rng.standard_normal((batches, depth)).astype(np.float32)
    filt, bias = model.constants[1], model.constants[2]
    assert filt is not None and filt.shape == (out, depth)
    got = kernels.fully_connected(
        x, filt, bias, _activation(model.options.FusedActivationFunction())
    )
    _assert_close(got, _litert_ref(model, [x]))


# --------------------------------------------------------------------------- pooling

# name: (kind, input NHWC, window (h, w), stride (h, w), padding)
POOL_CASES = {
    "avg_2x2_s2_valid": ("avg", (1, 8, 8, 3), (2, 2), (2, 2), "VALID"),
    "avg_3x3_s1_same": ("avg", (1, 6, 7, 2), (3, 3), (1, 1), "SAME"),
    "avg_3x3_s2_same_batch2": ("avg", (2, 7, 7, 3), (3, 3), (2, 2), "SAME"),
    "avg_5x3_s2x1_same": ("avg", (1, 9, 6, 2), (5, 3), (2, 1), "SAME"),
    "max_3x3_s2_same": ("max", (1, 7, 8, 3), (3, 3), (2, 2), "SAME"),
    "max_2x2_valid_batch2": ("max", (2, 6, 6, 4), (2, 2), (2, 2), "VALID"),
    "max_4x2_s1_same": ("max", (1, 6, 5, 2), (4, 2), (1, 1), "SAME"),
}


@pytest.mark.parametrize("name", sorted(POOL_CASES))
def test_pool(name: str, kernels: support.F32Kernels, op_models: Callable[..., OpModel]) -> None:
    kind, shape, window, stride, padding = POOL_CASES[name]
    tf = _import("tensorflow")
    pool = tf.nn.avg_pool2d if kind == "avg" else tf.nn.max_pool2d
    op = "AVERAGE_POOL_2D" if kind == "avg" else "MAX_POOL_2D"
    model = op_models(
        f"pool_{name}", lambda x: pool(x, list(window), list(stride), padding), [shape], op
    )
    o = model.options
    x = _rng(name).standard_normal(shape).astype(np.float32)
    out_h, out_w = model.output_shape[1:3]
    pads = (
        _pad_before(shape[1], out_h, o.FilterHeight(), o.StrideH(), 1),
        _pad_before(shape[2], out_w, o.FilterWidth(), o.StrideW(), 1),
    )
    got = kernels.pool(
        kind,
        x,
        (o.FilterHeight(), o.FilterWidth()),
        (out_h, out_w),
        (o.StrideH(), o.StrideW()),
        pads,
        _activation(o.FusedActivationFunction()),
    )
    _assert_close(got, _litert_ref(model, [x]))


@pytest.mark.parametrize("keepdims", [True, False])
def test_mean_hw(
    keepdims: bool, kernels: support.F32Kernels, op_models: Callable[..., OpModel]
) -> None:
    tf = _import("tensorflow")
    shape = (2, 5, 7, 6)
    model = op_models(
        f"mean_{keepdims}", lambda x: tf.reduce_mean(x, [1, 2], keepdims=keepdims), [shape], "MEAN"
    )
    x = _rng("mean").standard_normal(shape).astype(np.float32) + 3.0
    _assert_close(kernels.mean_hw(x), _litert_ref(model, [x]))


# --------------------------------------------------------------------------- binary ops

# name: (op, shape a, shape b, act)
BINARY_CASES = {
    "add_same_shape": ("add", (1, 4, 5, 3), (1, 4, 5, 3), "NONE"),
    "add_channel_bcast_relu": ("add", (2, 4, 4, 3), (3,), "RELU"),
    "add_both_bcast": ("add", (2, 1, 4, 3), (1, 5, 1, 3), "RELU6"),
    "sub_bcast": ("sub", (1, 3, 1, 4), (2, 1, 5, 1), "NONE"),
    "sub_scalar_relu_n1": ("sub", (1, 4, 4, 2), (1,), "RELU_N1_TO_1"),
    "mul_bcast_relu": ("mul", (1, 4, 1, 1), (1, 1, 5, 2), "RELU"),
    "mul_rank2": ("mul", (3, 4), (3, 1), "NONE"),
    "div_bcast": ("div", (2, 3, 4, 3), (1, 3, 1, 3), "NONE"),
    "div_same_relu": ("div", (1, 2, 3, 4), (1, 2, 3, 4), "RELU"),
    "maximum_bcast": ("maximum", (2, 1, 4, 3), (3,), "NONE"),
    "minimum_bcast": ("minimum", (1, 3, 4, 1), (2, 1, 1, 5), "NONE"),
}
_BINARY_OPS = {
    "add": "ADD",
    "sub": "SUB",
    "mul": "MUL",
    "div": "DIV",
    "maximum": "MAXIMUM",
    "minimum": "MINIMUM",
}


@pytest.mark.parametrize("name", sorted(BINARY_CASES))
def test_binary(name: str, kernels: support.F32Kernels, op_models: Callable[..., OpModel]) -> None:
    op, shape_a, shape_b, act = BINARY_CASES[name]
    tf = _import("tensorflow")
    fns = {
        "add": tf.add,
        "sub": tf.subtract,
        "mul": tf.multiply,
        "div": tf.divide,
        "maximum": tf.maximum,
        "minimum": tf.minimum,
    }
    model = op_models(
        f"bin_{name}", lambda a, b: _act_fn(act)(fns[op](a, b)), [shape_a, shape_b], _BINARY_OPS[op]
    )
    rng = _rng(name)
    a = rng.standard_normal(shape_a).astype(np.float32)
    b = rng.standard_normal(shape_b).astype(np.float32)
    if op == "div":  # keep denominators away from zero
        b = (np.sign(b) * (0.5 + np.abs(b))).astype(np.float32)
    fused = None
    if op in ("add", "sub", "mul", "div"):
        fused = _activation(model.options.FusedActivationFunction())
    _assert_close(kernels.binary(op, a, b, fused), _litert_ref(model, [a, b]))


# --------------------------------------------------------------------------- unary ops


@pytest.mark.parametrize("beta", [1.0, 0.37, 2.5])
def test_softmax(
    beta: float, kernels: support.F32Kernels, op_models: Callable[..., OpModel]
) -> None:
    """The reference softmax has beta 1 here; beta != 1 is checked on inputs x * beta."""
    tf = _import("tensorflow")
    shape = (2, 3, 10)
    model = op_models("softmax", lambda x: tf.nn.softmax(x), [shape], "SOFTMAX")
    assert model.options.Beta() == 1.0
    x = (_rng("softmax").standard_normal(shape) * 4.0).astype(np.float32)
    x[0, 0, 3] = 80.0  # exp would overflow without subtracting the row maximum
    ref = _litert_ref(model, [(x * np.float32(beta)).astype(np.float32)])
    _assert_close(kernels.softmax(x, beta), ref)


# name: (TF function, builtin op, kernel name, kernel extra args, input scale)
UNARY_CASES: dict[str, tuple[str, str, str, tuple[float, ...], float]] = {
    "logistic": ("sigmoid", "LOGISTIC", "logistic", (), 8.0),
    "tanh": ("tanh", "TANH", "tanh", (), 3.0),
    "relu": ("relu", "RELU", "clamp", (0.0, FLT_MAX), 3.0),
    "relu6": ("relu6", "RELU6", "clamp", (0.0, 6.0), 5.0),
    "relu_n1_to_1": ("clip1", "RELU_N1_TO_1", "clamp", (-1.0, 1.0), 2.0),
    "leaky_relu": ("leaky", "LEAKY_RELU", "leaky_relu", (0.2,), 3.0),
    "hard_swish": ("hswish", "HARD_SWISH", "hard_swish", (), 5.0),
}


@pytest.mark.parametrize("name", sorted(UNARY_CASES))
def test_unary(name: str, kernels: support.F32Kernels, op_models: Callable[..., OpModel]) -> None:
    fn_name, op, kernel, extra, scale = UNARY_CASES[name]
    tf = _import("tensorflow")
    fns: dict[str, Callable[[Any], Any]] = {
        "sigmoid": tf.math.sigmoid,
        "tanh": tf.math.tanh,
        "relu": tf.nn.relu,
        "relu6": tf.nn.relu6,
        "clip1": lambda t: tf.clip_by_value(t, -1.0, 1.0),
        "leaky": lambda t: tf.nn.leaky_relu(t, 0.2),
        "hswish": lambda t: t * tf.nn.relu6(t + 3.0) / 6.0,
    }
    shape = (1, 5, 6, 7)
    model = op_models(f"unary_{name}", fns[fn_name], [shape], op)
    if op == "LEAKY_RELU":
        assert abs(model.options.Alpha() - extra[0]) < 1e-7
    x = (_rng(name).standard_normal(shape) * scale).astype(np.float32)
    x.flat[:4] = [0.0, -20.0, 20.0, -3.0]  # zero, both logistic cut-offs, hard-swish knee
    _assert_close(kernels.unary(kernel, x, *extra), _litert_ref(model, [x]))


def test_unary_in_place(kernels: support.F32Kernels) -> None:
    """The header allows out == in for the element-wise activations."""
    x = np.linspace(-8.0, 8.0, 33, dtype=np.float32)
    expected = kernels.unary("hard_swish", x)
    buffer = x.copy()
    pointer = support._ptr(buffer)
    kernels.call("stai_hard_swish_f32", pointer, pointer, buffer.size)
    np.testing.assert_array_equal(buffer, expected)


# --------------------------------------------------------------------------- pad


# name: (input NHWC, pads per dim, constant)
PAD_CASES = {
    "hw_zero": ((1, 4, 5, 3), [(0, 0), (1, 2), (2, 1), (0, 0)], 0.0),
    "all_dims_value": ((1, 3, 4, 2), [(1, 0), (2, 1), (0, 3), (1, 2)], 0.5),
}


@pytest.mark.parametrize("name", sorted(PAD_CASES))
def test_pad(name: str, kernels: support.F32Kernels, op_models: Callable[..., OpModel]) -> None:
    shape, pads, value = PAD_CASES[name]
    tf = _import("tensorflow")
    op = "PAD" if value == 0.0 else "PADV2"
    model = op_models(
        f"pad_{name}",
        lambda x: tf.pad(x, [list(p) for p in pads], constant_values=value),
        [shape],
        op,
    )
    x = _rng(name).standard_normal(shape).astype(np.float32)
    _assert_close(kernels.pad(x, pads, value), _litert_ref(model, [x]))


# --------------------------------------------------------------------------- API checks


def test_argument_errors(kernels: support.F32Kernels) -> None:
    """Inconsistent dimensions return ARM_CMSIS_NN_ARG_ERROR."""
    x = np.zeros((1, 4, 4, 3), np.float32)
    with pytest.raises(support.KernelError) as err:  # filter channels do not divide input's
        kernels.conv2d(x, np.zeros((2, 3, 3, 2), np.float32), None, (4, 4))
    assert err.value.status == support.ARG_ERROR
    with pytest.raises(support.KernelError) as err:  # filter channels != in_c * multiplier
        kernels.depthwise_conv2d(x, np.zeros((1, 3, 3, 3), np.float32), None, (4, 4), 2)
    assert err.value.status == support.ARG_ERROR
    with pytest.raises(support.KernelError) as err:  # a window entirely in the padding
        kernels.pool("avg", x, (2, 2), (4, 4), (1, 1), (3, 3))
    assert err.value.status == support.ARG_ERROR
    out = np.zeros((1, 4, 4, 3), np.float32)
    status = kernels.lib.stai_add_f32(  # (1, 4, 4, 2) does not broadcast to (1, 4, 4, 3)
        support.dims((1, 4, 4, 2)),
        support._ptr(x),
        support.dims(x.shape),
        support._ptr(x),
        support.dims(out.shape),
        support._ptr(out),
        -FLT_MAX,
        FLT_MAX,
    )
    assert status == support.ARG_ERROR


def _declared_functions() -> set[str]:
    """The float32 kernels declared in stai's kernel headers (stai_kernels_f32.h and the
    family headers: math, indexing, recurrent, ...), and the helpers they declare beside
    them (``stai_detection_scratch_words``: any return type, a name ending otherwise)."""
    text = "".join(h.read_text() for h in support.HEADER.parent.glob("stai_kernels*.h"))
    kernels = re.findall(r"arm_cmsis_nn_status\s+(stai_\w+_f32)\s*\(", text)
    helpers = re.findall(r"^\w+\s+(stai_\w+)\s*\(", text, flags=re.MULTILINE)
    return set(kernels) | set(helpers)


def test_header_and_manifest_agree() -> None:
    """Every declared float kernel is provided by one runtime source, and every function
    of a stai_*_f32.c source is declared."""
    from stai.runtime import manifest

    declared = _declared_functions()
    assert len(declared) >= 19
    provided: set[str] = set()
    for source in support.f32_sources():
        info = manifest.sources()[source.name]
        provided |= info.provides
        assert info.requires <= set(manifest.sources()), f"{source.name}: unknown requirement"
    assert provided <= declared  # every stai_*_f32.c function is declared in a header
    providers = manifest.provider_of()
    missing = [name for name in sorted(declared) if name not in providers]
    assert not missing, f"declared but in no runtime source: {missing}"


def test_header_is_self_contained(tmp_path: Path) -> None:
    """The header compiles on its own (C99, -pedantic, -Werror)."""
    source = tmp_path / "only_header.c"
    source.write_text('#include "stai_kernels_f32.h"\nint main(void) { return 0; }\n')
    done = subprocess.run(
        [
            support.compiler(),
            *support.WARNING_FLAGS,
            "-pedantic",
            f"-I{support.INCLUDE_DIR}",
            "-c",
            str(source),
            "-o",
            str(tmp_path / "only_header.o"),
        ],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
