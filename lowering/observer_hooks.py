"""The observer hooks of ``convert-buf-to-c{observer=true}`` (see ``docs/observer.md``).

With the option the generated code gets, each inside ``#if defined(STAI_OBSERVER)``:

* in ``NAME.h``: ``#include "stai_observer.h"``, ``STAI_NAME_NODE_NUM`` and
  ``int stai_NAME_set_observer(stai_observer_fn fn, void *user)``;
* in ``NAME.c``: the registered callback and user pointer (two globals), the node tables
  (``static const``: one int32 row per node, one float scale per node, the names as one
  string), ``stai_NAME_set_observer`` and a static ``stai_NAME_observe`` that hands a node
  to the runtime's ``stai_observer_notify``;
* in ``stai_NAME_run``: a call of ``stai_NAME_observe`` before and after every kernel, with
  the node's output pointer.

Built without ``STAI_OBSERVER`` none of it exists: no code, no data.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from xdsl.dialects.builtin import (
    DenseIntOrFPElementsAttr,
    FloatAttr,
    IntegerAttr,
    MemRefType,
    StringAttr,
    TensorType,
    f32,
    i32,
)
from xdsl.ir import Block, Operation, Region, SSAValue

from stai.dialects import c, qnn
from stai.dialects.buf import byte_size

MACRO = "STAI_OBSERVER"
"""The macro that compiles the hooks in."""

MAX_RANK = 6
"""``STAI_OBSERVER_MAX_RANK`` of ``stai_observer.h``."""

ROW = 8 + MAX_RANK
"""int32 values per node in the row table (``STAI_OBSERVER_ROW``)."""

TYPE_CODES = {"s8": 1, "s16": 2, "s32": 3, "f32": 4, "u8": 5}
"""``stai_tensor_type`` of each element kind (``u8``: a model's uint8 input or output;
another kind, such as ``bool``, is 0)."""

FN_TYPE = c.CType("stai_observer_fn")
EVENT_TYPE = c.CType("stai_observer_event")
VOID_PTR = c.CType("void *")
INT = c.CType("int")


@dataclass
class NodeInfo:
    """What the observer tables say of one generated node."""

    c_id: int
    m_id: int
    type_name: str
    name: str
    kind: str
    shape: tuple[int, ...]
    size: int
    scale: float
    zero_point: int


def node_info(op: qnn.KernelOp, step: int) -> NodeInfo:
    """The table entry of a buffer-form kernel op (``step``: its position in ``run``)."""
    out = op.out
    assert out is not None and isinstance(out.type, MemRefType)
    m_id = op.attributes.get("nn.m_id")
    name = op.attributes.get("nn.name")
    scale = op.attributes.get("nn.out_scale")
    zp = op.attributes.get("nn.out_zero_point")
    shape = tuple(out.type.get_shape())
    if len(shape) > MAX_RANK:
        raise ValueError(f"observer: output of rank {len(shape)} (at most {MAX_RANK})")
    return NodeInfo(
        c_id=step,
        m_id=m_id.value.data if isinstance(m_id, IntegerAttr) else -1,
        type_name=op.name.removeprefix("qnn."),
        name=name.data if isinstance(name, StringAttr) else "",
        kind=qnn.element_kind(out.type),
        shape=shape,
        size=byte_size(out.type),
        scale=float(scale.value.data) if isinstance(scale, FloatAttr) else 0.0,
        zero_point=zp.value.data if isinstance(zp, IntegerAttr) else 0,
    )


def c_string(text: str) -> str:
    """``text`` as the body of a C string literal (printable ASCII kept, the rest, ``"``,
    ``\\`` and ``?`` escaped; octal escapes have three digits)."""
    out = []
    for byte in text.encode("utf-8"):
        ch = chr(byte)
        if ch in '"\\?' or not 32 <= byte < 127:
            out.append(f"\\{byte:03o}")
        else:
            out.append(ch)
    return "".join(out)


@dataclass
class ObserverTables:
    """The contents of the three node tables."""

    rows: list[int]
    scales: list[float]
    strings: str


def build_tables(nodes: Sequence[NodeInfo]) -> ObserverTables:
    """Rows (``ROW`` int32 per node), scales and the NUL-separated string table."""
    pool: dict[str, int] = {}
    text: list[str] = []
    length = 0

    def offset(s: str) -> int:
        nonlocal length
        if s not in pool:
            pool[s] = length
            text.append(s)
            length += len(s.encode("utf-8")) + 1
        return pool[s]

    rows: list[int] = []
    for n in nodes:
        shape = list(n.shape) + [0] * (MAX_RANK - len(n.shape))
        rows += [
            n.c_id,
            n.m_id,
            offset(n.type_name),
            offset(n.name),
            TYPE_CODES.get(n.kind, 0),
            n.size,
            n.zero_point,
            len(n.shape),
            *shape,
        ]
    strings = "".join(c_string(s) + "\\000" for s in text)
    return ObserverTables(rows, [float(np.float32(n.scale)) for n in nodes], strings)


@dataclass
class ObserverNames:
    """The C names of one network's observer."""

    network: str
    prefix: str = "stai"

    def symbol(self, what: str) -> str:
        return f"{self.prefix}_{self.network}_{what}"

    @property
    def macro(self) -> str:
        return f"{self.prefix}_{self.network}".upper()


def header_ops(network: str, node_count: int, prefix: str = "stai") -> list[Operation]:
    """The guarded part of ``NAME.h``."""
    n = ObserverNames(network, prefix)
    return [
        c.IfDefinedOp(
            MACRO,
            [
                c.IncludeOp("stai_observer.h"),
                c.CommentOp("Generated nodes (observer)."),
                c.DefineOp(f"{n.macro}_NODE_NUM", node_count),
                c.CommentOp(
                    "Calls fn(user, event, node) before and after every node (NULL: none): 0 = ok."
                ),
                c.FuncOp(
                    n.symbol("set_observer"), [FN_TYPE, VOID_PTR], INT, arg_names=["fn", "user"]
                ),
            ],
        )
    ]


def impl_ops(network: str, nodes: Sequence[NodeInfo], prefix: str = "stai") -> list[Operation]:
    """The guarded file-level part of ``NAME.c``: state, tables and the two functions."""
    n = ObserverNames(network, prefix)
    tables = build_tables(nodes)
    rows_t = TensorType(i32, [max(len(tables.rows), 1)])
    scales_t = TensorType(f32, [max(len(tables.scales), 1)])
    rows = DenseIntOrFPElementsAttr.from_list(rows_t, tables.rows or [0])
    scales = DenseIntOrFPElementsAttr.from_list(scales_t, tables.scales or [0.0])
    return [
        c.IfDefinedOp(
            MACRO,
            [
                c.GlobalOp(n.symbol("observer_fn"), FN_TYPE, StringAttr("NULL"), static=True),
                c.GlobalOp(n.symbol("observer_user"), VOID_PTR, StringAttr("NULL"), static=True),
                c.ArrayOp(n.symbol("node_rows"), rows_t, rows, static=True),
                c.ArrayOp(n.symbol("node_scales"), scales_t, scales, static=True),
                c.GlobalOp(
                    n.symbol("node_strings"),
                    c.CType("const char *const"),
                    StringAttr(f'"{tables.strings}"' if tables.strings else '""'),
                    static=True,
                ),
                _set_observer(n),
                _observe(n),
            ],
        )
    ]


def _set_observer(n: ObserverNames) -> c.FuncOp:
    block = Block(arg_types=[FN_TYPE, VOID_PTR])
    fn, user = block.args
    fn.name_hint, user.name_hint = "fn", "user"
    zero = c.LiteralOp(0, INT)
    block.add_ops(
        [
            c.AssignGlobalOp(n.symbol("observer_fn"), fn),
            c.AssignGlobalOp(n.symbol("observer_user"), user),
            zero,
            c.ReturnOp(zero),
        ]
    )
    return c.FuncOp(n.symbol("set_observer"), [FN_TYPE, VOID_PTR], INT, Region(block))


def _observe(n: ObserverNames) -> c.FuncOp:
    block = Block(arg_types=[EVENT_TYPE, i32, VOID_PTR])
    event, node, data = block.args
    event.name_hint, node.name_hint, data.name_hint = "event", "node", "data"
    ops: list[Operation] = [
        fn := c.GetGlobalOp(n.symbol("observer_fn"), FN_TYPE),
        user := c.GetGlobalOp(n.symbol("observer_user"), VOID_PTR),
        rows := c.GetGlobalOp(n.symbol("node_rows"), c.CType("const int32_t *"), array=True),
        scales := c.GetGlobalOp(n.symbol("node_scales"), c.CType("const float *"), array=True),
        strings := c.GetGlobalOp(n.symbol("node_strings"), c.CType("const char *")),
    ]
    ops.append(
        c.CallOp("stai_observer_notify", [fn, user, event, node, rows, scales, strings, data])
    )
    block.add_ops(ops)
    return c.FuncOp(
        n.symbol("observe"), [EVENT_TYPE, i32, VOID_PTR], None, Region(block), static=True
    )


def node_hook(
    network: str,
    event: str,
    step: int,
    output_pointer: Callable[[list[Operation]], SSAValue],
    prefix: str = "stai",
) -> c.IfDefinedOp:
    """``stai_NAME_observe(STAI_OBSERVER_<event>, step, output)`` inside the guard;
    ``output_pointer(ops)`` appends the ops computing the node's output pointer to ``ops``
    and returns it."""
    ops: list[Operation] = [
        ev := c.LiteralOp(f"STAI_OBSERVER_{event}", EVENT_TYPE),
        index := c.LiteralOp(step, i32),
    ]
    pointer = output_pointer(ops)
    ops.append(data := c.CastOp(pointer, VOID_PTR))
    ops.append(c.CallOp(ObserverNames(network, prefix).symbol("observe"), [ev, index, data]))
    return c.IfDefinedOp(MACRO, ops)
