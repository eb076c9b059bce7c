"""The ``stai analyze`` and ``stai validate`` subcommands and ``stai --tools-version``
(registered by ``stai.cli.build_parser``)."""

from __future__ import annotations

import argparse
import importlib.metadata
import platform
import shutil
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console

EXIT_CHECK_FAILED = 1
"""``stai validate --check``: the C model is not bit-exact / not within the tolerance."""


def _console() -> Console:
    """stdout's console: a terminal's width, ``COLUMNS`` when set, else 150 columns (a pipe
    or a file). The tables never cut a figure at any width (``stai.tools.analysis.print_table``)."""
    import os

    from rich.console import Console

    width = None if sys.stdout.isatty() or os.environ.get("COLUMNS", "").isdigit() else 150
    return Console(width=width, highlight=False)


# ------------------------------------------------------------------------- analyze


def _analyze(args: argparse.Namespace) -> None:
    import json

    from stai.cli.common import compile_options, quiet
    from stai.cli.quantize import generate_hook
    from stai.tools.analyze import analyze, print_report, to_json, write_reports

    options = compile_options(args)
    result = analyze(
        args.model,
        options=options,
        quantize=generate_hook(args),
        compression_level=args.compression_level,
        quiet=quiet(args),
        relocatable=args.relocatable,
    )
    cost = _optimize_cost(args, options)
    report = to_json(result)
    if cost is not None:
        report["optimize"] = cost.as_json()
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print_report(result, _console())
        if cost is not None:
            print(cost.report(), end="")
    if args.output:
        files = write_reports(result, args.output)
        if cost is not None:  # the choice's cost, in the JSON and the text report
            files["json"].write_text(json.dumps(report, indent=2) + "\n")
            with files["text"].open("a") as text:
                text.write(cost.report())
        if not args.json:
            print("stai: wrote " + ", ".join(str(p) for p in files.values()))


def _optimize_cost(args: argparse.Namespace, options: Any) -> Any:
    """The cost of ``-O time`` or ``ram`` against ``balanced`` (``OptimizeCost``), from
    one more compile with the generate options (``analyze`` compiles with split weights
    and the observer's records, ``generate`` not); None for ``balanced``."""
    if options.optimize == "balanced" or options.kernels != "stai":
        return None
    from stai.cli.quantize import generate_hook
    from stai.compiler.driver import compile_model

    return compile_model(args.model, options, quantize=generate_hook(args)).optimize


def add_analyze(commands: Any) -> None:
    """Register ``stai analyze``: it takes the compile options of ``stai generate``
    (``stai.cli.common.add_compile_options``)."""
    from stai.cli.common import add_compile_options

    p = commands.add_parser(
        "analyze",
        help="report a model's MACC, ROM and RAM once compiled",
        description="Compile a model in memory as 'stai generate' would with the same "
        "options, and report its MACC, ROM and RAM.",
    )
    p.add_argument("-m", "--model", required=True, help="the model file (.tflite)")
    p.add_argument("-o", "--output", help="folder for the JSON, text, SVG and DOT reports")
    p.add_argument("-n", "--name", default="network", help="C name of the network")
    p.add_argument("--json", action="store_true", help="print the JSON report instead of tables")
    add_compile_options(p, "analyze")
    p.set_defaults(func=_analyze)


# ------------------------------------------------------------------------ validate


def _validate(args: argparse.Namespace) -> None:
    from stai.cli.common import compile_options, quiet
    from stai.tools.validate import ValidateOptions, print_report, validate

    options = ValidateOptions(
        model=Path(args.model),
        inputs=Path(args.valinput) if args.valinput else None,
        outputs=Path(args.valoutput) if args.valoutput else None,
        classifier=args.classifier,
        batch_size=args.batch_size,
        seed=args.seed,
        range=(args.range[0], args.range[1]) if args.range else None,
        per_layer=args.per_layer,
        save_csv=Path(args.save_csv) if args.save_csv else None,
        no_exec_model=args.no_exec_model,
        out_dir=Path(args.output),
        name=args.name,
        check=args.check,
        tolerance=args.tolerance,
        mode=args.mode,
        target=args.target,
        device=args.device,
        quantize=args.quantize,
        quant_method=args.quant_method,
        per_channel_fc=not args.per_tensor_fc,
        compile=compile_options(args),
        compression_level=args.compression_level,
        progress=not quiet(args),
        relocatable=args.relocatable,
    )
    report = validate(options)
    report.check_requested = args.check
    print_report(report, _console())
    print(f"stai: wrote {options.out_dir}/{options.name}_validate.txt and .json")
    if args.check and not report.check_passed:
        sys.exit(EXIT_CHECK_FAILED)


def add_validate(commands: Any) -> None:
    """Register ``stai validate``: it takes the compile options of ``stai generate``
    (``stai.cli.common.add_compile_options``)."""
    from stai.cli.common import add_compile_options
    from stai.tools.validate import FLOAT_TOLERANCE

    p = commands.add_parser(
        "validate",
        help="compare the generated C with the reference runtime",
        description="Compile a model as 'stai generate' would with the same options (plus "
        "the observer hooks), run the C and compare it with the model's reference runtime.",
    )
    p.add_argument("-m", "--model", required=True, help="the model file (.tflite)")
    p.add_argument("-vi", "--valinput", help="inputs: .npy, .npz or .csv (default: random)")
    p.add_argument("-vo", "--valoutput", help="expected outputs or labels: .npy, .npz or .csv")
    p.add_argument("-o", "--output", default="stai_output", help="folder for the C and reports")
    p.add_argument("-n", "--name", default="network", help="C name of the network")
    p.add_argument(
        "--mode",
        default="host",
        choices=["host", "target"],
        help="where the C model runs: the host, or an emulated Cortex-M (QEMU)",
    )
    p.add_argument(
        "--device",
        metavar="LINK",
        help="with --mode target: run on a board with stai's validation firmware, over "
        "serial:PORT[:BAUD] (e.g. serial:/dev/ttyACM0:115200) or tcp:HOST:PORT "
        "(docs/serial-validation.md)",
    )
    p.add_argument(
        "--classifier",
        action="store_true",
        help="outputs are class scores: accuracy and confusion matrix",
    )
    p.add_argument(
        "-b",
        "--batch-size",
        type=int,
        help="random samples (default 10), or the first N samples of -vi",
    )
    p.add_argument("--seed", type=int, default=0, help="seed of the random inputs")
    p.add_argument(
        "--range",
        type=float,
        nargs=2,
        metavar=("MIN", "MAX"),
        help="real range of random inputs (default: the type's full range)",
    )
    p.add_argument(
        "--per-layer",
        action="store_true",
        help="compare every node's output with the reference tensor of its name",
    )
    p.add_argument("--save-csv", metavar="DIR", help="write inputs and outputs as CSV files")
    p.add_argument(
        "--no-exec-model",
        action="store_true",
        help="do not run the reference: compare with -vo only",
    )
    p.add_argument(
        "--check",
        action="store_true",
        help=f"exit {EXIT_CHECK_FAILED} unless int "
        "outputs are bit-exact and float outputs within the tolerance",
    )
    p.add_argument(
        "--tolerance",
        type=float,
        default=FLOAT_TOLERANCE,
        help="float --check bound: max |error| <= T x max(1, max |reference|)",
    )
    add_compile_options(p, "validate")
    p.set_defaults(func=_validate)


# ------------------------------------------------------------------- tools version

PACKAGES = (
    ("xdsl", "xdsl"),
    ("numpy", "numpy"),
    ("rich", "rich"),
    ("tflite (frontend)", "tflite"),
    ("flatbuffers (frontend)", "flatbuffers"),
    ("onnx (frontend)", "onnx"),
    ("tensorflow (Keras frontend, reference)", "tensorflow-cpu"),
    ("tflite-micro (reference)", "tflite-micro"),
    ("ai-edge-litert (reference)", "ai-edge-litert"),
    ("onnxruntime (reference)", "onnxruntime"),
)
TOOLS = (
    ("C compiler (cc)", "cc"),
    ("arm-none-eabi-gcc", "arm-none-eabi-gcc"),
    ("qemu-system-arm", "qemu-system-arm"),
    ("Graphviz dot", "dot"),
)


def _package_version(dist: str) -> str | None:
    for name in (dist, dist.removesuffix("-cpu")):
        try:
            return importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            continue
    return None


def _tool_version(exe: str) -> str | None:
    path = shutil.which(exe)
    if path is None:
        return None
    try:
        proc = subprocess.run(
            [path, "-V" if exe == "dot" else "--version"],
            capture_output=True,
            text=True,
            timeout=10,
        )
    except (OSError, subprocess.TimeoutExpired):
        return "found"
    text = (proc.stdout or proc.stderr).strip().splitlines()
    return text[0].strip() if text else "found"


def tools_versions() -> list[tuple[str, str | None]]:
    """(what, version or None when absent) of stai, Python, packages and tools."""
    from stai import __version__

    rows: list[tuple[str, str | None]] = [
        ("stai", __version__),
        ("Python", platform.python_version()),
    ]
    rows += [(label, _package_version(dist)) for label, dist in PACKAGES]
    rows += [(label, _tool_version(exe)) for label, exe in TOOLS]
    return rows


class ToolsVersionAction(argparse.Action):
    """``--tools-version``: print the versions and exit 0."""

    def __init__(self, option_strings: list[str], dest: str, **kwargs: Any):
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, **kwargs)

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: Any,
        option_string: str | None = None,
    ) -> None:
        width = max(len(label) for label, _ in tools_versions())
        for label, version in tools_versions():
            print(f"{label:<{width}}  {version or 'not found'}")
        parser.exit(0)
