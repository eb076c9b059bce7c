"""Test driver of stai's int8 micro-kernels (``runtime/include/stai_mk_s8.h``).

Random layers (``random_conv1x1``, ``random_dwconv3x3``) with parameters computed as the
compiler computes them (``lowering/quant_math.py``, ``runtime/mk_layouts.py``) become one
C program (``driver_source``) that calls each micro-kernel with literal constants, as the
generated code does, and the matching CMSIS-NN API function on the same data, and
compares the two outputs byte for byte. The program builds for the host (the portable
path, with the portable CMSIS-NN kernels of ``runtime/src``) or for Cortex-M4 on QEMU
(the DSP path; the reference is the portable kernels or, given a CMSIS-NN checkout,
CMSIS-NN's own DSP kernels), and the instruction-counting plugin counts every kernel call.
"""

from __future__ import annotations

import math
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from stai.lowering.quant_math import conv_output_multipliers
from stai.runtime import manifest, mk_layouts, mk_mve_layouts

REPO = Path(__file__).resolve().parents[1]
INCLUDE = REPO / "runtime" / "include"


@dataclass
class Case:
    """One layer: its kind (``conv1x1`` or ``dwconv3x3``), shapes and constants."""

    kind: str
    in_h: int
    in_w: int
    in_ch: int
    out_ch: int
    out_h: int
    out_w: int
    stride: int
    pads: tuple[int, int, int, int]
    input_offset: int
    output_offset: int
    act_min: int
    act_max: int
    inputs: np.ndarray
    weights: np.ndarray
    bias: np.ndarray
    multipliers: list[int]
    shifts: list[int]
    fast: int = -1
    """``fast_requant`` to pass; -1: what mk_layouts says."""
    misalign: int = 0
    """Bytes the packed weights start past a word boundary (a weights alignment of 1 or 2:
    the kernels must not assume more)."""
    kernel: tuple[int, int] = (3, 3)
    """The window of a ``conv`` case (a general convolution, Helium only)."""
    mve: bool = False
    """A case for the Helium kernels (``stai_mk_conv1x1_mve_s8``,
    ``stai_mk_dwconv3x3_mve_s8``; ``mk_mve_layouts``)."""
    packed: tuple[np.ndarray, np.ndarray] = field(init=False)
    mk_multipliers: np.ndarray = field(init=False)
    mk_shifts: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        if self.mve:
            if self.kind == "dwconv3x3":
                pack = mk_mve_layouts.pack_dwconv3x3_mve_s8
                self.packed = pack(self.weights, self.bias, self.input_offset)
            else:  # conv1x1, conv: the (out, K) matrix
                matrix = self.weights.reshape(self.weights.shape[0], -1)
                pack = mk_mve_layouts.pack_pointwise_mve_s8
                self.packed = pack(matrix, self.bias, self.input_offset)
            self.mk_multipliers = np.asarray(self.multipliers, dtype=np.int32)
            self.mk_shifts = np.asarray(self.shifts, dtype=np.int32)
            best = mk_mve_layouts.fast_requant_mve(self.shifts)
            self.fast = best if self.fast < 0 else min(self.fast, best)
            return
        plan = (
            mk_layouts.plan_conv1x1_s8 if self.kind == "conv1x1" else mk_layouts.plan_dwconv3x3_s8
        )
        constants = plan(
            self.weights,
            self.bias,
            self.input_offset,
            self.multipliers,
            self.shifts,
            self.output_offset,
            self.act_min,
            self.act_max,
        )
        self.packed = (constants.weights, constants.bias)
        self.mk_multipliers, self.mk_shifts = constants.multipliers, constants.shifts
        self.fast = (
            constants.fast_requant if self.fast < 0 else min(self.fast, constants.fast_requant)
        )

    @property
    def macs(self) -> int:
        if self.kind == "conv":
            return self.out_h * self.out_w * self.out_ch * self.in_ch * math.prod(self.kernel)
        if self.kind == "conv1x1":
            return self.in_h * self.in_w * self.in_ch * self.out_ch
        return self.out_h * self.out_w * self.in_ch * 9

    def describe(self) -> str:
        return (
            f"{self.kind}{' mve' if self.mve else ''} {self.in_h}x{self.in_w}x{self.in_ch}->{self.out_ch} "
            f"out {self.out_h}x{self.out_w} stride {self.stride} pads {self.pads} "
            f"in_off {self.input_offset} out_off {self.output_offset} "
            f"act [{self.act_min}, {self.act_max}] shifts {min(self.shifts)}..{max(self.shifts)} "
            f"fast {self.fast}"
        )


def _quant(rng: np.random.Generator, channels: int, wide_shifts: bool) -> tuple:
    """Per-channel multipliers and shifts from random scales, as convert-nn-to-qnn does."""
    in_scale = float(rng.uniform(0.005, 0.1))
    filter_scales = [float(s) for s in rng.uniform(0.001, 0.05, channels)]
    out_scale = float(rng.uniform(0.01, 0.5))
    if wide_shifts:  # real multipliers from well below 2^-20 to above 1
        out_scale = float(in_scale * 0.05 * 2.0 ** rng.uniform(-3, 14))
        filter_scales = [float(s * 2.0 ** rng.uniform(-6, 2)) for s in filter_scales]
    return conv_output_multipliers(in_scale, filter_scales, out_scale)


def _kill_channels(
    rng: np.random.Generator,
    weights: np.ndarray,
    axis: int,
    bias: np.ndarray,
    mult: list[int],
    shifts: list[int],
) -> None:
    """Make one or two channels dead as quantizers leave them (a quarter of the layers):
    zero weights, a bias near +-2^30 and a tiny multiplier; ``axis`` is the channel axis
    of ``weights``; all changed in place."""
    if rng.integers(0, 4) != 0:
        return
    channels = bias.size
    for o in rng.choice(channels, size=min(channels, int(rng.integers(1, 3))), replace=False):
        np.moveaxis(weights, axis, 0)[o] = 0
        bias[o] = int(rng.choice([-1, 1])) * int(rng.integers(2**29, 2**30))
        mult[o] = int(rng.integers(2**30, 2**31))
        shifts[o] = -int(rng.integers(24, 31))


def _activation(rng: np.random.Generator, output_offset: int) -> tuple[int, int]:
    kind = int(rng.integers(0, 4))
    if kind == 0:
        return -128, 127
    if kind == 1:  # relu
        return output_offset, 127
    if kind == 2:  # relu6-like
        return output_offset, min(127, output_offset + int(rng.integers(10, 200)))
    lo = int(rng.integers(-128, 0))
    return lo, int(rng.integers(lo, 128))


def _offsets(rng: np.random.Generator, input_offset: int | None) -> tuple[int, int]:
    if input_offset is None:
        input_offset = int(rng.integers(-127, 129))  # the negated zero point
    return input_offset, int(rng.integers(-128, 128))


def random_conv1x1(
    rng: np.random.Generator,
    pixels: int | None = None,
    in_ch: int | None = None,
    out_ch: int | None = None,
    input_offset: int | None = None,
    fast: int = -1,
) -> Case:
    """A random 1x1 convolution (or fully connected layer: pixels = batch)."""
    pixels = pixels if pixels is not None else int(rng.integers(1, 24))
    in_ch = in_ch if in_ch is not None else int(rng.integers(1, 72))
    out_ch = out_ch if out_ch is not None else int(rng.integers(1, 40))
    input_offset, output_offset = _offsets(rng, input_offset)
    act_min, act_max = _activation(rng, output_offset)
    mult, shifts = _quant(rng, out_ch, bool(rng.integers(0, 4) == 0))
    bias_range = 2 ** int(rng.integers(4, 20))
    weights = rng.integers(-127, 128, (out_ch, 1, 1, in_ch), dtype=np.int8)
    bias = rng.integers(-bias_range, bias_range, out_ch).astype(np.int64)
    _kill_channels(rng, weights, 0, bias, mult, shifts)
    return Case(
        "conv1x1",
        1,
        pixels,
        in_ch,
        out_ch,
        1,
        pixels,
        1,
        (0, 0, 0, 0),
        input_offset,
        output_offset,
        act_min,
        act_max,
        rng.integers(-128, 128, (pixels, in_ch), dtype=np.int8),
        weights,
        bias.astype(np.int32),
        mult,
        shifts,
        fast,
    )


def random_dwconv3x3(
    rng: np.random.Generator,
    in_h: int | None = None,
    in_w: int | None = None,
    ch: int | None = None,
    stride: int | None = None,
    same: bool | None = None,
    input_offset: int | None = None,
    fast: int = -1,
) -> Case:
    """A random depthwise 3x3 convolution; ``same`` padding as TFLite computes it, else
    valid."""
    stride = stride if stride is not None else int(rng.integers(1, 3))
    same = same if same is not None else bool(rng.integers(0, 2))
    in_h = in_h if in_h is not None else int(rng.integers(3, 14))
    in_w = in_w if in_w is not None else int(rng.integers(3, 14))
    ch = ch if ch is not None else int(rng.integers(1, 20))
    if same:
        out_h, out_w = -(-in_h // stride), -(-in_w // stride)
        pad_h = max(0, (out_h - 1) * stride + 3 - in_h)
        pad_w = max(0, (out_w - 1) * stride + 3 - in_w)
        pads = (pad_h // 2, pad_h - pad_h // 2, pad_w // 2, pad_w - pad_w // 2)
    else:
        out_h, out_w = (in_h - 3) // stride + 1, (in_w - 3) // stride + 1
        pads = (0, 0, 0, 0)
    input_offset, output_offset = _offsets(rng, input_offset)
    act_min, act_max = _activation(rng, output_offset)
    mult, shifts = _quant(rng, ch, bool(rng.integers(0, 4) == 0))
    bias_range = 2 ** int(rng.integers(4, 20))
    weights = rng.integers(-127, 128, (1, 3, 3, ch), dtype=np.int8)
    bias = rng.integers(-bias_range, bias_range, ch).astype(np.int64)
    _kill_channels(rng, weights, 3, bias, mult, shifts)
    return Case(
        "dwconv3x3",
        in_h,
        in_w,
        ch,
        ch,
        out_h,
        out_w,
        stride,
        pads,
        input_offset,
        output_offset,
        act_min,
        act_max,
        rng.integers(-128, 128, (in_h, in_w, ch), dtype=np.int8),
        weights,
        bias.astype(np.int32),
        mult,
        shifts,
        fast,
    )


def random_conv(
    rng: np.random.Generator,
    in_h: int | None = None,
    in_w: int | None = None,
    in_ch: int | None = None,
    out_ch: int | None = None,
    kernel: tuple[int, int] | None = None,
    stride: int | None = None,
    same: bool | None = None,
    input_offset: int | None = None,
    fast: int = -1,
) -> Case:
    """A random convolution of any window (the Helium general kernel); ``same`` padding
    as TFLite computes it, else valid."""
    kernel = kernel if kernel is not None else (int(rng.integers(1, 5)), int(rng.integers(1, 5)))
    stride = stride if stride is not None else int(rng.integers(1, 3))
    same = same if same is not None else bool(rng.integers(0, 2))
    in_h = in_h if in_h is not None else int(rng.integers(kernel[0], 12))
    in_w = in_w if in_w is not None else int(rng.integers(kernel[1], 12))
    in_ch = in_ch if in_ch is not None else int(rng.integers(1, 20))
    out_ch = out_ch if out_ch is not None else int(rng.integers(1, 20))
    kh, kw = kernel
    if same:
        out_h, out_w = -(-in_h // stride), -(-in_w // stride)
        pad_h = max(0, (out_h - 1) * stride + kh - in_h)
        pad_w = max(0, (out_w - 1) * stride + kw - in_w)
        pads = (pad_h // 2, pad_h - pad_h // 2, pad_w // 2, pad_w - pad_w // 2)
    else:
        out_h, out_w = (in_h - kh) // stride + 1, (in_w - kw) // stride + 1
        pads = (0, 0, 0, 0)
    input_offset, output_offset = _offsets(rng, input_offset)
    act_min, act_max = _activation(rng, output_offset)
    mult, shifts = _quant(rng, out_ch, bool(rng.integers(0, 4) == 0))
    bias_range = 2 ** int(rng.integers(4, 20))
    weights = rng.integers(-127, 128, (out_ch, kh, kw, in_ch), dtype=np.int8)
    bias = rng.integers(-bias_range, bias_range, out_ch).astype(np.int64)
    _kill_channels(rng, weights, 0, bias, mult, shifts)
    case = Case(
        "conv",
        in_h,
        in_w,
        in_ch,
        out_ch,
        out_h,
        out_w,
        stride,
        pads,
        input_offset,
        output_offset,
        act_min,
        act_max,
        rng.integers(-128, 128, (in_h, in_w, in_ch), dtype=np.int8),
        weights,
        bias.astype(np.int32),
        mult,
        shifts,
        fast,
        kernel=kernel,
        mve=True,
    )
    return case


def _array(ctype: str, name: str, values: np.ndarray | list[int]) -> str:
    flat = [int(v) for v in np.asarray(values).reshape(-1)] or [0]
    text = ",".join(str(v) for v in flat)
    return f"static {ctype} {name}[{len(flat)}] __attribute__((aligned(4))) = {{{text}}};\n"


def _case_source(i: int, case: Case) -> str:
    packed_w, packed_b = case.packed
    p = f"c{i}_"
    out_n = case.out_h * case.out_w * case.out_ch
    src = [
        _array("const int8_t", p + "in", case.inputs),
        _array("const int8_t", p + "w", case.weights),
        _array("const int32_t", p + "b", case.bias),
        _array("const int8_t", p + "pw", np.concatenate([np.zeros(case.misalign), packed_w])),
        _array("const int32_t", p + "pb", packed_b),
        _array("int32_t", p + "m", case.multipliers),
        _array("int32_t", p + "s", case.shifts),
        _array("const int32_t", p + "mm", case.mk_multipliers),
        _array("const int32_t", p + "ms", case.mk_shifts),
    ]
    pixels = case.in_h * case.in_w
    pw = f"({p}pw + {case.misalign})" if case.misalign else f"{p}pw"
    if case.kind == "conv1x1":
        function = "stai_mk_conv1x1_mve_s8" if case.mve else "stai_mk_conv1x1_s8"
        call = (
            f"{function}({p}in, {pw}, {p}pb, {p}mm, {p}ms, out_mk, scratch, "
            f"{pixels}, {case.in_ch}, {case.out_ch}, {case.output_offset}, "
            f"{case.act_min}, {case.act_max}, {case.fast})"
        )
        ref = f"""
    const cmsis_nn_conv_params cp = {{{case.input_offset}, {case.output_offset}, {{1, 1}}, {{0, 0}},
        {{1, 1}}, {{{case.act_min}, {case.act_max}}}}};
    const cmsis_nn_per_channel_quant_params qp = {{{p}m, {p}s}};
    const cmsis_nn_dims id = {{1, 1, {pixels}, {case.in_ch}}};
    const cmsis_nn_dims fd = {{{case.out_ch}, 1, 1, {case.in_ch}}};
    const cmsis_nn_dims bd = {{1, 1, 1, {case.out_ch}}};
    const cmsis_nn_dims od = {{1, 1, {pixels}, {case.out_ch}}};
    status |= arm_convolve_wrapper_s8(&ctx, &cp, &qp, &id, {p}in, &fd, {p}w, &bd, {p}b, &od,
                                      out_ref);"""
    elif case.kind == "conv":
        kh, kw = case.kernel
        call = (
            f"stai_mk_conv_mve_s8({p}in, {pw}, {p}pb, {p}mm, {p}ms, out_mk, scratch, "
            f"{case.in_h}, {case.in_w}, {case.in_ch}, {case.out_h}, {case.out_w}, {case.out_ch}, "
            f"{kh}, {kw}, {case.stride}, {case.stride}, {case.pads[0]}, {case.pads[2]}, "
            f"{case.input_offset}, {case.output_offset}, {case.act_min}, {case.act_max}, "
            f"{case.fast})"
        )
        ref = f"""
    const cmsis_nn_conv_params cp = {{{case.input_offset}, {case.output_offset},
        {{{case.stride}, {case.stride}}}, {{{case.pads[2]}, {case.pads[0]}}}, {{1, 1}},
        {{{case.act_min}, {case.act_max}}}}};
    const cmsis_nn_per_channel_quant_params qp = {{{p}m, {p}s}};
    const cmsis_nn_dims id = {{1, {case.in_h}, {case.in_w}, {case.in_ch}}};
    const cmsis_nn_dims fd = {{{case.out_ch}, {kh}, {kw}, {case.in_ch}}};
    const cmsis_nn_dims bd = {{1, 1, 1, {case.out_ch}}};
    const cmsis_nn_dims od = {{1, {case.out_h}, {case.out_w}, {case.out_ch}}};
    status |= arm_convolve_wrapper_s8(&ctx, &cp, &qp, &id, {p}in, &fd, {p}w, &bd, {p}b, &od,
                                      out_ref);"""
    else:
        function = "stai_mk_dwconv3x3_mve_s8" if case.mve else "stai_mk_dwconv3x3_s8"
        call = (
            f"{function}({p}in, {pw}, {p}pb, {p}mm, {p}ms, out_mk, scratch, "
            f"{case.in_h}, {case.in_w}, {case.in_ch}, {case.out_h}, {case.out_w}, "
            f"{case.stride}, {case.pads[0]}, {case.pads[2]}, {case.input_offset}, "
            f"{case.output_offset}, {case.act_min}, {case.act_max}, {case.fast})"
        )
        ref = f"""
    const cmsis_nn_dw_conv_params cp = {{{case.input_offset}, {case.output_offset}, 1,
        {{{case.stride}, {case.stride}}}, {{{case.pads[2]}, {case.pads[0]}}}, {{1, 1}},
        {{{case.act_min}, {case.act_max}}}}};
    const cmsis_nn_per_channel_quant_params qp = {{{p}m, {p}s}};
    const cmsis_nn_dims id = {{1, {case.in_h}, {case.in_w}, {case.in_ch}}};
    const cmsis_nn_dims fd = {{1, 3, 3, {case.in_ch}}};
    const cmsis_nn_dims bd = {{1, 1, 1, {case.in_ch}}};
    const cmsis_nn_dims od = {{1, {case.out_h}, {case.out_w}, {case.in_ch}}};
    status |= arm_depthwise_conv_wrapper_s8(&ctx, &cp, &qp, &id, {p}in, &fd, {p}w, &bd, {p}b,
                                            &od, out_ref);"""
    src.append(f"""
static __attribute__((noinline)) int run_case_{i}(void)
{{
    cmsis_nn_context ctx = {{ctx_buf, (int32_t)sizeof(ctx_buf)}};
    int status = 0;
    fill(out_mk, {out_n}, 0x5A);
    fill(out_ref, {out_n}, 0x3C);
    stai_target_mark(1);
    status |= {call};
    stai_target_mark(2);{ref}
    stai_target_mark(3);
    report({i}, status, {out_n});
    return status;
}}
""")
    return "".join(src)


_PRELUDE = """
#include <stdint.h>
#include <string.h>
#include "arm_nnfunctions.h"
#include "stai_mk_s8.h"

#if defined(MK_TARGET)
#include "semihost.h"
static void put(const char *s) { stai_sh_puts(s); }
#else
#include <stdio.h>
static void put(const char *s) { fputs(s, stdout); }
#endif

static int8_t out_mk[MK_OUT_MAX + 16];
static int8_t out_ref[MK_OUT_MAX + 16];
static int32_t scratch[MK_SCRATCH_WORDS + 4];
static int32_t ctx_buf[16384];
static volatile uint32_t mark_sink;

__attribute__((noinline, used)) void stai_target_mark(uint32_t event)
{
    mark_sink = event;
    __asm__ volatile("" ::: "memory");
}

static void fill(int8_t *p, int n, int v)
{
    for (int i = 0; i < n + 16; i++) {
        ((volatile int8_t *)p)[i] = (int8_t)v;
    }
}

static void put_int(long v)
{
    char buf[24];
    int n = 0;
    unsigned long u = v < 0 ? (unsigned long)(-v) : (unsigned long)v;
    do {
        buf[n++] = (char)('0' + (int)(u % 10u));
        u /= 10u;
    } while (u);
    if (v < 0) {
        buf[n++] = '-';
    }
    char out[24];
    for (int i = 0; i < n; i++) {
        out[i] = buf[n - 1 - i];
    }
    out[n] = 0;
    put(out);
}

static int failures;

/* "case I BAD FIRST MK REF": mismatching bytes, the first one, and both values there;
 * the bytes past the output must be untouched. */
static void report(int i, int status, int n)
{
    int bad = 0, first = -1;
    for (int k = 0; k < n; k++) {
        if (out_mk[k] != out_ref[k]) {
            if (first < 0) {
                first = k;
            }
            bad++;
        }
    }
    for (int k = n; k < n + 16; k++) {
        if (out_mk[k] != 0x5A) {
            bad++;
        }
    }
    put("case ");
    put_int(i);
    put(" ");
    put_int(bad + (status != 0 ? 1000000 : 0));
    put(" ");
    put_int(first);
    put(" ");
    put_int(first >= 0 ? out_mk[first] : 0);
    put(" ");
    put_int(first >= 0 ? out_ref[first] : 0);
    put("\\n");
    failures += bad != 0 || status != 0;
}
"""


def driver_source(cases: list[Case]) -> str:
    """The C test program: one ``run_case_I`` per case, each marking its two calls."""
    out_max = max(c.out_h * c.out_w * c.out_ch for c in cases)
    scratch = 0
    for c in cases:
        if c.kind == "conv":
            depth = c.in_ch * math.prod(c.kernel)
            scratch = max(scratch, mk_mve_layouts.scratch_bytes_conv_mve(depth))
        elif c.kind == "conv1x1":
            scratch = max(scratch, mk_layouts.scratch_bytes_conv1x1(c.in_h * c.in_w, c.in_ch))
        else:
            scratch = max(scratch, mk_layouts.scratch_bytes_dwconv3x3(c.out_h, c.out_w, c.stride))
            mve = mk_mve_layouts.scratch_bytes_dwconv3x3_mve(c.out_w, c.in_ch, c.stride)
            scratch = max(scratch, mve)
    prelude = _PRELUDE
    if any(c.mve for c in cases):  # the Helium kernels' header (other drivers: as before)
        prelude = prelude.replace(
            '#include "stai_mk_s8.h"\n', '#include "stai_mk_s8.h"\n#include "stai_mk_mve_s8.h"\n'
        )
    parts = [
        f"#define MK_OUT_MAX {out_max}\n#define MK_SCRATCH_WORDS {(scratch + 3) // 4}\n",
        prelude,
    ]
    parts += [_case_source(i, c) for i, c in enumerate(cases)]
    calls = "".join(f"    run_case_{i}();\n" for i in range(len(cases)))
    parts.append(f"\nint main(void)\n{{\n{calls}    return failures ? 1 : 0;\n}}\n")
    return "".join(parts)


@dataclass
class Result:
    """Per case: mismatching bytes (-1: no line) and instructions of the micro-kernel and
    of the reference call (QEMU only)."""

    bad: list[int]
    lines: list[str]
    mk_instructions: list[int] = field(default_factory=list)
    ref_instructions: list[int] = field(default_factory=list)


def _parse(text: str, n: int) -> Result:
    bad = [-1] * n
    lines = []
    for line in text.splitlines():
        fields = line.split()
        if len(fields) == 6 and fields[0] == "case":
            bad[int(fields[1])] = int(fields[2])
            lines.append(line)
    return Result(bad, lines)


def _check(cmd: list[str], cwd: Path) -> None:
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise AssertionError(f"{' '.join(cmd)}\n{proc.stdout}\n{proc.stderr}")


REFERENCE_FUNCTIONS = {"arm_convolve_wrapper_s8", "arm_depthwise_conv_wrapper_s8"}


def run_host(cases: list[Case], work: Path, cflags: tuple[str, ...] = ("-O2",)) -> Result:
    """Build the driver with the host ``gcc`` (portable path) and run it."""
    work.mkdir(parents=True, exist_ok=True)
    (work / "driver.c").write_text(driver_source(cases))
    sources = [str(p) for p in manifest.sources_for(REFERENCE_FUNCTIONS)]
    exe = work / "driver"
    _check(
        [
            "gcc",
            "-std=c99",
            *cflags,
            "-Wall",
            "-Wextra",
            "-Werror",
            f"-I{INCLUDE}",
            "driver.c",
            *sources,
            "-o",
            str(exe),
        ],
        work,
    )
    proc = subprocess.run([str(exe)], cwd=work, capture_output=True, text=True, timeout=120)
    return _parse(proc.stdout, len(cases))


def build_m4(
    cases: list[Case], work: Path, cmsis_nn: Path | None = None, target: str = "cortex-m4"
) -> Path:
    """Build the driver for Cortex-M4 (or another Cortex-M ``target``; DSP path) into
    ``work/driver.elf``; the reference is the portable runtime's kernels, or CMSIS-NN's
    from the checkout ``cmsis_nn``."""
    from stai.boards.boards import board_for
    from stai.boards.firmware import BOARDS_DIR
    from stai.boards.toolchain import check_newlib, cross_tool
    from stai.runtime import cmsis_nn_sources
    from stai.targets import get_target

    gcc = cross_tool("gcc")
    check_newlib()
    work.mkdir(parents=True, exist_ok=True)
    (work / "driver.c").write_text(driver_source(cases))
    flags = [*get_target(target).cflags, "-std=c99", "-O2", "-ffunction-sections"]
    if cmsis_nn is None:
        includes = [f"-I{INCLUDE}"]
        sources = [str(p) for p in manifest.sources_for(REFERENCE_FUNCTIONS)]
    else:
        # CMSIS-NN's headers first; stai_mk_s8.h and arm_nn_types.h-compatible names come
        # from the checkout, the micro-kernel header from the runtime folder.
        (work / "mk").mkdir(exist_ok=True)
        for header in ("stai_mk_s8.h", "stai_mk_mve_s8.h"):
            (work / "mk" / header).write_text((INCLUDE / header).read_text())
        includes = [f"-I{cmsis_nn / 'Include'}", f"-I{work / 'mk'}"]
        sources = [
            str(cmsis_nn / "Source" / s)
            for s in cmsis_nn_sources.sources_for(REFERENCE_FUNCTIONS)
            if (cmsis_nn / "Source" / s).is_file()
        ]
    elf = work / "driver.elf"
    _check(
        [
            gcc,
            *flags,
            "-DMK_TARGET",
            "-Wall",
            "-Wextra",
            *includes,
            f"-I{BOARDS_DIR}",
            "-nostartfiles",
            "--specs=nano.specs",
            "-Wl,--gc-sections",
            "-Wl,--defsym=STAI_STACK_SIZE=0x10000",
            "-Wl,--defsym=STAI_WEIGHTS_SIZE=0",
            f"-L{BOARDS_DIR}",
            "-T",
            str(BOARDS_DIR / board_for(get_target(target)).linker_script),
            "driver.c",
            str(BOARDS_DIR / "startup.c"),
            str(BOARDS_DIR / "semihost.c"),
            *sources,
            "-o",
            str(elf),
        ],
        work,
    )
    return elf


def run_m4(
    cases: list[Case], work: Path, cmsis_nn: Path | None = None, target: str = "cortex-m4"
) -> Result:
    """Build for Cortex-M4 (or ``target``) and run on its QEMU board (mps2-an386 for the
    M4), counting instructions."""
    from stai.boards.qemu import run_qemu
    from stai.targets import get_target

    elf = build_m4(cases, work, cmsis_nn, target)
    run = run_qemu(get_target(target), elf, work, count=True, timeout=300)
    result = _parse(run.console, len(cases))
    totals = [m.total for m in run.marks]
    if len(totals) == 3 * len(cases):
        for i in range(len(cases)):
            a, b, c = totals[3 * i : 3 * i + 3]
            result.mk_instructions.append(b - a)
            result.ref_instructions.append(c - b)
    return result


def _constant(value: object) -> np.ndarray:
    """The values of a ``qnn`` op's constant operand (an ``arith.constant``)."""
    from xdsl.dialects.builtin import DenseIntOrFPElementsAttr

    owner = getattr(value, "owner", None)
    attr = owner.properties.get("value") if owner is not None else None
    assert isinstance(attr, DenseIntOrFPElementsAttr), f"{owner}: not a dense constant"
    return np.array(attr.get_values())


def _int_field(attr: object) -> int:
    from xdsl.dialects.builtin import IntegerAttr

    assert isinstance(attr, IntegerAttr)
    return int(attr.value.data)


def model_layers(path: Path, rng: np.random.Generator) -> list[Case]:
    """Every layer of a real model that a micro-kernel fits, with the constants the
    compiler computes for it (``convert-nn-to-qnn``) and a random input."""
    from stai.compiler.driver import compile_model
    from stai.dialects import qnn

    module = compile_model(path, stop_after="convert-nn-to-qnn").module
    cases: list[Case] = []
    for op in module.walk():
        if not isinstance(op, (qnn.Conv2DOp, qnn.DepthwiseConv2DOp)) or op.kind != "s8":
            continue
        in_shape, w_shape, out_shape = op.input_shape(0), op.input_shape(1), op.output_shape()
        strides, pads = op.ints("strides"), op.ints("pads")
        dilations = op.ints("dilations") if op.dilations is not None else None
        params = op.params_as(qnn.qp.ConvS8Params)
        input_offset = _int_field(params.get("input_offset"))
        output_offset = _int_field(params.get("output_offset"))
        multipliers = list(params.ints("multipliers"))
        shifts = list(params.ints("shifts"))
        act = list(op.ints("act")) if op.act is not None else [-128, 127]
        weights = _constant(op.ins[1]).astype(np.int8).reshape(w_shape)
        bias = _constant(op.ins[2]).astype(np.int32).reshape(-1)
        n, h, w, c = in_shape
        if isinstance(op, qnn.Conv2DOp):
            if not mk_layouts.fits_conv1x1(in_shape, w_shape, strides, pads, dilations):
                continue
            kind, pixels = "conv1x1", n * h * w
            rows, cols, out_h, out_w, stride = 1, pixels, 1, pixels, 1
            pad4 = (0, 0, 0, 0)
        else:
            if not mk_layouts.fits_dwconv3x3(
                in_shape, w_shape, out_shape, strides, pads, dilations
            ):
                continue
            kind = "dwconv3x3"
            rows, cols, out_h, out_w, stride = h, w, out_shape[1], out_shape[2], strides[0]
            pad4 = (pads[0], pads[1], pads[2], pads[3])
        cases.append(
            Case(
                kind,
                rows,
                cols,
                c,
                int(w_shape[0]) if kind == "conv1x1" else c,
                out_h,
                out_w,
                stride,
                pad4,
                input_offset,
                output_offset,
                act[0],
                act[1],
                rng.integers(-128, 128, (rows, cols, c), dtype=np.int8),
                weights,
                bias,
                multipliers,
                shifts,
            )
        )
    return cases
