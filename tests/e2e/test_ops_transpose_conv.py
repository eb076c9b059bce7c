"""TFLite TRANSPOSE_CONV made by TensorFlow's converter, compiled by stai: int8 and 16x8
bit-exact with TFLite Micro, float against LiteRT's reference kernels. The cases cover
SAME and VALID padding, strides 1 to 3, odd and even kernels, a kernel narrower than its
stride, with and without a bias, and a fused ReLU."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from conftest import float_tolerance
from opmodels import FLOAT, INT8, INT16, OpSpec, convert, model_ops
from shared_models import random_inputs

from stai.tools.reference import run_litert_ref, run_tflm


def _body(
    cin: int, cout: int, k: int, stride: int, padding: str, out_hw: int, bias: bool, relu: bool
):
    def make(rng: np.random.Generator):
        import tensorflow as tf

        w = tf.constant(
            rng.normal(0, 1 / np.sqrt(cin * k * k), (k, k, cout, cin)).astype(np.float32)
        )
        b = tf.constant(rng.normal(0, 0.1, cout).astype(np.float32))

        def fn(x):
            shape = (1, out_hw, out_hw, cout)
            y = tf.nn.conv2d_transpose(x, w, shape, stride, padding)
            if bias:
                y = y + b
            return tf.nn.relu(y) if relu else y

        return fn

    return make


CASES = {
    # name: (input hw, cin, cout, k, stride, padding, output hw, bias, relu)
    "k3_s2_same": (5, 4, 6, 3, 2, "SAME", 10, True, False),
    "k3_s2_same_relu": (5, 3, 4, 3, 2, "SAME", 10, True, True),
    "k4_s2_same": (4, 2, 5, 4, 2, "SAME", 8, True, False),
    "k3_s1_same": (6, 3, 3, 3, 1, "SAME", 6, True, False),
    "k2_s2_valid": (4, 3, 4, 2, 2, "VALID", 8, True, False),
    "k3_s2_valid_no_bias": (4, 2, 3, 3, 2, "VALID", 9, False, False),
    "k2_s3_valid": (3, 2, 2, 2, 3, "VALID", 8, True, False),
    "k5_s2_same_odd": (3, 2, 4, 5, 2, "SAME", 5, True, False),
}


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], Path]:
    folder = tmp_path_factory.mktemp("transpose_conv")
    out = {}
    for name, (hw, cin, cout, k, stride, padding, out_hw, bias, relu) in CASES.items():
        body = _body(cin, cout, k, stride, padding, out_hw, bias, relu)
        spec = OpSpec(name, ((1, hw, hw, cin),), body, ("TRANSPOSE_CONV",), "TRANSPOSE_CONV")
        for kind in (FLOAT, INT8, INT16):
            out[name, kind] = convert(spec, kind, folder / f"{name}_{kind}.tflite")
    return out


@pytest.mark.parametrize("kind", [INT8, INT16, FLOAT])
@pytest.mark.parametrize("name", list(CASES))
def test_transpose_conv_matches_the_reference(name, kind, models, compiled) -> None:
    path = models[name, kind]
    ops = model_ops(path)
    assert "TRANSPOSE_CONV" in ops, ops
    c_model = compiled(path)
    for inputs in random_inputs(path, 4, seed=3):
        got = c_model.run(inputs)
        if kind == FLOAT:
            for e, g in zip(run_litert_ref(path, inputs), got):
                assert np.max(np.abs(e - g)) <= float_tolerance(e)
        else:
            want = run_tflm(path, inputs)
            for e, g in zip(want, got):
                assert g.dtype == e.dtype
                np.testing.assert_array_equal(g, e)
