"""Boolean tensors on Cortex-M4 (QEMU mps2-an386): converter-made int8 and float models
with comparisons, logical operators, select, cast and floor modulo, built for the target
and run on the emulated board, bit-exact with TFLite Micro (a boolean is one byte there
too)."""

from __future__ import annotations

import numpy as np
import pytest
from opmodels import FLOAT, INT8, OpSpec, _tf_fn, convert

from stai.boards.runner import TargetModel
from stai.compiler.driver import generate
from stai.tools.reference import run_tflm

A, B = (1, 4, 6), (1, 1, 6)
BODIES = {
    "less": lambda tf: lambda a, b: tf.math.less(a, b),
    "logical": lambda tf: (
        lambda a, b: (
            tf.logical_and(a > b, a < 0.5),
            tf.logical_not(tf.logical_or(a > b, b > 1.5)),
            tf.cast(a > b, tf.float32),
        )
    ),
    "select": lambda tf: lambda a, b: tf.where(a > b, a, b),
    "floor_mod": lambda tf: lambda a, b: tf.math.floormod(a * 5.0, b),
}
MODELS = [("less", INT8), ("logical", FLOAT), ("select", INT8), ("floor_mod", FLOAT)]


def _inputs(kind: str, n: int, seed: int) -> list[list[np.ndarray]]:
    rng = np.random.default_rng(seed)
    if kind == INT8:
        return [[rng.integers(-128, 128, s).astype(np.int8) for s in (A, B)] for _ in range(n)]
    return [[(rng.integers(1, 9, s) / 4.0).astype(np.float32) for s in (A, B)] for _ in range(n)]


@pytest.mark.parametrize(("name", "kind"), MODELS)
def test_logical_on_cortex_m4(name, kind, tmp_path):
    ranges = ((-1.0, 1.0), (0.3, 2.0) if name == "floor_mod" else (-3.0, 3.0))
    spec = OpSpec(name, (A, B), _tf_fn(BODIES[name]), ("-",), "-", input_ranges=ranges)
    path = convert(spec, kind, tmp_path / f"{name}_{kind}.tflite")
    generate(path, tmp_path / "m4", target="cortex-m4")
    samples = _inputs(kind, 3, 12)
    run = TargetModel(tmp_path / "m4").run_many(samples)
    for sample, outputs in zip(samples, run.outputs):
        for got, expected in zip(outputs, run_tflm(path, sample)):
            assert got.dtype == expected.dtype
            np.testing.assert_array_equal(got, expected)
