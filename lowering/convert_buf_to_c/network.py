"""The network's files: ``NAME.h`` (the API), ``NAME.c`` (``init``, the I/O accessors and
``run()`` with one block per kernel), ``NAME_data.h`` / ``NAME_data.c`` (the weights)."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from xdsl.dialects import func
from xdsl.dialects.builtin import (
    ArrayAttr,
    DenseIntOrFPElementsAttr,
    Float32Type,
    Float64Type,
    FloatAttr,
    IntegerType,
    Signedness,
    StringAttr,
    TensorType,
    f32,
)
from xdsl.ir import Attribute, Block, Operation, Region, SSAValue
from xdsl.utils.hints import isa

from stai.dialects import c, qnn
from stai.dialects.buf import ArenaOp, ConstOp, ExternOp, GetConstOp, StateOp, ViewOp, state_size
from stai.errors import StaiError
from stai.lowering import c_memory, observer_hooks
from stai.lowering.convert_buf_to_c.common import (
    BYTE_PTR,
    I32,
    INT,
    SIZE_T,
    VOID_PTR,
    DataTables,
    Names,
    fail,
)
from stai.lowering.convert_buf_to_c.emitters import EMITTERS
from stai.lowering.convert_buf_to_c.kernel_block import KernelBlock, out_of
from stai.lowering.convert_buf_to_c.mk_kernels import headers_for


@dataclass
class IOBuffer:
    """A model input or output: its arena offset and size in bytes."""

    name: str
    offset: int
    nbytes: int


class NetworkLowering:
    """Builds the four files of one network from its buffer-form function."""

    def __init__(
        self,
        names: Names,
        function: func.FuncOp,
        consts: Sequence[ConstOp],
        observer: bool = False,
        packed: bool = False,
    ):
        self.names = names
        self.function = function
        self.observer = observer
        self.packed = packed
        """One packed weights blob instead of one array per constant."""
        self.nodes: list[observer_hooks.NodeInfo] = []
        self.data = DataTables(names)
        for const in consts:
            self.data.add_const(const)
        self.called: set[str] = set()
        self.needs_math = False
        self.pools = c_memory.pools_of(function, names.network, names.prefix)
        self.arena = self.pools[0].arena
        self.externs = {
            role: sorted(c_memory.externs_of(function, role)) for role in ("input", "output")
        }
        self.states: dict[str, StateOp] = {}
        """The persistent variables (one ``buf.state`` each) by name."""
        for op in function.walk():
            if isinstance(op, StateOp):
                self.states.setdefault(op.variable_name, op)
        self.state_size = state_size(self.states.values())

    def arena_global(self, view: ViewOp) -> str:
        """The C pointer global of the pool (arena) a view lies in."""
        owner = view.source.owner
        for pool in self.pools:
            if pool.arena is owner:
                return pool.global_name
        raise StaiError("convert-buf-to-c: a buf.view of no buf.arena of the function")

    # ----------------------------------------------------------- helpers
    def float_value(self, value: float) -> float | str:
        """A float literal; a non-finite one is C (``INFINITY``), which needs math.h."""
        if math.isfinite(value):
            return float(value)
        self.needs_math = True
        if math.isnan(value):
            return "NAN"
        return "INFINITY" if value > 0 else "-INFINITY"

    def float_field(self, value: float) -> Attribute:
        v = self.float_value(value)
        return StringAttr(v) if isinstance(v, str) else FloatAttr(v, f32)

    @staticmethod
    def op_label(op: Operation, step: int) -> str:
        return f"{op.name.split('.')[-1]}_{step}"

    def io_buffers(self, role: str) -> list[IOBuffer]:
        key = "buf.inputs" if role == "input" else "buf.outputs"
        names_attr = self.function.attributes.get(key)
        views: dict[int, ViewOp | ExternOp] = {}
        for op in self.function.walk():
            if isinstance(op, ExternOp) and op.role_name == role:
                if op.index_value not in views or views[op.index_value].nbytes < op.nbytes:
                    views[op.index_value] = op
            if isinstance(op, ViewOp) and op.role_name == role:
                index = op.index_value
                assert index is not None
                seen = views.get(index)
                if seen is not None and (
                    isinstance(seen, ExternOp) or seen.byte_offset != op.byte_offset
                ):
                    raise StaiError(f"convert-buf-to-c: two {role} views with index {index}")
                views.setdefault(index, op)
        count = len(names_attr.data) if isinstance(names_attr, ArrayAttr) else len(views)
        if sorted(views) != list(range(count)):
            raise StaiError(
                f"convert-buf-to-c: expected {role} views with indices 0..{count - 1}, "
                f"found {sorted(views)}"
            )
        out = []
        for i in range(count):
            name = f"{role}_{i}"
            entry = names_attr.data[i] if isinstance(names_attr, ArrayAttr) else None
            if isinstance(entry, StringAttr):
                name = entry.data
            v = views[i]
            offset = v.byte_offset if isinstance(v, ViewOp) else -1
            out.append(IOBuffer(name, offset, v.nbytes))
        return out

    # ------------------------------------------------------------- files
    def build(self) -> list[c.FileOp]:
        inputs, outputs = self.io_buffers("input"), self.io_buffers("output")
        run = self._run()
        impl = self._impl_file(inputs, outputs, run)
        n = self.names.network
        arrays: list[Operation] = list(self.data.arrays)
        blob = None
        if self.packed and self.data.arrays:
            blob = c_memory.pack_arrays(f"{self.names.data}_weights", self.data.arrays)
            arrays = [
                c.CommentOp(f"{len(self.data.arrays)} constant arrays in one little-endian blob"),
                c_memory.blob_array(blob),
            ]
        files = [
            self._api_header(inputs, outputs),
            impl,
            self._data_header(blob),
            c.FileOp(
                f"{n}_data.c",
                [
                    c.CommentOp(f"Weights of the '{n}' network (generated by stai)."),
                    *(
                        [c.IncludeOp("math.h", True)]
                        if self._data_needs_math() and blob is None
                        else []
                    ),
                    c.IncludeOp(f"{n}_data.h"),
                    *arrays,
                ],
            ),
        ]
        if blob is not None:
            c_memory.redirect_to_blob(files, blob)
        return files

    def _data_needs_math(self) -> bool:
        for a in self.data.arrays:
            if isa(a.value, DenseIntOrFPElementsAttr[Float32Type | Float64Type]):
                if not all(math.isfinite(v) for v in a.value.get_values()):
                    return True
        return False

    def _data_header(self, blob: c_memory.Blob | None = None) -> c.FileOp:
        n = self.names
        if blob is not None:
            declarations: list[Operation] = [
                c.DefineOp(f"{n.macro}_WEIGHTS_SIZE", len(blob.data)),
                c_memory.blob_array(blob, declaration=True),
            ]
        else:
            declarations = self.data.declarations()
        booleans = any(
            isinstance(d, c.ArrayOp) and str(d.type.element_type) == "i1" for d in declarations
        )
        return c.FileOp(
            f"{n.network}_data.h",
            [
                c.CommentOp(f"Weights of the '{n.network}' network (generated by stai)."),
                *([c.IncludeOp("stdbool.h", True)] if booleans else []),
                c.IncludeOp("stdint.h", True),
                *declarations,
            ],
            guard=f"{n.macro}_DATA_H",
            extern_c=True,
        )

    def _api_header(self, inputs: list[IOBuffer], outputs: list[IOBuffer]) -> c.FileOp:
        n = self.names
        m = n.macro
        ops: list[Operation] = [
            c.CommentOp(f"The '{n.network}' network (generated by stai)."),
            c.IncludeOp("stddef.h", True),
            c.IncludeOp("stdint.h", True),
            c.CommentOp("Bytes of the activation buffer(s) the caller provides to init."),
            c.DefineOp(f"{m}_ACTIVATIONS_SIZE", sum(p.size for p in self.pools)),
            c.DefineOp(f"{m}_ACTIVATIONS_ALIGNMENT", self.arena.alignment.value.data),
            c.DefineOp(f"{m}_IN_NUM", len(inputs)),
            c.DefineOp(f"{m}_OUT_NUM", len(outputs)),
        ]
        ops += [c.DefineOp(f"{m}_IN_{i}_SIZE", b.nbytes) for i, b in enumerate(inputs)]
        ops += [c.DefineOp(f"{m}_OUT_{i}_SIZE", b.nbytes) for i, b in enumerate(outputs)]
        ops += c_memory.header_ops(n.network, self.pools, self.externs, n.prefix)
        if self.state_size:
            ops += [
                c.CommentOp(
                    "Bytes of the state the network keeps between runs (its own static buffer)."
                ),
                c.DefineOp(f"{m}_STATE_SIZE", self.state_size),
            ]
        pools_text = "the activations" if len(self.pools) == 1 else "one buffer per pool"
        ops += [
            c.CommentOp(f"Binds {pools_text} ({m}_ACTIVATIONS_ALIGNMENT-byte aligned): 0 = ok."),
            c.FuncOp(
                n.fn("init"),
                [VOID_PTR] * len(self.pools),
                INT,
                arg_names=[p.param for p in self.pools],
            ),
            c.CommentOp(
                "Inputs and outputs (in the activations, or the caller's): "
                "NULL / 0 for a bad index."
            ),
            c.FuncOp(n.fn("input_ptr"), [INT], VOID_PTR, arg_names=["index"]),
            c.FuncOp(n.fn("input_size"), [INT], SIZE_T, arg_names=["index"]),
            c.FuncOp(n.fn("output_ptr"), [INT], VOID_PTR, arg_names=["index"]),
            c.FuncOp(n.fn("output_size"), [INT], SIZE_T, arg_names=["index"]),
            c.CommentOp(
                "Runs the network: 0 = ok, -1 before init (or a caller buffer is not "
                "set), k + 1 if kernel k failed."
            ),
            c.FuncOp(n.fn("run"), [], INT),
        ]
        if self.state_size:
            ops += [
                c.CommentOp("Sets the state to its initial value (init does it too)."),
                c.FuncOp(n.fn("reset"), [], None),
            ]
        if self.observer:
            ops += observer_hooks.header_ops(n.network, len(self.nodes), n.prefix)
        return c.FileOp(f"{n.network}.h", ops, guard=f"{m}_H", extern_c=True)

    def _impl_file(
        self, inputs: list[IOBuffer], outputs: list[IOBuffer], run: c.FuncOp
    ) -> c.FileOp:
        n = self.names
        if self.state_size:
            self.called |= {"stai_state_fill", "stai_copy"}
        includes: list[Operation] = [c.IncludeOp("stddef.h", True), c.IncludeOp("stdint.h", True)]
        if self.needs_math:
            includes.append(c.IncludeOp("math.h", True))
        includes += [c.IncludeOp(f"{n.network}.h"), c.IncludeOp(f"{n.network}_data.h")]
        if any(f.startswith("arm_") for f in self.called):
            includes.append(c.IncludeOp("arm_nnfunctions.h"))
        if any(f.startswith("stai_") for f in self.called):
            includes.append(c.IncludeOp("stai_kernels.h"))
        includes += [c.IncludeOp(h) for h in headers_for(self.called)]
        return c.FileOp(
            f"{n.network}.c",
            [
                c.CommentOp(f"The '{n.network}' network (generated by stai)."),
                *includes,
                *c_memory.globals_ops(n.network, self.pools, self.externs, n.prefix),
                *self._state_ops(),
                self._init_func(),
                *[
                    c_memory.set_io_func(
                        n.network,
                        role,
                        {i: c_memory.extern_alignment(self.function, role, i) for i in ids},
                        n.prefix,
                    )
                    for role, ids in self.externs.items()
                    if ids
                ],
                self._io_ptr("input", inputs),
                self._io_size("input", inputs),
                self._io_ptr("output", outputs),
                self._io_size("output", outputs),
                *(
                    observer_hooks.impl_ops(n.network, self.nodes, n.prefix)
                    if self.observer
                    else []
                ),
                run,
            ],
        )

    # ------------------------------------------------------------- state
    def _state_ops(self) -> list[Operation]:
        """The state buffer, the initial values and ``reset`` (none without state)."""
        if not self.state_size:
            return []
        n = self.names
        u8 = TensorType(IntegerType(8, Signedness.UNSIGNED), [self.state_size])
        ops: list[Operation] = [
            c.ArrayOp(n.fn("state"), u8, const=False, static=True, zeroed=True, alignment=16)
        ]
        body: list[Operation] = []
        base = c.GetGlobalOp(n.fn("state"), BYTE_PTR, array=True)
        zero = c.LiteralOp(0, I32)
        size = c.LiteralOp(self.state_size, I32)
        body += [base, zero, size, c.CallOp("stai_state_fill", [base, zero, size])]
        for k, (name, state) in enumerate(self.states.items()):
            if state.initial is None or not any(state.initial.get_values()):
                continue
            init_name = n.fn(f"state_init_{k}")
            t = state.initial.get_type()
            assert isinstance(t, TensorType)
            ops.append(c.CommentOp(f"The initial value of variable '{_comment_text(name)}'."))
            ops.append(c.ArrayOp(init_name, t, state.initial, static=True))
            src = c.GetGlobalOp(init_name, VOID_PTR, array=True)
            dst = c.OffsetPtrOp(base, state.byte_offset, VOID_PTR)
            count = c.LiteralOp(state.nbytes, I32)
            body += [src, dst, count, c.CallOp("stai_copy", [src, dst, count])]
        body.append(c.ReturnOp())
        ops.append(c.FuncOp(n.fn("reset"), [], None, Region(Block(body))))
        return ops

    def _init_func(self) -> c.FuncOp:
        """``init``; with state, it also calls ``reset`` before it returns 0."""
        init = c_memory.init_func(self.names.network, self.pools, self.names.prefix)
        if self.state_size:
            last = init.body.blocks[0].last_op
            assert isinstance(last, c.ReturnOp)
            init.body.blocks[0].insert_op_before(c.CallOp(self.names.fn("reset"), []), last)
        return init

    # --------------------------------------------------------- functions
    def _io_ptr(self, role: str, buffers: list[IOBuffer]) -> c.FuncOp:
        block = Block(arg_types=[INT])
        (index,) = block.args
        index.name_hint = "index"
        arena = c.GetGlobalOp(self._io_arena_global(role), BYTE_PTR)
        null = c.LiteralOp("NULL", VOID_PTR)
        null_b = c.LiteralOp("NULL", BYTE_PTR)
        is_null = c.BinaryOp("==", arena, null_b, INT)
        ptrs: list[Operation] = []
        for i, b in enumerate(buffers):
            if b.offset < 0:
                names = self.names
                ext = c.GetGlobalOp(
                    c_memory.extern_global(names.network, role, i, names.prefix), BYTE_PTR
                )
                ptrs += [ext, c.CastOp(ext, VOID_PTR)]
            else:
                ptrs.append(c.OffsetPtrOp(arena, b.offset, VOID_PTR))
        values = [p for p in ptrs if not isinstance(p, c.GetGlobalOp)]
        guard: list[Operation] = [arena, null_b, is_null, c.IfReturnOp(is_null, null)]
        if all(b.offset < 0 for b in buffers):
            guard = []
        block.add_ops(
            [null, *guard, *ptrs, c.SwitchReturnOp(index, range(len(buffers)), values, null)]
        )
        return c.FuncOp(self.names.fn(f"{role}_ptr"), [INT], VOID_PTR, Region(block))

    def _io_arena_global(self, role: str) -> str:
        """The pool global of the arena that holds this role's views (pool 0 if none)."""
        for op in self.function.walk():
            if isinstance(op, ViewOp) and op.role_name == role:
                return self.arena_global(op)
        return self.pools[0].global_name

    def _io_size(self, role: str, buffers: list[IOBuffer]) -> c.FuncOp:
        block = Block(arg_types=[INT])
        (index,) = block.args
        index.name_hint = "index"
        sizes = [c.LiteralOp(b.nbytes, SIZE_T) for b in buffers]
        zero = c.LiteralOp(0, SIZE_T)
        block.add_ops([*sizes, zero, c.SwitchReturnOp(index, range(len(buffers)), sizes, zero)])
        return c.FuncOp(self.names.fn(f"{role}_size"), [INT], SIZE_T, Region(block))

    def _run(self) -> c.FuncOp:
        block = Block()
        minus_one = c.LiteralOp(-1, INT)
        block.add_op(minus_one)
        block.add_ops(
            c_memory.check_bound_ops(
                self.names.network,
                self.pools,
                self.externs,
                minus_one.result,
                self.names.prefix,
            )
        )
        step = 0
        for op in self.function.body.block.ops:
            match op:
                case ArenaOp() | ViewOp() | ExternOp() | StateOp() | GetConstOp() | func.ReturnOp():
                    continue
                case qnn.KernelOp():
                    block.add_op(self._kernel(op, step))
                    step += 1
                case _:
                    raise fail(op, "cannot be lowered to C (expected buf and qnn ops)")
        zero = c.LiteralOp(0, INT)
        block.add_ops([zero, c.ReturnOp(zero)])
        return c.FuncOp(self.names.fn("run"), [], INT, Region(block))

    def _kernel(self, op: qnn.KernelOp, step: int) -> c.ScopeOp:
        emitter = EMITTERS.get(type(op))
        if emitter is None:
            raise fail(op, "no C kernel for this op")
        if not op.is_bufferized:
            raise fail(op, "expected the buffer form (run convert-qnn-to-buf first)")
        k = KernelBlock(self, op, step)
        label = op.name.removeprefix("qnn.")
        name = op.attributes.get("nn.name")
        if isinstance(name, StringAttr):
            label += " " + re.sub(r"[^ -~]|\*/", "?", name.data)
        k.ops.append(c.CommentOp(f"{step}: {label} ({op.kind})"))
        if self.observer:
            self._observe(k, step)
            return c.ScopeOp(k.ops)
        emitter(k)
        return c.ScopeOp(k.ops)

    def _observe(self, k: KernelBlock, step: int) -> None:
        """The kernel between the observer's before and after hooks (``observer=true``)."""
        try:
            self.nodes.append(observer_hooks.node_info(k.op, step))
        except ValueError as e:
            raise fail(k.op, str(e)) from e

        def output_pointer(ops: list[Operation]) -> SSAValue:
            saved, k.ops = k.ops, ops
            value = out_of(k.op)
            if isinstance(value.owner, StateOp):  # an assignment: the value it stores
                value = k.op.ins[0]
            try:
                return k.ptr(value, not isinstance(value.owner, StateOp))
            finally:
                k.ops = saved

        network, prefix = self.names.network, self.names.prefix
        k.ops.append(observer_hooks.node_hook(network, "BEFORE", step, output_pointer, prefix))
        EMITTERS[type(k.op)](k)
        k.ops.append(observer_hooks.node_hook(network, "AFTER", step, output_pointer, prefix))


def _comment_text(text: str) -> str:
    """``text`` safe inside a C comment."""
    return re.sub(r"[^ -~]|\*/", "?", text)
