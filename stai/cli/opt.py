"""``stai-opt``: run any of stai's passes on textual IR (or on a model file).

stai-opt input.mlir -p convert-nn-to-qnn
stai-opt model.tflite                     # prints the nn IR the frontend makes
"""

from __future__ import annotations

import io
import sys
from collections.abc import Sequence
from typing import IO

from xdsl.dialects.builtin import ModuleOp
from xdsl.xdsl_opt_main import xDSLOptMain

from stai import registry
from stai.errors import StaiError

BINARY_FRONTENDS = ("tflite", "onnx", "keras", "h5", "hdf5")
"""Input formats that are not text (read by a model frontend)."""


def _parse_tflite(io: IO[bytes]) -> ModuleOp:
    from stai.frontends.tflite import parse_tflite

    return parse_tflite(io)


def _parse_onnx(io: IO[bytes]) -> ModuleOp:
    from stai.frontends.onnx import parse_onnx

    return parse_onnx(io)


def _parse_keras(io: IO[bytes]) -> ModuleOp:
    from stai.frontends.keras import parse_keras

    return parse_keras(io)


class StaiOptMain(xDSLOptMain):
    """xDSL's opt driver with stai's dialects, passes, frontends and targets."""

    def register_all_dialects(self) -> None:
        super().register_all_dialects()
        for name, factory in registry.DIALECTS.items():
            self.ctx.register_dialect(name, factory)

    def register_all_passes(self) -> None:
        super().register_all_passes()
        for name, factory in registry.PASSES.items():
            self.register_pass(name, factory)

    def register_all_targets(self) -> None:
        super().register_all_targets()
        for name, factory in registry.PRINTERS.items():
            self.available_targets[name] = factory

    def setup_pipeline(self) -> None:
        """The pipeline of ``-p``; an unknown pass or a bad pass option is bad input."""
        try:
            super().setup_pipeline()
        except ValueError as e:
            message = " ".join(str(e).split())
            raise StaiError(
                f"-p: {message} (stai's own passes: {', '.join(registry.PASSES)})"
            ) from None

    def prepare_input(self) -> tuple[list[tuple[IO[bytes], int]], str]:
        """The input chunks; an input format no frontend reads is bad input."""
        try:
            return super().prepare_input()
        except ValueError as e:
            raise StaiError(f"{self.get_input_name()}: {' '.join(str(e).split())}") from None

    def get_input_stream(self) -> tuple[IO[bytes], str]:
        """The input; textual IR that is not UTF-8 is bad input, reported with the byte
        that is not."""
        stream, extension = super().get_input_stream()
        frontend = getattr(self.args, "frontend", None) or extension
        if frontend in BINARY_FRONTENDS:
            return stream, extension
        try:
            data = stream.read()
        finally:
            if stream is not sys.stdin.buffer:
                stream.close()
        try:
            data.decode("utf-8")
        except UnicodeDecodeError as e:
            raise StaiError(
                f"{self.get_input_name()}: not UTF-8 text (byte 0x{data[e.start]:02x} at "
                f"offset {e.start}); stai-opt reads textual IR or a model file"
            ) from None
        return io.BytesIO(data), extension

    def register_all_frontends(self) -> None:
        super().register_all_frontends()
        self.available_frontends["tflite"] = _parse_tflite
        self.available_frontends["onnx"] = _parse_onnx
        for suffix in ("keras", "h5", "hdf5"):
            self.available_frontends[suffix] = _parse_keras


def main(args: Sequence[str] | None = None) -> None:
    from stai.cli.common import run_reporting_errors

    sys.exit(run_reporting_errors(lambda: StaiOptMain(args=args).run(), "stai-opt"))


if __name__ == "__main__":
    main()
