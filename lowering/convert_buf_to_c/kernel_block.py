"""``KernelBlock``: builds the C block of one kernel call (literals, structs, pointers
into the arena or the weights, the checked call). Every emitter takes one and fills it.

Trained values. What an emitter reads of the op's parameters (``p``, ``pi``, ``pf``,
``plist``, ``act`` for an integer kernel: offsets, multipliers, shifts, clamp bounds,
softmax and activation parameters) depends on the training and the quantization, not on
the graph. When the weights are one packed blob (``convert-buf-to-c{weights=packed}``,
what ``--binary`` detaches) those readers return ``Trained`` / ``TrainedFloat`` numbers,
and a literal made of one (by ``int_``, ``float_`` or as a field of ``struct``) carries
the unit attribute ``c.trained``. ``detach-weights`` then moves every marked literal into
the weights file's parameter table and reads it from there at run time; the printed C
of a packed build is unchanged (a marked literal prints as the literal). A value
computed from a trained number (``int(v)``, arithmetic) is a plain number again: it stays
in the code, and the structure hash of the weights file covers it (a file of other
training is then refused, never run with stale constants). Tables (per-channel
multipliers and shifts, filter scales) are const arrays, in the blob already.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Protocol

from xdsl.dialects.builtin import (
    AnyFloat,
    DenseArrayBase,
    FloatAttr,
    IntegerAttr,
    IntegerType,
    UnitAttr,
    f32,
)
from xdsl.ir import Attribute, Operation, SSAValue
from xdsl.utils.hints import isa

from stai.dialects import c, qnn
from stai.dialects.buf import ExternOp, GetConstOp, ViewOp, byte_size
from stai.lowering import c_memory
from stai.lowering.convert_buf_to_c.common import (
    BYTE_PTR,
    I32,
    I32_PTR,
    OK,
    VOID_PTR,
    DataTables,
    Names,
    element_c,
    fail,
    memref_of,
    nhwc,
    shape_of,
    size_of,
)

TRAINED = "c.trained"
"""The unit attribute of a ``c.literal`` whose value is trained (``detach-weights`` moves
it into the weights file)."""


class Trained(int):
    """An integer parameter of the op, as the readers return it in a packed build."""


class TrainedFloat(float):
    """A float parameter of the op, as ``pf`` returns it in a packed build."""


def is_trained(op: Operation) -> bool:
    """Whether ``op`` is a ``c.literal`` holding a trained value."""
    return isinstance(op, c.LiteralOp) and TRAINED in op.attributes


class Lowering(Protocol):
    """What a kernel block needs of the network being lowered (``NetworkLowering``)."""

    names: Names
    data: DataTables
    called: set[str]
    packed: bool

    def arena_global(self, view: ViewOp) -> str: ...

    def float_value(self, value: float) -> float | str: ...

    def float_field(self, value: float) -> Attribute: ...

    @staticmethod
    def op_label(op: Operation, step: int) -> str: ...


class KernelBlock:
    """Builds the C block of one kernel call: literals, structs, pointers, the call."""

    def __init__(self, lowering: Lowering, op: qnn.KernelOp, step: int):
        self.low = lowering
        self.op = op
        self.step = step
        self.ops: list[Operation] = []
        self.marks = bool(getattr(lowering, "packed", False))
        """Mark trained literals (a packed build, ``--binary`` may detach them)."""

    # ------------------------------------------------------------ values
    def add(self, op: Operation, hint: str | None = None) -> SSAValue:
        self.ops.append(op)
        result = op.results[0]
        if hint is not None:
            result.name_hint = hint
        return result

    def int_(self, value: int, type: Attribute = I32) -> SSAValue:
        literal = c.LiteralOp(int(value), type)
        if self.marks and isinstance(value, Trained):
            literal.attributes[TRAINED] = UnitAttr()
        return self.add(literal)

    def float_(self, value: float) -> SSAValue:
        number = self.low.float_value(value)
        literal = c.LiteralOp(number, f32)
        if self.marks and isinstance(value, TrainedFloat) and not isinstance(number, str):
            literal.attributes[TRAINED] = UnitAttr()
        return self.add(literal)

    def _trained_fields(self, init: dict[str, object]) -> dict[str, object]:
        """``init`` with every trained number made a marked literal (an SSA field)."""
        out: dict[str, object] = {}
        for key, value in init.items():
            if isinstance(value, dict):
                out[key] = self._trained_fields(value)  # pyright: ignore[reportUnknownArgumentType]
            elif isinstance(value, Trained):
                out[key] = self.int_(value)
            elif isinstance(value, TrainedFloat) and math.isfinite(value):
                out[key] = self.float_(value)
            else:
                out[key] = value
        return out

    def ptr(self, value: SSAValue, writable: bool = False) -> SSAValue:
        """The C pointer to a buffer: a view of the arena or a weight array."""
        owner = value.owner
        element = element_c(value.type)
        if isinstance(owner, ViewOp):
            arena = self.add(c.GetGlobalOp(self.low.arena_global(owner), BYTE_PTR))
            return self.add(c.OffsetPtrOp(arena, owner.byte_offset, c.CType(f"{element} *")))
        if isinstance(owner, ExternOp):
            names = self.low.names
            name = c_memory.extern_global(
                names.network, owner.role_name, owner.index_value, names.prefix
            )
            base = self.add(c.GetGlobalOp(name, BYTE_PTR))
            return self.add(c.CastOp(base, c.CType(f"{element} *")))
        if isinstance(owner, GetConstOp):
            if writable:
                raise fail(self.op, "a constant cannot be written")
            symbol = owner.symbol.root_reference.data
            if symbol not in self.low.data.by_symbol:
                raise fail(self.op, f"no buf.const named @{symbol}")
            name = self.low.data.by_symbol[symbol]
            return self.add(c.GetGlobalOp(name, c.CType(f"const {element} *"), array=True))
        raise fail(self.op, f"cannot address a buffer made by '{getattr(owner, 'name', '?')}'")

    def struct(self, hint: str, type_name: str, init: dict[str, object]) -> SSAValue:
        """``&hint`` of a ``const type_name hint = {...}`` (``static`` when constant)."""
        if self.marks:
            init = self._trained_fields(init)
        probe = c.StructOp(init, c.CType(type_name))
        static = all(c.is_constant_expression(a) for a in probe.args)
        probe.erase()
        value = self.add(c.StructOp(init, c.CType(type_name), static=static), hint)
        return self.add(c.AddrOp(value, c.CType(f"const {type_name} *")))

    def dims(self, hint: str, shape: Sequence[int]) -> SSAValue:
        n, h, w, ch = nhwc(shape, hint)
        return self.struct(hint, "cmsis_nn_dims", {"n": n, "h": h, "w": w, "c": ch})

    def context(self) -> SSAValue:
        scratch = self.op.scratch
        if scratch is None:
            return self.struct("ctx", "cmsis_nn_context", {"buf": "NULL", "size": 0})
        owner = scratch.owner
        if isinstance(owner, GetConstOp):  # precomputed (kernel sums): read only
            table = self.ptr(scratch)
            buf = self.add(c.CastOp(table, VOID_PTR))
            size = byte_size(memref_of(scratch))
            return self.struct("ctx", "cmsis_nn_context", {"buf": buf, "size": size})
        if not isinstance(owner, ViewOp):
            raise fail(self.op, "the scratch buffer must be a view of the arena or a constant")
        arena = self.add(c.GetGlobalOp(self.low.arena_global(owner), BYTE_PTR))
        buf = self.add(c.OffsetPtrOp(arena, owner.byte_offset, VOID_PTR))
        return self.struct("ctx", "cmsis_nn_context", {"buf": buf, "size": owner.nbytes})

    def table(self, what: str, values: Sequence[int]) -> SSAValue:
        """An ``(int32_t *)`` pointer to a const int32 table in the data file."""
        name = self.low.data.add_int32_table(
            f"{self.low.op_label(self.op, self.step)}_{what}", [int(v) for v in values]
        )
        array = self.add(c.GetGlobalOp(name, c.CType("const int32_t *"), array=True))
        return self.add(c.CastOp(array, I32_PTR))

    def call(self, callee: str, args: Sequence[SSAValue], checked: bool = True) -> None:
        self.low.called.add(callee)
        if checked:
            self.ops.append(c.CallOp(callee, args, ok=OK, error_return=self.step + 1))
        else:
            self.ops.append(c.CallOp(callee, args))

    # -------------------------------------------------------- parameters
    def p(self, name: str) -> int:
        try:
            value = self.op.int_param(name)
        except KeyError as e:
            raise fail(self.op, f"missing parameter '{name}'") from e
        return Trained(value) if self.marks else value

    def pf(self, name: str) -> float:
        value = self.op.param(name)
        if isinstance(value, FloatAttr | IntegerAttr):
            number = float(value.value.data)
            return TrainedFloat(number) if self.marks else number
        raise fail(self.op, f"parameter '{name}' is not a number")

    def pi(self, name: str) -> SSAValue:
        return self.int_(self.p(name))

    def plist(self, name: str) -> list[int]:
        value = self.op.param(name)
        if not isinstance(value, DenseArrayBase):
            raise fail(self.op, f"parameter '{name}' must be an array")
        return [Trained(v) if self.marks else int(v) for v in value.get_values()]

    def act(self) -> tuple[float, float]:
        """The clamp range: integer bounds of an integer kernel (trained: they follow the
        output's quantization), float bounds of a float one (the graph's activation)."""
        act = self.op.act
        if act is None:
            raise fail(self.op, "missing clamp range 'act'")
        if isa(act, DenseArrayBase[IntegerType]):
            lo, hi = act.get_values()
            if self.marks:
                return Trained(lo), Trained(hi)
        else:
            assert isa(act, DenseArrayBase[AnyFloat]), "a dense array holds integers or floats"
            lo, hi = act.get_values()
        return lo, hi

    def act_ints(self) -> tuple[int, int]:
        """The integer clamp range of an integer kernel (trained numbers in a packed
        build: ``int(v)`` of ``act()`` would leave them in the code)."""
        lo, hi = self.act()
        return (
            lo if isinstance(lo, Trained) else int(lo),
            hi if isinstance(hi, Trained) else int(hi),
        )

    def act_struct(self) -> dict[str, object]:
        lo, hi = self.act_ints()
        return {"min": lo, "max": hi}

    def conv_dims(self, x: SSAValue, w: SSAValue, b: SSAValue, y: SSAValue) -> tuple[SSAValue, ...]:
        """The input, filter, bias and output dims of a convolution of ``x`` by ``w``."""
        return (
            self.dims("input_dims", shape_of(x)),
            self.dims("filter_dims", shape_of(w)),
            self.dims("bias_dims", (1, 1, 1, size_of(b))),
            self.dims("output_dims", shape_of(y)),
        )

    def weighted_args(
        self, dims: Sequence[SSAValue], x: SSAValue, w: SSAValue, b: SSAValue, y: SSAValue
    ) -> list[SSAValue]:
        """The operands every weighted kernel (convolution, fully connected) takes after
        its parameters: each of input, filter, bias and output as its dims and pointer."""
        in_dims, f_dims, b_dims, out_dims = dims
        return [
            in_dims,
            self.ptr(x),
            f_dims,
            self.ptr(w),
            b_dims,
            self.ptr(b),
            out_dims,
            self.ptr(y, True),
        ]

    def fc_dims(self, rows: int, depth: int, outputs: int) -> tuple[SSAValue, ...]:
        """The input, filter, bias and output dims of a fully connected layer (the layout
        of the CMSIS-NN API: filter ``{depth, 1, 1, outputs}``)."""
        return (
            self.dims("input_dims", (rows, 1, 1, depth)),
            self.dims("filter_dims", (depth, 1, 1, outputs)),
            self.dims("bias_dims", (1, 1, 1, outputs)),
            self.dims("output_dims", (rows, 1, 1, outputs)),
        )

    def fc_params_s8(self) -> SSAValue:
        """``&fc_params``: the ``cmsis_nn_fc_params`` of an int8 fully connected."""
        return self.struct(
            "fc_params",
            "cmsis_nn_fc_params",
            {
                "input_offset": self.p("input_offset"),
                "filter_offset": self.p("filter_offset"),
                "output_offset": self.p("output_offset"),
                "activation": self.act_struct(),
            },
        )

    def per_channel_quant(
        self, mults: Sequence[int] | None = None, shifts: Sequence[int] | None = None
    ) -> SSAValue:
        """``&quant_params``: a ``cmsis_nn_per_channel_quant_params`` pointing at const
        tables of the multipliers and shifts (by default the op's own)."""
        return self.struct(
            "quant_params",
            "cmsis_nn_per_channel_quant_params",
            {
                "multiplier": self.table(
                    "multipliers", self.plist("multipliers") if mults is None else mults
                ),
                "shift": self.table("shifts", self.plist("shifts") if shifts is None else shifts),
            },
        )

    def act_floats(self) -> dict[str, object]:
        lo, hi = self.act()
        return {"act_min": self.low.float_field(lo), "act_max": self.low.float_field(hi)}

    def geometry(self, name: str) -> tuple[int, ...]:
        value = getattr(self.op, name, None)
        if not isinstance(value, DenseArrayBase):
            raise fail(self.op, f"missing property '{name}'")
        return tuple(int(v) for v in value.get_values())

    def tiles(self, with_dilation: bool) -> dict[str, object]:
        sh, sw = self.geometry("strides")
        top, _bottom, left, _right = self.geometry("pads")
        out: dict[str, object] = {"stride": {"w": sw, "h": sh}, "padding": {"w": left, "h": top}}
        if with_dilation:
            dh, dw = self.geometry("dilations")
            out["dilation"] = {"w": dw, "h": dh}
        return out


def out_of(op: qnn.KernelOp) -> SSAValue:
    """The output buffer of a kernel op in buffer form."""
    if op.out is None:
        raise fail(op, "expected the buffer form (run convert-qnn-to-buf first)")
    return op.out


def scratch_ptr(k: KernelBlock) -> SSAValue:
    """The ``void *`` of the op's scratch view of the arena."""
    scratch = k.op.scratch
    assert scratch is not None and isinstance(scratch.owner, ViewOp)
    arena = k.add(c.GetGlobalOp(k.low.arena_global(scratch.owner), BYTE_PTR))
    return k.add(c.OffsetPtrOp(arena, scratch.owner.byte_offset, VOID_PTR))


def hybrid_quant(k: KernelBlock, channels: int) -> SSAValue:
    """The ``stai_hybrid_quant_params_f32`` of a hybrid kernel: its ``filter_scales`` as a
    const float table (one, or one per output channel); checks the scratch buffer."""
    op = k.op
    if op.scratch is None:
        raise fail(op, "a hybrid kernel needs its scratch buffer (run convert-qnn-to-buf)")
    scales = op.param("filter_scales")
    if not isinstance(scales, DenseArrayBase):
        raise fail(op, "parameter 'filter_scales' must be an array")
    values = [float(v) for v in scales.get_values()]
    if len(values) not in (1, channels):
        raise fail(op, "one filter scale, or one per output channel, expected")
    name = k.low.data.add_float_table(f"{k.low.op_label(op, k.step)}_filter_scales", values)
    table = k.add(c.GetGlobalOp(name, c.CType("const float *"), array=True))
    return k.struct(
        "quant_params", "stai_hybrid_quant_params_f32", {"scales": table, "num_scales": len(values)}
    )
