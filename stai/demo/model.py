"""The demo's model: a small int8 CNN trained on scikit-learn's bundled 8x8 digits.

`build_demo_model(out_dir)` trains the network with TensorFlow (fixed seed, a couple of
seconds on the CPU), converts it to a full-integer int8 `.tflite` (int8 input and output)
and returns it with the held-out images, already quantized with the model input's scale
and zero point, and their labels. `tflm_accuracy` scores a model on those images with
TFLite Micro. TensorFlow and scikit-learn are imported only when called.
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
import tempfile
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from stai.errors import StaiError

MODEL_FILE = "digits_int8.tflite"
NUM_CLASSES = 10


@dataclass(frozen=True)
class DemoModel:
    """A trained demo model and its held-out set.

    `images` are int8 [N, 8, 8, 1] (quantized with `input_scale`/`input_zero_point`),
    `labels` int64 [N]; `float_accuracy` is the Keras model's accuracy on the same set.
    """

    path: Path
    images: np.ndarray
    labels: np.ndarray
    input_scale: float
    input_zero_point: int
    float_accuracy: float


def _import_tf() -> Any:
    """TensorFlow with its C++ log noise turned down, or a StaiError naming the extra."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    try:
        import tensorflow as tf
    except ImportError as exc:
        raise StaiError(f"the demo needs TensorFlow: install 'stai[all]' ({exc})") from exc
    return tf


def load_digits_split(seed: int = 0, test_fraction: float = 0.25) -> tuple[np.ndarray, ...]:
    """Digits as float32 [N,8,8,1] in [0,1], split into (x_train, x_test, y_train, y_test)."""
    try:
        from sklearn.datasets import load_digits
        from sklearn.model_selection import train_test_split
        from sklearn.utils import Bunch
    except ImportError as exc:
        raise StaiError(f"the demo needs scikit-learn: install 'stai[all]' ({exc})") from exc
    digits = load_digits()
    assert isinstance(digits, Bunch)  # (not the (data, target) pair of return_X_y=True)
    images = (digits.images / 16.0).astype(np.float32)[..., np.newaxis]
    labels = digits.target.astype(np.int64)
    parts = train_test_split(
        images, labels, test_size=test_fraction, random_state=seed, stratify=labels
    )
    # (np.asarray returns each array itself: it only gives the parts their array type)
    return tuple(np.asarray(part) for part in parts)


def _limit_threads(tf: Any, threads: int) -> None:
    """Ask TensorFlow for at most `threads` CPU threads (ignored once TF has started)."""
    try:
        tf.config.threading.set_intra_op_parallelism_threads(threads)
        tf.config.threading.set_inter_op_parallelism_threads(threads)
    except RuntimeError:
        pass


def _make_network(keras: Any, batch_size: int | None = None) -> Any:
    """Conv 3x3 -> depthwise 3x3 -> conv 1x1 -> average pool -> dense -> softmax."""
    layers = keras.layers
    return keras.Sequential(
        [
            keras.Input(shape=(8, 8, 1), batch_size=batch_size),
            layers.Conv2D(8, 3, padding="same", activation="relu"),
            layers.DepthwiseConv2D(3, padding="same", activation="relu"),
            layers.Conv2D(16, 1, activation="relu"),
            layers.AveragePooling2D(2),
            layers.Flatten(),
            layers.Dense(NUM_CLASSES),
            layers.Softmax(),
        ]
    )


def train_float_model(x_train: np.ndarray, y_train: np.ndarray, seed: int, epochs: int) -> Any:
    """A Keras model trained on the digits with a fixed seed."""
    tf = _import_tf()
    _limit_threads(tf, 2)
    import keras

    keras.utils.set_random_seed(seed)
    model = _make_network(keras)
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=0.01),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    model.fit(x_train, y_train, batch_size=32, epochs=epochs, shuffle=True, verbose=0)
    return model


def convert_int8(model: Any, calibration: np.ndarray) -> bytes:
    """Full-integer int8 TFLite bytes (int8 input/output) of a trained demo network.

    The weights are copied into a batch-1 twin first, so the graph has static shapes
    (Flatten becomes one RESHAPE with a constant shape).
    """
    tf = _import_tf()
    import keras

    fixed = _make_network(keras, batch_size=1)
    fixed.set_weights(model.get_weights())
    converter = tf.lite.TFLiteConverter.from_keras_model(fixed)
    converter.optimizations = [tf.lite.Optimize.DEFAULT]
    converter.representative_dataset = lambda: ([x[np.newaxis]] for x in calibration)
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    converter.inference_input_type = tf.int8
    converter.inference_output_type = tf.int8
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return _quietly(converter.convert)


def _quietly(action: Callable[[], bytes]) -> bytes:
    """Run `action` with the process's stdout and stderr sent to a temp file (converter noise)."""
    sys.stdout.flush()
    sys.stderr.flush()
    with tempfile.TemporaryFile() as sink:
        saved = [os.dup(1), os.dup(2)]
        try:
            os.dup2(sink.fileno(), 1)
            os.dup2(sink.fileno(), 2)
            with contextlib.redirect_stdout(io.StringIO()):
                return action()
        finally:
            sys.stdout.flush()
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            for fd in saved:
                os.close(fd)


def input_quantization(model_path: Path) -> tuple[float, int]:
    """Scale and zero point of a model's (first) input tensor."""
    import tflite

    model = tflite.Model.GetRootAsModel(Path(model_path).read_bytes(), 0)
    # The flatbuffer reader answers None for a missing table and 0 for a missing vector.
    graph = model.Subgraphs(0)
    inputs = graph.InputsAsNumpy() if graph is not None else 0
    tensor = None if graph is None or isinstance(inputs, int) else graph.Tensors(int(inputs[0]))
    quant = tensor.Quantization() if tensor is not None else None
    scales = quant.ScaleAsNumpy() if quant is not None else 0
    zero_points = quant.ZeroPointAsNumpy() if quant is not None else 0
    if isinstance(scales, int) or isinstance(zero_points, int):
        raise StaiError(f"{model_path}: the model's first input is not quantized")
    return float(scales[0]), int(zero_points[0])


def quantize(x: np.ndarray, scale: float, zero_point: int) -> np.ndarray:
    """Real values to int8 codes: round(x / scale) + zero_point, clamped."""
    q = np.round(x / np.float32(scale)).astype(np.int32) + zero_point
    return np.clip(q, -128, 127).astype(np.int8)


def build_demo_model(out_dir: str | os.PathLike[str], seed: int = 0, epochs: int = 20) -> DemoModel:
    """Train, convert and save the demo model; return it with its quantized held-out set."""
    x_train, x_test, y_train, y_test = load_digits_split(seed)
    model = train_float_model(x_train, y_train, seed, epochs)
    probs = model.predict(x_test, batch_size=256, verbose=0)
    float_accuracy = float(np.mean(np.argmax(probs, axis=1) == y_test))
    folder = Path(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / MODEL_FILE
    path.write_bytes(convert_int8(model, x_train[:200]))
    scale, zero_point = input_quantization(path)
    images = quantize(x_test, scale, zero_point)
    return DemoModel(path, images, y_test, scale, zero_point, float_accuracy)


def tflm_predictions(model_path: str | os.PathLike[str], images: np.ndarray) -> np.ndarray:
    """TFLite Micro's predicted class for each int8 image [N, 8, 8, 1]."""
    from stai.tools.reference import run_tflm_many

    outputs = run_tflm_many(model_path, [[img[np.newaxis]] for img in images])
    return np.array([int(np.argmax(out[0])) for out in outputs], dtype=np.int64)


def tflm_accuracy(
    model_path: str | os.PathLike[str], images: np.ndarray, labels: np.ndarray
) -> float:
    """The fraction of held-out images TFLite Micro classifies correctly."""
    if len(images) != len(labels) or len(images) == 0:
        raise StaiError(f"{len(images)} images and {len(labels)} labels: need equal, non-zero")
    return float(np.mean(tflm_predictions(model_path, images) == np.asarray(labels)))
