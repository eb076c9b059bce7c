"""Write one of the tiny .tflite models the frontend's lit tests read.

Usage: python make_model.py KIND OUT.tflite, where KIND is one of `MODELS`.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from tflite_builder import ModelBuilder  # noqa: E402

SAME, VALID = 0, 1
RELU, RELU6 = 1, 3


def conv_int8() -> bytes:
    """int8 CONV_2D, SAME, stride 2, 4x4 kernel, per-channel weights, fused RELU6."""
    m = ModelBuilder()
    x = m.tensor("input", (1, 5, 6, 2), "INT8", scales=(0.5,), zero_points=(-3,))
    w = m.tensor(
        "weights",
        (3, 4, 4, 2),
        "INT8",
        data=np.arange(96).reshape(3, 4, 4, 2) % 7 - 3,
        scales=(0.25, 0.125, 0.0625),
        axis=0,
    )
    bias = m.tensor(
        "bias", (3,), "INT32", data=np.array([10, -20, 30]), scales=(0.125, 0.0625, 0.03125), axis=0
    )
    y = m.tensor("conv_out", (1, 3, 3, 3), "INT8", scales=(0.75,), zero_points=(-128,))
    m.op(
        "CONV_2D",
        [x, w, bias],
        [y],
        Padding=SAME,
        StrideW=2,
        StrideH=2,
        FusedActivationFunction=RELU6,
        DilationWFactor=1,
        DilationHFactor=1,
    )
    return m.build([x], [y])


def hybrid() -> bytes:
    """Float activations with int8 per-channel conv weights and float16 weights behind DEQUANTIZE."""
    m = ModelBuilder()
    x = m.tensor("input", (1, 4, 4, 1), signature=(-1, 4, 4, 1))
    w = m.tensor(
        "weights",
        (2, 1, 1, 1),
        "INT8",
        data=np.array([4, -6]).reshape(2, 1, 1, 1),
        scales=(0.5, 0.25),
        axis=0,
    )
    bias = m.tensor("bias", (2,), data=np.array([0.5, -1.0]))
    y = m.tensor("conv_out", (1, 4, 4, 2), signature=(-1, 4, 4, 2))
    m.op(
        "CONV_2D",
        [x, w, bias],
        [y],
        Padding=VALID,
        StrideW=1,
        StrideH=1,
        FusedActivationFunction=RELU,
    )
    half = m.tensor("offset_f16", (2,), "FLOAT16", data=np.array([1.5, 2.25]))
    offset = m.tensor("offset", (2,))
    m.op("DEQUANTIZE", [half], [offset])
    z = m.tensor("sum", (1, 4, 4, 2), signature=(-1, 4, 4, 2))
    m.op("ADD", [y, offset], [z])
    return m.build([x], [z])


def hybrid_fc_dw() -> bytes:
    """Hybrid DEPTHWISE_CONV_2D (per-channel int8 weights) and FULLY_CONNECTED (per-tensor
    int8 weights, asymmetric input quantization) on a rank-4 input, then a DEPTHWISE_CONV_2D
    with a single int8 scale."""
    m = ModelBuilder()
    x = m.tensor("input", (1, 2, 2, 2))
    dw_w = m.tensor(
        "dw_weights",
        (1, 1, 1, 2),
        "INT8",
        data=np.array([3, -5]).reshape(1, 1, 1, 2),
        scales=(0.5, 0.25),
        axis=3,
    )
    dw_b = m.tensor("dw_bias", (2,), data=np.array([0.5, -1.0]))
    d = m.tensor("dw_out", (1, 2, 2, 2))
    m.op(
        "DEPTHWISE_CONV_2D",
        [x, dw_w, dw_b],
        [d],
        Padding=VALID,
        StrideW=1,
        StrideH=1,
        DepthMultiplier=1,
        FusedActivationFunction=RELU,
    )
    fc_w = m.tensor(
        "fc_weights", (3, 8), "INT8", data=np.arange(24).reshape(3, 8) - 12, scales=(0.125,)
    )
    y = m.tensor("fc_out", (1, 3))
    m.op(
        "FULLY_CONNECTED",
        [d, fc_w, -1],
        [y],
        FusedActivationFunction=0,
        AsymmetricQuantizeInputs=True,
    )
    r = m.tensor("fc_4d", (1, 1, 1, 3))
    shape = m.tensor("shape", (4,), "INT32", data=np.array([1, 1, 1, 3]))
    m.op("RESHAPE", [y, shape], [r])
    w1 = m.tensor(
        "dw1_weights",
        (1, 1, 1, 3),
        "INT8",
        data=np.array([2, 4, -8]).reshape(1, 1, 1, 3),
        scales=(0.5,),
    )
    z = m.tensor("dw1_out", (1, 1, 1, 3))
    m.op(
        "DEPTHWISE_CONV_2D",
        [r, w1, -1],
        [z],
        Padding=VALID,
        StrideW=1,
        StrideH=1,
        DepthMultiplier=1,
        FusedActivationFunction=0,
    )
    return m.build([x], [z])


def fc_flatten() -> bytes:
    """PAD, MEAN (keep dims) then FULLY_CONNECTED on a rank-4 input without a bias."""
    m = ModelBuilder()
    x = m.tensor("input", (1, 2, 2, 3))
    pads = m.tensor("paddings", (4, 2), "INT32", data=np.array([[0, 0], [1, 0], [0, 2], [0, 0]]))
    p = m.tensor("padded", (1, 3, 4, 3))
    m.op("PAD", [x, pads], [p])
    axes = m.tensor("axes", (1,), "INT32", data=np.array([-3]))
    r = m.tensor("mean", (1, 1, 4, 3))
    m.op("MEAN", [p, axes], [r], KeepDims=True)
    w = m.tensor("fc_weights", (5, 12), data=np.ones((5, 12)))
    y = m.tensor("logits", (1, 5))
    m.op("FULLY_CONNECTED", [r, w, -1], [y], FusedActivationFunction=0)
    return m.build([x], [y])


def transpose_int8() -> bytes:
    """int8 TRANSPOSE NHWC -> NCHW with a negative axis in the permutation, then a TRANSPOSE
    whose output has other quantization parameters."""
    m = ModelBuilder()
    x = m.tensor("input", (1, 2, 3, 4), "INT8", scales=(0.5,), zero_points=(-3,))
    perm = m.tensor("perm", (4,), "INT32", data=np.array([0, -1, 1, 2]))
    t = m.tensor("nchw", (1, 4, 2, 3), "INT8", scales=(0.5,), zero_points=(-3,))
    m.op("TRANSPOSE", [x, perm], [t])
    back = m.tensor("back", (4,), "INT32", data=np.array([0, 2, 3, 1]))
    y = m.tensor("output", (1, 2, 3, 4), "INT8", scales=(0.25,), zero_points=(1,))
    m.op("TRANSPOSE", [t, back], [y])
    return m.build([x], [y])


MODELS: dict[str, Callable[[], bytes]] = {
    "conv_int8": conv_int8,
    "hybrid": hybrid,
    "hybrid_fc_dw": hybrid_fc_dw,
    "fc_flatten": fc_flatten,
    "transpose_int8": transpose_int8,
}


def main() -> None:
    if len(sys.argv) != 3 or sys.argv[1] not in MODELS:
        sys.exit(f"usage: make_model.py {{{','.join(MODELS)}}} OUT.tflite")
    Path(sys.argv[2]).write_bytes(MODELS[sys.argv[1]]())


if __name__ == "__main__":
    main()
