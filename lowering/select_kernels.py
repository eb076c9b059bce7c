"""``select-kernels``: stai's own int8 kernels where one fits the layer (``qnn`` -> ``mk``).

With ``kernels=stai``, each int8 ``qnn`` op (tensor form, constant weights) that a kernel
of ``runtime/include/stai_mk_s8.h`` can run, as ``stai.runtime.mk_layouts`` decides, is
replaced by that kernel's ``mk`` op (``stai.dialects.mk``):

* ``qnn.conv2d`` with a 1x1 filter, stride 1, no padding, no dilation, and
  ``qnn.fully_connected`` whose filter offset is 0 -> ``mk.conv1x1_s8`` (a per-tensor
  multiplier and shift become one per output);
* ``qnn.depthwise_conv2d`` 3x3, channel multiplier 1, stride 1 or 2, padding 0 or 1 ->
  ``mk.dwconv3x3_s8``.

The weights are re-laid out in the order the kernel reads them and the input offset is
folded into an effective bias, both as new ``arith.constant`` ops (the old constants go
when nothing else reads them). Every other op keeps its ``qnn`` form, so its CMSIS-NN call
(per-layer fallback). ``kernels=cmsis-nn`` leaves the module as it is, and so does
``isa=mve`` (a Helium core keeps CMSIS-NN's Helium kernels: stai's have no Helium form
yet).

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
    i8,
    i32,
    i64,
)
from xdsl.ir import Attribute, Operation, SSAValue
from xdsl.passes import ModulePass
from xdsl.rewriter import InsertPoint, Rewriter

from stai.dialects import mk, qnn
from stai.dialects import qnn_params as qp
from stai.dialects.nn import dense_to_numpy
from stai.errors import StaiError
from stai.runtime import mk_layouts

KERNEL_SETS = ("stai", "cmsis-nn")
"""The values of the ``kernels`` option."""


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
    """An ``mk`` op for a ``qnn`` op: its class, packed weights, effective bias,
    parameters, ``fast_requant`` and geometric properties."""

    op: type[mk.MicroKernelOp]
    weights: np.ndarray
    bias: np.ndarray
    params: qp.ConvS8Params
    fast_requant: int
    properties: dict[str, Attribute]


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
    packed, bias = mk_layouts.pack_conv1x1_s8(w, b, params.input_offset.value.data)
    fast = mk_layouts.fast_requant_conv1x1(bias, w, params.ints("shifts"))
    return Choice(mk.Conv1x1S8Op, packed, bias, params, fast, {})


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
    packed, bias = mk_layouts.pack_conv1x1_s8(weights, b, params.input_offset.value.data)
    fast = mk_layouts.fast_requant_conv1x1(bias, weights, shifts)
    return Choice(mk.Conv1x1S8Op, packed, bias, conv, fast, {})


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
    return Choice(mk.DwConv3x3S8Op, packed, bias, params, fast, props)


RULES: tuple[Callable[[qnn.KernelOp, np.ndarray, np.ndarray], Choice | None], ...] = (
    _conv1x1,
    _fully_connected,
    _dwconv3x3,
)
"""Each kernel's rule: the ``mk`` op for a ``qnn`` op it fits, else None."""


def choose(op: qnn.KernelOp) -> Choice | None:
    """The ``mk`` op of stai's kernel for ``op`` (an int8 ``qnn`` op in tensor form whose
    weights and bias are constants), or None: the op keeps its ``qnn`` kernel."""
    if isinstance(op, mk.MicroKernelOp) or op.res is None or op.kind != "s8":
        return None
    if len(op.ins) != 3 or op.act is None:
        return None
    w, b = _constant(op.ins[1]), _constant(op.ins[2])
    if w is None or b is None or w.dtype != np.int8 or b.dtype != np.int32:
        return None
    for rule in RULES:
        try:
            found = rule(op, w, b)
        except ValueError:  # an effective bias past int32: the layer keeps its kernel
            return None
        if found is not None:
            return found
    return None


def select_kernel(op: qnn.KernelOp, rewriter: Rewriter) -> bool:
    """Replace ``op`` by the ``mk`` op of stai's kernel that fits it; False when none
    does."""
    found = choose(op)
    if found is None:
        return False
    assert op.res is not None and op.act is not None
    weights = _dense(np.ascontiguousarray(found.weights, np.int8).reshape(-1), i8)
    bias = _dense(np.ascontiguousarray(found.bias, np.int32).reshape(-1), i32)
    new = found.op.create(
        operands=[op.ins[0], weights.result, bias.result],
        properties={
            "params": found.params,
            "act": op.act,
            "fast_requant": IntegerAttr(found.fast_requant, i64),
            **found.properties,
            "operandSegmentSizes": DenseArrayBase.from_list(i32, [3, 0, 0]),
        },
        attributes=dict(op.attributes),
        result_types=[op.res.type],
    )
    old = [op.ins[1].owner, op.ins[2].owner]
    rewriter.insert_op([weights, bias], InsertPoint.before(op))
    rewriter.replace_op(op, new)
    for owner in old:
        if isinstance(owner, arith.ConstantOp) and not owner.result.uses:
            rewriter.erase_op(owner)
    return True


@dataclass(frozen=True)
class SelectKernelsPass(ModulePass):
    """stai's own int8 kernels where one fits (``kernels=stai``); ``kernels=cmsis-nn`` or
    a Helium core (``isa=mve``): nothing changes."""

    name = "select-kernels"

    kernels: str = "stai"
    isa: str = "host"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        if self.kernels not in KERNEL_SETS:
            raise StaiError(
                f"select-kernels: kernels must be {' or '.join(KERNEL_SETS)}, got '{self.kernels}'"
            )
        if self.kernels != "stai" or self.isa == "mve":
            return
        rewriter = Rewriter()
        for inner in [o for o in op.walk() if isinstance(o, qnn.KernelOp)]:
            select_kernel(inner, rewriter)
