"""The command line of post-training quantization.

    stai quantize -m MODEL -d CALIB.npz [--method minmax|percentile|mse] [--int8-io]
                  [--per-tensor-fc] [-o DIR] [-n NAME] [--save-tflite OUT.tflite]
    stai generate -m MODEL -o DIR -q CALIB.npz [--quant-method M] [--int8-io] [--per-tensor-fc]

``-d`` / ``-q`` take a ``.npy`` (one input) or ``.npz`` of float samples, or ``random``
(uniform samples in [0, 1), with a warning). Ops left in float are reported on stderr.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from xdsl.dialects.builtin import ModuleOp

from stai.tools.quantize import METHODS, quantize_hook


def add_generate_options(parser: argparse.ArgumentParser, int8_io: bool = True) -> None:
    """``-q CALIB`` and its options on ``stai generate`` (and, without ``--int8-io``, on
    ``stai analyze`` and ``stai validate``)."""
    parser.add_argument(
        "-q",
        "--quantize",
        metavar="CALIB",
        default=None,
        help="quantize a float model to int8 first, calibrated on CALIB "
        "(.npy/.npz, or 'random'; docs/quantization.md)",
    )
    parser.add_argument(
        "--quant-method",
        choices=METHODS,
        default="minmax",
        help="how calibration picks each tensor's range (default minmax)",
    )
    if int8_io:
        parser.add_argument(
            "--int8-io",
            action="store_true",
            help="with -q: int8 inputs and outputs instead of float",
        )
    parser.add_argument(
        "--per-tensor-fc",
        action="store_true",
        help="with -q: one weight scale per fully-connected layer instead of "
        "one per output channel",
    )


def generate_hook(args: argparse.Namespace) -> Callable[[ModuleOp], object] | None:
    """The quantize hook of ``stai generate``'s arguments."""
    return quantize_hook(
        getattr(args, "quantize", None),
        getattr(args, "quant_method", "minmax"),
        getattr(args, "int8_io", False),
        per_channel_fc=not getattr(args, "per_tensor_fc", False),
    )


def _quantize(args: argparse.Namespace) -> None:
    from stai.compiler.driver import generate

    hook = quantize_hook(
        args.data, args.method, args.int8_io, per_channel_fc=not args.per_tensor_fc
    )
    out = args.output or "quantized"
    if args.save_tflite and hook is not None:
        hook = _then_save(hook, args.save_tflite)
    result = generate(
        args.model,
        out,
        name=args.name,
        quantize=hook,
        kernels=args.kernels,
        optimize=args.optimize,
    )
    print(f"wrote {result.out_dir} (activations {result.activations_bytes} bytes)")


def _then_save(hook: Callable[[ModuleOp], object], path: str) -> Callable[[ModuleOp], object]:
    """``hook``, then the quantized ``nn`` module written as a ``.tflite`` at ``path``."""

    def run(module: ModuleOp) -> None:
        from stai.frontends.tflite.writer import write_tflite

        hook(module)
        print(f"wrote {write_tflite(module, path)}", file=sys.stderr)

    return run


def add_quantize_command(commands: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """The ``stai quantize`` sub-command (its parser; the caller adds ``--kernels``)."""
    q = commands.add_parser("quantize", help="quantize a float model to int8 and compile it")
    q.add_argument("-m", "--model", required=True, help="the float model file")
    q.add_argument(
        "-d",
        "--data",
        required=True,
        help="calibration samples (.npy/.npz of float inputs, or 'random')",
    )
    q.add_argument(
        "--method",
        choices=METHODS,
        default="minmax",
        help="how calibration picks each tensor's range (default minmax)",
    )
    q.add_argument("--int8-io", action="store_true", help="int8 inputs and outputs")
    q.add_argument(
        "--per-tensor-fc",
        action="store_true",
        help="one weight scale per fully-connected layer instead of one per "
        "output channel (for runtimes without per-channel fully connected)",
    )
    q.add_argument("-o", "--output", default=None, help="the folder to write (./quantized)")
    q.add_argument("-n", "--name", default="network", help="C name of the network")
    q.add_argument(
        "--save-tflite",
        default=None,
        metavar="OUT",
        help="also write the quantized model as an int8 .tflite",
    )
    q.set_defaults(func=_quantize)
    return q
