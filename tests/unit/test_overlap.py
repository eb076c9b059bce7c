"""Outputs that overlap their inputs: the pixel-order gap of a kernel, checked against a
byte-level simulation of its reads and writes, and the arena planner's use of it."""

from __future__ import annotations

import random

import pytest

from stai.dialects.qnn_overlap import overlap_saving, pixel_order_gap
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
