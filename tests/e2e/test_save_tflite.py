"""``stai quantize --save-tflite``: the written int8 .tflite re-imports into stai, runs
under TFLite Micro, and TFLite Micro's outputs equal stai's generated C bit for bit."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from stai.cli.main import main
from stai.errors import StaiError
from stai.tools.quantize_compare import MODELS, datasets


def _quantize(tmp_path: Path, models_dir: Path, key: str, int8_io: bool) -> tuple[Path, Path]:
    """Run ``stai quantize --save-tflite``; the C folder and the written model."""
    calib, _ = datasets(models_dir, key, 24, 1)
    np.save(tmp_path / "calib.npy", calib)
    out, tfl = tmp_path / key, tmp_path / f"{key}_int8.tflite"
    args = [
        "quantize",
        "-m",
        str(models_dir / MODELS[key]),
        "-d",
        str(tmp_path / "calib.npy"),
        "-o",
        str(out),
        "-n",
        key,
        "--save-tflite",
        str(tfl),
    ]
    with pytest.raises(SystemExit) as exit_info:
        main(args + (["--int8-io"] if int8_io else []))
    assert exit_info.value.code == 0
    assert tfl.is_file() and tfl.stat().st_size > 0
    return out, tfl


def _as_input(x: np.ndarray, info: dict) -> np.ndarray:
    """A float sample in the model input's dtype (int8: quantized with its parameters)."""
    if np.dtype(info["dtype"]) == np.int8:
        q = np.round(x / info["scale"]) + info["zero_point"]
        return np.clip(q, -128, 127).astype(np.int8)
    return x.astype(np.float32)


@pytest.mark.parametrize(
    "key,int8_io", [("hello_world", False), ("hello_world", True), ("ic", True), ("ic", False)]
)
def test_saved_tflite_matches_generated_c(tmp_path, models_dir, key, int8_io):
    from stai.compiler.driver import import_model
    from stai.runtime.runner import CModel
    from stai.tools.reference import run_tflm

    out, tfl = _quantize(tmp_path, models_dir, key, int8_io)
    module = import_model(tfl)  # (1) stai's frontend reads it back
    assert "nn.fully_connected" in str(module)
    if key == "hello_world":  # the dense weights kept one scale per output channel
        assert "x16x!nn.q<i8, axis 0, [" in str(module)
    model = CModel(out, key)
    _, samples = datasets(models_dir, key, 1, 5, seed=7)
    for x in samples:
        inp = _as_input(x, model.inputs[0])
        expected = model.run([inp])[0]
        got = run_tflm(tfl, [inp])[0]  # (2) TFLite Micro runs it
        assert got.dtype == expected.dtype
        np.testing.assert_array_equal(got.reshape(expected.shape), expected)  # (3)


def test_reimported_model_compiles_to_the_same_outputs(tmp_path, models_dir):
    from stai.compiler.driver import generate
    from stai.runtime.runner import CModel

    out, tfl = _quantize(tmp_path, models_dir, "hello_world", True)
    again = tmp_path / "again"
    generate(tfl, again, name="again")
    first, second = CModel(out, "hello_world"), CModel(again, "again")
    for v in range(-128, 128, 17):
        x = np.array([[v]], np.int8)
        np.testing.assert_array_equal(first.run([x])[0], second.run([x])[0])


def test_unwritable_op_is_one_line_error():
    from xdsl.dialects import func
    from xdsl.dialects.builtin import ModuleOp, StringAttr, TensorType, f32
    from xdsl.ir import Block, Region

    from stai.dialects import nn
    from stai.frontends.tflite.writer import tflite_bytes

    t = TensorType(f32, (1, 4))
    block = Block(arg_types=[t, t])
    div = nn.DivOp.build(
        operands=[block.args[0], block.args[1]],
        result_types=[t],
        properties={"activation": StringAttr("none")},
    )
    block.add_ops([div, func.ReturnOp(div.results[0])])
    module = ModuleOp([func.FuncOp("main", ([t, t], [t]), Region(block))])
    with pytest.raises(StaiError, match="nn.div cannot be written") as info:
        tflite_bytes(module)
    assert "\n" not in str(info.value)


ROUND_TRIP = [
    "conv2d_d2_same",
    "conv2d_s2_same_relu6",
    "dwconv_m2_s1_same_relu6",
    "dwconv_m1_s2_same_relu",
    "fc_batch3",
    "avgpool_3x3_s1_same",
    "maxpool_3x3_s2_same",
    "add_broadcast",
    "sub",
    "mul_broadcast",
    "concat_channels",
    "pad",
    "reshape",
    "softmax",
    "relu",
    "logistic",
    "tanh",
    "mean_hw",
    "mean_hw_keepdims",
    "quantize_dequantize",
]


def _samples(module, n: int, seed: int) -> list[list[np.ndarray]]:
    """``n`` random inputs for ``@main`` of an imported module (int8 codes or floats)."""
    from stai.dialects import nn

    rng = np.random.default_rng(seed)
    main_op = next(iter(module.ops))
    samples = []
    for _ in range(n):
        sample = []
        for t in main_op.function_type.inputs.data:
            shape = tuple(t.get_shape())
            if isinstance(t.element_type, nn.QuantType):
                sample.append(rng.integers(-128, 128, shape).astype(np.int8))
            else:
                sample.append(rng.uniform(-1.0, 1.0, shape).astype(np.float32))
        samples.append(sample)
    return samples


@pytest.mark.parametrize("name", ROUND_TRIP)
def test_int8_op_model_round_trips_bit_exact(tmp_path, op_model, name):
    """An int8 op model, imported and written back, computes what the original does."""
    from stai.compiler.driver import import_model
    from stai.frontends.tflite.writer import write_tflite
    from stai.tools.reference import run_tflm

    original = op_model(name, "int8")
    module = import_model(original)
    written = write_tflite(module, tmp_path / f"{name}.tflite")
    for sample in _samples(module, 3, seed=5):
        for a, b in zip(run_tflm(original, sample), run_tflm(written, sample)):
            np.testing.assert_array_equal(a, b)


def test_explicit_pads_become_a_pad_operator(tmp_path, op_model):
    """Conv pads that are neither SAME nor VALID: PAD + VALID conv, bit-exact with stai."""
    from stai.compiler.driver import import_model
    from stai.dialects import nn
    from stai.frontends.tflite.writer import write_tflite
    from stai.runtime.runner import CModel
    from stai.tools.quantize import compile_module
    from stai.tools.reference import run_tflm

    module = import_model(op_model("conv2d_s2_same_relu", "int8"))  # 9x9, k3, s2 -> 5x5
    conv = next(op for op in module.walk() if isinstance(op, nn.Conv2DOp))
    conv.pads = nn.i64_array([2, 0, 2, 0])  # still 5x5, but not TFLite's SAME (1, 1)
    module.verify()
    written = write_tflite(module, tmp_path / "padded.tflite")
    assert "nn.pad" in str(import_model(written))
    model = CModel(compile_module(module, tmp_path / "c", "padded"), "padded")
    for sample in _samples(import_model(written), 3, seed=9):
        expected = model.run(sample)[0]
        np.testing.assert_array_equal(
            run_tflm(written, sample)[0].reshape(expected.shape), expected
        )


def test_pool_with_other_pads_is_one_line_error(op_model):
    from stai.compiler.driver import import_model
    from stai.dialects import nn
    from stai.frontends.tflite.writer import tflite_bytes

    module = import_model(op_model("maxpool_3x3_s2_same", "int8"))
    pool = next(op for op in module.walk() if isinstance(op, nn.MaxPool2DOp))
    pool.pads = nn.i64_array([2, 0, 2, 0])
    with pytest.raises(StaiError, match="neither TFLite's SAME nor VALID") as info:
        tflite_bytes(module)
    assert "\n" not in str(info.value)


def test_saved_prelu_model_runs_in_tflm_bit_exact(tmp_path):
    """A Keras CNN with PReLU quantized by stai and written back: TFLite Micro runs the
    int8 PRELU and gives stai's outputs."""
    from keras_models import keras

    from stai.compiler.driver import import_model
    from stai.frontends.tflite.writer import write_tflite
    from stai.runtime.runner import CModel
    from stai.tools.quantize import compile_module, quantize_module
    from stai.tools.reference import run_tflm

    k = keras()
    x = k.Input((6, 6, 3), name="x")
    y = k.layers.Conv2D(4, 3, padding="same", name="conv")(x)
    y = k.layers.PReLU(shared_axes=[1, 2], name="prelu")(y)
    model = k.Model(x, k.layers.Flatten()(y))
    k.utils.set_random_seed(2)
    path = tmp_path / "prelu.keras"
    model.save(path)
    rng = np.random.default_rng(0)
    module = import_model(path)
    quantize_module(module, [rng.normal(size=(32, 1, 6, 6, 3)).astype(np.float32)])
    assert "nn.prelu" in str(module)
    tfl = write_tflite(module, tmp_path / "prelu_int8.tflite")
    c_model = CModel(compile_module(module, tmp_path / "c", "c"), "c")
    for _ in range(3):
        x_in = rng.normal(size=(1, 6, 6, 3)).astype(np.float32)
        np.testing.assert_array_equal(
            run_tflm(tfl, [x_in])[0].reshape(-1), c_model.run([x_in])[0].reshape(-1)
        )
