"""The single-operator model factory makes valid models that hold the intended operator."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import opmodels
import pytest
from shared_models import random_inputs

from stai.errors import StaiError
from stai.tools.reference import run_litert_ref, run_tflm

OpModel = Callable[[str, str], Path]


def _ids() -> list[str]:
    return [f"{name}-{kind}" for name, kind in opmodels.ALL_MODELS]


def test_names_are_unique_and_cover_the_required_operators() -> None:
    names = [spec.name for spec in opmodels.OPS]
    assert len(names) == len(set(names))
    main_ops = {op for spec in opmodels.OPS for op in spec.ops}
    required = {
        "CONV_2D",
        "DEPTHWISE_CONV_2D",
        "FULLY_CONNECTED",
        "AVERAGE_POOL_2D",
        "MAX_POOL_2D",
        "ADD",
        "SUB",
        "MUL",
        "CONCATENATION",
        "PAD",
        "RESHAPE",
        "SOFTMAX",
        "RELU",
        "RELU6",
        "LOGISTIC",
        "TANH",
        "MEAN",
        "QUANTIZE",
        "DEQUANTIZE",
    }
    assert required <= main_ops, required - main_ops


@pytest.mark.parametrize(("name", "kind"), opmodels.ALL_MODELS, ids=_ids())
def test_model_holds_intended_operator(op_model: OpModel, name: str, kind: str) -> None:
    spec = opmodels.OPS_BY_NAME[name]
    path = op_model(name, kind)
    ops = opmodels.model_ops(path)
    assert ops == list(spec.expected_ops(kind))
    options = opmodels.op_options(path, ops.index(spec.main_op))
    for key, value in spec.options.items():
        assert options.get(key) == value, (key, options)
    ins, outs = opmodels.tensor_types(path)
    io_type = {opmodels.INT8: "INT8", opmodels.INT16: "INT16"}.get(kind, "FLOAT32")
    io_type = "FLOAT32" if spec.float_io else io_type
    assert set(ins) == {io_type} and set(outs) == {io_type}
    assert len(ins) == len(spec.input_shapes)


@pytest.mark.parametrize(("name", "kind"), opmodels.ALL_MODELS, ids=_ids())
def test_model_runs_in_both_reference_runtimes(op_model: OpModel, name: str, kind: str) -> None:
    """TFLM and LiteRT-ref both run the model; their outputs agree and are not constant."""
    path = op_model(name, kind)
    spec = opmodels.OPS_BY_NAME[name]
    if kind in (opmodels.INT8, opmodels.INT16) and not spec.float_io:
        (inputs,) = random_inputs(path, 1, seed=3)
    else:
        (inputs,) = opmodels.representative_inputs(spec, 1, seed=3)
    micro = run_tflm(path, inputs)
    if kind in spec.litert_ref_lacks:
        with pytest.raises(StaiError, match="Didn't find op"):
            run_litert_ref(path, inputs)  # the known gap still shows
        assert all(np.unique(a).size > 1 for a in micro)
        return
    lite = run_litert_ref(path, inputs)
    assert len(micro) == len(lite) >= 1
    for a, b in zip(micro, lite):
        assert a.shape == b.shape and a.dtype == b.dtype
        if a.dtype == np.int8 and spec.int8_tflm_differs:
            assert not np.array_equal(a, b), "known TFLM/LiteRT difference no longer shows"
        elif a.dtype == np.int8:
            np.testing.assert_array_equal(a, b)
        elif a.dtype == np.int16:  # LiteRT-ref rounds some 16x8 requantizations differently
            assert np.max(np.abs(a.astype(np.int32) - b.astype(np.int32))) <= 1
        else:
            scale = max(1.0, float(np.max(np.abs(b))))
            # a 16x8 model's dequantized output may differ by one int16 step (as above)
            step = 1e-4 if kind == opmodels.INT16 else 1e-5
            np.testing.assert_allclose(a, b, rtol=0, atol=step * scale)
        assert np.unique(a).size > 1, (
            "output is constant: the model or its quantization is degenerate"
        )


def test_build_is_cached(op_model: OpModel) -> None:
    first = op_model("relu", "int8")
    stamp = first.stat().st_mtime_ns
    again = op_model("relu", "int8")
    assert again == first and again.stat().st_mtime_ns == stamp


def test_unknown_name_or_kind_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(KeyError):
        opmodels.build("no_such_op", "int8", tmp_path)
    with pytest.raises(KeyError):
        opmodels.build("quantize_dequantize", "float", tmp_path)


def test_tflm_int8_relu6_clamps_without_rescaling(op_model: OpModel) -> None:
    """TFLM's int8 RELU6 (the oracle) keeps the input's quantization: a pure clamp."""
    from ai_edge_litert.interpreter import Interpreter

    path = op_model("relu6", "int8")
    interp = Interpreter(model_path=str(path))
    ((in_scale, in_zp),) = [d["quantization"] for d in interp.get_input_details()]
    ((out_scale, _),) = [d["quantization"] for d in interp.get_output_details()]
    assert in_scale != out_scale, "the model no longer shows the difference"
    (inputs,) = random_inputs(path, 1, seed=3)
    six = in_zp + int(np.round(6.0 / in_scale))
    expected = np.clip(inputs[0].astype(np.int32), in_zp, min(six, 127)).astype(np.int8)
    np.testing.assert_array_equal(run_tflm(path, inputs)[0], expected)
