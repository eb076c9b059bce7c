"""stai's Helium (MVE) int8 micro-kernels (``runtime/include/stai_mk_mve_s8.h``,
``runtime/mk_mve_layouts.py``): the 1x1 convolution, the depthwise 3x3 convolution and
the general convolution.

The layouts are checked against their documented formulas; the kernels, called with
literal constants as generated code calls them, against the CMSIS-NN API kernels on the
same random layers (odd channel counts, every tail of 16 input channels, one to nine
pixels, strides 1 and 2, SAME and VALID padding, the extreme input offsets, left and
right shifts, clamps, dead channels), bit for bit: on the host (their portable C) and on
an emulated Cortex-M55 (their Helium code; the reference is the runtime's portable
kernels, or CMSIS-NN's Helium kernels when ``CMSIS_NN_PATH`` names a checkout), in one
QEMU build that also runs KWS's 1x1 and depthwise layers within an instruction budget."""

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
    # Depthwise 3x3: a multiple of 4 channels (the kernel's lanes), 1x1 to 13x13 inputs.
    for offset in EDGE_OFFSETS:
        cases.append(_dw(rng, input_offset=offset))
    cases += [
        _dw(rng, in_h=1, in_w=1, ch=4, stride=1, same=True),
        _dw(rng, in_h=3, in_w=3, ch=8, stride=1, same=False),
        _dw(rng, in_h=4, in_w=4, ch=12, stride=2, same=True),
        _dw(rng, in_h=7, in_w=6, ch=20, stride=2, same=False),
        _dw(rng, in_h=6, in_w=5, ch=36, stride=1, same=True, fast=0),
        _dw(rng, in_h=5, in_w=9, ch=68, stride=2, same=True),  # 17 groups: a tail of words
    ]
    for lo, hi in ((0, 127), (-8, 7), (5, 5)):
        cases.append(replace(_dw(rng), act_min=lo, act_max=hi))
    for n in range(6):
        cases.append(_dw(rng, fast=0 if n % 3 == 2 else -1))
    # General convolutions: windows of 1x1 to 4x4 and KWS's 10x4, strides 1 and 2 (a
    # stride-2 1x1 too), SAME padding at every border, 1 to 19 input channels.
    conv = mk.random_conv
    for offset in (-127, 0, 128):
        cases.append(conv(rng, input_offset=offset))
    cases += [
        conv(rng, in_h=49, in_w=10, in_ch=1, out_ch=12, kernel=(10, 4), stride=2, same=True),
        conv(rng, in_h=9, in_w=9, in_ch=3, out_ch=8, kernel=(3, 3), stride=2, same=True),
        conv(rng, in_h=8, in_w=8, in_ch=5, out_ch=6, kernel=(1, 1), stride=2, same=False),
        conv(rng, in_h=11, in_w=11, in_ch=19, out_ch=2, kernel=(3, 4), stride=2, same=True),
        conv(rng, in_h=6, in_w=6, in_ch=16, out_ch=9, kernel=(3, 3), stride=1, same=True, fast=0),
    ]
    for n in range(6):
        cases.append(conv(rng, fast=0 if n % 3 == 2 else -1))
    return [replace(c, mve=True) for c in cases]


def _dw(rng: np.random.Generator, **kw) -> mk.Case:
    """A random depthwise 3x3 layer with a multiple of 4 channels."""
    kw.setdefault("ch", 4 * int(rng.integers(1, 7)))
    return mk.random_dwconv3x3(rng, **kw)


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


@pytest.mark.parametrize("ch", [4, 8, 12])
def test_depthwise_packing_follows_the_documented_order(ch: int) -> None:
    """For each group of four channels and each tap 3 ky + kx, the four channels'
    weights; the bias folds the input offset."""
    rng = np.random.default_rng(8)
    w = rng.integers(-127, 128, (1, 3, 3, ch), dtype=np.int8)
    bias = rng.integers(-1000, 1000, ch).astype(np.int32)
    packed, eff = mk_mve_layouts.pack_dwconv3x3_mve_s8(w, bias, 5)
    assert (packed.size, eff.size) == mk_mve_layouts.dwconv3x3_mve_sizes(ch) == (9 * ch, ch)
    for g in range(ch // 4):
        for t in range(9):
            for lane in range(4):
                assert packed[36 * g + 4 * t + lane] == w[0, t // 3, t % 3, 4 * g + lane]
    sums = w.astype(np.int64).reshape(9, ch).sum(axis=0)
    assert list(eff) == [int(bias[c]) + 5 * int(sums[c]) for c in range(ch)]
    assert mk_mve_layouts.scratch_bytes_dwconv3x3_mve(5, 64, 1) == 3 * 7 * 64
    assert mk_mve_layouts.scratch_bytes_dwconv3x3_mve(24, 16, 2) == 3 * 49 * 16
    assert mk_mve_layouts.scratch_bytes_conv_mve(40) == 4 * 48  # KWS's 10x4x1 windows


@pytest.mark.parametrize(
    "call", [mk_mve_layouts.CONV1X1_MVE, mk_mve_layouts.DWCONV3X3_MVE, mk_mve_layouts.CONV_MVE]
)
def test_the_kernel_calls_name_their_arguments_in_c_order(call) -> None:
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


def test_helium_kernels_match_cmsis_nn_on_cortex_m55(tmp_path: Path, models_dir: Path) -> None:
    """The random layers and KWS's four 1x1 and four depthwise layers (125 pixels, 64
    channels, the constants convert-nn-to-qnn computes) in one build: exact, and the KWS
    layers within the budgets measured when the kernels were written (0.213 and 1.627
    instructions per MAC; CMSIS-NN's Helium kernels take 0.396 and 2.343)."""
    model = models_dir / "mlperf_tiny" / "kws" / "kws_ref_model_int8.tflite"
    kws = [replace(c, mve=True) for c in mk.model_layers(model, np.random.default_rng(6))]
    assert sorted(c.kind for c in kws) == ["conv1x1"] * 4 + ["dwconv3x3"] * 4
    cases = _cases(seed=22) + kws
    cmsis = os.environ.get("CMSIS_NN_PATH")
    result = mk.run_m4(cases, tmp_path, Path(cmsis) if cmsis else None, target="cortex-m55")
    _check(result, cases)
    assert len(result.mk_instructions) == len(cases)
    for case, count in zip(kws, result.mk_instructions[-len(kws) :]):
        budget = 0.225 if case.kind == "conv1x1" else 1.7
        assert count / case.macs < budget, (case.describe(), count / case.macs)
