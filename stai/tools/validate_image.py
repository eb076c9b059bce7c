"""``stai validate --relocatable --mode target``: the network run from its relocatable
image, through the loader, on an emulated Cortex-M.

``ImageRunner`` has the interface ``stai.tools.validate`` uses of the other runners
(``inputs``, ``outputs``, ``has_observer``, ``run(batch, per_layer) -> RunResult``,
``report()``): it builds the generated folder into ``NAME_image.bin``
(``stai.boards.relocatable.build_image``), builds the loader firmware of the target once
(``build_loader_firmware``: a firmware that holds no network) and runs every batch on
QEMU with the image stored in the board's flash, so the outputs compared with the
reference are those of the code the loader bound. ``report()`` gives the ``target``
section: instructions per inference (the image has no observer hooks: no per-node
counts) and the footprint of the loader with the image (``loaded_footprint``).
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from stai.boards.boards import board_for
from stai.boards.firmware import read_meta
from stai.boards.qemu import explain_exit
from stai.boards.relocatable import (
    LOADER_ARENA,
    LOADER_RAM,
    STATUS,
    build_image,
    build_loader_firmware,
    loaded_footprint,
    run_image,
)
from stai.errors import StaiError
from stai.runtime.inputs import check_input_count
from stai.runtime.model_runner import RunResult
from stai.tools.deployed_files import HOST_MODE_NOTE, check_relocatable, image_section

LOADER_EXITS = {
    2: "the loader firmware could not open its semihosting files",
    3: "the network's init failed",
    4: "a partial sample was read",
    5: "the outputs could not be written",
    20: "the network's activations do not fit the loader firmware's arena",
}
"""The loader firmware's exit codes (``support/reloc_harness.c``) other than 0 and
10 + a load status."""


def check_options(options: Any, compile_options: Any) -> None:
    """``StaiError`` (one line) for what ``validate --relocatable`` cannot do:
    ``--per-layer`` and ``--device`` in target mode (an image has no observer hooks and
    the serial firmware holds no loader), the options an image cannot hold, and a
    missing Arm toolchain. Host mode runs the static build and refuses nothing."""
    if options.mode != "target":
        return
    if options.per_layer:
        raise StaiError(
            "--relocatable images have no observer hooks: --per-layer needs the static "
            "build (drop --relocatable) or --mode host"
        )
    if options.device is not None:
        raise StaiError(
            "--relocatable --device: stai's validation firmware holds no loader; run the "
            "image on QEMU (drop --device)"
        )
    check_relocatable(compile_options)


class ImageRunner:
    """A generated folder (for a Cortex-M target, without observer hooks) run from its
    relocatable image by the loader firmware on QEMU."""

    def __init__(
        self,
        folder: str | Path,
        name: str | None,
        image_path: str | Path,
        nodes: dict[int, dict[str, Any]] | None = None,
    ):
        folder = Path(folder)
        self.meta = read_meta(folder, name)
        self.name: str = self.meta["name"]
        self.nodes = nodes or {}
        """``node_facts`` of the compiled module: the MACC of an inference."""
        self._dir = Path(tempfile.mkdtemp(prefix=f"stai-image-{self.name}-"))
        try:
            self.image = build_image(folder, image_path, self._dir / "image")
            if self.image.ram_bytes > LOADER_RAM:
                raise StaiError(
                    f"the image needs {self.image.ram_bytes:,} bytes of RAM once loaded; the "
                    f"loader firmware keeps {LOADER_RAM:,}"
                )
            if self.image.activations_bytes > LOADER_ARENA:
                raise StaiError(
                    f"the network's activations ({self.image.activations_bytes:,} bytes) "
                    f"exceed the loader firmware's arena ({LOADER_ARENA:,} bytes)"
                )
            self.firmware = build_loader_firmware(self.image.target, self._dir / "loader")
        except BaseException:
            self.close()
            raise
        self.instructions: list[int] = []
        self._runs = 0

    def close(self) -> None:
        shutil.rmtree(self._dir, ignore_errors=True)

    def __del__(self) -> None:
        if getattr(self, "_dir", None) is not None:  # (unset if __init__ failed early)
            self.close()

    @property
    def inputs(self) -> list[dict]:
        return self.meta["inputs"]

    @property
    def outputs(self) -> list[dict]:
        return self.meta["outputs"]

    @property
    def has_observer(self) -> bool:
        return False

    def run(self, inputs: list[np.ndarray], per_layer: bool = False) -> RunResult:
        """Run a batch (one ``(batch, *shape)`` array per input) through the loader: one
        emulation, the samples in order."""
        check_input_count(len(inputs), len(self.inputs))
        if per_layer:
            raise StaiError("--relocatable images have no observer hooks: no --per-layer")
        n = int(np.asarray(inputs[0]).shape[0])
        samples = [
            b"".join(
                np.ascontiguousarray(np.asarray(x)[k], dtype=np.dtype(info["dtype"])).tobytes()
                for x, info in zip(inputs, self.inputs)
            )
            for k in range(n)
        ]
        self._runs += 1
        run = run_image(self.firmware, self.image.path, samples, self._dir / f"run{self._runs}")
        if run.load_status not in (None, 0):
            status = run.load_status
            raise StaiError(
                f"stai_image_load refused {self.image.path.name}: status {status} "
                f"({STATUS.get(status, 'unknown')})"
            )
        code = run.qemu.exit_code
        if code != 0:
            why = LOADER_EXITS.get(code) or explain_exit(code)
            raise StaiError(f"the loader firmware stopped on {self.image.path.name}: {why}")
        bad = [s for s in run.statuses if s != 0]
        if len(run.statuses) != n or bad:
            raise StaiError(
                f"the image's run returned {bad[0] if bad else 'no status'} through the loader"
            )
        self.instructions += run.instructions
        return RunResult(self._split(run.outputs, n), np.zeros(n, dtype=np.int64))

    def _split(self, data: bytes, n: int) -> list[np.ndarray]:
        """The outputs of ``n`` samples (each sample's outputs in order) as one batch per
        output."""
        dtypes = [np.dtype(o["dtype"]) for o in self.outputs]
        sizes = [
            int(np.prod(o["shape"], dtype=np.int64)) * d.itemsize
            for o, d in zip(self.outputs, dtypes)
        ]
        if len(data) != n * sum(sizes):
            raise StaiError(
                f"the loader firmware wrote {len(data)} output bytes, expected {n * sum(sizes)}"
            )
        per_sample = np.frombuffer(data, dtype=np.uint8).reshape(n, sum(sizes))
        batches, offset = [], 0
        for size, dtype, info in zip(sizes, dtypes, self.outputs):
            chunk = np.ascontiguousarray(per_sample[:, offset : offset + size])
            batches.append(chunk.view(dtype).reshape((n, *info["shape"])).copy())
            offset += size
        return batches

    def report(self) -> dict[str, Any]:
        """The ``target`` section of the validation report (``validate_board``'s keys;
        no per-node counts), with the ``image`` it ran."""
        from stai.tools.validate_board import _per_macc

        counts = self.instructions
        maccs = [int(f["macc"]) for f in self.nodes.values()]
        total_macc = sum(maccs) if maccs else None
        mean = float(np.mean(counts)) if counts else None
        target = self.image.target
        return {
            "target": target.name,
            "machine": board_for(target).machine,
            "kernels": "portable",
            "counting": "QEMU TCG plugin, every executed instruction from the call through "
            "the image's entry table to its return (resolution: 1 instruction); "
            "instructions, not cycles",
            "instructions": {
                "mean": mean,
                "min": min(counts) if counts else None,
                "max": max(counts) if counts else None,
            },
            "macc": total_macc,
            "instructions_per_macc": _per_macc(mean, total_macc),
            "glue_share": None,
            "nodes": [],
            "footprint": loaded_footprint(self.firmware, self.image),
            "loader": True,
        }

    def image_report(self) -> dict[str, Any]:
        """The report's ``image`` section: the image file and its sizes."""
        return {**image_section(self.image, self.image.path), "through_loader": True}


def relocatable_section(runner: Any) -> tuple[dict[str, Any] | None, str | None]:
    """The report's ``image`` and ``relocatable_note`` for ``validate --relocatable``:
    the image an ``ImageRunner`` ran, or (host mode) the note saying what ran instead."""
    if isinstance(runner, ImageRunner):
        return runner.image_report(), None
    return None, HOST_MODE_NOTE
