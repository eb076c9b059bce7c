"""Helpers for the int8 kernel tests: building the kernels, ctypes bindings, tiny models.

This module holds no tests. It compiles stai's own int8 kernels (`runtime/src/stai_*.c`
except the float32 ones) into a shared library (optionally with AddressSanitizer and
UBSan), wraps each kernel of `stai_kernels_s8.h` in a numpy-in/numpy-out function, and
builds tiny single-operator `.tflite` models, either with TensorFlow's converter or by
hand (schema object API) when a test needs chosen quantization parameters. A `Case` is
one kernel call with the output TFLite Micro gave for it. Run as a script
(`python test_s8_support.py LIB CASES.pkl`) it replays pickled cases on LIB and exits
non-zero on any difference: the sanitizer test runs it with libasan preloaded.
"""

from __future__ import annotations

import ctypes
import os
import pickle
import shutil
import subprocess
import sys
import tempfile
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

REPO = Path(__file__).resolve().parents[2]
INCLUDE_DIR = REPO / "runtime" / "include"
SOURCE_DIR = REPO / "runtime" / "src"

WARNING_FLAGS = ["-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic"]
SANITIZE_FLAGS = [
    "-fsanitize=address,undefined",
    "-fno-sanitize-recover=all",
    "-fno-omit-frame-pointer",
    "-g",
]
SUCCESS = 0
ARG_ERROR = -1


# ----------------------------------------------------------------------------- building


def s8_sources() -> list[Path]:
    """stai's own int8 / type-agnostic kernel sources (every `stai_*.c` but `*_f32.c`)."""
    return sorted(p for p in SOURCE_DIR.glob("stai_*.c") if not p.stem.endswith("_f32"))


def compiler() -> str:
    """The host C compiler (gcc); fails with a clear message if it is missing."""
    path = shutil.which("gcc")
    if path is None:
        raise RuntimeError("gcc is needed to build the int8 kernels: apt-get install gcc")
    return path


def build_library(out_dir: Path, sanitize: bool = False) -> Path:
    """Compile the int8 kernels warning-free (-Werror) into `out_dir/libstai_s8*.so`."""
    out_dir.mkdir(parents=True, exist_ok=True)
    extra = SANITIZE_FLAGS if sanitize else ["-O2"]
    objects = []
    for source in s8_sources():
        obj = out_dir / (source.stem + (".asan.o" if sanitize else ".o"))
        _run(
            [
                compiler(),
                *WARNING_FLAGS,
                *extra,
                "-fPIC",
                "-I",
                str(INCLUDE_DIR),
                "-c",
                str(source),
                "-o",
                str(obj),
            ]
        )
        objects.append(str(obj))
    lib = out_dir / ("libstai_s8_asan.so" if sanitize else "libstai_s8.so")
    _run([compiler(), "-shared", *extra, *objects, "-o", str(lib)])
    return lib


def _run(command: list[str]) -> None:
    """Run a build command; raise with its output if it fails."""
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{done.stdout}{done.stderr}")


def libasan_path() -> str:
    """The path of gcc's libasan shared library (for LD_PRELOAD)."""
    out = subprocess.run(
        [compiler(), "-print-file-name=libasan.so"], capture_output=True, text=True, check=True
    ).stdout.strip()
    if not os.path.isabs(out) or not os.path.exists(out):
        raise RuntimeError("libasan.so not found: install gcc's AddressSanitizer runtime")
    return os.path.realpath(out)


# ----------------------------------------------------------------------------- bindings


class Dims(ctypes.Structure):
    """cmsis_nn_dims {n, h, w, c}."""

    _fields_ = [
        ("n", ctypes.c_int32),
        ("h", ctypes.c_int32),
        ("w", ctypes.c_int32),
        ("c", ctypes.c_int32),
    ]


def dims(shape: Sequence[int]) -> Dims:
    """A cmsis_nn_dims from a shape of up to 4 dims (right-aligned, padded with 1)."""
    full = [1] * (4 - len(shape)) + [int(d) for d in shape]
    if len(full) != 4:
        raise ValueError(f"shape {shape} has more than 4 dims")
    return Dims(*full)


def _ptr(array: np.ndarray) -> ctypes.c_void_p:
    """A pointer to a C-contiguous array's data."""
    if not array.flags["C_CONTIGUOUS"]:
        raise ValueError("array must be C-contiguous")
    return ctypes.c_void_p(array.ctypes.data)


def _s8(array: Any) -> np.ndarray:
    """An int8 C-contiguous copy."""
    return np.ascontiguousarray(np.asarray(array, dtype=np.int8))


class KernelError(AssertionError):
    """A kernel returned a status other than ARM_CMSIS_NN_SUCCESS."""


class Kernels:
    """The int8 kernels of one shared library, as numpy functions."""

    def __init__(self, library: Path) -> None:
        self.lib = ctypes.CDLL(str(library))

    def call(self, name: str, *args: Any) -> int:
        """Call a kernel by name with ctypes arguments; return its status."""
        fn = getattr(self.lib, name)
        fn.restype = ctypes.c_int
        converted = [ctypes.c_int32(a) if isinstance(a, (int, np.integer)) else a for a in args]
        return int(fn(*converted))

    def checked(self, name: str, *args: Any) -> None:
        """Call a kernel and raise unless it succeeded."""
        status = self.call(name, *args)
        if status != SUCCESS:
            raise KernelError(f"{name} returned {status}")

    def elementwise_sub(self, a: np.ndarray, b: np.ndarray, p: Any) -> np.ndarray:
        a, b = _s8(a), _s8(b)
        out = np.empty_like(a)
        self.checked(
            "stai_elementwise_sub_s8",
            _ptr(a),
            _ptr(b),
            p.input_1_offset,
            p.input_1_mult,
            p.input_1_shift,
            p.input_2_offset,
            p.input_2_mult,
            p.input_2_shift,
            p.left_shift,
            _ptr(out),
            p.out_offset,
            p.out_mult,
            p.out_shift,
            p.out_activation_min,
            p.out_activation_max,
            a.size,
        )
        return out

    def broadcast_add_sub(
        self, op: str, a: np.ndarray, b: np.ndarray, out_shape: Sequence[int], p: Any
    ) -> np.ndarray:
        a, b = _s8(a), _s8(b)
        out = np.zeros(out_shape, np.int8)
        da, db, do = dims(a.shape), dims(b.shape), dims(out_shape)
        self.checked(
            f"stai_broadcast_{op}_s8",
            _ptr(a),
            ctypes.byref(da),
            _ptr(b),
            ctypes.byref(db),
            p.input_1_offset,
            p.input_1_mult,
            p.input_1_shift,
            p.input_2_offset,
            p.input_2_mult,
            p.input_2_shift,
            p.left_shift,
            _ptr(out),
            ctypes.byref(do),
            p.out_offset,
            p.out_mult,
            p.out_shift,
            p.out_activation_min,
            p.out_activation_max,
        )
        return out

    def broadcast_mul(
        self, a: np.ndarray, b: np.ndarray, out_shape: Sequence[int], p: Any
    ) -> np.ndarray:
        a, b = _s8(a), _s8(b)
        out = np.zeros(out_shape, np.int8)
        da, db, do = dims(a.shape), dims(b.shape), dims(out_shape)
        self.checked(
            "stai_broadcast_mul_s8",
            _ptr(a),
            ctypes.byref(da),
            _ptr(b),
            ctypes.byref(db),
            p.input_1_offset,
            p.input_2_offset,
            _ptr(out),
            ctypes.byref(do),
            p.out_offset,
            p.out_mult,
            p.out_shift,
            p.out_activation_min,
            p.out_activation_max,
        )
        return out

    def pad(
        self, x: np.ndarray, before: Sequence[int], after: Sequence[int], value: int
    ) -> np.ndarray:
        x = _s8(x)
        out_shape = [d + b + a for d, b, a in zip(x.shape, before, after)]
        out = np.zeros(out_shape, np.int8)
        self.checked(
            "stai_pad_s8",
            _ptr(x),
            ctypes.byref(dims(x.shape)),
            ctypes.byref(dims(before)),
            ctypes.byref(dims(after)),
            ctypes.c_int8(value),
            _ptr(out),
        )
        return out

    def concat(self, inputs: Sequence[np.ndarray], axis: int) -> np.ndarray:
        arrays = [np.ascontiguousarray(a) for a in inputs]
        shape = list(arrays[0].shape)
        shape[axis] = sum(a.shape[axis] for a in arrays)
        out = np.zeros(shape, arrays[0].dtype)
        outer = int(np.prod(shape[:axis], dtype=np.int64))
        out_inner = out.nbytes // max(outer, 1)
        offset = 0
        for a in arrays:
            inner = a.nbytes // max(outer, 1)
            self.checked("stai_concat", _ptr(a), _ptr(out), outer, inner, out_inner, offset)
            offset += inner
        return out

    def copy(self, x: np.ndarray, out_shape: Sequence[int]) -> np.ndarray:
        x = np.ascontiguousarray(x)
        out = np.zeros(out_shape, x.dtype)
        self.checked("stai_copy", _ptr(x), _ptr(out), x.nbytes)
        return out

    def quantize(self, x: np.ndarray, scale: float, zp: int) -> np.ndarray:
        x = np.ascontiguousarray(x, dtype=np.float32)
        out = np.zeros(x.shape, np.int8)
        self.checked("stai_quantize_f32_s8", _ptr(x), _ptr(out), x.size, ctypes.c_float(scale), zp)
        return out

    def dequantize(self, x: np.ndarray, scale: float, zp: int) -> np.ndarray:
        x = _s8(x)
        out = np.zeros(x.shape, np.float32)
        self.checked(
            "stai_dequantize_s8_f32", _ptr(x), _ptr(out), x.size, ctypes.c_float(scale), zp
        )
        return out

    def requantize(self, x: np.ndarray, p: Any) -> np.ndarray:
        x = _s8(x)
        out = np.zeros(x.shape, np.int8)
        self.checked(
            "stai_requantize_s8",
            _ptr(x),
            _ptr(out),
            x.size,
            p.input_offset,
            p.mult,
            p.shift,
            p.output_offset,
        )
        return out

    def relu(self, x: np.ndarray, p: Any) -> np.ndarray:
        x = _s8(x)
        out = np.zeros(x.shape, np.int8)
        self.checked(
            "stai_relu_s8",
            _ptr(x),
            _ptr(out),
            x.size,
            p.input_offset,
            p.mult,
            p.shift,
            p.output_offset,
            p.act_min,
            p.act_max,
        )
        return out

    def sigmoid(self, fn: str, x: np.ndarray, p: Any) -> np.ndarray:
        x = _s8(x)
        out = np.zeros(x.shape, np.int8)
        self.checked(
            f"stai_{fn}_s8",
            _ptr(x),
            _ptr(out),
            x.size,
            p.input_zero_point,
            p.input_range_radius,
            p.input_multiplier,
            p.input_left_shift,
        )
        return out

    def leaky_relu(self, x: np.ndarray, p: Any) -> np.ndarray:
        x = _s8(x)
        out = np.zeros(x.shape, np.int8)
        self.checked(
            "stai_leaky_relu_s8",
            _ptr(x),
            _ptr(out),
            x.size,
            p.input_offset,
            p.output_offset,
            p.identity_mult,
            p.identity_shift,
            p.alpha_mult,
            p.alpha_shift,
        )
        return out

    def hard_swish(self, x: np.ndarray, p: Any) -> np.ndarray:
        x = _s8(x)
        out = np.zeros(x.shape, np.int8)
        self.checked(
            "stai_hard_swish_s8",
            _ptr(x),
            _ptr(out),
            x.size,
            p.input_zero_point,
            p.output_zero_point,
            p.output_multiplier,
            p.output_multiplier_exponent,
            p.reluish_multiplier,
            p.reluish_multiplier_exponent,
        )
        return out

    def mean_hw(self, x: np.ndarray, out_shape: Sequence[int], p: Any) -> np.ndarray:
        x = _s8(x)
        out = np.zeros(out_shape, np.int8)
        self.checked(
            "stai_mean_hw_s8",
            _ptr(x),
            ctypes.byref(dims(x.shape)),
            _ptr(out),
            p.input_offset,
            p.out_mult,
            p.out_shift,
            p.output_offset,
        )
        return out


@dataclass
class Case:
    """One kernel call: `Kernels.<method>(*args)` must equal `expected` (TFLM's output)."""

    label: str
    method: str
    args: tuple[Any, ...]
    expected: np.ndarray

    def run(self, kernels: Kernels) -> np.ndarray:
        """The kernel's output for this case."""
        return getattr(kernels, self.method)(*self.args)

    def mismatch(self, kernels: Kernels) -> str:
        """'' when the kernel output is bit-identical to TFLM's, else a description."""
        got = self.run(kernels)
        want = self.expected
        if got.shape != want.shape and got.size == want.size:
            got = got.reshape(want.shape)
        if got.dtype != want.dtype or got.shape != want.shape:
            return f"{self.label}: got {got.dtype}{got.shape}, want {want.dtype}{want.shape}"
        same = got.view(np.uint8) == want.view(np.uint8) if got.dtype == np.float32 else got == want
        if not np.all(same):
            bad = np.argwhere(~np.asarray(same).reshape(got.shape))[:5]
            details = ", ".join(f"{tuple(i)}: {got[tuple(i)]} != {want[tuple(i)]}" for i in bad)
            return f"{self.label}: {int(np.size(same) - np.count_nonzero(same))} differ ({details})"
        return ""


# ----------------------------------------------------------------------------- models


@dataclass(frozen=True)
class TensorInfo:
    """Shape, dtype and (per-tensor) quantization of a model tensor."""

    shape: tuple[int, ...]
    dtype: str
    scale: float
    zero_point: int


@dataclass
class ModelInfo:
    """What a test needs to know about a single-operator model."""

    path: Path
    ops: list[str]
    inputs: list[TensorInfo]
    outputs: list[TensorInfo]
    options: dict[str, Any] = field(default_factory=dict)


def _tf() -> Any:
    """TensorFlow, imported on first use (fails with a clear message if missing)."""
    try:
        import tensorflow as tf
    except ImportError as exc:  # pragma: no cover - environment problem
        raise RuntimeError(
            "tensorflow is needed to build test models: pip install 'stai[all]'"
        ) from exc
    return tf


def _quietly(action: Callable[[], bytes]) -> bytes:
    """Run `action` with file descriptor 2 sent to a temp file (the converter's C++ noise)."""
    with tempfile.TemporaryFile() as sink:
        saved = os.dup(2)
        try:
            os.dup2(sink.fileno(), 2)
            return action()
        finally:
            os.dup2(saved, 2)
            os.close(saved)


def convert(
    fn: Callable[..., Any],
    shapes: Sequence[Sequence[int]],
    ranges: Sequence[tuple[float, float]],
    float_io: bool = False,
    seed: int = 0,
) -> bytes:
    """A full-integer int8 `.tflite` of `fn` (int8 I/O unless `float_io`), calibrated on a
    seeded uniform representative data set over `ranges`."""
    tf = _tf()
    signature = [tf.TensorSpec(s, tf.float32, name=f"x{i}") for i, s in enumerate(shapes)]
    func = tf.function(fn, input_signature=signature, autograph=False)
    concrete = func.get_concrete_function()
    converter = tf.lite.TFLiteConverter.from_concrete_functions([concrete], func)
    rng = np.random.default_rng(seed)
    samples = [
        [rng.uniform(lo, hi, size=s).astype(np.float32) for s, (lo, hi) in zip(shapes, ranges)]
        for _ in range(32)
    ]
    converter.optimizations = [tf.lite.Optimize.DEFAULT]
    converter.representative_dataset = lambda: iter(samples)
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    if not float_io:
        converter.inference_input_type = tf.int8
        converter.inference_output_type = tf.int8
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return _quietly(converter.convert)


@dataclass(frozen=True)
class T:
    """A tensor of a hand-made model: shape, type name, quantization, constant data."""

    shape: tuple[int, ...]
    dtype: str = "INT8"
    scale: float | None = None
    zero_point: int = 0
    data: np.ndarray | None = None


def handmade(
    op: str,
    inputs: Sequence[T],
    outputs: Sequence[T],
    options: tuple[str, dict[str, Any]] | None = None,
) -> bytes:
    """A one-operator `.tflite` model built with the schema's object API. Inputs with
    `data` are constants; the others are model inputs. `options` is
    (options table name, attribute values), e.g. ("ReducerOptions", {"keepDims": True})."""
    from tensorflow.lite.python import schema_py_generated as schema
    from tensorflow.lite.tools import flatbuffer_utils

    model = schema.ModelT()
    model.version = 3
    code = schema.OperatorCodeT()
    code.builtinCode = getattr(schema.BuiltinOperator, op)
    code.deprecatedBuiltinCode = min(code.builtinCode, 127)
    code.version = 1
    model.operatorCodes = [code]
    model.buffers = [schema.BufferT()]
    tensors = []
    for index, desc in enumerate([*inputs, *outputs]):
        tensor = schema.TensorT()
        tensor.shape = np.array(desc.shape, np.int32)
        tensor.type = getattr(schema.TensorType, desc.dtype)
        tensor.name = f"t{index}".encode()
        tensor.buffer = 0
        if desc.data is not None:
            buffer = schema.BufferT()
            buffer.data = np.frombuffer(np.ascontiguousarray(desc.data).tobytes(), np.uint8)
            model.buffers.append(buffer)
            tensor.buffer = len(model.buffers) - 1
        if desc.scale is not None:
            quant = schema.QuantizationParametersT()
            quant.scale = [float(desc.scale)]
            quant.zeroPoint = [int(desc.zero_point)]
            tensor.quantization = quant
        tensors.append(tensor)
    operator = schema.OperatorT()
    operator.opcodeIndex = 0
    operator.inputs = list(range(len(inputs)))
    operator.outputs = list(range(len(inputs), len(inputs) + len(outputs)))
    if options is not None:
        table, values = options
        operator.builtinOptionsType = getattr(schema.BuiltinOptions, table)
        obj = getattr(schema, table + "T")()
        for key, value in values.items():
            setattr(obj, key, value)
        operator.builtinOptions = obj
    graph = schema.SubGraphT()
    graph.tensors = tensors
    graph.inputs = [i for i, d in enumerate(inputs) if d.data is None]
    graph.outputs = operator.outputs
    graph.operators = [operator]
    model.subgraphs = [graph]
    return bytes(flatbuffer_utils.convert_object_to_bytearray(model))


_TYPE_NAMES = {0: "float32", 2: "int32", 9: "int8"}


def read_model(path: Path) -> ModelInfo:
    """Operators and I/O tensors (shape, dtype, scale, zero point) of a `.tflite` file."""
    import tflite

    model = tflite.Model.GetRootAsModel(path.read_bytes(), 0)
    graph = model.Subgraphs(0)
    names = {v: k for k, v in vars(tflite.BuiltinOperator).items() if not k.startswith("_")}
    ops = []
    for i in range(graph.OperatorsLength()):
        code = model.OperatorCodes(graph.Operators(i).OpcodeIndex())
        ops.append(names[max(code.BuiltinCode(), code.DeprecatedBuiltinCode())])

    def info(index: int) -> TensorInfo:
        tensor = graph.Tensors(index)
        quant = tensor.Quantization()
        has_q = quant is not None and quant.ScaleLength() > 0
        return TensorInfo(
            tuple(int(d) for d in tensor.ShapeAsNumpy()) if tensor.ShapeLength() else (),
            _TYPE_NAMES.get(tensor.Type(), str(tensor.Type())),
            float(quant.Scale(0)) if has_q else 0.0,
            int(quant.ZeroPoint(0)) if has_q else 0,
        )

    return ModelInfo(
        path,
        ops,
        [info(graph.Inputs(i)) for i in range(graph.InputsLength())],
        [info(graph.Outputs(i)) for i in range(graph.OutputsLength())],
    )


def write_model(folder: Path, name: str, build: Callable[[], bytes]) -> ModelInfo:
    """`folder/name.tflite`, built by `build()` on first use, and its description."""
    path = folder / f"{name}.tflite"
    if not path.is_file():
        data = build()
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_bytes(data)
        os.replace(tmp, path)
    return read_model(path)


TFLM_ARENA_BYTES = 1 << 20


def run_tflm(info: ModelInfo, samples: list[list[np.ndarray]]) -> list[np.ndarray]:
    """TFLite Micro's first output for each sample (one interpreter, a 1 MiB arena)."""
    try:
        from tflite_micro.python.tflite_micro import runtime
    except ImportError as exc:  # pragma: no cover - environment problem
        raise RuntimeError("tflite-micro is needed: pip install 'stai[all]'") from exc
    interp = runtime.Interpreter.from_file(str(info.path), arena_size=TFLM_ARENA_BYTES)
    results = []
    for sample in samples:
        for index, value in enumerate(sample):
            interp.set_input(np.ascontiguousarray(value), index)
        interp.invoke()
        results.append(np.array(interp.get_output(0), copy=True))
        interp.reset()
    return results


def random_s8(rng: np.random.Generator, shape: Sequence[int]) -> np.ndarray:
    """Uniform random int8 values over the whole range."""
    return rng.integers(-128, 128, size=tuple(shape), dtype=np.int8)


# ----------------------------------------------------------------------------- replay


def replay(library: Path, cases_file: Path) -> int:
    """Run pickled cases on a library; print mismatches; 0 when all are bit-exact."""
    kernels = Kernels(library)
    with open(cases_file, "rb") as f:
        cases: list[Case] = pickle.load(f)
    failures = [m for m in (c.mismatch(kernels) for c in cases) if m]
    for message in failures:
        print(message)
    print(f"{len(cases)} cases, {len(failures)} mismatches")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(replay(Path(sys.argv[1]), Path(sys.argv[2])))
