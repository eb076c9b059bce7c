"""SHAPE, ZEROS_LIKE and FILL (``frontends/tflite/constants.py``): SHAPE of a dynamic-batch
model made by TensorFlow's converter folds into a constant; FILL of a computed scalar is
broadcast; FILL of a constant value and ZEROS_LIKE (written with the schema: the converter
folds them) become constants. Compared with TFLite Micro (bit for bit) and LiteRT."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest
from opmodels import FLOAT, INT8, _quietly, model_ops
from shared_models import random_inputs

from stai.compiler.driver import generate, import_model
from stai.errors import StaiError
from stai.tools.reference import run_litert_ref, run_tflm


def _convert(fn, shape: tuple[int | None, ...], kind: str, path: Path) -> Path:
    """Convert ``fn`` of one float input (``None``: a dynamic axis) to ``path``."""
    import tensorflow as tf

    spec = tf.TensorSpec(shape, tf.float32)
    func = tf.function(fn, input_signature=[spec], autograph=False)
    converter = tf.lite.TFLiteConverter.from_concrete_functions(
        [func.get_concrete_function()], func
    )
    if kind == INT8:
        rng = np.random.default_rng(3)
        static = [d or 1 for d in shape]
        samples = [[rng.uniform(-1, 1, static).astype(np.float32)] for _ in range(16)]
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
        converter.representative_dataset = lambda: iter(samples)
        converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
        converter.inference_input_type = tf.int8
        converter.inference_output_type = tf.int8
    path.write_bytes(_quietly(converter.convert))
    return path


def _check(path: Path, compiled, exact: bool) -> None:
    c_model = compiled(path)
    for inputs in random_inputs(path, 3, seed=7):
        got = c_model.run(inputs)
        for e, g in zip(run_tflm(path, inputs), got):
            assert g.dtype == e.dtype and g.shape == e.shape
            if exact:
                np.testing.assert_array_equal(g, e)
            else:
                np.testing.assert_allclose(g, e, rtol=1e-6, atol=1e-6)
        if not exact:
            for e, g in zip(run_litert_ref(path, inputs), got):
                np.testing.assert_allclose(g, e, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("kind", [FLOAT, INT8])
def test_shape_of_a_dynamic_batch_folds(kind, tmp_path, compiled):
    """The converter keeps SHAPE when the batch is dynamic; stai folds it ([1, 4, 3])."""
    import tensorflow as tf

    path = _convert(
        lambda x: tf.cast(tf.shape(x), tf.float32) * tf.reduce_sum(x),
        (None, 4, 3),
        kind,
        tmp_path / f"shape_{kind}.tflite",
    )
    assert model_ops(path)[0] == "SHAPE"
    module = import_model(path)
    folded = [op for op in module.walk() if op.name == "nn.constant"]
    assert any(list(op.to_numpy()) == [1, 4, 3] for op in folded)  # type: ignore[attr-defined]
    _check(path, compiled, exact=kind == INT8)


@pytest.mark.parametrize("kind", [FLOAT, INT8])
def test_fill_of_a_computed_value(kind, tmp_path, compiled):
    """FILL([2, 3], reduce_max(x)): the scalar broadcast to the output."""
    import tensorflow as tf

    path = _convert(
        lambda x: tf.fill([2, 3], tf.reduce_max(x)), (1, 4), kind, tmp_path / f"fill_{kind}.tflite"
    )
    assert model_ops(path) == ["REDUCE_MAX", "FILL"]
    _check(path, compiled, exact=kind == INT8)


def _builder():
    path = (
        Path(__file__).resolve().parents[1] / "filecheck/frontends/tflite/Inputs/tflite_builder.py"
    )
    spec = importlib.util.spec_from_file_location("stai_test_tflite_builder_constants", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


_TYPES = {
    "FLOAT32": ({}, np.float32(2.5)),
    "INT8": ({"scales": (0.05,), "zero_points": (-3,)}, np.int8(41)),
    "INT32": ({}, np.int32(-7)),
}


@pytest.mark.parametrize("type_name", list(_TYPES))
def test_fill_of_a_constant_and_zeros_like(type_name, tmp_path, compiled):
    """ZEROS_LIKE(x) (stored zeros, whatever the zero point) and FILL(dims, constant), in
    every type TFLite Micro has both for, read by a concatenation with x (float, int8) or
    a CAST to float (int32): a model output cannot be a constant."""
    quant, value = _TYPES[type_name]
    m = _builder().ModelBuilder()
    x = m.tensor("x", (3, 2), type_name, **quant)
    zeros = m.tensor("zeros", (3, 2), type_name, **quant)
    dims = m.tensor("dims", (2,), "INT32", data=np.array([1, 2]))
    scalar = m.tensor("value", (), type_name, data=np.array(value), **quant)
    filled = m.tensor("filled", (1, 2), type_name, **quant)
    m.op("ZEROS_LIKE", [x], [zeros])
    m.op("FILL", [dims, scalar], [filled])
    if type_name == "INT32":
        outputs = [m.tensor("z", (3, 2)), m.tensor("f", (1, 2))]
        m.op("CAST", [zeros], [outputs[0]])
        m.op("CAST", [filled], [outputs[1]])
    else:
        outputs = [m.tensor("y", (7, 2), type_name, **quant)]
        m.op("CONCATENATION", [zeros, filled, x], outputs, Axis=0)
    path = tmp_path / f"fill_{type_name}.tflite"
    path.write_bytes(m.build([x], outputs))
    assert model_ops(path)[:2] == ["ZEROS_LIKE", "FILL"]
    _check(path, compiled, exact=True)
    got = compiled(path).run(random_inputs(path, 1, seed=1)[0])
    if type_name == "INT32":
        assert not got[0].any() and (got[1] == value).all()
    else:
        assert not got[0][:3].any() and (got[0][3] == value).all()


def test_refusals(tmp_path):
    m = _builder().ModelBuilder()
    x = m.tensor("x", (2, 3))
    dims = m.tensor("dims", (2,), "INT32", data=np.array([2, 2]))
    scalar = m.tensor("value", (), data=np.array(1.0))
    y = m.tensor("y", (2, 3))
    m.op("FILL", [dims, scalar], [y])
    path = tmp_path / "bad_fill.tflite"
    path.write_bytes(m.build([x], [y]))
    with pytest.raises(StaiError, match=r"dims \[2, 2\] differ from the output's shape \[2, 3\]"):
        generate(path, tmp_path / "a")
    m = _builder().ModelBuilder()
    x = m.tensor("x", (2, 3))
    s = m.tensor("s", (2,), "INT64")
    m.op("SHAPE", [x], [s])
    path = tmp_path / "bad_shape.tflite"
    path.write_bytes(m.build([x], [s]))
    with pytest.raises(StaiError, match="TFLite Micro writes INT32 only"):
        generate(path, tmp_path / "b")
