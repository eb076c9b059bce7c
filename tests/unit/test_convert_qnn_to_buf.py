"""``convert-qnn-to-buf``: the bufferized program computes what the tensor program computes.

Soundness of the arena plan is checked two ways: statically (two views live at the same
step share bytes only if they alias one tensor), and by running both forms with the same
made-up kernels (each kernel's output is a hash of its inputs; in buffer form a kernel
first scribbles over its output and scratch, then reads its inputs), so that any byte a
plan wrongly shares changes the outputs.
"""

from __future__ import annotations

import hashlib
import random
from pathlib import Path

import numpy as np
import pytest
from shared_models import FLOAT, INT8, SHARED_MODELS
from xdsl.context import Context
from xdsl.dialects import arith, func
from xdsl.dialects.builtin import Builtin, DenseIntOrFPElementsAttr, ModuleOp, TensorType
from xdsl.ir import SSAValue
from xdsl.parser import Parser

from stai.dialects import qnn
from stai.dialects.buf import BUF, ConstOp, GetConstOp, ViewOp, byte_size
from stai.dialects.qnn import QNN
from stai.errors import StaiError
from stai.lowering.convert_qnn_to_buf import ConvertQNNToBufPass, c_identifier

# ------------------------------------------------------------------------------ helpers


def _ctx() -> Context:
    ctx = Context()
    for dialect in (Builtin, func.Func, arith.Arith, QNN, BUF):
        ctx.load_dialect(dialect)
    return ctx


def _parse(text: str) -> ModuleOp:
    module = Parser(_ctx(), text).parse_module()
    module.verify()
    return module


def _bufferize(module: ModuleOp, **options: object) -> ModuleOp:
    out = module.clone()
    ConvertQNNToBufPass(**options).apply(_ctx(), out)  # type: ignore[arg-type]
    out.verify()
    return out


def _main(module: ModuleOp) -> func.FuncOp:
    fns = [op for op in module.ops if isinstance(op, func.FuncOp)]
    assert len(fns) == 1
    return fns[0]


def _nbytes(t: object) -> int:
    from xdsl.dialects.builtin import MemRefType

    assert isinstance(t, TensorType | MemRefType)
    return byte_size(MemRefType(t.element_type, t.get_shape()))


def _dense_bytes(attr: DenseIntOrFPElementsAttr) -> np.ndarray:
    data = np.frombuffer(attr.data.data, dtype=np.uint8)
    n = _nbytes(attr.get_type())
    if data.size != n:  # a splat holds one element
        data = np.tile(data, n // data.size)
    return data.copy()


def _fake_kernel(step: int, inputs: list[np.ndarray], nbytes: int) -> np.ndarray:
    """A deterministic function of the step and of every input byte."""
    h = hashlib.sha256(step.to_bytes(4, "little"))
    for x in inputs:
        h.update(x.tobytes())
    rng = np.random.default_rng(int.from_bytes(h.digest()[:8], "little"))
    return rng.integers(0, 256, nbytes, dtype=np.uint8)


def run_tensor_form(fn: func.FuncOp, inputs: list[np.ndarray]) -> list[np.ndarray]:
    """Run a tensor-form function with made-up kernels: one byte array per value."""
    env: dict[SSAValue, np.ndarray] = dict(zip(fn.body.block.args, inputs))
    step = 0
    for op in fn.body.block.ops:
        if isinstance(op, arith.ConstantOp):
            assert isinstance(op.value, DenseIntOrFPElementsAttr)
            env[op.result] = _dense_bytes(op.value)
        elif isinstance(op, qnn.ReshapeOp):
            assert op.res is not None
            env[op.res] = env[op.ins[0]]
        elif isinstance(op, qnn.KernelOp):
            assert op.res is not None
            env[op.res] = _fake_kernel(step, [env[v] for v in op.ins], _nbytes(op.res.type))
            step += 1
        elif isinstance(op, func.ReturnOp):
            return [env[v].copy() for v in op.arguments]
    raise AssertionError("no func.return")


def run_buffer_form(module: ModuleOp, inputs: list[np.ndarray]) -> list[np.ndarray]:
    """Run a bufferized function with the same made-up kernels on one byte arena."""
    consts = {op.sym_name.data: op for op in module.ops if isinstance(op, ConstOp)}
    fn = _main(module)
    junk = np.random.default_rng(1234)
    arena = np.zeros(0, dtype=np.uint8)
    where: dict[SSAValue, tuple[str, int, int]] = {}
    const_data: dict[SSAValue, np.ndarray] = {}
    outputs: dict[int, tuple[int, int]] = {}
    step = 0

    def read(v: SSAValue) -> np.ndarray:
        if v in const_data:
            return const_data[v]
        _, off, n = where[v]
        return arena[off : off + n].copy()

    for op in fn.body.block.ops:
        if op.name == "buf.arena":
            size = op.properties["size"].value.data  # type: ignore[attr-defined]
            arena = junk.integers(0, 256, size, dtype=np.uint8)
        elif isinstance(op, ViewOp):
            where[op.result] = ("arena", op.byte_offset, op.nbytes)
            if op.role_name == "input":
                assert op.index_value is not None
                arena[op.byte_offset : op.byte_offset + op.nbytes] = inputs[op.index_value]
            elif op.role_name == "output":
                assert op.index_value is not None
                outputs[op.index_value] = (op.byte_offset, op.nbytes)
        elif isinstance(op, GetConstOp):
            const_data[op.result] = _dense_bytes(consts[op.symbol.root_reference.data].value)
        elif isinstance(op, qnn.KernelOp):
            assert op.out is not None and op.res is None
            for buf in (op.out, op.scratch):  # a constant scratch (kernel sums) is read only
                if buf is not None and not isinstance(buf.owner, GetConstOp):
                    _, off, n = where[buf]
                    arena[off : off + n] = junk.integers(0, 256, n, dtype=np.uint8)
            ins = [read(v) for v in op.ins]
            _, off, n = where[op.out]
            arena[off : off + n] = _fake_kernel(step, ins, n)
            step += 1
        elif isinstance(op, func.ReturnOp):
            assert not op.arguments
        else:
            raise AssertionError(f"unexpected op {op.name}")
    return [arena[off : off + n].copy() for _, (off, n) in sorted(outputs.items())]


def assert_views_sound(module: ModuleOp) -> None:
    """No two views live at a common step share a byte unless they alias one tensor
    (same offset and lifetime); scratch views alias nothing; every view has a lifetime."""
    views = [op for op in _main(module).walk() if isinstance(op, ViewOp)]
    for v in views:
        assert v.lifetime_range() is not None
    for i, a in enumerate(views):
        for b in views[i + 1 :]:
            la, lb = a.lifetime_range(), b.lifetime_range()
            assert la is not None and lb is not None
            if la[1] < lb[0] or lb[1] < la[0] or a.nbytes == 0 or b.nbytes == 0:
                continue
            lo_a, lo_b = a.byte_offset, b.byte_offset
            if lo_a >= lo_b + b.nbytes or lo_b >= lo_a + a.nbytes:
                continue
            aliases = lo_a == lo_b and la == lb and "scratch" not in (a.role_name, b.role_name)
            assert aliases, f"{a} and {b} overlap"


def _random_inputs(fn: func.FuncOp, seed: int) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [rng.integers(0, 256, _nbytes(t), dtype=np.uint8) for t in fn.function_type.inputs.data]


def assert_same_results(tensor_module: ModuleOp, **options: object) -> ModuleOp:
    buffered = _bufferize(tensor_module, **options)
    assert_views_sound(buffered)
    fn = _main(tensor_module)
    for seed in range(2):
        inputs = _random_inputs(fn, seed)
        expected = run_tensor_form(fn, inputs)
        got = run_buffer_form(buffered, inputs)
        assert len(got) == len(expected)
        for e, g in zip(expected, got):
            np.testing.assert_array_equal(g, e)
    return buffered


# ---------------------------------------------------------------------- a small module

_CONV_ATTRS = (
    "strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>,"
    " act = array<i32: -128, 127>, params = #qnn.conv_s8<input_offset = 3, output_offset = -1,"
    " multipliers = array<i32: 1073741824, 1073741824>, shifts = array<i32: -1, -1>>"
)
_ADD_PARAMS = (
    "act = array<i32: -128, 127>, params = #qnn.add_sub_s8<left_shift = 20, input1_offset = 0,"
    " input1_multiplier = 1, input1_shift = 0, input2_offset = 0, input2_multiplier = 1,"
    " input2_shift = 0, output_offset = 0, output_multiplier = 1, output_shift = 0>"
)
_FC_ATTRS = (
    "act = array<i32: -128, 127>, params = #qnn.fully_connected_s8<input_offset = 1,"
    " filter_offset = 0, output_offset = 0, multipliers = array<i32: 1073741824>,"
    " shifts = array<i32: 0>>"
)

SMALL = f"""
func.func @main(%x: tensor<1x4x4x2xi8> {{nn.name = "image"}})
    -> (tensor<1x5xi8> {{nn.name = "scores"}}, tensor<1x4x4x2xi8> {{nn.name = "skip"}}) {{
  %w = arith.constant dense<1> : tensor<2x3x3x2xi8>
  %b = arith.constant dense<[1, 2]> : tensor<2xi32>
  %c1 = qnn.conv2d ins(%x, %w, %b : tensor<1x4x4x2xi8>, tensor<2x3x3x2xi8>, tensor<2xi32>)
        {{nn.name = "conv1", {_CONV_ATTRS}}} -> tensor<1x4x4x2xi8>
  %w2 = arith.constant dense<[[[[1, 2]]], [[[3, 4]]]]> : tensor<2x1x1x2xi8>
  %c2 = qnn.conv2d ins(%c1, %w2, %b : tensor<1x4x4x2xi8>, tensor<2x1x1x2xi8>, tensor<2xi32>)
        {{nn.m_id = 7 : i64, {_CONV_ATTRS.replace("1, 1, 1, 1", "0, 0, 0, 0")}}} -> tensor<1x4x4x2xi8>
  %s = qnn.add ins(%c2, %x : tensor<1x4x4x2xi8>, tensor<1x4x4x2xi8>) {{{_ADD_PARAMS}}}
        -> tensor<1x4x4x2xi8>
  %r = qnn.reshape ins(%s : tensor<1x4x4x2xi8>) -> tensor<1x32xi8>
  %fw = arith.constant dense<2> : tensor<5x32xi8>
  %fb = arith.constant dense<0> : tensor<5xi32>
  %o = qnn.fully_connected ins(%r, %fw, %fb : tensor<1x32xi8>, tensor<5x32xi8>, tensor<5xi32>)
        {{nn.name = "fc", {_FC_ATTRS}}} -> tensor<1x5xi8>
  func.return %o, %c1 : tensor<1x5xi8>, tensor<1x4x4x2xi8>
}}
"""


def test_small_module_structure() -> None:
    out = _bufferize(_parse(SMALL))
    fn = _main(out)
    assert not fn.body.block.args and not fn.function_type.inputs.data
    assert not fn.function_type.outputs.data
    assert [s.data for s in fn.attributes["buf.inputs"].data] == ["image"]  # type: ignore[attr-defined]
    assert [s.data for s in fn.attributes["buf.outputs"].data] == ["scores", "skip"]  # type: ignore[attr-defined]
    names = [op.sym_name.data for op in out.ops if isinstance(op, ConstOp)]
    # %b is shared by both convs: one array, named after its first user
    assert names == ["conv1_weights", "conv1_bias", "conv2d_7_weights", "fc_weights", "fc_bias"]
    ops = list(fn.body.block.ops)
    assert not any(isinstance(op, qnn.ReshapeOp | arith.ConstantOp) for op in ops)
    kernels = [op for op in ops if isinstance(op, qnn.KernelOp)]
    assert [k.name for k in kernels] == [
        "qnn.conv2d",
        "qnn.conv2d",
        "qnn.add",
        "qnn.fully_connected",
    ]
    assert all(k.is_bufferized for k in kernels)
    # the 3x3 conv needs an im2col scratch on the host, the 1x1 conv none
    assert kernels[0].scratch is not None and kernels[1].scratch is None
    scratch = kernels[0].scratch.owner
    assert isinstance(scratch, ViewOp) and scratch.role_name == "scratch"
    assert scratch.lifetime_range() == (0, 0) and scratch.nbytes == 2 * 20 * 2
    views = {op.result.name_hint: op for op in ops if isinstance(op, ViewOp)}
    # inputs live from the start to their last use, outputs to the end
    assert views["x"].role_name == "input" and views["x"].lifetime_range() == (0, 2)
    assert views["c1"].role_name == "output" and views["c1"].index_value == 1
    assert views["c1"].lifetime_range() == (0, 3)
    assert views["o"].role_name == "output" and views["o"].index_value == 0
    # the reshape's output is the add's output, seen with another shape
    assert views["r"].byte_offset == views["s"].byte_offset
    assert views["r"].lifetime_range() == views["s"].lifetime_range() == (2, 3)
    arena = ops[0]
    assert arena.name == "buf.arena"
    size = arena.properties["size"].value.data  # type: ignore[attr-defined]
    peak = fn.attributes["buf.peak"].value.data  # type: ignore[attr-defined]
    # step 0: x 32 + c1 32 + scratch 80
    assert peak == 144 and size >= peak
    assert all(v.byte_offset % 4 == 0 for v in views.values())


@pytest.mark.parametrize("isa", ["host", "dsp", "mve"])
@pytest.mark.parametrize("alignment", [1, 4, 16])
def test_small_module_computes_the_same(isa: str, alignment: int) -> None:
    out = assert_same_results(_parse(SMALL), isa=isa, alignment=alignment)
    for op in _main(out).walk():
        if isinstance(op, ViewOp) and op.role_name != "scratch":
            assert op.byte_offset % max(alignment, 1) == 0


def test_c_identifier() -> None:
    assert c_identifier("functional_1/conv2d/Conv2D;x") == "functional_1_conv2d_Conv2D_x"
    assert c_identifier("1st") == "c_1st"
    assert c_identifier("int") == "int_"
    assert c_identifier("//") == "data"
    assert c_identifier("const") == "const_"


# ----------------------------------------------------------------- random f32 programs


def _random_program(seed: int) -> str:
    """A random DAG of float kernels and reshapes over 1-D-ish tensors of assorted sizes."""
    rng = random.Random(seed)
    lines: list[str] = []
    values: list[tuple[str, int]] = []  # (name, element count)
    constants: set[str] = set()
    n_in = rng.randint(1, 3)
    args = []
    for i in range(n_in):
        n = rng.choice([1, 3, 8, 16, 40])
        args.append(f"%in{i}: tensor<1x{n}xf32>")
        values.append((f"%in{i}", n))
    for k in range(rng.randint(1, 14)):
        choice = rng.random()
        name = f"%v{k}"
        if choice < 0.15 and k > 0:
            src, n = rng.choice(values)
            lines.append(
                f"{name} = qnn.reshape ins({src} : tensor<1x{n}xf32>) -> tensor<{n}x1xf32>"
            )
            # keep using the 1xN spelling for later users: reshape back
            lines.append(
                f"{name}r = qnn.reshape ins({name} : tensor<{n}x1xf32>) -> tensor<1x{n}xf32>"
            )
            values.append((f"{name}r", n))
            if src in constants:
                constants.add(f"{name}r")
        elif choice < 0.3:
            n = rng.choice([2, 8, 30])
            lines.append(f"{name} = arith.constant dense<{rng.random():.3f}> : tensor<1x{n}xf32>")
            values.append((name, n))
            constants.add(name)
        elif choice < 0.6:
            (a, na), (b, nb) = rng.choice(values), rng.choice(values)
            n = rng.choice([na, nb, 64])
            lines.append(
                f"{name} = qnn.add ins({a}, {b} : tensor<1x{na}xf32>, tensor<1x{nb}xf32>)"
                f" {{act = array<f32: -1.0, 1.0>}} -> tensor<1x{n}xf32>"
            )
            values.append((name, n))
        elif choice < 0.75:
            picks = [rng.choice(values) for _ in range(rng.randint(1, 3))]
            n = sum(p[1] for p in picks)
            ins = ", ".join(p[0] for p in picks)
            types = ", ".join(f"tensor<1x{p[1]}xf32>" for p in picks)
            lines.append(
                f"{name} = qnn.concat ins({ins} : {types}) {{axis = 1 : i64}} -> tensor<1x{n}xf32>"
            )
            values.append((name, n))
        else:
            a, na = rng.choice(values)
            n = rng.choice([na, 5])
            lines.append(
                f"{name} = qnn.logistic ins({a} : tensor<1x{na}xf32>) -> tensor<1x{n}xf32>"
            )
            values.append((name, n))
    candidates = [v for v in values if v[0] not in constants]
    outs = [rng.choice(candidates) for _ in range(rng.randint(1, 3))]
    rets = ", ".join(o[0] for o in outs)
    rtypes = ", ".join(f"tensor<1x{o[1]}xf32>" for o in outs)
    body = "\n  ".join(lines)
    return (
        f"func.func @main({', '.join(args)}) -> ({rtypes}) {{\n  {body}\n"
        f"  func.return {rets} : {rtypes}\n}}\n"
    )


@pytest.mark.parametrize("seed", range(60))
def test_random_programs_compute_the_same(seed: int) -> None:
    text = _random_program(seed)
    module = _parse(text)
    assert_same_results(module, alignment=random.Random(seed).choice([1, 4, 8]))


# --------------------------------------------------------------------------- errors


def test_rejects_bad_options() -> None:
    module = _parse(SMALL)
    with pytest.raises(StaiError, match="alignment must be a power of two"):
        _bufferize(module, alignment=3)
    with pytest.raises(StaiError, match="unknown ISA 'gpu'"):
        _bufferize(module, isa="gpu")


def test_rejects_a_returned_constant() -> None:
    module = _parse(
        "func.func @main() -> tensor<2xf32> {\n"
        "  %c = arith.constant dense<1.0> : tensor<2xf32>\n"
        "  func.return %c : tensor<2xf32>\n}\n"
    )
    with pytest.raises(StaiError, match="output 0 is a constant"):
        _bufferize(module)


def test_rejects_unknown_ops() -> None:
    module = _parse(
        "func.func @main(%x: tensor<2xf32>) -> tensor<2xf32> {\n"
        "  %y = arith.addf %x, %x : tensor<2xf32>\n"
        "  func.return %y : tensor<2xf32>\n}\n"
    )
    with pytest.raises(StaiError, match="cannot bufferize 'arith.addf'"):
        _bufferize(module)


def test_bufferized_module_is_left_alone() -> None:
    once = _bufferize(_parse(SMALL))
    twice = _bufferize(once)
    assert str(once) == str(twice)


# ------------------------------------------------------------------- real models


def _lower_to_qnn(path: Path) -> ModuleOp:
    from stai.cli.opt import StaiOptMain
    from stai.frontends.tflite import import_tflite
    from stai.lowering.convert_nn_to_qnn import ConvertNNToQNNPass
    from stai.transforms.canonicalize_nn import CanonicalizeNNPass
    from stai.transforms.fuse_activations import FuseActivationsPass

    module = import_tflite(path)
    ctx = StaiOptMain(args=[]).ctx
    for p in (CanonicalizeNNPass(), FuseActivationsPass(), ConvertNNToQNNPass()):
        p.apply(ctx, module)
    module.verify()
    return module


_REAL = [m for m in SHARED_MODELS if m.kind in (INT8, FLOAT)]


@pytest.mark.parametrize("model", _REAL, ids=[m.key for m in _REAL])
def test_shared_models_compute_the_same(model, models_dir: Path) -> None:  # type: ignore[no-untyped-def]
    module = _lower_to_qnn(models_dir / model.relpath)
    for isa in ("host", "mve"):
        buffered = assert_same_results(module, isa=isa)
        fn = _main(buffered)
        peak = fn.attributes["buf.peak"].value.data  # type: ignore[attr-defined]
        arena = next(op for op in fn.body.block.ops if op.name == "buf.arena")
        size = arena.properties["size"].value.data  # type: ignore[attr-defined]
        assert peak <= size
