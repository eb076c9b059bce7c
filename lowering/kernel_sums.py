"""Kernel sums of int8 fully connected layers, computed at compile time.

On Helium the CMSIS-NN API's fully connected kernels read, from their context buffer, one
int32 per output channel ``o``:

    sums[o] = bias[o] + input_offset * (sum_d w[o, d] + depth * filter_offset)

(``input_offset`` 0: the bias alone; no bias: 0), which ``arm_vector_sum_s8`` computes.
The weights, the bias and the offsets are all known when stai compiles, so
``convert-qnn-to-buf`` places these sums as a constant (``<layer>_kernel_sums``, flash)
and passes it as the kernel's scratch operand: no arena bytes and no per-inference
``arm_vector_sum_s8`` call.
"""

from __future__ import annotations

import numpy as np
from xdsl.dialects.builtin import DenseIntOrFPElementsAttr
from xdsl.ir import SSAValue

from stai.dialects import qnn
from stai.dialects.nn import dense_to_numpy
from stai.dialects.qnn_params import FullyConnectedS8Params


def _wrap_int32(values: np.ndarray) -> np.ndarray:
    """Two's-complement int32 of int64 values (the C arithmetic's wrap-around)."""
    return ((values + 2**31) % 2**32 - 2**31).astype(np.int32)


def kernel_sums(
    op: qnn.KernelOp, constants: dict[SSAValue, DenseIntOrFPElementsAttr]
) -> np.ndarray | None:
    """The int32 kernel sums of an int8 ``qnn.fully_connected`` whose weights (and bias, if
    any) are constants; None for any other op."""
    if not isinstance(op, qnn.FullyConnectedOp) or op.kind != "s8":
        return None
    ins = list(op.ins)
    if ins[1] not in constants or (len(ins) > 2 and ins[2] not in constants):
        return None
    weights = dense_to_numpy(constants[ins[1]]).astype(np.int64)
    weights = weights.reshape(weights.shape[0], -1)
    outputs, depth = weights.shape
    bias = (
        dense_to_numpy(constants[ins[2]]).astype(np.int64).reshape(outputs)
        if len(ins) > 2
        else np.zeros(outputs, np.int64)
    )
    params = op.params_as(FullyConnectedS8Params)
    input_offset = params.input_offset.value.data
    filter_offset = params.filter_offset.value.data
    if input_offset == 0:
        return _wrap_int32(bias)
    row_sums = weights.sum(axis=1) + depth * filter_offset
    return _wrap_int32(bias + input_offset * row_sums)
