"""Reading an ONNX model and preparing it for import.

``prepare_model`` parses the file, checks the opset and the graph
(`validation.check_graph`) after reading tensors kept in external files, gives a symbolic batch dimension the size 1 (any other
dynamic dimension is an error), folds batch normalizations, and constant per-channel
Mul / Add / Sub / Div (`folding.fold_scale_shift`), into the convolutions (and Gemm)
before them, optionally runs the ONNX optimizer (``onnxoptimizer``, in a child process) and
infers the shapes of every tensor. The importer numbers operators (``nn.m_id``) by their
node's index in the file (`Prepared.m_ids`).
"""

from __future__ import annotations

import faulthandler
import os
import signal
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from stai.errors import StaiError, install_hint, printable_name

from .external_data import resolve_external_data
from .folding import fold_scale_shift
from .validation import check_graph, original_weight_bytes

MIN_OPSET = 7
"""The oldest default-domain opset the frontend reads."""

OPTIMIZER_PASSES = (
    "eliminate_identity",
    "eliminate_nop_dropout",
    "eliminate_nop_transpose",
    "eliminate_nop_pad",
    "eliminate_nop_flatten",
    "eliminate_nop_reshape",
    "eliminate_unused_initializer",
    "eliminate_deadend",
    "extract_constant_to_initializer",
    "fuse_consecutive_transposes",
    "fuse_consecutive_squeezes",
    "fuse_consecutive_unsqueezes",
    "fuse_transpose_into_gemm",
    "fuse_bn_into_conv",
    "fuse_add_bias_into_conv",
    "fuse_pad_into_conv",
)
"""The ``onnxoptimizer`` passes run before import (standard eliminations and fusions)."""


def require_onnx() -> Any:
    """The ``onnx`` module, or a `StaiError` saying how to install it."""
    try:
        import onnx
    except ImportError as exc:
        raise StaiError(
            f"the 'onnx' package is needed to read .onnx models: {install_hint('onnx')}"
        ) from exc
    return onnx


class Prepared(NamedTuple):
    """A model ready for import."""

    model: Any
    """The prepared ``ModelProto``."""
    opset: int
    """The version of its default operator set."""
    original_weight_bytes: int
    """Bytes of the constants the file's nodes read, before any folding."""
    m_ids: list[int]
    """The ``nn.m_id`` of each node of the prepared graph: the index of the file's node it
    is (kept or changed by preparation); a node the optimizer made counts as a part of the
    file's node that reads its result (`_file_indices`)."""
    operators: list[tuple[str, str]]
    """The type and name (or first output) of each model operator, indexed by ``nn.m_id``:
    the file's nodes (then any node made from nothing in the file)."""


_M_ID_TAG = "stai.m_id="


def prepare_model(
    data: bytes, name: str, optimize_graph: bool = True, base_dir: Path | None = None
) -> Prepared:
    """Parse, check and prepare an ONNX model's bytes for import (module docstring).

    Tensors kept in external files are read from ``base_dir``, the model's folder
    (`external_data.resolve_external_data`; without it they are an error). Each node is tagged with its index in the file (in its ``doc_string``, restored
    afterwards) so that the nodes preparation keeps are numbered as in the file."""
    model = load_model_bytes(data, name)
    resolve_external_data(model, base_dir, name)
    opset = default_opset(model, name)
    check_graph(model, name)
    weights = original_weight_bytes(model)
    nodes = model.graph.node
    operators = [(n.op_type, n.name or (n.output[0] if n.output else "")) for n in nodes]
    docs = [n.doc_string for n in nodes]
    for index, node in enumerate(nodes):
        node.doc_string = f"{_M_ID_TAG}{index}"
    fix_input_shapes(model, name)
    fold_batch_norms(model)
    fold_scale_shift(model)
    if optimize_graph:
        model = optimize(model, name)
    m_ids = _file_indices(model.graph.node, docs)
    for position, m_id in enumerate(m_ids):
        if m_id < 0:  # a node made from nothing in the file: an operator of its own
            node = model.graph.node[position]
            m_ids[position] = len(operators)
            operators.append((node.op_type, node.name or (node.output[0] if node.output else "")))
    return Prepared(infer_shapes(model, name), opset, weights, m_ids, operators)


def _file_indices(nodes: Any, docs: list[str]) -> list[int]:
    """The file index of each prepared node, read from its tag (whose ``doc_string`` is
    restored from ``docs``). A node the optimizer made (untagged, or a second copy) gets
    the index of the first node that reads its result (it computes a part of that
    operator, say its bias), else of the node that makes its input, else -1."""
    indices: list[int] = []
    for node in nodes:
        tag = node.doc_string.removeprefix(_M_ID_TAG)
        index = int(tag) if node.doc_string.startswith(_M_ID_TAG) and tag.isdigit() else -1
        if not 0 <= index < len(docs) or index in indices:
            index = -1
        node.doc_string = docs[index] if index >= 0 else ""
        indices.append(index)
    made = [i for i, index in enumerate(indices) if index < 0]
    for position in reversed(made):  # readers first: a chain of made nodes resolves
        outputs = {o for o in nodes[position].output if o}
        readers = [
            indices[j]
            for j in range(position + 1, len(indices))
            if indices[j] >= 0 and outputs.intersection(nodes[j].input)
        ]
        if readers:
            indices[position] = readers[0]
    for position in made:
        if indices[position] >= 0:
            continue
        inputs = set(nodes[position].input)
        makers = [
            indices[j]
            for j in range(position)
            if indices[j] >= 0 and inputs.intersection(nodes[j].output)
        ]
        if makers:
            indices[position] = makers[-1]
    return indices


def load_model_bytes(data: bytes, name: str) -> Any:
    """Parse an ONNX model (a ``ModelProto``) from its bytes."""
    onnx = require_onnx()
    try:
        model = onnx.load_model_from_string(bytes(data))
    except Exception as exc:  # protobuf raises DecodeError and others
        raise StaiError(f"{name}: not a readable ONNX model ({type(exc).__name__})") from exc
    if not model.HasField("graph") or not model.graph.node:
        raise StaiError(f"{name}: not a readable ONNX model (no graph)")
    return model


def default_opset(model: Any, name: str) -> int:
    """The version of the default (``ai.onnx``) operator set, checked to be supported."""
    onnx = require_onnx()
    newest = onnx.defs.onnx_opset_version()
    versions = [o.version for o in model.opset_import if o.domain in ("", "ai.onnx")]
    if not versions:
        raise StaiError(f"{name}: the model imports no default ONNX operator set")
    version = max(versions)
    if not MIN_OPSET <= version <= newest:
        raise StaiError(
            f"{name}: ONNX opset {version} is not supported (stai reads opsets "
            f"{MIN_OPSET} to {newest})"
        )
    return version


def _initializer_names(model: Any) -> set[str]:
    return {t.name for t in model.graph.initializer}


def fix_input_shapes(model: Any, name: str) -> None:
    """Give a symbolic (or unknown) batch dimension the size 1; reject other dynamic
    dimensions and inputs without a shape.

    The shapes the file states for other tensors (``value_info``, graph outputs) are
    not kept where they name an input (``onnx.utils.extract_model`` lists the inputs
    there too, with their symbolic batch, and the optimizer would restore it) or have
    a symbolic dimension: shape inference computes them again from the fixed inputs."""
    constants = _initializer_names(model)
    inputs = {value.name for value in model.graph.input} - constants
    stated = [v for v in model.graph.value_info if v.name not in inputs]
    del model.graph.value_info[:]
    model.graph.value_info.extend(stated)
    for value in [*model.graph.value_info, *model.graph.output]:
        if value.type.HasField("tensor_type") and value.type.tensor_type.HasField("shape"):
            for dim in value.type.tensor_type.shape.dim:
                if not dim.HasField("dim_value"):
                    dim.Clear()  # unknown: inference fills it in
    for value in model.graph.input:
        if value.name in constants:
            continue
        tensor = value.type.tensor_type
        if not tensor.HasField("shape"):
            raise StaiError(f"{name}: input '{printable_name(value.name)}' has no static shape")
        for axis, dim in enumerate(tensor.shape.dim):
            if dim.HasField("dim_value") and dim.dim_value > 0:
                continue
            if axis == 0:
                dim.Clear()
                dim.dim_value = 1
                continue
            what = f"'{printable_name(dim.dim_param)}'" if dim.dim_param else "unknown"
            raise StaiError(
                f"{name}: input '{printable_name(value.name)}' has a dynamic dimension {axis} ({what}); "
                "stai needs static spatial shapes"
            )


def optimize(model: Any, name: str) -> Any:
    """Run ``onnxoptimizer`` with :data:`OPTIMIZER_PASSES`, in a child process where the
    system has ``fork``: a crash of the optimizer's C++ code then becomes a one-line error
    instead of ending stai."""
    try:
        import onnxoptimizer
    except ImportError as exc:
        raise StaiError(
            "the 'onnxoptimizer' package is not installed: "
            f"{install_hint('onnx')}, or pass --no-onnx-optimizer"
        ) from exc
    onnx = require_onnx()
    available = set(onnxoptimizer.get_available_passes())
    passes = [p for p in OPTIMIZER_PASSES if p in available]

    def run(data: bytes) -> bytes:
        optimized = onnxoptimizer.optimize(onnx.load_model_from_string(data), passes)
        return optimized.SerializeToString()

    retry = "retry with --no-onnx-optimizer"
    try:
        data = run_isolated(run, model.SerializeToString())
    except IsolatedCrash as exc:
        raise StaiError(f"{name}: the ONNX optimizer crashed ({exc}); {retry}") from exc
    except Exception as exc:
        message = " ".join(str(exc).split())[:200] or type(exc).__name__
        raise StaiError(f"{name}: the ONNX optimizer failed ({message}); {retry}") from exc
    return onnx.load_model_from_string(data)


class IsolatedCrash(Exception):
    """The child process of `run_isolated` ended without an answer (a signal, an exit)."""


def run_isolated(function: Callable[[bytes], bytes], data: bytes) -> bytes:
    """``function(data)`` computed in a forked child process (in this process where
    ``fork`` does not exist). An exception in the child is raised again here as a
    ``RuntimeError`` with its message; a child killed by a signal or exiting without an
    answer raises `IsolatedCrash`."""
    if not hasattr(os, "fork"):
        return function(data)
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: answer through the pipe, never return into the caller
        code = 0
        try:
            os.close(read_end)
            faulthandler.disable()  # a crash is reported by the parent, in one line
            quiet = os.open(os.devnull, os.O_WRONLY)
            os.dup2(quiet, 1)
            os.dup2(quiet, 2)
            try:
                payload = b"R" + function(data)
            except BaseException as exc:  # noqa: BLE001 - reported to the parent
                payload = b"E" + (" ".join(str(exc).split()) or type(exc).__name__).encode()
            view = memoryview(payload)
            while view:
                view = view[os.write(write_end, view) :]
        except BaseException:  # noqa: BLE001 - the parent sees the missing answer
            code = 1
        finally:
            os._exit(code)
    os.close(write_end)
    chunks = []
    with os.fdopen(read_end, "rb") as pipe:
        while chunk := pipe.read(1 << 20):
            chunks.append(chunk)
    _, status = os.waitpid(pid, 0)
    answer = b"".join(chunks)
    if os.WIFSIGNALED(status):
        number = os.WTERMSIG(status)
        try:
            what = signal.Signals(number).name
        except ValueError:
            what = f"signal {number}"
        raise IsolatedCrash(what)
    if not answer or os.WEXITSTATUS(status) != 0:
        raise IsolatedCrash(f"exit status {os.WEXITSTATUS(status)} without an answer")
    if answer[:1] == b"E":
        raise RuntimeError(answer[1:].decode("utf-8", errors="replace"))
    return answer[1:]


def infer_shapes(model: Any, name: str) -> Any:
    """The model with the shapes of its intermediate tensors filled in."""
    onnx = require_onnx()
    try:
        return onnx.shape_inference.infer_shapes(model, data_prop=True)
    except Exception as exc:
        message = " ".join(str(exc).split())[:200] or type(exc).__name__
        raise StaiError(f"{name}: ONNX shape inference failed: {message}") from exc


def fold_batch_norms(model: Any) -> None:
    """Fold every BatchNormalization that alone reads a Conv/ConvTranspose with constant
    weights into that node's weights and bias (in float64, stored as float32)."""
    require_onnx()
    from onnx import numpy_helper

    graph = model.graph
    inits = {t.name: t for t in graph.initializer}
    outputs = {o.name for o in graph.output}
    users: dict[str, int] = {}
    for node in graph.node:
        for i in node.input:
            users[i] = users.get(i, 0) + 1
    producer = {o: n for n in graph.node for o in n.output}
    folded = []
    for bn in graph.node:
        if bn.op_type != "BatchNormalization" or len(bn.input) < 5:
            continue
        if len([o for o in bn.output if o]) != 1 or not bn.output[0]:
            continue
        x = bn.input[0]
        conv = producer.get(x)
        if conv is None or conv.op_type not in ("Conv", "ConvTranspose"):
            continue
        if users.get(x, 0) != 1 or x in outputs or len(conv.input) < 2:
            continue
        if any(i not in inits for i in bn.input[1:5]) or conv.input[1] not in inits:
            continue
        has_bias = len(conv.input) > 2 and bool(conv.input[2])
        if has_bias and conv.input[2] not in inits:
            continue
        w = numpy_helper.to_array(inits[conv.input[1]])
        if w.dtype.kind != "f":
            continue
        w = w.astype(np.float64)
        eps = next((a.f for a in bn.attribute if a.name == "epsilon"), 1e-5)
        gamma, beta, mean, var = (
            numpy_helper.to_array(inits[i]).astype(np.float64).reshape(-1) for i in bn.input[1:5]
        )
        factor = gamma / np.sqrt(var + eps)
        out_c = factor.shape[0]
        if conv.op_type == "Conv":
            if w.shape[0] != out_c:
                continue
            w = w * factor.reshape((-1,) + (1,) * (w.ndim - 1))
        else:
            group = next((a.i for a in conv.attribute if a.name == "group"), 1)
            if group != 1 or w.shape[1] != out_c:
                continue
            w = w * factor.reshape((1, -1) + (1,) * (w.ndim - 2))
        b = np.zeros(out_c)
        if has_bias:
            b = numpy_helper.to_array(inits[conv.input[2]]).astype(np.float64).reshape(-1)
        b = (b - mean) * factor + beta
        w_name, b_name = f"{bn.output[0]}__folded_weights", f"{bn.output[0]}__folded_bias"
        graph.initializer.append(numpy_helper.from_array(w.astype(np.float32), w_name))
        graph.initializer.append(numpy_helper.from_array(b.astype(np.float32), b_name))
        x_in = conv.input[0]
        del conv.input[:]
        conv.input.extend([x_in, w_name, b_name])
        conv.output[0] = bn.output[0]
        folded.append(bn)
    for bn in folded:
        graph.node.remove(bn)
