"""PRELU from TFLite models: Keras PReLU layers converted by the TFLite converter (alpha
[1, 1, C] with shared_axes=[1, 2], the full [H, W, C] without, [C] after a flat input),
full int8 from a representative data set and float32. The int8 C models are bit-exact
with TFLite Micro on random inputs and on every input code, and run clean under the
address and undefined-behaviour sanitizers; the float ones are within 1e-4 of LiteRT."""

from __future__ import annotations

import shutil
import subprocess
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import opmodels
import pytest
from conftest import float_tolerance
from shared_models import random_inputs
from xdsl.dialects.builtin import TensorType

from stai.compiler.driver import generate, import_model
from stai.dialects import nn
from stai.runtime.runner import CModel
from stai.tools.reference import run_litert_ref, run_tflm


@dataclass(frozen=True)
class PreluCase:
    """One Keras PReLU model: input shape (batch 1), shared axes, expected alpha shape."""

    name: str
    shape: tuple[int, ...]
    shared_axes: list[int] | None
    alpha_shape: tuple[int, ...]


CASES = [
    PreluCase("channels", (1, 6, 5, 4), [1, 2], (1, 1, 4)),
    PreluCase("full", (1, 4, 4, 8), None, (4, 4, 8)),
    PreluCase("vector", (1, 16), None, (16,)),
]
INPUT_RANGE = (-3.0, 2.0)
"""The real range of the representative inputs (an asymmetric one: a non-zero zero point)."""


def _convert(case: PreluCase, kind: str) -> bytes:
    """The .tflite bytes of a one-layer Keras PReLU model; alpha drawn in [-0.5, 0.8]."""
    import tensorflow as tf

    keras = tf.keras
    rng = np.random.default_rng(len(case.name))
    inp = keras.Input(case.shape[1:], batch_size=1)
    layer = keras.layers.PReLU(shared_axes=case.shared_axes)
    model = keras.Model(inp, layer(inp))
    (alpha,) = layer.get_weights()
    layer.set_weights([rng.uniform(-0.5, 0.8, alpha.shape).astype(np.float32)])
    converter = tf.lite.TFLiteConverter.from_keras_model(model)
    if kind == opmodels.INT8:
        samples = [[rng.uniform(*INPUT_RANGE, case.shape).astype(np.float32)] for _ in range(32)]
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
        converter.representative_dataset = lambda: iter(samples)
        converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
        converter.inference_input_type = tf.int8
        converter.inference_output_type = tf.int8
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return opmodels._quietly(converter.convert)  # pyright: ignore[reportPrivateUsage]


@pytest.fixture(scope="module")
def prelu_model(tmp_path_factory: pytest.TempPathFactory) -> Callable[[PreluCase, str], Path]:
    """``prelu_model(case, kind) -> Path``: the converted model, built once per module."""
    folder = tmp_path_factory.mktemp("prelu_models")

    def get(case: PreluCase, kind: str) -> Path:
        path = folder / f"{case.name}_{kind}.tflite"
        if not path.is_file():
            path.write_bytes(_convert(case, kind))
        return path

    return get


def _every_code(shape: tuple[int, ...], seed: int) -> list[np.ndarray]:
    """int8 inputs of ``shape`` that together hold each of the 256 codes (shuffled)."""
    size = int(np.prod(shape))
    codes = np.random.default_rng(seed).permutation(np.arange(-128, 128, dtype=np.int8))
    count = -(-256 // size)
    padded = np.resize(codes, count * size)
    return [padded[i * size : (i + 1) * size].reshape(shape) for i in range(count)]


def _imported_alpha(path: Path) -> tuple[nn.QuantType, np.ndarray]:
    """The quantization and codes of the alpha constant of the imported ``nn.prelu``."""
    (op,) = [o for o in import_model(path).walk() if isinstance(o, nn.PReluOp)]
    const = op.alpha.owner
    assert isinstance(const, nn.ConstantOp) and isinstance(op.alpha.type, TensorType)
    element = op.alpha.type.element_type
    assert isinstance(element, nn.QuantType), element
    return element, const.to_numpy()


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_int8_prelu_bit_exact_with_tflm(case: PreluCase, prelu_model, tmp_path: Path) -> None:
    path = prelu_model(case, opmodels.INT8)
    assert opmodels.model_ops(path) == ["PRELU"]
    quant, codes = _imported_alpha(path)  # the converter's alpha: int8, one scale, zp 0
    assert not quant.per_channel and quant.zero_point == 0
    assert codes.dtype == np.int8 and codes.shape == case.alpha_shape
    assert codes.min() < 0 < codes.max()
    generate(path, tmp_path / "gen")
    c_model = CModel(tmp_path / "gen")
    samples = [s[0] for s in random_inputs(path, 10, seed=5)] + _every_code(case.shape, 3)
    for x in samples:
        got = c_model.run([x])[0]
        expected = run_tflm(path, [x])[0]
        assert got.dtype == np.int8 and got.shape == expected.shape
        diff = np.abs(got.astype(np.int32) - expected.astype(np.int32))
        assert np.array_equal(got, expected), (
            f"{np.count_nonzero(diff)} codes differ, max {diff.max()}"
        )


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_float_prelu_close_to_litert(case: PreluCase, prelu_model, compiled) -> None:
    path = prelu_model(case, opmodels.FLOAT)
    assert opmodels.model_ops(path) == ["PRELU"]
    c_model = compiled(path)
    rng = np.random.default_rng(9)
    for _ in range(5):
        x = rng.uniform(*INPUT_RANGE, case.shape).astype(np.float32)
        expected = run_litert_ref(path, [x])[0]
        got = c_model.run([x])[0]
        assert np.max(np.abs(got - expected)) <= float_tolerance(expected)


HARNESS = r"""
#include <stdint.h>
#include <stdio.h>
#include "network.h"

static int32_t arena[(STAI_NETWORK_ACTIVATIONS_SIZE + 3) / 4];

int main(void)
{
    if (stai_network_init(arena) != 0) return 20;
    int8_t *x = (int8_t *)stai_network_input_ptr(0);
    for (size_t i = 0; i < stai_network_input_size(0); i++) x[i] = (int8_t)((int)((i * 7) % 256) - 128);
    int status = stai_network_run();
    if (status != 0) return status;
    const int8_t *y = (const int8_t *)stai_network_output_ptr(0);
    for (size_t i = 0; i < stai_network_output_size(0); i++) printf("%d\n", y[i]);
    return 0;
}
"""


def test_int8_prelu_runs_clean_under_sanitizers(prelu_model, tmp_path: Path) -> None:
    cc = shutil.which("gcc")
    assert cc is not None, "gcc is required (apt-get install gcc)"
    case = CASES[1]
    path = prelu_model(case, opmodels.INT8)
    folder = tmp_path / "gen"
    generate(path, folder)
    assert "stai_prelu_s8(" in (folder / "network.c").read_text()
    (tmp_path / "main.c").write_text(HARNESS)
    sources = [str(p) for p in [*folder.glob("*.c"), *(folder / "src").glob("*.c")]]
    flags = [
        "-std=c99",
        "-Wall",
        "-Wextra",
        "-Werror",
        "-g",
        "-fsanitize=address,undefined",
        "-fno-sanitize-recover=all",
    ]
    includes = [f"-I{folder}", f"-I{folder}/include", f"-I{folder}/include/cmsis"]
    build = subprocess.run(
        [cc, *flags, *includes, "main.c", *sources, "-o", "main"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert build.returncode == 0, build.stderr
    proc = subprocess.run([str(tmp_path / "main")], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, f"status {proc.returncode}\n{proc.stderr}"
    got = np.array([int(v) for v in proc.stdout.split()], dtype=np.int8)
    size = int(np.prod(case.shape))
    x = (((np.arange(size) * 7) % 256) - 128).astype(np.int8).reshape(case.shape)
    expected = run_tflm(path, [x])[0].reshape(-1)
    np.testing.assert_array_equal(got, expected)
