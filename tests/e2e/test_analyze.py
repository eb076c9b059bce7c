"""``stai analyze``: totals against figures computed here from the .tflite file alone, the
per-layer table, the JSON schema, the pictures and the command line."""

from __future__ import annotations

import json
import math
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import tflite

from stai.cli.main import main as stai_main
from stai.compiler.options import CompileOptions, MemoryOptions
from stai.tools.analyze import analyze, to_json, write_reports

CMSIS_NN = CompileOptions(kernels="cmsis-nn")
"""The figures compared with the model file's own: CMSIS-NN's kernels read the weights as
the file stores them (stai's kernels pack them: docs/target.md)."""
APART = CompileOptions(memory=MemoryOptions(overlap=False))
"""Every output apart from its inputs (overlapping plans: test_plan_memory_overlap.py)."""

SCHEMA = Path(__file__).resolve().parents[2] / "docs" / "schemas" / "analyze.schema.json"
_NP = {
    tflite.TensorType.INT8: np.int8,
    tflite.TensorType.INT32: np.int32,
    tflite.TensorType.FLOAT32: np.float32,
    tflite.TensorType.INT64: np.int64,
    tflite.TensorType.UINT8: np.uint8,
    tflite.TensorType.INT16: np.int16,
}


def _opcode(model: tflite.Model, op: tflite.Operator) -> str:
    code = model.OperatorCodes(op.OpcodeIndex())
    value = max(code.BuiltinCode(), code.DeprecatedBuiltinCode())
    return tflite.utils.opcode2name(value)


def _pool_area(op: tflite.Operator) -> int:
    table = op.BuiltinOptions()
    options = tflite.Pool2DOptions()
    options.Init(table.Bytes, table.Pos)
    return options.FilterHeight() * options.FilterWidth()


def independent_figures(path: Path) -> dict[str, int]:
    """Parameters, MACC and weights bytes of a .tflite model, from the file alone.

    Parameters: elements of the weights and biases of CONV_2D, DEPTHWISE_CONV_2D and
    FULLY_CONNECTED. MACC: conv: outputs x kh x kw x cin; depthwise: outputs x kh x kw;
    fully connected: outputs x inputs; pools: outputs x window; ADD/MUL...: outputs;
    SOFTMAX: 3 x outputs; RESHAPE: 0. Weights bytes: the bytes of those weights and biases
    plus, for int8 convolutions, an int32 multiplier and shift per output channel.
    """
    model = tflite.Model.GetRootAsModel(path.read_bytes(), 0)
    graph = model.Subgraphs(0)

    def shape(t: int) -> tuple[int, ...]:
        return tuple(int(d) for d in graph.Tensors(t).ShapeAsNumpy())

    def nbytes(t: int) -> int:
        buffer = model.Buffers(graph.Tensors(t).Buffer())
        return buffer.DataLength()

    params = macc = weights = model_weights = 0
    for i in range(graph.OperatorsLength()):
        op = graph.Operators(i)
        name = _opcode(model, op)
        ins = [t for t in op.InputsAsNumpy() if t >= 0]
        model_weights += sum(nbytes(t) for t in ins)
        out = math.prod(shape(op.Outputs(0)))
        if name in ("CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED"):
            w = shape(ins[1])
            consts = ins[1:3]
            params += sum(math.prod(shape(t)) for t in consts)
            weights += sum(nbytes(t) for t in consts)
            if name == "CONV_2D":
                macc += out * w[1] * w[2] * w[3]
            elif name == "DEPTHWISE_CONV_2D":
                macc += out * w[1] * w[2]
            else:
                macc += out * w[1]
            int8 = graph.Tensors(ins[1]).Type() == tflite.TensorType.INT8
            hybrid = int8 and graph.Tensors(op.Outputs(0)).Type() == tflite.TensorType.FLOAT32
            if hybrid:  # a float table of the filter scales
                weights += 4 * graph.Tensors(ins[1]).Quantization().ScaleLength()
            elif int8 and name != "FULLY_CONNECTED":
                weights += 8 * shape(op.Outputs(0))[-1]
        elif name in ("AVERAGE_POOL_2D", "MAX_POOL_2D"):
            macc += out * _pool_area(op)
        elif name == "SOFTMAX":
            macc += 3 * out
        elif name in ("ADD", "SUB", "MUL"):
            macc += out
        elif name != "RESHAPE":
            raise AssertionError(f"no independent rule for {name}")
    return {
        "params": params,
        "macc": macc,
        "weights_bytes": weights,
        "model_weights_bytes": model_weights,
    }


@pytest.mark.parametrize("key", ["kws_int8", "hello_world_float", "ic_int8", "kws_hybrid"])
def test_totals_equal_independent_figures(
    key: str, shared_model_path: Callable[[str], Path]
) -> None:
    path = shared_model_path(key)
    report = to_json(analyze(path, options=CMSIS_NN))
    expected = independent_figures(path)
    totals = report["totals"]
    assert {k: totals[k] for k in expected} == expected
    layers = report["layers"]
    assert sum(r["params"] for r in layers) == totals["params"]
    assert sum(r["macc"] for r in layers) == totals["macc"]
    assert sum(r["rom_bytes"] for r in layers) == totals["weights_bytes"]
    change = totals["weights_bytes"] - totals["model_weights_bytes"]
    assert totals["weights_change_bytes"] == change
    assert totals["weights_change_percent"] == round(
        100 * change / totals["model_weights_bytes"], 2
    )


def test_kws_report(shared_model_path: Callable[[str], Path], tmp_path: Path) -> None:
    """KWS int8: the figures, the layer table with the reshape folded into the fully
    connected node, the I/O, the schema, the SVG and DOT files."""
    import jsonschema

    from stai.compiler.driver import generate

    path = shared_model_path("kws_int8")
    a = analyze(path, name="kws", options=replace(CMSIS_NN, name="kws"))
    data = to_json(a)
    jsonschema.validate(data, json.loads(SCHEMA.read_text()))
    t = data["totals"]
    assert (t["params"], t["macc"], t["weights_bytes"]) == (22_604, 2_664_804, 28_976)
    assert (t["model_weights_bytes"], t["weights_change_bytes"]) == (24_376, 4_600)
    assert t["input_bytes"] == 490 and t["output_bytes"] == 12 and t["io_in_arena"]
    assert t["nodes"] == 12 and t["model_operators"] == 13
    generated = generate(path, tmp_path / "kws", "kws", options=CMSIS_NN)
    assert t["activations_bytes"] == generated.activations_bytes == t["ram_total_bytes"]
    assert data["inputs"][0] == {
        "name": "input_1",
        "shape": [1, 49, 10, 1],
        "dtype": "int8",
        "scale": pytest.approx(0.5847029),
        "zero_point": 83,
        "bytes": 490,
    }
    rows = data["layers"]
    assert [r["c_id"] for r in rows] == list(range(12))
    assert [r["m_id"] for r in rows] == [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12]
    fc = rows[10]
    assert fc["type"] == "fully_connected" and fc["model_type"] == "FULLY_CONNECTED"
    assert fc["folded"] == [10] and fc["output_shape"] == [1, 12]
    assert rows[0]["macc"] == 25 * 5 * 64 * 10 * 4 and rows[0]["rom_bytes"] == 2560 + 256 + 512
    assert data["graph"]["edges"][0] == ["in:0", "c:0"] and data["graph"]["edges"][-1] == [
        "c:11",
        "out:0",
    ]

    files = write_reports(a, tmp_path / "report")
    assert json.loads(files["json"].read_text()) == json.loads(json.dumps(data))
    svg = ET.parse(files["memory_svg"]).getroot()
    rects = [
        r
        for r in svg.iter("{http://www.w3.org/2000/svg}rect")
        if r.find("{http://www.w3.org/2000/svg}title") is not None
    ]
    assert len(rects) == len(data["memory_plan"]) > 12
    dot = files["graph_dot"].read_text()
    assert dot.startswith('digraph "kws"') and dot.count("->") == len(data["graph"]["edges"])
    assert all(f'"c:{i}" [label="{i}: ' in dot for i in range(12))
    text = files["text"].read_text()
    assert "2,664,804" in text and "+18.87%" in text and "folded 10 RESHAPE" in text


def test_memory_plan_never_overlaps(shared_model_path: Callable[[str], Path]) -> None:
    """Buffers alive at the same node never share bytes, unless they are the same bytes
    (a reshape's alias)."""
    a = analyze(shared_model_path("ic_int8"), options=APART)
    live = a.buffers
    for i, x in enumerate(live):
        for y in live[i + 1 :]:
            if x.arena != y.arena or x.last < y.first or y.last < x.first:
                continue
            same = x.offset == y.offset and x.size == y.size
            apart = x.offset + x.size <= y.offset or y.offset + y.size <= x.offset
            assert same or apart, (x, y)
        assert x.offset + x.size <= a.totals.arena_bytes[x.arena]


def test_cli(
    shared_model_path: Callable[[str], Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = shared_model_path("hello_world_int8")
    with pytest.raises(SystemExit) as exit_info:
        stai_main(["analyze", "-m", str(path), "--json", "-o", str(tmp_path / "out")])
    assert exit_info.value.code == 0
    data = json.loads(capsys.readouterr().out)
    assert data["totals"]["nodes"] == 3 and data["model"]["format"] == "tflite"
    assert (tmp_path / "out" / "network_analyze.json").is_file()
    assert (tmp_path / "out" / "network_memory.svg").is_file()
    with pytest.raises(SystemExit) as exit_info:
        stai_main(["analyze", "-m", str(path)])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert "MACC" in out and "weights (ROM)" in out and "fully_connected" in out


def test_cli_bad_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.tflite"
    bad.write_bytes(b"not a model")
    for model in (str(bad), str(tmp_path / "missing.tflite")):
        with pytest.raises(SystemExit) as exit_info:
            stai_main(["analyze", "-m", model])
        assert exit_info.value.code == 2
        err = capsys.readouterr().err
        assert err.startswith("stai: error:") and len(err.strip().splitlines()) == 1


def test_analyze_a_math_op_whose_geometry_is_a_function_name(tmp_path: Path) -> None:
    """``qnn.math`` names its function among its geometric properties (a string, not a
    list of numbers): analyze reported an internal error on any ONNX Exp."""
    import onnx
    from onnx import TensorProto, helper

    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4])
    graph = helper.make_graph([helper.make_node("Exp", ["x"], ["y"], name="e")], "g", [x], [y])
    model = tmp_path / "exp.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]), model)
    from cli_run import run_stai

    code, _, err = run_stai(["analyze", "-m", str(model), "-o", str(tmp_path / "a")])
    assert code == 0, err
    report = json.loads((tmp_path / "a" / "network_analyze.json").read_text())
    assert [layer["kernel"] for layer in report["layers"]] == ["stai_exp_f32"]
