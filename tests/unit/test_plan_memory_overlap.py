"""``plan-memory{overlap=true}`` on random NHWC graphs: the planned program is run byte by
byte, each kernel in its own order of reads and writes (a pixel-order kernel writes an
output pixel before it reads that pixel's window, the worst case its contract allows;
stai's depthwise 3x3 reads channel ``c`` of every input pixel, then writes channel ``c``
of every output pixel), and no read may find a byte another value wrote over."""

from __future__ import annotations

import random

import pytest
from xdsl.dialects import func
from xdsl.dialects.builtin import ModuleOp, StringAttr
from xdsl.parser import Parser

from stai.compiler.driver import build_pipeline, make_context
from stai.dialects import mk, qnn
from stai.dialects.buf import ArenaOp, ExternOp, ViewOp
from stai.transforms.plan_memory import PlanMemoryPass

ACT = "act = array<f32: -3.0e38, 3.0e38>"


def _ty(shape: tuple[int, ...]) -> str:
    return f"tensor<{'x'.join(map(str, shape))}xf32>"


def random_spatial_graph(rng: random.Random, hybrid: bool = False) -> str:
    """Tensor-form qnn IR: convolutions, depthwise convolutions, poolings, element-wise
    ops and residual adds on NHWC f32 tensors (``hybrid``: hybrid convolutions too, int8
    weights); every kernel has ``test.id``."""
    shape = (1, rng.randint(3, 9), rng.randint(3, 9), rng.choice([1, 2, 3, 4]))
    values: list[tuple[str, tuple[int, ...]]] = [("%in0", shape)]
    lines: list[str] = []
    for kid in range(rng.randint(2, 9)):
        name, (n, h, w, c) = values[-1 - min(int(rng.expovariate(1.2)), len(values) - 1)]
        kind = rng.choice(["conv", "conv", "dw", "pool", "unary", "add"] + ["hybrid"] * hybrid)
        k = rng.choice([1, 3]) if min(h, w) >= 3 else 1
        s = rng.choice([1, 1, 2])
        pad = (k - 1) // 2 if rng.random() < 0.7 else 0
        oh, ow = (h + 2 * pad - k) // s + 1, (w + 2 * pad - k) // s + 1
        geo = f"strides = array<i64: {s}, {s}>, pads = array<i64: {pad}, {pad}, {pad}, {pad}>"
        res = f"%v{kid}"
        tid = f"test.id = {kid} : i64"
        if kind == "conv":
            oc = rng.choice([c, rng.randint(1, 6)])
            lines.append(f"%w{kid} = arith.constant dense<0.5> : tensor<{oc}x{k}x{k}x{c}xf32>")
            lines.append(f"%b{kid} = arith.constant dense<0.0> : tensor<{oc}xf32>")
            out = (n, oh, ow, oc)
            lines.append(
                f"{res} = qnn.conv2d ins({name}, %w{kid}, %b{kid} : {_ty((n, h, w, c))}, "
                f"tensor<{oc}x{k}x{k}x{c}xf32>, tensor<{oc}xf32>) {{{tid}, {geo}, "
                f"dilations = array<i64: 1, 1>, {ACT}}} -> {_ty(out)}"
            )
        elif kind == "hybrid":
            oc = rng.choice([c, rng.randint(1, 6)])
            lines.append(f"%w{kid} = arith.constant dense<1> : tensor<{oc}x{k}x{k}x{c}xi8>")
            lines.append(f"%b{kid} = arith.constant dense<0.0> : tensor<{oc}xf32>")
            out = (n, oh, ow, oc)
            lines.append(
                f"{res} = qnn.hybrid_conv2d ins({name}, %w{kid}, %b{kid} : {_ty((n, h, w, c))}, "
                f"tensor<{oc}x{k}x{k}x{c}xi8>, tensor<{oc}xf32>) {{{tid}, {geo}, "
                f"dilations = array<i64: 1, 1>, {ACT}, "
                f"params = #qnn.hybrid_conv<filter_scales = array<f32: 0.5>>}} -> {_ty(out)}"
            )
        elif kind == "dw":
            lines.append(f"%w{kid} = arith.constant dense<0.5> : tensor<1x{k}x{k}x{c}xf32>")
            lines.append(f"%b{kid} = arith.constant dense<0.0> : tensor<{c}xf32>")
            out = (n, oh, ow, c)
            lines.append(
                f"{res} = qnn.depthwise_conv2d ins({name}, %w{kid}, %b{kid} : "
                f"{_ty((n, h, w, c))}, tensor<1x{k}x{k}x{c}xf32>, tensor<{c}xf32>) "
                f"{{{tid}, {geo}, dilations = array<i64: 1, 1>, depth_multiplier = 1 : i64, "
                f"{ACT}}} -> {_ty(out)}"
            )
        elif kind == "pool":
            out = (n, oh, ow, c)
            lines.append(
                f"{res} = qnn.max_pool2d ins({name} : {_ty((n, h, w, c))}) {{{tid}, "
                f"kernel = array<i64: {k}, {k}>, {geo}, {ACT}}} -> {_ty(out)}"
            )
        elif kind == "unary":
            out = (n, h, w, c)
            lines.append(f"{res} = qnn.logistic ins({name} : {_ty(out)}) {{{tid}}} -> {_ty(out)}")
        else:
            out = (n, h, w, c)
            same = [v for v, sh in values if sh == out]
            other = rng.choice(same)
            lines.append(
                f"{res} = qnn.add ins({name}, {other} : {_ty(out)}, {_ty(out)}) "
                f"{{{tid}, {ACT}}} -> {_ty(out)}"
            )
        values.append((res, out))
    outs = [values[-1]]
    if rng.random() < 0.3:
        outs.append(rng.choice(values[1:]))
    results = ", ".join(f'{_ty(sh)} {{nn.name = "out{j}"}}' for j, (_, sh) in enumerate(outs))
    body = "\n  ".join(lines)
    ret = f"func.return {', '.join(v for v, _ in outs)} : {', '.join(_ty(sh) for _, sh in outs)}"
    arg = f'%in0: {_ty(shape)} {{nn.name = "in0"}}'
    return f"func.func @main({arg}) -> ({results}) {{\n  {body}\n  {ret}\n}}\n"


def _i8(shape: tuple[int, ...]) -> str:
    return f"tensor<{'x'.join(map(str, shape))}xi8>"


def _conv_params(oc: int) -> str:
    ones = ", ".join(["1073741824"] * oc)
    shifts = ", ".join(["-1"] * oc)
    return (
        f"params = #qnn.conv_s8<input_offset = 3, output_offset = -2, multipliers = "
        f"array<i32: {ones}>, shifts = array<i32: {shifts}>>, act = array<i32: -128, 127>"
    )


def random_mk_graph(rng: random.Random) -> str:
    """Tensor-form IR of stai's int8 kernels (``mk``): depthwise 3x3 (stride 1 or 2,
    padding 0 or 1), 1x1 and general convolutions, max pooling; ``test.id`` on each."""
    shape = (1, rng.randint(3, 9), rng.randint(3, 9), rng.choice([1, 2, 3, 4, 8]))
    values: list[tuple[str, tuple[int, ...]]] = [("%in0", shape)]
    lines: list[str] = []
    for kid in range(rng.randint(2, 9)):
        name, (n, h, w, c) = values[-1 - min(int(rng.expovariate(1.2)), len(values) - 1)]
        kind = rng.choice(["dw", "dw", "conv1x1", "conv", "pool"])
        s = rng.choice([1, 2])
        k = 3 if kind == "dw" else rng.choice([1, 3])
        pad = rng.choice([0, 1]) if kind == "dw" else (k - 1) // 2 * rng.choice([0, 1])
        if min(h, w) + 2 * pad < k:
            kind, k, s, pad = "conv1x1", 1, 1, 0
        oh, ow = (h + 2 * pad - k) // s + 1, (w + 2 * pad - k) // s + 1
        geo = f"strides = array<i64: {s}, {s}>, pads = array<i64: {pad}, {pad}, {pad}, {pad}>"
        res, tid = f"%v{kid}", f"test.id = {kid} : i64"
        xt = _i8((n, h, w, c))
        if kind == "dw":
            out = (n, oh, ow, c)
            lines.append(f"%w{kid} = arith.constant dense<1> : tensor<{12 * c}xi8>")
            lines.append(f"%b{kid} = arith.constant dense<0> : tensor<{c}xi32>")
            lines.append(
                f"{res} = mk.dwconv3x3_s8 ins({name}, %w{kid}, %b{kid} : {xt}, "
                f"tensor<{12 * c}xi8>, tensor<{c}xi32>) "
                f"{{{tid}, {geo}, {_conv_params(c)}}} -> {_i8(out)}"
            )
        elif kind == "pool":
            out = (n, oh, ow, c)
            lines.append(
                f"{res} = mk.maxpool_s8 ins({name} : {xt}) {{{tid}, kernel = array<i64: {k}, {k}>, "
                f"{geo}, act = array<i32: -128, 127>}} -> {_i8(out)}"
            )
        else:
            oc = rng.choice([c, rng.randint(1, 8)])
            o2 = oc + (oc & 1)
            if kind == "conv1x1":
                out, depth = (n, h, w, oc), c + (c & 1)
                op, attrs = "mk.conv1x1_s8", ""
            else:
                row = k * c
                out, depth = (n, oh, ow, oc), k * (row + (row & 1))
                op = "mk.conv_s8"
                attrs = f"kernel = array<i64: {k}, {k}>, {geo}, "
            lines.append(f"%w{kid} = arith.constant dense<1> : tensor<{o2 * depth}xi8>")
            lines.append(f"%b{kid} = arith.constant dense<0> : tensor<{o2}xi32>")
            lines.append(
                f"{res} = {op} ins({name}, %w{kid}, %b{kid} : {xt}, tensor<{o2 * depth}xi8>, "
                f"tensor<{o2}xi32>) "
                f"{{{tid}, {attrs}{_conv_params(oc)}}} -> {_i8(out)}"
            )
        values.append((res, out))
    outs = [values[-1]]
    if rng.random() < 0.3:
        outs.append(rng.choice(values[1:]))
    results = ", ".join(f'{_i8(sh)} {{nn.name = "out{j}"}}' for j, (_, sh) in enumerate(outs))
    body = "\n  ".join(lines)
    ret = f"func.return {', '.join(v for v, _ in outs)} : {', '.join(_i8(sh) for _, sh in outs)}"
    arg = f'%in0: {_i8(shape)} {{nn.name = "in0"}}'
    return f"func.func @main({arg}) -> ({results}) {{\n  {body}\n  {ret}\n}}\n"


def _place(value) -> tuple[object, int, int]:
    owner = value.owner
    if isinstance(owner, ViewOp):
        return (id(owner.source.owner), owner.byte_offset, owner.nbytes)
    assert isinstance(owner, ExternOp), owner
    return (("caller", owner.role_name, owner.index_value), 0, owner.nbytes)


def run_bytes(module: ModuleOp) -> None:
    """Run the planned function on tagged bytes; AssertionError on a clobbered read."""
    fn = next(op for op in module.ops if isinstance(op, func.FuncOp))
    memory: dict[tuple[object, int], tuple[str, int]] = {}
    written: dict[int, str] = {}  # tags of values: id(SSA value) -> tag

    def tag(value) -> str:
        return written.setdefault(id(value), f"v{len(written)}")

    def write(value, start: int, count: int) -> None:
        space, base, _ = _place(value)
        for b in range(start, start + count):
            memory[(space, base + b)] = (tag(value), b)

    def check(value, start: int, count: int, who: str) -> None:
        space, base, _ = _place(value)
        for b in range(start, start + count):
            got = memory.get((space, base + b))
            assert got == (tag(value), b), f"{who} reads byte {b} of {tag(value)}: {got}"

    for op in fn.body.block.ops:
        if isinstance(op, ViewOp | ExternOp) and op.role_name == "input":
            write(op.result, 0, op.nbytes)
    for op in fn.body.block.ops:
        if not isinstance(op, qnn.KernelOp):
            continue
        who = f"kernel {op.attributes['test.id']}"
        x, y = op.ins[0], op.out
        assert y is not None
        eb = 1 if isinstance(op, mk.MicroKernelOp) else 4  # int8 or f32
        if isinstance(op, mk.DwConv3x3S8Op):  # channel order: read channel c, write it
            n, h, w, c = op.input_shape(0)
            _, oh, ow, _ = op.output_shape()
            written.pop(id(y), None)
            for ch in range(c):
                for q in range(n * h * w):
                    check(x, q * c + ch, 1, who)
                for p in range(n * oh * ow):
                    write(y, p * c + ch, 1)
        elif op.overlap_isas():  # pixel order: write pixel p, then read its window
            in_shape, out_shape = op.input_shape(0), op.output_shape()
            if isinstance(op, mk.Conv1x1S8Op):  # rows of pixels, no window
                in_shape = (1, op.pixels, 1, in_shape[-1])
                out_shape = (1, op.pixels, 1, out_shape[-1])
            n, h, w, c = in_shape
            _, oh, ow, oc = out_shape
            sy, sx = op.ints("strides") if not isinstance(op, mk.Conv1x1S8Op) else (1, 1)
            pads = op.ints("pads") if not isinstance(op, mk.Conv1x1S8Op) else (0, 0, 0, 0)
            kh, kw = (
                op.ints("kernel")
                if isinstance(op, qnn.MaxPool2DOp | qnn.AvgPool2DOp | mk.ConvS8Op)
                or isinstance(op, mk.MaxPoolS8Op | mk.AvgPoolS8Op)
                else (1, 1)
                if isinstance(op, mk.Conv1x1S8Op)
                else op.input_shape(1)[1:3]
            )
            written.pop(id(y), None)
            p = 0
            for b in range(n):
                for oy in range(oh):
                    for ox in range(ow):
                        write(y, p * oc * eb, oc * eb)
                        for ky in range(kh):
                            for kx in range(kw):
                                iy, ix = oy * sy - pads[0] + ky, ox * sx - pads[2] + kx
                                if 0 <= iy < h and 0 <= ix < w:
                                    q = (b * h + iy) * w + ix
                                    check(x, q * c * eb, c * eb, who)
                        p += 1
        else:  # whole operands read, then the output written
            for v in op.ins:
                if isinstance(v.owner, ViewOp | ExternOp):
                    check(v, 0, _place(v)[2], who)
            written.pop(id(y), None)
            write(y, 0, _place(y)[2])
    for op in fn.body.block.ops:
        if isinstance(op, func.ReturnOp):
            for v in op.arguments:
                check(v, 0, _place(v)[2], "the caller")


def _plan(seed: int, overlap: bool, kernels: str = "qnn") -> tuple[ModuleOp, PlanMemoryPass]:
    rng = random.Random(seed)
    if kernels == "mk":
        text = random_mk_graph(rng)
    else:
        text = random_spatial_graph(rng, hybrid=kernels == "hybrid")
    module = Parser(make_context(), text).parse_module()
    plan = PlanMemoryPass(
        alignment=rng.choice([1, 4, 16]),
        isa=rng.choice(["", "host", "dsp", "mve"]),
        reorder=rng.random() < 0.7,
        inplace=rng.random() < 0.7,
        overlap=overlap,
    )
    build_pipeline(("convert-qnn-to-buf", plan)).apply(make_context(), module)
    module.verify()
    return module, plan


def _arena(module: ModuleOp) -> int:
    return sum(op.size.value.data for op in module.walk() if isinstance(op, ArenaOp))


def _strategy(module: ModuleOp) -> str:
    fn = next(op for op in module.ops if isinstance(op, func.FuncOp))
    value = fn.attributes["buf.strategy"]
    assert isinstance(value, StringAttr)
    return value.data


SEEDS = range(120)


@pytest.mark.parametrize("seed", SEEDS)
def test_overlapping_plans_never_clobber_a_byte_still_to_be_read(seed: int) -> None:
    module, _ = _plan(seed, overlap=True)
    run_bytes(module)


@pytest.mark.parametrize("seed", range(60))
def test_plans_with_hybrid_convolutions_never_clobber_a_byte_still_to_be_read(seed: int) -> None:
    """A hybrid convolution reads its whole input (quantizing it into its scratch) before
    it writes its output: the simulation reads every operand, then writes."""
    module, _ = _plan(seed, overlap=True, kernels="hybrid")
    run_bytes(module)


def test_hybrid_convolutions_write_over_their_input() -> None:
    shared = 0
    for seed in range(60):
        module, _ = _plan(seed, overlap=True, kernels="hybrid")
        fn = next(op for op in module.ops if isinstance(op, func.FuncOp))
        for op in fn.body.block.ops:
            if isinstance(op, qnn.HybridConv2DOp):
                a, b = _place(op.ins[0]), _place(op.out)
                shared += a[0] == b[0] and a[1] < b[1] + b[2] and b[1] < a[1] + a[2]
    assert shared >= 5, shared


@pytest.mark.parametrize("seed", SEEDS)
def test_plans_of_stais_kernels_never_clobber_a_byte_still_to_be_read(seed: int) -> None:
    module, _ = _plan(seed, overlap=True, kernels="mk")
    run_bytes(module)


def test_the_depthwise_kernel_overlaps_in_channel_order() -> None:
    """Over the random graphs of stai's kernels, a depthwise 3x3 whose output is smaller
    than its input (stride 2) does write over its input's bytes, and the arena is never
    larger than without overlaps."""
    shrinking = 0
    for seed in SEEDS:
        module, _ = _plan(seed, overlap=True, kernels="mk")
        without, _ = _plan(seed, overlap=False, kernels="mk")
        assert _arena(module) <= _arena(without), seed
        fn = next(op for op in module.ops if isinstance(op, func.FuncOp))
        for op in fn.body.block.ops:
            if isinstance(op, mk.DwConv3x3S8Op) and op.output_type != op.ins[0].type:
                a, b = _place(op.ins[0]), _place(op.out)
                shrinking += a[0] == b[0] and a[1] < b[1] + b[2] and b[1] < a[1] + a[2]
    assert shrinking >= 5, shrinking


def test_overlap_is_used_and_saves_bytes() -> None:
    """Over the random graphs, outputs do overlap their inputs, and the arena is never
    larger than without overlaps."""
    used, saved = 0, 0
    for seed in SEEDS:
        with_overlap, _ = _plan(seed, overlap=True)
        without, _ = _plan(seed, overlap=False)
        assert _arena(with_overlap) <= _arena(without), seed
        used += "overlapping" in _strategy(with_overlap)
        saved += _arena(without) - _arena(with_overlap)
    assert used >= len(SEEDS) // 5, used
    assert saved > 0
