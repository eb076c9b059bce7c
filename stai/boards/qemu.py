"""Run a firmware on QEMU's emulated board and count the instructions it executes.

The firmware talks to the host through semihosting (files relative to the run folder).
Counting uses stai's TCG plugin (``plugin/stai_icount.c``): it counts every executed
instruction exactly (resolution: one instruction) and records the running totals each
time the harness calls its mark function, overall and in two groups of code address
ranges (the network's generated code, the kernels, the harness and observer code). These
are instructions, not cycles.
"""

from __future__ import annotations

import re
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from stai.boards.boards import board_for
from stai.boards.toolchain import cross_tool, find_tool, icount_plugin
from stai.errors import StaiError
from stai.targets import Target

DEFAULT_TIMEOUT = 120.0
"""Seconds a QEMU run may take before it is stopped."""

EXIT_MEANINGS = {
    2: "the harness could not open its files",
    3: "the network's init failed",
    4: "the input file ends inside a sample",
    5: "the harness could not write its results",
    98: "an unexpected exception",
    99: "a fault (bad memory access or instruction)",
}


@dataclass(frozen=True)
class Mark:
    """The instruction counts at one call of the harness's mark function."""

    total: int
    network: int
    kernels: int
    instrumentation: int

    @property
    def work(self) -> int:
        """Instructions outside the harness and observer code."""
        return self.total - self.instrumentation


@dataclass
class QemuRun:
    """The outcome of one emulation: exit code, console text, the marks."""

    exit_code: int
    console: str
    marks: list[Mark] = field(default_factory=list)
    total_instructions: int | None = None


def symbol_address(elf: Path, symbol: str) -> int:
    """The address of a global symbol of ``elf`` (``arm-none-eabi-nm``)."""
    nm = cross_tool("nm")
    out = subprocess.run([nm, "--defined-only", str(elf)], capture_output=True, text=True).stdout
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[2] == symbol:
            return int(parts[0], 16)
    raise StaiError(f"{elf.name}: no symbol {symbol}")


def qemu_command(
    target: Target,
    elf: Path,
    plugin_args: str | None,
    blobs: list[tuple[Path, int]] | None = None,
    serial: str = "null",
) -> list[str]:
    """The ``qemu-system-arm`` command line that runs ``elf`` on ``target``'s board, with
    ``blobs`` (file, address) written to memory before it starts and the board's first
    UART on the character device ``serial`` (QEMU's ``-serial`` spelling)."""
    board = board_for(target)
    cmd = [
        find_tool("qemu-system-arm"),
        "-M",
        board.machine,
        "-cpu",
        board.cpu,
        "-display",
        "none",
        "-monitor",
        "none",
        "-serial",
        serial,
        "-nodefaults",
        "-semihosting-config",
        "enable=on,target=native",
        "-kernel",
        str(elf),
    ]
    for path, address in blobs or []:
        cmd += ["-device", f"loader,file={path},addr={address:#x},force-raw=on"]
    if plugin_args is not None:
        cmd += ["-plugin", f"{icount_plugin()},{plugin_args}"]
    return cmd


def run_qemu(
    target: Target,
    elf: Path,
    run_dir: Path,
    ranges: list[tuple[int, int, int]] | None = None,
    count: bool = True,
    timeout: float = DEFAULT_TIMEOUT,
    blobs: list[tuple[Path, int]] | None = None,
) -> QemuRun:
    """Run ``elf`` in ``run_dir`` (its semihosting files' folder) with a time limit;
    ``blobs`` are (file, address) pairs written to memory first."""
    plugin_args = None
    counts = run_dir / "stai_counts.txt"
    if count:
        mark = symbol_address(elf, "stai_target_mark")
        plugin_args = f"out={counts},mark={mark:#x}"
        if ranges:
            ranges_file = run_dir / "stai_ranges.txt"
            ranges_file.write_text("".join(f"{lo:x} {hi:x} {c}\n" for lo, hi, c in ranges))
            plugin_args += f",ranges={ranges_file}"
    cmd = qemu_command(target, elf, plugin_args, blobs)
    try:
        proc = subprocess.run(
            cmd,
            cwd=run_dir,
            capture_output=True,
            text=True,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired:
        raise StaiError(
            f"QEMU ({board_for(target).machine}) did not finish within {timeout:g} s"
        ) from None
    console = (proc.stdout + proc.stderr).strip()
    run = QemuRun(proc.returncode, console)
    if count and counts.is_file():
        run.marks, run.total_instructions = _read_counts(counts)
    return run


def _read_counts(path: Path) -> tuple[list[Mark], int | None]:
    marks, total = [], None
    for line in path.read_text().splitlines():
        fields = line.split()
        if fields and fields[0] == "exit":
            total = int(fields[1])
        elif len(fields) >= 4:
            marks.append(Mark(int(fields[0]), int(fields[1]), int(fields[2]), int(fields[3])))
    return marks, total


def explain_exit(code: int) -> str:
    """What a harness exit code means."""
    return EXIT_MEANINGS.get(code, f"exit code {code}")


@dataclass
class SerialQemu:
    """A QEMU board running a validation firmware, its UART0 on a local socket or pty:
    ``device`` is the link's spelling for ``stai.boards.serial_link.connect``."""

    process: subprocess.Popen
    device: str

    def close(self) -> None:
        """Stop the emulation."""
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        for stream in (self.process.stdout, self.process.stderr):
            if stream is not None:
                stream.close()

    def __enter__(self) -> SerialQemu:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_serial_qemu(
    target: Target, elf: Path, link: str = "tcp", timeout: float = 10.0
) -> SerialQemu:
    """Start ``elf`` on ``target``'s board with its UART0 on a loopback TCP server
    (``link="tcp"``: ``tcp:127.0.0.1:PORT``) or a pseudo-terminal (``link="pty"``:
    ``serial:/dev/pts/N``); the emulation runs until ``close()``."""
    if link not in ("tcp", "pty"):
        raise StaiError(f"unknown emulated link '{link}' (expected tcp or pty)")
    port = _free_port() if link == "tcp" else 0
    serial = f"tcp:127.0.0.1:{port},server=on,wait=off" if link == "tcp" else "pty"
    cmd = qemu_command(target, elf, None, None, serial)
    process = subprocess.Popen(
        cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    if link == "tcp":
        return SerialQemu(process, f"tcp:127.0.0.1:{port}")
    assert process.stdout is not None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = process.stdout.readline()  # QEMU names the pty on its standard output
        found = re.search(r"redirected to (/dev/pts/\d+)", line)
        if found:
            return SerialQemu(process, f"serial:{found.group(1)}")
        if not line and process.poll() is not None:
            break
    SerialQemu(process, "").close()
    raise StaiError(f"QEMU ({board_for(target).machine}) did not open a pseudo-terminal")
