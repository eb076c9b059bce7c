"""The sequence LSTM kernels (``stai_sequence_lstm_s8``, ``_s16``, ``_f32``) built with
-Werror and run three times in a row (the states carried over), then after a reset, clean
under the address and undefined-behaviour sanitizers, with the outputs of the same folder
run through ``CModel``."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from lstm_models import lstm_model
from sanitized_build import run_sanitized

from stai.compiler.driver import generate
from stai.runtime.runner import CModel

HARNESS = r"""
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "network.h"

static float arena[(STAI_NETWORK_ACTIVATIONS_SIZE + 3) / 4 + 1];

/* Call k's input: bytes (integer models) or floats (float models) of a fixed pattern. */
static void fill(int k)
{
    uint8_t *x = (uint8_t *)stai_network_input_ptr(0);
    size_t n = stai_network_input_size(0);
#ifdef FLOAT_INPUT
    for (size_t i = 0; i < n / 4; i++)
    {
        float v = (float)((i * 7 + 3 * (size_t)k) % 23) * 0.125f - 1.4f;
        memcpy(x + 4 * i, &v, 4);
    }
#else
    for (size_t i = 0; i < n; i++) x[i] = (uint8_t)((i * 37 + 11 * (size_t)k) % 251);
#endif
}

int main(void)
{
    if (stai_network_init(arena) != 0) return 20;
    for (int call = 0; call < 4; call++)
    {
        if (call == 3) stai_network_reset();
        fill(call == 3 ? 0 : call);
        int status = stai_network_run();
        if (status != 0) return status;
        const uint8_t *y = (const uint8_t *)stai_network_output_ptr(0);
        for (size_t i = 0; i < stai_network_output_size(0); i++) printf("%u\n", (unsigned)y[i]);
    }
    return 0;
}
"""


def _pattern(shape: tuple[int, ...], dtype: np.dtype, k: int) -> np.ndarray:
    if dtype == np.float32:
        count = int(np.prod(shape))
        i = np.arange(count)
        values = ((i * 7 + 3 * k) % 23) * 0.125 - 1.4
        return values.astype(np.float32).reshape(shape)
    nbytes = int(np.prod(shape)) * dtype.itemsize
    raw = ((np.arange(nbytes) * 37 + 11 * k) % 251).astype(np.uint8)
    return raw.view(dtype).reshape(shape)


@pytest.mark.parametrize("kind", ["s8", "s16", "f32"])
def test_sequence_lstm_runs_clean_under_sanitizers(kind: str, tmp_path: Path) -> None:
    path = tmp_path / "lstm.tflite"
    path.write_bytes(lstm_model(kind, 2, 5, 4, 6, kind == "s16", 0.5, seed=4))
    folder = tmp_path / "gen"
    generate(path, folder)
    assert f"stai_sequence_lstm_{kind}(" in (folder / "network.c").read_text()
    stdout = run_sanitized(folder, HARNESS, tmp_path, ["FLOAT_INPUT"] if kind == "f32" else [])
    got = np.array([int(v) for v in stdout.split()], dtype=np.uint8)
    c_model = CModel(folder)
    dtype = {"s8": np.dtype(np.int8), "s16": np.dtype(np.int16)}.get(kind, np.dtype(np.float32))
    shape = (5, 2, 4) if kind == "s16" else (2, 5, 4)
    outputs = [c_model.run([_pattern(shape, dtype, k)])[0] for k in range(3)]
    c_model.reset()
    outputs.append(c_model.run([_pattern(shape, dtype, 0)])[0])
    want = np.concatenate([np.ascontiguousarray(o, dtype).reshape(-1) for o in outputs])
    values = got.view(dtype)
    if kind == "f32":  # other compiler flags than CModel's: float rounding may differ
        np.testing.assert_allclose(values, want, rtol=1e-5, atol=1e-6)
    else:
        np.testing.assert_array_equal(values, want)
    # The states carry over (the first three calls differ) and reset restores them.
    size = want.size // 4
    assert not np.array_equal(want[:size], want[size : 2 * size])
    np.testing.assert_array_equal(want[:size], want[3 * size :])
