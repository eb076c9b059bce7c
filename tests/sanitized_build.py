"""Build a generated folder with a test's ``main.c`` under -Werror and the address and
undefined-behaviour sanitizers, run it and return what it printed; and the float harness
(every input filled with a fixed pattern, every output printed) with that pattern's inputs
for the reference."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

import numpy as np

SANITIZER_FLAGS = (
    "-std=c99",
    "-Wall",
    "-Wextra",
    "-Werror",
    "-g",
    "-fsanitize=address,undefined",
    "-fno-sanitize-recover=all",
)

# Input k, element i: ((i + 5 k) % 13) * 0.25 - 1.5 (float_pattern_inputs computes the same).
FLOAT_HARNESS = r"""
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


def run_sanitized(folder: Path, harness: str, work: Path, defines: Sequence[str] = ()) -> str:
    """Compile ``harness`` as ``work/main.c`` with every C file of the generated ``folder``
    (and ``-D`` each of ``defines``), run it; assert the build and the run succeed and
    return the run's standard output."""
    cc = shutil.which("gcc")
    assert cc is not None, "gcc is required (apt-get install gcc)"
    (work / "main.c").write_text(harness)
    sources = [str(p) for p in [*folder.glob("*.c"), *(folder / "src").glob("*.c")]]
    includes = [f"-I{folder}", f"-I{folder}/include", f"-I{folder}/include/cmsis"]
    flags = [*SANITIZER_FLAGS, *(f"-D{d}" for d in defines)]
    build = subprocess.run(
        [cc, *flags, *includes, "main.c", *sources, "-o", "main", "-lm"],
        cwd=work,
        capture_output=True,
        text=True,
        check=False,
    )
    assert build.returncode == 0, build.stderr
    proc = subprocess.run([str(work / "main")], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, f"status {proc.returncode}\n{proc.stderr}"
    return proc.stdout


def float_pattern_inputs(shapes: Sequence[tuple[int, ...]]) -> list[np.ndarray]:
    """The inputs ``FLOAT_HARNESS`` writes, one array of each shape."""
    out = []
    for k, shape in enumerate(shapes):
        values = ((np.arange(int(np.prod(shape))) + 5 * k) % 13) * 0.25 - 1.5
        out.append(values.astype(np.float32).reshape(shape))
    return out
