"""Which runtime source files a set of C functions needs.

Every file in ``runtime/src`` starts with its SPDX line, then ``/* stai-provides: f g ... */``
and ``/* stai-requires: other.c ... */``; this module reads those lines and computes the
transitive closure, so a generated folder carries only the kernels its model calls.

A header of ``runtime/include`` may declare ``/* stai-provides: ... */`` too: its
functions are header-only (static inline, such as the micro-kernels of
``stai_mk_s8.h``). Every generated folder carries every header, so calls to them need
no source file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

RUNTIME_DIR = Path(__file__).resolve().parent
INCLUDE_DIR = RUNTIME_DIR / "include"
SOURCE_DIR = RUNTIME_DIR / "src"

_PROVIDES = re.compile(r"/\*\s*stai-provides:([^*]*)\*/")
_REQUIRES = re.compile(r"/\*\s*stai-requires:([^*]*)\*/")


@dataclass(frozen=True)
class SourceInfo:
    path: Path
    provides: frozenset[str]
    requires: frozenset[str]


@cache
def sources() -> dict[str, SourceInfo]:
    """Every runtime source file, by file name."""
    table: dict[str, SourceInfo] = {}
    for path in sorted(SOURCE_DIR.glob("*.c")):
        head = path.read_text()[:2048]
        provides = _PROVIDES.search(head)
        requires = _REQUIRES.search(head)
        if provides is None:
            raise RuntimeError(f"{path.name}: missing '/* stai-provides: ... */' line")
        table[path.name] = SourceInfo(
            path,
            frozenset(provides.group(1).split()),
            frozenset(requires.group(1).split()) if requires else frozenset(),
        )
    return table


@cache
def provider_of() -> dict[str, str]:
    """C function name -> the source file that defines it."""
    table: dict[str, str] = {}
    for name, info in sources().items():
        for function in info.provides:
            if function in table:
                raise RuntimeError(f"{function} is provided by {table[function]} and {name}")
            table[function] = name
    return table


@cache
def header_provider_of() -> dict[str, str]:
    """Header-only C function name -> the header that defines it (its
    ``/* stai-provides: ... */`` line)."""
    table: dict[str, str] = {}
    for path in headers():
        provides = _PROVIDES.search(path.read_text()[:2048])
        for function in provides.group(1).split() if provides else ():
            if function in table:
                raise RuntimeError(f"{function} is provided by {table[function]} and {path.name}")
            table[function] = path.name
    return table


def sources_for(functions: set[str] | frozenset[str]) -> list[Path]:
    """The runtime source files (transitively) needed to link calls to ``functions``;
    header-only functions need none."""
    providers = provider_of()
    table = sources()
    in_headers = header_provider_of()
    functions = {f for f in functions if f not in in_headers or f in providers}
    missing = sorted(f for f in functions if f not in providers)
    if missing:
        raise RuntimeError(f"no runtime source provides {', '.join(missing)}")
    todo = [providers[f] for f in functions]
    seen: set[str] = set()
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        if name not in table:
            raise RuntimeError(f"runtime source {name} is required but does not exist")
        seen.add(name)
        todo.extend(table[name].requires)
    return [table[name].path for name in sorted(seen)]


def headers() -> list[Path]:
    """Every runtime header (generated folders carry all of them: they are small)."""
    return sorted(INCLUDE_DIR.glob("*.h"))
