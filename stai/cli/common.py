"""What every command line of stai shares: one-line errors with exit code 2 for bad input
(``run_reporting_errors``, ``Parser``) and the compile options ``generate``, ``analyze``
and ``validate`` take."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from stai.compiler.options import CompileOptions, FrontendOptions, MemoryOptions

EXIT_BAD_INPUT = 2
EXIT_INTERNAL = 3


def run_reporting_errors(body: Callable[[], object], tool: str) -> int:
    """Run ``body``; report bad input as one line on stderr (exit 2).

    Anything else is a bug in stai: also one line (exit 3), with the traceback only when
    ``STAI_DEBUG`` is set.
    """
    from xdsl.utils.exceptions import DiagnosticException, ParseError, VerifyException

    from stai.errors import StaiError

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
    return 0


class Parser(argparse.ArgumentParser):
    """argparse with usage errors as exit code 2 and one line."""

    def error(self, message: str):
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: error: {message}\n")


def add_memory_options(parser: argparse.ArgumentParser) -> None:
    """The memory-layout options of ``generate`` (``docs/memory-planning.md``)."""
    parser.add_argument(
        "--no-inputs-allocation",
        action="store_true",
        help="inputs are caller-provided buffers (stai_NAME_set_input), not in the activations",
    )
    parser.add_argument(
        "--no-outputs-allocation",
        action="store_true",
        help="outputs are caller-provided buffers (stai_NAME_set_output), not in the activations",
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
    )


def compile_options(args: argparse.Namespace, observer: bool | None = None) -> CompileOptions:
    """The ``CompileOptions`` of a command's arguments (``observer`` overrides
    ``--observer``)."""
    from stai.compiler.options import CompileOptions, CompressOptions

    compress = getattr(args, "compress", None)
    return CompileOptions(
        name=getattr(args, "name", "network"),
        target=getattr(args, "target", None) or "host",
        observer=getattr(args, "observer", False) if observer is None else observer,
        frontend=frontend_options(args),
        memory=memory_options(args),
        compress=CompressOptions.parse(compress) if compress is not None else None,
        binary=getattr(args, "binary", False),
    )


def add_compress_option(parser: argparse.ArgumentParser, level: bool = False) -> None:
    """``-c/--compress 4|8|FILE.json``: k-means weight sharing (``docs/compression.md``);
    with ``level``, the exclusive ``--compression-level none|low|medium|high``."""
    group = parser.add_mutually_exclusive_group()
    if level:
        group.add_argument(
            "--compression-level",
            choices=["none", "low", "medium", "high"],
            help="factors per layer from a measured output error budget "
            "(low 0.5%%, medium 2%%, high 10%% relative L2)",
        )
    group.add_argument(
        "-c",
        "--compress",
        metavar="4|8|FILE.json",
        help="share the fully connected weights through k-means codebooks: 4 (256 centroids, "
        "8-bit indices), 8 (16 centroids, 4-bit indices) or a JSON file of per-layer "
        "factors",
    )


def add_target_option(
    parser: argparse.ArgumentParser,
    default: str | None = "host",
    help: str = "the core the code is for: its compiler flags, scratch sizes and alignment",
) -> None:
    """``--target host|cortex-m4|cortex-m7|cortex-m55`` (``stai.targets``)."""
    from stai.targets import TARGETS

    parser.add_argument("--target", default=default, choices=list(TARGETS), help=help)


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
        "--binary": "the weights file changes where the weights live, not their size",
        "--observer": "analyze always compiles the observer's node records to attribute "
        "each layer's costs; the hooks change neither the activations nor the weights",
    },
    "validate": {
        "--binary": "the C model is run with its weights linked in",
        "--observer": "validate always compiles the observer hooks (per-layer comparison)",
        "--int8-io": "the reference runs on float inputs and outputs",
    },
}
"""The compile options a command leaves out, each with the reason (shown by ``--help``)."""


def add_compile_options(parser: argparse.ArgumentParser, command: str = "generate") -> None:
    """Every compile option of ``command`` (one of ``COMMANDS``): the target, the output
    options of ``generate`` (``--binary``, ``--observer``), the ONNX frontend, the memory
    layout, the weight compression and post-training quantization (``-q``). The options
    ``LEFT_OUT[command]`` names are not added; the parser's epilog says why."""
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
    if "--binary" not in left_out:
        parser.add_argument(
            "--binary",
            action="store_true",
            help="weights in NAME_weights.bin, passed to stai_NAME_init (docs/target.md)",
        )
    if "--observer" not in left_out:
        parser.add_argument(
            "--observer",
            action="store_true",
            help="add the observer hooks (compiled in with -DSTAI_OBSERVER; docs/observer.md)",
        )
    add_onnx_options(parser)
    add_memory_options(parser)
    add_compress_option(parser, level=True)
    add_generate_options(parser, int8_io="--int8-io" not in left_out)
    if left_out:
        reasons = "; ".join(f"{option}: {why}" for option, why in left_out.items())
        parser.epilog = f"Compile options of 'stai generate' not taken here: {reasons}."
