"""The data-movement operators (they copy elements, no arithmetic) in the element types
TFLite Micro registers for them beyond float32 and int8: models written with the flatbuffer
schema (``tests/filecheck/frontends/tflite/Inputs/tflite_builder.py``), compiled by stai,
bit for bit against TFLite Micro's interpreter on random inputs over the whole range of the
type."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from stai.frontends.tflite.importer import OPERATORS
from stai.tools.reference import run_tflm

_BUILDER = (
    Path(__file__).resolve().parents[1] / "filecheck/frontends/tflite/Inputs/tflite_builder.py"
)

_DTYPES = {"INT16": np.int16, "INT32": np.int32, "BOOL": np.bool_}

_QUANT: dict[str, dict[str, Any]] = {
    "INT16": {"scales": (0.01,), "zero_points": (0,)},  # symmetric, as TFLite Micro wants
    "INT32": {},  # plain integers
    "BOOL": {},
}


def _builder() -> Any:
    spec = importlib.util.spec_from_file_location("stai_test_tflite_builder", _BUILDER)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    # The writer's table lacks booleans; the schema's tensor type and numpy's bytes for them.
    module._TYPES.setdefault("BOOL", (module.tflite.TensorType.BOOL, "?"))
    return module


def _reverse(m: Any, t: str) -> tuple[list[int], int]:
    x = m.tensor("x", (2, 3, 4), t, **_QUANT[t])
    axes = m.tensor("axes", (1,), "INT32", data=np.array([1]))
    y = m.tensor("y", (2, 3, 4), t, **_QUANT[t])
    m.op("REVERSE_V2", [x, axes], [y])
    return [x], y


def _resize_nearest(m: Any, t: str) -> tuple[list[int], int]:
    x = m.tensor("x", (1, 3, 2, 3), t, **_QUANT[t])
    size = m.tensor("size", (2,), "INT32", data=np.array([5, 4]))
    y = m.tensor("y", (1, 5, 4, 3), t, **_QUANT[t])
    m.op("RESIZE_NEAREST_NEIGHBOR", [x, size], [y])
    return [x], y


def _select_v2(m: Any, t: str) -> tuple[list[int], int]:
    condition = m.tensor("condition", (1, 3), "BOOL")  # broadcast over the rows
    x = m.tensor("x", (2, 3), t, **_QUANT[t])
    z = m.tensor("z", (2, 3), t, **_QUANT[t])
    y = m.tensor("y", (2, 3), t, **_QUANT[t])
    m.op("SELECT_V2", [condition, x, z], [y])
    return [condition, x, z], y


CASES: dict[tuple[str, str], Callable[[Any, str], tuple[list[int], int]]] = {
    ("REVERSE_V2", "INT16"): _reverse,
    ("REVERSE_V2", "INT32"): _reverse,
    ("REVERSE_V2", "BOOL"): _reverse,
    ("RESIZE_NEAREST_NEIGHBOR", "INT16"): _resize_nearest,
    ("SELECT_V2", "INT16"): _select_v2,
}


def _random(shape: tuple[int, ...], dtype: Any, rng: np.random.Generator) -> np.ndarray:
    if dtype is np.bool_:
        return rng.integers(0, 2, shape).astype(np.bool_)
    info = np.iinfo(dtype)
    return rng.integers(info.min, info.max, shape, endpoint=True).astype(dtype)


@pytest.mark.parametrize(("op", "type_name"), list(CASES), ids=lambda v: str(v))
def test_data_movement_type_bit_exact(op: str, type_name: str, tmp_path: Path, compiled) -> None:
    m = _builder().ModelBuilder()
    inputs, y = CASES[op, type_name](m, type_name)
    path = tmp_path / f"{op.lower()}_{type_name.lower()}.tflite"
    path.write_bytes(m.build(inputs, [y]))
    assert type_name.lower() in OPERATORS[op].element_types()
    c_model = compiled(path)
    rng = np.random.default_rng(13)
    dtype = _DTYPES[type_name]
    for _ in range(3):
        xs = [
            _random(tuple(m.tensors[i].shape), _DTYPES[m.tensors[i].type_name], rng) for i in inputs
        ]
        (expected,) = run_tflm(path, xs)
        (got,) = c_model.run(xs)
        assert got.dtype == expected.dtype == dtype
        np.testing.assert_array_equal(got, expected)
