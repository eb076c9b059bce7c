"""``record-output-quant``: keep each op's output quantization as attributes.

``convert-nn-to-qnn`` turns quantized tensor types into plain integers; the observer tables
(``convert-buf-to-c{observer=true}``) and ``stai analyze`` still want each node's output
scale and zero point. This pass copies them onto the ``nn`` op as discardable attributes,
which the later lowerings carry to the ``qnn`` kernel ops.
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects.builtin import FloatAttr, IntegerAttr, ModuleOp, TensorType, f64, i64
from xdsl.passes import ModulePass

from stai.dialects import nn


@dataclass(frozen=True)
class RecordOutputQuantPass(ModulePass):
    """Add ``nn.out_scale`` (f64) and ``nn.out_zero_point`` (i64) to every ``nn`` op (not
    constants) whose single result has a per-tensor quantized type.

    Before::

        %y = nn.relu %x : (tensor<4x!nn.q<i8, 0.5 : -3>>) -> tensor<4x!nn.q<i8, 0.5 : -3>>

    After::

        %y = nn.relu %x {nn.out_scale = 5.000000e-01 : f64, nn.out_zero_point = -3 : i64} : ...
    """

    name = "record-output-quant"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        for inner in op.walk():
            if isinstance(inner, nn.ConstantOp) or not inner.name.startswith("nn."):
                continue
            if len(inner.results) != 1:
                continue
            t = inner.results[0].type
            if not isinstance(t, TensorType):
                continue
            q = t.element_type
            if isinstance(q, nn.QuantType) and not q.per_channel:
                inner.attributes["nn.out_scale"] = FloatAttr(float(q.scale), f64)
                inner.attributes["nn.out_zero_point"] = IntegerAttr(int(q.zero_point), i64)
