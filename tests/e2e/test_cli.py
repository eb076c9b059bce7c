"""The `stai` command: what a user sees, including one-line errors on bad input."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

STAI = [sys.executable, "-m", "stai.cli.main"]


def run_stai(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*STAI, *args], capture_output=True, text=True)


def assert_one_line_error(proc: subprocess.CompletedProcess[str], *words: str) -> None:
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    for word in words:
        assert word in lines[0], lines[0]


def test_generate_writes_a_folder_that_builds(models_dir, tmp_path):
    out = tmp_path / "kws"
    model = models_dir / "mlperf_tiny/kws/kws_ref_model_int8.tflite"
    proc = run_stai("generate", "-m", str(model), "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    for name in ("network.c", "network.h", "network_data.c", "network_data.h", "Makefile"):
        assert (out / name).is_file(), name
    header = (out / "network.h").read_text()
    for symbol in (
        "STAI_NETWORK_ACTIVATIONS_SIZE",
        "STAI_NETWORK_IN_NUM",
        "STAI_NETWORK_OUT_NUM",
        "stai_network_init",
        "stai_network_input_ptr",
        "stai_network_input_size",
        "stai_network_output_ptr",
        "stai_network_output_size",
        "stai_network_run",
    ):
        assert symbol in header, symbol
    build = subprocess.run(
        ["make", "-C", str(out), "CFLAGS=-std=c99 -O1 -Wall -Wextra -Werror"],
        capture_output=True,
        text=True,
    )
    assert build.returncode == 0, build.stderr
    assert (out / "libnetwork.a").is_file()


def test_generate_custom_name_and_ir_printing(models_dir, tmp_path):
    out = tmp_path / "hw"
    model = models_dir / "tflm/hello_world/hello_world_int8.tflite"
    proc = run_stai(
        "generate", "-m", str(model), "-o", str(out), "-n", "sine", "--print-ir-after-all"
    )
    assert proc.returncode == 0, proc.stderr
    assert (out / "sine.h").is_file()
    assert "STAI_SINE_ACTIVATIONS_SIZE" in (out / "sine.h").read_text()
    for stage in ("import", "convert-nn-to-qnn", "convert-qnn-to-buf", "convert-buf-to-c"):
        assert f"IR after {stage}" in proc.stderr, stage


def test_missing_file(tmp_path):
    proc = run_stai("generate", "-m", str(tmp_path / "nope.tflite"), "-o", str(tmp_path / "o"))
    assert_one_line_error(proc, "not found", "nope.tflite")
    assert not (tmp_path / "o").exists()


def test_not_a_model(tmp_path):
    bad = tmp_path / "notes.tflite"
    bad.write_text("this is not a model\n" * 10)
    proc = run_stai("generate", "-m", str(bad), "-o", str(tmp_path / "o"))
    assert_one_line_error(proc, "notes.tflite")
    assert not (tmp_path / "o").exists()


def test_truncated_model(models_dir, tmp_path):
    data = (models_dir / "mlperf_tiny/kws/kws_ref_model_int8.tflite").read_bytes()
    bad = tmp_path / "truncated.tflite"
    bad.write_bytes(data[: len(data) // 3])
    proc = run_stai("generate", "-m", str(bad), "-o", str(tmp_path / "o"))
    assert_one_line_error(proc, "truncated.tflite")
    assert not (tmp_path / "o").exists()


def test_unknown_format(tmp_path):
    bad = tmp_path / "model.pb"
    bad.write_bytes(b"\x00" * 64)
    proc = run_stai("generate", "-m", str(bad), "-o", str(tmp_path / "o"))
    assert_one_line_error(proc, "unknown model format")


def test_bad_name(models_dir, tmp_path):
    model = models_dir / "tflm/hello_world/hello_world_int8.tflite"
    proc = run_stai("generate", "-m", str(model), "-o", str(tmp_path / "o"), "-n", "my-net")
    assert_one_line_error(proc, "invalid network name")


def test_usage_error_is_exit_2():
    proc = run_stai("generate")
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize("existing", [True, False])
def test_failed_generate_keeps_existing_folder(tmp_path, existing):
    out = tmp_path / "o"
    if existing:
        out.mkdir()
        (out / "keep.txt").write_text("mine")
    bad = tmp_path / "bad.tflite"
    bad.write_bytes(b"TFL3" + b"\x01" * 40)
    proc = run_stai("generate", "-m", str(bad), "-o", str(out))
    assert proc.returncode == 2
    assert (out / "keep.txt").exists() == existing


def _tflite_builder():
    """The small .tflite writer the lit tests use (tests/filecheck/.../Inputs)."""
    import importlib.util

    path = (
        Path(__file__).resolve().parents[1]
        / "filecheck"
        / "frontends"
        / "tflite"
        / "Inputs"
        / "tflite_builder.py"
    )
    spec = importlib.util.spec_from_file_location("stai_test_tflite_builder", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look themselves up there
    spec.loader.exec_module(module)
    return module


def test_unsupported_operator_is_named_with_its_index(tmp_path):
    import numpy as np

    builder = _tflite_builder()
    m = builder.ModelBuilder()
    x = m.tensor("input", (1, 4, 4, 2))
    y = m.tensor("relu_out", (1, 4, 4, 2))
    m.op("RELU", [x], [y])
    idx = m.tensor("indices", (1,), "INT32", data=np.array([0]))
    z = m.tensor("gathered", (1, 4, 4, 2))
    m.op("GATHER", [y, idx], [z])
    model = tmp_path / "gather.tflite"
    model.write_bytes(m.build([x], [z]))
    proc = run_stai("generate", "-m", str(model), "-o", str(tmp_path / "o"))
    assert_one_line_error(proc, "unsupported TFLite operator 'GATHER' (operator 1)")
    assert not (tmp_path / "o").exists()


def test_shape_stai_cannot_handle(tmp_path):
    """A 5-D pad has no kernel: a one-line error, no folder."""
    builder = _tflite_builder()
    m = builder.ModelBuilder()
    x = m.tensor("input", (1, 2, 2, 2, 2))
    y = m.tensor("output", (1, 2, 2, 2, 2))
    m.op("RELU", [x], [y])
    z = m.tensor("padded", (1, 4, 2, 2, 2))
    import numpy as np

    pads = m.tensor(
        "pads",
        (5, 2),
        "INT32",
        data=np.array([[0, 0], [1, 1], [0, 0], [0, 0], [0, 0]], dtype=np.int32),
    )
    m.op("PAD", [y, pads], [z])
    model = tmp_path / "pad5d.tflite"
    model.write_bytes(m.build([x], [z]))
    proc = run_stai("generate", "-m", str(model), "-o", str(tmp_path / "o"))
    assert proc.returncode == 2, proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "o").exists()
