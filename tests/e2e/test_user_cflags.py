"""A generated folder builds with the user's own ``CFLAGS``, whatever optimisation level and
frame-pointer choice they hold (docs/target.md: the Makefile keeps what the kernels need
outside ``CFLAGS``).

stai's own kernels are ``static inline`` and some inner loops are GCC inline assembly that
needs many registers at once. A build with ``-Os`` or ``-fno-omit-frame-pointer`` (r7 is
then reserved) gives GCC fewer registers to allocate; such a build must still compile.
Each case runs the generated Makefile (``make CFLAGS=...``) for a Cortex-M target: what a
user does. ``make test`` builds a sample; ``STAI_CFLAGS_SWEEP=all`` (``make test-all``)
every model, target and flag set.
"""

from __future__ import annotations

import itertools
import os
import subprocess
from pathlib import Path

import pytest

from stai.boards.toolchain import cross_tool
from stai.compiler.driver import generate

MODELS = ("kws_int8", "vww_int8", "ic_int8", "ad_int8")
TARGETS = ("cortex-m4", "cortex-m7", "cortex-m55")
FLAGS = (
    "-O2",
    "-Os",
    "-O1",
    "-O3",
    "-Og",
    "-O2 -fno-omit-frame-pointer",
    "-Os -fno-omit-frame-pointer",
)

SAMPLE = {
    ("vww_int8", "cortex-m4", "-Os"),
    ("ic_int8", "cortex-m4", "-O2 -fno-omit-frame-pointer"),
    ("kws_int8", "cortex-m4", "-Os -fno-omit-frame-pointer"),
    ("ic_int8", "cortex-m55", "-Os -fno-omit-frame-pointer"),
    ("vww_int8", "cortex-m55", "-Og"),
}
"""The cases ``make test`` builds: the ones that found register-starved inline assembly."""

CASES = [
    case
    for case in itertools.product(MODELS, TARGETS, FLAGS)
    if os.environ.get("STAI_CFLAGS_SWEEP", "") == "all" or case in SAMPLE
]


@pytest.fixture(scope="module")
def folders(tmp_path_factory: pytest.TempPathFactory, shared_model_path):
    """Each (model, target)'s generated folder, generated once."""
    made: dict[tuple[str, str], Path] = {}

    def get(model: str, target: str) -> Path:
        if (model, target) not in made:
            out = tmp_path_factory.mktemp(f"{model}_{target}")
            generate(shared_model_path(model), out / "c", target=target)
            made[(model, target)] = out / "c"
        return made[(model, target)]

    return get


@pytest.mark.parametrize(("model", "target", "cflags"), CASES, ids=lambda v: str(v))
def test_the_generated_folder_builds_with_the_users_cflags(folders, model, target, cflags):
    folder = folders(model, target)
    cross_tool("gcc")  # a missing toolchain is a clear failure, not a make error
    build = subprocess.run(
        ["make", "-C", str(folder), "clean", "all", f"CFLAGS=-std=c99 -Wall -Wextra {cflags}"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert build.returncode == 0, build.stderr[-3000:]
    assert (folder / "libnetwork.a").is_file()
