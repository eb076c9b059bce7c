"""int4 weights written by TensorFlow's converter: convolution, depthwise and fully
connected layers trained with 4-bit fake quantization of their filters and converted with
``_experimental_low_bit_qat``, which stores the filters as TFLite INT4 tensors (two values
per byte). stai's C is bit-exact with TFLite Micro on them, with stai's kernels and with
CMSIS-NN's."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from int4_models import KINDS, build_int4_model, int4_filters
from shared_models import random_inputs

from stai.compiler.driver import generate
from stai.runtime.runner import CModel
from stai.tools.reference import run_tflm


@pytest.fixture(scope="module")
def int4_models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("int4")
    return {kind: build_int4_model(kind, folder / f"{kind}_int4.tflite") for kind in KINDS}


@pytest.mark.parametrize("kernels", ["stai", "cmsis-nn"])
@pytest.mark.parametrize("kind", list(KINDS))
def test_converter_int4_models_are_bit_exact_with_tflm(
    kind: str, kernels: str, int4_models: dict[str, Path], tmp_path: Path
) -> None:
    path = int4_models[kind]
    assert int4_filters(path) == [KINDS[kind]]  # the converter wrote the filter as INT4
    generate(path, tmp_path / "c", kernels=kernels)
    model = CModel(tmp_path / "c")
    compared = 0
    for inputs in random_inputs(path, 5, seed=3):
        for want, got in zip(run_tflm(path, inputs), model.run(inputs), strict=True):
            np.testing.assert_array_equal(got, want)
            assert len(np.unique(got)) > 3  # not saturated
            compared += 1
    assert compared == 5
