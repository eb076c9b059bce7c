"""Post-training quantization (stai/quantize.py, quantize-nn) on the float shared models,
against the float model and the reference quantizer (ai_edge_quantizer)."""

from __future__ import annotations

import numpy as np
import pytest

from stai.errors import StaiError
from stai.quantize_compare import MODELS, compare, datasets, score


@pytest.mark.parametrize("key", ["hello_world", "ic"])
def test_stai_within_one_point_of_reference(models_dir, key):
    calib, data = datasets(models_dir, key, 32, 50)
    scores = compare(models_dir / MODELS[key], calib, data)
    assert "reference" in scores, "the reference quantizer's model did not load"
    stai, ref = scores["stai"], scores["reference"]
    assert stai.agreement >= ref.agreement - 1.0, (stai, ref)
    assert stai.rmse <= 2.0 * ref.rmse, (stai, ref)


def test_ad_quantized_close_to_float(models_dir):
    calib, data = datasets(models_dir, "ad", 32, 20)
    stai = compare(models_dir / MODELS["ad"], calib, data)["stai"]
    # the int8 model of the same network ships with an output step of 0.364: stay within
    # a few steps of the float reconstruction
    assert stai.rmse < 1.2, stai


def test_score_counts_argmax_agreement():
    ref = np.array([[0.1, 0.9], [0.8, 0.2]])
    s = score(ref, np.array([[0.2, 0.7], [0.1, 0.6]]))
    assert s.agreement == 50.0
    assert s.rmse > 0


def test_bad_calibration_file_is_one_line_error(tmp_path, models_dir):
    from stai.driver import import_model
    from stai.quantize import load_calibration

    module = import_model(models_dir / MODELS["ic"])
    bad = tmp_path / "x.npy"
    np.save(bad, np.zeros((3, 7), np.float32))
    with pytest.raises(StaiError, match="does not hold samples"):
        load_calibration(bad, module)
    with pytest.raises(StaiError, match="not found"):
        load_calibration(tmp_path / "missing.npz", module)


def test_cli_quantize_writes_a_folder(tmp_path, models_dir):
    from stai.cli import main
    from stai.runtime.runner import CModel

    calib, _ = datasets(models_dir, "hello_world", 16, 1)
    np.save(tmp_path / "calib.npy", calib)
    out = tmp_path / "hw"
    with pytest.raises(SystemExit) as exit_info:
        main(["quantize", "-m", str(models_dir / MODELS["hello_world"]),
              "-d", str(tmp_path / "calib.npy"), "-o", str(out), "-n", "hw"])
    assert exit_info.value.code == 0
    y = CModel(out, "hw").run([np.array([[np.pi / 2]], np.float32)])[0]
    assert y.dtype == np.float32 and abs(float(y.ravel()[0]) - 1.0) < 0.1
