"""TFLite BATCH_MATMUL made by TensorFlow's converter (``tf.matmul`` of batched tensors),
compiled by stai and run as C: float32, int8 and 16x8 bit-exact with TFLite Micro (the
float sums in the same order), float also against LiteRT; both operands computed, a
constant right- or left-hand side, ``adj_x`` / ``adj_y``, broadcast batch axes, ranks 2
to 5. Operators the kernel cannot run are refused in one line."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import float_tolerance
from opmodels import FLOAT, INT8, INT16, OpSpec, _tf_fn, convert, model_ops
from shared_models import random_inputs

from stai.compiler.driver import generate, import_model
from stai.errors import StaiError
from stai.tools.reference import run_litert_ref, run_tflm

KINDS = (FLOAT, INT8, INT16)


def _const(shape: tuple[int, ...], seed: int) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


CASES = {
    # name: (input shapes, body, expected (adj_x, adj_y))
    "plain": (
        ((2, 3, 4), (2, 4, 5)),
        lambda tf: lambda x, y: tf.matmul(x, y),
        (0, 0),
    ),
    "adj_both": (
        ((2, 4, 3), (2, 5, 4)),
        lambda tf: lambda x, y: tf.matmul(x, y, transpose_a=True, transpose_b=True),
        (1, 1),
    ),
    "attention_scores": (
        ((1, 2, 6, 8), (1, 2, 6, 8)),
        lambda tf: lambda q, k: tf.matmul(q, k, transpose_b=True),
        (0, 1),
    ),
    "broadcast": (
        ((2, 1, 3, 4), (3, 4, 5)),
        lambda tf: lambda x, y: tf.matmul(x, y),
        (0, 0),
    ),
    "rank5": (
        ((2, 1, 2, 3, 4), (1, 3, 1, 4, 2)),
        lambda tf: lambda x, y: tf.matmul(x, y),
        (0, 0),
    ),
    "const_rhs": (
        ((2, 3, 4),),
        lambda tf: (lambda w: lambda x: tf.matmul(x, w))(tf.constant(_const((2, 4, 5), 1))),
        (0, 0),
    ),
    "const_lhs": (
        ((3, 4, 5),),
        lambda tf: (lambda w: lambda x: tf.matmul(w, x))(tf.constant(_const((3, 2, 4), 2))),
        (0, 0),
    ),
}
RANGES = ((-0.5, 1.5), (-1.0, 0.5))
"""Asymmetric input ranges: int8 operands get nonzero zero points (their offsets count)."""


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], Path]:
    folder = tmp_path_factory.mktemp("batch_matmul")
    out = {}
    for name, (shapes, body, _) in CASES.items():
        spec = OpSpec(
            name, shapes, _tf_fn(body), ("BATCH_MATMUL",), "BATCH_MATMUL", input_ranges=RANGES
        )
        for kind in KINDS:
            out[name, kind] = convert(spec, kind, folder / f"{name}_{kind}.tflite")
    return out


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("name", list(CASES))
def test_tflite_batch_matmul_matches_tflm(name: str, kind: str, models, compiled) -> None:
    path = models[name, kind]
    assert model_ops(path) == ["BATCH_MATMUL"]
    ops = [op for op in import_model(path).walk() if op.name == "nn.batch_matmul"]
    assert len(ops) == 1
    assert (ops[0].adj_x.value.data, ops[0].adj_y.value.data) == CASES[name][2]
    c_model = compiled(path)
    for inputs in random_inputs(path, 3, seed=5):
        got = c_model.run(inputs)
        expected = run_tflm(path, inputs)
        assert len(got) == len(expected) == 1
        assert got[0].dtype == expected[0].dtype
        np.testing.assert_array_equal(got[0].reshape(expected[0].shape), expected[0])
        if kind == FLOAT:
            (reference,) = run_litert_ref(path, inputs)
            assert np.max(np.abs(reference - got[0])) <= float_tolerance(reference)


def test_int8_offsets_are_exercised(models) -> None:
    """The asymmetric ranges give the int8 operands nonzero zero points."""
    ops = [op for op in import_model(models["plain", INT8]).walk() if op.name == "nn.batch_matmul"]
    zero_points = [v.type.element_type.zero_point for v in ops[0].operands]
    assert all(z != 0 for z in zero_points), zero_points


def _builder():
    path = (
        Path(__file__).resolve().parents[1] / "filecheck/frontends/tflite/Inputs/tflite_builder.py"
    )
    spec = importlib.util.spec_from_file_location("stai_test_tflite_builder", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(
    ("lhs", "rhs", "out", "rhs_type", "message"),
    [
        ((2, 3, 4), (2, 5, 6), (2, 3, 6), "FLOAT32", "do not multiply"),
        ((2, 3, 4), (3, 4, 5), (2, 3, 5), "FLOAT32", "do not multiply"),
        ((2, 3, 4), (2, 4, 5), (2, 3, 5), "INT8", "of different types"),
        ((2, 3, 4), (2, 4, 5), (2, 3, 6), "FLOAT32", "is not [2, 3, 5]"),
    ],
)
def test_bad_batch_matmul_is_refused_in_one_line(
    lhs, rhs, out, rhs_type, message, tmp_path
) -> None:
    m = _builder().ModelBuilder()
    quant = {"scales": (0.05,), "zero_points": (0,)} if rhs_type == "INT8" else {}
    a = m.tensor("a", lhs)
    b = m.tensor("b", rhs, rhs_type, **quant)
    y = m.tensor("y", out)
    m.op("BATCH_MATMUL", [a, b], [y])
    path = tmp_path / "bad.tflite"
    path.write_bytes(m.build([a, b], [y]))
    with pytest.raises(StaiError) as info:
        generate(path, tmp_path / "c")
    text = str(info.value)
    assert "\n" not in text and "BATCH_MATMUL" in text and message in text, text


@pytest.mark.parametrize("name", ["plain", "const_rhs"])
def test_stai_quantizes_float_batch_matmul(name: str, models, tmp_path: Path) -> None:
    """``stai quantize``'s post-training quantization makes the float operator int8 (a
    constant operand over its own range): within 2 output steps of LiteRT's float result."""
    from stai.runtime.model_runner import Runner
    from stai.tools.quantize import compile_module, quantize_module

    path = models[name, FLOAT]
    module = import_model(path)
    samples = random_inputs(path, 32, seed=7)
    calibration = [np.stack([s[i] for s in samples]) for i in range(len(samples[0]))]
    report = quantize_module(module, calibration)
    assert report.float_ops == []
    (op,) = [op for op in module.walk() if op.name == "nn.batch_matmul"]
    out_type = op.results[0].type.element_type
    assert "!nn.q<i8" in str(out_type)
    folder = compile_module(module, tmp_path / "q", "q")
    data = [c[:4] for c in calibration]
    got = Runner(folder, "q").run(data).outputs[0]
    for i in range(4):
        (want,) = run_litert_ref(path, [d[i] for d in data])
        assert np.max(np.abs(want - got[i].reshape(want.shape))) <= 2 * out_type.scale
