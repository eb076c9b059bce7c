"""TFLite translations of L2_NORMALIZATION and L2_POOL_2D (``dialects/nn_norm.py``).

L2_NORMALIZATION normalizes along the last axis (rank 1 to 4), float32 or int8, without a
fused activation (TensorFlow Lite Micro refuses one). Its int8 kernel writes values in
1/128 units whatever the output tensor's quantization says, as TensorFlow Lite Micro's
(the converter writes 1/128 and zero point 0). L2_POOL_2D is float32 only, as in
TensorFlow Lite Micro, with the pools' geometry and a fused activation.
"""

from __future__ import annotations

from xdsl.ir import Attribute

from stai.dialects import nn
from stai.dialects.nn_norm import L2NormalizationOp, L2Pool2DOp

from .reader import TflOperator
from .translator import SAME, Translator, tflite_padding

__all__ = ["L2NormalizationOp", "L2Pool2DOp", "NormTranslator"]


class NormTranslator(Translator):
    """Translators of L2_NORMALIZATION and L2_POOL_2D."""

    def _l2_normalization(self, op: TflOperator) -> None:
        self._check_outputs(op)
        x, out = self._input_index(op, 0, "input"), op.outputs[0]
        types = {self.tensors[t].type_name for t in (x, out)}
        if types not in ({"FLOAT32"}, {"INT8"}):
            raise self._error(op, f"{'/'.join(sorted(types))} is not supported (float32, int8)")
        if self._activation(op).data != "none":
            raise self._error(op, "a fused activation is not supported (as TFLite Micro)")
        shape = self._shape(x)
        if not 1 <= len(shape) <= 4 or tuple(self._shape(out)) != tuple(shape):
            raise self._error(op, f"input {list(shape)}: rank 1 to 4, the output's shape")
        self._emit(op, L2NormalizationOp, [self._operand(op, 0)])

    def _l2_pool(self, op: TflOperator) -> None:
        self._check_outputs(op)
        x, out = self._input_index(op, 0, "input"), op.outputs[0]
        if not (self._is_float(x) and self._is_float(out)):
            raise self._error(op, "only float32 is supported (as TFLite Micro)")
        x_shape, y_shape = self._shape(x), self._shape(out)
        if len(x_shape) != 4 or len(y_shape) != 4:
            raise self._error(op, "input and output must have rank 4")
        opts = op.options
        kernel = [int(opts.get("FilterHeight", 1)), int(opts.get("FilterWidth", 1))]
        strides = [int(opts.get("StrideH", 1)), int(opts.get("StrideW", 1))]
        padding = int(opts.get("Padding", SAME))
        where = f"{self.model.name}: {op.opcode} (operator {op.index})"
        oh, top, bottom = tflite_padding(padding, x_shape[1], kernel[0], strides[0], 1, where)
        ow, left, right = tflite_padding(padding, x_shape[2], kernel[1], strides[1], 1, where)
        if [x_shape[0], oh, ow, x_shape[3]] != list(y_shape):
            raise self._error(
                op, f"the output shape {list(y_shape)} is not {[x_shape[0], oh, ow, x_shape[3]]}"
            )
        props: dict[str, Attribute] = {
            "kernel": nn.i64_array(kernel),
            "strides": nn.i64_array(strides),
            "pads": nn.i64_array([top, bottom, left, right]),
            "activation": self._activation(op),
        }
        self._emit(op, L2Pool2DOp, [self._operand(op, 0)], props)
