"""Run a generated folder on an emulated Cortex-M from Python.

``TargetModel(folder)`` builds the folder (generated with ``--target cortex-m4|m7|m55``)
with stai's harness into a firmware for the target's QEMU board; ``run_many(samples)``
feeds samples to it in one emulation and returns the outputs with instruction counts,
the stack high-water mark and the firmware's footprint::

    model = TargetModel("out/kws")             # generated with --target cortex-m4
    result = model.run_many([[features]])
    result.samples[0].outputs, result.samples[0].instructions, model.footprint.flash

With ``per_node=True`` (a folder generated with ``--observer``) a second firmware built
with ``-DSTAI_OBSERVER`` runs the samples too and counts each node's instructions; with
``capture=True`` it also returns every node's output.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from stai.boards.firmware import DEFAULT_CFLAGS, Firmware, build_firmware, read_meta
from stai.boards.footprint import Footprint, code_ranges, footprint
from stai.boards.qemu import (
    DEFAULT_TIMEOUT,
    Mark,
    QemuRun,
    explain_exit,
    run_qemu,
    symbol_address,
)
from stai.errors import StaiError

MARK_BEGIN, MARK_END, MARK_NODE = 2, 3, 4
"""Mark events of ``boards/harness.c``."""
CAPTURE_HEADER = 15
"""int32 fields before each node record of ``stai_capture.bin``."""
_DTYPES = {
    1: np.dtype(np.int8),
    2: np.dtype(np.int16),
    3: np.dtype(np.int32),
    4: np.dtype(np.float32),
    5: np.dtype(np.uint8),
}
"""numpy dtype of each ``stai_tensor_type`` (5: uint8; a node of another code is read as
bytes)."""

COUNTING_METHOD = (
    "QEMU TCG plugin: every executed instruction counted exactly (resolution 1 instruction); "
    "instructions, not cycles"
)
"""How instructions are counted, for reports."""


@dataclass
class NodeResult:
    """One generated node in one inference on the target (from the observer)."""

    c_id: int
    instructions: int
    """Instructions from the node's "before" to its "after" observer call, outside the
    harness and observer code: the node's kernel call and the generated code around it."""
    m_id: int | None = None
    type_name: str | None = None
    name: str | None = None
    shape: tuple[int, ...] | None = None
    dtype: np.dtype | None = None
    scale: float | None = None
    zero_point: int | None = None
    values: np.ndarray | None = None
    """The node's output (with ``capture``)."""


@dataclass
class SampleResult:
    """One inference on the target: outputs, the run's status, what it executed.

    ``instructions`` counts everything the call of ``stai_NAME_run`` executes (the
    generated code, the kernels, the C library functions they call);
    ``network_instructions`` are those in the generated code itself (the glue), and
    ``kernel_instructions`` those in the kernels' code.
    """

    outputs: list[np.ndarray]
    status: int
    stack_bytes: int
    instructions: int | None = None
    network_instructions: int | None = None
    kernel_instructions: int | None = None
    nodes: list[NodeResult] = field(default_factory=list)

    @property
    def glue_share(self) -> float | None:
        """The share of the inference's instructions spent in the generated code."""
        if not self.instructions or self.network_instructions is None:
            return None
        return self.network_instructions / self.instructions


@dataclass
class TargetRun:
    """The results of ``TargetModel.run_many``."""

    samples: list[SampleResult] = field(default_factory=list)
    counting_method: str = COUNTING_METHOD

    @property
    def outputs(self) -> list[list[np.ndarray]]:
        return [s.outputs for s in self.samples]


@dataclass
class _Emulation:
    """What one QEMU run of the harness left: the log, outputs, marks, captures."""

    logs: list[tuple[int, int, list[int] | None]]
    output_bytes: bytes
    marks: list[Mark]
    capture: bytes


class TargetModel:
    """A generated model built into a firmware for its Cortex-M target's QEMU board."""

    def __init__(
        self,
        folder: str | Path,
        name: str | None = None,
        work_dir: str | Path | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        cflags: str = DEFAULT_CFLAGS,
        cmsis_nn_path: str | Path | None = None,
    ):
        """Build ``folder`` in ``work_dir`` (a temporary folder by default); the kernels
        are CMSIS-NN's from ``cmsis_nn_path`` (default ``$CMSIS_NN_PATH``; ``""`` for
        stai's portable kernels)."""
        self.folder = Path(folder)
        self.meta = read_meta(self.folder, name)
        self.name: str = self.meta["name"]
        self.prefix: str = self.meta.get("c_prefix", "stai")
        """What the generated API's names start with (``--c-prefix``)."""
        self.timeout = timeout
        self._cflags = cflags
        self._cmsis = cmsis_nn_path
        self._owned_dir: str | None = None
        if work_dir is None:
            self._owned_dir = tempfile.mkdtemp(prefix=f"stai-target-{self.name}-")
            work_dir = self._owned_dir
        self.work_dir = Path(work_dir)
        self.firmware: Firmware = build_firmware(
            self.folder, self.work_dir / "plain", self.name, cflags, cmsis_nn_path=cmsis_nn_path
        )
        self.target = self.firmware.target
        weights = self.firmware.weights_file
        self.footprint: Footprint = footprint(
            self.firmware.map_file,
            self.name,
            weights_file_bytes=weights.stat().st_size if weights is not None else 0,
        )
        self._observer_firmware: Firmware | None = None
        self.weights_file: Path | None = None
        """``--binary`` folders: a weights file to run with instead of the generated one
        (the same firmware, other weights written at the reserved address)."""

    def __del__(self) -> None:
        owned_dir = getattr(self, "_owned_dir", None)  # (unset if __init__ failed early)
        if owned_dir:
            shutil.rmtree(owned_dir, ignore_errors=True)

    @property
    def inputs(self) -> list[dict]:
        return self.meta["inputs"]

    @property
    def outputs(self) -> list[dict]:
        return self.meta["outputs"]

    @property
    def has_observer(self) -> bool:
        """Whether the folder has the observer hooks (per-node counts and captures)."""
        return bool(self.meta.get("observer"))

    @property
    def observer_firmware(self) -> Firmware:
        """The firmware built with ``-DSTAI_OBSERVER`` (built on first use)."""
        if self._observer_firmware is None:
            self._observer_firmware = build_firmware(
                self.folder,
                self.work_dir / "observer",
                self.name,
                self._cflags,
                cmsis_nn_path=self._cmsis,
                observer=True,
            )
        return self._observer_firmware

    # ------------------------------------------------------------------ run
    def _sample_bytes(self, inputs: list[np.ndarray]) -> bytes:
        if len(inputs) != len(self.inputs):
            raise StaiError(f"{self.name} takes {len(self.inputs)} inputs, got {len(inputs)}")
        chunks = []
        for index, (x, info) in enumerate(zip(inputs, self.inputs)):
            array = np.ascontiguousarray(np.asarray(x, dtype=np.dtype(info["dtype"])))
            if array.size != int(np.prod(info["shape"], dtype=np.int64)):
                raise StaiError(
                    f"input {index} of {self.name}: shape {list(array.shape)}, "
                    f"expected {info['shape']}"
                )
            chunks.append(array.tobytes())
        return b"".join(chunks)

    def _split_outputs(self, data: bytes, count: int) -> list[list[np.ndarray]]:
        sizes = [
            int(np.prod(o["shape"], dtype=np.int64)) * np.dtype(o["dtype"]).itemsize
            for o in self.outputs
        ]
        if len(data) != count * sum(sizes):
            raise StaiError(
                f"the target wrote {len(data)} output bytes, expected {count * sum(sizes)}"
            )
        results, offset = [], 0
        for _ in range(count):
            sample = []
            for size, info in zip(sizes, self.outputs):
                chunk = np.frombuffer(data[offset : offset + size], dtype=np.dtype(info["dtype"]))
                sample.append(chunk.reshape(info["shape"]).copy())
                offset += size
            results.append(sample)
        return results

    def _blobs(self, firmware: Firmware) -> list[tuple[Path, int]]:
        """The weights file (``--binary``) at the flash address the firmware reserves."""
        weights = self.weights_file or firmware.weights_file
        if firmware.weights_file is None:
            return []
        assert weights is not None
        if weights.stat().st_size != firmware.weights_file.stat().st_size:
            raise StaiError(
                f"{weights}: {weights.stat().st_size} bytes, the network's weights "
                f"file has {firmware.weights_file.stat().st_size}"
            )
        return [(weights.resolve(), symbol_address(firmware.elf, "__stai_weights_start"))]

    def _emulate(self, firmware: Firmware, data: bytes, count: bool, capture: bool) -> _Emulation:
        """One QEMU run of ``firmware`` on the sample bytes ``data``."""
        run_dir = Path(tempfile.mkdtemp(prefix="run-", dir=firmware.work_dir))
        try:
            (run_dir / "stai_in.bin").write_bytes(data)
            if capture:
                (run_dir / "stai_capture.bin").write_bytes(b"")
            ranges = code_ranges(firmware.map_file, self.name, self.prefix)
            qemu = run_qemu(
                self.target,
                firmware.elf,
                run_dir,
                ranges,
                count,
                self.timeout,
                self._blobs(firmware),
            )
            self._check_exit(qemu)
            log = (run_dir / "stai_log.txt").read_text()
            output_bytes = (run_dir / "stai_out.bin").read_bytes()
            captured = (run_dir / "stai_capture.bin").read_bytes() if capture else b""
        finally:
            shutil.rmtree(run_dir, ignore_errors=True)
        return _Emulation(_parse_log(log), output_bytes, qemu.marks, captured)

    def run_many(
        self,
        samples: list[list[np.ndarray]],
        count: bool = True,
        per_node: bool = False,
        capture: bool = False,
    ) -> TargetRun:
        """Run every sample (a list of input arrays) in one emulation; with ``count`` the
        instructions of each inference are counted; ``per_node`` and ``capture`` add a run
        of the observer firmware for each node's instructions and outputs."""
        if not samples:
            raise StaiError("no samples to run")
        data = b"".join(self._sample_bytes(s) for s in samples)
        plain = self._emulate(self.firmware, data, count, False)
        if len(plain.logs) != len(samples):
            raise StaiError(f"the target ran {len(plain.logs)} of {len(samples)} samples")
        result = TargetRun()
        outputs = self._split_outputs(plain.output_bytes, len(samples))
        for out, (status, stack, _events) in zip(outputs, plain.logs):
            result.samples.append(SampleResult(out, status, stack))
        bad = [s.status for s in result.samples if s.status != 0]
        if bad:
            raise StaiError(f"{self.prefix}_{self.name}_run returned {bad[0]} on the target")
        if count:
            for sample, spans in zip(result.samples, _spans(plain)):
                begin, end = spans[MARK_BEGIN], spans[MARK_END]
                sample.instructions = end.work - begin.work
                sample.network_instructions = end.network - begin.network
                sample.kernel_instructions = end.kernels - begin.kernels
        if per_node or capture:
            self._add_nodes(result, data, per_node, capture)
        return result

    def _add_nodes(self, result: TargetRun, data: bytes, per_node: bool, capture: bool) -> None:
        if not self.has_observer:
            raise StaiError(
                f"{self.folder}: per-node counts and captures need a folder generated with "
                "--observer"
            )
        observed = self._emulate(self.observer_firmware, data, per_node, capture)
        if len(observed.logs) != len(result.samples):
            raise StaiError("the observer firmware ran a different number of samples")
        records = _parse_capture(observed.capture) if capture else []
        per_sample_records = _group_by_sample(records, len(result.samples)) if capture else None
        marks = _spans(observed) if per_node else None
        for k, sample in enumerate(result.samples):
            events = observed.logs[k][2] or []
            c_ids = sorted({(e - MARK_NODE) // 2 for e in events if e >= MARK_NODE})
            if capture and per_sample_records is not None:
                c_ids = sorted(set(c_ids) | set(per_sample_records[k]))
            for c_id in c_ids:
                node = NodeResult(c_id, 0)
                if marks is not None:
                    before = marks[k].get(MARK_NODE + 2 * c_id)
                    after = marks[k].get(MARK_NODE + 2 * c_id + 1)
                    if before is not None and after is not None:
                        node.instructions = after.work - before.work
                if per_sample_records is not None and c_id in per_sample_records[k]:
                    _describe(node, per_sample_records[k][c_id])
                sample.nodes.append(node)

    def run(self, inputs: list[np.ndarray]) -> list[np.ndarray]:
        """One inference; outputs in the model's dtypes and shapes."""
        return self.run_many([inputs], count=False).samples[0].outputs

    def _check_exit(self, qemu: QemuRun) -> None:
        if qemu.exit_code != 0:
            detail = qemu.console.splitlines()[-1] if qemu.console else ""
            raise StaiError(
                f"the {self.target.name} firmware stopped: {explain_exit(qemu.exit_code)}"
                + (f" ({detail})" if detail else "")
            )


def _parse_log(text: str) -> list[tuple[int, int, list[int] | None]]:
    """``(status, stack bytes, mark events)`` per sample from ``stai_log.txt``."""
    samples: list[tuple[int, int, list[int] | None]] = []
    for line in text.splitlines():
        fields = line.split()
        if fields[:1] == ["run"] and len(fields) == 3:
            samples.append((int(fields[1]), int(fields[2]), None))
        elif fields[:1] == ["marks"] and samples:
            if fields[1:2] == ["overflow"]:
                raise StaiError("too many observer events in one inference for the harness")
            status, stack, _ = samples[-1]
            samples[-1] = (status, stack, [int(v) for v in fields[1:]])
    return samples


def _spans(emulation: _Emulation) -> list[dict[int, Mark]]:
    """Each sample's marks by event, matching the plugin's marks with the harness's log."""
    marks = iter(emulation.marks)
    expected = sum(len(events or []) for _s, _t, events in emulation.logs)
    if len(emulation.marks) != expected:
        raise StaiError(
            f"instruction counting saw {len(emulation.marks)} marks, the harness made {expected}"
        )
    return [{event: next(marks) for event in (events or [])} for _s, _t, events in emulation.logs]


@dataclass
class _Record:
    c_id: int
    m_id: int
    type: int
    shape: tuple[int, ...]
    zero_point: int
    scale: float
    type_name: str
    name: str
    data: bytes


def _parse_capture(data: bytes) -> list[_Record]:
    """The node records of ``stai_capture.bin`` (see ``boards/harness.c``)."""
    records, offset = [], 0
    head_bytes = 4 * CAPTURE_HEADER
    while offset < len(data):
        if offset + head_bytes > len(data):
            raise StaiError("stai_capture.bin ends inside a record")
        head = np.frombuffer(data[offset : offset + head_bytes], dtype="<i4")
        offset += head_bytes
        type_len, name_len, size = int(head[12]), int(head[13]), int(head[14])
        type_name = data[offset : offset + type_len].decode(errors="replace")
        offset += type_len
        name = data[offset : offset + name_len].decode(errors="replace")
        offset += name_len
        payload = data[offset : offset + size]
        offset += size
        rank = int(head[3])
        records.append(
            _Record(
                int(head[0]),
                int(head[1]),
                int(head[2]),
                tuple(int(v) for v in head[4 : 4 + rank]),
                int(head[10]),
                float(head[11:12].view("<f4")[0]),
                type_name,
                name,
                payload,
            )
        )
    return records


def _group_by_sample(records: list[_Record], n: int) -> list[dict[int, _Record]]:
    """Split the records into samples: a sample ends when a c_id repeats."""
    groups: list[dict[int, _Record]] = [{}]
    for record in records:
        if record.c_id in groups[-1]:
            groups.append({})
        groups[-1][record.c_id] = record
    if len(groups) != n:
        raise StaiError(f"captured {len(groups)} inferences, expected {n}")
    return groups


def _describe(node: NodeResult, record: _Record) -> None:
    dtype = _DTYPES.get(record.type, np.dtype(np.uint8))
    quantized = dtype.kind in "iu" and record.scale != 0.0
    node.m_id = record.m_id
    node.type_name = record.type_name
    node.name = record.name
    node.shape = record.shape
    node.dtype = dtype
    node.scale = record.scale if quantized else None
    node.zero_point = record.zero_point if quantized else None
    node.values = np.frombuffer(record.data, dtype=dtype).reshape(record.shape).copy()
