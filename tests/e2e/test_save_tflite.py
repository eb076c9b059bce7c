"""``stai quantize --save-tflite``: the written int8 .tflite re-imports into stai, runs
under TFLite Micro, and TFLite Micro's outputs equal stai's generated C bit for bit."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from stai.cli import main
from stai.errors import StaiError
from stai.quantize_compare import MODELS, datasets


def _quantize(tmp_path: Path, models_dir: Path, key: str, int8_io: bool) -> tuple[Path, Path]:
    """Run ``stai quantize --save-tflite``; the C folder and the written model."""
    calib, _ = datasets(models_dir, key, 24, 1)
    np.save(tmp_path / "calib.npy", calib)
    out, tfl = tmp_path / key, tmp_path / f"{key}_int8.tflite"
    args = ["quantize", "-m", str(models_dir / MODELS[key]), "-d", str(tmp_path / "calib.npy"),
            "-o", str(out), "-n", key, "--save-tflite", str(tfl)]
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


@pytest.mark.parametrize("key,int8_io", [("hello_world", False), ("hello_world", True),
                                         ("ic", True), ("ic", False)])
def test_saved_tflite_matches_generated_c(tmp_path, models_dir, key, int8_io):
    from stai.driver import import_model
    from stai.reference import run_tflm
    from stai.runtime.runner import CModel

    out, tfl = _quantize(tmp_path, models_dir, key, int8_io)
    module = import_model(tfl)  # (1) stai's frontend reads it back
    assert "nn.fully_connected" in str(module)
    model = CModel(out, key)
    _, samples = datasets(models_dir, key, 1, 5, seed=7)
    for x in samples:
        inp = _as_input(x, model.inputs[0])
        expected = model.run([inp])[0]
        got = run_tflm(tfl, [inp])[0]  # (2) TFLite Micro runs it
        assert got.dtype == expected.dtype
        np.testing.assert_array_equal(got.reshape(expected.shape), expected)  # (3)


def test_reimported_model_compiles_to_the_same_outputs(tmp_path, models_dir):
    from stai.driver import generate
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
    div = nn.DivOp.build(operands=[block.args[0], block.args[1]], result_types=[t],
                         properties={"activation": StringAttr("none")})
    block.add_ops([div, func.ReturnOp(div.results[0])])
    module = ModuleOp([func.FuncOp("main", ([t, t], [t]), Region(block))])
    with pytest.raises(StaiError, match="nn.div cannot be written") as info:
        tflite_bytes(module)
    assert "\n" not in str(info.value)
