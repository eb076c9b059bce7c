"""The compile-time side of stai's Helium (MVE) int8 micro-kernels
(``include/stai_mk_mve_s8.h``), for cores with ``isa=mve`` (Cortex-M55).

As ``mk_layouts`` does for the DSP kernels: the packed weights in the order the vector
loops read them (``pack_*``), the effective bias with the input offset folded in, the
requantization path the layer's shifts allow (``fast_requant_mve``) and the
``KernelCall`` of each kernel. The Helium kernels read 16 input channels per vector
load, so the layouts pad the input channels to a multiple of 16 with zero weights.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from stai.runtime.mk_layouts import KernelCall

__all__ = [
    "CONV1X1_MVE",
    "HEADER",
    "conv1x1_mve_sizes",
    "fast_requant_mve",
    "pack_pointwise_mve_s8",
]

HEADER = "stai_mk_mve_s8.h"
"""The runtime header of the Helium micro-kernels."""

CONV1X1_MVE = KernelCall(
    "stai_mk_conv1x1_mve_s8",
    (
        "input",  # const int8_t *: [pixels][in_ch]
        "weights",  # const int8_t *: pack_pointwise_mve_s8(...)[0]
        "bias",  # const int32_t *: pack_pointwise_mve_s8(...)[1]
        "multipliers",  # const int32_t *: out_ch
        "shifts",  # const int32_t *: out_ch
        "output",  # int8_t *: [pixels][out_ch], apart from the input
        "scratch",  # void *: none (NULL)
        "pixels",  # batch * height * width
        "in_ch",
        "out_ch",
        "output_offset",
        "act_min",
        "act_max",
        "fast_requant",  # fast_requant_mve(...)
    ),
    ("input", "weights", "bias", "multipliers", "shifts", "output", "scratch"),
    HEADER,
)
"""``stai_mk_conv1x1_mve_s8``: a 1x1 convolution (stride 1, no padding) or a fully
connected layer (pixels = batch) on a Helium core."""


def _round_up(n: int, m: int) -> int:
    return -(-int(n) // m) * m


def conv1x1_mve_sizes(in_ch: int, out_ch: int) -> tuple[int, int]:
    """Bytes of ``pack_pointwise_mve_s8``'s weights and entries of its bias: output
    channels rounded up to a multiple of 4 times input channels rounded up to 16; a bias
    per output channel of the rounded count."""
    o4 = _round_up(out_ch, 4)
    return o4 * _round_up(in_ch, 16), o4


def pack_pointwise_mve_s8(
    weights_ohwi: np.ndarray, bias: np.ndarray | None, input_offset: int
) -> tuple[np.ndarray, np.ndarray]:
    """The weights and the effective bias ``stai_mk_conv1x1_mve_s8`` reads.

    ``weights_ohwi`` is (out, 1, 1, in) or (out, in) int8; ``bias`` out int32 (or None).
    With ``O4 = 4 * ceil(out / 4)`` output channels and ``C = ceil(in / 16)`` chunks of 16
    input channels (``w`` zero padded to ``(O4, 16 C)``), the packed weights are, for each
    output-channel pair ``j`` and each chunk ``k``, the 16 bytes ``w[2j, 16k:16k+16]`` then
    the 16 bytes ``w[2j+1, 16k:16k+16]`` (the two weight vectors of one step of the
    kernel's four-pixel block; its one-pixel loop reads pairs ``2g`` and ``2g+1``). The
    effective bias is ``bias[o] + input_offset * sum(w[o, :])`` as O4 int32 (zero padded);
    ValueError when it does not fit in int32."""
    w = np.asarray(weights_ohwi)
    if w.ndim == 4:
        w = w.reshape(w.shape[0], -1)
    if w.ndim != 2:
        raise ValueError(f"conv1x1 weights must be (out, in) or (out, 1, 1, in), not {w.shape}")
    out_ch, in_ch = w.shape
    o4, i16 = _round_up(out_ch, 4), _round_up(in_ch, 16)
    padded = np.zeros((o4, i16), dtype=np.int8)
    padded[:out_ch, :in_ch] = w.astype(np.int8)
    # [j][oc in pair][k][16] -> [j][k][oc in pair][16]
    packed = padded.reshape(o4 // 2, 2, i16 // 16, 16).transpose(0, 2, 1, 3).reshape(-1)
    b64 = np.zeros(o4, dtype=np.int64)
    if bias is not None:
        b64[:out_ch] = np.asarray(bias, dtype=np.int64).reshape(-1)
    b64[:out_ch] += int(input_offset) * w.astype(np.int64).sum(axis=1)
    if b64.size and (b64.min() < -(2**31) or b64.max() >= 2**31):
        raise ValueError("the effective bias does not fit in int32")
    return np.ascontiguousarray(packed), b64.astype(np.int32)


def fast_requant_mve(shifts: Sequence[int] | np.ndarray) -> int:
    """``fast_requant`` of a Helium kernel call: 2 when every shift is a right shift of
    at least 1 (the requantization then needs no per-channel branch), else 0. Helium's
    VQRDMULH needs no headroom: every accumulator is exact."""
    s = np.asarray(shifts, dtype=np.int64).reshape(-1)
    return 2 if s.size and bool(np.all(s <= -1)) else 0
