"""Convolutions: ``conv2d``, ``depthwise_conv2d``, their hybrid and codebook forms,
``transpose_conv2d``."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from xdsl.dialects.builtin import (
    BytesAttr,
    DenseIntOrFPElementsAttr,
    IntegerAttr,
    IntegerType,
    MemRefType,
    TensorType,
    i8,
)
from xdsl.ir import SSAValue

from stai.dialects import c, qnn
from stai.dialects.buf import GetConstOp
from stai.lowering.convert_buf_to_c.common import fail, shape_of, size_of
from stai.lowering.convert_buf_to_c.kernel_block import KernelBlock, hybrid_quant, out_of


def is_int4(value: SSAValue) -> bool:
    """Whether ``value`` holds int4 elements (``i4``: a filter the s4 kernels read packed)."""
    t = value.type
    return (
        isinstance(t, MemRefType | TensorType)
        and isinstance(t.element_type, IntegerType)
        and t.element_type.width.data == 4
    )


def pack_int4(values: np.ndarray) -> bytes:
    """int4 values two per byte: element ``i`` in the low nibble of byte ``i // 2`` when
    ``i`` is even, in the high nibble when it is odd (TFLite's and CMSIS-NN's order; an odd
    count leaves the last high nibble 0)."""
    nibbles = values.reshape(-1).astype(np.uint8) & 0x0F
    if nibbles.size % 2:
        nibbles = np.append(nibbles, np.uint8(0))
    return (nibbles[0::2] | (nibbles[1::2] << 4)).astype(np.uint8).tobytes()


def packed_int4_ptr(k: KernelBlock, w: SSAValue) -> SSAValue:
    """``const int8_t *`` to an int4 weight constant, whose array in ``NAME_data.c`` holds
    the values packed two per byte (``pack_int4``): the ``i4`` array the constant was
    declared with (one value per element, as the IR holds it) is replaced by its packed
    bytes the first time a kernel reads it."""
    owner = w.owner
    if not isinstance(owner, GetConstOp):
        raise fail(k.op, "int4 weights must be a constant")
    symbol = owner.symbol.root_reference.data
    name = k.low.data.by_symbol.get(symbol)
    if name is None:
        raise fail(k.op, f"no buf.const named @{symbol}")
    arrays = k.low.data.arrays
    for i, array in enumerate(arrays):
        if array.sym_name.data != name or not isinstance(array.value, DenseIntOrFPElementsAttr):
            continue
        element = array.type.element_type
        if isinstance(element, IntegerType) and element.width.data == 4:
            # xDSL holds one i4 value per byte.
            values = np.frombuffer(array.value.data.data, dtype=np.int8)
            if values.size == 1 and array.size != 1:  # splat
                values = np.full(array.size, values[0], np.int8)
            data = pack_int4(values)
            t = TensorType(i8, [len(data)])
            alignment = array.alignment.value.data if array.alignment is not None else None
            packed = DenseIntOrFPElementsAttr(t, BytesAttr(data))
            arrays[i] = c.ArrayOp(name, t, packed, alignment=alignment)
    return k.add(c.GetGlobalOp(name, c.CType("const int8_t *"), array=True))


def int4_weighted_args(
    k: KernelBlock, dims: Sequence[SSAValue], x: SSAValue, w: SSAValue, b: SSAValue, y: SSAValue
) -> list[SSAValue]:
    """``KernelBlock.weighted_args`` for int4 weights ``w`` (their packed array)."""
    in_dims, f_dims, b_dims, out_dims = dims
    weights = packed_int4_ptr(k, w)
    return [in_dims, k.ptr(x), f_dims, weights, b_dims, k.ptr(b), out_dims, k.ptr(y, True)]


def emit_conv(k: KernelBlock) -> None:
    op = k.op
    x, w, b = op.ins
    y = out_of(op)
    depthwise = isinstance(op, qnn.DepthwiseConv2DOp)
    dims = k.conv_dims(x, w, b, y)
    mult = 0
    if depthwise:
        dm = getattr(op, "depth_multiplier", None)
        if not isinstance(dm, IntegerAttr):
            raise fail(op, "missing integer 'depth_multiplier'")
        mult = dm.value.data
    if op.kind == "f32":
        init: dict[str, object] = ({"ch_mult": mult} if depthwise else {}) | k.tiles(True)
        init |= k.act_floats()
        type_name = "stai_dw_conv_params_f32" if depthwise else "stai_conv_params_f32"
        params = k.struct("conv_params", type_name, init)
        callee = "stai_depthwise_conv2d_f32" if depthwise else "stai_conv2d_f32"
        k.call(
            callee,
            [params, *k.weighted_args(dims, x, w, b, y)],
        )
        return
    ctx = k.context()
    init = {"input_offset": k.p("input_offset"), "output_offset": k.p("output_offset")}
    if depthwise:
        init["ch_mult"] = mult
    init |= k.tiles(True) | {"activation": k.act_struct()}
    type_name = "cmsis_nn_dw_conv_params" if depthwise else "cmsis_nn_conv_params"
    params = k.struct("conv_params", type_name, init)
    quant = k.per_channel_quant()
    if op.kind == "s8" and is_int4(w):
        # int4 filters stay packed: CMSIS-NN's s4 kernels read them two per byte.
        callee = "arm_depthwise_conv_wrapper_s4" if depthwise else "arm_convolve_wrapper_s4"
        k.call(callee, [ctx, params, quant, *int4_weighted_args(k, dims, x, w, b, y)])
        return
    args = k.weighted_args(dims, x, w, b, y)
    if op.kind == "s16" and depthwise:
        callee = "arm_depthwise_conv_wrapper_s16"
    elif op.kind == "s16":
        # arm_convolve_wrapper_s16 takes the int64 bias through a cmsis_nn_bias_data.
        data = k.add(c.CastOp(args[5], c.CType("const void *")))
        args[5] = k.struct("bias_data", "cmsis_nn_bias_data", {"data": data, "is_int32_bias": 0})
        callee = "arm_convolve_wrapper_s16"
    else:
        callee = "arm_depthwise_conv_wrapper_s8" if depthwise else "arm_convolve_wrapper_s8"
    k.call(callee, [ctx, params, quant, *args])


def emit_hybrid_conv(k: KernelBlock) -> None:
    """``stai_conv2d_hybrid_f32`` / ``stai_depthwise_conv2d_hybrid_f32``: f32 activations,
    int8 weights (1 byte each in flash), the filter scales as a const float table, the
    input quantized into the scratch buffer."""
    op = k.op
    x, w, b = op.ins
    y = out_of(op)
    ctx = k.context()
    if isinstance(op, qnn.HybridDepthwiseConv2DOp):
        dm = getattr(op, "depth_multiplier", None)
        if not isinstance(dm, IntegerAttr):
            raise fail(op, "missing integer 'depth_multiplier'")
        init = {"ch_mult": dm.value.data} | k.tiles(True) | k.act_floats()
        params = k.struct("conv_params", "stai_dw_conv_params_f32", init)
        callee = "stai_depthwise_conv2d_hybrid_f32"
    else:
        params = k.struct("conv_params", "stai_conv_params_f32", k.tiles(True) | k.act_floats())
        callee = "stai_conv2d_hybrid_f32"
    quant = hybrid_quant(k, shape_of(y)[-1])
    k.call(
        callee,
        [ctx, params, quant, *k.weighted_args(k.conv_dims(x, w, b, y), x, w, b, y)],
    )


def emit_conv2d_codebook(k: KernelBlock) -> None:
    """``stai_conv2d_codebook_f32`` / ``_s8``: a convolution whose filter is decoded by the
    kernel from the codebook and the packed indices (``compress-weights``)."""
    op = k.op
    assert isinstance(op, qnn.Conv2DCodebookOp)
    x, book, index, b = op.ins
    y = out_of(op)
    in_dims = k.dims("input_dims", shape_of(x))
    f_dims = k.dims("filter_dims", op.ints("weight_shape"))
    b_dims = k.dims("bias_dims", (1, 1, 1, size_of(b)))
    out_dims = k.dims("output_dims", shape_of(y))
    indices = k.add(c.CastOp(k.ptr(index), c.CType("const uint8_t *")))
    compressed = [k.ptr(book), indices, k.int_(op.bits), b_dims, k.ptr(b), out_dims, k.ptr(y, True)]
    if op.kind == "f32":
        params = k.struct("conv_params", "stai_conv_params_f32", k.tiles(True) | k.act_floats())
        k.call("stai_conv2d_codebook_f32", [params, in_dims, k.ptr(x), f_dims, *compressed])
        return
    init = {"input_offset": k.p("input_offset"), "output_offset": k.p("output_offset")}
    init |= k.tiles(True) | {"activation": k.act_struct()}
    params = k.struct("conv_params", "cmsis_nn_conv_params", init)
    quant = k.per_channel_quant()
    k.call("stai_conv2d_codebook_s8", [params, quant, in_dims, k.ptr(x), f_dims, *compressed])


def emit_transpose_conv(k: KernelBlock) -> None:
    """``stai_transpose_conv2d_f32(params, dims and data...)``; int8 and 16x8:
    ``stai_transpose_conv2d_{s8,s16}(conv params, per-channel quant, dims and data...)``
    (the CMSIS-NN conv structs)."""
    op = k.op
    x, w, b = op.ins
    y = out_of(op)
    args = k.weighted_args(k.conv_dims(x, w, b, y), x, w, b, y)
    if op.kind == "f32":
        params = k.struct("conv_params", "stai_conv_params_f32", k.tiles(True) | k.act_floats())
        k.call("stai_transpose_conv2d_f32", [params, *args])
        return
    if op.kind not in ("s8", "s16"):
        raise fail(op, f"no {op.kind} kernel")
    init = {"input_offset": k.p("input_offset"), "output_offset": k.p("output_offset")}
    init |= k.tiles(True) | {"activation": k.act_struct()}
    params = k.struct("conv_params", "cmsis_nn_conv_params", init)
    k.call(f"stai_transpose_conv2d_{op.kind}", [params, k.per_channel_quant(), *args])
