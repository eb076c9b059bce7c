"""Helpers for the float32 kernel tests: building the kernels, ctypes bindings, fixed cases.

This module holds no tests. It builds `runtime/src/stai_*_f32.c` into a shared library
(optionally with AddressSanitizer and UBSan), wraps each kernel of `stai_kernels_f32.h` in
a numpy-in/numpy-out Python function, and defines a fixed set of kernel calls (`CASES`)
used to run the kernels under the sanitizers. Run as a script
(`python test_f32_support.py LIB OUT.npz`) it calls every case on LIB and saves the outputs:
the sanitizer test runs it in a child process with libasan preloaded.
"""

from __future__ import annotations

import ctypes
import shutil
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[2]
INCLUDE_DIR = REPO / "runtime" / "include"
SOURCE_DIR = REPO / "runtime" / "src"
HEADER = INCLUDE_DIR / "stai_kernels_f32.h"

WARNING_FLAGS = ["-std=c99", "-Wall", "-Wextra", "-Werror"]
SANITIZE_FLAGS = [
    "-fsanitize=address,undefined",
    "-fno-sanitize-recover=all",
    "-fno-omit-frame-pointer",
    "-g",
]
FLT_MAX = float(np.finfo(np.float32).max)
NO_ACT = (-FLT_MAX, FLT_MAX)

SUCCESS = 0
ARG_ERROR = -1


def f32_sources() -> list[Path]:
    """The float32 kernel sources of the runtime."""
    return sorted(SOURCE_DIR.glob("stai_*_f32.c"))


def compiler() -> str:
    """The host C compiler (gcc); fails with a clear message if it is missing."""
    path = shutil.which("gcc")
    if path is None:
        raise RuntimeError("gcc is needed to build the float32 kernels: apt-get install gcc")
    return path


def build_library(out_dir: Path, sanitize: bool = False) -> Path:
    """Compile every float32 kernel warning-free (-Werror) into `out_dir/libstai_f32*.so`."""
    out_dir.mkdir(parents=True, exist_ok=True)
    extra = SANITIZE_FLAGS if sanitize else ["-O2"]
    objects = []
    for source in f32_sources():
        obj = out_dir / (source.stem + (".asan.o" if sanitize else ".o"))
        _run(
            [
                compiler(),
                *WARNING_FLAGS,
                *extra,
                "-fPIC",
                f"-I{INCLUDE_DIR}",
                "-c",
                str(source),
                "-o",
                str(obj),
            ]
        )
        objects.append(str(obj))
    lib = out_dir / ("libstai_f32_asan.so" if sanitize else "libstai_f32.so")
    _run([compiler(), "-shared", *extra, *objects, "-lm", "-o", str(lib)])
    return lib


def _run(command: list[str]) -> None:
    """Run a build command; raise with its output if it fails (warnings are errors)."""
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"command failed: {' '.join(command)}\n{done.stdout}{done.stderr}")


# --------------------------------------------------------------------------- ctypes types


class Dims(ctypes.Structure):
    """`cmsis_nn_dims`."""

    _fields_ = [
        ("n", ctypes.c_int32),
        ("h", ctypes.c_int32),
        ("w", ctypes.c_int32),
        ("c", ctypes.c_int32),
    ]


class Tile(ctypes.Structure):
    """`cmsis_nn_tile`."""

    _fields_ = [("w", ctypes.c_int32), ("h", ctypes.c_int32)]


class ConvParams(ctypes.Structure):
    """`stai_conv_params_f32`."""

    _fields_ = [
        ("stride", Tile),
        ("padding", Tile),
        ("dilation", Tile),
        ("act_min", ctypes.c_float),
        ("act_max", ctypes.c_float),
    ]


class DwConvParams(ctypes.Structure):
    """`stai_dw_conv_params_f32`."""

    _fields_ = [
        ("ch_mult", ctypes.c_int32),
        ("stride", Tile),
        ("padding", Tile),
        ("dilation", Tile),
        ("act_min", ctypes.c_float),
        ("act_max", ctypes.c_float),
    ]


class FcParams(ctypes.Structure):
    """`stai_fc_params_f32`."""

    _fields_ = [("act_min", ctypes.c_float), ("act_max", ctypes.c_float)]


class PoolParams(ctypes.Structure):
    """`stai_pool_params_f32`."""

    _fields_ = [
        ("stride", Tile),
        ("padding", Tile),
        ("act_min", ctypes.c_float),
        ("act_max", ctypes.c_float),
    ]


def dims(shape: Sequence[int]) -> Dims:
    """`cmsis_nn_dims` of a shape of rank <= 4 (leading 1s added)."""
    full = [1] * (4 - len(shape)) + [int(v) for v in shape]
    if len(full) != 4:
        raise ValueError(f"rank > 4: {list(shape)}")
    return Dims(*full)


def tile(hw: Sequence[int]) -> Tile:
    """`cmsis_nn_tile` from an (h, w) pair."""
    return Tile(w=int(hw[1]), h=int(hw[0]))


def _f32(array: Any) -> np.ndarray:
    """A C-contiguous float32 copy of an array."""
    return np.ascontiguousarray(np.asarray(array, dtype=np.float32))


def _ptr(array: np.ndarray | None) -> ctypes.c_void_p:
    """A pointer to an array's data (NULL for None)."""
    if array is None:
        return ctypes.c_void_p(None)
    return ctypes.c_void_p(array.ctypes.data)


class KernelError(AssertionError):
    """A kernel returned a status other than ARM_CMSIS_NN_SUCCESS."""

    def __init__(self, name: str, status: int) -> None:
        super().__init__(f"{name} returned status {status}")
        self.status = status


P = ctypes.POINTER
_VP = ctypes.c_void_p
_F = ctypes.c_float
_I = ctypes.c_int32
_SIGNATURES: dict[str, list[Any]] = {
    "stai_conv2d_f32": [P(ConvParams), P(Dims), _VP, P(Dims), _VP, P(Dims), _VP, P(Dims), _VP],
    "stai_depthwise_conv2d_f32": [
        P(DwConvParams),
        P(Dims),
        _VP,
        P(Dims),
        _VP,
        P(Dims),
        _VP,
        P(Dims),
        _VP,
    ],
    "stai_fully_connected_f32": [
        P(FcParams),
        P(Dims),
        _VP,
        P(Dims),
        _VP,
        P(Dims),
        _VP,
        P(Dims),
        _VP,
    ],
    "stai_avgpool_f32": [P(PoolParams), P(Dims), _VP, P(Dims), P(Dims), _VP],
    "stai_max_pool_f32": [P(PoolParams), P(Dims), _VP, P(Dims), P(Dims), _VP],
    "stai_mean_hw_f32": [P(Dims), _VP, _VP],
    "stai_add_f32": [P(Dims), _VP, P(Dims), _VP, P(Dims), _VP, _F, _F],
    "stai_sub_f32": [P(Dims), _VP, P(Dims), _VP, P(Dims), _VP, _F, _F],
    "stai_mul_f32": [P(Dims), _VP, P(Dims), _VP, P(Dims), _VP, _F, _F],
    "stai_div_f32": [P(Dims), _VP, P(Dims), _VP, P(Dims), _VP, _F, _F],
    "stai_maximum_f32": [P(Dims), _VP, P(Dims), _VP, P(Dims), _VP],
    "stai_minimum_f32": [P(Dims), _VP, P(Dims), _VP, P(Dims), _VP],
    "stai_softmax_f32": [_VP, _I, _I, _F, _VP],
    "stai_logistic_f32": [_VP, _VP, _I],
    "stai_tanh_f32": [_VP, _VP, _I],
    "stai_clamp_f32": [_VP, _VP, _I, _F, _F],
    "stai_leaky_relu_f32": [_VP, _VP, _I, _F],
    "stai_hard_swish_f32": [_VP, _VP, _I],
    "stai_pad_f32": [_VP, _VP, _F, P(Dims), P(Dims), P(Dims)],
}


class F32Kernels:
    """The float32 kernels of one built library, as numpy functions.

    Every method checks the returned status (raising `KernelError` unless it is
    ARM_CMSIS_NN_SUCCESS) and returns a new output array.
    """

    def __init__(self, library: Path) -> None:
        self.lib = ctypes.CDLL(str(library))
        for name, argtypes in _SIGNATURES.items():
            function = getattr(self.lib, name)
            function.argtypes = argtypes
            function.restype = ctypes.c_int

    def call(self, name: str, *args: Any) -> None:
        """Call one kernel; raise `KernelError` on a failing status."""
        status = getattr(self.lib, name)(*args)
        if status != SUCCESS:
            raise KernelError(name, status)

    def conv2d(
        self,
        x: Any,
        w: Any,
        b: Any | None,
        out_hw: Sequence[int],
        stride: Sequence[int] = (1, 1),
        padding: Sequence[int] = (0, 0),
        dilation: Sequence[int] = (1, 1),
        act: Sequence[float] = NO_ACT,
    ) -> np.ndarray:
        """CONV_2D: x [N,H,W,C], w [O,KH,KW,C/groups], (h, w) pairs, padding = (top, left)."""
        x, w = _f32(x), _f32(w)
        bias = None if b is None else _f32(b)
        out = np.zeros((x.shape[0], out_hw[0], out_hw[1], w.shape[0]), np.float32)
        params = ConvParams(tile(stride), tile(padding), tile(dilation), act[0], act[1])
        self.call(
            "stai_conv2d_f32",
            params,
            dims(x.shape),
            _ptr(x),
            dims(w.shape),
            _ptr(w),
            dims((w.shape[0],)),
            _ptr(bias),
            dims(out.shape),
            _ptr(out),
        )
        return out

    def depthwise_conv2d(
        self,
        x: Any,
        w: Any,
        b: Any | None,
        out_hw: Sequence[int],
        mult: int,
        stride: Sequence[int] = (1, 1),
        padding: Sequence[int] = (0, 0),
        dilation: Sequence[int] = (1, 1),
        act: Sequence[float] = NO_ACT,
    ) -> np.ndarray:
        """DEPTHWISE_CONV_2D: x [N,H,W,C], w [1,KH,KW,C*mult]."""
        x, w = _f32(x), _f32(w)
        bias = None if b is None else _f32(b)
        out = np.zeros((x.shape[0], out_hw[0], out_hw[1], w.shape[3]), np.float32)
        params = DwConvParams(mult, tile(stride), tile(padding), tile(dilation), act[0], act[1])
        self.call(
            "stai_depthwise_conv2d_f32",
            params,
            dims(x.shape),
            _ptr(x),
            dims(w.shape),
            _ptr(w),
            dims((w.shape[3],)),
            _ptr(bias),
            dims(out.shape),
            _ptr(out),
        )
        return out

    def fully_connected(
        self, x: Any, w: Any, b: Any | None, act: Sequence[float] = NO_ACT
    ) -> np.ndarray:
        """FULLY_CONNECTED: x [batches, depth], w [out, depth]."""
        x, w = _f32(x), _f32(w)
        bias = None if b is None else _f32(b)
        batches, depth = x.shape
        out = np.zeros((batches, w.shape[0]), np.float32)
        self.call(
            "stai_fully_connected_f32",
            FcParams(act[0], act[1]),
            Dims(batches, 1, 1, depth),
            _ptr(x),
            Dims(depth, 1, 1, w.shape[0]),
            _ptr(w),
            dims((w.shape[0],)),
            _ptr(bias),
            Dims(batches, 1, 1, w.shape[0]),
            _ptr(out),
        )
        return out

    def pool(
        self,
        kind: str,
        x: Any,
        window: Sequence[int],
        out_hw: Sequence[int],
        stride: Sequence[int],
        padding: Sequence[int] = (0, 0),
        act: Sequence[float] = NO_ACT,
    ) -> np.ndarray:
        """AVERAGE_POOL_2D (kind "avg") or MAX_POOL_2D (kind "max") over x [N,H,W,C]."""
        x = _f32(x)
        out = np.zeros((x.shape[0], out_hw[0], out_hw[1], x.shape[3]), np.float32)
        params = PoolParams(tile(stride), tile(padding), act[0], act[1])
        name = "stai_avgpool_f32" if kind == "avg" else "stai_max_pool_f32"
        self.call(
            name,
            params,
            dims(x.shape),
            _ptr(x),
            Dims(1, window[0], window[1], 1),
            dims(out.shape),
            _ptr(out),
        )
        return out

    def mean_hw(self, x: Any) -> np.ndarray:
        """MEAN over axes 1 and 2 of x [N,H,W,C]; returns [N, C]."""
        x = _f32(x)
        out = np.zeros((x.shape[0], x.shape[3]), np.float32)
        self.call("stai_mean_hw_f32", dims(x.shape), _ptr(x), _ptr(out))
        return out

    def binary(self, op: str, a: Any, b: Any, act: Sequence[float] | None = None) -> np.ndarray:
        """`op` in add/sub/mul/div/maximum/minimum with broadcasting (ranks <= 4)."""
        a, b = _f32(a), _f32(b)
        shape = np.broadcast_shapes(a.shape, b.shape)
        out = np.zeros(shape, np.float32)
        args = [dims(a.shape), _ptr(a), dims(b.shape), _ptr(b), dims(shape), _ptr(out)]
        if op in ("add", "sub", "mul", "div"):
            args += list(act if act is not None else NO_ACT)
        self.call(f"stai_{op}_f32", *args)
        return out

    def softmax(self, x: Any, beta: float = 1.0) -> np.ndarray:
        """Softmax over the last axis."""
        x = _f32(x)
        out = np.zeros_like(x)
        depth = x.shape[-1]
        self.call("stai_softmax_f32", _ptr(x), x.size // depth, depth, beta, _ptr(out))
        return out

    def unary(self, name: str, x: Any, *extra: float) -> np.ndarray:
        """logistic, tanh, clamp (min, max), leaky_relu (alpha) or hard_swish."""
        x = _f32(x)
        out = np.zeros_like(x)
        self.call(f"stai_{name}_f32", _ptr(x), _ptr(out), x.size, *extra)
        return out

    def pad(self, x: Any, pads: Sequence[Sequence[int]], value: float = 0.0) -> np.ndarray:
        """Constant padding of a 4-D tensor; pads = [(before, after)] * 4 (NHWC)."""
        x = _f32(x)
        shape = [d + p[0] + p[1] for d, p in zip(x.shape, pads)]
        out = np.zeros(shape, np.float32)
        self.call(
            "stai_pad_f32",
            _ptr(x),
            _ptr(out),
            value,
            dims(x.shape),
            dims([p[0] for p in pads]),
            dims([p[1] for p in pads]),
        )
        return out


# --------------------------------------------------------------------------- fixed cases


def _cases() -> dict[str, Callable[[F32Kernels], np.ndarray]]:
    """Kernel calls covering edges (padding, strides, dilation, broadcasting), seeded data."""
    rng = np.random.default_rng(1234)

    def normal(*shape: int) -> np.ndarray:
        return rng.standard_normal(shape).astype(np.float32)

    x = normal(2, 7, 6, 3)
    cases: dict[str, Callable[[F32Kernels], np.ndarray]] = {
        "conv_same": lambda k, w=normal(4, 3, 3, 3), b=normal(4): k.conv2d(
            x, w, b, (7, 6), padding=(1, 1), act=(0.0, FLT_MAX)
        ),
        "conv_stride_dil": lambda k, w=normal(5, 3, 2, 3): k.conv2d(
            x, w, None, (3, 5), stride=(2, 1), padding=(2, 0), dilation=(2, 1)
        ),
        "conv_groups": lambda k, xg=normal(1, 5, 5, 4), w=normal(6, 3, 3, 2): k.conv2d(
            xg, w, None, (5, 5), padding=(1, 1)
        ),
        "dw_mult2": lambda k, w=normal(1, 3, 3, 6), b=normal(6): k.depthwise_conv2d(
            x, w, b, (4, 3), 2, stride=(2, 2), padding=(1, 1), act=(0.0, 6.0)
        ),
        "dw_dilated": lambda k, w=normal(1, 2, 3, 3): k.depthwise_conv2d(
            x, w, None, (7, 6), 1, padding=(1, 2), dilation=(2, 2)
        ),
        "fc": lambda k, xf=normal(3, 10), w=normal(4, 10), b=normal(4): k.fully_connected(xf, w, b),
        "avg_same": lambda k: k.pool("avg", x, (3, 3), (4, 3), (2, 2), (1, 1)),
        "max_same": lambda k: k.pool("max", x, (3, 2), (7, 6), (1, 1), (1, 0)),
        "mean": lambda k: k.mean_hw(x),
        "add_bcast": lambda k, b=normal(1, 7, 1, 3): k.binary("add", x, b),
        "sub_bcast": lambda k, a=normal(2, 1, 6, 1), b=normal(1, 7, 1, 3): k.binary("sub", a, b),
        "mul_bcast": lambda k, b=normal(3): k.binary("mul", x, b, (-1.0, 1.0)),
        "div_bcast": lambda k, b=normal(2, 1, 1, 1) + 4.0: k.binary("div", x, b),
        "max_bcast": lambda k, b=normal(6, 1): k.binary("maximum", x, b),
        "min_bcast": lambda k, b=normal(1): k.binary("minimum", x, b),
        "softmax": lambda k: k.softmax(x, 0.7),
        "logistic": lambda k: k.unary("logistic", x * 10.0),
        "tanh": lambda k: k.unary("tanh", x),
        "clamp": lambda k: k.unary("clamp", x, 0.0, 6.0),
        "leaky_relu": lambda k: k.unary("leaky_relu", x, 0.2),
        "hard_swish": lambda k: k.unary("hard_swish", x * 4.0),
        "pad": lambda k: k.pad(x, [(1, 0), (2, 1), (0, 3), (1, 2)], 0.5),
    }
    return cases


CASES = _cases()


def run_cases(library: Path) -> dict[str, np.ndarray]:
    """Every fixed case's output on one library."""
    kernels = F32Kernels(library)
    return {name: case(kernels) for name, case in CASES.items()}


if __name__ == "__main__":
    outputs = run_cases(Path(sys.argv[1]))
    np.savez(sys.argv[2], **outputs)
    print(f"ran {len(outputs)} cases")
