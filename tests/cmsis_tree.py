"""A stand-in CMSIS-NN source tree for the tests of the ``CMSIS_NN_PATH`` build switch
(the real CMSIS-NN is in no package registry).

The tree has CMSIS-NN's layout and its traps, so a test that builds against it proves a
generated Makefile compiles what a network needs and nothing else:

- every source file of ``stai.runtime.cmsis_nn_sources.SOURCES`` at its path under
  ``Source/``. A file named like one of stai's portable CMSIS-NN-API sources holds that
  source (the implementation); every file defines a link marker
  ``stai_stand_in_<file stem>`` that calls the markers of the files holding the functions
  it calls, so a build that leaves out a file some kernel needs fails to link;
- ``Include/`` holds the portable API headers; its ``arm_nnfunctions.h`` makes every call
  of a CMSIS-NN function from outside the tree call the marker of the file that defines
  it first, so the generated code needs exactly the files the real library would;
- ``layout="main"`` (CMSIS-NN's main branch) adds float16 / float32 sources that do not
  compile without ``ARM_NN_ENABLE_F16`` / ``ARM_NN_ENABLE_F32``; ``layout="v7"`` (v7.0)
  has none. Both have a source of a kernel stai never calls that does not compile at all.
- ``missing`` leaves table files out, as an older or newer version may.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterable
from pathlib import Path, PurePosixPath

from stai.runtime import cmsis_nn_sources, manifest

SOURCE_GUARD = "STAI_CMSIS_STAND_IN_SOURCE"
"""Defined at the top of every stand-in source: inside the tree calls are plain calls."""

FLOAT_SOURCES = {
    "BasicMathFunctions/arm_elementwise_add_f16.c": "ARM_NN_ENABLE_F16",
    "ConvolutionFunctions/arm_convolve_f16.c": "ARM_NN_ENABLE_F16",
    "BasicMathFunctions/arm_elementwise_add_f32.c": "ARM_NN_ENABLE_F32",
}
"""The float sources of the main layout and the switch each needs to compile."""

BROKEN_SOURCE = "SVDFunctions/arm_svdf_s8.c"
"""A source of a kernel stai never calls; it does not compile."""


def marker(path: str) -> str:
    """The link marker of a stand-in source (a path under ``Source/``)."""
    return f"stai_stand_in_{PurePosixPath(path).stem}"


def _marker_definition(source: cmsis_nn_sources.CmsisNNSource) -> str:
    providers = cmsis_nn_sources.provider_of()
    callees = sorted({marker(providers[f].path) for f in source.calls})
    lines = [f"void {m}(void);" for m in callees]
    lines.append(f"void {marker(source.path)}(void);")
    lines.append(f"void {marker(source.path)}(void)")
    lines.append("{")
    lines.extend(f"    {m}();" for m in callees)
    lines.append("}")
    return "\n".join(lines) + "\n"


def _call_markers() -> str:
    """The block appended to the stand-in ``arm_nnfunctions.h``."""
    providers = cmsis_nn_sources.provider_of()
    lines = [
        "",
        "/* Stand-in tree: outside the tree, a call marks the source file that defines the",
        " * function, so the link needs it. */",
        f"#ifndef {SOURCE_GUARD}",
    ]
    for path in sorted({s.path for s in providers.values()}):
        lines.append(f"void {marker(path)}(void);")
    for function, source in sorted(providers.items()):
        lines.append(f"#define {function}(...) ({marker(source.path)}(), {function}(__VA_ARGS__))")
    lines.append("#endif")
    return "\n".join(lines) + "\n"


def _float_source(path: str, switch: str) -> str:
    kind = "float16_t" if switch.endswith("F16") else "float32_t"
    real = "_Float16" if kind == "float16_t" else "float"
    return (
        f"/* A {kind} kernel: like CMSIS-NN's, it compiles only with {switch}. */\n"
        f"#if defined({switch}) && {switch}\n"
        f"typedef {real} {kind};\n"
        "#endif\n"
        f"{kind} {marker(path)}({kind} x);\n"
        f"{kind} {marker(path)}({kind} x) {{ return x; }}\n"
    )


def stand_in_cmsis_tree(root: Path, layout: str = "main", missing: Iterable[str] = ()) -> Path:
    """Lay out a stand-in CMSIS-NN tree at ``root`` (``layout`` ``main`` or ``v7``;
    ``missing``: table paths under ``Source/`` to leave out) and return ``root``."""
    if layout not in ("main", "v7"):
        raise ValueError(f"unknown layout {layout!r}")
    skip = set(missing)
    (root / "Include").mkdir(parents=True)
    for header in manifest.INCLUDE_DIR.glob("arm_*.h"):
        shutil.copy(header, root / "Include" / header.name)
    api = root / "Include" / "arm_nnfunctions.h"
    api.write_text(api.read_text() + _call_markers())
    portable = {info.path.name: info.path for info in manifest.sources().values()}
    for source in cmsis_nn_sources.SOURCES:
        if source.path in skip:
            continue
        name = PurePosixPath(source.path).name
        body = portable[name].read_text() if name in portable else ""
        target = root / "Source" / source.path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(f"#define {SOURCE_GUARD} 1\n{body}\n{_marker_definition(source)}")
    extra = {BROKEN_SOURCE: '#error "a CMSIS-NN source no network of stai needs was built"\n'}
    if layout == "main":
        extra.update({p: _float_source(p, s) for p, s in FLOAT_SOURCES.items()})
    for path, text in extra.items():
        target = root / "Source" / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
    return root
