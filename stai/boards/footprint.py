"""Flash and RAM footprint of a linked firmware, split by what the bytes belong to.

The link map (``-Wl,-Map``) lists every input section kept in the ELF with its address,
size and object file; with ``-ffunction-sections -fdata-sections`` that is one section per
function or variable. ``read_sections`` parses it, and ``footprint`` sums it into:

* flash: network code (``NAME.o``: code and its constant tables), kernels (every other
  object of ``libNAME.a``: the runtime or CMSIS-NN), weights (``NAME_data.o``), and the
  rest (harness, start-up code, C library);
* RAM: the activation arena, other ``.data`` and ``.bss``, the reserved stack.

The flash total equals ``arm-none-eabi-size``'s text + data, and RAM its data + bss.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from pathlib import Path

from stai.errors import StaiError

_INPUT_ONE_LINE = re.compile(
    r"^ (\*?\.?[^\s*][^\s]*|COMMON)\s+0x([0-9a-fA-F]+)\s+0x([0-9a-fA-F]+)\s+(\S.*)$"
)
_INPUT_NAME_ONLY = re.compile(r"^ (\.[^\s]+|COMMON)$")
_INPUT_REST = re.compile(r"^\s+0x([0-9a-fA-F]+)\s+0x([0-9a-fA-F]+)\s+(\S.*)$")
_OUTPUT = re.compile(r"^(\.[^\s]+)(?:\s+0x([0-9a-fA-F]+)\s+0x([0-9a-fA-F]+))?")
_FILL = re.compile(r"^ \*fill\*\s+0x([0-9a-fA-F]+)\s+0x([0-9a-fA-F]+)")
_MEMBER = re.compile(r"^(.*)\(([^()]+)\)$")

KIND_OF_OUTPUT = {
    ".text": "code",
    ".ARM.exidx": "code",
    ".rodata": "rodata",
    ".data": "data",
    ".bss": "bss",
    ".stack": "stack",
}
"""The output sections of ``boards/stai_sections.ld`` and what they hold."""


@dataclass(frozen=True)
class Section:
    """One input section placed in the ELF."""

    name: str
    output: str
    address: int
    size: int
    archive: str | None
    member: str


def read_sections(map_file: Path) -> list[Section]:
    """The kept input sections of a GNU ld link map, in map order."""
    text = map_file.read_text()
    start = text.find("Linker script and memory map")
    if start < 0:
        raise StaiError(f"{map_file}: not a GNU ld link map")
    sections: list[Section] = []
    output = ""
    pending: str | None = None
    for line in text[start:].splitlines()[1:]:
        if pending is not None:
            match = _INPUT_REST.match(line)
            if match:
                sections.append(_section(pending, output, match[1], match[2], match[3]))
            pending = None
            continue
        fill = _FILL.match(line)
        if fill:
            sections.append(Section("*fill*", output, int(fill[1], 16), int(fill[2], 16), None, ""))
            continue
        head = _OUTPUT.match(line)
        if head:
            output = head[1]
            continue
        one = _INPUT_ONE_LINE.match(line)
        if one:
            sections.append(_section(one[1], output, one[2], one[3], one[4]))
            continue
        if _INPUT_NAME_ONLY.match(line):
            pending = line.strip()
    return [s for s in sections if s.size > 0]


def _section(name: str, output: str, address: str, size: str, source: str) -> Section:
    source = source.strip()
    member = _MEMBER.match(source)
    if member:
        archive, obj = member[1], member[2]
    else:
        archive, obj = None, source
    return Section(name, output, int(address, 16), int(size, 16), archive, Path(obj).name)


@dataclass
class Footprint:
    """Bytes of a firmware by use. Flash: ``network_code + kernels + weights + other``;
    RAM: ``arena + data + bss + stack_reserved`` (``bss`` excludes the arena: the
    harness's ``arena_K`` buffers, one per memory pool)."""

    flash: int
    flash_network_code: int
    flash_kernels: int
    flash_weights: int
    flash_other: int
    ram: int
    ram_arena: int
    ram_data: int
    ram_bss: int
    ram_stack_reserved: int
    flash_weights_file: int = 0
    """``--binary``: flash reserved for the weights file (written separately, not in
    ``flash``)."""
    stack_used: int | None = None
    """Deepest stack use of one inference (painted-stack high-water mark), if measured."""

    def as_dict(self) -> dict[str, int | None]:
        return asdict(self)


COLUMNS: tuple[tuple[str, str], ...] = (
    ("flash", "flash"),
    ("network code", "flash_network_code"),
    ("kernels", "flash_kernels"),
    ("weights", "flash_weights"),
    ("other", "flash_other"),
    ("RAM", "ram"),
    ("arena", "ram_arena"),
    ("data", "ram_data"),
    ("bss", "ram_bss"),
    ("stack reserved", "ram_stack_reserved"),
)
"""The figures reports show, in order: (column title, key of ``Footprint.as_dict``)."""


def _owner(section: Section, name: str, library: str) -> str:
    """``network``, ``weights``, ``kernels`` or ``other``."""
    if section.archive is None or Path(section.archive).name != library:
        return "other"
    if section.member == f"{name}.o":
        return "network"
    if section.member == f"{name}_data.o":
        return "weights"
    return "kernels"


def footprint(
    map_file: Path, name: str, arena_symbol: str = "arena", weights_file_bytes: int = 0
) -> Footprint:
    """The footprint of a firmware linked with network ``name``'s ``libNAME.a`` (and a
    ``--binary`` weights file of ``weights_file_bytes``, written apart from it)."""
    library = f"lib{name}.a"
    flash = {"network": 0, "kernels": 0, "weights": 0, "other": 0}
    ram = {"data": 0, "bss": 0, "stack": 0}
    arena = 0
    for s in read_sections(map_file):
        kind = KIND_OF_OUTPUT.get(s.output)
        if kind is None:
            continue
        if kind in ("code", "rodata", "data"):
            flash[_owner(s, name, library)] += s.size
        if kind in ("data", "bss", "stack"):
            ram[kind] += s.size
        if kind == "bss" and s.member == "harness.o" and s.name.startswith(f".bss.{arena_symbol}_"):
            arena += s.size
    return Footprint(
        flash=sum(flash.values()),
        flash_network_code=flash["network"],
        flash_kernels=flash["kernels"],
        flash_weights=flash["weights"],
        flash_other=flash["other"],
        ram=sum(ram.values()),
        ram_arena=arena,
        ram_data=ram["data"],
        ram_bss=ram["bss"] - arena,
        ram_stack_reserved=ram["stack"],
        flash_weights_file=weights_file_bytes,
    )


NETWORK, KERNELS, INSTRUMENTATION = 0, 1, 2
"""The code categories of ``code_ranges`` (and of the counting plugin)."""

INSTRUMENTATION_OBJECTS = ("harness.o", "semihost.o", "startup.o", "stai_observer.o")


def _category(section: Section, name: str, library: str, prefix: str = "stai") -> int | None:
    """The counting category of a code section: the network's generated code, the
    kernels, the instrumentation (harness and observer code), or none (C library...)."""
    if section.member in INSTRUMENTATION_OBJECTS:
        return INSTRUMENTATION
    owner = _owner(section, name, library)
    if owner == "network":
        stem = f"{prefix}_{name}"
        observer_code = (f".text.{stem}_observe", f".text.{stem}_set_observer")
        return INSTRUMENTATION if section.name in observer_code else NETWORK
    if owner == "kernels":
        return KERNELS
    return None


def code_ranges(map_file: Path, name: str, prefix: str = "stai") -> list[tuple[int, int, int]]:
    """``(low, high, category)`` address ranges of code, for the counting plugin:
    ``NETWORK`` is the generated code of ``NAME.o``, ``KERNELS`` the rest of ``libNAME.a``,
    ``INSTRUMENTATION`` the harness and the observer's code (not part of an inference;
    ``PREFIX_NAME_observe`` and ``_set_observer``, ``prefix`` being ``--c-prefix``)."""
    library = f"lib{name}.a"
    ranges = []
    for s in read_sections(map_file):
        if KIND_OF_OUTPUT.get(s.output) != "code" or s.name == "*fill*":
            continue
        category = _category(s, name, library, prefix)
        if category is not None:
            ranges.append((s.address, s.address + s.size, category))
    return ranges
