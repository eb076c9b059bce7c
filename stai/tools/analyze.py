"""``stai analyze``: what a model costs once compiled (see ``docs/analyze.md``).

``analyze(model_path)`` compiles the model with the driver as ``stai generate`` does
(``stai.compiler.driver.compile_model``, with the observer's ``record-output-quant`` and
one array per weight), reads the plan from the copy of the module it keeps after
``plan-memory``, and the weight arrays (each kernel's) from the ``c`` level. The result
holds:

* the model file (format, size, SHA-256) and its inputs and outputs;
* totals: parameters, MACC, weights (ROM, bytes of the generated ``NAME_data.c`` arrays)
  and their change against the model file's constant tensors, activations (RAM: the
  arenas), input and output bytes, RAM total;
* one row per generated node (``c_id``) with the model operator it comes from (``m_id``),
  the operators fused into it or folded away on its behalf, output shape, parameters,
  MACC, ROM and the C kernel it calls (a CMSIS-NN function, or one of stai's own: a
  ``stai_mk_*`` kernel of ``--kernels stai``, ``KernelRow``);
* the memory plan (one rectangle per buffer: lifetime across, offset up) and the graph.

``to_json`` gives the documented JSON (``docs/schemas/analyze.schema.json``);
``print_report`` the console tables; ``write_reports`` writes JSON, text, SVG and DOT.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from xdsl.dialects import func
from xdsl.dialects.builtin import (
    ArrayAttr,
    DenseArrayBase,
    IntegerAttr,
    MemRefType,
    ModuleOp,
    StringAttr,
)
from xdsl.ir import Operation, SSAValue

from stai.tools.analysis import Analysis, BufferRect, LayerRow, TensorSummary, Totals

if TYPE_CHECKING:
    from rich.console import Console

    from stai.compiler.options import CompileOptions, CompressOptions

SCHEMA_VERSION = 1
FORMATS = {".tflite": "tflite", ".onnx": "onnx", ".keras": "keras", ".h5": "keras"}


def _shape(value: SSAValue) -> tuple[int, ...]:
    t = value.type
    assert isinstance(t, MemRefType)
    return tuple(t.get_shape())


def _prod(shape: tuple[int, ...] | list[int]) -> int:
    return int(math.prod(shape))


@dataclass
class KernelRow(LayerRow):
    """A generated node and the C kernel it calls."""

    kernel: str = ""
    """The C function of the node's kernel call (``arm_convolve_wrapper_s8``,
    ``stai_mk_conv1x1_s8``, ...)."""


# ------------------------------------------------------------------------ analysis


def _file_facts(path: Path) -> tuple[str, int, str]:
    data = path.read_bytes()
    fmt = FORMATS.get(path.suffix.lower(), path.suffix.lstrip(".") or "?")
    return fmt, len(data), hashlib.sha256(data).hexdigest()


def _model_weights_and_types(path: Path, nn_module: ModuleOp) -> tuple[int, dict[int, str], int]:
    """Bytes of the model file's constant tensors, the type of each model operator and the
    number of operators. TFLite is read directly; other formats from the imported ``nn``
    module (its constants and ops)."""
    if path.suffix.lower() == ".tflite":
        from stai.frontends.tflite.reader import read_model

        model = read_model(path.read_bytes(), path.name)
        used = {t for op in model.operators for t in op.inputs if t >= 0}
        weights = sum(
            len(model.tensors[t].data or b"") for t in used if model.tensors[t].is_constant
        )
        types = {op.index: op.opcode for op in model.operators}
        return weights, types, len(model.operators)
    from stai.dialects import nn

    weights, types = 0, {}
    for op in nn_module.walk():
        if isinstance(op, nn.ConstantOp):
            weights += len(op.to_numpy().tobytes())
        m_id = op.attributes.get("nn.m_id")
        if isinstance(m_id, IntegerAttr) and not isinstance(op, nn.ConstantOp):
            types.setdefault(m_id.value.data, op.name.removeprefix("nn.").upper())
    # A frontend that folds weights (Keras batch norms) records the model's own figures.
    original = nn_module.attributes.get("nn.original_weight_bytes")
    if isinstance(original, IntegerAttr):
        weights = original.value.data
    layer_types = nn_module.attributes.get("nn.layer_types")
    if isinstance(layer_types, ArrayAttr):
        types = {i: t.data for i, t in enumerate(layer_types.data) if isinstance(t, StringAttr)}
    return weights, types, len(types)


def _m_id(op: Operation) -> int | None:
    value = op.attributes.get("nn.m_id")
    return value.value.data if isinstance(value, IntegerAttr) else None


def _fused(op: Operation) -> list[int]:
    value = op.attributes.get("nn.fused_m_ids")
    if isinstance(value, ArrayAttr):
        return [a.value.data for a in value.data if isinstance(a, IntegerAttr)]
    return []


def _forward_consumers(nn_module: ModuleOp) -> dict[int, set[int]]:
    """For each m_id of the imported model, the m_ids of the ops reading its results."""
    out: dict[int, set[int]] = {}
    for op in nn_module.walk():
        m = _m_id(op)
        if m is None:
            continue
        for result in op.results:
            for use in result.uses:
                user = _m_id(use.operation)
                if user is not None and user != m:
                    out.setdefault(m, set()).add(user)
    return out


def _attribute_folded(
    missing: set[int], node_of: dict[int, int], consumers: dict[int, set[int]]
) -> tuple[dict[int, list[int]], list[int]]:
    """Each m_id without code -> the first node (c_id) that reads what it computed, found by
    following the model's data flow forward; unattributable ones apart."""
    folded: dict[int, list[int]] = {}
    removed = []
    for m in sorted(missing):
        seen, todo, target = {m}, sorted(consumers.get(m, ())), None
        while todo:
            nxt = todo.pop(0)
            if nxt in node_of:
                target = node_of[nxt] if target is None else min(target, node_of[nxt])
                continue
            if nxt not in seen:
                seen.add(nxt)
                todo += sorted(consumers.get(nxt, ()))
        if target is None:
            removed.append(m)
        else:
            folded.setdefault(target, []).append(m)
    return folded, removed


def _data_arrays(c_module: ModuleOp) -> tuple[dict[str, int], list[set[str]]]:
    """The weight arrays of a module at the ``c`` level (split weights) and their bytes,
    and for each kernel, in execution order, the arrays its block of ``run`` reads: its
    constant operands and the tables the C lowering made for it (per-channel multipliers
    and shifts, hybrid filter scales)."""
    from stai.compiler.driver import array_bytes, weight_bytes
    from stai.dialects import c

    sizes: dict[str, int] = {}
    for op in c_module.walk():
        if (
            isinstance(op, c.ArrayOp)
            and op.value is not None
            and op.is_const is not None
            and op.is_static is None
        ):
            sizes[op.sym_name.data] = array_bytes(op)
    assert sum(sizes.values()) == weight_bytes(c_module)
    run = next(
        block
        for f in c_module.walk()
        if isinstance(f, c.FuncOp)
        and (block := f.body.first_block) is not None
        and any(isinstance(o, c.ScopeOp) for o in block.ops)
    )
    reads = [
        {
            g.global_name.root_reference.data
            for g in scope.walk()
            if isinstance(g, c.GetGlobalOp)
            and g.is_array is not None
            and g.global_name.root_reference.data in sizes
        }
        for scope in run.ops
        if isinstance(scope, c.ScopeOp)
    ]
    return sizes, reads


def analyze(
    model_path: str | Path,
    name: str = "network",
    target: str = "host",
    compress: str | CompressOptions | None = None,
    quantize: Callable[[ModuleOp], object] | None = None,
    options: CompileOptions | None = None,
    compression_level: str | None = None,
    quiet: bool = False,
    relocatable: bool = False,
) -> Analysis:
    """Compile ``model_path`` in memory with ``options`` (the ``CompileOptions`` of
    ``stai generate``: the activations and weights are those ``generate`` gives), quantized
    to int8 first by ``quantize`` (the hook of ``stai.cli.quantize.quantize_hook``) and
    its weights shared with ``compression_level``'s factors when given, and report its
    costs. Without ``options``: the defaults, with ``name``, ``target`` and ``compress``
    (``"4"``, ``"8"`` or a JSON file). The compression-level search reports its progress on
    stderr unless ``quiet``. With ``options.binary`` the report gives the weights file's
    size, with ``relocatable`` the relocatable image's sizes (``stai.tools.deployed_files``;
    an image needs the Arm toolchain)."""
    from stai.compiler import driver
    from stai.compiler.options import CompileOptions, CompressOptions
    from stai.dialects import qnn
    from stai.dialects.buf import ArenaOp, ExternOp, GetConstOp
    from stai.tools import deployed_files

    path = Path(model_path)
    if options is None:
        if isinstance(compress, str):
            compress = CompressOptions.parse(compress)
        options = CompileOptions(name=name, target=target, compress=compress)
    if relocatable:  # refused before compiling: what an image cannot hold, no toolchain
        deployed_files.check_relocatable(options)
    loaded = driver.load_model(path, options.frontend, quantize=quantize)
    if compression_level is not None:
        options = _with_level(loaded, options, compression_level, quiet)
    fmt, file_bytes, sha = _file_facts(path)
    nn_module = loaded.module.clone()
    model_weights, model_types, n_model_ops = _model_weights_and_types(path, nn_module)
    # As generate compiles it, with one array per weight (to count each layer's; the
    # packed blob's size is computed from them) and the observer's node records (neither
    # changes the memory plan).
    detailed = replace(
        options,
        observer=True,
        binary=False,
        memory=replace(options.memory, split_weights=True),
    )
    compiled = driver.compile_model(loaded, detailed, keep_planned=True)
    inputs, outputs = compiled.inputs, compiled.outputs
    module = compiled.planned
    assert module is not None
    arrays, reads = _data_arrays(compiled.module)
    called = driver.layer_kernels(compiled.module)

    fn = next(
        op
        for op in module.walk()
        if isinstance(op, func.FuncOp)
        and ("buf.inputs" in op.attributes or "buf.outputs" in op.attributes)
    )
    arenas = [op for op in fn.walk() if isinstance(op, ArenaOp)]
    arena_index: dict[SSAValue, int] = {a.results[0]: i for i, a in enumerate(arenas)}
    kernels = [op for op in fn.body.block.ops if isinstance(op, qnn.KernelOp)]

    # --- rows
    activations = _nn_activations(nn_module)
    layers: list[LayerRow] = []
    node_of: dict[int, int] = {}
    for step, op in enumerate(kernels):
        out = op.out
        assert out is not None
        kind = op.name.removeprefix("qnn.")
        # constant operands, and a constant scratch (precomputed kernel sums)
        consts = [
            v
            for v in (*op.ins, *([op.scratch] if op.scratch is not None else []))
            if isinstance(v.owner, GetConstOp)
        ]
        rom = sum(arrays[a] for a in reads[step])
        m_id = _m_id(op)
        name_attr = op.attributes.get("nn.name")
        layers.append(
            KernelRow(
                c_id=step,
                m_id=m_id,
                type=kind,
                model_type=model_types.get(m_id) if m_id is not None else None,
                name=name_attr.data if isinstance(name_attr, StringAttr) else "",
                output_shape=list(_shape(out)),
                dtype=_dtype(out),
                params=sum(_prod(_shape(v)) for v in consts),
                macc=op.macc(),
                rom_bytes=rom,
                fused=_fused(op),
                kernel=called[step] if step < len(called) else "",
            )
        )
        if isinstance(op, qnn.FullyConnectedCodebookOp | qnn.Conv2DCodebookOp):
            _codebook_row(layers[-1], op)
        layers[-1].geometry = _geometry(op, kind)
        layers[-1].activation = _activation(m_id, _fused(op), activations, model_types)
        layers[-1].input_shapes = [
            list(_shape(v)) for v in op.ins if not isinstance(v.owner, GetConstOp)
        ]
        for m in [m_id, *_fused(op)]:
            if m is not None:
                node_of.setdefault(m, step)
    missing = set(model_types) - set(node_of)
    folded, removed = _attribute_folded(missing, node_of, _forward_consumers(nn_module))
    for c_id, ms in folded.items():
        layers[c_id].folded = ms

    # --- memory
    buffers = _buffers(fn, kernels, arena_index)
    in_bytes = sum(_bytes_of(t) for t in inputs)
    out_bytes = sum(_bytes_of(t) for t in outputs)
    externs = [op for op in fn.walk() if isinstance(op, ExternOp)]
    extern_bytes = sum(op.nbytes for op in externs)
    activations = sum(a.size.value.data for a in arenas)
    weights = sum(arrays.values())
    if not options.memory.split_weights:
        weights = _packed_bytes(compiled.module)
    change = weights - model_weights
    totals = Totals(
        params=sum(r.params for r in layers),
        macc=sum(r.macc for r in layers),
        weights_bytes=weights,
        model_weights_bytes=model_weights,
        weights_change_bytes=change,
        weights_change_percent=round(100.0 * change / model_weights, 2) if model_weights else 0.0,
        activations_bytes=activations,
        arena_bytes=[a.size.value.data for a in arenas],
        input_bytes=in_bytes,
        output_bytes=out_bytes,
        io_in_arena=not externs,
        ram_total_bytes=activations + extern_bytes,
        nodes=len(layers),
        model_operators=n_model_ops,
    )
    return Analysis(
        model=str(path.resolve()),
        format=fmt,
        file_bytes=file_bytes,
        sha256=sha,
        name=options.name,
        target=options.target,
        inputs=[_summary(t) for t in inputs],
        outputs=[_summary(t) for t in outputs],
        totals=totals,
        layers=layers,
        buffers=buffers,
        edges=_edges(fn, kernels),
        model_types=model_types,
        removed=removed,
        target_footprint=_target_footprint(
            driver.LoadedModel(nn_module.clone(), path),
            replace(options, binary=False),
        ),
        weights_file_bytes=deployed_files.weights_file_bytes(
            driver.LoadedModel(nn_module.clone(), path), options
        )
        if options.binary
        else None,
        image=deployed_files.image_sizes(driver.LoadedModel(nn_module.clone(), path), options)
        if relocatable
        else None,
    )


def _geometry(op: Any, kind: str) -> dict[str, list[int]]:
    """The kernel size, strides, pads, dilations (and depth multiplier) of a kernel op; a
    convolution's kernel size is its filter's height and width."""
    out: dict[str, list[int]] = {}
    if "conv" in kind:
        shape = op.ints("weight_shape") if hasattr(op, "weight_shape") else _shape(op.ins[1])
        if len(shape) == 4:
            out["kernel"] = list(shape[1:3])
    window = getattr(op, "WINDOW", None)  # an mk kernel's (its weights are packed)
    if window is not None:
        out["kernel"] = list(window)
    for name in getattr(op, "GEOMETRY", ()):
        value = getattr(op, name, None)
        if value is None:
            continue
        if isinstance(value, IntegerAttr):
            out[name] = [value.value.data]
        elif isinstance(value, DenseArrayBase):
            out[name] = [int(v) for v in op.ints(name)]
        # (other entries, such as a math op's function name, are not geometry numbers)
    return out


def _nn_activations(nn_module: ModuleOp) -> dict[int, str]:
    """m_id -> the activation property of the imported model's operator (when not none)."""
    out: dict[int, str] = {}
    for op in nn_module.walk():
        m = _m_id(op)
        value = op.properties.get("activation")
        if m is not None and isinstance(value, StringAttr) and value.data != "none":
            out[m] = value.data
    return out


def _activation(
    m_id: int | None, fused: list[int], activations: dict[int, str], types: dict[int, str]
) -> str | None:
    """The node's fused activation: its own operator's, else the operators fused into it."""
    names = [activations[m_id]] if m_id is not None and m_id in activations else []
    names += [activations.get(m, types.get(m, "?")).lower() for m in fused]
    return " + ".join(names) or None


def _with_level(
    loaded: Any, options: CompileOptions, level: str, quiet: bool = False
) -> CompileOptions:
    """``options`` with the factors ``--compression-level`` chooses for the loaded model
    (as ``stai generate`` chooses them)."""
    from stai.errors import StaiError
    from stai.tools.compression_search import level_compression

    if options.compress is not None:
        raise StaiError("-c/--compress and --compression-level are mutually exclusive")
    compress, _files = level_compression(loaded, level, options.name, quiet)
    return replace(options, compress=compress)


def _packed_bytes(c_module: ModuleOp) -> int:
    """The bytes of the packed weights blob ``stai generate`` makes of the split weight
    arrays of ``c_module`` (each array at an offset aligned to its alignment)."""
    from stai.dialects import c
    from stai.lowering.c_memory import pack_arrays

    arrays = [
        op
        for op in c_module.walk()
        if isinstance(op, c.ArrayOp)
        and op.value is not None
        and op.is_const is not None
        and op.is_static is None
    ]
    return len(pack_arrays("weights", arrays).data) if arrays else 0


def _codebook_row(row: LayerRow, op: Any) -> None:
    """Parameters and compression ratio of a k-means-shared layer: the decoded weights
    count, and the ROM they would take uncompressed over the codebook and indices."""
    from stai.dialects.buf import byte_size

    _x, book, index, bias = op.ins
    weights = _prod(op.ints("weight_shape"))
    element = byte_size(book.type) // max(1, _prod(_shape(book)))
    shared = byte_size(book.type) + byte_size(index.type)
    row.params = weights + _prod(_shape(bias))
    row.compression_ratio = round((row.rom_bytes - shared + weights * element) / row.rom_bytes, 3)


def _target_footprint(model: Any, options: Any) -> dict[str, Any] | None:
    from stai.targets import get_target

    if get_target(options.target).is_host:
        return None
    from stai.tools.board_footprint import firmware_footprint

    return firmware_footprint(model, options)


def _dtype(value: SSAValue) -> str:
    from stai.dialects import qnn

    kinds = {"s8": "int8", "s16": "int16", "s32": "int32", "s64": "int64", "f32": "float32"}
    return {**kinds, "bool": "bool", "u8": "uint8"}.get(qnn.element_kind(value.type), "?")


def _bytes_of(t: Any) -> int:
    import numpy as np

    return _prod(t.shape) * np.dtype(t.dtype).itemsize


def _summary(t: Any) -> TensorSummary:
    return TensorSummary(t.name, list(t.shape), t.dtype, t.scale, t.zero_point, _bytes_of(t))


def _buffers(
    fn: func.FuncOp, kernels: list[Any], arena_index: dict[SSAValue, int]
) -> list[BufferRect]:
    """One rectangle per distinct view (arena, offset, size, lifetime)."""
    from stai.dialects.buf import ViewOp

    writer = {id(k.out): k for k in kernels}
    seen: set[tuple[int, int, int, int, int]] = set()
    rects = []
    for op in fn.walk():
        if not isinstance(op, ViewOp):
            continue
        life = op.lifetime_range()
        if life is None:
            continue
        arena = arena_index.get(op.source, 0)
        key = (arena, op.byte_offset, op.nbytes, *life)
        if key in seen:
            continue
        seen.add(key)
        role = op.role_name or "tensor"
        name_attr = op.attributes.get("nn.name")
        producer = writer.get(id(op.result))
        if isinstance(name_attr, StringAttr):
            label = name_attr.data
        elif producer is not None and isinstance(producer.attributes.get("nn.name"), StringAttr):
            label = producer.attributes["nn.name"].data
        else:
            label = f"{role}@{op.byte_offset}"
        rects.append(BufferRect(label, role, arena, op.byte_offset, op.nbytes, *life))
    return rects


def _edges(fn: func.FuncOp, kernels: list[Any]) -> list[tuple[str, str]]:
    """Data-flow edges between graph nodes: ``in:<i>``, ``c:<c_id>``, ``out:<i>``. A value
    read by a kernel comes from the last kernel that wrote at the same place (so a reshape's
    alias view leads back to the kernel that wrote the bytes)."""
    from stai.dialects.buf import ExternOp, GetConstOp, ViewOp

    def place(value: SSAValue) -> Any:
        owner = value.owner
        if isinstance(owner, ViewOp):
            return (id(owner.source.owner), owner.byte_offset)
        if isinstance(owner, ExternOp):
            return (id(owner), 0)
        return id(value)

    def io(value: SSAValue, role: str) -> int | None:
        owner = value.owner
        if isinstance(owner, ViewOp | ExternOp) and owner.role_name == role:
            return owner.index_value
        return None

    # where each model input lies, so a kernel reading it through an alias (a reshape)
    # is linked to it too
    last_writer: dict[Any, str] = {}
    for op in fn.walk():
        if isinstance(op, ViewOp | ExternOp) and op.role_name == "input":
            last_writer[place(op.results[0])] = f"in:{op.index_value}"
    edges: list[tuple[str, str]] = []
    for step, k in enumerate(kernels):
        for value in k.ins:
            if isinstance(value.owner, GetConstOp):
                continue
            index = io(value, "input")
            source = f"in:{index}" if index is not None else last_writer.get(place(value))
            if source is not None and (source, f"c:{step}") not in edges:
                edges.append((source, f"c:{step}"))
        last_writer[place(k.out)] = f"c:{step}"
        index = io(k.out, "output")
        if index is not None:
            edges.append((f"c:{step}", f"out:{index}"))
    return edges


# ---------------------------------------------------------------------------- JSON


def to_json(a: Analysis) -> dict[str, Any]:
    """The report as JSON data (``docs/schemas/analyze.schema.json``)."""
    from stai import __version__

    return {
        "schema": "stai-analyze",
        "schema_version": SCHEMA_VERSION,
        "stai_version": __version__,
        "model": {"path": a.model, "format": a.format, "bytes": a.file_bytes, "sha256": a.sha256},
        "name": a.name,
        "target": a.target,
        "inputs": [asdict(t) for t in a.inputs],
        "outputs": [asdict(t) for t in a.outputs],
        "totals": asdict(a.totals),
        "layers": [asdict(r) for r in a.layers],
        "removed_m_ids": a.removed,
        "memory_plan": [asdict(b) for b in a.buffers],
        "graph": {"edges": [list(e) for e in a.edges]},
        "target_footprint": a.target_footprint,
        "weights_file_bytes": a.weights_file_bytes,
        "image": a.image,
    }


# ---------------------------------------------------------------------------- text


def _fmt_int(n: int) -> str:
    return f"{n:,}"


def _percent(p: float) -> str:
    return f"{p:+.2f}%"


def _shape_text(shape: list[int]) -> str:
    return "x".join(str(d) for d in shape) or "scalar"


def _ids_text(a: Analysis, ids: list[int]) -> str:
    return ", ".join(f"{m} {a.model_types.get(m, '?')}" for m in ids)


def print_report(a: Analysis, console: Console | None = None) -> None:
    """The report as tables on ``console`` (stdout by default); a table that is too wide
    for the console wraps between words or stacks its rows (``print_table``): no figure is
    ever cut."""
    from rich.console import Console

    from stai.tools.analysis import print_table

    console = console or Console()
    t = a.totals
    console.print(f"[bold]stai analyze[/bold]  {a.model}", highlight=False)
    console.print(
        f"format {a.format}, {_fmt_int(a.file_bytes)} bytes, sha256 {a.sha256}, "
        f"network '{a.name}', target {a.target}",
        highlight=False,
    )

    rows = [
        [
            f"{kind} {i}",
            s.name,
            _shape_text(s.shape),
            s.dtype,
            "" if s.scale is None else f"{s.scale:.9g}",
            "" if s.zero_point is None else str(s.zero_point),
            _fmt_int(s.bytes),
        ]
        for kind, tensors in (("in", a.inputs), ("out", a.outputs))
        for i, s in enumerate(tensors)
    ]
    io_columns = [(c, "left") for c in ("", "name", "shape", "type", "scale", "zero point")]
    print_table(console, "inputs and outputs", [*io_columns, ("bytes", "right")], rows)

    arenas = " + ".join(_fmt_int(b) for b in t.arena_bytes)
    where = "in the activations" if t.io_in_arena else "caller-provided"
    totals = [
        ["parameters", _fmt_int(t.params)],
        ["MACC", _fmt_int(t.macc)],
        [
            "weights (ROM)",
            f"{_fmt_int(t.weights_bytes)} B ({_fmt_int(t.weights_change_bytes)} B, "
            f"{_percent(t.weights_change_percent)} vs {_fmt_int(t.model_weights_bytes)} B "
            "in the model)",
        ],
        [
            "activations (RAM)",
            f"{_fmt_int(t.activations_bytes)} B"
            + (f" ({arenas})" if len(t.arena_bytes) > 1 else ""),
        ],
        [
            "inputs / outputs",
            f"{_fmt_int(t.input_bytes)} B / {_fmt_int(t.output_bytes)} B ({where})",
        ],
        ["RAM total", f"{_fmt_int(t.ram_total_bytes)} B"],
        ["nodes / model operators", f"{t.nodes} / {t.model_operators}"],
    ]
    print_table(
        console, "totals", [("figure", "left"), ("value", "right")], totals, show_header=False
    )
    from stai.tools.deployed_files import print_files

    print_files(console, a.name, a.weights_file_bytes, a.image)

    columns = [
        ("c_id", "right"),
        ("m_id", "right"),
        ("type", "left"),
        ("output", "left"),
        ("params", "right"),
        ("MACC", "right"),
        ("ROM (B)", "right"),
        ("kernel", "left"),
        ("fused / folded", "left"),
    ]
    layers = []
    for r in a.layers:
        merged = []
        if r.fused:
            merged.append("fused " + _ids_text(a, r.fused))
        if r.folded:
            merged.append("folded " + _ids_text(a, r.folded))
        layers.append(
            [
                str(r.c_id),
                "" if r.m_id is None else f"{r.m_id}",
                f"{r.type}" + (f" ({r.model_type})" if r.model_type else ""),
                f"{_shape_text(r.output_shape)} {r.dtype}",
                _fmt_int(r.params),
                _fmt_int(r.macc),
                _fmt_int(r.rom_bytes)
                + (f" (x{r.compression_ratio:.2f})" if r.compression_ratio else ""),
                r.kernel if isinstance(r, KernelRow) else "",
                "; ".join(merged),
            ]
        )
    print_table(console, "layers", columns, layers)
    if a.removed:
        console.print(f"model operators without code: {_ids_text(a, a.removed)}", highlight=False)
    if a.target_footprint is not None:
        _print_footprint(a.target_footprint, a.target, console)


def _print_footprint(section: dict[str, Any], target: str, console: Console) -> None:
    """The board footprint section (``stai.tools.board_footprint``) as a table."""
    from stai.tools.validate_board import print_footprint_table

    fp = section.get("footprint")
    if fp is None:
        console.print(f"footprint on {target}: {section.get('note')}", highlight=False)
        return
    print_footprint_table(
        console,
        f"footprint on {target} (linked test firmware, {section['kernels']} kernels, bytes)",
        fp,
        note="other = harness, start-up code and C library; RAM includes the harness's "
        "reserved stack",
    )


def report_text(a: Analysis, width: int = 170) -> str:
    """The console report as plain text."""
    from io import StringIO

    from rich.console import Console

    stream = StringIO()
    print_report(a, Console(file=stream, width=width, no_color=True, highlight=False))
    return stream.getvalue()


def write_reports(a: Analysis, out_dir: str | Path) -> dict[str, Path]:
    """Write ``NAME_analyze.json``, ``.txt``, ``_memory.svg``, ``_graph.dot`` (and
    ``_graph.svg`` when Graphviz's ``dot`` is installed) to ``out_dir``."""
    import json

    from stai.tools import report_svg

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    files = {
        "json": out / f"{a.name}_analyze.json",
        "text": out / f"{a.name}_analyze.txt",
        "memory_svg": out / f"{a.name}_memory.svg",
        "graph_dot": out / f"{a.name}_graph.dot",
    }
    files["json"].write_text(json.dumps(to_json(a), indent=2) + "\n")
    files["text"].write_text(report_text(a))
    files["memory_svg"].write_text(report_svg.memory_plan_svg(a))
    files["graph_dot"].write_text(report_svg.graph_dot(a))
    svg = report_svg.dot_to_svg(files["graph_dot"])
    if svg is not None:
        files["graph_svg"] = svg
    return files
