"""The recurrent float kernels (``stai_gru_f32`` with ``linear_before_reset`` 0 and 1 and an
initial state, ``stai_rnn_f32``, ``stai_lstm_cell_state_f32``) built with -Werror and run
clean under address and undefined-behaviour sanitizers, with the outputs of
``model.predict``."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
from conftest import float_tolerance
from keras_models import keras

from stai.compiler.driver import generate

HARNESS = r"""
#include <stdint.h>
#include <stdio.h>
#include "network.h"

static float arena[(STAI_NETWORK_ACTIVATIONS_SIZE + 3) / 4];

int main(void)
{
    if (stai_network_init(arena) != 0) return 20;
    for (int k = 0; k < STAI_NETWORK_IN_NUM; k++)
    {
        float *x = (float *)stai_network_input_ptr(k);
        for (size_t i = 0; i < stai_network_input_size(k) / 4; i++)
            x[i] = (float)((i + 5 * (size_t)k) % 13) * 0.25f - 1.5f;
    }
    int status = stai_network_run();
    if (status != 0) return status;
    for (int k = 0; k < STAI_NETWORK_OUT_NUM; k++)
    {
        const float *y = (const float *)stai_network_output_ptr(k);
        for (size_t i = 0; i < stai_network_output_size(k) / 4; i++) printf("%.9g\n", y[i]);
    }
    return 0;
}
"""


def _model():
    k = keras()
    L = k.layers
    k.utils.set_random_seed(6)
    x = k.Input((6, 4))
    h0 = k.Input((5,))
    y = L.GRU(5, return_sequences=True, reset_after=False)(x, initial_state=h0)
    y = L.SimpleRNN(4, return_sequences=True, activation="relu")(y)
    y = L.GRU(4, return_sequences=True)(y)
    _, h, c = L.LSTM(3, return_state=True)(y)
    return k.Model([x, h0], L.Dense(2)(L.Concatenate()([h, c])))


def _inputs(model) -> list[np.ndarray]:
    out = []
    start = 0
    for t in model.inputs:
        shape = (1, *t.shape[1:])
        count = int(np.prod(shape))
        values = ((np.arange(count) + start) % 13) * 0.25 - 1.5
        out.append(values.astype(np.float32).reshape(shape))
        start += 5
    return out


def test_recurrent_kernels_run_clean_under_sanitizers(tmp_path: Path) -> None:
    cc = shutil.which("gcc")
    assert cc is not None, "gcc is required (apt-get install gcc)"
    model = _model()
    path = tmp_path / "m.keras"
    model.save(path)
    folder = tmp_path / "gen"
    generate(path, folder)
    (tmp_path / "main.c").write_text(HARNESS)
    sources = [str(p) for p in [*folder.glob("*.c"), *(folder / "src").glob("*.c")]]
    code = (folder / "network.c").read_text()
    for kernel in ("stai_gru_f32", "stai_rnn_f32", "stai_lstm_f32", "stai_lstm_cell_state_f32"):
        assert f"{kernel}(" in code
    flags = [
        "-std=c99",
        "-Wall",
        "-Wextra",
        "-Werror",
        "-g",
        "-fsanitize=address,undefined",
        "-fno-sanitize-recover=all",
    ]
    includes = [f"-I{folder}", f"-I{folder}/include", f"-I{folder}/include/cmsis"]
    build = subprocess.run(
        [cc, *flags, *includes, "main.c", *sources, "-o", "main", "-lm"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert build.returncode == 0, build.stderr
    proc = subprocess.run([str(tmp_path / "main")], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, f"status {proc.returncode}\n{proc.stderr}"
    got = np.array([float(v) for v in proc.stdout.split()], dtype=np.float32)
    inputs = _inputs(model)
    expected = np.asarray(model.predict(inputs, verbose=0)).reshape(-1)
    assert got.shape == expected.shape
    assert np.max(np.abs(got - expected)) <= float_tolerance(expected)
