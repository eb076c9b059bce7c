"""``EMITTERS``: the C emitter of each ``qnn`` op."""

from __future__ import annotations

from collections.abc import Callable

from stai.dialects import qnn, qnn_cumsum, qnn_indexing, qnn_matmul
from stai.lowering.convert_buf_to_c.abs import ABS_EMITTERS
from stai.lowering.convert_buf_to_c.activations import emit_prelu, emit_unary
from stai.lowering.convert_buf_to_c.conv import (
    emit_conv,
    emit_conv2d_codebook,
    emit_hybrid_conv,
    emit_transpose_conv,
)
from stai.lowering.convert_buf_to_c.cumsum import emit_cumsum, emit_gather_nd
from stai.lowering.convert_buf_to_c.data_movement import (
    emit_concat,
    emit_pad,
    emit_reshape,
    emit_strided_slice,
    emit_transpose,
)
from stai.lowering.convert_buf_to_c.detection import DETECTION_EMITTERS
from stai.lowering.convert_buf_to_c.elementwise import emit_binary, emit_math, emit_select
from stai.lowering.convert_buf_to_c.fully_connected import (
    emit_fully_connected,
    emit_fully_connected_codebook,
    emit_hybrid_fully_connected,
)
from stai.lowering.convert_buf_to_c.indexing import (
    emit_arg,
    emit_gather,
    emit_layer_norm,
    emit_log_softmax,
    emit_reduce,
    emit_reduce_sum,
    emit_resize_bilinear,
    emit_resize_nearest,
    emit_take,
)
from stai.lowering.convert_buf_to_c.kernel_block import KernelBlock
from stai.lowering.convert_buf_to_c.logical import LOGICAL_EMITTERS
from stai.lowering.convert_buf_to_c.matmul import emit_batch_matmul
from stai.lowering.convert_buf_to_c.mk_kernels import MK_EMITTERS
from stai.lowering.convert_buf_to_c.norm import NORM_EMITTERS
from stai.lowering.convert_buf_to_c.pool import emit_mean, emit_pool
from stai.lowering.convert_buf_to_c.recurrent import RECURRENT_EMITTERS, emit_lstm
from stai.lowering.convert_buf_to_c.softmax import emit_softmax
from stai.lowering.convert_buf_to_c.sqdiff import SQDIFF_EMITTERS
from stai.lowering.convert_buf_to_c.state import STATE_EMITTERS

EMITTERS: dict[type[qnn.KernelOp], Callable[[KernelBlock], None]] = {
    qnn.Conv2DOp: emit_conv,
    qnn.HybridConv2DOp: emit_hybrid_conv,
    qnn.DepthwiseConv2DOp: emit_conv,
    qnn.HybridDepthwiseConv2DOp: emit_hybrid_conv,
    qnn.FullyConnectedOp: emit_fully_connected,
    qnn.HybridFullyConnectedOp: emit_hybrid_fully_connected,
    qnn.FullyConnectedCodebookOp: emit_fully_connected_codebook,
    qnn.Conv2DCodebookOp: emit_conv2d_codebook,
    qnn.AvgPool2DOp: emit_pool,
    qnn.MaxPool2DOp: emit_pool,
    qnn.AddOp: emit_binary,
    qnn.SubOp: emit_binary,
    qnn.MulOp: emit_binary,
    qnn.DivOp: emit_binary,
    qnn.SoftmaxOp: emit_softmax,
    qnn.ClampOp: emit_unary,
    qnn.LogisticOp: emit_unary,
    qnn.TanhOp: emit_unary,
    qnn.LeakyReluOp: emit_unary,
    qnn.HardSwishOp: emit_unary,
    qnn.QuantizeOp: emit_unary,
    qnn.DequantizeOp: emit_unary,
    qnn.RequantizeOp: emit_unary,
    qnn.PadOp: emit_pad,
    qnn.ConcatOp: emit_concat,
    qnn.ReshapeOp: emit_reshape,
    qnn.MeanOp: emit_mean,
    qnn.TransposeOp: emit_transpose,
    qnn.TransposeConv2DOp: emit_transpose_conv,
    qnn.SwishOp: emit_unary,
    qnn.HardSigmoidOp: emit_unary,
    qnn.PReluOp: emit_prelu,
    qnn.LstmOp: emit_lstm,
    qnn.StridedSliceOp: emit_strided_slice,
    qnn.MaximumOp: emit_select,
    qnn.MinimumOp: emit_select,
    qnn.MathOp: emit_math,
    qnn_indexing.ResizeNearestOp: emit_resize_nearest,
    qnn_indexing.ResizeBilinearOp: emit_resize_bilinear,
    qnn_indexing.GatherOp: emit_gather,
    qnn_indexing.TakeOp: emit_take,
    qnn_indexing.ReduceOp: emit_reduce,
    qnn_indexing.ReduceSumOp: emit_reduce_sum,
    qnn_indexing.ArgOp: emit_arg,
    qnn_indexing.LayerNormOp: emit_layer_norm,
    qnn_indexing.LogSoftmaxOp: emit_log_softmax,
    **RECURRENT_EMITTERS,
    **MK_EMITTERS,
    **STATE_EMITTERS,
    **LOGICAL_EMITTERS,
    qnn_matmul.BatchMatmulOp: emit_batch_matmul,
    **NORM_EMITTERS,
    qnn_cumsum.CumsumOp: emit_cumsum,
    qnn_cumsum.GatherNdOp: emit_gather_nd,
    **DETECTION_EMITTERS,
    **ABS_EMITTERS,
    **SQDIFF_EMITTERS,
}
"""The C emitter of each ``qnn`` op (the kernel it calls depends on the element kind)."""
