"""The ONNX frontend: an .onnx model to the ``nn`` dialect (NHWC).

``import_onnx(path, io_transpose=True, optimize=True)`` and ``import_onnx_bytes(data,
name, ...)`` return a verified ``builtin.module`` with one ``func.func @main``;
``parse_onnx(io)`` is the same for ``stai-opt``'s file-extension registry. Bad input raises
`stai.errors.StaiError`. The packages ``onnx`` (and ``onnxoptimizer`` unless
``optimize=False``) are needed; they are imported only here.
"""

from __future__ import annotations

from pathlib import Path
from typing import IO

from xdsl.dialects.builtin import ModuleOp

from stai.errors import StaiError
from stai.frontends import read_model_file
from stai.frontends.checks import check_accumulators

__all__ = ["import_onnx", "import_onnx_bytes", "parse_onnx"]


def import_onnx_bytes(
    data: bytes, name: str, io_transpose: bool = True, optimize: bool = True
) -> ModuleOp:
    """Import an ONNX model from its bytes; ``name`` labels error messages.

    ``io_transpose``: keep the model's channel-first inputs and outputs (transposes at the
    interface, where a tensor has more than one channel); otherwise rank-4 inputs and
    outputs are NHWC. ``optimize``: run the ONNX optimizer before import.
    """
    from xdsl.utils.exceptions import VerifyException

    from stai.transforms.optimize_transposes import optimize_transposes

    from . import loader
    from .importer import OnnxImporter

    model = loader.load_model_bytes(data, name)
    opset = loader.default_opset(model, name)
    loader.fix_input_shapes(model, name)
    loader.fold_batch_norms(model)
    if optimize:
        model = loader.optimize(model, name)
    model = loader.infer_shapes(model, name)
    module = OnnxImporter(model, name, io_transpose, opset).run()
    try:
        module.verify()
        optimize_transposes(module)
        module.verify()
    except VerifyException as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else "verification failed"
        raise StaiError(f"{name}: the imported model does not verify: {first}") from exc
    check_accumulators(module, name)
    return module


def import_onnx(path: str | Path, io_transpose: bool = True, optimize: bool = True) -> ModuleOp:
    """Import an .onnx file into an ``nn`` module (see :func:`import_onnx_bytes`)."""
    return import_onnx_bytes(read_model_file(path), str(path), io_transpose, optimize)


def parse_onnx(io: IO[bytes]) -> ModuleOp:
    """Import an ONNX model from a binary stream (``stai-opt``'s ``onnx`` extension), with
    the default options."""
    name = getattr(io, "name", "<onnx>")
    data = io.read()
    if isinstance(data, str):
        raise StaiError(f"{name}: an ONNX model must be read as bytes")
    return import_onnx_bytes(data, str(name))
