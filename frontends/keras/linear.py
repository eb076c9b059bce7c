"""Keras layers with weight matrices: Conv2D, Conv1D, DepthwiseConv2D, SeparableConv2D,
Conv2DTranspose and Dense (the recurrent layers are in ``recurrent``).

Keras kernels are transposed to the ``nn`` layouts (a convolution's filter [out, kh, kw,
in], a depthwise one's [1, kh, kw, channels * multiplier], a dense layer's [out, in]); a
missing bias becomes zeros. A fusable activation (`builder.FUSED`) is the op's own, any
other follows it. A 1-D convolution runs as a 2-D one over [N, 1, L, C]; a separable one
as a depthwise convolution then a 1x1 convolution. A transposed convolution is one
``nn.transpose_conv2d`` whose top / left crop is TensorFlow's (half the excess of the
full output over Keras' output size, rounded down, for ``same``; none for ``valid``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from xdsl.dialects.builtin import IntegerAttr, StringAttr, i64
from xdsl.ir import Attribute, SSAValue
from xdsl.irdl import IRDLOperation

from stai.dialects import nn

from .builder import LayerBuilder, pair, shape_of


class LinearLayers(LayerBuilder):
    """Translators of the convolution and dense layers."""

    def _conv_core(
        self,
        x: SSAValue,
        filt: np.ndarray,
        bias: np.ndarray,
        kernel: Sequence[int],
        strides: Sequence[int],
        dilations: Sequence[int],
        padding: str,
        activation: str,
        depth_multiplier: int | None = None,
        final: bool = True,
    ) -> SSAValue:
        """One nn.conv2d (or nn.depthwise_conv2d with ``depth_multiplier``) on NHWC ``x``."""
        n, h, w, _ = shape_of(x)
        (oh, ow), pads = self.window_pads((h, w), kernel, strides, dilations, padding)
        out_c = filt.shape[0] if depth_multiplier is None else filt.shape[3]
        props: dict[str, Attribute] = {
            "strides": nn.i64_array(strides),
            "dilations": nn.i64_array(dilations),
            "pads": nn.i64_array(pads),
            "activation": StringAttr(activation),
        }
        op_class: type[IRDLOperation] = nn.Conv2DOp
        if depth_multiplier is not None:
            props["depth_multiplier"] = IntegerAttr(depth_multiplier, i64)
            op_class = nn.DepthwiseConv2DOp
        operands = [x, self.constant(filt), self.constant(bias)]
        return self.emit(op_class, operands, [n, oh, ow, out_c], props, final=final)

    def _bias(self, weights: list[np.ndarray], index: int, channels: int) -> np.ndarray:
        if self.config.get("use_bias", True) and len(weights) > index:
            return weights[index]
        return np.zeros(channels, np.float32)

    def _conv2d(self, xs: list[SSAValue]) -> list[SSAValue]:
        x = self.only(xs)
        self.rank(x, 4)
        self.channels_last()
        w = self.weights()
        kernel = w[0]  # [kh, kw, in / groups, out]
        filt = kernel.transpose(3, 0, 1, 2)
        fused, rest = self.fused_and_rest()
        y = self._conv_core(
            x,
            filt,
            self._bias(w, 1, kernel.shape[3]),
            kernel.shape[:2],
            pair(self.config["strides"]),
            pair(self.config["dilation_rate"]),
            self.config["padding"],
            fused,
            final=rest is None,
        )
        return self.finish(y, rest)

    def _conv1d(self, xs: list[SSAValue]) -> list[SSAValue]:
        """A 1-D convolution as a 2-D one with height 1."""
        x = self.only(xs)
        n, length, channels = self.rank(x, 3)
        self.channels_last()
        w = self.weights()
        kernel = w[0]  # [k, in / groups, out]
        filt = kernel.transpose(2, 0, 1)[:, None, :, :]
        fused, rest = self.fused_and_rest()
        (stride,), (dilation,) = self.config["strides"], self.config["dilation_rate"]
        x4 = self.reshape(x, [n, 1, length, channels])
        y4 = self._conv_core(
            x4,
            filt,
            self._bias(w, 1, kernel.shape[2]),
            (1, kernel.shape[0]),
            (1, stride),
            (1, dilation),
            self.config["padding"],
            fused,
            final=False,
        )
        _, _, out_len, out_c = shape_of(y4)
        y = self.reshape(y4, [n, out_len, out_c], final=rest is None)
        return self.finish(y, rest)

    def _depthwise_conv2d(self, xs: list[SSAValue]) -> list[SSAValue]:
        x = self.only(xs)
        self.rank(x, 4)
        self.channels_last()
        w = self.weights()
        kernel = w[0]  # [kh, kw, in, multiplier]
        kh, kw, channels, mult = kernel.shape
        filt = kernel.reshape(1, kh, kw, channels * mult)
        fused, rest = self.fused_and_rest()
        y = self._conv_core(
            x,
            filt,
            self._bias(w, 1, channels * mult),
            (kh, kw),
            pair(self.config["strides"]),
            pair(self.config["dilation_rate"]),
            self.config["padding"],
            fused,
            depth_multiplier=mult,
            final=rest is None,
        )
        return self.finish(y, rest)

    def _separable_conv2d(self, xs: list[SSAValue]) -> list[SSAValue]:
        """A depthwise convolution, then a 1x1 convolution with the bias and activation."""
        x = self.only(xs)
        self.rank(x, 4)
        self.channels_last()
        w = self.weights()
        depthwise, pointwise = w[0], w[1]  # [kh, kw, in, mult], [1, 1, in * mult, out]
        kh, kw, channels, mult = depthwise.shape
        out_c = pointwise.shape[3]
        d = self._conv_core(
            x,
            depthwise.reshape(1, kh, kw, channels * mult),
            np.zeros(channels * mult, np.float32),
            (kh, kw),
            pair(self.config["strides"]),
            pair(self.config["dilation_rate"]),
            self.config["padding"],
            "none",
            depth_multiplier=mult,
            final=False,
        )
        fused, rest = self.fused_and_rest()
        y = self._conv_core(
            d,
            pointwise.transpose(3, 0, 1, 2),
            self._bias(w, 2, out_c),
            (1, 1),
            (1, 1),
            (1, 1),
            "valid",
            fused,
            final=rest is None,
        )
        return self.finish(y, rest)

    def _conv2d_transpose(self, xs: list[SSAValue]) -> list[SSAValue]:
        x = self.only(xs)
        n, h, w, _ = self.rank(x, 4)
        self.channels_last()
        cfg = self.config
        weights = self.weights()
        kernel = weights[0]  # [kh, kw, out, in]
        kh, kw, out_c, _ = kernel.shape
        strides = pair(cfg["strides"])
        dilations = pair(cfg["dilation_rate"])
        padding = cfg["padding"]
        if padding not in ("same", "valid"):
            raise self.error(f"unsupported padding '{padding}'")
        out_pad = cfg.get("output_padding")
        out_pads = (None, None) if out_pad is None else pair(out_pad)
        out_hw, pads = [], []
        for size, k, s, d, extra in zip((h, w), (kh, kw), strides, dilations, out_pads):
            effective = (k - 1) * d + 1
            if extra is None:
                out = size * s if padding == "same" else size * s + max(effective - s, 0)
            else:
                crop = effective // 2 if padding == "same" else 0
                out = (size - 1) * s + effective - 2 * crop + extra
            full = (size - 1) * s + effective
            before = max(full - out, 0) // 2 if padding == "same" else 0
            out_hw.append(out)
            pads += [before, max(full - before - out, 0)]
        fused, rest = self.fused_and_rest()
        props: dict[str, Attribute] = {
            "strides": nn.i64_array(strides),
            "dilations": nn.i64_array(dilations),
            "pads": nn.i64_array(pads),
            "activation": StringAttr(fused),
        }
        operands = [
            x,
            self.constant(kernel.transpose(2, 0, 1, 3)),
            self.constant(self._bias(weights, 1, out_c)),
        ]
        y = self.emit(
            nn.TransposeConv2DOp, operands, [n, *out_hw, out_c], props, final=rest is None
        )
        return self.finish(y, rest)

    def _dense(self, xs: list[SSAValue]) -> list[SSAValue]:
        x = self.only(xs)
        shape = shape_of(x)
        w = self.weights()
        kernel = w[0]  # [in, units]
        if not shape or shape[-1] != kernel.shape[0]:
            raise self.error(f"input shape {shape} does not fit weights {list(kernel.shape)}")
        fused, rest = self.fused_and_rest()
        operands = [x, self.constant(kernel.T), self.constant(self._bias(w, 1, kernel.shape[1]))]
        y = self.emit(
            nn.FullyConnectedOp,
            operands,
            [*shape[:-1], kernel.shape[1]],
            {"activation": StringAttr(fused)},
            final=rest is None,
        )
        return self.finish(y, rest)
