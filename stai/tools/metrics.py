"""Comparison metrics of ``stai validate`` (see ``docs/validate.md``).

``compare(pred, ref)`` takes two batches ``(n, ...)`` of the same shape and returns the
metrics of ``pred`` against ``ref``. Quantized integer arrays are compared as real numbers
(``scale * (q - zero_point)``) for the float metrics; ``bit_exact`` counts the samples
whose raw integers are all equal. ``accuracy`` (classifier outputs, or labels) is the
fraction of samples whose argmax agrees.

Which metrics apply (the others are None in ``as_dict`` and ``-`` in the report):

* against values (a reference's outputs, or expected output values): the error metrics
  (``ERROR_METRICS``) always; ``acc`` only for a classifier whose output has more than one
  element per sample; ``max_abs_lsb`` and ``bit_exact`` only when both sides are integers
  of the same type;
* against labels (one class index per sample): ``acc`` only.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np


@dataclass
class Quant:
    """Per-tensor quantization of an integer array (``None`` scale: not quantized)."""

    scale: float | None = None
    zero_point: int | None = None

    def real(self, values: np.ndarray) -> np.ndarray:
        """The real (float64) values of ``values``."""
        if self.scale is None or values.dtype.kind not in "iu":
            return values.astype(np.float64)
        return self.scale * (values.astype(np.float64) - float(self.zero_point or 0))


ERROR_METRICS = ("rmse", "mae", "l2r", "mean", "std", "cos", "nse", "max_abs")
"""The metrics of the error ``prediction - reference``: they need values on both sides."""


@dataclass
class Metrics:
    """One comparison ("C model vs reference", ...) of one tensor."""

    samples: int
    acc: float | None = None
    rmse: float = 0.0
    mae: float = 0.0
    l2r: float = 0.0
    mean: float = 0.0
    std: float = 0.0
    cos: float = 1.0
    nse: float = 1.0
    max_abs: float = 0.0
    max_abs_lsb: int | None = None
    bit_exact: int | None = None
    """Samples whose integers are all equal (integer tensors only)."""
    extra: dict[str, Any] = field(default_factory=dict)
    labels: bool = False
    """Compared with class labels (one index per sample): only ``acc`` applies."""

    def applies(self, metric: str) -> bool:
        """Whether ``metric`` (a field name) means something for this comparison."""
        if metric in ERROR_METRICS:
            return not self.labels
        return getattr(self, metric) is not None

    def as_dict(self) -> dict[str, Any]:
        """The metrics by name, None where they do not apply, and ``against``: ``values``
        or ``labels``."""
        out = asdict(self)
        out.pop("extra")
        out.pop("labels")
        for metric in ERROR_METRICS:
            if not self.applies(metric):
                out[metric] = None
        out["against"] = "labels" if self.labels else "values"
        out.update(self.extra)
        return out


def _safe_div(num: float, den: float, empty: float) -> float:
    if den == 0.0:
        return empty if num == 0.0 else float("inf")
    return num / den


def cosine(a: np.ndarray, b: np.ndarray) -> float:
    """Cosine similarity of two flat vectors (exactly 1 for equal vectors)."""
    if np.array_equal(a, b):
        return 1.0
    na, nb = float(np.linalg.norm(a)), float(np.linalg.norm(b))
    if na == 0.0 or nb == 0.0:
        return 0.0
    return float(np.clip(np.dot(a, b) / (na * nb), -1.0, 1.0))


def classes(values: np.ndarray) -> np.ndarray:
    """The predicted class of each sample: argmax over the sample's flattened values."""
    flat = values.reshape(values.shape[0], -1)
    return np.argmax(flat, axis=1)


def compare(
    pred: np.ndarray,
    ref: np.ndarray,
    pred_quant: Quant | None = None,
    ref_quant: Quant | None = None,
    classifier: bool = False,
) -> Metrics:
    """Metrics of ``pred`` against ``ref`` (batches of the same shape)."""
    pred, ref = np.asarray(pred), np.asarray(ref)
    if pred.shape != ref.shape:
        raise ValueError(f"shapes differ: {pred.shape} vs {ref.shape}")
    n = pred.shape[0] if pred.ndim else 1
    p = (pred_quant or Quant()).real(pred).reshape(n, -1)
    r = (ref_quant or Quant()).real(ref).reshape(n, -1)
    err = p - r
    sq = float(np.sum(err * err))
    m = Metrics(samples=n)
    m.rmse = float(np.sqrt(np.mean(err * err))) if err.size else 0.0
    m.mae = float(np.mean(np.abs(err))) if err.size else 0.0
    m.l2r = _safe_div(float(np.sqrt(sq)), float(np.linalg.norm(r)), 0.0)
    m.mean = float(np.mean(err)) if err.size else 0.0
    m.std = float(np.std(err)) if err.size else 0.0
    m.cos = cosine(p.ravel(), r.ravel())
    m.nse = 1.0 - _safe_div(sq, float(np.sum((r - r.mean()) ** 2)), 0.0)
    m.max_abs = float(np.max(np.abs(err))) if err.size else 0.0
    if pred.dtype.kind in "iu" and ref.dtype.kind in "iu" and pred.dtype == ref.dtype:
        raw = np.abs(pred.astype(np.int64) - ref.astype(np.int64)).reshape(n, -1)
        m.max_abs_lsb = int(raw.max()) if raw.size else 0
        m.bit_exact = int(np.sum(np.all(raw == 0, axis=1)))
    if classifier and p.shape[1] > 1:
        m.acc = float(np.mean(classes(p) == classes(r))) if n else 0.0
    return m


def accuracy_vs_labels(pred: np.ndarray, labels: np.ndarray) -> Metrics:
    """Accuracy of the argmax of ``pred`` against integer class ``labels`` (one per sample)."""
    n = pred.shape[0]
    m = Metrics(samples=n, labels=True)
    m.acc = float(np.mean(classes(pred) == labels.reshape(n).astype(np.int64))) if n else 0.0
    return m


def confusion_matrix(predicted: np.ndarray, expected: np.ndarray, n_classes: int) -> np.ndarray:
    """``cm[i, j]``: samples of expected class ``i`` predicted as ``j``."""
    cm = np.zeros((n_classes, n_classes), dtype=np.int64)
    for e, p in zip(expected.astype(np.int64), predicted.astype(np.int64)):
        if 0 <= e < n_classes and 0 <= p < n_classes:
            cm[e, p] += 1
    return cm
