"""Boolean tensors compiled by stai: TFLite comparisons (LESS, LESS_EQUAL, GREATER,
GREATER_EQUAL, EQUAL, NOT_EQUAL on float, int8 and int32, EQUAL / NOT_EQUAL on booleans),
LOGICAL_AND / OR / NOT, SELECT and SELECT_V2 (broadcast), CAST and FLOOR_MOD, made by
TensorFlow's converter and bit-exact with TFLite Micro (float and int8); a model with a
boolean input; ONNX Equal, Greater, Less, GreaterOrEqual, LessOrEqual, Not, And, Or, Where
and Cast against onnxruntime; and a torch model with torch.where, comparisons, logical
operators and masked_fill exported by torch.onnx.export."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from cli_run import run_stai
from conftest import float_tolerance
from opmodels import FLOAT, INT8, OpSpec, _tf_fn, convert, model_ops

from stai.compiler.driver import generate
from stai.runtime.runner import CModel
from stai.tools.reference import run_litert_ref, run_onnxruntime, run_tflm

# ----------------------------------------------------------------------------- TFLite

A, B = (1, 4, 6), (1, 1, 6)
"""The two input shapes: B broadcasts along A's second axis."""

_COMPARE = {
    "LESS": "less",
    "LESS_EQUAL": "less_equal",
    "GREATER": "greater",
    "GREATER_EQUAL": "greater_equal",
    "EQUAL": "equal",
    "NOT_EQUAL": "not_equal",
}


def _compare_body(fn: str):
    return _tf_fn(lambda tf: lambda a, b: getattr(tf.math, fn)(a, b))


def _int32_compare_body(fn: str):
    def make(tf):
        def body(a, b):
            ia = tf.cast(tf.round(a * 4.0), tf.int32)
            ib = tf.cast(tf.round(b * 4.0), tf.int32)
            return getattr(tf.math, fn)(ia, ib)

        return body

    return _tf_fn(make)


def _tf_case(name: str, make, ranges=((-1.0, 1.0), (-3.0, 3.0)), shapes=(A, B)) -> OpSpec:
    return OpSpec(name, shapes, _tf_fn(make), ("-",), "-", input_ranges=ranges)


CASES: dict[str, tuple[OpSpec, tuple[str, ...]]] = {}
"""name -> (the model, the operators its float model must hold)."""
for _op, _fn in _COMPARE.items():
    CASES[f"cmp_{_fn}"] = (
        OpSpec(
            f"cmp_{_fn}", (A, B), _compare_body(_fn), ("-",), "-", input_ranges=((-1, 1), (-3, 3))
        ),
        (_op,),
    )
    CASES[f"cmp_i32_{_fn}"] = (
        OpSpec(f"cmp_i32_{_fn}", (A, B), _int32_compare_body(_fn), ("-",), "-"),
        ("MUL", "ROUND", "CAST", "MUL", "ROUND", "CAST", _op),
    )
CASES.update(
    {
        "bool_equal": (
            _tf_case("bool_equal", lambda tf: lambda a, b: tf.equal(a > 0.0, b > 0.0)),
            ("GREATER", "GREATER", "EQUAL"),
        ),
        "bool_not_equal": (
            _tf_case("bool_not_equal", lambda tf: lambda a, b: tf.not_equal(a > 0.2, b < 0.5)),
            ("GREATER", "LESS", "NOT_EQUAL"),
        ),
        "logical": (
            _tf_case(
                "logical",
                lambda tf: (
                    lambda a, b: (
                        tf.logical_and(a > b, a < 0.5),
                        tf.logical_or(a > 0.25, b < -1.0),
                        tf.logical_not(tf.logical_or(a > b, b > 1.5)),
                    )
                ),
            ),
            (
                *("GREATER", "LESS", "GREATER", "LOGICAL_AND", "GREATER", "LOGICAL_OR"),
                *("LOGICAL_NOT", "LESS", "LOGICAL_OR"),
            ),
        ),
        "select_v2": (
            _tf_case("select_v2", lambda tf: lambda a, b: tf.where(a > b, a, b)),
            ("GREATER", "SELECT_V2"),
        ),
        "select_v2_int32": (
            _tf_case(
                "select_v2_int32",
                lambda tf: (
                    lambda a, b: tf.where(
                        a > b, tf.cast(a * 8.0, tf.int32), tf.cast(b * 8.0, tf.int32)
                    )
                ),
            ),
            ("GREATER", "MUL", "CAST", "MUL", "CAST", "SELECT_V2"),
        ),
        "select_v2_scalar": (
            _tf_case(
                "select_v2_scalar", lambda tf: lambda a, b: tf.where(b < 0.0, a, tf.zeros_like(a))
            ),
            ("LESS", "SELECT_V2"),
        ),
        "select_v1_rows": (
            _tf_case(
                "select_v1_rows",
                lambda tf: lambda a, b: tf.raw_ops.Select(condition=a[:, 0] > 0.0, x=a, y=b),
                shapes=((4, 6), (4, 6)),
            ),
            ("STRIDED_SLICE", "GREATER", "SELECT"),
        ),
        "cast": (
            _tf_case(
                "cast",
                lambda tf: (
                    lambda a, b: (
                        tf.cast(tf.cast(a * 10.0, tf.int32), tf.float32),
                        tf.cast(a > b, tf.float32),
                    )
                ),
            ),
            ("MUL", "CAST", "CAST", "GREATER", "CAST"),
        ),
        "floor_mod": (
            _tf_case(
                "floor_mod",
                lambda tf: lambda a, b: (tf.math.floormod(a * 5.0, b), tf.math.floormod(a, -b)),
                ranges=((-1.0, 1.0), (0.3, 2.0)),
            ),
            ("MUL", "FLOOR_MOD", "NEG", "FLOOR_MOD"),
        ),
    }
)
INT8_CASES = [n for n in CASES if n not in ("floor_mod",)]
"""FLOOR_MOD has no int8 kernel in TFLite Micro (float only)."""


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    folder = tmp_path_factory.mktemp("logical")
    out = {}
    for name, (spec, _) in CASES.items():
        for kind in (FLOAT, INT8):
            if kind == INT8 and name not in INT8_CASES:
                continue
            out[name, kind] = convert(spec, kind, folder / f"{name}_{kind}.tflite")
    return out


def _tflite_inputs(path: Path, n: int, seed: int) -> list[list[np.ndarray]]:
    """Samples with ties: float inputs on a grid of quarters, int8 codes drawn half from
    the whole range and half from a few codes, booleans at random."""
    import tflite

    dtypes = {
        tflite.TensorType.FLOAT32: np.float32,
        tflite.TensorType.INT8: np.int8,
        tflite.TensorType.BOOL: np.bool_,
    }
    graph = tflite.Model.GetRootAsModel(path.read_bytes(), 0).Subgraphs(0)
    specs = []
    for i in graph.InputsAsNumpy():
        tensor = graph.Tensors(int(i))
        specs.append((tuple(int(d) for d in tensor.ShapeAsNumpy()), dtypes[tensor.Type()]))
    rng = np.random.default_rng(seed)
    samples = []
    for _ in range(n):
        sample = []
        for shape, dtype in specs:
            if dtype is np.float32:
                sample.append((rng.integers(-8, 9, size=shape) / 4.0).astype(np.float32))
            elif dtype is np.int8:
                wide = rng.integers(-128, 128, size=shape)
                few = rng.integers(-3, 4, size=shape)
                sample.append(np.where(rng.random(shape) < 0.5, wide, few).astype(np.int8))
            else:
                sample.append(rng.random(shape) < 0.5)
        samples.append(sample)
    return samples


LITERT_CASES = {"select_v1_rows", "select_v2_int32"}
"""What TFLite Micro does not run (it registers no SELECT, and its SELECT_V2 has no int32
kernel): checked against LiteRT's reference kernels."""


def _check_tflm(path: Path, c_model: CModel, n: int = 4, seed: int = 3) -> None:
    """Bit-exact with TFLite Micro, or LiteRT's reference kernels (``LITERT_CASES``)."""
    reference = run_litert_ref if path.stem.rsplit("_", 1)[0] in LITERT_CASES else run_tflm
    for inputs in _tflite_inputs(path, n, seed):
        got = c_model.run(inputs)
        expected = reference(path, inputs)
        assert len(got) == len(expected)
        for g, e in zip(got, expected):
            assert g.dtype == e.dtype and g.shape == e.shape
            np.testing.assert_array_equal(g, e)


TFLITE_MODELS = [(n, k) for n in CASES for k in (FLOAT, INT8) if k == FLOAT or n in INT8_CASES]


@pytest.mark.parametrize(("name", "kind"), TFLITE_MODELS)
def test_tflite_logical(name, kind, models, compiled):
    path = models[name, kind]
    ops = [op for op in model_ops(path) if op not in ("QUANTIZE", "DEQUANTIZE")]
    if kind == FLOAT:
        assert sorted(ops) == sorted(CASES[name][1])
    else:
        assert set(CASES[name][1]) - {"ROUND", "MUL"} <= set(ops)
    _check_tflm(path, compiled(path))


def _input_scales(path: Path) -> list[float]:
    import tflite

    graph = tflite.Model.GetRootAsModel(path.read_bytes(), 0).Subgraphs(0)
    return [
        float(graph.Tensors(int(i)).Quantization().ScaleAsNumpy()[0]) for i in graph.InputsAsNumpy()
    ]


def test_int8_comparison_rescales_both_inputs(models, compiled):
    """The int8 LESS reads inputs of two scales: stai's answers (TFLite Micro's) differ
    from a comparison of the codes, so the rescaling to a common scale is what runs."""
    path = models["cmp_less", INT8]
    scales = _input_scales(path)
    assert len(scales) == 2 and scales[0] != scales[1]
    c_model = compiled(path)
    differs = 0
    for a, b in _tflite_inputs(path, 4, 8):
        (got,) = c_model.run([a, b])
        (expected,) = run_tflm(path, [a, b])
        np.testing.assert_array_equal(got, expected)
        differs += int(np.count_nonzero(got != (a < b)))
    assert differs > 0


def test_tflite_bool_input(tmp_path):
    """A model whose inputs are a float tensor and a boolean mask: the generated API takes
    the mask as one byte per element (0 or 1), like TFLite's."""
    import tensorflow as tf

    @tf.function(
        input_signature=[tf.TensorSpec(A, tf.float32), tf.TensorSpec(A, tf.bool)],
        autograph=False,
    )
    def fn(x, mask):
        return (
            x * tf.cast(tf.logical_not(mask), tf.float32),
            tf.logical_or(mask, x > 0.0),
        )

    converter = tf.lite.TFLiteConverter.from_concrete_functions([fn.get_concrete_function()], fn)
    path = tmp_path / "bool_input.tflite"
    path.write_bytes(converter.convert())
    assert {"LOGICAL_NOT", "CAST", "LOGICAL_OR"} <= set(model_ops(path))
    generate(path, tmp_path / "out")
    meta = (tmp_path / "out" / "network.json").read_text()
    assert '"bool"' in meta
    _check_tflm(path, CModel(tmp_path / "out"))
    # validate draws random booleans for the mask; analyze names the boolean output
    code, out, err = run_stai(["validate", "-m", str(path), "-o", str(tmp_path / "v"), "--check"])
    assert code == 0 and "check passed" in out, err
    code, out, err = run_stai(["analyze", "-m", str(path), "--json"])
    assert code == 0, err
    assert [t["dtype"] for t in json.loads(out)["outputs"]] == ["float32", "bool"]


# ----------------------------------------------------------------------------- ONNX


def _onnx_model(path: Path, nodes, outputs, opset: int = 17) -> Path:
    import onnx
    from onnx import TensorProto, helper

    graph = helper.make_graph(
        nodes,
        "logical",
        [
            helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 3, 5]),
            helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 3, 1]),
        ],
        [helper.make_empty_tensor_value_info(o) for o in outputs],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = 8
    onnx.save(model, path)
    return path


def _onnx_cases():
    from onnx import TensorProto, helper

    def node(op, ins, out, **attrs):
        return helper.make_node(op, ins, [out], **attrs)

    def const(name, array):
        from onnx import numpy_helper

        return helper.make_node(
            "Constant", [], [name], value=numpy_helper.from_array(np.asarray(array), name)
        )

    cases = {}
    for op in ("Equal", "Greater", "Less", "GreaterOrEqual", "LessOrEqual"):
        cases[op] = ([node(op, ["x", "y"], "z")], ["z"])
    cases["Greater_const"] = (
        [const("c", np.float32(0.25)), node("Greater", ["x", "c"], "z")],
        ["z"],
    )
    cases["Not_And_Or"] = (
        [
            node("Greater", ["x", "y"], "g"),
            node("Less", ["x", "y"], "l"),
            node("Not", ["g"], "ng"),
            node("And", ["ng", "l"], "a"),
            node("Or", ["g", "a"], "o"),
        ],
        ["a", "o", "ng"],
    )
    cases["Where"] = (
        [node("Greater", ["x", "y"], "m"), node("Where", ["m", "x", "y"], "z")],
        ["z"],
    )
    cases["Where_const"] = (
        [
            const("fill", np.float32(-1e4)),
            node("LessOrEqual", ["y", "x"], "m"),
            node("Where", ["m", "fill", "x"], "z"),
        ],
        ["z"],
    )
    cases["Cast"] = (
        [
            node("Cast", ["x"], "i", to=TensorProto.INT32),
            node("Cast", ["i"], "f", to=TensorProto.FLOAT),
            node("Cast", ["x"], "b", to=TensorProto.BOOL),
            node("Cast", ["b"], "bf", to=TensorProto.FLOAT),
            node("Cast", ["x"], "l", to=TensorProto.INT64),
            node("Equal", ["l", "l"], "e"),
        ],
        ["f", "bf", "i", "e"],
    )
    cases["Equal_int32"] = (
        [
            node("Cast", ["x"], "ix", to=TensorProto.INT32),
            node("Cast", ["y"], "iy", to=TensorProto.INT32),
            node("Equal", ["ix", "iy"], "z"),
            node("Where", ["z", "ix", "iy"], "w"),
        ],
        ["z", "w"],
    )
    return cases


ONNX_CASES = [
    "Equal",
    "Greater",
    "Less",
    "GreaterOrEqual",
    "LessOrEqual",
    "Greater_const",
    "Not_And_Or",
    "Where",
    "Where_const",
    "Cast",
    "Equal_int32",
]


def _onnx_samples(n: int, seed: int) -> list[list[np.ndarray]]:
    rng = np.random.default_rng(seed)
    return [
        [
            (rng.integers(-12, 13, size=(2, 3, 5)) / 4.0).astype(np.float32),
            (rng.integers(-8, 9, size=(1, 3, 1)) / 4.0).astype(np.float32),
        ]
        for _ in range(n)
    ]


@pytest.mark.parametrize("name", ONNX_CASES)
def test_onnx_logical(name, tmp_path):
    nodes, outputs = _onnx_cases()[name]
    path = _onnx_model(tmp_path / f"{name}.onnx", nodes, outputs)
    generate(path, tmp_path / "out")
    c_model = CModel(tmp_path / "out")
    for inputs in _onnx_samples(4, 5):
        expected = run_onnxruntime(path, inputs)
        got = c_model.run(inputs)
        for g, e in zip(got, expected):
            assert g.shape == e.shape and g.dtype == e.dtype, (g.dtype, e.dtype)
            np.testing.assert_array_equal(g, e)


def test_onnx_constant_mask_fills_minus_infinity(tmp_path):
    """Where(constant mask, computed scores, -inf) then Softmax: the attention-mask pattern
    (a causal or padding mask is a constant). The mask is a boolean constant; the float
    model matches onnxruntime, and stai's quantizer keeps the -inf tensor in float (its
    calibrated range is not finite) instead of failing."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    mask = np.array([[True, False, True, False, True, True]])
    inits = [
        numpy_helper.from_array(mask, "mask"),
        numpy_helper.from_array(np.array([-np.inf], np.float32), "ninf"),
        numpy_helper.from_array(
            np.random.default_rng(3).standard_normal((6, 6)).astype(np.float32), "w"
        ),
    ]
    nodes = [
        helper.make_node("MatMul", ["x", "w"], ["h"]),
        helper.make_node("Where", ["mask", "h", "ninf"], ["m"]),
        helper.make_node("Softmax", ["m"], ["p"], axis=-1),
    ]
    graph = helper.make_graph(
        nodes, "masked", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 6])],
        [helper.make_tensor_value_info("p", TensorProto.FLOAT, None)], inits,
    )  # fmt: skip
    path = tmp_path / "masked.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), path)
    generate(path, tmp_path / "out")
    c_model = CModel(tmp_path / "out")
    for seed in range(3):
        x = np.random.default_rng(seed).standard_normal((1, 6)).astype(np.float32)
        (got,) = c_model.run([x])
        (want,) = run_onnxruntime(path, [x])
        assert float(np.max(np.abs(got - want))) <= 1e-6
        assert np.all(got[0, ~mask[0]] == 0.0)
    code, _, err = run_stai(
        ["generate", "-m", str(path), "-q", "random", "-o", str(tmp_path / "q")]
    )
    assert code == 0, err


def test_onnx_constant_where_and_equal_fold(tmp_path):
    """Where and Equal over constants (the shape arithmetic exporters write) are evaluated
    at compile time: no boolean op is left in the imported graph."""
    from onnx import TensorProto, helper, numpy_helper

    from stai.compiler.driver import import_model

    shape = helper.make_node("Shape", ["x"], ["s"])
    minus = helper.make_node(
        "Constant", [], ["m"], value=numpy_helper.from_array(np.array([-1, -1, -1], np.int64))
    )
    eq = helper.make_node("Equal", ["s", "m"], ["e"])
    ones = helper.make_node(
        "Constant", [], ["one"], value=numpy_helper.from_array(np.array([1, 1, 1], np.int64))
    )
    where = helper.make_node("Where", ["e", "one", "s"], ["target"])
    reshape = helper.make_node("Reshape", ["x", "target"], ["r"])
    cast = helper.make_node("Cast", ["r"], ["z"], to=TensorProto.FLOAT)
    path = _onnx_model(
        tmp_path / "fold.onnx", [shape, minus, eq, ones, where, reshape, cast], ["z", "y"]
    )
    module = import_model(path, {})
    names = {op.name for op in module.walk()}
    assert not names & {"nn.compare", "nn.select", "nn.cast"}
    generate(path, tmp_path / "out")
    c_model = CModel(tmp_path / "out")
    for inputs in _onnx_samples(2, 9):
        for g, e in zip(c_model.run(inputs), run_onnxruntime(path, inputs)):
            np.testing.assert_array_equal(g, e)


# ---------------------------------------------------------------------- torch exporter


def _masked_model():
    import torch

    class Masked(torch.nn.Module):
        """A dense layer, then masks from comparisons and logical operators applied with
        masked_fill and torch.where (what attention masks and gating code export)."""

        def __init__(self) -> None:
            super().__init__()
            self.fc = torch.nn.Linear(16, 16)

        def forward(self, x):
            h = self.fc(x)
            mask = (h > 0.1) & ~(x < -0.5)
            y = h.masked_fill(mask, float("-inf")).clamp(min=-5.0)
            z = torch.where(h >= x, y, x * 2.0)
            w = (z == 0.0) | (h <= -0.2)
            return z + w.float(), (h != x).to(torch.float32)

    torch.manual_seed(11)
    return Masked().eval()


@pytest.mark.parametrize(("opset", "dynamo"), [(13, False), (17, False), (18, True)])
def test_torch_where_masked_fill(opset, dynamo, tmp_path):
    """The TorchScript exporter at opsets 13 and 17 and the dynamo exporter at 18."""
    import warnings

    import onnx
    import torch

    model = _masked_model()
    path = tmp_path / f"masked_{opset}.onnx"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        extra = {"external_data": False, "verbose": False} if dynamo else {}
        torch.onnx.export(
            model,
            (torch.zeros(1, 4, 16),),
            str(path),
            opset_version=opset,
            dynamo=dynamo,
            input_names=["x"],
            **extra,
        )
    ops = {n.op_type for n in onnx.load(path).graph.node}
    assert {"Where", "Greater", "Less", "Not", "And", "Or", "Equal", "Cast"} <= ops
    generate(path, tmp_path / "out")
    c_model = CModel(tmp_path / "out")
    rng = np.random.default_rng(opset)
    for _ in range(4):
        x = rng.normal(size=(1, 4, 16)).astype(np.float32)
        got = c_model.run([x])
        expected = run_onnxruntime(path, [x])
        with torch.no_grad():
            framework = [t.numpy() for t in model(torch.from_numpy(x))]
        for g, e, f in zip(got, expected, framework):
            assert g.shape == e.shape
            assert np.max(np.abs(g - e)) <= float_tolerance(e)
            assert np.max(np.abs(g - f)) <= float_tolerance(f)


def test_stai_quantizer_keeps_boolean_ops(models, tmp_path):
    """``stai generate -q``: stai's quantizer leaves the boolean ops and their boolean
    operands as they are (nothing dequantizes a boolean), so a comparison of the float
    inputs gives TFLite Micro's booleans in the quantized model too."""
    from cli_run import run_stai

    path = models["logical", FLOAT]
    calib = tmp_path / "calib.npz"
    rng = np.random.default_rng(2)
    np.savez(calib, *[rng.uniform(-2, 2, (16, *shape)).astype(np.float32) for shape in (A, B)])
    code, _, err = run_stai(
        ["generate", "-m", str(path), "-q", str(calib), "-o", str(tmp_path / "q")]
    )
    assert code == 0, err
    report = (tmp_path / "q" / "network_report.txt").read_text()
    assert "logical" in report
    _check_tflm(path, CModel(tmp_path / "q"))


def test_onnx_qdq_comparison(tmp_path):
    """A comparison of a dequantized int8 tensor (QDQ) runs in float on the dequantized
    values, its Where picks between them and the float input: exactly ONNX Runtime's."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    inits = [
        numpy_helper.from_array(np.array(0.05, np.float32), "s"),
        numpy_helper.from_array(np.array(3, np.int8), "z"),
        numpy_helper.from_array(np.array(0.2, np.float32), "c"),
    ]
    nodes = [
        helper.make_node("QuantizeLinear", ["x", "s", "z"], ["q"]),
        helper.make_node("DequantizeLinear", ["q", "s", "z"], ["d"]),
        helper.make_node("Greater", ["d", "c"], ["m"]),
        helper.make_node("Where", ["m", "d", "x"], ["y"]),
        helper.make_node("Not", ["m"], ["n"]),
    ]
    graph = helper.make_graph(
        nodes,
        "qdq",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 8])],
        [helper.make_empty_tensor_value_info("y"), helper.make_empty_tensor_value_info("n")],
        inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    path = tmp_path / "qdq.onnx"
    onnx.save(model, path)
    generate(path, tmp_path / "out")
    c_model = CModel(tmp_path / "out")
    rng = np.random.default_rng(21)
    for _ in range(4):
        x = rng.uniform(-1, 1, (1, 8)).astype(np.float32)
        for g, e in zip(c_model.run([x]), run_onnxruntime(path, [x])):
            assert g.dtype == e.dtype
            np.testing.assert_array_equal(g, e)
