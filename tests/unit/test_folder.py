"""The generated folder: files, runtime selection, Makefile, atomic writing, and that the
result compiles and runs."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from cmsis_tree import BROKEN_SOURCE, FLOAT_SOURCES, stand_in_cmsis_tree
from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.parser import Parser

from stai.dialects import c
from stai.emitc.folder import MARKER, called_functions, write_folder
from stai.errors import StaiError
from stai.lowering.convert_buf_to_c import ConvertBufToCPass
from stai.runtime import cmsis_nn_sources, manifest

# A conv with a scratch buffer, then a softmax writing the output: buffer form.
BUFFER_IR = """
buf.const @conv_weights dense<[[[[1, -1]]], [[[2, -2]]], [[[3, -3]]]]> : memref<3x1x1x2xi8> {alignment = 16 : i64}
buf.const @conv_bias dense<[10, 20, 30]> : memref<3xi32> {alignment = 4 : i64}
func.func @main() attributes {buf.inputs = ["in"], buf.outputs = ["probs"]} {
  %arena = buf.arena {size = 160 : i64, alignment = 16 : i64} : memref<160xi8>
  %x = buf.view %arena[128] {role = "input", index = 0 : i64} : memref<160xi8> -> memref<1x4x4x2xi8>
  %w = buf.get_const @conv_weights : memref<3x1x1x2xi8>
  %b = buf.get_const @conv_bias : memref<3xi32>
  %y = buf.view %arena[64] {role = "tensor"} : memref<160xi8> -> memref<1x2x2x3xi8>
  %s = buf.view %arena[0] {role = "scratch"} : memref<160xi8> -> memref<16xi8>
  qnn.conv2d ins(%x, %w, %b : memref<1x4x4x2xi8>, memref<3x1x1x2xi8>, memref<3xi32>) outs(%y : memref<1x2x2x3xi8>) scratch(%s : memref<16xi8>) {strides = array<i64: 2, 2>, pads = array<i64: 0, 1, 0, 1>, dilations = array<i64: 1, 1>, act = array<i32: -128, 127>, params = #qnn.conv_s8<input_offset = 3, output_offset = -1, multipliers = array<i32: 1073741824, 1518500250, 2147483647>, shifts = array<i32: -1, -2, -3>>}
  %p = buf.view %arena[0] {role = "output", index = 0 : i64} : memref<160xi8> -> memref<4x3xi8>
  %r = buf.view %arena[64] {role = "tensor"} : memref<160xi8> -> memref<4x3xi8>
  qnn.softmax ins(%r : memref<4x3xi8>) outs(%p : memref<4x3xi8>) {params = #qnn.softmax_s8<multiplier = 1073741824, shift = 23, diff_min = -248>}
  func.return
}
"""

NAME = "tiny"
STRICT = ["-std=c99", "-Wall", "-Wextra", "-Werror"]


def _context() -> Context:
    from stai.compiler.driver import make_context

    return make_context()


def _c_module(name: str = NAME) -> ModuleOp:
    ctx = _context()
    module = Parser(ctx, BUFFER_IR).parse_module()
    ConvertBufToCPass(network=name).apply(ctx, module)
    module.verify()
    return module


def _gcc() -> str:
    cc = shutil.which("gcc")
    assert cc is not None, "gcc is required to build generated folders (apt-get install gcc)"
    return cc


def _run(cmd: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    assert proc.returncode == 0, f"{' '.join(cmd)}\n{proc.stdout}\n{proc.stderr}"
    return proc


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("gen") / "tiny"
    write_folder(_c_module(), out, NAME)
    return out


def test_layout(folder: Path) -> None:
    assert sorted(p.name for p in folder.iterdir()) == [
        "Makefile",
        "include",
        "src",
        "tiny.c",
        "tiny.h",
        "tiny_data.c",
        "tiny_data.h",
    ]
    cmsis = sorted(p.name for p in (folder / "include" / "cmsis").iterdir())
    assert cmsis == sorted(h.name for h in manifest.headers() if h.name.startswith("arm_"))
    own = sorted(p.name for p in (folder / "include").glob("*.h"))
    assert own == sorted(h.name for h in manifest.headers() if not h.name.startswith("arm_"))
    assert (folder / "Makefile").read_text().startswith(MARKER)


def test_only_the_needed_runtime_sources(folder: Path) -> None:
    calls = called_functions(_c_module())
    assert calls == {"arm_convolve_wrapper_s8", "arm_softmax_s8"}
    wanted = sorted(p.name for p in manifest.sources_for(calls))
    assert sorted(p.name for p in (folder / "src").iterdir()) == wanted
    assert not any(name.startswith("stai_") for name in wanted)


def test_every_source_compiles_strictly(folder: Path, tmp_path: Path) -> None:
    cc = _gcc()
    sources = [*folder.glob("*.c"), *(folder / "src").glob("*.c")]
    assert len(sources) >= 4
    for source in sources:
        _run(
            [
                cc,
                *STRICT,
                "-I.",
                "-Iinclude",
                "-Iinclude/cmsis",
                "-c",
                str(source),
                "-o",
                str(tmp_path / (source.stem + ".o")),
            ],
            folder,
        )


def test_makefile_builds_the_library(folder: Path, tmp_path: Path) -> None:
    assert shutil.which("make") is not None, "make is required (apt-get install make)"
    work = tmp_path / "copy"
    shutil.copytree(folder, work)
    _run(["make", "CFLAGS=" + " ".join([*STRICT, "-O2"])], work)
    assert (work / f"lib{NAME}.a").is_file()
    archive = _run(["ar", "t", f"lib{NAME}.a"], work).stdout.split()
    assert "tiny.o" in archive and "arm_convolve_s8.o" in archive


def test_makefile_with_cmsis_nn_path_uses_the_real_library(folder: Path, tmp_path: Path) -> None:
    fake = tmp_path / "CMSIS-NN"
    (fake / "Include").mkdir(parents=True)
    (fake / "Include" / "arm_nnfunctions.h").write_text("/* the real API */\n")
    (fake / "Source" / "ConvolutionFunctions").mkdir(parents=True)
    (fake / "Source" / "ConvolutionFunctions" / "arm_convolve_s8.c").write_text("int x;\n")
    dry = _run(["make", "-n", f"CMSIS_NN_PATH={fake}"], folder).stdout
    assert f"-I{fake}/Include" in dry
    assert "include/cmsis" not in dry
    assert f"{fake}/Source/ConvolutionFunctions/arm_convolve_s8.c" in dry
    assert "src/arm_" not in dry
    missing = subprocess.run(
        ["make", "-n", f"CMSIS_NN_PATH={tmp_path / 'nowhere'}"],
        cwd=folder,
        capture_output=True,
        text=True,
    )
    assert missing.returncode != 0 and "holds no Include/arm_nnfunctions.h" in missing.stderr
    # whatever the environment says, the portable build
    portable = _run(["make", "-n", "CMSIS_NN_PATH="], folder).stdout
    assert "-Iinclude/cmsis" in portable and "src/arm_convolve_s8.c" in portable


def test_cmsis_nn_table_places_every_portable_api_function() -> None:
    """Every function of stai's portable CMSIS-NN-API sources has its CMSIS-NN source in
    the table, and every source the table names resolves what it calls."""
    portable = {
        function
        for name, info in manifest.sources().items()
        if name.startswith("arm_")
        for function in info.provides
    }
    assert portable and all(cmsis_nn_sources.provides(f) for f in portable)
    everything = cmsis_nn_sources.sources_for(portable)
    assert everything == sorted(s.path for s in cmsis_nn_sources.SOURCES)
    with pytest.raises(RuntimeError, match="no_such_kernel"):
        cmsis_nn_sources.sources_for({"no_such_kernel"})


def test_makefile_lists_the_cmsis_nn_sources_the_calls_need(folder: Path) -> None:
    """The conv wrapper and softmax: their files and, transitively, what they call (the
    matrix kernel two calls down, softmax's common part), nothing else."""
    listed = _cmsis_nn_srcs(folder)
    assert listed == cmsis_nn_sources.sources_for({"arm_convolve_wrapper_s8", "arm_softmax_s8"})
    assert "ConvolutionFunctions/arm_convolve_wrapper_s8.c" in listed
    assert "NNSupportFunctions/arm_nn_mat_mult_nt_t_s8.c" in listed
    assert "SoftmaxFunctions/arm_nn_softmax_common_s8.c" in listed
    assert not any(p.startswith(("Pooling", "FullyConnected", "BasicMath")) for p in listed)
    assert not any(p.endswith(("_f16.c", "_f32.c")) for p in listed)


def _cmsis_nn_srcs(folder: Path) -> list[str]:
    """The value of ``CMSIS_NN_SRCS`` in a generated Makefile, as make sees it."""
    show = "--eval=stai-show-cmsis: ; @echo $(CMSIS_NN_SRCS)"
    return _run(["make", "-s", show, "stai-show-cmsis"], folder).stdout.split()


def test_stand_in_tree_traps_fail_to_compile(tmp_path: Path) -> None:
    """The stand-in tree's float sources need their switch and its unneeded source never
    compiles, so a build that succeeds against it did not compile them."""
    tree = stand_in_cmsis_tree(tmp_path / "CMSIS-NN")
    cc = _gcc()

    def compiles(path: str, *flags: str) -> bool:
        source = tree / "Source" / path
        cmd = [cc, *STRICT, *flags, "-c", str(source), "-o", str(tmp_path / "x.o")]
        return subprocess.run(cmd, capture_output=True).returncode == 0

    for path, switch in FLOAT_SOURCES.items():
        assert not compiles(path) and compiles(path, f"-D{switch}=1")
    assert not compiles(BROKEN_SOURCE)


@pytest.mark.parametrize("layout", ["main", "v7"])
def test_cmsis_nn_build_compiles_only_what_the_calls_need(
    folder: Path, tmp_path: Path, layout: str
) -> None:
    """Against a stand-in tree of CMSIS-NN main (float16/float32 sources that do not
    compile without their switches, an unneeded source that never compiles) and of v7.0:
    the library holds exactly the generated code and the listed CMSIS-NN files, and it
    links with every dependency it needs."""
    tree = stand_in_cmsis_tree(tmp_path / "CMSIS-NN", layout)
    work = tmp_path / "copy"
    shutil.copytree(folder, work)
    flags = "CFLAGS=" + " ".join([*STRICT, "-O2", "-fPIC"])
    _run(["make", f"CMSIS_NN_PATH={tree}", flags], work)
    archive = sorted(_run(["ar", "t", f"lib{NAME}.a"], work).stdout.split())
    wanted = [Path(p).stem + ".o" for p in _cmsis_nn_srcs(work)]
    assert archive == sorted([f"{NAME}.o", f"{NAME}_data.o", *wanted])
    _load(work, tmp_path / "lib.so")


def _load(folder: Path, shared: Path) -> None:
    """Link a folder's library into a shared object and load it (every symbol bound)."""
    import ctypes

    archive = folder / f"lib{NAME}.a"
    cmd = [_gcc(), "-shared", "-o", str(shared), "-Wl,--whole-archive", str(archive)]
    _run([*cmd, "-Wl,--no-whole-archive", "-lm"], folder)
    ctypes.CDLL(str(shared))


def test_cmsis_nn_build_skips_a_file_the_checkout_lacks(folder: Path, tmp_path: Path) -> None:
    """A listed file the checkout lacks (another CMSIS-NN version) is skipped, not a 'No
    rule to make target'; when the network needs it, the link names it."""
    lacking = "NNSupportFunctions/arm_nn_mat_mult_nt_t_s8.c"
    assert lacking in _cmsis_nn_srcs(folder)
    tree = stand_in_cmsis_tree(tmp_path / "CMSIS-NN", missing=[lacking])
    work = tmp_path / "copy"
    shutil.copytree(folder, work)
    _run(["make", f"CMSIS_NN_PATH={tree}", "CFLAGS=" + " ".join([*STRICT, "-O2", "-fPIC"])], work)
    assert "arm_nn_mat_mult_nt_t_s8.o" not in _run(["ar", "t", f"lib{NAME}.a"], work).stdout
    with pytest.raises(OSError, match="stai_stand_in_arm_nn_mat_mult_nt_t_s8"):
        _load(work, tmp_path / "lib.so")


HARNESS = r"""
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "tiny.h"

static uint8_t arena[STAI_TINY_ACTIVATIONS_SIZE + 16] __attribute__((aligned(16)));

int main(void)
{
    if (stai_tiny_run() != -1) return 10;
    if (stai_tiny_input_ptr(0) != NULL) return 11;
    if (stai_tiny_init(NULL) == 0) return 12;
    if (stai_tiny_init(arena + 1) == 0) return 13;
    if (stai_tiny_init(arena) != 0) return 14;
    if (stai_tiny_input_ptr(1) != NULL || stai_tiny_input_ptr(-1) != NULL) return 15;
    if (stai_tiny_output_size(1) != 0) return 16;
    if (stai_tiny_input_size(0) != STAI_TINY_IN_0_SIZE || STAI_TINY_IN_0_SIZE != 32) return 17;
    if (stai_tiny_output_size(0) != 12 || STAI_TINY_IN_NUM != 1 || STAI_TINY_OUT_NUM != 1) return 18;
    int8_t *in = (int8_t *)stai_tiny_input_ptr(0);
    for (int i = 0; i < 32; i++) in[i] = (int8_t)(i * 7 - 100);
    if (stai_tiny_run() != 0) return 19;
    const int8_t *out = (const int8_t *)stai_tiny_output_ptr(0);
    for (int i = 0; i < 12; i++) printf("%d ", out[i]);
    printf("\n");
    return 0;
}
"""


def test_generated_code_runs_clean_under_sanitizers(folder: Path, tmp_path: Path) -> None:
    cc = _gcc()
    (tmp_path / "main.c").write_text(HARNESS)
    sources = [str(p) for p in [*folder.glob("*.c"), *(folder / "src").glob("*.c")]]
    exe = tmp_path / "main"
    _run(
        [
            cc,
            *STRICT,
            "-g",
            "-fsanitize=address,undefined",
            "-fno-sanitize-recover=all",
            f"-I{folder}",
            f"-I{folder}/include",
            f"-I{folder}/include/cmsis",
            "main.c",
            *sources,
            "-o",
            str(exe),
            "-lm",
        ],
        tmp_path,
    )
    out = _run([str(exe)], tmp_path).stdout.split()
    probs = np.array([int(v) for v in out])
    assert probs.shape == (12,)
    # softmax rows of 3 in 1/256 units (zero point -128): each row sums to about 256
    assert np.all(np.abs((probs.reshape(4, 3) + 128).sum(axis=1) - 256) <= 3)


def test_an_error_leaves_no_folder(tmp_path: Path) -> None:
    module = _c_module()
    run = next(
        op
        for op in module.walk()
        if isinstance(op, c.FuncOp) and op.sym_name.data == "stai_tiny_run" and op.body.blocks
    )
    first_call = next(op for op in run.walk() if isinstance(op, c.CallOp))
    first_call.properties["callee"] = c.StringAttr("no_such_kernel")
    with pytest.raises(StaiError, match="no_such_kernel"):
        write_folder(module, tmp_path / "out", NAME)
    assert list(tmp_path.iterdir()) == []


def test_replaces_a_generated_folder_but_not_other_folders(tmp_path: Path) -> None:
    module = _c_module()
    out = tmp_path / "out"
    write_folder(module, out, NAME)
    (out / "stale.txt").write_text("old")
    write_folder(module, out, NAME, extra_files={"tiny.json": "{}\n"})
    assert not (out / "stale.txt").exists() and (out / "tiny.json").read_text() == "{}\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep")
    with pytest.raises(StaiError, match="not generated by stai"):
        write_folder(module, mine, NAME)
    assert (mine / "notes.txt").read_text() == "keep"


def test_bad_network_name() -> None:
    with pytest.raises(StaiError, match="not a C identifier"):
        _c_module("bad-name")


def test_real_model_is_bit_exact_with_tflm(
    shared_model_path: Callable[[str], Path], tmp_path: Path
) -> None:
    """The whole pipeline on the keyword-spotting model, run on the host, against TFLM."""
    from stai.compiler.driver import generate
    from stai.runtime.runner import CModel
    from stai.tools.reference import run_tflm

    model = shared_model_path("kws_int8")
    generate(model, tmp_path / "kws", "kws")
    net = CModel(tmp_path / "kws", "kws")
    rng = np.random.default_rng(7)
    for _ in range(3):
        x = rng.integers(-128, 128, size=(1, 49, 10, 1), dtype=np.int8)
        (got,) = net.run([x])
        (want,) = run_tflm(model, [x])
        np.testing.assert_array_equal(got, want)
