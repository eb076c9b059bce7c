"""``CMSIS_NN_PATH``: the generated Makefile and the runner build against a CMSIS-NN source
tree (``Include/``, ``Source/<group>/*.c``) instead of the portable kernels, with the same
generated C.

The real CMSIS-NN is in no package registry, so the test lays out a stand-in tree in that
shape from stai's portable CMSIS-NN-API sources: this checks the switch (include paths,
source selection, no mixing of the two builds), not CMSIS-NN's own kernels.
"""

from __future__ import annotations

import numpy as np
from cmsis_tree import stand_in_cmsis_tree
from shared_models import random_inputs

from stai.compiler.driver import generate
from stai.runtime.runner import CModel


def test_runner_builds_with_cmsis_nn_path(models_dir, tmp_path, monkeypatch):
    model = models_dir / "mlperf_tiny/kws/kws_ref_model_int8.tflite"
    out = tmp_path / "kws"
    generate(model, out)
    generated_c = (out / "network.c").read_text()
    inputs = random_inputs(model, 3, seed=5)
    portable = [CModel(out).run(x)[0] for x in inputs]

    cmsis = stand_in_cmsis_tree(tmp_path / "CMSIS-NN")
    monkeypatch.setenv("CMSIS_NN_PATH", str(cmsis))
    with_cmsis = CModel(out)
    for x, expected in zip(inputs, portable):
        assert np.array_equal(with_cmsis.run(x)[0], expected)
    assert (out / "build-host" / "cmsis-nn" / "libnetwork.a").is_file()
    assert (out / "network.c").read_text() == generated_c


def test_makefile_rejects_a_path_without_cmsis_headers(models_dir, tmp_path):
    import subprocess

    out = tmp_path / "hw"
    generate(models_dir / "tflm/hello_world/hello_world_int8.tflite", out)
    proc = subprocess.run(
        ["make", "-C", str(out), f"CMSIS_NN_PATH={tmp_path}"], capture_output=True, text=True
    )
    assert proc.returncode != 0
    assert "holds no Include/arm_nnfunctions.h" in proc.stderr
