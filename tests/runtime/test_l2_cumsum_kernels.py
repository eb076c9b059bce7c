"""``stai_l2_normalization_{f32,s8}``, ``stai_l2_pool_f32`` and ``stai_cumsum_{f32,s8}``
called directly at their edges on an ASan + UBSan build (``-Werror``, no recovery): rows
of zeros (the inverse square root's 0/1 branch), int8 sums past 2^29 (its shift loop),
zero points at both ends of the range, an int8 cumulative sum that saturates, a window
wholly inside and one clipped by the padding, and NULL or negative sizes, which give
ARM_CMSIS_NN_ARG_ERROR. Bit-exactness with TFLite Micro is checked on real models
(``tests/e2e/test_ops_l2.py``, ``test_ops_cumsum_gather_nd.py``)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

RUNTIME = Path(__file__).resolve().parents[2] / "runtime"

HARNESS = r"""
#include <stdio.h>
#include <string.h>
#include "stai_kernels.h"

static int8_t s8_in[9000], s8_out[9000];
static float f_in[64], f_out[64];

int main(void)
{
    /* int8 L2: a zero row, a row at the range's ends, a long row (sum >= 2^29) */
    memset(s8_in, 0, sizeof s8_in);
    for (int i = 0; i < 8; i++) s8_in[8 + i] = (int8_t)(i % 2 ? 127 : -128);
    if (stai_l2_normalization_s8(s8_in, s8_out, 2, 8, 0) != ARM_CMSIS_NN_SUCCESS) return 1;
    for (int i = 0; i < 8; i++) if (s8_out[i] != 0) return 2;
    printf("s8 %d %d\n", s8_out[8], s8_out[9]);
    for (int i = 0; i < 9000; i++) s8_in[i] = (int8_t)(i % 3 ? -128 : 127);
    if (stai_l2_normalization_s8(s8_in, s8_out, 1, 9000, 127) != ARM_CMSIS_NN_SUCCESS) return 3;
    if (stai_l2_normalization_s8(s8_in, s8_out, 1, 9000, -128) != ARM_CMSIS_NN_SUCCESS) return 4;
    printf("long %d %d\n", s8_out[0], s8_out[1]);
    /* float L2: a zero row stays zero (the norm is at least 1e-6) */
    memset(f_in, 0, sizeof f_in);
    f_in[4] = 3.0f; f_in[5] = 4.0f;
    if (stai_l2_normalization_f32(f_in, f_out, 2, 4) != ARM_CMSIS_NN_SUCCESS) return 5;
    printf("f32 %g %g %g\n", (double)f_out[0], (double)f_out[4], (double)f_out[5]);
    /* L2 pool: 3x3 input, 2x2 window, stride 2, left/top padding 1 (clipped windows) */
    for (int i = 0; i < 9; i++) f_in[i] = (float)(i + 1);
    stai_pool_params_f32 p = {{2, 2}, {1, 1}, 0.0f, 1e30f};
    cmsis_nn_dims in = {1, 3, 3, 1}, filt = {1, 2, 2, 1}, out = {1, 2, 2, 1};
    if (stai_l2_pool_f32(&p, &in, f_in, &filt, &out, f_out) != ARM_CMSIS_NN_SUCCESS) return 6;
    printf("pool %g %g\n", (double)f_out[0], (double)f_out[3]);
    /* int8 cumsum, reverse and exclusive, input zero point -128: the last element gets
     * the scaled offset alone, the first saturates at 127 */
    for (int i = 0; i < 10; i++) s8_in[i] = 127;
    if (stai_cumsum_s8(s8_in, s8_out, 1, 10, 1, 1, 1, 20, 128, 1073741824, 0, -128, 1717986918, -18)
        != ARM_CMSIS_NN_SUCCESS) return 7;
    printf("cumsum %d %d\n", s8_out[9], s8_out[0]);
    if (stai_cumsum_f32(f_in, f_out, 3, 3, 1, 0, 0) != ARM_CMSIS_NN_SUCCESS) return 8;
    printf("fcumsum %g\n", (double)f_out[8]);
    /* argument errors */
    if (stai_l2_normalization_s8(NULL, s8_out, 1, 1, 0) != ARM_CMSIS_NN_ARG_ERROR) return 9;
    if (stai_l2_normalization_f32(f_in, f_out, 1, 0) != ARM_CMSIS_NN_ARG_ERROR) return 10;
    if (stai_cumsum_f32(f_in, f_out, -1, 1, 1, 0, 0) != ARM_CMSIS_NN_ARG_ERROR) return 11;
    if (stai_cumsum_s8(s8_in, s8_out, 1, 1, 1, 0, 0, 31, 0, 0, 0, 0, 0, 0) != ARM_CMSIS_NN_ARG_ERROR) return 12;
    if (stai_l2_pool_f32(NULL, &in, f_in, &filt, &out, f_out) != ARM_CMSIS_NN_ARG_ERROR) return 13;
    return 0;
}
"""


@pytest.mark.skipif(shutil.which("cc") is None, reason="no host C compiler")
def test_kernels_clean_under_sanitizers(tmp_path):
    harness = tmp_path / "main.c"
    harness.write_text(HARNESS)
    binary = tmp_path / "kernels"
    sources = [RUNTIME / "src" / "stai_l2_norm.c", RUNTIME / "src" / "stai_cumsum.c"]
    flags = ["-std=c99", "-Wall", "-Wextra", "-Werror", "-O1", "-g"]
    flags += ["-fsanitize=address,undefined", "-fno-sanitize-recover=all"]
    subprocess.run(
        ["cc", *flags, "-I", str(RUNTIME / "include"), str(harness), *map(str, sources), "-o",
         str(binary), "-lm"],
        check=True,
    )  # fmt: skip
    run = subprocess.run([str(binary)], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stderr == ""
    lines = dict(line.split(" ", 1) for line in run.stdout.splitlines())
    norm = (4 * 128**2 + 4 * 127**2) ** 0.5  # the row -128, 127, ... in 1/128 units
    low, high = (int(v) for v in lines["s8"].split())
    assert abs(low - (-128 * 128 / norm)) <= 1 and abs(high - 127 * 128 / norm) <= 1
    assert lines["f32"].split() == ["0", "0.6", "0.8"]
    # windows: {1} -> 1, {5, 6, 8, 9} -> sqrt(206 / 4)
    first, last = (float(v) for v in lines["pool"].split())
    assert first == 1.0 and abs(last - (206 / 4) ** 0.5) < 1e-5
    # (128 << 20) / 2 * 0.8 * 2^-18 - 128 = 76.8; the first element saturates
    assert lines["cumsum"].split() == ["77", "127"]
    assert lines["fcumsum"] == "24"
