"""A factory of small single-operator TFLite models for tests, built with TensorFlow's converter.

Every entry of `OPS` is an `OpSpec` with a stable name (e.g. `conv2d_s2_same_relu`). Its
models come in two kinds: `"int8"` (full-integer quantization from a seeded representative
data set, int8 input and output) and `"float"` (float32 throughout). `build(name, kind,
cache_dir)` converts one model on first use and returns the cached `.tflite` file.
`model_ops` / `op_options` read a built model back (with the `tflite` package) so tests can
check that it holds the intended operator.
"""

from __future__ import annotations

import os
import tempfile
import warnings
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

INT8 = "int8"
FLOAT = "float"
INT16 = "int16"
KINDS = (INT8, FLOAT)
WITH_16X8 = (INT8, FLOAT, INT16)
"""The kinds of a spec that also exists as a 16x8 model (`"int16"`: int16 activations,
int8 weights, int64 biases; int16 input and output unless `float_io`)."""

Shape = tuple[int, ...]
# A model body: given a seeded generator for its weights, a function of TF tensors.
Body = Callable[[np.random.Generator], Callable[..., Any]]


@dataclass(frozen=True)
class OpSpec:
    """One test model: input shapes, body, the operators it must convert to, and checks.

    `ops` is the exact operator list per kind (the same for both when a single list is
    given); `options` are builtin-option values the first operator named `main_op` must
    have; `input_ranges` are the real ranges of the random/representative inputs;
    `kinds` lists the kinds the model exists in. `int8_tflm_differs` is non-empty when
    TFLM's int8 result is known to differ from LiteRT-ref's (and says why); TFLM is
    the oracle stai follows.
    """

    name: str
    input_shapes: tuple[Shape, ...]
    body: Body
    ops: tuple[str, ...]
    main_op: str
    options: dict[str, Any] = field(default_factory=dict)
    input_ranges: tuple[tuple[float, float], ...] = ()
    kinds: tuple[str, ...] = KINDS
    float_io: bool = False
    per_tensor_dense: bool = False
    """Fully-connected weights quantized per tensor (the converter's default is per
    output channel)."""
    ops_float: tuple[str, ...] | None = None
    int8_tflm_differs: str = ""
    litert_ref_lacks: dict[str, str] = field(default_factory=dict)
    """Kind -> why LiteRT's reference resolver cannot run that model; TFLM still runs it
    (and is then the float reference too)."""

    def expected_ops(self, kind: str) -> tuple[str, ...]:
        """The exact operator list the `kind` model must contain, in execution order."""
        if kind == FLOAT and self.ops_float is not None:
            return self.ops_float
        return self.ops

    def range_of(self, index: int) -> tuple[float, float]:
        """The real-valued range of input `index`."""
        return self.input_ranges[index] if index < len(self.input_ranges) else (-1.0, 1.0)


# ----------------------------------------------------------------------------- weights


def _tf() -> Any:
    """TensorFlow, imported on first use."""
    import tensorflow as tf

    return tf


def _weights(rng: np.random.Generator, shape: Shape, fan_in: int) -> Any:
    """A constant weight tensor, normal with std 1/sqrt(fan_in)."""
    return _tf().constant((rng.standard_normal(shape) / np.sqrt(fan_in)).astype(np.float32))


def _bias(rng: np.random.Generator, n: int) -> Any:
    """A constant bias vector, normal with std 0.1."""
    return _tf().constant((0.1 * rng.standard_normal(n)).astype(np.float32))


def _activation(x: Any, act: str) -> Any:
    """Apply "NONE", "RELU" or "RELU6" to a tensor."""
    tf = _tf()
    return {"NONE": lambda t: t, "RELU": tf.nn.relu, "RELU6": tf.nn.relu6}[act](x)


# ----------------------------------------------------------------------------- bodies


def _conv(cin: int, cout: int, k: int, stride: int, padding: str, dilation: int, act: str) -> Body:
    """CONV_2D with bias and an optional fused activation."""

    def make(rng: np.random.Generator) -> Callable[..., Any]:
        w = _weights(rng, (k, k, cin, cout), k * k * cin)
        b = _bias(rng, cout)
        tf = _tf()
        return lambda x: _activation(
            tf.nn.bias_add(tf.nn.conv2d(x, w, stride, padding, dilations=dilation), b), act
        )

    return make


def _dwconv(cin: int, mult: int, k: int, stride: int, padding: str, act: str) -> Body:
    """DEPTHWISE_CONV_2D with bias, a channel multiplier and an optional fused activation."""

    def make(rng: np.random.Generator) -> Callable[..., Any]:
        w = _weights(rng, (k, k, cin, mult), k * k)
        b = _bias(rng, cin * mult)
        tf = _tf()
        strides = [1, stride, stride, 1]
        return lambda x: _activation(
            tf.nn.bias_add(tf.nn.depthwise_conv2d(x, w, strides, padding), b), act
        )

    return make


def _fc(cin: int, cout: int, act: str) -> Body:
    """FULLY_CONNECTED (matmul + bias) with an optional fused activation."""

    def make(rng: np.random.Generator) -> Callable[..., Any]:
        w = _weights(rng, (cin, cout), cin)
        b = _bias(rng, cout)
        tf = _tf()
        return lambda x: _activation(tf.matmul(x, w) + b, act)

    return make


def _pool(kind: str, k: int, stride: int, padding: str) -> Body:
    """AVERAGE_POOL_2D or MAX_POOL_2D."""

    def make(rng: np.random.Generator) -> Callable[..., Any]:
        tf = _tf()
        fn = tf.nn.avg_pool2d if kind == "avg" else tf.nn.max_pool2d
        return lambda x: fn(x, k, stride, padding)

    return make


def _unary(fn_name: str) -> Body:
    """An elementwise function from `tf.nn` / `tf.math` by name."""

    def make(rng: np.random.Generator) -> Callable[..., Any]:
        tf = _tf()
        fns = {
            "relu": tf.nn.relu,
            "relu6": tf.nn.relu6,
            "logistic": tf.math.sigmoid,
            "tanh": tf.math.tanh,
            "softmax": tf.nn.softmax,
            "leaky_relu": lambda x: tf.nn.leaky_relu(x, alpha=0.2),
            "hard_swish": lambda x: x * tf.nn.relu6(x + 3.0) * (1.0 / 6.0),
        }
        return fns[fn_name]

    return make


def _binary(op: str) -> Body:
    """ADD, SUB or MUL of the two model inputs."""

    def make(rng: np.random.Generator) -> Callable[..., Any]:
        return {
            "add": lambda x, y: x + y,
            "sub": lambda x, y: x - y,
            "mul": lambda x, y: x * y,
        }[op]

    return make


def _concat(rng: np.random.Generator) -> Callable[..., Any]:
    """CONCATENATION of the two inputs on the channel axis."""
    tf = _tf()
    return lambda x, y: tf.concat([x, y], axis=3)


def _pad(rng: np.random.Generator) -> Callable[..., Any]:
    """PAD with uneven zero padding on H and W."""
    tf = _tf()
    return lambda x: tf.pad(x, [[0, 0], [1, 2], [2, 1], [0, 0]])


def _reshape(rng: np.random.Generator) -> Callable[..., Any]:
    """RESHAPE of an NHWC tensor to [1, -1]."""
    tf = _tf()
    return lambda x: tf.reshape(x, [1, -1])


def _mean(keepdims: bool) -> Body:
    """MEAN over H and W."""

    def make(rng: np.random.Generator) -> Callable[..., Any]:
        tf = _tf()
        return lambda x: tf.reduce_mean(x, axis=[1, 2], keepdims=keepdims)

    return make


def _transpose(perm: tuple[int, ...]) -> Body:
    """TRANSPOSE by a constant permutation."""

    def make(rng: np.random.Generator) -> Callable[..., Any]:
        tf = _tf()
        return lambda x: tf.transpose(x, perm)

    return make


def _tf_fn(make_fn: Callable[[Any], Callable[..., Any]]) -> Body:
    """A body from a function of the TensorFlow module (no weights)."""

    def make(rng: np.random.Generator) -> Callable[..., Any]:
        return make_fn(_tf())

    return make


def _two_branch(rng: np.random.Generator) -> Callable[..., Any]:
    """conv -> (conv a, conv b) -> add: two live branches that join."""
    stem = _conv(3, 8, 3, 1, "SAME", 1, "RELU")(rng)
    left = _conv(8, 8, 3, 1, "SAME", 1, "NONE")(rng)
    right = _conv(8, 8, 1, 1, "SAME", 1, "RELU")(rng)

    def fn(x: Any) -> Any:
        h = stem(x)
        return left(h) + right(h)

    return fn


# ----------------------------------------------------------------------------- the table


def _conv_spec(
    name: str,
    stride: int,
    padding: str,
    dilation: int,
    act: str,
    k: int = 3,
    cin: int = 4,
    cout: int = 8,
    hw: int = 9,
    kinds: tuple[str, ...] = KINDS,
) -> OpSpec:
    """An OpSpec for one CONV_2D configuration."""
    return OpSpec(
        name,
        ((1, hw, hw, cin),),
        _conv(cin, cout, k, stride, padding, dilation, act),
        ("CONV_2D",),
        "CONV_2D",
        {
            "StrideW": stride,
            "StrideH": stride,
            "Padding": padding,
            "DilationWFactor": dilation,
            "DilationHFactor": dilation,
            "FusedActivationFunction": act,
        },
        kinds=kinds,
    )


def _dw_spec(
    name: str, mult: int, stride: int, padding: str, act: str, kinds: tuple[str, ...] = KINDS
) -> OpSpec:
    """An OpSpec for one DEPTHWISE_CONV_2D configuration."""
    return OpSpec(
        name,
        ((1, 9, 9, 4),),
        _dwconv(4, mult, 3, stride, padding, act),
        ("DEPTHWISE_CONV_2D",),
        "DEPTHWISE_CONV_2D",
        {
            "StrideW": stride,
            "StrideH": stride,
            "Padding": padding,
            "DepthMultiplier": mult,
            "FusedActivationFunction": act,
        },
        kinds=kinds,
    )


def _pool_spec(name: str, kind: str, k: int, stride: int, padding: str) -> OpSpec:
    """An OpSpec for one pooling configuration."""
    op = "AVERAGE_POOL_2D" if kind == "avg" else "MAX_POOL_2D"
    return OpSpec(
        name,
        ((1, 8, 8, 6),),
        _pool(kind, k, stride, padding),
        (op,),
        op,
        {
            "StrideW": stride,
            "StrideH": stride,
            "FilterWidth": k,
            "FilterHeight": k,
            "Padding": padding,
        },
    )


def _binary_spec(name: str, op: str, shape_b: Shape, kinds: tuple[str, ...] = KINDS) -> OpSpec:
    """An OpSpec for ADD/SUB/MUL of two inputs with different ranges."""
    return OpSpec(
        name,
        ((1, 5, 5, 8), shape_b),
        _binary(op.lower()),
        (op,),
        op,
        {"FusedActivationFunction": "NONE"},
        input_ranges=((-1.0, 1.0), (-3.0, 2.0)),
        kinds=kinds,
    )


def _unary_spec(
    name: str,
    fn: str,
    op: str,
    shape: Shape = (1, 4, 4, 8),
    rng: tuple[float, float] = (-4.0, 4.0),
    differs: str = "",
) -> OpSpec:
    """An OpSpec for an elementwise activation (or softmax)."""
    return OpSpec(
        name, (shape,), _unary(fn), (op,), op, input_ranges=(rng,), int8_tflm_differs=differs
    )


RELU6_TFLM_NOTE = (
    "TFLM's int8 RELU6 clamps the input codes to [input zp, quantize(6.0) with the input's "
    "scale/zp] and does not rescale to the output's scale/zp; LiteRT-ref requantizes"
)


OPS: list[OpSpec] = [
    _conv_spec("conv2d_s1_same", 1, "SAME", 1, "NONE"),
    _conv_spec("conv2d_s1_same_relu", 1, "SAME", 1, "RELU", kinds=WITH_16X8),
    _conv_spec("conv2d_s1_valid_relu6", 1, "VALID", 1, "RELU6"),
    _conv_spec("conv2d_s2_same_relu", 2, "SAME", 1, "RELU"),
    _conv_spec("conv2d_s2_valid", 2, "VALID", 1, "NONE", kinds=WITH_16X8),
    _conv_spec("conv2d_s2_same_relu6", 2, "SAME", 1, "RELU6", hw=10),
    _conv_spec("conv2d_d2_same", 1, "SAME", 2, "NONE", kinds=WITH_16X8),
    _conv_spec("conv2d_d2_valid_relu", 1, "VALID", 2, "RELU"),
    _conv_spec(
        "conv2d_1x1_relu", 1, "VALID", 1, "RELU", k=1, cin=8, cout=16, hw=5, kinds=WITH_16X8
    ),
    _dw_spec("dwconv_m1_s1_same", 1, 1, "SAME", "NONE", WITH_16X8),
    _dw_spec("dwconv_m1_s1_valid_relu", 1, 1, "VALID", "RELU"),
    _dw_spec("dwconv_m2_s1_same_relu6", 2, 1, "SAME", "RELU6", WITH_16X8),
    _dw_spec("dwconv_m1_s2_same_relu", 1, 2, "SAME", "RELU", WITH_16X8),
    _dw_spec("dwconv_m2_s2_valid", 2, 2, "VALID", "NONE"),
    OpSpec(
        "fc",
        ((1, 32),),
        _fc(32, 10, "NONE"),
        ("FULLY_CONNECTED",),
        "FULLY_CONNECTED",
        {"FusedActivationFunction": "NONE"},
        kinds=WITH_16X8,
    ),
    OpSpec(
        "fc_relu",
        ((1, 32),),
        _fc(32, 16, "RELU"),
        ("FULLY_CONNECTED",),
        "FULLY_CONNECTED",
        {"FusedActivationFunction": "RELU"},
        kinds=WITH_16X8,
    ),
    OpSpec(
        "fc_batch3",
        ((3, 20),),
        _fc(20, 7, "NONE"),
        ("FULLY_CONNECTED",),
        "FULLY_CONNECTED",
        {"FusedActivationFunction": "NONE"},
        kinds=WITH_16X8,
    ),
    _pool_spec("avgpool_2x2_s2_valid", "avg", 2, 2, "VALID"),
    _pool_spec("avgpool_3x3_s1_same", "avg", 3, 1, "SAME"),
    _pool_spec("maxpool_2x2_s2_valid", "max", 2, 2, "VALID"),
    _pool_spec("maxpool_3x3_s2_same", "max", 3, 2, "SAME"),
    _binary_spec("add", "ADD", (1, 5, 5, 8), WITH_16X8),
    _binary_spec("add_broadcast", "ADD", (1, 1, 1, 8)),
    _binary_spec("sub", "SUB", (1, 5, 5, 8), WITH_16X8),
    _binary_spec("mul", "MUL", (1, 5, 5, 8)),
    _binary_spec("mul_broadcast", "MUL", (1, 1, 1, 8)),
    OpSpec(
        "concat_channels",
        ((1, 4, 4, 3), (1, 4, 4, 5)),
        _concat,
        ("CONCATENATION",),
        "CONCATENATION",
        {"Axis": 3},
        input_ranges=((-1.0, 1.0), (-2.0, 3.0)),
    ),
    OpSpec("pad", ((1, 5, 5, 3),), _pad, ("PAD",), "PAD"),
    OpSpec("reshape", ((1, 4, 4, 3),), _reshape, ("RESHAPE",), "RESHAPE", kinds=WITH_16X8),
    _unary_spec("softmax", "softmax", "SOFTMAX", (1, 10)),
    _unary_spec("relu", "relu", "RELU"),
    _unary_spec("relu6", "relu6", "RELU6", rng=(-2.0, 8.0), differs=RELU6_TFLM_NOTE),
    _unary_spec("logistic", "logistic", "LOGISTIC"),
    _unary_spec("tanh", "tanh", "TANH"),
    _unary_spec("leaky_relu", "leaky_relu", "LEAKY_RELU"),
    _unary_spec("hard_swish", "hard_swish", "HARD_SWISH"),
    OpSpec("mean_hw_keepdims", ((1, 5, 5, 8),), _mean(True), ("MEAN",), "MEAN", {"KeepDims": True}),
    OpSpec("mean_hw", ((1, 5, 5, 8),), _mean(False), ("MEAN",), "MEAN", {"KeepDims": False}),
    OpSpec(
        "quantize_dequantize",
        ((1, 6, 6, 4),),
        _conv(4, 8, 3, 1, "SAME", 1, "RELU"),
        ("QUANTIZE", "CONV_2D", "DEQUANTIZE"),
        "CONV_2D",
        {"FusedActivationFunction": "RELU"},
        kinds=(INT8,),
        float_io=True,
    ),
    OpSpec(
        "fc_per_tensor_relu6",
        ((2, 24),),
        _fc(24, 12, "RELU6"),
        ("FULLY_CONNECTED",),
        "FULLY_CONNECTED",
        {"FusedActivationFunction": "RELU6"},
        kinds=WITH_16X8,
        per_tensor_dense=True,
    ),
    OpSpec(
        "quantize_dequantize_fc",
        ((1, 16),),
        _fc(16, 8, "RELU"),
        ("QUANTIZE", "FULLY_CONNECTED", "DEQUANTIZE"),
        "FULLY_CONNECTED",
        {"FusedActivationFunction": "RELU"},
        kinds=(INT8, INT16),
        float_io=True,
    ),
    OpSpec(
        "transpose_nchw", ((1, 4, 5, 6),), _transpose((0, 3, 1, 2)), ("TRANSPOSE",), "TRANSPOSE"
    ),
    OpSpec("transpose_3d", ((2, 3, 5),), _transpose((2, 0, 1)), ("TRANSPOSE",), "TRANSPOSE"),
    OpSpec(
        "strided_slice",
        ((1, 5, 6, 8),),
        _tf_fn(lambda tf: lambda x: x[:, 1:4, ::2, 1:7]),
        ("STRIDED_SLICE",),
        "STRIDED_SLICE",
    ),
    OpSpec(
        "strided_slice_reverse_shrink",
        ((1, 5, 6, 8),),
        _tf_fn(lambda tf: lambda x: x[:, ::-1, 4, -2:0:-3]),
        ("STRIDED_SLICE",),
        "STRIDED_SLICE",
    ),
    OpSpec(
        "strided_slice_ellipsis",
        ((2, 5, 6, 8),),
        _tf_fn(lambda tf: lambda x: x[1, ..., 2:6]),
        ("STRIDED_SLICE",),
        "STRIDED_SLICE",
    ),
    OpSpec(
        "slice",
        ((1, 5, 6, 8),),
        _tf_fn(lambda tf: lambda x: tf.slice(x, [0, 1, 2, 0], [1, 3, -1, 5])),
        ("SLICE",),
        "SLICE",
    ),
    OpSpec(
        "split",
        ((1, 4, 4, 6),),
        _tf_fn(lambda tf: lambda x: tf.split(x, 3, axis=3)),
        ("SPLIT",),
        "SPLIT",
    ),
    OpSpec(
        "split_v",
        ((1, 6, 4, 3),),
        _tf_fn(lambda tf: lambda x: tf.split(x, [1, 3, 2], axis=1)),
        ("SPLIT_V",),
        "SPLIT_V",
    ),
    OpSpec(
        "unpack",
        ((2, 3, 4),),
        _tf_fn(lambda tf: lambda x: tf.unstack(x, axis=1)),
        ("UNPACK",),
        "UNPACK",
    ),
    OpSpec(
        "pack",
        ((2, 3), (2, 3)),
        _tf_fn(lambda tf: lambda x, y: tf.stack([x, y], axis=1)),
        ("PACK",),
        "PACK",
    ),
    OpSpec(
        "maximum_broadcast",
        ((1, 5, 5, 8), (1, 1, 1, 8)),
        _tf_fn(lambda tf: lambda x, y: tf.maximum(x, y)),
        ("MAXIMUM",),
        "MAXIMUM",
    ),
    OpSpec(
        "minimum",
        ((1, 4, 6), (1, 4, 6)),
        _tf_fn(lambda tf: lambda x, y: tf.minimum(x, y)),
        ("MINIMUM",),
        "MINIMUM",
    ),
    OpSpec(
        "depth_to_space",
        ((1, 3, 4, 8),),
        _tf_fn(lambda tf: lambda x: tf.nn.depth_to_space(x, 2)),
        ("DEPTH_TO_SPACE",),
        "DEPTH_TO_SPACE",
        litert_ref_lacks={INT8: "BUILTIN_REF has no int8 DEPTH_TO_SPACE (version 2)"},
    ),
    OpSpec(
        "space_to_depth",
        ((1, 4, 6, 3),),
        _tf_fn(lambda tf: lambda x: tf.nn.space_to_depth(x, 2)),
        ("SPACE_TO_DEPTH",),
        "SPACE_TO_DEPTH",
    ),
    OpSpec(
        "space_to_batch",
        ((1, 4, 6, 3),),
        _tf_fn(lambda tf: lambda x: tf.space_to_batch(x, [2, 3], [[0, 0], [0, 0]])),
        ("SPACE_TO_BATCH_ND",),
        "SPACE_TO_BATCH_ND",
    ),
    OpSpec(
        "batch_to_space",
        ((6, 3, 2, 4),),
        _tf_fn(lambda tf: lambda x: tf.batch_to_space(x, [2, 3], [[1, 0], [2, 1]])),
        ("BATCH_TO_SPACE_ND",),
        "BATCH_TO_SPACE_ND",
    ),
    OpSpec(
        "two_branch",
        ((1, 8, 8, 3),),
        _two_branch,
        ("CONV_2D", "CONV_2D", "CONV_2D", "ADD"),
        "ADD",
        {"FusedActivationFunction": "NONE"},
    ),
]

_MATH = (
    ("abs", "ABS", "abs", (-4.0, 4.0)),
    ("neg", "NEG", "negative", (-4.0, 4.0)),
    ("exp", "EXP", "exp", (-4.0, 4.0)),
    ("log", "LOG", "log", (0.05, 8.0)),
    ("sqrt", "SQRT", "sqrt", (0.0, 8.0)),
    ("rsqrt", "RSQRT", "rsqrt", (0.05, 8.0)),
    ("square", "SQUARE", "square", (-4.0, 4.0)),
    ("floor", "FLOOR", "floor", (-4.0, 4.0)),
    ("ceil", "CEIL", "ceil", (-4.0, 4.0)),
)
"""Float math functions: (model name, TFLite operator, tf.math function, input range)."""

OPS += [
    OpSpec(
        name,
        ((1, 4, 5, 6),),
        _tf_fn(lambda tf, fn=fn: getattr(tf.math, fn)),
        (op,),
        op,
        input_ranges=(lo_hi,),
        kinds=(FLOAT,),
        litert_ref_lacks={FLOAT: "BUILTIN_REF has no CEIL"} if op == "CEIL" else {},
    )
    for name, op, fn, lo_hi in _MATH
]

OPS_BY_NAME: dict[str, OpSpec] = {spec.name: spec for spec in OPS}

SPACE_TO_BATCH_PADDED = OpSpec(
    "space_to_batch_padded",
    ((1, 5, 6, 3),),
    _tf_fn(lambda tf: lambda x: tf.space_to_batch(x, [2, 3], [[1, 0], [2, 1]])),
    ("SPACE_TO_BATCH_ND",),
    "SPACE_TO_BATCH_ND",
)
"""Not in `OPS`: TFLM (the tflite-micro package measured) leaves the padded cells of its
output unwritten, so only LiteRT-ref (which writes the zero point) is a reference."""


def convert(spec: OpSpec, kind: str, path: Path) -> Path:
    """Convert a spec that is not in `OPS` to `path` (not cached)."""
    path.write_bytes(_convert(spec, kind))
    return path


# (name, kind) for every model the factory makes, e.g. for pytest parametrization.
ALL_MODELS: list[tuple[str, str]] = [(s.name, k) for s in OPS for k in s.kinds]


# ----------------------------------------------------------------------------- building


def _seed(name: str) -> int:
    """A stable seed derived from a model's name."""
    return zlib.crc32(name.encode())


def representative_inputs(spec: OpSpec, n: int, seed: int) -> list[list[np.ndarray]]:
    """N seeded float32 samples for a spec's inputs, drawn uniformly from their ranges."""
    rng = np.random.default_rng(seed)
    return [
        [
            rng.uniform(*spec.range_of(i), size=shape).astype(np.float32)
            for i, shape in enumerate(spec.input_shapes)
        ]
        for _ in range(n)
    ]


def _convert(spec: OpSpec, kind: str) -> bytes:
    """Convert a spec to TFLite flatbuffer bytes of the given kind."""
    tf = _tf()
    fn = spec.body(np.random.default_rng(_seed(spec.name)))
    signature = [
        tf.TensorSpec(s, tf.float32, name=f"x{i}") for i, s in enumerate(spec.input_shapes)
    ]
    func = tf.function(fn, input_signature=signature, autograph=False)
    concrete = func.get_concrete_function()
    converter = tf.lite.TFLiteConverter.from_concrete_functions([concrete], func)
    if kind == INT8:
        samples = representative_inputs(spec, 32, _seed(spec.name) + 1)
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
        converter.representative_dataset = lambda: iter(samples)
        converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
        if not spec.float_io:
            converter.inference_input_type = tf.int8
            converter.inference_output_type = tf.int8
    elif kind == INT16:
        samples = representative_inputs(spec, 32, _seed(spec.name) + 1)
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
        converter.representative_dataset = lambda: iter(samples)
        converter.target_spec.supported_ops = [
            tf.lite.OpsSet.EXPERIMENTAL_TFLITE_BUILTINS_ACTIVATIONS_INT16_WEIGHTS_INT8
        ]
        if not spec.float_io:
            converter.inference_input_type = tf.int16
            converter.inference_output_type = tf.int16
    if spec.per_tensor_dense:
        converter._experimental_disable_per_channel_quantization_for_dense_layers = True
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return _quietly(converter.convert)


def _quietly(action: Callable[[], bytes]) -> bytes:
    """Run `action` with the process's stderr sent to a temp file (the converter's C++ noise)."""
    with tempfile.TemporaryFile() as sink:
        saved = os.dup(2)
        try:
            os.dup2(sink.fileno(), 2)
            return action()
        finally:
            os.dup2(saved, 2)
            os.close(saved)


def build(name: str, kind: str, cache_dir: Path | None = None) -> Path:
    """The `.tflite` file of model `name` in `kind` ("int8"/"float"), converted on first use."""
    spec = OPS_BY_NAME.get(name)
    if spec is None:
        raise KeyError(f"unknown op model {name!r}")
    if kind not in spec.kinds:
        raise KeyError(f"op model {name!r} has no {kind!r} version (has {spec.kinds})")
    default = Path(tempfile.gettempdir()) / "stai_opmodels"
    folder = Path(cache_dir) if cache_dir is not None else default
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}_{kind}.tflite"
    if not path.is_file():
        data = _convert(spec, kind)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_bytes(data)
        os.replace(tmp, path)
    return path


# ----------------------------------------------------------------------------- reading back

_OPTIONS_CLASS = {
    "CONV_2D": "Conv2DOptions",
    "DEPTHWISE_CONV_2D": "DepthwiseConv2DOptions",
    "FULLY_CONNECTED": "FullyConnectedOptions",
    "AVERAGE_POOL_2D": "Pool2DOptions",
    "MAX_POOL_2D": "Pool2DOptions",
    "ADD": "AddOptions",
    "SUB": "SubOptions",
    "MUL": "MulOptions",
    "CONCATENATION": "ConcatenationOptions",
    "MEAN": "ReducerOptions",
    "SOFTMAX": "SoftmaxOptions",
}
_OPTION_FIELDS = (
    "StrideW",
    "StrideH",
    "Padding",
    "DilationWFactor",
    "DilationHFactor",
    "DepthMultiplier",
    "FilterWidth",
    "FilterHeight",
    "FusedActivationFunction",
    "Axis",
    "KeepDims",
    "Beta",
)


def _read_model(path: Path) -> Any:
    """The root `tflite.Model` of a file."""
    import tflite

    return tflite.Model.GetRootAsModel(Path(path).read_bytes(), 0)


def _op_name(model: Any, op: Any) -> str:
    """The builtin operator name (e.g. "CONV_2D") of an operator."""
    from tflite.utils import opcode2name

    code = model.OperatorCodes(op.OpcodeIndex())
    return opcode2name(max(code.BuiltinCode(), code.DeprecatedBuiltinCode()))


def model_ops(path: Path) -> list[str]:
    """The operator names of a model's main subgraph, in execution order."""
    model = _read_model(path)
    graph = model.Subgraphs(0)
    return [_op_name(model, graph.Operators(i)) for i in range(graph.OperatorsLength())]


def _enum_name(enum_cls: Any, value: int) -> str:
    """The name of a flatbuffer enum value."""
    for key, val in vars(enum_cls).items():
        if not key.startswith("_") and val == value:
            return key
    return str(value)


def op_options(path: Path, index: int) -> dict[str, Any]:
    """The builtin options of operator `index` as a dict (enums by name, e.g. "SAME")."""
    import tflite

    model = _read_model(path)
    graph = model.Subgraphs(0)
    op = graph.Operators(index)
    cls_name = _OPTIONS_CLASS.get(_op_name(model, op))
    table = op.BuiltinOptions()
    if cls_name is None or table is None:
        return {}
    options = getattr(tflite, cls_name)()
    options.Init(table.Bytes, table.Pos)
    out: dict[str, Any] = {}
    for name in _OPTION_FIELDS:
        if hasattr(options, name):
            value = getattr(options, name)()
            if name == "Padding":
                value = _enum_name(tflite.Padding, value)
            elif name == "FusedActivationFunction":
                value = _enum_name(tflite.ActivationFunctionType, value)
            elif name == "KeepDims":
                value = bool(value)
            out[name] = value
    return out


def tensor_types(path: Path) -> tuple[list[str], list[str]]:
    """The element type names of a model's inputs and outputs (e.g. "INT8", "FLOAT32")."""
    import tflite

    graph = _read_model(path).Subgraphs(0)

    def names(indices: Any) -> list[str]:
        return [_enum_name(tflite.TensorType, graph.Tensors(int(i)).Type()) for i in indices]

    return names(graph.InputsAsNumpy()), names(graph.OutputsAsNumpy())
