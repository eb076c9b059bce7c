"""``-O time`` end to end: KWS (four pointwise layers of 125 pixels, a fully connected
layer) and AD (ten fully connected layers of one row) for Cortex-M4 on QEMU with those
layers on int16 weights (``stai_mk_conv1x1_s8_w16``) are bit-exact with TFLite Micro and
run in fewer instructions than with ``-O balanced``; the flash cost the report gives is
the real change of the weights' bytes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from shared_models import SHARED_BY_KEY, random_inputs

from stai.compiler.driver import compile_model, layer_kernels, write_generated
from stai.compiler.options import CompileOptions
from stai.tools.reference import run_tflm

TOOLS = ("arm-none-eabi-gcc", "arm-none-eabi-size", "qemu-system-arm")


@pytest.fixture(scope="module")
def target_tools() -> None:
    missing = [t for t in TOOLS if shutil.which(t) is None]
    if missing:
        pytest.fail(f"{', '.join(missing)} not found: run `make setup`", pytrace=False)


def _run_on_m4(folder: Path, work: Path, path: Path, samples: list[list[np.ndarray]]) -> list[int]:
    """Run ``folder`` on QEMU's Cortex-M4, bit-exact with TFLM; each sample's instructions."""
    from stai.boards.runner import TargetModel

    run = TargetModel(folder, work_dir=work, cmsis_nn_path="").run_many(samples)
    for sample, inputs in zip(run.samples, samples):
        assert sample.status == 0
        for e, g in zip(run_tflm(path, inputs), sample.outputs):
            np.testing.assert_array_equal(g, e)
    counts = [s.instructions for s in run.samples if s.instructions is not None]
    assert len(counts) == len(samples)
    return counts


@pytest.mark.parametrize(("key", "widened"), [("kws_int8", 5), ("ad_int8", 10)])
def test_time_on_cortex_m4(
    target_tools: None, tmp_path: Path, shared_model_path, models_dir, key: str, widened: int
) -> None:
    path = shared_model_path(key)
    samples = [s.inputs for s in SHARED_BY_KEY[key].samples(models_dir)][:1]
    samples += random_inputs(path, 2, seed=15)
    folders, weights, counts = {}, {}, {}
    for choice in ("balanced", "time"):
        options = CompileOptions(name="kws", target="cortex-m4", optimize=choice)
        compiled = compile_model(path, options)
        folders[choice] = tmp_path / choice
        write_generated(compiled, folders[choice])
        weights[choice] = compiled.weights_bytes
        kernels = layer_kernels(compiled.module)
        wide = kernels.count("stai_mk_conv1x1_s8_w16")
        assert wide == (widened if choice == "time" else 0), kernels
        counts[choice] = _run_on_m4(folders[choice], tmp_path / f"b_{choice}", path, samples)
    for before, after in zip(counts["balanced"], counts["time"]):
        assert after < before, (counts["balanced"], counts["time"])
    meta = json.loads((folders["time"] / "kws.json").read_text())["optimize"]
    assert meta["weights_change_bytes"] == weights["time"] - weights["balanced"]
    assert meta["arena_change_bytes"] == 0
    print(f"{key} M4 instructions: balanced {counts['balanced']}, time {counts['time']}")


def test_kws_ram_on_cortex_m4(
    target_tools: None, tmp_path: Path, shared_model_path, models_dir
) -> None:
    """KWS with ``-O ram``: its four pointwise layers without scratch (every pixel widened
    in registers), bit-exact with TFLM on QEMU, in a smaller arena than ``balanced``'s,
    as NAME.json says."""
    path = shared_model_path("kws_int8")
    samples = [s.inputs for s in SHARED_BY_KEY["kws_int8"].samples(models_dir)][:1]
    samples += random_inputs(path, 1, seed=16)
    compiled = compile_model(path, CompileOptions(name="kws", target="cortex-m4", optimize="ram"))
    write_generated(compiled, tmp_path / "ram")
    meta = json.loads((tmp_path / "ram" / "kws.json").read_text())
    assert meta["optimize"]["arena_change_bytes"] < 0
    assert meta["activations_bytes"] == meta["optimize"]["arena_bytes"]
    counts = _run_on_m4(tmp_path / "ram", tmp_path / "b", path, samples)
    print(f"kws_int8 M4 -O ram: arena {meta['activations_bytes']}, instructions {counts}")
