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
    m.op("HASHTABLE_LOOKUP", [y, idx], [z])
    model = tmp_path / "lookup.tflite"
    model.write_bytes(m.build([x], [z]))
    proc = run_stai("generate", "-m", str(model), "-o", str(tmp_path / "o"))
    assert_one_line_error(proc, "unsupported TFLite operator 'HASHTABLE_LOOKUP' (operator 1)")
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


# ------------------------------------------------- bad command lines: one line, exit 2

KWS = "mlperf_tiny/kws/kws_ref_model_int8.tflite"


@pytest.fixture
def kws(models_dir: Path) -> Path:
    return models_dir / KWS


def test_output_below_a_regular_file(kws, tmp_path):
    (tmp_path / "file").write_text("x")
    proc = run_stai("generate", "-m", str(kws), "-o", str(tmp_path / "file" / "out"))
    assert_one_line_error(proc, "is a file, so no folder can be made below it")
    proc = run_stai("generate", "-m", str(kws), "-o", str(tmp_path / "file"))
    assert_one_line_error(proc, "is a file, not a folder")
    assert (tmp_path / "file").read_text() == "x"


@pytest.mark.parametrize("command", ["analyze", "validate", "quantize"])
def test_other_commands_output_below_a_regular_file(kws, tmp_path, command):
    (tmp_path / "file").write_text("x")
    extra = ["-d", "random"] if command == "quantize" else []
    proc = run_stai(command, "-m", str(kws), "-o", str(tmp_path / "file" / "out"), *extra)
    assert_one_line_error(proc, "is a file, so no folder can be made below it")


def test_output_in_an_unwritable_folder(kws, tmp_path):
    """As a user without write access (root runs the command as 'nobody')."""
    import os
    import shutil
    import tempfile

    root = Path(tempfile.mkdtemp(dir="/tmp"))
    try:
        root.chmod(0o755)
        locked = root / "locked"
        locked.mkdir(mode=0o555)
        locked.chmod(0o555)
        prefix: list[str] = []
        if os.geteuid() == 0:
            setpriv = shutil.which("setpriv")
            assert setpriv, "running as root needs setpriv to drop to an unprivileged user"
            prefix = [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups"]
        proc = subprocess.run(
            [*prefix, *STAI, "generate", "-m", str(kws), "-o", str(locked / "out")],
            capture_output=True,
            text=True,
            cwd=root,
        )
        assert_one_line_error(proc, "cannot write in", "permission denied")
        assert list(locked.iterdir()) == []
    finally:
        shutil.rmtree(root, ignore_errors=True)


def test_output_on_a_read_only_file_system(kws):
    """A folder the process cannot create (sysfs refuses even root): one line."""
    proc = run_stai("generate", "-m", str(kws), "-o", "/sys/stai-out")
    assert_one_line_error(proc, "/sys/stai-out")


def _bad_arrays(tmp_path: Path) -> dict[str, Path]:
    import numpy as np

    files = {
        "corrupt.npz": b"PK\x03\x04 this is no zip archive",
        "truncated.npy": b"\x93NUMPY\x01\x00v\x00{'descr': '<f4', 'fortran_order'",
    }
    paths = {}
    for name, data in files.items():
        paths[name] = tmp_path / name
        paths[name].write_bytes(data)
    arrays = {
        "strings.npy": np.array(["yes", "no"]),
        "nan.npy": np.full((2, 49, 10, 1), np.nan, np.float32),
        "inf.npz": np.full((2, 49, 10, 1), np.inf, np.float32),
        "complex.npy": np.ones((2, 49, 10, 1), np.complex64),
    }
    for name, array in arrays.items():
        paths[name] = tmp_path / name
        if name.endswith(".npz"):
            np.savez(paths[name], input=array)
        else:
            np.save(paths[name], array)
    paths["nan.csv"] = tmp_path / "nan.csv"
    paths["nan.csv"].write_text("1,2,3\nnan,4,5\n")
    return paths


@pytest.mark.parametrize(
    "name, words",
    [
        ("corrupt.npz", ["not a readable .npy/.npz file"]),
        ("truncated.npy", ["not a readable .npy/.npz file"]),
        ("strings.npy", ["values, not numbers"]),
        ("nan.npy", ["NaN values"]),
        ("inf.npz", ["array 'input'", "infinite values"]),
    ],
)
def test_bad_calibration_data(kws, tmp_path, name, words):
    path = _bad_arrays(tmp_path)[name]
    out = tmp_path / "out"
    proc = run_stai("generate", "-m", str(kws), "-o", str(out), "-q", str(path))
    assert_one_line_error(proc, "-q/--quantize", name, *words)
    proc = run_stai("quantize", "-m", str(kws), "-d", str(path), "-o", str(out))
    assert_one_line_error(proc, "-d/--data", name, *words)
    assert not out.exists()


@pytest.mark.parametrize(
    "name, words",
    [
        ("complex.npy", ["complex numbers"]),
        ("nan.npy", ["NaN values"]),
        ("nan.csv", ["NaN values"]),
        ("corrupt.npz", ["not a readable"]),
        ("strings.npy", ["not numbers"]),
    ],
)
def test_bad_validation_data(kws, tmp_path, name, words):
    path = _bad_arrays(tmp_path)[name]
    for option in ("-vi", "-vo"):
        proc = run_stai("validate", "-m", str(kws), "-o", str(tmp_path / "v"), option, str(path))
        assert_one_line_error(proc, option, name, *words)
    assert not (tmp_path / "v").exists()


@pytest.mark.parametrize(
    "argv, words",
    [
        (["validate", "--seed", "-1"], ["--seed", "from 0 to", "-1"]),
        (["validate", "--seed", str(2**40)], ["--seed", str(2**40)]),
        (["validate", "--tolerance", "-1"], ["--tolerance", ">= 0", "-1.0"]),
        (["validate", "--tolerance", "nan"], ["--tolerance", "nan"]),
        (["validate", "--range", "0", "inf"], ["--range", "finite"]),
        (["generate", "-o", "{tmp}/o", "--alignment", str(2**40)], ["alignment", "65536"]),
        (["analyze", "--weights-alignment", str(2**20)], ["weights alignment", str(2**20)]),
    ],
)
def test_numbers_out_of_range(kws, tmp_path, argv, words):
    argv = [a.replace("{tmp}", str(tmp_path)) for a in argv]
    proc = run_stai(argv[0], "-m", str(kws), *argv[1:])
    assert_one_line_error(proc, *words)
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize("tool", ["stai-opt", "stai-translate"])
def test_non_utf8_input_to_opt_and_translate(tmp_path, tool):
    bad = tmp_path / "latin1.mlir"
    bad.write_bytes("// caf\u00e9\nbuiltin.module {}\n".encode("latin-1"))
    module = "stai.cli.opt" if tool == "stai-opt" else "stai.cli.translate"
    proc = subprocess.run([sys.executable, "-m", module, str(bad)], capture_output=True, text=True)
    assert_one_line_error(proc, "latin1.mlir", "not UTF-8 text", "0xe9")
    proc = subprocess.run([sys.executable, "-m", module], input=b"\xff\xfe", capture_output=True)
    assert proc.returncode == 2 and proc.stderr.decode().count("\n") == 1


def test_opt_unknown_pass(tmp_path):
    ir = tmp_path / "m.mlir"
    ir.write_text("builtin.module {}\n")
    proc = subprocess.run(
        [sys.executable, "-m", "stai.cli.opt", str(ir), "-p", "no-such-pass"],
        capture_output=True,
        text=True,
    )
    assert_one_line_error(proc, "-p", "no-such-pass", "convert-nn-to-qnn")
    proc = subprocess.run(
        [sys.executable, "-m", "stai.cli.opt", str(ir), "-p", "convert-buf-to-c{bogus=1}"],
        capture_output=True,
        text=True,
    )
    assert_one_line_error(proc, "-p", "bogus")


# ------------------------------------------- the output folder: users' files, killed runs


def test_regenerating_refuses_a_users_file(kws, tmp_path):
    """Regenerating replaces the whole folder, so a file stai did not write stops it (one
    line naming the file); build outputs and stai's own files do not."""
    out = tmp_path / "out"
    assert run_stai("generate", "-m", str(kws), "-o", str(out)).returncode == 0
    subprocess.run(["make", "-s", "-C", str(out)], check=True, capture_output=True)
    assert run_stai("generate", "-m", str(kws), "-o", str(out)).returncode == 0
    (out / "main.c").write_text("int main(void) { return 0; }\n")
    (out / "src" / "my_kernel.c").write_text("/* mine */\n")
    proc = run_stai("generate", "-m", str(kws), "-o", str(out))
    assert_one_line_error(proc, "holds 'main.c' (and 1 more)", "did not generate")
    assert (out / "main.c").is_file() and (out / "src" / "my_kernel.c").is_file()
    (out / "main.c").unlink()
    proc = run_stai("generate", "-m", str(kws), "-o", str(out))
    assert_one_line_error(proc, "holds 'src/my_kernel.c'")
    (out / "src" / "my_kernel.c").unlink()
    assert run_stai("generate", "-m", str(kws), "-o", str(out)).returncode == 0
    # The serial validation firmware's two headers, written beside the network, are stai's.
    from stai.boards.validation_glue import write_validation_headers

    assert len(write_validation_headers(out)) == 2
    assert run_stai("generate", "-m", str(kws), "-o", str(out)).returncode == 0


SLOW_WRITE = """
import sys, time
from pathlib import Path
import stai.emitc.folder as folder
fill = folder._fill
def slow(*args, **kwargs):
    fill(*args, **kwargs)
    Path(sys.argv[1]).write_text("filled")
    time.sleep(120)
folder._fill = slow
from stai.cli.main import main
main(sys.argv[2:])
"""


def _hidden(out: Path) -> list[str]:
    return sorted(p.name for p in out.parent.iterdir() if p.name.startswith(f".{out.name}."))


def _kill_while_writing(kws: Path, out: Path, sig: int) -> int:
    """Run ``stai generate`` and send ``sig`` while it writes the folder (after the
    temporary folder is filled, before it is renamed)."""
    import time

    ready = out.parent / "ready"
    ready.unlink(missing_ok=True)
    proc = subprocess.Popen(
        [sys.executable, "-c", SLOW_WRITE, str(ready), "generate", "-m", str(kws), "-o", str(out)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 300
    while not ready.exists():
        assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
        assert time.monotonic() < deadline, "generate never reached the write"
        time.sleep(0.1)
    assert any(name.endswith(".tmp") for name in _hidden(out)), _hidden(out)
    proc.send_signal(sig)
    return proc.wait(timeout=60)


def test_sigterm_while_writing_leaves_nothing(kws, tmp_path):
    import signal

    out = tmp_path / "out"
    assert run_stai("generate", "-m", str(kws), "-o", str(out)).returncode == 0
    before = (out / "network.c").read_text()
    assert _kill_while_writing(kws, out, signal.SIGTERM) == 128 + signal.SIGTERM
    assert _hidden(out) == []
    assert (out / "network.c").read_text() == before  # the old folder is intact


def test_leftovers_of_killed_runs_are_removed_by_the_next_run(kws, tmp_path):
    import os
    import signal

    out = tmp_path / "out"
    assert _kill_while_writing(kws, out, signal.SIGKILL) == -signal.SIGKILL
    left = _hidden(out)
    assert any(n.endswith(".tmp") for n in left) and any(n.endswith(".lock") for n in left)
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    (out.parent / f".out.{dead.pid}.old").mkdir()  # a replaced folder a killed run kept
    (out.parent / f".out.{dead.pid}.old" / "Makefile").write_text("# Generated by stai\n")
    (out.parent / ".outer.abcdefgh.tmp").mkdir()  # another folder's: not ours to remove
    assert run_stai("generate", "-m", str(kws), "-o", str(out)).returncode == 0
    assert _hidden(out) == []
    assert (out.parent / ".outer.abcdefgh.tmp").is_dir()

    # while another live run holds a lock on the folder, its temporary folder stays
    live = out.parent / f".out.{os.getpid()}.lock"
    live.write_text("")
    (out.parent / ".out.zyxwvuts.tmp").mkdir()
    assert run_stai("generate", "-m", str(kws), "-o", str(out)).returncode == 0
    assert _hidden(out) == [live.name, ".out.zyxwvuts.tmp"]
