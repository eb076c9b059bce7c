"""TFLite resource variables: VAR_HANDLE, READ_VARIABLE, ASSIGN_VARIABLE and CALL_ONCE.

A variable lives in the network's persistent state buffer (``docs/memory-planning.md``).
VAR_HANDLE names it (its ``shared_name`` when the reader gives it, else its resource
tensor's name); the first READ_VARIABLE of a run becomes ``nn.read_variable``, a read after
an assignment is the value assigned (the model's order is kept), and each ASSIGN_VARIABLE
becomes ``nn.assign_variable``. A variable's value after ``reset`` is what TFLite Micro
gives it: the constant its CALL_ONCE initialisation subgraph assigns, else zeros (the zero
point of an int8 or int16 variable).

CALL_ONCE is folded at compile time when its subgraph only assigns constants to
variables; any other initialisation is a one-line refusal naming the operator it runs.

UNIDIRECTIONAL_SEQUENCE_LSTM (float, as the converter writes a Keras LSTM: four input and
four recurrent weight matrices, four gate biases, no peephole, projection, layer norm or
clipping, tanh) becomes ``nn.lstm`` over the whole sequence, its states starting at zero
each run (stateless, as a Keras ``stateful=False`` LSTM: call ``reset`` between sequences
in TFLite Micro to compare).

SVDF's fifth input is its activation state (a variable tensor): ``nn.svdf`` keeps it in the
state buffer as a variable of its own (zeros after reset, as TFLite Micro), float or, in
int8 models, int16 (int16 time weights, int32 bias).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from xdsl.dialects.builtin import (
    FloatAttr,
    IntegerAttr,
    IntegerType,
    StringAttr,
    TensorType,
    f32,
    i64,
)
from xdsl.ir import Attribute, SSAValue

from stai.dialects import nn
from stai.dialects.nn_state import AssignVariableOp, ReadVariableOp, SvdfOp

from .reader import NUMPY_DTYPES, TflOperator, TflTensor
from .translator import Translator


def _option_text(value: Any) -> str:
    if isinstance(value, bytes):
        return value.decode(errors="replace")
    return str(value) if value is not None else ""


def _variable_key(op: TflOperator, tensors: list[TflTensor]) -> str:
    """The variable a VAR_HANDLE names: ``container/shared_name`` (the resource tensor's
    name when the options do not say)."""
    shared = _option_text(op.options.get("SharedName"))
    container = _option_text(op.options.get("Container"))
    if not shared:
        return tensors[op.outputs[0]].name if op.outputs and op.outputs[0] >= 0 else ""
    return f"{container}/{shared}" if container else shared


class StateTranslator(Translator):
    """The resource-variable operators of the TFLite importer."""

    def _state(self) -> tuple[dict[int, str], dict[str, SSAValue], dict[str, np.ndarray]]:
        """(resource tensor -> variable, variable -> its value in this run, variable ->
        its initial value from CALL_ONCE)."""
        if not hasattr(self, "_resources"):
            self._resources: dict[int, str] = {}
            self._current: dict[str, SSAValue] = {}
            self._initial: dict[str, np.ndarray] = {}
        return self._resources, self._current, self._initial

    def _variable_of(self, op: TflOperator) -> str:
        resources, _, _ = self._state()
        t = self._input_index(op, 0, "resource")
        if t not in resources:
            raise self._error(op, "its resource is not made by a VAR_HANDLE")
        return resources[t]

    def _initial_attr(self, op: TflOperator, name: str, t: TensorType) -> Attribute:
        """The variable's value after reset, in its storage type: the CALL_ONCE constant,
        else zeros (the zero point of a quantized variable, as TFLite Micro fills it)."""
        _, _, initial = self._state()
        storage = nn.numpy_dtype(t.element_type)
        shape = tuple(t.get_shape())
        if name in initial:
            array = initial[name]
            if array.size != int(np.prod(shape, dtype=np.int64)):
                raise self._error(
                    op, f"variable '{name}' is initialised with {array.size} values for {shape}"
                )
            if array.dtype != np.dtype(storage):
                raise self._error(
                    op, f"variable '{name}' is initialised with {array.dtype} for {storage}"
                )
            array = array.reshape(shape)
        else:
            fill = 0
            element = t.element_type
            if isinstance(element, nn.QuantType):
                fill = element.zero_point_list()[0]
            array = np.full(shape, fill, dtype=storage)
        data_type = TensorType(nn.storage_type(t.element_type), shape)
        return nn.dense_attr(data_type, np.ascontiguousarray(array, dtype=storage).tobytes())

    def _check_variable_type(self, op: TflOperator, t: int) -> TensorType:
        kind = self.tensors[t].type_name
        if kind not in ("FLOAT32", "INT8", "INT16"):
            raise self._error(op, f"variables of type {kind} are not supported")
        return self._tensor_type(t)

    # ------------------------------------------------------------------ operators

    def _var_handle(self, op: TflOperator) -> None:
        self._check_outputs(op)
        resources, _, _ = self._state()
        resources[op.outputs[0]] = _variable_key(op, self.tensors)

    def _read_variable(self, op: TflOperator) -> None:
        self._check_outputs(op)
        name = self._variable_of(op)
        _, current, _ = self._state()
        out = op.outputs[0]
        t = self._check_variable_type(op, out)
        value = current.get(name)
        if value is not None:
            if value.type != t:
                raise self._error(op, f"variable '{name}' is read as {t}, assigned {value.type}")
            self.values[out] = value
            return
        props = {"variable": StringAttr(name), "initial": self._initial_attr(op, name, t)}
        value = self._emit(op, ReadVariableOp, [], props)
        current[name] = value

    def _assign_variable(self, op: TflOperator) -> None:
        self._check_outputs(op, 0)
        name = self._variable_of(op)
        _, current, _ = self._state()
        t = self._check_variable_type(op, self._input_index(op, 1, "value"))
        known = current.get(name)
        if known is not None and known.type != t:
            raise self._error(op, f"variable '{name}' is assigned {t}, read as {known.type}")
        value = self._operand(op, 1, "value")
        props = {"variable": StringAttr(name), "initial": self._initial_attr(op, name, t)}
        new = AssignVariableOp.build(operands=[value], result_types=[t], properties=props)
        self._tag(new, op, None)
        self.block.add_op(new)
        current[name] = value

    def _call_once(self, op: TflOperator) -> None:
        """Fold the initialisation subgraph: VAR_HANDLEs and constant ASSIGN_VARIABLEs."""
        self._check_outputs(op, 0)
        index = int(op.options.get("InitSubgraphIndex", 0))
        graphs = getattr(self.model, "subgraphs", ())
        if not 0 < index < len(graphs):
            raise self._error(op, f"its initialisation subgraph {index} cannot be read")
        graph = graphs[index]
        _, _, initial = self._state()
        handles: dict[int, str] = {}
        for sub in graph.operators:
            if sub.opcode == "VAR_HANDLE" and len(sub.outputs) == 1:
                handles[sub.outputs[0]] = _variable_key(sub, graph.tensors)
                continue
            if sub.opcode == "ASSIGN_VARIABLE" and len(sub.inputs) == 2:
                resource, t = sub.inputs
                tensor = graph.tensors[t] if 0 <= t < len(graph.tensors) else None
                dtype = NUMPY_DTYPES.get(tensor.type_name) if tensor is not None else None
                if resource in handles and tensor is not None and tensor.data and dtype:
                    initial[handles[resource]] = np.frombuffer(tensor.data, dtype=dtype)
                    continue
            raise self._error(
                op,
                f"its initialisation subgraph runs {sub.opcode} (operator {sub.index}); "
                "only constant assignments of variables are folded",
            )

    def _svdf(self, op: TflOperator) -> None:
        """SVDF: input, feature weights, time weights, bias (optional), activation state."""
        self._check_outputs(op)
        names = ("input", "feature weights", "time weights", "bias", "activation state")
        x, wf, wt = (self._input_index(op, i, names[i]) for i in range(3))
        state = self._input_index(op, 4, names[4])
        if self._is_constant(state) or state in self.values:
            raise self._error(op, "its activation state must be a variable tensor")
        kinds = [self.tensors[t].type_name for t in (x, wf, wt, state, op.outputs[0])]
        if kinds == ["FLOAT32"] * 5:
            int8 = False
        elif kinds == ["INT8", "INT8", "INT16", "INT16", "INT8"]:
            int8 = True
        elif kinds[0] == "FLOAT32":
            raise self._error(op, "hybrid SVDF (float input, int8 weights) is not supported")
        else:
            raise self._error(
                op,
                f"SVDF of types {'/'.join(kinds)} is not supported (int8 needs int16 time "
                "weights and state)",
            )
        x_shape, wf_shape, wt_shape = self._shape(x), self._shape(wf), self._shape(wt)
        rank = int(op.options.get("Rank", 1))
        if len(x_shape) != 2 or len(wf_shape) != 2 or len(wt_shape) != 2:
            raise self._error(op, "input and weights must have rank 2")
        filters, memory = wf_shape[0], wt_shape[1]
        if rank <= 0 or filters % rank:
            raise self._error(op, f"{filters} filters do not divide into rank {rank}")
        if self._shape(state) != (x_shape[0], filters * memory):
            raise self._error(op, f"the state must be [{x_shape[0]}, {filters * memory}]")
        state_type = self._tensor_type(state)
        units = filters // rank
        has_bias = len(op.inputs) > 3 and op.inputs[3] >= 0
        if has_bias:
            bias = self._operand(op, 3, "bias")
        elif int8:
            qs, qt = self._quant(state), self._quant(wt)
            assert qs is not None and qt is not None  # int tensors have quantization
            scale = float(np.float32(qs.scales[0]) * np.float32(qt.scales[0]))
            qtype = nn.QuantType(IntegerType(32), [scale], [0], -1)
            bias = self._zeros(op, TensorType(qtype, (units,)), np.int32)
        else:
            bias = self._zeros(op, TensorType(f32, (units,)), np.float32)
        props: dict[str, Attribute] = {
            "rank": IntegerAttr(rank, i64),
            "activation": StringAttr("none") if int8 else self._activation(op),
            "variable": StringAttr(f"svdf:{self.tensors[state].name}"),
            "initial": self._initial_attr(op, "", state_type),
        }
        if int8:
            q = self._quant(state)
            assert q is not None
            props["state_scale"] = FloatAttr(q.scales[0], f32)
        operands = [self._operand(op, 0), self._operand(op, 1), self._operand(op, 2), bias]
        self._emit(op, SvdfOp, operands, props)

    def _zeros(self, op: TflOperator, t: TensorType, dtype: type) -> SSAValue:
        const = nn.ConstantOp(np.zeros(t.get_shape(), dtype), t)
        self._tag(const, op, None)
        self.block.add_op(const)
        return const.output

    def _sequence_lstm(self, op: TflOperator) -> None:
        """UNIDIRECTIONAL_SEQUENCE_LSTM (float, batch-major) -> ``nn.lstm`` (gates i, f, c, o)."""
        self._check_outputs(op)
        ins = [*op.inputs, *([-1] * max(0, 24 - len(op.inputs)))]
        if not (self._is_float(ins[0]) and self._is_float(op.outputs[0])):
            raise self._error(op, "only float32 UNIDIRECTIONAL_SEQUENCE_LSTM is supported")
        if ins[1] < 0:
            raise self._error(op, "coupled input and forget gates (CIFG) are not supported")
        unsupported = {
            "peephole": (9, 10, 11),
            "projection": (16, 17),
            "layer norm": (20, 21, 22, 23),
        }
        for what, positions in unsupported.items():
            if any(ins[i] >= 0 for i in positions):
                raise self._error(op, f"{what} weights are not supported")
        opts = op.options
        if int(opts.get("FusedActivationFunction", 4)) != 4:
            raise self._error(op, "only the tanh cell activation is supported")
        if bool(opts.get("TimeMajor", False)):
            raise self._error(op, "time-major sequences are not supported")
        x_shape = self._shape(ins[0])
        if len(x_shape) != 3:
            raise self._error(op, "the input must be [batch, time, features]")
        # From zero states, |c| grows by less than 1 a step (f < 1, |i * g| < 1): a cell
        # clip of at least the sequence length never clips (the converter writes 10).
        clip = float(opts.get("CellClip", 0.0))
        if float(opts.get("ProjClip", 0.0)) or (clip and clip < x_shape[1]):
            raise self._error(op, f"a cell clip of {clip} over {x_shape[1]} steps is not supported")

        def stacked(indices: range) -> np.ndarray:
            parts = []
            for i in indices:
                t = self._input_index(op, i, "weights")
                if not self._is_constant(t) or self.tensors[t].type_name != "FLOAT32":
                    raise self._error(op, f"input {i} must be a float32 constant")
                parts.append(np.asarray(self._array(t), np.float32))
            return np.concatenate(parts, axis=0)

        weights, recurrent, bias = (
            stacked(range(1, 5)),
            stacked(range(5, 9)),
            stacked(range(12, 16)),
        )
        operands = [self._operand(op, 0)]
        for array in (weights, recurrent, bias):
            const = nn.ConstantOp(np.ascontiguousarray(array), TensorType(f32, array.shape))
            self._tag(const, op, None)
            self.block.add_op(const)
            operands.append(const.output)
        props: dict[str, Attribute] = {"return_sequences": IntegerAttr(1, i64)}
        self._emit(op, nn.LstmOp, operands, props)
