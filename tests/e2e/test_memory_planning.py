"""Memory planning on every shared model: the planned arena against its bound and against
TFLite Micro, and the same results with caller-provided inputs/outputs, split weights and
two memory pools.

For int8 models every variant is bit-exact with TFLite Micro; for float and hybrid models
every variant gives exactly the outputs of the default build (whose accuracy against
LiteRT ``test_shared_models.py`` checks).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from shared_models import HYBRID, INT8, SHARED_MODELS, random_inputs

from stai.compiler.driver import generate
from stai.runtime.runner import CModel
from stai.tools.reference import run_tflm, tflm_arena_bytes

MODELS = SHARED_MODELS
IDS = [m.key for m in MODELS]


def _samples(model, models_dir: Path) -> list[list[np.ndarray]]:
    path = model.path(models_dir)
    samples = [s.inputs for s in model.samples(models_dir)][:2]
    return samples + random_inputs(path, 3, seed=77, float_range=model.float_range)


@pytest.fixture(scope="session")
def default_builds(compiled):
    """``default_builds(model, models_dir) -> CModel``: the default build (shared with the
    other end-to-end tests through the session's ``compiled`` cache)."""

    def get(model, models_dir: Path) -> CModel:
        return compiled(model.path(models_dir))

    return get


@pytest.mark.parametrize("model", MODELS, ids=IDS)
def test_arena_within_breadth_bound_plus_scratch(model, models_dir, default_builds):
    meta = default_builds(model, models_dir).meta
    plan = meta["memory_plan"]
    assert meta["activations_bytes"] == plan["arena_bytes"]
    assert plan["arena_bytes"] <= plan["breadth_bound_bytes"] + plan["max_scratch_bytes"], plan
    # Outputs may share their inputs' bytes: no plan is below the overlap lower bound, which
    # is at most the bytes live at one step.
    least = plan.get("overlap_bound_bytes", plan["peak_bytes"])
    assert least <= plan["peak_bytes"]
    assert plan["arena_bytes"] >= least


OVERLAP_GAINS = {
    "kws_int8": 8_764,
    "kws_hybrid": 41_800,
    "ic_int8": 34_636,
    "ic_float": 133_888,
    "vww_float": 147_552,
    "vww_int8": 41_784,
}
"""Arenas (host, stai's kernels) that outputs written over their inputs bring below the
breadth bound (VWW: the stride-2 depthwise layers in channel order; KWS hybrid: a hybrid
convolution reads its whole input before it writes)."""


@pytest.mark.parametrize("key", sorted(OVERLAP_GAINS))
def test_overlapping_outputs_go_below_the_breadth_bound(key, models_dir, default_builds):
    model = next(m for m in MODELS if m.key == key)
    plan = default_builds(model, models_dir).meta["memory_plan"]
    assert plan["arena_bytes"] == OVERLAP_GAINS[key] < plan["breadth_bound_bytes"], plan
    assert plan["arena_bytes"] >= plan["overlap_bound_bytes"]
    assert "overlapping" in plan["strategy"]


ARENA_TARGETS = {"kws_int8": 9_000, "vww_int8": 42_000, "ic_int8": 49_152}
"""The arenas (default options: stai's kernels) the overlap issue asked for; every other
model at or below its breadth bound."""


@pytest.mark.parametrize("model", MODELS, ids=IDS)
def test_arena_targets(model, models_dir, default_builds):
    plan = default_builds(model, models_dir).meta["memory_plan"]
    target = ARENA_TARGETS.get(model.key, plan["breadth_bound_bytes"])
    assert plan["arena_bytes"] <= target, plan


@pytest.mark.parametrize("model", [m for m in MODELS if m.kind != HYBRID], ids=lambda m: m.key)
def test_total_ram_below_tflite_micro(model, models_dir, default_builds):
    """Arena plus every mutable static of the generated code, against TFLite Micro's arena
    (planned tensors plus its runtime tail) on the same model."""
    plan = default_builds(model, models_dir).meta["memory_plan"]
    ours = plan["arena_bytes"] + plan["mutable_static_bytes"]
    theirs = tflm_arena_bytes(model.path(models_dir))
    assert ours < theirs, f"stai {ours} bytes, TFLite Micro {theirs}"


def _check_variant(model, models_dir, default_builds, out: Path, **options) -> CModel:
    """Build a variant and compare it with the oracle on the model's samples."""
    path = model.path(models_dir)
    generate(path, out, name="net", **options)
    variant = CModel(out)
    default = default_builds(model, models_dir)
    for inputs in _samples(model, models_dir):
        got = variant.run(inputs)
        expected = run_tflm(path, inputs) if model.kind == INT8 else default.run(inputs)
        for e, g in zip(expected, got):
            assert e.dtype == g.dtype and np.array_equal(e, g), f"{options}: outputs differ"
    return variant


@pytest.mark.parametrize("model", MODELS, ids=IDS)
def test_caller_buffers_split_weights_and_two_pools(model, models_dir, default_builds, tmp_path):
    """Inputs and outputs outside the arena, one array per weight tensor, and the arena
    split over two pools (the first holds half of the default arena), 16-byte aligned."""
    default_bytes = default_builds(model, models_dir).meta["activations_bytes"]
    first = max(default_bytes // 2, 16)
    pools = tmp_path / "pools.json"
    pools.write_text(
        json.dumps(
            [
                {"name": "fast", "size": first, "section": ".dtcm"},
                {"name": "slow", "size": 4 * default_bytes},
            ]
        )
    )
    variant = _check_variant(
        model,
        models_dir,
        default_builds,
        tmp_path / "v",
        allocate_inputs=False,
        allocate_outputs=False,
        split_weights=True,
        memory_pool=pools,
        alignment=16,
    )
    meta = variant.meta
    assert meta["inputs_in_activations"] is False and meta["outputs_in_activations"] is False
    assert meta["weights"] == "split"
    used = [p["size"] for p in meta["pools"]]
    assert len(used) == 2 and used[0] <= first
    header = (tmp_path / "v" / "net.h").read_text()
    for line in (
        "int stai_net_set_input(int index, void *data);",
        "int stai_net_set_output(int index, void *data);",
        "int stai_net_init(void *pool_fast, void *pool_slow);",
        '#define STAI_NET_POOL_0_SECTION ".dtcm"',
    ):
        assert line in header, line


# ----------------------------------------------------------------- command line

STAI = [sys.executable, "-m", "stai.cli.main"]

BOARD = """/* A small board */
MEMORY
{
  FLASH (rx)  : ORIGIN = 0x08000000, LENGTH = {flash}
  SRAM1 (xrw) : ORIGIN = 0x20000000, LENGTH = 8K
  SRAM2 (xrw) : ORIGIN = 0x20002000, LENGTH = 32K
}
"""


def test_generate_with_a_linker_script(models_dir, tmp_path):
    model = models_dir / "mlperf_tiny/kws/kws_ref_model_int8.tflite"
    ld = tmp_path / "board.ld"
    ld.write_text(BOARD.replace("{flash}", "512K"))
    out = tmp_path / "kws"
    proc = subprocess.run(
        [
            *STAI,
            "generate",
            "-m",
            str(model),
            "-o",
            str(out),
            "--memory-pool",
            str(ld),
            "--no-inputs-allocation",
        ],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr
    report = (out / "network_report.txt").read_text()
    assert "Flash (FLASH, from board.ld)" in report and "fits" in report
    assert "SRAM1" in report and "SRAM2" in report
    meta = json.loads((out / "network.json").read_text())
    assert [p["name"] for p in meta["pools"]] == ["SRAM1", "SRAM2"]
    assert meta["pools"][0]["size"] <= 8 * 1024


def test_too_small_a_chip_is_a_one_line_error(models_dir, tmp_path):
    model = models_dir / "mlperf_tiny/kws/kws_ref_model_int8.tflite"
    small_flash = tmp_path / "small_flash.ld"
    small_flash.write_text(BOARD.replace("{flash}", "16K"))
    proc = subprocess.run(
        [
            *STAI,
            "generate",
            "-m",
            str(model),
            "-o",
            str(tmp_path / "a"),
            "--memory-pool",
            str(small_flash),
        ],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 2
    assert "does not fit the flash region FLASH" in proc.stderr and "bytes missing" in proc.stderr
    pools = tmp_path / "pools.json"
    pools.write_text('[{"name": "tiny", "size": 4096}, {"name": "small", "size": 4096}]')
    proc = subprocess.run(
        [
            *STAI,
            "generate",
            "-m",
            str(model),
            "-o",
            str(tmp_path / "b"),
            "--memory-pool",
            str(pools),
        ],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "bytes missing" in lines[0] and "tiny, small" in lines[0]
    assert not (tmp_path / "b").exists()
