"""stai.tools.metrics: the validation metrics on hand-computed cases."""

from __future__ import annotations

import math

import numpy as np
import pytest

from stai.tools.metrics import Quant, accuracy_vs_labels, compare, confusion_matrix


def test_identical_int8_is_bit_exact() -> None:
    x = np.array([[1, -2, 3], [4, 5, -6]], dtype=np.int8)
    m = compare(x, x.copy(), Quant(0.5, 1), Quant(0.5, 1), classifier=True)
    assert (m.samples, m.bit_exact, m.max_abs_lsb) == (2, 2, 0)
    assert m.rmse == m.mae == m.l2r == m.mean == m.std == m.max_abs == 0.0
    assert m.cos == 1.0 and m.nse == 1.0 and m.acc == 1.0


def test_hand_computed_float_metrics() -> None:
    ref = np.array([[1.0, 2.0], [3.0, 4.0]])
    pred = np.array([[1.0, 2.0], [3.0, 6.0]])
    m = compare(pred, ref)
    err = np.array([0.0, 0.0, 0.0, 2.0])
    assert m.rmse == pytest.approx(math.sqrt(np.mean(err**2)))
    assert m.mae == pytest.approx(0.5)
    assert m.l2r == pytest.approx(2.0 / math.sqrt(30.0))
    assert m.mean == pytest.approx(0.5) and m.std == pytest.approx(np.std(err))
    assert m.cos == pytest.approx((1 + 4 + 9 + 24) / (math.sqrt(30) * math.sqrt(50)))
    assert m.nse == pytest.approx(1 - 4.0 / 5.0)
    assert m.max_abs == 2.0 and m.bit_exact is None and m.acc is None


def test_quantized_values_are_compared_as_reals() -> None:
    pred = np.array([[10, 12]], dtype=np.int8)
    ref = np.array([[10, 11]], dtype=np.int8)
    m = compare(pred, ref, Quant(0.25, 10), Quant(0.25, 10))
    assert m.max_abs == pytest.approx(0.25) and m.max_abs_lsb == 1 and m.bit_exact == 0


def test_accuracy_and_confusion() -> None:
    scores = np.array([[0.1, 0.9], [0.8, 0.2], [0.3, 0.7]])
    m = accuracy_vs_labels(scores, np.array([1, 1, 1]))
    assert m.acc == pytest.approx(2 / 3)
    cm = confusion_matrix(np.array([1, 0, 1]), np.array([1, 1, 1]), 2)
    assert cm.tolist() == [[0, 0], [1, 2]]


def test_shape_mismatch_raises() -> None:
    with pytest.raises(ValueError, match="shapes differ"):
        compare(np.zeros((2, 3)), np.zeros((2, 4)))


def test_labels_have_only_accuracy() -> None:
    """Against class labels the error metrics do not apply: None in the JSON form."""
    scores = np.array([[0.1, 0.9], [0.8, 0.2]])
    m = accuracy_vs_labels(scores, np.array([1, 1]))
    data = m.as_dict()
    assert data["acc"] == 0.5 and data["against"] == "labels"
    for key in ("rmse", "mae", "l2r", "mean", "std", "cos", "nse", "max_abs"):
        assert data[key] is None and not m.applies(key)
    assert data["bit_exact"] is None and data["max_abs_lsb"] is None


def test_accuracy_needs_more_than_one_class() -> None:
    """--classifier on a one-element output (a regressor): argmax is always 0, so no
    accuracy; the error metrics stay."""
    pred = np.array([[0.5], [0.7]])
    m = compare(pred, pred + 1.0, classifier=True)
    assert m.acc is None and m.as_dict()["acc"] is None
    assert m.as_dict()["against"] == "values" and m.as_dict()["max_abs"] == 1.0
    m = compare(np.array([[0.1, 0.9]]), np.array([[0.2, 0.8]]), classifier=True)
    assert m.acc == 1.0
