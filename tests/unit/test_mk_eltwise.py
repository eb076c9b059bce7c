"""stai's int8 element-wise and pooling micro-kernels
(``runtime/include/stai_mk_eltwise_s8.h``, ``runtime/mk_eltwise_layouts.py``).

The kernels, called with literal constants as generated code calls them, against the
CMSIS-NN API kernels (``arm_elementwise_add_s8``, ``arm_elementwise_mul_s8``,
``arm_avgpool_s8``, ``arm_max_pool_s8``) on the same random layers, bit for bit: on the
host (portable path, the runtime's portable CMSIS-NN kernels) and on an emulated
Cortex-M4 (DSP path). Random scales span several decades, every input offset and
activation occurs, the element-wise kernels also run in place and on all 65,536 input
pairs. The real IC additions and KWS / IC / VWW average pools run on Cortex-M4 within
an instruction budget. The C drivers are built and run by ``mk_harness``
(``STAI_FUZZ_CASES``, default 10, scales the number of random layers).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import mk_harness as mk
import numpy as np
import pytest

from stai.lowering.quant_math import add_params_s8, mul_params_s8
from stai.runtime import mk_eltwise_layouts as ew

FUZZ = int(os.environ.get("STAI_FUZZ_CASES", "10"))

ACTIVATIONS = ("NONE", "RELU", "RELU6", "RELU_N1_TO_1")

NICE_SCALES = (1.0, 0.5, 0.25, 0.75, 1 / 3, 0.1, 2.0, 3.0)

REFERENCE = {
    "arm_elementwise_add_s8",
    "arm_elementwise_mul_s8",
    "arm_avgpool_s8",
    "arm_max_pool_s8",
}


@dataclass
class Case:
    """One call: ``kind`` add / mul (``args``: the CMSIS-NN arguments after the pointers,
    without the size) or avgpool / maxpool (``geometry``: the pooling arguments)."""

    kind: str
    inputs: list[np.ndarray]
    args: tuple[int, ...] = ()
    geometry: tuple[int, ...] = ()
    in_place: int = 0
    """Element-wise: 0, or which input (1, 2) the output overwrites."""
    general: bool = False
    """Element-wise: take the general path (method 0 / fast_requant 0)."""
    exhaustive: bool = False
    """Element-wise: every pair of int8 codes (the inputs are filled in C)."""
    plan: tuple[int, ...] = field(init=False)

    def __post_init__(self) -> None:
        if self.kind == "add":
            self.plan = (0, 0, 0, 0, 0) if self.general else ew.plan_add_s8(*self.args)
        elif self.kind == "mul":
            fast = ew.fast_requant_mul(self.args[0], self.args[1], self.args[4], self.args[3])
            self.plan = (0 if self.general else fast,)
        else:
            self.plan = ()

    @property
    def size(self) -> int:
        if self.kind in ("add", "mul"):
            return 65536 if self.exhaustive else int(self.inputs[0].size)
        in_h, in_w, ch, out_h, out_w = self.geometry[:5]
        return out_h * out_w * ch

    def describe(self) -> str:
        if self.kind in ("add", "mul"):
            return (
                f"{self.kind} size {self.size} args {self.args} plan {self.plan} "
                f"in_place {self.in_place}"
            )
        return f"{self.kind} geometry {self.geometry}"


def random_add(
    rng: np.random.Generator, size: int | None = None, nice: bool = False, **kw: object
) -> Case:
    """A random addition: scales over several decades (or, ``nice``, simple ratios), any
    zero points and activation."""
    size = size if size is not None else int(rng.integers(1, 300))
    if nice:  # simple ratios between the scales: exact ties, no linear plan
        s1, s2, so = (float(rng.choice(NICE_SCALES)) for _ in range(3))
    else:
        s1 = 10 ** rng.uniform(-4, 1)
        s2 = s1 * 10 ** rng.uniform(-3, 3)
        so = max(s1, s2) * 10 ** rng.uniform(-1.5, 2)
    z1, z2, zo = (int(v) for v in rng.integers(-128, 128, 3))
    act = ACTIVATIONS[int(rng.integers(0, len(ACTIVATIONS)))]
    q = add_params_s8(s1, z1, s2, z2, so, zo, act)
    args = (
        q.input_1_offset,
        q.input_1_mult,
        q.input_1_shift,
        q.input_2_offset,
        q.input_2_mult,
        q.input_2_shift,
        q.left_shift,
        q.out_offset,
        q.out_mult,
        q.out_shift,
        q.out_activation_min,
        q.out_activation_max,
    )
    data = [rng.integers(-128, 128, size, dtype=np.int8) for _ in range(2)]
    return Case("add", data, args, **kw)  # type: ignore[arg-type]


def random_mul(rng: np.random.Generator, size: int | None = None, **kw: object) -> Case:
    """A random multiplication: output scales from 1/100 to 1000 times the product of the
    input scales (right and left shifts), any zero points and activation."""
    size = size if size is not None else int(rng.integers(1, 300))
    s1 = 10 ** rng.uniform(-4, 1)
    s2 = 10 ** rng.uniform(-4, 1)
    so = s1 * s2 * 10 ** rng.uniform(-2, 4.5)
    z1, z2, zo = (int(v) for v in rng.integers(-128, 128, 3))
    act = ACTIVATIONS[int(rng.integers(0, len(ACTIVATIONS)))]
    q = mul_params_s8(s1, z1, s2, z2, so, zo, act)
    args = (
        q.input_1_offset,
        q.input_2_offset,
        q.out_offset,
        q.out_mult,
        q.out_shift,
        q.out_activation_min,
        q.out_activation_max,
    )
    data = [rng.integers(-128, 128, size, dtype=np.int8) for _ in range(2)]
    return Case("mul", data, args, **kw)  # type: ignore[arg-type]


def pool_geometry(
    in_h: int, in_w: int, kernel: tuple[int, int], strides: tuple[int, int], same: bool
) -> tuple[int, int, int, int]:
    """(out_h, out_w, pad_top, pad_left) as TFLite computes them."""
    (kh, kw), (sh, sw) = kernel, strides
    if same:
        out_h, out_w = -(-in_h // sh), -(-in_w // sw)
        pad_h = max(0, (out_h - 1) * sh + kh - in_h)
        pad_w = max(0, (out_w - 1) * sw + kw - in_w)
        return out_h, out_w, pad_h // 2, pad_w // 2
    return (in_h - kh) // sh + 1, (in_w - kw) // sw + 1, 0, 0


def random_pool(
    rng: np.random.Generator,
    kind: str,
    in_h: int | None = None,
    in_w: int | None = None,
    ch: int | None = None,
    kernel: tuple[int, int] | None = None,
    strides: tuple[int, int] | None = None,
    same: bool | None = None,
    act: tuple[int, int] | None = None,
) -> Case:
    """A random pooling layer: windows 1x1 to 5x5, strides 1 to 3, SAME or VALID."""
    in_h = in_h if in_h is not None else int(rng.integers(1, 13))
    in_w = in_w if in_w is not None else int(rng.integers(1, 13))
    ch = ch if ch is not None else int(rng.integers(1, 21))
    same = same if same is not None else bool(rng.integers(0, 2))
    if kernel is None:
        kernel = (int(rng.integers(1, 6)), int(rng.integers(1, 6)))
        if not same:
            kernel = (min(kernel[0], in_h), min(kernel[1], in_w))
    strides = strides or (int(rng.integers(1, 4)), int(rng.integers(1, 4)))
    out_h, out_w, top, left = pool_geometry(in_h, in_w, kernel, strides, same)
    if act is None:
        lo = int(rng.integers(-128, 0)) if rng.integers(0, 2) else -128
        act = (lo, int(rng.integers(lo, 128)) if rng.integers(0, 2) else 127)
    geometry = (in_h, in_w, ch, out_h, out_w, *kernel, *strides, top, left, *act)
    data = [rng.integers(-128, 128, (in_h, in_w, ch), dtype=np.int8)]
    return Case(kind, data, geometry=geometry)


# ---- the C driver (mk_harness's prelude, report and build) ------------------------------


def _call_source(i: int, case: Case) -> str:
    p = f"c{i}_"
    n = case.size
    if case.kind in ("add", "mul"):
        a, b = (p + "a", p + "b")
        if case.exhaustive:
            arrays = f"static int8_t {a}[65536];\nstatic int8_t {b}[65536];\n"
            setup = (
                f"    for (int k = 0; k < 65536; k++) {{ {a}[k] = (int8_t)(k >> 8); "
                f"{b}[k] = (int8_t)(k & 255); }}\n"
            )
        else:
            arrays = mk._array("const int8_t", a, case.inputs[0]) + mk._array(
                "const int8_t", b, case.inputs[1]
            )
            setup = ""
        in1, in2 = a, b
        if case.in_place:
            setup += f"    memcpy(out_mk, {a if case.in_place == 1 else b}, {n});\n"
            in1, in2 = ("out_mk", b) if case.in_place == 1 else (a, "out_mk")
        ints = ", ".join(str(v) for v in case.args)
        plan = ", ".join(str(v) for v in case.plan)
        if case.kind == "add":
            mine = f"stai_mk_add_s8({in1}, {in2}, out_mk, {n}, {ints}, {plan})"
            (o1, m1, s1, o2, m2, s2, ls, oo, mo, so, lo, hi) = case.args
            ref = (
                f"arm_elementwise_add_s8({a}, {b}, {o1}, {m1}, {s1}, {o2}, {m2}, {s2}, {ls}, "
                f"out_ref, {oo}, {mo}, {so}, {lo}, {hi}, {n})"
            )
        else:
            mine = f"stai_mk_mul_s8({in1}, {in2}, out_mk, {n}, {ints}, {plan})"
            ref = f"arm_elementwise_mul_s8({a}, {b}, {case.args[0]}, {case.args[1]}, out_ref, " + (
                ", ".join(str(v) for v in case.args[2:]) + f", {n})"
            )
    else:
        arrays = mk._array("const int8_t", p + "in", case.inputs[0])
        setup = ""
        g = case.geometry
        in_h, in_w, ch, out_h, out_w, kh, kw, sh, sw, top, left, lo, hi = g
        function = "stai_mk_avgpool_s8" if case.kind == "avgpool" else "stai_mk_maxpool_s8"
        mine = f"{function}({p}in, out_mk, {', '.join(str(v) for v in g)})"
        callee = "arm_avgpool_s8" if case.kind == "avgpool" else "arm_max_pool_s8"
        ref = (
            f"arm_pool(&ctx, {callee}, {p}in, {in_h}, {in_w}, {ch}, {out_h}, {out_w}, {kh}, "
            f"{kw}, {sh}, {sw}, {top}, {left}, {lo}, {hi})"
        )
    return f"""{arrays}
static __attribute__((noinline)) int run_case_{i}(void)
{{
    cmsis_nn_context ctx = {{ctx_buf, (int32_t)sizeof(ctx_buf)}};
    int status = 0;
    (void)ctx;
    (void)scratch;
    fill(out_mk, {n}, 0x5A);
    fill(out_ref, {n}, 0x3C);
{setup}    stai_target_mark(1);
    status |= {mine};
    stai_target_mark(2);
    status |= {ref};
    stai_target_mark(3);
    report({i}, status, {n});
    return status;
}}
"""


_POOL_WRAPPER = """
typedef arm_cmsis_nn_status (*pool_fn)(const cmsis_nn_context *, const cmsis_nn_pool_params *,
    const cmsis_nn_dims *, const int8_t *, const cmsis_nn_dims *, const cmsis_nn_dims *, int8_t *);

static int arm_pool(const cmsis_nn_context *ctx, pool_fn fn, const int8_t *in, int in_h, int in_w,
    int ch, int out_h, int out_w, int kh, int kw, int sh, int sw, int top, int left, int lo, int hi)
{
    const cmsis_nn_pool_params pp = {{sw, sh}, {left, top}, {lo, hi}};
    const cmsis_nn_dims id = {1, in_h, in_w, ch};
    const cmsis_nn_dims fd = {1, kh, kw, 1};
    const cmsis_nn_dims od = {1, out_h, out_w, ch};
    return fn(ctx, &pp, &id, in, &fd, &od, out_ref);
}
"""


def driver_source(cases: list[Case]) -> str:
    """The C test program: one ``run_case_I`` per case, each marking its two calls."""
    prelude = mk._PRELUDE.replace(
        '#include "stai_mk_s8.h"\n', f'#include "stai_mk_s8.h"\n#include "{ew.HEADER}"\n'
    )
    assert prelude != mk._PRELUDE
    parts = [
        f"#define MK_OUT_MAX {max(c.size for c in cases)}\n#define MK_SCRATCH_WORDS 1\n",
        prelude,
        _POOL_WRAPPER,
        *(_call_source(i, c) for i, c in enumerate(cases)),
    ]
    calls = "".join(f"    run_case_{i}();\n" for i in range(len(cases)))
    parts.append(f"\nint main(void)\n{{\n{calls}    return failures ? 1 : 0;\n}}\n")
    return "".join(parts)


@contextmanager
def _harness(cases: list[Case], work: Path) -> Iterator[None]:
    """mk_harness's builders, with this driver and these reference kernels (its header
    copied where a CMSIS-NN checkout build looks for the micro-kernel headers)."""
    saved = mk.driver_source, mk.REFERENCE_FUNCTIONS
    mk.driver_source = lambda _: driver_source(cases)  # type: ignore[assignment]
    mk.REFERENCE_FUNCTIONS = REFERENCE
    (work / "mk").mkdir(parents=True, exist_ok=True)
    (work / "mk" / ew.HEADER).write_text((mk.INCLUDE / ew.HEADER).read_text())
    try:
        yield
    finally:
        mk.driver_source, mk.REFERENCE_FUNCTIONS = saved


def run_host(cases: list[Case], work: Path) -> mk.Result:
    with _harness(cases, work):
        return mk.run_host(cases, work)  # type: ignore[arg-type]


def run_m4(cases: list[Case], work: Path, cmsis_nn: Path | None = None) -> mk.Result:
    with _harness(cases, work):
        result = mk.run_m4(cases, work, cmsis_nn)  # type: ignore[arg-type]
    return result


def _check(result: mk.Result, cases: list[Case]) -> None:
    wrong = [
        f"{c.describe()}: {bad} bad bytes ({line})"
        for c, bad, line in zip(cases, result.bad, result.lines + [""] * len(cases))
        if bad != 0
    ]
    assert len(result.bad) == len(cases)
    assert wrong == []


# ---- cases --------------------------------------------------------------------------------

EDGE_OFFSETS = (-127, -1, 0, 1, 127, 128)


def _with_offsets(case: Case, o1: int, o2: int) -> Case:
    args = list(case.args)
    if case.kind == "add":
        args[0], args[3] = o1, o2
    else:
        args[0], args[1] = o1, o2
    return Case(case.kind, case.inputs, tuple(args), in_place=case.in_place)


def _cases(seed: int) -> list[Case]:
    """Random layers plus fixed edge cases: sizes 1 to 7 (the tails of the 4-element
    loop), in place over either input, the extreme input offsets, both general paths,
    windows larger than 256 pixels, clamp ranges."""
    rng = np.random.default_rng(seed)
    cases: list[Case] = []
    for size in (1, 2, 3, 5, 7, 64):
        cases.append(random_add(rng, size))
        cases.append(random_mul(rng, size))
    for o in EDGE_OFFSETS:
        cases.append(_with_offsets(random_add(rng), o, -o if o != 128 else 127))
        cases.append(_with_offsets(random_mul(rng), o, 128 - abs(o)))
    for which in (1, 2):
        cases.append(random_add(rng, 37, in_place=which))
        cases.append(random_mul(rng, 37, in_place=which))
        cases.append(random_add(rng, 41, in_place=which, general=True))
        cases.append(random_mul(rng, 41, in_place=which, general=True))
    for kind in ("avgpool", "maxpool"):
        cases.append(random_pool(rng, kind, 25, 5, 64, (25, 5), (1, 1), False, (-128, 127)))
        cases.append(random_pool(rng, kind, 20, 15, 5, (20, 15), (1, 1), False))  # 300 pixels
        cases.append(random_pool(rng, kind, 17, 19, 4, (17, 17), (2, 2), True))
        cases.append(random_pool(rng, kind, 6, 6, 8, (2, 2), (2, 2), False, (0, 127)))
        cases.append(random_pool(rng, kind, 5, 7, 3, (3, 3), (1, 1), True, (-20, 20)))
        cases.append(random_pool(rng, kind, 1, 1, 1, (1, 1), (1, 1), True))
    for size in (3, 4, 45):
        cases.append(random_add(rng, size, nice=True))
    wrapping = (3, 1234567891, 4, -5, 1987654321, -1, 20, 0, 1555555555, -22, -128, 127)
    cases.append(
        Case("add", [rng.integers(-128, 128, 50, dtype=np.int8) for _ in range(2)], wrapping)
    )
    cases.append(random_add(rng, 33, nice=True, in_place=2))
    for n in range(FUZZ):
        cases.append(random_add(rng, nice=n % 4 == 1, general=n % 4 == 3))
        cases.append(random_mul(rng, general=n % 4 == 3))
        cases.append(random_pool(rng, "avgpool"))
        cases.append(random_pool(rng, "maxpool"))
    return cases


def _exhaustive_cases(seed: int) -> list[Case]:
    """Additions and multiplications on all 65,536 input pairs (linear plans and fast
    requantization paths), from random parameters."""
    rng = np.random.default_rng(seed)
    return [
        random_add(rng, exhaustive=True),
        random_add(rng, exhaustive=True),
        random_add(rng, nice=True, exhaustive=True),
        random_mul(rng, exhaustive=True),
    ]


# ---- the offline side ---------------------------------------------------------------------


def test_plans_match_the_reference_on_every_pair() -> None:
    """A linear plan, evaluated as the kernel does, gives the reference integers; random
    layers over several decades of scales almost always get one."""
    rng = np.random.default_rng(21)
    x1, x2 = (a.reshape(-1) for a in np.meshgrid(np.arange(-128, 128), np.arange(-128, 128)))
    linear = 0
    for _ in range(12):
        case = random_add(rng, 1)
        method, k1, k2, k0, kshift = case.plan
        if method == 0:
            continue
        linear += 1
        lo, hi = case.args[10], case.args[11]
        t = k0 + k1 * x1.astype(np.int64) + k2 * x2
        assert t.min() >= -(2**31) and t.max() < 2**31
        got = np.clip(t >> kshift, lo, hi)
        assert np.array_equal(got, ew.add_reference(x1, x2, *case.args))
    assert linear >= 11


def test_simple_scale_ratios_take_the_short_requantizations() -> None:
    """Simple ratios between the scales make exact ties that the reference rounds away
    from zero, which no floor of a linear form does: such layers take method 2 (the
    three requantizations on their short paths), checked on every pair."""
    rng = np.random.default_rng(22)
    methods = [random_add(rng, 1, nice=True).plan[0] for _ in range(12)]
    assert ew.REQUANT in methods and set(methods) <= {ew.LINEAR, ew.REQUANT}
    q = add_params_s8(0.1, 3, 0.25, -7, 1.0, 5)
    args = (
        q.input_1_offset,
        q.input_1_mult,
        q.input_1_shift,
        q.input_2_offset,
        q.input_2_mult,
        q.input_2_shift,
        q.left_shift,
        q.out_offset,
        q.out_mult,
        q.out_shift,
        q.out_activation_min,
        q.out_activation_max,
    )
    plan = ew.plan_add_s8(*args)
    assert plan[0] == ew.REQUANT and set(plan[1:4]) <= {1, 2}


def test_the_general_path_is_kept_when_no_short_path_is_exact() -> None:
    """An input multiplier with a left shift of 4 wraps the shifted input (as the
    reference does, in int32): neither a linear plan nor the short paths fit. A one-value
    clamp is a constant."""
    args = (3, 1234567891, 4, -5, 1987654321, -1, 20, 0, 1555555555, -22, -128, 127)
    assert ew.plan_add_s8(*args) == (0, 0, 0, 0, 0)
    assert ew.plan_add_s8(*args[:10], 7, 7) == (1, 0, 0, 7, 0)


def test_fast_requant_mul() -> None:
    assert ew.fast_requant_mul(0, 0, -8) == 2
    assert ew.fast_requant_mul(128, -127, -22) == 2
    assert ew.fast_requant_mul(128, 128, -23) == 1
    assert ew.fast_requant_mul(5, 5, 0) == 1
    assert ew.fast_requant_mul(5, 5, 12) == 1
    assert ew.fast_requant_mul(128, 128, 13) == 0
    assert ew.fast_requant_mul(5, 5, -30) == 0
    # no right shift: one SMMLAR (its rounding, half up, is the doubling high multiply's)
    assert ew.fast_requant_mul(5, 5, 0, 1234567891) == 3
    assert ew.fast_requant_mul(5, 5, 6, 1234567891) == 3
    assert ew.fast_requant_mul(5, 5, 0, 1 << 30) == 3  # odd products times 1/2: ties
    assert ew.fast_requant_mul(5, 5, 12, 1234567891) == 3
    assert ew.fast_requant_mul(128, 128, 13, 1234567891) == 0  # no headroom
    assert ew.fast_requant_mul(5, 5, 0) == 1  # without the multiplier
    assert ew.fast_requant_mul(0, 0, -8, 1234567891) == 2


def test_fits() -> None:
    assert ew.fits_add((1, 32, 32, 16), (1, 32, 32, 16), (1, 32, 32, 16))
    assert not ew.fits_add((1, 32, 32, 16), (1, 1, 1, 16), (1, 32, 32, 16))
    assert ew.fits_mul((4, 10), (4, 10), (4, 10))
    assert not ew.fits_mul((4, 10), (10,), (4, 10))
    fits = ew.fits_avgpool
    assert fits((1, 25, 5, 64), (1, 1, 1, 64), (25, 5), (25, 5), (0, 0, 0, 0))
    assert fits((1, 7, 7, 3), (1, 4, 4, 3), (3, 3), (2, 2), (1, 1, 1, 1))
    assert ew.fits_maxpool((1, 8, 8, 4), (1, 4, 4, 4), (2, 2), (2, 2))
    assert not fits((2, 8, 8, 4), (2, 4, 4, 4), (2, 2), (2, 2))  # batch 2
    assert not fits((1, 8, 8, 4), (1, 4, 4, 8), (2, 2), (2, 2))  # channels differ
    assert not fits((1, 8, 8, 4), (1, 5, 4, 4), (2, 2), (2, 2))  # a window past the input
    assert not fits((1, 8, 8, 4), (1, 8, 8, 4), (2, 2), (1, 1), (2, 0, 0, 0))  # empty window


def test_kernel_calls_name_their_arguments_in_c_order() -> None:
    header = (mk.INCLUDE / ew.HEADER).read_text()
    for call in (ew.ADD, ew.MUL, ew.AVGPOOL, ew.MAXPOOL):
        assert call.header == ew.HEADER
        start = header.index(f"arm_cmsis_nn_status {call.function}(")
        signature = header[start : header.index(")", start)]
        names = [part.split()[-1].lstrip("*") for part in signature.split("(", 1)[1].split(",")]
        assert tuple(names) == call.arguments
        assert set(call.pointers) <= set(call.arguments)


def test_the_header_provides_its_kernels() -> None:
    """Generated folders need no source for these header-only kernels: the manifest
    finds them in the header's stai-provides line."""
    from stai.runtime import manifest

    providers = manifest.header_provider_of()
    for call in (ew.ADD, ew.MUL, ew.AVGPOOL, ew.MAXPOOL):
        assert providers[call.function] == ew.HEADER
    assert manifest.sources_for({ew.ADD.function, ew.AVGPOOL.function}) == []


# ---- bit-exactness ------------------------------------------------------------------------


def test_portable_kernels_match_cmsis_nn_on_the_host(tmp_path: Path) -> None:
    cases = _cases(seed=31) + _exhaustive_cases(seed=32)
    _check(run_host(cases, tmp_path), cases)


def test_dsp_kernels_match_cmsis_nn_on_cortex_m4(tmp_path: Path) -> None:
    cases = _cases(seed=33) + _exhaustive_cases(seed=34)
    _check(run_m4(cases, tmp_path), cases)


# ---- real layers ----------------------------------------------------------------------------

MODELS = {
    "ic": "ic/pretrainedResnet_quant.tflite",
    "kws": "kws/kws_ref_model_int8.tflite",
    "vww": "vww/vww_96_int8.tflite",
}


def model_cases(path: Path, rng: np.random.Generator) -> list[Case]:
    """Every same-shape int8 addition and multiplication and every pooling layer of a real
    model, with the constants convert-nn-to-qnn computes and a random input."""
    from stai.compiler.driver import compile_model
    from stai.dialects import qnn

    module = compile_model(path, stop_after="convert-nn-to-qnn").module
    cases: list[Case] = []
    for op in module.walk():
        if not isinstance(op, qnn.KernelOp) or op.kind != "s8":
            continue
        act = tuple(op.ints("act")) if getattr(op, "act", None) is not None else (-128, 127)
        if isinstance(op, qnn.AddOp | qnn.MulOp):
            if not ew.fits_add(op.input_shape(0), op.input_shape(1), op.output_shape()):
                continue
            names = (
                ("input1_offset", "input1_multiplier", "input1_shift", "input2_offset")
                + ("input2_multiplier", "input2_shift", "left_shift", "output_offset")
                + ("output_multiplier", "output_shift")
                if isinstance(op, qnn.AddOp)
                else ("input1_offset", "input2_offset", "output_offset")
                + ("output_multiplier", "output_shift")
            )
            family = qnn.qp.AddSubS8Params if isinstance(op, qnn.AddOp) else qnn.qp.MulS8Params
            params = op.params_as(family)
            args = tuple(mk._int_field(params.get(n)) for n in names) + act
            size = int(np.prod(op.output_shape()))
            data = [rng.integers(-128, 128, size, dtype=np.int8) for _ in range(2)]
            cases.append(Case("add" if isinstance(op, qnn.AddOp) else "mul", data, args))
        elif isinstance(op, qnn.AvgPool2DOp | qnn.MaxPool2DOp):
            _, in_h, in_w, ch = op.input_shape(0)
            _, out_h, out_w, _ = op.output_shape()
            kernel, strides = op.ints("kernel"), op.ints("strides")
            pads = op.ints("pads") if op.pads is not None else (0, 0, 0, 0)
            assert ew.fits_avgpool(op.input_shape(0), op.output_shape(), kernel, strides, pads)
            geometry = (in_h, in_w, ch, out_h, out_w, *kernel, *strides, pads[0], pads[2], *act)
            kind = "avgpool" if isinstance(op, qnn.AvgPool2DOp) else "maxpool"
            data = [rng.integers(-128, 128, (in_h, in_w, ch), dtype=np.int8)]
            cases.append(Case(kind, data, geometry=geometry))
    return cases


def all_model_cases(models_dir: Path, seed: int) -> list[Case]:
    rng = np.random.default_rng(seed)
    root = models_dir / "mlperf_tiny"
    return [c for name in ("ic", "kws", "vww") for c in model_cases(root / MODELS[name], rng)]


def _elements(case: Case) -> int:
    """Input elements: what a per-element instruction count divides by."""
    return case.size if case.kind in ("add", "mul") else int(case.inputs[0].size)


def _budget(case: Case) -> float:
    """Instructions per input element on Cortex-M4, measured when the kernels were written
    (6.50 for IC's additions; average pools 0.85 for KWS, 0.88 for IC, 1.31 for VWW's 3x3
    window), with a margin. CMSIS-NN's DSP kernels take 81.6 and 6.4 to 7.6."""
    if case.kind == "add":
        return 6.6
    window = case.geometry[5] * case.geometry[6]
    return 0.9 + 4.5 / window


def test_real_layers_on_cortex_m4(tmp_path: Path, models_dir: Path) -> None:
    """IC's three residual additions and the average pools of IC, KWS and VWW, with their
    real constants: exact, the additions on the linear plan, and within the instruction
    budget measured when the kernels were written (QEMU counts are exact)."""
    cases = all_model_cases(models_dir, 41)
    assert [c.kind for c in cases] == ["add"] * 3 + ["avgpool"] * 3
    assert all(c.plan[0] == ew.LINEAR for c in cases[:3])
    result = run_m4(cases, tmp_path)
    _check(result, cases)
    per_element = [n / _elements(c) for c, n in zip(cases, result.mk_instructions, strict=True)]
    over = [(c.describe(), v) for c, v in zip(cases, per_element) if v >= _budget(c)]
    assert over == []


@pytest.mark.cmsis_nn
def test_faster_than_cmsis_nn_dsp_kernels(tmp_path: Path, models_dir: Path) -> None:
    """Against CMSIS-NN's own DSP kernels (a checkout in CMSIS_NN_PATH): on the real
    layers bit for bit and at most a fifth of their instructions on each; on the random
    layers bit for bit."""
    root = os.environ.get("CMSIS_NN_PATH")
    if not root:
        pytest.fail("CMSIS_NN_PATH is not set", pytrace=False)
    cases = all_model_cases(models_dir, 42)
    result = run_m4(cases, tmp_path / "models", Path(root))
    _check(result, cases)
    slower = [
        (c.describe(), mine / _elements(c), ref / _elements(c))
        for c, mine, ref in zip(cases, result.mk_instructions, result.ref_instructions)
        if mine > 0.2 * ref
    ]
    assert slower == []
    random_cases = _cases(seed=43) + _exhaustive_cases(seed=44)
    _check(run_m4(random_cases, tmp_path / "random", Path(root)), random_cases)
