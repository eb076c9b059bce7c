"""Hybrid fully connected and depthwise convolution (float activations, int8 weights)
against LiteRT's reference kernels.

TensorFlow's converter with dynamic-range quantization (`Optimize.DEFAULT`, no
representative dataset) quantizes the weights of a FULLY_CONNECTED or DEPTHWISE_CONV_2D with
at least 1024 of them to int8 (per output channel by default, per tensor with per-channel
quantization disabled) and sets `asymmetric_quantize_inputs` on the fully connected. LiteRT
runs both with hybrid kernels that quantize the input at run time. stai compiles each model
to C (`qnn.hybrid_fully_connected` / `qnn.hybrid_depthwise_conv2d`, calling
`stai_fully_connected_hybrid_f32` / `stai_depthwise_conv2d_hybrid_f32`) and the outputs must
agree within 1e-5 x max(1, max|ref|) on seeded inputs (normal, shifted, non-negative, all
zero). The weights stay one byte each: the model's constant data is exactly the int8
weights, the f32 bias and the f32 scales. Fully connected models with symmetric input
quantization (which the converter does not write) are made with the test flatbuffer
builder; so is a depthwise conv with one scale, which stays a float kernel (LiteRT's
reference reads one scale per channel). A hybrid model must also still quantize to int8
(`stai.tools.quantize`), and the kernels run clean under AddressSanitizer and UBSan.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

REPO = Path(__file__).resolve().parents[2]
BUILDER = REPO / "tests" / "filecheck" / "frontends" / "tflite" / "Inputs" / "tflite_builder.py"
RUNTIME = REPO / "runtime"
RTOL = 1e-5
QUANTIZED_TOLERANCE = 0.1
"""The int8-quantized model's largest error, as a share of the reference output's range."""


def _import(name: str) -> Any:
    """Import a test dependency, failing with a clear message when it is missing."""
    try:
        return importlib.import_module(name)
    except ImportError as exc:
        pytest.fail(
            f"the hybrid fc tests need '{name}': pip install -e '.[all]' ({exc})", pytrace=False
        )


# --------------------------------------------------------------------------- models


def _converted(fn: Callable[[Any], Any], shape: tuple[int, ...], per_channel: bool) -> bytes:
    """A dynamic-range quantized model of ``fn`` with one float input named in0."""
    tf = _import("tensorflow")
    spec = tf.TensorSpec(shape, tf.float32, name="in0")
    concrete = tf.function(fn, input_signature=[spec]).get_concrete_function()
    converter = tf.lite.TFLiteConverter.from_concrete_functions([concrete])
    converter.optimizations = [tf.lite.Optimize.DEFAULT]
    if not per_channel:
        converter._experimental_disable_per_channel = True
    return converter.convert()


def _fc(
    shape: tuple[int, ...], units: int, relu: bool, bias: bool, per_channel: bool, seed: int
) -> bytes:
    """``x @ w (+ b) (relu)`` for an input of ``shape`` (depth = its last axis)."""
    tf = _import("tensorflow")
    rng = np.random.default_rng(seed)
    w = tf.constant(rng.standard_normal((shape[-1], units)).astype(np.float32))
    b = tf.constant(rng.standard_normal(units).astype(np.float32))

    def fn(x: Any) -> Any:
        y = tf.matmul(x, w) + b if bias else tf.matmul(x, w)
        return tf.nn.relu(y) if relu else y

    return _converted(fn, shape, per_channel)


def _dw(
    shape: tuple[int, ...], mult: int, stride: int, padding: str, relu6: bool, seed: int
) -> bytes:
    """A 3x3 depthwise conv with a bias (and relu6)."""
    tf = _import("tensorflow")
    rng = np.random.default_rng(seed)
    w = tf.constant(rng.standard_normal((3, 3, shape[3], mult)).astype(np.float32))
    b = tf.constant(rng.standard_normal(shape[3] * mult).astype(np.float32))

    def fn(x: Any) -> Any:
        y = tf.nn.depthwise_conv2d(x, w, [1, stride, stride, 1], padding) + b
        return tf.nn.relu6(y) if relu6 else y

    return _converted(fn, shape, True)


def _builder() -> ModuleType:
    """The test flatbuffer writer shared with the lit tests."""
    spec = importlib.util.spec_from_file_location("stai_test_tflite_builder_hybrid_fc", BUILDER)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def _built_fc(
    scales: tuple[float, ...],
    rows: int,
    depth: int,
    bias: bool,
    asymmetric: bool,
    activation: int = 0,
) -> bytes:
    """A FULLY_CONNECTED with int8 weights (per tensor, or per output along axis 0) and a
    fused activation (0 none, 3 relu6)."""
    m = _builder().ModelBuilder()
    rng = np.random.default_rng(5)
    units = 4 if len(scales) == 1 else len(scales)
    x = m.tensor("in0", (rows, depth))
    axis = {"axis": 0} if len(scales) > 1 else {}
    w = m.tensor(
        "w",
        (units, depth),
        "INT8",
        data=rng.integers(-127, 128, (units, depth)),
        scales=scales,
        **axis,
    )
    b = m.tensor("b", (units,), data=rng.standard_normal(units).astype(np.float32)) if bias else -1
    y = m.tensor("y", (rows, units))
    m.op(
        "FULLY_CONNECTED",
        [x, w, b],
        [y],
        FusedActivationFunction=activation,
        AsymmetricQuantizeInputs=asymmetric,
    )
    return m.build([x], [y])


def _built_dw_per_tensor() -> bytes:
    """A DEPTHWISE_CONV_2D with one int8 weight scale for its 4 channels."""
    m = _builder().ModelBuilder()
    rng = np.random.default_rng(6)
    x = m.tensor("in0", (1, 5, 5, 4))
    w = m.tensor(
        "w", (1, 3, 3, 4), "INT8", data=rng.integers(-127, 128, (1, 3, 3, 4)), scales=(0.02,)
    )
    b = m.tensor("b", (4,), data=rng.standard_normal(4).astype(np.float32))
    y = m.tensor("y", (1, 5, 5, 4))
    m.op(
        "DEPTHWISE_CONV_2D",
        [x, w, b],
        [y],
        Padding=0,
        StrideW=1,
        StrideH=1,
        DepthMultiplier=1,
        FusedActivationFunction=0,
    )
    return m.build([x], [y])


# name: (make, input shape, opcode, weights, outputs, bias outputs, scales, asymmetric)
FC_CASES: dict[str, tuple[Callable[[], bytes], tuple[int, ...], int, int, int, int, bool]] = {
    "fc_relu_row1_per_channel": (
        lambda: _fc((1, 64), 32, True, True, True, 1),
        (1, 64),
        2048,
        32,
        32,
        32,
        True,
    ),
    "fc_none_rows3_per_channel": (
        lambda: _fc((3, 48), 40, False, True, True, 2),
        (3, 48),
        1920,
        40,
        40,
        40,
        True,
    ),
    "fc_relu_rows3_per_tensor": (
        lambda: _fc((3, 64), 24, True, True, False, 3),
        (3, 64),
        1536,
        24,
        24,
        1,
        True,
    ),
    "fc_keep_num_dims_no_bias": (
        lambda: _fc((2, 3, 64), 32, True, False, True, 4),
        (2, 3, 64),
        2048,
        32,
        32,
        32,
        True,
    ),
    "fc_symmetric_per_tensor": (
        lambda: _built_fc((0.03,), 3, 40, True, False, 3),
        (3, 40),
        160,
        4,
        4,
        1,
        False,
    ),
    "fc_symmetric_per_channel_no_bias": (
        lambda: _built_fc((0.01, 0.02, 0.03, 0.04, 0.05), 2, 24, False, False),
        (2, 24),
        120,
        5,
        5,
        5,
        False,
    ),
    "fc_asymmetric_equal_scales": (
        lambda: _built_fc((0.02,) * 4, 1, 32, True, True),
        (1, 32),
        128,
        4,
        4,
        1,
        True,
    ),
}
DW_CASES: dict[str, tuple[Callable[[], bytes], tuple[int, ...], int, int]] = {
    "dw_same_per_channel": (
        lambda: _dw((1, 8, 8, 128), 1, 1, "SAME", False, 7),
        (1, 8, 8, 128),
        1152,
        128,
    ),
    "dw_mult2_stride2_batch2": (
        lambda: _dw((2, 9, 9, 64), 2, 2, "VALID", True, 8),
        (2, 9, 9, 64),
        1152,
        128,
    ),
}


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("hybrid_fc_models")


def _write(folder: Path, name: str, make: Callable[[], bytes]) -> Path:
    path = folder / f"{name}.tflite"
    if not path.exists():
        path.write_bytes(make())
    return path


# --------------------------------------------------------------------------- checks


def _weights(path: Path) -> tuple[str, str, int, dict[str, Any]]:
    """The only operator's name, its weight type, its number of scales and its options."""
    from stai.frontends.tflite.reader import read_model

    model = read_model(path.read_bytes(), path.name)
    assert len(model.operators) == 1, [op.opcode for op in model.operators]
    op = model.operators[0]
    w = model.tensors[op.inputs[1]]
    return op.opcode, w.type_name, len(w.quant.scales) if w.quant else 0, op.options


def _inputs(shape: tuple[int, ...], seed: int) -> list[np.ndarray]:
    """Seeded inputs: normal, shifted (asymmetric range), non-negative, all zero."""
    rng = np.random.default_rng(seed)
    normal = rng.standard_normal(shape).astype(np.float32)
    return [
        normal,
        (normal * 3.0 + 2.0).astype(np.float32),
        np.abs(normal),
        np.zeros(shape, np.float32),
    ]


def _litert_ref(path: Path, x: np.ndarray) -> np.ndarray:
    from stai.tools.reference import run_litert_ref

    return run_litert_ref(path, [x])[0]


_C_BYTES = {"int8_t": 1, "uint8_t": 1, "int16_t": 2, "int32_t": 4, "float": 4}


def _compile_and_compare(path: Path, out: Path, inputs: list[np.ndarray]) -> tuple[str, int, float]:
    """Compile with stai, run every input, compare with LiteRT; return the generated
    network.c, the bytes of constant data its data header declares and the largest error."""
    from stai.compiler.driver import generate
    from stai.runtime.runner import CModel

    generate(path, out)
    model = CModel(out)
    worst = 0.0
    for i, x in enumerate(inputs):
        ref = _litert_ref(path, x)
        (got,) = model.run([x])
        assert got.shape == ref.shape
        bound = RTOL * max(1.0, float(np.max(np.abs(ref))))
        error = float(np.max(np.abs(got.astype(np.float64) - ref)))
        assert error <= bound, f"input {i}: max abs error {error:.3g} > {bound:.3g}"
        worst = max(worst, error)
    declared = re.findall(r"extern const (\w+) \w+\[(\d+)\];", (out / "network_data.h").read_text())
    assert declared, "no constant data declared"
    data_bytes = sum(_C_BYTES[ctype] * int(count) for ctype, count in declared)
    return (out / "network.c").read_text(), data_bytes, worst


@pytest.mark.parametrize("name", sorted(FC_CASES))
def test_hybrid_fc_matches_litert(name: str, model_dir: Path, tmp_path: Path) -> None:
    make, shape, weights, outputs, biases, scales, asymmetric = FC_CASES[name]
    path = _write(model_dir, name, make)
    opcode, w_type, n_scales, options = _weights(path)
    assert (opcode, w_type) == ("FULLY_CONNECTED", "INT8"), "not a hybrid fully connected"
    assert bool(options.get("AsymmetricQuantizeInputs")) == asymmetric
    assert n_scales in (scales, outputs)
    text, data_bytes, _ = _compile_and_compare(path, tmp_path / "gen", _inputs(shape, len(name)))
    assert "stai_fully_connected_hybrid_f32(" in text and "stai_fully_connected_f32(" not in text
    assert f".asymmetric_inputs = {int(asymmetric)}," in text
    assert f".num_scales = {scales}," in text
    # int8 weights, f32 bias (a zero one when the model has none), f32 scales: exactly
    assert data_bytes == weights + 4 * biases + 4 * scales


@pytest.mark.parametrize("name", sorted(DW_CASES))
def test_hybrid_depthwise_matches_litert(name: str, model_dir: Path, tmp_path: Path) -> None:
    make, shape, weights, out_c = DW_CASES[name]
    path = _write(model_dir, name, make)
    opcode, w_type, n_scales, _ = _weights(path)
    assert (opcode, w_type, n_scales) == ("DEPTHWISE_CONV_2D", "INT8", out_c)
    text, data_bytes, _ = _compile_and_compare(path, tmp_path / "gen", _inputs(shape, len(name)))
    assert "stai_depthwise_conv2d_hybrid_f32(" in text
    assert "stai_depthwise_conv2d_f32(" not in text
    assert f".num_scales = {out_c}," in text
    assert data_bytes == weights + 4 * out_c + 4 * out_c


def test_single_scale_depthwise_stays_float(model_dir: Path, tmp_path: Path) -> None:
    """One int8 scale for every channel: dequantized at compile time, a float kernel."""
    path = _write(model_dir, "dw_per_tensor", _built_dw_per_tensor)
    from stai.compiler.driver import generate

    generate(path, tmp_path / "gen")
    text = (tmp_path / "gen" / "network.c").read_text()
    assert "stai_depthwise_conv2d_f32(" in text and "hybrid" not in text


def test_hybrid_fc_model_still_quantizes(model_dir: Path, tmp_path: Path) -> None:
    """quantize-nn dequantizes the hybrid int8 weights and re-quantizes them: the int8
    model runs and stays within 0.1 of the reference output's range."""
    from stai.compiler.driver import import_model
    from stai.runtime.model_runner import Runner
    from stai.tools.quantize import compile_module, quantize_module

    name = "fc_relu_rows3_per_tensor"
    make, shape = FC_CASES[name][:2]
    path = _write(model_dir, name, make)
    rng = np.random.default_rng(9)
    calibration = rng.standard_normal((32, *shape)).astype(np.float32)
    module = import_model(path)
    quantize_module(module, [calibration])
    folder = compile_module(module, tmp_path / "q", "qnet")
    text = (folder / "qnet.c").read_text()
    # an int8 dense kernel (stai's 1x1 one where it fits, else CMSIS-NN's), no hybrid one
    assert ("arm_fully_connected" in text or "stai_mk_conv1x1_s8(" in text) and "hybrid" not in text
    runner = Runner(folder, "qnet")
    samples = rng.standard_normal((4, *shape)).astype(np.float32)
    (got,) = runner.run([samples]).outputs
    for x, y in zip(samples, got):
        ref = _litert_ref(path, x)
        assert np.all(np.isfinite(y))
        span = float(ref.max() - ref.min())
        assert float(np.max(np.abs(y - ref))) <= QUANTIZED_TOLERANCE * span


# --------------------------------------------------------------------------- sanitizers

_HARNESS = r"""
#include <stdio.h>
#include <stdlib.h>
#include "stai_kernels_f32.h"

static float value(int i) { return (float)((i * 37) % 23) * 0.25f - 2.5f; }

static int check_fc(int asymmetric, int per_channel)
{
    enum { ROWS = 3, DEPTH = 37, OUT = 5 };
    float input[ROWS * DEPTH], bias[OUT], scales[OUT], output[ROWS * OUT];
    int8_t filter[OUT * DEPTH];
    for (int i = 0; i < ROWS * DEPTH; i++) input[i] = value(i) + (asymmetric ? 1.5f : 0.0f);
    for (int i = 0; i < OUT * DEPTH; i++) filter[i] = (int8_t)((i * 53) % 255 - 127);
    for (int i = 0; i < OUT; i++) { bias[i] = value(i); scales[i] = 0.01f * (float)(i + 1); }
    const int32_t size = ROWS * (8 + DEPTH);
    void *buf = malloc((size_t)size);
    cmsis_nn_context ctx = {buf, size};
    const stai_fc_hybrid_params_f32 params = {asymmetric, -1e30f, 1e30f};
    const stai_hybrid_quant_params_f32 quant = {scales, per_channel ? OUT : 1};
    const cmsis_nn_dims in = {ROWS, 1, 1, DEPTH}, f = {DEPTH, 1, 1, OUT}, b = {1, 1, 1, OUT};
    const cmsis_nn_dims out = {ROWS, 1, 1, OUT};
    int bad = stai_fully_connected_hybrid_f32(&ctx, &params, &quant, &in, input, &f, filter, &b,
                                              bias, &out, output) != ARM_CMSIS_NN_SUCCESS;
    ctx.size = size - 1;
    bad |= stai_fully_connected_hybrid_f32(&ctx, &params, &quant, &in, input, &f, filter, &b,
                                           bias, &out, output) != ARM_CMSIS_NN_ARG_ERROR;
    free(buf);
    for (int i = 0; i < ROWS * OUT; i++) printf("%.9g\n", (double)output[i]);
    return bad;
}

static int check_dw(void)
{
    enum { N = 2, H = 5, W = 4, C = 3, M = 2, OC = C * M, OH = 3, OW = 2 };
    float input[N * H * W * C], bias[OC], scales[OC], output[N * OH * OW * OC];
    int8_t filter[3 * 3 * OC];
    for (int i = 0; i < N * H * W * C; i++) input[i] = value(i) + 0.75f;
    for (int i = 0; i < 3 * 3 * OC; i++) filter[i] = (int8_t)((i * 29) % 255 - 127);
    for (int i = 0; i < OC; i++) { bias[i] = value(i); scales[i] = 0.02f * (float)(i + 1); }
    const int32_t size = N * (8 + H * W * C);
    void *buf = malloc((size_t)size);
    cmsis_nn_context ctx = {buf, size};
    const stai_dw_conv_params_f32 params = {M, {2, 2}, {1, 0}, {1, 1}, 0.0f, 6.0f};
    const stai_hybrid_quant_params_f32 quant = {scales, OC};
    const cmsis_nn_dims in = {N, H, W, C}, f = {1, 3, 3, OC}, b = {1, 1, 1, OC};
    const cmsis_nn_dims out = {N, OH, OW, OC};
    int bad = stai_depthwise_conv2d_hybrid_f32(&ctx, &params, &quant, &in, input, &f, filter, &b,
                                               bias, &out, output) != ARM_CMSIS_NN_SUCCESS;
    ctx.size = size - 1;
    bad |= stai_depthwise_conv2d_hybrid_f32(&ctx, &params, &quant, &in, input, &f, filter, &b,
                                            bias, &out, output) != ARM_CMSIS_NN_ARG_ERROR;
    free(buf);
    for (int i = 0; i < N * OH * OW * OC; i++) printf("%.9g\n", (double)output[i]);
    return bad;
}

int main(void)
{
    int bad = check_fc(0, 0) | check_fc(0, 1) | check_fc(1, 0) | check_fc(1, 1) | check_dw();
    return bad;
}
"""


def test_kernels_clean_under_sanitizers(tmp_path: Path) -> None:
    """Both kernels, with scratch buffers of exactly the documented size, run clean under
    AddressSanitizer and UBSan, and refuse a scratch buffer one byte short."""
    import shutil

    gcc = shutil.which("gcc")
    if gcc is None:
        pytest.fail("the sanitizer test needs gcc", pytrace=False)
    main = tmp_path / "main.c"
    main.write_text(_HARNESS)
    sources = [
        RUNTIME / "src" / f
        for f in (
            "stai_fully_connected_hybrid_f32.c",
            "stai_depthwise_conv2d_hybrid_f32.c",
            "stai_hybrid_quantize_f32.c",
        )
    ]
    exe = tmp_path / "harness"
    flags = [
        "-std=c99",
        "-Wall",
        "-Wextra",
        "-Werror",
        "-O1",
        "-g",
        "-fsanitize=address,undefined",
        "-fno-sanitize-recover=all",
    ]
    built = subprocess.run(
        [
            gcc,
            *flags,
            f"-I{RUNTIME / 'include'}",
            str(main),
            *map(str, sources),
            "-lm",
            "-o",
            str(exe),
        ],
        capture_output=True,
        text=True,
    )
    assert built.returncode == 0, built.stderr
    env = dict(os.environ, ASAN_OPTIONS="detect_leaks=1", UBSAN_OPTIONS="halt_on_error=1")
    done = subprocess.run([str(exe)], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr[-4000:]
    assert "runtime error" not in done.stderr and "Sanitizer" not in done.stderr
    values = np.array([float(v) for v in done.stdout.split()])
    assert values.size == 4 * 15 + 2 * 3 * 2 * 6 and np.all(np.isfinite(values))
