"""The reference runtimes ``stai validate`` compares the generated C with, over batches of
samples: LiteRT ``BUILTIN_REF`` (float and hybrid TFLite, with every intermediate tensor
on request), TFLite Micro (int8 TFLite, intermediates through extra outputs),
onnxruntime (ONNX) and TensorFlow (Keras). ``reference_for`` picks the one of a model
file. The heavy packages are imported only when a runner is called.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from stai.errors import StaiError
from stai.tools.metrics import Quant


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
        raise StaiError(
            f"the 'ai-edge-litert' package is needed for this: pip install -e '.[all]' ({e})"
        ) from e
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
        raise StaiError(f"the 'ai-edge-litert' package is needed for this ({e})") from e
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
    try:
        from tflite_micro.python.tflite_micro import runtime
    except ImportError as e:
        raise StaiError(f"the 'tflite-micro' package is needed for this ({e})") from e
    data = model.read_bytes()
    patched, added = with_extra_outputs(data, names)
    try:
        interp = runtime.Interpreter.from_bytes(patched)
    except Exception as e:
        raise StaiError(f"TFLite Micro cannot load {model.name}: {' '.join(str(e).split())}") from e
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


def run_onnxruntime_many(model: Path, samples: list[list[np.ndarray]]) -> list[list[np.ndarray]]:
    """onnxruntime (CPU) on every sample."""
    try:
        import onnxruntime as ort
    except ImportError as e:
        raise StaiError(f"the 'onnxruntime' package is needed for this ({e})") from e
    session = ort.InferenceSession(str(model), providers=["CPUExecutionProvider"])
    names = [i.name for i in session.get_inputs()]
    shapes = [i.shape for i in session.get_inputs()]
    results = []
    for sample in samples:
        feed = {
            n: v.reshape([d if isinstance(d, int) else 1 for d in s]) if s else v
            for n, v, s in zip(names, sample, shapes)
        }
        results.append([np.asarray(o) for o in session.run(None, feed)])
    return results


def run_keras_many(model: Path, samples: list[list[np.ndarray]]) -> list[list[np.ndarray]]:
    """TensorFlow (Keras) on every sample."""
    try:
        import tensorflow as tf
    except ImportError as e:
        raise StaiError(f"the 'tensorflow' package is needed for this ({e})") from e
    net = tf.keras.models.load_model(str(model), compile=False)
    results = []
    for sample in samples:
        out = net([v for v in sample] if len(sample) > 1 else sample[0], training=False)
        outs = out if isinstance(out, (list, tuple)) else [out]
        results.append([np.asarray(o) for o in outs])
    return results
