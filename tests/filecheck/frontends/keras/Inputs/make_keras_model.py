"""Write one of the tiny Keras models the frontend's lit tests read.

Usage: python make_keras_model.py KIND OUT.keras|OUT.h5, where KIND is one of `MODELS`.
Weights are set to small exact values so that the printed IR is stable.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import Any

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras
import numpy as np

L = keras.layers


def _set(layer: Any, *arrays: Any) -> None:
    layer.set_weights([np.asarray(a, np.float32) for a in arrays])


def conv_bn() -> keras.Model:
    """Conv2D (same, stride 2) -> BatchNormalization (folded) -> ReLU -> GlobalAveragePooling2D
    -> Dense(softmax)."""
    model = keras.Sequential(
        [
            keras.Input((4, 4, 1), name="image"),
            L.Conv2D(2, 3, strides=2, padding="same", name="conv"),
            L.BatchNormalization(epsilon=0.0, name="bn"),
            L.ReLU(name="relu"),
            L.GlobalAveragePooling2D(name="gap"),
            L.Dense(3, activation="softmax", name="probs"),
        ],
        name="conv_bn",
    )
    conv, bn, _, _, dense = model.layers
    _set(conv, np.ones((3, 3, 1, 2)), [0.5, -0.5])
    _set(bn, [2.0, 1.0], [1.0, 0.0], [0.5, 0.0], [4.0, 1.0])  # scale 1 and 1, shift 0.5 and 0
    _set(dense, np.full((2, 3), 0.25), [0.0, 0.0, 1.0])
    return model


def nested() -> keras.Model:
    """A functional model with a Sequential block and a residual add, used as a layer."""
    block = keras.Sequential(
        [
            keras.Input((2, 2, 2)),
            L.DepthwiseConv2D(1, activation="relu6", name="dw"),
        ],
        name="block",
    )
    i = keras.Input((2, 2, 2))
    inner = keras.Model(i, L.Add(name="res")([i, block(i)]), name="inner")
    x = keras.Input((2, 2, 2), name="x")
    model = keras.Model(x, L.Flatten(name="flat")(inner(x)), name="outer")
    _set(block.layers[0], np.full((1, 1, 2, 1), 2.0), [0.0, 1.0])
    return model


def sequence() -> keras.Model:
    """Conv1D (causal) -> LSTM (last step) -> Dense."""
    model = keras.Sequential(
        [
            keras.Input((5, 2), name="signal"),
            L.Conv1D(3, 2, padding="causal", activation="swish", name="conv1d"),
            L.LSTM(2, name="lstm"),
            L.Dense(1, name="out"),
        ],
        name="sequence",
    )
    conv, lstm, dense = model.layers
    _set(conv, np.full((2, 2, 3), 0.5), np.zeros(3))
    _set(lstm, np.full((3, 8), 0.125), np.full((2, 8), -0.25), np.zeros(8))
    _set(dense, np.ones((2, 1)), [0.0])
    return model


def shapes() -> keras.Model:
    """Permute, PReLU (per channel), hard sigmoid, zero padding, reshape, concatenate."""
    x = keras.Input((2, 3, 4), name="x")
    p = L.Permute((2, 1, 3), name="swap_hw")(x)
    r = L.PReLU(shared_axes=[1, 2], name="prelu")(p)
    h = L.Activation("hard_sigmoid", name="hsig")(r)
    z = L.ZeroPadding2D(((0, 1), (1, 0)), name="pad")(h)
    y = L.Reshape((-1, 4), name="rows")(z)
    model = keras.Model(x, L.Concatenate(axis=1, name="cat")([y, y]), name="shapes")
    _set(model.get_layer("prelu"), np.full((1, 1, 4), 0.25))
    return model


def lambda_layer() -> keras.Model:
    """A Lambda layer, which stai cannot compile."""
    x = keras.Input((3,), name="x")
    return keras.Model(x, L.Lambda(lambda t: t * 3.0, name="triple")(x), name="with_lambda")


MODELS: dict[str, Callable[[], keras.Model]] = {
    "conv_bn": conv_bn,
    "nested": nested,
    "sequence": sequence,
    "shapes": shapes,
    "lambda": lambda_layer,
}


def main() -> None:
    kind, out = sys.argv[1], sys.argv[2]
    MODELS[kind]().save(out)


if __name__ == "__main__":
    main()
