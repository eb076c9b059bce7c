"""``convert-nn-to-qnn`` pattern of ``nn.detection_postprocess`` (``dialects/nn_detection.py``):
``qnn.detection_postprocess`` with the same options, float32 only (the op has no int8
form: TensorFlow Lite Micro runs it in float). ``convert_nn_to_qnn.py`` applies it with
the others.

Before::

    %d = nn.detection_postprocess %b, %s, %a {max_detections = 3 : i64, ...}
         : (tensor<1x6x4xf32>, tensor<1x6x3xf32>, tensor<6x4xf32>) -> tensor<19xf32>

After::

    %d = qnn.detection_postprocess ins(%b, %s, %a : tensor<1x6x4xf32>, tensor<1x6x3xf32>,
           tensor<6x4xf32>) {max_detections = 3 : i64, ...} -> tensor<19xf32>
"""

from __future__ import annotations

from xdsl.ir import Attribute
from xdsl.pattern_rewriter import PatternRewriter, RewritePattern, op_type_rewrite_pattern

from stai.dialects import nn_detection, qnn_detection
from stai.lowering.nn_to_qnn_base import Lowering


class ConvertDetectionPostprocess(RewritePattern):
    """``nn.detection_postprocess`` -> ``qnn.detection_postprocess`` (float)."""

    @op_type_rewrite_pattern
    def match_and_rewrite(
        self, op: nn_detection.DetectionPostprocessOp, rewriter: PatternRewriter
    ) -> None:
        names = (*nn_detection.INT_OPTIONS, *nn_detection.FLOAT_OPTIONS)
        props: dict[str, Attribute] = {name: getattr(op, name) for name in names}
        low = Lowering(op)
        ins = [op.boxes, op.scores, op.anchors]
        result = low.kernel(qnn_detection.DetectionPostprocessOp, ins, op.output.type, props)
        low.finish(rewriter, result)


DETECTION_PATTERNS: tuple[RewritePattern, ...] = (ConvertDetectionPostprocess(),)
"""The patterns of this module, appended to ``convert-nn-to-qnn``'s list."""
