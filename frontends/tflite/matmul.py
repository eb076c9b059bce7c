"""TFLite translation of BATCH_MATMUL: an ``nn.batch_matmul`` (float32, int8, and 16x8 with
int16 operands), either operand variable or constant, batch axes broadcast, ``adj_x`` /
``adj_y`` as the options say. TensorFlow Lite Micro runs it only when both operands and
the output share one type, so a hybrid operator (float input, int8 constant) is refused."""

from __future__ import annotations

from xdsl.dialects.builtin import IntegerAttr, i64
from xdsl.ir import Attribute

from stai.dialects.nn_matmul import MAX_RANK, BatchMatmulOp, batch_matmul_shape

from .reader import TflOperator
from .translator import Translator

__all__ = ["BatchMatmulOp", "MatmulTranslator"]


class MatmulTranslator(Translator):
    """The translator of BATCH_MATMUL."""

    def _batch_matmul(self, op: TflOperator) -> None:
        self._check_outputs(op)
        lhs_t = self._input_index(op, 0, "lhs")
        rhs_t = self._input_index(op, 1, "rhs")
        types = {self.tensors[t].type_name for t in (lhs_t, rhs_t, op.outputs[0])}
        if len(types) != 1:
            raise self._error(
                op, f"operands and output of different types ({', '.join(sorted(types))})"
            )
        adj_x = bool(op.options.get("AdjX", False))
        adj_y = bool(op.options.get("AdjY", False))
        lhs_shape, rhs_shape = self._shape(lhs_t), self._shape(rhs_t)
        shape = batch_matmul_shape(lhs_shape, rhs_shape, adj_x, adj_y)
        if shape is None:
            raise self._error(
                op,
                f"operands {list(lhs_shape)} and {list(rhs_shape)} do not multiply (ranks 2 "
                f"to {MAX_RANK}, equal depths, broadcastable batch axes)",
            )
        if tuple(shape) != tuple(self._shape(op.outputs[0])):
            raise self._error(
                op, f"the output shape {list(self._shape(op.outputs[0]))} is not {list(shape)}"
            )
        props: dict[str, Attribute] = {
            "adj_x": IntegerAttr(int(adj_x), i64),
            "adj_y": IntegerAttr(int(adj_y), i64),
        }
        lhs, rhs = self._operand(op, 0, "lhs"), self._operand(op, 1, "rhs")
        self._emit(op, BatchMatmulOp, [lhs, rhs], props)
