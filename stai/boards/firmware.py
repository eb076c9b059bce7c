"""Build a generated folder and stai's test harness into a firmware ELF for an emulated
Cortex-M board.

``build_firmware(folder, work_dir)`` copies the folder to ``work_dir/net``, builds its
library with the folder's own Makefile (cross-compiler, the target's flags, and the real
CMSIS-NN when ``CMSIS_NN_PATH`` is set), compiles the board support files of
``boards/`` (start-up code, semihosting, the harness) with the same flags, and links them
with the board's linker script into ``work_dir/firmware.elf`` (and a link map).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from xdsl.dialects.builtin import IntegerType, Signedness, TensorType
from xdsl.ir import Attribute, Block, Operation, Region, SSAValue

from stai.boards.boards import board_for
from stai.boards.toolchain import check_newlib, cross_tool, find_tool
from stai.dialects import c
from stai.emitc.printer import print_file
from stai.errors import StaiError
from stai.targets import Target, get_target

BOARDS_DIR = Path(__file__).resolve().parent / "support"
BOARD_SOURCES = ("startup.c", "semihost.c", "harness.c")
HARNESS_HEADER = "stai_harness_net.h"
DEFAULT_CFLAGS = "-std=c99 -O2 -Wall -Wextra"


@dataclass(frozen=True)
class Firmware:
    """A linked test firmware: its ELF, link map, the network library it holds, and what
    it was built from."""

    elf: Path
    map_file: Path
    library: Path
    name: str
    target: Target
    work_dir: Path
    kernels: str
    """``portable`` (stai's kernels) or ``cmsis-nn`` (a CMSIS-NN checkout)."""
    observer: bool = False
    """Built with ``-DSTAI_OBSERVER``: the harness marks every node."""
    weights_file: Path | None = None
    """``--binary``: the weights file QEMU writes at ``__stai_weights_start`` (reserved
    flash the firmware's init gets), not part of the ELF."""


def read_meta(folder: Path, name: str | None = None) -> dict:
    """The ``NAME.json`` interface metadata of a generated folder."""
    metas = sorted(folder.glob("*.json")) if name is None else [folder / f"{name}.json"]
    if len(metas) != 1 or not metas[0].is_file():
        raise StaiError(f"{folder}: not a generated folder (no single NAME.json)")
    return json.loads(metas[0].read_text())


def _io_bytes(info: dict) -> int:
    size = 1
    for d in info["shape"]:
        size *= int(d)
    return size * {"int8": 1, "uint8": 1, "int16": 2, "int32": 4, "float32": 4}.get(
        info["dtype"], 4
    )


def _func(
    name: str,
    params: Sequence[tuple[str, Attribute]],
    output: Attribute,
    build: Callable[[list[SSAValue]], list[Operation]],
) -> c.FuncOp:
    """A static ``c.func`` ``name`` whose body ``build(arguments)`` gives."""
    block = Block(arg_types=[t for _, t in params])
    for arg, (arg_name, _) in zip(block.args, params):
        arg.name_hint = arg_name
    block.add_ops(build(list(block.args)))
    return c.FuncOp(name, [t for _, t in params], output, Region(block), static=True)


def _forward(
    name: str, callee: str, params: Sequence[tuple[str, Attribute]], output: Attribute
) -> c.FuncOp:
    """``static OUTPUT name(PARAMS)`` returning ``callee(PARAMS)``."""

    def body(args: list[SSAValue]) -> list[Operation]:
        call = c.CallOp(callee, args, output)
        call.results[0].name_hint = "result"
        return [call, c.ReturnOp(call)]

    return _func(name, params, output, body)


def harness_header_file(name: str, meta: dict | None = None, weights_bytes: int = 1) -> c.FileOp:
    """``stai_harness_net.h`` as a ``c.file``: how the harness calls network ``name``.

    One static buffer per memory pool (``arena_K``) and per caller-provided input or
    output, bound by ``net_init()`` (with a ``--binary`` weights file of ``weights_bytes``,
    init gets the flash address reserved for it); ``NET_IN_NUM`` and ``NET_OUT_NUM``; and
    static functions forwarding to the network's API: ``net_run()``, ``net_input_ptr(i)``,
    ``net_input_size(i)``, ``net_output_ptr(i)``, ``net_output_size(i)`` and, for a network
    generated with ``--observer`` and built with ``STAI_OBSERVER``, ``net_set_observer``.
    Being static, they are compiled into ``harness.o`` (inlined at ``-O2``): the
    instruction counts put them with the harness, not with the network."""
    meta = meta or {}
    fn = f"{meta.get('c_prefix', 'stai')}_{name}"  # the API's names (--c-prefix)
    up = fn.upper()
    pools = meta.get("pools") or [{"size": meta.get("activations_bytes", 0), "alignment": 16}]
    u8 = IntegerType(8, Signedness.UNSIGNED)
    int_t, ptr_t, size_t = c.CType("int"), c.CType("void *"), c.CType("size_t")
    ops: list[Operation] = [
        c.CommentOp(
            f"How stai's harness calls the '{name}' network (written by stai for each build)."
        ),
        c.IncludeOp(f"{name}.h"),
        c.IncludeOp(f"{name}_target.h"),
        c.DefineOp("NET_IN_NUM", f"{up}_IN_NUM"),
        c.DefineOp("NET_OUT_NUM", f"{up}_OUT_NUM"),
    ]
    init_args: list[tuple[str, Attribute]] = []
    binary = bool(meta.get("weights_file"))
    if binary:
        weights = "__stai_weights_start"
        ops.append(c.ArrayOp(weights, TensorType(u8, [max(1, weights_bytes)])))
        init_args.append((weights, c.CType("const uint8_t *")))
    for k, pool in enumerate(pools):
        arena = f"arena_{k}"
        align = max(16, int(pool.get("alignment", 1)))
        size = max(1, int(pool["size"]))
        ops.append(
            c.ArrayOp(
                arena,
                TensorType(u8, [size]),
                const=False,
                static=True,
                zeroed=True,
                alignment=align,
            )
        )
        init_args.append((arena, c.CType("uint8_t *")))
    bound: list[tuple[str, int, str]] = []
    for role in ("input", "output"):
        if meta.get(f"{role}s_in_activations", True):
            continue
        for i, info in enumerate(meta.get(f"{role}s", [])):
            buffer = f"{role}_{i}"
            ops.append(
                c.ArrayOp(
                    buffer,
                    TensorType(u8, [_io_bytes(info)]),
                    const=False,
                    static=True,
                    zeroed=True,
                    alignment=16,
                )
            )
            bound.append((role, i, buffer))

    def init_body(_: list[SSAValue]) -> list[Operation]:
        body: list[Operation] = []
        args: list[Operation] = [c.GetGlobalOp(g, t) for g, t in init_args]
        if binary:  # --binary: the weights file's address, then its size
            args.insert(1, c.LiteralOp(weights_bytes, size_t))
        body += [*args, c.CallOp(f"{fn}_init", args, ok=0, error_return=1)]
        for role, i, buffer in bound:
            index, ptr = c.LiteralOp(i, int_t), c.GetGlobalOp(buffer, c.CType("uint8_t *"))
            body += [index, ptr, c.CallOp(f"{fn}_set_{role}", [index, ptr], ok=0, error_return=1)]
        ok = c.LiteralOp(0, int_t)
        return [*body, ok, c.ReturnOp(ok)]

    ops.append(_func("net_init", [], int_t, init_body))
    ops.append(_forward("net_run", f"{fn}_run", [], int_t))
    for role in ("input", "output"):
        index = [("index", int_t)]
        ops.append(_forward(f"net_{role}_ptr", f"{fn}_{role}_ptr", index, ptr_t))
        ops.append(_forward(f"net_{role}_size", f"{fn}_{role}_size", index, size_t))
    if meta.get("observer"):
        observer = [("fn", c.CType("stai_observer_fn")), ("user", ptr_t)]
        set_observer = _forward("net_set_observer", f"{fn}_set_observer", observer, int_t)
        ops.append(c.IfDefinedOp("STAI_OBSERVER", [set_observer]))
    return c.FileOp(HARNESS_HEADER, ops, guard="STAI_HARNESS_NET_H")


def harness_header(name: str, meta: dict | None = None, weights_bytes: int = 1) -> str:
    """The text of ``stai_harness_net.h`` (``harness_header_file``, printed)."""
    file_op = harness_header_file(name, meta, weights_bytes)
    file_op.verify()
    return print_file(file_op)


def _run(cmd: list[str], cwd: Path, what: str, env: dict[str, str] | None = None) -> None:
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        lines = [ln for ln in (proc.stderr or proc.stdout).strip().splitlines() if ln.strip()]
        # The first error, or the first missing symbol of a link (a kernel source left out,
        # e.g. of a CMSIS-NN checkout that lacks it), rather than the linker's summary.
        errors = [
            ln for ln in lines if "error" in ln.lower() or "undefined reference" in ln
        ] or lines
        raise StaiError(f"{what} failed: {errors[0] if errors else 'exit ' + str(proc.returncode)}")


@dataclass(frozen=True)
class Library:
    """A generated folder's network built for its Cortex-M target: ``libNAME.a`` in
    ``work_dir/net`` (a copy of the folder)."""

    folder: Path
    meta: dict
    name: str
    target: Target
    work_dir: Path
    net: Path
    path: Path
    kernels: str
    """``portable`` (stai's kernels) or ``cmsis-nn`` (a CMSIS-NN checkout)."""


def build_library(
    folder: str | Path,
    work_dir: str | Path,
    name: str | None = None,
    cflags: str = DEFAULT_CFLAGS,
    cmsis_nn_path: str | os.PathLike[str] | None = None,
    observer: bool = False,
) -> Library:
    """Copy the generated ``folder`` to ``work_dir/net`` and build its library with the
    folder's own Makefile, the cross-compiler, the target's flags and ``cflags``.

    The kernels are CMSIS-NN's from ``cmsis_nn_path`` (default: ``$CMSIS_NN_PATH``; an
    empty string: none), or stai's portable ones. ``StaiError`` for a folder generated for
    the host, missing tools, or ``observer`` on a folder generated without ``--observer``."""
    folder = Path(folder).resolve()
    meta = read_meta(folder, name)
    name = str(meta["name"])
    target = get_target(meta.get("target", "host"))
    if target.is_host:
        raise StaiError(
            f"{folder} was generated for the host: generate it with --target "
            "cortex-m4, cortex-m7 or cortex-m55 to run it on a target"
        )
    if observer and not meta.get("observer"):
        raise StaiError(f"{folder} has no observer hooks: generate it with --observer")
    gcc, ar = cross_tool("gcc"), cross_tool("ar")
    find_tool("make")
    check_newlib()
    work = Path(work_dir).resolve()
    net = work / "net"
    if net.exists():
        shutil.rmtree(net)
    work.mkdir(parents=True, exist_ok=True)
    shutil.copytree(folder, net, ignore=shutil.ignore_patterns("build*", "*.a", "*.so"))
    cmsis = str(cmsis_nn_path) if cmsis_nn_path is not None else os.environ.get("CMSIS_NN_PATH")
    kernels = "cmsis-nn" if cmsis else "portable"
    env = {k: v for k, v in os.environ.items() if k != "CMSIS_NN_PATH"}
    if cmsis:
        env["CMSIS_NN_PATH"] = str(Path(cmsis).resolve())
    _run(
        [
            "make",
            "-s",
            f"-j{os.cpu_count() or 1}",
            f"CC={gcc}",
            f"AR={ar}",
            f"STAI_TARGET={target.name}",
            f"CFLAGS={cflags}",
        ],
        net,
        f"building the '{name}' library for {target.name} ({kernels} kernels)",
        env,
    )
    return Library(folder, meta, name, target, work, net, net / f"lib{name}.a", kernels)


def build_firmware(
    folder: str | Path,
    work_dir: str | Path,
    name: str | None = None,
    cflags: str = DEFAULT_CFLAGS,
    stack_bytes: int = 0x10000,
    cmsis_nn_path: str | os.PathLike[str] | None = None,
    observer: bool = False,
) -> Firmware:
    """Build the generated ``folder`` (generated for a Cortex-M target) with the harness
    into ``work_dir/firmware.elf``; ``StaiError`` for a host folder or missing tools.

    The kernels are CMSIS-NN's from ``cmsis_nn_path`` (default: ``$CMSIS_NN_PATH``), or
    stai's portable ones when that is empty or unset. With ``observer`` (a folder
    generated with ``--observer``) everything is built with ``-DSTAI_OBSERVER`` and the
    harness marks every node."""
    return build_with_sources(
        folder,
        work_dir,
        [BOARDS_DIR / source for source in BOARD_SOURCES],
        lambda name, meta, weights_size: {HARNESS_HEADER: harness_header(name, meta, weights_size)},
        name,
        cflags,
        stack_bytes,
        cmsis_nn_path,
        observer,
    )


def build_with_sources(
    folder: str | Path,
    work_dir: str | Path,
    sources: Sequence[Path],
    headers: Callable[[str, dict, int], dict[str, str]],
    name: str | None = None,
    cflags: str = DEFAULT_CFLAGS,
    stack_bytes: int = 0x10000,
    cmsis_nn_path: str | os.PathLike[str] | None = None,
    observer: bool = False,
    defines: Sequence[str] = (),
    include_dirs: Sequence[Path] = (),
) -> Firmware:
    """``build_firmware`` with other board ``sources`` (C files compiled with the target's
    flags, ``-D`` ``defines`` and ``include_dirs``) and other written headers:
    ``headers(name, meta, weights_bytes)`` gives each file name and text, written to
    ``work_dir``."""
    if observer:
        cflags = f"{cflags} -DSTAI_OBSERVER"
    lib = build_library(folder, work_dir, name, cflags, cmsis_nn_path, observer)
    folder, meta, name, target, net = lib.folder, lib.meta, lib.name, lib.target, lib.net
    gcc = cross_tool("gcc")
    work = lib.work_dir
    kernels, library = lib.kernels, lib.path
    weights_file = meta.get("weights_file")
    weights_size = (folder / weights_file).stat().st_size if weights_file else 0
    for header, text in headers(name, meta, weights_size).items():
        (work / header).write_text(text)
    flags = [*target.cflags, *cflags.split(), "-ffunction-sections", "-fdata-sections"]
    objects = []
    for path in sources:
        source = path.name
        obj = work / source.replace(".c", ".o")
        # No C library calls from the harness (its loops stay loops): the instruction
        # counts leave the harness's own code out, not the library's.
        _run(
            [
                gcc,
                *flags,
                "-Werror",
                "-fno-tree-loop-distribute-patterns",
                f"-I{work}",
                f"-I{net}",
                f"-I{net / 'include'}",
                f"-I{BOARDS_DIR}",
                *(f"-I{d}" for d in include_dirs),
                *(f"-D{d}" for d in defines),
                "-c",
                str(path),
                "-o",
                str(obj),
            ],
            work,
            f"compiling {source}",
        )
        objects.append(str(obj))
    elf, map_file = work / "firmware.elf", work / "firmware.map"
    script = BOARDS_DIR / board_for(target).linker_script
    _run(
        [
            gcc,
            *flags,
            "-nostartfiles",
            "--specs=nano.specs",
            "-Wl,--gc-sections",
            f"-Wl,--defsym=STAI_STACK_SIZE={stack_bytes}",
            f"-Wl,--defsym=STAI_WEIGHTS_SIZE={weights_size}",
            f"-L{BOARDS_DIR}",
            "-T",
            str(script),
            f"-Wl,-Map={map_file}",
            *objects,
            str(library),
            "-lm",
            "-o",
            str(elf),
        ],
        work,
        f"linking the {target.name} firmware",
    )
    return Firmware(
        elf,
        map_file,
        library,
        name,
        target,
        work,
        kernels,
        observer,
        folder / weights_file if weights_file else None,
    )
