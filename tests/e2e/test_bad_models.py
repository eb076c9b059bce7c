"""Malformed models (bad quantization, shapes that cannot broadcast, tensors too big for a
32-bit MCU, biases that overflow the accumulator) end with one error line and exit 2."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from cli_run import generate

_BUILDER = (
    Path(__file__).resolve().parents[1]
    / "filecheck"
    / "frontends"
    / "tflite"
    / "Inputs"
    / "tflite_builder.py"
)


def _builder() -> Any:
    """The small .tflite writer the lit tests use."""
    name = "stai_test_tflite_builder"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, _BUILDER)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module  # its dataclasses look themselves up there
        spec.loader.exec_module(module)
    return sys.modules[name]


def _assert_refused(model: Path, tmp_path: Path, *fragments: str) -> None:
    code, stderr = generate(model, tmp_path / "out")
    lines = stderr.strip().splitlines()
    assert code == 2, stderr
    assert len(lines) == 1, stderr
    assert lines[0].startswith("stai: error: "), stderr
    for fragment in fragments:
        assert fragment in lines[0], stderr
    assert not (tmp_path / "out").exists()


# -------------------------------------------------------------------------- TFLite


def _fc_model(
    in_scale: float = 0.1,
    w_scale: float = 0.02,
    out_scale: float = 0.2,
    in_zp: int = 0,
    out_zp: int = 0,
    bias: list[int] | None = None,
) -> bytes:
    """An int8 FULLY_CONNECTED 1x4 -> 1x3 with the given quantization."""
    m = _builder().ModelBuilder()
    x = m.tensor("input", (1, 4), "INT8", scales=(in_scale,), zero_points=(in_zp,))
    w = m.tensor("weights", (3, 4), "INT8", data=np.ones((3, 4), np.int8), scales=(w_scale,))
    b = m.tensor(
        "bias",
        (3,),
        "INT32",
        data=np.array(bias if bias is not None else [1, 2, 3], np.int32),
        scales=(in_scale * w_scale,),
    )
    y = m.tensor("output", (1, 3), "INT8", scales=(out_scale,), zero_points=(out_zp,))
    m.op("FULLY_CONNECTED", [x, w, b], [y])
    return m.build([x], [y])


def _sized_fc_model(weights_shape: tuple[int, ...], out_shape: tuple[int, ...]) -> bytes:
    """A float FULLY_CONNECTED whose weights hold 12 floats whatever ``weights_shape`` says."""
    m = _builder().ModelBuilder()
    x = m.tensor("input", (1, 4))
    w = m.tensor("weights", weights_shape, data=np.ones(12, np.float32))
    y = m.tensor("output", out_shape)
    m.op("FULLY_CONNECTED", [x, w, -1], [y])
    return m.build([x], [y])


@pytest.mark.parametrize(
    ("weights_shape", "out_shape", "fragment"),
    [
        ((3, 0), (1, 3), "'weights') holds 48 bytes, but its shape [3, 0] of FLOAT32 needs 0"),
        ((3, 8), (1, 3), "'weights') holds 48 bytes, but its shape [3, 8] of FLOAT32 needs 96"),
        ((3, 4), (1, 0), "tensor 2 ('output') is empty (shape [1, 0])"),
    ],
)
def test_tflite_tensor_sizes(
    tmp_path: Path, weights_shape: tuple[int, ...], out_shape: tuple[int, ...], fragment: str
) -> None:
    """A constant whose data does not fill its shape, or an empty computed tensor (what a
    corrupted file holds): one line, before any arithmetic divides by a zero size."""
    model = _write(tmp_path, "sizes.tflite", _sized_fc_model(weights_shape, out_shape))
    _assert_refused(model, tmp_path, fragment)


def test_tflite_sized_fc_model_compiles(tmp_path: Path) -> None:
    model = _write(tmp_path, "fc.tflite", _sized_fc_model((3, 4), (1, 3)))
    code, stderr = generate(model, tmp_path / "out")
    assert code == 0, stderr


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_valid_fc_model_compiles(tmp_path: Path) -> None:
    """The unmodified model of the cases below is accepted."""
    code, stderr = generate(_write(tmp_path, "fc.tflite", _fc_model()), tmp_path / "out")
    assert code == 0, stderr


@pytest.mark.parametrize(
    ("kwargs", "fragments"),
    [
        ({"in_scale": float("nan")}, ("tensor 'input'", "scale nan is not a positive finite")),
        ({"out_scale": float("inf")}, ("tensor 'output'", "scale inf is not a positive finite")),
        ({"w_scale": 0.0}, ("tensor 'weights'", "scale 0 is not a positive finite")),
        ({"out_scale": -0.1}, ("tensor 'output'", "scale -0.1 is not a positive finite")),
        ({"out_scale": 1e-40}, ("tensor 'output'", "is too small")),
        ({"in_scale": 1e30}, ("nn.fully_connected (operator 0)", "multiplier 1e+29", "too large")),
        ({"out_scale": 1e-30}, ("nn.fully_connected (operator 0)", "multiplier", "too large")),
        ({"in_zp": 300}, ("tensor 'input'", "zero point 300 is outside the int8 range")),
        ({"out_zp": -200}, ("tensor 'output'", "zero point -200 is outside the int8 range")),
    ],
)
def test_tflite_bad_quantization(
    tmp_path: Path, kwargs: dict[str, Any], fragments: tuple[str, ...]
) -> None:
    model = _write(tmp_path, "bad_quant.tflite", _fc_model(**kwargs))
    _assert_refused(model, tmp_path, *fragments)


@pytest.mark.parametrize("quantized", [False, True])
def test_tflite_operands_that_do_not_broadcast(tmp_path: Path, quantized: bool) -> None:
    m = _builder().ModelBuilder()
    kind = {"type_name": "INT8", "scales": (0.1,)} if quantized else {}
    a = m.tensor("a", (1, 4, 4, 3), **kind)
    b = m.tensor("b", (1, 2, 4, 3), **kind)
    y = m.tensor("sum", (1, 4, 4, 3), **kind)
    m.op("ADD", [a, b], [y])
    model = _write(tmp_path, "add.tflite", m.build([a, b], [y]))
    _assert_refused(model, tmp_path, "nn.add", "[1, 4, 4, 3] and [1, 2, 4, 3] do not broadcast")


def test_tflite_tensor_too_big(tmp_path: Path) -> None:
    m = _builder().ModelBuilder()
    x = m.tensor("input", (1, 65536, 65536, 1))
    y = m.tensor("output", (1, 65536, 65536, 1))
    m.op("RELU", [x], [y])
    model = _write(tmp_path, "big.tflite", m.build([x], [y]))
    _assert_refused(
        model, tmp_path, "tensor 'input'", "17179869184 bytes: too big for a 32-bit MCU"
    )


def test_tflite_bias_overflowing_the_accumulator(tmp_path: Path) -> None:
    model = _write(tmp_path, "bias.tflite", _fc_model(bias=[2**31 - 1, 5, 6]))
    _assert_refused(
        model, tmp_path, "nn.fully_connected (operator 0)", "bias 2147483647 of output channel 0"
    )


# ---------------------------------------------------------------------------- ONNX


def _onnx_model(nodes: list[Any], inputs: list[Any], outputs: list[Any], inits: list[Any]) -> Any:
    from onnx import helper

    graph = helper.make_graph(nodes, "bad", inputs, outputs, initializer=inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])


def _save(tmp_path: Path, model: Any, name: str) -> Path:
    import onnx

    path = tmp_path / name
    onnx.save(model, str(path))
    return path


@pytest.mark.parametrize(
    ("scale", "zero_point", "fragments"),
    [
        (float("nan"), 0, ("QuantizeLinear", "scale nan is not a positive finite")),
        (-1.0, 0, ("QuantizeLinear", "scale -1 is not a positive finite")),
        (float("inf"), 0, ("QuantizeLinear", "scale inf is not a positive finite")),
        (1e-45, 0, ("QuantizeLinear", "is too small")),
    ],
)
def test_onnx_bad_quantize_scale(
    tmp_path: Path, scale: float, zero_point: int, fragments: tuple[str, ...]
) -> None:
    from onnx import TensorProto, helper, numpy_helper

    inits = [
        numpy_helper.from_array(np.array(scale, np.float32), "s"),
        numpy_helper.from_array(np.array(zero_point, np.int8), "z"),
    ]
    nodes = [
        helper.make_node("QuantizeLinear", ["x", "s", "z"], ["q"], name="quant"),
        helper.make_node("DequantizeLinear", ["q", "s", "z"], ["y"], name="dequant"),
    ]
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 8])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 8])
    model = _save(tmp_path, _onnx_model(nodes, [x], [y], inits), "q.onnx")
    _assert_refused(model, tmp_path, *fragments)


def test_onnx_operands_that_do_not_broadcast(tmp_path: Path) -> None:
    from onnx import TensorProto, helper, numpy_helper

    inits = [numpy_helper.from_array(np.ones((1, 3, 2, 5), np.float32), "c")]
    nodes = [helper.make_node("Add", ["x", "c"], ["y"], name="add")]
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 4, 5])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, None)
    model = _save(tmp_path, _onnx_model(nodes, [x], [y], inits), "add.onnx")
    _assert_refused(
        model, tmp_path, "Add (node 'add')", "[1, 3, 4, 5] and [1, 3, 2, 5] do not broadcast"
    )


def test_onnx_input_too_big(tmp_path: Path) -> None:
    from onnx import TensorProto, helper

    nodes = [helper.make_node("Relu", ["x"], ["y"], name="relu")]
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 65536, 65536])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 65536, 65536])
    model = _save(tmp_path, _onnx_model(nodes, [x], [y], []), "big.onnx")
    _assert_refused(model, tmp_path, "input 'x'", "17179869184 bytes: too big for a 32-bit MCU")


def _matmul_model(weights: Any, *, output: str = "y") -> Any:
    """x [1, 4] @ ``weights`` (an initializer named 'w') -> ``output``."""
    from onnx import TensorProto, helper

    nodes = [helper.make_node("MatMul", ["x", "w"], ["y"], name="mm")]
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])
    y = helper.make_tensor_value_info(output, TensorProto.FLOAT, [1, 3])
    return _onnx_model(nodes, [x], [y], [weights])


def _short_raw() -> Any:
    from onnx import numpy_helper

    w = numpy_helper.from_array(np.ones((4, 3), np.float32), "w")
    w.raw_data = w.raw_data[:28]
    return w


def _long_raw() -> Any:
    from onnx import numpy_helper

    w = numpy_helper.from_array(np.ones((4, 3), np.float32), "w")
    w.raw_data = w.raw_data + bytes(8)
    return w


def _short_floats() -> Any:
    from onnx import TensorProto, helper

    w = helper.make_tensor("w", TensorProto.FLOAT, [4, 3], vals=[1.0] * 12)
    del w.float_data[5:]
    return w


def _wrong_dims() -> Any:
    from onnx import numpy_helper

    w = numpy_helper.from_array(np.ones((4, 3), np.float32), "w")
    w.dims[:] = [4, 5]
    return w


@pytest.mark.parametrize(
    ("make", "fragments"),
    [
        (_short_raw, ("initializer 'w'", "does not match its type and shape", "28 bytes")),
        (_long_raw, ("initializer 'w'", "does not match its type and shape", "size 14")),
        (_short_floats, ("initializer 'w'", "does not match its type and shape", "(5)")),
        (_wrong_dims, ("initializer 'w'", "does not match its type and shape", "80 bytes")),
    ],
)
def test_onnx_initializer_data_not_matching_its_shape(
    tmp_path: Path, make: Any, fragments: tuple[str, ...]
) -> None:
    model = _save(tmp_path, _matmul_model(make()), "init.onnx")
    _assert_refused(model, tmp_path, *fragments)


def test_onnx_graph_output_naming_no_tensor(tmp_path: Path) -> None:
    """The ONNX optimizer crashed (SIGSEGV) on this graph: it is refused before."""
    from onnx import numpy_helper

    weights = numpy_helper.from_array(np.ones((4, 3), np.float32), "w")
    model = _save(tmp_path, _matmul_model(weights, output="nothing"), "out.onnx")
    _assert_refused(model, tmp_path, "graph output 'nothing' names no tensor of the graph")


@pytest.mark.parametrize(
    ("attrs", "fragments"),
    [
        ({}, ("Concat (node 'cat')", "required attribute 'axis' is missing")),
        ({"axis": 1.5}, ("Concat (node 'cat')", "attribute 'axis' is FLOAT, not INT")),
    ],
)
def test_onnx_node_attributes(
    tmp_path: Path, attrs: dict[str, Any], fragments: tuple[str, ...]
) -> None:
    from onnx import TensorProto, helper

    nodes = [helper.make_node("Concat", ["x", "x"], ["y"], name="cat", **attrs)]
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 4, 4])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 6, 4, 4])
    model = _save(tmp_path, _onnx_model(nodes, [x], [y], []), "cat.onnx")
    _assert_refused(model, tmp_path, *fragments)


def test_onnx_nan_weight_scale(tmp_path: Path) -> None:
    """A NaN scale of a constant's DequantizeLinear: refused, with no numpy warning."""
    from onnx import TensorProto, helper, numpy_helper

    inits = [
        numpy_helper.from_array(np.ones((4, 3), np.int8), "wq"),
        numpy_helper.from_array(np.array([0.1, np.nan, 0.2], np.float32), "s"),
        numpy_helper.from_array(np.zeros(3, np.int8), "z"),
    ]
    nodes = [
        helper.make_node("DequantizeLinear", ["wq", "s", "z"], ["w"], name="deq", axis=1),
        helper.make_node("MatMul", ["x", "w"], ["y"], name="mm"),
    ]
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 3])
    model = _save(tmp_path, _onnx_model(nodes, [x], [y], inits), "nan.onnx")
    _assert_refused(model, tmp_path, "DequantizeLinear (node 'deq')", "scale nan")


def test_onnx_names_with_control_characters(tmp_path: Path) -> None:
    """A node name with control characters and kilobytes of text: one clean line."""
    from onnx import TensorProto, helper

    name = "hard\x1b[2J\r\n" + "x" * 4000
    nodes = [helper.make_node("Hardmax", ["x"], ["y"], name=name)]
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4])
    model = _save(tmp_path, _onnx_model(nodes, [x], [y], []), "hardmax.onnx")
    code, stderr = generate(model, tmp_path / "out")
    assert code == 2 and stderr.count("\n") == 1, stderr
    assert "\x1b" not in stderr and "\r" not in stderr and len(stderr) < 300, stderr
    assert "unsupported ONNX operator 'Hardmax' (node 'hard\\x1b[2J\\r\\nxxx" in stderr


# --------------------------------------------------------------------------- Keras


def test_keras_error_is_one_line_without_tensorflow_logs(tmp_path: Path) -> None:
    """``stai generate`` on a Keras model with an unsupported layer whose name holds
    control characters, in a fresh process with TensorFlow's logging turned up: the
    error is the only line (no oneDNN / absl / CPU-feature lines) and the name escaped."""
    import os
    import subprocess

    from keras_models import keras

    k = keras()
    name = "norm\x1b[31m\x07" + "n" * 3000
    model = k.Sequential([k.Input((4,)), k.layers.UnitNormalization(name=name)])
    path = tmp_path / "unsupported.keras"
    model.save(path)
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "0"}
    env.pop("STAI_DEBUG", None)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "stai.cli.main",
            "generate",
            "-m",
            str(path),
            "-o",
            str(tmp_path / "o"),
        ],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 2, result.stderr
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(
        "stai: error: unsupported.keras: unsupported Keras layer 'norm\\x1b"
    ), lines
    assert lines[0].isprintable() and "(3010 characters)" in lines[0], lines


@pytest.mark.parametrize(
    ("scale", "fragment"),
    [
        (1e300, "scale 1e+300 is too large for float32"),
        (1e-300, "scale 1e-300 is too small"),
        (float("nan"), "scale nan is not a positive finite"),
    ],
)
def test_onnx_double_scale(tmp_path: Path, scale: float, fragment: str) -> None:
    """A float64 scale that float32 cannot hold: refused in one line (no numpy warning
    about the overflowing cast before it)."""
    from onnx import TensorProto, helper, numpy_helper

    inits = [
        numpy_helper.from_array(np.array(scale, np.float64), "s"),
        numpy_helper.from_array(np.array(0, np.int8), "z"),
    ]
    nodes = [
        helper.make_node("QuantizeLinear", ["x", "s", "z"], ["q"], name="quant"),
        helper.make_node("DequantizeLinear", ["q", "s", "z"], ["y"], name="dequant"),
    ]
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 8])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 8])
    graph = helper.make_graph(nodes, "bad", [x], [y], initializer=inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 19)])
    _assert_refused(_save(tmp_path, model, "double.onnx"), tmp_path, "QuantizeLinear", fragment)
