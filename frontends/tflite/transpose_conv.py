"""TFLite translation of TRANSPOSE_CONV: an ``nn.transpose_conv2d`` (float32, int8 with
per-channel weights, and 16x8 with an int64 bias), with TFLite Micro's padding.

The operator's inputs are the output shape (TFLite Micro takes the output tensor's shape
and never reads this input, which may be computed), the filter ``[out_c, kh, kw,
in_c]``, the input and an optional bias. TFLite Micro computes the padding as a
convolution's from the output back to the input (``ComputePaddingHeightWidth`` on the
output's size) and crops that many rows and columns at the top and left of the full
transposed output ``(in - 1) * stride + k``; the output's size fixes the crop at the
bottom and right."""

from __future__ import annotations

from xdsl.ir import Attribute

from stai.dialects import nn

from .reader import TflOperator
from .translator import Translator, tflite_padding

__all__ = ["TransposeConvTranslator"]


class TransposeConvTranslator(Translator):
    """The translator of TRANSPOSE_CONV."""

    def _transpose_conv(self, op: TflOperator) -> None:
        self._check_outputs(op)
        w = self._input_index(op, 1, "filter")
        x = self._input_index(op, 2, "input")
        w_shape, x_shape = self._shape(w), self._shape(x)
        y_shape = self._shape(op.outputs[0])
        if len(w_shape) != 4 or len(x_shape) != 4 or len(y_shape) != 4:
            raise self._error(op, "input, filter and output must have rank 4")
        shape_input = self._input_index(op, 0, "output shape")
        if self._is_constant(shape_input):  # else a computed one TFLite Micro does not read
            stated = [int(v) for v in self._int_list(op, 0, "output shape")]
            if stated != list(y_shape):
                raise self._error(
                    op, f"output shape {stated} differs from the output's {list(y_shape)}"
                )
        if w_shape[3] != x_shape[3] or w_shape[0] != y_shape[3] or x_shape[0] != y_shape[0]:
            raise self._error(
                op, f"filter {list(w_shape)} does not map input {list(x_shape)} to {list(y_shape)}"
            )
        opts = op.options
        strides = [int(opts.get("StrideH", 1)), int(opts.get("StrideW", 1))]
        padding = int(opts.get("Padding", 0))
        where = f"{self.model.name}: {op.opcode} (operator {op.index})"
        pads: list[int] = []
        for axis in (0, 1):
            size, kernel, stride = y_shape[1 + axis], w_shape[1 + axis], strides[axis]
            _, before, _ = tflite_padding(padding, size, kernel, stride, 1, where)
            full = (x_shape[1 + axis] - 1) * stride + kernel
            after = full - before - size
            if after < 0:
                raise self._error(
                    op,
                    f"an output {size} wide is larger than the transposed input ({full}) "
                    f"after {before} cropped",
                )
            pads += [before, after]
        bias = (
            self._operand(op, 3, "bias")
            if len(op.inputs) > 3 and op.inputs[3] >= 0
            else self._zero_bias(op, x, w, w_shape[0])
        )
        operands = [self._operand(op, 2), self._operand(op, 1), bias]
        props: dict[str, Attribute] = {
            "strides": nn.i64_array(strides),
            "dilations": nn.i64_array([1, 1]),
            "pads": nn.i64_array(pads),
            "activation": self._activation(op),
        }
        self._emit(op, nn.TransposeConv2DOp, operands, props)
