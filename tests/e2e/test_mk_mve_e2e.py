"""stai's Helium kernels (``select-kernels`` on ``isa=mve``, ``stai_mk_mve_s8.h``) in real
models on the emulated Cortex-M55 (QEMU mps3-an547): bit-exact with TFLite Micro, the
layers that have a Helium form of stai's on it and every other layer on CMSIS-NN's
kernels (CMSIS-NN's own Helium kernels with ``CMSIS_NN_PATH``, else the runtime's
portable ones), in fewer instructions than without them."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np
import pytest
from shared_models import SHARED_BY_KEY, random_inputs

from stai.compiler.driver import compile_model, layer_kernels, write_generated
from stai.compiler.options import CompileOptions
from stai.tools.reference import run_tflm

TOOLS = ("arm-none-eabi-gcc", "arm-none-eabi-size", "qemu-system-arm")

CMSIS_NN = os.environ.get("CMSIS_NN_PATH", "")

KWS_BUDGET = 1_070_000 if CMSIS_NN else 1_110_000
"""KWS's instructions per inference on the M55 with stai's Helium kernels: 1,050,224
measured with CMSIS-NN's Helium kernels for the pooling and the softmax (1,809,679 with
CMSIS-NN alone), 1,089,702 with the portable ones (37,206,129 with them alone)."""


@pytest.fixture
def target_tools() -> None:
    missing = [t for t in TOOLS if shutil.which(t) is None]
    if missing:
        pytest.fail(f"{', '.join(missing)} not found: run `make setup`", pytrace=False)


def _run_on_m55(folder: Path, work: Path, path: Path, samples: list[list[np.ndarray]]) -> list[int]:
    """Run ``folder`` on QEMU's Cortex-M55, bit-exact with TFLM; each sample's
    instructions."""
    from stai.boards.runner import TargetModel

    run = TargetModel(folder, work_dir=work, cmsis_nn_path=CMSIS_NN).run_many(samples)
    for sample, inputs in zip(run.samples, samples):
        assert sample.status == 0
        for e, g in zip(run_tflm(path, inputs), sample.outputs):
            np.testing.assert_array_equal(g, e)
    return [s.instructions for s in run.samples if s.instructions is not None]


def test_kws_with_helium_kernels_on_cortex_m55(
    target_tools: None, tmp_path: Path, shared_model_path, models_dir
) -> None:
    """KWS for cortex-m55 with --kernels stai: its 10x4 first convolution, its four
    depthwise 3x3 layers, its four 1x1 convolutions and its fully connected layer run
    stai's Helium kernels (the pooling and the softmax keep CMSIS-NN's), bit-exact with
    TFLM on the shipped sample and two random inputs, within the instruction budget."""
    path = shared_model_path("kws_int8")
    out = tmp_path / "kws"
    compiled = compile_model(path, CompileOptions(name="kws", target="cortex-m55", kernels="stai"))
    write_generated(compiled, out)
    kernels = layer_kernels(compiled.module)
    pair = ["stai_mk_dwconv3x3_mve_s8", "stai_mk_conv1x1_mve_s8"]
    ours = ["stai_mk_conv_mve_s8", *pair * 4, "stai_mk_conv1x1_mve_s8"]
    assert [k for k in kernels if k.startswith("stai_mk_")] == ours
    assert '#include "stai_mk_mve_s8.h"' in (out / "kws.c").read_text()
    samples = [s.inputs for s in SHARED_BY_KEY["kws_int8"].samples(models_dir)]
    samples += random_inputs(path, 2, seed=8)
    counts = _run_on_m55(out, tmp_path / "b", path, samples)
    assert counts and max(counts) <= KWS_BUDGET, counts


BUDGETS = {
    "vww_int8": 3_320_000,
    "ic_int8": 2_950_000,
    "ad_int8": 60_000,
}
"""Instructions per inference on the M55 with stai's Helium kernels, as measured when
they were written: VWW 3,270,446 with CMSIS-NN's Helium kernels for its pooling and
softmax (6,547,787 with CMSIS-NN alone), 3,289,218 with the portable ones; IC 2,904,200
(4,905,927), 2,920,731; AD 55,822 (146,843), every layer stai's."""


@pytest.mark.parametrize("key", sorted(BUDGETS))
def test_mlperf_tiny_models_with_helium_kernels_on_cortex_m55(
    key: str, target_tools: None, tmp_path: Path, shared_model_path, models_dir
) -> None:
    """VWW (13 depthwise, 14 pointwise layers, a 3x3 stride-2 first layer), IC (ResNet-8:
    3x3 and stride-2 1x1 convolutions on the general kernel, whose output overlaps its
    input in pixel order; three residual additions) and AD (fully connected layers) for
    cortex-m55: every convolution, fully connected layer and addition on stai's Helium
    kernels, bit-exact with TFLM on a shipped sample and a random input, within the
    budget."""
    path = shared_model_path(key)
    out = tmp_path / key
    compiled = compile_model(path, CompileOptions(name="net", target="cortex-m55", kernels="stai"))
    write_generated(compiled, out)
    kernels = layer_kernels(compiled.module)
    weighted = [k for k in kernels if "conv" in k or "fully_connected" in k or "add" in k]
    assert weighted and all(k.startswith("stai_mk_") and k.endswith("_mve_s8") for k in weighted)
    samples = [s.inputs for s in SHARED_BY_KEY[key].samples(models_dir)][:1]
    counts = _run_on_m55(out, tmp_path / "b", path, samples + random_inputs(path, 1, seed=9))
    assert counts and max(counts) <= BUDGETS[key], counts


def test_helium_folders_run_on_the_host(tmp_path: Path, shared_model_path) -> None:
    """The folders generated for cortex-m55 build for the host too: without MVE the
    Helium kernels' portable C gives TFLM's integers (KWS: every kernel of
    stai_mk_mve_s8.h but the addition; IC: the general convolution and the addition)."""
    from stai.runtime.runner import CModel

    for key in ("kws_int8", "ic_int8"):
        path = shared_model_path(key)
        out = tmp_path / key
        options = CompileOptions(name="net", target="cortex-m55", kernels="stai")
        compiled = compile_model(path, options)
        write_generated(compiled, out)
        assert any(k.endswith("_mve_s8") for k in layer_kernels(compiled.module))
        model = CModel(out, "net")
        for inputs in random_inputs(path, 3, seed=10):
            for e, g in zip(run_tflm(path, inputs), model.run(inputs)):
                np.testing.assert_array_equal(g, e)
