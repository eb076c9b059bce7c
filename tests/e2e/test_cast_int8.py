"""CAST between every pair of types TFLite Micro's CAST supports that stai has (from int8,
int16, int32, float32 or bool to int8, int16, int32 or float32; the converter writes the
int8 and int16 ends without quantization: plain integers), in float and int8 models made
by TensorFlow's converter, bit for bit against TFLite Micro: a float out of an integer's
range saturates, an integer keeps its low bits. Casts to bool (TFLite Micro has none)
against LiteRT's reference kernels. A plain int16 comparison (two casts) against LiteRT."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from opmodels import FLOAT, INT8, OpSpec, _tf_fn, convert, model_ops, tensor_types

from stai.tools.reference import run_litert_ref, run_tflm

A = (1, 4, 6)


def _casts(tf):
    """Every pair: the integers made from the inputs by casts of scaled floats (out of the
    narrow types' ranges, so saturation and wrapping both show)."""

    def body(a, b):
        i8 = tf.cast(a * 300.0, tf.int8)
        i16 = tf.cast(a * 40000.0, tf.int16)
        i32 = tf.cast(b * 1.0e5, tf.int32)
        flag = a > b
        return (
            *(tf.cast(i8, tf.float32), tf.cast(i8, tf.int16), tf.cast(i8, tf.int32)),
            *(tf.cast(i16, tf.int8), tf.cast(i16, tf.float32), tf.cast(i16, tf.int32)),
            *(tf.cast(i32, tf.int8), tf.cast(i32, tf.int16), tf.cast(i32, tf.float32)),
            *(tf.cast(flag, tf.int8), tf.cast(flag, tf.int16), tf.cast(flag, tf.int32)),
            tf.cast(flag, tf.float32),
        )

    return body


def _to_bool(tf):
    def body(a, b):
        i8 = tf.cast(a * 3.0, tf.int8)
        i16 = tf.cast(b * 3.0, tf.int16)
        return tf.cast(i8, tf.bool), tf.cast(i16, tf.bool)

    return body


def _plain_int16_compare(tf):
    def body(a, b):
        x, y = tf.cast(a * 4.0, tf.int16), tf.cast(b * 4.0, tf.int16)
        return tf.less(x, y), tf.greater_equal(x, y), tf.equal(x, y)

    return body


SPECS = {
    "casts": _casts,
    "casts_to_bool": _to_bool,
    "casts_int16_compare": _plain_int16_compare,
}
LITERT = {"casts_to_bool", "casts_int16_compare"}
"""Models TFLite Micro cannot run (no cast to bool, no plain int16 comparison)."""


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    folder = tmp_path_factory.mktemp("casts")
    out = {}
    for name, make in SPECS.items():
        spec = OpSpec(name, (A, A), _tf_fn(make), ("-",), "-", input_ranges=((-1, 1), (-1, 1)))
        for kind in (FLOAT, INT8):
            out[name, kind] = convert(spec, kind, folder / f"{name}_{kind}.tflite")
    return out


def _inputs(path, n, seed):
    import tflite

    graph: Any = tflite.Model.GetRootAsModel(path.read_bytes(), 0).Subgraphs(0)
    rng = np.random.default_rng(seed)
    samples = []
    for _ in range(n):
        sample = []
        for i in graph.InputsAsNumpy():
            tensor: Any = graph.Tensors(int(i))
            shape = tuple(int(d) for d in tensor.ShapeAsNumpy())
            if tensor.Type() == tflite.TensorType.INT8:
                sample.append(rng.integers(-128, 128, size=shape).astype(np.int8))
            else:
                # a grid of quarters and values between: ties, exact and fractional products
                grid = rng.integers(-4, 5, size=shape) / 4.0
                sample.append(np.where(rng.random(shape) < 0.5, grid, rng.uniform(-1, 1, shape)))
                sample[-1] = sample[-1].astype(np.float32)
        samples.append(sample)
    return samples


@pytest.mark.parametrize("kind", [FLOAT, INT8])
@pytest.mark.parametrize("name", list(SPECS))
def test_cast_pairs_bit_exact(name, kind, models, compiled):
    path = models[name, kind]
    ops = model_ops(path)
    assert "CAST" in ops
    c_model = compiled(path)
    reference = run_litert_ref if name in LITERT else run_tflm
    for inputs in _inputs(path, 4, 5):
        got = c_model.run(inputs)
        expected = reference(path, inputs)
        assert len(got) == len(expected)
        for k, (g, e) in enumerate(zip(got, expected)):
            assert g.dtype == e.dtype and g.shape == e.shape, k
            np.testing.assert_array_equal(g, e, err_msg=f"output {k}")


def test_casts_cover_every_pair_and_saturate(models, compiled):
    """The float model holds a CAST for each of the 13 pairs (the outputs' types), and a
    float out of the int8 and int16 ranges saturates (values the scaled inputs reach)."""
    path = models["casts", FLOAT]
    _, outputs = tensor_types(path)
    assert outputs == [
        *("FLOAT32", "INT16", "INT32", "INT8", "FLOAT32", "INT32"),
        *("INT8", "INT16", "FLOAT32", "INT8", "INT16", "INT32", "FLOAT32"),
    ]
    assert model_ops(path).count("CAST") == 16
    c_model = compiled(path)
    a = np.linspace(-1, 1, 24, dtype=np.float32).reshape(A)
    got = c_model.run([a, a])
    np.testing.assert_array_equal(got[1], np.clip(np.trunc(a * 300.0), -128, 127))
    np.testing.assert_array_equal(got[4], np.clip(np.trunc(a * 40000.0), -32768, 32767))
    # int16 -> int8 keeps the low byte
    assert got[3].dtype == np.int8
    np.testing.assert_array_equal(got[3], got[4].astype(np.int16).astype(np.int8))
