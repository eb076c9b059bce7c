"""``stai analyze`` and ``stai validate`` with ``--binary`` and ``--relocatable`` (issue 17
§4): the sizes they report are those of the files ``stai generate`` writes with the same
options, ``validate --relocatable --mode target`` runs the samples through the loader on
QEMU (bit-exact with TFLite Micro), and what cannot be done is refused in one line."""

from __future__ import annotations

import json
import struct
from pathlib import Path

import jsonschema
import pytest
from cli_run import run_stai

from stai.boards.relocatable import HEADER_BYTES, MAGIC

ROOT = Path(__file__).resolve().parents[2]

MODELS = {
    "kws": "mlperf_tiny/kws/kws_ref_model_int8.tflite",
    "ad": "mlperf_tiny/ad/ad01_int8.tflite",
}


def _stai(*argv: object) -> str:
    code, stdout, stderr = run_stai([str(a) for a in argv])
    assert code == 0, stderr
    return stdout


def _generated_image(model: Path, out: Path) -> bytes:
    _stai("generate", "-m", model, "--target", "cortex-m4", "--relocatable", "-o", out)
    return (out / "network_image.bin").read_bytes()


def _check_sizes(image: dict, data: bytes) -> None:
    """``image`` (a report's section) gives the sizes of the image file ``data``."""
    magic, _version, payload, zeroed, relocs, _crc, header, _ = struct.unpack_from("<8I", data)
    assert magic == MAGIC and header == HEADER_BYTES
    assert image["file_bytes"] == len(data)
    assert image["header_bytes"] == header
    assert image["payload_bytes"] == payload and image["zeroed_bytes"] == zeroed
    assert image["relocations"] == relocs and image["relocation_table_bytes"] == 4 * relocs
    parts = ("header_bytes", "code_bytes", "weights_bytes", "other_bytes")
    assert sum(image[k] for k in parts) + image["relocation_table_bytes"] == len(data)
    assert image["code_bytes"] == image["network_code_bytes"] + image["kernels_bytes"]
    assert image["code_bytes"] > 0 and image["weights_bytes"] > 0
    assert image["ram_bytes"] == payload + zeroed


# ------------------------------------------------------------------------- analyze


def test_analyze_binary_reports_the_weights_file(models_dir: Path, tmp_path: Path) -> None:
    model = models_dir / MODELS["kws"]
    _stai("generate", "-m", model, "--binary", "-o", tmp_path / "gen")
    size = (tmp_path / "gen" / "network_weights.bin").stat().st_size
    _stai("analyze", "-m", model, "--binary", "-o", tmp_path / "a")
    report = json.loads((tmp_path / "a" / "network_analyze.json").read_text())
    assert report["weights_file_bytes"] == size
    assert report["image"] is None
    text = (tmp_path / "a" / "network_analyze.txt").read_text()
    assert f"network_weights.bin: {size:,} bytes" in text
    # without --binary there is no file to report
    assert json.loads(_stai("analyze", "-m", model, "--json"))["weights_file_bytes"] is None


def test_analyze_and_validate_agree_on_the_weights_file(models_dir: Path, tmp_path: Path) -> None:
    model = models_dir / MODELS["ad"]
    analyzed = json.loads(_stai("analyze", "-m", model, "--binary", "--json"))
    _stai("validate", "-m", model, "--binary", "-b", "2", "-o", tmp_path / "v")
    validated = json.loads((tmp_path / "v" / "network_validate.json").read_text())
    assert analyzed["weights_file_bytes"] == validated["weights_file_bytes"]
    assert validated["weights_file_bytes"] == (
        (tmp_path / "v" / "c_model" / "network_weights.bin").stat().st_size
    )


def test_analyze_relocatable_reports_the_image(models_dir: Path, tmp_path: Path) -> None:
    model = models_dir / MODELS["ad"]
    data = _generated_image(model, tmp_path / "gen")
    out = tmp_path / "a"
    _stai("analyze", "-m", model, "--target", "cortex-m4", "--relocatable", "-o", out)
    report = json.loads((out / "network_analyze.json").read_text())
    assert report["image"]["file"] == "network_image.bin"
    _check_sizes(report["image"], data)
    # the image holds the weights analyze counts
    assert report["image"]["weights_bytes"] == report["totals"]["weights_bytes"]
    text = " ".join((out / "network_analyze.txt").read_text().split())
    for key in ("file_bytes", "code_bytes", "weights_bytes", "relocation_table_bytes"):
        assert f"{report['image'][key]:,}" in text, key
    schema = json.loads((ROOT / "docs" / "schemas" / "analyze.schema.json").read_text())
    jsonschema.validate(report, schema)
    del report["image"]["relocations"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(report, schema)


def test_generate_relocatable_twice_into_one_folder(models_dir: Path, tmp_path: Path) -> None:
    """The image is one of generate's own files: a second run replaces it."""
    model = models_dir / MODELS["ad"]
    first = _generated_image(model, tmp_path / "gen")
    assert _generated_image(model, tmp_path / "gen") == first


# ------------------------------------------------------------------------ validate


@pytest.mark.parametrize("key", ["kws", "ad"])
def test_validate_runs_the_image_through_the_loader(
    key: str, models_dir: Path, tmp_path: Path
) -> None:
    model = models_dir / MODELS[key]
    out = tmp_path / "v"
    argv = ["validate", "-m", model, "--mode", "target", "--relocatable", "-b", "2"]
    stdout = _stai(*argv, "--check", "-o", out)
    assert "check passed" in stdout and "through the loader" in stdout
    report = json.loads((out / "network_validate.json").read_text())
    (row,) = report["results"]
    assert row["bit_exact"] == 2 and report["reference"] == "tflite-micro"
    # the image the loader ran is the one generate --relocatable writes
    ran = out / "network_image.bin"
    assert report["image"]["file"] == str(ran) and report["image"]["through_loader"]
    data = _generated_image(model, tmp_path / "gen")
    assert ran.read_bytes() == data
    _check_sizes(report["image"], data)
    target = report["target"]
    assert target["loader"] and target["instructions"]["mean"] > 0
    footprint = target["footprint"]
    assert footprint["ram_image"] == report["image"]["ram_bytes"]
    assert footprint["flash_weights"] == report["image"]["weights_bytes"]
    assert footprint["flash"] > len(data)  # the loader firmware and the image
    assert report["relocatable_note"] is None
    schema = json.loads((ROOT / "docs" / "schemas" / "validate.schema.json").read_text())
    jsonschema.validate(report, schema)


def test_validate_relocatable_in_host_mode_says_what_ran(models_dir: Path, tmp_path: Path) -> None:
    model = models_dir / MODELS["ad"]
    out = tmp_path / "v"
    stdout = _stai("validate", "-m", model, "--relocatable", "-b", "2", "-o", out)
    assert "--relocatable: host mode runs the statically linked network" in stdout
    report = json.loads((out / "network_validate.json").read_text())
    assert report["image"] is None and "--mode target" in report["relocatable_note"]
    assert not (out / "network_image.bin").exists()


# ------------------------------------------------------------------------ refusals


def _refused(argv: list[object], why: str, out: Path | None = None) -> None:
    code, _, stderr = run_stai([str(a) for a in argv])
    assert code == 2, stderr
    assert why in stderr and stderr.count("\n") == 1, stderr
    if out is not None:
        assert not (out / "network_validate.json").exists()


REFUSALS = {
    "analyze on the host": (["analyze", "--relocatable"], "for a Cortex-M core"),
    "analyze with --binary": (
        ["analyze", "--relocatable", "--binary", "--target", "cortex-m4"],
        "drop --binary",
    ),
    "analyze with caller-provided inputs": (
        ["analyze", "--relocatable", "--no-inputs-allocation", "--target", "cortex-m7"],
        "drop --no-inputs-allocation",
    ),
    "validate per layer": (
        ["validate", "--relocatable", "--mode", "target", "--per-layer"],
        "--per-layer",
    ),
    "validate on a device": (
        ["validate", "--relocatable", "--mode", "target", "--device", "tcp:127.0.0.1:9"],
        "holds no loader",
    ),
    "validate with --binary": (
        ["validate", "--relocatable", "--mode", "target", "--binary"],
        "drop --binary",
    ),
}


@pytest.mark.parametrize("case", list(REFUSALS))
def test_what_an_image_cannot_do_is_refused(case: str, models_dir: Path, tmp_path: Path) -> None:
    argv, why = REFUSALS[case]
    out = tmp_path / "v"
    extra = ["-o", out] if argv[0] == "validate" else []
    _refused([*argv, "-m", models_dir / MODELS["ad"], *extra], why, out)


def test_several_memory_pools_are_refused(models_dir: Path, tmp_path: Path) -> None:
    pools = tmp_path / "pools.json"
    pools.write_text(json.dumps([{"name": "a", "size": "1K"}, {"name": "b", "size": "64K"}]))
    argv = ["analyze", "-m", models_dir / MODELS["ad"], "--target", "cortex-m4"]
    _refused([*argv, "--memory-pool", pools, "--relocatable"], "drop --memory-pool")


@pytest.mark.parametrize("command", ["analyze", "validate"])
def test_a_missing_arm_toolchain_is_refused(
    command: str, models_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "no-tools"))
    argv: list[object] = [command, "-m", models_dir / MODELS["ad"], "--relocatable"]
    argv += ["--target", "cortex-m4"] if command == "analyze" else ["--mode", "target"]
    out = tmp_path / "v"
    _refused([*argv, *(["-o", out] if command == "validate" else [])], "arm-none-eabi-gcc", out)
