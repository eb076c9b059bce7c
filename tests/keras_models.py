"""Small Keras models built by the tests (random weights, no training), covering every
layer the Keras frontend supports.

``KERAS_MODELS`` maps a name to a factory returning a built ``keras.Model``; every
batch normalization gets random statistics so that folding it changes the weights.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def keras() -> Any:
    """The ``keras`` package, or a test failure saying what to install."""
    try:
        import keras as k
    except ImportError as exc:  # pragma: no cover - the suite needs the keras extra
        import pytest

        pytest.fail(f"keras is needed: pip install -e '.[keras]' ({exc})", pytrace=False)
    return k


def _randomize(model: Any, seed: int) -> Any:
    """Random batch-norm statistics and PReLU slopes (their initial values are trivial)."""
    k = keras()
    rng = np.random.default_rng(seed)
    for layer in _all_layers(model):
        if isinstance(layer, k.layers.BatchNormalization):
            channels = layer.moving_mean.shape[0]
            weights = []
            if layer.gamma is not None:
                weights.append(rng.uniform(0.5, 1.5, channels))
            if layer.beta is not None:
                weights.append(rng.uniform(-0.5, 0.5, channels))
            weights += [rng.uniform(-0.5, 0.5, channels), rng.uniform(0.5, 2.0, channels)]
            layer.set_weights([w.astype(np.float32) for w in weights])
        elif isinstance(layer, k.layers.PReLU):
            (alpha,) = layer.get_weights()
            layer.set_weights([rng.uniform(0.05, 0.5, alpha.shape).astype(np.float32)])
    return model


def _all_layers(model: Any) -> list[Any]:
    out = []
    for layer in model.layers:
        out.append(layer)
        if hasattr(layer, "layers"):
            out += _all_layers(layer)
    return out


def sequential_cnn() -> Any:
    """Sequential: conv (stride 2, relu) -> unfoldable batch norm -> depthwise (x2, relu6)
    -> separable (swish) -> pools (same) -> zero padding -> PReLU -> flatten -> dropout -> dense."""
    L = keras().layers
    return keras().Sequential(
        [
            keras().Input((12, 12, 3), name="image"),
            L.Conv2D(8, 3, strides=2, padding="same", activation="relu", name="conv_relu"),
            L.BatchNormalization(name="bn_after_relu"),
            L.DepthwiseConv2D(3, depth_multiplier=2, activation="relu6", name="dw"),
            L.SeparableConv2D(8, 3, padding="same", activation="swish", name="sep"),
            L.MaxPooling2D(2, padding="same", name="maxpool"),
            L.AveragePooling2D(2, strides=1, padding="same", name="avgpool"),
            L.ZeroPadding2D(((1, 0), (0, 2)), name="zeropad"),
            L.PReLU(shared_axes=[1, 2], name="prelu"),
            L.Flatten(name="flatten"),
            L.Dropout(0.5, name="dropout"),
            L.Dense(10, activation="softmax", name="probs"),
        ],
        name="sequential_cnn",
    )


def functional_residual() -> Any:
    """Functional with branches, a residual add of three tensors, subtract, multiply,
    concatenations, global pools and two outputs; two foldable batch norms."""
    k = keras()
    L = k.layers
    x = k.Input((8, 8, 4), name="x")
    c = L.ReLU(name="relu_c")(
        L.BatchNormalization(name="bn_c")(L.Conv2D(8, 3, padding="same", name="conv_c")(x))
    )
    a = L.BatchNormalization(name="bn_a")(
        L.Conv2D(8, 3, padding="same", dilation_rate=2, name="conv_a")(c)
    )
    b = L.Conv2D(8, 1, name="conv_b")(c)
    s = L.Activation("relu", name="relu_s")(L.Add(name="add3")([a, b, c]))
    d = L.Subtract(name="sub")([s, c])
    m = L.Multiply(name="mul")([d, b])
    cat = L.Concatenate(name="cat")([s, m])
    g1 = L.GlobalAveragePooling2D(name="gap")(cat)
    g2 = L.GlobalMaxPooling2D(name="gmp")(cat)
    out1 = L.Dense(5, name="head")(L.Concatenate(name="cat_pools")([g1, g2]))
    out2 = L.Dense(3, activation="tanh", name="aux")(g1)
    return k.Model(x, [out1, out2], name="functional_residual")


def nested() -> Any:
    """A Sequential block inside a functional residual model, that model called twice
    (shared weights), and a Sequential head."""
    k = keras()
    L = k.layers
    block = k.Sequential(
        [
            k.Input((6, 6, 4)),
            L.Conv2D(4, 3, padding="same", name="block_conv"),
            L.BatchNormalization(name="block_bn"),
            L.ReLU(name="block_relu"),
        ],
        name="block",
    )
    i = k.Input((6, 6, 4))
    res = k.Model(i, L.Add(name="res_add")([i, block(i)]), name="res")
    head = k.Sequential(
        [
            k.Input((6, 6, 4)),
            L.DepthwiseConv2D(3, padding="same", name="head_dw"),
            L.BatchNormalization(name="head_bn"),
        ],
        name="head",
    )
    x = k.Input((6, 6, 3), name="x")
    y = L.Conv2D(4, 1, name="stem")(x)
    y = head(res(res(y)))
    y = L.GlobalAveragePooling2D(keepdims=True, name="gap")(y)
    return k.Model(x, L.Dense(2, name="out")(L.Flatten(name="flat")(y)), name="nested")


ACTIVATIONS = ("relu", "relu6", "sigmoid", "tanh", "softmax", "swish", "hard_sigmoid", "linear")


def activations() -> Any:
    """Every activation: Activation layers, ReLU variants, LeakyReLU, PReLU, Softmax and
    unfused activations of Dense layers, gathered in three outputs of different sizes."""
    k = keras()
    L = k.layers
    x = k.Input((16,), name="x")
    h = L.Dense(12, name="pre")(x)
    acts = [L.Activation(name, name=f"act_{name}")(h) for name in ACTIVATIONS]
    variants = [
        L.LeakyReLU(negative_slope=0.1, name="leaky")(h),
        L.PReLU(name="prelu")(h),
        L.ReLU(max_value=6.0, name="relu_max6")(h),
        L.ReLU(max_value=3.0, name="relu_max3")(h),
        L.ReLU(negative_slope=0.2, name="relu_slope")(h),
        L.Softmax(name="softmax_layer")(h),
    ]
    heads = [
        L.Dense(4, activation="tanh", name="dense_tanh")(h),
        L.Dense(4, activation="hard_sigmoid", name="dense_hsig")(h),
        L.Dense(4, activation="relu6", name="dense_relu6")(h),
    ]
    outs = [
        L.Concatenate(name=n)(v)
        for n, v in (("acts", acts), ("variants", variants), ("heads", heads))
    ]
    return k.Model(x, outs, name="activations")


def conv1d() -> Any:
    """Conv1D (causal + dilation, same + stride + groups), a batch norm folded through the
    reshape, 1-D pools, zero padding and global pools."""
    k = keras()
    L = k.layers
    x = k.Input((20, 4), name="signal")
    y = L.Conv1D(6, 3, padding="causal", dilation_rate=2, activation="relu", name="causal")(x)
    y = L.Conv1D(6, 3, strides=2, padding="same", groups=2, name="grouped")(y)
    y = L.BatchNormalization(name="bn1d")(y)
    y = L.MaxPooling1D(2, name="maxpool1d")(y)
    y = L.ZeroPadding1D(1, name="zeropad1d")(y)
    y = L.AveragePooling1D(2, padding="same", name="avgpool1d")(y)
    g = L.Concatenate(name="cat")(
        [L.GlobalAveragePooling1D(name="gap1d")(y), L.GlobalMaxPooling1D(name="gmp1d")(y)]
    )
    return k.Model(x, L.Dense(3, name="out")(g), name="conv1d")


def shapes() -> Any:
    """Reshape (with -1), Permute (two ways), Flatten, Dense on a rank-3 tensor, a
    foldable batch norm after it and a Rescaling layer."""
    k = keras()
    L = k.layers
    x = k.Input((4, 6, 2), name="x")
    y = L.Rescaling(0.5, offset=-1.0, name="rescale")(x)
    y = L.Reshape((6, 4, 2), name="reshape")(y)
    y = L.Permute((2, 1, 3), name="permute_hw")(y)
    y = L.Conv2D(3, 2, name="conv")(y)
    y = L.Permute((3, 1, 2), name="permute_chw")(y)
    y = L.Reshape((3, -1), name="reshape_rows")(y)
    y = L.BatchNormalization(name="bn_dense")(L.Dense(5, name="dense_rows")(y))
    return k.Model(x, L.Flatten(name="flat")(y), name="shapes")


def lstm() -> Any:
    """Two stacked stateless LSTMs (every step, then the last one) and a dense head."""
    k = keras()
    L = k.layers
    return k.Sequential(
        [
            k.Input((7, 5), name="sequence"),
            L.LSTM(6, return_sequences=True, name="lstm_seq"),
            L.LSTM(4, name="lstm_last"),
            L.Dense(3, name="out"),
        ],
        name="lstm",
    )


def input_batch_norm() -> Any:
    """A batch norm on the input (not foldable: a mul and an add), then a conv whose batch
    norm folds."""
    k = keras()
    L = k.layers
    return k.Sequential(
        [
            k.Input((5, 5, 2), name="x"),
            L.BatchNormalization(name="bn_in"),
            L.Conv2D(3, 3, name="conv"),
            L.BatchNormalization(name="bn_conv"),
        ],
        name="input_batch_norm",
    )


def ds_cnn() -> Any:
    """MLPerf Tiny's keyword-spotting DS-CNN in small: a strided conv, two depthwise-
    separable blocks (depthwise, pointwise conv, each with a batch norm and a relu), an
    average pool and a softmax classifier."""
    k = keras()
    L = k.layers
    x = k.Input((25, 10, 1), name="mfcc")
    y = L.Conv2D(8, (5, 3), strides=2, padding="same", use_bias=False, name="conv_1")(x)
    y = L.ReLU(name="relu_1")(L.BatchNormalization(name="bn_1")(y))
    for i in (2, 3):
        y = L.DepthwiseConv2D(3, padding="same", name=f"dw_{i}")(y)
        y = L.Activation("relu", name=f"dw_relu_{i}")(L.BatchNormalization(name=f"dw_bn_{i}")(y))
        y = L.Conv2D(8, 1, name=f"pw_{i}")(y)
        y = L.Activation("relu", name=f"pw_relu_{i}")(L.BatchNormalization(name=f"pw_bn_{i}")(y))
    y = L.AveragePooling2D((13, 5), name="pool")(y)
    y = L.Dense(12, activation="softmax", name="probs")(L.Flatten(name="flat")(y))
    return k.Model(x, y, name="ds_cnn")


def cropping() -> Any:
    """Cropping2D (uneven sides), a conv, then Cropping1D on the rows seen as a sequence."""
    k = keras()
    L = k.layers
    x = k.Input((9, 8, 3), name="image")
    y = L.Cropping2D(((1, 2), (2, 0)), name="crop2d")(x)
    y = L.Conv2D(4, 2, activation="relu", name="conv")(y)
    y = L.Reshape((5, 20), name="rows")(y)
    y = L.Cropping1D((1, 2), name="crop1d")(y)
    y = L.Conv1D(3, 2, name="conv1d")(y)
    return k.Model(x, L.Dense(4, name="out")(L.Flatten(name="flat")(y)), name="cropping")


def conv_transpose() -> Any:
    """Conv2DTranspose: stride 2 same with a fused relu, uneven strides valid with a tanh
    after, output_padding with same and with valid, an even kernel at stride 1 without bias."""
    k = keras()
    L = k.layers
    x = k.Input((5, 6, 3), name="image")
    y = L.Conv2DTranspose(4, 3, strides=2, padding="same", activation="relu", name="up_same")(x)
    y = L.Conv2DTranspose(3, (3, 2), strides=(2, 3), activation="tanh", name="up_valid")(y)
    y = L.Conv2DTranspose(
        2, (4, 3), strides=(3, 2), padding="same", output_padding=(1, 0), name="outpad_same"
    )(y)
    y = L.Conv2DTranspose(2, 3, strides=2, output_padding=1, name="outpad_valid")(y)
    y = L.Conv2DTranspose(3, 4, padding="same", use_bias=False, name="even_same")(y)
    return k.Model(x, y, name="conv_transpose")


def normalization() -> Any:
    """Normalization adapted on random data (per channel), an inverted one with given
    per-feature statistics, and a conv between them."""
    k = keras()
    L = k.layers
    rng = np.random.default_rng(4)
    norm = L.Normalization(name="norm")
    norm.adapt(rng.normal(3.0, 2.0, (32, 6, 5, 2)).astype(np.float32))
    x = k.Input((6, 5, 2), name="x")
    y = L.Conv2D(3, 2, name="conv")(norm(x))
    mean = rng.normal(0.0, 1.0, (5, 4, 3))
    var = rng.uniform(0.5, 2.0, (5, 4, 3))
    y = L.Normalization(axis=(1, 2, 3), mean=mean, variance=var, invert=True, name="denorm")(y)
    return k.Model(x, y, name="normalization")


def upsampling() -> Any:
    """Nearest UpSampling2D by uneven and even factors around a conv."""
    k = keras()
    L = k.layers
    x = k.Input((4, 5, 3), name="image")
    y = L.UpSampling2D((2, 3), name="up23")(x)
    y = L.Conv2D(4, 3, padding="same", name="conv")(y)
    return k.Model(x, L.UpSampling2D(2, name="up2")(y), name="upsampling")


def time_distributed() -> Any:
    """TimeDistributed Dense (relu), Conv1D, Conv2D and Flatten over 6 steps."""
    k = keras()
    L = k.layers
    x = k.Input((6, 10), name="frames")
    y = L.TimeDistributed(L.Dense(8, activation="relu"), name="td_dense")(x)
    y = L.Reshape((6, 8, 1), name="to_1d")(y)
    y = L.TimeDistributed(L.Conv1D(4, 3, padding="same"), name="td_conv1d")(y)
    y = L.Reshape((6, 4, 2, 4), name="to_2d")(y)
    y = L.TimeDistributed(L.Conv2D(3, 2, activation="tanh"), name="td_conv2d")(y)
    y = L.TimeDistributed(L.Flatten(), name="td_flat")(y)
    return k.Model(x, L.Dense(5, name="out")(L.Flatten(name="flat")(y)), name="time_distributed")


KERAS_MODELS: dict[str, Callable[[], Any]] = {
    "ds_cnn": ds_cnn,
    "sequential_cnn": sequential_cnn,
    "functional_residual": functional_residual,
    "nested": nested,
    "activations": activations,
    "conv1d": conv1d,
    "shapes": shapes,
    "lstm": lstm,
    "input_batch_norm": input_batch_norm,
    "cropping": cropping,
    "conv_transpose": conv_transpose,
    "normalization": normalization,
    "upsampling": upsampling,
    "time_distributed": time_distributed,
}


def build(name: str, seed: int = 0) -> Any:
    """Build one of ``KERAS_MODELS`` with a fixed seed."""
    keras().utils.set_random_seed(seed)
    return _randomize(KERAS_MODELS[name](), seed)


def random_inputs(
    model: Any, count: int, seed: int = 1, scale: float = 2.0
) -> list[list[np.ndarray]]:
    """``count`` samples of normal random inputs (batch 1) scaled by ``scale``."""
    rng = np.random.default_rng(seed)
    samples = []
    for _ in range(count):
        samples.append(
            [
                (scale * rng.standard_normal((1, *t.shape[1:]))).astype(np.float32)
                for t in model.inputs
            ]
        )
    return samples


# Files in Keras 2's formats. The venv has no Keras 2 (the `tf_keras` package), so a
# Keras 3 model is saved by Keras 3 and its stored configuration rewritten into the
# schema tf.keras 2.x writes: dtype names instead of DTypePolicy objects, `batch_input_shape`,
# inbound nodes as `[[layer, node, tensor, {}]]` lists, `groups: 1` on depthwise /
# separable / transposed convolutions, the unused `kernel_*` settings of separable
# convolutions, `time_major: false` on recurrent layers, a list `axis` on batch norms,
# weight names ending in ':0', and, for a `.keras` zip, tf_keras' module paths and version.

KERAS2_VERSION = "2.15.0"
_KERAS2_GROUPS = ("DepthwiseConv2D", "SeparableConv1D", "SeparableConv2D", "Conv2DTranspose")
_GLOROT = {"module": "keras.initializers", "class_name": "GlorotUniform", "config": {"seed": None}}


def _keras2_node(node: Any) -> Any:
    """A Keras 3 inbound node (``{"args": [...], "kwargs": {}}``) in Keras 2's list form."""
    tensors: list[Any] = []

    def collect(value: Any) -> None:
        if isinstance(value, dict) and value.get("class_name") == "__keras_tensor__":
            tensors.append([*value["config"]["keras_history"], {}])
        elif isinstance(value, list):
            for v in value:
                collect(v)

    collect(node["args"])
    return tensors


def _bump_model_refs(value: Any, models: set[str]) -> None:
    """Count the calls of a nested model from 1 (Keras 2) in the tensors of ``value``."""
    if isinstance(value, dict) and value.get("class_name") == "__keras_tensor__":
        history = value["config"]["keras_history"]
        if history[0] in models:
            history[1] += 1
    elif isinstance(value, list):
        for v in value:
            _bump_model_refs(v, models)


def _keras2_layer(entry: dict[str, Any], tf_keras: bool) -> None:
    name = entry["class_name"]
    config = entry["config"]
    if isinstance(config.get("dtype"), dict):
        config["dtype"] = config["dtype"]["config"]["name"]
    if name == "InputLayer" and "batch_shape" in config:
        config["batch_input_shape"] = config.pop("batch_shape")
    if name in _KERAS2_GROUPS:
        config["groups"] = 1
    if name.startswith("SeparableConv"):
        config.update(kernel_initializer=_GLOROT, kernel_regularizer=None, kernel_constraint=None)
    if name in ("LSTM", "GRU", "SimpleRNN"):
        config["time_major"] = False
    if name == "BatchNormalization" and isinstance(config.get("axis"), int):
        config["axis"] = [config["axis"]]
    if "inbound_nodes" in entry:
        entry["inbound_nodes"] = [_keras2_node(n) for n in entry["inbound_nodes"]]
    if tf_keras and "module" in entry:
        entry["module"] = "keras.layers"
    if name in ("Functional", "Sequential", "Model"):
        if tf_keras:  # tf_keras' own Functional class, the public Sequential
            entry["module"] = "tf_keras.src.engine.functional" if name == "Functional" else "keras"
        models = {
            layer["config"]["name"]
            for layer in config.get("layers", [])
            if layer["class_name"] in ("Functional", "Sequential", "Model")
        }
        for layer in config.get("layers", []):  # a Keras 2 model's node 0 is its own graph
            for node in layer.get("inbound_nodes", []):
                for ref in node.get("args", []) if isinstance(node, dict) else []:
                    _bump_model_refs(ref, models)
        for key in ("input_layers", "output_layers"):
            ends = config.get(key)
            if ends and isinstance(ends[0], str):  # one end: Keras 2 nests it in a list
                config[key] = [ends]
        for layer in config.get("layers", []):
            _keras2_layer(layer, tf_keras)


def keras2_config(config: dict[str, Any], tf_keras: bool = False) -> dict[str, Any]:
    """A Keras 3 model configuration (``model_config`` / ``config.json``) in Keras 2's schema."""
    _keras2_layer(config, tf_keras)
    return config


def save_keras2(model: Any, path: Any) -> None:
    """Save ``model`` as Keras 2 would have: ``.h5`` as tf.keras 2.x, ``.keras`` as tf_keras."""
    import json
    import zipfile
    from pathlib import Path

    path = Path(path)
    model.save(path)
    if path.suffix == ".keras":
        with zipfile.ZipFile(path) as source:
            files = {n: source.read(n) for n in source.namelist()}
        config = keras2_config(json.loads(files["config.json"]), tf_keras=True)
        files["config.json"] = json.dumps(config).encode()
        files["metadata.json"] = json.dumps({"keras_version": KERAS2_VERSION}).encode()
        with zipfile.ZipFile(path, "w") as target:
            for name, data in files.items():
                target.writestr(name, data)
        return
    import h5py

    with h5py.File(path, "r+") as file:
        f: Any = file
        config = keras2_config(json.loads(f.attrs["model_config"]))
        f.attrs["model_config"] = json.dumps(config)
        f.attrs["keras_version"] = KERAS2_VERSION
        weights = f["model_weights"]
        for layer_name in weights.attrs["layer_names"]:
            group = weights[layer_name]
            names = [n.decode() if isinstance(n, bytes) else n for n in group.attrs["weight_names"]]
            for n in names:
                group.move(n, f"{n}:0")
            group.attrs["weight_names"] = [f"{n}:0".encode() for n in names]
