"""``stai_transpose`` and ``stai_transpose_conv2d_f32`` against numpy, built as a small C
program with ``-std=c99 -Wall -Wextra -Werror -fsanitize=address,undefined``."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

RUNTIME = Path(__file__).resolve().parents[2] / "runtime"
CFLAGS = [
    "-std=c99",
    "-Wall",
    "-Wextra",
    "-Werror",
    "-O1",
    "-g",
    "-fsanitize=address,undefined",
    "-fno-sanitize-recover=all",
]


def _c_array(name: str, ctype: str, values: np.ndarray) -> str:
    body = ", ".join(
        repr(float(v)) + "f" if ctype == "float" else str(int(v)) for v in values.reshape(-1)
    )
    return f"static const {ctype} {name}[{max(values.size, 1)}] = {{{body}}};\n"


def _run(tmp_path: Path, body: str, sources: list[str]) -> list[float]:
    if shutil.which("gcc") is None:
        pytest.fail("gcc is needed to build the kernel tests", pytrace=False)
    main = tmp_path / "main.c"
    main.write_text('#include <stdio.h>\n#include <stdint.h>\n#include "stai_kernels.h"\n' + body)
    exe = tmp_path / "main"
    build = subprocess.run(
        [
            "gcc",
            *CFLAGS,
            f"-I{RUNTIME / 'include'}",
            str(main),
            *(str(RUNTIME / "src" / s) for s in sources),
            "-lm",
            "-o",
            str(exe),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert build.returncode == 0, build.stderr
    done = subprocess.run([str(exe)], capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert "runtime error" not in done.stderr and "AddressSanitizer" not in done.stderr
    return [float(v) for v in done.stdout.split()]


PERMS = [(0, 3, 1, 2), (0, 2, 3, 1), (3, 2, 1, 0), (1, 0, 3, 2)]


@pytest.mark.parametrize("dtype", ["int8_t", "float"])
def test_transpose(dtype, tmp_path):
    shape = (2, 3, 4, 5)
    x = np.arange(np.prod(shape)).reshape(shape) % 100 - 50
    expected = np.concatenate([np.transpose(x, perm).reshape(-1) for perm in PERMS])
    size = 1 if dtype == "int8_t" else 4
    fmt = "%d" if dtype == "int8_t" else "%g"
    calls = "".join(
        f"""
    if (stai_transpose(x, y, &d, {p[0]}, {p[1]}, {p[2]}, {p[3]}, {size}) != ARM_CMSIS_NN_SUCCESS) return 1;
    for (int i = 0; i < {x.size}; ++i) printf("{fmt}\\n", y[i]);"""
        for p in PERMS
    )
    body = (
        _c_array("x", dtype, x)
        + f"""
int main(void) {{
    {dtype} y[{x.size}];
    const cmsis_nn_dims d = {{{shape[0]}, {shape[1]}, {shape[2]}, {shape[3]}}};{calls}
    if (stai_transpose(x, y, &d, 0, 0, 1, 2, {size}) != ARM_CMSIS_NN_ARG_ERROR) return 2;
    return 0;
}}
"""
    )
    got = _run(tmp_path, body, ["stai_transpose.c"])
    np.testing.assert_array_equal(np.array(got), expected.astype(np.float64))


def _transpose_conv_reference(x, w, b, stride, dilation, pads, out_hw, act):
    n, h, wd, _ = x.shape
    out_c, kh, kw, _ = w.shape
    full_h = (h - 1) * stride[0] + (kh - 1) * dilation[0] + 1 + pads[1] + 8
    full_w = (wd - 1) * stride[1] + (kw - 1) * dilation[1] + 1 + pads[3] + 8
    full = np.zeros((n, full_h, full_w, out_c), np.float64)
    for yy in range(h):
        for xx in range(wd):
            for ky in range(kh):
                for kx in range(kw):
                    oy, ox = yy * stride[0] + ky * dilation[0], xx * stride[1] + kx * dilation[1]
                    full[:, oy, ox, :] += x[:, yy, xx, :] @ w[:, ky, kx, :].T
    out = full[:, pads[0] : pads[0] + out_hw[0], pads[2] : pads[2] + out_hw[1], :] + b
    return np.clip(out, act[0], act[1])


@pytest.mark.parametrize(
    "stride,dilation,pads,extra",
    [
        ((2, 2), (1, 1), (1, 1, 1, 1), (1, 1)),
        ((1, 2), (1, 1), (0, 0, 0, 0), (0, 0)),
        ((2, 1), (2, 1), (1, 0, 0, 1), (0, 1)),
    ],
)
def test_transpose_conv2d_f32(stride, dilation, pads, extra, tmp_path):
    rng = np.random.default_rng(2)
    x = rng.normal(size=(1, 3, 4, 2)).astype(np.float32)
    w = rng.normal(size=(3, 3, 2, 2)).astype(np.float32)
    b = rng.normal(size=3).astype(np.float32)
    out_h = (3 - 1) * stride[0] + (3 - 1) * dilation[0] + 1 - pads[0] - pads[1] + extra[0]
    out_w = (4 - 1) * stride[1] + (2 - 1) * dilation[1] + 1 - pads[2] - pads[3] + extra[1]
    act = (-0.5, 2.0)
    expected = _transpose_conv_reference(
        x.astype(np.float64), w.astype(np.float64), b, stride, dilation, pads, (out_h, out_w), act
    )
    size = out_h * out_w * 3
    body = (
        _c_array("x", "float", x)
        + _c_array("w", "float", w)
        + _c_array("b", "float", b)
        + f"""
int main(void) {{
    float y[{size}];
    const stai_conv_params_f32 p = {{{{{stride[1]}, {stride[0]}}}, {{{pads[2]}, {pads[0]}}},
                                    {{{dilation[1]}, {dilation[0]}}}, -0.5f, 2.0f}};
    const cmsis_nn_dims xd = {{1, 3, 4, 2}}, wd = {{3, 3, 2, 2}}, bd = {{1, 1, 1, 3}};
    const cmsis_nn_dims yd = {{1, {out_h}, {out_w}, 3}};
    if (stai_transpose_conv2d_f32(&p, &xd, x, &wd, w, &bd, b, &yd, y) != ARM_CMSIS_NN_SUCCESS) return 1;
    for (int i = 0; i < {size}; ++i) printf("%.9g\\n", y[i]);
    return 0;
}}
"""
    )
    got = np.array(_run(tmp_path, body, ["stai_transpose_conv2d_f32.c"])).reshape(expected.shape)
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5)
