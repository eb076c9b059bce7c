"""What every command line of stai shares: one-line errors with exit code 2 for bad input
(``run_reporting_errors``, ``Parser``, ``check_arguments``), the compile options
``generate``, ``analyze`` and ``validate`` take, and stm32ai / stedgeai's spellings of
them (accepted when they mean the same, ``REFUSED`` with stai's option when not;
``docs/stm32ai-migration.md``)."""

from __future__ import annotations

import argparse
import os
import signal
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from stai.compiler.options import CompileOptions, FrontendOptions, MemoryOptions

EXIT_BAD_INPUT = 2
EXIT_INTERNAL = 3
EXIT_TERMINATED = 128 + signal.SIGTERM


def _terminate(signum: int, _frame: object) -> None:
    """SIGTERM: unwind like an interrupt, so a folder being written is cleaned up."""
    raise SystemExit(128 + signum)


def run_reporting_errors(body: Callable[[], object], tool: str) -> int:
    """Run ``body``; report bad input as one line on stderr (exit 2).

    Anything else is a bug in stai: also one line (exit 3), with the traceback only when
    ``STAI_DEBUG`` is set. SIGTERM unwinds (exit 143), removing a half-written folder.
    """
    import threading

    from xdsl.utils.exceptions import DiagnosticException, ParseError, VerifyException

    from stai.errors import StaiError

    previous = None
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        body()
    except StaiError as e:
        print(f"{tool}: error: {e}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except (ParseError, VerifyException, DiagnosticException) as e:
        first = str(e).strip().splitlines()
        print(f"{tool}: error: {' '.join(first[:1]) or type(e).__name__}", file=sys.stderr)
        if len(first) > 1:
            print("\n".join(first[1:]), file=sys.stderr)
        return EXIT_BAD_INPUT
    except FileNotFoundError as e:
        print(f"{tool}: error: {e.filename}: no such file", file=sys.stderr)
        return EXIT_BAD_INPUT
    except (PermissionError, NotADirectoryError, IsADirectoryError, FileExistsError) as e:
        # a path the user named that cannot be used as asked
        where = e.filename if e.filename is not None else "a path"
        print(f"{tool}: error: {where}: {e.strerror or type(e).__name__}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        return 130
    except Exception as e:  # a bug in stai, not in the user's input
        if os.environ.get("STAI_DEBUG"):
            raise
        message = " ".join(str(e).split()) or type(e).__name__
        print(
            f"{tool}: internal error: {type(e).__name__}: {message} (set STAI_DEBUG=1 for a trace)",
            file=sys.stderr,
        )
        return EXIT_INTERNAL
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
    return 0


class Parser(argparse.ArgumentParser):
    """argparse with usage errors as exit code 2 and one line."""

    def error(self, message: str):
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: error: {message}\n")


def add_memory_options(parser: argparse.ArgumentParser) -> None:
    """The memory-layout options of ``generate`` (``docs/memory-planning.md``)."""
    for role in ("inputs", "outputs"):
        group = parser.add_mutually_exclusive_group()
        group.add_argument(
            f"--no-{role}-allocation",
            action="store_true",
            help=f"{role} are caller-provided buffers (stai_NAME_set_{role[:-1]}), not in "
            "the activations",
        )
        group.add_argument(
            f"--allocate-{role}",
            action="store_true",
            help=f"{role} in the activations (the default; stedgeai's spelling)",
        )
    parser.add_argument(
        "--split-weights",
        action="store_true",
        help="one const array per weight tensor instead of one packed blob",
    )
    parser.add_argument(
        "--memory-pool",
        metavar="FILE",
        help="memory pools: a JSON list (name, size, section) or a GNU ld linker script (.ld)",
    )
    parser.add_argument(
        "--alignment",
        type=int,
        metavar="N",
        help="byte alignment of every activation buffer (default: the target's)",
    )
    parser.add_argument(
        "--weights-alignment",
        type=int,
        metavar="N",
        help="byte alignment of every weight array (default: the target's)",
    )
    parser.add_argument(
        "--no-overlap",
        action="store_true",
        help="keep every output apart from its inputs (default: an output may share the bytes "
        "of the input it reads last, as far as its kernel allows; docs/memory-planning.md)",
    )


def memory_options(args: argparse.Namespace) -> MemoryOptions:
    """The memory options in ``args``."""
    from stai.compiler.options import MemoryOptions

    return MemoryOptions(
        allocate_inputs=not getattr(args, "no_inputs_allocation", False),
        allocate_outputs=not getattr(args, "no_outputs_allocation", False),
        split_weights=getattr(args, "split_weights", False),
        alignment=getattr(args, "alignment", None),
        weights_alignment=getattr(args, "weights_alignment", None),
        memory_pool=getattr(args, "memory_pool", None),
        overlap=not getattr(args, "no_overlap", False),
    )


def compile_options(args: argparse.Namespace, observer: bool | None = None) -> CompileOptions:
    """The ``CompileOptions`` of a command's arguments (``observer`` overrides
    ``--observer``)."""
    from stai.compiler.options import (
        DEFAULT_KERNELS,
        DEFAULT_OPTIMIZE,
        CompileOptions,
        CompressOptions,
    )

    compress = getattr(args, "compress", None)
    return CompileOptions(
        name=getattr(args, "name", "network"),
        target=getattr(args, "target", None) or "host",
        kernels=getattr(args, "kernels", None) or DEFAULT_KERNELS,
        optimize=getattr(args, "optimize", None) or DEFAULT_OPTIMIZE,
        observer=getattr(args, "observer", False) if observer is None else observer,
        frontend=frontend_options(args),
        memory=memory_options(args),
        compress=CompressOptions.parse(compress) if compress is not None else None,
        binary=getattr(args, "binary", False),
        c_prefix=getattr(args, "c_prefix", None) or "stai",
    )


def add_compress_option(parser: argparse.ArgumentParser, level: bool = False) -> None:
    """``-c/--compress 4|8|FILE.json``: k-means weight sharing (``docs/compression.md``);
    with ``level``, the exclusive ``--compression-level none|low|medium|high``."""
    group = parser.add_mutually_exclusive_group()
    if level:
        group.add_argument(
            "--compression-level",
            choices=list(COMPRESSION_LEVELS),
            help="factors per layer from a measured output error budget "
            "(low 0.5%%, medium 2%%, high 10%% relative L2)",
        )
    group.add_argument(
        "-c",
        "--compress",
        "--compression",
        metavar="4|8|FILE.json",
        action=CompressAction if level else "store",
        help="share the fully connected weights through k-means codebooks: 4 (256 centroids, "
        "8-bit indices), 8 (16 centroids, 4-bit indices) or a JSON file of per-layer "
        "factors" + ("; none, low, medium or high: as --compression-level" if level else ""),
    )


class CompressAction(argparse.Action):
    """``-c/--compress/--compression``: a factor or a JSON file, or (stedgeai's habit) a
    compression level ``none|low|medium|high``, stored as ``--compression-level``."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: Any,
        option_string: str | None = None,
    ) -> None:
        text = str(values)
        if text.lower() == "none":
            setattr(namespace, self.dest, None)
            return
        if text.lower() in COMPRESSION_LEVELS:
            namespace.compression_level = text.lower()
            return
        if text.lower() == "lossless":
            parser.error(
                f"{option_string} lossless: stai has no lossless weight compression; "
                "use -c 4|8 (k-means) or -c low|medium|high (a level)"
            )
        setattr(namespace, self.dest, text)


COMPRESSION_LEVELS = ("none", "low", "medium", "high")


def add_target_option(
    parser: argparse.ArgumentParser,
    default: str | None = "host",
    help: str = "the core the code is for: its compiler flags, scratch sizes and alignment",
) -> None:
    """``--target host|cortex-m4|cortex-m7|cortex-m55`` (``stai.targets``)."""
    from stai.targets import TARGETS

    parser.add_argument(
        "--target", default=default, choices=list(TARGETS), type=_target_name, help=help
    )


ST_SERIES_CORES = {
    "stm32f4": "cortex-m4",
    "stm32l4": "cortex-m4",
    "stm32g4": "cortex-m4",
    "stm32wb": "cortex-m4",
    "stm32f3": "cortex-m4",
    "stm32wl": "cortex-m4",
    "stm32f7": "cortex-m7",
    "stm32h7": "cortex-m7",
    "stm32n6": "cortex-m55",
}
"""The core of an STM32 series that has one stai targets (stedgeai's ``--target``)."""


def _target_name(text: str) -> str:
    """A ``--target`` value; stedgeai's device names get a hint naming the core."""
    from stai.targets import TARGETS

    lower = text.lower()
    if lower in TARGETS or not lower.startswith(("stm32", "stellar", "sr5", "sr6", "ispu")):
        return text
    series = "stm32h7" if lower == "stm32" else lower[:7]
    core = ST_SERIES_CORES.get(series)
    hint = f"use --target {core}" if core else f"stai targets {', '.join(TARGETS)}"
    raise argparse.ArgumentTypeError(
        f"'{text}' is a stedgeai device; stai's --target names the core: {hint}"
    )


def add_kernels_option(parser: argparse.ArgumentParser, optimize: bool = False) -> None:
    """``--kernels stai|cmsis-nn``: the int8 kernels (``CompileOptions.kernels``); with
    ``optimize``, ``-O/--optimize time|ram|balanced`` too, the size/speed choice among
    stai's kernels (``CompileOptions.optimize``; stedgeai's ``--optimization`` is the same
    option)."""
    from stai.compiler.options import DEFAULT_KERNELS, DEFAULT_OPTIMIZE, KERNELS, OPTIMIZE

    parser.add_argument(
        "--kernels",
        choices=list(KERNELS),
        default=DEFAULT_KERNELS,
        help="int8 kernels: 'stai' = stai's own, specialised per layer where one fits (the "
        "other layers keep CMSIS-NN's), 'cmsis-nn' = CMSIS-NN API calls "
        f"(default {DEFAULT_KERNELS}; docs/target.md)",
    )
    if not optimize:
        return
    parser.add_argument(
        "-O",
        "--optimize",
        "--optimization",
        choices=list(OPTIMIZE),
        default=DEFAULT_OPTIMIZE,
        help="with --kernels stai: 'time' = 1x1 convolutions and fully connected layers on "
        "int16 weights (faster, twice their weights' flash), 'ram' = the smallest arena (a "
        "layer whose stai kernel's scratch would set the peak keeps the kernel with less), "
        f"'balanced' = int8 weights (default {DEFAULT_OPTIMIZE}; the report gives the cost; "
        "docs/target.md)",
    )


def add_onnx_options(parser: argparse.ArgumentParser) -> None:
    """``--no-onnx-io-transpose`` and ``--no-onnx-optimizer`` (ONNX models only)."""
    parser.add_argument(
        "--no-onnx-io-transpose",
        action="store_true",
        help="ONNX: NHWC inputs and outputs instead of the model's channel-first ones",
    )
    parser.add_argument(
        "--no-onnx-optimizer",
        action="store_true",
        help="ONNX: do not run the ONNX optimizer (onnxoptimizer) before import",
    )


def frontend_options(args: argparse.Namespace) -> FrontendOptions:
    """The ONNX frontend options in ``args``."""
    from stai.compiler.options import FrontendOptions

    return FrontendOptions(
        io_transpose=not getattr(args, "no_onnx_io_transpose", False),
        optimize=not getattr(args, "no_onnx_optimizer", False),
    )


COMMANDS = ("generate", "analyze", "validate")
"""The commands that compile a model: each takes the compile options of
``add_compile_options``."""

LEFT_OUT: dict[str, dict[str, str]] = {
    "generate": {},
    "analyze": {
        "--observer": "analyze always compiles the observer's node records to attribute "
        "each layer's costs; the hooks change neither the activations nor the weights",
    },
    "validate": {
        "--observer": "validate always compiles the observer hooks (per-layer comparison)",
        "--int8-io": "the reference runs on float inputs and outputs",
    },
}
"""The compile options a command leaves out, each with the reason (shown by ``--help``)."""

RELOCATABLE_HELP = {
    "generate": "also build NAME_image.bin: code and weights that a firmware holding only "
    "stai's loader runs (Cortex-M targets; docs/relocatable.md)",
    "analyze": "also build the relocatable image generate --relocatable writes and report "
    "its sizes: header, code, weights, relocation table (Cortex-M targets, Arm toolchain; "
    "docs/relocatable.md)",
    "validate": "with --mode target: build NAME_image.bin in the -o folder and run the "
    "samples through stai's loader on QEMU, reporting the image's sizes (no --per-layer, "
    "no --device); with --mode host: the static build runs on the host, as the report says",
}
"""``--relocatable``'s help, per command."""


def add_compile_options(parser: argparse.ArgumentParser, command: str = "generate") -> None:
    """Every compile option of ``command`` (one of ``COMMANDS``): the target, the output
    options of ``generate`` (``--binary``, ``--relocatable``, ``--observer``), the ONNX
    frontend, the memory layout, the weight compression and post-training quantization
    (``-q``). The options ``LEFT_OUT[command]`` names are not added; the parser's epilog
    says why."""
    from stai.cli.quantize import add_generate_options

    if command not in COMMANDS:
        raise ValueError(f"no compile options for '{command}'")
    left_out = LEFT_OUT[command]
    if command == "validate":
        add_target_option(
            parser,
            default=None,
            help="the core the code is for (default: host, or cortex-m4 with --mode target)",
        )
    else:
        add_target_option(parser)
    add_kernels_option(parser, optimize=True)
    if "--binary" not in left_out:
        parser.add_argument(
            "--binary",
            action="store_true",
            help="weights in NAME_weights.bin, passed to stai_NAME_init (docs/target.md)",
        )
    if "--relocatable" not in left_out:
        parser.add_argument("--relocatable", action="store_true", help=RELOCATABLE_HELP[command])
    if "--observer" not in left_out:
        parser.add_argument(
            "--observer",
            action="store_true",
            help="add the observer hooks (compiled in with -DSTAI_OBSERVER; docs/observer.md)",
        )
    if "--c-prefix" not in left_out:
        parser.add_argument(
            "--c-prefix",
            metavar="PREFIX",
            default="stai",
            help="what the C API's names start with: PREFIX_NAME_run, PREFIX_NAME_* macros "
            "(default stai; docs/generated-api.md)",
        )
    add_onnx_options(parser)
    add_memory_options(parser)
    add_compress_option(parser, level=True)
    add_generate_options(parser, int8_io="--int8-io" not in left_out)
    add_stedgeai_options(parser, command)
    if left_out:
        reasons = "; ".join(f"{option}: {why}" for option, why in left_out.items())
        parser.epilog = f"Compile options of 'stai generate' not taken here: {reasons}."


# ------------------------------------------------------------ stm32ai / stedgeai habits

REFUSED: dict[str, str] = {
    "--series": "stai's --target names the core (cortex-m4, cortex-m7, cortex-m55)",
    "--type": "stai reads the model format from the file's suffix (.tflite, .onnx, .keras)",
    "--c-api": "stai generates one C API (docs/generated-api.md); --c-prefix renames it",
    "--input-data-type": "stai keeps the model's input type; with -q, --int8-io gives int8 "
    "inputs and outputs",
    "--output-data-type": "stai keeps the model's output type; with -q, --int8-io gives int8 "
    "inputs and outputs",
    "--inputs-ch-position": "stai keeps an ONNX model's channel-first inputs and outputs; "
    "--no-onnx-io-transpose makes both channel-last",
    "--outputs-ch-position": "stai keeps an ONNX model's channel-first inputs and outputs; "
    "--no-onnx-io-transpose makes both channel-last",
    "--address": "stai's relocatable images are bound at run time by stai_image_load "
    "(docs/relocatable.md), not linked at an address",
    "--copy-weights-at": "stai's relocatable images are copied to RAM by stai_image_load "
    "(docs/relocatable.md); --binary puts the weights in NAME_weights.bin",
    "--use-onnx-simplifier": "stai runs the ONNX optimizer (turn it off with "
    "--no-onnx-optimizer); it has no simplifier",
    "--st-neural-art": "stai generates C for Cortex-M cores, not for ST's NPU",
    "--desc": "stai's spelling is validate --mode target --device serial:PORT[:BAUD] "
    "(docs/serial-validation.md)",
}
"""stm32ai / stedgeai options whose meaning differs from anything stai has: each is
refused with a one-line message naming what stai does instead
(``docs/stm32ai-migration.md``)."""

VERBOSITY_LEVELS = (0, 1, 2, 3)


class RefusedOption(argparse.Action):
    """An stm32ai / stedgeai option stai does not take: a usage error naming stai's own."""

    def __init__(self, option_strings: list[str], dest: str, **kwargs: Any):
        kwargs.setdefault("nargs", "?")
        super().__init__(option_strings, dest, help=argparse.SUPPRESS, **kwargs)

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: Any,
        option_string: str | None = None,
    ) -> None:
        parser.error(f"{option_string} is stedgeai's option: {REFUSED[self.option_strings[-1]]}")


def add_stedgeai_options(parser: argparse.ArgumentParser, command: str) -> None:
    """stm32ai / stedgeai spellings of what ``command`` does: ``-w/--workspace``,
    ``--no-workspace``, ``-v/--verbosity``, ``--quiet`` (and ``--batches`` on validate)
    are accepted; the options of ``REFUSED`` are refused with a reason. (``-c
    low|medium|high``, ``--compression``, ``--allocate-inputs`` / ``--allocate-outputs``
    and ``--tools_version`` are on their own options.)"""
    workspace = parser.add_mutually_exclusive_group()
    workspace.add_argument(
        "-w",
        "--workspace",
        metavar="DIR",
        help="folder for stai's temporary files (default: the system's; stedgeai's spelling)",
    )
    workspace.add_argument(
        "--no-workspace",
        action="store_true",
        help="keep no temporary files (what stai always does; stedgeai's spelling)",
    )
    talk = parser.add_mutually_exclusive_group()
    talk.add_argument(
        "-v",
        "--verbosity",
        type=int,
        choices=VERBOSITY_LEVELS,
        default=1,
        help="0: print only errors; 1 (default), 2, 3: the reports and what was written",
    )
    talk.add_argument("--quiet", action="store_true", help="print only errors (as -v 0)")
    if command == "validate":
        parser.add_argument(
            "--batches",
            dest="batch_size",
            type=int,
            metavar="N",
            help="as -b/--batch-size (stedgeai's spelling)",
        )
    for option in REFUSED:
        parser.add_argument(option, action=RefusedOption, dest="refused_" + option[2:])


def quiet(args: argparse.Namespace) -> bool:
    """Whether only errors are printed (``--quiet`` or ``-v 0``)."""
    return bool(getattr(args, "quiet", False)) or getattr(args, "verbosity", 1) == 0


# ----------------------------------------------------------- checks of the arguments

MAX_SEED = 2**32 - 1


def check_arguments(args: argparse.Namespace) -> None:
    """Check what argparse cannot: the ``-o`` folder (``check_output_dir``), numbers in
    their range and the data files a command reads (``-q``/``-d`` calibration data, ``-vi`` / ``-vo``): readable, real numbers,
    finite. Raises ``StaiError`` (one line, exit 2) before anything is compiled."""
    import math

    from stai.errors import StaiError

    output = getattr(args, "output", None)
    if isinstance(output, str):  # the folder a command writes: checked before compiling
        from stai.compiler.driver import check_output_dir

        check_output_dir(output)
    seed = getattr(args, "seed", None)
    if seed is not None and not 0 <= seed <= MAX_SEED:
        raise StaiError(f"--seed must be an integer from 0 to {MAX_SEED}, got {seed}")
    tolerance = getattr(args, "tolerance", None)
    if tolerance is not None and not (math.isfinite(tolerance) and tolerance >= 0):
        raise StaiError(f"--tolerance must be a finite number >= 0, got {tolerance}")
    batch = getattr(args, "batch_size", None)
    if batch is not None and batch <= 0:
        raise StaiError(f"-b/--batch-size must be positive, got {batch}")
    bounds = getattr(args, "range", None)
    if bounds is not None and not all(math.isfinite(v) for v in bounds):
        raise StaiError(f"--range: MIN and MAX must be finite numbers, got {list(bounds)}")
    for option, attr in (("-q/--quantize", "quantize"), ("-d/--data", "data")):
        value = getattr(args, attr, None)
        if isinstance(value, str) and value != "random":
            check_array_file(value, option)
    for option, attr in (("-vi", "valinput"), ("-vo", "valoutput")):
        value = getattr(args, attr, None)
        if isinstance(value, str):
            check_array_file(value, option)


def check_array_file(path: str, option: str) -> None:
    """A ``.npy``, ``.npz`` or ``.csv`` file of real, finite numbers; anything else is a
    one-line ``StaiError`` naming the option and the file (a missing file or another
    format is left to the command to report)."""
    import zipfile
    import zlib
    from pathlib import Path

    import numpy as np

    from stai.errors import StaiError

    file = Path(path)
    if not file.is_file():
        return  # the command reports a missing file itself
    suffix = file.suffix.lower()
    if suffix == ".csv":
        for skip in (0, 1):  # a first row that is not numbers is a header
            try:
                table = np.loadtxt(file, delimiter=",", ndmin=2, skiprows=skip)
            except (ValueError, OSError):
                continue
            _check_real_finite({"": table}, option, file)
            return
        return  # one the command cannot parse is reported by it
    if suffix not in (".npy", ".npz"):
        return
    try:
        loaded = np.load(file, allow_pickle=False)
        if isinstance(loaded, np.lib.npyio.NpzFile):
            with loaded:
                arrays = {name: loaded[name] for name in loaded.files}
        else:
            arrays = {"": loaded}
    except (OSError, ValueError, EOFError, zipfile.BadZipFile, zlib.error, KeyError) as e:
        detail = " ".join(str(e).split()) or type(e).__name__
        raise StaiError(f"{option} {file}: not a readable .npy/.npz file ({detail})") from None
    if not arrays:
        raise StaiError(f"{option} {file}: holds no array")
    _check_real_finite(arrays, option, file)


def _check_real_finite(arrays: dict[str, Any], option: str, file: object) -> None:
    import numpy as np

    from stai.errors import StaiError

    for name, array in arrays.items():
        what = f"{option} {file}" + (f": array '{name}'" if name else "")
        kind = array.dtype.kind
        if kind == "c":
            raise StaiError(f"{what} holds complex numbers ({array.dtype}); stai needs real ones")
        if kind not in "biuf":
            raise StaiError(f"{what} holds {array.dtype} values, not numbers")
        if kind == "f" and not np.isfinite(array).all():
            bad = "NaN" if np.isnan(array).any() else "infinite"
            raise StaiError(f"{what} holds {bad} values; stai needs finite numbers")
