"""Reference runtimes: run a `.tflite` model with TFLite Micro or LiteRT's reference kernels.

Both runners take and return one sample: a list of numpy arrays in the model's input
(output) order, with the model's dtypes and shapes. They are the oracles stai's generated
C code is compared against: TFLite Micro for int8 (bit-exact), LiteRT `BUILTIN_REF` for
float32. The heavy packages are imported only when a runner is called.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from stai.errors import StaiError, install_hint
from stai.runtime.inputs import check_input_count, prepare_input

EXTRA_OF = {
    "tflite-micro": "tflite",
    "ai-edge-litert": "tflite",
    "onnxruntime": "onnx",
    "tensorflow": "keras",
}
"""The extra (``pyproject.toml``) that installs each reference runtime's package."""


def missing_package(package: str, exc: ImportError) -> StaiError:
    """The one-line error for a reference runtime whose package is not installed."""
    hint = install_hint(EXTRA_OF.get(package, "all"))
    return StaiError(f"the '{package}' package is needed for this: {hint} ({exc})")


def _model_file(model_path: str | os.PathLike[str]) -> Path:
    """The model path as a `Path`, checked to be an existing file."""
    path = Path(model_path)
    if not path.is_file():
        raise StaiError(f"model file not found: {path}")
    return path


def _one_line(exc: BaseException) -> str:
    """An exception's message squeezed onto one line."""
    return " ".join(str(exc).split()) or type(exc).__name__


def _io_counts(path: Path) -> tuple[int, int]:
    """The number of inputs and outputs of a model's main subgraph (read with `tflite`)."""
    import tflite

    try:
        model = tflite.Model.GetRootAsModel(path.read_bytes(), 0)
        graph = model.Subgraphs(0)
        if graph is None:
            raise ValueError("no subgraph")
        return graph.InputsLength(), graph.OutputsLength()
    except Exception as exc:  # a corrupt flatbuffer raises anything
        raise StaiError(f"not a readable .tflite model: {path} ({_one_line(exc)})") from exc


TFLM_ARENAS = (None, 1 << 20, 16 << 20, 128 << 20)
"""The tensor arenas `tflm_interpreter` tries in turn: TFLite Micro's default (ten times
the model's bytes, too small for a small model with large activations), then larger ones."""


def tflm_interpreter(data: bytes, label: str) -> Any:
    """A TFLite Micro interpreter (reference kernels, recording allocator) for a model's
    bytes, with the first arena of `TFLM_ARENAS` its tensors fit in."""
    try:
        from tflite_micro.python.tflite_micro import runtime
    except ImportError as exc:
        raise missing_package("tflite-micro", exc) from exc
    error = RuntimeError("no arena tried")
    for arena_size in TFLM_ARENAS:
        try:
            return runtime.Interpreter.from_bytes(data, arena_size=arena_size)
        except Exception as exc:  # the runtime raises RuntimeError (or worse) on any failure
            error = exc
    raise StaiError(f"TFLite Micro cannot load {label}: {_one_line(error)}") from error


def _tflm_interpreter(path: Path) -> Any:
    return tflm_interpreter(path.read_bytes(), path.name)


def run_tflm(model_path: str | os.PathLike[str], inputs: list[np.ndarray]) -> list[np.ndarray]:
    """Run one sample through TFLite Micro's reference kernels; outputs in model order."""
    return run_tflm_many(model_path, [inputs])[0]


def run_tflm_many(
    model_path: str | os.PathLike[str], samples: list[list[np.ndarray]]
) -> list[list[np.ndarray]]:
    """Run several samples through one TFLite Micro interpreter (faster than `run_tflm`)."""
    path = _model_file(model_path)
    n_in, n_out = _io_counts(path)
    for inputs in samples:
        check_input_count(len(inputs), n_in)
    interp = _tflm_interpreter(path)
    specs = []
    for i in range(n_in):
        details = interp.get_input_details(i)
        specs.append((tuple(int(d) for d in details["shape"]), np.dtype(details["dtype"])))
    results = []
    for inputs in samples:
        for i, (value, (shape, dtype)) in enumerate(zip(inputs, specs)):
            interp.set_input(prepare_input(value, shape, dtype, i), i)
        try:
            interp.invoke()
        except Exception as exc:
            raise StaiError(f"TFLite Micro failed on {path.name}: {_one_line(exc)}") from exc
        results.append([np.array(interp.get_output(i), copy=True) for i in range(n_out)])
        interp.reset()
    return results


def run_litert_ref(
    model_path: str | os.PathLike[str], inputs: list[np.ndarray]
) -> list[np.ndarray]:
    """Run one sample through LiteRT with its reference kernels (`BUILTIN_REF`)."""
    path = _model_file(model_path)
    try:
        from ai_edge_litert.interpreter import Interpreter, OpResolverType
    except ImportError as exc:
        raise missing_package("ai-edge-litert", exc) from exc
    try:
        interp = Interpreter(
            model_path=str(path),
            experimental_op_resolver_type=OpResolverType.BUILTIN_REF,
            num_threads=1,
        )
        interp.allocate_tensors()
    except Exception as exc:
        raise StaiError(f"LiteRT cannot load {path.name}: {_one_line(exc)}") from exc
    in_details = interp.get_input_details()
    check_input_count(len(inputs), len(in_details))
    for i, (value, details) in enumerate(zip(inputs, in_details)):
        shape = tuple(int(d) for d in details["shape"])
        array = prepare_input(value, shape, np.dtype(details["dtype"]), i)
        interp.set_tensor(details["index"], array)
    try:
        interp.invoke()
    except Exception as exc:
        raise StaiError(f"LiteRT failed on {path.name}: {_one_line(exc)}") from exc
    return [np.array(interp.get_tensor(d["index"]), copy=True) for d in interp.get_output_details()]


def _capture_fd_output(action: Callable[[], None]) -> str:
    """Text that `action` writes to the process's stdout/stderr file descriptors (C code)."""
    with tempfile.TemporaryFile(mode="w+b") as sink:
        saved = [os.dup(1), os.dup(2)]
        try:
            os.dup2(sink.fileno(), 1)
            os.dup2(sink.fileno(), 2)
            action()
        finally:
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            for fd in saved:
                os.close(fd)
        sink.seek(0)
        return sink.read().decode("utf-8", errors="replace")


_ARENA_TOTAL = re.compile(r"Arena allocation total (\d+) bytes")


def tflm_arena_bytes(model_path: str | os.PathLike[str]) -> int:
    """The tensor-arena bytes TFLite Micro's recording allocator uses for a model."""
    path = _model_file(model_path)
    interp = _tflm_interpreter(path)
    import sys

    sys.stdout.flush()
    sys.stderr.flush()
    text = _capture_fd_output(interp.print_allocations)
    match = _ARENA_TOTAL.search(text)
    if match is None:
        raise StaiError(f"TFLite Micro printed no arena figure for {path.name}")
    return int(match.group(1))


def run_keras(model_path: str | os.PathLike[str], inputs: list[np.ndarray]) -> list[np.ndarray]:
    """Run one sample through a `.keras` / `.h5` model with Keras (`model.predict`).

    The sample's arrays are given with or without the batch dimension of 1."""
    from stai.frontends.keras.loader import load_keras

    model = load_keras(_model_file(model_path))
    check_input_count(len(inputs), len(model.inputs))
    batch = []
    for i, (value, tensor) in enumerate(zip(inputs, model.inputs)):
        shape = tuple(1 if d is None else int(d) for d in tensor.shape)
        batch.append(prepare_input(value, shape, np.dtype(np.float32), i))
    try:
        outputs = model.predict(batch if len(batch) > 1 else batch[0], verbose=0)
    except Exception as exc:
        raise StaiError(f"Keras failed on {Path(model_path).name}: {_one_line(exc)}") from exc
    if not isinstance(outputs, list | tuple):
        outputs = [outputs]
    return [np.array(o, dtype=np.float32, copy=True) for o in outputs]


_ORT_DTYPES = {"tensor(float)": np.float32, "tensor(int8)": np.int8, "tensor(uint8)": np.uint8}


def run_onnxruntime(
    model_path: str | os.PathLike[str], inputs: list[np.ndarray]
) -> list[np.ndarray]:
    """Run one sample through an `.onnx` model with ONNX Runtime (CPU, one thread, all
    graph optimizations: quantized QDQ groups run as its int8 kernels). Inputs and outputs
    are in the model's own layout; a symbolic batch dimension is 1."""
    path = _model_file(model_path)
    try:
        import onnxruntime as ort
    except ImportError as exc:
        raise missing_package("onnxruntime", exc) from exc
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    try:
        session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    except Exception as exc:
        raise StaiError(f"ONNX Runtime cannot load {path.name}: {_one_line(exc)}") from exc
    specs = session.get_inputs()
    check_input_count(len(inputs), len(specs))
    feeds = {}
    for i, (value, spec) in enumerate(zip(inputs, specs)):
        shape = tuple(d if isinstance(d, int) and d > 0 else 1 for d in spec.shape)
        dtype = np.dtype(_ORT_DTYPES.get(spec.type, np.float32))
        feeds[spec.name] = prepare_input(value, shape, dtype, i)
    try:
        outputs = session.run(None, feeds)
    except Exception as exc:
        raise StaiError(f"ONNX Runtime failed on {path.name}: {_one_line(exc)}") from exc
    return [np.array(o, copy=True) for o in outputs]
