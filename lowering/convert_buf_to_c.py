"""``convert-buf-to-c``: buffer-form IR -> the ``c`` dialect, four generated files.

The function ``@main()`` after ``convert-qnn-to-buf`` (one ``buf.arena``, ``buf.view``s,
``buf.get_const``s and ``qnn`` kernel ops in buffer form) and the module's ``buf.const``
arrays become four ``c.file`` ops (``NAME`` is the pass option ``network``, alias
``name``; ``-p 'convert-buf-to-c{name=kws}'``):

* ``NAME.h``: the API. ``STAI_NAME_ACTIVATIONS_SIZE``, ``STAI_NAME_IN_NUM``,
  ``STAI_NAME_OUT_NUM``, ``stai_NAME_init(void *activations)``, ``stai_NAME_input_ptr``,
  ``stai_NAME_input_size``, ``stai_NAME_output_ptr``, ``stai_NAME_output_size`` and
  ``stai_NAME_run``;
* ``NAME.c``: those functions. The only mutable global is the arena pointer set by
  ``init``; ``run`` holds one block per kernel that calls it with the CMSIS-NN API's
  structs (``cmsis_nn_context`` with the kernel's scratch view, ``cmsis_nn_dims`` per
  tensor, parameters, quantization tables) or with stai's own kernels, and returns
  the kernel's position + 1 when a kernel reports an error;
* ``NAME_data.h`` / ``NAME_data.c``: the weights and the per-channel multiplier and shift
  tables as ``const`` arrays.

Before::

    buf.const @fc_weights dense<1> : memref<4x8xi8> {alignment = 4 : i64}
    func.func @main() attributes {buf.inputs = ["in"], buf.outputs = ["out"]} {
      %arena = buf.arena {size = 48 : i64, alignment = 16 : i64} : memref<48xi8>
      %x = buf.view %arena[0] {role = "input", index = 0 : i64} : memref<48xi8> -> memref<1x8xi8>
      %w = buf.get_const @fc_weights : memref<4x8xi8>
      ...
      qnn.fully_connected ins(%x, %w, %b : ...) outs(%y : memref<1x4xi8>) {...}
      func.return
    }

After (``NAME.c``, abridged)::

    c.file "network.c" {
      c.include "network.h"
      c.global static @stai_network_arena : !c.type<"uint8_t *"> = "NULL"
      c.func @stai_network_run() -> !c.type<"int"> {
        c.scope {
          %fc_params = c.struct static {input_offset = 128, ...} : !c.type<"cmsis_nn_fc_params">
          ...
          c.call "arm_fully_connected_s8"(...) {ok = "ARM_CMSIS_NN_SUCCESS", error_return = 1 : i64} ...
        }
        ...
      }
    }
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from xdsl.context import Context
from xdsl.dialects import func
from xdsl.dialects.builtin import (
    ArrayAttr,
    DenseArrayBase,
    DenseIntOrFPElementsAttr,
    FloatAttr,
    IntegerAttr,
    MemRefType,
    ModuleOp,
    StringAttr,
    TensorType,
    f32,
    i32,
)
from xdsl.ir import Attribute, Block, Operation, Region, SSAValue
from xdsl.passes import ModulePass
from xdsl.pattern_rewriter import (
    PatternRewriter,
    PatternRewriteWalker,
    RewritePattern,
    op_type_rewrite_pattern,
)
from xdsl.utils.arg_spec import ArgSpec

from stai.dialects import c, qnn
from stai.dialects.buf import ArenaOp, ConstOp, ExternOp, GetConstOp, ViewOp, byte_size
from stai.errors import StaiError
from stai.lowering import c_memory, observer_hooks

OK = "ARM_CMSIS_NN_SUCCESS"
"""The success value of every kernel (both APIs return ``arm_cmsis_nn_status``)."""

BYTE_PTR = c.CType("uint8_t *")
VOID_PTR = c.CType("void *")
INT = c.CType("int")
SIZE_T = c.CType("size_t")
I32: Attribute = i32
I32_PTR = c.CType("int32_t *")

_ELEMENT_C = {"s8": "int8_t", "s32": "int32_t", "f32": "float", "s16": "int16_t"}


def c_identifier(text: str) -> str:
    """``text`` made into a C identifier (other characters become ``_``)."""
    out = re.sub(r"[^A-Za-z0-9_]", "_", text).strip("_") or "x"
    out = re.sub(r"_+", "_", out)
    return "v" + out if out[0].isdigit() else out


def _element_c(t: Attribute) -> str:
    kind = qnn.element_kind(t)
    if kind not in _ELEMENT_C:
        raise StaiError(f"convert-buf-to-c: no C element type for {t}")
    return _ELEMENT_C[kind]


def _shape(value: SSAValue) -> tuple[int, ...]:
    t = value.type
    assert isinstance(t, MemRefType | TensorType)
    return tuple(t.get_shape())


def _size(value: SSAValue) -> int:
    return math.prod(_shape(value))


def _nhwc(shape: Sequence[int], what: str) -> tuple[int, int, int, int]:
    """A shape of rank <= 4 as NHWC dims (leading 1s)."""
    if len(shape) > 4:
        raise StaiError(f"convert-buf-to-c: {what} has rank {len(shape)} (at most 4 supported)")
    n, h, w, ch = (1,) * (4 - len(shape)) + tuple(shape)
    return n, h, w, ch


def _fail(op: Operation, message: str) -> StaiError:
    name = op.attributes.get("nn.name")
    where = f"{op.name} '{name.data}'" if isinstance(name, StringAttr) else op.name
    return StaiError(f"convert-buf-to-c: {where}: {message}")


# ---------------------------------------------------------------------------- naming


@dataclass
class Names:
    """The C names of one network."""

    network: str

    def __post_init__(self) -> None:
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", self.network):
            raise StaiError(f"network name '{self.network}' is not a C identifier")

    @property
    def macro(self) -> str:
        return f"STAI_{self.network.upper()}"

    def fn(self, what: str) -> str:
        return f"stai_{self.network}_{what}"

    @property
    def arena(self) -> str:
        return f"stai_{self.network}_arena"


# ------------------------------------------------------------------- data (weights)


@dataclass
class DataTables:
    """The const arrays of ``NAME_data.c``: weights and per-op tables."""

    names: Names
    arrays: list[c.ArrayOp] = field(default_factory=lambda: [])
    by_symbol: dict[str, str] = field(default_factory=lambda: {})
    _taken: set[str] = field(default_factory=lambda: set())

    def _fresh(self, base: str) -> str:
        name = f"{self.names.network}_{c_identifier(base)}"
        candidate, n = name, 1
        while candidate in self._taken:
            candidate = f"{name}_{n}"
            n += 1
        self._taken.add(candidate)
        return candidate

    def add_const(self, op: ConstOp) -> None:
        name = self._fresh(op.sym_name.data)
        self.by_symbol[op.sym_name.data] = name
        t = op.memref_type
        alignment = op.alignment.value.data
        natural = (t.element_type.bitwidth + 7) // 8  # type: ignore[attr-defined]
        self.arrays.append(
            c.ArrayOp(name, t, op.value, alignment=alignment if alignment > natural else None)
        )

    def add_int32_table(self, base: str, values: Sequence[int]) -> str:
        name = self._fresh(base)
        t = TensorType(i32, [len(values)])
        self.arrays.append(c.ArrayOp(name, t, DenseIntOrFPElementsAttr.from_list(t, list(values))))
        return name

    def add_float_table(self, base: str, values: Sequence[float]) -> str:
        name = self._fresh(base)
        t = TensorType(f32, [len(values)])
        self.arrays.append(c.ArrayOp(name, t, DenseIntOrFPElementsAttr.from_list(t, list(values))))
        return name

    def declarations(self) -> list[Operation]:
        return [c.ArrayOp(a.sym_name.data, a.type) for a in self.arrays]


# ------------------------------------------------------------------------- kernels


class KernelBlock:
    """Builds the C block of one kernel call: literals, structs, pointers, the call."""

    def __init__(self, lowering: NetworkLowering, op: qnn.KernelOp, step: int):
        self.low = lowering
        self.op = op
        self.step = step
        self.ops: list[Operation] = []

    # ------------------------------------------------------------ values
    def add(self, op: Operation, hint: str | None = None) -> SSAValue:
        self.ops.append(op)
        result = op.results[0]
        if hint is not None:
            result.name_hint = hint
        return result

    def int_(self, value: int, type: Attribute = I32) -> SSAValue:
        return self.add(c.LiteralOp(int(value), type))

    def float_(self, value: float) -> SSAValue:
        return self.add(c.LiteralOp(self.low.float_value(value), f32))

    def ptr(self, value: SSAValue, writable: bool = False) -> SSAValue:
        """The C pointer to a buffer: a view of the arena or a weight array."""
        owner = value.owner
        element = _element_c(value.type)
        if isinstance(owner, ViewOp):
            arena = self.add(c.GetGlobalOp(self.low.arena_global(owner), BYTE_PTR))
            return self.add(c.OffsetPtrOp(arena, owner.byte_offset, c.CType(f"{element} *")))
        if isinstance(owner, ExternOp):
            name = c_memory.extern_global(self.low.names.network, owner.role_name,
                                          owner.index_value)
            base = self.add(c.GetGlobalOp(name, BYTE_PTR))
            return self.add(c.CastOp(base, c.CType(f"{element} *")))
        if isinstance(owner, GetConstOp):
            if writable:
                raise _fail(self.op, "a constant cannot be written")
            symbol = owner.symbol.root_reference.data
            if symbol not in self.low.data.by_symbol:
                raise _fail(self.op, f"no buf.const named @{symbol}")
            name = self.low.data.by_symbol[symbol]
            return self.add(c.GetGlobalOp(name, c.CType(f"const {element} *"), array=True))
        raise _fail(self.op, f"cannot address a buffer made by '{getattr(owner, 'name', '?')}'")

    def struct(self, hint: str, type_name: str, init: dict[str, object]) -> SSAValue:
        """``&hint`` of a ``const type_name hint = {...}`` (``static`` when constant)."""
        probe = c.StructOp(init, c.CType(type_name))
        static = all(c._is_constant_expression(a) for a in probe.args)  # pyright: ignore[reportPrivateUsage]
        probe.erase()
        value = self.add(c.StructOp(init, c.CType(type_name), static=static), hint)
        return self.add(c.AddrOp(value, c.CType(f"const {type_name} *")))

    def dims(self, hint: str, shape: Sequence[int]) -> SSAValue:
        n, h, w, ch = _nhwc(shape, hint)
        return self.struct(hint, "cmsis_nn_dims", {"n": n, "h": h, "w": w, "c": ch})

    def context(self) -> SSAValue:
        scratch = self.op.scratch
        if scratch is None:
            return self.struct("ctx", "cmsis_nn_context", {"buf": "NULL", "size": 0})
        owner = scratch.owner
        if isinstance(owner, GetConstOp):  # precomputed (kernel sums): read only
            table = self.ptr(scratch)
            buf = self.add(c.CastOp(table, VOID_PTR))
            return self.struct("ctx", "cmsis_nn_context", {"buf": buf, "size": byte_size(scratch.type)})
        if not isinstance(owner, ViewOp):
            raise _fail(self.op, "the scratch buffer must be a view of the arena or a constant")
        arena = self.add(c.GetGlobalOp(self.low.arena_global(owner), BYTE_PTR))
        buf = self.add(c.OffsetPtrOp(arena, owner.byte_offset, VOID_PTR))
        return self.struct("ctx", "cmsis_nn_context", {"buf": buf, "size": owner.nbytes})

    def table(self, what: str, values: Sequence[int]) -> SSAValue:
        """An ``(int32_t *)`` pointer to a const int32 table in the data file."""
        name = self.low.data.add_int32_table(f"{self.low.op_label(self.op, self.step)}_{what}", values)
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
            return self.op.int_param(name)
        except KeyError as e:
            raise _fail(self.op, f"missing parameter '{name}'") from e

    def pf(self, name: str) -> float:
        value = self.op.param(name)
        if isinstance(value, FloatAttr):
            return float(value.value.data)
        if isinstance(value, IntegerAttr):
            return float(value.value.data)
        raise _fail(self.op, f"parameter '{name}' is not a number")

    def pi(self, name: str) -> SSAValue:
        return self.int_(self.p(name))

    def plist(self, name: str) -> list[int]:
        value = self.op.param(name)
        if not isinstance(value, DenseArrayBase):
            raise _fail(self.op, f"parameter '{name}' must be an array")
        return [int(v) for v in value.get_values()]

    def act(self) -> tuple[float, float]:
        if self.op.act is None:
            raise _fail(self.op, "missing clamp range 'act'")
        lo, hi = self.op.act.get_values()
        return lo, hi

    def act_struct(self) -> dict[str, object]:
        lo, hi = self.act()
        return {"min": int(lo), "max": int(hi)}

    def fc_dims(self, rows: int, depth: int, outputs: int) -> tuple[SSAValue, ...]:
        """The input, filter, bias and output dims of a fully connected layer (the layout
        of the CMSIS-NN API: filter ``{depth, 1, 1, outputs}``)."""
        return (self.dims("input_dims", (rows, 1, 1, depth)),
                self.dims("filter_dims", (depth, 1, 1, outputs)),
                self.dims("bias_dims", (1, 1, 1, outputs)),
                self.dims("output_dims", (rows, 1, 1, outputs)))

    def fc_params_s8(self) -> SSAValue:
        """``&fc_params``: the ``cmsis_nn_fc_params`` of an int8 fully connected."""
        return self.struct("fc_params", "cmsis_nn_fc_params", {
            "input_offset": self.p("input_offset"),
            "filter_offset": self.p("filter_offset"),
            "output_offset": self.p("output_offset"),
            "activation": self.act_struct(),
        })

    def per_channel_quant(self, mults: Sequence[int] | None = None,
                          shifts: Sequence[int] | None = None) -> SSAValue:
        """``&quant_params``: a ``cmsis_nn_per_channel_quant_params`` pointing at const
        tables of the multipliers and shifts (by default the op's own)."""
        return self.struct("quant_params", "cmsis_nn_per_channel_quant_params", {
            "multiplier": self.table("multipliers",
                                     self.plist("multipliers") if mults is None else mults),
            "shift": self.table("shifts", self.plist("shifts") if shifts is None else shifts),
        })

    def act_floats(self) -> dict[str, object]:
        lo, hi = self.act()
        return {"act_min": self.low.float_field(lo), "act_max": self.low.float_field(hi)}

    def geometry(self, name: str) -> tuple[int, ...]:
        value = getattr(self.op, name, None)
        if not isinstance(value, DenseArrayBase):
            raise _fail(self.op, f"missing property '{name}'")
        return tuple(int(v) for v in value.get_values())

    def tiles(self, with_dilation: bool) -> dict[str, object]:
        sh, sw = self.geometry("strides")
        top, _bottom, left, _right = self.geometry("pads")
        out: dict[str, object] = {"stride": {"w": sw, "h": sh}, "padding": {"w": left, "h": top}}
        if with_dilation:
            dh, dw = self.geometry("dilations")
            out["dilation"] = {"w": dw, "h": dh}
        return out


def _out(op: qnn.KernelOp) -> SSAValue:
    if op.out is None:
        raise _fail(op, "expected the buffer form (run convert-qnn-to-buf first)")
    return op.out


# Every kernel emitter takes the block being built and fills it.


def emit_conv(k: KernelBlock) -> None:
    op = k.op
    x, w, b = op.ins
    y = _out(op)
    depthwise = isinstance(op, qnn.DepthwiseConv2DOp)
    in_dims, f_dims = k.dims("input_dims", _shape(x)), k.dims("filter_dims", _shape(w))
    b_dims = k.dims("bias_dims", (1, 1, 1, _size(b)))
    out_dims = k.dims("output_dims", _shape(y))
    mult = 0
    if depthwise:
        dm = getattr(op, "depth_multiplier", None)
        if not isinstance(dm, IntegerAttr):
            raise _fail(op, "missing integer 'depth_multiplier'")
        mult = dm.value.data
    if op.kind == "f32":
        init: dict[str, object] = ({"ch_mult": mult} if depthwise else {}) | k.tiles(True)
        init |= k.act_floats()
        type_name = "stai_dw_conv_params_f32" if depthwise else "stai_conv_params_f32"
        params = k.struct("conv_params", type_name, init)
        callee = "stai_depthwise_conv2d_f32" if depthwise else "stai_conv2d_f32"
        k.call(callee, [params, in_dims, k.ptr(x), f_dims, k.ptr(w), b_dims, k.ptr(b), out_dims,
                        k.ptr(y, True)])
        return
    ctx = k.context()
    init = {"input_offset": k.p("input_offset"), "output_offset": k.p("output_offset")}
    if depthwise:
        init["ch_mult"] = mult
    init |= k.tiles(True) | {"activation": k.act_struct()}
    type_name = "cmsis_nn_dw_conv_params" if depthwise else "cmsis_nn_conv_params"
    params = k.struct("conv_params", type_name, init)
    quant = k.per_channel_quant()
    callee = "arm_depthwise_conv_wrapper_s8" if depthwise else "arm_convolve_wrapper_s8"
    k.call(callee, [ctx, params, quant, in_dims, k.ptr(x), f_dims, k.ptr(w), b_dims, k.ptr(b),
                    out_dims, k.ptr(y, True)])


def _hybrid_quant(k: KernelBlock, channels: int) -> SSAValue:
    """The ``stai_hybrid_quant_params_f32`` of a hybrid kernel: its ``filter_scales`` as a
    const float table (one, or one per output channel); checks the scratch buffer."""
    op = k.op
    if op.scratch is None:
        raise _fail(op, "a hybrid kernel needs its scratch buffer (run convert-qnn-to-buf)")
    scales = op.param("filter_scales")
    if not isinstance(scales, DenseArrayBase):
        raise _fail(op, "parameter 'filter_scales' must be an array")
    values = [float(v) for v in scales.get_values()]
    if len(values) not in (1, channels):
        raise _fail(op, "one filter scale, or one per output channel, expected")
    name = k.low.data.add_float_table(f"{k.low.op_label(op, k.step)}_filter_scales", values)
    table = k.add(c.GetGlobalOp(name, c.CType("const float *"), array=True))
    return k.struct("quant_params", "stai_hybrid_quant_params_f32",
                    {"scales": table, "num_scales": len(values)})


def emit_hybrid_conv(k: KernelBlock) -> None:
    """``stai_conv2d_hybrid_f32`` / ``stai_depthwise_conv2d_hybrid_f32``: f32 activations,
    int8 weights (1 byte each in flash), the filter scales as a const float table, the
    input quantized into the scratch buffer."""
    op = k.op
    x, w, b = op.ins
    y = _out(op)
    ctx = k.context()
    if isinstance(op, qnn.HybridDepthwiseConv2DOp):
        dm = getattr(op, "depth_multiplier", None)
        if not isinstance(dm, IntegerAttr):
            raise _fail(op, "missing integer 'depth_multiplier'")
        init = {"ch_mult": dm.value.data} | k.tiles(True) | k.act_floats()
        params = k.struct("conv_params", "stai_dw_conv_params_f32", init)
        callee = "stai_depthwise_conv2d_hybrid_f32"
    else:
        params = k.struct("conv_params", "stai_conv_params_f32", k.tiles(True) | k.act_floats())
        callee = "stai_conv2d_hybrid_f32"
    quant = _hybrid_quant(k, _shape(y)[-1])
    k.call(callee, [
        ctx, params, quant, k.dims("input_dims", _shape(x)), k.ptr(x),
        k.dims("filter_dims", _shape(w)), k.ptr(w), k.dims("bias_dims", (1, 1, 1, _size(b))),
        k.ptr(b), k.dims("output_dims", _shape(y)), k.ptr(y, True)])


def _fc_shape(op: qnn.KernelOp) -> tuple[int, int, int]:
    """Rows, accumulation depth and outputs of a fully connected op (checked)."""
    x, w, _b = op.ins
    w_shape = _shape(w)
    if len(w_shape) != 2:
        raise _fail(op, "the weights must be [outputs, depth]")
    outputs, depth = w_shape
    if _size(x) % depth or _size(_out(op)) != _size(x) // depth * outputs:
        raise _fail(op, "input, weight and output shapes do not agree")
    return _size(x) // depth, depth, outputs


def emit_hybrid_fully_connected(k: KernelBlock) -> None:
    """``stai_fully_connected_hybrid_f32``: f32 activations, int8 weights (1 byte each in
    flash), the filter scales as a const float table, each row quantized into the scratch
    buffer (symmetric or asymmetric, the ``asymmetric_inputs`` parameter)."""
    op = k.op
    x, w, b = op.ins
    y = _out(op)
    rows, depth, outputs = _fc_shape(op)
    ctx = k.context()
    init = {"asymmetric_inputs": k.p("asymmetric_inputs")} | k.act_floats()
    params = k.struct("fc_params", "stai_fc_hybrid_params_f32", init)
    quant = _hybrid_quant(k, outputs)
    in_dims, f_dims, b_dims, out_dims = k.fc_dims(rows, depth, outputs)
    k.call("stai_fully_connected_hybrid_f32", [
        ctx, params, quant, in_dims, k.ptr(x), f_dims, k.ptr(w), b_dims, k.ptr(b), out_dims,
        k.ptr(y, True)])


def emit_fully_connected(k: KernelBlock) -> None:
    op = k.op
    x, w, b = op.ins
    y = _out(op)
    rows, depth, outputs = _fc_shape(op)
    in_dims, f_dims, b_dims, out_dims = k.fc_dims(rows, depth, outputs)
    if op.kind == "f32":
        params = k.struct("fc_params", "stai_fc_params_f32", k.act_floats())
        k.call("stai_fully_connected_f32", [params, in_dims, k.ptr(x), f_dims, k.ptr(w), b_dims,
                                            k.ptr(b), out_dims, k.ptr(y, True)])
        return
    ctx = k.context()
    if op.scratch is not None and not isinstance(op.scratch.owner, GetConstOp):
        # The CMSIS-NN API reads precomputed kernel sums from the scratch buffer when it
        # asks for one (Helium): fill it first (unless convert-qnn-to-buf computed them).
        sums = k.add(c.CastOp(_scratch_ptr(k), I32_PTR))
        k.call("arm_vector_sum_s8", [sums, k.int_(depth), k.int_(outputs), k.ptr(w),
                                     k.pi("input_offset"), k.pi("filter_offset"), k.ptr(b)])
    params = k.fc_params_s8()
    mults, shifts = k.plist("multipliers"), k.plist("shifts")
    if len(mults) == 1:
        quant = k.struct("quant_params", "cmsis_nn_per_tensor_quant_params",
                         {"multiplier": mults[0], "shift": shifts[0]})
        callee = "arm_fully_connected_s8"
    else:
        if len(mults) != outputs or len(shifts) != outputs:
            raise _fail(op, "one multiplier and shift per output expected")
        quant = k.per_channel_quant(mults, shifts)
        callee = "arm_fully_connected_per_channel_s8"
    k.call(callee, [ctx, params, quant, in_dims, k.ptr(x), f_dims, k.ptr(w), b_dims, k.ptr(b),
                    out_dims, k.ptr(y, True)])


def emit_fully_connected_codebook(k: KernelBlock) -> None:
    """``stai_fully_connected_codebook_f32`` / ``_s8``: k-means-shared weights, decoded by
    the kernel from the codebook and the packed indices (``compress-weights``)."""
    op = k.op
    assert isinstance(op, qnn.FullyConnectedCodebookOp)
    x, book, index, b = op.ins
    y = _out(op)
    outputs, depth = op.ints("weight_shape")
    if _size(x) % depth or _size(y) != _size(x) // depth * outputs:
        raise _fail(op, "input, weight and output shapes do not agree")
    rows = _size(x) // depth
    in_dims, f_dims, b_dims, out_dims = k.fc_dims(rows, depth, outputs)
    indices = k.add(c.CastOp(k.ptr(index), c.CType("const uint8_t *")))
    compressed = [k.ptr(book), indices, k.int_(op.bits), b_dims, k.ptr(b), out_dims,
                  k.ptr(y, True)]
    if op.kind == "f32":
        params = k.struct("fc_params", "stai_fc_params_f32", k.act_floats())
        k.call("stai_fully_connected_codebook_f32", [params, in_dims, k.ptr(x), f_dims,
                                                     *compressed])
        return
    params = k.fc_params_s8()
    mults, shifts = k.plist("multipliers"), k.plist("shifts")
    if len(mults) not in (1, outputs) or len(shifts) != len(mults):
        raise _fail(op, "one multiplier and shift, or one per output, expected")
    quant = k.per_channel_quant(mults, shifts)
    k.call("stai_fully_connected_codebook_s8", [params, quant, k.int_(int(len(mults) > 1)),
                                                in_dims, k.ptr(x), f_dims, *compressed])


def emit_conv2d_codebook(k: KernelBlock) -> None:
    """``stai_conv2d_codebook_f32`` / ``_s8``: a convolution whose filter is decoded by the
    kernel from the codebook and the packed indices (``compress-weights``)."""
    op = k.op
    assert isinstance(op, qnn.Conv2DCodebookOp)
    x, book, index, b = op.ins
    y = _out(op)
    in_dims = k.dims("input_dims", _shape(x))
    f_dims = k.dims("filter_dims", op.ints("weight_shape"))
    b_dims = k.dims("bias_dims", (1, 1, 1, _size(b)))
    out_dims = k.dims("output_dims", _shape(y))
    indices = k.add(c.CastOp(k.ptr(index), c.CType("const uint8_t *")))
    compressed = [k.ptr(book), indices, k.int_(op.bits), b_dims, k.ptr(b), out_dims,
                  k.ptr(y, True)]
    if op.kind == "f32":
        params = k.struct("conv_params", "stai_conv_params_f32", k.tiles(True) | k.act_floats())
        k.call("stai_conv2d_codebook_f32", [params, in_dims, k.ptr(x), f_dims, *compressed])
        return
    init = {"input_offset": k.p("input_offset"), "output_offset": k.p("output_offset")}
    init |= k.tiles(True) | {"activation": k.act_struct()}
    params = k.struct("conv_params", "cmsis_nn_conv_params", init)
    quant = k.per_channel_quant()
    k.call("stai_conv2d_codebook_s8", [params, quant, in_dims, k.ptr(x), f_dims, *compressed])


def _scratch_ptr(k: KernelBlock) -> SSAValue:
    scratch = k.op.scratch
    assert scratch is not None and isinstance(scratch.owner, ViewOp)
    arena = k.add(c.GetGlobalOp(k.low.arena_global(scratch.owner), BYTE_PTR))
    return k.add(c.OffsetPtrOp(arena, scratch.owner.byte_offset, VOID_PTR))


def emit_pool(k: KernelBlock) -> None:
    op = k.op
    (x,) = op.ins
    y = _out(op)
    kh, kw = k.geometry("kernel")
    in_dims = k.dims("input_dims", _shape(x))
    f_dims = k.dims("filter_dims", (1, kh, kw, 1))
    out_dims = k.dims("output_dims", _shape(y))
    average = isinstance(op, qnn.AvgPool2DOp)
    if op.kind == "f32":
        params = k.struct("pool_params", "stai_pool_params_f32", k.tiles(False) | k.act_floats())
        callee = "stai_avgpool_f32" if average else "stai_max_pool_f32"
        k.call(callee, [params, in_dims, k.ptr(x), f_dims, out_dims, k.ptr(y, True)])
        return
    ctx = k.context()
    params = k.struct("pool_params", "cmsis_nn_pool_params",
                      k.tiles(False) | {"activation": k.act_struct()})
    callee = "arm_avgpool_s8" if average else "arm_max_pool_s8"
    k.call(callee, [ctx, params, in_dims, k.ptr(x), f_dims, out_dims, k.ptr(y, True)])


_BINARY_F32 = {qnn.AddOp: "stai_add_f32", qnn.SubOp: "stai_sub_f32", qnn.MulOp: "stai_mul_f32",
               qnn.DivOp: "stai_div_f32"}


def emit_binary(k: KernelBlock) -> None:
    op = k.op
    a, b = op.ins
    y = _out(op)
    same = _size(a) == _size(b) == _size(y)
    if op.kind == "f32":
        lo, hi = k.act()
        k.call(_BINARY_F32[type(op)], [
            k.dims("input1_dims", _shape(a)), k.ptr(a), k.dims("input2_dims", _shape(b)),
            k.ptr(b), k.dims("output_dims", _shape(y)), k.ptr(y, True), k.float_(lo),
            k.float_(hi)])
        return
    lo, hi = (int(v) for v in k.act())
    if isinstance(op, qnn.MulOp):
        offsets = [k.pi("input1_offset"), k.pi("input2_offset")]
        out_args = [k.pi("output_offset"), k.pi("output_multiplier"), k.pi("output_shift"),
                    k.int_(lo), k.int_(hi)]
        if same:
            k.call("arm_elementwise_mul_s8", [k.ptr(a), k.ptr(b), *offsets, k.ptr(y, True),
                                              *out_args, k.int_(_size(y))])
        else:
            k.call("stai_broadcast_mul_s8", [
                k.ptr(a), k.dims("input1_dims", _shape(a)), k.ptr(b),
                k.dims("input2_dims", _shape(b)), *offsets, k.ptr(y, True),
                k.dims("output_dims", _shape(y)), *out_args])
        return
    if not isinstance(op, qnn.AddOp | qnn.SubOp):
        raise _fail(op, "no int8 kernel")
    ins_args = [k.pi("input1_offset"), k.pi("input1_multiplier"), k.pi("input1_shift"),
                k.pi("input2_offset"), k.pi("input2_multiplier"), k.pi("input2_shift"),
                k.pi("left_shift")]
    out_args = [k.pi("output_offset"), k.pi("output_multiplier"), k.pi("output_shift"),
                k.int_(lo), k.int_(hi)]
    add = isinstance(op, qnn.AddOp)
    if same:
        callee = "arm_elementwise_add_s8" if add else "stai_elementwise_sub_s8"
        k.call(callee, [k.ptr(a), k.ptr(b), *ins_args, k.ptr(y, True), *out_args,
                        k.int_(_size(y))])
    else:
        callee = "stai_broadcast_add_s8" if add else "stai_broadcast_sub_s8"
        k.call(callee, [k.ptr(a), k.dims("input1_dims", _shape(a)), k.ptr(b),
                        k.dims("input2_dims", _shape(b)), *ins_args, k.ptr(y, True),
                        k.dims("output_dims", _shape(y)), *out_args])


def emit_softmax(k: KernelBlock) -> None:
    op = k.op
    (x,) = op.ins
    y = _out(op)
    shape = _shape(x)
    depth = shape[-1] if shape else 1
    rows = _size(x) // depth
    if op.kind == "f32":
        k.call("stai_softmax_f32", [k.ptr(x), k.int_(rows), k.int_(depth),
                                    k.float_(k.pf("beta")), k.ptr(y, True)])
        return
    # The int8 softmax of the CMSIS-NN API returns nothing: there is nothing to check.
    k.call("arm_softmax_s8", [k.ptr(x), k.int_(rows), k.int_(depth), k.pi("multiplier"),
                              k.pi("shift"), k.pi("diff_min"), k.ptr(y, True)], checked=False)


def emit_unary(k: KernelBlock) -> None:
    """Element-wise kernels of the form ``f(in, out, size, ...)``."""
    op = k.op
    (x,) = op.ins
    y = _out(op)
    size = k.int_(_size(y))
    io = [k.ptr(x), k.ptr(y, True), size]
    kind = op.kind
    match op:
        case qnn.ClampOp() if kind == "f32":
            lo, hi = k.act()
            k.call("stai_clamp_f32", [*io, k.float_(lo), k.float_(hi)])
        case qnn.ClampOp():
            lo, hi = (int(v) for v in k.act())
            k.call("stai_relu_s8", [*io, k.pi("input_offset"), k.pi("multiplier"),
                                    k.pi("shift"), k.pi("output_offset"), k.int_(lo), k.int_(hi)])
        case qnn.LogisticOp() | qnn.TanhOp() if kind == "f32":
            k.call("stai_logistic_f32" if isinstance(op, qnn.LogisticOp) else "stai_tanh_f32", io)
        case qnn.LogisticOp() | qnn.TanhOp():
            callee = "stai_logistic_s8" if isinstance(op, qnn.LogisticOp) else "stai_tanh_s8"
            k.call(callee, [*io, k.pi("input_zero_point"), k.pi("input_range_radius"),
                            k.pi("input_multiplier"), k.pi("input_left_shift")])
        case qnn.LeakyReluOp() if kind == "f32":
            k.call("stai_leaky_relu_f32", [*io, k.float_(k.pf("alpha"))])
        case qnn.LeakyReluOp():
            # parameter names as quant_math.LeakyReluParamsS8 and the kernel's arguments
            k.call("stai_leaky_relu_s8", [*io, *(k.pi(n) for n in (
                "input_offset", "output_offset", "identity_mult", "identity_shift",
                "alpha_mult", "alpha_shift"))])
        case qnn.HardSwishOp() if kind == "f32":
            k.call("stai_hard_swish_f32", io)
        case qnn.HardSwishOp():
            k.call("stai_hard_swish_s8", [*io, *(k.pi(n) for n in (
                "input_zero_point", "output_zero_point", "output_multiplier",
                "output_multiplier_exponent", "reluish_multiplier",
                "reluish_multiplier_exponent"))])
        case qnn.SwishOp() if kind == "f32":
            k.call("stai_swish_f32", io)
        case qnn.HardSigmoidOp() if kind == "f32":
            k.call("stai_hard_sigmoid_f32", [*io, k.float_(k.pf("alpha")), k.float_(k.pf("beta"))])
        case qnn.QuantizeOp() if kind == "f32":
            k.call("stai_quantize_f32_s8", [*io, k.float_(k.pf("scale")), k.pi("zero_point")])
        case qnn.DequantizeOp() if kind == "s8":
            k.call("stai_dequantize_s8_f32", [*io, k.float_(k.pf("scale")), k.pi("zero_point")])
        case qnn.RequantizeOp() if kind == "s8":
            k.call("stai_requantize_s8", [*io, k.pi("input_offset"), k.pi("multiplier"),
                                          k.pi("shift"), k.pi("output_offset")])
        case _:
            raise _fail(op, f"no {kind} kernel")


def emit_pad(k: KernelBlock) -> None:
    op = k.op
    (x,) = op.ins
    y = _out(op)
    pads = list(k.geometry("pads"))
    if len(pads) > 8 or len(pads) % 2:
        raise _fail(op, "pads must hold before/after amounts for at most 4 dimensions")
    pads = [0] * (8 - len(pads)) + pads
    in_dims = k.dims("input_dims", _shape(x))
    pre = k.dims("pad_before", pads[0::2])
    post = k.dims("pad_after", pads[1::2])
    if op.kind == "f32":
        k.call("stai_pad_f32", [k.ptr(x), k.ptr(y, True), k.float_(k.pf("pad_value")), in_dims,
                                pre, post])
    else:
        k.call("stai_pad_s8", [k.ptr(x), in_dims, pre, post,
                               k.int_(k.p("pad_value"), c.CType("int8_t")), k.ptr(y, True)])


def emit_concat(k: KernelBlock) -> None:
    op = k.op
    assert isinstance(op, qnn.ConcatOp)
    y = _out(op)
    out_shape = _shape(y)
    axis = op.axis.value.data if isinstance(op.axis, IntegerAttr) else None
    if axis is None:
        raise _fail(op, "missing integer 'axis'")
    if axis < 0:
        axis += len(out_shape)
    if not 0 <= axis < len(out_shape):
        raise _fail(op, f"axis {axis} out of range")
    element = byte_size(MemRefType(y.type.element_type, [1]))  # type: ignore[attr-defined]
    outer = math.prod(out_shape[:axis])
    out_inner = math.prod(out_shape[axis:]) * element
    offset = 0
    for x in op.ins:
        inner = math.prod(_shape(x)[axis:]) * element
        k.call("stai_concat", [k.ptr(x), k.ptr(y, True), k.int_(outer), k.int_(inner),
                               k.int_(out_inner), k.int_(offset)])
        offset += inner
    if offset != out_inner:
        raise _fail(op, "the inputs do not fill the output along the axis")


def emit_reshape(k: KernelBlock) -> None:
    op = k.op
    (x,) = op.ins
    y = _out(op)
    xo, yo = x.owner, y.owner
    if isinstance(xo, ViewOp) and isinstance(yo, ViewOp) and xo.byte_offset == yo.byte_offset:
        k.ops.append(c.CommentOp("reshape: the output aliases the input"))
        return
    k.call("stai_copy", [k.ptr(x), k.ptr(y, True), k.int_(byte_size(y.type))])  # type: ignore[arg-type]


def emit_mean(k: KernelBlock) -> None:
    op = k.op
    (x,) = op.ins
    y = _out(op)
    in_dims = k.dims("input_dims", _shape(x))
    if op.kind == "f32":
        k.call("stai_mean_hw_f32", [in_dims, k.ptr(x), k.ptr(y, True)])
    else:
        k.call("stai_mean_hw_s8", [k.ptr(x), in_dims, k.ptr(y, True), k.pi("input_offset"),
                                   k.pi("multiplier"), k.pi("shift"), k.pi("output_offset")])


def emit_prelu(k: KernelBlock) -> None:
    op = k.op
    x, alpha = op.ins
    y = _out(op)
    if op.kind not in ("f32", "s8"):
        raise _fail(op, f"no {op.kind} kernel")
    x_shape = _shape(x)
    a_shape = (1,) * (len(x_shape) - len(_shape(alpha))) + _shape(alpha)
    args = [k.dims("input_dims", x_shape), k.ptr(x), k.dims("alpha_dims", a_shape),
            k.ptr(alpha), k.ptr(y, True)]
    if op.kind == "f32":
        k.call("stai_prelu_f32", args)
    else:  # parameter names as quant_math.PReluParamsS8 and the kernel's arguments
        k.call("stai_prelu_s8", [*args, *(k.pi(n) for n in qnn.PReluOp.S8_PARAMS)])


def emit_lstm(k: KernelBlock) -> None:
    op = k.op
    x, w, r, b = op.ins
    y = _out(op)
    if op.kind != "f32" or op.scratch is None:
        raise _fail(op, "expected a float32 LSTM with a scratch buffer")
    batches, steps, features = _shape(x)
    units = _shape(r)[1]
    sequences = 1 if op.return_sequences.value.data else 0
    params = k.struct("lstm_params", "stai_lstm_params_f32",
                      {"units": units, "return_sequences": sequences})
    state = k.add(c.CastOp(_scratch_ptr(k), c.CType("float *")))
    k.call("stai_lstm_f32", [params, k.dims("input_dims", (batches, 1, steps, features)),
                             k.ptr(x), k.ptr(w), k.ptr(r), k.ptr(b), state, k.ptr(y, True)])


def emit_transpose(k: KernelBlock) -> None:
    op = k.op
    (x,) = op.ins
    y = _out(op)
    perm = list(k.geometry("perm"))
    shape = _shape(x)
    if len(perm) != len(shape) or len(perm) > 4:
        raise _fail(op, "perm must be a permutation of the input's rank (at most 4)")
    lead = 4 - len(perm)
    full = list(range(lead)) + [p + lead for p in perm]
    element = byte_size(MemRefType(y.type.element_type, [1]))  # type: ignore[attr-defined]
    k.call("stai_transpose", [k.ptr(x), k.ptr(y, True), k.dims("input_dims", shape),
                              *(k.int_(p) for p in full), k.int_(element)])


def emit_transpose_conv(k: KernelBlock) -> None:
    op = k.op
    x, w, b = op.ins
    y = _out(op)
    if op.kind != "f32":
        raise _fail(op, f"no {op.kind} kernel")
    params = k.struct("conv_params", "stai_conv_params_f32", k.tiles(True) | k.act_floats())
    k.call("stai_transpose_conv2d_f32", [
        params, k.dims("input_dims", _shape(x)), k.ptr(x), k.dims("filter_dims", _shape(w)),
        k.ptr(w), k.dims("bias_dims", (1, 1, 1, _size(b))), k.ptr(b),
        k.dims("output_dims", _shape(y)), k.ptr(y, True)])


EMITTERS = {
    qnn.Conv2DOp: emit_conv,
    qnn.HybridConv2DOp: emit_hybrid_conv,
    qnn.DepthwiseConv2DOp: emit_conv,
    qnn.HybridDepthwiseConv2DOp: emit_hybrid_conv,
    qnn.FullyConnectedOp: emit_fully_connected,
    qnn.HybridFullyConnectedOp: emit_hybrid_fully_connected,
    qnn.FullyConnectedCodebookOp: emit_fully_connected_codebook,
    qnn.Conv2DCodebookOp: emit_conv2d_codebook,
    qnn.AvgPool2DOp: emit_pool,
    qnn.MaxPool2DOp: emit_pool,
    qnn.AddOp: emit_binary,
    qnn.SubOp: emit_binary,
    qnn.MulOp: emit_binary,
    qnn.DivOp: emit_binary,
    qnn.SoftmaxOp: emit_softmax,
    qnn.ClampOp: emit_unary,
    qnn.LogisticOp: emit_unary,
    qnn.TanhOp: emit_unary,
    qnn.LeakyReluOp: emit_unary,
    qnn.HardSwishOp: emit_unary,
    qnn.QuantizeOp: emit_unary,
    qnn.DequantizeOp: emit_unary,
    qnn.RequantizeOp: emit_unary,
    qnn.PadOp: emit_pad,
    qnn.ConcatOp: emit_concat,
    qnn.ReshapeOp: emit_reshape,
    qnn.MeanOp: emit_mean,
    qnn.TransposeOp: emit_transpose,
    qnn.TransposeConv2DOp: emit_transpose_conv,
    qnn.SwishOp: emit_unary,
    qnn.HardSigmoidOp: emit_unary,
    qnn.PReluOp: emit_prelu,
    qnn.LstmOp: emit_lstm,
}
"""The C emitter of each ``qnn`` op (the kernel it calls depends on the element kind)."""


# ------------------------------------------------------------------------- network


@dataclass
class IOBuffer:
    """A model input or output: its arena offset and size in bytes."""

    name: str
    offset: int
    nbytes: int


class NetworkLowering:
    """Builds the four files of one network from its buffer-form function."""

    def __init__(self, names: Names, function: func.FuncOp, consts: Sequence[ConstOp],
                 observer: bool = False, packed: bool = False):
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
        self.pools = c_memory.pools_of(function, names.network)
        self.arena = self.pools[0].arena
        self.externs = {role: sorted(c_memory.externs_of(function, role))
                        for role in ("input", "output")}

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
                if index in views and (isinstance(views[index], ExternOp)
                                       or views[index].byte_offset != op.byte_offset):
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
            if isinstance(names_attr, ArrayAttr) and isinstance(names_attr.data[i], StringAttr):
                name = names_attr.data[i].data  # type: ignore[union-attr]
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
            blob = c_memory.pack_arrays(f"{n}_weights", self.data.arrays)
            arrays = [c.CommentOp(f"{len(self.data.arrays)} constant arrays in one "
                                  "little-endian blob"), c_memory.blob_array(blob)]
        files = [self._api_header(inputs, outputs), impl, self._data_header(blob),
                 c.FileOp(f"{n}_data.c", [
                     c.CommentOp(f"Weights of the '{n}' network (generated by stai)."),
                     *([c.IncludeOp("math.h", True)]
                       if self._data_needs_math() and blob is None else []),
                     c.IncludeOp(f"{n}_data.h"),
                     *arrays,
                 ])]
        if blob is not None:
            c_memory.redirect_to_blob(files, blob)
        return files

    def _data_needs_math(self) -> bool:
        for a in self.data.arrays:
            if a.value is not None and str(a.value.get_element_type()) in ("f32", "f64"):
                if not all(math.isfinite(v) for v in a.value.get_values()):  # type: ignore[arg-type]
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
        return c.FileOp(f"{n.network}_data.h", [
            c.CommentOp(f"Weights of the '{n.network}' network (generated by stai)."),
            c.IncludeOp("stdint.h", True),
            *declarations,
        ], guard=f"{n.macro}_DATA_H", extern_c=True)

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
        ops += c_memory.header_ops(n.network, self.pools, self.externs)
        pools_text = "the activations" if len(self.pools) == 1 else "one buffer per pool"
        ops += [
            c.CommentOp(f"Binds {pools_text} ({m}_ACTIVATIONS_ALIGNMENT-byte aligned): 0 = ok."),
            c.FuncOp(n.fn("init"), [VOID_PTR] * len(self.pools), INT,
                     arg_names=[p.param for p in self.pools]),
            c.CommentOp("Inputs and outputs (in the activations, or the caller's): "
                        "NULL / 0 for a bad index."),
            c.FuncOp(n.fn("input_ptr"), [INT], VOID_PTR, arg_names=["index"]),
            c.FuncOp(n.fn("input_size"), [INT], SIZE_T, arg_names=["index"]),
            c.FuncOp(n.fn("output_ptr"), [INT], VOID_PTR, arg_names=["index"]),
            c.FuncOp(n.fn("output_size"), [INT], SIZE_T, arg_names=["index"]),
            c.CommentOp("Runs the network: 0 = ok, -1 before init (or a caller buffer is not "
                        "set), k + 1 if kernel k failed."),
            c.FuncOp(n.fn("run"), [], INT),
        ]
        if self.observer:
            ops += observer_hooks.header_ops(n.network, len(self.nodes))
        return c.FileOp(f"{n.network}.h", ops, guard=f"{m}_H", extern_c=True)

    def _impl_file(self, inputs: list[IOBuffer], outputs: list[IOBuffer], run: c.FuncOp) -> c.FileOp:
        n = self.names
        includes: list[Operation] = [c.IncludeOp("stddef.h", True), c.IncludeOp("stdint.h", True)]
        if self.needs_math:
            includes.append(c.IncludeOp("math.h", True))
        includes += [c.IncludeOp(f"{n.network}.h"), c.IncludeOp(f"{n.network}_data.h")]
        if any(f.startswith("arm_") for f in self.called):
            includes.append(c.IncludeOp("arm_nnfunctions.h"))
        if any(f.startswith("stai_") for f in self.called):
            includes.append(c.IncludeOp("stai_kernels.h"))
        return c.FileOp(f"{n.network}.c", [
            c.CommentOp(f"The '{n.network}' network (generated by stai)."),
            *includes,
            *c_memory.globals_ops(n.network, self.pools, self.externs),
            c_memory.init_func(n.network, self.pools),
            *[c_memory.set_io_func(n.network, role, {
                i: c_memory.extern_alignment(self.function, role, i) for i in ids})
              for role, ids in self.externs.items() if ids],
            self._io_ptr("input", inputs),
            self._io_size("input", inputs),
            self._io_ptr("output", outputs),
            self._io_size("output", outputs),
            *(observer_hooks.impl_ops(n.network, self.nodes) if self.observer else []),
            run,
        ])

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
                ext = c.GetGlobalOp(c_memory.extern_global(self.names.network, role, i), BYTE_PTR)
                ptrs += [ext, c.CastOp(ext, VOID_PTR)]
            else:
                ptrs.append(c.OffsetPtrOp(arena, b.offset, VOID_PTR))
        values = [p for p in ptrs if not isinstance(p, c.GetGlobalOp)]
        guard: list[Operation] = [arena, null_b, is_null, c.IfReturnOp(is_null, null)]
        if all(b.offset < 0 for b in buffers):
            guard = []
        block.add_ops([null, *guard, *ptrs,
                       c.SwitchReturnOp(index, range(len(buffers)), values, null)])
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
        block.add_ops(c_memory.check_bound_ops(self.names.network, self.pools, self.externs,
                                               minus_one.result))
        step = 0
        for op in self.function.body.block.ops:
            match op:
                case ArenaOp() | ViewOp() | ExternOp() | GetConstOp() | func.ReturnOp():
                    continue
                case qnn.KernelOp():
                    block.add_op(self._kernel(op, step))
                    step += 1
                case _:
                    raise _fail(op, "cannot be lowered to C (expected buf and qnn ops)")
        zero = c.LiteralOp(0, INT)
        block.add_ops([zero, c.ReturnOp(zero)])
        return c.FuncOp(self.names.fn("run"), [], INT, Region(block))

    def _kernel(self, op: qnn.KernelOp, step: int) -> c.ScopeOp:
        emitter = EMITTERS.get(type(op))
        if emitter is None:
            raise _fail(op, "no C kernel for this op")
        if not op.is_bufferized:
            raise _fail(op, "expected the buffer form (run convert-qnn-to-buf first)")
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
            raise _fail(k.op, str(e)) from e

        def output_pointer(ops: list[Operation]) -> SSAValue:
            saved, k.ops = k.ops, ops
            try:
                return k.ptr(_out(k.op), True)
            finally:
                k.ops = saved

        network = self.names.network
        k.ops.append(observer_hooks.node_hook(network, "BEFORE", step, output_pointer))
        EMITTERS[type(k.op)](k)
        k.ops.append(observer_hooks.node_hook(network, "AFTER", step, output_pointer))


# ---------------------------------------------------------------------------- pass


@dataclass
class LowerBufFunction(RewritePattern):
    """Replaces the buffer-form function (it has ``buf.inputs``) by the four C files."""

    names: Names
    observer: bool = False
    packed: bool = False

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: func.FuncOp, rewriter: PatternRewriter) -> None:
        if "buf.inputs" not in op.attributes and "buf.outputs" not in op.attributes:
            return
        module = op.parent_op()
        consts = [o for o in module.walk() if isinstance(o, ConstOp)] if module else []
        files = NetworkLowering(self.names, op, consts, self.observer, self.packed).build()
        rewriter.replace(op, files, [])


class EraseBufConst(RewritePattern):
    """Drops a ``buf.const`` once the C data file holds it (nothing reads it any more)."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: ConstOp, rewriter: PatternRewriter) -> None:
        module = op.parent_op()
        if module is not None and any(isinstance(o, GetConstOp) for o in module.walk()):
            return
        rewriter.erase(op)


@dataclass(frozen=True)
class ConvertBufToCPass(ModulePass):
    """Lowers the buffer-form network to ``c.file`` ops for ``NAME.h``, ``NAME.c``,
    ``NAME_data.h`` and ``NAME_data.c`` (``network``, alias ``name``: the C name)."""

    name = "convert-buf-to-c"

    network: str = "network"
    observer: bool = False
    """Emit the observer hooks and node tables, inside ``#if defined(STAI_OBSERVER)``."""
    weights: str = "split"
    """``split``: one ``const`` array per constant; ``packed``: one byte blob."""

    @classmethod
    def from_spec(cls, spec: ArgSpec) -> ConvertBufToCPass:
        parameters = dict(spec.parameters)
        if "name" in parameters:
            parameters["network"] = parameters.pop("name")
        return super().from_spec(ArgSpec(spec.name, parameters))

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        names = Names(self.network)
        if self.weights not in ("split", "packed"):
            raise StaiError(f"convert-buf-to-c: weights must be 'split' or 'packed', "
                            f"got '{self.weights}'")
        functions = [f for f in op.body.block.ops if isinstance(f, func.FuncOp)
                     and ("buf.inputs" in f.attributes or "buf.outputs" in f.attributes)]
        if len(functions) != 1:
            raise StaiError(
                f"convert-buf-to-c: expected one buffer-form function (with buf.inputs), "
                f"found {len(functions)}"
            )
        PatternRewriteWalker(
            LowerBufFunction(names, self.observer, self.weights == "packed"),
            apply_recursively=False
        ).rewrite_module(op)
        PatternRewriteWalker(EraseBufConst(), apply_recursively=False).rewrite_module(op)
