"""``nn.detection_postprocess`` (registered by ``stai.dialects.nn``): the last step of an
SSD-style detector, TFLite's custom operator ``TFLite_Detection_PostProcess``.

Inputs: box encodings ``[1, N, B]`` (B >= 4: centre y, centre x, h, w, then any extra
values, skipped), class scores ``[1, N, C1]`` (``C1`` is ``num_classes`` or one more: a
background class first, skipped) and anchors ``[N, 4]`` (centre y, centre x, h, w), all
float32. Each box is decoded against its anchor with the four scales, boxes scoring
below ``nms_score_threshold`` are dropped, and non-maximum suppression keeps the best
ones: one suppression over every anchor's best class (``use_regular_nms = 0``, up to
``max_classes_per_detection`` classes reported per box) or one per class
(``use_regular_nms = 1``, ``detections_per_class`` boxes each, the best
``max_detections`` overall).

The op has one packed float32 result of ``6 D + 1`` values for ``D`` detection slots:
the boxes ``[D, 4]`` (ymin, xmin, ymax, xmax), then the classes ``[D]``, the scores
``[D]`` and the number of detections; the frontend slices it into the model's four
outputs.

Example::

    %d = nn.detection_postprocess %boxes, %scores, %anchors {max_detections = 3 : i64,
         max_classes_per_detection = 1 : i64, detections_per_class = 100 : i64,
         use_regular_nms = 0 : i64, num_classes = 2 : i64, nms_score_threshold = 0.0 : f32,
         nms_iou_threshold = 0.5 : f32, y_scale = 10.0 : f32, x_scale = 10.0 : f32,
         h_scale = 5.0 : f32, w_scale = 5.0 : f32}
         : (tensor<1x6x4xf32>, tensor<1x6x3xf32>, tensor<6x4xf32>) -> tensor<19xf32>
"""

from __future__ import annotations

from xdsl.dialects.builtin import Float32Type, FloatAttr, IntegerAttr, TensorType
from xdsl.irdl import (
    IRDLOperation,
    irdl_op_definition,
    operand_def,
    prop_def,
    result_def,
    traits_def,
)
from xdsl.utils.exceptions import VerifyException

from stai.dialects.nn_base import _NNOp, _tensor
from stai.dialects.nn_traits import LayoutSensitive, QuantKind, QuantRule

INT_OPTIONS = (
    "max_detections",
    "max_classes_per_detection",
    "detections_per_class",
    "use_regular_nms",
    "num_classes",
)
"""The integer properties (``i64``), in the order of the kernel's parameters."""

FLOAT_OPTIONS = (
    "nms_score_threshold",
    "nms_iou_threshold",
    "y_scale",
    "x_scale",
    "h_scale",
    "w_scale",
)
"""The float properties (``f32``), in the order of the kernel's parameters."""


def detection_slots(packed: int) -> int:
    """The detection slots ``D`` of a packed result of ``packed`` values (``6 D + 1``)."""
    return (packed - 1) // 6


def packed_size(slots: int) -> int:
    """The values of the packed result for ``slots`` detection slots."""
    return 6 * slots + 1


def int_option(op: IRDLOperation, name: str) -> int:
    """The value of an integer property of a detection op (``nn`` or ``qnn``)."""
    value = getattr(op, name)
    assert isinstance(value, IntegerAttr)
    return value.value.data


def float_option(op: IRDLOperation, name: str) -> float:
    """The value of a float property of a detection op (``nn`` or ``qnn``)."""
    value = getattr(op, name)
    assert isinstance(value, FloatAttr)
    return float(value.value.data)


def verify_options(op: IRDLOperation) -> None:
    """The option checks both dialects' ops share (TensorFlow Lite Micro's own ones)."""
    if int_option(op, "use_regular_nms") not in (0, 1):
        raise VerifyException(f"{op.name}: 'use_regular_nms' must be 0 or 1")
    if int_option(op, "max_detections") < 0 or int_option(op, "num_classes") < 1:
        raise VerifyException(f"{op.name}: max_detections >= 0 and num_classes >= 1")
    if int_option(op, "use_regular_nms"):
        if int_option(op, "detections_per_class") < 1:
            raise VerifyException(f"{op.name}: detections_per_class must be positive")
    elif int_option(op, "max_classes_per_detection") < 1:
        raise VerifyException(f"{op.name}: max_classes_per_detection must be positive")
    if not 0.0 < float_option(op, "nms_iou_threshold") <= 1.0:
        raise VerifyException(f"{op.name}: nms_iou_threshold must be in (0, 1]")


def verify_shapes(
    op: IRDLOperation,
    boxes: tuple[int, ...],
    scores: tuple[int, ...],
    anchors: tuple[int, ...],
    packed: tuple[int, ...],
) -> None:
    """The shape checks both dialects' ops share."""
    if len(boxes) != 3 or boxes[0] != 1 or boxes[2] < 4:
        raise VerifyException(f"{op.name}: the box encodings must be [1, N, >= 4]")
    n = boxes[1]
    if len(scores) != 3 or scores[:2] != (1, n):
        raise VerifyException(f"{op.name}: the class scores must be [1, {n}, C]")
    if anchors != (n, 4):
        raise VerifyException(f"{op.name}: the anchors must be [{n}, 4]")
    if scores[2] - int_option(op, "num_classes") not in (0, 1):
        raise VerifyException(f"{op.name}: {scores[2]} scores per box for num_classes classes")
    if len(packed) != 1 or packed[0] < 7 or (packed[0] - 1) % 6:
        raise VerifyException(f"{op.name}: the result must hold 6 D + 1 values")
    if slots_written(op, n) > detection_slots(packed[0]):
        raise VerifyException(f"{op.name}: the kernel writes past the result's detection slots")


def slots_written(op: IRDLOperation, boxes: int) -> int:
    """The detection slots TensorFlow Lite Micro's kernel writes at most: every one of the
    first ``max_detections`` (regular suppression), or ``K * n + column`` for the n-th
    detection of ``K = min(max_classes_per_detection, num_classes)`` per box (fast)."""
    detections = int_option(op, "max_detections")
    if int_option(op, "use_regular_nms"):
        return detections
    k = min(int_option(op, "max_classes_per_detection"), int_option(op, "num_classes"))
    return min(detections, boxes) * k * k


@irdl_op_definition
class DetectionPostprocessOp(_NNOp):
    """Box decoding and non-maximum suppression of an SSD detector (TensorFlow Lite Micro's
    ``TFLite_Detection_PostProcess``), float32, with one packed result."""

    name = "nn.detection_postprocess"
    boxes = operand_def(TensorType)
    scores = operand_def(TensorType)
    anchors = operand_def(TensorType)
    max_detections = prop_def(IntegerAttr)
    max_classes_per_detection = prop_def(IntegerAttr)
    detections_per_class = prop_def(IntegerAttr)
    use_regular_nms = prop_def(IntegerAttr)
    num_classes = prop_def(IntegerAttr)
    nms_score_threshold = prop_def(FloatAttr)
    nms_iou_threshold = prop_def(FloatAttr)
    y_scale = prop_def(FloatAttr)
    x_scale = prop_def(FloatAttr)
    h_scale = prop_def(FloatAttr)
    w_scale = prop_def(FloatAttr)
    output = result_def(TensorType)
    traits = traits_def(QuantRule(QuantKind.FLOAT), LayoutSensitive())

    def verify_(self) -> None:
        types = [_tensor(self, n) for n in ("boxes", "scores", "anchors", "output")]
        if not all(isinstance(t.element_type, Float32Type) for t in types):
            raise VerifyException(f"{self.name}: every operand and the result must be f32")
        verify_options(self)
        shapes = [tuple(t.get_shape()) for t in types]
        verify_shapes(self, shapes[0], shapes[1], shapes[2], shapes[3])


DETECTION_OPS = (DetectionPostprocessOp,)
"""The ops of this module, in the order ``nn.NN`` registers them."""

__all__ = [
    "DETECTION_OPS",
    "FLOAT_OPTIONS",
    "INT_OPTIONS",
    "DetectionPostprocessOp",
    "detection_slots",
    "float_option",
    "int_option",
    "packed_size",
    "slots_written",
]
