"""``stai validate``: the generated C against the model's reference runtime (host mode).

``validate(options)`` compiles the model (with the observer hooks) into
``OUT/c_model``, builds it for the host, runs it on the validation inputs (``-vi`` file or
seeded random values) and compares, output by output:

* "C model vs reference": the reference runtime of the model's format (int8 TFLite:
  TFLite Micro; float or hybrid TFLite: LiteRT ``BUILTIN_REF``; ONNX: onnxruntime; Keras:
  TensorFlow), unless ``--no-exec-model``;
* with ``-vo``: "C model vs ground truth" and "reference vs ground truth".

With ``per_layer`` every generated node's output (captured through the observer) is
compared with the reference's tensor of the same name, or else with the output of the
model operator it comes from (``m_id``) when it is that operator's last node: TFLite
Micro with the nodes' tensors as extra outputs or LiteRT with
``experimental_preserve_all_tensors`` (TFLite), onnxruntime with every node's outputs
as graph outputs (ONNX, channel-first tensors moved to the C model's layout), a Keras
model whose outputs are the layers' outputs (Keras). It shows where an error first
appears. The report
goes to ``OUT/NAME_validate.txt`` and ``OUT/NAME_validate.json``
(``docs/schemas/validate.schema.json``); ``stai.tools.validate_report`` holds the report's
data and renders it. See ``docs/validate.md``.

With ``--binary`` (``CompileOptions.binary``) the C model is generated with its weights
file and runs through it, as a firmware would: the host runner, or QEMU at the board's
weights address, gives the file to ``init``, which checks its header.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from stai.errors import StaiError
from stai.tools.metrics import (
    Metrics,
    Quant,
    accuracy_vs_labels,
    classes,
    compare,
    confusion_matrix,
)
from stai.tools.reference_runners import (
    litert_tensor_quant,
    reference_for,
    run_keras_intermediates,
    run_litert_many,
    run_onnx_intermediates,
    run_tflm_intermediates,
    with_extra_outputs,
)
from stai.tools.validate_report import (
    LayerRow,
    Row,
    ValidationReport,
    check_outputs,
    print_report,
    report_text,
    save_csv,
    to_json,
)

if TYPE_CHECKING:
    from stai.compiler.options import CompileOptions, FrontendOptions

__all__ = [
    "ValidateOptions",
    "ValidationReport",
    "litert_tensor_quant",
    "print_report",
    "reference_for",
    "run_litert_many",
    "run_tflm_intermediates",
    "validate",
    "with_extra_outputs",
]

DEFAULT_RANDOM_SAMPLES = 10
FLOAT_RANGE = (-1.0, 1.0)
"""Random float inputs without ``--range``: uniform in this interval."""
FLOAT_TOLERANCE = 1e-4
"""``--check`` on float outputs: max |error| <= this x max(1, max |reference|)."""


@dataclass
class ValidateOptions:
    """The options of ``stai validate``."""

    model: Path
    inputs: Path | None = None
    outputs: Path | None = None
    classifier: bool = False
    batch_size: int | None = None
    seed: int = 0
    range: tuple[float, float] | None = None
    per_layer: bool = False
    save_csv: Path | None = None
    no_exec_model: bool = False
    out_dir: Path = Path("stai_output")
    name: str = "network"
    check: bool = False
    tolerance: float = FLOAT_TOLERANCE
    progress: bool = True
    mode: str = "host"
    """``host``, or ``target``: the C model runs on an emulated Cortex-M
    (``stai.tools.validate_board``)."""
    target: str | None = None
    """The target of ``--mode target`` (default ``cortex-m4``)."""
    device: str | None = None
    """``--mode target`` on a device running stai's validation firmware, over a serial
    link (``serial:PORT[:BAUD]``) or an emulator's socket (``tcp:HOST:PORT``) instead of
    QEMU through semihosting (``docs/serial-validation.md``)."""
    compress: str | None = None
    """k-means weight sharing of the C model (``-c``: ``"4"``, ``"8"`` or a JSON file): the
    report then shows its error against the uncompressed reference."""
    quantize: str | None = None
    """Post-training int8 quantization of a float model before compiling it (``-q``:
    calibration samples, ``.npy``/``.npz`` or ``random``): the report then shows the int8 C
    model's error against the float model's reference."""
    quant_method: str = "minmax"
    """The range method of ``quantize`` (``docs/quantization.md``)."""
    per_channel_fc: bool = True
    """With ``quantize``: per-channel fully-connected weights (``--per-tensor-fc``: not)."""
    compile: CompileOptions | None = None
    """The compile options of ``stai generate`` (ONNX frontend, memory layout, weight
    compression): the C model is compiled as ``generate`` compiles it with them, plus the
    observer hooks, for ``target`` and named ``name`` (None: the defaults with
    ``compress``)."""
    compression_level: str | None = None
    """``--compression-level``: the per-layer factors ``stai generate`` would choose."""
    relocatable: bool = False
    """``--relocatable``: in target mode the samples run through the loader, from the
    image ``OUT/NAME_image.bin`` (``stai.tools.validate_image``); host mode notes it."""

    def compile_options(self) -> CompileOptions:
        """The options the C model is compiled with (``target`` resolved by the mode)."""
        from dataclasses import replace

        from stai.compiler.options import CompileOptions, CompressOptions

        base = self.compile or CompileOptions()
        compress = base.compress
        if self.compress is not None:
            if compress is not None:
                raise StaiError("validate: give -c/--compress once")
            compress = CompressOptions.parse(self.compress)
        target = self.target or ("cortex-m4" if self.mode == "target" else "host")
        # --binary: the C model runs through its weights file, as a firmware would
        observer = not (self.relocatable and self.mode == "target")  # (an image has none)
        return replace(base, name=self.name, target=target, observer=observer, compress=compress)


# --------------------------------------------------------------------- input files


def load_array_file(path: Path) -> list[np.ndarray] | dict[str, np.ndarray]:
    """The arrays of a ``.npy`` (one), ``.npz`` (by name, in file order) or ``.csv`` file
    (one sample per row, flattened; a non-numeric first row is a header)."""
    if not path.is_file():
        raise StaiError(f"cannot read {path}: no such file")
    suffix = path.suffix.lower()
    try:
        if suffix == ".npy":
            return [np.load(path, allow_pickle=False)]
        if suffix == ".npz":
            with np.load(path, allow_pickle=False) as data:
                return {k: data[k] for k in data.files}
        if suffix == ".csv":
            try:
                return [np.loadtxt(path, delimiter=",", ndmin=2)]
            except ValueError:
                return [np.loadtxt(path, delimiter=",", ndmin=2, skiprows=1)]
    except (OSError, ValueError, EOFError) as e:
        message = " ".join(str(e).split())
        raise StaiError(f"cannot read {path}: {message}") from e
    raise StaiError(f"cannot read {path}: expected a .npy, .npz or .csv file")


def _ordered(
    data: list[np.ndarray] | dict[str, np.ndarray], infos: list[dict[str, Any]], path: Path
) -> list[np.ndarray]:
    """One array per model tensor: by name in a ``.npz`` when the names match, else in
    order."""
    if isinstance(data, dict):
        if all(i["name"] in data for i in infos):
            return [data[i["name"]] for i in infos]
        data = list(data.values())
    if len(data) != len(infos):
        raise StaiError(f"{path}: {len(data)} arrays, the model has {len(infos)}")
    return data


def quantize(values: np.ndarray, scale: float, zero_point: int, dtype: np.dtype) -> np.ndarray:
    """Real values to the integer type (round half to even, saturate)."""
    info = np.iinfo(dtype)
    q = np.rint(values.astype(np.float64) / scale) + zero_point
    return np.clip(q, info.min, info.max).astype(dtype)


def as_batch(array: np.ndarray, info: dict[str, Any], path: Path, index: int) -> np.ndarray:
    """A file's array as ``(n, *shape)`` in the model's dtype (real values are quantized
    with the tensor's scale and zero point)."""
    shape = tuple(info["shape"])
    count = int(np.prod(shape, dtype=np.int64))
    a = np.asarray(array)
    if a.size == 0 or a.size % count:
        raise StaiError(
            f"{path}: array {index} has shape {list(a.shape)}, which is no batch of the "
            f"model's {list(shape)}"
        )
    n = a.size // count
    trailing_ok = (
        a.shape[1:] in (shape, shape[1:])
        or a.shape == shape
        or (a.ndim == 2 and a.shape[1] == count)
    )
    if not trailing_ok and not (n == 1 and a.size == count):
        raise StaiError(
            f"{path}: array {index} has shape {list(a.shape)}, the model wants {list(shape)} "
            "per sample"
        )
    a = a.reshape((n, *shape))
    dtype = np.dtype(info["dtype"])
    if dtype.kind == "f":
        return a.astype(dtype)
    if a.dtype.kind == "f" and info.get("scale"):
        return quantize(a, info["scale"], info.get("zero_point") or 0, dtype)
    limits = np.iinfo(dtype)
    if a.size and (a.min() < limits.min or a.max() > limits.max):
        raise StaiError(f"{path}: array {index} has values outside {dtype}'s range")
    return a.astype(dtype)


def random_inputs(
    infos: list[dict[str, Any]], n: int, seed: int, value_range: tuple[float, float] | None
) -> list[np.ndarray]:
    """Seeded uniform random batches: integers over the type's range (or the real
    ``value_range`` quantized; an input that only feeds indices: its ``index_range``),
    floats in ``value_range`` (default ``FLOAT_RANGE``)."""
    rng = np.random.default_rng(seed)
    out = []
    for info in infos:
        shape = (n, *info["shape"])
        dtype = np.dtype(info["dtype"])
        if info.get("index_range") is not None:
            lo, hi = info["index_range"]
            out.append(rng.integers(lo, hi, shape, endpoint=True).astype(dtype))
        elif dtype.kind == "f":
            lo, hi = value_range or FLOAT_RANGE
            out.append(rng.uniform(lo, hi, shape).astype(dtype))
        elif dtype.kind == "b":
            out.append(rng.random(shape) < 0.5)
        elif value_range is not None and info.get("scale"):
            real = rng.uniform(value_range[0], value_range[1], shape)
            out.append(quantize(real, info["scale"], info.get("zero_point") or 0, dtype))
        else:
            limits = np.iinfo(dtype)
            out.append(rng.integers(limits.min, limits.max, shape, endpoint=True).astype(dtype))
    return out


# ------------------------------------------------------------------------ progress


@contextmanager
def _progress(enabled: bool) -> Iterator[Callable[[str, int], Callable[[int], None]]]:
    """``task(description, total) -> advance(k)``: a rich progress bar on stderr (silent
    when disabled or stderr is not a terminal)."""
    if not enabled or not sys.stderr.isatty():
        yield lambda _d, _t: lambda _k: None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
    ) as bar:

        def task(description: str, total: int) -> Callable[[int], None]:
            tid = bar.add_task(description, total=total)
            return lambda k: bar.advance(tid, k)

        yield task


CHUNK = 16
"""Samples per progress step."""


# ---------------------------------------------------------------------- validation


def _quant_of(info: dict[str, Any]) -> Quant:
    if info.get("scale") and np.dtype(info["dtype"]).kind in "iu":
        return Quant(info["scale"], info.get("zero_point") or 0)
    return Quant()


def _ground_truth(
    path: Path, outputs: list[dict[str, Any]], n: int
) -> list[tuple[str, np.ndarray]]:
    """``("labels", (n,))`` or ``("values", (n, *shape))`` per model output."""
    arrays = _ordered(load_array_file(path), outputs, path)
    truth = []
    for i, (a, info) in enumerate(zip(arrays, outputs)):
        a = np.asarray(a)
        count = int(np.prod(info["shape"], dtype=np.int64))
        if a.size == n and count > 1:
            truth.append(("labels", a.reshape(n).astype(np.int64)))
        elif a.size == n * count:
            truth.append(("values", a.reshape((n, *info["shape"]))))
        else:
            raise StaiError(
                f"{path}: array {i} has shape {list(a.shape)}: expected {n} labels or {n} "
                f"samples of {info['shape']}"
            )
    return truth


def _vs_truth(
    values: np.ndarray, quant: Quant, truth: tuple[str, np.ndarray], classifier: bool
) -> Metrics:
    kind, t = truth
    if kind == "labels":
        return accuracy_vs_labels(values, t)
    if t.dtype == values.dtype:
        return compare(values, t, quant, quant, classifier)
    return compare(values, t.astype(np.float64), quant, Quant(), classifier)


def model_interface(
    model: Path, frontend: FrontendOptions | None = None
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The model's inputs and outputs (name, shape, dtype, scale, zero point), as the
    generated ``NAME.json`` will list them (imported with ``frontend``)."""
    from stai.compiler.driver import import_model, index_ranges, interface

    module = import_model(model, frontend)
    inputs, outputs = interface(module)
    infos = [dict(vars(t)) for t in inputs]
    for info, index_range in zip(infos, index_ranges(module)):
        if index_range is not None:
            info["index_range"] = index_range  # random samples stay valid indices
    return infos, [dict(vars(t)) for t in outputs]


def validate(options: ValidateOptions) -> ValidationReport:
    """Run the validation described by ``options``; write the report files."""
    from stai.compiler.driver import compile_model, load_model, write_generated
    from stai.runtime.model_runner import Runner
    from stai.transforms.detach_weights import weights_file_bytes

    model = Path(options.model)
    if options.no_exec_model and options.outputs is None:
        raise StaiError("--no-exec-model compares against -vo: give the expected outputs")
    if options.batch_size is not None and options.batch_size <= 0:
        raise StaiError(f"--batch-size must be positive, got {options.batch_size}")
    if options.range is not None and not options.range[0] < options.range[1]:
        raise StaiError(f"--range: MIN must be below MAX, got {list(options.range)}")
    out_dir = Path(options.out_dir)
    folder = out_dir / "c_model"
    # Read and check the input files first: bad input is reported before compiling.
    if options.mode not in ("host", "target"):
        raise StaiError(f"unknown mode '{options.mode}' (expected host or target)")
    if options.device is not None:
        from stai.boards.serial_link import parse_device

        if options.mode != "target":
            raise StaiError("--device runs the C model on a board: give --mode target")
        parse_device(options.device)
    compile_options = options.compile_options()
    infos_in, infos_out = model_interface(model, compile_options.frontend)
    input_data = load_array_file(options.inputs) if options.inputs else None

    if input_data is not None:
        assert options.inputs is not None
        arrays = _ordered(input_data, infos_in, options.inputs)
        batches = [
            as_batch(a, info, options.inputs, i)
            for i, (a, info) in enumerate(zip(arrays, infos_in))
        ]
        sizes = {b.shape[0] for b in batches}
        if len(sizes) != 1:
            raise StaiError(
                f"{options.inputs}: inputs have different sample counts {sorted(sizes)}"
            )
        if options.batch_size is not None:
            batches = [b[: options.batch_size] for b in batches]
        source = str(options.inputs)
    else:
        n_random = options.batch_size or DEFAULT_RANDOM_SAMPLES
        batches = random_inputs(infos_in, n_random, options.seed, options.range)
        source = f"random (seed {options.seed}, " + (
            f"range {list(options.range)})" if options.range else "full range)"
        )
    n = batches[0].shape[0]
    truth = _ground_truth(options.outputs, infos_out, n) if options.outputs else None
    target = compile_options.target
    if (options.mode == "target") == (target == "host"):
        raise StaiError(
            f"--mode {options.mode} with --target {target}: target mode runs on "
            "cortex-m4, cortex-m7 or cortex-m55, host mode on the host"
        )
    if options.relocatable:
        from stai.tools.validate_image import check_options

        check_options(options, compile_options)
    hook = None
    if options.quantize is not None:
        from stai.tools.quantize import quantize_hook

        hook = quantize_hook(
            options.quantize, options.quant_method, False, per_channel_fc=options.per_channel_fc
        )
    loaded = load_model(model, compile_options.frontend, hook)
    keras = model.suffix.lower() in (".keras", ".h5")
    folded = _folded_layers(loaded.module) if options.per_layer and keras else {}
    extra_files: dict[str, str] = {}
    if options.compression_level is not None:
        from dataclasses import replace

        from stai.tools.compression_search import level_compression

        if compile_options.compress is not None:
            raise StaiError("-c/--compress and --compression-level are mutually exclusive")
        compress, extra_files = level_compression(
            loaded, options.compression_level, compile_options.name, quiet=not options.progress
        )
        compile_options = replace(compile_options, compress=compress)
    compiled = compile_model(loaded, compile_options, keep_planned=options.mode == "target")
    write_generated(compiled, folder, extra_files)
    if options.device is not None:
        from stai.tools.validate_board import SerialRunner, node_facts

        runner: Any = SerialRunner(
            options.device, folder, options.name, nodes=node_facts(compiled.planned)
        )
    elif options.mode == "target" and options.relocatable:
        from stai.tools.validate_board import node_facts
        from stai.tools.validate_image import ImageRunner

        image = out_dir / f"{options.name}_image.bin"
        runner = ImageRunner(folder, options.name, image, nodes=node_facts(compiled.planned))
    elif options.mode == "target":
        from stai.tools.validate_board import TargetRunner, node_facts

        runner = TargetRunner(folder, options.name, nodes=node_facts(compiled.planned))
    else:
        runner = Runner(folder, options.name)

    report = ValidationReport(
        model=str(model.resolve()),
        name=options.name,
        mode=options.mode,
        reference=None,
        samples=n,
        input_source=source,
        outputs_info=[dict(i) for i in infos_out],
    )
    report.check_requested = options.check
    report.weights_file_bytes = weights_file_bytes(compiled.module)
    if options.relocatable:  # the image's sizes, or what host mode ran instead
        from stai.tools.validate_image import relocatable_section

        report.image, report.relocatable_note = relocatable_section(runner)
    samples = [[b[k] for b in batches] for k in range(n)]
    with _progress(options.progress) as task:
        advance = task("C model", n)
        c_outputs: list[list[np.ndarray]] = [[] for _ in infos_out]
        captures: list[Any] = []
        c_time = 0.0
        # A network with state starts each sample from its initial state, as the
        # reference runs each sample from the model's initial variables.
        c_model = getattr(runner, "model", None)
        stateful = bool(getattr(c_model, "has_state", False))
        step = 1 if stateful else CHUNK
        for start in range(0, n, step):
            chunk = [b[start : start + step] for b in batches]
            if stateful:
                c_model.reset()  # pyright: ignore[reportOptionalMemberAccess]
            result = runner.run(chunk, per_layer=options.per_layer)
            c_time += float(result.time_ns.sum())
            for j, o in enumerate(result.outputs):
                c_outputs[j].append(o)
            if options.per_layer:
                captures.append(result.nodes)
            advance(chunk[0].shape[0])
        c_out = [np.concatenate(o) for o in c_outputs]
        report.c_time_ms = c_time / n / 1e6

        ref_out: list[np.ndarray] | None = None
        ref_layers: list[dict[str, np.ndarray]] = []
        m_id_tensors: dict[int, str] = {}
        aliases: dict[str, str] = {}
        if not options.no_exec_model:
            name, run_ref = reference_for(model, infos_in, infos_out)
            if model.suffix.lower() == ".onnx" and not compile_options.frontend.io_transpose:
                run_ref = _channels_last(run_ref)
            report.reference = name
            advance = task(name, n)
            ref_samples: list[list[np.ndarray]] = []
            t0 = time.perf_counter_ns()
            for start in range(0, n, CHUNK):
                ref_samples += run_ref(samples[start : start + CHUNK])
                advance(min(CHUNK, n - start))
            report.reference_time_ms = (time.perf_counter_ns() - t0) / n / 1e6
            ref_out = [
                np.stack([s[j].reshape(infos_out[j]["shape"]) for s in ref_samples])
                for j in range(len(infos_out))
            ]
            if options.per_layer:
                ref_layers, m_id_tensors = _layer_references(
                    model, report, samples, captures, task, compile_options.frontend
                )
                aliases = {n: m_id_tensors[m] for n, m in folded.items() if m in m_id_tensors}

    if options.mode == "target":
        report.target = runner.report()
    if options.device is not None or options.relocatable:
        getattr(runner, "close", lambda: None)()
    _fill_rows(report, options, infos_out, c_out, ref_out, truth)
    if options.per_layer and captures:
        _fill_layers(report, model, captures, ref_layers, (m_id_tensors, aliases), options)
    check_outputs(report, options.tolerance, infos_out, c_out, ref_out)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / f"{options.name}_validate.json").write_text(
        json.dumps(to_json(report), indent=2) + "\n"
    )
    (out_dir / f"{options.name}_validate.txt").write_text(report_text(report))
    if options.save_csv is not None:
        save_csv(Path(options.save_csv), batches, c_out, ref_out)
    return report


def _channels_last(
    run_ref: Callable[[list[list[np.ndarray]]], list[list[np.ndarray]]],
) -> Callable[[list[list[np.ndarray]]], list[list[np.ndarray]]]:
    """The reference of an ONNX model whose C model has channel-last inputs and outputs
    (``--no-onnx-io-transpose``): the rank-3 and rank-4 inputs are moved channel-first
    for it, and its outputs of those ranks channel-last."""

    def last(rank: int) -> tuple[int, ...]:
        return (0, *range(2, rank), 1)

    def first(rank: int) -> tuple[int, ...]:
        return (0, rank - 1, *range(1, rank - 1))

    def move(a: np.ndarray, perm: Callable[[int], tuple[int, ...]]) -> np.ndarray:
        return np.ascontiguousarray(a.transpose(perm(a.ndim))) if a.ndim in (3, 4) else a

    def run(samples: list[list[np.ndarray]]) -> list[list[np.ndarray]]:
        outputs = run_ref([[move(a, first) for a in sample] for sample in samples])
        return [[move(np.asarray(a), last) for a in sample] for sample in outputs]

    return run


def _channels_first(sample: list[np.ndarray]) -> list[np.ndarray]:
    """A sample of rank-3/4 channel-last arrays with their channels moved to axis 1."""
    return [np.ascontiguousarray(np.moveaxis(a, -1, 1)) if a.ndim in (3, 4) else a for a in sample]


def _folded_layers(module: Any) -> dict[str, int]:
    """For a Keras model: the ``m_id`` of the layer whose result a named op computes when
    that is not its own layer's (a batch norm folded into a conv: the conv's op, named
    after the conv, computes the batch norm's output), from the imported ops'
    ``nn.fused_m_ids``."""
    from xdsl.dialects.builtin import ArrayAttr, IntegerAttr, StringAttr

    folded: dict[str, int] = {}
    for op in module.walk():
        name, fused = op.attributes.get("nn.name"), op.attributes.get("nn.fused_m_ids")
        if not isinstance(name, StringAttr) or not isinstance(fused, ArrayAttr):
            continue
        ids = [a.value.data for a in fused.data if isinstance(a, IntegerAttr)]
        if ids:
            folded[name.data] = ids[-1]
    return folded


def _layer_references(
    model: Path,
    report: ValidationReport,
    samples: list[list[np.ndarray]],
    captures: list[Any],
    task: Callable[[str, int], Callable[[int], None]],
    frontend: FrontendOptions,
) -> tuple[list[dict[str, np.ndarray]], dict[int, str]]:
    """Every sample's reference tensors by name, and the tensor name of each model
    operator's output by ``m_id`` (module docstring); ``frontend`` says how the ONNX graph
    was prepared."""
    suffix = model.suffix.lower()
    n = len(samples)
    names = [node.name for node in captures[0]] if captures else []
    tflm = report.reference == "tflite-micro"
    if suffix == ".tflite":
        report.layer_reference = (
            "tflite-micro (extra outputs)"
            if tflm
            else "litert BUILTIN_REF (experimental_preserve_all_tensors)"
        )
    elif suffix == ".onnx":
        report.layer_reference = "onnxruntime (every node's outputs as graph outputs)"
    elif suffix in (".keras", ".h5"):
        report.layer_reference = "tensorflow (the layers' outputs as model outputs)"
    else:
        raise StaiError(
            f"--per-layer: no reference with intermediate tensors for '{suffix}' models"
        )

    def run(chunk: list[list[np.ndarray]]) -> tuple[list[dict[str, np.ndarray]], dict[int, str]]:
        if suffix == ".tflite" and tflm:
            return run_tflm_intermediates(model, chunk, names), {}
        if suffix == ".tflite":
            return run_litert_many(model, chunk, True)[1], {}
        if suffix == ".onnx":
            if not frontend.io_transpose:
                chunk = [_channels_first(sample) for sample in chunk]
            return run_onnx_intermediates(model, chunk, frontend.optimize)
        return run_keras_intermediates(model, chunk)

    ref_layers: list[dict[str, np.ndarray]] = []
    m_id_tensors: dict[int, str] = {}
    advance = task("reference intermediates", n)
    for start in range(0, n, CHUNK):
        chunk = samples[start : start + CHUNK]
        values, m_id_tensors = run(chunk)
        ref_layers += values
        advance(len(chunk))
    return ref_layers, m_id_tensors


def _fill_rows(
    report: ValidationReport,
    options: ValidateOptions,
    infos: list[dict[str, Any]],
    c_out: list[np.ndarray],
    ref_out: list[np.ndarray] | None,
    truth: list[tuple[str, np.ndarray]] | None,
) -> None:
    for j, info in enumerate(infos):
        q = _quant_of(info)
        c = c_out[j].reshape((-1, *info["shape"]))
        if ref_out is not None:
            report.rows.append(
                Row(
                    "C model vs reference",
                    info["name"],
                    j,
                    compare(c, ref_out[j], q, q, options.classifier),
                )
            )
        if truth is not None:
            report.rows.append(
                Row(
                    "C model vs ground truth",
                    info["name"],
                    j,
                    _vs_truth(c, q, truth[j], options.classifier),
                )
            )
            if ref_out is not None:
                report.rows.append(
                    Row(
                        "reference vs ground truth",
                        info["name"],
                        j,
                        _vs_truth(ref_out[j], q, truth[j], options.classifier),
                    )
                )
        if options.classifier:
            k = int(np.prod(info["shape"], dtype=np.int64))
            predicted = classes(q.real(c))
            if truth is not None:
                kind, t = truth[j]
                expected = (
                    t
                    if kind == "labels"
                    else classes(q.real(t) if t.dtype == c.dtype else t.astype(np.float64))
                )
                report.confusion[f"{info['name']}: C model vs ground truth"] = confusion_matrix(
                    predicted, expected, k
                ).tolist()
            if ref_out is not None:
                report.confusion[f"{info['name']}: C model vs reference"] = confusion_matrix(
                    predicted, classes(q.real(ref_out[j])), k
                ).tolist()


def _aligned(ref: np.ndarray, values: np.ndarray, channels_first: bool) -> np.ndarray | None:
    """The reference batch ``ref`` in the layout of the C node's batch ``values``, or None.
    A channel-first reference tensor (ONNX) may be the C node's in channel-last order;
    when both orders fit the shape, the closer one is taken."""
    if ref.size != values.size:
        return None
    candidates = [ref.reshape(values.shape)]
    sample = ref.shape[1:]
    if channels_first and len(sample) in (3, 4):
        moved = np.moveaxis(ref, 1 + 1, -1)  # the sample's axis 1 after the batch axis
        if moved.shape == values.shape:
            if ref.shape != values.shape:
                return moved
            candidates.append(moved)
    if len(candidates) == 1 or ref.dtype.kind not in "f":
        return candidates[0]
    real = values.astype(np.float64)
    return min(candidates, key=lambda c: float(np.max(np.abs(c - real))) if c.size else 0.0)


def _fill_layers(
    report: ValidationReport,
    model: Path,
    captures: list[Any],
    ref_layers: list[dict[str, np.ndarray]],
    names: tuple[dict[int, str], dict[str, str]],
    options: ValidateOptions,
) -> None:
    """One row per captured node, with its metrics against the reference tensor of its
    name (``names``: the tensor of each ``m_id``, and the tensor of a node name whose op
    computes another layer's result), or else of its ``m_id`` when it is the last node of
    its model operator."""
    m_id_tensors, aliases = names
    tflite = model.suffix.lower() == ".tflite"
    quants = litert_tensor_quant(model) if ref_layers and tflite else {}
    first = captures[0]
    last_of_operator = {node.m_id: node.c_id for node in first}
    for i, node in enumerate(first):
        values = np.concatenate([chunk[i].values for chunk in captures])
        times = np.concatenate([chunk[i].time_ns for chunk in captures])
        q = Quant(node.scale, node.zero_point) if node.scale is not None else Quant()
        metrics = None
        tensor: str | None = aliases.get(node.name, node.name)
        if ref_layers and tensor not in ref_layers[0] and last_of_operator[node.m_id] == node.c_id:
            tensor = m_id_tensors.get(node.m_id)
        if ref_layers and tensor is not None and all(tensor in r for r in ref_layers):
            ref = _aligned(
                np.stack([r[tensor] for r in ref_layers]), values, model.suffix.lower() == ".onnx"
            )
            if ref is not None and (tflite or ref.dtype.kind == "f"):
                rq = quants.get(tensor, Quant())
                if ref.dtype != values.dtype:
                    ref, rq = rq.real(ref), Quant()
                metrics = compare(values, ref, q, rq, False)
        report.layers.append(
            LayerRow(
                node.c_id,
                node.m_id,
                node.type_name,
                node.name,
                list(node.shape),
                str(node.dtype),
                metrics,
                float(times.mean()) / 1e6,
            )
        )
    for row in report.layers:
        m = row.metrics
        if m is None:
            continue
        bad = (m.bit_exact is not None and m.bit_exact < m.samples) or (
            m.bit_exact is None and m.max_abs > options.tolerance
        )
        if bad:
            report.first_divergence = row.c_id
            break
