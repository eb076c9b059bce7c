"""``select-kernels``: stai's own int8 kernels where one fits the layer (``qnn`` -> ``mk``).

With ``kernels=stai``, each int8 ``qnn`` op (tensor form, constant weights) that a kernel
of ``runtime/include/stai_mk_s8.h`` can run, as ``stai.runtime.mk_layouts`` decides, is
replaced by that kernel's ``mk`` op (``stai.dialects.mk``):

* ``qnn.conv2d`` with a 1x1 filter, stride 1, no padding, no dilation, and
  ``qnn.fully_connected`` whose filter offset is 0 (and, for a single row, with at least
  ``MIN_FC_OUTPUTS`` outputs) -> ``mk.conv1x1_s8`` (a per-tensor multiplier and shift
  become one per output);
* any other ``qnn.conv2d`` (batch 1, stride 1 or 2, padding smaller than the window, no
  dilation) -> ``mk.conv_s8``;
* ``qnn.avg_pool2d`` / ``qnn.max_pool2d`` (batch 1) -> ``mk.avgpool_s8`` /
  ``mk.maxpool_s8``; ``qnn.add`` / ``qnn.mul`` of same-shape tensors -> ``mk.add_s8`` /
  ``mk.mul_s8``;
* ``qnn.depthwise_conv2d`` 3x3, channel multiplier 1, stride 1 or 2, padding 0 or 1 ->
  ``mk.dwconv3x3_s8``.

The weights are re-laid out in the order the kernel reads them and the input offset is
folded into an effective bias, both as new ``arith.constant`` ops (the old constants go
when nothing else reads them). Every other op keeps its ``qnn`` form, so its CMSIS-NN call
(per-layer fallback). ``kernels=cmsis-nn`` leaves the module as it is.

Which rules a core gets is a fact of the rule tables (``RULE_SETS``): the DSP kernels'
rules serve ``isa=host`` and ``dsp``; a Helium core (``isa=mve``) gets only the kernels
that have a Helium form and beat CMSIS-NN's Helium kernels (``MVE_RULES``): 1x1
convolutions and fully connected layers (filter offset 0, any channel counts and rows)
-> ``mk.conv1x1_mve_s8``, depthwise 3x3 convolutions with a multiple of 4 channels ->
``mk.dwconv3x3_mve_s8``, every other convolution ``mk.conv_s8`` fits ->
``mk.conv_mve_s8``, additions whose plan is linear -> ``mk.add_mve_s8``
(``stai.runtime.mk_mve_layouts``); every other layer (pooling, other additions, other
depthwise layers, softmax) keeps its CMSIS-NN call there.

Before::

    %w = arith.constant dense<...> : tensor<64x1x1x64xi8>
    %b = arith.constant dense<...> : tensor<64xi32>
    %y = qnn.conv2d ins(%x, %w, %b : tensor<1x25x5x64xi8>, tensor<64x1x1x64xi8>,
                        tensor<64xi32>) {strides = array<i64: 1, 1>, ...} -> tensor<1x25x5x64xi8>

After (``select-kernels{kernels=stai}``)::

    %pw = arith.constant dense<...> : tensor<4096xi8>
    %pb = arith.constant dense<...> : tensor<64xi32>
    %y = mk.conv1x1_s8 ins(%x, %pw, %pb : tensor<1x25x5x64xi8>, tensor<4096xi8>,
                           tensor<64xi32>) {act = ..., params = #qnn.conv_s8<...>}
         -> tensor<1x25x5x64xi8>
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from xdsl.context import Context
from xdsl.dialects import arith
from xdsl.dialects.builtin import (
    BytesAttr,
    DenseArrayBase,
    DenseIntOrFPElementsAttr,
    IntegerAttr,
    IntegerType,
    ModuleOp,
    TensorType,
    UnitAttr,
    i8,
    i16,
    i32,
    i64,
)
from xdsl.ir import Attribute, Operation, SSAValue
from xdsl.passes import ModulePass
from xdsl.rewriter import InsertPoint, Rewriter

from stai.dialects import mk, qnn
from stai.dialects import qnn_params as qp
from stai.dialects.nn import dense_to_numpy
from stai.dialects.qnn_params import KernelParams
from stai.errors import StaiError
from stai.runtime import mk_conv_layouts, mk_eltwise_layouts, mk_layouts, mk_mve_layouts

KERNEL_SETS = ("stai", "cmsis-nn")
"""The values of the ``kernels`` option."""

MIN_FC_OUTPUTS = 4
"""A fully connected layer of one row needs this many outputs to take the 1x1 kernel:
with fewer there is no group of two output-channel pairs for its LDRD loop, and its
plain loop is slower than CMSIS-NN's (VWW's 256 -> 2 layer on Cortex-M4: 1,119 more
instructions), while from four on it is faster (micro_speech's 4000 -> 4: 8,276 fewer)."""


def _constant(value: SSAValue) -> np.ndarray | None:
    owner = value.owner
    if isinstance(owner, arith.ConstantOp) and isinstance(owner.value, DenseIntOrFPElementsAttr):
        return dense_to_numpy(owner.value)
    return None


def _dense(values: np.ndarray, element: IntegerType) -> arith.ConstantOp:
    """A one-dimensional constant of ``values``, stored as ``element``."""
    t = TensorType(element, [values.size])
    return arith.ConstantOp(DenseIntOrFPElementsAttr(t, BytesAttr(values.tobytes())))


def _ints(op: Operation, name: str) -> tuple[int, ...] | None:
    value = op.properties.get(name)
    return tuple(int(v) for v in value.get_values()) if isinstance(value, DenseArrayBase) else None


@dataclass
class Choice:
    """An ``mk`` op for a ``qnn`` op: its class, its new constants (packed weights and
    effective bias; None for a kernel without weights), parameters and properties."""

    op: type[mk.MicroKernelOp]
    weights: np.ndarray | None
    bias: np.ndarray | None
    params: KernelParams | None
    properties: dict[str, Attribute]


def _fast(level: int) -> dict[str, Attribute]:
    return {"fast_requant": IntegerAttr(level, i64)}


def _conv1x1(op: qnn.KernelOp, w: np.ndarray, b: np.ndarray) -> Choice | None:
    """A 1x1 convolution, stride 1, no padding: ``mk.conv1x1_s8``."""
    if not isinstance(op, qnn.Conv2DOp) or not mk_layouts.fits_conv1x1(
        op.input_shape(0),
        w.shape,
        strides=_ints(op, "strides"),
        pads=_ints(op, "pads"),
        dilations=_ints(op, "dilations"),
    ):
        return None
    params = op.params_as(qp.ConvS8Params)
    packed, bias = mk_layouts.pack_pointwise_s8(w, b, params.input_offset.value.data)
    fast = mk_layouts.fast_requant_conv1x1(bias, w, params.ints("shifts"))
    return Choice(mk.Conv1x1S8Op, packed, bias, params, _fast(fast))


def _fully_connected(op: qnn.KernelOp, w: np.ndarray, b: np.ndarray) -> Choice | None:
    """A fully connected layer whose filter offset is 0: ``mk.conv1x1_s8`` on its rows
    (a per-tensor multiplier and shift repeated for every output)."""
    if not isinstance(op, qnn.FullyConnectedOp) or w.ndim != 2:
        return None
    x, y = op.input_shape(0), op.output_shape()
    if len(x) != len(y) or x[:-1] != y[:-1]:
        return None
    params = op.params_as(qp.FullyConnectedS8Params)
    weights = w.reshape(w.shape[0], 1, 1, w.shape[1])
    rows = math.prod(x[:-1])
    if rows == 1 and w.shape[0] < MIN_FC_OUTPUTS:
        return None
    if params.filter_offset.value.data != 0 or not mk_layouts.fits_conv1x1(
        (rows, 1, 1, x[-1]), weights.shape
    ):
        return None
    mults, shifts = params.ints("multipliers"), params.ints("shifts")
    if len(mults) == 1:
        mults, shifts = mults * w.shape[0], shifts * w.shape[0]
    conv = qp.ConvS8Params.make(
        input_offset=params.input_offset.value.data,
        output_offset=params.output_offset.value.data,
        multipliers=mults,
        shifts=shifts,
    )
    packed, bias = mk_layouts.pack_pointwise_s8(weights, b, params.input_offset.value.data)
    fast = mk_layouts.fast_requant_conv1x1(bias, weights, shifts)
    return Choice(mk.Conv1x1S8Op, packed, bias, conv, _fast(fast))


def _dwconv3x3(op: qnn.KernelOp, w: np.ndarray, b: np.ndarray) -> Choice | None:
    """A depthwise 3x3 convolution, multiplier 1, stride 1 or 2, pads 0 or 1:
    ``mk.dwconv3x3_s8``."""
    if not isinstance(op, qnn.DepthwiseConv2DOp):
        return None
    multiplier = op.depth_multiplier
    if not isinstance(multiplier, IntegerAttr) or not mk_layouts.fits_dwconv3x3(
        op.input_shape(0),
        w.shape,
        op.output_shape(),
        strides=_ints(op, "strides"),
        pads=_ints(op, "pads"),
        dilations=_ints(op, "dilations"),
        depth_multiplier=multiplier.value.data,
    ):
        return None
    params = op.params_as(qp.ConvS8Params)
    packed, bias = mk_layouts.pack_dwconv3x3_s8(w, b, params.input_offset.value.data)
    fast = mk_layouts.fast_requant_dwconv3x3(bias, w, params.ints("shifts"))
    props = {"strides": op.properties["strides"], "pads": op.properties["pads"]}
    return Choice(mk.DwConv3x3S8Op, packed, bias, params, _fast(fast) | props)


def _conv(op: qnn.KernelOp, w: np.ndarray, b: np.ndarray) -> Choice | None:
    """Any other convolution (window, stride 1 or 2, padding smaller than the window,
    batch 1): ``mk.conv_s8``."""
    if not isinstance(op, qnn.Conv2DOp) or not mk_conv_layouts.fits_conv(
        op.input_shape(0),
        w.shape,
        op.output_shape(),
        strides=_ints(op, "strides"),
        pads=_ints(op, "pads"),
        dilations=_ints(op, "dilations"),
    ):
        return None
    params = op.params_as(qp.ConvS8Params)
    packed, bias = mk_conv_layouts.pack_conv_s8(w, b, params.input_offset.value.data)
    fast = mk_conv_layouts.fast_requant_conv(bias, w, params.ints("shifts"))
    props = {
        "kernel": DenseArrayBase.from_list(i64, list(w.shape[1:3])),
        "strides": op.properties["strides"],
        "pads": op.properties["pads"],
    }
    return Choice(mk.ConvS8Op, packed, bias, params, _fast(fast) | props)


def _pool(op: qnn.KernelOp) -> Choice | None:
    """Average and max pooling (batch 1, every window meets the input):
    ``mk.avgpool_s8``, ``mk.maxpool_s8``."""
    if isinstance(op, qnn.AvgPool2DOp):
        target, fits = mk.AvgPoolS8Op, mk_eltwise_layouts.fits_avgpool
    elif isinstance(op, qnn.MaxPool2DOp):
        target, fits = mk.MaxPoolS8Op, mk_eltwise_layouts.fits_maxpool
    else:
        return None
    kernel = _ints(op, "kernel")
    if kernel is None or not fits(
        op.input_shape(0), op.output_shape(), kernel, _ints(op, "strides"), _ints(op, "pads")
    ):
        return None
    props = {name: op.properties[name] for name in ("kernel", "strides", "pads")}
    return Choice(target, None, None, None, props)


def _add(op: qnn.KernelOp) -> Choice | None:
    """An addition of two tensors of the output's shape: ``mk.add_s8`` with its plan."""
    if not isinstance(op, qnn.AddOp) or not mk_eltwise_layouts.fits_add(
        op.input_shape(0), op.input_shape(1), op.output_shape()
    ):
        return None
    params = op.params_as(qp.AddSubS8Params)
    act = _ints(op, "act")
    if act is None or len(act) != 2:
        return None
    lo, hi = act
    plan = mk_eltwise_layouts.plan_add_s8(
        *(params.value(name) for name in _ADD_PLAN_FIELDS), lo, hi
    )
    return Choice(mk.AddS8Op, None, None, params, {"plan": DenseArrayBase.from_list(i32, plan)})


def _mul(op: qnn.KernelOp) -> Choice | None:
    """A multiplication of two tensors of the output's shape: ``mk.mul_s8``."""
    if not isinstance(op, qnn.MulOp) or not mk_eltwise_layouts.fits_mul(
        op.input_shape(0), op.input_shape(1), op.output_shape()
    ):
        return None
    params = op.params_as(qp.MulS8Params)
    fast = mk_eltwise_layouts.fast_requant_mul(
        params.input1_offset.value.data,
        params.input2_offset.value.data,
        params.output_shift.value.data,
        params.output_multiplier.value.data,
    )
    return Choice(mk.MulS8Op, None, None, params, _fast(fast))


_ADD_PLAN_FIELDS = (
    "input1_offset",
    "input1_multiplier",
    "input1_shift",
    "input2_offset",
    "input2_multiplier",
    "input2_shift",
    "left_shift",
    "output_offset",
    "output_multiplier",
    "output_shift",
)
"""The ``#qnn.add_sub_s8`` fields, in the order of ``plan_add_s8``'s arguments."""


RULES: tuple[Callable[[qnn.KernelOp, np.ndarray, np.ndarray], Choice | None], ...] = (
    _conv1x1,
    _fully_connected,
    _dwconv3x3,
    _conv,
)
"""Each weighted kernel's rule (the op, its int8 weights and int32 bias): the ``mk`` op
for a ``qnn`` op it fits, else None; the first that fits is taken."""

PLAIN_RULES: tuple[Callable[[qnn.KernelOp], Choice | None], ...] = (_pool, _add, _mul)
"""The rules of the kernels without weights."""


def _fc_rows(op: qnn.KernelOp, w: np.ndarray) -> tuple[np.ndarray, qp.ConvS8Params] | None:
    """A fully connected layer whose filter offset is 0 as a 1x1 convolution of its rows:
    its (out, 1, 1, in) weights and ``#qnn.conv_s8`` parameters (a per-tensor multiplier
    and shift repeated for every output)."""
    if not isinstance(op, qnn.FullyConnectedOp) or w.ndim != 2:
        return None
    x, y = op.input_shape(0), op.output_shape()
    if len(x) != len(y) or x[:-1] != y[:-1]:
        return None
    params = op.params_as(qp.FullyConnectedS8Params)
    if params.filter_offset.value.data != 0:
        return None
    mults, shifts = params.ints("multipliers"), params.ints("shifts")
    if len(mults) == 1:
        mults, shifts = mults * w.shape[0], shifts * w.shape[0]
    conv = qp.ConvS8Params.make(
        input_offset=params.input_offset.value.data,
        output_offset=params.output_offset.value.data,
        multipliers=mults,
        shifts=shifts,
    )
    return w.reshape(w.shape[0], 1, 1, w.shape[1]), conv


def _conv1x1_mve(op: qnn.KernelOp, w: np.ndarray, b: np.ndarray) -> Choice | None:
    """A 1x1 convolution (stride 1, no padding) or a fully connected layer (filter
    offset 0) on a Helium core: ``mk.conv1x1_mve_s8``. Measured against CMSIS-NN's Helium
    kernels on QEMU (``tests/unit/test_mk_mve_kernels.py``) it takes fewer instructions
    on every shape: 0.54 of them on KWS's 125 pixels x 64 -> 64, 0.61 on AD's 640 -> 128
    row, 0.44-0.96 on random ones (1 to 23 pixels, 3 to 71 input channels, 2 to 38
    outputs), so the rule takes every such layer."""
    if isinstance(op, qnn.Conv2DOp):
        if not mk_layouts.fits_conv1x1(
            op.input_shape(0),
            w.shape,
            strides=_ints(op, "strides"),
            pads=_ints(op, "pads"),
            dilations=_ints(op, "dilations"),
        ):
            return None
        weights, params = w, op.params_as(qp.ConvS8Params)
    else:
        rows = _fc_rows(op, w)
        if rows is None:
            return None
        weights, params = rows
    packed, bias = mk_mve_layouts.pack_pointwise_mve_s8(weights, b, params.input_offset.value.data)
    fast = mk_mve_layouts.fast_requant_mve(params.ints("shifts"))
    return Choice(mk.Conv1x1MveS8Op, packed, bias, params, _fast(fast))


def _dwconv3x3_mve(op: qnn.KernelOp, w: np.ndarray, b: np.ndarray) -> Choice | None:
    """A depthwise 3x3 convolution (``mk_layouts.fits_dwconv3x3``) whose channels are a
    multiple of 4 (the kernel's lanes) on a Helium core: ``mk.dwconv3x3_mve_s8``. Measured
    against CMSIS-NN's Helium kernel on QEMU it takes fewer instructions on every shape
    tried: 0.69 of them on KWS's 25x5x64 (stride 1), 0.33 on VWW's 48x48x8, 0.43 on
    48x48x16 with stride 2, 0.35-0.56 on random small ones, so the rule takes every such
    layer."""
    if not isinstance(op, qnn.DepthwiseConv2DOp):
        return None
    multiplier = op.depth_multiplier
    if (
        not isinstance(multiplier, IntegerAttr)
        or op.input_shape(0)[-1] % 4
        or not mk_layouts.fits_dwconv3x3(
            op.input_shape(0),
            w.shape,
            op.output_shape(),
            strides=_ints(op, "strides"),
            pads=_ints(op, "pads"),
            dilations=_ints(op, "dilations"),
            depth_multiplier=multiplier.value.data,
        )
    ):
        return None
    params = op.params_as(qp.ConvS8Params)
    packed, bias = mk_mve_layouts.pack_dwconv3x3_mve_s8(w, b, params.input_offset.value.data)
    fast = mk_mve_layouts.fast_requant_mve(params.ints("shifts"))
    props = {"strides": op.properties["strides"], "pads": op.properties["pads"]}
    return Choice(mk.DwConv3x3MveS8Op, packed, bias, params, _fast(fast) | props)


def _conv_mve(op: qnn.KernelOp, w: np.ndarray, b: np.ndarray) -> Choice | None:
    """Any other convolution (``mk_conv_layouts.fits_conv``: batch 1, stride 1 or 2,
    padding smaller than the window, no dilation) on a Helium core: ``mk.conv_mve_s8``.
    Measured against CMSIS-NN's Helium kernel on QEMU it takes fewer instructions on every
    shape tried: 0.51 of them on KWS's 10x4 first layer (1 input channel), 0.38 on VWW's
    3x3 stride-2 first layer (3 channels), 0.61-0.79 on IC's 3x3 layers (16 to 64
    channels), 0.28-0.75 on random small ones (1 to 19 channels, 2 to 19 outputs), so the
    rule takes every such layer."""
    if not isinstance(op, qnn.Conv2DOp) or not mk_conv_layouts.fits_conv(
        op.input_shape(0),
        w.shape,
        op.output_shape(),
        strides=_ints(op, "strides"),
        pads=_ints(op, "pads"),
        dilations=_ints(op, "dilations"),
    ):
        return None
    params = op.params_as(qp.ConvS8Params)
    matrix = w.reshape(w.shape[0], -1)
    packed, bias = mk_mve_layouts.pack_pointwise_mve_s8(matrix, b, params.input_offset.value.data)
    fast = mk_mve_layouts.fast_requant_mve(params.ints("shifts"))
    props = {
        "kernel": DenseArrayBase.from_list(i64, list(w.shape[1:3])),
        "strides": op.properties["strides"],
        "pads": op.properties["pads"],
    }
    return Choice(mk.ConvMveS8Op, packed, bias, params, _fast(fast) | props)


MVE_RULES: tuple[Callable[[qnn.KernelOp, np.ndarray, np.ndarray], Choice | None], ...] = (
    _conv1x1_mve,
    _dwconv3x3_mve,
    _conv_mve,
)
"""The rules of the kernels with a Helium form (``stai_mk_mve_s8.h``)."""


def _add_mve(op: qnn.KernelOp) -> Choice | None:
    """An addition of two tensors of the output's shape whose plan is the linear one
    (``mk_eltwise_layouts.plan_add_s8`` method 1, exact on every input pair) on a Helium
    core: ``mk.add_mve_s8``, nine instructions per four elements (IC's residual adds:
    CMSIS-NN's Helium kernel takes about 13.8 per element). Other plans keep CMSIS-NN."""
    found = _add(op)
    if found is None:
        return None
    plan = found.properties["plan"]
    if not isinstance(plan, DenseArrayBase) or plan.get_values()[0] != mk_eltwise_layouts.LINEAR:
        return None
    return Choice(mk.AddMveS8Op, None, None, found.params, {"plan": plan})


MVE_PLAIN_RULES: tuple[Callable[[qnn.KernelOp], Choice | None], ...] = (_add_mve,)
"""The rules of the Helium kernels without weights."""

RULE_SETS: tuple[
    tuple[
        tuple[str, ...],
        tuple[Callable[[qnn.KernelOp, np.ndarray, np.ndarray], Choice | None], ...],
        tuple[Callable[[qnn.KernelOp], Choice | None], ...],
    ],
    ...,
] = (
    (("host", "dsp"), RULES, PLAIN_RULES),
    (("mve",), MVE_RULES, MVE_PLAIN_RULES),
)
"""For each set of ISAs (``isa`` of the pass), the weighted and plain rules its layers
may take: the DSP kernels (whose portable C is the host's) on ``host`` and ``dsp``, the
Helium ones on ``mve``."""


def _rules_for(
    isa: str,
) -> tuple[
    tuple[Callable[[qnn.KernelOp, np.ndarray, np.ndarray], Choice | None], ...],
    tuple[Callable[[qnn.KernelOp], Choice | None], ...],
]:
    for isas, rules, plain in RULE_SETS:
        if isa in isas:
            return rules, plain
    return (), ()


def choose(op: qnn.KernelOp, isa: str = "host") -> Choice | None:
    """The ``mk`` op of stai's kernel for ``op`` (an int8 ``qnn`` op in tensor form; a
    convolution or fully connected layer needs constant weights and bias) on ``isa``
    (``RULE_SETS``), or None: the op keeps its ``qnn`` kernel."""
    rules, plain_rules = _rules_for(isa)
    if isinstance(op, mk.MicroKernelOp) or op.res is None or op.kind != "s8":
        return None
    if op.act is None:
        return None
    if len(op.ins) != 3:
        for plain in plain_rules:
            found = plain(op)
            if found is not None:
                return found
        return None
    w, b = _constant(op.ins[1]), _constant(op.ins[2])
    if w is None or b is None or w.dtype != np.int8 or b.dtype != np.int32:
        return None
    if qnn.element_kind(op.ins[1].type) != "s8":  # int4 weights keep CMSIS-NN's s4 call
        return None
    for rule in rules:
        try:
            found = rule(op, w, b)
        except ValueError:  # an effective bias past int32: the layer keeps its kernel
            return None
        if found is not None:
            return found
    return None


def select_kernel(
    op: qnn.KernelOp,
    rewriter: Rewriter,
    optimize: str = "balanced",
    isa: str = "host",
    lean: bool = False,
) -> bool:
    """Replace ``op`` by the ``mk`` op of stai's kernel that fits it on ``isa``; False
    when none does. ``optimize=time``: a 1x1 kernel's weights widened to int16
    (``mk_layouts.widen_pointwise_s8``); ``lean``: a 1x1 kernel without scratch."""
    found = choose(op, isa)
    if found is None:
        return False
    assert op.res is not None and op.act is not None
    new_constants: list[arith.ConstantOp] = []
    operands = list(op.ins)
    if found.weights is not None and found.bias is not None:
        weights = _dense(np.ascontiguousarray(found.weights, np.int8).reshape(-1), i8)
        if optimize == "time" and found.op is mk.Conv1x1S8Op:
            weights = _dense(mk_layouts.widen_pointwise_s8(found.weights), i16)
        bias = _dense(np.ascontiguousarray(found.bias, np.int32).reshape(-1), i32)
        new_constants = [weights, bias]
        operands = [op.ins[0], weights.result, bias.result]
    properties = {"act": op.act, **found.properties}
    if lean and found.op is mk.Conv1x1S8Op:
        properties["no_scratch"] = UnitAttr()
    if found.params is not None:
        properties["params"] = found.params
    properties["operandSegmentSizes"] = DenseArrayBase.from_list(i32, [len(operands), 0, 0])
    new = found.op.create(
        operands=operands,
        properties=properties,
        attributes=dict(op.attributes),
        result_types=[op.res.type],
    )
    old = [v.owner for v in op.ins[1:]] if new_constants else []
    rewriter.insert_op(new_constants, InsertPoint.before(op))
    rewriter.replace_op(op, new)
    for owner in old:
        if isinstance(owner, arith.ConstantOp) and not owner.result.uses:
            rewriter.erase_op(owner)
    return True


@dataclass(frozen=True)
class SelectKernelsPass(ModulePass):
    """stai's own int8 kernels where one fits (``kernels=stai``), among the rules of the
    core's ISA (``RULE_SETS``); ``kernels=cmsis-nn``: nothing changes."""

    name = "select-kernels"

    kernels: str = "stai"
    isa: str = "host"
    optimize: str = "balanced"
    """``mk_layouts.OPTIMIZE``: ``time`` widens the 1x1 kernel's weights to int16, ``ram``
    keeps the kernel with less scratch where stai's would set the working-set peak."""

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        if self.kernels not in KERNEL_SETS:
            raise StaiError(
                f"select-kernels: kernels must be {' or '.join(KERNEL_SETS)}, got '{self.kernels}'"
            )
        if self.optimize not in mk_layouts.OPTIMIZE:
            raise StaiError(
                f"select-kernels: optimize must be {', '.join(mk_layouts.OPTIMIZE)}, "
                f"got '{self.optimize}'"
            )
        if self.kernels != "stai":
            return
        rewriter = Rewriter()
        ops = [o for o in op.walk() if isinstance(o, qnn.KernelOp)]
        picks = _ram_picks(op, ops, self.isa) if self.optimize == "ram" else [0] * len(ops)
        for inner, pick in zip(ops, picks):
            if pick < 2:
                select_kernel(inner, rewriter, self.optimize, isa=self.isa, lean=pick == 1)


def _ram_picks(module: ModuleOp, ops: list[qnn.KernelOp], isa: str) -> list[int]:
    """``optimize=ram``: the kernel each of ``ops`` takes, 0 stai's, 1 stai's 1x1 kernel
    without scratch, 2 the ``qnn`` op's (``mk_layouts.smallest_working_set`` on each op's
    working set with each: its activations, as far as its output may overlap its input,
    and its scratch; stai's kernels read on a copy of the module with every kernel
    selected)."""
    trial = module.clone()
    rewriter = Rewriter()
    for inner in [o for o in trial.walk() if isinstance(o, qnn.KernelOp)]:
        select_kernel(inner, rewriter, isa=isa)
    chosen = [o for o in trial.walk() if isinstance(o, qnn.KernelOp)]
    layers = []
    for old, new in zip(ops, chosen, strict=True):
        ours = _working_set(new, isa) if isinstance(new, mk.MicroKernelOp) else None
        lean = None
        if ours is not None and isinstance(new, mk.Conv1x1S8Op):
            lean = ours - new.scratch_bytes(isa)
        layers.append((ours, lean, _working_set(old, isa)))
    return mk_layouts.smallest_working_set(layers)


def _bytes(value: SSAValue) -> int:
    t = value.type
    if not isinstance(t, TensorType) or not isinstance(t.element_type, IntegerType):
        return 0
    return math.prod(t.get_shape()) * ((t.element_type.bitwidth + 7) // 8)


def _working_set(op: qnn.KernelOp, isa: str) -> int:
    """The bytes ``op`` needs at once: its activation inputs and output (the output over
    the first input as far as ``overlap_gap`` allows) and its scratch."""
    inputs = [v for v in op.ins if _constant(v) is None]
    out = sum(_bytes(r) for r in op.results)
    total = sum(_bytes(v) for v in inputs) + out + op.scratch_bytes(isa)
    if inputs and inputs[0] is op.ins[0]:
        gap = op.overlap_gap(op.ins[0], isa)
        if gap is not None:
            first = _bytes(op.ins[0])
            total -= first + out - max(first - min(int(gap), 0), out)
    return total
