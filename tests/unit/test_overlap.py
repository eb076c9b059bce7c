"""Outputs that overlap their inputs: the pixel-order gap of a kernel, checked against a
byte-level simulation of its reads and writes, and the arena planner's use of it."""

from __future__ import annotations

import random

import pytest

from stai.dialects.qnn_overlap import (
    Gap,
    channel_order_gap,
    gap_allows,
    gap_step,
    overlap_saving,
    pixel_order_gap,
)
from stai.lowering import arena_plan
from stai.lowering.arena_plan import Interval


def _window_pixels(n, h, w, oy, ox, b, kh, kw, sy, sx, pt, pl):
    for ky in range(kh):
        for kx in range(kw):
            y, x = oy * sy - pt + ky, ox * sx - pl + kx
            if 0 <= y < h and 0 <= x < w:
                yield (b * h + y) * w + x


def clobbers(geometry: dict, distance: int) -> bool:
    """Whether a pixel-order kernel whose output starts ``distance`` bytes after its input
    reads an input byte it overwrote. Worst case of the contract: output pixel ``p`` may
    be written while its own window is still being read, so it is written first."""
    n, h, w, ci = geometry["input"]
    _, oh, ow, co = geometry["output"]
    kh, kw = geometry["window"]
    sy, sx = geometry["strides"]
    pt, pl = geometry["pads"]
    ib, ob = geometry["bytes"]
    base = max(0, -distance)  # keep every address non-negative
    in_at, out_at = base, base + distance
    memory: dict[int, tuple[str, int]] = {}
    for i in range(n * h * w * ci * ib):
        memory[in_at + i] = ("in", i)
    p = 0
    for b in range(n):
        for oy in range(oh):
            for ox in range(ow):
                for k in range(co * ob):
                    memory[out_at + p * co * ob + k] = ("out", p)
                for q in _window_pixels(n, h, w, oy, ox, b, kh, kw, sy, sx, pt, pl):
                    for k in range(ci * ib):
                        i = q * ci * ib + k
                        if memory[in_at + i] != ("in", i):
                            return True
                p += 1
    return False


def random_geometry(rng: random.Random) -> dict:
    kh, kw = rng.choice([1, 2, 3, 5]), rng.choice([1, 3, 4])
    sy, sx = rng.choice([1, 2]), rng.choice([1, 2])
    h, w = rng.randint(kh, 9), rng.randint(kw, 9)
    same = rng.random() < 0.5
    pt = (kh - 1) // 2 if same else 0
    pl = (kw - 1) // 2 if same else 0
    oh = (h + 2 * pt - kh) // sy + 1
    ow = (w + 2 * pl - kw) // sx + 1
    n = rng.choice([1, 1, 2])
    ci = rng.randint(1, 6)
    co = rng.choice([ci, rng.randint(1, 8)])
    ib, ob = rng.choice([(1, 1), (4, 4), (1, 4), (2, 2)])
    return {
        "input": (n, h, w, ci),
        "output": (n, oh, ow, co),
        "window": (kh, kw),
        "strides": (sy, sx),
        "pads": (pt, pl),
        "bytes": (ib, ob),
    }


def _gap(g: dict) -> int:
    return pixel_order_gap(g["input"], g["output"], g["strides"], g["pads"], *g["bytes"])


@pytest.mark.parametrize("seed", range(80))
def test_the_gap_is_safe_and_the_next_byte_is_not(seed: int) -> None:
    g = random_geometry(random.Random(seed))
    gap = _gap(g)
    assert not clobbers(g, gap), g
    for d in (gap - 1, gap - 7, -g["output"][0] * 10**4):
        assert not clobbers(g, d), (g, d)
    # One byte further and some output pixel lands on input its window still needs
    # (unless the output would then start past the input's end: apart again).
    in_bytes = g["input"][0] * g["input"][1] * g["input"][2] * g["input"][3] * g["bytes"][0]
    if gap + 1 < in_bytes:
        assert clobbers(g, gap + 1), g


def test_the_gap_of_a_kws_depthwise_layer() -> None:
    # 3x3, stride 1, 'same' on 25x5x64 int8: the output must start 7 pixel rows' worth of
    # channels... (one row of 5 pixels and 2 more) before its input.
    assert pixel_order_gap((1, 25, 5, 64), (1, 25, 5, 64), (1, 1), (1, 1), 1, 1) == -7 * 64
    # A stride-2 first layer halves the rows: the output may sit far inside the input.
    assert pixel_order_gap((1, 49, 10, 1), (1, 25, 5, 64), (2, 2), (4, 1), 1, 1) < 0


def clobbers_in_channel_order(in_shape, out_shape, distance: int) -> bool:
    """Whether stai's depthwise 3x3 order (channel ``c`` of every input pixel read, then
    channel ``c`` of every output pixel written, channel after channel; int8) reads an
    input byte it overwrote when its output starts ``distance`` bytes after its input."""
    n, h, w, c = in_shape
    _, oh, ow, _ = out_shape
    base = max(0, -distance)
    in_at, out_at = base, base + distance
    memory = {in_at + i: ("in", i) for i in range(n * h * w * c)}
    for ch in range(c):
        for q in range(n * h * w):
            if memory[in_at + q * c + ch] != ("in", q * c + ch):
                return True
        for p in range(n * oh * ow):
            memory[out_at + p * c + ch] = ("out", p)
    return False


@pytest.mark.parametrize("seed", range(30))
def test_the_channel_order_gap_allows_exactly_the_safe_distances(seed: int) -> None:
    """Every distance the gap allows is safe; every other one from the input's start on
    at which output and input share bytes clobbers a byte still to be read (output byte 0,
    channel 0, lands on a later channel)."""
    rng = random.Random(seed)
    h, w, c = rng.randint(3, 7), rng.randint(3, 7), rng.choice([1, 2, 3, 4, 8])
    s, pad = rng.choice([1, 2]), rng.choice([0, 1])
    out = (1, (h + 2 * pad - 3) // s + 1, (w + 2 * pad - 3) // s + 1, c)
    gap = channel_order_gap((1, h, w, c), out, 1, 1)
    assert isinstance(gap, Gap) and gap.step == c
    size_in, size_out = h * w * c, out[1] * out[2] * c
    for d in range(-size_out - 3, size_in + 3):
        shares = -size_out < d < size_in
        if not shares or gap_allows(gap, d):
            assert not clobbers_in_channel_order((1, h, w, c), out, d), (h, w, c, s, pad, d)
        elif d >= 0:
            assert clobbers_in_channel_order((1, h, w, c), out, d), (h, w, c, s, pad, d)


def test_a_gap_with_a_step_moves_with_the_buffers() -> None:
    g = Gap(100, 8)
    assert gap_allows(g, 100) and gap_allows(g, 92) and gap_allows(g, -4)
    assert not gap_allows(g, 96) and not gap_allows(g, 108)
    moved = g + 3 - 1
    assert isinstance(moved, Gap) and moved.step == 8 and int(moved) == 102
    assert gap_allows(moved, 94) and not gap_allows(moved, 92)
    assert gap_allows(-10, -11) and not gap_allows(-10, -9)
    assert channel_order_gap((1, 4, 4, 2), (1, 2, 2, 3), 1, 1) is None


def test_a_stride_2_depthwise_layer_of_vww_fits_inside_its_input() -> None:
    # 48x48x16 -> 24x24x16: the output may start at any whole pixel of the input.
    gap = channel_order_gap((1, 48, 48, 16), (1, 24, 24, 16), 1, 1)
    assert gap is not None
    assert (int(gap), gap_step(gap)) == (48 * 48 * 16 - 16, 16)
    assert overlap_saving(36864, 9216, gap) == 9216
    ivs = [Interval(36864, 0, 1), Interval(9216, 1, 2), Interval(4900, 1, 1)]
    plan = arena_plan.plan_best(ivs, 4, {(0, 1): gap})
    assert plan.plan.size == 36864 + 4900, plan
    assert arena_plan.find_conflict(ivs, plan.plan.offsets, {(0, 1): gap}) is None
    # The same distances one byte off are not allowed.
    offsets = list(plan.plan.offsets)
    offsets[1] += 1
    assert arena_plan.find_conflict(ivs, offsets, {(0, 1): gap}) is not None


def test_overlap_saving() -> None:
    assert overlap_saving(8000, 8000, -448) == 8000 - 448
    assert overlap_saving(100, 50, 20) == 50  # the output fits inside the input
    assert overlap_saving(100, 100, -100) == 0
    assert overlap_saving(100, 100, -1000) == 0


# ------------------------------------------------------------------ the arena planner


def test_a_chain_of_overlapping_layers_fits_in_little_more_than_one_tensor() -> None:
    # t0 -> t1 -> t2 -> t3, each 1000 bytes, each output may start 100 bytes before its
    # input: each layer moves the chain 100 bytes down (the output cannot go above its
    # input while both live), so 1000 + 3 x 100 is the best plan.
    ivs = [Interval(1000, i, i + 1) for i in range(4)]
    overlaps = {(i, i + 1): -100 for i in range(3)}
    plain = arena_plan.plan_best(ivs, 4)
    shared = arena_plan.plan_best(ivs, 4, overlaps)
    assert plain.plan.size == 2000
    assert shared.plan.size == 1300, shared
    assert shared.plan.offsets == [300, 200, 100, 0]
    assert arena_plan.find_conflict(ivs, shared.plan.offsets, overlaps) is None
    assert arena_plan.find_conflict(ivs, shared.plan.offsets) is not None
    assert arena_plan.overlap_bound(ivs, overlaps) == 1100


@pytest.mark.parametrize("seed", range(200))
def test_random_plans_with_overlaps_are_sound(seed: int) -> None:
    rng = random.Random(seed)
    ivs = []
    for _ in range(rng.randint(2, 12)):
        first = rng.randint(0, 8)
        ivs.append(Interval(rng.choice([0, 8, 24, 64, 100]), first, first + rng.randint(0, 3)))
    overlaps = {}
    for i, a in enumerate(ivs):
        for j, b in enumerate(ivs):
            if i != j and a.last == b.first and rng.random() < 0.5:
                overlaps[i, j] = rng.randint(-a.size - b.size, max(a.size - 1, 0))
    alignment = rng.choice([1, 4, 16])
    named = arena_plan.plan_best(ivs, alignment, overlaps)
    assert arena_plan.find_conflict(ivs, named.plan.offsets, overlaps) is None
    assert all(o % alignment == 0 for o in named.plan.offsets)
    assert named.plan.size >= arena_plan.overlap_bound(ivs, overlaps)
    # never worse than without overlaps: the plain strategies are tried too
    assert named.plan.size <= arena_plan.plan_best(ivs, alignment).plan.size
    pools = arena_plan.plan_pools(ivs, [64, 1 << 20], alignment, overlaps)
    for p in (0, 1):
        members = [i for i in range(len(ivs)) if pools.pools[i] == p]
        sub = [ivs[i] for i in members]
        sub_overlaps = {
            (members.index(i), members.index(j)): gap
            for (i, j), gap in overlaps.items()
            if i in members and j in members
        }
        offsets = [pools.offsets[i] for i in members]
        assert arena_plan.find_conflict(sub, offsets, sub_overlaps) is None


@pytest.mark.parametrize("seed", range(200))
def test_random_plans_with_stepped_overlaps_are_sound(seed: int) -> None:
    """As above, some gaps with a step (channel-order kernels): every placement keeps the
    allowed distances, every strategy's plan is sound."""
    rng = random.Random(seed)
    ivs = []
    for _ in range(rng.randint(2, 12)):
        first = rng.randint(0, 8)
        ivs.append(Interval(rng.choice([0, 8, 24, 48, 96]), first, first + rng.randint(0, 3)))
    overlaps: dict[tuple[int, int], int] = {}
    for i, a in enumerate(ivs):
        for j, b in enumerate(ivs):
            if i != j and a.last == b.first and rng.random() < 0.6:
                if rng.random() < 0.6:
                    step = rng.choice([2, 3, 8, 12])
                    overlaps[i, j] = Gap(max(a.size - step, 0) + rng.randint(-2, 2), step)
                else:
                    overlaps[i, j] = rng.randint(-a.size - b.size, max(a.size - 1, 0))
    alignment = rng.choice([1, 4, 16])
    for order_name, fit in arena_plan._strategies(overlaps):
        plan = arena_plan.plan_with(ivs, order_name, fit, alignment, overlaps)
        assert arena_plan.find_conflict(ivs, plan.offsets, overlaps) is None, (order_name, fit)
        assert all(o % alignment == 0 and isinstance(o, int) for o in plan.offsets)
        assert all(type(o) is int for o in plan.offsets)
    named = arena_plan.plan_best(ivs, alignment, overlaps)
    assert named.plan.size >= arena_plan.overlap_bound(ivs, overlaps)
    assert named.plan.size <= arena_plan.plan_best(ivs, alignment).plan.size
    pools = arena_plan.plan_pools(ivs, [64, 1 << 20], alignment, overlaps)
    for p in (0, 1):
        members = [i for i in range(len(ivs)) if pools.pools[i] == p]
        sub_overlaps = {
            (members.index(i), members.index(j)): gap
            for (i, j), gap in overlaps.items()
            if i in members and j in members
        }
        offsets = [pools.offsets[i] for i in members]
        assert arena_plan.find_conflict([ivs[i] for i in members], offsets, sub_overlaps) is None
