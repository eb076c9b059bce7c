"""Single-operator 16x8 models (int16 activations, int8 weights) made here with the
TensorFlow converter (``EXPERIMENTAL_TFLITE_BUILTINS_ACTIVATIONS_INT16_WEIGHTS_INT8``),
compiled by stai and run as C: bit-exact with TFLite Micro for every operator that has an
int16 kernel besides conv, depthwise, fully connected, same-shape add/sub and reshape
(``tests/e2e/test_int16.py``, ``tests/opmodels.py``)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from stai.frontends.tflite.reader import read_model
from stai.tools.reference import run_tflm

pytest.importorskip("tensorflow")

from opmodels import INT16, OpSpec, _tf_fn, convert, model_ops, tensor_types  # noqa: E402


def _spec(
    name: str,
    shapes: tuple[tuple[int, ...], ...],
    fn: Callable[[Any], Callable[..., Any]],
    op: str,
    ranges: tuple[tuple[float, float], ...] = (),
) -> OpSpec:
    return OpSpec(name, shapes, _tf_fn(fn), (op,), op, input_ranges=ranges, kinds=(INT16,))


_TWO = ((-1.0, 1.0), (-3.0, 2.0))
"""Two inputs of different ranges."""

SPECS: list[OpSpec] = [
    _spec(
        "pad",
        ((1, 5, 5, 3),),
        lambda tf: lambda x: tf.pad(x, [[0, 0], [1, 2], [2, 1], [0, 0]]),
        "PAD",
    ),
    _spec(
        "concat",
        ((1, 4, 4, 3), (1, 4, 4, 5)),
        lambda tf: lambda x, y: tf.concat([x, y], axis=3),
        "CONCATENATION",
        ((-1.0, 1.0), (-2.0, 3.0)),
    ),
    _spec(
        "transpose",
        ((1, 4, 5, 6),),
        lambda tf: lambda x: tf.transpose(x, (0, 3, 1, 2)),
        "TRANSPOSE",
    ),
    _spec(
        "strided_slice",
        ((1, 5, 6, 8),),
        lambda tf: lambda x: x[:, ::-1, 4, -2:0:-3],
        "STRIDED_SLICE",
    ),
    _spec(
        "slice",
        ((1, 5, 6, 8),),
        lambda tf: lambda x: tf.slice(x, [0, 1, 2, 0], [1, 3, -1, 5]),
        "SLICE",
    ),
    _spec("split", ((1, 4, 4, 6),), lambda tf: lambda x: tf.split(x, 3, axis=3), "SPLIT"),
    _spec(
        "split_v", ((1, 6, 4, 3),), lambda tf: lambda x: tf.split(x, [1, 3, 2], axis=1), "SPLIT_V"
    ),
    _spec("unpack", ((2, 3, 4),), lambda tf: lambda x: tf.unstack(x, axis=1), "UNPACK"),
    _spec("pack", ((2, 3), (2, 3)), lambda tf: lambda x, y: tf.stack([x, y], axis=1), "PACK"),
    _spec("mul", ((1, 5, 5, 8), (1, 5, 5, 8)), lambda tf: lambda x, y: x * y, "MUL", _TWO),
    _spec(
        "mul_broadcast", ((1, 5, 5, 8), (1, 1, 1, 8)), lambda tf: lambda x, y: x * y, "MUL", _TWO
    ),
    _spec(
        "add_broadcast", ((1, 5, 5, 8), (1, 5, 1, 1)), lambda tf: lambda x, y: x + y, "ADD", _TWO
    ),
    _spec(
        "sub_broadcast", ((1, 1, 5, 8), (1, 4, 5, 8)), lambda tf: lambda x, y: x - y, "SUB", _TWO
    ),
    _spec(
        "avgpool_3x3_s2_same",
        ((1, 9, 9, 6),),
        lambda tf: lambda x: tf.nn.avg_pool2d(x, 3, 2, "SAME"),
        "AVERAGE_POOL_2D",
    ),
    _spec(
        "maxpool_2x2_s2_valid",
        ((1, 8, 8, 6),),
        lambda tf: lambda x: tf.nn.max_pool2d(x, 2, 2, "VALID"),
        "MAX_POOL_2D",
    ),
    _spec("relu", ((1, 4, 4, 8),), lambda tf: tf.nn.relu, "RELU", ((-4.0, 4.0),)),
    _spec("relu6", ((1, 4, 4, 8),), lambda tf: tf.nn.relu6, "RELU6", ((-2.0, 8.0),)),
    _spec(
        "leaky_relu",
        ((1, 4, 4, 8),),
        lambda tf: lambda x: tf.nn.leaky_relu(x, alpha=0.2),
        "LEAKY_RELU",
        ((-4.0, 4.0),),
    ),
    _spec(
        "mean_hw",
        ((1, 5, 5, 8),),
        lambda tf: lambda x: tf.reduce_mean(x, axis=[1, 2], keepdims=True),
        "MEAN",
    ),
    _spec("logistic", ((1, 4, 4, 8),), lambda tf: tf.math.sigmoid, "LOGISTIC", ((-6.0, 6.0),)),
    _spec("tanh", ((1, 4, 4, 8),), lambda tf: tf.math.tanh, "TANH", ((-3.0, 3.0),)),
    _spec(
        "maximum_broadcast",
        ((1, 5, 5, 8), (1, 1, 1, 8)),
        lambda tf: lambda x, y: tf.maximum(x, y),
        "MAXIMUM",
    ),
    _spec("minimum", ((1, 4, 6), (1, 4, 6)), lambda tf: lambda x, y: tf.minimum(x, y), "MINIMUM"),
    _spec("softmax", ((2, 10),), lambda tf: tf.nn.softmax, "SOFTMAX", ((-4.0, 4.0),)),
    _spec("softmax_wide", ((1, 3, 40),), lambda tf: tf.nn.softmax, "SOFTMAX", ((-12.0, 9.0),)),
]


def _quantized_inputs(spec: OpSpec, path: Path, n: int, seed: int) -> list[list[np.ndarray]]:
    """``n`` samples drawn uniformly from the spec's real input ranges, quantized with the
    model's int16 input scales (so they cover the calibrated range, with some saturation)."""
    model = read_model(path.read_bytes(), path.name)
    tensors = [model.tensors[i] for i in model.inputs]
    rng = np.random.default_rng(seed)
    samples = []
    for _ in range(n):
        sample = []
        for i, t in enumerate(tensors):
            lo, hi = spec.range_of(i)
            assert t.quant is not None
            real = rng.uniform(1.1 * lo, 1.1 * hi, size=t.shape)
            scale = t.quant.scales[0]
            q = np.clip(np.round(real / scale), -32768, 32767)
            sample.append(q.astype(np.int16))
        samples.append(sample)
    return samples


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("int16_ops")


@pytest.mark.parametrize("spec", SPECS, ids=[s.name for s in SPECS])
def test_int16_op_bit_exact(spec: OpSpec, model_dir: Path, compiled) -> None:
    """The 16x8 model holds the operator with int16 tensors, and stai's C output equals
    TFLite Micro's for several samples."""
    path = convert(spec, INT16, model_dir / f"{spec.name}_16x8.tflite")
    assert spec.main_op in model_ops(path)
    ins, outs = tensor_types(path)
    assert set(ins) == set(outs) == {"INT16"}
    c_model = compiled(path)
    for inputs in _quantized_inputs(spec, path, 3, seed=len(spec.name)):
        expected = run_tflm(path, inputs)
        got = c_model.run(inputs)
        assert len(got) == len(expected)
        for g, e in zip(got, expected):
            assert g.dtype == e.dtype == np.int16
            np.testing.assert_array_equal(g, e)
        assert any(np.unique(g).size > 1 for g in got), "degenerate model: constant outputs"


_Q = "!nn.q<i16, {} : 0>"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            f"nn.softmax %x {{beta = 1.0 : f32}} : (tensor<1x8x{_Q.format(0.001)}>) -> "
            f"tensor<1x8x{_Q.format(0.00390625)}>",
            "the int16 output must be quantized with scale 3.0517578125e-05 and zero point 0",
        ),
        (
            f"nn.logistic %x : (tensor<1x8x{_Q.format(0.001)}>) -> "
            f"tensor<1x8x{_Q.format(6.103515625e-05)}>",
            "the int16 output scale must be 2^-15",
        ),
        (
            f'nn.concat %x, %x {{axis = 1 : i64, activation = "relu"}} : '
            f"(tensor<1x8x{_Q.format(0.001)}>, tensor<1x8x{_Q.format(0.001)}>) -> "
            f"tensor<1x16x{_Q.format(0.001)}>",
            "a fused activation on an int16 (16x8) concatenation is not supported",
        ),
        (
            f'nn.div %x, %x {{activation = "none"}} : (tensor<1x8x{_Q.format(0.001)}>, '
            f"tensor<1x8x{_Q.format(0.001)}>) -> tensor<1x8x{_Q.format(0.001)}>",
            "int16 activations (16x8) are not supported for this operator yet",
        ),
    ],
    ids=["softmax_output_scale", "logistic_output_scale", "concat_activation", "div"],
)
def test_int16_refusals_are_one_line_errors(body: str, message: str) -> None:
    """What TFLite Micro refuses (or has no int16 kernel for) is a one-line StaiError
    naming the op and its model operator."""
    from xdsl.context import Context
    from xdsl.dialects import arith, func
    from xdsl.dialects.builtin import Builtin
    from xdsl.parser import Parser

    from stai.dialects import nn, qnn
    from stai.errors import StaiError
    from stai.lowering.convert_nn_to_qnn import ConvertNNToQNNPass

    result_type = body.rsplit("-> ", 1)[1]
    text = (
        f"func.func @f(%x: tensor<1x8x{_Q.format(0.001)}>) -> {result_type} {{\n"
        f"  %y = {body}\n  func.return %y : {result_type}\n}}\n"
    )
    ctx = Context()
    for dialect in (Builtin, func.Func, arith.Arith, nn.NN, qnn.QNN):
        ctx.load_dialect(dialect)
    module = Parser(ctx, text).parse_module()
    with pytest.raises(StaiError) as info:
        ConvertNNToQNNPass().apply(ctx, module)
    assert message in str(info.value)
    assert "\n" not in str(info.value)


def test_int16_softmax_tables_over_their_whole_range(model_dir: Path, compiled) -> None:
    """Rows of ramps of different spans and lengths: the differences to each row's maximum
    sweep the exp table's whole [-10, 0] range and the sums many intervals of the 1/(1+x)
    table; every output code equals TFLite Micro's."""
    spec = _spec("softmax_rows", ((8, 96),), lambda tf: tf.nn.softmax, "SOFTMAX", ((-8.0, 8.0),))
    path = convert(spec, INT16, model_dir / "softmax_rows_16x8.tflite")
    c_model = compiled(path)
    rng = np.random.default_rng(5)
    outputs = set()
    for sample in range(8):  # 8 rows a sample: TFLite Micro's arena for this model is small
        rows = []
        for r in range(8):
            span = 64 + 512 * (8 * sample + r)  # codes between the row's minimum and maximum
            top = rng.integers(-32768 + span, 32767, endpoint=True)
            rows.append(rng.permutation(np.round(np.linspace(top - span, top, 96))))
        x = np.array(rows).astype(np.int16)
        (expected,) = run_tflm(path, [x])
        (got,) = c_model.run([x])
        np.testing.assert_array_equal(got, expected)
        outputs |= set(got.reshape(-1).tolist())
    assert len(outputs) > 1000
