"""Static memory planning of the activation arena, as pure Python.

A buffer is an interval: a size in bytes and a lifetime ``[first, last]`` (inclusive step
indices in execution order). Two buffers whose lifetimes intersect are live at the same
time and must not share any byte. :func:`plan_greedy_by_size` places the largest buffers
first, each at the lowest aligned offset that does not overlap a placed buffer whose
lifetime intersects its own.

    >>> plan = plan_greedy_by_size([Interval(64, 0, 1), Interval(32, 1, 2), Interval(64, 2, 3)])
    >>> plan.offsets, plan.size
    ([0, 64, 0], 96)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Interval:
    """A buffer to place: ``size`` bytes, live from step ``first`` to step ``last``."""

    size: int
    first: int
    last: int

    def lives_with(self, other: Interval) -> bool:
        """Whether the two lifetimes share a step."""
        return self.first <= other.last and other.first <= self.last


@dataclass(frozen=True)
class Plan:
    """Offsets (one per interval, in the input order) and the arena size in bytes."""

    offsets: list[int]
    size: int


def align_up(value: int, alignment: int) -> int:
    """The smallest multiple of ``alignment`` that is at least ``value``."""
    return -(-value // alignment) * alignment


def check_intervals(intervals: Sequence[Interval], alignment: int) -> None:
    """Raise ``ValueError`` for a negative size, an empty lifetime or a bad alignment."""
    if alignment < 1:
        raise ValueError(f"alignment must be positive, got {alignment}")
    for i, iv in enumerate(intervals):
        if iv.size < 0:
            raise ValueError(f"interval {i}: negative size {iv.size}")
        if iv.first > iv.last:
            raise ValueError(f"interval {i}: lifetime [{iv.first}, {iv.last}] is empty")


def _lowest_fit(size: int, busy: list[tuple[int, int]], alignment: int) -> int:
    """The lowest aligned offset where ``size`` bytes avoid every ``[start, end)`` in ``busy``."""
    offset = 0
    for start, end in sorted(busy):
        if offset + size <= start:
            break
        offset = max(offset, align_up(end, alignment))
    return offset


def plan_greedy_by_size(intervals: Sequence[Interval], alignment: int = 1) -> Plan:
    """Place every interval, largest first (ties: earliest first, then input order).

    Zero-sized buffers get offset 0 and occupy nothing. The arena size is the end of the
    highest placed buffer, rounded up to ``alignment``.
    """
    check_intervals(intervals, alignment)
    order = sorted(
        range(len(intervals)),
        key=lambda i: (-intervals[i].size, intervals[i].first, i),
    )
    offsets = [0] * len(intervals)
    placed: list[int] = []
    for i in order:
        iv = intervals[i]
        if iv.size == 0:
            continue
        busy = [
            (offsets[j], offsets[j] + intervals[j].size)
            for j in placed
            if intervals[j].lives_with(iv)
        ]
        offsets[i] = _lowest_fit(iv.size, busy, alignment)
        placed.append(i)
    end = max((offsets[i] + intervals[i].size for i in placed), default=0)
    return Plan(offsets, align_up(end, alignment))


def peak_live_bytes(intervals: Sequence[Interval]) -> int:
    """The largest total size of the buffers live at one step: a lower bound of any plan."""
    if not intervals:
        return 0
    steps = {iv.first for iv in intervals}
    return max(sum(iv.size for iv in intervals if iv.first <= s <= iv.last) for s in steps)


def find_conflict(intervals: Sequence[Interval], offsets: Sequence[int]) -> tuple[int, int] | None:
    """Two buffers that are live together and share bytes, or None if the plan is sound."""
    for i, a in enumerate(intervals):
        for j in range(i + 1, len(intervals)):
            b = intervals[j]
            if a.size == 0 or b.size == 0 or not a.lives_with(b):
                continue
            if offsets[i] < offsets[j] + b.size and offsets[j] < offsets[i] + a.size:
                return i, j
    return None
