"""Models written by the real exporters, built here with random weights (no training, no
download): ``torch.onnx.export`` (the TorchScript exporter at opsets 13 and 17, the dynamo
exporter), onnxruntime's ``quantize_static`` (QDQ int8), ``tf_keras`` writing Keras 2
``.h5`` and ``.keras`` files, and ``tf2onnx`` converting a ``tf_keras`` model.

The PyTorch architectures are written out below following torchvision's definitions
(MobileNetV2, ResNet-18): torchvision itself does not import beside the CPU torch wheel
this project installs. The Keras MobileNet is ``tf_keras.applications.MobileNet`` with
``weights=None``.

``CASES`` maps a case key to a ``Case``; ``case.build(folder)`` writes the model file and
returns a ``Built``: the file, the sample inputs and the framework's outputs for them (the
torch module, the ``tf_keras`` model, or ONNX Runtime for a quantized model). Nothing here
compiles: the tests and ``benchmarks/exporter_cases.py`` do.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

SEED = 7
SAMPLES = 3


@dataclass
class Built:
    """A model file and what its framework computes on the sample inputs."""

    path: Path
    inputs: list[list[np.ndarray]]
    """One list of input arrays per sample (batch 1, the file's own layout)."""
    expected: list[list[np.ndarray]]
    """The framework's outputs for each sample."""
    int8: bool = False
    output_scale: float = 0.0
    """The output's quantization scale (int8 models): errors are counted in its units."""


@dataclass(frozen=True)
class Case:
    key: str
    exporter: str
    model: str
    opset: int | None
    build: Callable[[Path], Built] = field(compare=False)


# ----------------------------------------------------------------------------- PyTorch


def _torch() -> Any:
    import torch

    return torch


def _make_divisible(value: float, divisor: int = 8) -> int:
    """torchvision's channel rounding: the nearest multiple of ``divisor``, at most 10%
    below ``value``."""
    rounded = max(divisor, int(value + divisor / 2) // divisor * divisor)
    if rounded < 0.9 * value:
        rounded += divisor
    return rounded


def _conv_bn(
    nn: Any, cin: int, cout: int, k: int = 3, stride: int = 1, groups: int = 1, act: Any = None
) -> Any:
    layers = [
        nn.Conv2d(cin, cout, k, stride, (k - 1) // 2, groups=groups, bias=False),
        nn.BatchNorm2d(cout),
    ]
    if act is not None:
        layers.append(act())
    return nn.Sequential(*layers)


def mobilenet_v2(width: float = 0.35, classes: int = 10) -> Any:
    """MobileNetV2 as torchvision defines it (inverted residuals, ReLU6, dropout then a
    linear classifier), at ``width``."""
    torch = _torch()
    nn = torch.nn

    class InvertedResidual(nn.Module):
        def __init__(self, cin: int, cout: int, stride: int, expand: int) -> None:
            super().__init__()
            hidden = int(round(cin * expand))
            self.residual = stride == 1 and cin == cout
            layers: list[Any] = []
            if expand != 1:
                layers.append(_conv_bn(nn, cin, hidden, 1, act=nn.ReLU6))
            layers += [
                _conv_bn(nn, hidden, hidden, 3, stride, groups=hidden, act=nn.ReLU6),
                nn.Conv2d(hidden, cout, 1, bias=False),
                nn.BatchNorm2d(cout),
            ]
            self.conv = nn.Sequential(*layers)

        def forward(self, x: Any) -> Any:
            return x + self.conv(x) if self.residual else self.conv(x)

    class MobileNetV2(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            settings = [
                (1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2),
                (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1),
            ]  # fmt: skip
            channels = _make_divisible(32 * width)
            last = _make_divisible(1280 * max(1.0, width))
            layers: list[Any] = [_conv_bn(nn, 3, channels, 3, 2, act=nn.ReLU6)]
            for t, c, n, s in settings:
                out = _make_divisible(c * width)
                for i in range(n):
                    layers.append(InvertedResidual(channels, out, s if i == 0 else 1, t))
                    channels = out
            layers.append(_conv_bn(nn, channels, last, 1, act=nn.ReLU6))
            self.features = nn.Sequential(*layers)
            self.classifier = nn.Sequential(nn.Dropout(0.2), nn.Linear(last, classes))

        def forward(self, x: Any) -> Any:
            x = self.features(x)
            x = nn.functional.adaptive_avg_pool2d(x, (1, 1))
            return self.classifier(torch.flatten(x, 1))

    return MobileNetV2()


def resnet18(classes: int = 10) -> Any:
    """ResNet-18 as torchvision defines it (7x7 stem, max pool, four stages of two basic
    blocks, a 1x1 strided projection where the shape changes, average pool, fc)."""
    torch = _torch()
    nn = torch.nn

    class BasicBlock(nn.Module):
        def __init__(self, cin: int, cout: int, stride: int) -> None:
            super().__init__()
            self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
            self.bn1 = nn.BatchNorm2d(cout)
            self.relu = nn.ReLU(inplace=True)
            self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
            self.bn2 = nn.BatchNorm2d(cout)
            self.downsample = None
            if stride != 1 or cin != cout:
                self.downsample = nn.Sequential(
                    nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout)
                )

        def forward(self, x: Any) -> Any:
            identity = x if self.downsample is None else self.downsample(x)
            y = self.relu(self.bn1(self.conv1(x)))
            return self.relu(self.bn2(self.conv2(y)) + identity)

    class ResNet18(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.conv1 = nn.Conv2d(3, 64, 7, 2, 3, bias=False)
            self.bn1 = nn.BatchNorm2d(64)
            self.relu = nn.ReLU(inplace=True)
            self.maxpool = nn.MaxPool2d(3, 2, 1)
            stages, cin = [], 64
            for cout, stride in ((64, 1), (128, 2), (256, 2), (512, 2)):
                stages.append(
                    nn.Sequential(BasicBlock(cin, cout, stride), BasicBlock(cout, cout, 1))
                )
                cin = cout
            self.layer1, self.layer2, self.layer3, self.layer4 = stages
            self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
            self.fc = nn.Linear(512, classes)

        def forward(self, x: Any) -> Any:
            x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
            x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
            return self.fc(torch.flatten(self.avgpool(x), 1))

    return ResNet18()


def last_step_rnn(
    cell: str,
    features: int = 10,
    hidden: int = 24,
    classes: int = 6,
    bidirectional: bool = False,
    layers: int = 1,
    last: bool = True,
) -> Any:
    """A torch LSTM or GRU over a sequence (``bidirectional``, ``layers`` stacked), keeping
    only its last step, then a linear layer (what a sequence classifier does: ``out[:, -1,
    :]``); ``last=False`` keeps every step, the linear layer applied to each (a tagger)."""
    nn = _torch().nn

    class LastStep(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            rnn = nn.LSTM if cell == "lstm" else nn.GRU
            self.rnn = rnn(
                features, hidden, num_layers=layers, batch_first=True, bidirectional=bidirectional
            )
            self.fc = nn.Linear(2 * hidden if bidirectional else hidden, classes)

        def forward(self, x: Any) -> Any:
            out, _ = self.rnn(x)
            return self.fc(out[:, -1, :] if last else out)

    return LastStep()


def gelu_mlp(approximate: str = "none") -> Any:
    """Linear-GELU-Linear-GELU-Linear (``approximate="tanh"``: GELU's tanh form)."""
    nn = _torch().nn
    return nn.Sequential(
        nn.Linear(32, 64),
        nn.GELU(approximate=approximate),
        nn.Linear(64, 48),
        nn.GELU(approximate=approximate),
        nn.Linear(48, 10),
    )


def attention_block(dim: int = 32, heads: int = 2) -> Any:
    """A pre-norm transformer encoder block written out: LayerNorm, one qkv projection split
    in three, heads by reshape and transpose, scaled dot-product softmax attention, the
    output projection and a residual, then LayerNorm, a GELU MLP and a residual."""
    torch = _torch()
    nn = torch.nn

    class Block(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.norm1 = nn.LayerNorm(dim)
            self.qkv = nn.Linear(dim, 3 * dim)
            self.proj = nn.Linear(dim, dim)
            self.norm2 = nn.LayerNorm(dim)
            self.mlp = nn.Sequential(nn.Linear(dim, 2 * dim), nn.GELU(), nn.Linear(2 * dim, dim))

        def forward(self, x: Any) -> Any:
            b, t, c = x.shape
            q, k, v = self.qkv(self.norm1(x)).chunk(3, dim=-1)

            def split(z: Any) -> Any:
                return z.reshape(b, t, heads, c // heads).transpose(1, 2)

            q, k, v = split(q), split(k), split(v)
            scores = torch.matmul(q, k.transpose(-2, -1)) * (c // heads) ** -0.5
            y = torch.matmul(scores.softmax(dim=-1), v).transpose(1, 2).reshape(b, t, c)
            x = x + self.proj(y)
            return x + self.mlp(self.norm2(x))

    return Block()


def unet(upsample: str = "nearest") -> Any:
    """A two-level U-Net: conv blocks, max pools, a bottleneck, then an upsampling
    (``nn.Upsample`` nearest or bilinear) and a transposed convolution, each followed by
    the concatenation of the skip connection, and a 1x1 head."""
    torch = _torch()
    nn = torch.nn

    def block(cin: int, cout: int) -> Any:
        return nn.Sequential(
            _conv_bn(nn, cin, cout, 3, act=nn.ReLU), _conv_bn(nn, cout, cout, 3, act=nn.ReLU)
        )

    class UNet(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.enc1, self.enc2, self.mid = block(3, 8), block(8, 16), block(16, 32)
            self.pool = nn.MaxPool2d(2)
            align = None if upsample == "nearest" else False
            self.up2 = nn.Sequential(
                nn.Upsample(scale_factor=2, mode=upsample, align_corners=align),
                nn.Conv2d(32, 16, 3, padding=1),
            )
            self.dec2 = block(32, 16)
            self.up1 = nn.ConvTranspose2d(16, 8, 2, stride=2)
            self.dec1 = block(16, 8)
            self.head = nn.Conv2d(8, 2, 1)

        def forward(self, x: Any) -> Any:
            e1 = self.enc1(x)
            e2 = self.enc2(self.pool(e1))
            m = self.mid(self.pool(e2))
            d2 = self.dec2(torch.cat([self.up2(m), e2], dim=1))
            d1 = self.dec1(torch.cat([self.up1(d2), e1], dim=1))
            return self.head(d1)

    return UNet()


def _randomize_torch(module: Any, seed: int) -> Any:
    """Random weights of a fixed seed (He-normal convolutions and linear layers, so that
    outputs are of order 1); batch and layer norms get random statistics and affine
    parameters (their initial ones are trivial); eval mode."""
    torch = _torch()
    torch.manual_seed(seed)
    nn = torch.nn
    for m in module.modules():
        if isinstance(m, nn.Conv2d | nn.ConvTranspose2d):
            nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            if m.bias is not None:
                nn.init.normal_(m.bias, 0.0, 0.1)
        elif isinstance(m, nn.Linear):
            nn.init.kaiming_normal_(m.weight, mode="fan_in", nonlinearity="relu")
            nn.init.normal_(m.bias, 0.0, 0.1)
        elif isinstance(m, nn.BatchNorm2d):
            with torch.no_grad():
                m.weight.uniform_(0.5, 1.5)
                m.bias.normal_(0.0, 0.1)
                m.running_mean.normal_(0.0, 0.1)
                m.running_var.uniform_(0.5, 1.5)
        elif isinstance(m, nn.LayerNorm):
            with torch.no_grad():
                m.weight.uniform_(0.5, 1.5)
                m.bias.normal_(0.0, 0.1)
    return module.eval()


TORCH_MODELS: dict[str, tuple[Callable[[], Any], tuple[int, ...]]] = {
    "mobilenet_v2": (lambda: mobilenet_v2(0.35), (1, 3, 96, 96)),
    "resnet18": (resnet18, (1, 3, 64, 64)),
    "lstm_last_step": (lambda: last_step_rnn("lstm"), (1, 12, 10)),
    "gru_last_step": (lambda: last_step_rnn("gru"), (1, 12, 10)),
    "bilstm_last_step": (lambda: last_step_rnn("lstm", bidirectional=True), (1, 12, 10)),
    "bigru_last_step": (lambda: last_step_rnn("gru", bidirectional=True), (1, 12, 10)),
    "bilstm_sequence": (
        lambda: last_step_rnn("lstm", bidirectional=True, last=False),
        (1, 12, 10),
    ),
    "bigru_sequence": (lambda: last_step_rnn("gru", bidirectional=True, last=False), (1, 12, 10)),
    "bilstm2_last_step": (
        lambda: last_step_rnn("lstm", bidirectional=True, layers=2),
        (1, 12, 10),
    ),
    "gelu_mlp": (gelu_mlp, (1, 32)),
    "gelu_tanh_mlp": (lambda: gelu_mlp("tanh"), (1, 32)),
    "attention_block": (attention_block, (1, 16, 32)),
    "unet_nearest": (unet, (1, 3, 32, 32)),
    "unet_bilinear": (lambda: unet("bilinear"), (1, 3, 32, 32)),
}
"""Name -> (module factory, input shape)."""


def _samples(shape: tuple[int, ...], seed: int, scale: float = 1.0) -> list[list[np.ndarray]]:
    rng = np.random.default_rng(seed)
    return [[(scale * rng.standard_normal(shape)).astype(np.float32)] for _ in range(SAMPLES)]


def torch_onnx(name: str, folder: Path, opset: int, dynamo: bool = False) -> Built:
    """``torch.onnx.export`` of a ``TORCH_MODELS`` module; the reference is the module."""
    import warnings

    torch = _torch()
    factory, shape = TORCH_MODELS[name]
    module = _randomize_torch(factory(), SEED)
    inputs = _samples(shape, SEED + 1)
    path = folder / f"{name}_{'dynamo' if dynamo else 'ts'}_op{opset}.onnx"
    example = (torch.from_numpy(inputs[0][0]),)
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        if dynamo:
            torch.onnx.export(
                module, example, str(path), dynamo=True, opset_version=opset,
                input_names=["x"], output_names=["y"], verbose=False, external_data=False,
            )  # fmt: skip
        else:
            torch.onnx.export(
                module, example, str(path), dynamo=False, opset_version=opset,
                input_names=["x"], output_names=["y"],
            )  # fmt: skip
        expected = [[module(torch.from_numpy(x[0])).numpy()] for x in inputs]
    return Built(path, inputs, expected)


def torch_qdq(name: str, folder: Path, opset: int = 13) -> Built:
    """onnxruntime's ``quantize_static`` (QDQ, int8 activations and per-channel weights,
    ``reduce_range``) of a TorchScript export, calibrated on uniform random inputs; the
    reference is ONNX Runtime on the quantized file."""
    from onnx_opmodels import output_scale, quantized

    from stai.tools.reference import run_onnxruntime

    float_model = torch_onnx(name, folder, opset)
    path = quantized(float_model.path, folder / f"{name}_op{opset}_qdq.onnx", "qdq")
    inputs = [[np.clip(x[0], -1.0, 1.0)] for x in float_model.inputs]
    expected = [run_onnxruntime(path, x) for x in inputs]
    return Built(path, inputs, expected, int8=True, output_scale=output_scale(path))


# ----------------------------------------------------------------------------- Keras 2


def _tf_keras() -> Any:
    import tf_keras

    return tf_keras


def ds_cnn() -> Any:
    """The MLPerf Tiny keyword-spotting DS-CNN: a 10x4 strided conv, four depthwise 3x3 +
    pointwise 1x1 blocks (each with batch norm and ReLU), average pool, dense softmax."""
    k = _tf_keras()
    L = k.layers
    x = inp = L.Input((49, 10, 1))
    x = L.Conv2D(64, (10, 4), strides=(2, 2), padding="same", use_bias=False)(x)
    x = L.Activation("relu")(L.BatchNormalization()(x))
    x = L.Dropout(0.2)(x)
    for _ in range(4):
        x = L.DepthwiseConv2D((3, 3), padding="same", use_bias=False)(x)
        x = L.Activation("relu")(L.BatchNormalization()(x))
        x = L.Conv2D(64, (1, 1), padding="same", use_bias=False)(x)
        x = L.Activation("relu")(L.BatchNormalization()(x))
    x = L.Dropout(0.4)(x)
    x = L.AveragePooling2D(pool_size=(25, 5))(x)
    x = L.Dense(12, activation="softmax")(L.Flatten()(x))
    return k.Model(inp, x)


def keras_mobilenet() -> Any:
    """``tf_keras.applications.MobileNet``, alpha 0.25, 96x96, two classes, random weights."""
    return _tf_keras().applications.MobileNet(
        input_shape=(96, 96, 3), alpha=0.25, weights=None, classes=2
    )


def keras_lstm() -> Any:
    """An audio-style LSTM classifier: 49 frames of 10 features, LSTM(32), dense softmax."""
    k = _tf_keras()
    inp = k.layers.Input((49, 10))
    x = k.layers.LSTM(32)(inp)
    return k.Model(inp, k.layers.Dense(12, activation="softmax")(x))


KERAS_MODELS: dict[str, Callable[[], Any]] = {
    "ds_cnn": ds_cnn,
    "mobilenet_0.25": keras_mobilenet,
    "lstm": keras_lstm,
}


def _randomize_keras(model: Any, seed: int) -> Any:
    """Random weights of a fixed seed for every layer; batch norms get random statistics."""
    k = _tf_keras()
    rng = np.random.default_rng(seed)
    for layer in model.layers:
        weights = layer.get_weights()
        if not weights:
            continue
        if isinstance(layer, k.layers.BatchNormalization):
            n = weights[0].shape[0]
            gamma, beta = rng.uniform(0.5, 1.5, n), rng.normal(0.0, 0.1, n)
            mean, var = rng.normal(0.0, 0.1, n), rng.uniform(0.5, 1.5, n)
            layer.set_weights([w.astype(np.float32) for w in (gamma, beta, mean, var)])
        else:
            new = []
            for w in weights:
                fan_in = int(np.prod(w.shape[:-1])) if w.ndim > 1 else 0
                std = np.sqrt(2.0 / fan_in) if fan_in else 0.1
                new.append(rng.normal(0.0, std, w.shape).astype(np.float32))
            layer.set_weights(new)
    return model


def _keras_built(
    name: str, seed: int
) -> tuple[Any, list[list[np.ndarray]], list[list[np.ndarray]]]:
    model = _randomize_keras(KERAS_MODELS[name](), seed)
    shape = (1, *model.inputs[0].shape[1:])
    inputs = _samples(shape, seed + 1)
    expected = [[np.asarray(model(x[0], training=False))] for x in inputs]
    return model, inputs, expected


def tf_keras_file(name: str, folder: Path, suffix: str) -> Built:
    """A ``tf_keras`` (Keras 2) model saved as ``.h5`` or ``.keras``; the reference is the
    ``tf_keras`` model."""
    model, inputs, expected = _keras_built(name, SEED)
    path = folder / f"{name.replace('.', '')}_tfkeras{suffix}"
    model.save(str(path))
    return Built(path, inputs, expected)


def tf2onnx_file(name: str, folder: Path, opset: int = 13) -> Built:
    """``tf2onnx.convert.from_keras`` of a ``tf_keras`` model (channel-last input, as the
    Keras model has it); the reference is the ``tf_keras`` model."""
    import tensorflow as tf
    import tf2onnx

    model, inputs, expected = _keras_built(name, SEED)
    path = folder / f"{name.replace('.', '')}_tf2onnx_op{opset}.onnx"
    spec = (tf.TensorSpec(inputs[0][0].shape, tf.float32, name="x"),)
    tf2onnx.convert.from_keras(model, input_signature=spec, opset=opset, output_path=str(path))
    return Built(path, inputs, expected)


# ----------------------------------------------------------------------------- the cases


HEAVY = {"resnet18"}
"""Models measured with one exporter only: ResNet-18's 11.7 M float weights make a 214 MB
``network_data.c`` that the host compiler takes minutes and GBs of memory to build."""


def _cases() -> dict[str, Case]:
    cases: list[Case] = []
    for name in TORCH_MODELS:
        if name in HEAVY:
            cases.append(
                Case(
                    f"torch_ts_op13:{name}", "torch.onnx (TorchScript)", name, 13,
                    lambda folder, n=name: torch_onnx(n, folder, 13),
                )
            )  # fmt: skip
            continue
        for opset in (13, 17):
            cases.append(
                Case(
                    f"torch_ts_op{opset}:{name}", "torch.onnx (TorchScript)", name, opset,
                    lambda folder, n=name, o=opset: torch_onnx(n, folder, o),
                )
            )  # fmt: skip
        cases.append(
            Case(
                f"torch_dynamo_op18:{name}", "torch.onnx (dynamo)", name, 18,
                lambda folder, n=name: torch_onnx(n, folder, 18, dynamo=True),
            )
        )  # fmt: skip
    for name in ("mobilenet_v2", "unet_nearest", "gelu_mlp", "attention_block"):
        cases.append(
            Case(
                f"qdq_op13:{name}", "quantize_static (QDQ) of torch.onnx", name, 13,
                lambda folder, n=name: torch_qdq(n, folder),
            )
        )  # fmt: skip
    for name in KERAS_MODELS:
        for suffix in (".h5", ".keras"):
            cases.append(
                Case(
                    f"tf_keras{suffix}:{name}", f"tf_keras {suffix}", name, None,
                    lambda folder, n=name, s=suffix: tf_keras_file(n, folder, s),
                )
            )  # fmt: skip
    for name in ("ds_cnn", "mobilenet_0.25"):
        cases.append(
            Case(
                f"tf2onnx_op13:{name}", "tf2onnx (tf_keras)", name, 13,
                lambda folder, n=name: tf2onnx_file(n, folder),
            )
        )  # fmt: skip
    return {c.key: c for c in cases}


CASES = _cases()


# ----------------------------------------------------------------------------- errors


@dataclass
class Errors:
    """How far the C model's outputs are from the framework's, over all samples."""

    max_abs: float
    relative: float
    """max |error| / max(1, max |reference|)."""
    lsb: float | None
    """int8 models: max |error| in units of the output scale."""
    argmax_equal: int
    argmax_total: int
    peak: float
    """max |reference|: how large the outputs are."""


def compare(built: Built, got: list[list[np.ndarray]]) -> Errors:
    """The error figures of the C model's outputs ``got`` (one list per sample)."""
    max_abs, peak, equal, total = 0.0, 0.0, 0, 0
    for want, have in zip(built.expected, got):
        for e, g in zip(want, have):
            e = np.asarray(e, np.float64)
            g = np.asarray(g, np.float64).reshape(e.shape)
            max_abs = max(max_abs, float(np.max(np.abs(e - g))))
            peak = max(peak, float(np.max(np.abs(e))))
            if e.ndim == 2 and e.shape[-1] > 1:
                total += 1
                equal += int(np.argmax(e) == np.argmax(g))
    lsb = max_abs / built.output_scale if built.int8 else None
    return Errors(max_abs, max_abs / max(1.0, peak), lsb, equal, total, peak)


# ----------------------------------------------------------------------------- per op


@dataclass
class OpError:
    op_type: str
    name: str
    lsb: float
    """max |error| of the op's int8 output, in units of its scale."""


def _activation_source(node_of: dict[str, Any], constants: set[str], tensor: str) -> str | None:
    """The float tensor a QDQ activation comes from: ``T -> QuantizeLinear ->
    DequantizeLinear -> tensor`` gives ``T``; None for weights and constants."""
    dq = node_of.get(tensor)
    if dq is None or dq.op_type != "DequantizeLinear" or dq.input[0] in constants:
        return None
    q = node_of.get(dq.input[0])
    return q.input[0] if q is not None and q.op_type == "QuantizeLinear" else None


def _fix_input_shapes(path: Path, shapes: dict[str, tuple[int, ...]]) -> None:
    """Give the inputs of a cut model the static shapes of the tensors they receive (a
    cut at a tensor whose shape the exporter left symbolic has dynamic dimensions)."""
    import onnx

    model = onnx.load(str(path))
    for value in model.graph.input:
        if value.name in shapes:
            dims = value.type.tensor_type.shape.dim
            del dims[:]
            for size in shapes[value.name]:
                dims.add().dim_value = int(size)
    onnx.save(model, str(path))


def per_op_errors(path: Path, inputs: list[list[np.ndarray]], folder: Path) -> list[OpError]:
    """Each operator of a QDQ model cut out with its quantize / dequantize nodes
    (``onnx.utils.extract_model``), compiled by stai alone and fed the float tensors ONNX
    Runtime computes before its input quantizations on the whole model: its output's
    error against ONNX Runtime on the same cut, in LSB. Errors of whole int8 networks
    grow with depth; each op's own error stays within 1 LSB."""
    import onnx
    import onnx.utils
    import onnxruntime as ort
    from onnx import helper, numpy_helper

    from stai.compiler.driver import generate
    from stai.runtime.runner import CModel

    model = onnx.load(str(path))
    inits = {t.name: numpy_helper.to_array(t) for t in model.graph.initializer}
    node_of = {o: n for n in model.graph.node for o in n.output}
    constants = set(inits) | {
        o for n in model.graph.node if n.op_type == "Constant" for o in n.output
    }
    readers: dict[str, list[Any]] = {}
    for n in model.graph.node:
        for t in n.input:
            readers.setdefault(t, []).append(n)
    cuts = []
    for n in model.graph.node:
        if n.op_type in ("QuantizeLinear", "DequantizeLinear", "Constant"):
            continue
        sources = [_activation_source(node_of, constants, t) for t in n.input if t]
        sources = [t for t in sources if t is not None]
        q = [r for r in readers.get(n.output[0], []) if r.op_type == "QuantizeLinear"]
        dq = (
            [r for r in readers.get(q[0].output[0], []) if r.op_type == "DequantizeLinear"]
            if q
            else []
        )
        if sources and dq:
            scale = float(inits[q[0].input[1]].reshape(-1)[0])
            cuts.append((n, sources, dq[0].output[0], scale))
    graph_inputs = [i.name for i in model.graph.input]
    probe = onnx.load(str(path))
    for t in sorted({t for _, sources, _, _ in cuts for t in sources} - set(graph_inputs)):
        probe.graph.output.append(helper.make_empty_tensor_value_info(t))
    quiet = ort.SessionOptions()
    quiet.log_severity_level = 3  # not the unused-initializer warnings of the cuts
    session = ort.InferenceSession(
        probe.SerializeToString(), quiet, providers=["CPUExecutionProvider"]
    )
    names = [o.name for o in session.get_outputs()]
    values = []
    for sample in inputs:
        feed = dict(zip(graph_inputs, sample))
        values.append({**dict(zip(names, session.run(None, feed))), **feed})
    errors = []
    for k, (node, sources, out, scale) in enumerate(cuts):
        cut = folder / f"op{k}.onnx"
        onnx.utils.extract_model(str(path), str(cut), sources, [out])
        _fix_input_shapes(cut, {t: values[0][t].shape for t in sources})
        reference = ort.InferenceSession(str(cut), quiet, providers=["CPUExecutionProvider"])
        generate(cut, folder / f"op{k}_c")
        c_model = CModel(folder / f"op{k}_c")
        worst = 0.0
        for v in values:
            feed = [v[t] for t in sources]
            want = np.asarray(reference.run(None, dict(zip(sources, feed)))[0], np.float64)
            got = c_model.run(feed)[0].reshape(want.shape)
            worst = max(worst, float(np.max(np.abs(want - got))) / scale)
        errors.append(OpError(node.op_type, node.name, worst))
    return errors
