"""Real architectures built in the tests with random weights (`tests/architectures.py`):
keras.applications MobileNetV2 (alpha 0.35) and MobileNetV3Small (alpha 0.75) on 96x96, a
ResNet-8 (MLPerf Tiny's image classifier), a Conv1D + LSTM and a Conv1D + GRU keyword
spotter, each converted by TensorFlow's converter to float, int8 (full integer) and 16x8
(int16 activations, int8 weights), compiled by stai and run as C: int8 and 16x8 bit for bit
with TFLite Micro, float within float rounding of LiteRT's reference kernels.

`make test` runs a sample of the cases (`CI_CASES`), `make test-all` every one
(`STAI_ARCHITECTURES=all`). Where the converter cannot write a combination, the test asserts the converter's own error
(so it fails, and the row moves to the compared ones, when a converter learns it); where it
can fall back to float operators (MobileNetV3Small's HARD_SWISH in 16x8), that mixed model
is compared too."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("tensorflow")

from architectures import (  # noqa: E402
    ARCHITECTURES,
    FLOAT,
    GRU_LOOP,
    INT8,
    INT16,
    INT16_FLOAT,
    KINDS,
    ConverterRefused,
    build,
    convert,
)
from conftest import float_tolerance  # noqa: E402
from opmodels import model_ops, tensor_types  # noqa: E402
from shared_models import random_inputs  # noqa: E402

from stai.compiler.driver import generate  # noqa: E402
from stai.errors import StaiError  # noqa: E402
from stai.tools.reference import run_litert_ref, run_tflm  # noqa: E402

pytestmark = pytest.mark.slow  # each case converts a network (tens of seconds)

OPERATORS = {
    "mobilenet_v2": {"CONV_2D", "DEPTHWISE_CONV_2D", "ADD", "MEAN", "FULLY_CONNECTED"},
    "mobilenet_v3_small": {"CONV_2D", "DEPTHWISE_CONV_2D", "HARD_SWISH", "MUL", "MEAN"},
    "resnet8": {"CONV_2D", "ADD", "AVERAGE_POOL_2D", "FULLY_CONNECTED", "SOFTMAX"},
    "conv1d_lstm": {"CONV_2D", "MAX_POOL_2D", "UNIDIRECTIONAL_SEQUENCE_LSTM", "SOFTMAX"},
    "conv1d_gru": {"CONV_2D", "MAX_POOL_2D", "FULLY_CONNECTED", "LOGISTIC", "TANH", "SUB"},
}
"""Operators each converted architecture must hold (what makes it that architecture)."""

CONVERTER_REFUSES = {
    ("conv1d_lstm", INT16): (
        "Quantization to 16x8-bit not yet supported for op: 'UNIDIRECTIONAL_SEQUENCE_LSTM'"
    ),
    (
        "mobilenet_v3_small",
        INT16,
    ): "Quantization to 16x8-bit not yet supported for op: 'HARD_SWISH'",
}
"""The combinations TensorFlow's converter does not write, with its error."""

CASES = [
    pytest.param(name, kind, id=f"{name}-{kind}")
    for name in ARCHITECTURES
    for kind in KINDS
    if (name, kind) not in CONVERTER_REFUSES
]
# With float fallback the converter writes MobileNetV3Small in 16x8 with every HARD_SWISH
# in float, between a DEQUANTIZE and a QUANTIZE.
CASES.append(pytest.param("mobilenet_v3_small", INT16_FLOAT, id="mobilenet_v3_small-int16_float"))

CI_CASES = {
    ("resnet8", INT8),
    ("resnet8", INT16),
    ("conv1d_lstm", INT8),
    ("conv1d_gru", INT16),
    ("conv1d_gru", FLOAT),
}
"""The sample `make test` runs (the small networks, every kind once or more; about a
minute); `STAI_ARCHITECTURES=all` (`make test-all`) runs every case."""

if os.environ.get("STAI_ARCHITECTURES", "") != "all":
    CASES = [case for case in CASES if tuple(case.values) in CI_CASES]


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("architectures")


@pytest.mark.parametrize("name,kind", CASES)
def test_architecture_matches_the_reference(name, kind, models, compiled):
    path = build(name, kind, models)
    assert OPERATORS[name] <= set(model_ops(path))
    if kind == INT16_FLOAT:
        assert {"DEQUANTIZE", "QUANTIZE"} <= set(model_ops(path))
    element = {FLOAT: "FLOAT32", INT8: "INT8", INT16: "INT16", INT16_FLOAT: "INT16"}[kind]
    assert tensor_types(path) == ([element], [element])
    c_model = compiled(path)
    arch = ARCHITECTURES[name]
    for inputs in random_inputs(path, 3, seed=8, float_range=arch.input_range):
        c_model.reset()  # the LSTM keeps its state between runs; the reference starts at zero
        (got,) = c_model.run(inputs)
        assert np.unique(got).size > 1, "degenerate model: a constant output"
        if kind == FLOAT:
            (expected,) = run_litert_ref(path, inputs)
            assert np.max(np.abs(expected - got)) <= float_tolerance(expected)
        else:
            (expected,) = run_tflm(path, inputs)
            np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize(
    "name,kind", [pytest.param(n, k, id=f"{n}-{k}") for n, k in CONVERTER_REFUSES]
)
def test_the_converter_refuses(name, kind, models):
    with pytest.raises(ConverterRefused) as info:
        build(name, kind, models)
    assert CONVERTER_REFUSES[name, kind] in str(info.value)


def test_a_gru_loop_is_refused_in_one_line(tmp_path):
    """Keras' default GRU (not unrolled) becomes a WHILE loop over other subgraphs: stai
    compiles single-subgraph models only (control flow needs an interpreter), and says so
    in one line."""
    path = tmp_path / "gru_loop.tflite"
    path.write_bytes(convert(GRU_LOOP, FLOAT))
    assert "WHILE" in model_ops(path)
    with pytest.raises(StaiError, match=r"has 3 subgraphs \(control flow\)") as info:
        generate(path, tmp_path / "gen")
    assert "\n" not in str(info.value)
