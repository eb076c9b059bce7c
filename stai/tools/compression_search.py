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
"""

from __future__ import annotations

import atexit
import json
import shutil
import tempfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from stai.errors import StaiError

LEVELS: dict[str, float] = {"none": 0.0, "low": 0.005, "medium": 0.02, "high": 0.10}
"""Level -> budget: the largest relative L2 error of the outputs (``||y - y0|| / ||y0||``
over all measured inputs) against the uncompressed model."""

SAMPLES = 4
"""Seeded random inputs measured when none are given."""


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
            "level": self.level, "budget": self.budget, "error": round(self.error, 6),
            "rom_bytes": self.rom, "uncompressed_rom_bytes": measurements.rom,
            "layers": {k: {"factor": f or "none", "name": measurements.names.get(k, "")}
                       for k, f in self.factors.items()},
        }


def compressible_layers(model_path: str | Path, frontend_options: dict | None = None,
                        quantize: Callable | None = None) -> dict[str, str]:
    """``nn.m_id`` -> ``nn.name`` of the fully connected and conv2d layers with constant
    weights."""
    from xdsl.dialects.builtin import IntegerAttr, StringAttr

    from stai.compiler.driver import import_model
    from stai.dialects import nn

    module = import_model(model_path, frontend_options)
    if quantize is not None:
        quantize(module)
    consts = {op.output for op in module.walk() if isinstance(op, nn.ConstantOp)}
    layers = {}
    for op in module.walk():
        m_id = op.attributes.get("nn.m_id")
        if isinstance(op, (nn.FullyConnectedOp, nn.Conv2DOp)) and op.operands[1] in consts \
                and isinstance(m_id, IntegerAttr):
            name = op.attributes.get("nn.name")
            layers[str(m_id.value.data)] = name.data if isinstance(name, StringAttr) else ""
    return layers


def random_samples(model_path: str | Path, count: int = SAMPLES, seed: int = 0,
                   frontend_options: dict | None = None) -> list[list[np.ndarray]]:
    """Seeded inputs: float standard normal, integers uniform over their range."""
    from stai.compiler.driver import _interface, import_model

    inputs, _ = _interface(import_model(model_path, frontend_options))
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
    """Compiles the model with a factor map into a temporary folder and runs it."""

    def __init__(self, model_path: str | Path, samples: list[list[np.ndarray]],
                 frontend_options: dict | None, quantize: Callable | None, root: Path):
        self.model_path, self.samples = model_path, samples
        self.frontend_options, self.quantize, self.root = frontend_options, quantize, root
        self.count = 0

    def run(self, factors: dict[str, int], tag: str) -> tuple[int, list[np.ndarray]]:
        """(ROM bytes, concatenated outputs of every sample) with ``factors``."""
        from stai.compiler.driver import generate
        from stai.runtime.runner import CModel

        folder = self.root / tag
        compress = None
        if any(factors.values()):
            spec = folder.with_suffix(".json")
            spec.write_text(json.dumps({"layers": {k: {"factor": f} for k, f in factors.items()}}))
            compress = str(spec)
        generate(self.model_path, folder, frontend_options=self.frontend_options,
                 compress=compress, quantize=self.quantize)
        model = CModel(folder)
        outputs = [o.copy() for sample in self.samples for o in model.run(sample)]
        return int(model.meta["weights_bytes"]), outputs


def measure(model_path: str | Path, inputs: list[list[np.ndarray]] | None = None,
            frontend_options: dict | None = None, quantize: Callable | None = None,
            workers: int = 4) -> Measurements:
    """Compile the model uncompressed and once per (layer, factor 4|8), and measure each
    candidate's ROM saving and output error."""
    samples = inputs if inputs is not None else random_samples(model_path, SAMPLES, 0,
                                                                frontend_options)
    names = compressible_layers(model_path, frontend_options, quantize)
    with tempfile.TemporaryDirectory(prefix="stai-level-") as tmp:
        compiler = _Compiler(model_path, samples, frontend_options, quantize, Path(tmp))
        rom, reference = compiler.run({}, "base")
        jobs = [(k, f) for k in names for f in (4, 8)]
        with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
            results = list(pool.map(lambda j: compiler.run({j[0]: j[1]}, f"l{j[0]}x{j[1]}"), jobs))
    result = Measurements(rom, reference, names=names)
    for (key, factor), (cand_rom, outputs) in zip(jobs, results):
        result.candidates.append(Candidate(key, names[key], factor, rom - cand_rom,
                                           relative_error(outputs, reference)))
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


def select(measurements: Measurements, level: str, model_path: str | Path,
           inputs: list[list[np.ndarray]] | None = None, frontend_options: dict | None = None,
           quantize: Callable | None = None) -> Selection:
    """The factors of ``level``: the greedy choices, undone from the last while the
    compiled combination's measured error exceeds the budget."""
    if level not in LEVELS:
        raise StaiError(f"--compression-level: expected one of {', '.join(LEVELS)}, got '{level}'")
    budget = LEVELS[level]
    steps = greedy_steps(measurements, budget)
    samples = inputs if inputs is not None else random_samples(model_path, SAMPLES, 0,
                                                                frontend_options)
    with tempfile.TemporaryDirectory(prefix="stai-level-") as tmp:
        compiler = _Compiler(model_path, samples, frontend_options, quantize, Path(tmp))
        while steps:
            factors = _factors(steps, measurements.names)
            rom, outputs = compiler.run(factors, f"try{len(steps)}")
            error = relative_error(outputs, measurements.reference)
            if error <= budget:
                return Selection(level, budget, factors, rom, error)
            steps.pop()
    return Selection(level, budget, _factors([], measurements.names), measurements.rom, 0.0)


_CACHE: dict[tuple, Measurements] = {}


def _cache_key(model_path: str | Path, frontend_options: dict | None,
               quantize: Callable | None) -> tuple | None:
    """A key for measurements of default inputs (None: not cacheable)."""
    if quantize is not None:
        return None
    path = Path(model_path).resolve()
    stat = path.stat()
    return (str(path), stat.st_mtime_ns, stat.st_size, repr(sorted((frontend_options or {}).items())))


def choose(model_path: str | Path, level: str, inputs: list[list[np.ndarray]] | None = None,
           frontend_options: dict | None = None, quantize: Callable | None = None) -> tuple[
               Selection, Measurements]:
    """Measure (cached per model for the default inputs) and select ``level``'s factors."""
    if level not in LEVELS:
        raise StaiError(f"--compression-level: expected one of {', '.join(LEVELS)}, got '{level}'")
    if not Path(model_path).is_file():
        raise StaiError(f"model not found: {model_path}")
    key = _cache_key(model_path, frontend_options, quantize) if inputs is None else None
    if level == "none":
        names = compressible_layers(model_path, frontend_options, quantize)
        measured = Measurements(rom=0, reference=[], names=names)
        return Selection(level, 0.0, _factors([], names), 0, 0.0), measured
    measured = _CACHE.get(key) if key is not None else None
    if measured is None:
        measured = measure(model_path, inputs, frontend_options, quantize)
        if key is not None:
            _CACHE[key] = measured
    return select(measured, level, model_path, inputs, frontend_options, quantize), measured


def level_compress_spec(model_path: str | Path, level: str, name: str,
                        frontend_options: dict | None = None,
                        quantize: Callable | None = None) -> tuple[str | None, dict[str, str]]:
    """For ``generate``: the ``-c`` JSON file of ``level`` (None for ``none``), written in
    a temporary folder removed at exit, and the extra folder file ``NAME_compression.txt``
    that records it."""
    selection, measured = choose(model_path, level, None, frontend_options, quantize)
    text = json.dumps(selection.to_json(measured), indent=2) + "\n"
    if not any(selection.factors.values()):
        return None, {f"{name}_compression.txt": text}
    workdir = Path(tempfile.mkdtemp(prefix="stai-level-"))
    atexit.register(shutil.rmtree, workdir, True)
    spec = workdir / f"{name}_compression.json"
    spec.write_text(text)
    return str(spec), {f"{name}_compression.txt": text}
