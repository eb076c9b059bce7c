"""plan-memory on random graphs: the planned program never reads bytes that another
buffer overwrote while they were still needed.

Each random graph is ``qnn`` IR on tensors (element-wise ops that may run in place, fully
connected layers, max pools that may not, reshapes, adds of two branches, several
outputs). It is bufferized, planned with random options, and then *executed
symbolically*: every byte of every arena remembers which kernel wrote it last; each kernel
must find, in the bytes of each input, the tensor its producer wrote; a kernel's scratch
may not overlap its inputs or output; an output may overlap an input only exactly, for a
kernel that may run in place. The order search is checked against every topological
order of small graphs.
"""

from __future__ import annotations

import itertools
import random

import pytest
from xdsl.dialects import func
from xdsl.dialects.builtin import IntegerAttr, ModuleOp
from xdsl.parser import Parser

from stai.compiler.driver import build_pipeline, make_context
from stai.dialects import qnn
from stai.dialects.buf import ArenaOp, ExternOp, ViewOp
from stai.lowering import arena_plan
from stai.lowering.buffer_graph import _live_model, build_graph, order_peak, search_order
from stai.transforms.plan_memory import PlanMemoryPass

ACT = "act = array<f32: -3.0e38, 3.0e38>"


# ------------------------------------------------------------------ random graphs


def random_graph(rng: random.Random, max_steps: int = 12) -> str:
    """Tensor-form qnn IR of a random DAG; every kernel has ``test.id``."""
    n_inputs = rng.randint(1, 2)
    widths = [4, 8, 16, 32]
    values: list[tuple[str, list[int]]] = []
    args = []
    for i in range(n_inputs):
        shape = [1, rng.choice(widths)]
        args.append(f'%in{i}: tensor<{"x".join(map(str, shape))}xf32> {{nn.name = "in{i}"}}')
        values.append((f"%in{i}", shape))
    lines: list[str] = []
    kid = 0

    def ty(shape: list[int]) -> str:
        return f"tensor<{'x'.join(map(str, shape))}xf32>"

    for _ in range(rng.randint(2, max_steps)):
        # prefer recent values (chains), sometimes older ones (branches)
        pick = lambda: values[-1 - min(int(rng.expovariate(0.7)), len(values) - 1)]  # noqa: E731
        kind = rng.choice(["unary", "unary", "add", "fc", "fc", "pool", "reshape"])
        name, shape = pick()
        res = f"%v{len(lines)}"
        if kind == "unary":
            op = rng.choice(["logistic", "tanh"])
            lines.append(
                f"{res} = qnn.{op} ins({name} : {ty(shape)}) "
                f"{{test.id = {kid} : i64}} -> {ty(shape)}"
            )
        elif kind == "add":
            same = [v for v in values if v[1] == shape]
            other = rng.choice(same)[0]
            lines.append(
                f"{res} = qnn.add ins({name}, {other} : {ty(shape)}, {ty(shape)}) "
                f"{{test.id = {kid} : i64, {ACT}}} -> {ty(shape)}"
            )
        elif kind == "fc" and shape[0] == 1:
            out = rng.choice(widths)
            w, b = f"%w{len(lines)}", f"%b{len(lines)}"
            lines.append(f"{w} = arith.constant dense<0.5> : tensor<{out}x{shape[1]}xf32>")
            lines.append(f"{b} = arith.constant dense<0.0> : tensor<{out}xf32>")
            res = f"%v{len(lines)}"
            lines.append(
                f"{res} = qnn.fully_connected ins({name}, {w}, {b} : {ty(shape)}, "
                f"tensor<{out}x{shape[1]}xf32>, tensor<{out}xf32>) "
                f"{{test.id = {kid} : i64, {ACT}}} -> tensor<1x{out}xf32>"
            )
            shape = [1, out]
        elif kind == "pool":
            lines.append(
                f"{res} = qnn.max_pool2d ins({name} : {ty(shape)}) "
                f"{{test.id = {kid} : i64, "
                "kernel = array<i64: 1, 1>, strides = array<i64: 1, 1>, "
                f"pads = array<i64: 0, 0, 0, 0>, {ACT}}} -> {ty(shape)}"
            )
        else:
            new = [2, shape[1] // 2] if shape[0] == 1 else [1, shape[0] * shape[1]]
            lines.append(f"{res} = qnn.reshape ins({name} : {ty(shape)}) -> {ty(new)}")
            values.append((res, new))
            continue
        kid += 1
        values.append((res, shape))
    outs = [values[-1]]
    if rng.random() < 0.4:
        outs.append(rng.choice(values))
    results = ", ".join(f'{ty(s)} {{nn.name = "out{j}"}}' for j, (_, s) in enumerate(outs))
    body = "\n  ".join(lines)
    ret = f"func.return {', '.join(v for v, _ in outs)} : {', '.join(ty(s) for _, s in outs)}"
    return f"func.func @main({', '.join(args)}) -> ({results}) {{\n  {body}\n  {ret}\n}}\n"


def parse(text: str) -> ModuleOp:
    return Parser(make_context(), text).parse_module()


# ------------------------------------------------------------------- the checker


def _source(value, producers: dict) -> object:
    """What wrote a tensor-form value: ("input", i) or ("kernel", test.id)."""
    owner = value.owner
    while isinstance(owner, qnn.ReshapeOp):
        value = owner.ins[0]
        owner = value.owner
    if not hasattr(owner, "name"):  # a block argument
        return ("input", value.index)
    return producers.get(owner)


def expected_dataflow(module: ModuleOp) -> tuple[dict[int, list[object]], list[object]]:
    """Per kernel id, the producer of each input; and the producer of each output."""
    fn = next(op for op in module.ops if isinstance(op, func.FuncOp))
    producers = {}
    reads: dict[int, list[object]] = {}
    outputs: list[object] = []
    for op in fn.body.block.ops:
        if isinstance(op, qnn.KernelOp) and not isinstance(op, qnn.ReshapeOp):
            kid = op.attributes["test.id"].value.data  # type: ignore[union-attr]
            producers[op] = ("kernel", kid)
            reads[kid] = [
                _source(v, producers)
                for v in op.ins
                if not (hasattr(v.owner, "name") and v.owner.name == "arith.constant")
            ]
        elif isinstance(op, func.ReturnOp):
            outputs = [_source(v, producers) for v in op.arguments]
    return reads, outputs


def _place(value) -> tuple[object, int, int]:
    """(memory space, start byte, size) of a buffer-form value."""
    owner = value.owner
    if isinstance(owner, ViewOp):
        return (id(owner.source.owner), owner.byte_offset, owner.nbytes)
    assert isinstance(owner, ExternOp), owner
    return (("caller", owner.role_name, owner.index_value), 0, owner.nbytes)


def simulate(module: ModuleOp, reads: dict[int, list[object]], outputs: list[object]) -> None:
    """Run the planned program on byte owners; raise AssertionError on a clobbered read."""
    fn = next(op for op in module.ops if isinstance(op, func.FuncOp))
    memory: dict[tuple[object, int], object] = {}

    def write(place, token) -> None:
        space, start, size = place
        for b in range(start, start + size):
            memory[(space, b)] = token

    def owner_of(place) -> set[object]:
        space, start, size = place
        return {memory.get((space, b)) for b in range(start, start + size)}

    for op in fn.body.block.ops:
        if isinstance(op, ViewOp | ExternOp) and op.role_name == "input":
            write(_place(op.result), ("input", op.index_value))
    for op in fn.body.block.ops:
        if not isinstance(op, qnn.KernelOp):
            continue
        kid = op.attributes["test.id"].value.data  # type: ignore[union-attr]
        ins = [v for v in op.ins if isinstance(v.owner, ViewOp | ExternOp)]
        for value, producer in zip(ins, reads[kid]):
            got = owner_of(_place(value))
            assert got == {producer}, f"kernel {kid} reads {got}, expected {producer}"
        assert op.out is not None
        out = _place(op.out)
        places = [_place(v) for v in ins]
        for p in places:
            overlap = p[0] == out[0] and p[1] < out[1] + out[2] and out[1] < p[1] + p[2]
            if overlap:
                assert p[1:] == out[1:], f"kernel {kid}: output partly overlaps an input"
                assert op.IN_PLACE != "no", f"kernel {kid} ({op.name}) may not run in place"
        if op.scratch is not None:
            s = _place(op.scratch)
            for p in [*places, out]:
                assert not (p[0] == s[0] and p[1] < s[1] + s[2] and s[1] < p[1] + p[2]), (
                    f"kernel {kid}: scratch overlaps an operand"
                )
            write(s, "scratch")
        write(out, ("kernel", kid))
    for op in fn.body.block.ops:
        if isinstance(op, ViewOp | ExternOp) and op.role_name == "output":
            got = owner_of(_place(op.result))
            assert got == {outputs[op.index_value]}, f"output {op.index_value} holds {got}"


def arena_lifetimes_sound(module: ModuleOp) -> None:
    """Views of one arena with intersecting lifetimes and shared bytes have the same
    offset and lifetime (one buffer, or an output written in place over its input)."""
    fn = next(op for op in module.ops if isinstance(op, func.FuncOp))
    views = [op for op in fn.body.block.ops if isinstance(op, ViewOp) and op.nbytes]
    for a, b in itertools.combinations(views, 2):
        la, lb = a.lifetime_range(), b.lifetime_range()
        assert la is not None and lb is not None
        if a.source is not b.source or la[1] < lb[0] or lb[1] < la[0]:
            continue
        if a.byte_offset < b.byte_offset + b.nbytes and b.byte_offset < a.byte_offset + a.nbytes:
            assert (a.byte_offset, la) == (b.byte_offset, lb), (str(a), str(b))


# ------------------------------------------------------------------------- tests


def _plan_pass(rng: random.Random) -> PlanMemoryPass:
    """A plan-memory pass with random options (each flag is false with probability 0.3;
    sometimes three pools, the last one large)."""
    alignment = rng.choice([1, 4, 16])
    reorder, inplace, inputs_in_arena, outputs_in_arena = (rng.random() >= 0.3 for _ in range(4))
    pools = (rng.randint(16, 256), rng.randint(0, 64), 100000) if rng.random() < 0.3 else ()
    return PlanMemoryPass(
        alignment=alignment,
        reorder=reorder,
        inplace=inplace,
        inputs_in_arena=inputs_in_arena,
        outputs_in_arena=outputs_in_arena,
        pools=pools,
    )


@pytest.mark.parametrize("seed", range(150))
def test_random_graphs_never_clobber_live_bytes(seed: int) -> None:
    rng = random.Random(seed)
    text = random_graph(rng)
    module = parse(text)
    reads, outputs = expected_dataflow(module)
    plan = _plan_pass(rng)
    try:
        build_pipeline(("convert-qnn-to-buf", plan)).apply(make_context(), module)
    except Exception as e:  # sharing one buffer between caller input and output
        assert "share one buffer" in str(e), f"{e}\n{text}"
        return
    module.verify()
    simulate(module, reads, outputs)
    arena_lifetimes_sound(module)


@pytest.mark.parametrize("seed", range(60))
def test_plan_is_never_worse_than_the_first_plan(seed: int) -> None:
    """plan-memory's arena is at most convert-qnn-to-buf's greedy one, and at most the
    breadth bound plus the largest scratch when that bound is reached by some strategy."""
    module = parse(random_graph(random.Random(seed)))
    build_pipeline(("convert-qnn-to-buf",)).apply(make_context(), module)
    before = next(op for op in module.walk() if isinstance(op, ArenaOp)).size.value.data
    PlanMemoryPass().apply(make_context(), module)
    fn = next(op for op in module.ops if isinstance(op, func.FuncOp))
    after = next(op for op in module.walk() if isinstance(op, ArenaOp)).size.value.data
    assert after <= before
    peak = fn.attributes["buf.peak"]
    assert isinstance(peak, IntegerAttr) and after >= peak.value.data


def _all_orders(preds: list[set[int]]) -> list[list[int]]:
    n = len(preds)
    return [
        list(p)
        for p in itertools.permutations(range(n))
        if all(p.index(a) < p.index(b) for b in range(n) for a in preds[b])
    ]


@pytest.mark.parametrize("seed", range(40))
def test_order_search_finds_the_smallest_peak(seed: int) -> None:
    rng = random.Random(1000 + seed)
    module = parse(random_graph(rng, max_steps=7))
    build_pipeline(("convert-qnn-to-buf",)).apply(make_context(), module)
    fn = next(op for op in module.ops if isinstance(op, func.FuncOp))
    graph = build_graph(fn)
    assert len(graph.kernels) <= 7
    model = _live_model(graph)
    best = min(order_peak(model, o) for o in _all_orders(graph.preds))
    found = search_order(graph.preds, model.cost)
    assert found is not None
    assert order_peak(model, found) == best


def test_the_checker_catches_a_clobbered_buffer() -> None:
    """Put every view of a planned graph at offset 0: the simulation must object."""
    text = """
func.func @main(%x: tensor<1x8xf32> {nn.name = "in"}) -> (tensor<1x8xf32> {nn.name = "out"}) {
  %a = qnn.logistic ins(%x : tensor<1x8xf32>) {test.id = 0 : i64} -> tensor<1x8xf32>
  %b = qnn.max_pool2d ins(%a : tensor<1x8xf32>) {test.id = 1 : i64, kernel = array<i64: 1, 1>, strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, act = array<f32: -3.0e38, 3.0e38>} -> tensor<1x8xf32>
  %c = qnn.add ins(%a, %b : tensor<1x8xf32>, tensor<1x8xf32>) {test.id = 2 : i64, act = array<f32: -3.0e38, 3.0e38>} -> tensor<1x8xf32>
  func.return %c : tensor<1x8xf32>
}
"""
    module = parse(text)
    reads, outputs = expected_dataflow(module)
    build_pipeline(("convert-qnn-to-buf", "plan-memory")).apply(make_context(), module)
    simulate(module, reads, outputs)
    for op in module.walk():
        if isinstance(op, ViewOp):
            op.properties["offset"] = IntegerAttr(0, 64)
    with pytest.raises(AssertionError):
        simulate(module, reads, outputs)


def test_order_search_gives_up_past_its_limit() -> None:
    preds: list[set[int]] = [set() for _ in range(12)]  # 12 independent kernels: 4096 sets
    assert search_order(preds, lambda done, v: 1, limit=100) is None
    assert search_order(preds, lambda done, v: 1, limit=10_000) is not None


def test_greedy_by_size_example_from_the_paper_shape() -> None:
    """Best fit fills the smallest gap: a 10-byte buffer goes to the 10-byte hole."""
    ivs = [
        arena_plan.Interval(100, 0, 2),
        arena_plan.Interval(10, 0, 0),
        arena_plan.Interval(50, 0, 2),
        arena_plan.Interval(10, 1, 1),
        arena_plan.Interval(60, 2, 2),
    ]
    best = arena_plan.plan_best(ivs, 1)
    assert arena_plan.find_conflict(ivs, best.plan.offsets) is None
    assert best.plan.size == arena_plan.peak_live_bytes(ivs)
