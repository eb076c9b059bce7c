"""The Keras frontend: the nn IR it makes (flattening, batch-norm folding, layer
translations) and its one-line errors on what it cannot compile."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from keras_models import build, keras, save_keras2
from xdsl.dialects.builtin import ArrayAttr, StringAttr

from stai.dialects import nn
from stai.errors import StaiError
from stai.frontends.keras import import_keras, import_keras_model
from stai.frontends.keras.keras2 import keras2_version, translate_config


def _ops(module: Any, cls: type) -> list[Any]:
    return [op for op in module.walk() if isinstance(op, cls)]


def _constant_bytes(module: Any) -> int:
    return sum(op.to_numpy().nbytes for op in _ops(module, nn.ConstantOp))


def _keras_weight_bytes(model: Any) -> int:
    return sum(int(np.prod(w.shape)) * 4 for w in model.weights)


# ------------------------------------------------------------------ batch-norm folding


@pytest.mark.parametrize(
    "name,folded,left",
    [
        ("functional_residual", 2, 0),  # two after linear convs
        ("nested", 3, 0),  # the block's (once per call of the shared model) and the head's
        ("conv1d", 1, 0),  # through the Conv1D's reshape
        ("shapes", 1, 1),  # after a rank-3 dense; the Rescaling stays a mul + add
        ("input_batch_norm", 1, 1),  # the one on the input stays a mul + add
        ("sequential_cnn", 0, 1),  # after a conv with a fused relu: not foldable
    ],
)
def test_batch_norm_folding(name, folded, left):
    model = build(name)
    module = import_keras_model(model)
    assert module.attributes["nn.folded_batch_norms"].value.data == folded
    assert len(_ops(module, nn.MulOp)) == left + (1 if name == "functional_residual" else 0)
    original = _keras_weight_bytes(model)
    assert module.attributes["nn.original_weight_bytes"].value.data == original


def test_folding_removes_the_batch_norm_weights():
    """Each folded batch norm removes its 4 x C floats (gamma, beta, mean, variance)."""
    model = build("functional_residual")
    module = import_keras_model(model)
    assert _constant_bytes(module) == _keras_weight_bytes(model) - 2 * 4 * 8 * 4


def test_folded_values():
    """conv -> batch norm: the folded filter and bias are the batch norm applied to them."""
    k = keras()
    model = k.Sequential([k.Input((3, 3, 1)), k.layers.Conv2D(2, 1), k.layers.BatchNormalization()])
    conv, bn = model.layers
    conv.set_weights([np.array([[[[1.0, 2.0]]]], np.float32), np.array([0.5, -1.0], np.float32)])
    bn.set_weights(
        [np.array(v, np.float32) for v in ([2.0, 3.0], [1.0, 0.0], [0.5, 1.0], [4.0, 9.0])]
    )
    module = import_keras_model(model)
    (op,) = _ops(module, nn.Conv2DOp)
    scale = np.array([2.0, 3.0]) / np.sqrt(np.array([4.0, 9.0]) + 1e-3)
    filt = op.filter.owner.to_numpy().reshape(-1)
    bias = op.bias.owner.to_numpy()
    np.testing.assert_allclose(filt, np.array([1.0, 2.0]) * scale, rtol=1e-6)
    np.testing.assert_allclose(
        bias, (np.array([0.5, -1.0]) - [0.5, 1.0]) * scale + [1.0, 0.0], rtol=1e-6
    )


def test_batch_norm_with_a_second_user_is_not_folded():
    k = keras()
    x = k.Input((4, 4, 2))
    c = k.layers.Conv2D(2, 1)(x)
    y = k.layers.Add()([k.layers.BatchNormalization()(c), c])
    module = import_keras_model(k.Model(x, y))
    assert module.attributes["nn.folded_batch_norms"].value.data == 0
    assert len(_ops(module, nn.MulOp)) == 1


# ------------------------------------------------------------------ graph translation


def test_nested_models_are_flattened():
    module = import_keras_model(build("nested"))
    names = [
        op.attributes["nn.name"].data
        for op in module.walk()
        if "nn.name" in op.attributes and not isinstance(op, nn.ConstantOp)
    ]
    assert names.count("res/block/block_conv") == 2  # the shared model, called twice
    assert "head/head_dw" in names and "stem" in names
    assert not any(op.name.startswith("func.call") for op in module.walk())


def test_layers_translate_to_their_ops():
    module = import_keras_model(build("sequential_cnn"))
    kinds = [
        op.name for op in module.walk() if op.name.startswith("nn.") and op.name != "nn.constant"
    ]
    assert kinds == [
        "nn.conv2d",
        "nn.mul",
        "nn.add",
        "nn.depthwise_conv2d",
        "nn.depthwise_conv2d",
        "nn.conv2d",
        "nn.swish",
        "nn.max_pool2d",
        "nn.avg_pool2d",
        "nn.pad",
        "nn.prelu",
        "nn.reshape",
        "nn.fully_connected",
        "nn.softmax",
    ]
    (conv,) = [
        op
        for op in _ops(module, nn.Conv2DOp)
        if op.attributes.get("nn.name") == StringAttr("conv_relu")
    ]
    assert conv.activation.data == "relu"
    assert list(conv.pads.get_values()) == [0, 1, 0, 1]  # same padding, stride 2, even size


def test_conv1d_is_a_conv2d_of_height_one():
    module = import_keras_model(build("conv1d"))
    causal = next(
        op for op in _ops(module, nn.Conv2DOp) if op.attributes.get("nn.m_id").value.data == 0
    )
    assert list(causal.pads.get_values()) == [0, 0, 4, 0]  # (k - 1) * dilation on the left
    assert causal.filter.type.get_shape()[:3] == (6, 1, 3)


def test_permute_and_lstm():
    module = import_keras_model(build("shapes"))
    perms = [list(op.perm.get_values()) for op in _ops(module, nn.TransposeOp)]
    assert perms == [[0, 2, 1, 3], [0, 3, 1, 2]]
    module = import_keras_model(build("lstm"))
    first, last = _ops(module, nn.LstmOp)
    assert first.return_sequences.value.data == 1 and last.return_sequences.value.data == 0
    assert first.weights.type.get_shape() == (24, 5) and last.recurrent.type.get_shape() == (16, 4)


def test_file_formats(tmp_path):
    model = build("input_batch_norm")
    for suffix in (".keras", ".h5"):
        path = tmp_path / f"m{suffix}"
        model.save(path)
        module = import_keras(path)
        assert module.attributes["nn.folded_batch_norms"].value.data == 1


# ------------------------------------------------------------------ errors


def _error(model: Any) -> str:
    with pytest.raises(StaiError) as info:
        import_keras_model(model)
    message = str(info.value)
    assert "\n" not in message
    return message


def test_lambda_layer_is_named():
    k = keras()
    x = k.Input((4,))
    y = k.layers.Lambda(lambda t: t * 2.0, name="double")(x)
    message = _error(k.Model(x, y))
    assert "'double'" in message and "Lambda" in message


def test_lambda_layer_in_a_file_is_named(tmp_path):
    k = keras()
    x = k.Input((4,))
    model = k.Model(x, k.layers.Lambda(lambda t: t + 1.0, name="plus_one")(x))
    path = tmp_path / "lambda.keras"
    model.save(path)
    with pytest.raises(StaiError, match=r"layer 'plus_one' of class Lambda"):
        import_keras(path)


def _custom_layer_class() -> type:
    k = keras()

    class Twice(k.layers.Layer):
        def call(self, inputs):
            return inputs * 2.0

    return Twice


def test_custom_layer_is_named(tmp_path):
    k = keras()
    x = k.Input((4,))
    model = k.Model(x, _custom_layer_class()(name="twice")(x))
    message = _error(model)
    assert "custom layer 'twice' of class Twice" in message
    path = tmp_path / "custom.keras"
    model.save(path)
    with pytest.raises(StaiError, match=r"layer 'twice' of custom class Twice"):
        import_keras(path)  # the class is unknown where the file is loaded


def test_unsupported_builtin_layer_is_named():
    k = keras()
    x = k.Input((4, 4, 4, 1))
    message = _error(k.Model(x, k.layers.Conv3D(2, 2, name="vol")(x)))
    assert "'vol' of class Conv3D" in message


def test_stateful_lstm_keeps_its_states_in_a_variable():
    from stai.dialects.nn_recurrent import SequenceLstmOp

    k = keras()
    x = k.Input((5, 3), batch_size=1)
    module = import_keras_model(k.Model(x, k.layers.LSTM(4, stateful=True, name="mem")(x)))
    (op,) = [o for o in module.walk() if isinstance(o, SequenceLstmOp)]
    assert op.variable.data == "lstm:mem" and op.dims() == (1, 5, 3, 4)
    message = _error(k.Model(x, k.layers.LSTM(4, stateful=True, return_state=True, name="st")(x)))
    assert "'st'" in message and "return_state is not supported for a stateful LSTM" in message


def test_dynamic_spatial_shape_is_refused():
    k = keras()
    x = k.Input((None, None, 3), name="img")
    message = _error(k.Model(x, k.layers.Conv2D(2, 3)(x)))
    assert "'img'" in message and "dynamic shape [None, None, None, 3]" in message


@pytest.mark.parametrize(
    "layer,words",
    [
        (lambda L: L.Conv2D(2, 3, data_format="channels_first"), ["channels_first"]),
        (lambda L: L.Activation("selu"), ["activation 'selu'"]),
        (lambda L: L.Softmax(axis=1), ["softmax over axis 1"]),
        (lambda L: L.ReLU(threshold=0.5), ["threshold"]),
    ],
)
def test_unsupported_configurations(layer, words):
    k = keras()
    x = k.Input((4, 4, 3))
    message = _error(k.Model(x, layer(k.layers)(x)))
    for word in words:
        assert word in message


def test_sequential_without_input_shape():
    k = keras()
    with pytest.raises(StaiError, match="no input shape"):
        import_keras_model(k.Sequential([k.layers.Dense(2)], name="empty"))


def test_cli_errors_exit_with_code_2(tmp_path):
    """`stai generate` on a Keras model it cannot compile: exit code 2, one line, no traceback."""
    k = keras()
    x = k.Input((None, 3), name="seq")
    path = tmp_path / "dynamic.keras"
    k.Model(x, k.layers.Dense(2)(x)).save(path)
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "stai.cli.main",
            "generate",
            "-m",
            str(path),
            "-o",
            str(tmp_path / "out"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert "dynamic shape" in lines[0] and "'seq'" in lines[0]


def test_missing_file():
    with pytest.raises(StaiError, match="no such file"):
        import_keras(Path("/nonexistent/model.keras"))


def test_not_a_keras_file(tmp_path):
    path = tmp_path / "junk.keras"
    path.write_bytes(b"not a model")
    with pytest.raises(StaiError, match="Keras cannot load"):
        import_keras(path)


def test_missing_tensorflow_is_a_clear_error(monkeypatch, tmp_path):
    """Without Keras installed, the frontend says which extra to install."""
    from stai.frontends.keras.loader import keras_module

    monkeypatch.setitem(sys.modules, "keras", None)  # makes `import keras` fail
    with pytest.raises(StaiError, match=r"stai\[keras\]"):
        keras_module()
    path = tmp_path / "m.keras"
    path.write_bytes(b"PK")
    with pytest.raises(StaiError, match="'tensorflow' and 'keras' packages are needed"):
        import_keras(path)


def test_supported_operators_are_the_dispatch_table():
    """``SUPPORTED_OPERATORS`` lists what the importer's dispatch table translates: every
    layer class of the test models is in it (``layer_types`` records them), and a Keras
    layer outside it is refused naming its class."""
    from keras_models import KERAS_MODELS

    from stai.frontends.keras import SUPPORTED_OPERATORS
    from stai.frontends.keras.importer import HANDLERS

    assert SUPPORTED_OPERATORS == tuple(sorted(HANDLERS))
    for name in KERAS_MODELS:
        module = import_keras_model(build(name))
        attr = module.attributes["nn.layer_types"]
        assert isinstance(attr, ArrayAttr)
        types = {a.data for a in attr.data if isinstance(a, StringAttr)}
        assert types <= set(SUPPORTED_OPERATORS), (name, types - set(SUPPORTED_OPERATORS))
    k = keras()
    assert "UnitNormalization" not in SUPPORTED_OPERATORS
    model = k.Sequential([k.Input((4,)), k.layers.UnitNormalization(name="norm")])
    with pytest.raises(
        StaiError, match="unsupported Keras layer 'norm' of class UnitNormalization"
    ):
        import_keras_model(model)


def test_layer_names_in_messages_are_printable():
    """A layer name with control characters and kilobytes of text is escaped and cut."""
    k = keras()
    name = "norm\x1b[31m\x07" + "n" * 3000
    model = k.Sequential([k.Input((4,)), k.layers.UnitNormalization(name=name)])
    with pytest.raises(StaiError) as info:
        import_keras_model(model)
    message = str(info.value)
    assert "norm\\x1b[31m\\x07nnn" in message and "(3010 characters)" in message
    assert message.isprintable() and len(message) < 200


# ------------------------------------------------------------------ Keras 2 files


@pytest.mark.parametrize("suffix", [".h5", ".keras"])
def test_keras2_files_are_recognised(tmp_path, suffix):
    model = build("lstm")
    keras3 = tmp_path / f"k3{suffix}"
    model.save(keras3)
    keras2 = tmp_path / f"k2{suffix}"
    save_keras2(model, keras2)
    assert keras2_version(keras3) is None
    assert keras2_version(keras2) == "2.15.0"
    assert len([op for op in import_keras(keras2).walk() if op.name == "nn.lstm"]) == 2


def test_keras2_keys_are_translated():
    config = {
        "class_name": "Functional",
        "module": "tf_keras.src.engine.functional",
        "config": {
            "name": "m",
            "layers": [
                {"class_name": "DepthwiseConv2D", "config": {"name": "dw", "groups": 1}},
                {
                    "class_name": "SeparableConv2D",
                    "config": {"name": "sep", "groups": 1, "kernel_initializer": {}},
                },
                {"class_name": "LSTM", "config": {"name": "rnn", "time_major": False}},
                {"class_name": "BatchNormalization", "config": {"name": "bn", "axis": [3]}},
                {"class_name": "Dense", "config": {"name": "d", "batch_input_shape": [None, 4]}},
                {"class_name": "Sequential", "config": {"name": "inner", "layers": []}},
                {
                    "class_name": "Add",
                    "config": {"name": "add"},
                    "inbound_nodes": [[["inner", 1, 0, {}], ["d", 0, 0, {}]]],
                },
            ],
            "output_layers": [["inner", 2, 0]],
        },
    }
    layers = translate_config(config)["config"]["layers"]
    assert config["module"] == "keras.src.models.functional"
    assert layers[0]["config"] == {"name": "dw"}
    assert layers[1]["config"] == {"name": "sep"}
    assert layers[2]["config"] == {"name": "rnn"}
    assert layers[3]["config"]["axis"] == 3
    assert layers[4]["config"] == {"name": "d", "input_shape": [4]}
    assert layers[6]["inbound_nodes"] == [[["inner", 0, 0, {}], ["d", 0, 0, {}]]]
    assert config["config"]["output_layers"] == [["inner", 1, 0]]


@pytest.mark.parametrize(
    "layer,words",
    [
        ({"class_name": "GRU", "config": {"name": "g", "time_major": True}}, "time_major"),
        ({"class_name": "DepthwiseConv2D", "config": {"name": "d", "groups": 2}}, "groups=2"),
    ],
)
def test_keras2_keys_without_keras3_meaning_are_refused(layer, words):
    with pytest.raises(StaiError, match=words):
        translate_config({"class_name": "Sequential", "config": {"layers": [layer]}})


# ------------------------------------------------------------------ layers on existing ops


@pytest.mark.parametrize(
    "name,op_counts",
    [
        ("cropping", {nn.StridedSliceOp: 2}),
        ("conv_transpose", {nn.TransposeConv2DOp: 5, nn.TanhOp: 1}),
        ("normalization", {nn.MulOp: 2, nn.AddOp: 2}),
        ("upsampling", {nn.ConcatOp: 4}),
        ("time_distributed", {nn.FullyConnectedOp: 2, nn.Conv2DOp: 2}),
    ],
)
def test_layers_on_existing_ops(name, op_counts):
    module = import_keras_model(build(name))
    for cls, count in op_counts.items():
        assert len(_ops(module, cls)) == count, (cls.name, count)


def test_conv_transpose_crop_and_layout():
    """Keras' [kh, kw, out, in] kernel becomes [out, kh, kw, in]; a stride-2 same 3x3
    transposed convolution crops its one extra row and column at the bottom / right
    (TensorFlow's rule: the smaller half of the excess first)."""
    model = build("conv_transpose")
    module = import_keras_model(model)
    first = _ops(module, nn.TransposeConv2DOp)[0]
    assert list(first.pads.get_values()) == [0, 1, 0, 1]
    assert first.activation.data == "relu"
    kernel = model.get_layer("up_same").get_weights()[0]
    filt = first.filter.owner
    assert isinstance(filt, nn.ConstantOp)
    np.testing.assert_array_equal(filt.to_numpy(), kernel.transpose(2, 0, 1, 3))


def test_time_distributed_result_is_named_once():
    """The wrapped layer's op carries the TimeDistributed layer's name, once; the reshape
    unfolding the time axis after it has none."""
    module = import_keras_model(build("time_distributed"))
    names = [op.attributes["nn.name"].data for op in module.walk() if "nn.name" in op.attributes]
    assert names.count("td_conv2d") == 1 and names.count("td_conv1d") == 1
    named = [op for op in module.walk() if op.attributes.get("nn.name") == StringAttr("td_conv2d")]
    assert named[0].name == "nn.tanh"
    (use,) = named[0].results[0].uses
    assert isinstance(use.operation, nn.ReshapeOp) and "nn.name" not in use.operation.attributes


@pytest.mark.parametrize(
    "make,words",
    [
        (lambda k, x: k.layers.UpSampling2D(2, interpolation="bicubic")(x), "bicubic"),
        (
            lambda k, x: k.layers.Conv2DTranspose(2, 3, data_format="channels_first")(x),
            "channels_first",
        ),
        (
            lambda k, x: k.layers.TimeDistributed(k.layers.Dropout(0.1), name="td")(x),
            "wrapping a Dropout layer",
        ),
    ],
)
def test_new_layers_refuse_what_they_cannot_compile(make, words):
    k = keras()
    x = k.Input((4, 4, 3))
    message = _error(k.Model(x, make(k, x)))
    assert words in message and "\n" not in message
