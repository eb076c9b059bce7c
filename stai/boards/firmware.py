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
from dataclasses import dataclass
from pathlib import Path

from stai.boards.boards import board_for
from stai.boards.toolchain import check_newlib, cross_tool, find_tool
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


def harness_header(name: str, meta: dict | None = None) -> str:
    """``stai_harness_net.h``: the macros through which the harness calls network ``name``:
    one static buffer per memory pool (``arena_K``) and per caller-provided input or output,
    bound by ``net_init()``; with a ``--binary`` weights file, init gets the flash address
    reserved for it."""
    meta = meta or {}
    up, fn = name.upper(), f"stai_{name}"
    pools = meta.get("pools") or [{"size": meta.get("activations_bytes", 0), "alignment": 16}]
    decls, args, binds = [], [], []
    if meta.get("weights_file"):
        decls.append("extern const uint8_t __stai_weights_start[];")
        args.append("__stai_weights_start")
    for k, pool in enumerate(pools):
        align = max(16, int(pool.get("alignment", 1)))
        decls.append(
            f"static uint8_t arena_{k}[{max(1, int(pool['size']))}] "
            f"__attribute__((aligned({align})));"
        )
        args.append(f"arena_{k}")
    for role in ("input", "output"):
        if meta.get(f"{role}s_in_activations", True):
            continue
        for i, info in enumerate(meta.get(f"{role}s", [])):
            decls.append(
                f"static uint8_t {role}_{i}[{_io_bytes(info)}] __attribute__((aligned(16)));"
            )
            binds.append(
                f"    if ({fn}_set_{role}({i}, {role}_{i}) != 0) {{\n        return 1;\n    }}"
            )
    body = "\n".join(
        [
            f"    if ({fn}_init({', '.join(args)}) != 0) {{\n        return 1;\n    }}",
            *binds,
            "    return 0;",
        ]
    )
    return f"""/* How stai's harness calls the '{name}' network (written by stai for each build). */
#ifndef STAI_HARNESS_NET_H
#define STAI_HARNESS_NET_H
#include "{name}.h"
#include "{name}_target.h"
#define NET_IN_NUM STAI_{up}_IN_NUM
#define NET_OUT_NUM STAI_{up}_OUT_NUM
{chr(10).join(decls)}
static int net_init(void)
{{
{body}
}}
#define NET_RUN() {fn}_run()
#define NET_INPUT_PTR(i) {fn}_input_ptr(i)
#define NET_INPUT_SIZE(i) {fn}_input_size(i)
#define NET_OUTPUT_PTR(i) {fn}_output_ptr(i)
#define NET_OUTPUT_SIZE(i) {fn}_output_size(i)
#if defined(STAI_OBSERVER)
#define NET_SET_OBSERVER(f, user) {fn}_set_observer(f, user)
#endif
#endif
"""


def _run(cmd: list[str], cwd: Path, what: str, env: dict[str, str] | None = None) -> None:
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        lines = [ln for ln in (proc.stderr or proc.stdout).strip().splitlines() if ln.strip()]
        errors = [ln for ln in lines if "error" in ln.lower()] or lines
        raise StaiError(f"{what} failed: {errors[0] if errors else 'exit ' + str(proc.returncode)}")


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
    folder = Path(folder).resolve()
    meta = read_meta(folder, name)
    name = str(meta["name"])
    target = get_target(meta.get("target", "host"))
    if target.is_host:
        raise StaiError(
            f"{folder} was generated for the host: generate it with --target "
            "cortex-m4, cortex-m7 or cortex-m55 to run it on a target"
        )
    if observer:
        if not meta.get("observer"):
            raise StaiError(f"{folder} has no observer hooks: generate it with --observer")
        cflags = f"{cflags} -DSTAI_OBSERVER"
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
    library = net / f"lib{name}.a"
    weights_file = meta.get("weights_file")
    (work / HARNESS_HEADER).write_text(harness_header(name, meta))
    weights_size = (folder / weights_file).stat().st_size if weights_file else 0
    flags = [*target.cflags, *cflags.split(), "-ffunction-sections", "-fdata-sections"]
    objects = []
    for source in BOARD_SOURCES:
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
                "-c",
                str(BOARDS_DIR / source),
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
