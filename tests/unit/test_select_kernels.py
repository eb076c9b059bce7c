"""``select-kernels`` and the ``mk`` dialect: which layers get stai's own kernels, the
re-laid-out constants, the ops' checks and facts, the option's plumbing and the C call
each ``mk`` op becomes (``--kernels stai``)."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from xdsl.dialects import arith
from xdsl.dialects.builtin import DenseIntOrFPElementsAttr, MemRefType, ModuleOp
from xdsl.parser import Parser
from xdsl.utils.exceptions import VerifyException

from stai.compiler.driver import compile_model, layer_kernels, make_context, pipeline_passes
from stai.compiler.options import DEFAULT_KERNELS, CompileOptions
from stai.dialects import mk, qnn
from stai.dialects.nn import dense_to_numpy
from stai.dialects.qnn_params import ConvS8Params
from stai.errors import StaiError
from stai.lowering.convert_buf_to_c.mk_kernels import CALLS, headers_for
from stai.lowering.select_kernels import SelectKernelsPass
from stai.runtime import mk_conv_layouts, mk_layouts

KWS = "mlperf_tiny/kws/kws_ref_model_int8.tflite"


def _parse(text: str) -> ModuleOp:
    module = Parser(make_context(), text).parse_module()
    module.verify()
    return module


def _kernels(module: ModuleOp) -> list[qnn.KernelOp]:
    return [op for op in module.walk() if isinstance(op, qnn.KernelOp)]


def _values(op: qnn.KernelOp, index: int) -> np.ndarray:
    owner = op.ins[index].owner
    assert isinstance(owner, arith.ConstantOp)
    assert isinstance(owner.value, DenseIntOrFPElementsAttr)
    return dense_to_numpy(owner.value)


def _qnn(path: Path, kernels: str, stop_after: str = "select-kernels") -> ModuleOp:
    stop = stop_after if kernels == "stai" else "convert-nn-to-qnn"
    return compile_model(path, CompileOptions(kernels=kernels), stop_after=stop).module


# ------------------------------------------------------------------ a real model


def test_kws_layers_get_stai_kernels(models_dir: Path) -> None:
    """KWS: its first 10x4 convolution, 4 pointwise and 4 depthwise 3x3 layers, its
    pooling and its fully connected layer take stai's kernels; the softmax keeps
    CMSIS-NN. Each mk op has the MACC, output and clamp of the op it replaces, and its
    constants are the kernel layouts' packing of the original ones."""
    path = models_dir / KWS
    before = _kernels(_qnn(path, "cmsis-nn"))
    after = _kernels(_qnn(path, "stai"))
    assert len(before) == len(after)
    kinds = [op.name for op in after]
    assert kinds.count("mk.conv1x1_s8") == 5 and kinds.count("mk.dwconv3x3_s8") == 4
    assert kinds.count("mk.conv_s8") == 1 and kinds.count("mk.avgpool_s8") == 1
    assert [op.name for op in after if not isinstance(op, mk.MicroKernelOp)] == [
        "qnn.reshape",
        "qnn.softmax",
    ]
    for old, new in zip(before, after):
        assert new.macc() == old.macc()
        assert new.output_type == old.output_type and new.act == old.act
        assert new.attributes.get("nn.m_id") == old.attributes.get("nn.m_id")
        if not isinstance(new, mk.WeightedKernelOp):
            assert len(new.ins) == len(old.ins)
            continue
        offset = old.int_param("input_offset")
        weights, bias = _values(old, 1), _values(old, 2)
        if isinstance(new, mk.DwConv3x3S8Op):
            packed, folded = mk_layouts.pack_dwconv3x3_s8(weights, bias, offset)
        elif isinstance(new, mk.ConvS8Op):
            packed, folded = mk_conv_layouts.pack_conv_s8(weights, bias, offset)
            assert new.ints("kernel") == (10, 4)
        else:
            packed, folded = mk_layouts.pack_pointwise_s8(weights, bias, offset)
        np.testing.assert_array_equal(_values(new, 1), packed)
        np.testing.assert_array_equal(_values(new, 2), folded)
        assert new.int_param("output_offset") == old.int_param("output_offset")
        assert len(new.params_as(ConvS8Params).multipliers) == new.out_channels


def test_kws_scratch_buffers_are_the_kernels_own(models_dir: Path) -> None:
    """After bufferization every weighted mk op has a scratch view of the bytes the
    kernel layouts give; the pooling kernel and the one-pixel 1x1 (the fully connected
    layer) need none."""
    module = _qnn(models_dir / KWS, "stai", stop_after="plan-memory")
    ops = [op for op in _kernels(module) if isinstance(op, mk.MicroKernelOp)]
    assert len(ops) == 11
    for op in ops:
        if isinstance(op, mk.AvgPoolS8Op) or (isinstance(op, mk.Conv1x1S8Op) and op.pixels == 1):
            assert op.scratch is None and op.scratch_bytes("dsp") == 0
            continue
        assert op.scratch is not None
        t = op.scratch.type
        assert isinstance(t, MemRefType)
        got = int(np.prod(t.get_shape()))
        if isinstance(op, mk.Conv1x1S8Op):
            want = mk_layouts.scratch_bytes_conv1x1(op.pixels, op.in_channels)
        elif isinstance(op, mk.ConvS8Op):
            want = mk_conv_layouts.scratch_bytes_conv(op.filter_shape(), op.output_shape())
        else:
            _, out_h, out_w, _ = op.output_shape()
            want = mk_layouts.scratch_bytes_dwconv3x3(out_h, out_w, 1)
        assert got == want > 0


def test_kws_c_calls_the_kernels_with_literals(models_dir: Path) -> None:
    """The generated run() calls each mk kernel with its sizes, offsets and clamp bounds
    as literals, and the per-channel tables, the packed weights and the buffers as
    pointers; layer_kernels reads the same calls back."""
    from stai.emitc.printer import print_module

    compiled = compile_model(models_dir / KWS, CompileOptions(kernels="stai", name="kws"))
    called = layer_kernels(compiled.module)
    assert called.count("stai_mk_conv1x1_s8") == 5 and called.count("stai_mk_dwconv3x3_s8") == 4
    assert called[0] == "stai_mk_conv_s8" and called[-1] == "arm_softmax_s8"
    assert headers_for(set(called)) == ["stai_mk_conv_s8.h", "stai_mk_eltwise_s8.h", "stai_mk_s8.h"]
    text = print_module(compiled.module)["kws.c"]
    calls = re.findall(r"(stai_mk_\w+)\(([^;]*?)\) != ARM_CMSIS_NN_SUCCESS", text, re.S)
    assert len(calls) == 11
    by_name = {call.function: call for call in CALLS}
    for function, args in calls:
        values = [a.strip() for a in args.split(",")]
        call = by_name[function]
        assert len(values) == len(call.arguments)
        named = dict(zip(call.arguments, values))
        for name in call.arguments:
            literal = re.fullmatch(r"-?\d+", named[name]) is not None
            assert literal == (name not in call.pointers), (function, name, named[name])
        if function == "stai_mk_conv1x1_s8" and named["pixels"] == "125":
            assert (named["in_ch"], named["out_ch"]) == ("64", "64")
        if function == "stai_mk_dwconv3x3_s8":
            assert [named[n] for n in ("in_h", "in_w", "ch", "stride", "pad_top")] == [
                "25",
                "5",
                "64",
                "1",
                "1",
            ]
        if function == "stai_mk_conv_s8":
            window = [named[n] for n in ("kernel_h", "kernel_w", "stride_h", "pad_top")]
            assert window == ["10", "4", "2", "4"]
        if "fast_requant" in named:
            assert named["fast_requant"] in ("0", "1", "2")


def test_cmsis_nn_compiles_as_before(models_dir: Path) -> None:
    """``cmsis-nn`` runs no select-kernels: a CMSIS-NN call per layer, as before it
    existed; ``stai`` runs it right before bufferization."""
    from stai.emitc.printer import print_module

    assert DEFAULT_KERNELS in ("stai", "cmsis-nn")
    path = models_dir / KWS
    text = print_module(compile_model(path, CompileOptions(kernels="cmsis-nn")).module)
    assert "stai_mk_" not in text["network.c"] and "arm_convolve_wrapper_s8" in text["network.c"]
    names = [p.name for p in pipeline_passes(CompileOptions(kernels="cmsis-nn"))]
    assert "select-kernels" not in names
    names = [p.name for p in pipeline_passes(CompileOptions(kernels="stai"))]
    assert names.index("select-kernels") == names.index("convert-qnn-to-buf") - 1


def test_helium_takes_only_helium_kernels(models_dir: Path) -> None:
    """On cortex-m55 (isa mve) the first convolution, the depthwise 3x3 layers, the 1x1
    convolutions and the fully connected layer take stai's Helium kernels; the pooling
    and the softmax, which have none, keep CMSIS-NN's Helium kernels."""
    compiled = compile_model(models_dir / KWS, CompileOptions(kernels="stai", target="cortex-m55"))
    kernels = layer_kernels(compiled.module)
    pair = ["stai_mk_dwconv3x3_mve_s8", "stai_mk_conv1x1_mve_s8"]
    assert kernels[:9] == ["stai_mk_conv_mve_s8"] + pair * 4
    assert kernels[9:] == ["arm_avgpool_s8", "stai_mk_conv1x1_mve_s8", "arm_softmax_s8"]


# ---------------------------------------------------------------- the mk ops' checks

_CONV = """
func.func @f(%x: tensor<1x2x2x3xi8>) -> tensor<1x2x2x3xi8> {{
  %w = arith.constant dense<1> : tensor<{packed}xi8>
  %b = arith.constant dense<0> : tensor<{bias}xi32>
  %y = mk.conv1x1_s8 ins(%x, %w, %b : tensor<1x2x2x3xi8>, tensor<{packed}xi8>, tensor<{bias}xi32>) {{act = array<i32: -128, 127>, fast_requant = {fast} : i64, params = #qnn.conv_s8<input_offset = 0, output_offset = 0, multipliers = array<i32: {mults}>, shifts = array<i32: {shifts}>>}} -> tensor<1x2x2x{out}xi8>
  func.return %y : tensor<1x2x2x3xi8>
}}"""
_GOOD = {
    "packed": 16,
    "bias": 4,
    "fast": 1,
    "mults": "1, 1, 1",
    "shifts": "0, 0, 0",
    "out": 3,
}


def test_a_valid_conv1x1_op_parses() -> None:
    (op,) = _kernels(_parse(_CONV.format(**_GOOD)))
    assert isinstance(op, mk.Conv1x1S8Op)
    assert (op.pixels, op.in_channels, op.out_channels, op.fast) == (4, 3, 3, 1)
    assert op.packed_sizes() == (16, 4) and op.macc() == 4 * 3 * 3
    assert op.scratch_bytes("dsp") == mk_layouts.scratch_bytes_conv1x1(4, 3)


@pytest.mark.parametrize(
    "change, message",
    [
        ({"packed": 9}, "expected 16 bytes of packed weights"),
        ({"bias": 3}, "expected 4 effective bias values"),
        ({"fast": 3}, "'fast_requant' must be 0, 1 or 2"),
        ({"mults": "1, 1", "shifts": "0, 0"}, "one multiplier and shift per output channel"),
    ],
)
def test_the_conv1x1_verifier_checks_the_layout(change: dict, message: str) -> None:
    with pytest.raises(VerifyException, match=message):
        _parse(_CONV.format(**(_GOOD | change)))


_DW = """
func.func @f(%x: tensor<1x{h}x5x2xi8>) -> tensor<1x{oh}x3x2xi8> {{
  %w = arith.constant dense<1> : tensor<24xi8>
  %b = arith.constant dense<0> : tensor<2xi32>
  %y = mk.dwconv3x3_s8 ins(%x, %w, %b : tensor<1x{h}x5x2xi8>, tensor<24xi8>, tensor<2xi32>) {{act = array<i32: -128, 127>, strides = array<i64: {s}, {s}>, pads = array<i64: {pads}>, params = #qnn.conv_s8<input_offset = 0, output_offset = 0, multipliers = array<i32: 1, 1>, shifts = array<i32: 0, 0>>}} -> tensor<1x{oh}x3x2xi8>
  func.return %y : tensor<1x{oh}x3x2xi8>
}}"""


def test_the_dwconv3x3_verifier_checks_its_geometry() -> None:
    (op,) = _kernels(_parse(_DW.format(h=5, oh=3, s=2, pads="1, 1, 1, 1")))
    assert isinstance(op, mk.DwConv3x3S8Op) and op.macc() == 3 * 3 * 2 * 9
    assert op.scratch_bytes("host") == mk_layouts.scratch_bytes_dwconv3x3(3, 3, 2)
    with pytest.raises(VerifyException, match="stride 1 or 2 and pads of 0 or 1"):
        _parse(_DW.format(h=5, oh=3, s=2, pads="2, 0, 1, 1"))
    with pytest.raises(VerifyException, match="expected an output of 2x3 pixels"):
        _parse(_DW.format(h=5, oh=3, s=2, pads="0, 0, 1, 1"))


# --------------------------------------------------------------------- the option


def test_an_unknown_kernel_set_is_a_one_line_error(tmp_path: Path) -> None:
    from stai.cli.main import main

    with pytest.raises(StaiError, match="--kernels: expected stai or cmsis-nn, got 'fast'"):
        CompileOptions(kernels="fast")
    with pytest.raises(StaiError, match="select-kernels: kernels must be stai or cmsis-nn"):
        SelectKernelsPass(kernels="fast").apply(make_context(), ModuleOp([]))
    with pytest.raises(SystemExit) as exit_info:
        main(["generate", "-m", "x.tflite", "-o", str(tmp_path / "o"), "--kernels", "fast"])
    assert exit_info.value.code == 2


def test_analyze_names_each_layers_kernel(models_dir: Path) -> None:
    """``stai analyze`` gives each node's C kernel: stai's with ``--kernels stai``,
    CMSIS-NN's by default; the MACC total does not depend on the kernels."""
    from stai.tools.analyze import analyze, report_text, to_json

    path = models_dir / KWS
    ours = analyze(path, options=CompileOptions(kernels="stai"))
    theirs = analyze(path, options=CompileOptions(kernels="cmsis-nn"))
    kernels = [layer["kernel"] for layer in to_json(ours)["layers"]]
    assert sum(k.startswith("stai_mk_") for k in kernels) == 11
    assert [layer["kernel"] for layer in to_json(theirs)["layers"]][:3] == [
        "arm_convolve_wrapper_s8",
        "arm_depthwise_conv_wrapper_s8",
        "arm_convolve_wrapper_s8",
    ]
    assert ours.totals.macc == theirs.totals.macc
    assert to_json(ours)["layers"][1]["geometry"]["kernel"] == [3, 3]
    text = report_text(ours, width=200)
    assert "stai_mk_dwconv3x3_s8" in text and "kernel" in text


def test_a_layer_whose_folded_bias_leaves_int32_keeps_its_kernel() -> None:
    """bias + input_offset * sum(w) past int32 cannot be folded: the layer stays qnn."""
    from xdsl.rewriter import Rewriter

    from stai.lowering.select_kernels import select_kernel

    module = _parse("""
func.func @f(%x: tensor<1x1x1x4xi8>) -> tensor<1x1x1x2xi8> {
  %w = arith.constant dense<127> : tensor<2x1x1x4xi8>
  %b = arith.constant dense<[2147483000, 0]> : tensor<2xi32>
  %y = qnn.conv2d ins(%x, %w, %b : tensor<1x1x1x4xi8>, tensor<2x1x1x4xi8>, tensor<2xi32>) {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, act = array<i32: -128, 127>, params = #qnn.conv_s8<input_offset = 128, output_offset = 0, multipliers = array<i32: 1073741824, 1073741824>, shifts = array<i32: 0, 0>>} -> tensor<1x1x1x2xi8>
  func.return %y : tensor<1x1x1x2xi8>
}""")
    (op,) = _kernels(module)
    assert not select_kernel(op, Rewriter())
    assert [k.name for k in _kernels(module)] == ["qnn.conv2d"]


def test_overlap_facts_follow_the_kernels_order(models_dir: Path) -> None:
    """The general convolution, the 1x1 convolution (blocks of three pixels) and the
    pooling kernels compute in pixel order on every core, so plan-memory may overlap their
    output with their input; the depthwise kernel runs channel planes: its output may start
    at any whole pixel of its input."""
    from stai.lowering.scratch_sizes import ISAS

    module = _qnn(models_dir / KWS, "stai", stop_after="plan-memory")
    by_kind = {type(op): op for op in _kernels(module)}
    assert by_kind[mk.ConvS8Op].overlap_isas() == ISAS
    assert by_kind[mk.AvgPoolS8Op].overlap_isas() == ISAS
    assert by_kind[mk.DwConv3x3S8Op].overlap_isas() == ()
    assert by_kind[mk.Conv1x1S8Op].overlap_isas() == ISAS
    conv = by_kind[mk.ConvS8Op]
    assert conv.overlap_gap(conv.ins[0], "dsp") is not None
    pointwise = by_kind[mk.Conv1x1S8Op]
    assert isinstance(pointwise, mk.Conv1x1S8Op)
    # one output pixel below its input (as many channels in as out, or one pixel only)
    assert pointwise.overlap_gap(pointwise.ins[0], "dsp") == -pointwise.out_channels
    depthwise = by_kind[mk.DwConv3x3S8Op]
    assert depthwise.may_write_over(depthwise.ins[0])  # 25x5x64 -> 25x5x64
    assert not depthwise.may_write_over(depthwise.ins[1])
