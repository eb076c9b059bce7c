"""The buffers and kernels of a buffer-form function, as ``plan-memory`` sees them.

:func:`build_graph` groups the views that hold the same bytes into buffers (a reshape and
its source are one buffer; a kernel's scratch view is a buffer of its own) and records
which kernels read and write each buffer and the order they must keep. The order search
(:func:`search_order`, :func:`greedy_order`) looks for the execution order whose largest
step (the bytes live while one kernel runs) is smallest.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from xdsl.dialects import func
from xdsl.ir import Block, SSAValue

from stai.dialects import qnn
from stai.dialects.buf import ExternOp, StateOp, Storage, ViewOp, element_bytes
from stai.errors import StaiError

ORDER_STATES_LIMIT = 50_000
"""The most sets of executed kernels the order search visits before it gives up (it then
keeps the model's order and a greedy one)."""


def _fail(message: str) -> StaiError:
    return StaiError(f"plan-memory: {message}")


# ------------------------------------------------------------------------ the graph


@dataclass
class Group:
    """One buffer: the views (or ``buf.extern``s) that hold the same bytes."""

    members: list[Storage]
    rel: dict[Storage, int]
    """Each member's offset from the buffer's start."""
    size: int
    readers: set[int] = field(default_factory=set)
    writers: set[int] = field(default_factory=set)
    inputs: set[int] = field(default_factory=set)
    outputs: set[int] = field(default_factory=set)
    external: bool = False
    align: int = 1

    @property
    def touch(self) -> set[int]:
        return self.readers | self.writers


@dataclass
class Graph:
    """The kernels of a function in its order, its buffers and kernel scratch sizes."""

    kernels: list[qnn.KernelOp]
    groups: list[Group]
    group_of: dict[SSAValue, int]
    scratch: list[int]
    """Scratch bytes of each kernel (0: none)."""
    preds: list[set[int]]
    """The kernels each kernel must follow."""


def _view_life(view: ViewOp) -> tuple[int, int] | None:
    return view.lifetime_range()


def _lives_meet(a: tuple[int, int] | None, b: tuple[int, int] | None) -> bool:
    """Whether two lifetimes meet (an unknown lifetime meets every other)."""
    if a is None or b is None:
        return True
    return a[0] <= b[1] and b[0] <= a[1]


def _find(parent: list[int], i: int) -> int:
    while parent[i] != i:
        parent[i] = parent[parent[i]]
        i = parent[i]
    return i


def _group_views(views: list[ViewOp]) -> list[list[ViewOp]]:
    """Views of one arena whose bytes overlap while their lifetimes meet: one buffer."""
    parent = list(range(len(views)))
    for i, a in enumerate(views):
        for j in range(i + 1, len(views)):
            b = views[j]
            if a.source != b.source or a.nbytes == 0 or b.nbytes == 0:
                continue
            shares = (
                a.byte_offset < b.byte_offset + b.nbytes
                and b.byte_offset < a.byte_offset + a.nbytes
            )
            if shares and _lives_meet(_view_life(a), _view_life(b)):
                parent[_find(parent, i)] = _find(parent, j)
    out: dict[int, list[ViewOp]] = {}
    for i, v in enumerate(views):
        out.setdefault(_find(parent, i), []).append(v)
    return list(out.values())


def _make_group(members: Sequence[Storage], external: bool) -> Group:
    if external:
        size = max((m.nbytes for m in members), default=0)
        rel: dict[Storage, int] = {m: 0 for m in members}
    else:
        views = [m for m in members if isinstance(m, ViewOp)]
        assert len(views) == len(members), "only views share the bytes of an arena"
        base = min(v.byte_offset for v in views)
        rel = {v: v.byte_offset - base for v in views}
        size = max(rel[v] + v.nbytes for v in views)
    align = max(element_bytes(m.result.type) for m in members)
    group = Group(list(members), rel, size, external=external, align=align)
    for m in members:
        role, index = m.role_name, m.index_value
        if role in ("input", "output"):
            assert index is not None  # buf.view verifies it
            (group.inputs if role == "input" else group.outputs).add(index)
    return group


def _is_scratch_view(view: ViewOp) -> bool:
    """A view only ever used as a kernel's scratch operand."""
    if view.role_name != "scratch":
        return False
    for use in view.result.uses:
        op = use.operation
        if not (isinstance(op, qnn.KernelOp) and op.scratch is view.result):
            return False
    return True


def arena_scratch_bytes(op: qnn.KernelOp) -> int:
    """The arena bytes of a kernel's scratch view (0: none, or a constant one such as
    precomputed kernel sums)."""
    view = None if op.scratch is None else op.scratch.owner
    return view.result.type.get_shape()[0] if isinstance(view, ViewOp) else 0


def _split_shared_scratch(block: Block) -> None:
    """Give each kernel a scratch view of its own (a shared one is copied)."""
    seen: set[ViewOp] = set()
    for op in list(block.ops):
        if not isinstance(op, qnn.KernelOp) or op.scratch is None or not arena_scratch_bytes(op):
            continue
        view = op.scratch.owner
        assert isinstance(view, ViewOp)  # arena_scratch_bytes counts views only
        if view in seen:
            copy = view.clone()
            block.insert_op_before(copy, op)
            op.operands = [copy.result if v is view.result else v for v in op.operands]
            view = copy
        seen.add(view)


def build_graph(fn: func.FuncOp) -> Graph:
    """The kernels, buffers and dependencies of a buffer-form function."""
    block = fn.body.block
    _split_shared_scratch(block)
    kernels = [op for op in block.ops if isinstance(op, qnn.KernelOp)]
    for k in kernels:
        if not k.is_bufferized:
            raise _fail(f"'{k.name}' is in tensor form (run convert-qnn-to-buf first)")
    views = [op for op in block.ops if isinstance(op, ViewOp) and not _is_scratch_view(op)]
    externs = [op for op in block.ops if isinstance(op, ExternOp)]
    groups = [_make_group(g, False) for g in _group_views(views)]
    by_io: dict[tuple[str, int], list[ExternOp]] = {}
    for e in externs:
        by_io.setdefault((e.role_name, e.index_value), []).append(e)
    groups += [_make_group(g, True) for g in by_io.values()]
    # A variable of the state buffer: outside the arena, its kernels keep their order.
    by_variable: dict[str, list[StateOp]] = {}
    for op in block.ops:
        if isinstance(op, StateOp):
            by_variable.setdefault(op.variable_name, []).append(op)
    groups += [_make_group(g, True) for g in by_variable.values()]
    group_of: dict[SSAValue, int] = {m.result: i for i, g in enumerate(groups) for m in g.members}
    scratch = []
    for step, k in enumerate(kernels):
        scratch.append(arena_scratch_bytes(k))
        for value in k.ins:
            if value in group_of:
                groups[group_of[value]].readers.add(step)
        assert k.out is not None
        if k.out not in group_of:
            raise _fail(f"the output of '{k.name}' is not a buf.view, buf.extern or buf.state")
        groups[group_of[k.out]].writers.add(step)
    return Graph(kernels, groups, group_of, scratch, _dependencies(len(kernels), groups))


def _dependencies(n: int, groups: list[Group]) -> list[set[int]]:
    """Kernel ``b`` follows ``a`` when it reads what ``a`` wrote; buffers with several
    writers (or read before written) keep the relative order of every kernel touching
    them."""
    preds: list[set[int]] = [set() for _ in range(n)]
    for g in groups:
        touch = sorted(g.touch)
        simple = (
            len(g.writers) == 1
            and not g.inputs
            and all(r > next(iter(g.writers)) for r in g.readers)
        )
        if simple:
            (w,) = g.writers
            for r in g.readers:
                preds[r].add(w)
        else:
            for a, b in zip(touch, touch[1:]):
                preds[b].add(a)
    return preds


# ------------------------------------------------------------------------ the order


@dataclass
class LiveModel:
    """What the bytes live at a step depend on: per buffer, the kernels touching it."""

    sizes: list[int]
    touch: list[int]
    """Bit masks of the kernels touching each buffer."""
    starts_live: list[bool]
    """Model inputs: live before the first kernel."""
    ends_live: list[bool]
    """Model outputs: live after the last kernel."""
    scratch: list[int]

    def cost(self, done: int, step: int) -> int:
        """Bytes live while kernel ``step`` runs after the kernels in ``done``."""
        bit = 1 << step
        total = self.scratch[step]
        for size, touch, start, end in zip(
            self.sizes, self.touch, self.starts_live, self.ends_live
        ):
            if touch & bit or ((start or touch & done) and (end or touch & ~done & ~bit)):
                total += size
        return total


def _live_model(graph: Graph) -> LiveModel:
    groups = [g for g in graph.groups if not g.external]
    return LiveModel(
        [g.size for g in groups],
        [sum(1 << s for s in g.touch) for g in groups],
        [bool(g.inputs) for g in groups],
        [bool(g.outputs) for g in groups],
        graph.scratch,
    )


def order_peak(model: LiveModel, order: Sequence[int]) -> int:
    """The most bytes live at one step when the kernels run in ``order``."""
    done, peak = 0, 0
    for step in order:
        peak = max(peak, model.cost(done, step))
        done |= 1 << step
    return peak


def search_order(
    preds: Sequence[set[int]], cost: Callable[[int, int], int], limit: int = ORDER_STATES_LIMIT
) -> list[int] | None:
    """An execution order with the smallest peak ``cost``, by dynamic programming over the
    sets of executed kernels (ties keep the lower kernel indices first); None when more
    than ``limit`` sets would be visited."""
    n = len(preds)
    pred_mask = [sum(1 << p for p in ps) for ps in preds]
    layer: dict[int, int] = {0: 0}
    back: list[dict[int, tuple[int, int]]] = []
    visited = 1
    for _ in range(n):
        nxt: dict[int, int] = {}
        came: dict[int, tuple[int, int]] = {}
        for done, peak in layer.items():
            for v in range(n):
                if done >> v & 1 or pred_mask[v] & ~done:
                    continue
                new = max(peak, cost(done, v))
                key = done | 1 << v
                if key not in nxt or new < nxt[key]:
                    nxt[key], came[key] = new, (done, v)
        visited += len(nxt)
        if visited > limit or not nxt:
            return None
        layer = nxt
        back.append(came)
    order: list[int] = []
    key = (1 << n) - 1
    for came in reversed(back):
        key, v = came[key]
        order.append(v)
    return order[::-1]


def greedy_order(preds: Sequence[set[int]], cost: Callable[[int, int], int]) -> list[int]:
    """An order that runs, at each step, the ready kernel with the fewest live bytes."""
    n = len(preds)
    pred_mask = [sum(1 << p for p in ps) for ps in preds]
    done, order = 0, []
    for _ in range(n):
        ready = [v for v in range(n) if not done >> v & 1 and not pred_mask[v] & ~done]
        v = min(ready, key=lambda v: (cost(done, v), v))
        order.append(v)
        done |= 1 << v
    return order


def candidate_orders(graph: Graph, reorder: bool) -> list[list[int]]:
    """The model's order first, then the searched (or greedy) orders that differ."""
    n = len(graph.kernels)
    orders = [list(range(n))]
    if not reorder or n < 2:
        return orders
    model = _live_model(graph)
    found = search_order(graph.preds, model.cost)
    for order in (found, greedy_order(graph.preds, model.cost)):
        if order is not None and order not in orders:
            orders.append(order)
    return orders
