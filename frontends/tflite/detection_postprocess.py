"""TFLite translation of the custom operator ``TFLite_Detection_PostProcess``
(``nn.detection_postprocess``, ``dialects/nn_detection.py``): the last step of SSD-style
detectors, which TensorFlow Lite Micro registers as ``DETECTION_POSTPROCESS``.

Its options are a flexbuffer map in the operator's custom options: ``max_detections``,
``max_classes_per_detection``, ``nms_score_threshold``, ``nms_iou_threshold``,
``num_classes`` and the four scales are required (TensorFlow Lite Micro reads a missing one
as 0: stai names it instead); ``detections_per_class`` (100) and ``use_regular_nms``
(false) may be left out. Inputs and outputs are float32 only, as TensorFlow Lite Micro runs
them (a quantized model dequantizes before the operator). The op's packed result is sliced
into the four outputs: boxes ``[1, D, 4]``, classes ``[1, D]``, scores ``[1, D]`` and the
number of detections ``[1]``.

TensorFlow Lite Micro writes detections at slots it does not bound by the outputs' size
(fast suppression with several classes per box leaves gaps: slot ``K * n + column``); a
model whose outputs are too small for them is refused, as are options TensorFlow Lite
Micro fails on when it runs (an overlap threshold outside (0, 1], no class per box).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from xdsl.dialects.builtin import FloatAttr, IntegerAttr, TensorType, f32, i64
from xdsl.ir import Attribute

from stai.dialects.nn_detection import DetectionPostprocessOp, packed_size
from stai.dialects.qnn_detection import scratch_words

from .reader import TflOperator
from .shapes import ShapeTranslator

__all__ = ["CUSTOM_NAME", "DetectionPostprocessOp", "DetectionTranslator"]

CUSTOM_NAME = "CUSTOM:TFLite_Detection_PostProcess"
"""The operator's name as the reader gives custom operators (``CUSTOM:<custom code>``)."""

_REQUIRED_INTS = ("max_detections", "max_classes_per_detection", "num_classes")
_REQUIRED_FLOATS = (
    "nms_score_threshold",
    "nms_iou_threshold",
    "y_scale",
    "x_scale",
    "h_scale",
    "w_scale",
)
DEFAULT_DETECTIONS_PER_CLASS = 100
"""TensorFlow Lite Micro's ``detections_per_class`` when the options leave it out."""

MAX_SCRATCH_BYTES = (1 << 31) - 1
"""The largest scratch buffer the kernel's ``int32_t`` size argument can state."""


def _number(value: Any) -> float | None:
    """A flexbuffer scalar as a Python number (booleans as 0 / 1), or None."""
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, int | float):
        return value
    return None


class DetectionTranslator(ShapeTranslator):
    """Translator of ``TFLite_Detection_PostProcess``."""

    def _detection_options(self, op: TflOperator) -> dict[str, Attribute]:
        """The operator's flexbuffer options as the op's properties."""
        raw = op.options.get("CustomOptions")
        if not isinstance(raw, bytes | bytearray) or not raw:
            raise self._error(op, "its custom options (a flexbuffer map) are missing")
        from flatbuffers import flexbuffers

        try:
            table = flexbuffers.Loads(bytes(raw))
        except Exception as exc:  # the flexbuffer reader fails in many ways on bad bytes
            raise self._error(op, f"its custom options are not a flexbuffer map ({exc})") from exc
        if not isinstance(table, dict):
            raise self._error(op, "its custom options are not a flexbuffer map")
        values: dict[str, float] = {
            "detections_per_class": DEFAULT_DETECTIONS_PER_CLASS,
            "use_regular_nms": 0,
        }
        for name in (*_REQUIRED_INTS, *_REQUIRED_FLOATS, *values):
            if name not in table:
                if name in values:
                    continue
                raise self._error(op, f"the option '{name}' is missing")
            number = _number(table[name])
            if number is None or not np.isfinite(number):
                raise self._error(op, f"the option '{name}' is not a finite number")
            values[name] = number
        props: dict[str, Attribute] = {}
        for name in (*_REQUIRED_INTS, "detections_per_class"):
            props[name] = IntegerAttr(int(values[name]), i64)
        props["use_regular_nms"] = IntegerAttr(int(values["use_regular_nms"] != 0), i64)
        for name in _REQUIRED_FLOATS:
            props[name] = FloatAttr(float(np.float32(values[name])), f32)
        return props

    def _detection_postprocess(self, op: TflOperator) -> None:
        self._check_outputs(op, 4)
        if len(op.inputs) != 3:
            raise self._error(op, f"{len(op.inputs)} inputs (box encodings, scores, anchors)")
        ins = [
            self._input_index(op, i, what)
            for i, what in enumerate(("box encodings", "class scores", "anchors"))
        ]
        for t in (*ins, *op.outputs):
            if not self._is_float(t):
                raise self._error(
                    op,
                    f"tensor '{self.tensors[t].name}' is {self.tensors[t].type_name}: "
                    "TFLite Micro runs this operator in float32 only",
                )
        props = self._detection_options(op)
        option: dict[str, Any] = {}
        for name, attr in props.items():
            assert isinstance(attr, IntegerAttr | FloatAttr)
            option[name] = attr.value.data
        boxes, scores, anchors = (self._shape(t) for t in ins)
        if len(boxes) != 3 or boxes[0] != 1 or boxes[2] < 4:
            raise self._error(op, f"the box encodings {list(boxes)} are not [1, N, >= 4]")
        n = boxes[1]
        if len(scores) != 3 or tuple(scores[:2]) != (1, n):
            raise self._error(op, f"the class scores {list(scores)} are not [1, {n}, C]")
        if tuple(anchors) != (n, 4):
            raise self._error(op, f"the anchors {list(anchors)} are not [{n}, 4]")
        classes = int(option["num_classes"])
        if classes < 1 or scores[2] - classes not in (0, 1):
            raise self._error(
                op, f"{scores[2]} scores per box for num_classes {classes} (C or C + 1)"
            )
        slots = self._detection_slots(op)
        self._check_detection_options(op, option, n, slots)
        packed_type = TensorType(f32, (packed_size(slots),))
        operands = [self._operand(op, i, "data") for i in range(3)]
        packed = self._emit(
            op, DetectionPostprocessOp, operands, props, result_type=packed_type, name=False
        )
        starts = (0, 4 * slots, 5 * slots, 6 * slots)
        sizes = (4 * slots, slots, slots, 1)
        for output, (start, size) in enumerate(zip(starts, sizes)):
            self._slice_output(op, output, packed, [start], [1], [size])

    def _detection_slots(self, op: TflOperator) -> int:
        """The detection slots ``D`` of the outputs (``[1, D, 4]``, ``[1, D]`` twice, one
        value)."""
        shapes = [tuple(self._shape(t)) for t in op.outputs]
        slots = shapes[0][1] if len(shapes[0]) == 3 else -1
        expected = [(1, slots, 4), (1, slots), (1, slots)]
        if slots < 1 or shapes[:3] != expected or int(np.prod(shapes[3])) != 1:
            raise self._error(
                op,
                f"outputs {[list(s) for s in shapes]} are not [1, D, 4], [1, D], [1, D], [1]",
            )
        return slots

    def _check_detection_options(
        self, op: TflOperator, option: dict[str, Any], boxes: int, slots: int
    ) -> None:
        """What TensorFlow Lite Micro fails on when it runs, and what does not fit."""
        regular = bool(option["use_regular_nms"])
        max_detections = int(option["max_detections"])
        if max_detections < 0:
            raise self._error(op, f"max_detections {max_detections} is negative")
        if not 0.0 < option["nms_iou_threshold"] <= 1.0:
            raise self._error(
                op, f"nms_iou_threshold {option['nms_iou_threshold']} is not in (0, 1]"
            )
        per_class = int(option["detections_per_class"])
        if regular and per_class < 1:
            raise self._error(op, f"detections_per_class {per_class} is not positive")
        k = min(int(option["max_classes_per_detection"]), int(option["num_classes"]))
        if not regular and int(option["max_classes_per_detection"]) < 1:
            raise self._error(op, "max_classes_per_detection is not positive")
        needed = max_detections if regular else min(max_detections, boxes) * k * k
        if needed > slots:
            raise self._error(
                op,
                f"TFLite Micro writes up to {needed} detection slots, the outputs hold {slots}",
            )
        words = scratch_words(boxes, regular, k, max_detections, per_class)
        if 4 * words > MAX_SCRATCH_BYTES:
            raise self._error(op, f"its scratch buffer ({4 * words} bytes) is too large")
