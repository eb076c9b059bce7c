"""Keras element-wise layers: activations (Activation, ReLU, LeakyReLU, PReLU, Softmax),
BatchNormalization, Normalization, Rescaling and the Add / Subtract / Multiply merges.

A batch normalization becomes ``x * scale + shift`` over the last axis, both ops tagged
with `batchnorm.BN_ATTR` so that `batchnorm.fold_batch_norms` can fold them into the
convolution or dense layer before them once the graph is complete. A Normalization
layer (adapted or given mean and variance, inverted or not) is also a multiply and an add
by constants of its broadcast shape.
"""

from __future__ import annotations

import numpy as np
from xdsl.dialects.builtin import FloatAttr, IntegerAttr, StringAttr, f32, i64
from xdsl.ir import Operation, SSAValue
from xdsl.irdl import IRDLOperation

from stai.dialects import nn

from .batchnorm import BN_ATTR
from .builder import LayerBuilder, shape_of, variable_array


class ElementwiseLayers(LayerBuilder):
    """Translators of the activation, normalization, rescaling and merge layers."""

    def _batch_norm(self, xs: list[SSAValue]) -> list[SSAValue]:
        """``x * scale + shift`` over the last axis (folded later where possible)."""
        x = self.only(xs)
        shape = shape_of(x)
        axis = self.config.get("axis", -1)
        if isinstance(axis, list | tuple):
            if len(axis) != 1:
                raise self.error(f"normalization over axes {axis} is not supported")
            axis = axis[0]
        if axis % len(shape) != len(shape) - 1:
            raise self.error(f"normalization over axis {axis} is not supported (only the last)")
        layer = self.layer
        channels = shape[-1]
        gamma = (
            variable_array(layer.gamma)
            if layer.gamma is not None
            else np.ones(channels, np.float32)
        )
        beta = (
            variable_array(layer.beta) if layer.beta is not None else np.zeros(channels, np.float32)
        )
        mean, var = variable_array(layer.moving_mean), variable_array(layer.moving_variance)
        eps = float(self.config.get("epsilon", 1e-3))
        scale = gamma.astype(np.float64) / np.sqrt(var.astype(np.float64) + eps)
        shift = beta.astype(np.float64) - mean.astype(np.float64) * scale
        mul = self.emit(
            nn.MulOp,
            [x, self.constant(scale)],
            shape,
            {"activation": StringAttr("none")},
            final=False,
        )
        add = self.emit(
            nn.AddOp, [mul, self.constant(shift)], shape, {"activation": StringAttr("none")}
        )
        for value, half in ((mul, "scale"), (add, "shift")):
            owner = value.owner
            assert isinstance(owner, Operation)
            owner.attributes[BN_ATTR] = StringAttr(half)
        return [add]

    def _activation_layer(self, xs: list[SSAValue]) -> list[SSAValue]:
        return [self.apply_activation(self.only(xs), self.activation_name())]

    def _relu(self, xs: list[SSAValue]) -> list[SSAValue]:
        x = self.only(xs)
        max_value = self.config.get("max_value")
        slope = float(self.config.get("negative_slope") or 0.0)
        threshold = float(self.config.get("threshold") or 0.0)
        if threshold != 0.0:
            raise self.error("a non-zero threshold is not supported")
        if slope != 0.0 and max_value is None:
            return [self.emit(nn.LeakyReluOp, [x], shape_of(x), {"alpha": FloatAttr(slope, f32)})]
        if slope != 0.0:
            raise self.error("a negative slope with a max_value is not supported")
        if max_value is None:
            return [self.apply_activation(x, "relu")]
        if float(max_value) == 6.0:
            return [self.apply_activation(x, "relu6")]
        props = {"min": FloatAttr(0.0, f32), "max": FloatAttr(float(max_value), f32)}
        return [self.emit(nn.ClampOp, [x], shape_of(x), props)]

    def _leaky_relu(self, xs: list[SSAValue]) -> list[SSAValue]:
        x = self.only(xs)
        slope = self.config.get("negative_slope", self.config.get("alpha", 0.3))
        return [
            self.emit(nn.LeakyReluOp, [x], shape_of(x), {"alpha": FloatAttr(float(slope), f32)})
        ]

    def _elu_layer(self, xs: list[SSAValue]) -> list[SSAValue]:
        x = self.only(xs)
        alpha = float(self.config.get("alpha", 1.0))
        if alpha != 1.0:
            raise self.error(f"alpha {alpha:g} is not supported (only 1)")
        return [self.emit(nn.EluOp, [x], shape_of(x))]

    def _prelu(self, xs: list[SSAValue]) -> list[SSAValue]:
        x = self.only(xs)
        (alpha,) = self.weights()
        features = tuple(shape_of(x)[1:])
        try:
            fits = np.broadcast_shapes(alpha.shape, features) == features
        except ValueError:
            fits = False
        if not fits:
            raise self.error(f"alpha of shape {list(alpha.shape)} does not fit the input")
        return [self.emit(nn.PReluOp, [x, self.constant(alpha)], shape_of(x))]

    def _softmax_layer(self, xs: list[SSAValue]) -> list[SSAValue]:
        x = self.only(xs)
        axis = self.config.get("axis", -1)
        if isinstance(axis, list | tuple):
            axis = axis[0] if len(axis) == 1 else None
        if axis is None or axis % len(shape_of(x)) != len(shape_of(x)) - 1:
            raise self.error(
                f"softmax over axis {self.config.get('axis')} is not supported (only the last)"
            )
        return [self.apply_activation(x, "softmax")]

    def _merge(self, xs: list[SSAValue], op_class: type[IRDLOperation]) -> list[SSAValue]:
        """Add / Subtract / Multiply; more than two inputs are combined left to right."""
        if len(xs) < 2 or (op_class is nn.SubOp and len(xs) != 2):
            raise self.error(f"unexpected number of inputs: {len(xs)}")
        acc = xs[0]
        for i, other in enumerate(xs[1:], start=2):
            shape = list(np.broadcast_shapes(tuple(shape_of(acc)), tuple(shape_of(other))))
            acc = self.emit(
                op_class,
                [acc, other],
                shape,
                {"activation": StringAttr("none")},
                final=i == len(xs),
            )
        return [acc]

    def _rescaling(self, xs: list[SSAValue]) -> list[SSAValue]:
        """``x * scale + offset`` with scalar or per-channel constants."""
        x = self.only(xs)
        shape = shape_of(x)
        scale = np.asarray(self.config["scale"], np.float32).reshape(-1)
        offset = np.asarray(self.config["offset"], np.float32).reshape(-1)
        none = {"activation": StringAttr("none")}
        y = self.emit(nn.MulOp, [x, self.constant(scale)], shape, none, final=False)
        return [self.emit(nn.AddOp, [y, self.constant(offset)], shape, none)]

    def _layer_normalization(self, xs: list[SSAValue]) -> list[SSAValue]:
        """LayerNormalization over trailing axes: one ``nn.layer_norm`` with the layer's
        gamma and beta (ones / zeros when ``scale`` / ``center`` is off)."""
        x = self.only(xs)
        shape = shape_of(x)
        rank = len(shape)
        axes = self.config.get("axis", -1)
        axes = [axes] if isinstance(axes, int) else list(axes)
        axes = sorted({a + rank if a < 0 else a for a in axes})
        if not axes or axes != list(range(axes[0], rank)) or axes[0] < 1:
            raise self.error(
                f"axis {self.config.get('axis')} is not supported (trailing axes only)"
            )
        if self.config.get("rms_scaling"):
            raise self.error("rms_scaling is not supported")
        weights = self.weights()
        normalized = tuple(shape[axes[0] :])
        gamma = weights.pop(0) if self.config.get("scale", True) else np.ones(normalized)
        beta = weights.pop(0) if self.config.get("center", True) else np.zeros(normalized)
        props = {
            "axis": IntegerAttr(axes[0], i64),
            "epsilon": FloatAttr(float(self.config.get("epsilon", 1e-3)), f32),
        }
        operands = [
            x,
            self.constant(np.asarray(gamma, np.float32).reshape(normalized)),
            self.constant(np.asarray(beta, np.float32).reshape(normalized)),
        ]
        return [self.emit(nn.LayerNormOp, operands, shape, props)]

    def _normalization(self, xs: list[SSAValue]) -> list[SSAValue]:
        """``(x - mean) / d`` as ``x * (1 / d) + (-mean / d)`` (``x * d + mean`` inverted),
        ``d`` being ``max(sqrt(variance), epsilon)`` as Keras computes it."""
        x = self.only(xs)
        shape = shape_of(x)
        layer = self.layer
        if getattr(layer, "mean", None) is None or getattr(layer, "variance", None) is None:
            raise self.error("the layer has no mean and variance (adapt or build it first)")
        mean = np.asarray(layer.mean, np.float64)
        var = np.asarray(layer.variance, np.float64)
        try:
            fits = np.broadcast_shapes(mean.shape, var.shape, tuple(shape)) == tuple(shape)
        except ValueError:
            fits = False
        if not fits:
            raise self.error(f"mean of shape {list(mean.shape)} does not fit the input {shape}")
        d = np.maximum(np.sqrt(var), float(self.keras.backend.epsilon()))
        if self.config.get("invert"):
            scale, shift = d * np.ones_like(mean), mean * np.ones_like(var)
        else:
            scale, shift = 1.0 / d * np.ones_like(mean), -mean / d
        scale, shift = _squeeze_leading(scale), _squeeze_leading(shift)
        none = {"activation": StringAttr("none")}
        y = self.emit(nn.MulOp, [x, self.constant(scale)], shape, none, final=False)
        return [self.emit(nn.AddOp, [y, self.constant(shift)], shape, none)]


def _squeeze_leading(array: np.ndarray) -> np.ndarray:
    """``array`` without its leading size-1 axes (it broadcasts the same)."""
    dims = list(array.shape)
    while len(dims) > 1 and dims[0] == 1:
        dims.pop(0)
    return array.reshape(dims)
