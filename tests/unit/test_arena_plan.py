"""The greedy-by-size arena planner: soundness on random lifetimes, and small known plans."""

from __future__ import annotations

import random

import pytest

from stai.lowering.arena_plan import (
    Interval,
    align_up,
    find_conflict,
    peak_live_bytes,
    plan_greedy_by_size,
)


def _random_intervals(rng: random.Random) -> list[Interval]:
    steps = rng.randint(1, 30)
    out = []
    for _ in range(rng.randint(0, 40)):
        first = rng.randrange(steps)
        last = rng.randint(first, min(steps - 1, first + rng.choice([0, 1, 2, 5, steps])))
        size = rng.choice([0, 1, 3, 4, 7, 16, 100, 1000, rng.randint(1, 5000)])
        out.append(Interval(size, first, last))
    return out


@pytest.mark.parametrize("seed", range(300))
def test_random_plans_are_sound(seed: int) -> None:
    rng = random.Random(seed)
    intervals = _random_intervals(rng)
    alignment = rng.choice([1, 2, 4, 8, 16])
    plan = plan_greedy_by_size(intervals, alignment)

    assert len(plan.offsets) == len(intervals)
    assert find_conflict(intervals, plan.offsets) is None
    assert all(o % alignment == 0 and o >= 0 for o in plan.offsets)
    assert all(o + iv.size <= plan.size for o, iv in zip(plan.offsets, intervals))
    assert plan.size % alignment == 0
    assert plan.size >= peak_live_bytes(intervals)


def test_find_conflict_detects_overlap() -> None:
    intervals = [Interval(8, 0, 2), Interval(8, 2, 3)]
    assert find_conflict(intervals, [0, 4]) == (0, 1)
    assert find_conflict(intervals, [0, 8]) is None
    # disjoint lifetimes may share bytes
    assert find_conflict([Interval(8, 0, 1), Interval(8, 2, 3)], [0, 0]) is None


def test_chain_reuses_memory() -> None:
    # a -> b -> c -> d: only neighbours are live together
    intervals = [Interval(100, 0, 1), Interval(50, 1, 2), Interval(100, 2, 3), Interval(10, 3, 3)]
    plan = plan_greedy_by_size(intervals, alignment=4)
    assert plan.offsets == [0, 100, 0, 100]
    assert plan.size == 152
    assert peak_live_bytes(intervals) == 150


def test_largest_first_and_alignment() -> None:
    plan = plan_greedy_by_size([Interval(3, 0, 0), Interval(10, 0, 0)], alignment=8)
    assert plan.offsets == [16, 0]
    assert plan.size == 24


def test_fills_a_hole_between_buffers() -> None:
    # at step 2, C takes [0, 90) and B [100, 200): D (10 bytes) fits in the hole
    intervals = [Interval(100, 0, 1), Interval(100, 1, 2), Interval(90, 2, 3), Interval(10, 2, 2)]
    plan = plan_greedy_by_size(intervals)
    assert plan.offsets == [0, 100, 0, 90]
    assert plan.size == 200


def test_empty_and_zero_sizes() -> None:
    assert plan_greedy_by_size([]).size == 0
    plan = plan_greedy_by_size([Interval(0, 0, 3), Interval(5, 0, 3)], alignment=4)
    assert plan.offsets == [0, 0]
    assert plan.size == 8


def test_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match="empty"):
        plan_greedy_by_size([Interval(4, 2, 1)])
    with pytest.raises(ValueError, match="alignment"):
        plan_greedy_by_size([Interval(4, 0, 1)], alignment=0)
    with pytest.raises(ValueError, match="negative"):
        plan_greedy_by_size([Interval(-1, 0, 1)])


def test_align_up() -> None:
    assert [align_up(v, 4) for v in (0, 1, 4, 5)] == [0, 4, 4, 8]
