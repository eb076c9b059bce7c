"""stai's Helium (MVE) int8 micro-kernels (``runtime/include/stai_mk_mve_s8.h``,
``runtime/mk_mve_layouts.py``).

The layout is checked against its documented formula; the kernel, called with literal
constants as generated code calls it, against the CMSIS-NN API kernels on the same random
layers (odd channel counts, every tail of 16 input channels, one to nine pixels, the
extreme input offsets, left and right shifts, clamps, dead channels), bit for bit: on the
host (its portable C) and on an emulated Cortex-M55 (its Helium code; the reference is
the runtime's portable kernels, or CMSIS-NN's Helium kernels when ``CMSIS_NN_PATH`` names
a checkout), in one QEMU build that also runs KWS's 1x1 layers within an instruction
budget."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import mk_harness as mk
import numpy as np
import pytest

from stai.runtime import manifest, mk_mve_layouts

EDGE_OFFSETS = (-127, -1, 0, 1, 127, 128)


def _cases(seed: int) -> list[mk.Case]:
    rng = np.random.default_rng(seed)
    cases = [mk.random_conv1x1(rng, input_offset=offset) for offset in EDGE_OFFSETS]
    # Every tail of a 16-channel vector, odd output counts (a lone last pair, a last
    # group of four cut short), one to nine pixels (blocks of four and the rest).
    for in_ch, out_ch, pixels in (
        (1, 1, 1),
        (15, 3, 5),
        (16, 4, 4),
        (17, 5, 9),
        (31, 2, 1),
        (33, 7, 6),
        (48, 6, 3),
        (64, 12, 1),  # KWS's fully connected layer
        (70, 9, 8),
    ):
        cases.append(mk.random_conv1x1(rng, pixels=pixels, in_ch=in_ch, out_ch=out_ch))
    cases.append(mk.random_conv1x1(rng, pixels=7, in_ch=40, out_ch=10, fast=0))
    cases.append(mk.random_conv1x1(rng, pixels=1, in_ch=40, out_ch=10, fast=0))
    for lo, hi in ((0, 127), (-128, -1), (-100, -99), (5, 5)):
        cases.append(replace(mk.random_conv1x1(rng), act_min=lo, act_max=hi))
    for n in range(10):
        cases.append(mk.random_conv1x1(rng, fast=0 if n % 3 == 2 else -1))
    # Left shifts (real multipliers above 1): the general path.
    wide = mk.random_conv1x1(rng, pixels=6, in_ch=20, out_ch=5)
    cases.append(replace(wide, shifts=[1, 0, 3, -1, 2], fast=0))
    return [replace(c, mve=True) for c in cases]


def _check(result: mk.Result, cases: list[mk.Case]) -> None:
    wrong = [f"{c.describe()}: {bad} bad bytes" for c, bad in zip(cases, result.bad) if bad != 0]
    assert len(result.bad) == len(cases)
    assert wrong == []


# ---- layout ----------------------------------------------------------------------------


@pytest.mark.parametrize("out_ch, in_ch", [(5, 7), (8, 16), (3, 33), (1, 1), (6, 40)])
def test_pointwise_packing_follows_the_documented_order(out_ch: int, in_ch: int) -> None:
    """For each output pair j and chunk k: 16 weights of channel 2j, then 16 of 2j+1;
    output channels padded to 4, input channels to 16, with zeros."""
    rng = np.random.default_rng(7)
    w = rng.integers(-127, 128, (out_ch, 1, 1, in_ch), dtype=np.int8)
    bias = rng.integers(-1000, 1000, out_ch).astype(np.int32)
    packed, eff = mk_mve_layouts.pack_pointwise_mve_s8(w, bias, -9)
    flat = w.reshape(out_ch, in_ch).astype(np.int64)
    o4, chunks = -(-out_ch // 4) * 4, -(-in_ch // 16)
    assert packed.dtype == np.int8
    assert (packed.size, eff.size) == mk_mve_layouts.conv1x1_mve_sizes(in_ch, out_ch)
    assert packed.size == o4 * 16 * chunks
    for j in range(o4 // 2):
        for k in range(chunks):
            for h in range(2):
                for lane in range(16):
                    o, i = 2 * j + h, 16 * k + lane
                    want = flat[o, i] if o < out_ch and i < in_ch else 0
                    assert packed[((j * chunks + k) * 2 + h) * 16 + lane] == want
    assert eff.dtype == np.int32
    assert list(eff[:out_ch]) == [int(bias[o]) - 9 * int(flat[o].sum()) for o in range(out_ch)]
    assert list(eff[out_ch:]) == [0] * (o4 - out_ch)


def test_an_effective_bias_out_of_int32_is_refused() -> None:
    w = np.full((1, 1, 1, 4), 127, dtype=np.int8)
    with pytest.raises(ValueError, match="int32"):
        mk_mve_layouts.pack_pointwise_mve_s8(w, np.array([2**31 - 10], dtype=np.int64), 128)


def test_fast_requantization_needs_right_shifts_only() -> None:
    assert mk_mve_layouts.fast_requant_mve([-1, -31, -8]) == 2
    assert mk_mve_layouts.fast_requant_mve([-1, 0]) == 0
    assert mk_mve_layouts.fast_requant_mve([3, -8]) == 0


def test_the_kernel_call_names_its_arguments_in_c_order() -> None:
    call = mk_mve_layouts.CONV1X1_MVE
    header = (mk.INCLUDE / call.header).read_text()
    start = header.index(f"arm_cmsis_nn_status {call.function}(")
    signature = header[start : header.index(")", start)]
    names = [part.split()[-1].lstrip("*") for part in signature.split("(", 1)[1].split(",")]
    assert tuple(names) == call.arguments
    assert manifest.header_provider_of()[call.function] == call.header
    assert manifest.sources_for({call.function}) == []


# ---- bit-exactness -------------------------------------------------------------------


def test_portable_form_matches_cmsis_nn_on_the_host(tmp_path: Path) -> None:
    cases = _cases(seed=21)
    _check(mk.run_host(cases, tmp_path), cases)


def test_helium_kernel_matches_cmsis_nn_on_cortex_m55(tmp_path: Path, models_dir: Path) -> None:
    """The random layers and KWS's four 1x1 layers (125 pixels, 64 -> 64, the constants
    convert-nn-to-qnn computes) in one build: exact, and the KWS layers within the
    budget measured when the kernel was written (0.214 instructions per MAC; CMSIS-NN's
    Helium kernel takes 0.396)."""
    model = models_dir / "mlperf_tiny" / "kws" / "kws_ref_model_int8.tflite"
    kws = [
        replace(c, mve=True)
        for c in mk.model_layers(model, np.random.default_rng(6))
        if c.kind == "conv1x1"
    ]
    assert len(kws) == 4
    cases = _cases(seed=22) + kws
    cmsis = os.environ.get("CMSIS_NN_PATH")
    result = mk.run_m4(cases, tmp_path, Path(cmsis) if cmsis else None, target="cortex-m55")
    _check(result, cases)
    assert len(result.mk_instructions) == len(cases)
    for case, count in zip(kws, result.mk_instructions[-len(kws) :]):
        assert count / case.macs < 0.225, (case.describe(), count / case.macs)
