"""The Keras frontend: a ``.keras`` or ``.h5`` model to the ``nn`` dialect.

``import_keras(path)`` loads the file with Keras 3 (``keras.models.load_model``, which
reads both the Keras 3 zip format and the legacy HDF5 format) and translates the model's
layer graph; ``import_keras_model(model)`` translates a model in memory; ``parse_keras(io)``
is the same for ``stai-opt``'s file-extension registry. Nested models are flattened into
one graph and batch normalizations folded into the convolution or dense layer before
them. Bad input raises `stai.errors.StaiError`. ``SUPPORTED_OPERATORS`` lists the Keras
layer classes the importer translates (its dispatch table's keys).
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import IO, Any

from xdsl.dialects.builtin import ModuleOp

from stai.errors import StaiError

from .importer import SUPPORTED_OPERATORS, import_model
from .loader import load_keras

__all__ = [
    "SUPPORTED_OPERATORS",
    "import_keras",
    "import_keras_model",
    "load_keras",
    "parse_keras",
]

SUFFIXES = (".keras", ".h5", ".hdf5")
"""The file suffixes the Keras frontend reads."""


def import_keras_model(model: Any, name: str | None = None) -> ModuleOp:
    """Translate a Keras model object into an ``nn`` module; ``name`` labels errors."""
    return import_model(model, name or getattr(model, "name", "model"))


def import_keras(path: str | Path) -> ModuleOp:
    """Import a ``.keras`` / ``.h5`` file into an ``nn`` module."""
    path = Path(path)
    return import_model(load_keras(path), path.name)


def parse_keras(io: IO[bytes]) -> ModuleOp:
    """Import a Keras model from a binary stream (``stai-opt``'s ``keras``/``h5`` extension)."""
    name = getattr(io, "name", None)
    if isinstance(name, str) and Path(name).is_file() and Path(name).suffix.lower() in SUFFIXES:
        return import_keras(name)
    data = io.read()
    if isinstance(data, str):
        raise StaiError(f"{name or '<keras>'}: a Keras model must be read as bytes")
    suffix = ".h5" if data[:8] == b"\x89HDF\r\n\x1a\n" else ".keras"
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"model{suffix}"
        path.write_bytes(data)
        return import_model(load_keras(path), str(name or path.name))
