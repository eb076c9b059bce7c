"""Translation of a read TFLite model (`reader.TflModel`) into the ``nn`` dialect.

The result is a ``builtin.module`` with one ``func.func @main``: the model's inputs are
its arguments, its outputs the operands of ``func.return``, both in model order and
named with ``{nn.name = "..."}``. Every ``nn`` op carries ``nn.m_id`` (the index of the
TFLite operator it comes from) and, for an operator's result, ``nn.name`` (the output
tensor's name). Constants are created where first used; constants read only as shape
operands (reshape shapes, pad amounts, mean axes) are not emitted.

Hybrid models (symmetric int8 constant weights feeding float operators, as the converter's
dynamic-range quantization writes them): LiteRT runs CONV_2D, FULLY_CONNECTED and
DEPTHWISE_CONV_2D with hybrid kernels that quantize the float input at run time, so these
keep their int8 weights (an ``nn`` op with an f32 input and an ``!nn.q<i8, ...>`` filter)
and are lowered to stai's hybrid kernels, which repeat LiteRT's arithmetic:

* CONV_2D: per batch, symmetric input quantization with one filter scale, asymmetric
  with per-channel scales;
* FULLY_CONNECTED: per row, symmetric or asymmetric as its ``asymmetric_quantize_inputs``
  option says (``nn.fully_connected`` gets the ``asymmetric_inputs`` property), one filter
  scale or one per output; ``keep_num_dims`` keeps the input's leading axes as for float;
* DEPTHWISE_CONV_2D: per batch, asymmetric, with per-channel scales (one per output
  channel, which the converter writes). A per-tensor (single-scale) int8 depthwise filter
  is dequantized at compile time instead: LiteRT's reference kernel reads one scale per
  channel, past the end of a single-scale array, so it has no defined result to match.

Weights behind DEQUANTIZE (int8 or float16) are folded into f32 constants, as LiteRT
dequantizes them before a float kernel. Other float operators with int8 constant inputs
get them dequantized at compile time.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

import numpy as np
from xdsl.dialects import func
from xdsl.dialects.builtin import (
    FloatAttr,
    IntegerAttr,
    ModuleOp,
    TensorType,
    UnitAttr,
    f32,
    i64,
)
from xdsl.ir import Attribute, Region, SSAValue
from xdsl.irdl import IRDLOperation
from xdsl.utils.exceptions import VerifyException

from stai.dialects import nn
from stai.dialects import nn_logical as nl
from stai.dialects.nn_recurrent import SequenceLstmOp
from stai.dialects.nn_state import AssignVariableOp, ReadVariableOp, SvdfOp
from stai.dialects.nn_traits import quant_rule
from stai.errors import StaiError

from ..checks import check_accumulators
from .constants import FILL_TYPES, SHAPE_TYPES, ZEROS_LIKE_TYPES, ConstantsTranslator
from .cumsum import CumsumOp, CumsumTranslator
from .detection_postprocess import CUSTOM_NAME, DetectionPostprocessOp, DetectionTranslator
from .elementwise import ElementwiseTranslator
from .logical import CAST_TYPES, COMPARE_TYPES, SELECT_TYPES, LogicalTranslator
from .matmul import BatchMatmulOp, MatmulTranslator
from .norm import L2NormalizationOp, L2Pool2DOp, NormTranslator
from .reader import TflModel, TflOperator
from .state import StateTranslator
from .translator import SAME, dequantized, tflite_padding
from .transpose_conv import TransposeConvTranslator


def import_model(model: TflModel) -> ModuleOp:
    """Translate a read TFLite model into an ``nn`` module; raise `StaiError` on what it can't."""
    module = _Importer(model).run()
    try:
        module.verify()
    except VerifyException as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else "verification failed"
        raise StaiError(f"{model.name}: the imported model does not verify: {first}") from exc
    check_accumulators(module, model.name)
    return module


# ----------------------------------------------------------------- operator table


@dataclass(frozen=True)
class Translation:
    """How one TFLite builtin becomes ``nn``: the translating method and the op it makes."""

    method: str
    """The name of the importer's method that translates the operator."""
    op: type[IRDLOperation]
    """The ``nn`` op it makes (its main one); its ``QuantRule`` says whether int8 runs."""
    generic: bool = False
    """The method serves several builtins and takes ``op`` as its argument."""
    types: tuple[str, ...] | None = None
    """The element types, where the op's facts do not give them (conversions)."""
    int16: bool = False
    """16x8 models (int16 activations, int8 weights, int64 biases) compile too: the op's
    ``convert-nn-to-qnn`` pattern lowers int16 tensors (``kind_of(..., int16=True)``)."""

    def element_types(self) -> tuple[str, ...]:
        """The element types of the operator's tensors that stai compiles."""
        if self.types is not None:
            return self.types
        types = ("float32", "int8") if quant_rule(self.op).int8 else ("float32",)
        return (*types, "int16") if self.int16 else types


_CONVERSION = ("float32", "int8", "int16")
"""QUANTIZE and DEQUANTIZE: between float32 and int8 or int16 (QUANTIZE also between int8
and int16 in both directions, and int8 to int8, int16 to int16)."""

_QUANTIZE = (*_CONVERSION, "int32", "uint8")
"""QUANTIZE also to and from int32 (int8 and int16 -> int32, int32 -> int8 and int16), and
int8 <-> uint8 (a converted model's uint8 inputs and outputs)."""

_DEQUANTIZE = (*_CONVERSION, "uint8")
"""DEQUANTIZE also from uint8 to float32."""

_VARIABLE = ("float32", "int8", "int16")
"""Resource variables: their bytes are copied whatever their type."""

OPERATORS: dict[str, Translation] = {
    "CONV_2D": Translation("_conv2d", nn.Conv2DOp, int16=True),
    "DEPTHWISE_CONV_2D": Translation("_depthwise_conv2d", nn.DepthwiseConv2DOp, int16=True),
    "FULLY_CONNECTED": Translation("_fully_connected", nn.FullyConnectedOp, int16=True),
    "AVERAGE_POOL_2D": Translation("_pool", nn.AvgPool2DOp, generic=True, int16=True),
    "MAX_POOL_2D": Translation("_pool", nn.MaxPool2DOp, generic=True, int16=True),
    "ADD": Translation("_binary", nn.AddOp, generic=True, int16=True),
    "SUB": Translation("_binary", nn.SubOp, generic=True, int16=True),
    "MUL": Translation("_binary", nn.MulOp, generic=True, int16=True),
    "DIV": Translation("_div", nn.DivOp),
    "CONCATENATION": Translation("_concat", nn.ConcatOp, int16=True),
    "PAD": Translation("_pad", nn.PadOp, int16=True),
    "PADV2": Translation("_pad", nn.PadOp, int16=True),
    "RESHAPE": Translation("_reshape", nn.ReshapeOp, int16=True),
    "SQUEEZE": Translation("_reshape", nn.ReshapeOp, int16=True),
    "EXPAND_DIMS": Translation("_reshape", nn.ReshapeOp, int16=True),
    "SOFTMAX": Translation("_softmax", nn.SoftmaxOp, int16=True),
    "QUANTIZE": Translation("_unary", nn.QuantizeOp, generic=True, types=_QUANTIZE),
    "DEQUANTIZE": Translation("_dequantize_op", nn.DequantizeOp, types=_DEQUANTIZE),
    "RELU": Translation("_unary", nn.ReluOp, generic=True, int16=True),
    "RELU6": Translation("_unary", nn.Relu6Op, generic=True, int16=True),
    "RELU_N1_TO_1": Translation("_unary", nn.ReluN1To1Op, generic=True),
    "LOGISTIC": Translation("_unary", nn.LogisticOp, generic=True, int16=True),
    "TANH": Translation("_unary", nn.TanhOp, generic=True, int16=True),
    "HARD_SWISH": Translation("_unary", nn.HardSwishOp, generic=True),
    "LEAKY_RELU": Translation("_leaky_relu", nn.LeakyReluOp, int16=True),
    "PRELU": Translation("_prelu", nn.PReluOp),
    "MEAN": Translation("_mean", nn.MeanOp, int16=True),
    "TRANSPOSE": Translation("_transpose", nn.TransposeOp, int16=True),
    "TRANSPOSE_CONV": Translation(
        "_transpose_conv", nn.TransposeConv2DOp, types=("float32", "int8", "int16")
    ),
    "SLICE": Translation("_slice", nn.StridedSliceOp, int16=True),
    "STRIDED_SLICE": Translation("_strided_slice", nn.StridedSliceOp, int16=True),
    "SPLIT": Translation("_split", nn.StridedSliceOp, int16=True),
    "SPLIT_V": Translation("_split_v", nn.StridedSliceOp, int16=True),
    "UNPACK": Translation("_unpack", nn.StridedSliceOp, int16=True),
    "PACK": Translation("_pack", nn.ConcatOp, int16=True),
    "DEPTH_TO_SPACE": Translation("_depth_to_space", nn.TransposeOp),
    "SPACE_TO_BATCH_ND": Translation("_space_to_batch", nn.TransposeOp),
    "BATCH_TO_SPACE_ND": Translation("_batch_to_space", nn.TransposeOp),
    "SPACE_TO_DEPTH": Translation("_space_to_depth", nn.TransposeOp),
    "ABS": Translation("_unary", nn.AbsOp, generic=True, types=("float32", "int8", "int16")),
    "NEG": Translation("_unary", nn.NegOp, generic=True),
    "EXP": Translation("_unary", nn.ExpOp, generic=True),
    "LOG": Translation("_unary", nn.LogOp, generic=True),
    "SQRT": Translation("_unary", nn.SqrtOp, generic=True),
    "RSQRT": Translation("_unary", nn.RsqrtOp, generic=True),
    "SQUARE": Translation("_unary", nn.SquareOp, generic=True),
    "FLOOR": Translation("_unary", nn.FloorOp, generic=True),
    "CEIL": Translation("_unary", nn.CeilOp, generic=True),
    "MAXIMUM": Translation("_binary", nn.MaximumOp, generic=True, int16=True),
    "MINIMUM": Translation("_binary", nn.MinimumOp, generic=True, int16=True),
    "RESIZE_NEAREST_NEIGHBOR": Translation("_resize", nn.ResizeOp, int16=True),
    "RESIZE_BILINEAR": Translation("_resize", nn.ResizeOp),
    "GELU": Translation("_gelu", nn.GeluOp),
    "GATHER": Translation("_gather", nn.GatherOp),
    "EMBEDDING_LOOKUP": Translation("_embedding_lookup", nn.GatherOp),
    "REDUCE_MAX": Translation("_reduce", nn.ReduceMaxOp, generic=True),
    "REDUCE_MIN": Translation("_reduce", nn.ReduceMinOp, generic=True),
    "SUM": Translation("_reduce", nn.ReduceSumOp, generic=True),
    "ARG_MAX": Translation("_arg", nn.ArgMaxOp, generic=True, types=("float32", "int8")),
    "ARG_MIN": Translation("_arg", nn.ArgMinOp, generic=True, types=("float32", "int8")),
    "SIN": Translation("_unary", nn.SinOp, generic=True),
    "COS": Translation("_unary", nn.CosOp, generic=True),
    "ROUND": Translation("_unary", nn.RoundOp, generic=True),
    "ELU": Translation("_unary", nn.EluOp, generic=True),
    "LOG_SOFTMAX": Translation("_log_softmax", nn.LogSoftmaxOp),
    "SQUARED_DIFFERENCE": Translation(
        "_squared_difference", nn.SubOp, types=("float32", "int8", "int16", "int32")
    ),
    "FLOOR_DIV": Translation("_floor_div", nn.DivOp),
    "ADD_N": Translation("_add_n", nn.AddOp, types=("float32",)),
    "REVERSE_V2": Translation(
        "_reverse", nn.StridedSliceOp, types=("float32", "int8", "int16", "int32", "bool")
    ),
    "MIRROR_PAD": Translation("_mirror_pad", nn.ConcatOp),
    "BROADCAST_TO": Translation("_broadcast_to", nn.ConcatOp),
    "VAR_HANDLE": Translation("_var_handle", ReadVariableOp, types=_VARIABLE),
    "READ_VARIABLE": Translation("_read_variable", ReadVariableOp, types=_VARIABLE),
    "ASSIGN_VARIABLE": Translation("_assign_variable", AssignVariableOp, types=_VARIABLE),
    "CALL_ONCE": Translation("_call_once", ReadVariableOp, types=_VARIABLE),
    "SVDF": Translation("_svdf", SvdfOp, types=("float32", "int8")),
    "UNIDIRECTIONAL_SEQUENCE_LSTM": Translation(
        "_sequence_lstm", SequenceLstmOp, types=("float32", "int8", "int16")
    ),
    "EQUAL": Translation("_compare", nl.CompareOp, types=(*COMPARE_TYPES, "bool")),
    "NOT_EQUAL": Translation("_compare", nl.CompareOp, types=(*COMPARE_TYPES, "bool")),
    "LESS": Translation("_compare", nl.CompareOp, types=COMPARE_TYPES),
    "LESS_EQUAL": Translation("_compare", nl.CompareOp, types=COMPARE_TYPES),
    "GREATER": Translation("_compare", nl.CompareOp, types=COMPARE_TYPES),
    "GREATER_EQUAL": Translation("_compare", nl.CompareOp, types=COMPARE_TYPES),
    "LOGICAL_AND": Translation("_logical", nl.LogicalOp, types=("bool",)),
    "LOGICAL_OR": Translation("_logical", nl.LogicalOp, types=("bool",)),
    "LOGICAL_NOT": Translation("_logical_not", nl.LogicalNotOp, types=("bool",)),
    "SELECT": Translation("_select", nl.SelectOp, types=SELECT_TYPES),
    "SELECT_V2": Translation("_select", nl.SelectOp, types=("float32", "int8", "int16", "int32")),
    "CAST": Translation("_cast", nl.CastOp, types=CAST_TYPES),
    "FLOOR_MOD": Translation("_floor_mod", nl.FloorModOp, types=("float32",)),
    "BATCH_MATMUL": Translation("_batch_matmul", BatchMatmulOp, int16=True),
    "SHAPE": Translation("_shape_op", nn.ConstantOp, types=SHAPE_TYPES),
    "ZEROS_LIKE": Translation("_zeros_like", nn.ConstantOp, types=ZEROS_LIKE_TYPES),
    "FILL": Translation("_fill", nn.ConstantOp, types=FILL_TYPES),
    "L2_NORMALIZATION": Translation("_l2_normalization", L2NormalizationOp),
    "L2_POOL_2D": Translation("_l2_pool", L2Pool2DOp),
    "CUMSUM": Translation("_cumsum", CumsumOp),
    "GATHER_ND": Translation("_gather_nd", nn.GatherOp),
    CUSTOM_NAME: Translation("_detection_postprocess", DetectionPostprocessOp),
}
"""Every TFLite builtin the importer translates (the dispatch table of ``_Importer``)."""

SUPPORTED_OPERATORS: dict[str, tuple[str, ...]] = {
    name: translation.element_types() for name, translation in sorted(OPERATORS.items())
}
"""Builtin name -> the element types stai compiles it for (``"float32"``, ``"int8"``,
``"int16"``: 16x8), derived from ``OPERATORS`` and each ``nn`` op's ``QuantRule``."""


# -------------------------------------------------------------------------- importer


class _Importer(
    DetectionTranslator,
    CumsumTranslator,
    NormTranslator,
    ConstantsTranslator,
    MatmulTranslator,
    LogicalTranslator,
    StateTranslator,
    TransposeConvTranslator,
    ElementwiseTranslator,
):
    """Walks the operators of one model in order and appends nn ops to ``@main``."""

    def __init__(self, model: TflModel):
        super().__init__(model)
        self.handlers: dict[str, Callable[[TflOperator], None]] = {
            name: self._handler(translation) for name, translation in OPERATORS.items()
        }

    def _handler(self, translation: Translation) -> Callable[[TflOperator], None]:
        method = getattr(self, translation.method)
        return partial(method, op_class=translation.op) if translation.generic else method

    # ------------------------------------------------------------------ driver

    def run(self) -> ModuleOp:
        for op in self.model.operators:
            if op.opcode not in self.handlers:
                raise StaiError(
                    f"{self.model.name}: unsupported TFLite operator '{op.opcode}' "
                    f"(operator {op.index}); `stai supported-ops` lists what stai compiles"
                )
        input_types = []
        for t in self.model.inputs:
            tensor = self.tensors[t]
            if tensor.is_constant:
                raise StaiError(f"{self.model.name}: model input '{tensor.name}' is a constant")
            input_types.append(self._tensor_type(t))
        for t, arg_type in zip(self.model.inputs, input_types):
            arg = self.block.insert_arg(arg_type, len(self.block.args))
            self._name_hint(arg, self.tensors[t].name)
            self.values[t] = arg
        for op in self.model.operators:
            self.handlers[op.opcode](op)
        results = [self._graph_output(t) for t in self.model.outputs]
        self.block.add_op(func.ReturnOp(*results))
        main = func.FuncOp(
            "main",
            (input_types, [r.type for r in results]),
            Region(self.block),
            arg_attrs=self._name_attrs(self.model.inputs),
            res_attrs=self._name_attrs(self.model.outputs),
        )
        return ModuleOp([main])

    def _conv_common(
        self, op: TflOperator, kh: int, kw: int, dilated: bool = True
    ) -> tuple[list[int], list[int], list[int]]:
        """Strides, dilations and explicit pads [top, bottom, left, right] of a conv/pool."""
        opts = op.options
        x_shape = self._shape(self._input_index(op, 0, "input"))
        y_shape = self._shape(op.outputs[0])
        if len(x_shape) != 4 or len(y_shape) != 4:
            raise self._error(op, "input and output must have rank 4")
        sh, sw = int(opts.get("StrideH", 1)), int(opts.get("StrideW", 1))
        dh, dw = 1, 1
        if dilated:
            dh, dw = int(opts.get("DilationHFactor", 1)), int(opts.get("DilationWFactor", 1))
        padding = int(opts.get("Padding", SAME))
        where = f"{self.model.name}: {op.opcode} (operator {op.index})"
        oh, top, bottom = tflite_padding(padding, x_shape[1], kh, sh, dh, where)
        ow, left, right = tflite_padding(padding, x_shape[2], kw, sw, dw, where)
        if (oh, ow) != tuple(y_shape[1:3]):
            raise self._error(
                op,
                f"output size {oh}x{ow} differs from the output tensor's {y_shape[1]}x{y_shape[2]}",
            )
        return [sh, sw], [dh, dw], [top, bottom, left, right]

    def _bias(self, op: TflOperator, x: int, w: int, channels: int) -> SSAValue:
        if len(op.inputs) > 2 and op.inputs[2] >= 0:
            return self._operand(op, 2, "bias")
        return self._zero_bias(op, x, w, channels)

    def _conv2d(self, op: TflOperator) -> None:
        self._check_outputs(op)
        x = self._input_index(op, 0, "input")
        w = self._input_index(op, 1, "filter")
        w_shape = self._shape(w)
        if len(w_shape) != 4:
            raise self._error(op, "the filter must have rank 4")
        strides, dilations, pads = self._conv_common(op, w_shape[1], w_shape[2])
        filt = self._constant(w, op, False) if self._is_hybrid(op, w) else self._operand(op, 1)
        operands = [self._operand(op, 0), filt, self._bias(op, x, w, w_shape[0])]
        props = {
            "strides": nn.i64_array(strides),
            "dilations": nn.i64_array(dilations),
            "pads": nn.i64_array(pads),
            "activation": self._activation(op),
        }
        self._emit(op, nn.Conv2DOp, operands, props)

    def _is_hybrid(self, op: TflOperator, w: int) -> bool:
        """A float operator whose weights are a symmetric int8 constant (not a DEQUANTIZE
        output): LiteRT runs it with its hybrid kernel, so the weights stay int8."""
        tensor = self.tensors[w]
        quant = tensor.quant
        return (
            self._is_float(op.outputs[0])
            and self._is_float(op.inputs[0])
            and tensor.is_constant
            and w not in self.folded
            and tensor.type_name == "INT8"
            and quant is not None
            and all(z == 0 for z in quant.zero_points)
        )

    def _per_channel_along(self, w: int, axis: int, channels: int) -> bool:
        """Whether constant ``w`` has one scale per channel along ``axis`` (a single
        channel: its one scale)."""
        quant = self.tensors[w].quant
        if quant is None or len(quant.scales) != channels:
            return False
        return channels == 1 or (quant.per_channel and quant.axis == axis)

    def _depthwise_conv2d(self, op: TflOperator) -> None:
        self._check_outputs(op)
        x = self._input_index(op, 0, "input")
        w = self._input_index(op, 1, "filter")
        w_shape, x_shape = self._shape(w), self._shape(x)
        if len(w_shape) != 4 or len(x_shape) != 4:
            raise self._error(op, "input and filter must have rank 4")
        strides, dilations, pads = self._conv_common(op, w_shape[1], w_shape[2])
        in_c, out_c = x_shape[3], w_shape[3]
        multiplier = int(op.options.get("DepthMultiplier", 0))
        if multiplier <= 0:
            if in_c == 0 or out_c % in_c:
                raise self._error(op, f"{out_c} filter channels for {in_c} input channels")
            multiplier = out_c // in_c
        if in_c * multiplier != out_c:
            raise self._error(
                op, f"depth multiplier {multiplier} does not match {in_c} -> {out_c} channels"
            )
        hybrid = self._is_hybrid(op, w) and self._per_channel_along(w, 3, out_c)
        filt = self._constant(w, op, False) if hybrid else self._operand(op, 1)
        operands = [self._operand(op, 0), filt, self._bias(op, x, w, out_c)]
        props = {
            "strides": nn.i64_array(strides),
            "dilations": nn.i64_array(dilations),
            "pads": nn.i64_array(pads),
            "activation": self._activation(op),
            "depth_multiplier": IntegerAttr(multiplier, i64),
        }
        self._emit(op, nn.DepthwiseConv2DOp, operands, props)

    def _fully_connected(self, op: TflOperator) -> None:
        self._check_outputs(op)
        if int(op.options.get("WeightsFormat", 0)) != 0:
            raise self._error(op, "shuffled weights are not supported")
        x = self._input_index(op, 0, "input")
        w = self._input_index(op, 1, "weights")
        w_shape, x_shape = self._shape(w), self._shape(x)
        if len(w_shape) != 2:
            raise self._error(op, "the weights must have rank 2")
        units, depth = w_shape
        if not x_shape or x_shape[-1] * int(np.prod(x_shape[:-1], dtype=np.int64)) % depth:
            raise self._error(
                op, f"input shape {list(x_shape)} does not fit weights {list(w_shape)}"
            )
        value = self._operand(op, 0)
        keep = bool(op.options.get("KeepNumDims", False))
        if len(x_shape) != 2 and not keep:
            count = int(np.prod(x_shape, dtype=np.int64))
            assert isinstance(value.type, TensorType)
            flat_type = TensorType(value.type.element_type, (count // depth, depth))
            value = self._emit(op, nn.ReshapeOp, [value], result_type=flat_type, name=False)
        elif x_shape[-1] != depth:
            raise self._error(op, f"input depth {x_shape[-1]} differs from the weights' {depth}")
        props: dict[str, Attribute] = {"activation": self._activation(op)}
        if self._is_hybrid(op, w):
            filt = self._constant(w, op, False)
            if bool(op.options.get("AsymmetricQuantizeInputs", False)):
                props["asymmetric_inputs"] = UnitAttr()
        else:
            filt = self._operand(op, 1, "weights")
        operands = [value, filt, self._bias(op, x, w, units)]
        self._emit(op, nn.FullyConnectedOp, operands, props)

    def _pool(self, op: TflOperator, op_class: type[IRDLOperation]) -> None:
        self._check_outputs(op)
        opts = op.options
        kernel = [int(opts.get("FilterHeight", 1)), int(opts.get("FilterWidth", 1))]
        strides, _, pads = self._conv_common(op, kernel[0], kernel[1], dilated=False)
        props = {
            "kernel": nn.i64_array(kernel),
            "strides": nn.i64_array(strides),
            "pads": nn.i64_array(pads),
            "activation": self._activation(op),
        }
        self._emit(op, op_class, [self._operand(op, 0)], props)

    def _binary(self, op: TflOperator, op_class: type[IRDLOperation]) -> None:
        self._check_outputs(op)
        lhs, rhs = self._operand(op, 0, "lhs"), self._operand(op, 1, "rhs")
        self._emit(op, op_class, [lhs, rhs], {"activation": self._activation(op)})

    def _div(self, op: TflOperator) -> None:
        self._check_outputs(op)
        if not self._is_float(op.outputs[0]):
            raise self._error(op, "only float32 division is supported")
        self._binary(op, nn.DivOp)

    def _softmax(self, op: TflOperator) -> None:
        self._check_outputs(op)
        beta = float(np.float32(op.options.get("Beta", 1.0)))
        self._emit(op, nn.SoftmaxOp, [self._operand(op, 0)], {"beta": FloatAttr(beta, f32)})

    def _leaky_relu(self, op: TflOperator) -> None:
        self._check_outputs(op)
        alpha = float(np.float32(op.options.get("Alpha", 0.0)))
        self._emit(op, nn.LeakyReluOp, [self._operand(op, 0)], {"alpha": FloatAttr(alpha, f32)})

    def _prelu(self, op: TflOperator) -> None:
        """PRELU: ``alpha`` (a constant in int8 models, with its own quantization)
        broadcasts to the input (e.g. [1, 1, C], [C] or the full shape)."""
        self._check_outputs(op)
        x, alpha = self._operand(op, 0), self._operand(op, 1, "alpha")
        x_shape, a_shape = self._shape(op.inputs[0]), self._shape(op.inputs[1])
        try:
            fits = np.broadcast_shapes(x_shape, a_shape) == tuple(x_shape)
        except ValueError:
            fits = False
        if not fits:
            raise self._error(
                op,
                f"alpha of shape {list(a_shape)} does not broadcast to the input's {list(x_shape)}",
            )
        self._emit(op, nn.PReluOp, [x, alpha])

    def _unary(self, op: TflOperator, op_class: type[IRDLOperation]) -> None:
        self._check_outputs(op)
        self._emit(op, op_class, [self._operand(op, 0)])

    def _dequantize_op(self, op: TflOperator) -> None:
        """DEQUANTIZE of a constant folds into an f32 constant; else nn.dequantize."""
        self._check_outputs(op)
        t = self._input_index(op, 0, "input")
        if self._is_constant(t) and t not in self.values:
            self.folded[op.outputs[0]] = self._folded_value(op, t)
            return
        self._unary(op, nn.DequantizeOp)

    def _folded_value(self, op: TflOperator, t: int) -> np.ndarray:
        tensor = self.tensors[t]
        array = self._array(t)
        if tensor.type_name in ("FLOAT16", "FLOAT32"):
            return array.astype(np.float32)
        quant = self._quant(t)
        if quant is None:
            raise self._error(op, f"constant '{tensor.name}' has no quantization parameters")
        return dequantized(array, quant)

    def _mean(self, op: TflOperator) -> None:
        self._check_outputs(op)
        rank = len(self._shape(self._input_index(op, 0, "input")))
        axes = self._int_list(op, 1, "axes")
        normalized = sorted({a + rank if a < 0 else a for a in axes})
        if any(not 0 <= a < rank for a in normalized):
            raise self._error(op, f"axes {axes} out of range for rank {rank}")
        props = {
            "axes": nn.i64_array(normalized),
            "keep_dims": IntegerAttr(1 if op.options.get("KeepDims", False) else 0, i64),
        }
        self._emit(op, nn.MeanOp, [self._operand(op, 0)], props)
