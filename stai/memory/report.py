"""The memory report of ``stai generate``: the plan read from the IR, the flash check.

The memory options are ``stai.compiler.options.MemoryOptions`` (the driver configures
``convert-qnn-to-buf``, ``plan-memory`` and ``convert-buf-to-c`` from them).
``collect_plan`` reads the plan from the ``buf`` IR after ``plan-memory``;
``render_report`` writes ``NAME_report.txt``: the pools, every buffer's offset, size and
lifetime, the operator-breadth bound and how far the arena is above it, the mutable
statics, the weights and (with a linker script) whether weights and code fit the flash.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

from xdsl.dialects.builtin import IntegerAttr, ModuleOp, StringAttr
from xdsl.dialects.func import FuncOp
from xdsl.ir import SSAValue

from stai.compiler.options import MemoryOptions
from stai.errors import StaiError
from stai.memory.pools import MemoryConfig

POINTER_BYTES = 4
"""A data pointer on the 32-bit cores stai targets."""


# ----------------------------------------------------------------------- the plan


@dataclass
class BufferRow:
    """One planned buffer of the report."""

    name: str
    role: str
    pool: int
    offset: int
    size: int
    first: int
    last: int


@dataclass
class PoolRow:
    """One memory pool of the plan."""

    name: str
    size: int
    alignment: int
    section: str = ""
    capacity: int | None = None


@dataclass
class MemoryPlan:
    """What ``plan-memory`` decided, read back from the IR."""

    pools: list[PoolRow]
    buffers: list[BufferRow]
    peak: int
    breadth_bound: int
    max_scratch: int
    strategy: str
    caller_buffers: list[str] = field(default_factory=list)
    overlap_bound: int | None = None
    """With outputs allowed over their inputs: no plan can be smaller (``buf.overlap_bound``)."""
    state_bytes: int = 0
    """The state buffer kept between runs (persistent variables; 0: none)."""

    @property
    def arena_bytes(self) -> int:
        return sum(p.size for p in self.pools)

    @property
    def bound_with_scratch(self) -> int:
        """The target the arena must not exceed: the breadth bound plus the largest
        scratch buffer."""
        return self.breadth_bound + self.max_scratch

    @property
    def mutable_static_bytes(self) -> int:
        """The generated code's mutable globals: one pointer per pool and caller buffer."""
        return POINTER_BYTES * (len(self.pools) + len(self.caller_buffers))

    def as_json(self) -> dict:
        return (
            {
                "arena_bytes": self.arena_bytes,
                "peak_bytes": self.peak,
                "breadth_bound_bytes": self.breadth_bound,
                "max_scratch_bytes": self.max_scratch,
                "mutable_static_bytes": self.mutable_static_bytes,
                "strategy": self.strategy,
            }
            | ({} if self.overlap_bound is None else {"overlap_bound_bytes": self.overlap_bound})
            | ({"state_bytes": self.state_bytes} if self.state_bytes else {})
        )


def _int_attr(fn: FuncOp, key: str) -> int:
    value = fn.attributes.get(key)
    return value.value.data if isinstance(value, IntegerAttr) else 0


MAX_NAME = 48
"""Longer tensor names (TFLite joins fused names with ';') are shortened in the report."""


def _short(text: str) -> str:
    return text if len(text) <= MAX_NAME else text[: MAX_NAME - 3] + "..."


def _buffer_name(view, kernels_by_out: dict) -> str:
    name = view.attributes.get("nn.name")
    if isinstance(name, StringAttr):
        return _short(name.data)
    kernel = kernels_by_out.get(view.result)
    if kernel is not None:
        kname = kernel.attributes.get("nn.name")
        label = kname.data.split(";")[0] if isinstance(kname, StringAttr) else kernel.name
        return f"{kernel.name.removeprefix('qnn.')} {_short(label)}"
    return view.result.name_hint or "?"


def collect_plan(module: ModuleOp, capacities: list[int] | None = None) -> MemoryPlan:
    """The plan of the buffer-form function of ``module`` (after ``plan-memory``)."""
    from stai.dialects import qnn
    from stai.dialects.buf import ArenaOp, ExternOp, StateOp, ViewOp, state_size

    fn = next(
        (
            op
            for op in module.body.block.ops
            if isinstance(op, FuncOp) and "buf.inputs" in op.attributes
        ),
        None,
    )
    if fn is None:
        raise StaiError("internal error: no buffer-form function to report on")
    arenas = sorted((op for op in fn.walk() if isinstance(op, ArenaOp)), key=lambda a: a.pool_index)
    single = len(arenas) == 1 and arenas[0].pool_name is None
    pools = [
        PoolRow(
            a.pool_name.data
            if a.pool_name is not None
            else ("activations" if single else f"pool{a.pool_index}"),
            a.size.value.data,
            a.alignment.value.data,
            a.section.data if a.section is not None else "",
        )
        for a in arenas
    ]
    for row, cap in zip(pools, capacities or []):
        row.capacity = cap
    index_of: dict[SSAValue, int] = {a.result: i for i, a in enumerate(arenas)}
    kernels_by_out = {}
    scratch_of = {}
    for op in fn.walk():
        if isinstance(op, qnn.KernelOp) and op.out is not None:
            kernels_by_out[op.out] = op
            if op.scratch is not None:
                scratch_of[op.scratch] = op
    rows: list[BufferRow] = []
    seen: set[tuple[int, int, int, int]] = set()
    caller: list[str] = []
    for op in fn.walk():
        if isinstance(op, ExternOp):
            label = f"{op.role_name} {op.index_value}"
            if label not in caller:
                caller.append(label)
            continue
        if not isinstance(op, ViewOp):
            continue
        lifetime = op.lifetime_range()
        if lifetime is None:
            continue
        first, last = lifetime
        pool = index_of.get(op.source, 0)
        key = (pool, op.byte_offset, first, last)
        if key in seen:  # a reshape of a buffer already listed
            continue
        seen.add(key)
        role = op.role_name or "tensor"
        if role == "scratch":
            kernel = scratch_of.get(op.result)
            name = "scratch of " + (
                _buffer_name(kernel.out.owner, kernels_by_out)
                if kernel is not None and kernel.out is not None
                else "?"
            )
        else:
            name = _buffer_name(op, kernels_by_out)
        rows.append(BufferRow(name, role, pool, op.byte_offset, op.nbytes, first, last))
    strategy = fn.attributes.get("buf.strategy")
    variables: dict[str, StateOp] = {}
    for op in fn.walk():
        if isinstance(op, StateOp):
            variables.setdefault(op.variable_name, op)
    return MemoryPlan(
        pools,
        rows,
        _int_attr(fn, "buf.peak"),
        _int_attr(fn, "buf.breadth_bound"),
        _int_attr(fn, "buf.max_scratch"),
        strategy.data if isinstance(strategy, StringAttr) else "",
        caller,
        _int_attr(fn, "buf.overlap_bound") if "buf.overlap_bound" in fn.attributes else None,
        state_size(variables.values()),
    )


# ---------------------------------------------------------------------- the flash


@dataclass
class FlashCheck:
    """Weights and code against the linker script's flash region."""

    region: str
    capacity: int
    weights: int
    code: int | None
    how: str

    @property
    def needed(self) -> int:
        return self.weights + (self.code or 0)

    @property
    def fits(self) -> bool:
        return self.needed <= self.capacity


def measure_code(folder: Path, cflags: tuple[str, ...]) -> tuple[int | None, str]:
    """Flash bytes of the generated folder's code (weights excluded), compiled with
    ``arm-none-eabi-gcc -Os`` for ``cflags`` (every runtime source, before the linker
    drops unused functions: an upper bound); None when the toolchain is missing."""
    gcc, size = shutil.which("arm-none-eabi-gcc"), shutil.which("arm-none-eabi-size")
    if gcc is None or size is None:
        return None, "code not measured (arm-none-eabi-gcc not found)"
    flags = list(cflags) or ["-mcpu=cortex-m4", "-mthumb", "-mfloat-abi=hard", "-mfpu=fpv4-sp-d16"]
    sources = [p for p in folder.glob("*.c") if not p.name.endswith("_data.c")]
    sources += sorted((folder / "src").glob("*.c"))
    includes = [
        "-I",
        str(folder),
        "-I",
        str(folder / "include"),
        "-I",
        str(folder / "include" / "cmsis"),
    ]
    total = 0
    with tempfile.TemporaryDirectory() as tmp:
        objects = []
        for i, src in enumerate(sources):
            obj = Path(tmp) / f"{i}.o"
            proc = subprocess.run(
                [
                    gcc,
                    "-std=c99",
                    "-Os",
                    *flags,
                    *includes,
                    "-ffunction-sections",
                    "-fdata-sections",
                    "-c",
                    str(src),
                    "-o",
                    str(obj),
                ],
                capture_output=True,
                text=True,
            )
            if proc.returncode != 0:
                return None, f"code not measured ({src.name} did not compile for the target)"
            objects.append(str(obj))
        if objects:
            proc = subprocess.run([size, "-t", *objects], capture_output=True, text=True)
            last = proc.stdout.strip().splitlines()[-1].split()
            total = int(last[0]) + int(last[1])
    return total, f"arm-none-eabi-gcc -Os {' '.join(flags)}, before unused functions are dropped"


def check_flash(
    config: MemoryConfig, weights: int, folder: Path, cflags: tuple[str, ...]
) -> FlashCheck | None:
    """Whether ``weights`` bytes and the code of the generated ``folder`` fit the flash
    region of a linker script (None without one); raises ``StaiError`` naming the missing
    bytes when they do not."""
    if config.flash is None:
        return None
    code, how = measure_code(folder, cflags)
    check = FlashCheck(config.flash.name, config.flash.length, weights, code, how)
    if not check.fits:
        raise StaiError(
            f"the model does not fit the flash region {check.region} of {config.source}: "
            f"{check.needed - check.capacity} bytes missing (weights {check.weights} + code "
            f"{check.code or 0} bytes, the region holds {check.capacity})"
        )
    return check


# --------------------------------------------------------------------- the report


def _pct(value: int, bound: int) -> str:
    return f"{100.0 * value / bound:.1f} %" if bound else "-"


def render_report(
    name: str,
    model: str,
    plan: MemoryPlan,
    options: MemoryOptions,
    config: MemoryConfig | None,
    weights: int,
    flash: FlashCheck | None,
) -> str:
    """The text of ``NAME_report.txt``."""
    lines = [f"stai memory report: network '{name}'", f"model: {model}", ""]
    lines += ["Activations"]
    lines.append(
        f"  arena (scratch included): {plan.arena_bytes} bytes in {len(plan.pools)} pool(s)"
    )
    lines.append(f"  operator-breadth bound (model order, no scratch): {plan.breadth_bound} bytes")
    lines.append(f"  largest scratch buffer: {plan.max_scratch} bytes")
    lines.append(f"  bound + largest scratch: {plan.bound_with_scratch} bytes")
    over = plan.arena_bytes - plan.breadth_bound
    lines.append(
        f"  arena - bound: {over:+d} bytes ({_pct(plan.arena_bytes, plan.breadth_bound)}"
        " of the bound)"
    )
    if plan.overlap_bound is not None:
        lines.append(
            f"  overlap lower bound (outputs over their inputs): {plan.overlap_bound} bytes"
        )
    lines.append(f"  most bytes live at one step (this plan): {plan.peak} bytes")
    lines.append(f"  strategy: {plan.strategy}")
    lines.append(
        "  inputs: "
        + (
            "in the arena"
            if options.allocate_inputs
            else "caller-provided (stai_" + name + "_set_input)"
        )
    )
    lines.append(
        "  outputs: "
        + (
            "in the arena"
            if options.allocate_outputs
            else "caller-provided (stai_" + name + "_set_output)"
        )
    )
    lines.append(
        f"  mutable statics: {plan.mutable_static_bytes} bytes "
        f"({len(plan.pools) + len(plan.caller_buffers)} pointers of "
        f"{POINTER_BYTES} bytes)"
    )
    if plan.state_bytes:
        lines.append(
            f"  state kept between runs: {plan.state_bytes} bytes (outside the activations; "
            f"stai_{name}_reset restores it)"
        )
    lines.append(
        f"  total RAM of the generated code: "
        f"{plan.arena_bytes + plan.mutable_static_bytes + plan.state_bytes} bytes (+ the caller's "
        "input/output buffers when not in the arena)"
    )
    lines += [
        "",
        "Pools (priority order)",
        f"  {'#':>2}  {'name':<16} {'used':>10} {'capacity':>10} {'align':>5}  section",
    ]
    for i, p in enumerate(plan.pools):
        cap = "-" if p.capacity is None else str(p.capacity)
        lines.append(
            f"  {i:>2}  {p.name:<16} {p.size:>10} {cap:>10} {p.alignment:>5}  {p.section or '-'}"
        )
    lines += [
        "",
        "Buffers (lifetime: first and last step of the execution order)",
        f"  {'pool':>4} {'offset':>8} {'bytes':>8} {'life':>9}  {'role':<7} name",
    ]
    for b in sorted(plan.buffers, key=lambda b: (b.pool, b.first, b.offset)):
        life = f"{b.first}-{b.last}"
        lines.append(f"  {b.pool:>4} {b.offset:>8} {b.size:>8} {life:>9}  {b.role:<7} {b.name}")
    lines += ["", "Weights"]
    kind = (
        "one const array per tensor (--split-weights)"
        if options.split_weights
        else "one packed const blob (little-endian)"
    )
    lines.append(f"  {weights} bytes: {kind}")
    if flash is not None:
        source = config.source if config else ""
        lines += ["", f"Flash ({flash.region}, from {source})"]
        code = "not measured" if flash.code is None else f"{flash.code} bytes"
        lines.append(
            f"  weights {flash.weights} bytes + code {code} = {flash.needed} bytes "
            f"of {flash.capacity}: {'fits' if flash.fits else 'does NOT fit'}"
        )
        lines.append(f"  code: {flash.how}")
    return "\n".join(lines) + "\n"


def meta_fields(plan: MemoryPlan, options: MemoryOptions, weights: int) -> dict:
    """What ``NAME.json`` adds for the runner and tools: pools, caller buffers, plan."""
    return {
        "pools": [asdict(p) for p in plan.pools],
        "inputs_in_activations": options.allocate_inputs,
        "outputs_in_activations": options.allocate_outputs,
        "weights": "split" if options.split_weights else "packed",
        "weights_bytes": weights,
        "memory_plan": plan.as_json(),
    }


def environment_cflags(target_cflags: tuple[str, ...]) -> tuple[str, ...]:
    """The target's flags, or ``STAI_FLASH_CFLAGS`` from the environment."""
    env = os.environ.get("STAI_FLASH_CFLAGS")
    return tuple(env.split()) if env else target_cflags


# ------------------------------------------------------------ the size/speed choice


@dataclass
class OptimizeCost:
    """What the size/speed choice (``CompileOptions.optimize``) costs against
    ``balanced``: the layers it changed, the weights' bytes and the arena.

    ``time`` only widens weights, so its cost is read from the IR after
    ``select-kernels`` (the int8 layouts' bytes it doubled; the arena is the same, the
    scratch buffers being the same); ``ram`` changes kernels, so ``balanced``'s weights
    and arena come from a second compile with ``-O balanced``."""

    choice: str
    layers: int = 0
    """``time``: the 1x1 kernels on int16 weights; ``ram``: the layers that take a kernel
    with less scratch (stai's 1x1 kernel without scratch, or CMSIS-NN's)."""
    weights_bytes: int = 0
    """The weights with the choice (bytes, as ``Compiled.weights_bytes``)."""
    balanced_weights_bytes: int = 0
    arena_bytes: int = 0
    balanced_arena_bytes: int = 0
    compiled_twice: bool = False
    """``balanced``'s figures come from a second compile (``ram``)."""
    fell_back: bool = False
    """``ram`` found no smaller arena than ``balanced``'s: the compile is ``balanced``'s."""

    @property
    def weights_change(self) -> int:
        return self.weights_bytes - self.balanced_weights_bytes

    @property
    def arena_change(self) -> int:
        return self.arena_bytes - self.balanced_arena_bytes

    def as_json(self) -> dict[str, object]:
        """``NAME.json``'s ``optimize`` object (``docs/schemas/generate.schema.json``)."""
        return {
            "choice": self.choice,
            "layers": self.layers,
            "weights_bytes": self.weights_bytes,
            "balanced_weights_bytes": self.balanced_weights_bytes,
            "weights_change_bytes": self.weights_change,
            "arena_bytes": self.arena_bytes,
            "balanced_arena_bytes": self.balanced_arena_bytes,
            "arena_change_bytes": self.arena_change,
            "compiled_twice": self.compiled_twice,
            "fell_back": self.fell_back,
        }

    def report(self) -> str:
        """The report's lines on the choice and its cost."""

        def change(now: int, before: int) -> str:
            if now == before:
                return f"unchanged ({now:,} B)"
            pct = f" ({(now - before) / before:+.1%})" if before else ""
            return f"{now - before:+,} B{pct}: {now:,} B against {before:,} B"

        lines = [f"\nOptimization (-O {self.choice}), against -O balanced:"]
        if self.choice == "time":
            what = f"{self.layers} 1x1 convolution / fully connected layer(s) on int16 weights"
            lines.append(f"  {what}")
        elif self.fell_back and self.layers:
            lines.append(
                f"  no gain: a kernel with less scratch in {self.layers} layer(s) gave no "
                "smaller arena (a second compile with -O balanced), so the code is balanced's"
            )
        elif self.layers:
            lines.append(
                f"  {self.layers} layer(s) on a kernel with less scratch (stai's 1x1 kernel "
                "without scratch, or CMSIS-NN's; balanced's figures: a second compile)"
            )
        else:
            lines.append("  no gain: no layer's scratch buffer sets the working-set peak")
        lines.append(f"  weights {change(self.weights_bytes, self.balanced_weights_bytes)}")
        lines.append(f"  arena   {change(self.arena_bytes, self.balanced_arena_bytes)}")
        return "\n".join(lines) + "\n"


def selection_facts(module: ModuleOp, choice: str, isa: str) -> tuple[int, int]:
    """After ``select-kernels``: the layers ``choice`` changed and, for ``time``, the bytes
    its int16 weights add (one per weight: the int8 layout's bytes)."""
    from xdsl.dialects.builtin import TensorType, i16

    from stai.dialects import mk, qnn
    from stai.lowering.select_kernels import choose

    layers = extra = 0
    for op in module.walk():
        if choice == "time" and isinstance(op, mk.Conv1x1S8Op):
            weights = op.ins[1].type
            if isinstance(weights, TensorType) and weights.element_type == i16:
                layers += 1
                extra += weights.element_count()
        elif choice == "ram" and isinstance(op, mk.Conv1x1S8Op) and op.no_scratch is not None:
            layers += 1  # stai's 1x1 kernel without scratch
        elif choice == "ram" and isinstance(op, qnn.KernelOp) and op.kind == "s8":
            if not isinstance(op, mk.MicroKernelOp) and choose(op, isa) is not None:
                layers += 1  # a kernel of stai's fits, the choice kept the other
    return layers, extra


def optimize_cost(
    choice: str,
    layers: int,
    extra: int,
    weights: int | None,
    arena: int,
    balanced: tuple[int, int] | None,
) -> OptimizeCost:
    """The cost of ``choice`` against ``balanced`` from ``selection_facts``' ``layers`` and
    ``extra`` bytes and the compile's ``weights`` and ``arena``; ``balanced``: the weights
    and arena of a second compile with ``-O balanced`` (``ram``), else None. A ``ram``
    compile whose arena is not smaller falls back to ``balanced``'s (``fell_back``)."""
    weights = weights or 0
    if balanced is None:
        return OptimizeCost(choice, layers, weights, weights - extra, arena, arena)
    cost = OptimizeCost(choice, layers, weights, balanced[0], arena, balanced[1], True)
    if choice == "ram" and arena >= balanced[1]:
        cost.weights_bytes, cost.arena_bytes, cost.fell_back = balanced[0], balanced[1], True
    return cost
