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
"""

from __future__ import annotations

from typing import Any

import numpy as np
from xdsl.dialects.builtin import StringAttr, TensorType
from xdsl.ir import Attribute, SSAValue

from stai.dialects import nn
from stai.dialects.nn_state import AssignVariableOp, ReadVariableOp

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
                fill = int(element.zero_points[0]) if element.zero_points else 0
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
