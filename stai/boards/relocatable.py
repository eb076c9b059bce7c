"""Relocatable network images (``stai generate --relocatable``) and the loader firmware
that runs them on an emulated board.

``build_image(folder, out)`` builds a folder generated for a Cortex-M target into one
image: the network's code, constants (weights) and initialised data linked at address
0 behind an entry table (``runtime/src/stai_image_entry.c``), with the offset of every
32-bit word that holds an address. The code is compiled with ``-mword-relocations``, so
every absolute address is such a word; the image is linked twice, at 0 and at
``SECOND_BASE``, and the words that differ by exactly that amount are the relocations
(anything else that differs stops the build). ``runtime/src/stai_loader.c`` copies the
image to RAM, adds the RAM address to those words and returns the entry table
(``docs/relocatable.md``).

``build_loader_firmware(target, work_dir)`` builds a firmware that holds only the loader
(``support/reloc_harness.c``); ``run_image`` runs it on QEMU with an image written at the
board's ``__stai_weights_start``.
"""

from __future__ import annotations

import struct
import subprocess
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from stai.boards.boards import board_for
from stai.boards.firmware import BOARDS_DIR, DEFAULT_CFLAGS, _run, build_library, read_meta
from stai.boards.qemu import QemuRun, run_qemu, symbol_address
from stai.boards.toolchain import check_newlib, cross_tool
from stai.errors import StaiError
from stai.runtime.manifest import INCLUDE_DIR, SOURCE_DIR
from stai.targets import Target, get_target

MAGIC = 0x4D495453
"""``STAI_IMAGE_MAGIC`` ("STIM")."""
VERSION = 1
HEADER_BYTES = 32
SECOND_BASE = 0x10000000
"""The other address the image is linked at to find its relocations."""
IMAGE_CFLAGS = f"{DEFAULT_CFLAGS} -mword-relocations -ffunction-sections -fdata-sections"

LINKER_SCRIPT = """/* A relocatable stai network image: the entry table first, then code, constants and
 * initialised data in one block linked at STAI_IMAGE_BASE; zeroed data after it. */
ENTRY(stai_image_entry_table)
SECTIONS
{
  . = STAI_IMAGE_BASE;
  .image :
  {
    KEEP(*(.stai_entry))
    *(.text .text.*)
    *(.glue_7 .glue_7t .vfp11_veneer .v4_bx)
    *(.rodata .rodata.*)
    . = ALIGN(4);
    *(.data .data.*)
    . = ALIGN(16);
  }
  .bss (NOLOAD) :
  {
    __stai_image_bss_start = .;
    *(.bss .bss.*)
    *(COMMON)
    . = ALIGN(16);
    __stai_image_bss_end = .;
  }
  /DISCARD/ : { *(.ARM.exidx*) *(.ARM.extab*) *(.init) *(.fini) *(.init_array*) *(.fini_array*) }
}
"""

STATUS = {
    0: "loaded",
    1: "the image is shorter than its header says (truncated)",
    2: "not a stai image (bad magic)",
    3: "another image format version",
    4: "the image is damaged (CRC-32 mismatch)",
    5: "the RAM buffer is too small or misaligned",
    6: "a relocation outside the image",
    7: "no entry table at the image's start",
}
"""``stai_image_load``'s status codes (``stai_loader.h``)."""

LOADER_RAM = 1024 * 1024
"""Bytes of RAM the loader firmware keeps for an image."""
LOADER_ARENA = 512 * 1024
"""Bytes of RAM the loader firmware keeps for the network's activations."""


@dataclass(frozen=True)
class ImageInfo:
    """A built image: its file, and the sizes the loader needs."""

    path: Path
    name: str
    target: Target
    payload_bytes: int
    """Code, constants and initialised data (copied to RAM by the loader)."""
    zeroed_bytes: int
    relocations: int
    activations_bytes: int
    network_code_bytes: int = 0
    """Of the payload: the network's code and constant tables (``NAME.o``)."""
    kernels_bytes: int = 0
    """Of the payload: the kernels' code and tables (the rest of ``libNAME.a``)."""
    weights_bytes: int = 0
    """Of the payload: the weights (``NAME_data.o``)."""

    @property
    def file_bytes(self) -> int:
        return self.path.stat().st_size

    @property
    def ram_bytes(self) -> int:
        """The RAM the loaded image takes (payload and zeroed data)."""
        return self.payload_bytes + self.zeroed_bytes

    @property
    def code_bytes(self) -> int:
        """The network's and its kernels' code."""
        return self.network_code_bytes + self.kernels_bytes

    @property
    def relocation_table_bytes(self) -> int:
        return 4 * self.relocations

    @property
    def other_bytes(self) -> int:
        """Of the payload: the entry table, the C library's functions the network calls,
        the initialised data and the alignment padding."""
        return self.payload_bytes - self.code_bytes - self.weights_bytes

    def sizes(self) -> dict[str, int]:
        """The figures reports give (``stai analyze`` / ``validate --relocatable``, in
        bytes): ``file_bytes = header_bytes + code_bytes + weights_bytes + other_bytes +
        relocation_table_bytes``."""
        return {
            "file_bytes": self.file_bytes,
            "header_bytes": HEADER_BYTES,
            "code_bytes": self.code_bytes,
            "network_code_bytes": self.network_code_bytes,
            "kernels_bytes": self.kernels_bytes,
            "weights_bytes": self.weights_bytes,
            "other_bytes": self.other_bytes,
            "relocation_table_bytes": self.relocation_table_bytes,
            "relocations": self.relocations,
            "payload_bytes": self.payload_bytes,
            "zeroed_bytes": self.zeroed_bytes,
            "ram_bytes": self.ram_bytes,
            "activations_bytes": self.activations_bytes,
        }


def refusal(
    target: str,
    binary: bool = False,
    pools: int = 1,
    inputs_in_activations: bool = True,
    outputs_in_activations: bool = True,
    observer: bool = False,
) -> str | None:
    """Why a network compiled with these options cannot become an image (None: it can)."""
    if get_target(target).is_host:
        return (
            "--relocatable builds an image for a Cortex-M core: add --target cortex-m4, "
            "cortex-m7 or cortex-m55"
        )
    if binary:
        return "--relocatable holds the weights in the image: drop --binary"
    if pools > 1:
        return "--relocatable needs one activation arena: drop --memory-pool"
    if not inputs_in_activations or not outputs_in_activations:
        return (
            "--relocatable keeps inputs and outputs in the activations: drop "
            "--no-inputs-allocation / --no-outputs-allocation"
        )
    if observer:
        return "--relocatable images have no observer hooks: drop --observer"
    return None


def _check_folder(meta: dict, folder: Path) -> Target:
    why = refusal(
        meta.get("target", "host"),
        bool(meta.get("weights_file")),
        len(meta.get("pools") or [None]),
        bool(meta.get("inputs_in_activations", True)),
        bool(meta.get("outputs_in_activations", True)),
        bool(meta.get("observer")),
    )
    if why is not None:
        raise StaiError(f"{folder}: {why}" if "--target" in why else why)
    return get_target(meta.get("target", "host"))


def _link(gcc: str, flags: list[str], work: Path, objects: list[str], base: int, tag: str):
    elf = work / f"image_{tag}.elf"
    _run(
        [
            gcc,
            *flags,
            "-nostartfiles",
            "--specs=nano.specs",
            "-Wl,--gc-sections",
            f"-Wl,--defsym=STAI_IMAGE_BASE={base:#x}",
            "-T",
            str(work / "image.ld"),
            f"-Wl,-Map={work / f'image_{tag}.map'}",
            *objects,
            "-lm",
            "-o",
            str(elf),
        ],
        work,
        "linking the relocatable image",
    )
    binary = work / f"image_{tag}.bin"
    _run(
        [cross_tool("objcopy"), "-O", "binary", "-j", ".image", str(elf), str(binary)],
        work,
        "extracting the image",
    )
    bss = symbol_address(elf, "__stai_image_bss_end") - symbol_address(
        elf, "__stai_image_bss_start"
    )
    return binary.read_bytes(), bss


def relocations(low: bytes, high: bytes, delta: int) -> list[int]:
    """The offsets of the 32-bit words of ``low`` that are addresses: ``high`` (the same
    image linked ``delta`` bytes higher) has them ``delta`` larger; any other difference
    is an address the loader could not fix (``StaiError``)."""
    if len(low) != len(high) or len(low) % 4:
        raise StaiError("the image's two links differ in size: it is not relocatable")
    a = np.frombuffer(low, dtype="<u4")
    b = np.frombuffer(high, dtype="<u4")
    differ = np.nonzero(a != b)[0]
    moved = (b[differ].astype(np.int64) - a[differ].astype(np.int64)) % (1 << 32) == delta
    if not moved.all():
        at = int(differ[~moved][0]) * 4
        raise StaiError(
            f"the image has an address at byte {at:#x} that is not a 32-bit word "
            "(compiled without -mword-relocations?)"
        )
    return [int(i) * 4 for i in differ]


def pack_image(payload: bytes, zeroed: int, relocs: list[int]) -> bytes:
    """The image file: header, payload, relocation table (``stai_loader.h``)."""
    table = struct.pack(f"<{len(relocs)}I", *relocs)
    crc = zlib.crc32(payload + table) & 0xFFFFFFFF
    header = struct.pack(
        "<8I", MAGIC, VERSION, len(payload), zeroed, len(relocs), crc, HEADER_BYTES, 0
    )
    return header + payload + table


def build_image(
    folder: str | Path, out: str | Path, work_dir: str | Path, cflags: str = IMAGE_CFLAGS
) -> ImageInfo:
    """Build the generated ``folder`` (for a Cortex-M target, one arena, inputs and
    outputs in it, no ``--binary``) into the relocatable image ``out``."""
    folder = Path(folder).resolve()
    target = _check_folder(read_meta(folder), folder)
    # the network's library, always with stai's portable kernels (the image holds them)
    lib = build_library(folder, work_dir, cflags=cflags, cmsis_nn_path="")
    meta, name, net, work = lib.meta, lib.name, lib.net, lib.work_dir
    prefix = f"{meta.get('c_prefix', 'stai')}_{name}_"
    gcc = cross_tool("gcc")
    flags = [*target.cflags, *cflags.split()]
    entry = work / "stai_image_entry.o"
    _run(
        [
            gcc,
            *flags,
            f"-I{net}",
            f"-I{net / 'include'}",
            f"-I{INCLUDE_DIR}",
            f'-DSTAI_IMAGE_HEADER="{name}.h"',
            f"-DSTAI_IMAGE_API={prefix}",
            f"-DSTAI_IMAGE_MACROS={prefix.upper()}",
            "-c",
            str(SOURCE_DIR / "stai_image_entry.c"),
            "-o",
            str(entry),
        ],
        work,
        "compiling the image's entry table",
    )
    (work / "image.ld").write_text(LINKER_SCRIPT)
    objects = [str(entry), str(lib.path)]
    low, zeroed = _link(gcc, flags, work, objects, 0, "low")
    high, _ = _link(gcc, flags, work, objects, SECOND_BASE, "high")
    relocs = relocations(low, high, SECOND_BASE)
    out = Path(out)
    out.write_bytes(pack_image(low, zeroed, relocs))
    activations = int(
        (meta.get("pools") or [{"size": meta.get("activations_bytes", 0)}])[0]["size"]
    )
    parts = _payload_parts(work / "image_low.map", name)
    return ImageInfo(out, name, target, len(low), zeroed, len(relocs), activations, *parts)


def _payload_parts(map_file: Path, name: str) -> tuple[int, int, int]:
    """(network code, kernels, weights) bytes of an image's payload, from its link map:
    the sections of ``libNAME.a``'s ``NAME.o``, other members and ``NAME_data.o``."""
    from stai.boards.footprint import read_sections

    library = f"lib{name}.a"
    parts = {f"{name}.o": 0, "": 0, f"{name}_data.o": 0}
    for s in read_sections(map_file):
        if s.output != ".image" or s.archive is None or Path(s.archive).name != library:
            continue
        parts[s.member if s.member in parts else ""] += s.size
    network, kernels, weights = parts.values()
    return network, kernels, weights


@dataclass(frozen=True)
class LoaderFirmware:
    """The loader firmware of a target: its ELF and where an image is stored."""

    elf: Path
    target: Target
    image_address: int
    map_file: Path | None = None


def build_loader_firmware(
    target: str | Target, work_dir: str | Path, cflags: str = DEFAULT_CFLAGS
) -> LoaderFirmware:
    """The firmware that holds only the loader and runs whatever image is stored at the
    board's ``__stai_weights_start`` (``support/reloc_harness.c``)."""
    target = get_target(target) if isinstance(target, str) else target
    board = board_for(target)
    gcc = cross_tool("gcc")
    check_newlib()
    work = Path(work_dir).resolve()
    work.mkdir(parents=True, exist_ok=True)
    region = 4 * 1024 * 1024 if target.name == "cortex-m55" else 2 * 1024 * 1024
    flags = [*target.cflags, *cflags.split(), "-ffunction-sections", "-fdata-sections"]
    sources = [
        BOARDS_DIR / "startup.c",
        BOARDS_DIR / "semihost.c",
        BOARDS_DIR / "reloc_harness.c",
        SOURCE_DIR / "stai_loader.c",
    ]
    objects = []
    for source in sources:
        obj = work / source.name.replace(".c", ".o")
        _run(
            [
                gcc,
                *flags,
                "-Werror",
                f"-I{BOARDS_DIR}",
                f"-I{INCLUDE_DIR}",
                f"-DSTAI_RELOC_RAM={LOADER_RAM}u",
                f"-DSTAI_RELOC_ARENA={LOADER_ARENA}u",
                f"-DSTAI_RELOC_REGION={region}u",
                "-c",
                str(source),
                "-o",
                str(obj),
            ],
            work,
            f"compiling {source.name}",
        )
        objects.append(str(obj))
    elf = work / "loader.elf"
    _run(
        [
            gcc,
            *flags,
            "-nostartfiles",
            "--specs=nano.specs",
            "-Wl,--gc-sections",
            "-Wl,--defsym=STAI_STACK_SIZE=0x10000",
            f"-L{BOARDS_DIR}",
            "-T",
            str(BOARDS_DIR / board.linker_script),
            f"-Wl,-Map={work / 'loader.map'}",
            *objects,
            "-o",
            str(elf),
        ],
        work,
        f"linking the {target.name} loader firmware",
    )
    return LoaderFirmware(
        elf, target, symbol_address(elf, "__stai_weights_start"), work / "loader.map"
    )


RESERVED_BUFFERS = (".bss.image_ram", ".bss.arena")
"""The loader firmware's buffers for any image and its activations (``reloc_harness.c``)."""


def loaded_footprint(firmware: LoaderFirmware, image: ImageInfo) -> dict[str, int | None]:
    """Flash and RAM of an application holding the loader and ``image`` (the keys of
    ``stai.boards.footprint.Footprint``): flash is the loader firmware's and the image
    file's, split into the image's network code, kernels and weights and the rest; RAM is
    the network's activations (``ram_arena``), the loaded image (``ram_image``: payload
    and zeroed data), the firmware's other data, bss and reserved stack; the firmware's
    own buffers for any image are left out."""
    from stai.boards.footprint import KIND_OF_OUTPUT, read_sections

    if firmware.map_file is None:
        raise StaiError(f"{firmware.elf}: no link map to measure")
    flash = 0
    ram = {"data": 0, "bss": 0, "stack": 0}
    for s in read_sections(firmware.map_file):
        kind = KIND_OF_OUTPUT.get(s.output)
        if kind in ("code", "rodata", "data"):
            flash += s.size
        if kind in ("data", "bss", "stack") and s.name not in RESERVED_BUFFERS:
            ram[str(kind)] += s.size
    flash += image.file_bytes
    named = image.network_code_bytes + image.kernels_bytes + image.weights_bytes
    figures: dict[str, int | None] = {
        "flash": flash,
        "flash_network_code": image.network_code_bytes,
        "flash_kernels": image.kernels_bytes,
        "flash_weights": image.weights_bytes,
        "flash_other": flash - named,
        "ram": image.activations_bytes + image.ram_bytes + sum(ram.values()),
        "ram_arena": image.activations_bytes,
        "ram_image": image.ram_bytes,
        "ram_data": ram["data"],
        "ram_bss": ram["bss"],
        "ram_stack_reserved": ram["stack"],
        "stack_used": None,
    }
    return figures


@dataclass
class ImageRun:
    """One run of an image on the loader firmware."""

    qemu: QemuRun
    load_status: int | None
    statuses: list[int]
    outputs: bytes
    instructions: list[int]
    """Instructions of each inference (between the harness's marks)."""


def run_image(
    firmware: LoaderFirmware, image: Path, samples: list[bytes], run_dir: str | Path
) -> ImageRun:
    """Run ``image`` on ``firmware`` under QEMU on ``samples`` (each: every input's bytes
    in order); the outputs of all samples, concatenated."""
    run = Path(run_dir)
    run.mkdir(parents=True, exist_ok=True)
    (run / "stai_in.bin").write_bytes(b"".join(samples))
    for name in ("stai_out.bin", "stai_log.txt"):
        (run / name).unlink(missing_ok=True)
    result = run_qemu(
        firmware.target,
        firmware.elf,
        run,
        count=True,
        blobs=[(Path(image).resolve(), firmware.image_address)],
    )
    log = (run / "stai_log.txt").read_text() if (run / "stai_log.txt").is_file() else ""
    load, statuses = None, []
    for line in log.splitlines():
        fields = line.split()
        if fields[:1] == ["load"]:
            load = int(fields[1])
        elif fields[:1] == ["run"]:
            statuses.append(int(fields[1]))
    out = run / "stai_out.bin"
    marks = result.marks
    spans = [b.total - a.total for a, b in zip(marks[::2], marks[1::2])]
    return ImageRun(result, load, statuses, out.read_bytes() if out.is_file() else b"", spans)


def firmware_text_bytes(elf: Path) -> int:
    """``.text + .rodata + .data`` of a linked ELF (``arm-none-eabi-size``)."""
    proc = subprocess.run([cross_tool("size"), "-A", str(elf)], capture_output=True, text=True)
    total = 0
    for line in proc.stdout.splitlines():
        fields = line.split()
        if fields and fields[0] in (".text", ".rodata", ".data", ".ARM.exidx"):
            total += int(fields[1])
    return total
