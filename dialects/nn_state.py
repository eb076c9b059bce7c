"""``nn`` ops of the state that survives between runs: variables.

A variable is a tensor of the persistent state buffer, named by ``variable``; every op of
one variable has the same type and, when the model gives one, the same ``initial`` value
(in its storage type: the value ``reset`` and ``init`` restore; absent: zeros).

``nn.read_variable`` is the variable's value when it runs; ``nn.assign_variable`` stores its
operand into the variable and returns that value (the importer keeps the model's order of
reads and assignments: the ops of one variable run in the order they appear)::

    %s = nn.read_variable {variable = "acc", initial = dense<0.0> : tensor<1x4xf32>}
         -> tensor<1x4xf32>
    %n = nn.add %s, %x {activation = "none"} ...
    %w = nn.assign_variable %n {variable = "acc"} : tensor<1x4xf32> -> tensor<1x4xf32>

Both keep their element type through ``quantize-nn`` (a variable's bytes are the model's).

``nn.svdf`` is TFLite's SVDF: its ``[batch, memory_size * num_filters]`` activation state is
a variable of its own (``variable``, its storage type and value after reset in ``initial``;
an int8 model's state, int16 or int8 as its time weights, has the scale ``state_scale`` and
an int8 one the zero point ``state_zero_point``), which the op shifts and updates each run.
"""

from __future__ import annotations

from xdsl.dialects.builtin import (
    I64,
    DenseIntOrFPElementsAttr,
    FloatAttr,
    IntegerAttr,
    StringAttr,
    TensorType,
)
from xdsl.irdl import (
    IRDLOperation,
    ParsePropInAttrDict,
    irdl_op_definition,
    operand_def,
    opt_prop_def,
    prop_def,
    result_def,
    traits_def,
)
from xdsl.utils.exceptions import VerifyException

from stai.dialects.nn_base import storage_type
from stai.dialects.nn_traits import LayoutSensitive, QuantKind, QuantRule


def _check_initial(op: ReadVariableOp | AssignVariableOp, t: TensorType) -> None:
    if op.initial is None:
        return
    vt = op.initial.get_type()
    assert isinstance(vt, TensorType)
    if tuple(vt.get_shape()) != tuple(t.get_shape()):
        raise VerifyException(f"{op.name}: the initial value's shape differs from the variable's")
    if vt.element_type != storage_type(t.element_type):
        raise VerifyException(f"{op.name}: the initial value is not in the variable's storage type")


@irdl_op_definition
class ReadVariableOp(IRDLOperation):
    """The value of the persistent variable ``variable`` when the op runs."""

    name = "nn.read_variable"
    variable = prop_def(StringAttr)
    initial = opt_prop_def(DenseIntOrFPElementsAttr)
    output = result_def(TensorType)
    traits = traits_def(QuantRule(QuantKind.FLOAT), LayoutSensitive())
    irdl_options = (ParsePropInAttrDict(),)
    assembly_format = "attr-dict `->` type($output)"

    def verify_(self) -> None:
        t = self.output.type
        assert isinstance(t, TensorType)
        _check_initial(self, t)


@irdl_op_definition
class AssignVariableOp(IRDLOperation):
    """Store ``input`` into the persistent variable ``variable``; the result is that value."""

    name = "nn.assign_variable"
    input = operand_def(TensorType)
    variable = prop_def(StringAttr)
    initial = opt_prop_def(DenseIntOrFPElementsAttr)
    output = result_def(TensorType)
    traits = traits_def(QuantRule(QuantKind.FLOAT), LayoutSensitive())
    irdl_options = (ParsePropInAttrDict(),)
    assembly_format = "$input attr-dict `:` type($input) `->` type($output)"

    def verify_(self) -> None:
        if self.input.type != self.output.type:
            raise VerifyException("nn.assign_variable: the value and the result types differ")
        t = self.output.type
        assert isinstance(t, TensorType)
        _check_initial(self, t)


@irdl_op_definition
class SvdfOp(IRDLOperation):
    """TFLite SVDF: ``output[b, u] = bias[u] + sum over the rank's filters f of
    dot(state[b, f, :], weights_time[f, :])`` after the state of each filter is shifted left
    by one and its last entry set to ``dot(weights_feature[f], input[b])``; ``activation``
    (float only, as TFLite Micro) clamps the output."""

    name = "nn.svdf"
    input = operand_def(TensorType)
    weights_feature = operand_def(TensorType)
    weights_time = operand_def(TensorType)
    bias = operand_def(TensorType)
    rank = prop_def(IntegerAttr[I64])
    activation = prop_def(StringAttr)
    variable = prop_def(StringAttr)
    initial = prop_def(DenseIntOrFPElementsAttr)
    """The state's value after reset, in its storage type and shape (zeros)."""
    state_scale = opt_prop_def(FloatAttr)
    """The scale of an int16 or int8 state (int8 models)."""
    state_zero_point = opt_prop_def(IntegerAttr[I64])
    """The zero point of an int8 state (absent: 0)."""
    output = result_def(TensorType)
    traits = traits_def(QuantRule(QuantKind.FLOAT), LayoutSensitive())
    irdl_options = (ParsePropInAttrDict(),)
    assembly_format = (
        "$input `,` $weights_feature `,` $weights_time `,` $bias attr-dict `:` "
        "`(` type($input) `,` type($weights_feature) `,` type($weights_time) `,` "
        "type($bias) `)` `->` type($output)"
    )

    def verify_(self) -> None:
        shapes = [
            tuple(v.type.get_shape())  # pyright: ignore[reportAttributeAccessIssue]
            for v in (self.input, self.weights_feature, self.weights_time, self.bias, self.output)
        ]
        x, wf, wt, bias, y = shapes
        rank = self.rank.value.data
        if len(x) != 2 or len(wf) != 2 or len(wt) != 2 or len(y) != 2 or len(bias) != 1:
            raise VerifyException("nn.svdf: input, weights and output have rank 2, bias rank 1")
        filters, memory = wf[0], wt[1]
        if rank <= 0 or filters % rank or wt[0] != filters or wf[1] != x[1]:
            raise VerifyException("nn.svdf: weights do not fit the input and the rank")
        if y != (x[0], filters // rank) or bias != (filters // rank,):
            raise VerifyException("nn.svdf: the output must be [batch, filters / rank]")
        state = self.initial.get_type()
        assert isinstance(state, TensorType)
        if tuple(state.get_shape()) != (x[0], memory * filters):
            raise VerifyException("nn.svdf: the state must be [batch, memory * filters]")
        wt_type = self.weights_time.type
        assert isinstance(wt_type, TensorType)
        if state.element_type != storage_type(wt_type.element_type):
            raise VerifyException("nn.svdf: the state and the time weights differ in type")


STATE_OPS = (ReadVariableOp, AssignVariableOp, SvdfOp)
"""The ``nn`` ops of persistent variables (appended to ``nn.NN``)."""
