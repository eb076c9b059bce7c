"""Serial validation end to end without hardware: stai's validation firmware
(stai/boards/validation) built for QEMU's mps2-an386 (Cortex-M4) and mps3-an547
(Cortex-M55), their UART0 on a loopback TCP socket, and `stai validate --mode target
--device tcp:...` talking to it as to a board: int8 outputs bit-exact with TFLite Micro
(and every node with --per-layer), a float model within tolerance, and a firmware of
another model refused."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from stai.boards.qemu import SerialQemu, start_serial_qemu
from stai.boards.serial_firmware import build_validation_firmware
from stai.compiler.driver import generate
from stai.errors import StaiError
from stai.targets import get_target
from stai.tools.validate import ValidateOptions, ValidationReport, validate

SCHEMA = Path(__file__).resolve().parents[2] / "docs" / "schemas" / "validate.schema.json"


@pytest.fixture(scope="module")
def board(
    tmp_path_factory: pytest.TempPathFactory, shared_model_path
) -> Iterator[Callable[[str, str], SerialQemu]]:
    """``board(model_key, target)``: the model's validation firmware (generated as a user
    would, with --observer) running on the target's QEMU board; one per module."""
    missing = [t for t in ("arm-none-eabi-gcc", "qemu-system-arm") if shutil.which(t) is None]
    if missing:
        pytest.fail(f"{', '.join(missing)} not found: run `make setup`", pytrace=False)
    root = tmp_path_factory.mktemp("serial")
    running: dict[tuple[str, str], SerialQemu] = {}

    def get(key: str, target: str) -> SerialQemu:
        if (key, target) not in running:
            folder = root / f"{key}_{target}"
            generate(shared_model_path(key), folder, name=key, target=target, observer=True)
            firmware = build_validation_firmware(
                folder, root / f"{key}_{target}_fw", cmsis_nn_path=""
            )
            running[key, target] = start_serial_qemu(get_target(target), firmware.elf)
        return running[key, target]

    yield get
    for qemu in running.values():
        qemu.close()


def _validate(model: Path, target: str, device: str, out: Path, **extra) -> ValidationReport:
    options = ValidateOptions(
        model=model,
        mode="target",
        target=target,
        device=device,
        name=extra.pop("name"),
        batch_size=2,
        check=True,
        out_dir=out,
        progress=False,
        **extra,
    )
    return validate(options)


@pytest.mark.parametrize("target", ["cortex-m4", "cortex-m55"])
@pytest.mark.parametrize("key", ["kws_int8", "ad_int8"])
def test_int8_bit_exact_over_the_emulated_uart(key, target, board, shared_model_path, tmp_path):
    qemu = board(key, target)
    per_layer = key == "kws_int8" and target == "cortex-m4"
    report = _validate(
        shared_model_path(key), target, qemu.device, tmp_path, name=key, per_layer=per_layer
    )
    assert report.reference == "tflite-micro"
    assert report.check_passed, report.check_messages
    (row,) = [r for r in report.rows if r.what == "C model vs reference"]
    assert row.metrics.bit_exact == 2 and row.metrics.max_abs_lsb == 0
    if per_layer:
        assert len(report.layers) == 12 and report.first_divergence is None
    section = report.target
    assert section is not None
    assert section["device"]["network"] == key and section["device"]["protocol"] == 1
    assert section["machine"] == qemu.device and section["target"] == target
    # QEMU models no DWT cycle counter: the device says so and no cycles are made up.
    assert section["cycles"] is None and not section["device"]["cycle_counter"]
    import jsonschema

    data = json.loads((tmp_path / f"{key}_validate.json").read_text())
    jsonschema.validate(data, json.loads(SCHEMA.read_text()))


def test_float_model_within_tolerance(board, shared_model_path, tmp_path):
    qemu = board("ad_float", "cortex-m4")
    report = _validate(
        shared_model_path("ad_float"), "cortex-m4", qemu.device, tmp_path, name="ad_float"
    )
    assert (report.reference or "").startswith("litert")
    assert report.check_passed, report.check_messages


def test_a_firmware_of_another_model_is_refused(board, shared_model_path, tmp_path):
    qemu = board("kws_int8", "cortex-m55")
    with pytest.raises(StaiError, match="runs the network 'kws_int8', not 'ad_int8'"):
        _validate(shared_model_path("ad_int8"), "cortex-m55", qemu.device, tmp_path, name="ad_int8")
    with pytest.raises(
        StaiError,
        match=r"input 0 differs from the model's \(int8\[1, 49, 10, 1\] on the device, int8\[1, 640\] in",
    ):
        _validate(
            shared_model_path("ad_int8"), "cortex-m55", qemu.device, tmp_path, name="kws_int8"
        )


def test_a_serial_port_through_pyserial(shared_model_path, tmp_path):
    """The path a real board takes: QEMU's UART0 on a pseudo-terminal, opened by pyserial
    as `--device serial:/dev/pts/N` (what a /dev/ttyACM0 is to the host)."""
    import serial  # noqa: F401  (the 'serial' extra; a clear ImportError when missing)

    folder = tmp_path / "ad_int8"
    generate(
        shared_model_path("ad_int8"), folder, name="ad_int8", target="cortex-m4", observer=True
    )
    firmware = build_validation_firmware(folder, tmp_path / "fw", cmsis_nn_path="")
    qemu = start_serial_qemu(get_target("cortex-m4"), firmware.elf, link="pty")
    try:
        assert qemu.device.startswith("serial:/dev/pts/")
        report = _validate(
            shared_model_path("ad_int8"), "cortex-m4", qemu.device, tmp_path / "v", name="ad_int8"
        )
    finally:
        qemu.close()
    assert report.check_passed, report.check_messages
    (row,) = [r for r in report.rows if r.what == "C model vs reference"]
    assert row.metrics.bit_exact == 2 and row.metrics.max_abs_lsb == 0
    assert report.target is not None and report.target["device"]["link"] == qemu.device
