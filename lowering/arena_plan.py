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


# ------------------------------------------------------------- several strategies

FITS = ("first", "best")
"""How a buffer is placed among the gaps left by the buffers live with it: at the lowest
offset that fits (``first``), or in the smallest gap that fits (``best``, as in greedy by
size for offset calculation of Pisarchyk & Lee, 2020), else above every such buffer."""


def _free_gaps(busy: list[tuple[int, int]], alignment: int) -> list[tuple[int, int | None]]:
    """The free ``[start, end)`` ranges between the ``busy`` ranges (the last one open)."""
    gaps: list[tuple[int, int | None]] = []
    offset = 0
    for start, end in sorted(busy):
        if start > offset:
            gaps.append((offset, start))
        offset = max(offset, align_up(end, alignment))
    gaps.append((offset, None))
    return gaps


def _fit(size: int, busy: list[tuple[int, int]], alignment: int, fit: str) -> int:
    """The offset of ``size`` bytes among ``busy`` ranges by the ``fit`` rule."""
    gaps = [(s, e) for s, e in _free_gaps(busy, alignment) if e is None or e - s >= size]
    if fit == "best":
        closed = [(e - s, s) for s, e in gaps if e is not None]
        if closed:
            return min(closed)[1]
    return gaps[0][0]


def place(
    intervals: Sequence[Interval],
    order: Sequence[int],
    alignment: int = 1,
    fit: str = "first",
    capacity: int | None = None,
) -> tuple[list[int], list[int]]:
    """Place the intervals in ``order`` (indices); returns the offsets and the indices that
    did not fit below ``capacity`` (those get offset 0 and are left out)."""
    offsets = [0] * len(intervals)
    placed: list[int] = []
    left: list[int] = []
    for i in order:
        iv = intervals[i]
        if iv.size == 0:
            continue
        busy = [
            (offsets[j], offsets[j] + intervals[j].size)
            for j in placed
            if intervals[j].lives_with(iv)
        ]
        offset = _fit(iv.size, busy, alignment, fit)
        if capacity is not None and offset + iv.size > capacity:
            left.append(i)
            continue
        offsets[i] = offset
        placed.append(i)
    return offsets, left


def _breadth_order(intervals: Sequence[Interval]) -> list[int]:
    """Greedy by breadth: the steps by decreasing live bytes, each step's buffers largest
    first (Pisarchyk & Lee, 2020)."""
    steps = sorted({s for iv in intervals for s in (iv.first, iv.last)})
    live = {s: [i for i, iv in enumerate(intervals) if iv.first <= s <= iv.last] for s in steps}
    ranked = sorted(steps, key=lambda s: (-sum(intervals[i].size for i in live[s]), s))
    seen: set[int] = set()
    order: list[int] = []
    for s in ranked:
        for i in sorted(live[s], key=lambda i: (-intervals[i].size, intervals[i].first, i)):
            if i not in seen:
                seen.add(i)
                order.append(i)
    return order


ORDERS = {
    "size": lambda ivs: sorted(range(len(ivs)), key=lambda i: (-ivs[i].size, ivs[i].first, i)),
    "breadth": _breadth_order,
    "start": lambda ivs: sorted(range(len(ivs)), key=lambda i: (ivs[i].first, -ivs[i].size, i)),
    "lifetime": lambda ivs: sorted(
        range(len(ivs)), key=lambda i: (-(ivs[i].last - ivs[i].first), -ivs[i].size, i)
    ),
    "area": lambda ivs: sorted(
        range(len(ivs)), key=lambda i: (-ivs[i].size * (ivs[i].last - ivs[i].first + 1), i)
    ),
}
"""Orders in which a strategy places buffers: largest first, the buffers of the broadest
steps first, earliest first, longest-lived first, largest size x lifetime first."""

STRATEGIES: tuple[tuple[str, str], ...] = tuple((o, f) for o in ORDERS for f in FITS)
"""Every (order, fit) pair :func:`plan_best` tries."""


@dataclass(frozen=True)
class NamedPlan:
    """A plan and the strategy that made it (``"size/first"`` ...)."""

    plan: Plan
    strategy: str


def plan_with(intervals: Sequence[Interval], order_name: str, fit: str, alignment: int = 1) -> Plan:
    """The plan of one strategy (an ``ORDERS`` key and a ``FITS`` rule)."""
    check_intervals(intervals, alignment)
    offsets, _ = place(intervals, ORDERS[order_name](intervals), alignment, fit)
    end = max((o + iv.size for o, iv in zip(offsets, intervals) if iv.size), default=0)
    return Plan(offsets, align_up(end, alignment))


def plan_best(intervals: Sequence[Interval], alignment: int = 1) -> NamedPlan:
    """The smallest plan of every strategy in ``STRATEGIES`` (ties: the first tried)."""
    check_intervals(intervals, alignment)
    bound = align_up(peak_live_bytes(intervals), alignment)
    best: NamedPlan | None = None
    for order_name, fit in STRATEGIES:
        plan = plan_with(intervals, order_name, fit, alignment)
        if best is None or plan.size < best.plan.size:
            best = NamedPlan(plan, f"{order_name}/{fit}")
        if best.plan.size <= bound:
            break
    assert best is not None
    return best


# ------------------------------------------------------------------- memory pools


class PoolOverflow(ValueError):
    """The buffers do not fit the pools: ``missing`` bytes more would be needed."""

    def __init__(self, missing: int, needed: int, available: int, detail: str = ""):
        detail = detail or f"the activations need {needed} bytes, the pools hold {available}"
        super().__init__(f"{missing} bytes missing ({detail})")
        self.missing, self.needed, self.available = missing, needed, available


def _overflow(
    intervals: Sequence[Interval], capacities: Sequence[int], needed: int, left_bytes: int
) -> PoolOverflow:
    """Why the intervals fit no pool plan, with the bytes missing."""
    available = sum(capacities)
    largest = max((iv.size for iv in intervals), default=0)
    roomiest = max(capacities)
    if largest > roomiest:
        return PoolOverflow(
            largest - roomiest,
            needed,
            available,
            f"a {largest}-byte buffer fits in no pool, the largest holds {roomiest}",
        )
    if needed > available:
        return PoolOverflow(needed - available, needed, available)
    return PoolOverflow(
        max(left_bytes, 1),
        needed,
        available,
        f"{left_bytes} bytes of buffers find no room in the free gaps of the "
        f"pools, which hold {available} bytes",
    )


@dataclass(frozen=True)
class PoolPlan:
    """Where each interval lives: its pool and offset there; the bytes each pool uses."""

    pools: list[int]
    offsets: list[int]
    sizes: list[int]
    strategy: str


def _fill(
    intervals: Sequence[Interval],
    order: list[int],
    capacities: Sequence[int],
    alignment: int,
    fit: str,
) -> tuple[list[int], list[int], list[int], list[int]]:
    """Fill the pools in turn: what does not fit a pool goes on to the next one."""
    pool_of = [0] * len(intervals)
    offsets = [0] * len(intervals)
    sizes = [0] * len(capacities)
    todo = order
    for p, capacity in enumerate(capacities):
        if not todo:
            break
        subset_offsets, left = place(intervals, todo, alignment, fit, capacity)
        left_set = set(left)
        for i in todo:
            if i not in left_set and intervals[i].size:
                pool_of[i], offsets[i] = p, subset_offsets[i]
                sizes[p] = max(sizes[p], align_up(offsets[i] + intervals[i].size, alignment))
        todo = left
    return pool_of, offsets, sizes, todo


def plan_pools(
    intervals: Sequence[Interval], capacities: Sequence[int], alignment: int = 1
) -> PoolPlan:
    """Place the intervals in pools of the given capacities, in priority order.

    The best single-arena plan is kept when it fits the first pool. Otherwise every
    strategy fills the first pool, then the next with what did not fit, and so on; the
    plan that leaves the fewest bytes to the last pools wins. Raises :class:`PoolOverflow`
    when no strategy fits.
    """
    check_intervals(intervals, alignment)
    if not capacities:
        raise ValueError("no memory pool given")
    single = plan_best(intervals, alignment)
    if single.plan.size <= capacities[0]:
        used = [single.plan.size] + [0] * (len(capacities) - 1)
        return PoolPlan([0] * len(intervals), single.plan.offsets, used, single.strategy)
    best: PoolPlan | None = None
    least_left: int | None = None
    for order_name, fit in STRATEGIES:
        order = ORDERS[order_name](intervals)
        pools, offsets, sizes, left = _fill(intervals, order, capacities, alignment, fit)
        if left:
            missing = sum(intervals[i].size for i in left)
            least_left = missing if least_left is None else min(least_left, missing)
            continue
        candidate = PoolPlan(pools, offsets, sizes, f"{order_name}/{fit}")
        if best is None or sizes[::-1] < best.sizes[::-1]:
            best = candidate
    if best is None:
        raise _overflow(intervals, capacities, single.plan.size, least_left or 0)
    return best
