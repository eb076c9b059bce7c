"""Run a generated folder on the host from Python.

``CModel(folder)`` builds the folder's library with its own ``Makefile`` (so it honours
``CMSIS_NN_PATH`` exactly as a user's build does), links it into a shared object, and calls
the generated API through ``ctypes``::

    model = CModel("out/kws")
    (scores,) = model.run([features])     # numpy arrays in the model's dtypes and shapes
"""

from __future__ import annotations

import ctypes
import hashlib
import json
import os
import shutil
import subprocess
from pathlib import Path

import numpy as np

from stai.errors import StaiError
from stai.runtime.inputs import check_input_count, prepare_input

ARENA_ALIGNMENT = 16


def _aligned_bytes(size: int, alignment: int) -> np.ndarray:
    """A zeroed byte array of ``size`` bytes whose start is ``alignment``-aligned (it keeps
    its larger base array alive)."""
    raw = np.zeros(size + alignment, dtype=np.uint8)
    start = (-raw.ctypes.data) % alignment
    return raw[start : start + size]


class CModel:
    """A generated model, built for the host and loaded into this process.

    Memory pools (``pools`` in ``NAME.json``) each get a buffer; inputs and outputs the
    generated code does not keep in its activations (``inputs_in_activations`` /
    ``outputs_in_activations`` false) get buffers bound with ``set_input`` /
    ``set_output``. The API's names start with ``PREFIX_NAME_`` (``c_prefix`` in
    ``NAME.json``, ``stai`` when absent: ``--c-prefix``)."""

    def __init__(self, folder: str | Path, name: str | None = None, cflags: str = "-O2"):
        self.folder = Path(folder)
        meta_files = sorted(self.folder.glob("*.json"))
        if name is None:
            if len(meta_files) != 1:
                raise StaiError(f"{self.folder}: not a generated folder (no single NAME.json)")
            name = meta_files[0].stem
        meta_path = self.folder / f"{name}.json"
        if not meta_path.is_file():
            raise StaiError(f"{self.folder}: not a generated folder for '{name}'")
        self.name = name
        self.meta = json.loads(meta_path.read_text())
        self.prefix: str = self.meta.get("c_prefix", "stai")
        self.stem = f"{self.prefix}_{name}"
        """``PREFIX_NAME``: what the generated functions' names start with."""
        library = self._build(cflags)
        try:
            self._lib = ctypes.CDLL(str(library))
        except OSError as e:  # e.g. a symbol no compiled source defines
            raise StaiError(f"{library}: the built library does not load: {e}") from e
        self._bind()
        pools = self.meta.get("pools") or [{"size": self.meta["activations_bytes"]}]
        self._pools = [
            _aligned_bytes(p["size"], max(ARENA_ALIGNMENT, p.get("alignment", 1))) for p in pools
        ]
        args: list[ctypes.c_void_p | ctypes.c_size_t] = [
            ctypes.c_void_p(b.ctypes.data) for b in self._pools
        ]
        types: list[type] = [ctypes.c_void_p] * len(args)
        if self.meta.get("weights_file"):  # --binary: init takes the weights file and its size
            blob = np.frombuffer((self.folder / self.meta["weights_file"]).read_bytes(), np.uint8)
            self._weights = _aligned_bytes(blob.size, ARENA_ALIGNMENT)
            self._weights[:] = blob
            args[:0] = [ctypes.c_void_p(self._weights.ctypes.data), ctypes.c_size_t(blob.size)]
            types[:0] = [ctypes.c_void_p, ctypes.c_size_t]
        self._init.argtypes = types
        status = self._init(*args)
        if status != 0:
            raise StaiError(f"{self.stem}_init failed with status {status}")
        self._caller_buffers: list[np.ndarray] = []
        for kind in ("input", "output"):
            if self.meta.get(f"{kind}s_in_activations", True):
                continue
            setter = self._lib[f"{self.stem}_set_{kind}"]
            setter.argtypes, setter.restype = [ctypes.c_int, ctypes.c_void_p], ctypes.c_int
            for i, info in enumerate(self.meta[f"{kind}s"]):
                nbytes = (
                    int(np.prod(info["shape"], dtype=np.int64)) * np.dtype(info["dtype"]).itemsize
                )
                buffer = _aligned_bytes(nbytes, ARENA_ALIGNMENT)
                self._caller_buffers.append(buffer)
                if setter(i, ctypes.c_void_p(buffer.ctypes.data)) != 0:
                    raise StaiError(f"{self.stem}_set_{kind}({i}) failed")

    # ---------------------------------------------------------------- build
    def _build(self, cflags: str) -> Path:
        """Build with the folder's own Makefile into ``build-host/<kernels>/`` (one archive
        per kernel choice, so switching ``CMSIS_NN_PATH`` never mixes objects), then link
        the archive into a shared object."""
        cc = os.environ.get("CC", "cc")
        if shutil.which("make") is None or shutil.which(cc) is None:
            raise StaiError("building a generated folder needs 'make' and a C compiler ('cc')")
        kernels = "cmsis-nn" if os.environ.get("CMSIS_NN_PATH") else "portable"
        if cflags != "-O2":  # other flags (e.g. -DSTAI_OBSERVER): other objects
            kernels += "-" + hashlib.sha1(cflags.encode()).hexdigest()[:8]
        build = Path("build-host") / kernels
        archive = self.folder / build / f"lib{self.name}.a"
        lib = self.folder / build / f"lib{self.name}.so"
        env = dict(os.environ)
        self._run(
            # STAI_TARGET=host: a folder generated for a Cortex-M builds for the host too.
            [
                "make",
                "-s",
                "-C",
                str(self.folder),
                "STAI_TARGET=host",
                f"BUILD={build}",
                f"LIB={build}/{archive.name}",
                # A kernel called without its declaration is an error, as in C99 compilers
                # that enforce it (GCC 14, clang).
                f"CFLAGS={cflags} -fPIC -std=c99 -Werror=implicit-function-declaration",
            ],
            env,
        )
        if not lib.exists() or lib.stat().st_mtime < archive.stat().st_mtime:
            self._run(
                [
                    cc,
                    "-shared",
                    "-o",
                    str(lib),
                    "-Wl,--whole-archive",
                    str(archive),
                    "-Wl,--no-whole-archive",
                    "-lm",
                ],
                env,
            )
        return lib

    @staticmethod
    def _run(cmd: list[str], env: dict[str, str]) -> None:
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
        if proc.returncode != 0:
            detail = (proc.stderr or proc.stdout).strip().splitlines()
            raise StaiError(f"build failed: {' '.join(cmd[:3])}: {detail[-1] if detail else ''}")

    def _bind(self) -> None:
        lib, n = self._lib, self.stem
        self._init = lib[f"{n}_init"]
        self._init.argtypes, self._init.restype = [ctypes.c_void_p], ctypes.c_int
        self._run_fn = lib[f"{n}_run"]
        self._run_fn.argtypes, self._run_fn.restype = [], ctypes.c_int
        for kind in ("input", "output"):
            ptr = lib[f"{n}_{kind}_ptr"]
            ptr.argtypes, ptr.restype = [ctypes.c_int], ctypes.c_void_p
            size = lib[f"{n}_{kind}_size"]
            size.argtypes, size.restype = [ctypes.c_int], ctypes.c_size_t
            setattr(self, f"_{kind}_ptr", ptr)
            setattr(self, f"_{kind}_size", size)
        # Only a network with state (variables, stateful operators) has a reset.
        self._reset_fn = getattr(lib, f"{n}_reset", None)
        if self._reset_fn is not None:
            self._reset_fn.argtypes, self._reset_fn.restype = [], None

    # ------------------------------------------------------------------ run
    @property
    def lib(self) -> ctypes.CDLL:
        """The loaded shared library (for extra entry points, e.g. the observer's)."""
        return self._lib

    @property
    def inputs(self) -> list[dict]:
        return self.meta["inputs"]

    @property
    def outputs(self) -> list[dict]:
        return self.meta["outputs"]

    def _view(self, kind: str, index: int, info: dict) -> np.ndarray:
        pointer = getattr(self, f"_{kind}_ptr")(index)
        size = getattr(self, f"_{kind}_size")(index)
        dtype = np.dtype(info["dtype"])
        count = int(np.prod(info["shape"], dtype=np.int64))
        if not pointer or size != count * dtype.itemsize:
            raise StaiError(f"{kind} {index}: the generated code reports {size} bytes")
        buffer = (ctypes.c_char * size).from_address(pointer)
        return np.frombuffer(buffer, dtype=dtype).reshape(info["shape"])

    @property
    def has_state(self) -> bool:
        """Whether the network keeps state between runs (it then has ``reset``)."""
        return self._reset_fn is not None

    def reset(self) -> None:
        """Set the network's state to its initial value, as after ``init`` (nothing for a
        network without state)."""
        if self._reset_fn is not None:
            self._reset_fn()

    def run(self, inputs: list[np.ndarray]) -> list[np.ndarray]:
        """Run one inference; inputs and outputs in the model's dtypes and shapes."""
        check_input_count(len(inputs), len(self.inputs))
        for i, (value, info) in enumerate(zip(inputs, self.inputs)):
            self._view("input", i, info)[...] = prepare_input(
                value, info["shape"], info["dtype"], i
            )
        status = self._run_fn()
        if status != 0:
            raise StaiError(f"{self.stem}_run failed with status {status}")
        return [self._view("output", i, info).copy() for i, info in enumerate(self.outputs)]
