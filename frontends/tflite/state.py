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

UNIDIRECTIONAL_SEQUENCE_LSTM (as the converter writes a Keras LSTM: four input and four
recurrent weight matrices, four gate biases, no peephole, projection or layer norm, the
tanh cell activation; float, int8 with int32 biases and an int16 cell state, or 16x8 with
int64 biases) becomes ``nn.sequence_lstm``: its hidden and cell states (variable tensors)
are one variable of the state buffer, kept between runs as TFLite Micro keeps them (reset:
the hidden state's zero point, a zero cell state).

SVDF's fifth input is its activation state (a variable tensor): ``nn.svdf`` keeps it in the
state buffer as a variable of its own (after reset its zero point, as TFLite Micro), float
or, in int8 models, int16 (int16 time weights, int32 bias) or int8 (int8 time weights, any
state zero point).
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
from stai.dialects.nn_recurrent import SequenceLstmOp
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
        elif kinds in (["INT8", "INT8", "INT16", "INT16", "INT8"], ["INT8"] * 5):
            int8 = True
        elif kinds[0] == "FLOAT32":
            raise self._error(op, "hybrid SVDF (float input, int8 weights) is not supported")
        else:
            raise self._error(
                op,
                f"SVDF of types {'/'.join(kinds)} is not supported (int8 needs time "
                "weights and a state both int16 or both int8)",
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
            if q.zero_points[0] != 0:
                props["state_zero_point"] = IntegerAttr(q.zero_points[0], i64)
        operands = [self._operand(op, 0), self._operand(op, 1), self._operand(op, 2), bias]
        self._emit(op, SvdfOp, operands, props)

    def _zeros(self, op: TflOperator, t: TensorType, dtype: type) -> SSAValue:
        const = nn.ConstantOp(np.zeros(t.get_shape(), dtype), t)
        self._tag(const, op, None)
        self.block.add_op(const)
        return const.output

    def _sequence_lstm(self, op: TflOperator) -> None:
        """UNIDIRECTIONAL_SEQUENCE_LSTM (float, int8 with an int16 cell state, 16x8) ->
        ``nn.sequence_lstm`` (gates i, f, c, o) with its states in the state buffer."""
        self._check_outputs(op)
        ins = [*op.inputs, *([-1] * max(0, 24 - len(op.inputs)))]
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
        if float(opts.get("ProjClip", 0.0)):
            raise self._error(op, "a projection clip is not supported")
        x = ins[0]
        hidden, cell = ins[18], ins[19]
        for t, what in ((hidden, "hidden"), (cell, "cell")):
            if t < 0 or self._is_constant(t) or t in self.values:
                raise self._error(op, f"its {what} state must be a variable tensor")
        kind = self._lstm_kind(op, ins)
        x_shape = self._shape(x)
        if len(x_shape) != 3:
            raise self._error(op, "the input must be [batch, time, features]")
        major = bool(opts.get("TimeMajor", False))
        batch = x_shape[1] if major else x_shape[0]
        units = self._shape(ins[5])[1] if len(self._shape(ins[5])) == 2 else -1
        for t, what in ((hidden, "hidden"), (cell, "cell")):
            if int(np.prod(self._shape(t))) != batch * units:
                raise self._error(op, f"its {what} state must hold {batch} x {units} values")
        operands = [self._operand(op, 0)]
        operands.append(self._lstm_matrix(op, range(1, 5), kind))
        operands.append(self._lstm_matrix(op, range(5, 9), kind))
        operands.append(self._lstm_bias(op, ins, kind))
        props: dict[str, Attribute] = {
            "variable": StringAttr(f"lstm:{self.tensors[cell].name}"),
            "time_major": IntegerAttr(1 if major else 0, i64),
            "cell_clip": FloatAttr(float(opts.get("CellClip", 0.0)), f32),
        }
        if kind != "f32":
            qh, qc = self._quant(hidden), self._quant(cell)
            assert qh is not None and qc is not None  # checked by _lstm_kind
            props["hidden_scale"] = FloatAttr(qh.scales[0], f32)
            props["hidden_zero_point"] = IntegerAttr(qh.zero_points[0], i64)
            props["cell_scale"] = FloatAttr(qc.scales[0], f32)
        self._emit(op, SequenceLstmOp, operands, props)

    def _lstm_kind(self, op: TflOperator, ins: list[int]) -> str:
        """``f32``, ``s8`` or ``s16`` from the types of the LSTM's tensors (a one-line
        refusal for any other combination)."""
        names = [self.tensors[t].type_name if t >= 0 else "none" for t in ins]
        act, out = names[0], self.tensors[op.outputs[0]].type_name
        weights, biases = set(names[1:9]), set(names[12:16])
        state = (names[18], names[19])
        table = {
            "f32": ("FLOAT32", {"FLOAT32"}, {"FLOAT32"}, ("FLOAT32", "FLOAT32")),
            "s8": ("INT8", {"INT8"}, {"INT32"}, ("INT8", "INT16")),
            "s16": ("INT16", {"INT8"}, {"INT64"}, ("INT16", "INT16")),
        }
        found = [
            kind
            for kind, (a, w, b, st) in table.items()
            if (act, out, weights, biases, state) == (a, a, w, b, st)
        ]
        if not found:
            raise self._error(
                op,
                f"an LSTM of {act} activations, {'/'.join(sorted(weights))} weights, "
                f"{'/'.join(sorted(biases))} biases and {'/'.join(state)} states is not "
                "supported (float, int8 with int32 biases and an int16 cell state, or 16x8 "
                "with int64 biases)",
            )
        kind = found[0]
        if kind != "f32":
            for t in [*ins[1:9], ins[18], ins[19]]:
                q = self._quant(t)
                if q is None or len(q.scales) != 1:
                    what = f"tensor '{self.tensors[t].name}'"
                    raise self._error(op, f"{what} must be quantized per tensor")
                if t in ins[1:9] and q.zero_points[0] != 0:
                    raise self._error(op, "its weights must have the zero point 0")
        return kind

    def _lstm_matrix(self, op: TflOperator, indices: range, kind: str) -> SSAValue:
        """The four gates' weight matrices stacked ``[4 * units, depth]``; an integer
        matrix keeps each gate's scale (one per row, axis 0)."""
        parts, scales = [], []
        for i in indices:
            t = self._input_index(op, i, "weights")
            if not self._is_constant(t):
                raise self._error(op, f"input {i} (weights) must be a constant")
            array = np.asarray(self._array(t))
            if array.ndim != 2:
                raise self._error(op, f"input {i} (weights) must have rank 2")
            parts.append(array)
            q = self._quant(t)
            if kind != "f32":
                assert q is not None
                scales += [q.scales[0]] * array.shape[0]
        return self._stacked(op, parts, scales, IntegerType(8))

    def _lstm_bias(self, op: TflOperator, ins: list[int], kind: str) -> SSAValue:
        """The four gate biases ``[4 * units]`` (int32 / int64 codes of the scale
        ``input scale x gate weight scale``)."""
        parts, scales = [], []
        for gate, i in enumerate(range(12, 16)):
            t = self._input_index(op, i, "bias")
            if not self._is_constant(t):
                raise self._error(op, f"input {i} (bias) must be a constant")
            array = np.asarray(self._array(t)).reshape(-1)
            parts.append(array)
            if kind != "f32":
                qx, qw = self._quant(ins[0]), self._quant(ins[1 + gate])
                assert qx is not None and qw is not None
                scale = float(np.float32(qx.scales[0]) * np.float32(qw.scales[0]))
                scales += [scale] * array.shape[0]
        return self._stacked(op, parts, scales, IntegerType(32 if kind == "s8" else 64))

    def _stacked(
        self, op: TflOperator, parts: list[np.ndarray], scales: list[float], storage: IntegerType
    ) -> SSAValue:
        array = np.ascontiguousarray(np.concatenate(parts, axis=0))
        if not scales:
            t = TensorType(f32, array.shape)
            array = array.astype(np.float32)
        else:
            qtype = nn.QuantType(storage, scales, [0] * len(scales), 0)
            t = TensorType(qtype, array.shape)
        const = nn.ConstantOp(array, t)
        self._tag(const, op, None)
        self.block.add_op(const)
        return const.output
