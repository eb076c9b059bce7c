"""The compiler driver: model file -> nn -> ... -> c -> generated folder.

``compile_model(model, options)`` is the one compile path every command and tool uses: it
imports the model with the frontend for its format (or takes an ``nn`` module already
imported, and possibly quantized, by the caller), builds the pass instances of
``stai.registry.PIPELINE`` configured from the ``CompileOptions`` (``stai.compiler.options``),
runs them (verifying the module after every pass, optionally printing it) and returns a
``Compiled``: the module and the results read from its IR (interface, memory plan,
activations and weight bytes, the ops quantization left in float). ``generate`` compiles
and writes the generated folder (``write_generated``), which is what ``stai generate``
runs. The driver compiles once per call: searches over compile options (the compression
level) are tools that call it.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import IO, TYPE_CHECKING

from xdsl.context import Context
from xdsl.dialects.builtin import FixedBitwidthType, ModuleOp, StringAttr, TensorType
from xdsl.dialects.func import FuncOp
from xdsl.ir import Attribute, SSAValue
from xdsl.passes import ModulePass, PassPipeline
from xdsl.printer import Printer

from stai import registry
from stai.compiler.options import (
    DEFAULT_KERNELS,
    DEFAULT_OPTIMIZE,
    CompileOptions,
    CompressOptions,
    FrontendOptions,
    MemoryOptions,
)
from stai.errors import StaiError
from stai.memory.pools import MemoryConfig
from stai.memory.report import FlashCheck, MemoryPlan, OptimizeCost, optimize_cost, selection_facts

if TYPE_CHECKING:
    from stai.dialects import c

FRONTENDS = {".tflite": "tflite"}
FRONTENDS.update({".keras": "keras", ".h5": "keras", ".hdf5": "keras"})
FRONTENDS[".onnx"] = "onnx"

QuantizeHook = Callable[[ModuleOp], object]
"""Post-training quantization of an imported ``nn`` module, in place
(``stai.tools.quantize.quantize_hook``)."""


@dataclass
class TensorInfo:
    """What the generated code's caller needs to know of one input or output."""

    name: str
    shape: list[int]
    dtype: str
    scale: float | None = None
    zero_point: int | None = None


@dataclass
class LoadedModel:
    """An imported ``nn`` module and the file it comes from."""

    module: ModuleOp
    path: str | Path | None = None
    """The model file, as the caller named it."""
    frontend: FrontendOptions | None = None
    """The frontend options it was imported with."""

    @property
    def quantized(self) -> bool:
        """Whether post-training quantization ran on the module (``quantize-nn``)."""
        from stai.transforms.quantize_nn import FLOAT_OPS_ATTR

        return FLOAT_OPS_ATTR in self.module.attributes

    def clone(self) -> LoadedModel:
        """A copy whose module can be compiled (compiling consumes the module)."""
        return LoadedModel(self.module.clone(), self.path, self.frontend)


@dataclass
class Compiled:
    """What ``compile_model`` made: the module (at the ``c`` level unless it stopped
    earlier) and the results read from its IR."""

    module: ModuleOp
    options: CompileOptions
    model_path: str | Path | None
    inputs: list[TensorInfo]
    outputs: list[TensorInfo]
    memory: MemoryPlan | None = None
    """The memory plan (``stai.memory.report``; None when stopped before ``plan-memory``)."""
    memory_config: MemoryConfig | None = None
    """The pools of ``--memory-pool`` (None without)."""
    float_ops: list[str] | None = None
    """The ops post-training quantization left in float (None: the module was not
    quantized)."""
    weights_bytes: int | None = None
    """Bytes of the generated weight arrays and tables, blob padding included (None when
    stopped before ``convert-buf-to-c``)."""
    flash: FlashCheck | None = None
    """Weights and code against the linker script's flash region (None without one)."""
    planned: ModuleOp | None = None
    """A copy of the module right after ``plan-memory`` (``keep_planned``)."""
    optimize: OptimizeCost | None = None
    """What ``-O time`` or ``ram`` changed against ``balanced`` (None: ``balanced``, or
    stopped before ``select-kernels``)."""

    @property
    def name(self) -> str:
        return self.options.name

    @property
    def activations_bytes(self) -> int:
        """The arena bytes (every pool): the plan's ``buf.arena`` sizes."""
        return self.memory.arena_bytes if self.memory is not None else 0


@dataclass
class GenerateResult:
    """The outcome of ``generate``: where the folder is and the model's interface."""

    out_dir: Path
    name: str
    inputs: list[TensorInfo] = field(default_factory=list)
    outputs: list[TensorInfo] = field(default_factory=list)
    activations_bytes: int = 0
    memory: MemoryPlan | None = None
    """The memory plan (``stai.memory.report``)."""


def make_context() -> Context:
    """A context with every dialect stai's IR may hold."""
    from xdsl.dialects.arith import Arith
    from xdsl.dialects.builtin import Builtin
    from xdsl.dialects.func import Func

    ctx = Context()
    for dialect in (Builtin, Func, Arith):
        ctx.load_dialect(dialect)
    for name, factory in registry.DIALECTS.items():
        ctx.register_dialect(name, factory)
    return ctx


def import_model(
    model_path: str | Path, frontend_options: FrontendOptions | dict | None = None
) -> ModuleOp:
    """Translate a model file into the ``nn`` dialect with the frontend for its format
    (``frontend_options``: the ONNX frontend's, ``FrontendOptions`` or its keyword
    arguments ``io_transpose`` and ``optimize``)."""
    path = Path(model_path)
    if not path.exists():
        raise StaiError(f"model file not found: {path}")
    if not path.is_file():
        raise StaiError(f"not a file: {path}")
    frontend = FRONTENDS.get(path.suffix.lower())
    if frontend is None:
        known = ", ".join(sorted(FRONTENDS))
        raise StaiError(f"{path.name}: unknown model format '{path.suffix}' (stai reads {known})")
    if frontend == "onnx":
        from stai.frontends.onnx import import_onnx

        if not isinstance(frontend_options, FrontendOptions):
            frontend_options = FrontendOptions.from_dict(frontend_options)
        return import_onnx(path, **frontend_options.onnx_kwargs())
    if frontend == "keras":
        from stai.frontends.keras import import_keras

        return import_keras(path)
    from stai.frontends.tflite import import_tflite

    return import_tflite(path)


def load_model(
    model_path: str | Path,
    frontend: FrontendOptions | None = None,
    quantize: QuantizeHook | None = None,
) -> LoadedModel:
    """Import ``model_path``, then quantize it with ``quantize`` (once: compile clones of
    the result to compile it several times)."""
    frontend = frontend or FrontendOptions()
    module = import_model(model_path, frontend)
    if quantize is not None:  # post-training int8 quantization (docs/quantization.md)
        quantize(module)
    return LoadedModel(module, model_path, frontend)


def build_pipeline(
    passes: Sequence[ModulePass | str] = registry.PIPELINE,
    ir_stream: IO[str] | None = None,
    after_pass: Callable[[ModulePass, ModuleOp], None] | None = None,
) -> PassPipeline:
    """A pipeline of ``passes`` (configured instances, or names of passes with their default
    options) that verifies the module after each pass, prints it to ``ir_stream`` when
    given and calls ``after_pass``."""
    instances = [p if isinstance(p, ModulePass) else registry.PASSES[p]()() for p in passes]

    def callback(previous: ModulePass | None, module: ModuleOp, _next: ModulePass | None) -> None:
        if previous is None:  # before the first pass: the input was verified already
            return
        module.verify()
        if ir_stream is not None:
            ir_stream.write(f"// -----// IR after {previous.name} //----- //\n")
            Printer(stream=ir_stream).print_op(module)
            ir_stream.write("\n\n")
        if after_pass is not None:
            after_pass(previous, module)

    return PassPipeline(tuple(instances), callback)


def pipeline_passes(
    options: CompileOptions, memory_config: MemoryConfig | None = None
) -> list[ModulePass]:
    """The configured pass instances that compile a model with ``options`` (the pools of
    ``memory_config`` when given)."""
    from stai.lowering.convert_buf_to_c import ConvertBufToCPass
    from stai.lowering.convert_qnn_to_buf import ConvertQNNToBufPass
    from stai.lowering.select_kernels import SelectKernelsPass
    from stai.targets import get_target
    from stai.transforms.compress_weights import CompressWeightsPass
    from stai.transforms.plan_memory import PlanMemoryPass
    from stai.transforms.record_output_quant import RecordOutputQuantPass

    target = get_target(options.target)
    memory = options.memory
    pools = memory_config.pools if memory_config is not None else []
    configured: dict[str, ModulePass] = {
        ConvertQNNToBufPass.name: ConvertQNNToBufPass(
            alignment=memory.weights_alignment or target.alignment, isa=target.isa
        ),
        PlanMemoryPass.name: PlanMemoryPass(
            alignment=memory.alignment or target.alignment,
            inputs_in_arena=memory.allocate_inputs,
            outputs_in_arena=memory.allocate_outputs,
            pools=tuple(p.size for p in pools),
            pool_names=tuple(p.name for p in pools),
            pool_sections=tuple(p.section for p in pools) if any(p.section for p in pools) else (),
            isa=target.isa if memory.overlap else "",
            overlap=memory.overlap,
        ),
        ConvertBufToCPass.name: ConvertBufToCPass(
            network=options.name,
            observer=options.observer,
            weights="split" if memory.split_weights else "packed",
            target=options.target,
            prefix=options.c_prefix,
        ),
    }
    passes: list[ModulePass] = []
    for name in registry.PIPELINE:
        if name == "convert-qnn-to-buf" and options.kernels != "cmsis-nn":
            # stai's own kernels where one fits the layer (after compress-weights)
            passes.append(
                SelectKernelsPass(
                    kernels=options.kernels, isa=target.isa, optimize=options.optimize
                )
            )
        if name == "convert-nn-to-qnn" and options.observer:
            passes.append(RecordOutputQuantPass())  # the observer wants each output's quant
        passes.append(configured.get(name) or registry.PASSES[name]()())
        if name == "convert-nn-to-qnn" and options.compress is not None:
            compress = options.compress  # k-means weight sharing (docs/compression.md)
            passes.append(CompressWeightsPass(factor=compress.factor, layers=compress.layers))
    return passes


def interface(module: ModuleOp) -> tuple[list[TensorInfo], list[TensorInfo]]:
    """Inputs and outputs of the ``nn``-level ``@main``."""
    from stai.dialects.nn import QuantType, numpy_dtype

    main = next(op for op in module.ops if isinstance(op, FuncOp))

    def info(t: Attribute, attrs, index: int, kind: str) -> TensorInfo:
        assert isinstance(t, TensorType), f"@main {kind} {index} is not a tensor: {t}"
        name = f"{kind}_{index}"
        if attrs is not None and "nn.name" in attrs.data:
            value = attrs.data["nn.name"]
            if isinstance(value, StringAttr):
                name = value.data
        element = t.element_type
        quant = element if isinstance(element, QuantType) else None
        return TensorInfo(
            name=name,
            shape=list(t.get_shape()),
            dtype=str(numpy_dtype(element)),
            scale=quant.scale if quant else None,
            zero_point=quant.zero_point if quant else None,
        )

    ftype = main.function_type
    arg_attrs = main.arg_attrs.data if main.arg_attrs else [None] * len(ftype.inputs)
    res_attrs = main.res_attrs.data if main.res_attrs else [None] * len(ftype.outputs)
    inputs = [info(t, a, i, "input") for i, (t, a) in enumerate(zip(ftype.inputs, arg_attrs))]
    outputs = [info(t, a, i, "output") for i, (t, a) in enumerate(zip(ftype.outputs, res_attrs))]
    return inputs, outputs


def index_ranges(module: ModuleOp) -> list[tuple[int, int] | None]:
    """For each input of the ``nn``-level ``@main``: the values it may hold if it only
    feeds indices (``nn.take``, ``nn.gather_nd``, maybe through reshapes and casts):
    ``(0, limit - 1)``; else None. ``validate`` draws random samples of such an input in
    this range."""
    from stai.dialects.nn import ReshapeOp, TakeOp
    from stai.dialects.nn_cumsum import GatherNdOp
    from stai.dialects.nn_logical import CastOp

    main = next(op for op in module.ops if isinstance(op, FuncOp))

    def limit(value: SSAValue) -> int | None:
        limits = []
        for use in value.uses:
            op = use.operation
            if isinstance(op, TakeOp | GatherNdOp) and use.index == 1:
                limits.append(op.index_limit())
            elif isinstance(op, ReshapeOp | CastOp):
                inner = limit(op.output)
                if inner is None:
                    return None
                limits.append(inner)
            else:
                return None
        return min(limits) if limits else None

    ranges: list[tuple[int, int] | None] = []
    for arg in main.body.block.args:
        n = limit(arg)
        ranges.append((0, n - 1) if n else None)
    return ranges


def weight_bytes(module: ModuleOp) -> int:
    """Bytes of the weights of a module at the ``c`` level: its ``const`` array
    definitions with external linkage (the weights, the per-channel tables, or the packed
    blob with its padding; the observer's ``static`` tables are not weights)."""
    from stai.dialects import c

    total = 0
    for op in module.walk():
        if (
            isinstance(op, c.ArrayOp)
            and op.value is not None
            and op.is_const is not None
            and op.is_static is None
        ):
            total += array_bytes(op)
    return total


def layer_kernels(module: ModuleOp) -> list[str]:
    """The C kernel each node of a module at the ``c`` level calls, in execution order:
    the last call of each kernel block of ``run`` (a CMSIS-NN function, one of stai's
    ``stai_*`` kernels, or a ``stai_mk_*`` kernel of ``select-kernels``); the observer's
    hooks, under ``#if defined``, are not kernel calls."""
    from stai.dialects import c

    for f in module.walk():
        if not isinstance(f, c.FuncOp) or (block := f.body.first_block) is None:
            continue
        scopes = [o for o in block.ops if isinstance(o, c.ScopeOp)]
        if scopes:
            out = []
            for scope in scopes:
                calls = [o for o in scope.body.block.ops if isinstance(o, c.CallOp)]
                out.append(calls[-1].callee.data if calls else "")
            return out
    return []


def kernels_report(kernels: list[str]) -> str:
    """The report's section on the kernel each node calls (``--kernels stai``)."""
    ours = sum(k.startswith("stai_mk_") for k in kernels)
    lines = [f"\nKernels: {ours} of {len(kernels)} nodes run stai's own kernels (--kernels stai)"]
    lines += [f"  {i:3d}  {kernel}" for i, kernel in enumerate(kernels)]
    return "\n".join(lines) + "\n"


def array_bytes(array: c.ArrayOp) -> int:
    """The bytes of a ``c.array``: its elements, each rounded up to whole bytes."""
    element = array.type.element_type
    assert isinstance(element, FixedBitwidthType), f"c.array of {element}"
    return array.size * ((element.bitwidth + 7) // 8)


def compile_model(
    model: str | Path | LoadedModel | ModuleOp,
    options: CompileOptions | None = None,
    *,
    quantize: QuantizeHook | None = None,
    stop_after: str | None = None,
    ir_stream: IO[str] | None = None,
    keep_planned: bool = False,
) -> Compiled:
    """Compile ``model`` (a model file, or an ``nn`` module, consumed) with ``options``.

    A file is imported (``options.frontend``) and quantized by ``quantize`` when given.
    The pipeline stops after the pass named ``stop_after`` (None: it runs to ``c``);
    ``ir_stream`` receives the IR after import and after every pass; ``keep_planned``
    keeps a copy of the module right after ``plan-memory``."""
    from stai.memory import report as memory_report
    from stai.memory.pools import load_memory_config
    from stai.targets import get_target
    from stai.transforms.quantize_nn import float_ops as left_in_float

    options = options or CompileOptions()
    memory_config = None
    if options.memory.memory_pool is not None:
        memory_config = load_memory_config(options.memory.memory_pool)
    if isinstance(model, (str, Path)):
        model = load_model(model, options.frontend, quantize)
    elif quantize is not None:
        raise StaiError("internal error: quantize a module before compiling it")
    loaded = model if isinstance(model, LoadedModel) else LoadedModel(model)
    module = loaded.module
    float_ops = left_in_float(module) if loaded.quantized else None
    inputs, outputs = interface(module)
    if ir_stream is not None:
        ir_stream.write("// -----// IR after import //----- //\n")
        Printer(stream=ir_stream).print_op(module)
        ir_stream.write("\n\n")
    passes = pipeline_passes(options, memory_config)
    if stop_after is not None:
        names = [p.name for p in passes]
        if stop_after not in names:
            raise StaiError(f"internal error: no pass '{stop_after}' in the pipeline")
        passes = passes[: names.index(stop_after) + 1]
    result = Compiled(
        module,
        options,
        loaded.path,
        inputs,
        outputs,
        memory_config=memory_config,
        float_ops=float_ops,
    )
    capacities = [p.size for p in memory_config.pools] if memory_config else None
    choice = options.optimize if options.kernels == "stai" else "balanced"
    baseline = loaded.clone() if choice == "ram" and stop_after is None else None
    selected: list[tuple[int, int]] = []

    def after_pass(done: ModulePass, current: ModuleOp) -> None:
        if done.name == "select-kernels" and choice != "balanced":
            selected.append(selection_facts(current, choice, get_target(options.target).isa))
        if done.name == "plan-memory":
            result.memory = memory_report.collect_plan(current, capacities)
            if keep_planned:
                result.planned = current.clone()

    module.verify()
    build_pipeline(passes, ir_stream=ir_stream, after_pass=after_pass).apply(make_context(), module)
    if passes and passes[-1].name == "convert-buf-to-c":
        result.weights_bytes = weight_bytes(module)
        if selected:  # -O time / ram: the cost against balanced (ram: a second compile)
            other = None
            if baseline is not None and selected[0][0]:  # ram changed a layer
                other = compile_model(baseline, replace(options, optimize="balanced"))
            balanced = (other.weights_bytes or 0, other.activations_bytes) if other else None
            arena = result.activations_bytes
            cost = optimize_cost(
                options.optimize, *selected[0], result.weights_bytes, arena, balanced
            )
            result.optimize = cost
            if other is not None and cost.fell_back:  # ram found no smaller arena: balanced's
                other.options, other.optimize = options, cost
                return other
        if memory_config is not None and memory_config.flash is not None:
            result.flash = _check_flash(result, memory_config)
        if options.binary:  # after the weights were counted and the flash checked
            from stai.transforms.detach_weights import DetachWeightsPass

            detach = DetachWeightsPass(network=options.name, prefix=options.c_prefix)
            build_pipeline([detach], ir_stream=ir_stream).apply(make_context(), module)
    return result


def _check_flash(compiled: Compiled, config: MemoryConfig) -> FlashCheck | None:
    """Weights and code of the generated folder against the linker script's flash."""
    from stai.emitc.folder import write_folder
    from stai.memory import report as memory_report
    from stai.targets import get_target

    options = compiled.options
    with tempfile.TemporaryDirectory() as tmp:
        probe = write_folder(
            compiled.module, Path(tmp) / "probe", options.name, target=options.target
        )
        cflags = memory_report.environment_cflags(get_target(options.target).cflags)
        return memory_report.check_flash(config, compiled.weights_bytes or 0, probe, cflags)


# ----------------------------------------------------------------- the output folder

GENERATED_FILES = (
    "{n}.h",
    "{n}.c",
    "{n}_data.h",
    "{n}_data.c",
    "{n}_target.h",
    "{n}_weights.bin",
    "{n}_image.bin",
    "{n}.json",
    "{n}_report.txt",
    "{n}_compression.txt",
    "lib{n}.a",
    "lib{n}.so",
    "Makefile",
    "stai_harness_net.h",
    "stai_validation_net.h",
)
"""The top-level files of a generated folder of network ``{n}`` (``lib{n}.a``: its build;
the two ``stai_*_net.h``: what ``stai.boards.validation_glue`` writes beside the network
for the serial validation firmware); with ``include/``, ``src/`` (the runtime's files) and
``build*/`` (build outputs)."""


def check_output_dir(out_dir: str | Path) -> Path:
    """The resolved ``out_dir`` if a generated folder can be written there; a path below
    a regular file, a file, or a folder stai may not write in is bad input."""
    dest = Path(out_dir).expanduser().resolve()
    existing = dest
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if existing == dest and not dest.is_dir():
        raise StaiError(f"{out_dir}: is a file, not a folder")
    if existing != dest and not existing.is_dir():
        raise StaiError(f"{out_dir}: {existing} is a file, so no folder can be made below it")
    where = dest.parent if existing == dest else existing
    if not os.access(where, os.W_OK | os.X_OK):
        raise StaiError(f"{out_dir}: cannot write in {where} (permission denied)")
    return dest


def _makefile_network(folder: Path) -> str | None:
    """The network a folder stai generated was generated for (from its Makefile)."""
    from stai.emitc.folder import MARKER

    try:
        first = (folder / "Makefile").read_text(errors="replace").splitlines()[:1]
    except OSError:
        return None
    match = re.match(re.escape(MARKER) + r" for the '(\w+)' network", first[0] if first else "")
    return match.group(1) if match else None


def foreign_files(folder: Path) -> list[str]:
    """The files of a generated folder that stai did not write (relative paths, sorted):
    regenerating replaces the whole folder, so they would be lost."""
    from stai.runtime import manifest

    network = _makefile_network(folder)
    if network is None:
        return []
    ours = {pattern.format(n=network) for pattern in GENERATED_FILES}
    runtime = {p.name for p in manifest.headers()}
    runtime |= {p.name for p in (Path(manifest.__file__).parent / "src").glob("*.c")}
    found: list[str] = []
    for path in sorted(folder.rglob("*")):
        if path.is_dir() and not path.is_symlink():
            continue
        relative = path.relative_to(folder)
        top = relative.parts[0]
        if len(relative.parts) == 1:
            if top not in ours:
                found.append(str(relative))
        elif top.startswith("build"):
            continue
        elif top not in ("include", "src") or path.name not in runtime:
            found.append(str(relative))
    return found


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _remove_stale(dest: Path) -> None:
    """Remove what runs writing ``dest`` that were killed left next to it: the hidden
    ``.NAME.<pid>.lock`` and ``.NAME.<pid>.old`` of dead processes and, when no live run
    holds a lock on ``dest``, the hidden ``.NAME.*.tmp`` folders."""
    prefix = f".{dest.name}."
    try:
        entries = [e for e in dest.parent.iterdir() if e.name.startswith(prefix)]
    except OSError:
        return
    live = False
    stale: list[Path] = []
    temporary: list[Path] = []
    for entry in entries:
        middle = entry.name[len(prefix) :]
        owned = re.fullmatch(r"(\d+)\.(lock|old)", middle)
        if owned is not None:
            pid = int(owned.group(1))
            if pid != os.getpid() and _pid_alive(pid):
                live = live or owned.group(2) == "lock"
            else:
                stale.append(entry)
        elif re.fullmatch(r"[a-z0-9_]{8}\.tmp", middle) and entry.is_dir():
            temporary.append(entry)  # emitc.folder.write_folder's (tempfile.mkdtemp)
    if not live:
        stale += temporary
    for entry in stale:
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            entry.unlink(missing_ok=True)


def _write_folder_safely(
    compiled: Compiled, out_dir: str | Path, extra_files: Mapping[str, str | bytes]
) -> Path:
    """``emitc.folder.write_folder`` with the output folder checked first, the leftovers
    of killed runs removed, a user's own files in an old generated folder refused, and a
    lock that marks this run as live while it writes."""
    from stai.emitc.folder import write_folder

    options = compiled.options
    dest = check_output_dir(out_dir)
    foreign = foreign_files(dest) if dest.is_dir() else []
    if foreign:
        more = f" (and {len(foreign) - 1} more)" if len(foreign) > 1 else ""
        raise StaiError(
            f"{out_dir}: holds '{foreign[0]}'{more}, which stai did not generate; regenerating "
            "replaces the whole folder: move it out or choose another -o"
        )
    lock = dest.parent / f".{dest.name}.{os.getpid()}.lock"
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        _remove_stale(dest)
        lock.write_text(f"{time.time():.0f}\n")
    except OSError as e:
        raise StaiError(f"{out_dir}: cannot write there ({e.strerror or e})") from None
    try:
        return write_folder(
            compiled.module, dest, options.name, extra_files=extra_files, target=options.target
        )
    except OSError as e:
        where = e.filename or out_dir
        raise StaiError(f"{out_dir}: cannot write {where} ({e.strerror or e})") from None
    finally:
        lock.unlink(missing_ok=True)


def write_generated(
    compiled: Compiled, out_dir: str | Path, extra_files: Mapping[str, str | bytes] | None = None
) -> GenerateResult:
    """Write the generated folder of a compiled module (replaced if it exists): the C
    files, the runtime, ``NAME.json``, ``NAME_report.txt``, the weights file with
    ``binary``, and ``extra_files`` (file name -> text or bytes). A folder that holds a
    file stai did not write is not replaced (``foreign_files``); what killed runs left
    next to it is removed first."""
    from stai.memory import report as memory_report
    from stai.transforms.detach_weights import weights_file_name

    options, name = compiled.options, compiled.options.name
    if compiled.memory is None or compiled.weights_bytes is None:
        raise StaiError("internal error: write a module compiled down to C")
    model = str(compiled.model_path) if compiled.model_path is not None else ""
    meta = {
        "name": name,
        "model": str(Path(model).resolve()) if model else "",
        "activations_bytes": compiled.activations_bytes,
        "target": options.target,
        "observer": options.observer,
        "weights_file": weights_file_name(name) if options.binary else None,
        "inputs": [vars(t) for t in compiled.inputs],
        "outputs": [vars(t) for t in compiled.outputs],
    }
    if options.c_prefix != "stai":  # the default folder's NAME.json stays as it was
        meta["c_prefix"] = options.c_prefix
    if options.kernels != "cmsis-nn":  # a CMSIS-NN folder's NAME.json stays as it was
        meta["kernels"] = options.kernels
    if compiled.optimize is not None:  # -O time / ram (balanced's NAME.json stays as it was)
        meta["optimize"] = compiled.optimize.as_json()
    meta.update(memory_report.meta_fields(compiled.memory, options.memory, compiled.weights_bytes))
    report = memory_report.render_report(
        name,
        model,
        compiled.memory,
        options.memory,
        compiled.memory_config,
        compiled.weights_bytes,
        compiled.flash,
    )
    if compiled.float_ops is not None:
        float_ops = compiled.float_ops
        meta["quantized_float_ops"] = float_ops
        report += "\nPost-training int8 quantization: " + (
            f"{len(float_ops)} op(s) left in float (no int8 kernel):\n"
            + "".join(f"  {op}\n" for op in float_ops)
            if float_ops
            else "every op runs in int8\n"
        )
    if options.kernels == "stai":
        report += kernels_report(layer_kernels(compiled.module))
    if compiled.optimize is not None:
        report += compiled.optimize.report()
    out = Path(out_dir)
    files = {
        f"{name}.json": json.dumps(meta, indent=2) + "\n",
        f"{name}_report.txt": report,
        **(extra_files or {}),
    }
    _write_folder_safely(compiled, out, files)
    return GenerateResult(
        out_dir=out,
        name=name,
        inputs=compiled.inputs,
        outputs=compiled.outputs,
        activations_bytes=compiled.activations_bytes,
        memory=compiled.memory,
    )


def generate(
    model_path: str | Path | LoadedModel,
    out_dir: str | Path,
    name: str = "network",
    print_ir_after_all: bool = False,
    ir_stream: IO[str] | None = None,
    target: str = "host",
    observer: bool = False,
    frontend_options: dict | None = None,
    kernels: str = DEFAULT_KERNELS,
    optimize: str = DEFAULT_OPTIMIZE,
    allocate_inputs: bool = True,
    allocate_outputs: bool = True,
    split_weights: bool = False,
    memory_pool: str | Path | None = None,
    alignment: int | None = None,
    weights_alignment: int | None = None,
    binary: bool = False,
    compress: str | None = None,
    quantize: QuantizeHook | None = None,
    options: CompileOptions | None = None,
    extra_files: Mapping[str, str | bytes] | None = None,
) -> GenerateResult:
    """Compile ``model_path`` into the folder ``out_dir`` (replaced if it exists) for
    ``target`` (``host``, ``cortex-m4``, ``cortex-m7``, ``cortex-m55``) with the int8
    ``kernels`` ``stai`` or ``cmsis-nn`` (``CompileOptions.kernels``).

    Memory (``docs/memory-planning.md``): inputs and outputs live in the activations unless
    ``allocate_inputs`` / ``allocate_outputs`` is false; weights are one packed blob unless
    ``split_weights``; ``memory_pool`` is a JSON pool list or a linker script; ``alignment``
    and ``weights_alignment`` default to the target's. ``NAME_report.txt`` shows the plan.
    With ``binary`` the weights go to ``NAME_weights.bin``, bound by ``stai_NAME_init``
    (the ``detach-weights`` pass). ``compress`` (``"4"``, ``"8"`` or a JSON file) shares the
    fully connected weights through k-means codebooks (``docs/compression.md``).
    ``options`` replaces every keyword option above (the command line builds it);
    ``extra_files`` are written into the folder too."""
    if options is None:
        options = CompileOptions(
            name=name,
            target=target,
            kernels=kernels,
            optimize=optimize,
            observer=observer,
            frontend=FrontendOptions.from_dict(frontend_options),
            memory=MemoryOptions(
                allocate_inputs,
                allocate_outputs,
                split_weights,
                alignment,
                weights_alignment,
                memory_pool,
            ),
            compress=CompressOptions.parse(compress) if compress is not None else None,
            binary=binary,
        )
    stream = (ir_stream or sys.stderr) if print_ir_after_all else None
    compiled = compile_model(model_path, options, quantize=quantize, ir_stream=stream)
    return write_generated(compiled, out_dir, extra_files)
