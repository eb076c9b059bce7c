"""GATHER_ND whose index tuples (2 to 5 long) are computed at run time (``nn.gather_nd``,
``stai_gather_nd``): a model input of int32 tuples (written with the schema) and tuples
computed by the model (made by TensorFlow's converter), float32 and int8 params, bit for
bit with TFLite Micro. A tuple names TFLite Micro's flat position (an index past its own
axis is accepted while the slice stays inside the params); a slice outside the params
makes ``run`` fail, as TFLite Micro's invocation does."""

from __future__ import annotations

import importlib.util
import json
import math
import sys
from pathlib import Path

import numpy as np
import pytest
from cli_run import run_stai
from opmodels import FLOAT, INT8, OpSpec, _tf_fn, convert, model_ops

from stai.compiler.driver import generate
from stai.errors import StaiError
from stai.runtime.runner import CModel
from stai.tools.reference import run_tflm


def _builder():
    path = (
        Path(__file__).resolve().parents[1] / "filecheck/frontends/tflite/Inputs/tflite_builder.py"
    )
    spec = importlib.util.spec_from_file_location("stai_test_tflite_builder_gather_nd", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


CASES = {
    # name: params shape, indices shape (last: the tuple's depth), params type
    "rows_of_rank3": ((4, 5, 3), (6, 2), "FLOAT32"),
    "elements_of_rank3": ((4, 5, 3), (7, 3), "FLOAT32"),
    "batched_rank4_int8": ((2, 3, 4, 5), (2, 3, 2), "INT8"),
    "depth4_int8": ((2, 3, 2, 4, 3), (5, 4), "INT8"),
    "depth5_float": ((2, 2, 3, 2, 2, 2), (3, 5), "FLOAT32"),
}


def _model(shape, index_shape, kind: str) -> bytes:
    m = _builder().ModelBuilder()
    q = {"scales": (0.04,), "zero_points": (-7,)} if kind == "INT8" else {}
    x = m.tensor("params", shape, kind, **q)
    ids = m.tensor("indices", index_shape, "INT32")
    depth = index_shape[-1]
    y = m.tensor("y", (*index_shape[:-1], *shape[depth:]), kind, **q)
    m.op("GATHER_ND", [x, ids], [y])
    return m.build([x, ids], [y])


def _params(shape, kind, rng):
    if kind == "INT8":
        return rng.integers(-128, 128, size=shape).astype(np.int8)
    return rng.normal(0, 1, size=shape).astype(np.float32)


def _tuples(shape, index_shape, rng, past_axis: bool):
    """In-range tuples: each index inside its axis, or (``past_axis``) an index past its
    own axis whose flat position still names a slice of the params."""
    depth = index_shape[-1]
    ids = np.stack([rng.integers(0, shape[j], size=index_shape[:-1]) for j in range(depth)], -1)
    if past_axis:
        # move one step along axis 0 into the next one's indices: the same flat position
        ids = ids.reshape(-1, depth)
        movable = ids[:, 0] > 0
        ids[movable, 0] -= 1
        ids[movable, 1] += shape[1]
        ids = ids.reshape(index_shape)
    return ids.astype(np.int32)


@pytest.mark.parametrize("name", list(CASES))
def test_gather_nd_of_input_tuples(name, tmp_path):
    shape, index_shape, kind = CASES[name]
    path = tmp_path / f"{name}.tflite"
    path.write_bytes(_model(shape, index_shape, kind))
    generate(path, tmp_path / "gen")
    assert "stai_gather_nd(" in (tmp_path / "gen" / "network.c").read_text()
    c_model = CModel(tmp_path / "gen")
    rng = np.random.default_rng(len(name))
    for past_axis in (False, True, False):
        params = _params(shape, kind, rng)
        ids = _tuples(shape, index_shape, rng, past_axis)
        if past_axis:
            assert np.any(ids[..., 1] >= shape[1])
        (got,) = c_model.run([params, ids])
        (want,) = run_tflm(path, [params, ids])
        np.testing.assert_array_equal(got, want)
        # each output slice is the params' slice at the tuple's flat position
        depth = index_shape[-1]
        size = math.prod(shape[depth:])
        strides = [math.prod(shape[j + 1 : depth]) for j in range(depth)]
        rows = (ids.reshape(-1, depth) * strides).sum(-1)
        expected = params.reshape(-1, size)[rows].reshape(got.shape)
        np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize("bad", [[[3, 5]], [[-1, 0]], [[0, -1]], [[4, 0]]])
def test_gather_nd_outside_the_params_fails_run(bad, tmp_path):
    """A tuple whose slice leaves the params: TFLite Micro's invocation fails, stai's
    ``run`` returns an error (the C model raises)."""
    shape = (4, 5, 3)
    path = tmp_path / "gather_nd.tflite"
    path.write_bytes(_model(shape, (1, 2), "FLOAT32"))
    generate(path, tmp_path / "gen")
    c_model = CModel(tmp_path / "gen")
    params = np.arange(60, dtype=np.float32).reshape(shape)
    ids = np.array(bad, np.int32)
    with pytest.raises(StaiError, match="run failed"):
        c_model.run([params, ids])
    with pytest.raises(Exception):  # noqa: B017 (TFLite Micro's error type)
        run_tflm(path, [params, ids])
    good = np.array([[3, 4]], np.int32)
    (got,) = c_model.run([params, good])
    np.testing.assert_array_equal(got, params[3:4, 4])


@pytest.mark.parametrize("kind", [FLOAT, INT8])
def test_gather_nd_of_tuples_computed_by_the_model(kind, tmp_path):
    """The converter's GATHER_ND of (row, column) pairs the model computes from its input
    (a slice of it scaled into the two axes' ranges and cast to int32): the slices they
    name, taken at run time."""

    def body(tf):
        def fn(x):
            scaled = (x[0, 0:3, 0:2] + 1.0) * tf.constant([1.99, 2.49])
            return tf.gather_nd(x, tf.cast(scaled, tf.int32))

        return fn

    spec = OpSpec("gather_nd_pair", ((4, 5, 3),), _tf_fn(body), (), "GATHER_ND")
    path = convert(spec, kind, tmp_path / f"gather_nd_pair_{kind}.tflite")
    assert model_ops(path)[-1] == "GATHER_ND"
    generate(path, tmp_path / "gen")
    assert "stai_gather_nd(" in (tmp_path / "gen" / "network.c").read_text()
    c_model = CModel(tmp_path / "gen")
    rng = np.random.default_rng(3)
    for _ in range(4):
        if kind == INT8:
            x = rng.integers(-128, 128, size=(4, 5, 3)).astype(np.int8)
        else:
            x = rng.uniform(-1, 1, size=(4, 5, 3)).astype(np.float32)
        (got,) = c_model.run([x])
        (want,) = run_tflm(path, [x])
        np.testing.assert_array_equal(got, want)


def test_validate_draws_tuples_inside_the_params(tmp_path):
    """An input that only feeds GATHER_ND's tuples: ``stai validate`` draws its random
    samples inside the params (full-range int32 samples would stop ``run``)."""
    path = tmp_path / "gather_nd.tflite"
    path.write_bytes(_model((4, 5, 3), (6, 2), "FLOAT32"))
    code, _, err = run_stai(
        ["validate", "-m", str(path), "--mode", "host", "-o", str(tmp_path / "v")]
    )
    assert code == 0, err
    report = json.loads((tmp_path / "v" / "network_validate.json").read_text())
    (result,) = report["results"]
    assert result["samples"] == 10 and result["max_abs"] == 0.0
