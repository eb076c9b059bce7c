"""The TFLite writer (``--save-tflite``) on BATCH_MATMUL, the comparisons, LOGICAL_AND /
OR / NOT, SELECT_V2, L2_NORMALIZATION, L2_POOL_2D and CUMSUM: each model (made by
TensorFlow's converter, float and int8, 16x8 for BATCH_MATMUL; written with the schema
where the converter makes none: L2_POOL_2D, int8 CUMSUM) is imported by stai, written
back, and the written model run by TFLite Micro gives the outputs of stai's C of the
original, bit for bit (float too)."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from opmodels import FLOAT, INT8, INT16, OpSpec, _tf_fn, convert, model_ops

from stai.compiler.driver import import_model
from stai.frontends.tflite.writer import write_tflite
from stai.tools.reference import run_tflm

A, B = (1, 4, 6), (1, 1, 6)
"""The comparison and select models' input shapes (B broadcasts along A's second axis)."""


def _spec(name: str, shapes: tuple[tuple[int, ...], ...], make: Callable[[Any], Any]) -> OpSpec:
    return OpSpec(name, shapes, _tf_fn(make), ("-",), "-", input_ranges=((-1, 1), (-3, 3)))


CONVERTED: dict[str, tuple[OpSpec, tuple[str, ...], tuple[str, ...]]] = {
    "batch_matmul": (
        _spec(
            "batch_matmul",
            ((2, 3, 4), (2, 5, 4)),
            lambda tf: lambda a, b: tf.linalg.matmul(a, b, adjoint_b=True),
        ),
        (FLOAT, INT8, INT16),
        ("BATCH_MATMUL",),
    ),
    "compare": (
        _spec(
            "compare",
            (A, B),
            lambda tf: (
                lambda a, b: (
                    tf.math.less(a, b),
                    tf.math.greater_equal(a, b),
                    tf.math.not_equal(a, b),
                )
            ),
        ),
        (FLOAT, INT8),
        ("LESS", "GREATER_EQUAL", "NOT_EQUAL"),
    ),
    "logical": (
        _spec(
            "logical",
            (A, B),
            lambda tf: (
                lambda a, b: (
                    tf.logical_and(a > b, a < 0.5),
                    tf.logical_not(tf.logical_or(a > 0.25, b < -1.0)),
                )
            ),
        ),
        (FLOAT, INT8),
        ("GREATER", "LESS", "LOGICAL_AND", "LOGICAL_OR", "LOGICAL_NOT"),
    ),
    "select": (
        _spec("select", (A, B), lambda tf: lambda a, b: tf.where(a > b, a, b)),
        (FLOAT, INT8),
        ("GREATER", "SELECT_V2"),
    ),
    "l2_normalization": (
        _spec("l2_normalization", ((1, 5, 7),), lambda tf: lambda x: tf.math.l2_normalize(x, -1)),
        (FLOAT, INT8),
        ("L2_NORMALIZATION",),
    ),
    "cumsum": (
        _spec(
            "cumsum",
            ((1, 3, 4, 5),),
            lambda tf: lambda x: tf.math.cumsum(x, axis=2, exclusive=True, reverse=True),
        ),
        (FLOAT,),
        ("CUMSUM",),
    ),
}
"""name -> (the converter's model, its kinds, the operators the written model holds)."""


def _builder() -> Any:
    path = (
        Path(__file__).resolve().parents[1] / "filecheck/frontends/tflite/Inputs/tflite_builder.py"
    )
    spec = importlib.util.spec_from_file_location("stai_test_tflite_builder_save", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    module._OPTIONS["L2_POOL_2D"] = "Pool2DOptions"
    module._OPTIONS["CUMSUM"] = "CumsumOptions"
    return module


def _l2_pool(path: Path) -> Path:
    """A float L2_POOL_2D, 3x2 window, stride 2, SAME padding, RELU6."""
    m = _builder().ModelBuilder()
    x, y = m.tensor("x", (1, 7, 5, 4)), m.tensor("y", (1, 4, 3, 4))
    m.op(
        "L2_POOL_2D", [x], [y], Padding=0, StrideW=2, StrideH=2, FilterWidth=2, FilterHeight=3,
        FusedActivationFunction=3,
    )  # fmt: skip
    path.write_bytes(m.build([x], [y]))
    return path


def _cumsum_s8(path: Path) -> Path:
    """An int8 CUMSUM along the last axis, exclusive and reversed."""
    m = _builder().ModelBuilder()
    x = m.tensor("x", (3, 4), "INT8", scales=(0.05,), zero_points=(10,))
    axis = m.tensor("axis", (), "INT32", data=np.array(-1))
    y = m.tensor("y", (3, 4), "INT8", scales=(0.12,), zero_points=(-20,))
    m.op("CUMSUM", [x, axis], [y], Exclusive=True, Reverse=True)
    path.write_bytes(m.build([x], [y]))
    return path


BUILT: dict[str, tuple[Callable[[Path], Path], tuple[str, ...]]] = {
    "l2_pool_float": (_l2_pool, ("L2_POOL_2D",)),
    "cumsum_int8": (_cumsum_s8, ("CUMSUM",)),
}
"""name -> (the schema-written model, the operators the written model holds)."""

CASES = [(n, k) for n, (_, kinds, _) in CONVERTED.items() for k in kinds] + [(n, "") for n in BUILT]


def _samples(path: Path, n: int) -> list[list[np.ndarray]]:
    """Float inputs on a grid of quarters (ties for the comparisons), integer codes over
    their whole range."""
    from stai.frontends.tflite.reader import read_model

    model = read_model(path.read_bytes(), path.name)
    dtypes = {"FLOAT32": np.float32, "INT8": np.int8, "INT16": np.int16}
    rng = np.random.default_rng(4)
    samples = []
    for _ in range(n):
        sample = []
        for i in model.inputs:
            tensor = model.tensors[i]
            shape, dtype = tensor.shape, dtypes[tensor.type_name]
            if dtype is np.float32:
                sample.append((rng.integers(-12, 13, size=shape) / 4.0).astype(np.float32))
            else:
                info = np.iinfo(dtype)
                codes = rng.integers(info.min, info.max, size=shape, endpoint=True)
                sample.append(codes.astype(dtype))
        samples.append(sample)
    return samples


@pytest.mark.parametrize(("name", "kind"), CASES, ids=[f"{n}-{k}" if k else n for n, k in CASES])
def test_written_model_runs_in_tflm_as_stai_does(name: str, kind: str, tmp_path: Path, compiled):
    if kind:
        spec, _, ops = CONVERTED[name]
        original = convert(spec, kind, tmp_path / f"{name}_{kind}.tflite")
    else:
        make, ops = BUILT[name]
        original = make(tmp_path / f"{name}.tflite")
    written = write_tflite(import_model(original), tmp_path / "written.tflite")
    assert set(ops) <= set(model_ops(written))
    assert sorted(model_ops(written)) == sorted(model_ops(original))
    c_model = compiled(original)
    for inputs in _samples(original, 4):
        got = run_tflm(written, inputs)
        want = c_model.run(inputs)
        assert len(got) == len(want)
        for g, w in zip(got, want):
            assert g.dtype == w.dtype
            np.testing.assert_array_equal(g.reshape(w.shape), w)
