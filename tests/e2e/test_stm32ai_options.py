"""stm32ai / stedgeai habits: ST's spellings of what stai does are accepted, look-alikes
whose meaning differs are refused with one line naming stai's option, and ``--c-prefix``
renames the generated API so that two folders of one network link into one program."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from stai.cli.common import REFUSED
from stai.cli.main import build_parser, main

STAI = [sys.executable, "-m", "stai.cli.main"]
KWS = "mlperf_tiny/kws/kws_ref_model_int8.tflite"
KWS_INPUT = "mlperf_tiny/kws/kws_sample_input_int8_49x10.bin"


def run_stai(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*STAI, *args], capture_output=True, text=True)


def one_line_usage_error(capsys: pytest.CaptureFixture[str], argv: list[str], *words: str) -> str:
    """``main(argv)`` exits 2 with one line on stderr holding ``words``."""
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    _out, err = capsys.readouterr()
    assert exit_info.value.code == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    for word in words:
        assert word in lines[0], lines[0]
    return lines[0]


def parse(*argv: str):
    return build_parser().parse_args(list(argv))


# ------------------------------------------------------------------ accepted spellings


@pytest.mark.parametrize("command", ["generate", "analyze", "validate"])
@pytest.mark.parametrize("level", ["low", "medium", "high", "LOW"])
def test_c_takes_a_compression_level(command: str, level: str) -> None:
    args = parse(command, "-m", "m.tflite", "-o", "o", "-c", level)
    assert args.compression_level == level.lower()
    assert args.compress is None
    args = parse(command, "-m", "m.tflite", "-o", "o", "--compression", level)
    assert args.compression_level == level.lower()


def test_c_none_and_factors_keep_their_meaning() -> None:
    args = parse("generate", "-m", "m.tflite", "-o", "o", "-c", "none")
    assert args.compress is None and args.compression_level is None
    args = parse("generate", "-m", "m.tflite", "-o", "o", "--compression", "8")
    assert args.compress == "8" and args.compression_level is None


def test_c_level_and_compression_level_exclude_each_other(capsys) -> None:
    one_line_usage_error(
        capsys,
        ["generate", "-m", "m.tflite", "-o", "o", "-c", "low", "--compression-level", "high"],
        "not allowed with",
    )


def test_c_lossless_is_refused(capsys) -> None:
    one_line_usage_error(
        capsys,
        ["generate", "-m", "m.tflite", "-o", "o", "-c", "lossless"],
        "-c lossless",
        "no lossless",
        "-c 4|8",
    )


@pytest.mark.parametrize("command", ["generate", "analyze", "validate"])
def test_allocate_inputs_and_outputs_are_the_default(command: str) -> None:
    from stai.cli.common import compile_options

    args = parse(command, "-m", "m.tflite", "-o", "o", "--allocate-inputs", "--allocate-outputs")
    memory = compile_options(args).memory
    assert memory.allocate_inputs and memory.allocate_outputs
    args = parse(
        command, "-m", "m.tflite", "-o", "o", "--no-inputs-allocation", "--allocate-outputs"
    )
    memory = compile_options(args).memory
    assert not memory.allocate_inputs and memory.allocate_outputs


def test_allocate_inputs_contradicting_no_inputs_allocation_is_refused(capsys) -> None:
    one_line_usage_error(
        capsys,
        ["generate", "-m", "m.tflite", "-o", "o", "--allocate-inputs", "--no-inputs-allocation"],
        "--no-inputs-allocation",
        "--allocate-inputs",
    )


def test_verbosity_workspace_batches_mode_parse() -> None:
    args = parse("validate", "-m", "m.tflite", "-v", "2", "-w", "ws", "--batches", "7")
    assert (args.verbosity, args.workspace, args.batch_size) == (2, "ws", 7)
    args = parse("validate", "-m", "m.tflite", "--mode", "target", "--no-workspace", "--quiet")
    assert args.mode == "target" and args.no_workspace and args.quiet
    args = parse("validate", "-m", "m.tflite", "-vi", "x.npy", "-vo", "y.npy")
    assert (args.valinput, args.valoutput, args.verbosity) == ("x.npy", "y.npy", 1)


def test_tools_version_with_underscore() -> None:
    dash = run_stai("--tools-version")
    underscore = run_stai("--tools_version")
    assert dash.returncode == underscore.returncode == 0, underscore.stderr
    assert underscore.stdout.splitlines()[0] == dash.stdout.splitlines()[0]
    assert underscore.stdout.startswith("stai ")


def test_quiet_and_workspace_on_a_real_generate(models_dir: Path, tmp_path: Path) -> None:
    """``--quiet`` and ``-v 0`` print nothing; ``-w`` takes the temporary files (a
    memory-pool linker script's flash probe) and is created when missing."""
    model = models_dir / KWS
    loud = run_stai("generate", "-m", str(model), "-o", str(tmp_path / "a"), "-v", "3")
    assert loud.returncode == 0 and "stai: wrote" in loud.stdout
    for flag in (["--quiet"], ["-v", "0"]):
        out = tmp_path / f"q{len(flag)}"
        workspace = tmp_path / f"ws{len(flag)}"
        proc = run_stai("generate", "-m", str(model), "-o", str(out), *flag, "-w", str(workspace))
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout == "" and proc.stderr == ""
        assert (out / "network.c").read_text() == (tmp_path / "a" / "network.c").read_text()
        assert workspace.is_dir()


# ------------------------------------------------------------------- refused look-alikes


@pytest.mark.parametrize("option", sorted(REFUSED))
def test_look_alikes_are_refused_naming_what_stai_does(capsys, option: str) -> None:
    line = one_line_usage_error(
        capsys, ["generate", "-m", "m.tflite", "-o", "o", option, "x"], option, "stedgeai"
    )
    assert line.endswith(REFUSED[option])


def test_look_alike_is_refused_by_validate_and_analyze_too(capsys) -> None:
    for command in ("analyze", "validate"):
        one_line_usage_error(
            capsys, [command, "-m", "m.tflite", "--series", "stm32h7"], "--series", "--target"
        )


@pytest.mark.parametrize(
    "device, hint",
    [("stm32h7", "--target cortex-m7"), ("stm32", "--target cortex-m7"),
     ("stm32f4", "--target cortex-m4"), ("stm32n6", "--target cortex-m55"),
     ("stm32u5", "stai targets host, cortex-m4")],
)  # fmt: skip
def test_stedgeai_device_as_target_names_the_core(capsys, device: str, hint: str) -> None:
    one_line_usage_error(
        capsys, ["generate", "-m", "m.tflite", "-o", "o", "--target", device], device, hint
    )


# ----------------------------------------------------------------------------- --c-prefix

MAIN_C = r"""
#include <stdio.h>
#include <string.h>
#include "plain/network.h"
#include "ours/network.h"

static uint8_t arena_a[STAI_NETWORK_ACTIVATIONS_SIZE] __attribute__((aligned(16)));
static uint8_t arena_b[OURS_NETWORK_ACTIVATIONS_SIZE] __attribute__((aligned(16)));

int main(int argc, char **argv)
{
    static int8_t input[STAI_NETWORK_IN_0_SIZE];
    FILE *f = fopen(argv[1], "rb");
    if (argc < 2 || f == NULL || fread(input, 1, sizeof input, f) != sizeof input) return 10;
    fclose(f);
    if (stai_network_init(arena_a) != 0 || ours_network_init(arena_b) != 0) return 11;
    memcpy(stai_network_input_ptr(0), input, sizeof input);
    memcpy(ours_network_input_ptr(0), input, sizeof input);
    if (stai_network_run() != 0 || ours_network_run() != 0) return 12;
    const int8_t *a = stai_network_output_ptr(0), *b = ours_network_output_ptr(0);
    for (size_t i = 0; i < OURS_NETWORK_OUT_0_SIZE; i++) printf("%d %d\n", a[i], b[i]);
    return 0;
}
"""


def _defined_symbols(archive: Path) -> set[str]:
    nm = subprocess.run(
        ["nm", "-g", "--defined-only", str(archive)], capture_output=True, text=True, check=True
    )
    return {line.split()[-1] for line in nm.stdout.splitlines() if line.count(" ") >= 2}


@pytest.mark.skipif(shutil.which("cc") is None or shutil.which("make") is None, reason="no cc")
def test_two_prefixes_of_one_network_link_into_one_program(
    models_dir: Path, tmp_path: Path
) -> None:
    model = models_dir / KWS
    plain, ours = tmp_path / "plain", tmp_path / "ours"
    for out, extra in ((plain, []), (ours, ["--c-prefix", "ours"])):
        proc = run_stai("generate", "-m", str(model), "-o", str(out), *extra)
        assert proc.returncode == 0, proc.stderr
        subprocess.run(["make", "-s", "-C", str(out)], check=True, capture_output=True)
    assert "c_prefix" not in (plain / "network.json").read_text()
    assert '"c_prefix": "ours"' in (ours / "network.json").read_text()

    symbols = _defined_symbols(ours / "libnetwork.a")
    assert {"ours_network_init", "ours_network_run", "ours_network_weights"} <= symbols
    own = {s for s in symbols if not s.startswith("arm_")}  # the runtime's kernels
    assert own and all(s.startswith("ours_network_") for s in own), sorted(own)
    assert not any(s.startswith(("stai_network", "network_")) for s in symbols)
    for header in ours.glob("*.h"):
        text = header.read_text()
        assert "STAI_NETWORK" not in text and "stai_network" not in text, header.name
    assert "stai_network_run" in _defined_symbols(plain / "libnetwork.a")

    (tmp_path / "main.c").write_text(MAIN_C)
    program = tmp_path / "both"
    subprocess.run(
        ["cc", "-std=c99", "-Wall", "-Werror", "-I", str(tmp_path), str(tmp_path / "main.c"),
         str(plain / "libnetwork.a"), str(ours / "libnetwork.a"), "-o", str(program)],
        check=True, capture_output=True,
    )  # fmt: skip
    run = subprocess.run(
        [str(program), str(models_dir / KWS_INPUT)], capture_output=True, text=True
    )
    assert run.returncode == 0, run.returncode
    pairs = np.array([[int(v) for v in line.split()] for line in run.stdout.splitlines()])
    assert pairs.shape == (12, 2)
    assert (pairs[:, 0] == pairs[:, 1]).all()
    assert len(set(pairs[:, 0])) > 1  # real scores, not a constant


def test_c_prefix_is_checked(capsys, models_dir: Path, tmp_path: Path) -> None:
    model = str(models_dir / KWS)
    for command in ("generate", "analyze", "validate"):
        one_line_usage_error(
            capsys, [command, "-m", model, "-o", str(tmp_path / "o"), "--c-prefix", "9lives"],
            "C prefix '9lives'",
        )  # fmt: skip
    assert not (tmp_path / "o").exists()


def test_binary_with_a_prefix_runs_bit_exact_with_the_default_folder(
    models_dir: Path, tmp_path: Path
) -> None:
    """``--binary --c-prefix acme``: the weights file of ``--binary``, bound by
    ``acme_network_init``; built and run on the host, the same outputs as the default
    folder's."""
    from stai.runtime.runner import CModel

    model = models_dir / KWS
    folders = {
        "plain": [],
        "binary": ["--binary"],
        "acme": ["--binary", "--c-prefix", "acme"],
    }
    for key, extra in folders.items():
        proc = run_stai("generate", "-m", str(model), "-o", str(tmp_path / key), *extra)
        assert proc.returncode == 0, proc.stderr
    acme = tmp_path / "acme"
    files = [(tmp_path / k / "network_weights.bin").read_bytes() for k in ("acme", "binary")]
    # the same payload; the headers differ by the structure hash (the names are code)
    assert files[0][32:] == files[1][32:] and files[0][8:12] != files[1][8:12]
    header = (acme / "network.h").read_text()
    assert "int acme_network_init(const void *weights, size_t size, void *activations);" in header
    assert "ACME_NETWORK_WEIGHTS_CRC32" in (acme / "network_data.h").read_text()
    for path in acme.glob("*.[ch]"):
        text = path.read_text()
        assert "stai_network" not in text and "STAI_NETWORK" not in text, path.name

    models = {key: CModel(tmp_path / key) for key in folders}
    assert models["acme"].stem == "acme_network"
    rng = np.random.default_rng(0)
    samples = [np.fromfile(models_dir / KWS_INPUT, np.int8)]
    samples += [rng.integers(-128, 128, 490, dtype=np.int8) for _ in range(3)]
    for sample in samples:
        data = sample.reshape(models["plain"].inputs[0]["shape"])
        outputs = {key: m.run([data])[0] for key, m in models.items()}
        assert len(set(outputs["plain"].ravel())) > 1  # real scores, not a constant
        for key in ("binary", "acme"):
            np.testing.assert_array_equal(outputs[key], outputs["plain"])


@pytest.mark.parametrize("mode", ["host", "target"])
def test_validate_runs_a_folder_with_another_prefix(
    capsys, mode: str, models_dir: Path, tmp_path: Path
) -> None:
    """``stai validate --c-prefix acme`` builds and runs ``acme_network_*`` (on the host,
    or on the emulated Cortex-M4 through the harness) bit-exact with the reference."""
    target = ["--mode", "target", "--target", "cortex-m4"] if mode == "target" else []
    out = tmp_path / "val"
    argv = ["validate", "-m", str(models_dir / KWS), "-o", str(out), "-b", "3", "--check"]
    with pytest.raises(SystemExit) as exit_info:
        main([*argv, "--c-prefix", "acme", *target])
    _out, err = capsys.readouterr()
    assert exit_info.value.code == 0, err
    assert '"c_prefix": "acme"' in (out / "c_model" / "network.json").read_text()
    assert "acme_network_run" in (out / "c_model" / "network.h").read_text()
    result = json.loads((out / "network_validate.json").read_text())
    assert result["mode"] == mode
    assert result["samples"] == 3
    assert result["check"]["passed"] is True
    [comparison] = result["results"]
    assert comparison["comparison"] == "C model vs reference"
    assert (comparison["bit_exact"], comparison["max_abs_lsb"]) == (3, 0)
