"""``--kernels stai``: stai's own kernels (``select-kernels``, ``stai_mk_s8.h``) in real
models, bit-exact with TFLite Micro: the MLPerf Tiny keyword-spotting model and a DS-CNN
built with Keras and converted by the TF converter (odd channel counts, a stride-2
depthwise layer, batch normalisations folded), on the host; and the keyword-spotting
model on the emulated Cortex-M4 (the kernels' DSP code), in fewer instructions than with
the portable kernels alone. Each test counts the layers that run stai's kernels."""

from __future__ import annotations

import json
import shutil
import warnings
from pathlib import Path

import numpy as np
import pytest
from shared_models import SHARED_BY_KEY, random_inputs

from stai.compiler.driver import compile_model, layer_kernels, write_generated
from stai.compiler.options import CompileOptions
from stai.runtime.runner import CModel
from stai.tools.reference import run_tflm

DSCNN_SHAPE = (1, 49, 10, 1)
TOOLS = ("arm-none-eabi-gcc", "arm-none-eabi-size", "qemu-system-arm")


def _generate(path: Path, out: Path, name: str, target: str = "host") -> list[str]:
    """Compile ``path`` with ``--kernels stai`` into ``out``; the C kernel of each node."""
    compiled = compile_model(path, CompileOptions(name=name, target=target, kernels="stai"))
    write_generated(compiled, out)
    return layer_kernels(compiled.module)


def _stai(kernels: list[str]) -> list[str]:
    return [k for k in kernels if k.startswith("stai_mk_")]


def _bit_exact(path: Path, model: CModel, samples: list[list[np.ndarray]]) -> None:
    bad = []
    for i, inputs in enumerate(samples):
        for e, g in zip(run_tflm(path, inputs), model.run(inputs)):
            if not np.array_equal(e, g):
                bad.append(f"sample {i}: max diff {np.max(np.abs(e.astype(int) - g)):d}")
    assert not bad, f"{len(bad)}/{len(samples)} not bit-exact: {bad[:4]}"


# --------------------------------------------------------------------------- host


def test_kws_with_stai_kernels_is_bit_exact(tmp_path: Path, shared_model_path, models_dir) -> None:
    """KWS: its 10x4 first convolution, 4 pointwise and 4 depthwise 3x3 layers, its
    pooling and its fully connected layer run stai's kernels (the softmax CMSIS-NN's),
    and the outputs equal TFLM's on the shipped sample and 12 random inputs."""
    path = shared_model_path("kws_int8")
    kernels = _generate(path, tmp_path / "kws", "kws")
    assert len(kernels) == 12
    assert _stai(kernels).count("stai_mk_conv1x1_s8") == 5
    assert _stai(kernels).count("stai_mk_dwconv3x3_s8") == 4
    assert kernels[0] == "stai_mk_conv_s8" and kernels[9] == "stai_mk_avgpool_s8"
    assert [k for k in kernels if not k.startswith("stai_mk_")] == ["arm_softmax_s8"]
    text = (tmp_path / "kws" / "kws.c").read_text()
    for header in ("stai_mk_s8.h", "stai_mk_conv_s8.h", "stai_mk_eltwise_s8.h"):
        assert f'#include "{header}"' in text
    report = (tmp_path / "kws" / "kws_report.txt").read_text()
    assert "Kernels: 11 of 12 nodes run stai's own kernels" in report
    assert json.loads((tmp_path / "kws" / "kws.json").read_text())["kernels"] == "stai"
    samples = [s.inputs for s in SHARED_BY_KEY["kws_int8"].samples(models_dir)]
    samples += random_inputs(path, 12, seed=2024)
    model = CModel(tmp_path / "kws", "kws")
    _bit_exact(path, model, samples)
    (out,) = model.run(samples[0])
    assert int(np.argmax(out)) == 5  # the shipped sample is "On"


def _dscnn(seed: int):
    """A DS-CNN for 49x10 MFCC features with batch normalisations, odd channel counts and
    a stride-2 depthwise layer, seeded random weights (positive variances)."""
    import tensorflow as tf

    layers = tf.keras.layers
    inputs = tf.keras.Input(DSCNN_SHAPE[1:], batch_size=1)
    x = layers.Conv2D(33, (10, 4), strides=2, padding="same", use_bias=False)(inputs)
    x = layers.ReLU()(layers.BatchNormalization()(x))
    for filters, stride in ((40, 1), (40, 2), (27, 1)):
        x = layers.DepthwiseConv2D(3, strides=stride, padding="same", use_bias=False)(x)
        x = layers.ReLU()(layers.BatchNormalization()(x))
        x = layers.Conv2D(filters, 1, use_bias=False)(x)
        x = layers.ReLU()(layers.BatchNormalization()(x))
    x = layers.AveragePooling2D(pool_size=(int(x.shape[1] or 1), int(x.shape[2] or 1)))(x)
    x = layers.Dense(12)(layers.Flatten()(x))
    model = tf.keras.Model(inputs, layers.Softmax()(x))
    rng = np.random.default_rng(seed)
    weights = []
    for w in model.weights:
        shape = tuple(int(d or 0) for d in w.shape)  # every weight's shape is known
        if "variance" in w.path:
            weights.append(rng.uniform(0.5, 2.0, shape))
        elif "gamma" in w.path:
            weights.append(rng.uniform(0.5, 1.5, shape))
        else:
            weights.append(rng.standard_normal(shape) * (0.3 if len(shape) > 1 else 0.1))
    model.set_weights([w.astype(np.float32) for w in weights])
    return model


def _int8_tflite(model, path: Path) -> Path:
    """Full-integer int8 conversion by the TF converter, calibrated on random features."""
    import tensorflow as tf

    rng = np.random.default_rng(5)
    samples = [[rng.uniform(-2.0, 2.0, DSCNN_SHAPE).astype(np.float32)] for _ in range(16)]
    converter = tf.lite.TFLiteConverter.from_keras_model(model)
    converter.optimizations = [tf.lite.Optimize.DEFAULT]
    converter.representative_dataset = lambda: iter(samples)
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    converter.inference_input_type = tf.int8
    converter.inference_output_type = tf.int8
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        path.write_bytes(converter.convert())
    return path


def test_keras_dscnn_with_stai_kernels_is_bit_exact(tmp_path: Path) -> None:
    """The Keras DS-CNN: the first 10x4 convolution of stride 2 (1 -> 33 channels), every
    depthwise (stride 1 and 2, 33 and 40 channels), pointwise (33->40, 40->40, 40->27),
    the pooling and the dense layer run stai's kernels, bit-exact with TFLM on 12 random
    inputs."""
    path = _int8_tflite(_dscnn(11), tmp_path / "dscnn.tflite")
    kernels = _generate(path, tmp_path / "dscnn", "dscnn")
    assert _stai(kernels).count("stai_mk_dwconv3x3_s8") == 3
    assert _stai(kernels).count("stai_mk_conv1x1_s8") == 4
    assert kernels[0] == "stai_mk_conv_s8" and "stai_mk_avgpool_s8" in kernels
    assert [k for k in kernels if not k.startswith("stai_mk_")] == ["arm_softmax_s8"]
    _bit_exact(path, CModel(tmp_path / "dscnn", "dscnn"), random_inputs(path, 12, seed=8))


def test_ic_resnet_with_stai_kernels_is_bit_exact(tmp_path: Path, shared_model_path) -> None:
    """IC (ResNet-8): its convolutions (3x3, stride 1 and 2, and the 1x1 shortcuts), its
    three residual additions, its pooling and its dense layer on stai's kernels,
    bit-exact with TFLM on 6 random inputs."""
    path = shared_model_path("ic_int8")
    kernels = _generate(path, tmp_path / "ic", "ic")
    assert _stai(kernels).count("stai_mk_add_s8") == 3
    assert _stai(kernels).count("stai_mk_conv_s8") >= 6
    assert [k for k in kernels if not k.startswith("stai_mk_")] == ["arm_softmax_s8"]
    _bit_exact(path, CModel(tmp_path / "ic", "ic"), random_inputs(path, 6, seed=31))


def _gated(seed: int):
    """Two convolution branches multiplied and added element-wise (same shapes), then a
    max pooling and a dense layer: the element-wise kernels on a converted model."""
    import tensorflow as tf

    layers = tf.keras.layers
    inputs = tf.keras.Input((8, 8, 3), batch_size=1)
    a = layers.Conv2D(6, 3, padding="same", activation="relu")(inputs)
    b = layers.Conv2D(6, 3, padding="same", activation="tanh")(inputs)
    x = layers.Add()([layers.Multiply()([a, b]), a])
    x = layers.MaxPooling2D(2)(x)
    x = layers.Dense(10)(layers.Flatten()(x))
    model = tf.keras.Model(inputs, x)
    rng = np.random.default_rng(seed)
    model.set_weights(
        [(rng.standard_normal(w.shape) * 0.4).astype(np.float32) for w in model.get_weights()]
    )
    return model


def test_keras_multiply_add_pool_with_stai_kernels_is_bit_exact(tmp_path: Path) -> None:
    """A Keras model converted by the TF converter: its multiplication, addition and max
    pooling run stai's element-wise and pooling kernels, bit-exact with TFLM."""
    import tensorflow as tf

    model = _gated(4)
    rng = np.random.default_rng(6)
    samples = [[rng.uniform(-1.0, 1.0, (1, 8, 8, 3)).astype(np.float32)] for _ in range(16)]
    converter = tf.lite.TFLiteConverter.from_keras_model(model)
    converter.optimizations = [tf.lite.Optimize.DEFAULT]
    converter.representative_dataset = lambda: iter(samples)
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    converter.inference_input_type = tf.int8
    converter.inference_output_type = tf.int8
    path = tmp_path / "gated.tflite"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        path.write_bytes(converter.convert())
    kernels = _generate(path, tmp_path / "gated", "gated")
    for kernel in ("stai_mk_mul_s8", "stai_mk_add_s8", "stai_mk_maxpool_s8"):
        assert kernel in kernels, kernels
    _bit_exact(path, CModel(tmp_path / "gated", "gated"), random_inputs(path, 12, seed=9))


# ------------------------------------------------------------------------ target


@pytest.fixture(scope="module")
def target_tools() -> None:
    missing = [t for t in TOOLS if shutil.which(t) is None]
    if missing:
        pytest.fail(f"{', '.join(missing)} not found: run `make setup`", pytrace=False)


def test_kws_with_stai_kernels_on_cortex_m4(
    target_tools: None, tmp_path: Path, shared_model_path, models_dir
) -> None:
    """KWS for cortex-m4 with stai's kernels on QEMU (their DSP code): bit-exact with TFLM,
    and in far fewer instructions than the same folder with only the portable kernels
    (the same C without select-kernels)."""
    from stai.boards.runner import TargetModel
    from stai.compiler.driver import generate

    path = shared_model_path("kws_int8")
    kernels = _generate(path, tmp_path / "kws_stai", "kws", target="cortex-m4")
    assert len(_stai(kernels)) == 11
    samples = [s.inputs for s in SHARED_BY_KEY["kws_int8"].samples(models_dir)]
    samples += random_inputs(path, 2, seed=7)
    stai = TargetModel(tmp_path / "kws_stai", work_dir=tmp_path / "b1", cmsis_nn_path="")
    run = stai.run_many(samples)
    for sample, inputs in zip(run.samples, samples):
        np.testing.assert_array_equal(sample.outputs[0], run_tflm(path, inputs)[0])
        assert sample.status == 0
    generate(path, tmp_path / "kws_portable", name="kws", target="cortex-m4", kernels="cmsis-nn")
    portable = TargetModel(tmp_path / "kws_portable", work_dir=tmp_path / "b2", cmsis_nn_path="")
    base = portable.run_many(samples[:1]).samples[0].instructions
    ours = run.samples[0].instructions
    assert ours is not None and base is not None and ours < base / 5


def _run_on_m4(folder: Path, work: Path, path: Path, samples: list[list[np.ndarray]]) -> list[int]:
    """Run ``folder`` on QEMU's Cortex-M4, bit-exact with TFLM; each sample's instructions."""
    from stai.boards.runner import TargetModel

    run = TargetModel(folder, work_dir=work, cmsis_nn_path="").run_many(samples)
    for sample, inputs in zip(run.samples, samples):
        assert sample.status == 0
        for e, g in zip(run_tflm(path, inputs), sample.outputs):
            np.testing.assert_array_equal(g, e)
    return [s.instructions for s in run.samples if s.instructions is not None]


def test_vww_with_stai_kernels_on_cortex_m4(
    target_tools: None, tmp_path: Path, shared_model_path, models_dir
) -> None:
    """VWW (MobileNetV1 0.25) for cortex-m4 with the default options: its stride-2
    depthwise layers write their outputs over their inputs in channel order (the arena
    meets the 42,000-byte target, against a breadth bound of 55,296), and it is bit-exact
    with TFLM on QEMU."""
    path = shared_model_path("vww_int8")
    out = tmp_path / "vww"
    compiled = compile_model(path, CompileOptions(name="vww", target="cortex-m4"))
    write_generated(compiled, out)
    kernels = layer_kernels(compiled.module)
    assert _stai(kernels).count("stai_mk_dwconv3x3_s8") == 13
    plan = json.loads((out / "vww.json").read_text())["memory_plan"]
    assert plan["arena_bytes"] <= 42_000 < plan["breadth_bound_bytes"], plan
    samples = [s.inputs for s in SHARED_BY_KEY["vww_int8"].samples(models_dir)][:1]
    _run_on_m4(out, tmp_path / "b", path, samples + random_inputs(path, 1, seed=3))


def test_fully_connected_models_at_their_breadth_bound_on_cortex_m4(
    target_tools: None, tmp_path: Path, shared_model_path, models_dir
) -> None:
    """AD and hello_world (only fully connected layers of batch 1) on stai's kernels need
    no scratch: the arena is the breadth bound (768 and 32 bytes); bit-exact on QEMU, AD
    in at most 0.45 M instructions (issue 15's target; CMSIS-NN's DSP kernels: 0.580 M)."""
    for key in ("ad_int8", "hello_world_int8"):
        path = shared_model_path(key)
        out = tmp_path / key
        compiled = compile_model(path, CompileOptions(name="net", target="cortex-m4"))
        write_generated(compiled, out)
        assert set(_stai(layer_kernels(compiled.module))) == {"stai_mk_conv1x1_s8"}
        plan = json.loads((out / "net.json").read_text())["memory_plan"]
        assert plan["arena_bytes"] == plan["breadth_bound_bytes"], plan
        assert plan["max_scratch_bytes"] == 0, plan
        samples = [s.inputs for s in SHARED_BY_KEY[key].samples(models_dir)][:2]
        counts = _run_on_m4(
            out, tmp_path / f"b_{key}", path, samples + random_inputs(path, 2, seed=4)
        )
        if key == "ad_int8":
            assert counts and max(counts) <= 450_000, counts


def test_micro_speech_fully_connected_on_cortex_m4(
    target_tools: None, tmp_path: Path, shared_model_path, models_dir
) -> None:
    """micro_speech's 4000 -> 4 fully connected layer (one row, four outputs: one group of
    two output-channel pairs) runs the 1x1 kernel without scratch, bit-exact with TFLM on
    QEMU for its four shipped feature files."""
    path = shared_model_path("micro_speech_int8")
    out = tmp_path / "ms"
    compiled = compile_model(path, CompileOptions(name="ms", target="cortex-m4"))
    write_generated(compiled, out)
    assert _stai(layer_kernels(compiled.module)) == ["stai_mk_conv1x1_s8"]
    plan = json.loads((out / "ms.json").read_text())["memory_plan"]
    assert plan["max_scratch_bytes"] == 0, plan
    samples = [s.inputs for s in SHARED_BY_KEY["micro_speech_int8"].samples(models_dir)]
    _run_on_m4(out, tmp_path / "b", path, samples)
