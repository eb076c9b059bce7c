"""Every ``qnn`` op states the facts the passes ask it for (``dialects/qnn_base.py``): its
parameter families (``S8_PARAMS``, ``F32_PARAMS``), ``IN_PLACE``, ``SCRATCH`` and
``macc()``; the values of a few; and ``op.macc()`` gives the numbers of the per-name rules
``stai analyze`` used before the ops said them (``_reference_macc``, the rules of
``docs/analyze.md``) on the kernels of real models."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from xdsl.dialects.builtin import DenseArrayBase, MemRefType, ModuleOp
from xdsl.ir import Operation, SSAValue
from xdsl.parser import Parser

from stai.dialects import mk, qnn, qnn_params
from stai.dialects.buf import GetConstOp
from stai.dialects.qnn_base import NoParams, missing_facts
from stai.lowering import scratch_sizes

OPS: list[type[qnn.KernelOp]] = [op for op in qnn.QNN.operations if issubclass(op, qnn.KernelOp)]
IDS = [op.name for op in OPS]
FAMILIES = [a for a in qnn.QNN.attributes if issubclass(a, qnn_params.KernelParams)]


def _parse(text: str) -> ModuleOp:
    from stai.compiler.driver import make_context

    module = Parser(make_context(), text).parse_module()
    module.verify()
    return module


def _kernels(module: ModuleOp) -> list[qnn.KernelOp]:
    return [op for op in module.walk() if isinstance(op, qnn.KernelOp)]


# ---------------------------------------------------------------- every op, every fact


def test_the_dialect_has_ops_and_families():
    assert len(OPS) == len(list(qnn.QNN.operations)) >= 33
    assert all(op.name.startswith("qnn.") for op in OPS)
    assert set(FAMILIES) == set(qnn_params.PARAM_FAMILIES)
    assert len(FAMILIES) == len(list(qnn.QNN.attributes)) >= 18


@pytest.mark.parametrize("op", OPS, ids=IDS)
def test_every_op_states_each_mandatory_fact(op: type[qnn.KernelOp]):
    assert missing_facts(op) == []


@pytest.mark.parametrize("op", OPS, ids=IDS)
def test_parameter_families_are_registered(op: type[qnn.KernelOp]):
    specs = (op.S8_PARAMS, op.F32_PARAMS)
    assert any(s is not None for s in specs), f"{op.name} has no kernel at all"
    for spec in specs:
        assert spec is None or spec is NoParams or spec in FAMILIES, (op.name, spec)


@pytest.mark.parametrize("op", OPS, ids=IDS)
def test_in_place_scratch_and_codebook_facts_are_known_values(op: type[qnn.KernelOp]):
    assert op.IN_PLACE in ("no", "unary", "binary")
    assert op.SCRATCH in scratch_sizes.SCRATCH_RULES
    if op.CODEBOOK is not None:
        form, rank = op.CODEBOOK
        assert form in OPS and rank in (2, 4)


MK_OPS = [op for op in mk.MK.operations if issubclass(op, mk.MicroKernelOp)]
"""The ``mk`` dialect's ops: stai's own kernels, on ``qnn``'s ``KernelOp``."""


def test_the_mk_dialect_has_kernel_ops():
    assert len(MK_OPS) == len(list(mk.MK.operations)) >= 6
    assert all(op.name.startswith("mk.") for op in MK_OPS)


@pytest.mark.parametrize("op", MK_OPS, ids=[op.name for op in MK_OPS])
def test_every_mk_op_states_its_facts(op: type[mk.MicroKernelOp]):
    assert missing_facts(op) == []
    assert (op.S8_PARAMS is NoParams or op.S8_PARAMS in FAMILIES) and op.F32_PARAMS is None
    assert op.IN_PLACE in ("no", "unary", "binary")
    # The scratch bytes are the kernel's own formula (mk_layouts), not a CMSIS-NN rule.
    assert op.SCRATCH not in scratch_sizes.SCRATCH_RULES
    assert op.scratch_bytes is not qnn.KernelOp.scratch_bytes
    assert op.KERNEL.startswith("stai_mk_")
    assert op.WINDOW is not None or "kernel" in op.GEOMETRY or op.NUM_INS == 2


def test_a_missing_fact_is_found():
    class Bare(qnn.KernelOp):
        name = "qnn.bare"

    assert missing_facts(Bare) == ["S8_PARAMS", "F32_PARAMS", "IN_PLACE", "SCRATCH", "macc"]


# ------------------------------------------------------------------------- families


@pytest.mark.parametrize("family", FAMILIES, ids=[f.name for f in FAMILIES])
def test_each_family_round_trips_through_its_text(family: type[qnn_params.KernelParams]):
    from xdsl.printer import Printer

    from stai.compiler.driver import make_context

    sample = {"i32": -7, "f32": 0.25, "i32[]": [1073741824, 3], "f32[]": [0.5, 0.125]}
    values = {name: sample[kind] for name, kind in family.fields()}
    if "asymmetric_inputs" in values:
        values["asymmetric_inputs"] = 1
    attr = family.make(**values)
    from io import StringIO

    text = StringIO()
    Printer(text).print_attribute(attr)
    assert text.getvalue().startswith(f"#{family.name}<{family.fields()[0][0]} = ")
    again = Parser(make_context(), text.getvalue()).parse_attribute()
    assert again == attr
    for name, kind in family.fields():
        value = attr.value(name)
        assert value == (tuple(values[name]) if kind.endswith("[]") else values[name])


def test_the_transitional_accessors_read_typed_fields():
    module = _parse("""
func.func @f(%x: tensor<1x8xi8>) -> tensor<1x8xi8> {
  %y = qnn.softmax ins(%x : tensor<1x8xi8>) {params = #qnn.softmax_s8<multiplier = 1073741824, shift = 26, diff_min = -31>} -> tensor<1x8xi8>
  func.return %y : tensor<1x8xi8>
}""")
    (op,) = _kernels(module)
    assert op.int_param("shift") == 26 and op.int_param("diff_min") == -31
    assert op.params_as(qnn_params.SoftmaxS8Params).multiplier.value.data == 1073741824
    assert qnn_params.SoftmaxS8Params.field_names() == ("multiplier", "shift", "diff_min")
    with pytest.raises(KeyError):
        op.param("beta")
    with pytest.raises(ValueError):
        op.params_as(qnn_params.SoftmaxF32Params)


# --------------------------------------------------------------------- a few values


_ELEMENTWISE = """
func.func @f(%x: tensor<1x2x2x4xi8>, %z: tensor<1x1x1x4xi8>, %a: tensor<1x2x2x4xf32>,
             %c: tensor<1x1x1x4xf32>) -> (tensor<1x2x2x4xi8>, tensor<1x2x2x4xi8>, tensor<1x2x2x4xf32>, tensor<1x2x2x4xi8>) {
  %s = qnn.add ins(%x, %x : tensor<1x2x2x4xi8>, tensor<1x2x2x4xi8>) {act = array<i32: -128, 127>, params = #qnn.add_sub_s8<left_shift = 20, input1_offset = 0, input1_multiplier = 1, input1_shift = 0, input2_offset = 0, input2_multiplier = 1, input2_shift = 0, output_offset = 0, output_multiplier = 1, output_shift = 0>} -> tensor<1x2x2x4xi8>
  %b = qnn.add ins(%x, %z : tensor<1x2x2x4xi8>, tensor<1x1x1x4xi8>) {act = array<i32: -128, 127>, params = #qnn.add_sub_s8<left_shift = 20, input1_offset = 0, input1_multiplier = 1, input1_shift = 0, input2_offset = 0, input2_multiplier = 1, input2_shift = 0, output_offset = 0, output_multiplier = 1, output_shift = 0>} -> tensor<1x2x2x4xi8>
  %f = qnn.mul ins(%a, %c : tensor<1x2x2x4xf32>, tensor<1x1x1x4xf32>) {act = array<f32: -1.0, 1.0>} -> tensor<1x2x2x4xf32>
  %r = qnn.requantize ins(%x : tensor<1x2x2x4xi8>) {params = #qnn.requantize_s8<input_offset = 0, output_offset = 0, multiplier = 1073741824, shift = 1>} -> tensor<1x2x2x4xi8>
  func.return %s, %b, %f, %r : tensor<1x2x2x4xi8>, tensor<1x2x2x4xi8>, tensor<1x2x2x4xf32>, tensor<1x2x2x4xi8>
}"""


def test_in_place_answers():
    same, broadcast, float_broadcast, requantize = _kernels(_parse(_ELEMENTWISE))
    x, z = broadcast.ins
    assert same.may_write_over(x)
    assert not broadcast.may_write_over(x)  # int8 broadcasting kernels read ahead
    assert not broadcast.may_write_over(z)  # other shape
    assert float_broadcast.may_write_over(float_broadcast.ins[0])
    assert not float_broadcast.may_write_over(float_broadcast.ins[1])
    assert requantize.may_write_over(requantize.ins[0])
    assert qnn.ClampOp.IN_PLACE == "unary" and qnn.DivOp.IN_PLACE == "binary"
    assert qnn.SoftmaxOp.IN_PLACE == qnn.QuantizeOp.IN_PLACE == qnn.PadOp.IN_PLACE == "no"


_CONV = """
func.func @f(%x: tensor<1x6x6x8xi8>, %y: tensor<2x6xf32>, %v: tensor<1x6x6x8xf32>)
    -> (tensor<1x6x6x4xi8>, tensor<2x3xf32>, tensor<1x6x6x4xf32>) {
  %w = arith.constant dense<1> : tensor<4x3x3x8xi8>
  %b = arith.constant dense<0> : tensor<4xi32>
  %c = qnn.conv2d ins(%x, %w, %b : tensor<1x6x6x8xi8>, tensor<4x3x3x8xi8>, tensor<4xi32>) {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, act = array<i32: -128, 127>, params = #qnn.conv_s8<input_offset = 0, output_offset = 0, multipliers = array<i32: 1, 1, 1, 1>, shifts = array<i32: 0, 0, 0, 0>>} -> tensor<1x6x6x4xi8>
  %hw = arith.constant dense<1> : tensor<3x6xi8>
  %hb = arith.constant dense<0.0> : tensor<3xf32>
  %h = qnn.hybrid_fully_connected ins(%y, %hw, %hb : tensor<2x6xf32>, tensor<3x6xi8>, tensor<3xf32>) {act = array<f32: -1.0, 1.0>, params = #qnn.hybrid_fully_connected<filter_scales = array<f32: 0.5>, asymmetric_inputs = 0>} -> tensor<2x3xf32>
  %fw = arith.constant dense<1.0> : tensor<4x3x3x8xf32>
  %fb = arith.constant dense<0.0> : tensor<4xf32>
  %fc = qnn.conv2d ins(%v, %fw, %fb : tensor<1x6x6x8xf32>, tensor<4x3x3x8xf32>, tensor<4xf32>) {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, act = array<f32: -1.0, 1.0>} -> tensor<1x6x6x4xf32>
  func.return %c, %h, %fc : tensor<1x6x6x4xi8>, tensor<2x3xf32>, tensor<1x6x6x4xf32>
}"""


def test_scratch_and_macc_values():
    conv, hybrid, float_conv = _kernels(_parse(_CONV))
    geometry = scratch_sizes.ConvGeometry(1, 1, 1, 1, 1, 1)
    dims = (
        scratch_sizes.Dims(1, 6, 6, 8),
        scratch_sizes.Dims(4, 3, 3, 8),
        scratch_sizes.Dims(1, 6, 6, 4),
    )
    for isa in scratch_sizes.ISAS:
        assert conv.scratch_bytes(isa) == scratch_sizes.convolve_wrapper_s8_bytes(
            isa, geometry, *dims
        )
        assert float_conv.scratch_bytes(isa) == 0
        assert hybrid.scratch_bytes(isa) == 2 * (8 + 6)  # per row: scale, zp, int8 row
    assert conv.scratch_bytes("host") == 2 * 72 * 2
    assert conv.macc() == float_conv.macc() == 6 * 6 * 4 * (3 * 3 * 8)
    assert hybrid.macc() == 2 * 3 * 6
    assert qnn.Conv2DOp.CODEBOOK == (qnn.Conv2DCodebookOp, 4)
    assert qnn.FullyConnectedOp.CODEBOOK == (qnn.FullyConnectedCodebookOp, 2)
    assert qnn.HybridFullyConnectedOp.CODEBOOK is None
    assert qnn.Conv2DOp.OPERAND_ROLES == ("input", "weights", "bias")


# -------------------------------------------------------------- real models: MACC


def _shape(value: SSAValue) -> tuple[int, ...]:
    t = value.type
    assert isinstance(t, MemRefType)
    return tuple(t.get_shape())


def _geometry(op: Operation, name: str) -> tuple[int, ...]:
    value = op.properties.get(name) or op.attributes.get(name)
    if isinstance(value, DenseArrayBase):
        return tuple(int(v) for v in value.get_values())
    return ()


def _reference_macc(kind: str, ins: list[SSAValue], out: SSAValue, op: Operation) -> int:
    """MACC by op name, as ``stai.tools.analyze`` counted them before ``op.macc()``."""
    out_n = math.prod(_shape(out))
    if kind in ("conv2d", "hybrid_conv2d"):
        return out_n * math.prod(_shape(ins[1])[1:])
    if kind in ("depthwise_conv2d", "hybrid_depthwise_conv2d"):
        return out_n * math.prod(_shape(ins[1])[1:3])
    if kind == "transpose_conv2d":
        return math.prod(_shape(ins[0])) * math.prod(_shape(ins[1])[:3])
    if kind in ("fully_connected", "hybrid_fully_connected"):
        return out_n * _shape(ins[1])[-1]
    if kind == "fully_connected_codebook":
        return out_n * _geometry(op, "weight_shape")[-1]
    if kind == "conv2d_codebook":
        return out_n * math.prod(_geometry(op, "weight_shape")[1:])
    if kind in ("avg_pool2d", "max_pool2d"):
        return out_n * math.prod(_geometry(op, "kernel") or (1,))
    if kind == "mean":
        return math.prod(_shape(ins[0]))
    if kind == "softmax":
        return 3 * out_n
    if kind == "lstm":  # every step of every batch, whatever the output keeps
        weights = sum(math.prod(_shape(v)) for v in ins[1:] if len(_shape(v)) == 2)
        x = _shape(ins[0])
        return weights * (x[0] * x[1] if len(x) >= 3 else 1)
    if kind in ("reshape", "pad", "concat", "transpose"):
        return 0
    return out_n


def _buffer_form(path: Path, compress: int = 0) -> ModuleOp:
    """The model lowered to buffer form (canonicalize, fuse, convert-nn-to-qnn, optionally
    compress-weights, convert-qnn-to-buf), as ``stai analyze`` reads it."""
    from stai.cli.opt import StaiOptMain
    from stai.frontends.tflite import import_tflite
    from stai.lowering.convert_nn_to_qnn import ConvertNNToQNNPass
    from stai.lowering.convert_qnn_to_buf import ConvertQNNToBufPass
    from stai.transforms.canonicalize_nn import CanonicalizeNNPass
    from stai.transforms.compress_weights import CompressWeightsPass
    from stai.transforms.fuse_activations import FuseActivationsPass

    module = import_tflite(path)
    ctx = StaiOptMain(args=[]).ctx
    passes = [CanonicalizeNNPass(), FuseActivationsPass(), ConvertNNToQNNPass()]
    if compress:
        passes.append(CompressWeightsPass(factor=compress))
    passes.append(ConvertQNNToBufPass(isa="mve"))
    for p in passes:
        p.apply(ctx, module)
    module.verify()
    return module


@pytest.mark.parametrize(
    ("key", "compress"),
    [
        ("kws_int8", 0),
        ("kws_hybrid", 0),
        ("ad_float", 4),
        ("ic_int8", 0),
        ("kws_int8", 8),
        ("hello_world_float", 0),
    ],
)
def test_macc_equals_analyze_on_real_models(shared_model_path, key: str, compress: int) -> None:
    module = _buffer_form(shared_model_path(key), compress)
    kernels = _kernels(module)
    assert kernels
    for op in kernels:
        assert op.out is not None
        want = _reference_macc(op.name.removeprefix("qnn."), list(op.ins), op.out, op)
        assert op.macc() == want, op.name
        scratch = op.scratch
        if scratch is not None:  # an arena view, or the precomputed kernel sums (int32)
            count = scratch.type.get_shape()[0]  # type: ignore[attr-defined]
            sums = isinstance(scratch.owner, GetConstOp)
            assert op.scratch_bytes("mve") == count * (4 if sums else 1), op.name
    if compress:
        assert any(op.name.endswith("_codebook") for op in kernels)


_LIT = Path(__file__).resolve().parents[1] / "filecheck" / "lowering"


@pytest.mark.parametrize(
    "name",
    [
        "convert-nn-to-qnn",
        "keras-ops",
        "prelu-s8",
        "transpose-clamp-transpose-conv",
        "hard-sigmoid-s8",
    ],
)
def test_macc_equals_the_rules_on_every_kind_of_kernel(name: str) -> None:
    """The ``nn`` inputs of the lowering lit tests hold every kind of kernel but the
    codebook ones (above) and reshapes (aliases in buffer form)."""
    from stai.compiler.driver import make_context
    from stai.lowering.convert_nn_to_qnn import ConvertNNToQNNPass
    from stai.lowering.convert_qnn_to_buf import ConvertQNNToBufPass

    ctx = make_context()
    module = Parser(ctx, (_LIT / f"{name}.mlir").read_text()).parse_module()
    for p in (ConvertNNToQNNPass(), ConvertQNNToBufPass()):
        p.apply(ctx, module)
    kernels = _kernels(module)
    assert kernels
    for op in kernels:
        assert op.out is not None
        want = _reference_macc(op.name.removeprefix("qnn."), list(op.ins), op.out, op)
        assert op.macc() == want, op.name


def test_reshape_and_tensor_form_macc() -> None:
    module = _parse("""
func.func @f(%x: tensor<2x6xf32>) -> tensor<2x6xf32> {
  %r = qnn.reshape ins(%x : tensor<2x6xf32>) -> tensor<3x4xf32>
  %s = qnn.reshape ins(%r : tensor<3x4xf32>) -> tensor<2x6xf32>
  %y = qnn.softmax ins(%s : tensor<2x6xf32>) {params = #qnn.softmax_f32<beta = 1.0>} -> tensor<2x6xf32>
  func.return %y : tensor<2x6xf32>
}""")
    assert [op.macc() for op in _kernels(module)] == [0, 0, 3 * 12]
