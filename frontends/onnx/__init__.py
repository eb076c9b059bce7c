"""The ONNX frontend: an .onnx model to the ``nn`` dialect (NHWC).

``import_onnx(path, io_transpose=True, optimize=True)`` and ``import_onnx_bytes(data,
name, ...)`` return a verified ``builtin.module`` with one ``func.func @main``;
``parse_onnx(io)`` is the same for ``stai-opt``'s file-extension registry. Bad input raises
`stai.errors.StaiError`. The packages ``onnx`` (and ``onnxoptimizer`` unless
``optimize=False``) are needed; they are imported only here. ``SUPPORTED_OPERATORS``
lists the ONNX operator types the importer translates (its dispatch table's keys).
"""

from __future__ import annotations

from pathlib import Path
from typing import IO

from xdsl.dialects.builtin import IntegerAttr, ModuleOp, i64

from stai.errors import StaiError, printable_name
from stai.frontends import read_model_file
from stai.frontends.checks import check_accumulators

from .importer import SUPPORTED_OPERATORS

__all__ = ["SUPPORTED_OPERATORS", "import_onnx", "import_onnx_bytes", "parse_onnx"]


def import_onnx_bytes(
    data: bytes,
    name: str,
    io_transpose: bool = True,
    optimize: bool = True,
    base_dir: Path | None = None,
) -> ModuleOp:
    """Import an ONNX model from its bytes; ``name`` labels error messages.

    ``io_transpose``: keep the model's channel-first inputs and outputs (transposes at the
    interface, where a tensor has more than one channel); otherwise rank-4 inputs and
    outputs are NHWC. ``optimize``: run the ONNX optimizer before import. ``base_dir``:
    the folder that holds the files of tensors kept outside the model (none: such tensors
    are an error).
    """
    from xdsl.utils.exceptions import VerifyException

    from stai.transforms.optimize_transposes import optimize_transposes

    from . import loader
    from .importer import OnnxImporter

    prepared = loader.prepare_model(data, name, optimize, base_dir)
    importer = OnnxImporter(prepared.model, name, io_transpose, prepared.opset)
    module = importer.run(prepared.m_ids, prepared.operators)
    module.attributes["nn.original_weight_bytes"] = IntegerAttr(prepared.original_weight_bytes, i64)
    try:
        module.verify()
        optimize_transposes(module)
        module.verify()
    except VerifyException as exc:
        text = str(exc).strip()
        first = printable_name(text.splitlines()[0], 200) if text else "verification failed"
        raise StaiError(f"{name}: the imported model does not verify: {first}") from exc
    check_accumulators(module, name)
    return module


def import_onnx(path: str | Path, io_transpose: bool = True, optimize: bool = True) -> ModuleOp:
    """Import an .onnx file into an ``nn`` module (see :func:`import_onnx_bytes`)."""
    data = read_model_file(path)
    return import_onnx_bytes(data, str(path), io_transpose, optimize, Path(path).parent)


def parse_onnx(io: IO[bytes]) -> ModuleOp:
    """Import an ONNX model from a binary stream (``stai-opt``'s ``onnx`` extension), with
    the default options."""
    name = getattr(io, "name", "<onnx>")
    data = io.read()
    if isinstance(data, str):
        raise StaiError(f"{name}: an ONNX model must be read as bytes")
    folder = Path(name).parent if isinstance(name, str) and Path(name).is_file() else None
    return import_onnx_bytes(data, str(name), base_dir=folder)
