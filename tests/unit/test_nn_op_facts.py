"""Every ``nn`` op declares the facts the passes ask it for (``dialects/nn_traits.py``)."""

from __future__ import annotations

import numpy as np
import pytest
from xdsl.dialects.builtin import IntegerAttr, StringAttr, TensorType, f32, i64
from xdsl.dialects.func import ReturnOp
from xdsl.ir import Operation
from xdsl.irdl import IRDLOperation, irdl_op_definition, operand_def, result_def, traits_def

from stai.dialects import nn
from stai.dialects.nn_traits import (
    MANDATORY,
    ChannelBias,
    ConcatAxis,
    ConstantQuant,
    ElementwiseBinary,
    ElementwiseUnary,
    FoldsTranspose,
    FusesAs,
    FusibleProducer,
    IsTranspose,
    LayoutSensitive,
    LayoutTrait,
    PadAxes,
    QuantKind,
    QuantRule,
    RemapsAxes,
    SliceAxes,
    missing_facts,
    quant_rule,
)

OPS: list[type[IRDLOperation]] = [op for op in nn.NN.operations if issubclass(op, IRDLOperation)]
IDS = [op.name for op in OPS]


def _rule(op: type[Operation]) -> QuantRule:
    rule = op.get_trait(QuantRule)
    assert rule is not None, op.name
    return rule


def test_the_dialect_has_ops():
    assert len(OPS) == len(list(nn.NN.operations)) >= 31
    assert all(op.name.startswith("nn.") for op in OPS)


@pytest.mark.parametrize("op", OPS, ids=IDS)
def test_every_op_declares_each_mandatory_fact_once(op: type[IRDLOperation]):
    assert missing_facts(op) == []
    for fact in MANDATORY:
        assert len(op.get_traits_of_type(fact)) == 1, (op.name, fact.__name__)


@pytest.mark.parametrize("op", OPS, ids=IDS)
def test_layout_facts_are_concrete(op: type[IRDLOperation]):
    (layout,) = op.get_traits_of_type(LayoutTrait)
    assert type(layout) not in (LayoutTrait, RemapsAxes), op.name


@pytest.mark.parametrize("op", OPS, ids=IDS)
def test_optional_facts_are_consistent(op: type[IRDLOperation]):
    if op.has_trait(FusibleProducer) or op.has_trait(ChannelBias):
        assert "activation" in op.get_irdl_definition().properties, op.name
    fuses = op.get_traits_of_type(FusesAs)
    assert len(fuses) <= 1
    if fuses:
        assert fuses[0].activation in nn.ACTIVATIONS[1:]
        assert op.has_trait(ElementwiseUnary)
    rule = _rule(op)
    assert (rule.output is not None) == (rule.kind is QuantKind.FIXED_OUTPUT)


@irdl_op_definition
class _NoLayoutOp(IRDLOperation):
    name = "nn.test_no_layout"
    input = operand_def(TensorType)
    output = result_def(TensorType)
    traits = traits_def(QuantRule(QuantKind.FLOAT))


@irdl_op_definition
class _TwoRulesOp(IRDLOperation):
    name = "nn.test_two_rules"
    traits = traits_def(QuantRule(QuantKind.FLOAT), QuantRule(QuantKind.CONSTANT), IsTranspose())


def test_a_missing_or_doubled_fact_is_reported():
    assert missing_facts(_NoLayoutOp) == ["nn.test_no_layout: 0 LayoutTrait (one expected)"]
    assert missing_facts(_TwoRulesOp) == ["nn.test_two_rules: 2 QuantRule (one expected)"]


def test_quant_rule_of_an_op_without_one():
    assert quant_rule(ReturnOp()).kind is QuantKind.FLOAT
    with pytest.raises(ValueError, match="declares no QuantRule"):
        quant_rule(_no_rule_op())


def _no_rule_op() -> Operation:
    @irdl_op_definition
    class NoRuleOp(IRDLOperation):
        name = "nn.test_no_rule"

    return NoRuleOp()


def test_the_only_traits_are_known_ones():
    known = (*MANDATORY, FusibleProducer, FusesAs, ChannelBias)
    for op in OPS:
        for trait in op.traits:
            if type(trait).__module__.startswith("stai."):
                assert isinstance(trait, known), (op.name, trait)


# --------------------------------------------------------------- the right facts


def test_quantization_rules():
    assert _rule(nn.SoftmaxOp) == QuantRule(QuantKind.FIXED_OUTPUT, output=(1.0 / 256.0, -128))
    assert _rule(nn.LogisticOp).output == (1.0 / 256.0, -128)
    assert _rule(nn.TanhOp).output == (1.0 / 128.0, 0)
    assert _rule(nn.Conv2DOp).kind is QuantKind.WEIGHTED
    assert _rule(nn.Conv2DOp).weight_axis == 0
    assert _rule(nn.FullyConnectedOp).kind is QuantKind.WEIGHTED
    assert _rule(nn.DepthwiseConv2DOp).weight_axis == 3
    for op in (nn.Relu6Op, nn.ReshapeOp, nn.AvgPool2DOp, nn.MaxPool2DOp, nn.PadOp, nn.TransposeOp):
        assert _rule(op).kind is QuantKind.SAME_AS_INPUT, op.name
    for op in (nn.StridedSliceOp, nn.MaximumOp, nn.MinimumOp):
        assert _rule(op).kind is QuantKind.SAME_AS_INPUT, op.name
    for op in (nn.AddOp, nn.SubOp, nn.MulOp):
        assert _rule(op) == QuantRule(QuantKind.OWN_RANGE, constants=ConstantQuant.OWN_RANGE)
    assert _rule(nn.PReluOp).constants is ConstantQuant.SYMMETRIC
    assert _rule(nn.ConcatOp).inputs_take_output
    assert _rule(nn.ReluOp).kind is QuantKind.OWN_RANGE
    assert _rule(nn.SwishOp).kind is QuantKind.DECOMPOSED
    assert _rule(nn.ConstantOp).kind is QuantKind.CONSTANT
    for op in (nn.DivOp, nn.LstmOp, nn.TransposeConv2DOp, nn.QuantizeOp, nn.DequantizeOp,
               *nn.MATH_OPS):  # fmt: skip
        assert _rule(op).kind is QuantKind.FLOAT and not _rule(op).int8, op.name
    int8 = {op.name for op in OPS if _rule(op).int8}
    assert int8 == {
        "nn.conv2d", "nn.depthwise_conv2d", "nn.fully_connected", "nn.reshape",
        "nn.avg_pool2d", "nn.max_pool2d", "nn.pad", "nn.transpose", "nn.relu6",
        "nn.softmax", "nn.logistic", "nn.tanh", "nn.add", "nn.sub", "nn.mul", "nn.relu",
        "nn.relu_n1_to_1", "nn.clamp", "nn.hard_sigmoid", "nn.mean", "nn.concat",
        "nn.leaky_relu", "nn.hard_swish", "nn.prelu", "nn.strided_slice", "nn.maximum",
        "nn.minimum", "nn.resize", "nn.gather", "nn.reduce_max", "nn.reduce_min",
        "nn.reduce_sum", "nn.batch_matmul", "nn.take", "nn.l2_normalization", "nn.cumsum",
        "nn.gather_nd",
    }  # fmt: skip


def test_quant_rule_checks_its_fields():
    with pytest.raises(ValueError):
        QuantRule(QuantKind.FIXED_OUTPUT)
    with pytest.raises(ValueError):
        QuantRule(QuantKind.OWN_RANGE, output=(1.0, 0))


def test_layout_facts():
    unary = {op.name for op in OPS if op.has_trait(ElementwiseUnary)}
    assert unary == {
        "nn.relu", "nn.relu6", "nn.relu_n1_to_1", "nn.logistic", "nn.tanh", "nn.hard_swish",
        "nn.leaky_relu", "nn.clamp", "nn.quantize", "nn.dequantize", "nn.hard_sigmoid",
        "nn.swish", "nn.abs", "nn.neg", "nn.exp", "nn.log", "nn.sqrt", "nn.rsqrt", "nn.square",
        "nn.floor", "nn.ceil", "nn.erf", "nn.gelu", "nn.gelu_tanh", "nn.sin", "nn.cos",
        "nn.round", "nn.elu",
    }  # fmt: skip
    binary = {op.name for op in OPS if op.has_trait(ElementwiseBinary)}
    assert binary == {
        "nn.add", "nn.sub", "nn.mul", "nn.div", "nn.maximum", "nn.minimum",
        "nn.squared_difference",
    }  # fmt: skip
    assert nn.ConcatOp.has_trait(ConcatAxis) and nn.PadOp.has_trait(PadAxes)
    assert nn.StridedSliceOp.has_trait(SliceAxes)
    assert nn.ConstantOp.has_trait(FoldsTranspose) and nn.TransposeOp.has_trait(IsTranspose)
    for op in (nn.SoftmaxOp, nn.MeanOp, nn.ReshapeOp, nn.Conv2DOp, nn.PReluOp, nn.LstmOp,
               nn.ResizeOp, *nn.REDUCE_OPS, nn.LayerNormOp, nn.LogSoftmaxOp):  # fmt: skip
        assert op.has_trait(LayoutSensitive), op.name
    biased = {op.name for op in OPS if op.has_trait(ChannelBias)}
    assert biased == {"nn.conv2d", "nn.depthwise_conv2d", "nn.fully_connected",
                      "nn.transpose_conv2d"}  # fmt: skip


def test_axis_remapping():
    x = nn.ConstantOp(np.zeros((1, 2, 3, 4), np.float32), TensorType(f32, (1, 2, 3, 4)))
    concat = nn.ConcatOp.build(
        operands=[[x.output, x.output]],
        result_types=[TensorType(f32, (1, 2, 6, 4))],
        properties={"axis": IntegerAttr(2, i64), "activation": StringAttr("none")},
    )
    remap = concat.get_trait(ConcatAxis)
    assert remap is not None
    # the operands were transposed by (0, 3, 1, 2): result axis 2 is the input's axis 1
    assert remap.untransposed_properties(concat, (0, 3, 1, 2))["axis"] == IntegerAttr(1, i64)
    pad = nn.PadOp.build(
        operands=[x.output],
        result_types=[TensorType(f32, (1, 2, 4, 6))],
        properties={"pads": nn.i64_array([0, 0, 0, 0, 0, 1, 1, 1])},
    )
    pad_remap = pad.get_trait(PadAxes)
    assert pad_remap is not None
    new = pad_remap.untransposed_properties(pad, (0, 3, 1, 2))["pads"]
    assert new == nn.i64_array([0, 0, 0, 1, 1, 1, 0, 0])
    sliced = nn.StridedSliceOp.build(
        operands=[x.output],
        result_types=[TensorType(f32, (1, 1, 3, 2))],
        properties={"begin": nn.i64_array([0, 1, 0, 3]), "strides": nn.i64_array([1, 1, 1, -2])},
    )
    slice_remap = sliced.get_trait(SliceAxes)
    assert slice_remap is not None
    # the input was transposed by (0, 3, 1, 2): its axis 1 is the untransposed axis 3
    props = slice_remap.untransposed_properties(sliced, (0, 3, 1, 2))
    assert props["begin"] == nn.i64_array([0, 0, 3, 1])
    assert props["strides"] == nn.i64_array([1, 1, -2, 1])


def test_fusion_facts():
    producers = {op.name for op in OPS if op.has_trait(FusibleProducer)}
    assert producers == {
        "nn.conv2d", "nn.depthwise_conv2d", "nn.fully_connected", "nn.avg_pool2d",
        "nn.max_pool2d", "nn.add", "nn.sub", "nn.mul", "nn.concat",
    }  # fmt: skip
    fuses = {op.name: t.activation for op in OPS for t in op.get_traits_of_type(FusesAs)}
    assert fuses == {"nn.relu": "relu", "nn.relu6": "relu6", "nn.relu_n1_to_1": "relu_n1_to_1"}
