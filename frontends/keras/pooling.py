"""Keras pooling layers: MaxPooling and AveragePooling (1-D and 2-D) and their global
forms.

A 1-D pooling of [N, L, C] runs as a 2-D one over [N, 1, L, C]; a global average is an
``nn.mean`` over H and W, a global max an ``nn.max_pool2d`` with the whole plane as its
window; ``keepdims`` adds a reshape.
"""

from __future__ import annotations

from collections.abc import Sequence

from xdsl.dialects.builtin import IntegerAttr, StringAttr, i64
from xdsl.ir import SSAValue
from xdsl.irdl import IRDLOperation

from stai.dialects import nn

from .builder import LayerBuilder, one, pair, shape_of


class PoolingLayers(LayerBuilder):
    """Translators of the pooling layers."""

    def _pool_core(
        self,
        x: SSAValue,
        op_class: type[IRDLOperation],
        kernel: Sequence[int],
        strides: Sequence[int],
        padding: str,
        final: bool = True,
    ) -> SSAValue:
        n, h, w, c = shape_of(x)
        (oh, ow), pads = self.window_pads((h, w), kernel, strides, (1, 1), padding)
        props = {
            "kernel": nn.i64_array(kernel),
            "strides": nn.i64_array(strides),
            "pads": nn.i64_array(pads),
            "activation": StringAttr("none"),
        }
        return self.emit(op_class, [x], [n, oh, ow, c], props, final=final)

    def _pool2d(self, xs: list[SSAValue], op_class: type[IRDLOperation]) -> list[SSAValue]:
        x = self.only(xs)
        self.rank(x, 4)
        self.channels_last()
        kernel = pair(self.config["pool_size"])
        strides = pair(self.config.get("strides") or kernel)
        return [self._pool_core(x, op_class, kernel, strides, self.config["padding"])]

    def _pool1d(self, xs: list[SSAValue], op_class: type[IRDLOperation]) -> list[SSAValue]:
        x = self.only(xs)
        n, length, c = self.rank(x, 3)
        self.channels_last()
        (k,) = one(self.config["pool_size"])
        (s,) = one(self.config.get("strides") or k)
        x4 = self.reshape(x, [n, 1, length, c])
        y4 = self._pool_core(x4, op_class, (1, k), (1, s), self.config["padding"], final=False)
        return [self.reshape(y4, [n, shape_of(y4)[2], c], final=True)]

    def _global_pool(self, xs: list[SSAValue], average: bool) -> list[SSAValue]:
        """Mean or max over the spatial axes (1-D inputs as height 1)."""
        x = self.only(xs)
        shape = shape_of(x)
        if len(shape) not in (3, 4):
            raise self.error(f"expected an input of rank 3 or 4, got shape {shape}")
        self.channels_last()
        n, c = shape[0], shape[-1]
        x4 = x if len(shape) == 4 else self.reshape(x, [n, 1, shape[1], c])
        _, h, w, _ = shape_of(x4)
        keep = bool(self.config.get("keepdims", False))
        out_shape = [n] + [1] * (len(shape) - 2) + [c] if keep else [n, c]
        if average:
            props = {"axes": nn.i64_array([1, 2]), "keep_dims": IntegerAttr(0, i64)}
            y = self.emit(nn.MeanOp, [x4], [n, c], props, final=not keep)
        else:
            y = self._pool_core(x4, nn.MaxPool2DOp, (h, w), (h, w), "valid", final=False)
            if not keep:
                return [self.reshape(y, [n, c], final=True)]
        return [self.reshape(y, out_shape, final=True) if keep else y]
