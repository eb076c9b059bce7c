"""TFLite GATHER with constant indices, made by TensorFlow's converter, compiled by stai:
int8 bit-exact with TFLite Micro, float against LiteRT; any axis, indices of rank 0 to 2
(the torch LSTM/GRU last-step selection is one index, the axis dropped)."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import float_tolerance
from opmodels import FLOAT, INT8, OpSpec, _tf_fn, convert, model_ops
from shared_models import random_inputs

from stai.compiler.driver import import_model
from stai.tools.reference import run_litert_ref, run_tflm

CASES = {
    # name: (input shape, indices, axis)
    "rows": ((6, 5), [4, 0, 0, 2], 0),
    "last_step": ((1, 7, 6), 6, 1),
    "channels": ((1, 4, 5, 6), [[5, 1], [0, 3]], 3),
    "middle": ((2, 5, 3, 4), [3, 1, 4], 1),
}


def _body(indices, axis):
    return _tf_fn(lambda tf: lambda x: tf.gather(x * 1.0, indices, axis=axis))


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    folder = tmp_path_factory.mktemp("gather")
    out = {}
    for name, (shape, indices, axis) in CASES.items():
        spec = OpSpec(name, (shape,), _body(indices, axis), ("GATHER",), "GATHER")
        for kind in (FLOAT, INT8):
            out[name, kind] = convert(spec, kind, folder / f"{name}_{kind}.tflite")
    return out


@pytest.mark.parametrize("kind", [FLOAT, INT8])
@pytest.mark.parametrize("name", list(CASES))
def test_tflite_gather(name, kind, models, compiled):
    path = models[name, kind]
    assert model_ops(path) == ["GATHER"]
    assert sum(op.name == "nn.gather" for op in import_model(path).walk()) == 1
    c_model = compiled(path)
    for inputs in random_inputs(path, 3, seed=2):
        got = c_model.run(inputs)
        if kind == INT8:
            for e, g in zip(run_tflm(path, inputs), got):
                np.testing.assert_array_equal(g, e)
        else:
            for e, g in zip(run_litert_ref(path, inputs), got):
                assert g.shape == e.shape
                assert np.max(np.abs(e - g)) <= float_tolerance(e)


def _builder():
    import importlib.util
    import sys
    from pathlib import Path

    path = (
        Path(__file__).resolve().parents[1] / "filecheck/frontends/tflite/Inputs/tflite_builder.py"
    )
    spec = importlib.util.spec_from_file_location("stai_test_tflite_builder", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("kind", [FLOAT, INT8])
def test_tflite_embedding_lookup_with_constant_ids(kind, tmp_path, compiled):
    """EMBEDDING_LOOKUP (written with the schema: the converter makes GATHER) of a computed
    value tensor by constant ids, against TFLite Micro."""
    m = _builder().ModelBuilder()
    quant = {"type_name": "INT8", "scales": (0.05,), "zero_points": (-3,)} if kind == INT8 else {}
    ids = m.tensor("ids", (3,), "INT32", data=np.array([4, 0, 4]))
    value = m.tensor("value", (5, 2, 3), **quant)
    y = m.tensor("y", (3, 2, 3), **quant)
    m.op("EMBEDDING_LOOKUP", [ids, value], [y])
    path = tmp_path / f"embedding_{kind}.tflite"
    path.write_bytes(m.build([value], [y]))
    c_model = compiled(path)
    for inputs in random_inputs(path, 3, seed=4):
        (expected,) = run_tflm(path, inputs)
        (got,) = c_model.run(inputs)
        np.testing.assert_array_equal(got, expected)
        np.testing.assert_array_equal(got, inputs[0][[4, 0, 4]])
