"""The footprint section of ``stai analyze --target cortex-m4|m7|m55``.

``firmware_footprint(model, options)`` compiles the model (a file, or a loaded ``nn``
module) with the compile options of the target into a temporary folder, links it with stai's harness for the target's board
(portable kernels, or CMSIS-NN with ``CMSIS_NN_PATH``) and reads the flash and RAM figures from the link map
(``stai.boards.footprint``). Without the Arm toolchain the section says what to install.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from stai.errors import StaiError

if TYPE_CHECKING:
    from stai.compiler.driver import LoadedModel
    from stai.compiler.options import CompileOptions


def firmware_footprint(model: str | Path | LoadedModel, options: CompileOptions) -> dict[str, Any]:
    """``{"footprint": {...} | None, "kernels": ..., "note": str | None}`` for the target
    of ``options``."""
    from stai.boards.firmware import build_firmware
    from stai.boards.footprint import footprint
    from stai.compiler.driver import compile_model, write_generated

    name = options.name
    with tempfile.TemporaryDirectory(prefix="stai-footprint-") as tmp:
        folder = Path(tmp) / name
        write_generated(compile_model(model, options), folder)
        try:
            firmware = build_firmware(folder, Path(tmp) / "build", name)
        except StaiError as e:
            if "not found" not in str(e):
                raise
            return {"footprint": None, "kernels": None, "note": f"not measured: {e}"}
        figures = footprint(firmware.map_file, name).as_dict()
        figures.pop("flash_weights_file", None)
        figures.pop("stack_used", None)
        return {"footprint": figures, "kernels": firmware.kernels, "note": None}
