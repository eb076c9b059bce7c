"""The reference runtimes ``stai validate`` compares the generated C with, over batches of
samples: LiteRT ``BUILTIN_REF`` (float and hybrid TFLite, with every intermediate tensor
on request), TFLite Micro (int8 TFLite, intermediates through extra outputs),
onnxruntime (ONNX; intermediates: every node's outputs added to the graph's outputs) and
TensorFlow (Keras; intermediates: a model whose outputs are the layers' outputs).
``reference_for`` picks the one of a model file. The heavy packages are imported only
when a runner is called.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from stai.errors import StaiError
from stai.tools.metrics import Quant
from stai.tools.reference import missing_package


def _is_integer_model(inputs: list[dict[str, Any]], outputs: list[dict[str, Any]]) -> bool:
    return all(np.dtype(t["dtype"]).kind in "iu" for t in (*inputs, *outputs))


def reference_for(
    model: Path, inputs: list[dict[str, Any]], outputs: list[dict[str, Any]]
) -> tuple[str, Callable[[list[list[np.ndarray]]], list[list[np.ndarray]]]]:
    """The reference runtime of a model file: its name and a batch runner."""
    suffix = model.suffix.lower()
    if suffix == ".tflite":
        if _is_integer_model(inputs, outputs):
            from stai.tools.reference import run_tflm_many

            return "tflite-micro", lambda samples: run_tflm_many(model, samples)
        return "litert BUILTIN_REF", lambda samples: run_litert_many(model, samples)[0]
    if suffix == ".onnx":
        return "onnxruntime", lambda samples: run_onnxruntime_many(model, samples)
    if suffix in (".keras", ".h5"):
        return "tensorflow", lambda samples: run_keras_many(model, samples)
    raise StaiError(f"{model.name}: no reference runtime for '{suffix}' models")


def _litert(model: Path, preserve: bool) -> Any:
    try:
        from ai_edge_litert.interpreter import Interpreter, OpResolverType
    except ImportError as e:
        raise missing_package("ai-edge-litert", e) from e
    try:
        interp = Interpreter(
            model_path=str(model),
            experimental_op_resolver_type=OpResolverType.BUILTIN_REF,
            experimental_preserve_all_tensors=preserve,
            num_threads=1,
        )
        interp.allocate_tensors()
    except Exception as e:
        raise StaiError(f"LiteRT cannot load {model.name}: {' '.join(str(e).split())}") from e
    return interp


def run_litert_many(
    model: Path, samples: list[list[np.ndarray]], intermediates: bool = False
) -> tuple[list[list[np.ndarray]], list[dict[str, np.ndarray]]]:
    """LiteRT reference kernels on every sample: outputs, and with ``intermediates`` every
    tensor by name (``experimental_preserve_all_tensors``)."""
    interp = _litert(model, intermediates)
    ins, outs = interp.get_input_details(), interp.get_output_details()
    tensors = interp.get_tensor_details() if intermediates else []
    results, captured = [], []
    for sample in samples:
        interp.reset_all_variables()  # each sample from the model's initial variables
        for value, d in zip(sample, ins):
            interp.set_tensor(d["index"], np.ascontiguousarray(value.reshape(d["shape"])))
        interp.invoke()
        results.append([np.array(interp.get_tensor(d["index"]), copy=True) for d in outs])
        if intermediates:
            named = {}
            for d in tensors:
                try:
                    named[d["name"]] = np.array(interp.get_tensor(d["index"]), copy=True)
                except ValueError:  # a tensor without data (e.g. an unused optional)
                    continue
            captured.append(named)
    return results, captured


def with_extra_outputs(model_bytes: bytes, names: list[str]) -> tuple[bytes, list[str]]:
    """The ``.tflite`` model with the non-constant tensors called ``names`` appended to its
    main subgraph's outputs (so a runtime without access to intermediates returns them),
    and the names actually appended, in order."""
    import flatbuffers

    try:
        from ai_edge_litert import schema_py_generated as schema
    except ImportError as e:
        raise missing_package("ai-edge-litert", e) from e
    model = schema.ModelT.InitFromObj(schema.Model.GetRootAsModel(model_bytes, 0))
    if not model.subgraphs:
        raise StaiError("the .tflite model has no subgraph")
    graph = model.subgraphs[0]
    outputs = [int(i) for i in graph.outputs or []]
    inputs = {int(i) for i in graph.inputs or []}
    buffers = model.buffers or []
    index = {}
    for i, t in enumerate(graph.tensors or []):
        data = buffers[t.buffer].data if t.buffer else None
        has_data = data is not None and len(data) > 0
        if not has_data:
            index[t.name.decode() if isinstance(t.name, bytes) else t.name] = i
    added = [
        n
        for n in dict.fromkeys(names)
        if n in index and index[n] not in outputs and index[n] not in inputs
    ]
    graph.outputs = outputs + [index[n] for n in added]
    builder = flatbuffers.Builder(len(model_bytes) + 1024)
    builder.Finish(model.Pack(builder), file_identifier=b"TFL3")
    return bytes(builder.Output()), added


def run_tflm_intermediates(
    model: Path, samples: list[list[np.ndarray]], names: list[str]
) -> list[dict[str, np.ndarray]]:
    """TFLite Micro's values of the tensors ``names`` (and the outputs) for every sample:
    the model is run with those tensors added to its outputs."""
    from stai.tools.reference import tflm_interpreter

    data = model.read_bytes()
    patched, added = with_extra_outputs(data, names)
    interp = tflm_interpreter(patched, model.name)
    from stai.frontends.tflite.reader import read_model

    original = read_model(data, model.name)
    out_names = [original.tensors[t].name for t in original.outputs] + added
    results = []
    for sample in samples:
        for i, value in enumerate(sample):
            shape = tuple(int(d) for d in interp.get_input_details(i)["shape"])
            interp.set_input(np.ascontiguousarray(value.reshape(shape)), i)
        interp.invoke()
        results.append(
            {n: np.array(interp.get_output(i), copy=True) for i, n in enumerate(out_names)}
        )
        interp.reset()
    return results


def litert_tensor_quant(model: Path) -> dict[str, Quant]:
    """Per-tensor quantization of every tensor of a ``.tflite`` model, by name."""
    interp = _litert(model, False)
    out = {}
    for d in interp.get_tensor_details():
        scale, zp = d.get("quantization", (0.0, 0))
        out[d["name"]] = Quant(float(scale), int(zp)) if scale else Quant()
    return out


def _ort_session(model: Path | bytes, label: str) -> Any:
    try:
        import onnxruntime as ort
    except ImportError as e:
        raise missing_package("onnxruntime", e) from e
    options = ort.SessionOptions()
    options.log_severity_level = 3
    source = model if isinstance(model, bytes) else str(model)
    try:
        return ort.InferenceSession(source, options, providers=["CPUExecutionProvider"])
    except Exception as e:
        raise StaiError(f"ONNX Runtime cannot load {label}: {' '.join(str(e).split())}") from e


def _ort_feeds(session: Any, sample: list[np.ndarray]) -> dict[str, np.ndarray]:
    feeds = {}
    for spec, value in zip(session.get_inputs(), sample):
        shape = [d if isinstance(d, int) and d > 0 else 1 for d in spec.shape]
        feeds[spec.name] = value.reshape(shape) if shape else value
    return feeds


def run_onnxruntime_many(model: Path, samples: list[list[np.ndarray]]) -> list[list[np.ndarray]]:
    """onnxruntime (CPU) on every sample."""
    session = _ort_session(model, model.name)
    return [[np.asarray(o) for o in session.run(None, _ort_feeds(session, s))] for s in samples]


def run_onnx_intermediates(
    model: Path, samples: list[list[np.ndarray]], optimize: bool = True
) -> tuple[list[dict[str, np.ndarray]], dict[int, str]]:
    """onnxruntime's value of every node output for every sample (by tensor name), and
    the output tensor of each model operator (by ``nn.m_id``).

    The graph run is the one stai imports (``stai.frontends.onnx.loader.prepare_model``
    with the same ``optimize``, which numbers its nodes), with each node's outputs added
    to the graph's outputs. Inputs and results are in the model's own
    (channel-first) layout."""
    session, m_ids, quantized = _onnx_probe(str(model), model.stat().st_mtime_ns, optimize)
    names = [o.name for o in session.get_outputs()]
    results = []
    for sample in samples:
        try:
            values = session.run(None, _ort_feeds(session, sample))
        except Exception as e:
            message = " ".join(str(e).split())
            raise StaiError(f"ONNX Runtime failed on {model.name}: {message}") from e
        named = {n: np.array(v, copy=True) for n, v in zip(names, values)}
        for tensor, (q_name, scale, zero_point) in quantized.items():
            if q_name in named:
                q = named[q_name].astype(np.float64)
                named[tensor] = ((q - zero_point) * scale).astype(np.float32)
        results.append(named)
    return results, m_ids


@functools.lru_cache(maxsize=2)
def _onnx_probe(
    path: str, mtime_ns: int, optimize: bool
) -> tuple[Any, dict[int, str], dict[str, tuple[str, float, int]]]:
    """The session of `run_onnx_intermediates` (one per model file and version), the
    output tensor of each ``m_id``, and the float tensors that a QuantizeLinear alone
    reads (``tensor: (its quantized tensor, scale, zero point)``): stai computes those
    as int8 ops with the QuantizeLinear's type (QDQ), so their reference is the float
    tensor as quantized there, dequantized."""
    from onnx import ValueInfoProto, numpy_helper

    from stai.frontends.onnx.loader import prepare_model

    model = Path(path)
    prepared = prepare_model(model.read_bytes(), model.name, optimize, model.parent)
    graph = prepared.model.graph
    typed = {v.name: v for v in (*graph.value_info, *graph.output)}
    present = {o.name for o in graph.output}
    constants = {t.name for t in graph.initializer}
    for node in graph.node:
        for name in node.output:
            if name and name not in present and name not in constants:
                info = typed.get(name)
                graph.output.append(info if info is not None else ValueInfoProto(name=name))
                present.add(name)
    m_ids = {m: node.output[0] for m, node in zip(prepared.m_ids, graph.node) if node.output}
    inits = {t.name: t for t in graph.initializer}
    readers: dict[str, list[Any]] = {}
    for node in graph.node:
        for name in node.input:
            readers.setdefault(name, []).append(node)
    quantized: dict[str, tuple[str, float, int]] = {}
    for tensor, nodes in readers.items():
        (q, *others) = nodes
        if others or q.op_type != "QuantizeLinear" or q.input[0] != tensor:
            continue
        if len(q.input) < 2 or q.input[1] not in inits:
            continue
        scale = numpy_helper.to_array(inits[q.input[1]]).reshape(-1)
        zp = (
            numpy_helper.to_array(inits[q.input[2]]).reshape(-1)
            if len(q.input) > 2 and q.input[2] in inits
            else np.zeros(1)
        )
        if scale.size == 1 and zp.size == 1:
            quantized[tensor] = (q.output[0], float(scale[0]), int(zp[0]))
    session = _ort_session(prepared.model.SerializeToString(), model.name)
    return session, m_ids, quantized


def _keras_model(model: Path) -> Any:
    from stai.frontends.keras.loader import load_keras

    return load_keras(model)


def _keras_call(net: Any, sample: list[np.ndarray]) -> list[np.ndarray]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Keras' notes on the structure of the inputs
        out = net(list(sample) if len(sample) > 1 else sample[0], training=False)
    outs = out if isinstance(out, (list, tuple)) else [out]
    return [np.asarray(o) for o in outs]


def run_keras_many(model: Path, samples: list[list[np.ndarray]]) -> list[list[np.ndarray]]:
    """TensorFlow (Keras) on every sample."""
    net = _keras_model(model)
    return [_keras_call(net, sample) for sample in samples]


def _keras_graph(keras: Any, net: Any) -> Any:
    """The functional graph of a model (a ``Sequential`` keeps one)."""
    return getattr(net, "_functional", None) if isinstance(net, keras.Sequential) else net


def _keras_layer_outputs(keras: Any, net: Any) -> dict[str, Any]:
    """The symbolic output of each layer call of the model's graph, by the name stai gives
    the layer (a nested model's outputs: by their layers' names after the model's name and
    a slash). The graph is walked from its outputs through each tensor's producing call,
    as the importer walks it; a layer called more than once is left out (its name would
    not say which call)."""
    graph = _keras_graph(keras, net)
    found: dict[str, Any] = {}
    shared: set[str] = set()
    seen: set[int] = set()
    stack = list(getattr(graph, "outputs", None) or [])
    inputs = {id(t) for t in getattr(graph, "inputs", None) or []}
    while stack:
        tensor = stack.pop()
        history = getattr(tensor, "_keras_history", None)
        if id(tensor) in seen or id(tensor) in inputs or history is None:
            continue
        seen.add(id(tensor))
        operation, node_index, tensor_index = history
        name = operation.name
        if isinstance(operation, keras.Model):
            inner = getattr(_keras_graph(keras, operation), "outputs", None) or []
            inner_history = getattr(inner[tensor_index], "_keras_history", None)
            if inner_history is None:
                continue
            name = f"{name}/{inner_history.operation.name}"
        elif len(operation._inbound_nodes[node_index].output_tensors) != 1:
            name = None
        if name is not None:
            if name in found and found[name] is not tensor:
                shared.add(name)
            found[name] = tensor
        stack.extend(operation._inbound_nodes[node_index].input_tensors)
    return {name: tensor for name, tensor in found.items() if name not in shared}


def run_keras_intermediates(
    model: Path, samples: list[list[np.ndarray]]
) -> tuple[list[dict[str, np.ndarray]], dict[int, str]]:
    """TensorFlow's output of every layer for every sample (by layer name, as the
    importer names layers: ``nested_model/layer`` inside a nested model), and the layer
    of each model operator (by ``nn.m_id``). The model is run as a model whose outputs
    are its layers'."""
    probe, names, m_ids = _keras_probe(str(model), model.stat().st_mtime_ns)
    results = []
    for sample in samples:
        values = _keras_call(probe, sample) if names else []
        results.append({n: np.array(v, copy=True) for n, v in zip(names, values)})
    return results, dict(m_ids)


@functools.lru_cache(maxsize=2)
def _keras_probe(path: str, mtime_ns: int) -> tuple[Any, list[str], dict[int, str]]:
    """The model of `run_keras_intermediates`, its outputs' layer names and the layer
    name of each ``nn.m_id``."""
    from stai.frontends.keras.importer import layer_names
    from stai.frontends.keras.loader import keras_module

    keras = keras_module()
    model = Path(path)
    net = _keras_model(model)
    m_ids = dict(enumerate(layer_names(net, model.name)))
    outputs = _keras_layer_outputs(keras, net)
    names = list(outputs)
    if not names:
        return None, names, m_ids
    try:
        inputs = net.inputs if len(net.inputs) > 1 else net.inputs[0]
        probe = keras.Model(inputs=inputs, outputs=[outputs[n] for n in names])
    except Exception as e:
        message = " ".join(str(e).split())
        raise StaiError(f"TensorFlow cannot expose the layers of {model.name}: {message}") from e
    return probe, names, m_ids
