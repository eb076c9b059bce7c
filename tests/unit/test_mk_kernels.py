"""stai's int8 micro-kernels (``runtime/include/stai_mk_s8.h``, ``runtime/mk_layouts.py``).

The layouts are checked against their documented formulas; the kernels, called with
literal constants as generated code calls them, against the CMSIS-NN API kernels on the
same random layers, bit for bit: on the host (portable path, the runtime's portable
CMSIS-NN kernels) and on an emulated Cortex-M4 (DSP path). ``STAI_FUZZ_CASES`` (default
10) scales the number of random layers.
"""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import mk_harness as mk
import numpy as np
import pytest

from stai.runtime import mk_layouts

FUZZ = int(os.environ.get("STAI_FUZZ_CASES", "10"))

# Input offsets (negated zero points) at both ends of their range and around zero.
EDGE_OFFSETS = (-127, -1, 0, 1, 127, 128)


def _cases(seed: int) -> list[mk.Case]:
    """Random layers plus fixed edge cases: odd channel counts, one channel, strides 1
    and 2, SAME and VALID padding, the extreme input offsets, forced general
    requantization."""
    rng = np.random.default_rng(seed)
    cases: list[mk.Case] = []
    for offset in EDGE_OFFSETS:
        cases.append(mk.random_conv1x1(rng, input_offset=offset))
        cases.append(mk.random_dwconv3x3(rng, input_offset=offset))
    cases += [
        mk.random_conv1x1(rng, pixels=1, in_ch=1, out_ch=1),
        mk.random_conv1x1(rng, pixels=7, in_ch=3, out_ch=5),
        mk.random_conv1x1(rng, pixels=2, in_ch=33, out_ch=7),
        mk.random_conv1x1(rng, pixels=1, in_ch=40, out_ch=10),  # a fully connected layer
        # One pixel runs without scratch: every tail of input channels past whole words
        # (0 to 3) and odd output channel counts.
        mk.random_conv1x1(rng, pixels=1, in_ch=2, out_ch=3),
        mk.random_conv1x1(rng, pixels=1, in_ch=7, out_ch=4),
        mk.random_conv1x1(rng, pixels=1, in_ch=13, out_ch=9),
        mk.random_conv1x1(rng, pixels=1, in_ch=66, out_ch=16),
        mk.random_conv1x1(rng, pixels=1, in_ch=128, out_ch=5, fast=0),
        mk.random_conv1x1(rng, pixels=9, in_ch=16, out_ch=12, fast=0),
        # Weights one and two bytes past a word (a weights alignment of 1 or 2): no LDRD.
        replace(mk.random_conv1x1(rng, pixels=1, in_ch=37, out_ch=11), misalign=1),
        replace(mk.random_conv1x1(rng, pixels=5, in_ch=24, out_ch=9), misalign=2),
        replace(mk.random_dwconv3x3(rng, in_h=5, in_w=4, ch=6, stride=1, same=True), misalign=3),
        mk.random_dwconv3x3(rng, in_h=3, in_w=3, ch=1, stride=1, same=False),
        mk.random_dwconv3x3(rng, in_h=4, in_w=4, ch=3, stride=2, same=True),
        mk.random_dwconv3x3(rng, in_h=7, in_w=6, ch=5, stride=2, same=False),
        mk.random_dwconv3x3(rng, in_h=1, in_w=1, ch=2, stride=1, same=True),
        mk.random_dwconv3x3(rng, in_h=6, in_w=5, ch=9, stride=1, same=True, fast=0),
    ]
    # Clamp ranges of 2^k values (one USAT on a DSP core) and a one-value range.
    for lo, hi in ((0, 127), (-128, -1), (-8, 7), (-100, -99), (5, 5)):
        for case in (mk.random_conv1x1(rng), mk.random_dwconv3x3(rng)):
            cases.append(replace(case, act_min=lo, act_max=hi))
    for n in range(FUZZ):
        general = 0 if n % 3 == 2 else -1  # every third: the general requantization
        cases.append(mk.random_conv1x1(rng, fast=general))
        cases.append(mk.random_dwconv3x3(rng, fast=general))
    return cases


def _check(result: mk.Result, cases: list[mk.Case]) -> None:
    wrong = [
        f"{c.describe()}: {bad} bad bytes ({line})"
        for c, bad, line in zip(cases, result.bad, result.lines + [""] * len(cases))
        if bad != 0
    ]
    assert len(result.bad) == len(cases)
    assert wrong == []


# ---- layouts -------------------------------------------------------------------------


def test_conv1x1_slots_pair_the_widened_input_words() -> None:
    """Whole groups of four input channels give the pairs SXTB16 and SXTB16 ROR #8 of one
    input word, (0, 2) then (1, 3); the last in % 4 channels pair in order."""
    assert mk_layouts.conv1x1_slots(4).tolist() == [[0, 2], [1, 3]]
    assert mk_layouts.conv1x1_slots(7).tolist() == [[0, 2], [1, 3], [4, 5], [6, 7]]
    assert mk_layouts.conv1x1_slots(9).tolist() == [[0, 2], [1, 3], [4, 6], [5, 7], [8, 9]]
    assert mk_layouts.conv1x1_slots(2).tolist() == [[0, 1]]
    assert mk_layouts.conv1x1_slots(1).tolist() == [[0, 1]]


@pytest.mark.parametrize("out_ch, in_ch", [(5, 7), (8, 12), (6, 9), (1, 1), (4, 2)])
def test_conv1x1_packing_follows_the_documented_order(out_ch: int, in_ch: int) -> None:
    """Word (j, k) holds output pair j's weights of slot k; the output pairs go two by two,
    their words alternating slot by slot (an odd last pair alone)."""
    rng = np.random.default_rng(3)
    w = rng.integers(-127, 128, (out_ch, 1, 1, in_ch), dtype=np.int8)
    bias = rng.integers(-1000, 1000, out_ch).astype(np.int32)
    packed, eff = mk_layouts.pack_pointwise_s8(w, bias, 17)
    flat = w.reshape(out_ch, in_ch).astype(np.int64)
    pairs, slots = (out_ch + 1) // 2, (in_ch + 1) // 2
    grouped = pairs - pairs % 2
    quads = in_ch // 4
    assert packed.dtype == np.int8 and packed.size == pairs * slots * 4
    for j in range(pairs):
        for k in range(slots):
            if k < 2 * quads:  # (4q, 4q+2), (4q+1, 4q+3)
                channels = (4 * (k // 2) + k % 2, 4 * (k // 2) + k % 2 + 2)
            else:  # in order
                first = 4 * quads + 2 * (k - 2 * quads)
                channels = (first, first + 1)
            if j < grouped:
                word = (j // 2) * 2 * slots + 2 * k + j % 2
            else:
                word = j * slots + k
            for b in range(4):
                o, i = 2 * j + (b & 1), channels[b >> 1]
                want = flat[o, i] if o < out_ch and i < in_ch else 0
                assert packed[4 * word + b] == want, (j, k, b)
    assert eff.dtype == np.int32 and eff.size == 2 * pairs
    want_bias = [int(bias[o]) + 17 * int(flat[o].sum()) for o in range(out_ch)]
    assert list(eff[:out_ch]) == want_bias
    assert list(eff[out_ch:]) == [0] * (2 * pairs - out_ch)


def test_pair_packing_follows_the_documented_order() -> None:
    """The plain channel-pair words stai_mk_conv_s8 reads."""
    rng = np.random.default_rng(3)
    w = rng.integers(-127, 128, (5, 1, 1, 7), dtype=np.int8)
    bias = rng.integers(-1000, 1000, 5).astype(np.int32)
    packed, eff = mk_layouts.pack_pairs_s8(w, bias, 17)
    flat = w.reshape(5, 7).astype(np.int64)
    assert packed.dtype == np.int8 and packed.size == 3 * 4 * 4
    for j in range(3):
        for k in range(4):
            for b in range(4):
                o, i = 2 * j + (b & 1), 2 * k + (b >> 1)
                want = flat[o, i] if o < 5 and i < 7 else 0
                assert packed[(j * 4 + k) * 4 + b] == want
    assert eff.dtype == np.int32 and eff.size == 6
    assert list(eff[:5]) == [int(bias[o]) + 17 * int(flat[o].sum()) for o in range(5)]
    assert eff[5] == 0


def test_dwconv3x3_packing_follows_the_documented_order() -> None:
    rng = np.random.default_rng(4)
    w = rng.integers(-127, 128, (1, 3, 3, 3), dtype=np.int8)
    packed, eff = mk_layouts.pack_dwconv3x3_s8(w, None, -5)
    order = [(0, 0), (1, 0), (0, 1), (1, 1), (2, 0), (0, 2), (2, 1), (1, 2), (2, 2)]
    for c in range(3):
        chunk = packed[12 * c : 12 * c + 12]
        assert [int(v) for v in chunk[:9]] == [int(w[0, y, x, c]) for y, x in order]
        assert list(chunk[9:]) == [0, 0, 0]
        assert eff[c] == -5 * int(w[0, :, :, c].astype(np.int64).sum())


def test_an_effective_bias_out_of_int32_is_refused() -> None:
    w = np.full((1, 1, 1, 4), 127, dtype=np.int8)
    with pytest.raises(ValueError, match="int32"):
        mk_layouts.pack_pointwise_s8(w, np.array([2**31 - 10], dtype=np.int64), 128)


def test_fits_conv1x1() -> None:
    assert mk_layouts.fits_conv1x1((1, 25, 5, 64), (64, 1, 1, 64), (1, 1), (0, 0, 0, 0))
    assert mk_layouts.fits_conv1x1((3, 1, 1, 10), (4, 1, 1, 10))  # fully connected, batch 3
    assert not mk_layouts.fits_conv1x1((1, 8, 8, 16), (8, 3, 3, 16))
    assert not mk_layouts.fits_conv1x1((1, 8, 8, 16), (8, 1, 1, 16), (2, 2))
    assert not mk_layouts.fits_conv1x1((1, 8, 8, 16), (8, 1, 1, 16), (1, 1), (1, 0, 0, 0))
    assert not mk_layouts.fits_conv1x1((1, 8, 8, 16), (8, 1, 1, 8))  # grouped


def test_fits_dwconv3x3() -> None:
    fits = mk_layouts.fits_dwconv3x3
    assert fits((1, 25, 5, 64), (1, 3, 3, 64), (1, 25, 5, 64), (1, 1), (1, 1, 1, 1), (1, 1))
    assert fits((1, 8, 8, 4), (1, 3, 3, 4), (1, 4, 4, 4), (2, 2), (0, 1, 0, 1))
    assert fits((1, 7, 7, 4), (1, 3, 3, 4), (1, 3, 3, 4), (2, 2), (0, 0, 0, 0))
    assert not fits((1, 8, 8, 4), (1, 3, 3, 8), (1, 8, 8, 8), (1, 1), (1, 1, 1, 1), None, 2)
    assert not fits((1, 8, 8, 4), (1, 5, 5, 4), (1, 8, 8, 4), (1, 1), (2, 2, 2, 2))
    assert not fits((1, 8, 8, 4), (1, 3, 3, 4), (1, 8, 8, 4), (1, 1), (1, 1, 1, 1), (2, 2))
    assert not fits((1, 8, 8, 4), (1, 3, 3, 4), (1, 4, 8, 4), (2, 1), (0, 1, 1, 1))
    assert not fits((2, 8, 8, 4), (1, 3, 3, 4), (2, 8, 8, 4), (1, 1), (1, 1, 1, 1))
    assert not fits((1, 8, 8, 4), (1, 3, 3, 4), (1, 9, 8, 4), (1, 1), (1, 1, 1, 1))


def test_fast_requantization_needs_headroom() -> None:
    w = np.full((2, 1, 1, 8), 100, dtype=np.int8)
    packed, eff = mk_layouts.pack_pointwise_s8(w, np.array([5, 5]), 3)
    fast = mk_layouts.fast_requant_conv1x1
    assert fast(eff, w, [-8, -9]) == 2
    assert fast(eff, w, [-1, -22]) == 2
    assert fast(eff, w, [-8, 0]) == 1  # no right shift: the 2x rounding path
    assert fast(eff, w, [-8, 2]) == 1
    assert fast(eff, w, [-8, -23]) == 1  # past the folded clamp's room
    assert fast(eff, w, [-8, 12]) == 1
    assert fast(eff, w, [-8, 13]) == 0  # a large left shift
    assert fast(eff, w, [-8, -30]) == 0  # a right shift past 29
    big = np.array([2**29, 0], dtype=np.int32)
    assert fast(big, w, [-8, -8]) == 0


def test_kernel_calls_name_their_arguments_in_c_order() -> None:
    header = (mk.INCLUDE / mk_layouts.HEADER).read_text()
    for call in (mk_layouts.CONV1X1, mk_layouts.DWCONV3X3):
        start = header.index(f"arm_cmsis_nn_status {call.function}(")
        signature = header[start : header.index(")", start)]
        names = [part.split()[-1].lstrip("*") for part in signature.split("(", 1)[1].split(",")]
        assert tuple(names) == call.arguments
        assert set(call.pointers) <= set(call.arguments)


# ---- bit-exactness -------------------------------------------------------------------


def test_portable_kernels_match_cmsis_nn_on_the_host(tmp_path: Path) -> None:
    cases = _cases(seed=11)
    _check(mk.run_host(cases, tmp_path), cases)


def test_dsp_kernels_match_cmsis_nn_on_cortex_m4(tmp_path: Path) -> None:
    cases = _cases(seed=12)
    _check(mk.run_m4(cases, tmp_path), cases)


def test_dsp_kernels_match_cmsis_nn_on_cortex_m7(tmp_path: Path) -> None:
    rng = np.random.default_rng(13)
    cases = [mk.random_conv1x1(rng) for _ in range(4)] + [
        mk.random_dwconv3x3(rng) for _ in range(4)
    ]
    _check(mk.run_m4(cases, tmp_path, target="cortex-m7"), cases)


def test_kws_layers_on_cortex_m4(tmp_path: Path, models_dir: Path) -> None:
    """Every pointwise and depthwise layer of the real KWS model (MLPerf Tiny's int8
    TFLite file), with the constants convert-nn-to-qnn computes: exact, and within the
    instruction budget measured when the kernels were written (QEMU counts are exact;
    CMSIS-NN's DSP kernels take 2.09 and 7.79 instructions per MAC on these layers)."""
    model = models_dir / "mlperf_tiny" / "kws" / "kws_ref_model_int8.tflite"
    cases = mk.model_layers(model, np.random.default_rng(5))
    assert sorted(c.kind for c in cases) == ["conv1x1"] * 4 + ["dwconv3x3"] * 4
    result = mk.run_m4(cases, tmp_path)
    _check(result, cases)
    for case, count in zip(cases, result.mk_instructions):
        budget = 1.35 if case.kind == "conv1x1" else 2.8
        assert count / case.macs < budget, (case.describe(), count / case.macs)


def test_the_manifest_knows_the_header_only_kernels() -> None:
    from stai.runtime import manifest

    providers = manifest.header_provider_of()
    for call in (mk_layouts.CONV1X1, mk_layouts.DWCONV3X3):
        assert providers[call.function] == call.header
    needed = manifest.sources_for({mk_layouts.CONV1X1.function, "arm_softmax_s8"})
    assert [p.name for p in needed] == ["arm_softmax_s8.c"]
    with pytest.raises(RuntimeError, match="stai_mk_nothing_s8"):
        manifest.sources_for({"stai_mk_nothing_s8"})
