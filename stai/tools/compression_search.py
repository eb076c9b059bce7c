"""``--compression-level none|low|medium|high``: per-layer k-means factors chosen from a
measured accuracy budget (``docs/compression.md``).

Every compressible layer (a fully connected or conv2d layer with constant weights, the
layers ``-c`` compresses) is compiled alone
at factor 4 and at factor 8, and the C model is run on a few inputs: the relative L2 error
of its outputs against the uncompressed C model is that candidate's cost, and the ROM it
saves its gain. Candidates are then taken greedily, most ROM saved per unit of error
first, while the sum of the chosen candidates' errors stays within the level's budget. The
combination is finally compiled and measured; while its error exceeds the budget, the last
choices are undone. The choices of a lower level are a prefix of those of a higher one, so
the ROM never grows from ``low`` to ``high``.

The search is a tool over the driver: it compiles clones of one loaded model (imported,
and quantized with ``-q``, once) with ``stai.compiler.driver.compile_model``;
``generate_with_level`` then compiles the model once with the chosen factors.

It takes minutes on a large model, so every step reports its progress on stderr
(``Reporter``): a progress bar on a terminal, plain ``stai: compression level ...`` lines
otherwise, nothing with ``quiet``.
"""

from __future__ import annotations

import atexit
import json
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import numpy as np

from stai.compiler.driver import LoadedModel
from stai.errors import StaiError

if TYPE_CHECKING:
    from stai.compiler.driver import GenerateResult
    from stai.compiler.options import CompileOptions, CompressOptions

LEVELS: dict[str, float] = {"none": 0.0, "low": 0.005, "medium": 0.02, "high": 0.10}
"""Level -> budget: the largest relative L2 error of the outputs (``||y - y0|| / ||y0||``
over all measured inputs) against the uncompressed model."""

SAMPLES = 4
"""Seeded random inputs measured when none are given."""


class Reporter:
    """Progress of the search's steps on ``stream`` (stderr): a ``rich`` bar when it is a
    terminal, else one plain line when a step starts, about every tenth of it and when it
    ends; nothing when ``quiet``."""

    def __init__(self, level: str, quiet: bool = False, stream: IO[str] | None = None):
        self.level = level
        self.quiet = quiet
        self.stream = stream if stream is not None else sys.stderr

    def line(self, text: str) -> None:
        if not self.quiet:
            print(f"stai: compression level {self.level}: {text}", file=self.stream, flush=True)

    @contextmanager
    def step(self, description: str, total: int) -> Iterator[Callable[[str], None]]:
        """``advance(note)`` once per unit of a step of ``total`` units."""
        if self.quiet or total <= 0:
            yield lambda _note: None
            return
        if self.stream.isatty():
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

            with Progress(
                f"compression level {self.level}: " + "{task.description}",
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=Console(file=self.stream),
                transient=True,
            ) as bar:
                task = bar.add_task(description, total=total)
                yield lambda _note: bar.advance(task, 1)
            return
        start = time.monotonic()
        done = 0
        self.line(f"{description}: 0/{total}")

        def advance(note: str) -> None:
            nonlocal done
            done += 1
            if done == total or done % max(1, total // 10) == 0:
                elapsed = time.monotonic() - start
                self.line(f"{description}: {done}/{total} ({note}; {elapsed:.0f} s)")

        yield advance


@dataclass
class Candidate:
    """One layer compressed alone at one factor."""

    key: str
    """The layer's ``nn.m_id`` (the JSON key)."""
    name: str
    factor: int
    saved: int
    """ROM bytes saved against the uncompressed model."""
    error: float
    """Relative L2 error of the outputs."""


@dataclass
class Measurements:
    """The uncompressed model's ROM and outputs, and every candidate's cost and gain."""

    rom: int
    reference: list[np.ndarray]
    candidates: list[Candidate] = field(default_factory=list)
    names: dict[str, str] = field(default_factory=dict)


@dataclass
class Selection:
    """What a level chose: per-layer factors, with the measured ROM and error."""

    level: str
    budget: float
    factors: dict[str, int]
    rom: int
    error: float

    def to_json(self, measurements: Measurements) -> dict:
        """The ``-c`` JSON file of this selection, with the level's figures."""
        return {
            "level": self.level,
            "budget": self.budget,
            "error": round(self.error, 6),
            "rom_bytes": self.rom,
            "uncompressed_rom_bytes": measurements.rom,
            "layers": {
                k: {"factor": f or "none", "name": measurements.names.get(k, "")}
                for k, f in self.factors.items()
            },
        }


def compressible_layers(model: LoadedModel) -> dict[str, str]:
    """``nn.m_id`` -> ``nn.name`` of the fully connected and conv2d layers with constant
    weights."""
    from xdsl.dialects.builtin import IntegerAttr, StringAttr

    from stai.dialects import nn

    module = model.module
    consts = {op.output for op in module.walk() if isinstance(op, nn.ConstantOp)}
    layers = {}
    for op in module.walk():
        m_id = op.attributes.get("nn.m_id")
        if (
            isinstance(op, (nn.FullyConnectedOp, nn.Conv2DOp))
            and op.operands[1] in consts
            and isinstance(m_id, IntegerAttr)
        ):
            name = op.attributes.get("nn.name")
            layers[str(m_id.value.data)] = name.data if isinstance(name, StringAttr) else ""
    return layers


def random_samples(
    model: str | Path | LoadedModel,
    count: int = SAMPLES,
    seed: int = 0,
    frontend_options: dict | None = None,
) -> list[list[np.ndarray]]:
    """Seeded inputs (of the model file, or of a loaded model's inputs): float standard
    normal, integers uniform over their range."""
    from stai.compiler.driver import import_model, interface

    module = (
        model.module if isinstance(model, LoadedModel) else import_model(model, frontend_options)
    )
    inputs, _ = interface(module)
    rng = np.random.default_rng(seed)
    samples = []
    for _ in range(count):
        sample = []
        for info in inputs:
            dtype = np.dtype(info.dtype)
            if dtype.kind == "f":
                sample.append(rng.standard_normal(info.shape).astype(dtype))
            else:
                lim = np.iinfo(dtype)
                sample.append(rng.integers(lim.min, lim.max, info.shape, dtype, endpoint=True))
        samples.append(sample)
    return samples


def relative_error(outputs: list[np.ndarray], reference: list[np.ndarray]) -> float:
    """``||y - y0|| / ||y0||`` over all samples and outputs (0 when ``y0`` is zero)."""
    y = np.concatenate([np.asarray(o, np.float64).ravel() for o in outputs])
    y0 = np.concatenate([np.asarray(r, np.float64).ravel() for r in reference])
    norm = float(np.linalg.norm(y0))
    return float(np.linalg.norm(y - y0)) / norm if norm > 0 else float(np.linalg.norm(y - y0))


class _Compiler:
    """Compiles clones of the loaded model with a factor map into a temporary folder and
    runs them."""

    def __init__(self, model: LoadedModel, samples: list[list[np.ndarray]], root: Path):
        self.model, self.samples, self.root = model, samples, root
        self.lock = threading.Lock()

    def run(self, factors: dict[str, int], tag: str) -> tuple[int, list[np.ndarray]]:
        """(ROM bytes, concatenated outputs of every sample) with ``factors``."""
        from stai.compiler.driver import compile_model, write_generated
        from stai.compiler.options import CompileOptions, CompressOptions
        from stai.runtime.runner import CModel

        folder = self.root / tag
        compress = None
        if any(factors.values()):
            spec = folder.with_suffix(".json")
            spec.write_text(json.dumps({"layers": {k: {"factor": f} for k, f in factors.items()}}))
            compress = CompressOptions(layers=str(spec))
        with self.lock:  # one clone at a time: the workers share the loaded module
            clone = self.model.clone()
        compiled = compile_model(clone, CompileOptions(compress=compress))
        write_generated(compiled, folder)
        model = CModel(folder)
        outputs = [o.copy() for sample in self.samples for o in model.run(sample)]
        assert compiled.weights_bytes is not None
        return compiled.weights_bytes, outputs


def measure(
    model: LoadedModel,
    inputs: list[list[np.ndarray]] | None = None,
    workers: int = 4,
    reporter: Reporter | None = None,
) -> Measurements:
    """Compile the model uncompressed and once per (layer, factor 4|8), and measure each
    candidate's ROM saving and output error (reporting each compile to ``reporter``)."""
    reporter = reporter or Reporter("?", quiet=True)
    samples = inputs if inputs is not None else random_samples(model, SAMPLES, 0)
    names = compressible_layers(model)
    jobs = [(k, f) for k in names for f in (4, 8)]
    results: list[Any] = [None] * len(jobs)
    with tempfile.TemporaryDirectory(prefix="stai-level-") as tmp:
        compiler = _Compiler(model, samples, Path(tmp))
        with reporter.step("uncompressed model", 1) as advance:
            rom, reference = compiler.run({}, "base")
            advance(f"{rom:,} B of weights")
        with (
            reporter.step(f"{len(names)} layers at factors 4 and 8", len(jobs)) as advance,
            ThreadPoolExecutor(max_workers=max(1, workers)) as pool,
        ):
            futures = {
                pool.submit(compiler.run, {k: f}, f"l{k}x{f}"): i for i, (k, f) in enumerate(jobs)
            }
            for future in as_completed(futures):
                i = futures[future]
                results[i] = future.result()
                advance(f"layer {jobs[i][0]} x{jobs[i][1]}")
    result = Measurements(rom, reference, names=names)
    for (key, factor), (cand_rom, outputs) in zip(jobs, results):
        result.candidates.append(
            Candidate(key, names[key], factor, rom - cand_rom, relative_error(outputs, reference))
        )
    return result


def _ranked(candidates: list[Candidate]) -> list[Candidate]:
    """Candidates that save ROM, most bytes saved per unit of error first (ties: more
    bytes first, then layer order)."""
    useful = [c for c in candidates if c.saved > 0]
    return sorted(useful, key=lambda c: (-(c.saved / max(c.error, 1e-12)), -c.saved))


def greedy_steps(measurements: Measurements, budget: float) -> list[tuple[str, int]]:
    """The ordered choices (layer, factor) whose summed error stays within ``budget``; a
    layer may appear twice (factor 4, then 8 when that saves more)."""
    by_key = {(c.key, c.factor): c for c in measurements.candidates}
    chosen: dict[str, Candidate] = {}
    total = 0.0
    steps = []
    for cand in _ranked(measurements.candidates):
        before = chosen.get(cand.key)
        if before is not None and before.saved >= cand.saved:
            continue
        extra = cand.error - (before.error if before else 0.0)
        if total + extra > budget:
            continue
        chosen[cand.key], total = by_key[(cand.key, cand.factor)], total + extra
        steps.append((cand.key, cand.factor))
    return steps


def _factors(steps: list[tuple[str, int]], keys: dict[str, str]) -> dict[str, int]:
    factors = dict.fromkeys(keys, 0)
    for key, factor in steps:
        factors[key] = factor
    return factors


def select(
    measurements: Measurements,
    level: str,
    model: LoadedModel,
    inputs: list[list[np.ndarray]] | None = None,
    reporter: Reporter | None = None,
) -> Selection:
    """The factors of ``level``: the greedy choices, undone from the last while the
    compiled combination's measured error exceeds the budget."""
    if level not in LEVELS:
        raise StaiError(f"--compression-level: expected one of {', '.join(LEVELS)}, got '{level}'")
    reporter = reporter or Reporter(level, quiet=True)
    budget = LEVELS[level]
    steps = greedy_steps(measurements, budget)
    samples = inputs if inputs is not None else random_samples(model, SAMPLES, 0)
    with tempfile.TemporaryDirectory(prefix="stai-level-") as tmp:
        compiler = _Compiler(model, samples, Path(tmp))
        while steps:
            factors = _factors(steps, measurements.names)
            with reporter.step(f"checking {len(steps)} choices together", 1) as advance:
                rom, outputs = compiler.run(factors, f"try{len(steps)}")
                error = relative_error(outputs, measurements.reference)
                advance(f"error {error:.4g}, budget {budget:g}")
            if error <= budget:
                return Selection(level, budget, factors, rom, error)
            steps.pop()
    return Selection(level, budget, _factors([], measurements.names), measurements.rom, 0.0)


_CACHE: dict[tuple, Measurements] = {}


def _cache_key(model: LoadedModel) -> tuple | None:
    """A key for measurements of a model file's default inputs (None: not cacheable, a
    quantized module or one without its file)."""
    if model.quantized or model.path is None:
        return None
    path = Path(model.path).resolve()
    stat = path.stat()
    return (str(path), stat.st_mtime_ns, stat.st_size, repr(model.frontend))


def choose(
    model: str | Path | LoadedModel,
    level: str,
    inputs: list[list[np.ndarray]] | None = None,
    frontend_options: dict | None = None,
    quiet: bool = True,
) -> tuple[Selection, Measurements]:
    """Measure and select ``level``'s factors for a model file (its measurements of the
    default inputs are cached) or a loaded (possibly quantized) model, whose clones are
    compiled; progress on stderr unless ``quiet``."""
    from stai.compiler.driver import load_model
    from stai.compiler.options import FrontendOptions

    if level not in LEVELS:
        raise StaiError(f"--compression-level: expected one of {', '.join(LEVELS)}, got '{level}'")
    if not isinstance(model, LoadedModel):
        if not Path(model).is_file():
            raise StaiError(f"model not found: {model}")
        model = load_model(model, FrontendOptions.from_dict(frontend_options))
    key = _cache_key(model) if inputs is None else None
    if level == "none":
        names = compressible_layers(model)
        measured = Measurements(rom=0, reference=[], names=names)
        return Selection(level, 0.0, _factors([], names), 0, 0.0), measured
    reporter = Reporter(level, quiet)
    measured = _CACHE.get(key) if key is not None else None
    if measured is None:
        measured = measure(model, inputs, reporter=reporter)
        if key is not None:
            _CACHE[key] = measured
    selection = select(measured, level, model, inputs, reporter)
    chosen = sum(1 for f in selection.factors.values() if f)
    reporter.line(
        f"{chosen} of {len(selection.factors)} layers compressed, {selection.rom:,} B of "
        f"weights, error {selection.error:.4g} (budget {selection.budget:g})"
    )
    return selection, measured


def level_compression(
    model: LoadedModel, level: str, name: str, quiet: bool = False
) -> tuple[CompressOptions | None, dict[str, str]]:
    """The compress options of ``level`` for a loaded model (None for no compression), and
    the extra folder file ``NAME_compression.txt`` that records the choice (a ``-c`` file:
    ``-c NAME_compression.txt`` compiles the same factors). The per-layer JSON file the
    options name is written in a temporary folder removed at exit. Progress goes to stderr
    unless ``quiet``."""
    from stai.compiler.options import CompressOptions

    selection, measured = choose(model, level, quiet=quiet)
    text = json.dumps(selection.to_json(measured), indent=2) + "\n"
    if not any(selection.factors.values()):
        return None, {f"{name}_compression.txt": text}
    workdir = Path(tempfile.mkdtemp(prefix="stai-level-"))
    atexit.register(shutil.rmtree, workdir, True)
    spec = workdir / f"{name}_compression.json"
    spec.write_text(text)
    return CompressOptions(layers=str(spec)), {f"{name}_compression.txt": text}


def generate_with_level(
    model: str | Path | LoadedModel,
    out_dir: str | Path,
    level: str,
    options: CompileOptions | None = None,
    ir_stream: IO[str] | None = None,
    quiet: bool = False,
) -> GenerateResult:
    """``stai generate --compression-level LEVEL``: search the per-layer factors on clones
    of the loaded model, then compile it once with them into ``out_dir`` (printing the IR
    to ``ir_stream`` when given; progress on stderr unless ``quiet``)."""
    from dataclasses import replace

    from stai.compiler.driver import compile_model, load_model, write_generated
    from stai.compiler.options import CompileOptions

    options = options or CompileOptions()
    if options.compress is not None:
        raise StaiError("-c/--compress and --compression-level are mutually exclusive")
    if not isinstance(model, LoadedModel):
        model = load_model(model, options.frontend)
    compress, files = level_compression(model, level, options.name, quiet)
    compiled = compile_model(model, replace(options, compress=compress), ir_stream=ir_stream)
    return write_generated(compiled, out_dir, files)
