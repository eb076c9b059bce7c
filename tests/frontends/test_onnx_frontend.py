"""The ONNX frontend at the nn level: layout, folding, options and bad input."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper
from onnx_opmodels import FLOAT_MODELS, Graph, save
from xdsl.dialects.builtin import ArrayAttr, IntegerAttr, StringAttr

from stai.dialects import nn
from stai.dialects.nn_matmul import BatchMatmulOp
from stai.errors import StaiError
from stai.frontends.onnx import import_onnx, import_onnx_bytes


def _ops(module, cls) -> list:
    return [op for op in module.walk() if isinstance(op, cls)]


def _model(nodes, inputs, outputs, opset=17, inits=()) -> onnx.ModelProto:
    graph = helper.make_graph(nodes, "t", inputs, outputs, list(inits))
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])


def _bytes(model: onnx.ModelProto) -> bytes:
    return model.SerializeToString()


def test_mnist_has_no_transposes(models_dir):
    module = import_onnx(models_dir / "onnx" / "mnist" / "mnist.onnx")
    assert not _ops(module, nn.TransposeOp)
    assert len(_ops(module, nn.Conv2DOp)) == 2
    assert len(_ops(module, nn.FullyConnectedOp)) == 1
    assert not _ops(module, nn.AddOp)  # the Adds became biases


def test_io_transpose_option(tmp_path):
    path = save(FLOAT_MODELS["conv"](), tmp_path / "conv.onnx")
    nchw = import_onnx(path)
    nhwc = import_onnx(path, io_transpose=False)
    assert len(_ops(nchw, nn.TransposeOp)) == 2
    assert not _ops(nhwc, nn.TransposeOp)
    main = next(iter(nhwc.ops))
    assert tuple(main.function_type.inputs.data[0].get_shape()) == (1, 9, 8, 4)


def test_batch_norm_folded_without_optimizer(tmp_path):
    path = save(FLOAT_MODELS["batch_norm_folded"](), tmp_path / "bn.onnx")
    module = import_onnx(path, optimize=False)
    assert len(_ops(module, nn.Conv2DOp)) == 1
    assert not _ops(module, nn.MulOp) and not _ops(module, nn.AddOp)


def test_shape_computations_fold(tmp_path):
    path = save(FLOAT_MODELS["shape_reshape"](), tmp_path / "shape.onnx")
    module = import_onnx(path, optimize=False)
    (reshape,) = _ops(module, nn.ReshapeOp)
    assert tuple(reshape.output.type.get_shape()) == (1, 24)


def test_symbolic_batch_becomes_one():
    model = _model(
        [helper.make_node("Relu", ["x"], ["y"])],
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 3, 4, 4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
    )
    module = import_onnx_bytes(_bytes(model), "m.onnx")
    main = next(iter(module.ops))
    assert tuple(main.function_type.inputs.data[0].get_shape()) == (1, 3, 4, 4)


def test_dynamic_spatial_shape_is_an_error():
    model = _model(
        [helper.make_node("Relu", ["x"], ["y"])],
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, "h", 4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
    )
    with pytest.raises(StaiError, match=r"input 'x' has a dynamic dimension 2 \('h'\)"):
        import_onnx_bytes(_bytes(model), "m.onnx")


def test_unsupported_operator_names_the_node():
    model = _model(
        [helper.make_node("Hardmax", ["x"], ["y"], name="the_hardmax")],
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
    )
    with pytest.raises(
        StaiError, match=r"unsupported ONNX operator 'Hardmax' \(node 'the_hardmax'\)"
    ):
        import_onnx_bytes(_bytes(model), "m.onnx")


@pytest.mark.parametrize("target", [[0, 0, 0, 0], [1, -2, -4]])
def test_reshape_to_an_impossible_shape_is_an_error(target):
    """A 0 (copy this dimension) past the input's rank, or a dimension below -1."""
    model = _model(
        [helper.make_node("Reshape", ["x", "shape"], ["y"], name="r")],
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 4, 1])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
        inits=[helper.make_tensor("shape", TensorProto.INT64, [len(target)], target)],
    )
    with pytest.raises(StaiError, match=r"Reshape \(node 'r'\): cannot reshape \[2, 4, 1\]"):
        import_onnx_bytes(_bytes(model), "m.onnx", optimize=False)


def test_old_opset_is_an_error():
    model = _model(
        [helper.make_node("Relu", ["x"], ["y"])],
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
        opset=6,
    )
    with pytest.raises(StaiError, match="opset 6 is not supported"):
        import_onnx_bytes(_bytes(model), "m.onnx")


def test_garbage_is_an_error():
    with pytest.raises(StaiError, match="not a readable ONNX model"):
        import_onnx_bytes(b"\x00\x01garbage", "m.onnx")


def test_non_constant_weights_are_a_batch_matmul():
    """A MatMul of two computed tensors (once refused) multiplies them at run time."""
    g = Graph()
    g.node("MatMul", ["x", "w"])
    model = _model(
        g.nodes,
        [
            helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4]),
            helper.make_tensor_value_info("w", TensorProto.FLOAT, [4, 2]),
        ],
        [helper.make_tensor_value_info(g.nodes[-1].output[0], TensorProto.FLOAT, None)],
    )
    module = import_onnx_bytes(_bytes(model), "m.onnx")
    (op,) = _ops(module, BatchMatmulOp)
    assert not _ops(module, nn.FullyConnectedOp)
    shapes = [tuple(v.type.get_shape()) for v in (*op.operands, op.output)]
    assert shapes == [(1, 4), (4, 2), (1, 2)]


def test_missing_optimizer_says_what_to_do(tmp_path, monkeypatch):
    path = save(FLOAT_MODELS["relu"](), tmp_path / "relu.onnx")
    monkeypatch.setitem(sys.modules, "onnxoptimizer", None)
    with pytest.raises(StaiError, match="--no-onnx-optimizer"):
        import_onnx(path)
    assert _ops(import_onnx(path, optimize=False), nn.ReluOp)


def test_lstm_direction_needs_its_weights():
    """A bidirectional LSTM holds two directions' weights: one is a one-line error."""
    w = np.zeros((1, 8, 3), np.float32)
    r = np.zeros((1, 8, 2), np.float32)
    model = _model(
        [
            helper.make_node(
                "LSTM", ["x", "w", "r"], ["y"], hidden_size=2, direction="bidirectional", name="rnn"
            )
        ],
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [4, 1, 3])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
        inits=[onnx.numpy_helper.from_array(w, "w"), onnx.numpy_helper.from_array(r, "r")],
    )
    with pytest.raises(StaiError, match="LSTM \\(node 'rnn'\\): W and R must be \\[2, "):
        import_onnx_bytes(_bytes(model), "m.onnx")


def test_cli_bad_model_exit_code_2(tmp_path):
    bad = tmp_path / "bad.onnx"
    model = _model(
        [helper.make_node("Hardmax", ["x"], ["y"], name="e1")],
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
    )
    onnx.save(model, str(bad))
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "stai.cli.main",
            "generate",
            "-m",
            str(bad),
            "-o",
            str(tmp_path / "o"),
            "--no-onnx-optimizer",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert "unsupported ONNX operator 'Hardmax' (node 'e1')" in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_cli_options_reach_the_frontend(tmp_path):
    path = save(FLOAT_MODELS["conv"](), tmp_path / "conv.onnx")
    out = tmp_path / "gen"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "stai.cli.main",
            "generate",
            "-m",
            str(path),
            "-o",
            str(out),
            "--no-onnx-io-transpose",
            "--no-onnx-optimizer",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "stai_transpose(" not in (out / "network.c").read_text()
    assert Path(out / "network.json").is_file()


@pytest.mark.parametrize("opset", [7, 9, 11, 13, 18, onnx.defs.onnx_opset_version()])
def test_opsets_seven_to_newest(opset):
    """A small CNN (Conv, Relu, MaxPool, Flatten, Gemm, Softmax) imports at every opset."""
    g = Graph()
    y = g.node("Conv", ["x", g.weights(4, 3, 3, 3), g.weights(4)], pads=[1, 1, 1, 1])
    y = g.node("Relu", [y])
    y = g.node("MaxPool", [y], kernel_shape=[2, 2], strides=[2, 2])
    y = g.node("Flatten", [y])
    y = g.node("Gemm", [y, g.weights(5, 4 * 3 * 3)], transB=1)
    g.node("Softmax", [y], axis=1)
    model = _model(
        g.nodes,
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 6, 6])],
        [helper.make_tensor_value_info(g.nodes[-1].output[0], TensorProto.FLOAT, None)],
        opset=opset,
        inits=g.inits,
    )
    module = import_onnx_bytes(_bytes(model), f"opset{opset}.onnx")
    assert len(_ops(module, nn.Conv2DOp)) == 1 and len(_ops(module, nn.SoftmaxOp)) == 1
    assert len(_ops(module, nn.TransposeOp)) == 1  # the 3-channel input only


def test_supported_operators_are_the_dispatch_table():
    """``SUPPORTED_OPERATORS`` lists what the importer's dispatch table translates: every
    operator the test models use is in it, and an operator outside it is refused."""
    from stai.frontends.onnx import SUPPORTED_OPERATORS
    from stai.frontends.onnx.importer import HANDLERS

    assert SUPPORTED_OPERATORS == tuple(sorted(HANDLERS))
    used = {n.op_type for build in FLOAT_MODELS.values() for n in build().graph.node}
    folded = {"Constant"}  # evaluated at compile time
    assert used - folded <= set(SUPPORTED_OPERATORS), used - set(SUPPORTED_OPERATORS)
    assert not folded & set(SUPPORTED_OPERATORS)
    assert "Hardmax" not in SUPPORTED_OPERATORS  # refused: test_unsupported_operator_names_the_node
    for op_type in ("Conv", "Gemm", "QLinearConv", "LSTM"):
        assert op_type in SUPPORTED_OPERATORS


def _strings(module, key: str) -> list[str]:
    attr = module.attributes[key]
    assert isinstance(attr, ArrayAttr)
    return [a.data for a in attr.data if isinstance(a, StringAttr)]


def _int(op, key: str) -> int:
    attr = op.attributes[key]
    assert isinstance(attr, IntegerAttr)
    return attr.value.data


def test_layer_types_and_ids_are_the_files(models_dir):
    """Each op's ``nn.m_id`` is its node's index in the file (the optimizer's changes do
    not renumber), ``nn.layer_types`` / ``nn.layer_names`` give each node's ONNX type and
    name, and ``nn.original_weight_bytes`` the bytes of the file's initializers."""
    from onnx import numpy_helper

    path = models_dir / "onnx" / "mnist" / "mnist.onnx"
    model = onnx.load(str(path))
    module = import_onnx(path)
    types = _strings(module, "nn.layer_types")
    names = _strings(module, "nn.layer_names")
    assert types == [n.op_type for n in model.graph.node]
    assert names == [n.name for n in model.graph.node]
    for op in module.walk():
        if isinstance(op, nn.Conv2DOp | nn.FullyConnectedOp | nn.MaxPool2DOp):
            assert (
                types[_int(op, "nn.m_id")]
                == {
                    nn.Conv2DOp: "Conv",
                    nn.FullyConnectedOp: "MatMul",
                    nn.MaxPool2DOp: "MaxPool",
                }[type(op)]
            )
    weights = sum(numpy_helper.to_array(t).nbytes for t in model.graph.initializer)
    assert _int(module, "nn.original_weight_bytes") == weights


def test_optimizer_nodes_count_as_the_node_they_serve():
    """A bias Add the optimizer fuses into the Conv leaves the Conv's m_id; the Squeeze
    the optimizer makes for the bias takes that m_id too (no operator of its own)."""
    g = Graph()
    y = str(g.node("Conv", ["x", g.weights(4, 3, 1, 1)]))
    y = str(g.node("Add", [y, g.weights(1, 4, 1, 1)]))
    g.node("Relu", [y])
    model = g.model({"x": [1, 3, 4, 4]}, {g.nodes[-1].output[0]: None})
    module = import_onnx_bytes(_bytes(model), "m.onnx")
    assert _strings(module, "nn.layer_types") == ["Conv", "Add", "Relu"]
    (conv,) = _ops(module, nn.Conv2DOp)
    assert _int(conv, "nn.m_id") == 0
    assert {_int(op, "nn.m_id") for op in module.walk() if "nn.m_id" in op.attributes} <= {0, 2}


def test_optimizer_crash_is_an_error():
    """The optimizer runs in a child process: a crash there (a segfault) is reported."""
    import ctypes

    from stai.frontends.onnx.loader import IsolatedCrash, run_isolated

    with pytest.raises(IsolatedCrash, match="SIGSEGV"):
        run_isolated(lambda data: ctypes.string_at(0), b"")
    with pytest.raises(RuntimeError, match="by zero"):
        run_isolated(lambda data: bytes(1 // len(data)), b"")
    assert run_isolated(lambda data: data[::-1], b"abc" * 100000) == b"cba" * 100000


@pytest.mark.parametrize(
    ("node", "message"),
    [
        (
            helper.make_node("Concat", ["x", "x"], ["y"], name="cat"),
            "Concat (node 'cat'): required attribute 'axis' is missing",
        ),
        (
            helper.make_node("Softmax", ["x"], ["y"], name="sm", axis=1.5),
            "Softmax (node 'sm'): attribute 'axis' is FLOAT, not INT",
        ),
        (
            helper.make_node("Relu", ["nowhere"], ["y"], name="r"),
            "Relu (node 'r') reads tensor 'nowhere', which no graph input",
        ),
    ],
)
def test_malformed_nodes_are_errors(node, message):
    model = _model(
        [node],
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
    )
    with pytest.raises(StaiError, match=re.escape(message)):
        import_onnx_bytes(_bytes(model), "m.onnx")


def test_names_in_messages_are_printable():
    """A node name with control characters and kilobytes of text is escaped and cut."""
    name = "bad\x1b[31m\x07" + "n" * 5000
    model = _model(
        [helper.make_node("Hardmax", ["x"], ["y"], name=name)],
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
    )
    with pytest.raises(StaiError) as info:
        import_onnx_bytes(_bytes(model), "m.onnx")
    message = str(info.value)
    assert "bad\\x1b[31m\\x07nnn" in message and "(5009 characters)" in message
    assert message.isprintable() and len(message) < 200


# ------------------------------------------------------------------ issue 14 operators


@pytest.mark.parametrize("optimize", [True, False])
def test_scale_and_shift_fold_into_conv_and_gemm(tmp_path, optimize):
    """Constant per-channel Mul / Add / Sub / Div after a Conv or Gemm (tf2onnx's form of
    a batch normalization) leave no op of their own."""
    path = save(FLOAT_MODELS["scale_shift"](), tmp_path / "scale_shift.onnx")
    module = import_onnx(path, optimize=optimize)
    assert len(_ops(module, nn.Conv2DOp)) == 2
    assert len(_ops(module, nn.FullyConnectedOp)) == 1
    for cls in (nn.MulOp, nn.AddOp, nn.SubOp, nn.DivOp):
        assert not _ops(module, cls), cls.name


def test_scale_shared_or_not_per_channel_is_not_folded(tmp_path):
    """A Mul whose conv output has another reader, or whose constant varies along H, stays."""
    g = Graph()
    y = g.node("Conv", ["x", g.weights(4, 3, 1, 1)])
    a = g.node("Mul", [y, g.const(np.full((4, 1, 1), 2.0, np.float32))])
    b = g.node("Conv", ["x", g.weights(4, 3, 1, 1)])
    c = g.node("Mul", [b, g.const(np.ones((1, 5, 1), np.float32))])
    g.node("Add", [g.node("Add", [a, y]), c])
    g.nodes[-1].output[0] = "y"
    module = import_onnx_bytes(_bytes(g.model({"x": [1, 3, 5, 5]}, {"y": None})), "m")
    assert len(_ops(module, nn.MulOp)) == 2


def test_gather_of_one_index_is_a_slice_and_a_reshape(tmp_path):
    path = save(FLOAT_MODELS["lstm_last_step"](), tmp_path / "last.onnx")
    module = import_onnx(path)
    (sliced,) = _ops(module, nn.StridedSliceOp)
    assert tuple(sliced.output.type.get_shape()) == (1, 1, 1, 6)
    assert tuple(sliced.begin.get_values()) == (4, 0, 0, 0)


def test_gather_runs_are_strided_slices(tmp_path):
    """Indices [4, 2, 0, 1, 1, 5]: the runs 4-2-0 (step -2), 1 and 1-5 (step 4),
    concatenated (on whichever axis the channels end up after the layout passes)."""
    path = save(FLOAT_MODELS["gather_channels"](), tmp_path / "gather.onnx")
    module = import_onnx(path, optimize=False)
    slices = _ops(module, nn.StridedSliceOp)
    assert [int(np.prod(s.strides.get_values())) for s in slices] == [-2, 1, 4]
    assert len(_ops(module, nn.ConcatOp)) == 1


@pytest.mark.parametrize(
    "op,inputs,attrs,message",
    [
        ("Pow", [np.float32(4.0)], {}, "exponent 4 is not supported"),
        ("Slice", [np.array([3], np.int64), np.array([1], np.int64)], {}, "is empty"),
        ("Gather", [np.array([7], np.int64)], {"axis": 1}, "out of range"),
        ("Split", [np.array([1, 1], np.int64)], {"axis": 1}, "do not fit"),
        ("Tile", [np.array([2, 1], np.int64)], {}, "repeats for rank"),
    ],
)
def test_bad_selections_are_one_line_errors(op, inputs, attrs, message):
    g = Graph()
    g.node(op, ["x", *(g.const(v) for v in inputs)], n_out=2 if op == "Split" else 1, **attrs)
    outs = {o: None for o in g.nodes[-1].output}
    model = helper.make_model(
        helper.make_graph(
            g.nodes,
            "t",
            [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 4])],
            [helper.make_empty_tensor_value_info(o) for o in outs],
            g.inits,
        ),
        opset_imports=[helper.make_opsetid("", 17)],
    )
    with pytest.raises(StaiError, match=message) as info:
        import_onnx_bytes(_bytes(model), "m")
    assert "\n" not in str(info.value)


def test_gather_with_computed_indices_takes_them_at_run_time():
    g = Graph()
    idx = g.node("Cast", [g.node("Abs", ["x"])], to=TensorProto.INT64)
    g.node("Gather", ["x", idx], axis=0)
    g.nodes[-1].output[0] = "y"
    model = helper.make_model(
        helper.make_graph(
            g.nodes,
            "t",
            [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3])],
            [helper.make_empty_tensor_value_info("y")],
            g.inits,
        ),
        opset_imports=[helper.make_opsetid("", 17)],
    )
    module = import_onnx_bytes(_bytes(model), "m")
    (take,) = _ops(module, nn.TakeOp)  # the int64 indices cast to int32, then taken
    assert str(take.indices.type) == "tensor<1x3xi32>"
    assert str(take.output.type) == "tensor<1x3x3xf32>"
