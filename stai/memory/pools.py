"""Memory pools for ``stai generate --memory-pool FILE``: a JSON list, or a linker script.

JSON: a list of pools in priority order (or ``{"pools": [...]}``)::

    [{"name": "dtcm", "size": "128K", "section": ".dtcm_bss"},
     {"name": "sram1", "size": 262144}]

``size`` is bytes (an integer, or a string with a ``K`` / ``M`` suffix); ``section`` is
optional. A GNU ld linker script (``.ld``): the regions of its ``MEMORY`` block (parsed
with a small ``lark`` grammar: ``ORIGIN``/``org``/``o``, ``LENGTH``/``len``/``l``, sizes in
K/M, ``+ - *`` and parentheses, comments, attributes such as ``(rwx)``) give the pools
(every writable region, in the file's order) and the flash region (the largest region
that is not writable) that weights and code must fit.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from stai.errors import StaiError

if TYPE_CHECKING:
    from lark import Lark, Token, Tree

_SIZE = re.compile(r"^\s*(0[xX][0-9a-fA-F]+|\d+)\s*([KkMm]?)\s*$")


@dataclass(frozen=True)
class PoolSpec:
    """One memory pool: a name, a capacity in bytes, an optional linker section."""

    name: str
    size: int
    section: str = ""


@dataclass(frozen=True)
class Region:
    """One region of a linker script's ``MEMORY`` block."""

    name: str
    attributes: str
    origin: int
    length: int

    @property
    def writable(self) -> bool:
        """Whether the region's attributes allow writes (``w`` not after ``!``); without
        attributes, whether its name says RAM."""
        if self.attributes:
            return "w" in _positive_attributes(self.attributes)
        return bool(re.search(r"ram|tcm|data", self.name, re.IGNORECASE))

    @property
    def readonly(self) -> bool:
        """A flash-like region: readable or executable, not writable."""
        attrs = _positive_attributes(self.attributes)
        if attrs:
            return "w" not in attrs and bool(attrs & {"r", "x"})
        return bool(re.search(r"flash|rom|text", self.name, re.IGNORECASE))


@dataclass(frozen=True)
class MemoryConfig:
    """What ``--memory-pool`` gave: the pools, and (from a linker script) the flash."""

    pools: list[PoolSpec]
    flash: Region | None = None
    source: str = ""
    regions: list[Region] = field(default_factory=list)


def _positive_attributes(text: str) -> set[str]:
    """The attribute letters of ``(rwx)`` that are not inverted by a preceding ``!``."""
    out: set[str] = set()
    negate = False
    for ch in text.lower():
        if ch == "!":
            negate = True
        elif ch.isalpha():
            if not negate:
                out.add(ch)
    return out


def parse_size(value: object, what: str) -> int:
    """A byte count: an integer, or a string like ``"64K"`` / ``"0x400"`` / ``"2M"``."""
    if isinstance(value, bool):
        raise StaiError(f"{what}: size must be a number of bytes, got {value!r}")
    if isinstance(value, int):
        n = value
    elif isinstance(value, str) and (m := _SIZE.match(value)):
        n = int(m.group(1), 0) * {"": 1, "k": 1024, "m": 1024 * 1024}[m.group(2).lower()]
    else:
        raise StaiError(f"{what}: size must be a number of bytes (or like '64K'), got {value!r}")
    if n < 0:
        raise StaiError(f"{what}: size must not be negative, got {n}")
    return n


# ------------------------------------------------------------------------------ JSON


def parse_pools_json(text: str, source: str = "memory pools") -> list[PoolSpec]:
    """The pools of a JSON text (see the module docstring)."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        raise StaiError(f"{source}: not valid JSON ({e.msg} at line {e.lineno})") from e
    if isinstance(data, dict) and "pools" in data:
        data = data["pools"]
    if not isinstance(data, list) or not data:
        raise StaiError(f"{source}: expected a non-empty list of pools")
    pools: list[PoolSpec] = []
    for i, item in enumerate(data):
        where = f"{source}: pool {i}"
        if not isinstance(item, dict):
            raise StaiError(f"{where}: expected an object with name and size")
        unknown = set(item) - {"name", "size", "section"}
        if unknown:
            raise StaiError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
        name = item.get("name")
        if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
            raise StaiError(f"{where}: name must be a C identifier, got {name!r}")
        if "size" not in item:
            raise StaiError(f"{where}: missing size")
        section = item.get("section", "")
        bad = not isinstance(section, str) or (
            section and not re.fullmatch(r"[A-Za-z0-9_.]+", section)
        )
        if bad:
            raise StaiError(f"{where}: bad section {section!r}")
        pools.append(PoolSpec(name, parse_size(item["size"], f"{where} '{name}'"), section))
    names = [p.name for p in pools]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise StaiError(f"{source}: pool name(s) used twice: {', '.join(dupes)}")
    return pools


# ------------------------------------------------------------------- linker scripts

_GRAMMAR = r"""
start: region*
region: NAME attributes? ":" origin ","? length ","?
attributes: "(" ATTRS ")"
origin: ORIGIN_KW "=" expr
length: LENGTH_KW "=" expr
?expr: expr "+" term   -> add
     | expr "-" term   -> sub
     | term
?term: term "*" atom   -> mul
     | atom
?atom: NUMBER          -> number
     | "(" expr ")"
ORIGIN_KW.2: /ORIGIN|org|o/i
LENGTH_KW.2: /LENGTH|len|l/i
NAME: /[A-Za-z_.][A-Za-z0-9_.]*/
ATTRS: /[!A-Za-z]+/
NUMBER: /(0[xX][0-9a-fA-F]+|[0-9]+)[KkMm]?/
%ignore /\s+/
"""

_parser: Lark | None = None


def _lark_parser() -> Lark:
    global _parser
    if _parser is None:
        from lark import Lark

        _parser = Lark(_GRAMMAR, parser="lalr")
    return _parser


def _strip_comments(text: str) -> str:
    """The script without ``/* */`` and ``//`` comments (newlines kept)."""
    text = re.sub(r"/\*.*?\*/", lambda m: "\n" * m.group(0).count("\n"), text, flags=re.S)
    return re.sub(r"//[^\n]*", "", text)


def _memory_block(text: str, source: str) -> str:
    """The inside of the ``MEMORY { ... }`` block."""
    match = re.search(r"\bMEMORY\s*\{", text)
    if match is None:
        raise StaiError(f"{source}: no MEMORY block in the linker script")
    end = text.find("}", match.end())
    if end < 0:
        raise StaiError(f"{source}: the MEMORY block is not closed")
    return text[match.end() : end]


def _number(token: str) -> int:
    scale = {"k": 1024, "m": 1024 * 1024}.get(token[-1].lower(), 1)
    digits = token[:-1] if scale != 1 else token
    return int(digits, 0) * scale


def _subtree(node: Tree | Token) -> Tree:
    """A child that the grammar makes a rule (a subtree, not a token)."""
    from lark import Tree

    assert isinstance(node, Tree), f"MEMORY grammar: a token where a rule is expected: {node!r}"
    return node


def _evaluate(tree: Tree | Token) -> int:
    from lark import Token

    if isinstance(tree, Token):
        return _number(str(tree))
    kind = tree.data
    if kind == "number":
        return _number(str(tree.children[0]))
    a, b = (_evaluate(c) for c in tree.children)
    return {"add": a + b, "sub": a - b, "mul": a * b}[kind]


def parse_linker_script(text: str, source: str = "linker script") -> list[Region]:
    """The regions of a GNU ld script's ``MEMORY`` block, in order."""
    from lark.exceptions import LarkError

    body = _memory_block(_strip_comments(text), source)
    try:
        tree = _lark_parser().parse(body)
    except LarkError as e:
        first = " ".join(str(e).split())[:120]
        raise StaiError(f"{source}: cannot parse the MEMORY block ({first})") from e
    regions = []
    for child in tree.children:
        region = _subtree(child)
        name = str(region.children[0])
        rest = [_subtree(c) for c in region.children[1:]]
        attributes = ""
        if rest and rest[0].data == "attributes":
            attributes = str(rest[0].children[0])
            rest = rest[1:]
        origin = _evaluate(rest[0].children[1])
        length = _evaluate(rest[1].children[1])
        if length < 0:
            raise StaiError(f"{source}: region {name} has a negative length")
        regions.append(Region(name, attributes, origin, length))
    if not regions:
        raise StaiError(f"{source}: the MEMORY block declares no region")
    return regions


def _c_name(name: str) -> str:
    out = re.sub(r"[^A-Za-z0-9_]", "_", name)
    return out if re.match(r"[A-Za-z_]", out) else "r_" + out


def config_from_linker_script(text: str, source: str = "linker script") -> MemoryConfig:
    """Pools (the writable regions) and the flash region of a linker script."""
    regions = parse_linker_script(text, source)
    pools = [PoolSpec(_c_name(r.name), r.length) for r in regions if r.writable]
    if not pools:
        raise StaiError(f"{source}: no writable (RAM) region in the MEMORY block")
    readonly = [r for r in regions if r.readonly]
    flash = max(readonly, key=lambda r: r.length) if readonly else None
    return MemoryConfig(pools, flash, source, regions)


def load_memory_config(path: str | Path) -> MemoryConfig:
    """Read ``--memory-pool FILE``: a linker script (``.ld``, ``.lds``) or JSON."""
    p = Path(path)
    if not p.is_file():
        raise StaiError(f"memory pool file not found: {p}")
    try:
        text = p.read_text()
    except (OSError, UnicodeDecodeError) as e:
        raise StaiError(f"cannot read memory pool file {p}: {e}") from e
    if p.suffix.lower() in (".ld", ".lds") or re.search(r"\bMEMORY\s*\{", text):
        return config_from_linker_script(text, p.name)
    return MemoryConfig(parse_pools_json(text, p.name), None, p.name)
