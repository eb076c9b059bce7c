"""The compile options: what ``stai generate`` (and every tool that compiles a model) asks
of the driver, as frozen data.

``CompileOptions`` gathers them: the C name, the build target (``stai.targets``), the
kernel library (``--kernels``), the observer hooks, the frontend options, the memory
layout, k-means weight sharing and the weights-file output. The size/speed choice (``-O``) too. The command line builds one; ``stai.compiler.driver.compile_model``
turns it into configured pass instances (no option text is written or parsed on the way).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from stai.errors import StaiError


@dataclass(frozen=True)
class FrontendOptions:
    """Options of the ONNX frontend (other formats have none)."""

    io_transpose: bool = True
    """Keep the model's channel-first inputs and outputs (``--no-onnx-io-transpose``: NHWC)."""
    optimize: bool = True
    """Run the ONNX optimizer before import (``--no-onnx-optimizer``: not)."""

    @classmethod
    def from_dict(cls, values: dict | None) -> FrontendOptions:
        """From the keyword arguments of ``import_onnx`` (None: the defaults)."""
        return cls(**(values or {}))

    def onnx_kwargs(self) -> dict[str, bool]:
        """The keyword arguments of ``stai.frontends.onnx.import_onnx``."""
        return {"io_transpose": self.io_transpose, "optimize": self.optimize}


MAX_ALIGNMENT = 1 << 16
"""The largest buffer alignment (bytes): 64 KiB, more than any Cortex-M cache line or MPU
region a buffer is aligned to, and far below what C compilers accept (GCC: 2^28)."""


def _check_power_of_two(what: str, value: int | None) -> None:
    if value is not None and (value < 1 or value & (value - 1) or value > MAX_ALIGNMENT):
        raise StaiError(f"{what} must be a power of two from 1 to {MAX_ALIGNMENT}, got {value}")


@dataclass(frozen=True)
class MemoryOptions:
    """How the generated code lays out memory (``docs/memory-planning.md``)."""

    allocate_inputs: bool = True
    """Inputs live in the activations (else the caller provides them: ``set_input``)."""
    allocate_outputs: bool = True
    split_weights: bool = False
    """One ``const`` array per tensor (else one packed blob)."""
    alignment: int | None = None
    """Byte alignment of every activation buffer (None: the target's)."""
    weights_alignment: int | None = None
    """Byte alignment of every weight array (None: the target's)."""
    memory_pool: str | Path | None = None
    """A JSON pool list or a GNU ld linker script (``stai.memory.pools``)."""
    overlap: bool = True
    """Outputs may share the bytes of the input they read last, as far as their kernels'
    order of reads and writes on the target allows (``plan-memory{overlap}``)."""

    def __post_init__(self) -> None:
        _check_power_of_two("alignment", self.alignment)
        _check_power_of_two("weights alignment", self.weights_alignment)


@dataclass(frozen=True)
class CompressOptions:
    """k-means weight sharing (``compress-weights``, ``docs/compression.md``): ``factor``
    (0, 4 or 8) for every fully connected and conv2d layer, and ``layers``, the path of a
    JSON file of per-layer factors (empty: none)."""

    factor: int = 0
    layers: str = ""

    @classmethod
    def parse(cls, spec: str | int) -> CompressOptions:
        """The options of a ``-c`` value: ``4``, ``8`` or the path of a JSON file of
        per-layer factors (read and checked here, before anything is compiled)."""
        from stai.transforms.compress_weights import FACTORS, load_layers

        text = str(spec).strip()
        if text.isdigit():
            factor = int(text)
            if factor in (0, 1):
                return cls()
            if factor not in FACTORS:
                raise StaiError(f"-c/--compress: factor must be 4, 8 or none, got {factor!r}")
            return cls(factor=factor)
        if not text.lower().endswith((".json", ".txt")) and not Path(text).is_file():
            raise StaiError(
                "-c/--compress: expected 4, 8 or a layers file "
                f"(.json, or the NAME_compression.txt generate writes), got '{text}'"
            )
        path = str(Path(text).resolve())
        load_layers(path)
        return cls(layers=path)


KERNELS: tuple[str, ...] = ("stai", "cmsis-nn")
"""The kernel libraries ``--kernels`` chooses from: ``stai``, stai's own kernels
specialised per layer where one fits (``select-kernels``; every other layer keeps its
CMSIS-NN call), or ``cmsis-nn``, a CMSIS-NN API call for every int8 layer."""

DEFAULT_KERNELS = "stai"
"""The kernels of a compile that does not name them."""

OPTIMIZE: tuple[str, ...] = ("balanced", "time", "ram")
"""The size/speed choices ``-O`` takes (``select-kernels{optimize=...}``, with ``--kernels
stai``): ``balanced``, stai's kernels on int8 weights; ``time``, the 1x1 kernel (1x1
convolutions, fully connected layers) on weights widened to int16 at compile time, faster
for twice those weights' bytes; ``ram``, the smallest arena: a layer whose stai kernel's
scratch buffer would set the largest working set keeps the kernel with less scratch."""

DEFAULT_OPTIMIZE = "balanced"
"""The choice of a compile that does not name one."""


@dataclass(frozen=True)
class CompileOptions:
    """Everything the driver needs to compile one model."""

    name: str = "network"
    """The C name of the network (a C identifier)."""
    target: str = "host"
    """The build target (``stai.targets.TARGETS``)."""
    kernels: str = DEFAULT_KERNELS
    """The int8 kernels (``KERNELS``): ``stai`` runs ``select-kernels``, ``cmsis-nn`` not."""
    optimize: str = DEFAULT_OPTIMIZE
    """The size/speed choice (``OPTIMIZE``, ``-O``), an option of ``select-kernels``."""
    observer: bool = False
    """Add the observer hooks (``record-output-quant``, ``docs/observer.md``)."""
    frontend: FrontendOptions = field(default_factory=FrontendOptions)
    memory: MemoryOptions = field(default_factory=MemoryOptions)
    compress: CompressOptions | None = None
    binary: bool = False
    """Weights in ``NAME_weights.bin``, bound by ``stai_NAME_init`` (``docs/target.md``)."""
    c_prefix: str = "stai"
    """What the generated API's names start with (``--c-prefix``): ``PREFIX_NAME_*``
    functions, ``PREFIX_NAME_*`` macros in capitals (``docs/generated-api.md``)."""

    def __post_init__(self) -> None:
        from stai.lowering.convert_buf_to_c.common import check_prefix
        from stai.targets import get_target

        if not self.name.isidentifier() or not self.name.isascii():
            raise StaiError(f"invalid network name '{self.name}': use a C identifier")
        get_target(self.target)  # an unknown target is bad input
        if self.kernels not in KERNELS:
            raise StaiError(f"--kernels: expected {' or '.join(KERNELS)}, got '{self.kernels}'")
        if self.optimize not in OPTIMIZE:
            raise StaiError(f"-O/--optimize: expected {', '.join(OPTIMIZE)}, got '{self.optimize}'")
        if self.optimize != DEFAULT_OPTIMIZE and self.kernels != "stai":
            raise StaiError(
                f"-O {self.optimize} chooses among stai's kernels: it needs --kernels stai, "
                f"not {self.kernels}"
            )
        check_prefix(self.c_prefix)
