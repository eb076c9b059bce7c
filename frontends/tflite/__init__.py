"""The TFLite frontend: a .tflite flatbuffer to the ``nn`` dialect.

``import_tflite(path)`` and ``import_tflite_bytes(data, name)`` return a verified
``builtin.module`` with one ``func.func @main``; ``parse_tflite(io)`` is the same for
``stai-opt``'s file-extension registry. Bad input raises `stai.errors.StaiError`.
``SUPPORTED_OPERATORS`` maps every builtin operator the importer translates to the element
types stai compiles it for (read from the importer's table and the ``nn`` ops' facts).
"""

from __future__ import annotations

from pathlib import Path
from typing import IO

from xdsl.dialects.builtin import ModuleOp

from stai.errors import StaiError
from stai.frontends import read_model_file

from .importer import SUPPORTED_OPERATORS, import_model
from .reader import read_model

__all__ = ["SUPPORTED_OPERATORS", "import_tflite", "import_tflite_bytes", "parse_tflite"]


def import_tflite_bytes(data: bytes, name: str) -> ModuleOp:
    """Import a TFLite model from its bytes; ``name`` labels error messages."""
    return import_model(read_model(bytes(data), name))


def import_tflite(path: str | Path) -> ModuleOp:
    """Import a .tflite file into an ``nn`` module."""
    return import_tflite_bytes(read_model_file(path), str(path))


def parse_tflite(io: IO[bytes]) -> ModuleOp:
    """Import a TFLite model from a binary stream (``stai-opt``'s ``tflite`` extension)."""
    name = getattr(io, "name", "<tflite>")
    data = io.read()
    if isinstance(data, str):
        raise StaiError(f"{name}: a TFLite model must be read as bytes")
    return import_tflite_bytes(data, str(name))
