"""``plan-memory``: the smallest activation arena for a buffer-form function.

``convert-qnn-to-buf`` gives every tensor a ``buf.view`` of one arena; this pass plans
those views again, on the ``buf`` dialect alone:

* **buffers**: views that share bytes while their lifetimes meet (a reshape and its
  source) are one buffer; a kernel's ``scratch`` view is a buffer of its own, alive only
  during that kernel (``isa`` re-sizes scratch views for ``host``, ``dsp`` or ``mve``);
* **order**: where the graph allows several execution orders (branches, residual adds),
  a search over the sets of executed kernels finds the order whose largest step (the
  bytes live while one kernel runs) is smallest; the model's own order is tried too;
* **in place**: an element-wise kernel or activation writes its output over an input of
  the same type that dies there (never a convolution, pooling, softmax, ... and never a
  caller's buffer);
* **overlap** (``overlap=true``): a kernel's output may share the bytes of the input it
  reads last, as far as the kernel's order of reads and writes on ``isa`` allows
  (``KernelOp.overlap_gap``);
* **offsets**: every strategy of :mod:`stai.lowering.arena_plan` (greedy by size, by
  breadth, ... with first or best fit); the smallest plan is kept;
* **inputs and outputs** stay in the arena, or (``inputs-in-arena=false``,
  ``outputs-in-arena=false``) become ``buf.extern`` buffers the caller provides;
* **memory pools** (``pools`` = capacities in bytes, in priority order, with
  ``pool-names`` / ``pool-sections``): the first pool is filled first, what does not fit
  goes to the next; the function gets one ``buf.arena`` per pool.

Every view gets its ``offset`` and ``lifetime`` (first and last step in the new order);
the function gets ``buf.peak`` (most bytes live at one step), ``buf.breadth_bound`` (the
most tensor bytes live at one step in the order the pass was given, without in-place:
the operator-breadth bound), ``buf.max_scratch`` and ``buf.strategy``.

Before (one arena from ``convert-qnn-to-buf``)::

    %a = buf.arena {size = 96 : i64, alignment = 16 : i64} : memref<96xi8>
    %x = buf.view %a[0] {lifetime = array<i64: 0, 0>, role = "input", index = 0 : i64} ...
    %y = buf.view %a[32] {lifetime = array<i64: 0, 1>, role = "tensor"} ...
    qnn.logistic ins(%x : memref<1x8xf32>) outs(%y : memref<1x8xf32>)

After: the logistic writes over its input, which dies there::

    %a = buf.arena {size = 32 : i64, alignment = 16 : i64} : memref<32xi8>
    %x = buf.view %a[0] {lifetime = array<i64: 0, 0>, role = "input", index = 0 : i64} ...
    %y = buf.view %a[0] {lifetime = array<i64: 0, 1>, role = "tensor"} ...
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from xdsl.context import Context
from xdsl.dialects import func
from xdsl.dialects.builtin import (
    DenseArrayBase,
    IntegerAttr,
    MemRefType,
    ModuleOp,
    StringAttr,
    i8,
    i64,
)
from xdsl.ir import Block, Operation, SSAValue
from xdsl.passes import ModulePass

from stai.dialects import qnn
from stai.dialects.buf import ArenaOp, ExternOp, GetConstOp, StateOp, Storage, ViewOp
from stai.errors import StaiError
from stai.lowering import arena_plan, scratch_sizes
from stai.lowering.arena_plan import Interval
from stai.lowering.buffer_graph import (
    Graph,
    Group,
    arena_scratch_bytes,
    build_graph,
    candidate_orders,
)

PASS = "plan-memory"
ARENA_ALIGNMENT = 16
"""The least alignment of an arena's start (enough for any vector load)."""
SCRATCH_ALIGNMENT = 4
"""Scratch buffers are read as int16/int32: offsets are at least this aligned."""


def _fail(message: str) -> StaiError:
    return StaiError(f"{PASS}: {message}")


def _erase(op: Operation) -> None:
    """Remove ``op`` (which has no uses left) from its block."""
    block = op.parent_block()
    if block is not None:
        block.erase_op(op)
    else:
        op.erase()


# ------------------------------------------------------------- lifetimes, in place


@dataclass
class Slot:
    """Buffers that share one place in the arena: a buffer and those written in place
    over it."""

    groups: list[int]
    size: int
    first: int
    last: int


def _lifetime(g: Group, pos: dict[int, int], end: int) -> tuple[int, int]:
    steps = [pos[s] for s in g.touch]
    first = 0 if g.inputs or not steps else min(steps)
    last = end if g.outputs else max(steps, default=first)
    return first, max(first, last)


def _may_write_in_place(op: qnn.KernelOp, value: SSAValue) -> bool:
    """Whether ``op``'s kernel may write its output over the operand ``value``."""
    assert op.out is not None
    return op.may_write_over(value)  # the op's IN_PLACE fact


def make_slots(graph: Graph, order: Sequence[int], inplace: bool) -> list[Slot]:
    """The arena buffers for kernels run in ``order``, with in-place outputs merged into
    the input they overwrite."""
    pos = {step: i for i, step in enumerate(order)}
    end = max(len(order) - 1, 0)
    slots: list[Slot] = []
    slot_of: dict[int, int] = {}
    for gi, g in enumerate(graph.groups):
        if g.external or (not g.touch and not g.inputs and not g.outputs):
            continue
        first, last = _lifetime(g, pos, end)
        slot_of[gi] = len(slots)
        slots.append(Slot([gi], g.size, first, last))
    if not inplace:
        return slots
    for step in order:
        op = graph.kernels[step]
        assert op.out is not None
        oi = graph.group_of[op.out]
        out = graph.groups[oi]
        if out.external or out.writers != {step} or oi not in slot_of:
            continue
        out_member = op.out.owner
        assert isinstance(out_member, ViewOp)  # the members of an arena buffer
        if out.rel[out_member] != 0:
            continue
        for value in op.ins:
            gi = graph.group_of.get(value)
            if gi is None or gi == oi or graph.groups[gi].external:
                continue
            si = slot_of[gi]
            slot = slots[si]
            member = value.owner
            assert isinstance(member, ViewOp)
            if (
                slot.last != pos[step]
                or graph.groups[gi].outputs
                or slot.size != out.size
                or graph.groups[gi].rel[member] != 0
                or not _may_write_in_place(op, value)
                or si == slot_of[oi]
            ):
                continue
            absorbed = slots[slot_of[oi]]
            slot.groups += absorbed.groups
            slot.last = max(slot.last, absorbed.last)
            for moved in absorbed.groups:
                slot_of[moved] = si
            absorbed.groups = []
            break
    return [s for s in slots if s.groups]


# ------------------------------------------------------------------------- options


@dataclass(frozen=True)
class Pool:
    """A memory pool: ``size`` bytes (None: as large as needed), a name, a section."""

    size: int | None
    name: str = ""
    section: str = ""


@dataclass
class Choice:
    """A candidate plan: an order, its arena buffers, where each lives."""

    order: list[int]
    inplace: bool
    slots: list[Slot]
    intervals: list[Interval]
    pools: list[int]
    offsets: list[int]
    sizes: list[int]
    strategy: str
    overlaps: dict[tuple[int, int], int] = field(default_factory=dict)
    """The overlaps the plan was allowed (``overlaps``)."""

    def overlapping(self) -> int:
        """How many outputs share bytes with their input in this plan."""
        count = 0
        for i, j in self.overlaps:
            a, b = self.intervals[i], self.intervals[j]
            same_pool = self.pools[i] == self.pools[j]
            oi, oj = self.offsets[i], self.offsets[j]
            count += same_pool and oi < oj + b.size and oj < oi + a.size
        return count

    @property
    def key(self) -> list[int]:
        """Smaller is better: bytes in the last pools first, then the earlier ones."""
        return self.sizes[::-1]


def _intervals(slots: list[Slot], graph: Graph, order: Sequence[int]) -> list[Interval]:
    ivs = [Interval(s.size, s.first, s.last) for s in slots]
    for i, step in enumerate(order):
        if graph.scratch[step]:
            ivs.append(Interval(graph.scratch[step], i, i))
    return ivs


def overlaps(
    graph: Graph, order: Sequence[int], slots: list[Slot], isa: str
) -> dict[tuple[int, int], int]:
    """``(input slot, output slot) -> gap``: the kernels whose output may share the bytes
    of the input they read last (``KernelOp.overlap_gap`` on ``isa``), as slot offsets:
    the output slot may start at most ``gap`` bytes after the input slot."""
    pos = {step: i for i, step in enumerate(order)}
    slot_of = {gi: si for si, slot in enumerate(slots) for gi in slot.groups}
    found: dict[tuple[int, int], int] = {}
    for step in order:
        op = graph.kernels[step]
        if not op.ins or op.out is None:
            continue
        value = op.ins[0]
        gap = op.overlap_gap(value, isa)
        gi, go = graph.group_of.get(value), graph.group_of.get(op.out)
        if gap is None or gi not in slot_of or go not in slot_of:
            continue
        si, so = slot_of[gi], slot_of[go]
        read_once = sum(graph.group_of.get(v) == gi for v in op.ins) == 1
        if (
            si == so
            or not read_once
            or graph.groups[gi].outputs
            or slots[si].last != pos[step]
            or slots[so].first != pos[step]
        ):
            continue
        member_in, member_out = value.owner, op.out.owner
        assert isinstance(member_in, ViewOp) and isinstance(member_out, ViewOp)
        found[si, so] = gap + graph.groups[gi].rel[member_in] - graph.groups[go].rel[member_out]
    return found


def plan_function(
    graph: Graph,
    pools: Sequence[Pool],
    alignment: int,
    reorder: bool,
    inplace: bool,
    overlap_isa: str | None = None,
) -> Choice:
    """The best plan over the candidate orders, with and without in-place outputs; with
    ``overlap_isa`` (an ISA, or empty: every ISA), outputs may overlap their inputs as
    their kernels allow on it."""
    best: Choice | None = None
    failure: arena_plan.PoolOverflow | None = None
    orders = candidate_orders(graph, reorder)  # searched once: they do not depend on in-place
    for use_inplace in [True, False] if inplace else [False]:
        for order in orders:
            slots = make_slots(graph, order, use_inplace)
            ivs = _intervals(slots, graph, order)
            shared = {} if overlap_isa is None else overlaps(graph, order, slots, overlap_isa)
            try:
                if len(pools) == 1 and pools[0].size is None:
                    named = arena_plan.plan_best(ivs, alignment, shared)
                    where = [0] * len(ivs)
                    offsets, sizes, strategy = named.plan.offsets, [named.plan.size], named.strategy
                else:
                    caps = [p.size if p.size is not None else 1 << 62 for p in pools]
                    pp = arena_plan.plan_pools(ivs, caps, alignment, shared)
                    where, offsets, sizes, strategy = pp.pools, pp.offsets, pp.sizes, pp.strategy
            except arena_plan.PoolOverflow as e:
                if failure is None or e.missing < failure.missing:
                    failure = e
                continue
            choice = Choice(order, use_inplace, slots, ivs, where, offsets, sizes, strategy, shared)
            if best is None or choice.key < best.key:
                best = choice
    if best is None:
        assert failure is not None
        names = ", ".join(p.name or f"pool {i}" for i, p in enumerate(pools))
        raise _fail(f"the activations do not fit the memory pools ({names}): {failure}")
    return best


def breadth_bound(graph: Graph) -> int:
    """The most bytes of arena tensors live at one step in the function's own order,
    without in-place outputs or scratch: the operator-breadth bound."""
    order = list(range(len(graph.kernels)))
    slots = make_slots(graph, order, False)
    return arena_plan.peak_live_bytes([Interval(s.size, s.first, s.last) for s in slots])


# -------------------------------------------------------------------- the rewrite


def _resize_scratch(fn: func.FuncOp, isa: str) -> None:
    """Give every kernel the scratch view its kernel needs on ``isa``."""
    from stai.lowering.convert_qnn_to_buf import bufferized_kernel, scratch_bytes

    block = fn.body.block
    arena = next((op for op in block.ops if isinstance(op, ArenaOp)), None)
    if arena is None:
        raise _fail("the function has no buf.arena")
    for op in [o for o in block.ops if isinstance(o, qnn.KernelOp)]:
        want = scratch_bytes(op, isa)
        constant = op.scratch is not None and isinstance(op.scratch.owner, GetConstOp)
        have = arena_scratch_bytes(op)
        if want == have or (constant and want):  # precomputed kernel sums stay
            continue
        old = op.scratch
        new_view = None
        if want:
            new_view = ViewOp(
                arena.result, 0, MemRefType(i8, [want]), lifetime=(0, 0), role="scratch"
            )
            new_view.result.name_hint = "scratch"
            block.insert_op_before(new_view, op)
        assert op.out is not None
        new = bufferized_kernel(
            op, list(op.ins), op.out, None if new_view is None else new_view.result
        )
        block.insert_op_before(new, op)
        _erase(op)
        if old is not None and not old.uses and isinstance(old.owner, ViewOp):
            _erase(old.owner)


def _check_io(graph: Graph, inputs_in_arena: bool, outputs_in_arena: bool) -> list[bool]:
    """Which buffers leave the arena for the caller's memory."""
    out = []
    for g in graph.groups:
        ext = (
            g.external
            or (bool(g.inputs) and not inputs_in_arena)
            or (bool(g.outputs) and not outputs_in_arena)
        )
        if ext and (len(g.inputs) + len(g.outputs) > 1):
            what = ", ".join(
                [f"input {i}" for i in sorted(g.inputs)]
                + [f"output {i}" for i in sorted(g.outputs)]
            )
            raise _fail(f"{what} share one buffer: keep inputs and outputs in the arena")
        out.append(ext)
    return out


def _to_extern(graph: Graph, gi: int) -> None:
    """Replace the views of buffer ``gi`` by ``buf.extern``s of its input or output."""
    g = graph.groups[gi]
    role, index = ("input", min(g.inputs)) if g.inputs else ("output", min(g.outputs))
    members: list[Storage] = []
    for m in g.members:
        if isinstance(m, ExternOp):
            members.append(m)
            continue
        if g.rel[m] != 0:
            raise _fail(f"a view at an offset inside {role} {index} cannot be caller-provided")
        ext = ExternOp(role, index, m.result.type)
        name = m.attributes.get("nn.name")
        if isinstance(name, StringAttr):
            ext.attributes["nn.name"] = name
        ext.result.name_hint = m.result.name_hint
        block = m.parent_block()
        assert block is not None
        block.insert_op_before(ext, m)
        m.result.replace_all_uses_with(ext.result)
        members.append(ext)
        _erase(m)
    g.members = members
    g.external = True
    g.rel = {m: 0 for m in members}


def _set_view(view: ViewOp, arena: ArenaOp, offset: int, life: tuple[int, int]) -> None:
    view.operands = [arena.result]
    view.properties["offset"] = IntegerAttr(offset, i64)
    view.properties["lifetime"] = DenseArrayBase.from_list(i64, list(life))


def _reorder(
    block: Block, kernels: list[qnn.KernelOp], order: list[int], arenas: list[ArenaOp]
) -> None:
    """Put the kernels in ``order``; each view or constant right before its first user."""
    terminator = block.last_op
    sequence: list[Operation] = list(arenas)
    placed: set[Operation] = set(arenas)
    for op in block.ops:
        if isinstance(op, ViewOp | ExternOp) and op.role_name == "input":
            sequence.append(op)
            placed.add(op)
    for step in order:
        k = kernels[step]
        for value in k.operands:
            owner = value.owner
            if isinstance(owner, ViewOp | ExternOp | StateOp | GetConstOp) and owner not in placed:
                sequence.append(owner)
                placed.add(owner)
        sequence.append(k)
        placed.add(k)
    rest = [op for op in block.ops if op not in placed and op is not terminator]
    for op in [*sequence, *rest]:
        op.detach()
    for op in [*sequence, *rest]:
        if terminator is not None:
            block.insert_op_before(op, terminator)
        else:
            block.add_op(op)


def apply_plan(
    fn: func.FuncOp,
    graph: Graph,
    choice: Choice,
    pools: Sequence[Pool],
    arena_alignment: int,
    bound: int,
) -> None:
    """Rewrite the function along ``choice``."""
    block = fn.body.block
    old_arenas = [op for op in block.ops if isinstance(op, ArenaOp)]
    several = len(pools) > 1 or pools[0].size is not None
    arenas = []
    for p, pool in enumerate(pools):
        arena = ArenaOp(
            choice.sizes[p],
            arena_alignment,
            pool=p if several else None,
            pool_name=(pool.name or None) if several else None,
            section=pool.section or None,
        )
        arena.result.name_hint = "arena" if not several else f"pool{p}"
        arenas.append(arena)
    first = block.first_op
    for arena in arenas:
        if first is not None:
            block.insert_op_before(arena, first)
        else:
            block.add_op(arena)
    for si, slot in enumerate(choice.slots):
        pool, offset = choice.pools[si], choice.offsets[si]
        for gi in slot.groups:
            g = graph.groups[gi]
            for m in g.members:
                assert isinstance(m, ViewOp)
                _set_view(m, arenas[pool], offset + g.rel[m], (slot.first, slot.last))
    placed: set[Operation] = {
        m for slot in choice.slots for gi in slot.groups for m in graph.groups[gi].members
    }
    scratch_index = len(choice.slots)
    for i, step in enumerate(choice.order):
        if not graph.scratch[step]:
            continue
        k = graph.kernels[step]
        assert k.scratch is not None and isinstance(k.scratch.owner, ViewOp)
        pool, offset = choice.pools[scratch_index], choice.offsets[scratch_index]
        _set_view(k.scratch.owner, arenas[pool], offset, (i, i))
        placed.add(k.scratch.owner)
        scratch_index += 1
    # Views of no buffer (never used) are dead: drop them.
    for op in list(block.ops):
        if isinstance(op, ViewOp) and op not in placed and not op.result.uses:
            _erase(op)
    for arena in old_arenas:
        if arena.result.uses:
            raise _fail("internal error: a view still refers to the old arena")
        _erase(arena)
    if choice.order != list(range(len(graph.kernels))):
        _reorder(block, graph.kernels, choice.order, arenas)
    peak = arena_plan.peak_live_bytes(choice.intervals)
    fn.attributes["buf.peak"] = IntegerAttr(peak, i64)
    fn.attributes["buf.breadth_bound"] = IntegerAttr(bound, i64)
    fn.attributes["buf.max_scratch"] = IntegerAttr(max(graph.scratch, default=0), i64)
    reordered = "reordered" if choice.order != list(range(len(graph.kernels))) else "model order"
    inplace = sum(len(s.groups) - 1 for s in choice.slots)
    shared = choice.overlapping()
    overlapping = f", {shared} overlapping" if shared else ""
    fn.attributes["buf.strategy"] = StringAttr(
        f"{choice.strategy}, {reordered}, {inplace} in place{overlapping}"
    )
    if choice.overlaps:
        least = arena_plan.overlap_bound(choice.intervals, choice.overlaps)
        fn.attributes["buf.overlap_bound"] = IntegerAttr(least, i64)


@dataclass(frozen=True)
class PlanMemoryPass(ModulePass):
    """Plan every activation, input, output and scratch buffer of the buffer-form
    functions into the smallest arena (or memory pools).

    Options: ``alignment`` (bytes, a power of two) of every buffer offset; ``isa``
    (``host``, ``dsp``, ``mve``; empty: keep the scratch views as they are) whose CMSIS-NN
    scratch sizes to use; ``reorder`` and ``inplace`` (both true by default); ``overlap``
    (false by default): a kernel's output may share its input's bytes as far as the
    kernel's order of reads and writes on ``isa`` allows (``KernelOp.overlap_gap``; with
    no ``isa``, on every ISA);
    ``inputs-in-arena`` / ``outputs-in-arena`` (true: the arena holds them; false: the
    caller provides them); ``pools`` (capacities in bytes, in priority order),
    ``pool-names``, ``pool-sections``.
    """

    name = "plan-memory"

    alignment: int = 4
    isa: str = ""
    reorder: bool = True
    inplace: bool = True
    overlap: bool = False
    inputs_in_arena: bool = True
    outputs_in_arena: bool = True
    pools: tuple[int, ...] = ()
    pool_names: tuple[str, ...] = ()
    pool_sections: tuple[str, ...] = ()

    def pool_list(self) -> list[Pool]:
        """The pools of the options (one unbounded pool without ``pools``)."""
        if not self.pools:
            return [Pool(None)]
        if any(p < 0 for p in self.pools):
            raise _fail("a pool size must not be negative")
        for what, values in (
            ("pool-names", self.pool_names),
            ("pool-sections", self.pool_sections),
        ):
            if values and len(values) != len(self.pools):
                raise _fail(f"{what} needs one value per pool ({len(self.pools)})")
        names = self.pool_names or tuple(f"pool{i}" for i in range(len(self.pools)))
        sections = self.pool_sections or ("",) * len(self.pools)
        return [
            Pool(size, name, section) for size, name, section in zip(self.pools, names, sections)
        ]

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        if self.alignment < 1 or self.alignment & (self.alignment - 1):
            raise _fail(f"alignment must be a power of two, got {self.alignment}")
        if self.isa and self.isa not in scratch_sizes.ISAS:
            raise _fail(
                f"unknown ISA '{self.isa}' (expected one of {', '.join(scratch_sizes.ISAS)})"
            )
        pools = self.pool_list()
        for fn in [f for f in op.body.block.ops if isinstance(f, func.FuncOp)]:
            if "buf.inputs" not in fn.attributes and "buf.outputs" not in fn.attributes:
                continue
            self.plan(fn, pools)

    def plan(self, fn: func.FuncOp, pools: list[Pool]) -> None:
        """Plan one buffer-form function."""
        if self.isa:
            _resize_scratch(fn, self.isa)
        graph = build_graph(fn)
        external = _check_io(graph, self.inputs_in_arena, self.outputs_in_arena)
        for gi, ext in enumerate(external):
            if ext and not graph.groups[gi].external:
                _to_extern(graph, gi)
        for g in graph.groups:
            if g.external:
                for m in g.members:
                    graph.group_of[m.result] = graph.groups.index(g)
        elem = max((g.align for g in graph.groups if not g.external), default=1)
        alignment = max(self.alignment, elem, SCRATCH_ALIGNMENT if any(graph.scratch) else 1)
        bound = breadth_bound(graph)
        isa = self.isa if self.overlap else None
        choice = plan_function(graph, pools, alignment, self.reorder, self.inplace, isa)
        apply_plan(fn, graph, choice, pools, max(ARENA_ALIGNMENT, self.alignment), bound)
