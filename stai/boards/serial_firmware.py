"""The validation firmware (``validation/``) built for an emulated board.

``build_validation_firmware(folder, work_dir)`` links a generated folder with
``validation/stai_validation.c``, the QEMU boards' UART port
(``validation/stai_validation_qemu.c``), the start-up code and the two headers of
``validation_glue``; ``qemu.start_serial_qemu`` runs it with the board's UART0 on a
loopback socket or a pseudo-terminal, and the host talks to it through
``serial_link`` exactly as to a real board.
"""

from __future__ import annotations

import os
from pathlib import Path

from stai.boards.boards import board_for
from stai.boards.firmware import (
    BOARDS_DIR,
    DEFAULT_CFLAGS,
    HARNESS_HEADER,
    Firmware,
    build_with_sources,
    harness_header,
    read_meta,
)
from stai.boards.validation_glue import VALIDATION_HEADER, validation_header
from stai.targets import get_target

VALIDATION_DIR = Path(__file__).resolve().parent / "validation"
UART_BASES = {"mps2-an386": 0x40004000, "mps2-an500": 0x40004000, "mps3-an547": 0x49303000}
"""The address of each QEMU board's UART0 (a CMSDK APB UART)."""


def _headers(name: str, meta: dict, weights_bytes: int) -> dict[str, str]:
    return {
        HARNESS_HEADER: harness_header(name, meta, weights_bytes),
        VALIDATION_HEADER: validation_header(meta),
    }


def build_validation_firmware(
    folder: str | Path,
    work_dir: str | Path,
    name: str | None = None,
    cflags: str = DEFAULT_CFLAGS,
    cmsis_nn_path: str | os.PathLike[str] | None = None,
    observer: bool = True,
) -> Firmware:
    """The validation firmware of ``folder`` for its target's QEMU board, in
    ``work_dir/firmware.elf``; with ``observer`` (a folder generated with ``--observer``)
    it answers per-node commands too."""
    meta = read_meta(Path(folder), name)
    machine = board_for(get_target(meta.get("target", "host"))).machine
    cmsis = str(cmsis_nn_path) if cmsis_nn_path is not None else os.environ.get("CMSIS_NN_PATH")
    defines = [f"STAI_UART_BASE={UART_BASES[machine]:#x}u"]
    if cmsis:
        defines.append("STAI_VALIDATION_CMSIS_NN=1")
    sources = [
        BOARDS_DIR / "startup.c",
        BOARDS_DIR / "semihost.c",
        VALIDATION_DIR / "stai_validation.c",
        VALIDATION_DIR / "stai_validation_qemu.c",
    ]
    return build_with_sources(
        folder,
        work_dir,
        sources,
        _headers,
        name,
        cflags,
        cmsis_nn_path=cmsis_nn_path,
        observer=observer,
        defines=defines,
        include_dirs=[VALIDATION_DIR],
    )
