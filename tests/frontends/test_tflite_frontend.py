"""The TFLite frontend: real models, converter-made single-operator models, and bad input."""

from __future__ import annotations

import collections
import importlib.util
import io
import os
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import opmodels
import pytest
from shared_models import HYBRID, SHARED_MODELS
from xdsl.context import Context
from xdsl.dialects import func
from xdsl.dialects.builtin import Builtin, IntegerType, ModuleOp, TensorType
from xdsl.dialects.func import Func
from xdsl.ir import Operation
from xdsl.parser import Parser

from stai.dialects import nn
from stai.errors import StaiError
from stai.frontends.tflite import import_tflite, import_tflite_bytes, parse_tflite

INPUTS = Path(__file__).resolve().parents[1] / "filecheck" / "frontends" / "tflite" / "Inputs"

# ------------------------------------------------------------------------------ helpers


def _builder() -> ModuleType:
    """The test flatbuffer writer shared with the lit tests."""
    spec = importlib.util.spec_from_file_location(
        "stai_test_tflite_builder", INPUTS / "tflite_builder.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


BUILDER = _builder()


def _main(module: ModuleOp) -> func.FuncOp:
    funcs = [op for op in module.ops if isinstance(op, func.FuncOp)]
    assert len(funcs) == 1 and funcs[0].sym_name.data == "main"
    return funcs[0]


def _nn_ops(module: ModuleOp) -> list[Operation]:
    return [op for op in module.walk() if op.name.startswith("nn.")]


def _op_counts(module: ModuleOp) -> dict[str, int]:
    return dict(collections.Counter(op.name for op in _nn_ops(module)))


def _io_types(module: ModuleOp) -> tuple[list[str], list[str]]:
    ftype = _main(module).function_type
    return [str(t) for t in ftype.inputs.data], [str(t) for t in ftype.outputs.data]


def _all_types(module: ModuleOp) -> list[TensorType]:
    types = []
    for op in module.walk():
        for value in (*op.operands, *op.results):
            if isinstance(value.type, TensorType):
                types.append(value.type)
    main = _main(module)
    types += [t for t in (*main.function_type.inputs.data, *main.function_type.outputs.data)]
    return types


def _read_tflite(path: Path) -> Any:
    import tflite

    return tflite.Model.GetRootAsModel(path.read_bytes(), 0)


# ------------------------------------------------------------------------ real models

KWS_CLASSIFIER = {
    "nn.conv2d": 5,
    "nn.depthwise_conv2d": 4,
    "nn.avg_pool2d": 1,
    "nn.reshape": 1,
    "nn.fully_connected": 1,
    "nn.softmax": 1,
    "nn.constant": 20,
}
VWW = {
    "nn.conv2d": 14,
    "nn.depthwise_conv2d": 13,
    "nn.avg_pool2d": 1,
    "nn.reshape": 1,
    "nn.fully_connected": 1,
    "nn.softmax": 1,
    "nn.constant": 56,
}
RESNET = {
    "nn.conv2d": 9,
    "nn.add": 3,
    "nn.avg_pool2d": 1,
    "nn.reshape": 1,
    "nn.fully_connected": 1,
    "nn.softmax": 1,
    "nn.constant": 20,
}

EXPECTED: dict[str, tuple[dict[str, int], str, str]] = {
    "kws_int8": (
        KWS_CLASSIFIER,
        "tensor<1x49x10x1x!nn.q<i8, 0.5847029089927673 : 83>>",
        "tensor<1x12x!nn.q<i8, 0.00390625 : -128>>",
    ),
    "kws_hybrid": (KWS_CLASSIFIER, "tensor<1x49x10x1xf32>", "tensor<1x12xf32>"),
    "vww_int8": (
        VWW,
        "tensor<1x96x96x3x!nn.q<i8, 0.003921568859368563 : -128>>",
        "tensor<1x2x!nn.q<i8, 0.00390625 : -128>>",
    ),
    "vww_float": (VWW, "tensor<1x96x96x3xf32>", "tensor<1x2xf32>"),
    "ic_int8": (
        RESNET,
        "tensor<1x32x32x3x!nn.q<i8, 1.0 : -128>>",
        "tensor<1x10x!nn.q<i8, 0.00390625 : -128>>",
    ),
    "ic_float": (RESNET, "tensor<1x32x32x3xf32>", "tensor<1x10xf32>"),
    "ad_int8": (
        {"nn.fully_connected": 10, "nn.constant": 20},
        "tensor<1x640x!nn.q<i8, 0.3910152316093445 : 89>>",
        "tensor<1x640x!nn.q<i8, 0.36449846625328064 : 96>>",
    ),
    "ad_float": (
        {"nn.fully_connected": 10, "nn.constant": 20},
        "tensor<1x640xf32>",
        "tensor<1x640xf32>",
    ),
    "hello_world_int8": (
        {"nn.fully_connected": 3, "nn.constant": 6},
        "tensor<1x1x!nn.q<i8, 0.024480115622282028 : -128>>",
        "tensor<1x1x!nn.q<i8, 0.008290956728160381 : 5>>",
    ),
    "hello_world_float": (
        {"nn.fully_connected": 3, "nn.constant": 6},
        "tensor<1x1xf32>",
        "tensor<1x1xf32>",
    ),
    "micro_speech_int8": (
        {
            "nn.reshape": 2,
            "nn.depthwise_conv2d": 1,
            "nn.fully_connected": 1,
            "nn.softmax": 1,
            "nn.constant": 4,
        },
        "tensor<1x1960x!nn.q<i8, 0.10171568393707275 : -128>>",
        "tensor<1x4x!nn.q<i8, 0.00390625 : -128>>",
    ),
}


def test_every_shared_tflite_model_is_listed(models_dir: Path) -> None:
    """The table below covers every .tflite file of the models folder."""
    files = {p.relative_to(models_dir).as_posix() for p in models_dir.rglob("*.tflite")}
    listed = {m.relpath for m in SHARED_MODELS if m.key in EXPECTED}
    assert files == listed


@pytest.fixture(scope="module")
def imported(shared_model_path: Callable[[str], Path]) -> Callable[[str], ModuleOp]:
    cache: dict[str, ModuleOp] = {}

    def get(key: str) -> ModuleOp:
        if key not in cache:
            cache[key] = import_tflite(shared_model_path(key))
        return cache[key]

    return get


@pytest.mark.parametrize("key", sorted(EXPECTED))
def test_shared_model_imports(
    key: str, imported: Callable[[str], ModuleOp], shared_model_path: Callable[[str], Path]
) -> None:
    module = imported(key)
    module.verify()
    counts, input_type, output_type = EXPECTED[key]
    assert _op_counts(module) == counts
    assert _io_types(module) == ([input_type], [output_type])
    # Every nn op names the TFLite operator it comes from, and every operator is covered.
    n_ops = _read_tflite(shared_model_path(key)).Subgraphs(0).OperatorsLength()
    m_ids = set()
    for op in _nn_ops(module):
        attr = op.attributes.get("nn.m_id")
        assert attr is not None, op.name
        m_ids.add(attr.value.data)
    assert m_ids == set(range(n_ops))


@pytest.mark.parametrize("key", sorted(EXPECTED))
def test_io_names_and_scales_match_the_file(
    key: str, imported: Callable[[str], ModuleOp], shared_model_path: Callable[[str], Path]
) -> None:
    module = imported(key)
    main = _main(module)
    graph = _read_tflite(shared_model_path(key)).Subgraphs(0)
    for attrs, indices, types in (
        (main.arg_attrs, graph.InputsAsNumpy(), main.function_type.inputs.data),
        (main.res_attrs, graph.OutputsAsNumpy(), main.function_type.outputs.data),
    ):
        assert attrs is not None
        for attr, index, ttype in zip(attrs.data, indices, types, strict=True):
            tensor = graph.Tensors(int(index))
            assert attr.data["nn.name"].data == tensor.Name().decode()
            element = ttype.element_type
            if isinstance(element, nn.QuantType):
                q = tensor.Quantization()
                assert element.scale == float(np.float32(q.Scale(0)))
                assert element.zero_point == int(q.ZeroPoint(0))


def test_kws_int8_weights_are_per_channel(imported: Callable[[str], ModuleOp]) -> None:
    module = imported("kws_int8")
    conv = next(op for op in _nn_ops(module) if isinstance(op, nn.Conv2DOp))
    dw = next(op for op in _nn_ops(module) if isinstance(op, nn.DepthwiseConv2DOp))
    for op, axis, channels in ((conv, 0, 64), (dw, 3, 64)):
        wtype = op.filter.type.element_type
        btype = op.bias.type.element_type
        assert isinstance(wtype, nn.QuantType) and wtype.per_channel
        assert wtype.axis.data == axis and len(wtype.scale_list()) == channels
        assert isinstance(btype, nn.QuantType) and btype.storage.width.data == 32
        assert btype.axis.data == 0
    # First conv: 10x4 kernel, stride 2 on 49x10, SAME -> 25x5, total padding 9 and 2.
    assert tuple(conv.strides.get_values()) == (2, 2)
    assert tuple(conv.pads.get_values()) == (4, 5, 1, 1)
    assert conv.activation.data == "relu"


def test_hybrid_kws_keeps_int8_conv_weights(
    imported: Callable[[str], ModuleOp], shared_model_path: Callable[[str], Path]
) -> None:
    """The 5 hybrid CONV_2Ds keep the file's int8 weights (per-tensor scale, zero point 0);
    every activation, bias and the other operators' weights are f32."""
    assert next(m for m in SHARED_MODELS if m.key == "kws_hybrid").kind == HYBRID
    module = imported("kws_hybrid")
    convs = [op for op in _nn_ops(module) if isinstance(op, nn.Conv2DOp)]
    assert len(convs) == 5
    types = _all_types(module)
    quantized = [t for t in types if isinstance(t.element_type, nn.QuantType)]
    # each filter twice: a constant's result and a conv's operand
    assert len(quantized) == 10 and all(t.element_type.storage == IntegerType(8) for t in quantized)
    assert sum(str(t.element_type) == "f32" for t in types) == len(types) - 10
    model = _read_tflite(shared_model_path("kws_hybrid"))
    graph = model.Subgraphs(0)
    for conv in convs:
        m_id = conv.attributes["nn.m_id"].value.data
        weights = graph.Tensors(int(graph.Operators(m_id).Inputs(1)))
        assert weights.Type() == 9  # INT8 in the file
        q = weights.Quantization()
        raw = model.Buffers(weights.Buffer()).DataAsNumpy().view(np.int8)
        const = conv.filter.owner
        assert isinstance(const, nn.ConstantOp)
        qtype = conv.filter.type.element_type
        assert isinstance(qtype, nn.QuantType) and not qtype.per_channel
        assert qtype.scale == float(np.float32(q.Scale(0))) and qtype.zero_point == 0
        np.testing.assert_array_equal(const.to_numpy().reshape(-1), raw)


@pytest.mark.parametrize("key", ["hello_world_int8", "micro_speech_int8", "kws_hybrid"])
def test_printed_ir_parses_back(key: str, imported: Callable[[str], ModuleOp]) -> None:
    module = imported(key)
    ctx = Context()
    for dialect in (Builtin, Func, nn.NN):
        ctx.load_dialect(dialect)
    text = str(module)
    again = Parser(ctx, text).parse_module()
    again.verify()
    assert str(again) == text


def test_parse_tflite_reads_a_stream(shared_model_path: Callable[[str], Path]) -> None:
    path = shared_model_path("hello_world_int8")
    module = parse_tflite(io.BytesIO(path.read_bytes()))
    assert _op_counts(module)["nn.fully_connected"] == 3


# --------------------------------------------------------- converter-made op models

NN_OF_TFLITE = {
    "CONV_2D": "nn.conv2d",
    "DEPTHWISE_CONV_2D": "nn.depthwise_conv2d",
    "FULLY_CONNECTED": "nn.fully_connected",
    "AVERAGE_POOL_2D": "nn.avg_pool2d",
    "MAX_POOL_2D": "nn.max_pool2d",
    "ADD": "nn.add",
    "SUB": "nn.sub",
    "MUL": "nn.mul",
    "DIV": "nn.div",
    "CONCATENATION": "nn.concat",
    "PAD": "nn.pad",
    "PADV2": "nn.pad",
    "RESHAPE": "nn.reshape",
    "SQUEEZE": "nn.reshape",
    "EXPAND_DIMS": "nn.reshape",
    "SOFTMAX": "nn.softmax",
    "RELU": "nn.relu",
    "RELU6": "nn.relu6",
    "RELU_N1_TO_1": "nn.relu_n1_to_1",
    "LOGISTIC": "nn.logistic",
    "TANH": "nn.tanh",
    "MEAN": "nn.mean",
    "QUANTIZE": "nn.quantize",
    "DEQUANTIZE": "nn.dequantize",
    "LEAKY_RELU": "nn.leaky_relu",
    "HARD_SWISH": "nn.hard_swish",
    "TRANSPOSE": "nn.transpose",
    "MAXIMUM": "nn.maximum",
    "MINIMUM": "nn.minimum",
    "STRIDED_SLICE": "nn.strided_slice",
    "SLICE": "nn.strided_slice",
    "SPLIT": "nn.strided_slice",
    "SPLIT_V": "nn.strided_slice",
    "UNPACK": "nn.strided_slice",
    "PACK": "nn.concat",
    **{op: f"nn.{op.lower()}" for op in ("ABS", "NEG", "EXP", "LOG", "SQRT", "RSQRT")},
    **{op: f"nn.{op.lower()}" for op in ("SQUARE", "FLOOR", "CEIL")},
    "DEPTH_TO_SPACE": "nn.transpose",
    "SPACE_TO_BATCH_ND": "nn.transpose",
    "BATCH_TO_SPACE_ND": "nn.transpose",
    "SPACE_TO_DEPTH": "nn.transpose",
}
RESHAPING = {"FULLY_CONNECTED", "STRIDED_SLICE", "SPLIT", "SPLIT_V", "UNPACK", "PACK"}
RESHAPING |= {"DEPTH_TO_SPACE", "SPACE_TO_DEPTH", "SPACE_TO_BATCH_ND", "BATCH_TO_SPACE_ND"}
"""Operators whose translation may add reshapes (flattening, dropped or added axes)."""
MULTI_OUTPUT = {"SPLIT", "SPLIT_V", "UNPACK"}
"""Operators translated to one nn op per output."""


@pytest.mark.parametrize(
    ("name", "kind"), opmodels.ALL_MODELS, ids=[f"{n}-{k}" for n, k in opmodels.ALL_MODELS]
)
def test_op_model_imports(op_model: Callable[[str, str], Path], name: str, kind: str) -> None:
    """Every single-operator model imports with one nn op per TFLite operator, in order."""
    path = op_model(name, kind)
    module = import_tflite(path)
    module.verify()
    expected = [NN_OF_TFLITE[op] for op in opmodels.model_ops(path)]
    got = [op.name for op in _nn_ops(module) if op.name != "nn.constant"]
    tflite_ops = set(opmodels.model_ops(path))
    if tflite_ops & RESHAPING:
        got = [n for n in got if n != "nn.reshape"]
        expected = [n for n in expected if n != "nn.reshape"]
    if tflite_ops & MULTI_OUTPUT:
        got = sorted(set(got))
    if tflite_ops & {"SPACE_TO_BATCH_ND", "BATCH_TO_SPACE_ND"}:  # pad or crop, 2 transposes
        got = sorted(set(got) - {"nn.pad", "nn.strided_slice"})
    assert got == expected
    element = {opmodels.INT8: "!nn.q<i8", opmodels.INT16: "!nn.q<i16"}.get(kind, "f32")
    element = "f32" if opmodels.OPS_BY_NAME[name].float_io else element
    for t in _main(module).function_type.inputs.data:
        assert element in str(t)


EXTRA_OPS = [
    ("mul", "nn.mul"),
    ("sub", "nn.sub"),
    ("concat_channels", "nn.concat"),
    ("pad", "nn.pad"),
    ("relu", "nn.relu"),
    ("relu6", "nn.relu6"),
    ("logistic", "nn.logistic"),
    ("tanh", "nn.tanh"),
    ("mean_hw", "nn.mean"),
]


@pytest.mark.parametrize("kind", [opmodels.INT8, opmodels.FLOAT])
@pytest.mark.parametrize(("name", "nn_op"), EXTRA_OPS)
def test_extra_operator(
    op_model: Callable[[str, str], Path], name: str, nn_op: str, kind: str
) -> None:
    module = import_tflite(op_model(name, kind))
    ops = [op for op in _nn_ops(module) if op.name != "nn.constant"]
    assert [op.name for op in ops] == [nn_op]
    op = ops[0]
    assert op.attributes["nn.m_id"].value.data == 0
    result = op.results[0].type
    assert isinstance(result, TensorType)
    assert isinstance(result.element_type, nn.QuantType) == (kind == opmodels.INT8)
    if nn_op == "nn.pad":
        assert tuple(op.pads.get_values()) == (0, 0, 1, 2, 2, 1, 0, 0)
    if nn_op == "nn.mean":
        assert tuple(op.axes.get_values()) == (1, 2)
        assert op.keep_dims.value.data == 0
    if nn_op == "nn.concat":
        assert op.axis.value.data == 3


def test_quantize_and_dequantize(op_model: Callable[[str, str], Path]) -> None:
    module = import_tflite(op_model("quantize_dequantize", opmodels.INT8))
    names = [op.name for op in _nn_ops(module) if op.name != "nn.constant"]
    assert names == ["nn.quantize", "nn.conv2d", "nn.dequantize"]
    assert _io_types(module)[0] == ["tensor<1x6x6x4xf32>"]
    assert _io_types(module)[1] == ["tensor<1x6x6x8xf32>"]
    quantize = next(op for op in _nn_ops(module) if isinstance(op, nn.QuantizeOp))
    assert isinstance(quantize.output.type.element_type, nn.QuantType)


def test_same_padding_is_explicit_and_asymmetric(op_model: Callable[[str, str], Path]) -> None:
    """10x10 input, 3x3 kernel, stride 2, SAME: total padding 1 -> top/left 0, bottom/right 1."""
    module = import_tflite(op_model("conv2d_s2_same_relu6", opmodels.INT8))
    conv = next(op for op in _nn_ops(module) if isinstance(op, nn.Conv2DOp))
    assert tuple(conv.pads.get_values()) == (0, 1, 0, 1)
    assert conv.activation.data == "relu6"


def test_depthwise_multiplier(op_model: Callable[[str, str], Path]) -> None:
    module = import_tflite(op_model("dwconv_m2_s1_same_relu6", opmodels.FLOAT))
    dw = next(op for op in _nn_ops(module) if isinstance(op, nn.DepthwiseConv2DOp))
    assert dw.depth_multiplier.value.data == 2
    assert tuple(dw.pads.get_values()) == (1, 1, 1, 1)


def _tf() -> Any:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    try:
        import tensorflow as tf
    except ImportError as exc:  # pragma: no cover - the test environment has it
        pytest.fail(f"tensorflow is required for this test (pip install tensorflow-cpu): {exc}")
    return tf


def _convert(
    fn: Callable[..., Any],
    shapes: list[tuple[int, ...]],
    tmp_path: Path,
    name: str,
    fp16: bool = False,
    dynamic_range: bool = False,
) -> Path:
    """Convert a TF function of float32 inputs to a .tflite file."""
    tf = _tf()
    signature = [tf.TensorSpec(s, tf.float32) for s in shapes]
    function = tf.function(fn, input_signature=signature, autograph=False)
    converter = tf.lite.TFLiteConverter.from_concrete_functions(
        [function.get_concrete_function()], function
    )
    if fp16 or dynamic_range:
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
    if fp16:
        converter.target_spec.supported_types = [tf.float16]
    path = tmp_path / f"{name}.tflite"
    path.write_bytes(converter.convert())
    return path


def test_div_mul_add_float(tmp_path: Path) -> None:
    path = _convert(lambda x, y: x / (y * y + 1.0), [(1, 4, 4, 8), (1, 4, 4, 8)], tmp_path, "div")
    assert opmodels.model_ops(path) == ["MUL", "ADD", "DIV"]
    module = import_tflite(path)
    assert [op.name for op in _nn_ops(module) if op.name != "nn.constant"] == [
        "nn.mul",
        "nn.add",
        "nn.div",
    ]


def test_leaky_relu_and_hard_swish(tmp_path: Path) -> None:
    tf = _tf()
    path = _convert(
        lambda x: tf.nn.leaky_relu(x * tf.nn.relu6(x + 3.0) / 6.0, alpha=0.25),
        [(1, 4, 4, 8)],
        tmp_path,
        "act",
    )
    assert opmodels.model_ops(path) == ["HARD_SWISH", "LEAKY_RELU"]
    ops = _nn_ops(import_tflite(path))
    assert [op.name for op in ops] == ["nn.hard_swish", "nn.leaky_relu"]
    assert ops[1].alpha.value.data == 0.25


def test_float16_weights_are_folded(tmp_path: Path) -> None:
    tf = _tf()
    w = tf.constant(np.random.default_rng(1).normal(size=(3, 3, 8, 16)).astype(np.float32))
    path = _convert(
        lambda x: tf.nn.relu(tf.nn.conv2d(x, w, 1, "SAME")),
        [(1, 6, 6, 8)],
        tmp_path,
        "fp16",
        fp16=True,
    )
    assert "DEQUANTIZE" in opmodels.model_ops(path)
    module = import_tflite(path)
    names = [op.name for op in _nn_ops(module) if op.name != "nn.constant"]
    assert names == ["nn.conv2d"]
    conv = next(op for op in _nn_ops(module) if isinstance(op, nn.Conv2DOp))
    expected = np.transpose(w.numpy(), (3, 0, 1, 2)).astype(np.float16).astype(np.float32)
    np.testing.assert_array_equal(conv.filter.owner.to_numpy(), expected)
    assert conv.attributes["nn.m_id"].value.data == opmodels.model_ops(path).index("CONV_2D")


def test_dynamic_range_fc_keeps_int8_weights(tmp_path: Path) -> None:
    """A dynamic-range FULLY_CONNECTED is hybrid in LiteRT: f32 input and output, the int8
    weights kept (per-output scales), asymmetric input quantization as the converter sets."""
    tf = _tf()
    w = tf.constant(np.random.default_rng(2).normal(size=(64, 40)).astype(np.float32))
    path = _convert(lambda x: tf.matmul(x, w), [(1, 64)], tmp_path, "dynrange", dynamic_range=True)
    module = import_tflite(path)
    fc = next(op for op in _nn_ops(module) if isinstance(op, nn.FullyConnectedOp))
    assert str(fc.input.type.element_type) == str(fc.output.type.element_type) == "f32"
    quant = fc.filter.type.element_type
    assert isinstance(quant, nn.QuantType) and quant.storage == IntegerType(8)
    assert len(quant.scale_list()) == 40 and set(quant.zero_point_list()) == {0}
    assert fc.asymmetric_inputs is not None
    real = fc.filter.owner.to_numpy() * np.asarray(quant.scale_list())[:, None]
    np.testing.assert_allclose(real, w.numpy().T, atol=0.05)
    np.testing.assert_array_equal(fc.bias.owner.to_numpy(), np.zeros(40, np.float32))


# ----------------------------------------------------------------- hand-built models


def _relu_model(**tensor_kwargs: Any) -> Any:
    m = BUILDER.ModelBuilder()
    x = m.tensor("input", (1, 4, 4, 2), **tensor_kwargs)
    y = m.tensor("output", (1, 4, 4, 2), **tensor_kwargs)
    m.op("RELU", [x], [y])
    return m, x, y


def test_fc_without_bias_int8_gets_an_int32_zero_bias() -> None:
    m = BUILDER.ModelBuilder()
    x = m.tensor("x", (1, 2, 3), "INT8", scales=(0.5,), zero_points=(1,))
    w = m.tensor("w", (4, 6), "INT8", data=np.ones((4, 6)), scales=(0.25,))
    y = m.tensor("y", (1, 4), "INT8", scales=(2.0,), zero_points=(0,))
    m.op("FULLY_CONNECTED", [x, w, -1], [y], FusedActivationFunction=1)
    module = import_tflite_bytes(m.build([x], [y]), "fc")
    fc = next(op for op in _nn_ops(module) if isinstance(op, nn.FullyConnectedOp))
    assert str(fc.bias.type) == "tensor<4x!nn.q<i32, 0.125 : 0>>"
    assert str(fc.input.type) == "tensor<1x6x!nn.q<i8, 0.5 : 1>>"
    assert fc.activation.data == "relu"


def test_depthwise_multiplier_zero_is_computed_from_the_filter() -> None:
    m = BUILDER.ModelBuilder()
    x = m.tensor("x", (1, 3, 3, 2))
    w = m.tensor("w", (1, 3, 3, 6), data=np.ones((1, 3, 3, 6)))
    b = m.tensor("b", (6,), data=np.zeros(6))
    y = m.tensor("y", (1, 1, 1, 6))
    m.op("DEPTHWISE_CONV_2D", [x, w, b], [y], Padding=1, StrideW=1, StrideH=1, DepthMultiplier=0)
    module = import_tflite_bytes(m.build([x], [y]), "dw")
    dw = next(op for op in _nn_ops(module) if isinstance(op, nn.DepthwiseConv2DOp))
    assert dw.depth_multiplier.value.data == 3


def test_squeeze_and_expand_dims_become_reshapes() -> None:
    m = BUILDER.ModelBuilder()
    x = m.tensor("x", (1, 1, 4, 8))
    s = m.tensor("squeezed", (1, 4, 8))
    m.op("SQUEEZE", [x], [s])
    r = m.tensor("relu", (1, 4, 8))
    m.op("RELU", [s], [r])
    axis = m.tensor("axis", (), "INT32", data=np.array(2))
    y = m.tensor("y", (1, 4, 1, 8))
    m.op("EXPAND_DIMS", [r, axis], [y])
    ops = _nn_ops(import_tflite_bytes(m.build([x], [y]), "squeeze"))
    assert [op.name for op in ops] == ["nn.reshape", "nn.relu", "nn.reshape"]
    assert [str(op.results[0].type) for op in ops] == [
        "tensor<1x4x8xf32>",
        "tensor<1x4x8xf32>",
        "tensor<1x4x1x8xf32>",
    ]
    assert [op.attributes["nn.m_id"].value.data for op in ops] == [0, 1, 2]


def test_reshape_shape_constant_is_not_emitted() -> None:
    m = BUILDER.ModelBuilder()
    x = m.tensor("x", (1, 2, 2, 3))
    shape = m.tensor("shape", (2,), "INT32", data=np.array([1, 12]))
    y = m.tensor("y", (1, 12))
    m.op("RESHAPE", [x, shape], [y])
    module = import_tflite_bytes(m.build([x], [y]), "reshape")
    assert _op_counts(module) == {"nn.reshape": 1}


def test_padv2_with_a_zero_value_and_relu_n1_to_1() -> None:
    m = BUILDER.ModelBuilder()
    q = {"type_name": "INT8", "scales": (0.5,), "zero_points": (-4,)}
    x = m.tensor("x", (1, 2, 2, 1), **q)
    pads = m.tensor("pads", (4, 2), "INT64", data=np.array([[0, 0], [1, 1], [0, 1], [0, 0]]))
    value = m.tensor("value", (), "INT8", data=np.array(-4), scales=(0.5,), zero_points=(-4,))
    p = m.tensor("padded", (1, 4, 3, 1), **q)
    m.op("PADV2", [x, pads, value], [p])
    y = m.tensor("y", (1, 4, 3, 1), **q)
    m.op("RELU_N1_TO_1", [p], [y])
    ops = _nn_ops(import_tflite_bytes(m.build([x], [y]), "padv2"))
    assert [op.name for op in ops] == ["nn.pad", "nn.relu_n1_to_1"]
    assert tuple(ops[0].pads.get_values()) == (0, 0, 1, 1, 0, 1, 0, 0)


def test_padv2_with_another_value_is_refused() -> None:
    m = BUILDER.ModelBuilder()
    x = m.tensor("x", (1, 2))
    pads = m.tensor("pads", (2, 2), "INT32", data=np.array([[0, 0], [1, 1]]))
    value = m.tensor("value", (1,), data=np.array([-1.0]))
    y = m.tensor("y", (1, 4))
    m.op("PADV2", [x, pads, value], [y])
    assert "PADV2 (operator 0): pad value -1.0 is not supported" in _error(m.build([x], [y]))


def test_reshape_with_other_quantization_requantizes() -> None:
    m = BUILDER.ModelBuilder()
    x = m.tensor("x", (1, 2, 3), "INT8", scales=(0.5,), zero_points=(0,))
    y = m.tensor("y", (1, 6), "INT8", scales=(0.25,), zero_points=(1,))
    m.op("RESHAPE", [x], [y])
    ops = _nn_ops(import_tflite_bytes(m.build([x], [y]), "requant"))
    assert [op.name for op in ops] == ["nn.reshape", "nn.quantize"]
    assert str(ops[0].results[0].type) == "tensor<1x6x!nn.q<i8, 0.5 : 0>>"
    assert str(ops[1].results[0].type) == "tensor<1x6x!nn.q<i8, 0.25 : 1>>"


def test_dequantize_of_an_activation_stays_an_op() -> None:
    m = BUILDER.ModelBuilder()
    x = m.tensor("x", (1, 4), "INT8", scales=(0.5,), zero_points=(3,))
    y = m.tensor("y", (1, 4))
    m.op("DEQUANTIZE", [x], [y])
    ops = _nn_ops(import_tflite_bytes(m.build([x], [y]), "dq"))
    assert [op.name for op in ops] == ["nn.dequantize"]


# ------------------------------------------------------------------------ bad input


def _error(data: bytes) -> str:
    with pytest.raises(StaiError) as info:
        import_tflite_bytes(data, "model.tflite")
    message = str(info.value)
    assert "\n" not in message
    return message


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(StaiError, match="no such file"):
        import_tflite(tmp_path / "absent.tflite")


def test_not_a_flatbuffer(tmp_path: Path) -> None:
    path = tmp_path / "text.tflite"
    path.write_bytes(b"this is not a model at all")
    with pytest.raises(StaiError, match="not a TFLite flatbuffer"):
        import_tflite(path)
    assert "not a TFLite flatbuffer" in _error(b"")


@pytest.mark.parametrize("fraction", [0.1, 0.5, 0.9])
def test_truncated_file(tmp_path: Path, fraction: float) -> None:
    data = _relu_model()[0].build([0], [1])
    m = BUILDER.ModelBuilder()
    x = m.tensor("x", (1, 8))
    w = m.tensor("w", (16, 8), data=np.ones((16, 8)))
    y = m.tensor("y", (1, 16))
    m.op("FULLY_CONNECTED", [x, w, -1], [y])
    for model in (data, m.build([x], [y])):
        path = tmp_path / "truncated.tflite"
        path.write_bytes(model[: int(len(model) * fraction)])
        with pytest.raises(StaiError, match="corrupt or truncated"):
            import_tflite(path)


def test_corrupt_file(tmp_path: Path, shared_model_path: Callable[[str], Path]) -> None:
    data = bytearray(shared_model_path("hello_world_int8").read_bytes())
    data[8:200] = bytes((i * 37 + 11) % 256 for i in range(192))
    path = tmp_path / "corrupt.tflite"
    path.write_bytes(bytes(data))
    with pytest.raises(StaiError, match="corrupt or truncated"):
        import_tflite(path)


def test_several_subgraphs() -> None:
    m, x, y = _relu_model()
    assert "2 subgraphs (control flow)" in _error(m.build([x], [y], subgraphs=2))


def test_unsupported_operator_is_named_with_its_index() -> None:
    m, x, y = _relu_model()
    axis = m.tensor("axis", (1,), "INT32", data=np.array([1]))
    z = m.tensor("summed", (1, 4, 4, 2))
    m.op("HASHTABLE_LOOKUP", [y, axis], [z])
    message = _error(m.build([x], [z]))
    assert message.endswith(
        "unsupported TFLite operator 'HASHTABLE_LOOKUP' (operator 1); "
        "`stai supported-ops` lists what stai compiles"
    )


def test_dynamic_shape() -> None:
    m = BUILDER.ModelBuilder()
    x = m.tensor("input", (1, 4, 4, 2), signature=(1, -1, 4, 2))
    y = m.tensor("output", (1, 4, 4, 2), signature=(1, -1, 4, 2))
    m.op("RELU", [x], [y])
    assert "'input' (tensor 0) has a dynamic shape" in _error(m.build([x], [y]))
    m = BUILDER.ModelBuilder()
    x = m.tensor("input", (1, -1, 2))
    y = m.tensor("output", (1, -1, 2))
    m.op("RELU", [x], [y])
    assert "dynamic shape [1, -1, 2]" in _error(m.build([x], [y]))


def test_unknown_shape() -> None:
    m = BUILDER.ModelBuilder()
    x = m.tensor("input", ())
    y = m.tensor("output", ())
    m.op("RELU", [x], [y])
    assert "'input' (tensor 0) has an unknown shape" in _error(m.build([x], [y]))


def test_int16_activations_are_symmetric_nn_q_i16() -> None:
    """16x8 activations import as !nn.q<i16, ...>; an int16 zero point other than 0 is
    named in one line."""
    m, x, y = _relu_model(type_name="INT16", scales=(0.5,), zero_points=(0,))
    module = import_tflite_bytes(m.build([x], [y]), "relu16")
    assert "tensor<1x4x4x2x!nn.q<i16, 0.5 : 0>>" in str(_main(module).function_type)
    m, x, y = _relu_model(type_name="INT16", scales=(0.01,), zero_points=(3,))
    message = _error(m.build([x], [y]))
    assert "tensor 'input' (tensor 0): int16 tensors must be symmetric (zero point 0)" in message


def test_int16_operator_without_a_16x8_kernel_is_one_line() -> None:
    """An int16 operator stai has no 16x8 kernel for (HARD_SWISH: TFLite Micro has no
    int16 version either) is refused by name, in one line."""
    from stai.lowering.convert_nn_to_qnn import ConvertNNToQNNPass

    m = BUILDER.ModelBuilder()
    x = m.tensor("input", (1, 4, 4, 2), type_name="INT16", scales=(0.01,), zero_points=(0,))
    y = m.tensor("output", (1, 4, 4, 2), type_name="INT16", scales=(0.01,), zero_points=(0,))
    m.op("HARD_SWISH", [x], [y])
    module = import_tflite_bytes(m.build([x], [y]), "hard_swish16")
    with pytest.raises(
        StaiError, match=r"nn.hard_swish \(operator 0\): int16 activations \(16x8\)"
    ):
        ConvertNNToQNNPass().apply(Context(), module)


def test_fc_without_bias_int16_gets_an_int64_zero_bias() -> None:
    m = BUILDER.ModelBuilder()
    x = m.tensor("x", (1, 6), "INT16", scales=(0.5,), zero_points=(0,))
    w = m.tensor("w", (4, 6), "INT8", data=np.ones((4, 6)), scales=(0.25,))
    y = m.tensor("y", (1, 4), "INT16", scales=(2.0,), zero_points=(0,))
    m.op("FULLY_CONNECTED", [x, w, -1], [y])
    module = import_tflite_bytes(m.build([x], [y]), "fc")
    fc = next(op for op in _nn_ops(module) if isinstance(op, nn.FullyConnectedOp))
    assert str(fc.bias.type) == "tensor<4x!nn.q<i64, 0.125 : 0>>"


def test_uint8_activations_are_named() -> None:
    m, x, y = _relu_model(type_name="UINT8", scales=(0.01,), zero_points=(128,))
    assert "RELU (operator 0) does not take UINT8 tensors (tensor " in _error(m.build([x], [y]))


def test_fused_tanh_is_refused() -> None:
    m = BUILDER.ModelBuilder()
    a = m.tensor("a", (1, 4))
    b = m.tensor("b", (1, 4))
    y = m.tensor("y", (1, 4))
    m.op("ADD", [a, b], [y], FusedActivationFunction=4)
    assert "ADD (operator 0) has an unsupported fused activation TANH" in _error(
        m.build([a, b], [y])
    )


def test_int8_without_quantization_is_refused() -> None:
    m, x, y = _relu_model(type_name="INT8")
    assert "INT8 tensors without quantization parameters" in _error(m.build([x], [y]))


# ------------------------------------------------------------ operator table, tolerance


def test_supported_operators_is_the_dispatch_table() -> None:
    """``SUPPORTED_OPERATORS`` lists exactly the builtins the importer dispatches, with
    int8 where the nn op's QuantRule has an int8 kernel."""
    from stai.dialects.nn_traits import quant_rule
    from stai.frontends.tflite import SUPPORTED_OPERATORS
    from stai.frontends.tflite.importer import OPERATORS, _Importer
    from stai.frontends.tflite.reader import TflModel

    importer = _Importer(TflModel("empty", [], [], (), ()))
    assert set(SUPPORTED_OPERATORS) == set(importer.handlers) == set(OPERATORS)
    for name, types in SUPPORTED_OPERATORS.items():
        assert "float32" in types or types == ("bool",), name  # LOGICAL_*: booleans only
        assert callable(importer.handlers[name]), name
        if OPERATORS[name].types is None:  # else stated by the row (conversions, ARG_MAX...)
            assert ("int8" in types) == quant_rule(OPERATORS[name].op).int8, name
    # float-only translations built of int8-capable ops, int8 ones of a float-rule op
    assert SUPPORTED_OPERATORS["ADD_N"] == ("float32",)
    assert SUPPORTED_OPERATORS["SQUARED_DIFFERENCE"] == ("float32", "int8", "int16", "int32")
    assert SUPPORTED_OPERATORS["ARG_MAX"] == ("float32", "int8")
    assert SUPPORTED_OPERATORS["DIV"] == ("float32",)
    assert SUPPORTED_OPERATORS["TRANSPOSE"] == ("float32", "int8", "int16")


def test_supported_operators_match_the_docs() -> None:
    """docs/frontends.md's TFLite operator table lists the same builtins and types."""
    from stai.frontends.tflite import SUPPORTED_OPERATORS

    doc = (Path(__file__).resolve().parents[2] / "docs" / "frontends.md").read_text()
    section = doc[doc.index("### Operators (TFLite)") :]
    section = section[: section.index("\n### ", 1)]
    rows = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 2 and cells[0].startswith("`") and cells[0].endswith("`"):
            rows[cells[0].strip("`")] = tuple(t.strip() for t in cells[1].split(","))
    assert rows == SUPPORTED_OPERATORS


def test_stray_quantized_dimension_of_a_1d_tensor_is_its_only_axis() -> None:
    m = BUILDER.ModelBuilder()
    x = m.tensor("x", (1, 3, 3, 2), "INT8", scales=(0.5,), zero_points=(1,))
    w = m.tensor(
        "w",
        (1, 1, 1, 2),
        "INT8",
        data=np.array([3, -5]).reshape(1, 1, 1, 2),
        scales=(0.5, 0.25),
        axis=3,
    )
    b = m.tensor("b", (2,), "INT32", data=np.array([4, -4]), scales=(0.25, 0.125), axis=3)
    y = m.tensor("y", (1, 3, 3, 2), "INT8", scales=(1.0,), zero_points=(0,))
    m.op("DEPTHWISE_CONV_2D", [x, w, b], [y], Padding=1, StrideW=1, StrideH=1, DepthMultiplier=1)
    dw = next(
        op
        for op in _nn_ops(import_tflite_bytes(m.build([x], [y]), "stray"))
        if isinstance(op, nn.DepthwiseConv2DOp)
    )
    assert str(dw.bias.type) == "tensor<2x!nn.q<i32, axis 0, [0.25, 0.125] : [0, 0]>>"
    assert "axis 3" in str(dw.filter.type)


def test_a_stray_quantized_dimension_of_a_4d_tensor_is_refused() -> None:
    m = BUILDER.ModelBuilder()
    x = m.tensor("x", (1, 4, 4, 1), "INT8", scales=(0.5,), zero_points=(0,))
    w = m.tensor("w", (2, 1, 1, 1), "INT8", data=np.ones((2, 1, 1, 1)), scales=(0.5, 0.25), axis=5)
    b = m.tensor("b", (2,), "INT32", data=np.zeros(2), scales=(0.25, 0.125))
    y = m.tensor("y", (1, 4, 4, 2), "INT8", scales=(1.0,), zero_points=(0,))
    m.op("CONV_2D", [x, w, b], [y], Padding=1, StrideW=1, StrideH=1)
    assert "'w' (tensor 1): quantized dimension out of range" in _error(m.build([x], [y]))


def test_transpose_needs_a_permutation() -> None:
    m, x, y = _relu_model()
    perm = m.tensor("perm", (4,), "INT32", data=np.array([0, 1, 1, 2]))
    z = m.tensor("z", (1, 4, 2, 4))
    m.op("TRANSPOSE", [y, perm], [z])
    assert "TRANSPOSE (operator 1): [0, 1, 1, 2] is not a permutation of 4 axes" in _error(
        m.build([x], [z])
    )


# ------------------------------------------------------------------------- slices

STRIDED_CASES = [
    # (begin, end, strides, masks, the numpy index it means)
    ((1, 0), (4, 6), (2, 1), {}, (slice(1, 4, 2), slice(0, 6))),
    ((-1, 5), (0, 0), (-1, -2), {"End": 1}, (slice(-1, None, -1), slice(5, 0, -2))),
    ((0, 2), (0, 3), (1, 1), {"ShrinkAxis": 2, "Begin": 1, "End": 1}, (slice(None), 2)),
    ((0, 1), (0, 3), (1, 1), {"Ellipsis": 1}, (Ellipsis, slice(1, 3))),
    (
        (0, 0, 1),
        (0, 0, 3),
        (1, 1, 1),
        {"NewAxis": 2, "Begin": 1, "End": 1},
        (slice(None), None, slice(1, 3)),
    ),
    ((9, -9), (-9, 9), (1, 1), {}, (slice(9, -9), slice(-9, 9))),
    ((2,), (-1,), (1,), {"ShrinkAxis": 1}, (2,)),
]


@pytest.mark.parametrize(("begin", "end", "strides", "masks", "index"), STRIDED_CASES)
def test_strided_slice_spec_is_numpy_slicing(begin, end, strides, masks, index) -> None:
    """The resolved begin/stride/count per input dimension select what numpy's basic
    indexing (TensorFlow's strided-slice semantics) selects."""
    from stai.frontends.tflite.shapes import strided_slice_spec

    x = np.arange(5 * 6 * 4).reshape(5, 6, 4)
    full = {m: masks.get(m, 0) for m in ("Begin", "End", "Ellipsis", "NewAxis", "ShrinkAxis")}
    spec = strided_slice_spec(x.shape, begin, end, strides, full)
    assert spec is not None
    starts, steps, counts = spec
    expected = x[index]
    if expected.size == 0:
        assert 0 in counts
        return
    got = x
    for axis, (b, s, n) in enumerate(zip(starts, steps, counts)):
        got = np.take(got, [b + i * s for i in range(n)], axis=axis)
    np.testing.assert_array_equal(got.reshape(expected.shape), expected)


def test_a_split_that_is_not_even_is_refused() -> None:
    m = BUILDER.ModelBuilder()
    x = m.tensor("x", (1, 5))
    axis = m.tensor("axis", (), "INT32", data=np.array(1))
    a, b = m.tensor("a", (1, 2)), m.tensor("b", (1, 3))
    m.op("SPLIT", [axis, x], [a, b], NumSplits=2)
    assert "SPLIT (operator 0): 5 elements do not split into 2 equal parts" in _error(
        m.build([x], [a, b])
    )


def test_an_empty_slice_is_refused() -> None:
    m = BUILDER.ModelBuilder()
    x = m.tensor("x", (1, 5))
    begin = m.tensor("begin", (2,), "INT32", data=np.array([0, 3]))
    end = m.tensor("end", (2,), "INT32", data=np.array([1, 3]))
    strides = m.tensor("strides", (2,), "INT32", data=np.array([1, 1]))
    y = m.tensor("y", (1, 1))
    m.op("STRIDED_SLICE", [x, begin, end, strides], [y])
    assert "STRIDED_SLICE (operator 0): output 0 would be empty" in _error(m.build([x], [y]))


def test_depth_to_space_of_a_batch_is_refused() -> None:
    m = BUILDER.ModelBuilder()
    x = m.tensor("x", (2, 2, 2, 4))
    y = m.tensor("y", (2, 4, 4, 1))
    m.op("DEPTH_TO_SPACE", [x], [y], BlockSize=2)
    assert "only a rank-4 input of batch 1 is supported, got [2, 2, 2, 4]" in _error(
        m.build([x], [y])
    )
