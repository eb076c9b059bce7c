"""The float kernels the Keras frontend added (LSTM with its scratch state, swish, PReLU,
hard sigmoid) built with -Werror and run clean under address and undefined-behaviour
sanitizers, with the outputs of ``model.predict``."""

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
    float *x = (float *)stai_network_input_ptr(0);
    for (size_t i = 0; i < stai_network_input_size(0) / 4; i++) x[i] = (float)(i % 13) * 0.25f - 1.5f;
    int status = stai_network_run();
    if (status != 0) return status;
    const float *y = (const float *)stai_network_output_ptr(0);
    for (size_t i = 0; i < stai_network_output_size(0) / 4; i++) printf("%.9g\n", y[i]);
    return 0;
}
"""


def _model():
    k = keras()
    L = k.layers
    k.utils.set_random_seed(4)
    model = k.Sequential(
        [
            k.Input((6, 4)),
            L.LSTM(5, return_sequences=True),
            L.Activation("swish"),
            L.PReLU(alpha_initializer=k.initializers.Constant(0.25)),
            L.Activation("hard_sigmoid"),
            L.LSTM(3),
            L.Dense(2),
        ]
    )
    return model


def test_keras_kernels_run_clean_under_sanitizers(tmp_path: Path) -> None:
    cc = shutil.which("gcc")
    assert cc is not None, "gcc is required (apt-get install gcc)"
    model = _model()
    path = tmp_path / "m.keras"
    model.save(path)
    folder = tmp_path / "gen"
    generate(path, folder)
    (tmp_path / "main.c").write_text(HARNESS)
    sources = [str(p) for p in [*folder.glob("*.c"), *(folder / "src").glob("*.c")]]
    called = " ".join(Path(s).name for s in sources)
    for kernel in ("stai_lstm_f32", "stai_swish_f32", "stai_prelu_f32", "stai_hard_sigmoid_f32"):
        assert kernel in called
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
    x = ((np.arange(24) % 13) * 0.25 - 1.5).astype(np.float32).reshape(1, 6, 4)
    expected = model.predict(x, verbose=0).reshape(-1)
    assert got.shape == expected.shape
    assert np.max(np.abs(got - expected)) <= float_tolerance(expected)
