"""Run a generated folder on batches of numpy inputs, optionally capturing every node.

``Runner(folder)`` builds the folder for the host (``stai.runtime.runner.CModel``); when
the folder was generated with ``--observer`` it is built with ``-DSTAI_OBSERVER`` and
``run(inputs, per_layer=True)`` records, through a ``ctypes`` callback registered with
``stai_NAME_set_observer``, every node's output and its host time::

    runner = Runner("out/kws")
    result = runner.run([features])          # features: (batch, 49, 10, 1) int8
    result.outputs[0]                        # (batch, 1, 12) int8
    result = runner.run([features], per_layer=True)
    for node in result.nodes:                # one per generated node, in execution order
        print(node.c_id, node.type_name, node.name, node.values.shape, node.time_ns.mean())
"""

from __future__ import annotations

import ctypes
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from stai.errors import StaiError
from stai.runtime.inputs import check_input_count
from stai.runtime.runner import CModel

OBSERVER_CFLAGS = "-O2 -DSTAI_OBSERVER"
MAX_RANK = 6
BEFORE, AFTER = 0, 1

_DTYPES = {
    1: np.dtype(np.int8),
    2: np.dtype(np.int16),
    3: np.dtype(np.int32),
    4: np.dtype(np.float32),
    5: np.dtype(np.uint8),
}
"""numpy dtype of each ``stai_tensor_type`` (5: uint8, as the board glue's codes; a node of
another code is read as bytes)."""


class ObserverNode(ctypes.Structure):
    """``stai_observer_node`` of ``stai_observer.h``."""

    _fields_ = [
        ("c_id", ctypes.c_int32),
        ("m_id", ctypes.c_int32),
        ("type_name", ctypes.c_char_p),
        ("name", ctypes.c_char_p),
        ("data", ctypes.c_void_p),
        ("size", ctypes.c_size_t),
        ("type", ctypes.c_int),
        ("rank", ctypes.c_int32),
        ("shape", ctypes.c_int32 * MAX_RANK),
        ("scale", ctypes.c_float),
        ("zero_point", ctypes.c_int32),
    ]


OBSERVER_FN = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_int, ctypes.POINTER(ObserverNode))
"""``stai_observer_fn``."""


@dataclass
class NodeCapture:
    """One generated node over a batch: its description, outputs and host times."""

    c_id: int
    m_id: int
    type_name: str
    name: str
    shape: tuple[int, ...]
    dtype: np.dtype
    scale: float | None
    zero_point: int | None
    values: np.ndarray
    """The node's output per sample: ``(batch, *shape)``."""
    time_ns: np.ndarray
    """Host time of the node per sample (ns, from before to after its kernel)."""

    def dequantized(self) -> np.ndarray:
        """``values`` as real numbers (float32): ``scale * (q - zero_point)`` if quantized."""
        if self.scale is None or self.scale == 0.0:
            return self.values.astype(np.float32)
        diff = self.values.astype(np.int64) - int(self.zero_point or 0)
        return (np.float32(self.scale) * diff.astype(np.float32)).astype(np.float32)


@dataclass
class RunResult:
    """What ``Runner.run`` returns."""

    outputs: list[np.ndarray]
    """One array per model output: ``(batch, *shape)``."""
    time_ns: np.ndarray
    """Host time of each inference (ns)."""
    nodes: list[NodeCapture] = field(default_factory=list)
    """With ``per_layer``: one entry per generated node, in execution order."""

    def node(self, name: str) -> NodeCapture:
        """The capture of the node whose output tensor is ``name``."""
        for n in self.nodes:
            if n.name == name:
                return n
        raise KeyError(name)


class _Recorder:
    """The Python side of the observer callback for one inference."""

    def __init__(self) -> None:
        self.started: dict[int, int] = {}
        self.records: dict[int, tuple[ObserverNode, np.ndarray, int]] = {}

    def __call__(
        self, _user: int | None, event: int, node_ptr: ctypes._Pointer[ObserverNode]
    ) -> None:
        now = time.perf_counter_ns()
        node = node_ptr.contents
        if event == BEFORE:
            self.started[node.c_id] = time.perf_counter_ns()
            return
        elapsed = now - self.started.get(node.c_id, now)
        buffer = (ctypes.c_char * node.size).from_address(node.data)
        data = np.frombuffer(buffer, dtype=np.uint8).copy()
        info = ObserverNode.from_buffer_copy(node)
        self.records[node.c_id] = (info, data, elapsed)


class Runner:
    """A generated folder, built for the host, run on batches of inputs."""

    def __init__(self, folder: str | Path, name: str | None = None):
        self.folder = Path(folder)
        self._has_observer = self._folder_has_observer(self.folder, name)
        cflags = OBSERVER_CFLAGS if self._has_observer else "-O2"
        self.model = CModel(self.folder, name, cflags=cflags)
        self.name = self.model.name
        self._set_observer = None
        if self._has_observer:
            fn = self.model.lib[f"{self.model.stem}_set_observer"]
            fn.argtypes, fn.restype = [OBSERVER_FN, ctypes.c_void_p], ctypes.c_int
            self._set_observer = fn

    @staticmethod
    def _folder_has_observer(folder: Path, name: str | None) -> bool:
        """Whether the folder's ``NAME.h`` declares the observer (``--observer``)."""
        headers = [folder / f"{name}.h"] if name else sorted(folder.glob("*.h"))
        for header in headers:
            if header.is_file() and "_set_observer(" in header.read_text():
                return True
        return False

    @property
    def has_observer(self) -> bool:
        """Whether per-layer capture is available (the folder was generated with
        ``--observer``)."""
        return self._has_observer

    @property
    def inputs(self) -> list[dict]:
        return self.model.inputs

    @property
    def outputs(self) -> list[dict]:
        return self.model.outputs

    def batch(self, inputs: list[np.ndarray] | np.ndarray) -> tuple[int, list[np.ndarray]]:
        """The batch size and the inputs as ``(batch, *shape)`` arrays in the model's dtypes."""
        if isinstance(inputs, np.ndarray):
            inputs = [inputs]
        check_input_count(len(inputs), len(self.inputs))
        sizes, arrays = [], []
        for i, (value, info) in enumerate(zip(inputs, self.inputs)):
            array = np.asarray(value)
            shape = tuple(info["shape"])
            count = int(np.prod(shape, dtype=np.int64))
            if array.dtype != np.dtype(info["dtype"]):
                raise StaiError(f"input {i}: dtype {array.dtype}, the model wants {info['dtype']}")
            if array.size == count:
                n = 1
            elif (
                array.ndim >= 1
                and array.size % count == 0
                and (array.shape[1:] == shape or array.shape[1:] == shape[1:])
            ):
                n = array.shape[0]
            else:
                raise StaiError(
                    f"input {i}: shape {list(array.shape)}, the model wants {list(shape)} "
                    "(or a batch of them)"
                )
            sizes.append(n)
            arrays.append(array.reshape((n, *shape)))
        if len(set(sizes)) != 1:
            raise StaiError(f"inputs have different batch sizes {sizes}")
        return sizes[0], arrays

    def run(self, inputs: list[np.ndarray] | np.ndarray, per_layer: bool = False) -> RunResult:
        """Run every sample of a batch; with ``per_layer`` capture every node's output."""
        if per_layer and not self._has_observer:
            raise StaiError(
                f"{self.folder}: per-layer capture needs a folder generated with --observer"
            )
        n, arrays = self.batch(inputs)
        outputs: list[list[np.ndarray]] = [[] for _ in self.outputs]
        times = np.zeros(n, dtype=np.int64)
        per_sample: list[dict[int, tuple[ObserverNode, np.ndarray, int]]] = []
        recorder = _Recorder()
        callback = OBSERVER_FN(recorder)
        if self._set_observer is not None:
            self._set_observer(callback if per_layer else OBSERVER_FN(), None)
        try:
            for k in range(n):
                recorder.records = {}
                start = time.perf_counter_ns()
                result = self.model.run([a[k] for a in arrays])
                times[k] = time.perf_counter_ns() - start
                for j, value in enumerate(result):
                    outputs[j].append(value)
                if per_layer:
                    per_sample.append(recorder.records)
        finally:
            if self._set_observer is not None:
                self._set_observer(OBSERVER_FN(), None)
        out = RunResult([np.stack(o) for o in outputs], times)
        if per_layer:
            out.nodes = self._captures(per_sample)
        return out

    @staticmethod
    def _captures(
        per_sample: list[dict[int, tuple[ObserverNode, np.ndarray, int]]],
    ) -> list[NodeCapture]:
        captures = []
        for c_id in sorted(per_sample[0]):
            info = per_sample[0][c_id][0]
            dtype = _DTYPES.get(info.type, np.dtype(np.uint8))
            shape = tuple(int(info.shape[i]) for i in range(info.rank))
            values = np.stack([s[c_id][1].view(dtype).reshape(shape) for s in per_sample])
            quantized = dtype.kind in "iu" and info.scale != 0.0
            captures.append(
                NodeCapture(
                    c_id=info.c_id,
                    m_id=info.m_id,
                    type_name=(info.type_name or b"").decode(),
                    name=(info.name or b"").decode(errors="replace"),
                    shape=shape,
                    dtype=dtype,
                    scale=float(info.scale) if quantized else None,
                    zero_point=int(info.zero_point) if quantized else None,
                    values=values,
                    time_ns=np.array([s[c_id][2] for s in per_sample], dtype=np.int64),
                )
            )
        return captures
