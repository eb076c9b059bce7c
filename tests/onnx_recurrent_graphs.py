"""ONNX GRU, RNN and LSTM graphs written with onnx's helper, for the recurrent tests (one
direction or both), and their comparison with onnxruntime once compiled by stai."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from stai.compiler.driver import generate
from stai.runtime.runner import CModel
from stai.tools.reference import run_onnxruntime

GATES = {"GRU": 3, "RNN": 1, "LSTM": 4}
"""The gates of each operator (rows of W and R per unit)."""
DIRS = {"forward": 1, "reverse": 1, "bidirectional": 2}


class Sizes(NamedTuple):
    """A test file's sequence length, batch, input features and hidden units."""

    steps: int
    batch: int
    features: int
    units: int


def recurrent_graph(
    sizes: Sizes,
    op: str,
    outputs: tuple[str, ...],
    initial: str = "none",
    layout: int = 0,
    seed: int = 0,
    direction: str | None = None,
    weight_dirs: int | None = None,
    **attrs: Any,
) -> onnx.ModelProto:
    """One ``op`` node over ``x``; ``outputs`` among Y, Y_h, Y_c are graph outputs;
    ``initial``: ``none``, ``const`` (random), ``half`` (a constant, zero for the first
    direction) or ``input`` (the graph input ``h0``); ``direction``: the node's attribute
    (None: not written, forward); ``weight_dirs``: how many directions W, R and B hold (by
    default, the direction's)."""
    steps, batch, features, units = sizes
    rng = np.random.default_rng(seed)
    dirs = DIRS.get(direction or "forward", 1)
    wd = dirs if weight_dirs is None else weight_dirs
    rows = GATES[op] * units
    inits = [
        numpy_helper.from_array((0.5 * rng.standard_normal((wd, rows, features))).astype("f4"), "W"),
        numpy_helper.from_array((0.5 * rng.standard_normal((wd, rows, units))).astype("f4"), "R"),
        numpy_helper.from_array((0.3 * rng.standard_normal((wd, 2 * rows))).astype("f4"), "B"),
    ]  # fmt: skip
    x_shape = [steps, batch, features] if layout == 0 else [batch, steps, features]
    h_shape = [dirs, batch, units] if layout == 0 else [batch, dirs, units]
    inputs = [helper.make_tensor_value_info("x", TensorProto.FLOAT, x_shape)]
    names = ["x", "W", "R", "B"]
    if initial == "input":
        inputs.append(helper.make_tensor_value_info("h0", TensorProto.FLOAT, h_shape))
        names += ["", "h0"]
    elif initial in ("const", "half"):
        h0 = (0.5 * rng.standard_normal((dirs, batch, units))).astype("f4")
        if initial == "half":
            h0[0] = 0.0
        if layout == 1:  # the same states, batch-major
            h0 = np.ascontiguousarray(np.swapaxes(h0, 0, 1))
        inits.append(numpy_helper.from_array(h0, "h0"))
        names += ["", "h0"]
    slots = ["Y", "Y_h", "Y_c"][: 3 if op == "LSTM" else 2]
    if direction is not None:
        attrs = {**attrs, "direction": direction}
    node = helper.make_node(
        op, names, [s if s in outputs else "" for s in slots], hidden_size=units, **attrs
    )
    if layout:
        node.attribute.append(helper.make_attribute("layout", layout))
    outs = [helper.make_tensor_value_info(s, TensorProto.FLOAT, None) for s in outputs]
    graph = helper.make_graph([node], op.lower(), inputs, outs, inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 14)])


def onnxruntime_reference(
    build: Callable[..., onnx.ModelProto],
    case: dict[str, Any],
    path: Path,
    inputs: list[np.ndarray],
) -> list[np.ndarray]:
    """onnxruntime's outputs for the graph ``build(**case)`` saved at ``path``; onnxruntime
    has no batch-major (``layout = 1``) kernels, so such a graph runs as its time-major
    twin on inputs and outputs with swapped axes."""
    if not case.get("layout"):
        return run_onnxruntime(path, inputs)
    twin = path.with_name(path.stem + "_time_major.onnx")
    onnx.save(build(**{**case, "layout": 0}), twin)
    outs = run_onnxruntime(twin, [np.ascontiguousarray(np.swapaxes(v, 0, 1)) for v in inputs])
    return [np.transpose(y, (2, 0, 1, 3) if y.ndim == 4 else (1, 0, 2)) for y in outs]


def assert_outputs_close(
    expected: Sequence[np.ndarray],
    got: Sequence[np.ndarray],
    tolerance: Callable[[np.ndarray], float],
) -> None:
    """As many outputs, each of the reference's shape and within ``tolerance(reference)``."""
    assert len(got) == len(expected)
    for e, g in zip(expected, got):
        assert g.shape == e.shape
        assert float(np.max(np.abs(e - g))) <= tolerance(e)


def check_against_onnxruntime(
    build: Callable[..., onnx.ModelProto],
    case: dict[str, Any],
    work: Path,
    name: str,
    tolerance: Callable[[np.ndarray], float],
) -> None:
    """Compile ``build(**case)`` and run it as C on three random inputs, each compared with
    onnxruntime."""
    model = build(**case)
    path = work / f"{name}.onnx"
    onnx.save(model, path)
    generate(path, work / "c")
    c_model = CModel(work / "c")
    rng = np.random.default_rng(4)
    shapes = [[d.dim_value for d in i.type.tensor_type.shape.dim] for i in model.graph.input]
    for _ in range(3):
        inputs = [rng.standard_normal(s).astype(np.float32) for s in shapes]
        expected = onnxruntime_reference(build, case, path, inputs)
        assert_outputs_close(expected, c_model.run(inputs), tolerance)
