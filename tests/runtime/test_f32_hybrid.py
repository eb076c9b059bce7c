"""The hybrid convolution (float activations, int8 weights) against LiteRT's reference kernels.

Small single-CONV_2D models are made with TensorFlow's converter and dynamic-range
quantization (`Optimize.DEFAULT`, no representative dataset): the converter quantizes the
weights of a conv with at least 1024 of them to int8 (per output channel by default, per
tensor with per-channel quantization disabled) and leaves activations float. LiteRT runs
them with its hybrid kernel, which quantizes the input at run time (symmetric per tensor,
asymmetric per channel). stai compiles each model to C (`qnn.hybrid_conv2d`, calling
`stai_conv2d_hybrid_f32`) and the outputs must agree within 1e-5 x max(1, max|ref|) on
seeded inputs, including a shifted one (a nonzero zero point), a non-negative one and an
all-zero one. Two more models, written with the test flatbuffer builder, cover what the
converter does not make: per-channel scales that are all equal (LiteRT's per-tensor path)
and a dilated per-channel conv.
"""

from __future__ import annotations

import importlib.util
import os
import re
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
RTOL = 1e-5
MIN_QUANTIZED_WEIGHTS = 1024
"""The converter's dynamic-range quantization leaves smaller weight tensors float."""


def _import(name: str) -> Any:
    """Import a test dependency, failing with a clear message when it is missing."""
    import importlib

    try:
        return importlib.import_module(name)
    except ImportError as exc:
        pytest.fail(
            f"the hybrid conv tests need '{name}': pip install -e '.[all]' ({exc})", pytrace=False
        )


# --------------------------------------------------------------------------- models

# name: (input NHWC, kernel size, out_c, stride, padding, relu, per_channel)
CASES = {
    "same_relu_per_channel": ((1, 8, 8, 8), 3, 16, 1, "SAME", True, True),
    "same_stride2_relu_per_tensor": ((1, 9, 9, 8), 3, 16, 2, "SAME", True, False),
    "valid_stride2_per_channel": ((1, 9, 9, 8), 3, 16, 2, "VALID", False, True),
    "same_stride2_batch2_per_channel": ((2, 9, 7, 8), 3, 16, 2, "SAME", False, True),
    "pointwise_per_tensor": ((1, 5, 5, 64), 1, 32, 1, "VALID", False, False),
}


def _convert(
    shape: tuple[int, ...],
    k: int,
    out_c: int,
    stride: int,
    padding: str,
    relu: bool,
    per_channel: bool,
    seed: int,
) -> bytes:
    """A dynamic-range quantized single-conv model (input named in0)."""
    tf = _import("tensorflow")
    rng = np.random.default_rng(seed)
    w = tf.constant(rng.standard_normal((k, k, shape[3], out_c)).astype(np.float32))
    b = tf.constant(rng.standard_normal(out_c).astype(np.float32))

    @tf.function(input_signature=[tf.TensorSpec(shape, tf.float32, name="in0")])
    def fn(x: Any) -> Any:
        y = tf.nn.conv2d(x, w, [1, stride, stride, 1], padding) + b
        return tf.nn.relu(y) if relu else y

    converter = tf.lite.TFLiteConverter.from_concrete_functions([fn.get_concrete_function()])
    converter.optimizations = [tf.lite.Optimize.DEFAULT]
    if not per_channel:
        converter._experimental_disable_per_channel = True
    return converter.convert()


def _builder() -> ModuleType:
    """The test flatbuffer writer shared with the lit tests."""
    spec = importlib.util.spec_from_file_location("stai_test_tflite_builder_hybrid", BUILDER)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def _built(scales: tuple[float, ...], dilation: int) -> bytes:
    """A CONV_2D with int8 per-channel weights (axis 0), SAME padding, relu, written directly."""
    m = _builder().ModelBuilder()
    rng = np.random.default_rng(7)
    out_c = len(scales)
    x = m.tensor("in0", (1, 9, 9, 3))
    w = m.tensor(
        "w",
        (out_c, 3, 3, 3),
        "INT8",
        data=rng.integers(-127, 128, (out_c, 3, 3, 3)),
        scales=scales,
        axis=0,
    )
    b = m.tensor("b", (out_c,), data=rng.standard_normal(out_c).astype(np.float32))
    y = m.tensor("y", (1, 9, 9, out_c))
    m.op(
        "CONV_2D",
        [x, w, b],
        [y],
        Padding=0,
        StrideW=1,
        StrideH=1,
        DilationWFactor=dilation,
        DilationHFactor=dilation,
        FusedActivationFunction=1,
    )
    return m.build([x], [y])


BUILT = {
    "equal_scales_per_channel": ((0.02,) * 4, 1),
    "dilation2_per_channel": ((0.01, 0.02, 0.03, 0.04), 2),
}


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("hybrid_models")


def _write(folder: Path, name: str, make: Callable[[], bytes]) -> Path:
    path = folder / f"{name}.tflite"
    if not path.exists():
        path.write_bytes(make())
    return path


# --------------------------------------------------------------------------- checks


def _conv_weights(path: Path) -> tuple[str, int, int]:
    """The only operator's name, its weight tensor's type and number of scales."""
    from stai.frontends.tflite.reader import read_model

    model = read_model(path.read_bytes(), path.name)
    assert len(model.operators) == 1, [op.opcode for op in model.operators]
    op = model.operators[0]
    w = model.tensors[op.inputs[1]]
    return op.opcode, w.type_name, len(w.quant.scales) if w.quant else 0


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
    litert = _import("ai_edge_litert.interpreter")
    interpreter = litert.Interpreter(
        model_path=str(path), experimental_op_resolver_type=litert.OpResolverType.BUILTIN_REF
    )
    interpreter.allocate_tensors()
    interpreter.set_tensor(interpreter.get_input_details()[0]["index"], x)
    interpreter.invoke()
    return interpreter.get_tensor(interpreter.get_output_details()[0]["index"])


_C_BYTES = {"int8_t": 1, "uint8_t": 1, "int16_t": 2, "int32_t": 4, "float": 4}


def _compile_and_compare(path: Path, out: Path, inputs: list[np.ndarray]) -> tuple[str, int]:
    """Compile with stai, run every input, compare with LiteRT; return the generated
    network.c and the bytes of constant data its data header declares."""
    from stai.compiler.driver import generate
    from stai.runtime.runner import CModel

    generate(path, out)
    model = CModel(out)
    for i, x in enumerate(inputs):
        ref = _litert_ref(path, x)
        (got,) = model.run([x])
        bound = RTOL * max(1.0, float(np.max(np.abs(ref))))
        error = float(np.max(np.abs(got.astype(np.float64) - ref)))
        assert error <= bound, f"input {i}: max abs error {error:.3g} > {bound:.3g}"
    declared = re.findall(r"extern const (\w+) \w+\[(\d+)\];", (out / "network_data.h").read_text())
    assert declared, "no constant data declared"
    data_bytes = sum(_C_BYTES[ctype] * int(count) for ctype, count in declared)
    return (out / "network.c").read_text(), data_bytes


def _check_hybrid_c(text: str, data_bytes: int, weights: int, out_c: int, scales: int) -> None:
    """The C calls the hybrid kernel with its scales, and the weights take 1 byte each: the
    constant data is the int8 weights, the f32 bias and the f32 scales (float weights would
    take 4 x weights bytes)."""
    assert "stai_conv2d_hybrid_f32(" in text and "stai_conv2d_f32(" not in text
    assert f".num_scales = {scales}," in text
    assert weights + 4 * (out_c + scales) <= data_bytes <= weights + 4 * (out_c + scales) + 32


@pytest.mark.parametrize("name", sorted(CASES))
def test_converted_hybrid_conv_matches_litert(name: str, model_dir: Path, tmp_path: Path) -> None:
    shape, k, out_c, stride, padding, relu, per_channel = CASES[name]
    weights = k * k * shape[3] * out_c
    assert weights >= MIN_QUANTIZED_WEIGHTS
    path = _write(
        model_dir,
        name,
        lambda: _convert(shape, k, out_c, stride, padding, relu, per_channel, sum(map(ord, name))),
    )
    opcode, w_type, n_scales = _conv_weights(path)
    assert (opcode, w_type) == ("CONV_2D", "INT8"), "the converter did not make a hybrid conv"
    assert n_scales == (out_c if per_channel else 1)
    text, data_bytes = _compile_and_compare(
        path, tmp_path / "gen", _inputs(shape, sum(map(ord, name)))
    )
    _check_hybrid_c(text, data_bytes, weights, out_c, n_scales)


@pytest.mark.parametrize("name", sorted(BUILT))
def test_built_hybrid_conv_matches_litert(name: str, model_dir: Path, tmp_path: Path) -> None:
    scales, dilation = BUILT[name]
    path = _write(model_dir, name, lambda: _built(scales, dilation))
    text, data_bytes = _compile_and_compare(path, tmp_path / "gen", _inputs((1, 9, 9, 3), 11))
    # all-equal per-channel scales take LiteRT's per-tensor (symmetric) path: one scale
    out_c = len(scales)
    _check_hybrid_c(text, data_bytes, out_c * 27, out_c, 1 if len(set(scales)) == 1 else out_c)


def test_small_conv_stays_float(model_dir: Path, tmp_path: Path) -> None:
    """Below the converter's threshold the weights stay float, and so does the kernel."""
    shape, k, out_c = (1, 6, 6, 4), 3, 8
    assert k * k * shape[3] * out_c < MIN_QUANTIZED_WEIGHTS
    path = _write(
        model_dir, "small_float", lambda: _convert(shape, k, out_c, 1, "SAME", True, True, 3)
    )
    assert _conv_weights(path)[:2] == ("CONV_2D", "FLOAT32")
    text, _ = _compile_and_compare(path, tmp_path / "gen", _inputs(shape, 3)[:2])
    assert "stai_conv2d_f32(" in text and "stai_conv2d_hybrid_f32(" not in text
