"""``--binary`` with int8 models: the code keeps the graph's structure, the weights file
everything trained. A library (and a Cortex-M4 firmware on QEMU) generated for model A
runs model B's weights file (the same Keras architecture with other random weights and
other calibration data, so other offsets, multipliers and clamp bounds) bit-exact with
TFLite Micro on B; a file of another architecture, a truncated file and a file with one
flipped byte are each refused with their status, and ``run`` refuses to run until a
valid file is bound."""

from __future__ import annotations

import ctypes
import os
import shutil
import struct
import subprocess
import warnings
from pathlib import Path

import numpy as np
import pytest

from stai.compiler.driver import generate
from stai.tools.reference import run_tflm_many
from stai.transforms.detach_weights import HEADER_BYTES, WEIGHTS_MAGIC, parse_header

NAME = "net"
SHAPE = (1, 12, 12, 2)
TOOLS = ("arm-none-eabi-gcc", "arm-none-eabi-size", "qemu-system-arm")
STATUS = {"BAD_MAGIC": 2, "BAD_VERSION": 3, "BAD_STRUCTURE": 4, "BAD_SIZE": 5, "BAD_CRC": 6}


def _keras_model(seed: int, outputs: int = 10):
    """A small conv net (convolution, depthwise, pools, dense, softmax) with seeded
    random weights."""
    import tensorflow as tf

    keras = tf.keras
    inputs = keras.Input(SHAPE[1:], batch_size=1)
    x = keras.layers.Conv2D(6, 3, padding="same", activation="relu")(inputs)
    x = keras.layers.DepthwiseConv2D(3, activation="relu6")(x)
    x = keras.layers.MaxPooling2D(2)(x)
    x = keras.layers.Conv2D(8, 3, strides=2, padding="same", activation="relu")(x)
    x = keras.layers.AveragePooling2D(2, padding="same")(x)
    x = keras.layers.Flatten()(x)
    x = keras.layers.Dense(outputs)(x)
    model = keras.Model(inputs, keras.layers.Softmax()(x))
    rng = np.random.default_rng(seed)
    model.set_weights(
        [
            (rng.standard_normal(w.shape) * (0.5 if w.ndim > 1 else 0.2)).astype(np.float32)
            for w in model.get_weights()
        ]
    )
    return model


def _int8_tflite(model, low: float, high: float, seed: int, path: Path) -> Path:
    """``model`` converted by the TF converter to a full-integer int8 ``.tflite``,
    calibrated on uniform samples in [low, high]."""
    import tensorflow as tf

    rng = np.random.default_rng(seed)
    samples = [[rng.uniform(low, high, SHAPE).astype(np.float32)] for _ in range(16)]
    converter = tf.lite.TFLiteConverter.from_keras_model(model)
    converter.optimizations = [tf.lite.Optimize.DEFAULT]
    converter.representative_dataset = lambda: iter(samples)
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    converter.inference_input_type = tf.int8
    converter.inference_output_type = tf.int8
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        path.write_bytes(converter.convert())
    return path


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Model A, model B (same architecture, other weights and calibration) and model C
    (another architecture: 12 outputs)."""
    root = tmp_path_factory.mktemp("binary_int8")
    return {
        "a": _int8_tflite(_keras_model(1), -1.0, 1.0, 10, root / "a.tflite"),
        "b": _int8_tflite(_keras_model(2), -0.5, 3.0, 20, root / "b.tflite"),
        "c": _int8_tflite(_keras_model(3, outputs=12), -1.0, 1.0, 30, root / "c.tflite"),
    }


def _samples(n: int, seed: int) -> list[list[np.ndarray]]:
    rng = np.random.default_rng(seed)
    return [[rng.integers(-128, 128, SHAPE, dtype=np.int8)] for _ in range(n)]


class Library:
    """A generated host folder built into a shared library, called through ctypes (the
    ``init(weights, size, activations)`` of a ``--binary`` folder, statuses unchecked)."""

    def __init__(self, folder: Path, work: Path):
        cc = os.environ.get("CC", "cc")
        build = work / "build"
        archive = build / f"lib{NAME}.a"
        for cmd in (
            [
                "make",
                "-s",
                "-C",
                str(folder),
                "STAI_TARGET=host",
                f"BUILD={build}",
                f"LIB={archive}",
                "CFLAGS=-O2 -fPIC -std=c99 -Wall -Wextra -Werror",
            ],
            [cc, "-shared", "-o", str(build / "net.so"), "-Wl,--whole-archive", str(archive)]
            + ["-Wl,--no-whole-archive", "-lm"],
        ):
            subprocess.run(cmd, check=True, capture_output=True)
        self.lib = ctypes.CDLL(str(build / "net.so"))
        self.lib.stai_net_init.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_void_p]
        for f in ("input_ptr", "output_ptr"):
            getattr(self.lib, f"stai_net_{f}").restype = ctypes.c_void_p
        size = int((folder / "net.h").read_text().split("STAI_NET_ACTIVATIONS_SIZE ")[1].split()[0])
        self.arena = _aligned(size)
        self.weights = _aligned(0)

    def init(self, data: bytes, size: int | None = None) -> int:
        """``stai_net_init`` with a copy of ``data`` (16-byte aligned) and ``size``."""
        self.weights = _aligned(len(data))
        self.weights[:] = np.frombuffer(data, np.uint8)
        return self.lib.stai_net_init(
            self.weights.ctypes.data,
            len(data) if size is None else size,
            self.arena.ctypes.data,
        )

    def run(self, sample: list[np.ndarray]) -> tuple[int, np.ndarray]:
        x = sample[0].reshape(-1)
        ctypes.memmove(self.lib.stai_net_input_ptr(0), x.ctypes.data, x.nbytes)
        status = self.lib.stai_net_run()
        out = np.empty(10, np.int8)
        ctypes.memmove(out.ctypes.data, self.lib.stai_net_output_ptr(0), out.nbytes)
        return status, out


def _aligned(n: int) -> np.ndarray:
    raw = np.zeros(n + 16, np.uint8)
    start = (-raw.ctypes.data) % 16
    return raw[start : start + n]


@pytest.fixture(scope="module")
def host(models: dict[str, Path], tmp_path_factory: pytest.TempPathFactory):
    """A's folder built on the host, and the weights files of A, B and C."""
    root = tmp_path_factory.mktemp("binary_int8_host")
    files = {}
    for key, path in models.items():
        generate(path, root / key, name=NAME, binary=True)
        files[key] = (root / key / f"{NAME}_weights.bin").read_bytes()
    return Library(root / "a", root / "build"), files, root


def test_a_library_runs_b_weights_bit_exact(host, models):
    lib, files, root = host
    a, b = parse_header(files["a"]), parse_header(files["b"])
    assert a.magic == b.magic == WEIGHTS_MAGIC
    assert a.structure_hash == b.structure_hash and a.payload_size == b.payload_size
    assert a.crc32 != b.crc32
    # the code of A and B is the same but for its comments (tensor names)
    code = [(root / k / f"{NAME}.c").read_text().splitlines() for k in ("a", "b")]
    assert [s for s in code[0] if "/*" not in s] == [s for s in code[1] if "/*" not in s]
    samples = _samples(6, seed=5)
    assert lib.lib.stai_net_run() == -2  # no weights file bound yet (the first test)
    expected = {k: run_tflm_many(models[k], samples) for k in ("a", "b")}
    for key in ("b", "a", "b"):  # B's file, back to A's, B's again: nothing stays stale
        assert lib.init(files[key]) == 0
        for sample, reference in zip(samples, expected[key]):
            status, out = lib.run(sample)
            assert status == 0
            np.testing.assert_array_equal(out, reference[0].reshape(-1))
    assert any(not np.array_equal(x[0], y[0]) for x, y in zip(expected["a"], expected["b"]))


def test_files_that_do_not_fit_are_refused(host):
    lib, files, root = host
    header = (root / "a" / f"{NAME}.h").read_text()
    for key, value in STATUS.items():
        assert f"#define STAI_NET_WEIGHTS_{key} {value}" in header
    assert "#define STAI_NET_NO_WEIGHTS (-2)" in header
    b = files["b"]
    sample = _samples(1, seed=9)[0]
    flipped = bytearray(b)
    flipped[HEADER_BYTES + len(b) // 2] ^= 0x10
    other_version = bytearray(b)
    other_version[4:8] = struct.pack("<I", 99)
    refusals = {
        "BAD_STRUCTURE": files["c"],
        "BAD_SIZE": b[:-5],
        "BAD_CRC": bytes(flipped),
        "BAD_MAGIC": b"X" + b[1:],
        "BAD_VERSION": bytes(other_version),
    }
    for key, data in refusals.items():
        assert lib.init(b) == 0 and lib.run(sample)[0] == 0
        assert lib.init(data) == STATUS[key], key
        assert lib.run(sample)[0] == -2, key  # the refused file unbound the valid one
    assert lib.init(b, size=len(b) - 1) == STATUS["BAD_SIZE"]  # a size shorter than the file
    assert lib.init(b[: HEADER_BYTES - 1]) == STATUS["BAD_SIZE"]
    assert lib.lib.stai_net_init(None, len(b), lib.arena.ctypes.data) == 1


def test_a_firmware_runs_b_weights_on_qemu(models, tmp_path):
    """The same check on a Cortex-M4 board: A's firmware, unchanged, with B's file
    written at the board's weights address."""
    from stai.boards.runner import TargetModel

    missing = [t for t in TOOLS if shutil.which(t) is None]
    if missing:
        pytest.fail(f"{', '.join(missing)} not found: run `make setup`", pytrace=False)
    for key in ("a", "b"):
        generate(models[key], tmp_path / key, name=NAME, target="cortex-m4", binary=True)
    model = TargetModel(tmp_path / "a", work_dir=tmp_path / "build", cmsis_nn_path="")
    elf = model.firmware.elf.read_bytes()
    model.weights_file = tmp_path / "b" / f"{NAME}_weights.bin"
    samples = _samples(3, seed=11)
    run = model.run_many(samples)
    assert model.firmware.elf.read_bytes() == elf
    for sample, reference in zip(run.samples, run_tflm_many(models["b"], samples)):
        np.testing.assert_array_equal(sample.outputs[0], reference[0])


def test_weights_header_reader_refuses_a_short_file():
    from stai.errors import StaiError

    with pytest.raises(StaiError, match="at least 32 bytes"):
        parse_header(b"STAW")


def test_validate_runs_through_the_weights_file(models, tmp_path):
    """``stai validate --binary``: the C model is generated with its weights file and
    runs through it (bit-exact with TFLite Micro); the report gives the file's size."""
    from stai.compiler.options import CompileOptions
    from stai.tools.validate import ValidateOptions, validate
    from stai.tools.validate_report import to_json

    report = validate(
        ValidateOptions(
            model=models["b"],
            out_dir=tmp_path,
            name=NAME,
            batch_size=4,
            progress=False,
            compile=CompileOptions(binary=True),
        )
    )
    size = (tmp_path / "c_model" / f"{NAME}_weights.bin").stat().st_size
    assert report.weights_file_bytes == size == to_json(report)["weights_file_bytes"]
    row = report.rows[0]
    assert row.what == "C model vs reference" and row.metrics.bit_exact == 4
