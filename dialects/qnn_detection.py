"""``qnn.detection_postprocess`` (registered in the ``QNN`` dialect of
``stai.dialects.qnn``): the kernel ``stai_detection_postprocess_f32`` of
``runtime/include/stai_kernels_detection.h``, float32 only (as TensorFlow Lite Micro).

Its inputs are the box encodings, the class scores and the anchors; its output the packed
``6 D + 1`` values of ``nn.detection_postprocess``. The kernel's temporary arrays (decoded
boxes, kept indices, sort orders, the candidates of regular suppression) live in its
scratch buffer, sized at compile time by :func:`scratch_words`.

Example::

    %d = qnn.detection_postprocess ins(%b, %s, %a : tensor<1x6x4xf32>, tensor<1x6x3xf32>,
           tensor<6x4xf32>) {max_detections = 3 : i64, ...} -> tensor<19xf32>
"""

from __future__ import annotations

from typing import ClassVar

from xdsl.dialects.builtin import FloatAttr, IntegerAttr
from xdsl.irdl import irdl_op_definition, opt_prop_def
from xdsl.utils.exceptions import VerifyException

from stai.dialects.nn_detection import (
    FLOAT_OPTIONS,
    INT_OPTIONS,
    detection_slots,
    int_option,
    verify_options,
    verify_shapes,
)
from stai.dialects.qnn_base import InPlace, KernelOp, NoParams, ParamsSpec, shape_of


def scratch_words(
    boxes: int, regular: bool, classes_per_box: int, max_detections: int, per_class: int
) -> int:
    """The 4-byte words of the kernel's scratch buffer (its ``stai_detection_scratch_words``):
    ten per box (decoded box, scores, kept indices, sort order and its merge buffer,
    selected boxes, active flags), then ``classes_per_box`` class indices per box (fast
    suppression) or four candidate arrays of ``max_detections + min(boxes, per_class)``
    (regular suppression)."""
    common = 10 * boxes
    if regular:
        return common + 4 * (max_detections + min(boxes, per_class))
    return common + boxes * classes_per_box


@irdl_op_definition
class DetectionPostprocessOp(KernelOp):
    """SSD box decoding and non-maximum suppression: ``stai_detection_postprocess_f32``."""

    name = "qnn.detection_postprocess"
    max_detections = opt_prop_def(IntegerAttr)
    max_classes_per_detection = opt_prop_def(IntegerAttr)
    detections_per_class = opt_prop_def(IntegerAttr)
    use_regular_nms = opt_prop_def(IntegerAttr)
    num_classes = opt_prop_def(IntegerAttr)
    nms_score_threshold = opt_prop_def(FloatAttr)
    nms_iou_threshold = opt_prop_def(FloatAttr)
    y_scale = opt_prop_def(FloatAttr)
    x_scale = opt_prop_def(FloatAttr)
    h_scale = opt_prop_def(FloatAttr)
    w_scale = opt_prop_def(FloatAttr)
    NUM_INS: ClassVar[int | None] = 3
    S8_PARAMS: ClassVar[ParamsSpec] = None
    F32_PARAMS: ClassVar[ParamsSpec] = NoParams
    IN_PLACE: ClassVar[InPlace] = "no"
    SCRATCH: ClassVar[str] = "none"
    """No CMSIS-NN formula: :meth:`scratch_bytes` is the kernel's own."""
    OPERAND_ROLES: ClassVar[tuple[str, ...]] = ("boxes", "scores", "anchors")

    def num_boxes(self) -> int:
        return shape_of(self.ins[0])[1]

    def slots(self) -> int:
        """The detection slots ``D`` of the outputs."""
        return detection_slots(self.output_shape()[0])

    def classes_per_box(self) -> int:
        """The classes fast suppression reports per box (TensorFlow Lite Micro's
        ``min(max_classes_per_detection, num_classes)``)."""
        return min(int_option(self, "max_classes_per_detection"), int_option(self, "num_classes"))

    def scratch_bytes(self, isa: str) -> int:
        """The kernel's temporary arrays (:func:`scratch_words`), on every ISA."""
        words = scratch_words(
            self.num_boxes(),
            bool(int_option(self, "use_regular_nms")),
            self.classes_per_box(),
            int_option(self, "max_detections"),
            int_option(self, "detections_per_class"),
        )
        return 4 * words

    def macc(self) -> int:
        """The box decoding: four multiply-adds per box."""
        return 4 * self.num_boxes()

    def verify_(self) -> None:
        super().verify_()
        for name in (*INT_OPTIONS, *FLOAT_OPTIONS):
            if getattr(self, name) is None:
                raise VerifyException(f"{self.name}: missing '{name}'")
        verify_options(self)
        shapes = [shape_of(v) for v in self.ins]
        verify_shapes(self, shapes[0], shapes[1], shapes[2], self.output_shape())


DETECTION_OPS = (DetectionPostprocessOp,)
"""The ops of this module, in the order ``qnn.QNN`` registers them."""

__all__ = ["DETECTION_OPS", "DetectionPostprocessOp", "scratch_words"]
