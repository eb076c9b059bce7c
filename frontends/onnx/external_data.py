"""Tensors whose data an ONNX file keeps in other files (``data_location = EXTERNAL``).

Exporters write large weights next to the model: ``onnx.save_model(...,
save_as_external_data=True)``, the dynamo exporter, tools that split models over 2 GB.
Each such tensor names a file relative to the model's folder, an offset and a length.
`resolve_external_data` reads each into the tensor itself (``raw_data``), so the rest of
the frontend sees an ordinary model. Every problem is a one-line `StaiError`: no folder
to look in (a model read from a stream), a location outside the model's folder, a missing
file, a range past the file's end, a tensor too big for a 32-bit MCU.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from stai.errors import StaiError, printable_name

from .validation import check_tensor_size


def _tensors(model: Any) -> list[Any]:
    """The initializers and ``Constant`` values of the main graph."""
    graph = model.graph
    tensors = list(graph.initializer)
    for node in graph.node:
        if node.op_type == "Constant" and (node.domain or "") in ("", "ai.onnx"):
            tensors += [a.t for a in node.attribute if a.name == "value" and a.HasField("t")]
    return tensors


def resolve_external_data(model: Any, base_dir: Path | None, name: str) -> int:
    """Read every external tensor's bytes from the files in ``base_dir`` (the model's
    folder) into the tensor; returns how many tensors were read."""
    from onnx import TensorProto
    from onnx.external_data_helper import ExternalDataInfo

    external = [t for t in _tensors(model) if t.data_location == TensorProto.EXTERNAL]
    if not external:
        return 0
    first = printable_name(external[0].name)
    if base_dir is None:
        raise StaiError(
            f"{name}: tensor '{first}' keeps its data in an external file; "
            "read the model from its path so that stai can find the file"
        )
    root = base_dir.resolve()
    for tensor in external:
        where = f"{name}: tensor '{printable_name(tensor.name)}'"
        itemsize = check_tensor_size(tensor, where)
        info = ExternalDataInfo(tensor)
        location = str(info.location or "")
        shown = printable_name(location)
        path = (root / location).resolve()
        if not location or Path(location).is_absolute() or not path.is_relative_to(root):
            raise StaiError(
                f"{where}: its external data file '{shown}' is not inside the model's folder"
            )
        if not path.is_file():
            raise StaiError(f"{where}: its external data file '{shown}' does not exist in {root}")
        size = path.stat().st_size
        offset = int(info.offset or 0)
        expected = math.prod(int(d) for d in tensor.dims) * itemsize
        length = int(info.length) if info.length is not None else size - offset
        if offset < 0 or offset + length > size:
            raise StaiError(
                f"{where}: its external data ({length} bytes at offset {offset}) runs past "
                f"the end of '{shown}' ({size} bytes)"
            )
        if length != expected:
            raise StaiError(
                f"{where}: its external data holds {length} bytes, its type and shape "
                f"need {expected}"
            )
        with path.open("rb") as file:
            file.seek(offset)
            tensor.raw_data = file.read(length)
        del tensor.external_data[:]
        tensor.data_location = TensorProto.DEFAULT
    return len(external)
