"""Harness for the portable CMSIS-NN API kernels: build, ctypes bindings, model reading, cases.

`build_library` compiles the headers and `runtime/src/arm_*.c` into a shared library
(optionally with ASan/UBSan). `read_op` reads the single operator of a `.tflite` model with
the `tflite` package (tensors, quantization, constants, options); `make_case` turns it and
one input sample into a `KernelCase` (the kernel's arguments, computed with
`stai.lowering.quant_math`), and `run_case` calls the kernel through ctypes.

Run as a script (`python test_cmsis_support.py LIB CASES OUT`) it runs pickled cases on LIB
and saves the outputs, which is how the sanitized library is run in a child process.
"""

from __future__ import annotations

import ctypes
import os
import pickle
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
INCLUDE = ROOT / "runtime" / "include"
SOURCES = ROOT / "runtime" / "src"
CMSIS_HEADERS = (
    "arm_nn_types.h",
    "arm_nn_math_types.h",
    "arm_nnfunctions.h",
    "arm_nnsupportfunctions.h",
)
CMSIS_SOURCES = (
    "arm_convolve_s8.c",
    "arm_convolve_get_buffer_sizes_s8.c",
    "arm_depthwise_conv_s8.c",
    "arm_depthwise_conv_get_buffer_sizes_s8.c",
    "arm_fully_connected_s8.c",
    "arm_fully_connected_get_buffer_sizes_s8.c",
    "arm_avgpool_s8.c",
    "arm_max_pool_s8.c",
    "arm_softmax_s8.c",
    "arm_elementwise_add_s8.c",
    "arm_elementwise_mul_s8.c",
)
STRICT_FLAGS = ["-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic"]
SANITIZE_FLAGS = [
    "-fsanitize=address,undefined",
    "-fno-sanitize-recover=all",
    "-fno-omit-frame-pointer",
]


# ------------------------------------------------------------------------------ build


def compiler() -> str:
    """The host C compiler (gcc); a clear failure when there is none."""
    cc = shutil.which(os.environ.get("CC", "gcc")) or shutil.which("gcc")
    if cc is None:
        raise RuntimeError("no C compiler: install gcc")
    return cc


def run_compiler(args: list[str]) -> None:
    """Run the compiler; raise with its output when it fails or warns."""
    done = subprocess.run([compiler(), *args], capture_output=True, text=True)
    if done.returncode != 0 or done.stderr.strip():
        raise RuntimeError(f"{' '.join(args)}\n{done.stdout}{done.stderr}")


def source_paths() -> list[Path]:
    """The portable CMSIS-NN API sources."""
    return [SOURCES / name for name in CMSIS_SOURCES]


def build_library(out_dir: Path, sanitize: bool = False) -> Path:
    """Compile every portable CMSIS-NN API source into one shared library."""
    name = "libstai_cmsis_san.so" if sanitize else "libstai_cmsis.so"
    lib = Path(out_dir) / name
    flags = [*STRICT_FLAGS, "-fPIC", "-shared", f"-I{INCLUDE}"]
    flags += [*SANITIZE_FLAGS, "-O1", "-g"] if sanitize else ["-O2"]
    run_compiler([*flags, *map(str, source_paths()), "-o", str(lib)])
    return lib


# ------------------------------------------------------------------------------ ctypes

i32 = ctypes.c_int32
P8 = ctypes.POINTER(ctypes.c_int8)
P32 = ctypes.POINTER(ctypes.c_int32)


class Tile(ctypes.Structure):
    _fields_ = [("w", i32), ("h", i32)]


class Context(ctypes.Structure):
    _fields_ = [("buf", ctypes.c_void_p), ("size", i32)]


class Dims(ctypes.Structure):
    _fields_ = [("n", i32), ("h", i32), ("w", i32), ("c", i32)]


class PerChannelQuant(ctypes.Structure):
    _fields_ = [("multiplier", P32), ("shift", P32)]


class PerTensorQuant(ctypes.Structure):
    _fields_ = [("multiplier", i32), ("shift", i32)]


class Activation(ctypes.Structure):
    _fields_ = [("min", i32), ("max", i32)]


class ConvParams(ctypes.Structure):
    _fields_ = [
        ("input_offset", i32),
        ("output_offset", i32),
        ("stride", Tile),
        ("padding", Tile),
        ("dilation", Tile),
        ("activation", Activation),
    ]


class DwConvParams(ctypes.Structure):
    _fields_ = [
        ("input_offset", i32),
        ("output_offset", i32),
        ("ch_mult", i32),
        ("stride", Tile),
        ("padding", Tile),
        ("dilation", Tile),
        ("activation", Activation),
    ]


class PoolParams(ctypes.Structure):
    _fields_ = [("stride", Tile), ("padding", Tile), ("activation", Activation)]


class FcParams(ctypes.Structure):
    _fields_ = [
        ("input_offset", i32),
        ("filter_offset", i32),
        ("output_offset", i32),
        ("activation", Activation),
    ]


PDims = ctypes.POINTER(Dims)
PCtx = ctypes.POINTER(Context)
_CONV_ARGS = [
    PCtx,
    None,
    ctypes.POINTER(PerChannelQuant),
    PDims,
    P8,
    PDims,
    P8,
    PDims,
    P32,
    PDims,
    P8,
]
_SIGNATURES: dict[str, tuple[Any, list[Any]]] = {
    "arm_convolve_wrapper_s8": (i32, [PCtx, ctypes.POINTER(ConvParams), *_CONV_ARGS[2:]]),
    "arm_convolve_s8": (
        i32,
        [PCtx, ctypes.POINTER(ConvParams), *_CONV_ARGS[2:9], PDims, PDims, P8],
    ),
    "arm_depthwise_conv_wrapper_s8": (i32, [PCtx, ctypes.POINTER(DwConvParams), *_CONV_ARGS[2:]]),
    "arm_depthwise_conv_s8": (i32, [PCtx, ctypes.POINTER(DwConvParams), *_CONV_ARGS[2:]]),
    "arm_fully_connected_s8": (
        i32,
        [PCtx, ctypes.POINTER(FcParams), ctypes.POINTER(PerTensorQuant), *_CONV_ARGS[3:]],
    ),
    "arm_fully_connected_per_channel_s8": (i32, [PCtx, ctypes.POINTER(FcParams), *_CONV_ARGS[2:]]),
    "arm_vector_sum_s8": (i32, [P32, i32, i32, P8, i32, i32, P32]),
    "arm_avgpool_s8": (i32, [PCtx, ctypes.POINTER(PoolParams), PDims, P8, PDims, PDims, P8]),
    "arm_max_pool_s8": (i32, [PCtx, ctypes.POINTER(PoolParams), PDims, P8, PDims, PDims, P8]),
    "arm_softmax_s8": (None, [P8, i32, i32, i32, i32, i32, P8]),
    "arm_elementwise_add_s8": (
        i32,
        [P8, P8, i32, i32, i32, i32, i32, i32, i32, P8, i32, i32, i32, i32, i32, i32],
    ),
    "arm_elementwise_mul_s8": (i32, [P8, P8, i32, i32, P8, i32, i32, i32, i32, i32, i32]),
}
for _variant in ("", "_dsp", "_mve"):
    _SIGNATURES[f"arm_convolve_wrapper_s8_get_buffer_size{_variant}"] = (
        i32,
        [ctypes.POINTER(ConvParams), PDims, PDims, PDims],
    )
    _SIGNATURES[f"arm_depthwise_conv_wrapper_s8_get_buffer_size{_variant}"] = (
        i32,
        [ctypes.POINTER(DwConvParams), PDims, PDims, PDims],
    )
    _SIGNATURES[f"arm_fully_connected_s8_get_buffer_size{_variant}"] = (i32, [PDims])
    _SIGNATURES[f"arm_avgpool_s8_get_buffer_size{_variant}"] = (i32, [ctypes.c_int, ctypes.c_int])
_SIGNATURES["arm_convolve_s8_get_buffer_size"] = (i32, [PDims, PDims])


def load(lib_path: Path) -> ctypes.CDLL:
    """Load a built library and declare every function's signature."""
    lib = ctypes.CDLL(str(lib_path))
    for name, (restype, argtypes) in _SIGNATURES.items():
        fn = getattr(lib, name)
        fn.restype = restype
        fn.argtypes = argtypes
    return lib


def ptr8(array: np.ndarray) -> Any:
    """An int8* to a contiguous int8 array."""
    assert array.dtype == np.int8 and array.flags.c_contiguous
    return array.ctypes.data_as(P8)


def ptr32(array: np.ndarray | None) -> Any:
    """An int32* to a contiguous int32 array (NULL for None)."""
    if array is None:
        return None
    assert array.dtype == np.int32 and array.flags.c_contiguous
    return array.ctypes.data_as(P32)


def dims(n: int, h: int, w: int, c: int) -> Dims:
    """A cmsis_nn_dims."""
    return Dims(int(n), int(h), int(w), int(c))


# ------------------------------------------------------------------------ model reading


@dataclass
class TensorInfo:
    """One tensor of a model: shape, dtype, quantization and (for constants) data."""

    shape: tuple[int, ...]
    scales: list[float]
    zero_points: list[int]
    data: np.ndarray | None


@dataclass
class OpInfo:
    """The single operator of a model: its name, options, input and output tensors."""

    name: str
    options: dict[str, Any]
    inputs: list[TensorInfo | None]
    outputs: list[TensorInfo]


_NP_TYPES = {0: np.float32, 2: np.int32, 9: np.int8}


def _tensor(model: Any, graph: Any, index: int) -> TensorInfo | None:
    """A TensorInfo read from the flatbuffer (None for an omitted optional input)."""
    if index < 0:
        return None
    t = graph.Tensors(index)
    q = t.Quantization()
    scales = [float(s) for s in q.ScaleAsNumpy()] if q is not None and q.ScaleLength() else []
    zps = [int(z) for z in q.ZeroPointAsNumpy()] if q is not None and q.ZeroPointLength() else []
    shape = tuple(int(d) for d in t.ShapeAsNumpy())
    data = None
    buffer = model.Buffers(t.Buffer())
    if buffer is not None and buffer.DataLength() > 0:
        raw = buffer.DataAsNumpy().tobytes()
        data = np.frombuffer(raw, dtype=_NP_TYPES[t.Type()]).reshape(shape).copy()
    return TensorInfo(shape, scales, zps, data)


def read_op(path: Path) -> OpInfo:
    """The one operator of a single-operator model."""
    import opmodels
    import tflite

    model = tflite.Model.GetRootAsModel(Path(path).read_bytes(), 0)
    graph = model.Subgraphs(0)
    if graph.OperatorsLength() != 1:
        raise ValueError(f"{path.name}: {graph.OperatorsLength()} operators, expected 1")
    op = graph.Operators(0)
    name = opmodels.model_ops(path)[0]
    inputs = [_tensor(model, graph, int(i)) for i in op.InputsAsNumpy()]
    outputs = [_tensor(model, graph, int(i)) for i in op.OutputsAsNumpy()]
    return OpInfo(name, opmodels.op_options(path, 0), inputs, [o for o in outputs if o])


# ------------------------------------------------------------------------------ cases


@dataclass
class KernelCase:
    """The arguments of one kernel call: `kernel` names the call shape, `arrays` hold
    tensors (int8 / int32), `params` the scalar and small-list parameters."""

    kernel: str
    arrays: dict[str, np.ndarray]
    params: dict[str, Any] = field(default_factory=dict)
    out_shape: tuple[int, ...] = ()


def _padding(
    options: dict[str, Any], in_size: int, k: int, stride: int, dilation: int, out_size: int
) -> int:
    """TFLite's leading padding for SAME (the extra odd pixel goes at the end); 0 for VALID."""
    if options.get("Padding", "VALID") != "SAME":
        return 0
    effective = (k - 1) * dilation + 1
    total = max((out_size - 1) * stride + effective - in_size, 0)
    return total // 2


def _activation(op: OpInfo) -> tuple[int, int]:
    """The output clamp range of the op's fused activation."""
    from stai.lowering import quant_math

    out = op.outputs[0]
    act = op.options.get("FusedActivationFunction", "NONE")
    return quant_math.quantized_activation_range(act, out.scales[0], out.zero_points[0])


def _geometry(op: OpInfo, k_h: int, k_w: int) -> dict[str, int]:
    """Stride, dilation and padding of a convolution or pooling op."""
    x, out = op.inputs[0], op.outputs[0]
    assert x is not None
    sh, sw = op.options.get("StrideH", 1), op.options.get("StrideW", 1)
    dh, dw = op.options.get("DilationHFactor", 1), op.options.get("DilationWFactor", 1)
    return {
        "stride_h": sh,
        "stride_w": sw,
        "dilation_h": dh,
        "dilation_w": dw,
        "pad_h": _padding(op.options, x.shape[1], k_h, sh, dh, out.shape[1]),
        "pad_w": _padding(op.options, x.shape[2], k_w, sw, dw, out.shape[2]),
    }


def _conv_like_case(kernel: str, op: OpInfo, sample: np.ndarray) -> KernelCase:
    """Arguments of a CONV_2D or DEPTHWISE_CONV_2D call."""
    from stai.lowering import quant_math

    x, w, b = op.inputs[0], op.inputs[1], op.inputs[2] if len(op.inputs) > 2 else None
    out = op.outputs[0]
    assert x is not None and w is not None and w.data is not None
    mults, shifts = quant_math.conv_output_multipliers(x.scales[0], w.scales, out.scales[0])
    params = _geometry(op, w.shape[1], w.shape[2])
    params.update(
        input_offset=-x.zero_points[0],
        output_offset=out.zero_points[0],
        activation=_activation(op),
        input_shape=x.shape,
        filter_shape=w.shape,
        ch_mult=op.options.get("DepthMultiplier", 1),
    )
    arrays = {
        "input": np.ascontiguousarray(sample.reshape(x.shape), dtype=np.int8),
        "filter": np.ascontiguousarray(w.data, dtype=np.int8),
        "mult": np.asarray(mults, dtype=np.int32),
        "shift": np.asarray(shifts, dtype=np.int32),
    }
    if b is not None and b.data is not None:
        arrays["bias"] = np.ascontiguousarray(b.data, dtype=np.int32)
    return KernelCase(kernel, arrays, params, out.shape)


def _fc_case(op: OpInfo, sample: np.ndarray) -> KernelCase:
    """Arguments of a FULLY_CONNECTED call (per-channel when the filter has several scales)."""
    from stai.lowering import quant_math

    x, w, b = op.inputs[0], op.inputs[1], op.inputs[2] if len(op.inputs) > 2 else None
    out = op.outputs[0]
    assert x is not None and w is not None and w.data is not None
    mults, shifts = quant_math.conv_output_multipliers(x.scales[0], w.scales, out.scales[0])
    depth = w.shape[1]
    params = {
        "input_offset": -x.zero_points[0],
        "filter_offset": -w.zero_points[0],
        "output_offset": out.zero_points[0],
        "activation": _activation(op),
        "batches": int(np.prod(x.shape)) // depth,
        "depth": depth,
        "out_c": w.shape[0],
    }
    arrays = {
        "input": np.ascontiguousarray(sample.reshape(-1), dtype=np.int8),
        "filter": np.ascontiguousarray(w.data, dtype=np.int8),
        "mult": np.asarray(mults, dtype=np.int32),
        "shift": np.asarray(shifts, dtype=np.int32),
    }
    if b is not None and b.data is not None:
        arrays["bias"] = np.ascontiguousarray(b.data, dtype=np.int32)
    kernel = "fc_per_channel" if len(w.scales) > 1 else "fc"
    return KernelCase(kernel, arrays, params, out.shape)


def _pool_case(kernel: str, op: OpInfo, sample: np.ndarray) -> KernelCase:
    """Arguments of an AVERAGE_POOL_2D or MAX_POOL_2D call."""
    x, out = op.inputs[0], op.outputs[0]
    assert x is not None
    k_h, k_w = op.options["FilterHeight"], op.options["FilterWidth"]
    params = _geometry(op, k_h, k_w)
    params.update(activation=_activation(op), input_shape=x.shape, k_h=k_h, k_w=k_w)
    arrays = {"input": np.ascontiguousarray(sample.reshape(x.shape), dtype=np.int8)}
    return KernelCase(kernel, arrays, params, out.shape)


def _softmax_case(op: OpInfo, sample: np.ndarray) -> KernelCase:
    """Arguments of a SOFTMAX call (rows over the last axis)."""
    from stai.lowering import quant_math

    x, out = op.inputs[0], op.outputs[0]
    assert x is not None
    p = quant_math.softmax_params_s8(op.options.get("Beta", 1.0), x.scales[0])
    row = x.shape[-1]
    params = {
        "rows": int(np.prod(x.shape)) // row,
        "row_size": row,
        "mult": p.mult,
        "shift": p.shift,
        "diff_min": p.diff_min,
    }
    arrays = {"input": np.ascontiguousarray(sample.reshape(-1), dtype=np.int8)}
    return KernelCase("softmax", arrays, params, out.shape)


def _binary_case(kernel: str, op: OpInfo, samples: list[np.ndarray]) -> KernelCase:
    """Arguments of an ADD or MUL call on same-shaped inputs."""
    from stai.lowering import quant_math

    a, b, out = op.inputs[0], op.inputs[1], op.outputs[0]
    assert a is not None and b is not None and a.shape == b.shape
    fn = quant_math.add_params_s8 if kernel == "add" else quant_math.mul_params_s8
    p = fn(
        a.scales[0],
        a.zero_points[0],
        b.scales[0],
        b.zero_points[0],
        out.scales[0],
        out.zero_points[0],
        op.options.get("FusedActivationFunction", "NONE"),
    )
    arrays = {
        "input_1": np.ascontiguousarray(samples[0].reshape(-1), dtype=np.int8),
        "input_2": np.ascontiguousarray(samples[1].reshape(-1), dtype=np.int8),
    }
    return KernelCase(kernel, arrays, dict(vars(p)), out.shape)


def make_case(op: OpInfo, samples: list[np.ndarray]) -> KernelCase:
    """The kernel call that computes `op` on one sample."""
    if op.name == "CONV_2D":
        return _conv_like_case("conv", op, samples[0])
    if op.name == "DEPTHWISE_CONV_2D":
        return _conv_like_case("dwconv", op, samples[0])
    if op.name == "FULLY_CONNECTED":
        return _fc_case(op, samples[0])
    if op.name == "AVERAGE_POOL_2D":
        return _pool_case("avgpool", op, samples[0])
    if op.name == "MAX_POOL_2D":
        return _pool_case("maxpool", op, samples[0])
    if op.name == "SOFTMAX":
        return _softmax_case(op, samples[0])
    if op.name in ("ADD", "MUL"):
        return _binary_case(op.name.lower(), op, samples)
    raise ValueError(f"no CMSIS-NN kernel for {op.name}")


# ------------------------------------------------------------------------------ calls


def _conv_structs(case: KernelCase) -> tuple[Any, Dims, Dims, Dims, Dims]:
    """(params struct, input, filter, bias, output dims) of a conv or depthwise case."""
    p = case.params
    n, h, w, c = p["input_shape"]
    fo, fh, fw, fc = p["filter_shape"]
    on, oh, ow, oc = case.out_shape
    common = dict(
        input_offset=p["input_offset"],
        output_offset=p["output_offset"],
        stride=Tile(p["stride_w"], p["stride_h"]),
        padding=Tile(p["pad_w"], p["pad_h"]),
        dilation=Tile(p["dilation_w"], p["dilation_h"]),
        activation=Activation(*p["activation"]),
    )
    if case.kernel == "dwconv":
        params: Any = DwConvParams(ch_mult=p["ch_mult"], **common)
    else:
        params = ConvParams(**common)
    return params, dims(n, h, w, c), dims(fo, fh, fw, fc), dims(1, 1, 1, oc), dims(on, oh, ow, oc)


def conv_buffer_size(lib: ctypes.CDLL, case: KernelCase, variant: str = "") -> int:
    """What the C `*_wrapper_s8_get_buffer_size{variant}` returns for a conv/dw case."""
    params, in_d, f_d, _, out_d = _conv_structs(case)
    prefix = "arm_depthwise_conv" if case.kernel == "dwconv" else "arm_convolve"
    fn = getattr(lib, f"{prefix}_wrapper_s8_get_buffer_size{variant}")
    return int(fn(ctypes.byref(params), ctypes.byref(in_d), ctypes.byref(f_d), ctypes.byref(out_d)))


def _context(size: int) -> tuple[Context, Any]:
    """A context with a fresh scratch buffer of `size` bytes (NULL when 0), and its owner."""
    if size <= 0:
        return Context(None, 0), None
    scratch = ctypes.create_string_buffer(size)
    return Context(ctypes.cast(scratch, ctypes.c_void_p), size), scratch


def _run_conv(lib: ctypes.CDLL, case: KernelCase) -> tuple[int, np.ndarray]:
    params, in_d, f_d, b_d, out_d = _conv_structs(case)
    a = case.arrays
    out = np.zeros(case.out_shape, dtype=np.int8)
    quant = PerChannelQuant(ptr32(a["mult"]), ptr32(a["shift"]))
    ctx, _keep = _context(conv_buffer_size(lib, case))
    fn = (
        lib.arm_depthwise_conv_wrapper_s8
        if case.kernel == "dwconv"
        else lib.arm_convolve_wrapper_s8
    )
    status = fn(
        ctypes.byref(ctx),
        ctypes.byref(params),
        ctypes.byref(quant),
        ctypes.byref(in_d),
        ptr8(a["input"]),
        ctypes.byref(f_d),
        ptr8(a["filter"]),
        ctypes.byref(b_d),
        ptr32(a.get("bias")),
        ctypes.byref(out_d),
        ptr8(out),
    )
    return int(status), out


def _run_fc(lib: ctypes.CDLL, case: KernelCase) -> tuple[int, np.ndarray]:
    p, a = case.params, case.arrays
    out = np.zeros(case.out_shape, dtype=np.int8)
    params = FcParams(
        p["input_offset"], p["filter_offset"], p["output_offset"], Activation(*p["activation"])
    )
    in_d, f_d = dims(p["batches"], 1, 1, p["depth"]), dims(p["depth"], 1, 1, p["out_c"])
    b_d, out_d = dims(1, 1, 1, p["out_c"]), dims(p["batches"], 1, 1, p["out_c"])
    ctx, _keep = _context(int(lib.arm_fully_connected_s8_get_buffer_size(ctypes.byref(f_d))))
    if case.kernel == "fc":
        quant: Any = PerTensorQuant(int(a["mult"][0]), int(a["shift"][0]))
        fn = lib.arm_fully_connected_s8
    else:
        quant = PerChannelQuant(ptr32(a["mult"]), ptr32(a["shift"]))
        fn = lib.arm_fully_connected_per_channel_s8
    status = fn(
        ctypes.byref(ctx),
        ctypes.byref(params),
        ctypes.byref(quant),
        ctypes.byref(in_d),
        ptr8(a["input"]),
        ctypes.byref(f_d),
        ptr8(a["filter"]),
        ctypes.byref(b_d),
        ptr32(a.get("bias")),
        ctypes.byref(out_d),
        ptr8(out),
    )
    return int(status), out


def _run_pool(lib: ctypes.CDLL, case: KernelCase) -> tuple[int, np.ndarray]:
    p, a = case.params, case.arrays
    out = np.zeros(case.out_shape, dtype=np.int8)
    params = PoolParams(
        Tile(p["stride_w"], p["stride_h"]),
        Tile(p["pad_w"], p["pad_h"]),
        Activation(*p["activation"]),
    )
    in_d, f_d = dims(*p["input_shape"]), dims(1, p["k_h"], p["k_w"], 1)
    out_d = dims(*case.out_shape)
    size = (
        int(lib.arm_avgpool_s8_get_buffer_size(out_d.w, in_d.c)) if case.kernel == "avgpool" else 0
    )
    ctx, _keep = _context(size)
    fn = lib.arm_avgpool_s8 if case.kernel == "avgpool" else lib.arm_max_pool_s8
    status = fn(
        ctypes.byref(ctx),
        ctypes.byref(params),
        ctypes.byref(in_d),
        ptr8(a["input"]),
        ctypes.byref(f_d),
        ctypes.byref(out_d),
        ptr8(out),
    )
    return int(status), out


def _run_softmax(lib: ctypes.CDLL, case: KernelCase) -> tuple[int, np.ndarray]:
    p = case.params
    out = np.zeros(case.out_shape, dtype=np.int8)
    lib.arm_softmax_s8(
        ptr8(case.arrays["input"]),
        p["rows"],
        p["row_size"],
        p["mult"],
        p["shift"],
        p["diff_min"],
        ptr8(out),
    )
    return 0, out


def _run_add(lib: ctypes.CDLL, case: KernelCase) -> tuple[int, np.ndarray]:
    p, a = case.params, case.arrays
    out = np.zeros(case.out_shape, dtype=np.int8)
    status = lib.arm_elementwise_add_s8(
        ptr8(a["input_1"]),
        ptr8(a["input_2"]),
        p["input_1_offset"],
        p["input_1_mult"],
        p["input_1_shift"],
        p["input_2_offset"],
        p["input_2_mult"],
        p["input_2_shift"],
        p["left_shift"],
        ptr8(out),
        p["out_offset"],
        p["out_mult"],
        p["out_shift"],
        p["out_activation_min"],
        p["out_activation_max"],
        out.size,
    )
    return int(status), out


def _run_mul(lib: ctypes.CDLL, case: KernelCase) -> tuple[int, np.ndarray]:
    p, a = case.params, case.arrays
    out = np.zeros(case.out_shape, dtype=np.int8)
    status = lib.arm_elementwise_mul_s8(
        ptr8(a["input_1"]),
        ptr8(a["input_2"]),
        p["input_1_offset"],
        p["input_2_offset"],
        ptr8(out),
        p["out_offset"],
        p["out_mult"],
        p["out_shift"],
        p["out_activation_min"],
        p["out_activation_max"],
        out.size,
    )
    return int(status), out


_RUNNERS = {
    "conv": _run_conv,
    "dwconv": _run_conv,
    "fc": _run_fc,
    "fc_per_channel": _run_fc,
    "avgpool": _run_pool,
    "maxpool": _run_pool,
    "softmax": _run_softmax,
    "add": _run_add,
    "mul": _run_mul,
}


def run_case(lib: ctypes.CDLL, case: KernelCase) -> tuple[int, np.ndarray]:
    """Call the case's kernel; returns (status, output)."""
    return _RUNNERS[case.kernel](lib, case)


def save_cases(cases: dict[str, KernelCase], path: Path) -> None:
    """Pickle cases as plain tuples (readable by `main` without this module's classes)."""
    plain = {name: (c.kernel, c.arrays, c.params, c.out_shape) for name, c in cases.items()}
    with open(path, "wb") as f:
        pickle.dump(plain, f)


def main(argv: list[str]) -> int:
    """Child-process entry: run pickled cases on a library, save statuses and outputs."""
    lib_path, cases_path, out_path = argv
    lib = load(Path(lib_path))
    with open(cases_path, "rb") as f:
        cases = {name: KernelCase(*fields) for name, fields in pickle.load(f).items()}
    results: dict[str, np.ndarray] = {}
    for name, case in cases.items():
        status, out = run_case(lib, case)
        results[name] = out
        results[name + ".status"] = np.asarray(status)
    np.savez(out_path, **results)
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    sys.exit(main(sys.argv[1:]))
