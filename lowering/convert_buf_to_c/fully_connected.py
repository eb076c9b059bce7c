"""Fully connected layers: float, int8 (per tensor or per channel), hybrid, codebook."""

from __future__ import annotations

from xdsl.ir import SSAValue

from stai.dialects import c, qnn
from stai.dialects.buf import GetConstOp
from stai.lowering.convert_buf_to_c.common import I32_PTR, fail, shape_of, size_of
from stai.lowering.convert_buf_to_c.conv import int4_weighted_args, is_int4
from stai.lowering.convert_buf_to_c.kernel_block import (
    KernelBlock,
    hybrid_quant,
    out_of,
    scratch_ptr,
)


def _fc_shape(op: qnn.KernelOp) -> tuple[int, int, int]:
    """Rows, accumulation depth and outputs of a fully connected op (checked)."""
    x, w, _b = op.ins
    w_shape = shape_of(w)
    if len(w_shape) != 2:
        raise fail(op, "the weights must be [outputs, depth]")
    outputs, depth = w_shape
    if size_of(x) % depth or size_of(out_of(op)) != size_of(x) // depth * outputs:
        raise fail(op, "input, weight and output shapes do not agree")
    return size_of(x) // depth, depth, outputs


def emit_hybrid_fully_connected(k: KernelBlock) -> None:
    """``stai_fully_connected_hybrid_f32``: f32 activations, int8 weights (1 byte each in
    flash), the filter scales as a const float table, each row quantized into the scratch
    buffer (symmetric or asymmetric, the ``asymmetric_inputs`` parameter)."""
    op = k.op
    x, w, b = op.ins
    y = out_of(op)
    rows, depth, outputs = _fc_shape(op)
    ctx = k.context()
    init = {"asymmetric_inputs": k.p("asymmetric_inputs")} | k.act_floats()
    params = k.struct("fc_params", "stai_fc_hybrid_params_f32", init)
    quant = hybrid_quant(k, outputs)
    dims = k.fc_dims(rows, depth, outputs)
    k.call(
        "stai_fully_connected_hybrid_f32",
        [ctx, params, quant, *k.weighted_args(dims, x, w, b, y)],
    )


def emit_fully_connected(k: KernelBlock) -> None:
    op = k.op
    x, w, b = op.ins
    y = out_of(op)
    rows, depth, outputs = _fc_shape(op)
    dims = k.fc_dims(rows, depth, outputs)
    if op.kind == "f32":
        params = k.struct("fc_params", "stai_fc_params_f32", k.act_floats())
        k.call(
            "stai_fully_connected_f32",
            [params, *k.weighted_args(dims, x, w, b, y)],
        )
        return
    if op.kind == "s16":
        _emit_fully_connected_s16(k, dims, outputs)
        return
    ctx = k.context()
    if is_int4(w):
        _emit_fully_connected_s4(k, ctx, dims)
        return
    if op.scratch is not None and not isinstance(op.scratch.owner, GetConstOp):
        # The CMSIS-NN API reads precomputed kernel sums from the scratch buffer when it
        # asks for one (Helium): fill it first (unless convert-qnn-to-buf computed them).
        sums = k.add(c.CastOp(scratch_ptr(k), I32_PTR))
        k.call(
            "arm_vector_sum_s8",
            [
                sums,
                k.int_(depth),
                k.int_(outputs),
                k.ptr(w),
                k.pi("input_offset"),
                k.pi("filter_offset"),
                k.ptr(b),
            ],
        )
    params = k.fc_params_s8()
    mults, shifts = k.plist("multipliers"), k.plist("shifts")
    if len(mults) == 1:
        quant = k.struct(
            "quant_params",
            "cmsis_nn_per_tensor_quant_params",
            {"multiplier": mults[0], "shift": shifts[0]},
        )
        callee = "arm_fully_connected_s8"
    else:
        if len(mults) != outputs or len(shifts) != outputs:
            raise fail(op, "one multiplier and shift per output expected")
        quant = k.per_channel_quant(mults, shifts)
        callee = "arm_fully_connected_per_channel_s8"
    k.call(
        callee,
        [ctx, params, quant, *k.weighted_args(dims, x, w, b, y)],
    )


def _emit_fully_connected_s4(k: KernelBlock, ctx: SSAValue, dims: tuple[SSAValue, ...]) -> None:
    """int4 weights, packed two per byte: ``arm_fully_connected_s4`` (one multiplier and
    shift, filter offset 0; it takes no scratch buffer)."""
    op = k.op
    x, w, b = op.ins
    mults, shifts = k.plist("multipliers"), k.plist("shifts")
    if len(mults) != 1 or len(shifts) != 1 or k.p("filter_offset") != 0:
        raise fail(op, "int4 weights must be quantized per tensor, symmetric")
    quant = k.struct(
        "quant_params",
        "cmsis_nn_per_tensor_quant_params",
        {"multiplier": mults[0], "shift": shifts[0]},
    )
    args = int4_weighted_args(k, dims, x, w, b, out_of(op))
    k.call("arm_fully_connected_s4", [ctx, k.fc_params_s8(), quant, *args])


def _emit_fully_connected_s16(k: KernelBlock, dims: tuple[SSAValue, ...], outputs: int) -> None:
    """16x8: ``arm_fully_connected_s16`` with one multiplier, else
    ``stai_fully_connected_per_channel_s16`` (offsets 0, int64 bias)."""
    op = k.op
    x, w, b = op.ins
    y = out_of(op)
    ctx = k.context()
    params = k.struct(
        "fc_params",
        "cmsis_nn_fc_params",
        {"input_offset": 0, "filter_offset": 0, "output_offset": 0, "activation": k.act_struct()},
    )
    mults, shifts = k.plist("multipliers"), k.plist("shifts")
    if len(mults) == 1:
        quant = k.struct(
            "quant_params",
            "cmsis_nn_per_tensor_quant_params",
            {"multiplier": mults[0], "shift": shifts[0]},
        )
        callee = "arm_fully_connected_s16"
    else:
        if len(mults) != outputs or len(shifts) != outputs:
            raise fail(op, "one multiplier and shift per output expected")
        quant = k.per_channel_quant(mults, shifts)
        callee = "stai_fully_connected_per_channel_s16"
    k.call(callee, [ctx, params, quant, *k.weighted_args(dims, x, w, b, y)])


def emit_fully_connected_codebook(k: KernelBlock) -> None:
    """``stai_fully_connected_codebook_f32`` / ``_s8``: k-means-shared weights, decoded by
    the kernel from the codebook and the packed indices (``compress-weights``)."""
    op = k.op
    assert isinstance(op, qnn.FullyConnectedCodebookOp)
    x, book, index, b = op.ins
    y = out_of(op)
    outputs, depth = op.ints("weight_shape")
    if size_of(x) % depth or size_of(y) != size_of(x) // depth * outputs:
        raise fail(op, "input, weight and output shapes do not agree")
    rows = size_of(x) // depth
    in_dims, f_dims, b_dims, out_dims = k.fc_dims(rows, depth, outputs)
    indices = k.add(c.CastOp(k.ptr(index), c.CType("const uint8_t *")))
    compressed = [k.ptr(book), indices, k.int_(op.bits), b_dims, k.ptr(b), out_dims, k.ptr(y, True)]
    if op.kind == "f32":
        params = k.struct("fc_params", "stai_fc_params_f32", k.act_floats())
        k.call(
            "stai_fully_connected_codebook_f32", [params, in_dims, k.ptr(x), f_dims, *compressed]
        )
        return
    params = k.fc_params_s8()
    mults, shifts = k.plist("multipliers"), k.plist("shifts")
    if len(mults) not in (1, outputs) or len(shifts) != len(mults):
        raise fail(op, "one multiplier and shift, or one per output, expected")
    quant = k.per_channel_quant(mults, shifts)
    k.call(
        "stai_fully_connected_codebook_s8",
        [params, quant, k.int_(int(len(mults) > 1)), in_dims, k.ptr(x), f_dims, *compressed],
    )
