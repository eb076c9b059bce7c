"""``--compression-level`` (``stai.tools.compression_search``) on the AD and IC float models: ``none`` keeps
the uncompressed ROM, the ROM shrinks from low to high, each level's measured output error
stays within its budget, and ``-c`` with ``--compression-level`` is a usage error."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from stai.cli.main import main
from stai.compiler.driver import generate
from stai.runtime.runner import CModel
from stai.tools.compression_search import LEVELS, choose, generate_with_level, relative_error

AD = "mlperf_tiny/ad/ad01_fp32.tflite"
AD_ROM = 1_063_456


@pytest.fixture(scope="module")
def ad_model(models_dir: Path) -> Path:
    return models_dir / AD


@pytest.fixture(scope="module")
def levels(ad_model: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict]:
    """Each level's folder file ``network_compression.txt`` and its ROM (generate)."""
    root = tmp_path_factory.mktemp("levels")
    out = {}
    for level in ("low", "medium", "high"):
        generate_with_level(ad_model, root / level, level)
        meta = json.loads((root / level / "network.json").read_text())
        record = json.loads((root / level / "network_compression.txt").read_text())
        out[level] = {"rom": meta["weights_bytes"], "record": record, "dir": root / level}
    return out


def test_none_is_uncompressed(ad_model: Path, tmp_path: Path) -> None:
    with pytest.raises(SystemExit) as e:
        main(
            [
                "generate",
                "-m",
                str(ad_model),
                "-o",
                str(tmp_path / "o"),
                "--compression-level",
                "none",
            ]
        )
    assert e.value.code == 0
    meta = json.loads((tmp_path / "o" / "network.json").read_text())
    assert meta["weights_bytes"] == AD_ROM
    record = json.loads((tmp_path / "o" / "network_compression.txt").read_text())
    assert all(v["factor"] == "none" for v in record["layers"].values())
    assert len(record["layers"]) == 10


def test_rom_monotone_and_budgets(levels: dict[str, dict]) -> None:
    low, medium, high = (levels[k]["rom"] for k in ("low", "medium", "high"))
    assert high <= medium <= low < AD_ROM
    for level, data in levels.items():
        record = data["record"]
        assert record["rom_bytes"] == data["rom"]
        assert record["budget"] == LEVELS[level]
        assert 0.0 <= record["error"] <= LEVELS[level]


def test_measured_error_within_budget(ad_model: Path, levels: dict[str, dict]) -> None:
    """Re-measure each generated folder against the uncompressed C model on the same kind
    of inputs (other seeds): the error is within the budget (with a margin of 2)."""
    from stai.tools.compression_search import random_samples

    samples = random_samples(ad_model, 4, seed=7)
    _, measured = choose(ad_model, "low")
    base = generate(ad_model, levels["low"]["dir"].parent / "base").out_dir
    reference = [o.copy() for s in samples for o in CModel(base).run(s)]
    for level, data in levels.items():
        outputs = [o.copy() for s in samples for o in CModel(data["dir"]).run(s)]
        error = relative_error(outputs, reference)
        assert error <= 2 * LEVELS[level], (level, error)
    assert measured.rom == AD_ROM
    assert np.isfinite([c.error for c in measured.candidates]).all()


def test_compress_and_level_exclusive(
    ad_model: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as e:
        main(
            [
                "generate",
                "-m",
                str(ad_model),
                "-o",
                str(tmp_path / "o"),
                "-c",
                "8",
                "--compression-level",
                "low",
            ]
        )
    assert e.value.code == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "not allowed with" in err


IC = "mlperf_tiny/ic/pretrainedResnet_float.tflite"
IC_ROM = 310_824


def test_levels_pick_conv_layers_too(models_dir: Path, tmp_path: Path) -> None:
    """IC (nine conv2d, one dense): ``medium`` compresses conv2d layers, saves ROM, and the
    generated model's error against the uncompressed one (other inputs) fits the budget
    with a margin of 2."""
    from xdsl.dialects.builtin import IntegerAttr

    from stai.compiler.driver import import_model
    from stai.dialects import nn
    from stai.tools.compression_search import random_samples

    model = models_dir / IC
    generate_with_level(model, tmp_path / "medium", "medium")
    record = json.loads((tmp_path / "medium" / "network_compression.txt").read_text())
    convs = {
        str(op.attributes["nn.m_id"].value.data)
        for op in import_model(model).walk()
        if isinstance(op, nn.Conv2DOp) and isinstance(op.attributes.get("nn.m_id"), IntegerAttr)
    }
    assert len(convs) == 9 and set(record["layers"]) >= convs
    chosen = {k for k, v in record["layers"].items() if v["factor"] != "none"}
    assert chosen & convs, record
    assert record["uncompressed_rom_bytes"] == IC_ROM
    meta = json.loads((tmp_path / "medium" / "network.json").read_text())
    assert meta["weights_bytes"] == record["rom_bytes"] < IC_ROM
    samples = random_samples(model, 3, seed=11)
    base = generate(model, tmp_path / "base").out_dir
    reference = [o.copy() for s in samples for o in CModel(base).run(s)]
    outputs = [o.copy() for s in samples for o in CModel(tmp_path / "medium").run(s)]
    assert relative_error(outputs, reference) <= 2 * LEVELS["medium"]


def test_compression_file_round_trips(
    ad_model: Path, levels: dict[str, dict], tmp_path: Path
) -> None:
    """``NAME_compression.txt``, which ``--compression-level`` writes, is a ``-c`` layers
    file: it holds the chosen factors, and compiled with it the model's C is the one the
    level generated, byte for byte."""
    from stai.compiler.driver import compile_model, write_generated
    from stai.compiler.options import CompileOptions, CompressOptions
    from stai.transforms.compress_weights import load_layers

    data = levels["medium"]
    spec = data["dir"] / "network_compression.txt"
    factors = load_layers(str(spec))
    expected = {
        k: 0 if v["factor"] == "none" else v["factor"] for k, v in data["record"]["layers"].items()
    }
    assert factors == expected and any(factors.values())
    # The command line's -c takes the file as it is.
    assert CompressOptions.parse(str(spec)) == CompressOptions(layers=str(spec.resolve()))
    compiled = compile_model(ad_model, CompileOptions(compress=CompressOptions(layers=str(spec))))
    write_generated(compiled, tmp_path / "again")
    for name in ("network.c", "network.h", "network_data.c", "network_data.h"):
        assert (tmp_path / "again" / name).read_bytes() == (data["dir"] / name).read_bytes(), name
