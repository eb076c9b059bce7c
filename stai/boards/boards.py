"""The board that runs each Cortex-M target's code: an emulated QEMU machine.

A target (``stai.targets``) is what code is compiled for; its board is what runs it:
the QEMU machine and CPU, and the linker script (in ``support/``) of its memory map.
"""

from __future__ import annotations

from dataclasses import dataclass

from stai.errors import StaiError
from stai.targets import Target


@dataclass(frozen=True)
class Board:
    """An emulated machine: ``machine`` and ``cpu`` are QEMU's names, ``linker_script`` a
    file of ``support/``."""

    machine: str
    cpu: str
    linker_script: str


BOARDS: dict[str, Board] = {
    "cortex-m4": Board("mps2-an386", "cortex-m4", "mps2.ld"),
    "cortex-m7": Board("mps2-an500", "cortex-m7", "mps2.ld"),
    "cortex-m55": Board("mps3-an547", "cortex-m55", "mps3_an547.ld"),
}
"""The board of each target, by target name (the host has none)."""


def board_for(target: Target) -> Board:
    """The board that runs ``target``'s code; ``StaiError`` for the host."""
    board = BOARDS.get(target.name)
    if board is None:
        raise StaiError(f"target '{target.name}' has no board: it runs on the host")
    return board
