"""The package's import graph: no cycle, and the layers point one way.

core (dialects, frontends, transforms, lowering, emitc, runtime, ``stai.errors``,
``stai.registry``, ``stai.targets``) <- compiler (``stai.compiler``, ``stai.memory``) <-
tools (``stai.tools``, ``stai.boards``) <- command lines (``stai.cli``, ``stai.demo``).
A module may import its own layer and the layers below it, never one above. Every import
counts, including those inside functions and under ``TYPE_CHECKING``.
"""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

LAYERS: dict[str, int] = {
    "stai.dialects": 0,
    "stai.frontends": 0,
    "stai.transforms": 0,
    "stai.lowering": 0,
    "stai.emitc": 0,
    "stai.runtime": 0,
    "stai.errors": 0,
    "stai.registry": 0,
    "stai.targets": 0,
    "stai": 0,
    "stai.compiler": 1,
    "stai.memory": 1,
    "stai.tools": 2,
    "stai.boards": 2,
    "stai.cli": 3,
    "stai.demo": 3,
}
"""The layer of each part of the package (the longest matching prefix decides)."""

MAX_LINES = 800


def _package_dirs() -> dict[str, Path]:
    """Package name -> folder, from pyproject's ``package-dir`` (the installed names)."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    dirs = {name: ROOT / path for name, path in config["package-dir"].items()}
    for package in config["packages"]:
        if package not in dirs:
            parent, _, leaf = package.rpartition(".")
            dirs[package] = dirs[parent] / leaf
    return dirs


def modules() -> dict[str, Path]:
    """Every module of the installed package: dotted name -> file."""
    found: dict[str, Path] = {}
    for package, folder in _package_dirs().items():
        for path in folder.glob("*.py"):
            name = package if path.stem == "__init__" else f"{package}.{path.stem}"
            found[name] = path
    return found


def _imports(name: str, path: Path, known: set[str]) -> set[str]:
    """The package's modules that ``name`` imports (anywhere in the file)."""
    package = name if path.stem == "__init__" else name.rpartition(".")[0]
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1] + ([base] if base else []))
            targets = [f"{base}.{a.name}" for a in node.names] + [base]
        for target in targets:
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target and target != name:
                out.add(target)
    return out


def graph() -> dict[str, set[str]]:
    mods = modules()
    known = set(mods)
    return {name: _imports(name, path, known) for name, path in mods.items()}


def _layer(module: str) -> int:
    best = max((p for p in LAYERS if module == p or module.startswith(p + ".")), key=len)
    return LAYERS[best]


def cycles(g: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(g.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(g):
        if v not in index:
            visit(v)
    return found


def test_the_package_is_found():
    mods = modules()
    for name in (
        "stai.dialects.nn",
        "stai.compiler.driver",
        "stai.tools.analyze",
        "stai.cli.main",
        "stai.boards.qemu",
    ):
        assert name in mods


def test_every_package_folder_is_installed():
    """A folder with an ``__init__.py`` that pyproject does not list would be left out of
    a wheel (and out of these checks)."""
    dirs = _package_dirs()
    listed = {path.resolve() for path in dirs.values()}
    found = {
        init.parent.resolve()
        for folder in dirs.values()
        for init in folder.rglob("__init__.py")
        if "__pycache__" not in init.parts
    }
    assert sorted(map(str, found - listed)) == []


def test_no_import_cycle():
    assert cycles(graph()) == []


def test_layers_point_down():
    wrong = [
        f"{a} (layer {_layer(a)}) imports {b} (layer {_layer(b)})"
        for a, targets in graph().items()
        for b in targets
        if _layer(b) > _layer(a)
    ]
    assert wrong == []


def test_no_module_over_the_length_limit():
    long = {
        name: n
        for name, path in modules().items()
        if (n := len(path.read_text().splitlines())) > MAX_LINES
    }
    assert long == {}


def test_cycle_finder_finds_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
