"""``convert-nn-to-qnn`` for persistent variables: ``nn.read_variable`` and
``nn.assign_variable`` become ``qnn.read_variable`` / ``qnn.assign_variable`` (copies; the
same for float, int8 and int16 variables, whose quantization the model fixes)."""

from __future__ import annotations

from xdsl.ir import Attribute, Operation
from xdsl.pattern_rewriter import PatternRewriter, RewritePattern

from stai.dialects import nn_state, qnn_state
from stai.lowering.kernel_params import fail
from stai.lowering.nn_to_qnn_base import Lowering, machine_type


class ConvertVariable(RewritePattern):
    """``nn.read_variable`` / ``nn.assign_variable`` -> their ``qnn`` copies."""

    def match_and_rewrite(self, op: Operation, rewriter: PatternRewriter) -> None:
        if not isinstance(op, nn_state.ReadVariableOp | nn_state.AssignVariableOp):
            return
        if qnn_state.element_kind(machine_type(op.output.type)) not in ("f32", "s8", "s16"):
            raise fail(op, f"variables of type {op.output.type} are not supported")
        props: dict[str, Attribute] = {"variable": op.variable}
        if op.initial is not None:
            props["initial"] = op.initial
        low = Lowering(op)
        if isinstance(op, nn_state.ReadVariableOp):
            result = low.kernel(qnn_state.ReadVariableOp, [], op.output.type, props)
        else:
            result = low.kernel(qnn_state.AssignVariableOp, [op.input], op.output.type, props)
        low.finish(rewriter, result)


STATE_PATTERNS = (ConvertVariable(),)
"""The patterns of this module (in ``convert-nn-to-qnn``'s list)."""
