"""CUMSUM (float32 made by TensorFlow's converter; int8 written with the schema: the
converter keeps an int8 model's CUMSUM in float) and GATHER_ND with constant and computed
indices (float32 and int8, made by the converter; longer computed tuples in
test_gather_nd_computed.py), compiled by stai and compared with
TFLite Micro bit for bit (float too) and with LiteRT's reference kernels."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import float_tolerance
from opmodels import FLOAT, INT8, OpSpec, _tf_fn, convert, model_ops
from shared_models import random_inputs

from stai.compiler.driver import generate
from stai.errors import StaiError
from stai.tools.reference import run_litert_ref, run_tflm


def _check(path: Path, compiled, litert: bool = True) -> None:
    c_model = compiled(path)
    for inputs in random_inputs(path, 4, seed=9):
        (got,) = c_model.run(inputs)
        (tflm,) = run_tflm(path, inputs)
        np.testing.assert_array_equal(got, tflm)
        if litert and got.dtype == np.float32:
            (ref,) = run_litert_ref(path, inputs)
            assert np.max(np.abs(got - ref)) <= float_tolerance(ref)


CUMSUM_CASES = {
    # name: input shape, axis, exclusive, reverse
    "rank1": ((7,), 0, False, False),
    "axis1": ((2, 5, 3), 1, False, False),
    "axis_last_exclusive": ((2, 3, 6), -1, True, False),
    "axis0_reverse": ((4, 3, 2), 0, False, True),
    "rank4_exclusive_reverse": ((1, 3, 4, 5), 2, True, True),
}


@pytest.fixture(scope="module")
def cumsum_models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("cumsum_tflite")
    models = {}
    for name, (shape, axis, exclusive, reverse) in CUMSUM_CASES.items():

        def body(tf, axis=axis, exclusive=exclusive, reverse=reverse):
            return lambda x: tf.math.cumsum(x, axis=axis, exclusive=exclusive, reverse=reverse)

        spec = OpSpec(name, (shape,), _tf_fn(body), ("CUMSUM",), "CUMSUM")
        models[name] = convert(spec, FLOAT, folder / f"cumsum_{name}.tflite")
    return models


@pytest.mark.parametrize("name", list(CUMSUM_CASES))
def test_cumsum_float(name, cumsum_models, compiled):
    path = cumsum_models[name]
    assert model_ops(path) == ["CUMSUM"]
    _check(path, compiled)


def _builder():
    path = (
        Path(__file__).resolve().parents[1] / "filecheck/frontends/tflite/Inputs/tflite_builder.py"
    )
    spec = importlib.util.spec_from_file_location("stai_test_tflite_builder_cumsum", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    module._OPTIONS["CUMSUM"] = "CumsumOptions"
    return module


CUMSUM_S8_CASES = {
    # name: shape, axis, exclusive, reverse, (input scale, zp), (output scale, zp)
    "axis1": ((2, 6, 3), 1, False, False, (0.02, -3), (0.1, 5)),
    "exclusive_reverse": ((3, 4), -1, True, True, (0.05, 10), (0.12, -20)),
    "long_saturating": ((1, 40), 1, False, False, (0.1, -128), (0.05, 0)),
    "same_scales": ((5, 2, 2), 0, False, True, (0.03, 0), (0.03, 0)),
}


@pytest.mark.parametrize("name", list(CUMSUM_S8_CASES))
def test_cumsum_int8(name, tmp_path, compiled):
    """int8 CUMSUM, as TFLite Micro computes it (its accumulator starts at the scaled
    input offset)."""
    shape, axis, exclusive, reverse, (s_in, z_in), (s_out, z_out) = CUMSUM_S8_CASES[name]
    m = _builder().ModelBuilder()
    x = m.tensor("x", shape, "INT8", scales=(s_in,), zero_points=(z_in,))
    a = m.tensor("axis", (), "INT32", data=np.array(axis))
    y = m.tensor("y", shape, "INT8", scales=(s_out,), zero_points=(z_out,))
    m.op("CUMSUM", [x, a], [y], Exclusive=exclusive, Reverse=reverse)
    path = tmp_path / f"cumsum_{name}.tflite"
    path.write_bytes(m.build([x], [y]))
    _check(path, compiled, litert=False)


GATHER_ND_CASES = {
    # name: params shape, indices
    "full_index": ((2, 3, 4), [[0, 1, 2], [1, 2, 3], [0, 0, 0]]),
    "rows": ((2, 3, 4), [[0, 1], [1, 2], [0, 0], [1, 0]]),
    "first_axis_batched": ((5, 2, 3), [[[4], [0]], [[2], [2]]]),
    "rank2": ((6, 3), [[5, 2], [0, 1]]),
}


@pytest.fixture(scope="module")
def gather_nd_models(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], Path]:
    folder = tmp_path_factory.mktemp("gather_nd_tflite")
    models = {}
    for name, (shape, indices) in GATHER_ND_CASES.items():

        def body(tf, indices=indices):
            return lambda x: tf.gather_nd(x, tf.constant(indices, tf.int32))

        spec = OpSpec(name, (shape,), _tf_fn(body), ("GATHER_ND",), "GATHER_ND")
        for kind in (FLOAT, INT8):
            models[name, kind] = convert(spec, kind, folder / f"gather_nd_{name}_{kind}.tflite")
    return models


@pytest.mark.parametrize("kind", [FLOAT, INT8])
@pytest.mark.parametrize("name", list(GATHER_ND_CASES))
def test_gather_nd(name, kind, gather_nd_models, compiled):
    path = gather_nd_models[name, kind]
    assert model_ops(path) == ["GATHER_ND"]
    _check(path, compiled)


@pytest.mark.parametrize("kind", [FLOAT, INT8])
def test_gather_nd_of_computed_indices(kind, tmp_path, compiled):
    """GATHER_ND of an index computed in the model (ARG_MAX of per-row maxima): the row
    it names, taken at run time."""

    def body(tf):
        def fn(x):
            row = tf.math.argmax(tf.reduce_max(x, axis=[1, 2]), axis=0, output_type=tf.int32)
            return tf.gather_nd(x, tf.reshape(row, [1, 1]))

        return fn

    spec = OpSpec("gather_nd_computed", ((4, 3, 2),), _tf_fn(body), (), "GATHER_ND")
    path = convert(spec, kind, tmp_path / f"gather_nd_computed_{kind}.tflite")
    assert model_ops(path) == ["REDUCE_MAX", "ARG_MAX", "RESHAPE", "GATHER_ND"]
    _check(path, compiled)


def test_refusals(tmp_path):
    m = _builder().ModelBuilder()
    x = m.tensor("x", (2, 3))
    ids = m.tensor("ids", (1, 2), "INT32")
    y = m.tensor("y", (1,))
    m.op("GATHER_ND", [x, ids], [y])
    path = tmp_path / "gather_nd_computed.tflite"
    path.write_bytes(m.build([x, ids], [y]))
    # computed tuples of 2 compile now (nn.gather_nd, tests/e2e/test_gather_nd_computed.py)
    generate(path, tmp_path / "a")
    assert "stai_gather_nd(" in (tmp_path / "a" / "network.c").read_text()
    m = _builder().ModelBuilder()
    x = m.tensor("x", (2, 3))
    ids = m.tensor("ids", (1, 2), "INT32", data=np.array([[1, 3]]))
    y = m.tensor("y", (1,))
    m.op("GATHER_ND", [x, ids], [y])
    path = tmp_path / "gather_nd_out.tflite"
    path.write_bytes(m.build([x], [y]))
    with pytest.raises(StaiError, match=r"index \[1, 3\] is out of bounds"):
        generate(path, tmp_path / "b")
    m = _builder().ModelBuilder()
    q = {"scales": (0.01,)}
    x = m.tensor("x", (2, 3), "INT16", **q)
    a = m.tensor("axis", (), "INT32", data=np.array(0))
    y = m.tensor("y", (2, 3), "INT16", **q)
    m.op("CUMSUM", [x, a], [y])
    path = tmp_path / "cumsum_int16.tflite"
    path.write_bytes(m.build([x], [y]))
    with pytest.raises(StaiError, match=r"INT16 is not supported \(float32, int8\)"):
        generate(path, tmp_path / "c")


def test_cumsum_quantized_by_stai(cumsum_models, tmp_path):
    """quantize-nn makes the float CUMSUM int8 (its output over its own range)."""
    from test_ops_l2 import _ptq_error

    float_ops, error = _ptq_error(cumsum_models["axis1"], (2, 5, 3), tmp_path / "q")
    assert not float_ops and error < 0.02
