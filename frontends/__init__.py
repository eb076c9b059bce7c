"""Model frontends: one package per format, each producing the ``nn`` dialect."""

from __future__ import annotations

from pathlib import Path

from stai.errors import StaiError


def read_model_file(path: str | Path) -> bytes:
    """The bytes of a model file, or a one-line ``StaiError`` naming the problem."""
    path = Path(path)
    if not path.is_file():
        raise StaiError(f"{path}: no such file")
    try:
        return path.read_bytes()
    except OSError as exc:
        raise StaiError(f"{path}: cannot read the file ({exc.strerror})") from exc
