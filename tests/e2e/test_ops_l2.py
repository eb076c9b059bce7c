"""L2_NORMALIZATION (float32, int8; made by TensorFlow's converter) and L2_POOL_2D (float32;
written with the schema: the converter never makes it), compiled by stai and compared with
TFLite Micro (int8 bit for bit, float too) and LiteRT's reference kernels."""

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

L2_NORM_CASES = {
    # name: input shape, input range
    "rank2": ((3, 16), (-1.0, 1.0)),
    "rank3": ((1, 5, 7), (-4.0, 4.0)),
    "rank4_wide": ((1, 2, 3, 200), (-30.0, 30.0)),
    "rank4_one": ((2, 2, 2, 1), (-0.5, 0.5)),
    "long": ((1, 9000), (-1.0, 1.0)),  # int8 sums past 2^29: the shift loop
}


@pytest.fixture(scope="module")
def l2_models(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], Path]:
    folder = tmp_path_factory.mktemp("l2_tflite")
    models = {}
    for name, (shape, bounds) in L2_NORM_CASES.items():
        body = _tf_fn(lambda tf: lambda x: tf.math.l2_normalize(x, axis=-1))
        spec = OpSpec(
            name, (shape,), body, ("L2_NORMALIZATION",), "L2_NORMALIZATION", input_ranges=(bounds,)
        )
        for kind in (FLOAT, INT8):
            models[name, kind] = convert(spec, kind, folder / f"l2norm_{name}_{kind}.tflite")
    return models


@pytest.mark.parametrize("kind", [FLOAT, INT8])
@pytest.mark.parametrize("name", list(L2_NORM_CASES))
def test_l2_normalization(name, kind, l2_models, compiled):
    path = l2_models[name, kind]
    assert model_ops(path) == ["L2_NORMALIZATION"]
    c_model = compiled(path)
    samples = random_inputs(path, 4, seed=11)
    if kind == INT8:  # a row of zero-point codes: the kernel's zero-sum branch
        (x,) = samples[0]
        from stai.frontends.tflite.reader import read_model

        model = read_model(path.read_bytes(), path.name)
        quant = model.tensors[model.inputs[0]].quant
        assert quant is not None
        zp = quant.zero_points[0]
        x = x.copy()
        x.reshape(-1, x.shape[-1])[0] = zp
        samples[0] = [x]
    for inputs in samples:
        (got,) = c_model.run(inputs)
        (tflm,) = run_tflm(path, inputs)
        if kind == INT8:
            np.testing.assert_array_equal(got, tflm)
        else:
            np.testing.assert_array_equal(got, tflm)
            (ref,) = run_litert_ref(path, inputs)
            assert np.max(np.abs(got - ref)) <= float_tolerance(ref)


def _builder():
    path = (
        Path(__file__).resolve().parents[1] / "filecheck/frontends/tflite/Inputs/tflite_builder.py"
    )
    spec = importlib.util.spec_from_file_location("stai_test_tflite_builder_l2", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    module._OPTIONS["L2_POOL_2D"] = "Pool2DOptions"
    return module


L2_POOL_CASES = {
    # name: input shape, (kh, kw), (sh, sw), padding (0 SAME, 1 VALID), activation, output
    "valid_2x2": ((1, 4, 6, 3), (2, 2), (2, 2), 1, 0, (1, 2, 3, 3)),
    "same_3x3_s1": ((2, 5, 5, 2), (3, 3), (1, 1), 0, 0, (2, 5, 5, 2)),
    "same_3x2_s2_relu6": ((1, 7, 5, 4), (3, 2), (2, 2), 0, 3, (1, 4, 3, 4)),
}


def _l2_pool_model(path: Path, case: tuple) -> Path:
    shape, (kh, kw), (sh, sw), padding, act, out_shape = case
    m = _builder().ModelBuilder()
    x = m.tensor("x", shape)
    y = m.tensor("y", out_shape)
    m.op(
        "L2_POOL_2D",
        [x],
        [y],
        Padding=padding,
        StrideW=sw,
        StrideH=sh,
        FilterWidth=kw,
        FilterHeight=kh,
        FusedActivationFunction=act,
    )
    path.write_bytes(m.build([x], [y]))
    return path


@pytest.mark.parametrize("name", list(L2_POOL_CASES))
def test_l2_pool(name, tmp_path, compiled):
    path = _l2_pool_model(tmp_path / f"l2pool_{name}.tflite", L2_POOL_CASES[name])
    assert model_ops(path) == ["L2_POOL_2D"]
    c_model = compiled(path)
    for inputs in random_inputs(path, 3, seed=2):
        inputs = [3.0 * x for x in inputs]
        (got,) = c_model.run(inputs)
        (tflm,) = run_tflm(path, inputs)
        np.testing.assert_array_equal(got, tflm)
        (ref,) = run_litert_ref(path, inputs)
        assert np.max(np.abs(got - ref)) <= float_tolerance(ref)


def test_refusals(tmp_path):
    m = _builder().ModelBuilder()
    q = {"type_name": "INT8", "scales": (0.1,), "zero_points": (0,)}
    x = m.tensor("x", (1, 4, 4, 2), **q)
    y = m.tensor("y", (1, 2, 2, 2), **q)
    m.op("L2_POOL_2D", [x], [y], Padding=1, StrideW=2, StrideH=2, FilterWidth=2, FilterHeight=2)
    path = tmp_path / "l2pool_int8.tflite"
    path.write_bytes(m.build([x], [y]))
    with pytest.raises(StaiError, match=r"L2_POOL_2D \(operator 0\): only float32"):
        generate(path, tmp_path / "a")


def _ptq_error(path: Path, shape: tuple[int, ...], folder: Path) -> tuple[list[str], float]:
    """stai's post-training quantization of a float model: the ops left in float and the
    rms error of the int8 network against LiteRT's float result, relative to its range."""
    from stai.compiler.driver import import_model
    from stai.runtime.model_runner import Runner
    from stai.tools.quantize import compile_module, quantize_module

    rng = np.random.default_rng(0)
    module = import_model(path)
    report = quantize_module(module, [rng.uniform(-1, 1, (64, *shape)).astype(np.float32)])
    data = rng.uniform(-1, 1, (8, *shape)).astype(np.float32)
    (out,) = Runner(compile_module(module, folder, "q"), "q").run([data]).outputs
    refs = np.stack([run_litert_ref(path, [x])[0] for x in data])
    rms = float(np.sqrt(np.mean((out.reshape(refs.shape) - refs) ** 2)))
    return list(report.float_ops), rms / float(np.abs(refs).max())


def test_l2_normalization_quantized_by_stai(l2_models, tmp_path):
    """quantize-nn makes the float L2 normalization int8 (output 1/128, zero point 0)."""
    float_ops, error = _ptq_error(l2_models["rank3", FLOAT], (1, 5, 7), tmp_path / "q")
    assert not float_ops and error < 0.02
