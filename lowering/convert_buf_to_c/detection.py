"""The detection post-processing kernel: ``stai_detection_postprocess_f32``
(``qnn.detection_postprocess``)."""

from __future__ import annotations

from collections.abc import Callable

from xdsl.dialects.builtin import MemRefType

from stai.dialects import qnn_detection
from stai.dialects.buf import byte_size
from stai.dialects.nn_detection import float_option, int_option
from stai.dialects.qnn_base import KernelOp
from stai.lowering.convert_buf_to_c.common import fail, shape_of
from stai.lowering.convert_buf_to_c.kernel_block import KernelBlock, out_of, scratch_ptr


def emit_detection_postprocess(k: KernelBlock) -> None:
    """``stai_detection_postprocess_f32(&params, boxes, scores, anchors, out, scratch,
    scratch_bytes)`` with a ``stai_detection_params_f32`` of the geometry and options."""
    op = k.op
    assert isinstance(op, qnn_detection.DetectionPostprocessOp)
    if op.kind != "f32" or op.scratch is None or not isinstance(op.scratch.type, MemRefType):
        raise fail(op, "expected a float32 detection with a scratch buffer")
    scratch_bytes = byte_size(op.scratch.type)
    boxes, scores, anchors = op.ins
    _, num_boxes, box_stride = shape_of(boxes)
    fields: dict[str, object] = {
        "num_boxes": num_boxes,
        "box_stride": box_stride,
        "scores_per_box": shape_of(scores)[2],
        "slots": op.slots(),
    }
    for name in (
        "num_classes",
        "max_detections",
        "max_classes_per_detection",
        "detections_per_class",
        "use_regular_nms",
    ):
        fields[name] = int_option(op, name)
    for name in ("nms_score_threshold", "nms_iou_threshold"):
        fields[name] = k.low.float_field(float_option(op, name))
    for name in ("y_scale", "x_scale", "h_scale", "w_scale"):
        fields[name] = k.low.float_field(float_option(op, name))
    params = k.struct("detection_params", "stai_detection_params_f32", fields)
    args = [
        params,
        k.ptr(boxes),
        k.ptr(scores),
        k.ptr(anchors),
        k.ptr(out_of(op), True),
        scratch_ptr(k),
        k.int_(scratch_bytes),
    ]
    k.call("stai_detection_postprocess_f32", args)


DETECTION_EMITTERS: dict[type[KernelOp], Callable[[KernelBlock], None]] = {
    qnn_detection.DetectionPostprocessOp: emit_detection_postprocess,
}
"""The emitters of this module, merged into ``EMITTERS``."""
