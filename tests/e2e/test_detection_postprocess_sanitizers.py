"""``stai_detection_postprocess_f32`` in generated folders built with the address and
undefined-behaviour sanitizers (its temporaries in the arena's scratch, no heap), on the
harness's patterned inputs (13 score levels: many ties), compared with TFLite Micro where
it writes."""

from __future__ import annotations

import numpy as np
import pytest
from sanitized_build import FLOAT_HARNESS, float_pattern_inputs, run_sanitized
from test_detection_postprocess import Detector, _compare, _options

from stai.compiler.driver import generate
from stai.tools.reference import run_tflm_many

CASES = {
    "fast_two_classes": Detector(
        60, 6, 32, _options(max_detections=8, max_classes_per_detection=2, num_classes=5)
    ),
    "fast_stride_5_no_background": Detector(
        50, 5, 10, _options(max_detections=10, num_classes=5, nms_score_threshold=-1.0), stride=5
    ),
    "regular": Detector(
        60,
        6,
        12,
        _options(use_regular_nms=True, max_detections=10, detections_per_class=3, num_classes=5),
    ),
    "regular_all_kept": Detector(
        40,
        5,
        9,
        _options(use_regular_nms=True, max_detections=9, nms_score_threshold=-2.0, num_classes=4),
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_sanitized_run_matches_tflite_micro(name, tmp_path):
    det = CASES[name]
    path = det.write(tmp_path / f"{name}.tflite")
    out = tmp_path / "out"
    generate(path, out)
    work = tmp_path / "work"
    work.mkdir()
    printed = np.array(run_sanitized(out, FLOAT_HARNESS, work).split(), np.float32)
    shapes = [(1, det.slots, 4), (1, det.slots), (1, det.slots), (1,)]
    sizes = [int(np.prod(s)) for s in shapes]
    assert printed.size == sum(sizes)
    got = [
        part.reshape(shape) for part, shape in zip(np.split(printed, np.cumsum(sizes)[:-1]), shapes)
    ]
    inputs = float_pattern_inputs([(1, det.boxes, det.stride), (1, det.boxes, det.scores_per_box)])
    (want,) = run_tflm_many(path, [inputs])
    assert _compare(det, got, want) > 0
