"""The compiler driver: model file -> nn -> ... -> c -> generated folder.

``generate`` is what ``stai generate`` runs. It imports the model with the frontend for its
format, runs the fixed pass pipeline of ``stai.registry.PIPELINE`` (verifying the module
after every pass, optionally printing it), and writes the generated folder.
"""

from __future__ import annotations

import json
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp, StringAttr, TensorType
from xdsl.dialects.func import FuncOp
from xdsl.passes import ModulePass, PassPipeline
from xdsl.printer import Printer

from stai import registry
from stai.errors import StaiError
from stai.memory.report import MemoryOptions, MemoryPlan

FRONTENDS = {".tflite": "tflite"}
FRONTENDS.update({".keras": "keras", ".h5": "keras", ".hdf5": "keras"})
FRONTENDS[".onnx"] = "onnx"


@dataclass
class TensorInfo:
    """What the generated code's caller needs to know of one input or output."""

    name: str
    shape: list[int]
    dtype: str
    scale: float | None = None
    zero_point: int | None = None


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


def import_model(model_path: str | Path, frontend_options: dict | None = None) -> ModuleOp:
    """Translate a model file into the ``nn`` dialect with the frontend for its format
    (``frontend_options``: keyword arguments of the ONNX frontend, ``io_transpose`` and
    ``optimize``)."""
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

        return import_onnx(path, **(frontend_options or {}))
    if frontend == "keras":
        from stai.frontends.keras import import_keras

        return import_keras(path)
    from stai.frontends.tflite import import_tflite

    return import_tflite(path)


def build_pipeline(
    passes: tuple[str, ...] = registry.PIPELINE,
    options: dict[str, str] | None = None,
    ir_stream: IO[str] | None = None,
) -> PassPipeline:
    """The pass pipeline; ``options`` maps a pass name to its ``{...}`` options text;
    with ``ir_stream`` the IR is printed there after each pass."""
    from xdsl.utils.arg_spec import parse_spec

    instances: list[ModulePass] = []
    for name in passes:
        pass_class = registry.PASSES[name]()
        spec = f"{name}{{{options[name]}}}" if options and name in options else name
        instances.append(pass_class.from_pass_spec(parse_spec(spec)))

    def callback(previous: ModulePass | None, module: ModuleOp, _next: ModulePass | None) -> None:
        if previous is None:  # before the first pass: the input was verified already
            return
        module.verify()
        if ir_stream is not None:
            ir_stream.write(f"// -----// IR after {previous.name} //----- //\n")
            Printer(stream=ir_stream).print_op(module)
            ir_stream.write("\n\n")

    return PassPipeline(tuple(instances), callback)


def _interface(module: ModuleOp) -> tuple[list[TensorInfo], list[TensorInfo]]:
    """Inputs and outputs of the ``nn``-level ``@main``."""
    from stai.dialects.nn import QuantType, numpy_dtype

    main = next(op for op in module.ops if isinstance(op, FuncOp))

    def info(t: TensorType, attrs, index: int, kind: str) -> TensorInfo:
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


def lower(
    module: ModuleOp, name: str = "network", ir_stream: IO[str] | None = None, target: str = "host",
    observer: bool = False, memory: MemoryOptions | None = None,
    on_planned: Callable[[ModuleOp], None] | None = None, compress: str | None = None,
) -> None:
    """Run the whole pipeline on an ``nn`` module, in place, for ``target`` (scratch sizes
    and alignment: ``stai.targets``); ``observer`` adds the observer hooks;
    ``memory`` lays out memory (``stai.memory.report``); ``on_planned`` sees the module
    right after ``plan-memory``."""
    from stai.targets import get_target

    ctx = make_context()
    tgt = get_target(target)
    options = {"convert-buf-to-c": f'name="{name}"' + (" observer=true" if observer else "")}
    options.update(tgt.pass_options())
    if memory is not None:
        for pass_name, text in memory.pass_options(tgt.scratch, tgt.alignment).items():
            options[pass_name] = f"{options[pass_name]} {text}" if pass_name in options \
                and pass_name != "convert-qnn-to-buf" else text
    passes = observer_passes() if observer else registry.PIPELINE
    if compress is not None:  # k-means weight sharing (docs/compression.md)
        from stai.transforms.compress_weights import pass_options, with_compression

        passes = with_compression(passes)
        options["compress-weights"] = pass_options(compress)
    cut = passes.index("plan-memory") + 1 if "plan-memory" in passes else len(passes)
    module.verify()
    build_pipeline(passes[:cut], options=options, ir_stream=ir_stream).apply(ctx, module)
    if on_planned is not None:
        on_planned(module)
    if passes[cut:]:
        build_pipeline(passes[cut:], options=options, ir_stream=ir_stream).apply(ctx, module)


def observer_passes() -> tuple[str, ...]:
    """The pipeline with ``record-output-quant`` before ``convert-nn-to-qnn`` (the observer
    tables want each node's output quantization)."""
    at = registry.PIPELINE.index("convert-nn-to-qnn")
    return (*registry.PIPELINE[:at], "record-output-quant", *registry.PIPELINE[at:])


def _check_name(name: str) -> None:
    if not name.isidentifier() or not name.isascii():
        raise StaiError(f"invalid network name '{name}': use a C identifier")


def generate(
    model_path: str | Path,
    out_dir: str | Path,
    name: str = "network",
    print_ir_after_all: bool = False,
    ir_stream: IO[str] | None = None,
    target: str = "host",
    observer: bool = False,
    frontend_options: dict | None = None,
    allocate_inputs: bool = True,
    allocate_outputs: bool = True,
    split_weights: bool = False,
    memory_pool: str | Path | None = None,
    alignment: int | None = None,
    weights_alignment: int | None = None,
    binary: bool = False,
    compress: str | None = None,
    quantize: Callable[[ModuleOp], object] | None = None,
    compression_level: str | None = None,
) -> GenerateResult:
    """Compile ``model_path`` into the folder ``out_dir`` (replaced if it exists) for
    ``target`` (``host``, ``cortex-m4``, ``cortex-m7``, ``cortex-m55``).

    Memory (``docs/memory-planning.md``): inputs and outputs live in the activations unless
    ``allocate_inputs`` / ``allocate_outputs`` is false; weights are one packed blob unless
    ``split_weights``; ``memory_pool`` is a JSON pool list or a linker script; ``alignment``
    and ``weights_alignment`` default to the target's. ``NAME_report.txt`` shows the plan.
    With ``binary`` the weights go to ``NAME_weights.bin``, bound by ``stai_NAME_init``
    (``stai.target.binary``). ``compress`` (``"4"``, ``"8"`` or a JSON file) shares the
    fully connected weights through k-means codebooks (``docs/compression.md``);
    ``compression_level`` (``none|low|medium|high``) picks the factors per layer from a
    measured accuracy budget (``stai.tools.compression_search``)."""
    from stai.emitc.folder import write_folder
    from stai.memory import report as memory_report
    from stai.targets import get_target

    _check_name(name)
    level_files: dict[str, str] = {}
    if compression_level is not None:
        from stai.tools.compression_search import level_compress_spec

        if compress is not None:
            raise StaiError("-c/--compress and --compression-level are mutually exclusive")
        compress, level_files = level_compress_spec(model_path, compression_level, name,
                                                    frontend_options, quantize)
    tgt = get_target(target)
    memory = MemoryOptions(allocate_inputs, allocate_outputs, split_weights, alignment,
                           weights_alignment, memory_pool)
    memory.load()
    module = import_model(model_path, frontend_options)
    float_ops: list[str] | None = None
    if quantize is not None:  # post-training int8 quantization (docs/quantization.md)
        from stai.transforms.quantize_nn import float_ops as left_in_float

        quantize(module)
        float_ops = left_in_float(module)
    inputs, outputs = _interface(module)
    stream = (ir_stream or sys.stderr) if print_ir_after_all else None
    if stream is not None:
        stream.write("// -----// IR after import //----- //\n")
        Printer(stream=stream).print_op(module)
        stream.write("\n\n")
    plans: list[memory_report.MemoryPlan] = []
    capacities = [p.size for p in memory.config.pools] if memory.config else None
    lower(module, name, stream, target, observer, memory,
          lambda m: plans.append(memory_report.collect_plan(m, capacities)), compress)
    out = Path(out_dir)
    result = GenerateResult(out_dir=out, name=name, inputs=inputs, outputs=outputs)
    result.activations_bytes = _activations_bytes(module)
    result.memory = plans[0]
    weights = memory_report.weights_bytes(module, name)
    flash = None
    if memory.config is not None and memory.config.flash is not None:
        with tempfile.TemporaryDirectory() as tmp:
            probe = write_folder(module, Path(tmp) / "probe", name, target=target)
            flash = memory_report.check_flash(memory.config, module, name, probe,
                                              memory_report.environment_cflags(tgt.cflags))
    binary_files: dict[str, str | bytes] = {}
    if binary:
        from stai.target.binary import binary_file_name, detach_weights

        binary_files[binary_file_name(name)] = detach_weights(module, name)
    meta = {
        "name": name,
        "model": str(Path(model_path).resolve()),
        "activations_bytes": result.activations_bytes,
        "target": target,
        "observer": observer,
        "weights_file": next(iter(binary_files), None),
        "inputs": [vars(t) for t in inputs],
        "outputs": [vars(t) for t in outputs],
    }
    meta.update(memory_report.meta_fields(plans[0], memory, weights))
    report = memory_report.render_report(name, str(model_path), plans[0], memory, weights, flash)
    if float_ops is not None:
        meta["quantized_float_ops"] = float_ops
        report += ("\nPost-training int8 quantization: "
                   + (f"{len(float_ops)} op(s) left in float (no int8 kernel):\n"
                      + "".join(f"  {op}\n" for op in float_ops) if float_ops
                      else "every op runs in int8\n"))
    write_folder(
        module, out, name, extra_files={f"{name}.json": json.dumps(meta, indent=2) + "\n",
                                        f"{name}_report.txt": report, **binary_files,
                                        **level_files},
        target=target,
    )
    return result


def _activations_bytes(module: ModuleOp) -> int:
    """The arena size the generated header declares (from its ``#define``)."""
    from stai.dialects.c import DefineOp

    suffix = "_ACTIVATIONS_SIZE"
    for op in module.walk():
        if isinstance(op, DefineOp) and op.macro.data.endswith(suffix):
            return int(op.value.data)
    raise StaiError("internal error: the generated code declares no activations size")
