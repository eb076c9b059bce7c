"""``convert-qnn-to-buf``: bufferize ``qnn`` kernels and plan the activation arena.

The function ``@main(inputs) -> outputs`` on tensors becomes ``@main()`` on buffers:

* each ``arith.constant`` becomes a module-level ``buf.const`` (named after its user and
  role, e.g. ``@conv1_weights``) read by ``buf.get_const``;
* every other tensor (inputs and outputs included) is a ``buf.view`` of the one
  ``buf.arena``, at an offset chosen by :mod:`stai.lowering.arena_plan` so that no two
  buffers live at the same time share a byte; views carry ``lifetime``, ``role`` and,
  for inputs and outputs, ``index``;
* each ``qnn`` op takes the buffer form (same op, same properties, ``outs(view)``), with a
  ``scratch`` view sized as the CMSIS-NN API asks for the ISA, alive only during it;
* ``qnn.reshape`` disappears: its output is a view of the same bytes as its input.

Before::

    func.func @main(%x: tensor<1x8xi8> {nn.name = "in"}) -> (tensor<1x4xi8> {nn.name = "out"}) {
      %w = arith.constant dense<1> : tensor<4x8xi8>
      %b = arith.constant dense<0> : tensor<4xi32>
      %y = qnn.fully_connected ins(%x, %w, %b : ...) {nn.name = "fc", ...} -> tensor<1x4xi8>
      func.return %y : tensor<1x4xi8>
    }

After::

    buf.const @fc_weights dense<1> : memref<4x8xi8> {alignment = 4 : i64}
    buf.const @fc_bias dense<0> : memref<4xi32> {alignment = 4 : i64}
    func.func @main() attributes {buf.inputs = ["in"], buf.outputs = ["out"], buf.peak = 12 : i64} {
      %arena = buf.arena {size = 12 : i64, alignment = 16 : i64} : memref<12xi8>
      %x = buf.view %arena[0] {lifetime = array<i64: 0, 0>, role = "input", index = 0 : i64}
           : memref<12xi8> -> memref<1x8xi8>
      %w = buf.get_const @fc_weights : memref<4x8xi8>
      %b = buf.get_const @fc_bias : memref<4xi32>
      %y = buf.view %arena[8] {lifetime = array<i64: 0, 0>, role = "output", index = 0 : i64}
           : memref<12xi8> -> memref<1x4xi8>
      qnn.fully_connected ins(%x, %w, %b : ...) outs(%y : memref<1x4xi8>) {...}
      func.return
    }
"""

from __future__ import annotations

import keyword
import re
from dataclasses import dataclass, field

from xdsl.context import Context
from xdsl.dialects import arith, func
from xdsl.dialects.builtin import (
    ArrayAttr,
    DenseArrayBase,
    DenseIntOrFPElementsAttr,
    DictionaryAttr,
    FunctionType,
    IntegerAttr,
    MemRefType,
    ModuleOp,
    StringAttr,
    TensorType,
    i8,
    i32,
    i64,
)
from xdsl.ir import Operation, SSAValue
from xdsl.passes import ModulePass
from xdsl.pattern_rewriter import (
    GreedyRewritePatternApplier,
    PatternRewriter,
    PatternRewriteWalker,
    RewritePattern,
    op_type_rewrite_pattern,
)
from xdsl.rewriter import InsertPoint
from xdsl.traits import SymbolOpInterface

from stai.dialects import nn, qnn
from stai.dialects.buf import (
    ArenaOp,
    ConstOp,
    GetConstOp,
    StateOp,
    ViewOp,
    byte_size,
    element_bytes,
)
from stai.dialects.qnn_state import AssignVariableOp, ReadVariableOp, StatefulOp
from stai.errors import StaiError
from stai.lowering import scratch_sizes
from stai.lowering.arena_plan import Interval, peak_live_bytes, plan_greedy_by_size
from stai.lowering.kernel_sums import kernel_sums

PASS = "convert-qnn-to-buf"
ARENA_ALIGNMENT = 16
"""The least alignment of the arena itself (enough for any vector load)."""
SCRATCH_ALIGNMENT = 4
"""Scratch buffers are read as int16/int32 by kernels: offsets are at least this aligned."""


def _fail(message: str) -> StaiError:
    return StaiError(f"{PASS}: {message}")


# ------------------------------------------------------------------------ scratch sizes


def scratch_bytes(op: qnn.KernelOp, isa: str) -> int:
    """The scratch bytes the kernel of ``op`` needs on ``isa`` (0: none), by the formula
    the op names (``qnn.KernelOp.SCRATCH``)."""
    return op.scratch_bytes(isa)


# ----------------------------------------------------------------------------- analysis


@dataclass
class Buffer:
    """One arena buffer: a tensor and the reshapes that alias it."""

    values: list[SSAValue]
    size: int
    first: int
    last: int
    offset: int = 0


@dataclass
class Scratch:
    """The scratch buffer of the kernel at ``step``."""

    step: int
    size: int
    offset: int = 0


@dataclass
class FunctionPlan:
    """Where every tensor of a function lives, and the arena that holds them."""

    steps: list[qnn.KernelOp]
    """The kernels in execution order (reshapes excluded): a step is an index here."""
    buffers: list[Buffer]
    buffer_of: dict[SSAValue, int]
    scratch: dict[int, Scratch]
    constants: dict[SSAValue, DenseIntOrFPElementsAttr]
    """Constant tensors (and reshapes of them) with their data."""
    size: int
    peak: int
    alignment: int
    outputs: list[SSAValue] = field(default_factory=list)
    kernel_sums: dict[int, DenseIntOrFPElementsAttr] = field(default_factory=dict)
    """Steps whose scratch buffer is a constant computed here (``lowering/kernel_sums.py``)
    instead of arena bytes."""


def _tensor_bytes(value: SSAValue) -> int:
    t = value.type
    if not isinstance(t, TensorType):
        raise _fail(f"expected a tensor, got {t}")
    if any(d < 0 for d in t.get_shape()):
        raise _fail(f"tensor {t} has a dynamic shape")
    return byte_size(MemRefType(t.element_type, t.get_shape()))


def _reshaped(data: DenseIntOrFPElementsAttr, t: TensorType) -> DenseIntOrFPElementsAttr:
    """The same bytes seen with the shape of ``t``."""
    return nn.dense_attr(TensorType(t.element_type, t.get_shape()), data.data.data)


def analyze(fn: func.FuncOp, alignment: int, isa: str) -> FunctionPlan:
    """Lifetimes and offsets of every buffer of ``fn`` (which is not changed)."""
    block = fn.body.block
    steps: list[qnn.KernelOp] = []
    constants: dict[SSAValue, DenseIntOrFPElementsAttr] = {}
    buffers: list[Buffer] = []
    buffer_of: dict[SSAValue, int] = {}
    outputs: list[SSAValue] = []

    def new_buffer(value: SSAValue, first: int) -> None:
        buffer_of[value] = len(buffers)
        buffers.append(Buffer([value], _tensor_bytes(value), first, first))

    for arg in block.args:
        new_buffer(arg, 0)
    for op in block.ops:
        if isinstance(op, arith.ConstantOp) and isinstance(op.value, DenseIntOrFPElementsAttr):
            constants[op.result] = op.value
        elif isinstance(op, qnn.ReshapeOp) and op.res is not None:
            src, dst = op.ins[0], op.res
            if src in constants:
                assert isinstance(dst.type, TensorType)
                constants[dst] = _reshaped(constants[src], dst.type)
            else:
                buf = buffers[buffer_of[src]]
                buffer_of[dst] = buffer_of[src]
                buf.values.append(dst)
                buf.size = max(buf.size, _tensor_bytes(dst))
        elif isinstance(op, AssignVariableOp) and op.res is not None:
            # Writes the state buffer: no arena buffer of its own.
            if op.res.uses:
                raise _fail("the result of qnn.assign_variable is used (read the variable)")
            step = len(steps)
            steps.append(op)
            for value in op.ins:
                if value in buffer_of:
                    buffers[buffer_of[value]].last = max(buffers[buffer_of[value]].last, step)
                elif value not in constants:
                    raise _fail(f"operand of {op.name} is neither a constant nor a tensor")
        elif isinstance(op, qnn.KernelOp) and op.res is not None:
            step = len(steps)
            steps.append(op)
            for value in op.ins:
                if value in buffer_of:
                    buf = buffers[buffer_of[value]]
                    buf.last = max(buf.last, step)
                elif value not in constants:
                    raise _fail(f"operand of {op.name} is neither a constant nor a tensor")
            new_buffer(op.res, step)
        elif isinstance(op, func.ReturnOp):
            outputs = list(op.arguments)
        else:
            raise _fail(f"cannot bufferize '{op.name}' (only qnn ops in tensor form)")

    end = max(len(steps) - 1, 0)
    for j, value in enumerate(outputs):
        if value not in buffer_of:
            raise _fail(f"output {j} is a constant, which has no place in the arena")
        buffers[buffer_of[value]].last = end

    scratch = {}
    sums: dict[int, DenseIntOrFPElementsAttr] = {}
    for step, op in enumerate(steps):
        size = scratch_bytes(op, isa)
        if size <= 0:
            continue
        precomputed = kernel_sums(op, constants)
        if precomputed is not None and precomputed.nbytes == size:
            sums[step] = DenseIntOrFPElementsAttr.from_list(
                TensorType(i32, [len(precomputed)]), precomputed.tolist()
            )
        else:
            scratch[step] = Scratch(step, size)

    elem = max((element_bytes(_memref_of(v)) for b in buffers for v in b.values), default=1)
    align = max(alignment, elem, SCRATCH_ALIGNMENT if scratch else 1)
    intervals = [Interval(b.size, b.first, b.last) for b in buffers]
    intervals += [Interval(s.size, s.step, s.step) for s in scratch.values()]
    plan = plan_greedy_by_size(intervals, align)
    for b, offset in zip(buffers, plan.offsets):
        b.offset = offset
    for s, offset in zip(scratch.values(), plan.offsets[len(buffers) :]):
        s.offset = offset
    return FunctionPlan(
        steps,
        buffers,
        buffer_of,
        scratch,
        constants,
        plan.size,
        peak_live_bytes(intervals),
        align,
        outputs,
        sums,
    )


def _memref_of(value: SSAValue) -> MemRefType:
    t = value.type
    assert isinstance(t, TensorType)
    return MemRefType(t.element_type, t.get_shape())


# ------------------------------------------------------------------------------ naming

_C_KEYWORDS = frozenset(
    "auto break case char const continue default do double else enum extern float for goto "
    "if inline int long register restrict return short signed sizeof static struct switch "
    "typedef union unsigned void volatile while main".split()
)


def c_identifier(text: str) -> str:
    """``text`` made a C identifier: other characters become ``_``, no leading digit."""
    name = re.sub(r"_+", "_", re.sub(r"[^A-Za-z0-9_]", "_", text)).strip("_")
    if not name:
        name = "data"
    if name[0].isdigit():
        name = "c_" + name
    if name in _C_KEYWORDS or keyword.iskeyword(name):
        name += "_"
    return name


MAX_NAME_BASE = 32
"""Longer ``nn.name``s (TFLite joins fused tensors' names with ``;``) give way to the op's
kind and ``nn.m_id``, so that C names stay readable."""


def _op_base_name(op: Operation) -> str:
    """An op's short ``nn.name``, else its kind and ``nn.m_id`` (``conv2d_3``)."""
    name = op.attributes.get("nn.name")
    kind = op.name.split(".")[-1]
    m_id = op.attributes.get("nn.m_id")
    if isinstance(name, StringAttr) and name.data:
        short = c_identifier(name.data)
        if len(short) <= MAX_NAME_BASE or not isinstance(m_id, IntegerAttr):
            return short
    if isinstance(m_id, IntegerAttr):
        return f"{kind}_{m_id.value.data}"
    return kind


def constant_name(value: SSAValue, order: dict[Operation, int]) -> str:
    """The C-identifier base name of a constant: its first kernel user (by ``order``) and
    its role there (``conv1_weights``), else the constant's own ``nn.name``."""
    uses = [
        (order.get(use.operation, len(order)), use.index, use.operation)
        for use in value.uses
        if isinstance(use.operation, qnn.KernelOp) and not isinstance(use.operation, qnn.ReshapeOp)
    ]
    if uses:
        _, index, user = min(uses, key=lambda u: (u[0], u[1]))
        roles = user.OPERAND_ROLES
        role = roles[index] if index < len(roles) else f"input{index + 1}"
        return c_identifier(f"{_op_base_name(user)}_{role}")
    owner = value.owner
    if isinstance(owner, Operation):
        return c_identifier(_op_base_name(owner))
    return "data"


class _Names:
    """Unique symbol names in a module."""

    def __init__(self, module: Operation | None):
        self.taken: set[str] = set()
        if module is not None:
            for op in module.walk():
                if op.get_trait(SymbolOpInterface) is not None:
                    sym = op.properties.get("sym_name") or op.attributes.get("sym_name")
                    if isinstance(sym, StringAttr):
                        self.taken.add(sym.data)

    def fresh(self, base: str) -> str:
        name, n = base, 1
        while name in self.taken:
            name, n = f"{base}_{n}", n + 1
        self.taken.add(name)
        return name


# ---------------------------------------------------------------------------- rewriting


def _io_names(attrs: ArrayAttr[DictionaryAttr] | None, count: int, prefix: str) -> list[str]:
    """``nn.name`` of each argument/result, else ``input_<i>`` / ``output_<i>``."""
    names = []
    for i in range(count):
        name = None
        if attrs is not None and i < len(attrs.data):
            found = attrs.data[i].data.get("nn.name")
            if isinstance(found, StringAttr):
                name = found.data
        names.append(name or f"{prefix}_{i}")
    return names


def _is_tensor_function(fn: func.FuncOp) -> bool:
    """Whether ``fn`` still works on tensors (so this pass has something to do)."""
    types = (*fn.function_type.inputs.data, *fn.function_type.outputs.data)
    if any(isinstance(t, TensorType) for t in types):
        return True
    return any(isinstance(op, qnn.KernelOp) and op.res is not None for op in fn.body.walk())


def bufferized_kernel(
    op: qnn.KernelOp, ins: list[SSAValue], out: SSAValue, scratch: SSAValue | None
) -> qnn.KernelOp:
    """The buffer form of a tensor-form ``qnn`` op: same op and properties, ``outs(out)``."""
    props = dict(op.properties)
    extra = [scratch] if scratch is not None else []
    props["operandSegmentSizes"] = DenseArrayBase.from_list(i32, [len(ins), 1, len(extra)])
    return type(op).create(
        operands=[*ins, out, *extra],
        properties=props,
        attributes=dict(op.attributes),
        result_types=[],
    )


class _FunctionRewriter:
    """Rewrites one function along its :class:`FunctionPlan`."""

    def __init__(
        self, fn: func.FuncOp, plan: FunctionPlan, rewriter: PatternRewriter, alignment: int
    ):
        self.fn, self.plan, self.rewriter, self.alignment = fn, plan, rewriter, alignment
        module = fn.parent_op()
        self.names = _Names(module)
        self.in_names = _io_names(fn.arg_attrs, len(fn.function_type.inputs.data), "input")
        self.out_names = _io_names(fn.res_attrs, len(fn.function_type.outputs.data), "output")
        self.output_index: dict[SSAValue, int] = {}
        for j, value in enumerate(plan.outputs):
            self.output_index.setdefault(value, j)
        self.step_of: dict[Operation, int] = {op: i for i, op in enumerate(plan.steps)}
        self.arena: ArenaOp | None = None
        self.deferred: list[arith.ConstantOp] = []
        """Constants read only through reshapes: erased once the reshapes are gone."""
        self.states: dict[str, StateOp] = {}
        """The ``buf.state`` of each persistent variable."""

    def run(self) -> None:
        block = self.fn.body.block
        self.arena = ArenaOp(self.plan.size, max(ARENA_ALIGNMENT, self.plan.alignment))
        self.arena.result.name_hint = "arena"
        self.rewriter.insert(self.arena, InsertPoint.at_start(block))
        self._input_views()
        self._state_buffers()
        for op in list(block.ops):
            if op is self.arena or isinstance(op, ViewOp | StateOp):
                continue
            if isinstance(op, arith.ConstantOp):
                self._constant(op)
            elif isinstance(op, qnn.ReshapeOp):
                self._reshape(op)
            elif isinstance(op, qnn.KernelOp):
                self._kernel(op)
            elif isinstance(op, func.ReturnOp):
                self._return(op)
        for op in self.deferred:
            self.rewriter.erase(op)
        self._signature()

    # -------------------------------------------------------------- views
    def _view(
        self,
        value: SSAValue,
        where: InsertPoint,
        *,
        role: str | None = None,
        index: int | None = None,
    ) -> ViewOp:
        """A view of the buffer of ``value`` with ``value``'s shape."""
        assert self.arena is not None
        buf = self.plan.buffers[self.plan.buffer_of[value]]
        if role is None:
            index = self.output_index.get(value)
            role = "tensor" if index is None else "output"
        view = ViewOp(
            self.arena.result,
            buf.offset,
            _memref_of(value),
            lifetime=(buf.first, buf.last),
            role=role,
            index=index,
        )
        if role in ("input", "output"):
            names = self.in_names if role == "input" else self.out_names
            assert index is not None
            view.attributes["nn.name"] = StringAttr(names[index])
        if value.name_hint:
            view.result.name_hint = value.name_hint
        self.rewriter.insert(view, where)
        return view

    def _input_views(self) -> None:
        assert self.arena is not None
        where = InsertPoint.after(self.arena)
        for arg in list(self.fn.body.block.args):
            view = self._view(arg, where, role="input", index=arg.index)
            where = InsertPoint.after(view)
            self.rewriter.replace_all_uses_with(arg, view.result)

    def _state_buffers(self) -> None:
        """One ``buf.state`` per persistent variable, in order of first use, each at a
        multiple of 16 bytes of the state buffer."""
        assert self.arena is not None
        where = InsertPoint.after(self.arena)
        offset = 0
        for op in self.fn.body.block.ops:
            if isinstance(op, StatefulOp) and op.res is not None:
                name, t = op.variable_name, op.state_type()
            elif isinstance(op, ReadVariableOp | AssignVariableOp) and op.res is not None:
                name, t = op.variable_name, _memref_of(op.res)
            else:
                continue
            known = self.states.get(name)
            if known is not None:
                if known.result.type != t:
                    raise _fail(f"variable '{name}' is used with types {known.result.type} and {t}")
                if known.initial is None and op.initial is not None:
                    known.properties["initial"] = op.initial
                continue
            state = StateOp(name, offset, t, op.initial)
            state.result.name_hint = "state"
            self.rewriter.insert(state, where)
            where = InsertPoint.after(state)
            self.states[name] = state
            offset += (byte_size(t) + 15) // 16 * 16

    # ----------------------------------------------------------- op cases
    def _constant(self, op: arith.ConstantOp) -> None:
        if not op.result.uses:
            self.rewriter.erase(op)
            return
        if all(isinstance(use.operation, qnn.ReshapeOp) for use in op.result.uses):
            self.deferred.append(op)
            return
        self._replace_by_const(op, op.result)

    def _new_const(
        self, base: str, data: DenseIntOrFPElementsAttr, t: MemRefType, hint: str | None
    ) -> GetConstOp:
        """A module-level ``buf.const`` (a fresh name from ``base``) holding ``data`` with
        type ``t``, and a ``buf.get_const`` of it, not yet inserted."""
        name = self.names.fresh(base)
        align = max(self.alignment, element_bytes(t))
        const = ConstOp(name, nn.dense_attr(t, data.data.data), align)
        self.rewriter.insert(const, InsertPoint.before(self.fn))
        get = GetConstOp(name, t)
        if hint:
            get.result.name_hint = hint
        return get

    def _replace_by_const(self, op: Operation, value: SSAValue) -> None:
        get = self._new_const(
            constant_name(value, self.step_of),
            self.plan.constants[value],
            _memref_of(value),
            value.name_hint,
        )
        self.rewriter.replace(op, get)

    def _reshape(self, op: qnn.ReshapeOp) -> None:
        assert op.res is not None
        if op.res in self.plan.constants:
            if op.res.uses:
                self._replace_by_const(op, op.res)
            else:
                self.rewriter.erase(op)
            return
        view = self._view(op.res, InsertPoint.before(op))
        self.rewriter.replace(op, [], [view.result])

    def _variable(self, op: ReadVariableOp | AssignVariableOp) -> None:
        """A read copies the variable's ``buf.state`` into its output view; an assignment
        copies its input into the ``buf.state``."""
        assert op.res is not None
        state = self.states[op.variable_name].result
        if isinstance(op, AssignVariableOp):
            new = bufferized_kernel(op, list(op.ins), state, None)
            self.rewriter.insert(new, InsertPoint.before(op))
            self.rewriter.erase(op)
            return
        out = self._view(op.res, InsertPoint.before(op))
        new = bufferized_kernel(op, [state], out.result, None)
        self.rewriter.insert(new, InsertPoint.before(op))
        self.rewriter.replace_all_uses_with(op.res, out.result)
        self.rewriter.erase(op)

    def _kernel(self, op: qnn.KernelOp) -> None:
        assert op.res is not None
        if isinstance(op, ReadVariableOp | AssignVariableOp):
            self._variable(op)
            return
        where = InsertPoint.before(op)
        out = self._view(op.res, where)
        scratch = None
        step = self.step_of[op]
        if step in self.plan.scratch:
            s = self.plan.scratch[step]
            assert self.arena is not None
            sv = ViewOp(
                self.arena.result,
                s.offset,
                MemRefType(i8, [s.size]),
                lifetime=(step, step),
                role="scratch",
            )
            sv.result.name_hint = "scratch"
            self.rewriter.insert(sv, where)
            scratch = sv.result
        elif step in self.plan.kernel_sums:
            scratch = self._kernel_sums_const(op, step, where)
        ins = list(op.ins)
        if isinstance(op, StatefulOp):  # it reads and updates its state variable
            ins.append(self.states[op.variable_name].result)
        new = bufferized_kernel(op, ins, out.result, scratch)
        self.rewriter.insert(new, where)
        self.rewriter.replace_all_uses_with(op.res, out.result)
        self.rewriter.erase(op)

    def _kernel_sums_const(self, op: qnn.KernelOp, step: int, where: InsertPoint) -> SSAValue:
        """The precomputed kernel sums of the kernel at ``step`` as a ``buf.const``."""
        data = self.plan.kernel_sums[step]
        get = self._new_const(
            c_identifier(f"{_op_base_name(op)}_kernel_sums"),
            data,
            MemRefType(i32, data.get_shape()),
            "kernel_sums",
        )
        self.rewriter.insert(get, where)
        return get.result

    def _return(self, op: func.ReturnOp) -> None:
        """Outputs that are not their buffer's own output view (an input returned, or one
        value returned twice) get an extra output view of the same bytes."""
        for j, value in enumerate(op.arguments):
            owner = value.owner
            if isinstance(owner, ViewOp) and owner.role_name == "output" and owner.index_value == j:
                continue
            assert isinstance(owner, ViewOp) and self.arena is not None
            extra = ViewOp(
                self.arena.result,
                owner.byte_offset,
                owner.result.type,
                lifetime=owner.lifetime_range(),
                role="output",
                index=j,
            )
            extra.attributes["nn.name"] = StringAttr(self.out_names[j])
            self.rewriter.insert(extra, InsertPoint.before(op))
        self.rewriter.replace(op, func.ReturnOp())

    def _signature(self) -> None:
        fn, block = self.fn, self.fn.body.block
        for arg in reversed(list(block.args)):
            self.rewriter.erase_block_argument(arg)
        fn.function_type = FunctionType.from_lists([], [])
        fn.properties.pop("arg_attrs", None)
        fn.properties.pop("res_attrs", None)
        fn.attributes["buf.inputs"] = ArrayAttr([StringAttr(n) for n in self.in_names])
        fn.attributes["buf.outputs"] = ArrayAttr([StringAttr(n) for n in self.out_names])
        fn.attributes["buf.peak"] = IntegerAttr(self.plan.peak, i64)
        self.rewriter.notify_op_modified(fn)


@dataclass
class BufferizeFunction(RewritePattern):
    """Bufferize one ``func.func`` on ``qnn`` tensors and plan its arena."""

    alignment: int = 4
    isa: str = "host"

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: func.FuncOp, rewriter: PatternRewriter) -> None:
        if op.is_declaration or not _is_tensor_function(op):
            return
        plan = analyze(op, self.alignment, self.isa)
        _FunctionRewriter(op, plan, rewriter, self.alignment).run()


@dataclass(frozen=True)
class ConvertQNNToBufPass(ModulePass):
    """Bufferize ``qnn`` tensor ops into views of one planned activation arena.

    Options: ``alignment`` (bytes, a power of two) of every buffer offset and constant;
    ``isa`` (``host``: plain C, ``dsp``: the DSP extension, ``mve``: Helium), the
    instruction-set flavour of the CMSIS-NN kernels whose scratch sizes to use.
    """

    name = "convert-qnn-to-buf"

    alignment: int = 4
    isa: str = "host"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        if self.alignment < 1 or self.alignment & (self.alignment - 1):
            raise _fail(f"alignment must be a power of two, got {self.alignment}")
        if self.isa not in scratch_sizes.ISAS:
            raise _fail(
                f"unknown ISA '{self.isa}' (expected one of {', '.join(scratch_sizes.ISAS)})"
            )
        PatternRewriteWalker(
            GreedyRewritePatternApplier([BufferizeFunction(self.alignment, self.isa)]),
            apply_recursively=False,
        ).rewrite_module(op)
