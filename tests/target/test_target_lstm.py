"""The int8 and 16x8 sequence LSTMs on emulated Cortex-M boards: several samples in a row
on one board (the states carried from one run to the next, as in one TFLite Micro
interpreter invoked without a reset), bit for bit."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from lstm_models import keras_lstm, lstm_model

from stai.boards.runner import TargetModel
from stai.compiler.driver import generate

TOOLS = ("arm-none-eabi-gcc", "qemu-system-arm")


@pytest.mark.parametrize(
    ("kind", "target"), [("s8", "cortex-m4"), ("s8", "cortex-m55"), ("s16", "cortex-m7")]
)
def test_sequence_lstm_on_target_matches_tflm_call_by_call(kind, target, tmp_path: Path):
    missing = [t for t in TOOLS if shutil.which(t) is None]
    if missing:
        pytest.fail(f"{', '.join(missing)} not found: run `make setup`", pytrace=False)
    path = tmp_path / "lstm.tflite"
    if kind == "s8":
        keras_lstm(path, 6, 5, 7, True, int8=True)
        dtype = np.int8
    else:
        path.write_bytes(lstm_model("s16", 2, 5, 4, 6, False, 0.5, seed=5))
        dtype = np.int16
    out = tmp_path / "gen"
    generate(path, out, target=target)
    model = TargetModel(out, work_dir=tmp_path / "build", cmsis_nn_path="")
    from tflite_micro.python.tflite_micro import runtime

    interp = runtime.Interpreter.from_bytes(path.read_bytes())
    shape = tuple(interp.get_input_details(0)["shape"])
    rng = np.random.default_rng(4)
    info = np.iinfo(dtype)
    samples = [[rng.integers(info.min, info.max + 1, shape).astype(dtype)] for _ in range(3)]
    result = model.run_many(samples)
    assert len(result.samples) == len(samples)
    for k, (sample, inputs) in enumerate(zip(result.samples, samples, strict=True)):
        assert sample.status == 0
        interp.set_input(inputs[0], 0)
        interp.invoke()
        np.testing.assert_array_equal(sample.outputs[0], interp.get_output(0), err_msg=f"{k}")
