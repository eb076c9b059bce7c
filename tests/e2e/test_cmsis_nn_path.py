"""``CMSIS_NN_PATH``: the generated Makefile and the runner build against a CMSIS-NN source
tree (``Include/``, ``Source/<group>/*.c``) instead of the portable kernels, with the same
generated C, compiling only the CMSIS-NN sources the network's calls need.

The real CMSIS-NN is in no package registry, so most tests lay out a stand-in tree in its
shape (``tests/cmsis_tree.py``: stai's portable CMSIS-NN-API sources at CMSIS-NN's paths,
link markers for the dependencies between files, float16/float32 and unneeded sources that
do not compile): they check the switch (include paths, source selection, no mixing of the
two builds), not CMSIS-NN's own kernels. The ``cmsis_nn`` tests (``make test-cmsis``) run
the real one from ``CMSIS_NN_PATH``.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import numpy as np
import pytest
from cmsis_tree import stand_in_cmsis_tree
from shared_models import SHARED_BY_KEY, random_inputs

from stai.compiler.driver import generate
from stai.errors import StaiError
from stai.runtime import cmsis_nn_sources
from stai.runtime.runner import CModel


def _archive(library: Path) -> set[str]:
    out = subprocess.run(["ar", "t", str(library)], capture_output=True, text=True, check=True)
    return set(out.stdout.split())


def _listed(folder: Path) -> list[str]:
    """The CMSIS-NN sources a generated Makefile lists (``CMSIS_NN_SRCS``)."""
    show = "--eval=stai-show: ; @echo $(CMSIS_NN_SRCS)"
    out = subprocess.run(
        ["make", "-s", "-C", str(folder), show, "stai-show"],
        capture_output=True,
        text=True,
        check=True,
    )
    return out.stdout.split()


@pytest.mark.parametrize("layout", ["main", "v7"])
def test_runner_builds_with_cmsis_nn_path(models_dir, tmp_path, monkeypatch, layout):
    model = models_dir / "mlperf_tiny/kws/kws_ref_model_int8.tflite"
    out = tmp_path / "kws"
    generate(model, out, kernels="cmsis-nn")
    generated_c = (out / "network.c").read_text()
    inputs = random_inputs(model, 3, seed=5)
    portable = [CModel(out).run(x)[0] for x in inputs]

    cmsis = stand_in_cmsis_tree(tmp_path / "CMSIS-NN", layout)
    monkeypatch.setenv("CMSIS_NN_PATH", str(cmsis))
    with_cmsis = CModel(out)
    for x, expected in zip(inputs, portable):
        assert np.array_equal(with_cmsis.run(x)[0], expected)
    library = out / "build-host" / "cmsis-nn" / "libnetwork.a"
    assert library.is_file()
    assert (out / "network.c").read_text() == generated_c
    # Only the listed files, which the network's calls need: its kernels' files and what
    # they call, none of a kernel it does not use.
    listed = _listed(out)
    members = _archive(library)
    assert members == {"network.o", "network_data.o"} | {Path(p).stem + ".o" for p in listed}
    assert {"arm_depthwise_conv_wrapper_s8.o", "arm_nn_mat_mult_nt_t_s8.o"} <= members
    assert not members & {"arm_elementwise_add_s8.o", "arm_max_pool_s8.o"}


def test_a_fully_connected_model_builds_no_convolution_source(models_dir, tmp_path, monkeypatch):
    """The anomaly-detection model only calls the fully-connected kernel: with CMSIS_NN_PATH
    its library holds that kernel's files and nothing of CMSIS-NN's convolutions."""
    model = models_dir / "mlperf_tiny/ad/ad01_int8.tflite"
    out = tmp_path / "ad"
    generate(model, out, kernels="cmsis-nn")
    code = (out / "network.c").read_text()
    assert "arm_fully_connected_s8(" in code and "arm_convolve" not in code
    inputs = random_inputs(model, 2, seed=1)
    portable = [CModel(out).run(x)[0] for x in inputs]
    monkeypatch.setenv("CMSIS_NN_PATH", str(stand_in_cmsis_tree(tmp_path / "CMSIS-NN")))
    with_cmsis = CModel(out)
    for x, expected in zip(inputs, portable):
        assert np.array_equal(with_cmsis.run(x)[0], expected)
    assert _listed(out) == cmsis_nn_sources.sources_for({"arm_fully_connected_s8"})
    members = _archive(out / "build-host" / "cmsis-nn" / "libnetwork.a")
    assert "arm_nn_vec_mat_mult_t_s8.o" in members
    assert not any(m.startswith(("arm_convolve", "arm_depthwise")) for m in members)


def test_a_checkout_lacking_a_needed_file_is_a_one_line_error(models_dir, tmp_path, monkeypatch):
    """A CMSIS-NN checkout without a file the network needs (an older or newer version):
    the build skips it and loading the library names the missing function's file."""
    out = tmp_path / "hw"
    generate(models_dir / "tflm/hello_world/hello_world_int8.tflite", out, kernels="cmsis-nn")
    lacking = "NNSupportFunctions/arm_nn_vec_mat_mult_t_s8.c"
    assert lacking in _listed(out)
    tree = stand_in_cmsis_tree(tmp_path / "CMSIS-NN", "v7", missing=[lacking])
    monkeypatch.setenv("CMSIS_NN_PATH", str(tree))
    with pytest.raises(StaiError, match="does not load: .*stai_stand_in_arm_nn_vec_mat_mult_t_s8"):
        CModel(out)


def test_makefile_rejects_a_path_without_cmsis_headers(models_dir, tmp_path):
    out = tmp_path / "hw"
    generate(models_dir / "tflm/hello_world/hello_world_int8.tflite", out, kernels="cmsis-nn")
    proc = subprocess.run(
        ["make", "-C", str(out), f"CMSIS_NN_PATH={tmp_path}"], capture_output=True, text=True
    )
    assert proc.returncode != 0
    assert "holds no Include/arm_nnfunctions.h" in proc.stderr


REAL_MODELS = ["kws_int8", "vww_int8", "ic_int8", "ad_int8", "micro_speech_int8"]


@pytest.mark.cmsis_nn
@pytest.mark.parametrize("key", REAL_MODELS)
def test_real_cmsis_nn_on_the_host_is_bit_exact(key, models_dir, tmp_path, monkeypatch):
    """With ``CMSIS_NN_PATH`` set to a real CMSIS-NN checkout (v7.0 or main): the host
    build compiles only the listed sources (the main branch's float16 sources need
    switches a plain build lacks) and gives the portable kernels' outputs, which are
    TFLite Micro's."""
    real = os.environ.get("CMSIS_NN_PATH")
    if not real:
        pytest.fail("CMSIS_NN_PATH is not set (make test-cmsis CMSIS_NN_PATH=...)", pytrace=False)
    model = SHARED_BY_KEY[key].path(models_dir)
    out = tmp_path / key
    generate(model, out, kernels="cmsis-nn")
    inputs = random_inputs(model, 2, seed=11)
    monkeypatch.delenv("CMSIS_NN_PATH")
    portable = [CModel(out).run(x) for x in inputs]
    monkeypatch.setenv("CMSIS_NN_PATH", real)
    with_cmsis = CModel(out)
    for x, expected in zip(inputs, portable):
        for got, want in zip(with_cmsis.run(x), expected):
            np.testing.assert_array_equal(got, want)
    members = _archive(out / "build-host" / "cmsis-nn" / "libnetwork.a")
    listed = {Path(p).stem + ".o" for p in _listed(out)}
    assert {"network.o", "network_data.o"} < members <= {"network.o", "network_data.o"} | listed
