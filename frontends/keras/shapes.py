"""Keras layers that move data without computing: the inference identities (Dropout and
the like), Flatten, Reshape, Permute, Concatenate, ZeroPadding and Cropping (1-D and 2-D)
UpSampling2D and Resizing; Embedding (the table's rows at the int32 indices, ``nn.take``).

A cropping is one ``nn.strided_slice``; an upsampling by (fh, fw) repeats each pixel with
two concatenations of copies of the same tensor between reshapes (every pixel ``fw``
times along its row, then every row ``fh`` times), so it needs no kernel of its own; a
bilinear one and a Resizing layer are an ``nn.resize`` with TensorFlow's arithmetic.

Shapes keep the batch dimension first; Keras' shapes in a layer's configuration leave it
out.
"""

from __future__ import annotations

import numpy as np
from xdsl.dialects.builtin import (
    DenseArrayBase,
    IntegerAttr,
    IntegerType,
    StringAttr,
    TensorType,
    f32,
    i64,
)
from xdsl.ir import SSAValue

from stai.dialects import nn

from .builder import LayerBuilder, pair, shape_of


class ShapeLayers(LayerBuilder):
    """Translators of the identity, reshaping, concatenation and padding layers."""

    def _identity(self, xs: list[SSAValue]) -> list[SSAValue]:
        return [self.only(xs)]

    def _embedding(self, xs: list[SSAValue]) -> list[SSAValue]:
        """Embedding: row ``i`` of the table for each index ``i`` of the int32 input; an
        index outside the table ends the network's ``run`` with an error."""
        x = self.only(xs)
        assert isinstance(x.type, TensorType)
        if x.type.element_type != IntegerType(32):
            raise self.error(
                "reads its indices from a float32 tensor: give the model an int32 Input "
                "(keras.Input(..., dtype='int32')) that feeds the Embedding"
            )
        (table,) = self.weights()
        shape = [*shape_of(x), int(table.shape[1])]
        props = {"axis": IntegerAttr(0, i64)}
        return [self.emit(nn.TakeOp, [self.constant(table), x], shape, props)]

    def _flatten(self, xs: list[SSAValue]) -> list[SSAValue]:
        x = self.only(xs)
        shape = shape_of(x)
        return [self.reshape(x, [shape[0], int(np.prod(shape[1:], dtype=np.int64))], final=True)]

    def _reshape_layer(self, xs: list[SSAValue]) -> list[SSAValue]:
        x = self.only(xs)
        shape = shape_of(x)
        target = list(self.config["target_shape"])
        known = int(np.prod([d for d in target if d != -1], dtype=np.int64))
        if target.count(-1) > 1 or known == 0:
            raise self.error(f"cannot reshape {shape} to {target}")
        count = int(np.prod(shape[1:], dtype=np.int64))
        if -1 in target:
            target[target.index(-1)] = count // known
        if int(np.prod(target, dtype=np.int64)) != count:
            raise self.error(f"cannot reshape {shape} to {self.config['target_shape']}")
        return [self.reshape(x, [shape[0], *target], final=True)]

    def _permute(self, xs: list[SSAValue]) -> list[SSAValue]:
        x = self.only(xs)
        shape = shape_of(x)
        perm = [0] + [int(d) for d in self.config["dims"]]
        if sorted(perm) != list(range(len(shape))):
            raise self.error(f"dims {self.config['dims']} do not permute shape {shape}")
        out = [shape[p] for p in perm]
        return [self.emit(nn.TransposeOp, [x], out, {"perm": nn.i64_array(perm)})]

    def _concatenate(self, xs: list[SSAValue]) -> list[SSAValue]:
        shapes = [shape_of(x) for x in xs]
        rank = len(shapes[0])
        axis = int(self.config.get("axis", -1))
        axis = axis + rank if axis < 0 else axis
        if not 0 < axis < rank or any(len(s) != rank for s in shapes):
            raise self.error(
                f"cannot concatenate shapes {shapes} along axis {self.config.get('axis')}"
            )
        out = list(shapes[0])
        out[axis] = sum(s[axis] for s in shapes)
        props = {"axis": IntegerAttr(axis, i64), "activation": StringAttr("none")}
        return [self.emit(nn.ConcatOp, [xs], out, props)]

    def _zero_padding2d(self, xs: list[SSAValue]) -> list[SSAValue]:
        x = self.only(xs)
        n, h, w, c = self.rank(x, 4)
        self.channels_last()
        (top, bottom), (left, right) = self.config["padding"]
        pads = [0, 0, top, bottom, left, right, 0, 0]
        out = [n, h + top + bottom, w + left + right, c]
        return [self.emit(nn.PadOp, [x], out, {"pads": nn.i64_array(pads)})]

    def _zero_padding1d(self, xs: list[SSAValue]) -> list[SSAValue]:
        x = self.only(xs)
        n, length, c = self.rank(x, 3)
        left, right = pair(self.config["padding"])
        out = [n, length + left + right, c]
        return [self.emit(nn.PadOp, [x], out, {"pads": nn.i64_array([0, 0, left, right, 0, 0])})]

    def _cropping2d(self, xs: list[SSAValue]) -> list[SSAValue]:
        x = self.only(xs)
        n, h, w, c = self.rank(x, 4)
        self.channels_last()
        (top, bottom), (left, right) = self.config["cropping"]
        out = [n, h - top - bottom, w - left - right, c]
        return [self._crop(x, [0, top, left, 0], out)]

    def _cropping1d(self, xs: list[SSAValue]) -> list[SSAValue]:
        x = self.only(xs)
        n, length, c = self.rank(x, 3)
        left, right = pair(self.config["cropping"])
        return [self._crop(x, [0, left, 0], [n, length - left - right, c])]

    def _crop(self, x: SSAValue, begin: list[int], out: list[int]) -> SSAValue:
        if min(out) < 1 or min(begin) < 0:
            raise self.error(f"cropping {self.config['cropping']} leaves nothing of {shape_of(x)}")
        props = {"begin": nn.i64_array(begin), "strides": nn.i64_array([1] * len(out))}
        return self.emit(nn.StridedSliceOp, [x], out, props)

    def _upsampling2d(self, xs: list[SSAValue]) -> list[SSAValue]:
        """Nearest-neighbour upsampling by integer factors as reshapes and concatenations."""
        x = self.only(xs)
        n, h, w, c = self.rank(x, 4)
        self.channels_last()
        interpolation = self.config.get("interpolation", "nearest")
        fh, fw = pair(self.config["size"])
        if fh < 1 or fw < 1:
            raise self.error(f"size {self.config['size']} is not a positive integer factor")
        if interpolation == "bilinear":
            return [self._resized(x, h * fh, w * fw, "linear")]
        if interpolation != "nearest":
            raise self.error(
                f"interpolation '{interpolation}' is not supported (nearest, bilinear)"
            )
        if (fh, fw) == (1, 1):
            return [self.reshape(x, [n, h, w, c], final=True)]
        none = StringAttr("none")
        y = x
        if fw > 1:
            col = self.reshape(x, [n, h * w, 1, c])
            props = {"axis": IntegerAttr(2, i64), "activation": none}
            y = self.emit(nn.ConcatOp, [[col] * fw], [n, h * w, fw, c], props, final=False)
        if fh > 1:
            row = self.reshape(y, [n, h, 1, w * fw * c])
            props = {"axis": IntegerAttr(2, i64), "activation": none}
            y = self.emit(nn.ConcatOp, [[row] * fh], [n, h, fh, w * fw * c], props, final=False)
        return [self.reshape(y, [n, h * fh, w * fw, c], final=True)]

    def _resizing(self, xs: list[SSAValue]) -> list[SSAValue]:
        """Resizing to (height, width), nearest or bilinear, without cropping or padding."""
        x = self.only(xs)
        self.rank(x, 4)
        self.channels_last()
        interpolation = self.config.get("interpolation", "bilinear")
        if interpolation not in ("nearest", "bilinear"):
            raise self.error(
                f"interpolation '{interpolation}' is not supported (nearest, bilinear)"
            )
        for key in ("crop_to_aspect_ratio", "pad_to_aspect_ratio", "antialias"):
            if self.config.get(key):
                raise self.error(f"{key} is not supported")
        mode = "linear" if interpolation == "bilinear" else "nearest"
        height, width = int(self.config["height"]), int(self.config["width"])
        if min(height, width) < 1:
            raise self.error(f"size {height}x{width} is empty")
        return [self._resized(x, height, width, mode)]

    def _resized(self, x: SSAValue, height: int, width: int, mode: str) -> SSAValue:
        """An ``nn.resize`` as TensorFlow's ``image.resize`` computes it (half-pixel
        centres; the nearest neighbour's coordinate rounded down)."""
        n, h, w, c = shape_of(x)
        scales = [
            float(np.float32(height) / np.float32(h)),
            float(np.float32(width) / np.float32(w)),
        ]
        props = {
            "mode": StringAttr(mode),
            "coordinate_mode": StringAttr(
                "half_pixel" if mode == "linear" else "tf_half_pixel_for_nn"
            ),
            "nearest_mode": StringAttr("floor"),
            "convention": StringAttr("tflite"),
            "scales": DenseArrayBase.from_list(f32, scales),
        }
        return self.emit(nn.ResizeOp, [x], [n, height, width, c], props)
