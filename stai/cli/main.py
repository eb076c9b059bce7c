"""``stai``: the command embedded engineers use.

    stai generate -m model.tflite -o out/kws [-n NAME] [--print-ir-after-all] [--target T]

Bad input (a missing or corrupt model, an unsupported operator, a bad option) gives one
line on stderr and exit code 2; no traceback, no half-written folder.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from stai.cli.common import (
    Parser,
    add_compile_options,
    add_kernels_option,
    check_arguments,
    compile_options,
    quiet,
    run_reporting_errors,
)


def _generate(args: argparse.Namespace) -> None:
    from stai.cli.quantize import generate_hook
    from stai.compiler.driver import compile_model, load_model, write_generated

    options = compile_options(args)
    if args.relocatable:
        from stai.boards.relocatable import refusal
        from stai.errors import StaiError

        memory = options.memory
        why = refusal(
            options.target,
            options.binary,
            1,  # (several memory pools are found in the generated folder)
            memory.allocate_inputs,
            memory.allocate_outputs,
            options.observer,
        )
        if why is not None:
            raise StaiError(why)
    # Import and quantize once; a compression level searches on clones of the result.
    model = load_model(args.model, options.frontend, generate_hook(args))
    stream = sys.stderr if args.print_ir_after_all else None
    if args.compression_level is not None:
        from stai.tools.compression_search import generate_with_level

        result = generate_with_level(
            model, args.output, args.compression_level, options, stream, quiet(args)
        )
    else:
        result = write_generated(compile_model(model, options, ir_stream=stream), args.output)
    print(
        f"stai: wrote {result.out_dir}/ ({result.name}.c, {result.name}_data.c, runtime); "
        f"activations: {result.activations_bytes} bytes (plan: {result.name}_report.txt)"
    )
    if args.relocatable:
        _relocatable_image(Path(result.out_dir), result.name)


def _relocatable_image(folder: Path, name: str) -> None:
    """Build ``NAME_image.bin`` in the generated ``folder`` (the folder goes when the
    image cannot be built: nothing half-done is left)."""
    import shutil
    import tempfile

    from stai.boards.relocatable import build_image
    from stai.errors import StaiError

    with tempfile.TemporaryDirectory(prefix="stai-image-") as work:
        try:
            image = build_image(folder, folder / f"{name}_image.bin", work)
        except StaiError:
            shutil.rmtree(folder, ignore_errors=True)
            raise
    print(
        f"stai: wrote {image.path} ({image.file_bytes} bytes: {image.payload_bytes} of code, "
        f"weights and data, {image.relocations} relocations; {image.ram_bytes} bytes of RAM "
        "when loaded)"
    )


def docs_folder() -> str:
    """Where the installed documentation is (``docs/`` of a checkout, ``stai/docs`` of a
    wheel)."""
    import os

    import stai.docs

    return os.path.realpath(next(iter(stai.docs.__path__)))


def build_parser() -> argparse.ArgumentParser:
    from stai import __version__

    parser = Parser(
        prog="stai",
        description="stai: neural networks to C for microcontrollers",
        epilog=f"The documentation (docs/*.md the options refer to) is in {docs_folder()}.",
    )
    parser.add_argument("--version", action="version", version=f"stai {__version__}")
    from stai.cli import reports as cli_reports

    parser.add_argument(
        "--tools-version",
        "--tools_version",
        action=cli_reports.ToolsVersionAction,
        help="print the versions of stai, its packages and tools, and exit",
    )
    commands = parser.add_subparsers(dest="command", required=True, parser_class=Parser)

    gen = commands.add_parser("generate", help="compile a model into a folder of C code")
    gen.add_argument("-m", "--model", required=True, help="the model file (.tflite)")
    gen.add_argument("-o", "--output", required=True, help="the folder to write")
    gen.add_argument("-n", "--name", default="network", help="C name of the network")
    gen.add_argument(
        "--print-ir-after-all", action="store_true", help="print the IR after every pass (stderr)"
    )
    add_compile_options(gen)
    gen.set_defaults(func=_generate)
    from stai.cli.quantize import add_quantize_command

    add_kernels_option(add_quantize_command(commands), optimize=True)
    cli_reports.add_analyze(commands)
    cli_reports.add_validate(commands)
    ops = commands.add_parser(
        "supported-ops", help="list the operators and element types each frontend compiles"
    )
    ops.add_argument("--frontend", choices=["tflite", "onnx", "keras"], help="one frontend only")
    ops.add_argument("--format", choices=["text", "markdown", "json"], default="text")
    ops.set_defaults(func=_supported_ops)
    return parser


def _supported_ops(args: argparse.Namespace) -> None:
    from stai.tools import supported_ops

    render = {"text": supported_ops.text, "markdown": supported_ops.markdown}
    sys.stdout.write(render.get(args.format, supported_ops.as_json)(args.frontend))


def _run(args: argparse.Namespace) -> None:
    """A command with the run options of every command: the checks of its arguments,
    ``-w/--workspace`` (where temporary files go) and ``--quiet`` / ``-v 0`` (stdout
    silenced: only errors, on stderr, are printed)."""
    import contextlib
    import os
    import tempfile

    check_arguments(args)
    with contextlib.ExitStack() as stack:
        workspace = getattr(args, "workspace", None)
        if workspace:
            from stai.errors import StaiError

            try:
                os.makedirs(workspace, exist_ok=True)
            except OSError as e:
                raise StaiError(f"-w/--workspace {workspace}: {e.strerror or e}") from None
            previous = tempfile.tempdir
            tempfile.tempdir = os.path.abspath(workspace)
            stack.callback(setattr, tempfile, "tempdir", previous)
        if quiet(args):
            devnull = stack.enter_context(open(os.devnull, "w"))
            stack.enter_context(contextlib.redirect_stdout(devnull))
        args.func(args)


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    sys.exit(run_reporting_errors(lambda: _run(args), "stai"))


if __name__ == "__main__":
    main()
