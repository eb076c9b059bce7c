"""``convert-buf-to-c``: every kernel's call builds and runs; bad input is a one-line error."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from xdsl.dialects.builtin import DenseArrayBase, ModuleOp, f32
from xdsl.parser import Parser
from xdsl.utils.arg_spec import ArgSpec

from stai.dialects import c, qnn
from stai.emitc.folder import write_folder
from stai.emitc.printer import print_module
from stai.errors import StaiError
from stai.lowering.convert_buf_to_c import ConvertBufToCPass

ALL_KERNELS = (
    Path(__file__).resolve().parents[1] / "filecheck" / "lowering" / "convert-buf-to-c-kernels.mlir"
)
SMALL = """
buf.const @w dense<1> : memref<2x4xi8> {alignment = 4 : i64}
buf.const @b dense<0> : memref<2xi32> {alignment = 4 : i64}
func.func @main() attributes {buf.inputs = ["x"], buf.outputs = ["y"]} {
  %a = buf.arena {size = 32 : i64, alignment = 16 : i64} : memref<32xi8>
  %x = buf.view %a[0] {role = "input", index = 0 : i64} : memref<32xi8> -> memref<1x4xi8>
  %w = buf.get_const @w : memref<2x4xi8>
  %b = buf.get_const @b : memref<2xi32>
  %y = buf.view %a[16] {role = "output", index = 0 : i64} : memref<32xi8> -> memref<1x2xi8>
  qnn.fully_connected ins(%x, %w, %b : memref<1x4xi8>, memref<2x4xi8>, memref<2xi32>) outs(%y : memref<1x2xi8>) {act = array<i32: -128, 127>, params = #qnn.fully_connected_s8<input_offset = 1, filter_offset = 0, output_offset = 0, multipliers = array<i32: 1073741824>, shifts = array<i32: 0>>}
  func.return
}
"""


def _parse(text: str) -> ModuleOp:
    from stai.compiler.driver import make_context

    return Parser(make_context(), text).parse_module()


def _lower(module: ModuleOp, name: str = "network") -> ModuleOp:
    from stai.compiler.driver import make_context

    ConvertBufToCPass(network=name).apply(make_context(), module)
    module.verify()
    return module


HARNESS = r"""
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include "network.h"

static float arena_storage[STAI_NETWORK_ACTIVATIONS_SIZE / 4 + 4];

int main(void)
{
    uint8_t *arena = (uint8_t *)arena_storage;
    arena += (16 - ((uintptr_t)arena & 15)) & 15;
    if (stai_network_init(arena) != 0) return 20;
    int8_t *x = (int8_t *)stai_network_input_ptr(0);
    for (size_t i = 0; i < stai_network_input_size(0); i++) x[i] = (int8_t)(i * 37 % 256 - 128);
    float *xf = (float *)stai_network_input_ptr(1);
    for (size_t i = 0; i < stai_network_input_size(1) / 4; i++) xf[i] = (float)i * 0.25f - 3.0f;
    int status = stai_network_run();
    if (status != 0) return status;
    const int8_t *probs = (const int8_t *)stai_network_output_ptr(0);
    const float *deq = (const float *)stai_network_output_ptr(1);
    const int8_t *qf = (const int8_t *)stai_network_output_ptr(2);
    const float *sm = (const float *)stai_network_output_ptr(3);
    for (int i = 0; i < 3; i++) printf("%d %.9g\n", probs[i], deq[i]);
    printf("%d %d\n", qf[0], qf[1]);
    printf("%.9g %.9g %.9g %.9g\n", sm[0], sm[1], sm[2], sm[3]);
    return 0;
}
"""


def test_every_kernel_builds_and_runs_clean_under_sanitizers(tmp_path: Path) -> None:
    cc = shutil.which("gcc")
    assert cc is not None, "gcc is required (apt-get install gcc)"
    module = _lower(_parse(ALL_KERNELS.read_text()))
    folder = write_folder(module, tmp_path / "gen", "network")
    (tmp_path / "main.c").write_text(HARNESS)
    sources = [str(p) for p in [*folder.glob("*.c"), *(folder / "src").glob("*.c")]]
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
    )
    assert build.returncode == 0, build.stderr
    proc = subprocess.run([str(tmp_path / "main")], capture_output=True, text=True)
    assert proc.returncode == 0, f"status {proc.returncode}\n{proc.stderr}"
    lines = proc.stdout.splitlines()
    probs = np.array([int(line.split()[0]) for line in lines[:3]])
    deq = np.array([float(line.split()[1]) for line in lines[:3]], dtype=np.float32)
    # the int8 softmax output (scale 1/256, zero point -128) and its dequantization
    assert abs(int((probs + 128).sum()) - 256) <= 3
    np.testing.assert_array_equal(deq, ((probs + 128) * np.float32(1 / 256)).astype(np.float32))
    sm = np.array([float(v) for v in lines[4].split()])
    assert abs(sm.sum() - 1.0) < 1e-6 and np.all(sm > 0)


def test_the_name_option_and_its_alias() -> None:
    assert ConvertBufToCPass.name == "convert-buf-to-c"
    p = ConvertBufToCPass.from_spec(ArgSpec("convert-buf-to-c", {"name": ["kws"]}))
    assert p.network == "kws"
    texts = print_module(_lower(_parse(SMALL), "kws"))
    assert sorted(texts) == ["kws.c", "kws.h", "kws_data.c", "kws_data.h"]
    assert "int stai_kws_run(void);" in texts["kws.h"]
    assert "#define STAI_KWS_ACTIVATIONS_SIZE 32" in texts["kws.h"]


def test_non_finite_clamp_values_use_math_h() -> None:
    module = _parse(ALL_KERNELS.read_text())
    div = next(op for op in module.walk() if isinstance(op, qnn.DivOp))
    div.act = DenseArrayBase.from_list(f32, [float("-inf"), float("inf")])
    text = print_module(_lower(module))["network.c"]
    assert "#include <math.h>" in text
    assert "-INFINITY,\n" in text and "INFINITY) != ARM_CMSIS_NN_SUCCESS" in text


def test_no_mutable_global_but_the_arena() -> None:
    module = _lower(_parse(SMALL))
    globals_ = [op for op in module.walk() if isinstance(op, c.GlobalOp)]
    assert [g.sym_name.data for g in globals_] == ["stai_network_arena"]
    arrays = [op for op in module.walk() if isinstance(op, c.ArrayOp)]
    assert arrays and all(a.is_const is not None for a in arrays)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (
            lambda t: t.replace(
                "qnn.fully_connected ins", "arith.constant 0 : i32\n  qnn.fully_connected ins"
            ),
            "cannot be lowered to C",
        ),
        (
            lambda t: t.replace('{role = "output", index = 0 : i64}', '{role = "tensor"}'),
            "expected output views with indices 0..0",
        ),
        (
            lambda t: t.replace(
                "%a = buf.arena",
                "%a2 = buf.arena {size = 8 : i64, alignment = 16 : i64} : memref<8xi8>\n  %a = buf.arena",
            ),
            "one buf.arena",
        ),
        (lambda t: t.replace('buf.inputs = ["x"], ', ""), "expected one buffer-form function"),
    ],
)
def test_bad_input_is_a_one_line_error(edit, message: str) -> None:  # type: ignore[no-untyped-def]
    text = edit(SMALL)
    if "buf.inputs" not in text:
        text = text.replace('attributes {buf.outputs = ["y"]}', "")
    with pytest.raises(StaiError, match=message) as info:
        _lower(_parse(text))
    assert "\n" not in str(info.value)


def test_int8_leaky_relu_and_hard_swish_calls_compile_and_run(tmp_path: Path) -> None:
    """The int8 activations whose parameters quant_math computes (the parser does not
    verify, so the qnn ops can carry them before the qnn dialect accepts int8 for them)."""
    from stai.lowering import quant_math as qm

    lr = qm.leaky_relu_params_s8(0.2, 0.05, 3, 0.04, -2)
    hs = qm.hard_swish_params_s8(0.05, 3, 0.04, -2)
    lr_params = ", ".join(f"{k} = {v}" for k, v in vars(lr).items())
    hs_params = ", ".join(f"{k} = {v}" for k, v in vars(hs).items())
    text = f"""
func.func @main() attributes {{buf.inputs = ["x"], buf.outputs = ["y"]}} {{
  %a = buf.arena {{size = 48 : i64, alignment = 16 : i64}} : memref<48xi8>
  %x = buf.view %a[0] {{role = "input", index = 0 : i64}} : memref<48xi8> -> memref<1x16xi8>
  %t = buf.view %a[16] {{role = "tensor"}} : memref<48xi8> -> memref<1x16xi8>
  qnn.leaky_relu ins(%x : memref<1x16xi8>) outs(%t : memref<1x16xi8>) {{params = #qnn.leaky_relu_s8<{lr_params}>}}
  %y = buf.view %a[32] {{role = "output", index = 0 : i64}} : memref<48xi8> -> memref<1x16xi8>
  qnn.hard_swish ins(%t : memref<1x16xi8>) outs(%y : memref<1x16xi8>) {{params = #qnn.hard_swish_s8<{hs_params}>}}
  func.return
}}
"""
    texts = print_module(_lower(_parse(text)))
    assert (
        "stai_leaky_relu_s8(" in texts["network.c"] and "stai_hard_swish_s8(" in texts["network.c"]
    )
    cc = shutil.which("gcc")
    assert cc is not None, "gcc is required (apt-get install gcc)"
    folder = write_folder(_lower(_parse(text)), tmp_path / "gen", "network")
    (tmp_path / "main.c").write_text(
        '#include <stdint.h>\n#include "network.h"\n'
        "static uint8_t arena[STAI_NETWORK_ACTIVATIONS_SIZE] __attribute__((aligned(16)));\n"
        "int main(void) {\n"
        "    if (stai_network_init(arena) != 0) return 20;\n"
        "    int8_t *x = (int8_t *)stai_network_input_ptr(0);\n"
        "    for (int i = 0; i < 16; i++) x[i] = (int8_t)(i * 16 - 128);\n"
        "    return stai_network_run();\n}\n"
    )
    sources = [str(p) for p in [*folder.glob("*.c"), *(folder / "src").glob("*.c")]]
    build = subprocess.run(
        [
            cc,
            "-std=c99",
            "-Wall",
            "-Wextra",
            "-Werror",
            "-fsanitize=address,undefined",
            "-fno-sanitize-recover=all",
            f"-I{folder}",
            f"-I{folder}/include",
            f"-I{folder}/include/cmsis",
            "main.c",
            *sources,
            "-o",
            "main",
            "-lm",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert build.returncode == 0, build.stderr
    run = subprocess.run([str(tmp_path / "main")], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr


def test_every_qnn_op_has_an_emitter() -> None:
    """Each op of the ``qnn`` dialect has its C emitter in ``EMITTERS``."""
    from stai.dialects.qnn import QNN
    from stai.lowering.convert_buf_to_c import EMITTERS

    missing = [op.name for op in QNN.operations if op not in EMITTERS]
    assert missing == []
