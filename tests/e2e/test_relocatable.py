"""Relocatable network images (issue 17 §3): one loader firmware, built once, runs KWS from
an image and then AD (another architecture) from a replaced image, on QEMU, with the
outputs of the statically linked networks; damaged images are refused with their codes.
The loader itself is also run on the host on exact sizes."""

from __future__ import annotations

import ctypes
import struct
import subprocess
from pathlib import Path

import numpy as np
import pytest
from cli_run import run_stai
from shared_models import random_inputs

from stai.boards.relocatable import (
    HEADER_BYTES,
    build_image,
    build_loader_firmware,
    pack_image,
    relocations,
    run_image,
)
from stai.boards.runner import TargetModel
from stai.compiler.driver import generate
from stai.errors import StaiError
from stai.runtime.manifest import INCLUDE_DIR, SOURCE_DIR

MODELS = {
    "kws": "mlperf_tiny/kws/kws_ref_model_int8.tflite",
    "ad": "mlperf_tiny/ad/ad01_int8.tflite",
}


@pytest.fixture(scope="module")
def built(models_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    root = tmp_path_factory.mktemp("reloc")
    out: dict = {"firmware": build_loader_firmware("cortex-m4", root / "fw"), "root": root}
    for key, rel in MODELS.items():
        model = models_dir / rel
        folder = root / key
        generate(model, folder, target="cortex-m4")
        image = build_image(folder, root / f"{key}.img", root / f"{key}_build")
        inputs = random_inputs(model, 1, seed=7)[0]
        out[key] = (folder, image, inputs)
    return out


def test_one_firmware_runs_two_architectures(built: dict) -> None:
    firmware = built["firmware"]
    elf_bytes = firmware.elf.read_bytes()
    for key in ("kws", "ad"):
        folder, image, inputs = built[key]
        static = TargetModel(folder, work_dir=built["root"] / f"{key}_static")
        expected = static.run_many([inputs]).samples[0]
        sample = b"".join(np.ascontiguousarray(x).tobytes() for x in inputs)
        run = run_image(firmware, image.path, [sample], built["root"] / f"{key}_run")
        assert run.qemu.exit_code == 0, run.qemu.console
        assert run.load_status == 0 and run.statuses == [0]
        want = b"".join(np.ascontiguousarray(y).tobytes() for y in expected.outputs)
        assert run.outputs == want, key
        # The loaded network runs the same code: the same instructions, give or take the
        # calls through the entry table.
        assert expected.instructions is not None
        assert abs(run.instructions[0] - expected.instructions) < 200, (
            run.instructions,
            expected.instructions,
        )
    assert firmware.elf.read_bytes() == elf_bytes  # never rebuilt


def test_damaged_images_are_refused(built: dict) -> None:
    firmware = built["firmware"]
    _, image, inputs = built["ad"]
    data = bytearray(image.path.read_bytes())
    sample = b"".join(np.ascontiguousarray(x).tobytes() for x in inputs)
    cases = {}
    flipped = bytearray(data)
    flipped[HEADER_BYTES + 1000] ^= 0x10
    cases["flipped"] = (bytes(flipped), 4)
    cases["truncated"] = (bytes(data[: len(data) // 2]), 4)  # the rest of flash is not it
    cases["magic"] = (b"XXXX" + bytes(data[4:]), 2)
    for name, (blob, status) in cases.items():
        path = built["root"] / f"{name}.img"
        path.write_bytes(blob)
        run = run_image(firmware, path, [sample], built["root"] / f"{name}_run")
        assert run.load_status == status, (name, run.qemu.console)
        assert run.qemu.exit_code == 10 + status, name
        assert run.outputs == b""


# ----------------------------------------------------------------- the loader on the host


@pytest.fixture(scope="module")
def host_loader(tmp_path_factory: pytest.TempPathFactory) -> ctypes.CDLL:
    lib = tmp_path_factory.mktemp("loader") / "libloader.so"
    subprocess.run(
        [
            "gcc",
            "-std=c99",
            "-O1",
            "-Wall",
            "-Werror",
            "-shared",
            "-fPIC",
            f"-I{INCLUDE_DIR}",
            str(SOURCE_DIR / "stai_loader.c"),
            "-o",
            str(lib),
        ],
        check=True,
    )
    return ctypes.CDLL(str(lib))


def _load(lib: ctypes.CDLL, image: bytes, dest_size: int) -> tuple[int, bytes, int]:
    dest = (ctypes.c_uint8 * (dest_size + 16))()
    base = (ctypes.addressof(dest) + 15) // 16 * 16
    entry = ctypes.c_void_p()
    status = lib.stai_image_load(
        ctypes.c_char_p(image),
        ctypes.c_size_t(len(image)),
        ctypes.c_void_p(base),
        ctypes.c_size_t(dest_size),
        ctypes.byref(entry),
    )
    return status, ctypes.string_at(base, dest_size), base


def _toy_image() -> tuple[bytes, bytes, list[int]]:
    # An entry table (magic "STEN" first) and a few words, two of them addresses.
    payload = bytearray(struct.pack("<12I", 0x4E455453, 1, 64, 16, 1, 1, *range(6)))
    payload += struct.pack("<8I", 0x40, 7, 0x44, 9, 0, 0, 0, 0)  # (a 64-bit host's table)
    return bytes(payload), pack_image(bytes(payload), 16, [48, 56]), [48, 56]


def test_the_loader_relocates_and_checks_every_field(host_loader: ctypes.CDLL) -> None:
    payload, image, relocs = _toy_image()
    status, ram, base = _load(host_loader, image, len(payload) + 16)
    assert status == 0
    words = struct.unpack(f"<{len(ram) // 4}I", ram)
    assert words[48 // 4] == (0x40 + base) & 0xFFFFFFFF
    assert words[56 // 4] == (0x44 + base) & 0xFFFFFFFF
    assert words[52 // 4] == 7 and words[-1] == 0  # untouched word; zeroed data
    assert _load(host_loader, image[:-3], len(payload) + 16)[0] == 1  # truncated
    assert _load(host_loader, b"X" + image[1:], len(payload) + 16)[0] == 2  # magic
    version = image[:4] + struct.pack("<I", 2) + image[8:]
    assert _load(host_loader, version, len(payload) + 16)[0] == 3
    damaged = bytearray(image)
    damaged[HEADER_BYTES + 50] ^= 1
    assert _load(host_loader, bytes(damaged), len(payload) + 16)[0] == 4  # CRC
    assert _load(host_loader, image, len(payload))[0] == 5  # no room for the zeroed data
    outside = pack_image(payload, 16, [len(payload)])
    assert _load(host_loader, outside, len(payload) + 16)[0] == 6
    no_entry = pack_image(b"\0" * len(payload), 16, [])
    assert _load(host_loader, no_entry, len(payload) + 16)[0] == 7


def test_relocations_are_the_words_that_move_with_the_base() -> None:
    low = struct.pack("<4I", 1, 0x100, 2, 0x200)
    high = struct.pack("<4I", 1, 0x10000100, 2, 0x10000200)
    assert relocations(low, high, 0x10000000) == [4, 12]
    with pytest.raises(StaiError, match="not a 32-bit word"):
        relocations(low, struct.pack("<4I", 1, 0x10000100, 3, 0x10000200), 0x10000000)


def test_folders_a_relocatable_image_cannot_hold(models_dir: Path, tmp_path: Path) -> None:
    model = models_dir / MODELS["ad"]
    generate(model, tmp_path / "host")
    with pytest.raises(StaiError, match="for a Cortex-M core"):
        build_image(tmp_path / "host", tmp_path / "x.img", tmp_path / "b1")
    generate(model, tmp_path / "bin", target="cortex-m4", binary=True)
    with pytest.raises(StaiError, match="drop --binary"):
        build_image(tmp_path / "bin", tmp_path / "y.img", tmp_path / "b2")


def test_generate_relocatable_writes_the_image(models_dir: Path, tmp_path: Path) -> None:
    model = models_dir / MODELS["ad"]
    out = tmp_path / "ad"
    code, stdout, stderr = run_stai(
        ["generate", "-m", str(model), "--target", "cortex-m4", "--relocatable", "-o", str(out)]
    )
    assert code == 0, stderr
    image = out / "network_image.bin"
    assert image.stat().st_size > HEADER_BYTES and f"wrote {image}" in stdout
    assert image.read_bytes()[:4] == b"STIM"
    for extra, why in ((["--binary"], "drop --binary"), ([], "for a Cortex-M core")):
        target = [] if not extra else ["--target", "cortex-m4"]
        argv = ["generate", "-m", str(model), *target, *extra, "--relocatable"]
        code, _, stderr = run_stai([*argv, "-o", str(tmp_path / "no")])
        assert code == 2 and why in stderr and stderr.count("\n") == 1, stderr
        assert not (tmp_path / "no").exists()
