"""Static memory planning of the activation arena, as pure Python.

A buffer is an interval: a size in bytes and a lifetime ``[first, last]`` (inclusive step
indices in execution order). Two buffers whose lifetimes intersect are live at the same
time and must not share any byte. :func:`plan_greedy_by_size` places the largest buffers
first, each at the lowest aligned offset that does not overlap a placed buffer whose
lifetime intersects its own.

    >>> plan = plan_greedy_by_size([Interval(64, 0, 1), Interval(32, 1, 2), Interval(64, 2, 3)])
    >>> plan.offsets, plan.size
    ([0, 64, 0], 96)

**Overlaps** relax that rule for a kernel's input and output: ``overlaps[(i, j)] = gap``
says that buffer ``j`` (written by the kernel) may share bytes with buffer ``i`` (read by
it, last time) when ``offset[j] - offset[i] <= gap`` (the kernel's own fact,
:mod:`stai.dialects.qnn_overlap`); they may of course also be apart. A gap with a step
(``qnn_overlap.Gap``, a kernel that runs channel by channel) allows only the distances
``gap - k * step``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from stai.dialects.qnn_overlap import gap_allows, gap_step, overlap_saving


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


Overlaps = Mapping[tuple[int, int], int]
"""``(read, written) -> gap``: the written buffer may start at most ``gap`` bytes after the
read one and share its bytes."""


def find_conflict(
    intervals: Sequence[Interval], offsets: Sequence[int], overlaps: Overlaps | None = None
) -> tuple[int, int] | None:
    """Two buffers that are live together and share bytes (beyond what ``overlaps``
    allows), or None if the plan is sound."""
    overlaps = overlaps or {}
    for i, a in enumerate(intervals):
        for j in range(i + 1, len(intervals)):
            b = intervals[j]
            if a.size == 0 or b.size == 0 or not a.lives_with(b):
                continue
            if offsets[i] < offsets[j] + b.size and offsets[j] < offsets[i] + a.size:
                if (i, j) in overlaps and gap_allows(overlaps[i, j], offsets[j] - offsets[i]):
                    continue
                if (j, i) in overlaps and gap_allows(overlaps[j, i], offsets[i] - offsets[j]):
                    continue
                return i, j
    return None


def overlap_bound(intervals: Sequence[Interval], overlaps: Overlaps) -> int:
    """The largest, over steps, of the bytes live at the step less what the overlaps of
    the kernel running there can save: a lower bound of any plan with ``overlaps``."""
    if not intervals:
        return 0
    saving: dict[int, int] = {}
    for (i, j), gap in overlaps.items():
        step = intervals[j].first
        saving[step] = saving.get(step, 0) + overlap_saving(
            intervals[i].size, intervals[j].size, gap
        )
    steps = {iv.first for iv in intervals}
    return max(
        sum(iv.size for iv in intervals if iv.first <= s <= iv.last) - saving.get(s, 0)
        for s in steps
    )


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


class Block(NamedTuple):
    """Starts ``[lo, hi)`` a buffer may not take, except (``step > 1``) those at a
    multiple of ``step`` from ``anchor``."""

    lo: int
    hi: int
    anchor: int = 0
    step: int = 1

    def blocks(self, start: int) -> bool:
        return self.lo <= start < self.hi and (
            self.step == 1 or (start - self.anchor) % self.step != 0
        )


def lattice_up(value: int, anchor: int, step: int, alignment: int) -> int | None:
    """The smallest multiple of ``alignment`` at least ``value`` that is ``anchor`` plus a
    multiple of ``step`` (None: no multiple of ``alignment`` is)."""
    value, anchor = int(value), int(anchor)
    if anchor % math.gcd(step, alignment):
        return None
    y = value + (anchor - value) % step
    while y % alignment:
        y += step
    return y


def lattice_down(value: int, anchor: int, step: int, alignment: int) -> int | None:
    """``lattice_up``, the largest at most ``value``."""
    value, anchor = int(value), int(anchor)
    if anchor % math.gcd(step, alignment):
        return None
    y = value - (value - anchor) % step
    while y % alignment:
        y -= step
    return y


def _forbidden_start(
    i: int, j: int, at: int, intervals: Sequence[Interval], overlaps: Overlaps
) -> list[Block]:
    """The starts that buffer ``i`` may not take because of buffer ``j`` placed at ``at``
    (live at the same time), with the overlaps the two may have."""
    size, other = intervals[i].size, intervals[j].size
    lo, hi = at - size + 1, at + other
    blocks: list[Block] = []
    if (j, i) in overlaps:  # i is written over j: i may start up to gap after j
        gap = overlaps[j, i]
        top = at + int(gap)
        blocks.append(Block(max(lo, top + 1), hi))
        if gap_step(gap) > 1:
            blocks.append(Block(lo, min(hi, top + 1), top, gap_step(gap)))
    if (i, j) in overlaps:  # j is written over i: i may start down to gap before j
        gap = overlaps[i, j]
        bottom = at - int(gap)
        blocks.append(Block(lo, min(hi, bottom)))
        if gap_step(gap) > 1:
            blocks.append(Block(max(lo, bottom), hi, bottom, gap_step(gap)))
    if not blocks:
        blocks.append(Block(lo, hi))
    return blocks


def _first_start(forbidden: list[Block], alignment: int) -> int:
    """The lowest aligned start (from 0) that no block of ``forbidden`` takes."""
    start = 0
    while True:
        start = align_up(start, alignment)
        hit = next((b for b in forbidden if b.blocks(start)), None)
        if hit is None:
            return start
        if hit.step == 1:
            start = hit.hi
            continue
        nxt = lattice_up(start, hit.anchor, hit.step, alignment)
        start = hit.hi if nxt is None or nxt >= hit.hi else nxt


def _fit_starts(forbidden: list[Block], alignment: int, fit: str) -> int:
    """The start chosen by the ``fit`` rule among the aligned starts (from 0) that no
    block of ``forbidden`` takes; ``best``: the start whose free run is shortest (with
    stepped blocks, the first start)."""
    if any(b.step > 1 and b.hi > b.lo for b in forbidden):
        return _first_start(forbidden, alignment)
    runs: list[tuple[int, int | None]] = []
    start = 0
    for lo, hi in sorted((b.lo, b.hi) for b in forbidden if b.hi > b.lo):
        if lo > start:
            first = align_up(start, alignment)
            if first < lo:
                runs.append((first, lo))
        start = max(start, hi)
    runs.append((align_up(start, alignment), None))
    if fit == "best":
        closed = [(end - first, first) for first, end in runs if end is not None]
        if closed:
            return min(closed)[1]
    return runs[0][0]


def glue_distance(gap: int, in_size: int, out_size: int) -> int:
    """Where the ``glue`` fit puts an output relative to its input: ``gap`` bytes after
    it, but no further than the end of the input (a stepped gap may allow more); on the
    gap's steps."""
    if gap <= max(0, in_size - out_size):
        return int(gap)
    step = gap_step(gap)
    return int(gap) - (int(gap) - max(0, in_size - out_size) + step - 1) // step * step


def _cluster(
    i: int, intervals: Sequence[Interval], overlaps: Overlaps, alignment: int
) -> dict[int, int] | None:
    """The buffers joined to ``i`` by overlaps, each at its offset from the lowest one
    when every output sits as far over its input as its gap allows; None when two of
    them would then share bytes they may not."""
    rel = {i: 0}
    todo = [i]
    while todo:
        a = todo.pop()
        for (r, w), gap in overlaps.items():
            dist = glue_distance(gap, intervals[r].size, intervals[w].size)
            if r == a and w not in rel:
                at = lattice_down(rel[a] + dist, rel[a] + dist, gap_step(gap), alignment)
            elif w == a and r not in rel:
                at = lattice_up(rel[a] - dist, rel[a] - dist, gap_step(gap), alignment)
            else:
                continue
            if at is None:
                return None
            rel[w if r == a else r] = at
            todo.append(w if r == a else r)
    if len(rel) < 2:
        return None
    low = min(rel.values())
    rel = {k: v - low for k, v in rel.items()}
    members = sorted(rel)
    sub = [intervals[k] for k in members]
    sub_overlaps = {
        (members.index(r), members.index(w)): gap
        for (r, w), gap in overlaps.items()
        if r in rel and w in rel
    }
    if find_conflict(sub, [rel[k] for k in members], sub_overlaps) is not None:
        return None
    return rel


def _place_cluster(
    rel: dict[int, int],
    intervals: Sequence[Interval],
    offsets: list[int],
    placed: list[int],
    alignment: int,
    overlaps: Overlaps,
) -> int:
    """The lowest aligned start of a cluster (``_cluster``) whose members meet no placed
    buffer they live with."""
    candidates = {0}
    for m, r in rel.items():
        for j in placed:
            if intervals[j].lives_with(intervals[m]):
                candidates.add(max(0, align_up(offsets[j] + intervals[j].size - r, alignment)))
    for start in sorted(candidates):
        fits = True
        for m, r in rel.items():
            if not intervals[m].size:
                continue
            for j in placed:
                if intervals[j].lives_with(intervals[m]):
                    blocks = _forbidden_start(m, j, offsets[j], intervals, overlaps)
                    if any(b.blocks(start + r) for b in blocks):
                        fits = False
                        break
            if not fits:
                break
        if fits:
            return start
    raise AssertionError("the highest candidate always fits")


def place(
    intervals: Sequence[Interval],
    order: Sequence[int],
    alignment: int = 1,
    fit: str = "first",
    capacity: int | None = None,
    overlaps: Overlaps | None = None,
) -> tuple[list[int], list[int]]:
    """Place the intervals in ``order`` (indices); returns the offsets and the indices that
    did not fit below ``capacity`` (those get offset 0 and are left out)."""
    offsets = [0] * len(intervals)
    placed: list[int] = []
    left: list[int] = []
    partners: dict[int, set[int]] = {}
    for i, j in overlaps or {}:
        partners.setdefault(i, set()).add(j)
        partners.setdefault(j, set()).add(i)
    for i in order:
        iv = intervals[i]
        if iv.size == 0 or i in placed:
            continue
        live = [j for j in placed if intervals[j].lives_with(iv)]
        rel = None
        if overlaps and fit == "glue" and not partners.get(i, set()) & set(placed):
            rel = _cluster(i, intervals, overlaps, alignment)
        if overlaps and rel is not None and not set(rel) & set(placed):
            start = _place_cluster(rel, intervals, offsets, placed, alignment, overlaps)
            top = max(start + r + intervals[m].size for m, r in rel.items())
            if capacity is None or top <= capacity:
                for m, r in rel.items():
                    if intervals[m].size:
                        offsets[m] = start + r
                        placed.append(m)
                continue
        glued = partners.get(i, set()) & set(live) if overlaps else set()
        if overlaps and glued:
            forbidden = [
                b for j in live for b in _forbidden_start(i, j, offsets[j], intervals, overlaps)
            ]
            offset = _fit_starts(forbidden, alignment, "first" if fit == "glue" else fit)
            if fit == "glue":  # as close over (or under) a placed partner as allowed
                for j in sorted(glued):
                    if (j, i) in overlaps:
                        gap = overlaps[j, i]
                        top = offsets[j] + glue_distance(gap, intervals[j].size, iv.size)
                        at = lattice_down(top, top, gap_step(gap), alignment)
                    else:
                        gap = overlaps[i, j]
                        bottom = offsets[j] - glue_distance(gap, iv.size, intervals[j].size)
                        at = lattice_up(bottom, bottom, gap_step(gap), alignment)
                    if at is not None and at >= 0 and not any(b.blocks(at) for b in forbidden):
                        offset = at
                        break
        else:
            busy = [(offsets[j], offsets[j] + intervals[j].size) for j in live]
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

OVERLAP_ORDERS = {
    "latest": lambda ivs: sorted(
        range(len(ivs)), key=lambda i: (-ivs[i].last, -ivs[i].first, -ivs[i].size, i)
    ),
}
"""Orders tried as well when buffers may overlap: the latest to die first, so that a
kernel's output is placed before the input it may be written over (which then goes just
above it)."""


def _strategies(overlaps: Overlaps | None) -> tuple[tuple[str, str], ...]:
    """``STRATEGIES``; with overlaps, also the overlap orders, and every order with the
    ``glue`` fit (a buffer goes right against a placed overlap partner when it may)."""
    if not overlaps:
        return STRATEGIES
    orders = (*ORDERS, *OVERLAP_ORDERS)
    return (
        STRATEGIES
        + tuple((o, f) for o in OVERLAP_ORDERS for f in FITS)
        + tuple((o, "glue") for o in orders)
    )


def _order(name: str, intervals: Sequence[Interval]) -> list[int]:
    return (ORDERS | OVERLAP_ORDERS)[name](intervals)


@dataclass(frozen=True)
class NamedPlan:
    """A plan and the strategy that made it (``"size/first"`` ...)."""

    plan: Plan
    strategy: str


def plan_with(
    intervals: Sequence[Interval],
    order_name: str,
    fit: str,
    alignment: int = 1,
    overlaps: Overlaps | None = None,
) -> Plan:
    """The plan of one strategy (an ``ORDERS`` key and a ``FITS`` rule)."""
    check_intervals(intervals, alignment)
    offsets, _ = place(intervals, _order(order_name, intervals), alignment, fit, None, overlaps)
    end = max((o + iv.size for o, iv in zip(offsets, intervals) if iv.size), default=0)
    return Plan(offsets, align_up(end, alignment))


def plan_best(
    intervals: Sequence[Interval], alignment: int = 1, overlaps: Overlaps | None = None
) -> NamedPlan:
    """The smallest plan of every strategy in ``STRATEGIES`` (ties: the first tried)."""
    check_intervals(intervals, alignment)
    least = overlap_bound(intervals, overlaps) if overlaps else peak_live_bytes(intervals)
    bound = align_up(least, alignment)
    best: NamedPlan | None = None
    for order_name, fit in _strategies(overlaps):
        plan = plan_with(intervals, order_name, fit, alignment, overlaps)
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
    overlaps: Overlaps | None = None,
) -> tuple[list[int], list[int], list[int], list[int]]:
    """Fill the pools in turn: what does not fit a pool goes on to the next one."""
    pool_of = [0] * len(intervals)
    offsets = [0] * len(intervals)
    sizes = [0] * len(capacities)
    todo = order
    for p, capacity in enumerate(capacities):
        if not todo:
            break
        subset_offsets, left = place(intervals, todo, alignment, fit, capacity, overlaps)
        left_set = set(left)
        for i in todo:
            if i not in left_set and intervals[i].size:
                pool_of[i], offsets[i] = p, subset_offsets[i]
                sizes[p] = max(sizes[p], align_up(offsets[i] + intervals[i].size, alignment))
        todo = left
    return pool_of, offsets, sizes, todo


def plan_pools(
    intervals: Sequence[Interval],
    capacities: Sequence[int],
    alignment: int = 1,
    overlaps: Overlaps | None = None,
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
    single = plan_best(intervals, alignment, overlaps)
    if single.plan.size <= capacities[0]:
        used = [single.plan.size] + [0] * (len(capacities) - 1)
        return PoolPlan([0] * len(intervals), single.plan.offsets, used, single.strategy)
    best: PoolPlan | None = None
    least_left: int | None = None
    for order_name, fit in _strategies(overlaps):
        order = _order(order_name, intervals)
        pools, offsets, sizes, left = _fill(intervals, order, capacities, alignment, fit, overlaps)
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
