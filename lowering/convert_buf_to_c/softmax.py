"""``softmax``: float, or the int8, int8 -> int16 and int16 kernels of the CMSIS-NN API."""

from __future__ import annotations

from stai.dialects import c, qnn
from stai.lowering import quant_math as qm
from stai.lowering.convert_buf_to_c.common import shape_of, size_of
from stai.lowering.convert_buf_to_c.kernel_block import KernelBlock, out_of


def emit_softmax(k: KernelBlock) -> None:
    op = k.op
    (x,) = op.ins
    y = out_of(op)
    shape = shape_of(x)
    depth = shape[-1] if shape else 1
    rows = size_of(x) // depth
    if op.kind == "f32":
        k.call(
            "stai_softmax_f32",
            [k.ptr(x), k.int_(rows), k.int_(depth), k.float_(k.pf("beta")), k.ptr(y, True)],
        )
        return
    if op.kind == "s16":
        # The two fixed tables, once per network in the data file.
        exp_lut, one_over = qm.softmax_luts_s16()
        luts = {}
        for field, base, values in (
            ("exp_lut", "softmax_s16_exp_lut", exp_lut),
            ("one_by_one_lut", "softmax_s16_one_by_one_lut", one_over),
        ):
            name = k.low.data.add_int16_table(base, values)
            luts[field] = k.add(c.GetGlobalOp(name, c.CType("const int16_t *"), array=True))
        params = k.struct("softmax_params", "cmsis_nn_softmax_lut_s16", luts)
        k.call(
            "arm_softmax_s16",
            [
                k.ptr(x),
                k.int_(rows),
                k.int_(depth),
                k.pi("multiplier"),
                k.pi("shift"),
                params,
                k.ptr(y, True),
            ],
        )
        return
    # The int8 softmaxes of the CMSIS-NN API return nothing: there is nothing to check.
    widening = qnn.element_kind(y.type) == "s16"  # int8 -> int16 (1/65536, -32768)
    k.call(
        "arm_softmax_s8_s16" if widening else "arm_softmax_s8",
        [
            k.ptr(x),
            k.int_(rows),
            k.int_(depth),
            k.pi("multiplier"),
            k.pi("shift"),
            k.pi("diff_min"),
            k.ptr(y, True),
        ],
        checked=False,
    )
