"""ONNX MatMul beyond ``[..., K] x [K, N]`` with a constant (``onnx.helper`` models of
``tests/onnx_opmodels.py``): two computed operands (attention's query-key and
attention-value products), a batched or broadcast constant, a constant left-hand side,
1-D operands; float against ONNX Runtime (1e-4 relative), and the int8 forms onnxruntime's
``quantize_static`` writes (QDQ, and QOperator ``QLinearMatMul``) within 1 LSB of ONNX
Runtime on the same file. A MatMul of operands that do not multiply is refused in one
line."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import onnx
import pytest
from conftest import float_tolerance
from onnx_opmodels import Graph, output_scale, quantized, save

from stai.compiler.driver import generate, import_model
from stai.errors import StaiError
from stai.runtime.runner import CModel
from stai.tools.reference import run_onnxruntime


def _query_key() -> onnx.ModelProto:
    """``x @ x^T`` over the last two axes of a 4-D tensor (two computed operands)."""
    g = Graph()
    xt = g.node("Transpose", ["x"], perm=[0, 1, 3, 2])
    y = g.node("MatMul", ["x", xt])
    return g.model({"x": [2, 3, 4, 5]}, {y: [2, 3, 4, 4]})


def _attention() -> onnx.ModelProto:
    """One attention head: projections, ``softmax(q k^T / sqrt(d)) v``."""
    g = Graph()
    q = g.node("MatMul", ["x", g.weights(8, 8)])
    k = g.node("MatMul", ["x", g.weights(8, 8)])
    v = g.node("MatMul", ["x", g.weights(8, 8)])
    kt = g.node("Transpose", [k], perm=[0, 2, 1])
    s = g.node("Mul", [g.node("MatMul", [q, kt]), g.const(np.float32([8**-0.5]))])
    y = g.node("MatMul", [g.node("Softmax", [s], axis=-1), v])
    return g.model({"x": [1, 6, 8]}, {y: [1, 6, 8]})


def _broadcast_constant() -> onnx.ModelProto:
    g = Graph()
    y = g.node("MatMul", ["x", g.weights(5, 4, 6)])
    return g.model({"x": [2, 1, 3, 4]}, {y: [2, 5, 3, 6]})


def _constant_lhs() -> onnx.ModelProto:
    g = Graph()
    y = g.node("MatMul", [g.weights(3, 4), "x"])
    return g.model({"x": [2, 4, 5]}, {y: [2, 3, 5]})


def _vectors() -> onnx.ModelProto:
    """A 1-D constant on the right (the product drops its axis), then one on the left."""
    g = Graph()
    h = g.node("MatMul", ["x", g.weights(4)])
    y = g.node("MatMul", [g.weights(3), h])
    return g.model({"x": [3, 2, 4]}, {y: [2]})


FLOAT_CASES: dict[str, Callable[[], onnx.ModelProto]] = {
    "query_key": _query_key,
    "attention": _attention,
    "broadcast_constant": _broadcast_constant,
    "constant_lhs": _constant_lhs,
    "vectors": _vectors,
}
INT8_CASES = {
    ("query_key", "qdq"): 1,
    ("attention", "qdq"): 5,
    ("query_key", "qop"): 1,
    ("attention", "qop"): 5,
}
"""(model, format) -> the number of int8 products: every MatMul, the two of computed
operands included, must be an int8 ``nn.batch_matmul`` or ``nn.fully_connected``."""


def _inputs(path: Path, seed: int) -> list[list[np.ndarray]]:
    model = onnx.load(str(path))
    shape = [d.dim_value for d in model.graph.input[0].type.tensor_type.shape.dim]
    rng = np.random.default_rng(seed)
    return [[rng.uniform(-1, 1, shape).astype(np.float32)] for _ in range(3)]


@pytest.mark.parametrize("name", list(FLOAT_CASES))
def test_float_matmul_matches_onnxruntime(name: str, tmp_path: Path) -> None:
    path = save(FLOAT_CASES[name](), tmp_path / f"{name}.onnx")
    generate(path, tmp_path / "c")
    model = CModel(tmp_path / "c")
    for inputs in _inputs(path, 1):
        (want,) = run_onnxruntime(path, inputs)
        (got,) = model.run(inputs)
        assert got.shape == want.shape
        assert np.max(np.abs(want - got)) <= float_tolerance(want)


@pytest.mark.parametrize(("name", "fmt"), list(INT8_CASES))
def test_int8_matmul_within_one_lsb(name: str, fmt: str, tmp_path: Path) -> None:
    float_path = save(FLOAT_CASES[name](), tmp_path / f"{name}.onnx")
    path = quantized(float_path, tmp_path / f"{name}_{fmt}.onnx", fmt)
    module = import_model(path)
    int8 = [
        op
        for op in module.walk()
        if op.name in ("nn.batch_matmul", "nn.fully_connected")
        and "!nn.q<i8" in str(op.results[0].type)
    ]
    assert len(int8) == INT8_CASES[name, fmt]
    assert any(op.name == "nn.batch_matmul" for op in int8)
    generate(path, tmp_path / "c")
    model = CModel(tmp_path / "c")
    scale = output_scale(path)
    for inputs in _inputs(path, 2):
        (want,) = run_onnxruntime(path, inputs)
        (got,) = model.run(inputs)
        assert got.shape == want.shape
        lsb = np.max(np.abs(want.astype(np.float64) - got)) / scale
        assert lsb <= 1.0 + 1e-3, lsb


def test_matmul_that_does_not_multiply_is_refused(tmp_path: Path) -> None:
    """Batch axes 2 and 3 (written without shape inference, which would refuse it)."""
    from onnx import TensorProto, helper

    nodes = [
        helper.make_node("Transpose", ["x"], ["t"], perm=[2, 1, 0]),
        helper.make_node("MatMul", ["x", "t"], ["y"], name="bad_product"),
    ]
    graph = helper.make_graph(
        nodes,
        "bad",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 3, 3])],
        [helper.make_empty_tensor_value_info("y")],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    path = tmp_path / "bad.onnx"
    onnx.save(model, str(path))
    with pytest.raises(StaiError) as info:
        generate(path, tmp_path / "c")
    text = str(info.value)
    assert "\n" not in text and "MatMul" in text and "do not multiply" in text, text
