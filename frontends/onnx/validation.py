"""Checks of an ONNX graph before anything else reads it.

The ONNX optimizer (C++) and ONNX's reference evaluator trust the graph they are given: a
graph output that names no tensor crashes the optimizer, an initializer whose data does
not match its shape fails deep in numpy, a node without a required attribute fails in the
translator that reads it. ``check_graph`` refuses such a model first, with one line naming
the tensor or node, using ONNX's own checker for each tensor and node (``onnx.checker``)
and its own checks of how the graph's tensors connect.
"""

from __future__ import annotations

import math
from typing import Any, cast

from stai.errors import StaiError, printable_name

from ..checks import check_size


def _first_line(exc: BaseException) -> str:
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    return printable_name(lines[0] if lines else type(exc).__name__, 200)


def node_label(node: Any) -> str:
    """``Op (node 'name')`` for messages (the node's first output when it has no name)."""
    label = node.name or (node.output[0] if node.output else "")
    return f"{printable_name(node.op_type, 40)} (node '{printable_name(label)}')"


def _checker_context(model: Any) -> Any:
    import onnx
    from onnx import checker

    ctx = checker.C.CheckerContext()
    ctx.ir_version = model.ir_version or onnx.IR_VERSION
    ctx.opset_imports = {o.domain or "": o.version for o in model.opset_import}
    return ctx


def check_tensor_size(tensor: Any, where: str) -> int:
    """A ``TensorProto``'s element size: its type is known, no dimension is negative and it
    fits a 32-bit MCU (one-line `StaiError`s naming ``where`` otherwise)."""
    from onnx.helper import tensor_dtype_to_np_dtype

    try:
        itemsize = tensor_dtype_to_np_dtype(tensor.data_type).itemsize
    except (KeyError, ValueError, TypeError):
        raise StaiError(f"{where} has an unknown element type ({tensor.data_type})") from None
    if any(d < 0 for d in tensor.dims):
        raise StaiError(f"{where} has a negative dimension {list(tensor.dims)}")
    check_size(where, tensor.dims, itemsize)
    return itemsize


def check_initializers(model: Any, name: str) -> None:
    """Each initializer has a known element type, fits a 32-bit MCU and holds as many
    values as its shape says."""
    from onnx import checker, numpy_helper

    ctx = _checker_context(model)
    for init in model.graph.initializer:
        where = f"{name}: initializer '{printable_name(init.name)}'"
        check_tensor_size(init, where)
        if init.data_location == 1:  # EXTERNAL
            raise StaiError(f"{where} keeps its data in an external file (not supported)")
        try:
            checker.check_tensor(init, ctx)
            count = numpy_helper.to_array(init).size
        except Exception as exc:  # onnx.checker.ValidationError, numpy's ValueError
            raise StaiError(
                f"{where}: its data does not match its type and shape ({_first_line(exc)})"
            ) from exc
        if count != math.prod(init.dims):
            raise StaiError(
                f"{where}: its data does not match its type and shape ({count} values for "
                f"shape {list(init.dims)})"
            )


def check_nodes(model: Any, name: str) -> None:
    """Each node of ONNX's own operator set has the attributes its schema requires, and
    every attribute the schema declares has the declared type; a tensor attribute (a
    ``Constant``'s value) holds the data its shape says. Nodes of an operator ONNX does not
    define are left to the importer, which refuses them by name; inputs are counted by the
    translators (which accept, say, an old ``Gemm`` without its bias)."""
    from onnx import AttributeProto, checker, defs

    ctx = _checker_context(model)
    versions = ctx.opset_imports
    for node in model.graph.node:
        domain = node.domain or ""
        if domain not in ("", "ai.onnx"):
            continue
        try:
            schema = defs.get_schema(node.op_type, versions.get(domain, versions.get("", 1)))
        except Exception:  # onnx.defs.SchemaError: not an ONNX operator (or not yet one)
            continue
        given = {a.name: a for a in node.attribute}
        for attr_name, spec in schema.attributes.items():
            attr = given.get(attr_name)
            if attr is None:
                if spec.required:
                    raise StaiError(
                        f"{name}: {node_label(node)}: required attribute '{attr_name}' is missing"
                    )
                continue
            want = int(cast(Any, spec.type).value)
            if want != AttributeProto.UNDEFINED and attr.type != want:
                expected = AttributeProto.AttributeType.Name(want)
                actual = (
                    AttributeProto.AttributeType.Name(attr.type)
                    if attr.type in AttributeProto.AttributeType.values()
                    else str(attr.type)
                )
                raise StaiError(
                    f"{name}: {node_label(node)}: attribute '{attr_name}' is {actual}, "
                    f"not {expected}"
                )
            if attr.type == AttributeProto.TENSOR:
                try:
                    checker.check_tensor(attr.t, ctx)
                except Exception as exc:  # onnx.checker.ValidationError
                    raise StaiError(
                        f"{name}: {node_label(node)}: attribute '{attr_name}': {_first_line(exc)}"
                    ) from exc


def check_connections(model: Any, name: str) -> None:
    """Every tensor a node or the graph's outputs read exists when it is read (a graph
    input, an initializer or the output of an earlier node) and no tensor is made twice."""
    graph = model.graph
    known = {t.name for t in graph.initializer} | {v.name for v in graph.input}
    for node in graph.node:
        for tensor in node.input:
            if tensor and tensor not in known:
                raise StaiError(
                    f"{name}: {node_label(node)} reads tensor '{printable_name(tensor)}', "
                    "which no graph input, initializer or earlier node makes"
                )
        for tensor in node.output:
            if not tensor:
                continue
            if tensor in known:
                raise StaiError(
                    f"{name}: {node_label(node)} makes tensor '{printable_name(tensor)}', "
                    "which already exists"
                )
            known.add(tensor)
    if not graph.output:
        raise StaiError(f"{name}: the graph has no output")
    for out in graph.output:
        if out.name not in known:
            raise StaiError(
                f"{name}: graph output '{printable_name(out.name)}' names no tensor of the graph"
            )


def check_graph(model: Any, name: str) -> None:
    """All the checks above, in the order the problems would otherwise surface."""
    check_initializers(model, name)
    check_connections(model, name)
    check_nodes(model, name)


def original_weight_bytes(model: Any) -> int:
    """Bytes of the constant tensors the model's nodes read, as the file stores them
    (initializers and ``Constant`` nodes' values, before any folding)."""
    from onnx.helper import tensor_dtype_to_np_dtype

    graph = model.graph
    read = {i for node in graph.node for i in node.input if i}
    read |= {o.name for o in graph.output}
    total = 0
    tensors = [t for t in graph.initializer if t.name in read]
    for node in graph.node:
        if node.op_type == "Constant" and (node.domain or "") in ("", "ai.onnx"):
            tensors += [a.t for a in node.attribute if a.name == "value"]
    for t in tensors:
        count = 1
        for d in t.dims:
            count *= int(d)
        total += count * tensor_dtype_to_np_dtype(t.data_type).itemsize
    return total
