"""Run a generated folder on an emulated Cortex-M from Python.

``TargetModel(folder)`` builds the folder (generated with ``--target cortex-m4|m7|m55``)
with stai's harness into a firmware for the target's QEMU board; ``run_many(samples)``
feeds samples to it in one emulation and returns the outputs with instruction counts,
the stack high-water mark and the firmware's footprint::

    model = TargetModel("out/kws")             # generated with --target cortex-m4
    result = model.run_many([[features]])
    result.samples[0].outputs, result.samples[0].instructions, model.footprint.flash
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from stai.errors import StaiError
from stai.target.firmware import DEFAULT_CFLAGS, Firmware, build_firmware, read_meta
from stai.target.footprint import Footprint, code_ranges, footprint
from stai.target.qemu import DEFAULT_TIMEOUT, Mark, QemuRun, explain_exit, run_qemu

COUNTING_METHOD = (
    "QEMU TCG plugin: every executed instruction counted exactly (resolution 1 instruction); "
    "instructions, not cycles"
)
"""How instructions are counted, for reports."""


@dataclass
class SampleResult:
    """One inference on the target: outputs, the run's status, what it executed.

    ``instructions`` covers the call of ``stai_NAME_run`` and everything it executes;
    ``network_instructions`` are those in the generated code itself (glue), and
    ``kernel_instructions`` those in the kernels' code.
    """

    outputs: list[np.ndarray]
    status: int
    stack_bytes: int
    instructions: int | None = None
    network_instructions: int | None = None
    kernel_instructions: int | None = None

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
    mark_overhead: int = 0
    counting_method: str = COUNTING_METHOD

    @property
    def outputs(self) -> list[list[np.ndarray]]:
        return [s.outputs for s in self.samples]


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
        self.timeout = timeout
        self._owned_dir: str | None = None
        if work_dir is None:
            self._owned_dir = tempfile.mkdtemp(prefix=f"stai-target-{self.name}-")
            work_dir = self._owned_dir
        self.firmware: Firmware = build_firmware(
            self.folder, work_dir, self.name, cflags, cmsis_nn_path=cmsis_nn_path
        )
        self.target = self.firmware.target
        self.footprint: Footprint = footprint(self.firmware.map_file, self.name)
        self._ranges = code_ranges(self.firmware.map_file, self.name)

    def __del__(self) -> None:
        if getattr(self, "_owned_dir", None):
            shutil.rmtree(self._owned_dir, ignore_errors=True)  # type: ignore[arg-type]

    @property
    def inputs(self) -> list[dict]:
        return self.meta["inputs"]

    @property
    def outputs(self) -> list[dict]:
        return self.meta["outputs"]

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
                chunk = np.frombuffer(data[offset:offset + size], dtype=np.dtype(info["dtype"]))
                sample.append(chunk.reshape(info["shape"]).copy())
                offset += size
            results.append(sample)
        return results

    def run_many(self, samples: list[list[np.ndarray]], count: bool = True) -> TargetRun:
        """Run every sample (a list of input arrays) in one emulation; with ``count`` the
        instructions of each inference are counted."""
        if not samples:
            raise StaiError("no samples to run")
        run_dir = Path(tempfile.mkdtemp(prefix="run-", dir=self.firmware.work_dir))
        try:
            (run_dir / "stai_in.bin").write_bytes(b"".join(self._sample_bytes(s) for s in samples))
            qemu = run_qemu(self.target, self.firmware.elf, run_dir, self._ranges, count,
                            self.timeout)
            self._check_exit(qemu)
            log = (run_dir / "stai_log.txt").read_text().split("\n")
            outputs = self._split_outputs((run_dir / "stai_out.bin").read_bytes(), len(samples))
        finally:
            shutil.rmtree(run_dir, ignore_errors=True)
        runs = [line.split() for line in log if line.startswith("run ")]
        if len(runs) != len(samples):
            raise StaiError(f"the target ran {len(runs)} of {len(samples)} samples")
        result = TargetRun()
        for out, fields in zip(outputs, runs):
            result.samples.append(SampleResult(out, int(fields[1]), int(fields[2])))
        if count:
            self._attach_counts(result, qemu.marks)
        bad = [s.status for s in result.samples if s.status != 0]
        if bad:
            raise StaiError(f"stai_{self.name}_run returned {bad[0]} on the target")
        return result

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

    @staticmethod
    def _attach_counts(result: TargetRun, marks: list[Mark]) -> None:
        """Marks: two calibration calls, then (begin, end) per sample."""
        expected = 2 + 2 * len(result.samples)
        if len(marks) != expected:
            raise StaiError(f"instruction counting saw {len(marks)} marks, expected {expected}")
        overhead = marks[1].total - marks[0].total
        result.mark_overhead = overhead
        for i, sample in enumerate(result.samples):
            begin, end = marks[2 + 2 * i], marks[3 + 2 * i]
            sample.instructions = end.total - begin.total - overhead
            sample.network_instructions = end.network - begin.network
            sample.kernel_instructions = end.kernels - begin.kernels
