"""``convert-nn-to-qnn`` (after ``canonicalize-nn`` and ``fuse-activations``) on real models.

* every int8 shared model lowers to verified ``qnn`` IR with machine types only;
* the first convolution of KWS int8 gets the per-channel multipliers and shifts that the
  TFLite formula gives for the scales read from the .tflite file (computed here, apart
  from stai's own quantization arithmetic);
* the per-tensor fully-connected parameters of the AD autoencoder, run through the
  reference integer arithmetic, give TFLite Micro's outputs bit for bit on inputs chosen
  so that the alternative (float32 scale product) multipliers would not;
* unsupported combinations raise ``StaiError`` naming the op and its model operator.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from shared_models import INT8, SHARED_MODELS
from xdsl.context import Context
from xdsl.dialects import arith, func
from xdsl.dialects.builtin import Builtin, ModuleOp, TensorType, UnrealizedConversionCastOp
from xdsl.parser import Parser

from stai.dialects import nn, qnn
from stai.dialects import qnn_params as qp
from stai.errors import StaiError
from stai.lowering.convert_nn_to_qnn import ConvertNNToQNNPass
from stai.transforms.canonicalize_nn import CanonicalizeNNPass
from stai.transforms.fuse_activations import FuseActivationsPass

INT8_MODELS = [m for m in SHARED_MODELS if m.kind == INT8]


def _ctx() -> Context:
    ctx = Context()
    for dialect in (Builtin, func.Func, arith.Arith, nn.NN, qnn.QNN):
        ctx.load_dialect(dialect)
    return ctx


def _lower(module: ModuleOp) -> ModuleOp:
    ctx = _ctx()
    for p in (CanonicalizeNNPass(), FuseActivationsPass(), ConvertNNToQNNPass()):
        p.apply(ctx, module)
    module.verify()
    return module


def _import(path: Path) -> ModuleOp:
    from stai.frontends.tflite import import_tflite

    return import_tflite(path)


def _ints(attr: Any) -> list[int]:
    return [int(v) for v in attr.get_values()]


# ------------------------------------------------------------------- whole models


@pytest.mark.parametrize("model", INT8_MODELS, ids=lambda m: m.key)
def test_int8_model_lowers_to_machine_types(model, models_dir: Path) -> None:
    module = _lower(_import(model.path(models_dir)))
    kernels = [op for op in module.walk() if isinstance(op, qnn.KernelOp)]
    assert kernels, "no qnn op produced"
    for op in module.walk():
        assert op.dialect_name() != "nn", f"{op.name} left unconverted"
        assert not isinstance(op, UnrealizedConversionCastOp), "a conversion cast is left"
        for value in (*op.operands, *op.results):
            if isinstance(value.type, TensorType):
                assert not isinstance(value.type.element_type, nn.QuantType), op.name
    for op in kernels:
        assert "nn.m_id" in op.attributes, f"{op.name} lost its nn.m_id"
        if op.kind == "s8" and op.HAS_ACT:
            lo, hi = _ints(op.act)
            assert -128 <= lo <= hi <= 127, f"{op.name}: clamp range [{lo}, {hi}]"
    main = next(op for op in module.walk() if isinstance(op, func.FuncOp))
    for t in (*main.function_type.inputs.data, *main.function_type.outputs.data):
        assert isinstance(t, TensorType) and str(t.element_type) == "i8", str(t)
    assert main.arg_attrs is not None and all("nn.name" in a.data for a in main.arg_attrs)


# ------------------------------------------------------------- KWS first conv


def _tflite_first_conv(path: Path) -> dict[str, Any]:
    """Scales, zero points and fused activation of the first CONV_2D, read from the file."""
    import tflite
    from tflite.utils import opcode2name

    model = tflite.Model.GetRootAsModel(path.read_bytes(), 0)
    graph = model.Subgraphs(0)
    for i in range(graph.OperatorsLength()):
        op = graph.Operators(i)
        code = model.OperatorCodes(op.OpcodeIndex())
        if opcode2name(max(code.BuiltinCode(), code.DeprecatedBuiltinCode())) != "CONV_2D":
            continue
        x, w = (graph.Tensors(int(t)) for t in op.InputsAsNumpy()[:2])
        y = graph.Tensors(int(op.OutputsAsNumpy()[0]))
        options = tflite.Conv2DOptions()
        table = op.BuiltinOptions()
        options.Init(table.Bytes, table.Pos)
        return {
            "in_scale": np.float32(x.Quantization().ScaleAsNumpy()[0]),
            "in_zp": int(x.Quantization().ZeroPointAsNumpy()[0]),
            "w_scales": np.asarray(w.Quantization().ScaleAsNumpy(), dtype=np.float32),
            "out_scale": np.float32(y.Quantization().ScaleAsNumpy()[0]),
            "out_zp": int(y.Quantization().ZeroPointAsNumpy()[0]),
            "activation": options.FusedActivationFunction(),
        }
    raise AssertionError(f"{path}: no CONV_2D")


def _tflite_multiplier(real: float) -> tuple[int, int]:
    """The TFLite spec's QuantizeMultiplier: frexp, the mantissa times 2^31 rounded half
    away from zero, renormalized if it rounds up to 2^31."""
    mantissa, exponent = math.frexp(real)
    q = math.floor(mantissa * 2.0**31 + 0.5)
    if q == 2**31:
        q //= 2
        exponent += 1
    return q, exponent


def test_kws_first_conv_per_channel_parameters(shared_model_path) -> None:
    path = shared_model_path("kws_int8")
    ref = _tflite_first_conv(path)
    assert len(ref["w_scales"]) == 64, "expected per-channel filter scales"
    expected = [
        _tflite_multiplier(float(ref["in_scale"]) * float(s) / float(ref["out_scale"]))
        for s in ref["w_scales"]
    ]
    module = _lower(_import(path))
    conv = next(op for op in module.walk() if isinstance(op, qnn.Conv2DOp))
    params = conv.params_as(qp.ConvS8Params)
    got = list(zip(params.ints("multipliers"), params.ints("shifts")))
    assert got == expected
    assert all(2**30 <= m < 2**31 for m, _ in got)
    assert params.input_offset.value.data == -ref["in_zp"]
    assert params.output_offset.value.data == ref["out_zp"]
    assert ref["activation"] == 1  # RELU: [max(-128, zp + round(0 / scale)), 127]
    assert _ints(conv.act) == [max(-128, ref["out_zp"]), 127]


# ------------------------------------------- AD: per-tensor FC against TFLite Micro


def _rounding_doubling_high_mul(a: np.ndarray, b: int) -> np.ndarray:
    product = a * np.int64(b)
    nudge = np.where(product >= 0, np.int64(1 << 30), np.int64(1 - (1 << 30)))
    total = product + nudge
    return np.sign(total) * (np.abs(total) >> 31)


def _rounding_divide_by_pot(x: np.ndarray, exponent: int) -> np.ndarray:
    mask = np.int64((1 << exponent) - 1)
    remainder = x & mask
    threshold = (mask >> 1) + (x < 0).astype(np.int64)
    return (x >> exponent) + (remainder > threshold).astype(np.int64)


def _requantize(acc: np.ndarray, multiplier: int, shift: int) -> np.ndarray:
    """The reference MultiplyByQuantizedMultiplier (doubling high multiply, then a
    rounding right shift)."""
    left, right = max(shift, 0), max(-shift, 0)
    return _rounding_divide_by_pot(_rounding_doubling_high_mul(acc << left, multiplier), right)


def _run_fc_chain(layers: list[dict[str, Any]], x: np.ndarray) -> np.ndarray:
    """An int8 chain of fully-connected layers with the reference integer arithmetic."""
    cur = x.astype(np.int64)
    for layer in layers:
        acc = (cur + layer["input_offset"]) @ (layer["w"] + layer["filter_offset"]).T + layer["b"]
        out = _requantize(acc, layer["multiplier"], layer["shift"]) + layer["output_offset"]
        cur = np.clip(out, layer["lo"], layer["hi"])
    return cur.astype(np.int8)


def _fc_layers(module: ModuleOp) -> list[dict[str, Any]]:
    layers = []
    for op in module.walk():
        if not isinstance(op, qnn.FullyConnectedOp):
            continue
        w_op, b_op = op.ins[1].owner, op.ins[2].owner
        assert isinstance(w_op, arith.ConstantOp) and isinstance(b_op, arith.ConstantOp)
        p = op.params_as(qp.FullyConnectedS8Params)
        (multiplier,), (shift,) = p.ints("multipliers"), p.ints("shifts")
        lo, hi = _ints(op.act)
        layers.append(
            {
                "w": nn.dense_to_numpy(w_op.value).astype(np.int64),  # type: ignore[arg-type]
                "b": nn.dense_to_numpy(b_op.value).astype(np.int64),  # type: ignore[arg-type]
                "input_offset": p.input_offset.value.data,
                "filter_offset": p.filter_offset.value.data,
                "output_offset": p.output_offset.value.data,
                "multiplier": multiplier,
                "shift": shift,
                "lo": lo,
                "hi": hi,
            }
        )
    return layers


def _float32_product_multipliers(nn_module: ModuleOp) -> list[tuple[int, int]]:
    """The alternative per-tensor multipliers: s_in * s_w rounded to float32 first."""
    result = []
    for op in nn_module.walk():
        if isinstance(op, nn.FullyConnectedOp):
            x, w, y = (v.type.element_type for v in (op.input, op.filter, op.output))  # type: ignore[union-attr]
            product = float(np.float32(np.float32(x.scale) * np.float32(w.scale)))
            result.append(_tflite_multiplier(product / float(np.float32(y.scale))))
    return result


def test_ad_fully_connected_parameters_bit_exact_with_tflm(shared_model_path) -> None:
    from stai.tools.reference import run_tflm

    path = shared_model_path("ad_int8")
    nn_module = _import(path)
    alternative = _float32_product_multipliers(nn_module)
    layers = _fc_layers(_lower(nn_module.clone()))
    assert len(layers) == 10
    other = [dict(layer, multiplier=m, shift=s) for layer, (m, s) in zip(layers, alternative)]
    # Inputs that drive one first-layer unit hard (large accumulators reach rounding ties).
    w1 = layers[0]["w"]
    rng = np.random.default_rng(3)
    discriminating = 0
    for _ in range(40):
        unit = rng.integers(0, w1.shape[0])
        x = np.where(w1[unit] > 0, 127, -128) * (rng.random(w1.shape[1]) < 0.9)
        x = np.clip(x + rng.integers(-30, 30, w1.shape[1]), -128, 127).astype(np.int8)[None, :]
        expected = run_tflm(path, [x])[0].reshape(1, -1)
        np.testing.assert_array_equal(_run_fc_chain(layers, x), expected)
        discriminating += int(not np.array_equal(_run_fc_chain(other, x), expected))
    assert discriminating > 0, "no input told the two multiplier formulas apart"


# ------------------------------------------------------------------------- errors


_DIV = """
func.func @f(%a: tensor<4x!nn.q<i8, 0.5 : 0>>) -> tensor<4x!nn.q<i8, 0.5 : 0>> {
  %d = nn.div %a, %a {nn.m_id = 7 : i64, activation = "none"} : (tensor<4x!nn.q<i8, 0.5 : 0>>, tensor<4x!nn.q<i8, 0.5 : 0>>) -> tensor<4x!nn.q<i8, 0.5 : 0>>
  func.return %d : tensor<4x!nn.q<i8, 0.5 : 0>>
}
"""

_MEAN_C = """
func.func @f(%a: tensor<1x2x2x4x!nn.q<i8, 0.5 : 0>>) -> tensor<1x2x2x1x!nn.q<i8, 0.5 : 0>> {
  %m = nn.mean %a {nn.m_id = 3 : i64, axes = array<i64: 3>, keep_dims = 1 : i64} : (tensor<1x2x2x4x!nn.q<i8, 0.5 : 0>>) -> tensor<1x2x2x1x!nn.q<i8, 0.5 : 0>>
  func.return %m : tensor<1x2x2x1x!nn.q<i8, 0.5 : 0>>
}
"""

_PER_CHANNEL_ACTIVATION = """
func.func @f(%a: tensor<1x2x!nn.q<i8, axis 1, [0.5, 0.25] : [0, 0]>>) -> tensor<1x2x!nn.q<i8, axis 1, [0.5, 0.25] : [0, 0]>> {
  %r = nn.relu %a {nn.m_id = 0 : i64} : (tensor<1x2x!nn.q<i8, axis 1, [0.5, 0.25] : [0, 0]>>) -> tensor<1x2x!nn.q<i8, axis 1, [0.5, 0.25] : [0, 0]>>
  func.return %r : tensor<1x2x!nn.q<i8, axis 1, [0.5, 0.25] : [0, 0]>>
}
"""

_SOFTMAX_BAD_OUTPUT = """
func.func @f(%a: tensor<1x4x!nn.q<i8, 0.5 : 0>>) -> tensor<1x4x!nn.q<i8, 0.5 : 0>> {
  %s = nn.softmax %a {nn.m_id = 2 : i64, beta = 1.0 : f32} : (tensor<1x4x!nn.q<i8, 0.5 : 0>>) -> tensor<1x4x!nn.q<i8, 0.5 : 0>>
  func.return %s : tensor<1x4x!nn.q<i8, 0.5 : 0>>
}
"""


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (_DIV, "nn.div (operator 7): int8 division is not supported"),
        (_MEAN_C, "nn.mean (operator 3): mean is supported over axes [1, 2]"),
        (_PER_CHANNEL_ACTIVATION, "nn.relu (operator 0): tensor 0 has per-channel quantization"),
        (_SOFTMAX_BAD_OUTPUT, "nn.softmax (operator 2): the int8 output must be quantized"),
    ],
    ids=["int8_div", "mean_over_channels", "per_channel_activation", "softmax_output"],
)
def test_unsupported_combinations_raise_stai_error(text: str, message: str) -> None:
    module = Parser(_ctx(), text).parse_module()
    module.verify()
    with pytest.raises(StaiError) as info:
        ConvertNNToQNNPass().apply(_ctx(), module)
    assert str(info.value).startswith(message), str(info.value)
    assert "\n" not in str(info.value)
