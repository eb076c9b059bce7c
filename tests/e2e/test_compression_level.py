"""``--compression-level`` (``stai.compress_level``) on the AD float model: ``none`` keeps
the uncompressed ROM, the ROM shrinks from low to high, each level's measured output error
stays within its budget, and ``-c`` with ``--compression-level`` is a usage error."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from stai.cli import main
from stai.compress_level import LEVELS, choose, relative_error
from stai.driver import generate
from stai.runtime.runner import CModel

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
        generate(ad_model, root / level, compression_level=level)
        meta = json.loads((root / level / "network.json").read_text())
        record = json.loads((root / level / "network_compression.txt").read_text())
        out[level] = {"rom": meta["weights_bytes"], "record": record, "dir": root / level}
    return out


def test_none_is_uncompressed(ad_model: Path, tmp_path: Path) -> None:
    with pytest.raises(SystemExit) as e:
        main(["generate", "-m", str(ad_model), "-o", str(tmp_path / "o"),
              "--compression-level", "none"])
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
    from stai.compress_level import random_samples

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


def test_compress_and_level_exclusive(ad_model: Path, tmp_path: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as e:
        main(["generate", "-m", str(ad_model), "-o", str(tmp_path / "o"), "-c", "8",
              "--compression-level", "low"])
    assert e.value.code == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "not allowed with" in err
