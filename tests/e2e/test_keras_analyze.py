"""`stai analyze` and `stai validate` on Keras models: the batch-norm folding shows as a
weight-size change against the Keras model's own weights, and validation runs TensorFlow."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from keras_models import build

from stai.tools.analyze import analyze


@pytest.fixture(scope="module")
def residual_file(tmp_path_factory: pytest.TempPathFactory):
    model = build("functional_residual")
    path = tmp_path_factory.mktemp("keras_analyze") / "residual.keras"
    model.save(path)
    return model, path


def test_analyze_reports_the_folding(residual_file):
    model, path = residual_file
    a = analyze(path)
    keras_bytes = sum(int(np.prod(w.shape)) * 4 for w in model.weights)
    bn_bytes = 2 * 4 * 8 * 4  # two batch norms of 8 channels: gamma, beta, mean, variance
    assert a.totals.model_weights_bytes == keras_bytes
    assert a.totals.weights_change_bytes == -bn_bytes
    assert a.totals.weights_change_percent == round(-100.0 * bn_bytes / keras_bytes, 2)
    bn_ids = [m for m, t in a.model_types.items() if t == "BatchNormalization"]
    assert len(bn_ids) == 2
    for m in bn_ids:  # each shown as fused into the conv before it
        (row,) = [r for r in a.layers if m in r.fused]
        assert row.type == "conv2d" and row.model_type == "Conv2D" and row.m_id == m - 1


def test_analyze_without_folding(tmp_path):
    """A batch norm after a relu stays a mul and an add: no weight change."""
    model = build("sequential_cnn")
    path = tmp_path / "cnn.h5"
    model.save(path)
    a = analyze(path)
    assert a.totals.weights_change_bytes == 0
    assert a.totals.model_weights_bytes == sum(int(np.prod(w.shape)) * 4 for w in model.weights)


def test_validate_command(residual_file, tmp_path):
    _, path = residual_file
    proc = subprocess.run(
        [sys.executable, "-m", "stai.cli.main", "validate", "-m", str(path), "-o", str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert "reference: tensorflow" in proc.stdout
