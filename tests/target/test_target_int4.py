"""int4 weights on Cortex-M4 (QEMU mps2-an386) and Cortex-M55 (Helium): the
converter-made conv, depthwise and fully connected models whose filters are INT4
(``tests/int4_models.py``), built for the target and run on the emulated board,
bit-exact with TFLite Micro."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from int4_models import KINDS, build_int4_model, int4_filters
from shared_models import random_inputs

from stai.boards.runner import TargetModel
from stai.compiler.driver import generate
from stai.tools.reference import run_tflm


@pytest.mark.parametrize("target", ["cortex-m4", "cortex-m55"])
@pytest.mark.parametrize("kind", list(KINDS))
def test_int4_filters_on_target(kind: str, target: str, tmp_path: Path) -> None:
    path = build_int4_model(kind, tmp_path / f"{kind}_int4.tflite")
    assert int4_filters(path) == [KINDS[kind]]
    generate(path, tmp_path / "m4", target=target)
    samples = random_inputs(path, 3, seed=5)
    run = TargetModel(tmp_path / "m4").run_many(samples)
    for sample, outputs in zip(samples, run.outputs, strict=True):
        for got, want in zip(outputs, run_tflm(path, sample), strict=True):
            np.testing.assert_array_equal(got, want)
