"""Loading a Keras model file with Keras 3, with one-line errors for what cannot load.

A file written by Keras 2 (tf.keras 2.x ``.h5``, a ``tf_keras`` ``.keras``) is loaded
from a copy whose stored configuration `keras2.translated_copy` rewrote in Keras 3's
spelling (``groups`` of depthwise convolutions, ``time_major`` of recurrent layers, ...).

Keras refuses to load Lambda layers (their Python code is not safe to run) and layers of
classes it does not know (custom layers that were not registered). When loading fails,
the model's stored configuration is searched for such a layer, so that the error names it.
"""

from __future__ import annotations

import json
import os
import tempfile
import warnings
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from stai.errors import StaiError, install_hint, printable_name

from .keras2 import keras2_version, translated_copy

_BUILTIN_MODULES = ("keras", "tf_keras", "tensorflow")


def quiet_tensorflow() -> None:
    """Keep TensorFlow's log lines (its C++ and absl INFO/WARNING lines: oneDNN, CPU
    features, ...) off stderr, so that a stai error stays one line. Takes effect when
    called before TensorFlow is imported; with ``STAI_DEBUG`` set the logs are kept."""
    if os.environ.get("STAI_DEBUG"):
        return
    os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
    try:
        from absl import logging as absl_logging
    except ImportError:  # absl comes with TensorFlow; without it there is nothing to quiet
        return
    absl_logging.set_verbosity(absl_logging.ERROR)


def keras_module() -> Any:
    """The ``keras`` package (Keras 3 with TensorFlow), or a `StaiError` saying what to install."""
    quiet_tensorflow()
    try:
        import keras
    except ImportError as exc:
        raise StaiError(
            "the 'tensorflow' and 'keras' packages are needed to read Keras models: "
            f"{install_hint('keras')} ({exc})"
        ) from exc
    if not str(getattr(keras, "__version__", "0")).startswith("3"):
        raise StaiError(f"Keras 3 is needed to read Keras models, found {keras.__version__}")
    return keras


def _one_line(exc: BaseException) -> str:
    return printable_name(" ".join(str(exc).split()) or type(exc).__name__, 300)


def load_keras(path: Path) -> Any:
    """Load a ``.keras`` or ``.h5`` file (without its training configuration)."""
    if not path.is_file():
        raise StaiError(f"{path}: no such file")
    keras = keras_module()
    if path.suffix.lower() in (".h5", ".hdf5"):
        try:
            import h5py  # noqa: F401
        except ImportError as exc:
            raise StaiError(
                f"the 'h5py' package is needed to read .h5 models: {install_hint('keras')}"
            ) from exc
    if keras2_version(path) is not None:
        with tempfile.TemporaryDirectory(prefix="stai-keras2-") as folder:
            return _load(keras, path, translated_copy(path, Path(folder)))
    return _load(keras, path, path)


def _load(keras: Any, path: Path, source: Path) -> Any:
    """Keras' load of ``source`` (``path`` itself or its translated copy)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # Keras' notes on what it skipped loading
            return keras.models.load_model(source, compile=False, safe_mode=True)
    except Exception as exc:
        culprit = _unloadable_layer(path)
        if culprit is not None:
            raise StaiError(f"{path.name}: {culprit}") from exc
        raise StaiError(f"{path.name}: Keras cannot load the model: {_one_line(exc)}") from exc


def _unloadable_layer(path: Path) -> str | None:
    """A message naming a Lambda or custom layer of the stored model, if it has one."""
    try:
        config = _stored_config(path)
    except Exception:  # noqa: BLE001 - not a model file at all: the load error says it
        return None
    for layer in _layers(config):
        class_name = str(layer.get("class_name"))
        name = layer.get("config", {}).get("name", "?")
        if class_name == "Lambda":
            return (
                f"layer '{printable_name(str(name))}' of class Lambda is not supported "
                "(its Python code cannot be compiled)"
            )
        module = layer.get("module")
        registered = layer.get("registered_name")
        custom = (isinstance(module, str) and module.split(".")[0] not in _BUILTIN_MODULES) or (
            isinstance(registered, str) and registered != class_name
        )
        if custom:
            return (
                f"layer '{printable_name(str(name))}' of custom class "
                f"{printable_name(class_name)} is not supported"
            )
    return None


def _stored_config(path: Path) -> dict[str, Any]:
    """The model configuration stored in a ``.keras`` zip or an HDF5 file."""
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            return json.loads(archive.read("config.json"))
    import h5py

    with h5py.File(path, "r") as f:
        text = f.attrs["model_config"]
    if isinstance(text, bytes):
        text = text.decode("utf-8")
    if not isinstance(text, str):
        raise StaiError(f"{path.name}: the stored model configuration is not text")
    return json.loads(text)


def _layers(config: Any) -> Iterator[dict[str, Any]]:
    """Every layer entry (a dict with ``class_name`` and ``config``) nested in ``config``."""
    if isinstance(config, dict):
        if "class_name" in config and isinstance(config.get("config"), dict):
            yield config
        for value in config.values():
            yield from _layers(value)
    elif isinstance(config, list):
        for value in config:
            yield from _layers(value)
