"""``-O time``'s 1x1 kernel on int16 weights (``stai_mk_conv1x1_s8_w16``,
``mk_layouts.pack_pointwise_s16``).

The layout is pinned against its documented formula; the kernel, called with literal
constants as generated code calls it, is compared bit for bit with the CMSIS-NN API
kernel on the same random layers (every input offset at its ends and around zero, odd
channel counts, one pixel and blocks of three, weights off a word boundary) on the host
(portable path) and on an emulated Cortex-M4 (DSP path, inline assembly), and on KWS's
real 1x1 layers it must take fewer instructions than the int8-weight kernel.

The test driver is ``tests/mk_harness.py``'s, with each 1x1 call turned into a call of
the int16 kernel on its own widened weights array (``_widen_driver``).
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import mk_harness as mk
import numpy as np
import pytest

from stai.runtime import mk_layouts

EDGE_OFFSETS = (-127, -1, 0, 1, 127, 128)

_DRIVER_SOURCE = mk.driver_source
"""The harness's own program (``_widen_driver`` rewrites it)."""


# ---- the layout ------------------------------------------------------------------------


@pytest.mark.parametrize(("out_ch", "in_ch"), [(1, 1), (3, 5), (4, 8), (6, 7), (9, 13), (8, 66)])
def test_int16_layout_follows_the_documented_order(out_ch: int, in_ch: int) -> None:
    """Word (j, k) of pack_pointwise_s8 (output pair j, slot k = (a, b)) becomes the int16
    words {w[2j][a], w[2j][b]}, {w[2j+1][a], w[2j+1][b]} in the same place of the order:
    output pairs two by two, per slot (16 bytes), a lone last pair alone (8 bytes)."""
    rng = np.random.default_rng(out_ch * 100 + in_ch)
    w = rng.integers(-128, 128, (out_ch, 1, 1, in_ch), dtype=np.int8)
    bias = rng.integers(-1000, 1000, out_ch).astype(np.int32)
    packed, eff = mk_layouts.pack_pointwise_s16(w, bias, 7)
    _, eff8 = mk_layouts.pack_pointwise_s8(w, bias, 7)
    assert packed.dtype == np.int16
    np.testing.assert_array_equal(eff, eff8)
    o2 = out_ch + (out_ch & 1)
    slots = mk_layouts.conv1x1_slots(in_ch)
    m = np.zeros((o2, in_ch + 1), dtype=np.int16)  # column in_ch: a missing channel
    m[:out_ch, :in_ch] = w.reshape(out_ch, in_ch)
    expected: list[int] = []
    pairs = o2 // 2
    grouped = pairs & ~1
    for g in range(0, grouped, 2):
        for a, b in slots:
            for j in (g, g + 1):
                expected += [m[2 * j, a], m[2 * j, b], m[2 * j + 1, a], m[2 * j + 1, b]]
    if grouped < pairs:
        j = grouped
        for a, b in slots:
            expected += [m[2 * j, a], m[2 * j, b], m[2 * j + 1, a], m[2 * j + 1, b]]
    assert packed.tolist() == [int(v) for v in expected]
    assert packed.nbytes == 2 * mk_layouts.pack_pointwise_s8(w, bias, 7)[0].nbytes


def test_the_int16_call_takes_the_int8_calls_arguments() -> None:
    header = (mk.INCLUDE / mk_layouts.HEADER).read_text()
    call = mk_layouts.CONV1X1_W16
    start = header.index(f"arm_cmsis_nn_status {call.function}(")
    signature = header[start : header.index(")", start)]
    names = [part.split()[-1].lstrip("*") for part in signature.split("(", 1)[1].split(",")]
    assert tuple(names) == call.arguments == mk_layouts.CONV1X1.arguments
    assert "const int16_t *weights" in signature


def test_the_manifest_knows_the_int16_kernel() -> None:
    from stai.runtime import manifest

    assert manifest.header_provider_of()[mk_layouts.CONV1X1_W16.function] == mk_layouts.HEADER


# ---- the kernel, bit for bit -----------------------------------------------------------


def _widen_driver(cases: list[mk.Case]) -> str:
    """``mk.driver_source`` with every 1x1 call on the int16 weights of its case (as many
    bytes past a word as the case's ``misalign``, rounded down to whole halfwords, then
    one halfword for an odd ``misalign``: an int16 array is never off by a byte)."""
    source = _DRIVER_SOURCE(cases)
    for i, case in enumerate(cases):
        if case.kind != "conv1x1":
            continue
        wide = mk_layouts.widen_pointwise_s8(case.packed[0])
        skip = 1 if case.misalign else 0
        array = mk._array("const int16_t", f"c{i}_pw16", np.concatenate([np.zeros(skip), wide]))
        pointer = f"(c{i}_pw16 + 1)" if skip else f"c{i}_pw16"
        call = re.compile(rf"stai_mk_conv1x1_s8\(c{i}_in, [^,]+, ")
        source, n = call.subn(f"stai_mk_conv1x1_s8_w16(c{i}_in, {pointer}, ", source)
        assert n == 1
        unused = f"static const int8_t c{i}_pw["
        source = source.replace(unused, f"__attribute__((unused)) {unused}")
        marker = f"static __attribute__((noinline)) int run_case_{i}(void)"
        source = source.replace(marker, array + marker)
    return source


@pytest.fixture
def widened(monkeypatch: pytest.MonkeyPatch) -> None:
    """The harness builds ``_widen_driver``'s program."""
    monkeypatch.setattr(mk, "driver_source", _widen_driver)


def _cases(seed: int, fuzz: int = 10) -> list[mk.Case]:
    rng = np.random.default_rng(seed)
    cases = [mk.random_conv1x1(rng, input_offset=offset) for offset in EDGE_OFFSETS]
    cases += [
        mk.random_conv1x1(rng, pixels=1, in_ch=1, out_ch=1),
        mk.random_conv1x1(rng, pixels=7, in_ch=3, out_ch=5),
        mk.random_conv1x1(rng, pixels=2, in_ch=33, out_ch=7),
        mk.random_conv1x1(rng, pixels=1, in_ch=40, out_ch=10),
        mk.random_conv1x1(rng, pixels=1, in_ch=2, out_ch=3),
        mk.random_conv1x1(rng, pixels=1, in_ch=7, out_ch=4),
        mk.random_conv1x1(rng, pixels=1, in_ch=13, out_ch=9),
        mk.random_conv1x1(rng, pixels=1, in_ch=66, out_ch=16),
        mk.random_conv1x1(rng, pixels=3, in_ch=64, out_ch=64),
        mk.random_conv1x1(rng, pixels=1, in_ch=128, out_ch=5, fast=0),
        mk.random_conv1x1(rng, pixels=9, in_ch=16, out_ch=12, fast=0),
        # int16 weights one halfword past a word: the C loops, no LDRD.
        replace(mk.random_conv1x1(rng, pixels=1, in_ch=37, out_ch=11), misalign=2),
        replace(mk.random_conv1x1(rng, pixels=5, in_ch=24, out_ch=9), misalign=2),
    ]
    for lo, hi in ((0, 127), (-128, -1), (-8, 7), (5, 5)):
        cases.append(replace(mk.random_conv1x1(rng), act_min=lo, act_max=hi))
    for n in range(fuzz):
        cases.append(mk.random_conv1x1(rng, fast=0 if n % 3 == 2 else -1))
    return cases


def _check(result: mk.Result, cases: list[mk.Case]) -> None:
    assert len(result.bad) == len(cases)
    wrong = [
        f"{c.describe()}: {bad} bad bytes ({line})"
        for c, bad, line in zip(cases, result.bad, result.lines + [""] * len(cases))
        if bad != 0
    ]
    assert wrong == []


@pytest.mark.usefixtures("widened")
def test_portable_int16_kernel_matches_cmsis_nn_on_the_host(tmp_path: Path) -> None:
    cases = _cases(seed=21)
    _check(mk.run_host(cases, tmp_path), cases)


@pytest.mark.usefixtures("widened")
def test_dsp_int16_kernel_matches_cmsis_nn_on_cortex_m4(tmp_path: Path) -> None:
    cases = _cases(seed=22)
    _check(mk.run_m4(cases, tmp_path), cases)


@pytest.mark.parametrize("weights", ["int8", "int16"])
def test_every_input_offset_on_cortex_m4(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, weights: str
) -> None:
    """Every input offset (the negated zero point, -127 to 128), each on a small random
    layer of three to seven pixels (a three-pixel block, then zero to two pixels on the row
    path fully connected layers take), odd and even channel counts, on int8 and on int16
    weights: one file of 256 calls of each block's 13-register asm statement. Such a file
    once failed to compile with GCC 12.2 at -O2 ('asm' operand has impossible constraints:
    the scheduler before register allocation left the allocator no assignment for one
    call's constants); stai_mk_s8.h now compiles the functions after it without that
    scheduler, so it builds whatever the layers."""
    if weights == "int16":
        monkeypatch.setattr(mk, "driver_source", _widen_driver)
    rng = np.random.default_rng(23)
    cases = [
        mk.random_conv1x1(
            rng,
            pixels=int(rng.integers(3, 8)),
            in_ch=int(rng.integers(1, 20)),
            out_ch=int(rng.integers(1, 12)),
            input_offset=offset,
        )
        for offset in range(-127, 129)
    ]
    _check(mk.run_m4(cases, tmp_path), cases)


@pytest.mark.usefixtures("widened")
def test_dsp_int16_kernel_matches_cmsis_nn_on_cortex_m7(tmp_path: Path) -> None:
    cases = _cases(seed=24, fuzz=4)
    _check(mk.run_m4(cases, tmp_path, target="cortex-m7"), cases)


def _lean_driver(cases: list[mk.Case]) -> str:
    """``mk.driver_source`` with every 1x1 call made without scratch (``-O ram``'s
    ``no_scratch``: every pixel widened in registers, one at a time)."""
    source = _DRIVER_SOURCE(cases)
    for i, case in enumerate(cases):
        if case.kind == "conv1x1":
            call = re.compile(
                rf"(stai_mk_conv1x1_s8\(c{i}_in, [^,]+, [^,]+, [^,]+, [^,]+, out_mk, )scratch"
            )
            source, n = call.subn(r"\1NULL", source)
            assert n == 1
    unused = "static int32_t scratch["
    return source.replace(unused, f"__attribute__((unused)) {unused}")


def test_int8_kernel_without_scratch_on_cortex_m4(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``-O ram``: stai_mk_conv1x1_s8 called with NULL scratch runs every pixel as a row,
    bit for bit the CMSIS-NN API's, for any number of pixels."""
    monkeypatch.setattr(mk, "driver_source", _lean_driver)
    cases = [c for c in _cases(seed=25, fuzz=6) if c.misalign == 0]
    _check(mk.run_m4(cases, tmp_path / "m4"), cases)
    _check(mk.run_host(cases, tmp_path / "host"), cases)


def test_kws_1x1_layers_are_faster_on_int16_weights(
    tmp_path: Path, models_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """KWS's real 1x1 layers (MLPerf Tiny's int8 file, the constants convert-nn-to-qnn
    computes): exact on int16 weights, and fewer instructions per MAC than on int8
    weights, measured on QEMU in the same run of the harness."""
    model = models_dir / "mlperf_tiny" / "kws" / "kws_ref_model_int8.tflite"
    cases = [c for c in mk.model_layers(model, np.random.default_rng(5)) if c.kind == "conv1x1"]
    assert len(cases) == 4
    narrow = mk.run_m4(cases, tmp_path / "int8")
    _check(narrow, cases)
    monkeypatch.setattr(mk, "driver_source", _widen_driver)
    wide = mk.run_m4(cases, tmp_path / "int16")
    _check(wide, cases)
    for case, before, after in zip(cases, narrow.mk_instructions, wide.mk_instructions):
        print(f"{case.describe()}: {before / case.macs:.3f} -> {after / case.macs:.3f} per MAC")
        assert after < before, case.describe()
