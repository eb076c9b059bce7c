"""The files a model update ships, as ``stai analyze`` and ``stai validate`` report them:
the ``--binary`` weights file ``NAME_weights.bin`` (``docs/target.md``) and the
``--relocatable`` image ``NAME_image.bin`` (``docs/relocatable.md``).

``weights_file_bytes(model, options)`` and ``image_sizes(model, options)`` compile the
model as ``stai generate`` does with those options and give the exact sizes of the files
it writes (the weights file with its header; the image's header, code, weights, other
bytes and relocation table). ``check_relocatable(options)`` refuses, before anything is
compiled, the options an image cannot hold and a missing Arm toolchain.
"""

from __future__ import annotations

import tempfile
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from stai.errors import StaiError

if TYPE_CHECKING:
    from rich.console import Console

    from stai.boards.relocatable import ImageInfo
    from stai.compiler.driver import LoadedModel
    from stai.compiler.options import CompileOptions

HOST_MODE_NOTE = (
    "host mode runs the statically linked network on the host: an image holds Cortex-M "
    "code; --mode target builds NAME_image.bin and runs the samples through the loader"
)
"""What ``validate --relocatable --mode host`` says it did."""


def check_relocatable(options: CompileOptions) -> None:
    """``StaiError`` (one line) when a network compiled with ``options`` cannot become a
    relocatable image (a host target, ``--binary``, caller-provided inputs or outputs,
    ``--observer``) or when the Arm toolchain that builds it is missing. (Several memory
    pools are found once compiled, by ``build_image``.)"""
    from stai.boards.relocatable import refusal
    from stai.boards.toolchain import check_newlib, cross_tool

    memory = options.memory
    why = refusal(
        options.target,
        options.binary,
        1,
        memory.allocate_inputs,
        memory.allocate_outputs,
        options.observer,
    )
    if why is not None:
        raise StaiError(why)
    cross_tool("gcc")
    check_newlib()


def weights_file_bytes(model: LoadedModel, options: CompileOptions) -> int:
    """The bytes of the ``NAME_weights.bin`` ``stai generate --binary`` writes for
    ``model`` with ``options`` (its header included)."""
    from stai.compiler.driver import compile_model
    from stai.transforms.detach_weights import weights_file_bytes as file_bytes

    size = file_bytes(compile_model(model, replace(options, binary=True)).module)
    assert size is not None  # (a --binary compile always detaches the weights)
    return size


def image_sizes(model: LoadedModel, options: CompileOptions) -> dict[str, Any]:
    """The sizes of the ``NAME_image.bin`` ``stai generate --relocatable`` writes for
    ``model`` with ``options`` (``ImageInfo.sizes``, with the file's name)."""
    from stai.boards.relocatable import build_image
    from stai.compiler.driver import compile_model, write_generated

    check_relocatable(options)
    with tempfile.TemporaryDirectory(prefix="stai-image-") as tmp:
        folder = Path(tmp) / options.name
        write_generated(compile_model(model, options), folder)
        image = build_image(folder, Path(tmp) / f"{options.name}_image.bin", Path(tmp) / "build")
        return image_section(image)


def image_section(image: ImageInfo, path: Path | None = None) -> dict[str, Any]:
    """The ``image`` section of the reports: the file's name (its path when ``path`` is
    given) and its sizes."""
    return {"file": str(path) if path is not None else image.path.name, **image.sizes()}


def print_files(
    console: Console,
    name: str,
    weights_file: int | None,
    image: dict[str, Any] | None,
) -> None:
    """The weights file's size and the image's sizes as the text reports print them."""
    from stai.tools.analysis import print_table

    if weights_file is not None:
        console.print(
            f"weights file {name}_weights.bin: {weights_file:,} bytes (--binary, header included)",
            highlight=False,
        )
    if image is None:
        return
    columns = [
        ("file", "right"),
        ("header", "right"),
        ("code", "right"),
        ("weights", "right"),
        ("other", "right"),
        ("relocations", "right"),
        ("RAM loaded", "right"),
        ("activations", "right"),
    ]
    row = [
        f"{image['file_bytes']:,}",
        f"{image['header_bytes']:,}",
        f"{image['code_bytes']:,}",
        f"{image['weights_bytes']:,}",
        f"{image['other_bytes']:,}",
        f"{image['relocation_table_bytes']:,} ({image['relocations']:,})",
        f"{image['ram_bytes']:,}",
        f"{image['activations_bytes']:,}",
    ]
    print_table(
        console,
        f"relocatable image {Path(image['file']).name} (--relocatable, bytes)",
        columns,
        [row],
        note="file = header + code + weights + other (entry table, C library, data, padding) "
        "+ relocation table (4 bytes per relocated word); RAM loaded = the payload and its "
        "zeroed data, besides the activations",
    )
