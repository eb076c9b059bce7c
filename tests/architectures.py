"""Real network architectures for the tests, built here with random weights and converted
by TensorFlow's converter to float, int8 (full-integer, from a representative dataset) and
16x8 (int16 activations, int8 weights): keras.applications MobileNetV2 and
MobileNetV3Small, a ResNet-8 (the residual CNN of MLPerf Tiny's image classification), a
Conv1D + LSTM and a Conv1D + GRU keyword spotter.

`build(name, kind, folder)` returns the `.tflite` path, or raises `ConverterRefused` with
the converter's own message when TensorFlow cannot write that combination."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

FLOAT, INT8, INT16 = "float", "int8", "int16"
KINDS = (FLOAT, INT8, INT16)
INT16_FLOAT = "int16_float"
"""16x8 where the converter can, float operators (between DEQUANTIZE and QUANTIZE)
elsewhere: the 16x8 op set with `TFLITE_BUILTINS` as a fallback."""


class ConverterRefused(Exception):
    """TensorFlow's converter cannot write this architecture in this kind."""


@dataclass(frozen=True)
class Architecture:
    name: str
    input_shape: tuple[int, ...]
    make: Callable[[], Any]
    """Builds the Keras (tf_keras) model, seeded, with random weights."""
    input_range: tuple[float, float] = (-1.0, 1.0)


def _he_scaled(model: Any, seed: int) -> Any:
    """Every kernel redrawn from N(0, 2 / fan_in) (He): activations through a deep random
    network neither vanish nor explode, so the outputs are not a constant."""
    import tf_keras

    rng = np.random.default_rng(seed)
    for layer in model.layers:
        depthwise = isinstance(layer, tf_keras.layers.DepthwiseConv2D)
        for weight in layer.weights:
            name = weight.name.split("/")[-1]
            if name.startswith(("kernel", "depthwise_kernel")):
                shape = tuple(weight.shape)
                fan_in = int(np.prod(shape[:-2] if depthwise else shape[:-1]))
                weight.assign(rng.normal(0.0, np.sqrt(2.0 / fan_in), shape).astype(np.float32))
    return model


def _mobilenet_v2() -> Any:
    import tf_keras

    tf_keras.utils.set_random_seed(11)
    applications: Any = tf_keras.applications  # its stubs type weights= as str only
    model = applications.MobileNetV2(input_shape=(96, 96, 3), alpha=0.35, weights=None, classes=10)
    return _he_scaled(model, 12)


def _mobilenet_v3_small() -> Any:
    import tf_keras

    tf_keras.utils.set_random_seed(13)
    applications: Any = tf_keras.applications
    model = applications.MobileNetV3Small(
        input_shape=(96, 96, 3),
        alpha=0.75,
        weights=None,
        classes=10,
        include_preprocessing=False,
        dropout_rate=0.0,
        classifier_activation=None,
    )
    return _he_scaled(model, 14)


def _resnet8() -> Any:
    """MLPerf Tiny's image-classification ResNet: a 3x3 stem and three residual stacks of
    16, 32 and 64 filters (the last two stride 2 with a 1x1 projection shortcut), batch
    norms, average pooling and a softmax over 10 classes, on 32x32x3."""
    import tf_keras

    tf_keras.utils.set_random_seed(15)
    layers = tf_keras.layers

    def conv_bn(x: Any, filters: int, kernel: int, strides: int, relu: bool) -> Any:
        x = layers.Conv2D(filters, kernel, strides=strides, padding="same")(x)
        x = layers.BatchNormalization()(x)
        return layers.Activation("relu")(x) if relu else x

    inp = tf_keras.Input((32, 32, 3), batch_size=1)
    x = conv_bn(inp, 16, 3, 1, True)
    for filters, strides in ((16, 1), (32, 2), (64, 2)):
        y = conv_bn(x, filters, 3, strides, True)
        y = conv_bn(y, filters, 3, 1, False)
        if strides != 1:
            x = layers.Conv2D(filters, 1, strides=strides)(x)
        x = layers.Activation("relu")(layers.Add()([x, y]))
    x = layers.AveragePooling2D(8)(x)
    y = layers.Dense(10, activation="softmax")(layers.Flatten()(x))
    return _he_scaled(tf_keras.Model(inp, y), 16)


def _audio_rnn(cell: str) -> Callable[[], Any]:
    """A keyword spotter on 49 frames of 10 features: Conv1D (ReLU, stride 2), max pooling
    by 3 (8 steps), an LSTM or GRU of 24 units (the GRU unrolled: TFLite has no GRU
    operator, so each step is its own fully connected, logistic, tanh, mul, sub and add
    operators), a dense softmax over 12 classes."""

    def make() -> Any:
        import tf_keras

        tf_keras.utils.set_random_seed(17)
        layers = tf_keras.layers
        inp = tf_keras.Input((49, 10), batch_size=1)
        x = layers.Conv1D(16, 3, strides=2, activation="relu")(inp)
        x = layers.MaxPooling1D(3)(x)
        if cell == "lstm":
            x = layers.LSTM(24)(x)
        else:
            x = layers.GRU(24, unroll=cell == "gru")(x)
        y = layers.Dense(12, activation="softmax")(x)
        return tf_keras.Model(inp, y)

    return make


ARCHITECTURES: dict[str, Architecture] = {
    a.name: a
    for a in (
        Architecture("mobilenet_v2", (1, 96, 96, 3), _mobilenet_v2),
        Architecture("mobilenet_v3_small", (1, 96, 96, 3), _mobilenet_v3_small),
        Architecture("resnet8", (1, 32, 32, 3), _resnet8),
        Architecture("conv1d_lstm", (1, 49, 10), _audio_rnn("lstm"), (-1.5, 1.5)),
        Architecture("conv1d_gru", (1, 49, 10), _audio_rnn("gru"), (-1.5, 1.5)),
    )
}

GRU_LOOP = Architecture("conv1d_gru_loop", (1, 49, 10), _audio_rnn("gru_loop"), (-1.5, 1.5))
"""The GRU keyword spotter as Keras runs it by default (not unrolled): the converter writes
a WHILE loop over two more subgraphs in float, and crashes (SIGSEGV, TensorFlow 2.21) when
it quantizes that loop to int8 or 16x8, so only the float file exists."""


def float_samples(arch: Architecture, count: int, seed: int) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [
        rng.uniform(*arch.input_range, arch.input_shape).astype(np.float32) for _ in range(count)
    ]


def _converter_message(exc: Exception) -> str:
    """The converter's error, first line that says what failed."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    for line in lines:
        if "error:" in line:
            return line[line.index("error:") :]
    return lines[0] if lines else type(exc).__name__


def convert(arch: Architecture, kind: str) -> bytes:
    import tensorflow as tf
    from opmodels import _quietly

    converter = tf.lite.TFLiteConverter.from_keras_model(arch.make())
    if kind != FLOAT:
        samples = [[x] for x in float_samples(arch, 32, seed=1)]
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
        converter.representative_dataset = lambda: iter(samples)
        if kind == INT8:
            converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
            converter.inference_input_type = converter.inference_output_type = tf.int8
        else:
            converter.target_spec.supported_ops = [
                tf.lite.OpsSet.EXPERIMENTAL_TFLITE_BUILTINS_ACTIVATIONS_INT16_WEIGHTS_INT8
            ]
            if kind == INT16_FLOAT:
                converter.target_spec.supported_ops.append(tf.lite.OpsSet.TFLITE_BUILTINS)
            converter.inference_input_type = converter.inference_output_type = tf.int16
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return _quietly(converter.convert)
    except Exception as exc:  # the converter raises ConverterError, RuntimeError, ...
        raise ConverterRefused(_converter_message(exc)) from exc


def build(name: str, kind: str, folder: Path) -> Path:
    """The `.tflite` file of architecture `name` in `kind`, converted on first use."""
    path = folder / f"{name}_{kind}.tflite"
    if not path.is_file():
        path.write_bytes(convert(ARCHITECTURES[name], kind))
    return path
