"""Kernel sums of int8 fully connected layers precomputed at compile time for Helium
(``lowering/kernel_sums.py``): the numbers, and what they save on the AD model (ten dense
layers) for cortex-m55. Bit-exactness on the emulated M55 is
``tests/target/test_target.py::test_int8_bit_exact_on_target`` (and, with the real Helium
kernels, ``test_real_cmsis_nn_is_bit_exact``)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from stai.compiler.driver import generate
from stai.compiler.options import CompileOptions
from stai.dialects import qnn
from stai.lowering.kernel_sums import kernel_sums
from stai.tools.analyze import analyze

AD_INT8 = "mlperf_tiny/ad/ad01_int8.tflite"


def _fc(weights: np.ndarray, bias: np.ndarray | None, input_offset: int, filter_offset: int):
    """A parsed tensor-form int8 ``qnn.fully_connected`` and its constants map."""
    from xdsl.dialects import arith
    from xdsl.parser import Parser

    from stai.compiler.driver import make_context

    outputs, depth = weights.shape
    w = f"arith.constant dense<{weights.tolist()}> : tensor<{outputs}x{depth}xi8>"
    lines = [f"%w = {w}"]
    ins, types = "%x, %w", f"tensor<1x{depth}xi8>, tensor<{outputs}x{depth}xi8>"
    if bias is not None:
        lines.append(f"%b = arith.constant dense<{bias.tolist()}> : tensor<{outputs}xi32>")
        ins, types = ins + ", %b", types + f", tensor<{outputs}xi32>"
    params = (
        f"params = #qnn.fully_connected_s8<input_offset = {input_offset}, filter_offset = "
        f"{filter_offset}, output_offset = 0, "
        "multipliers = array<i32: 1073741824>, shifts = array<i32: 0>>"
    )
    lines.append(
        f"%y = qnn.fully_connected ins({ins} : {types}) {{act = array<i32: -128, 127>, "
        f"{params}}} -> tensor<1x{outputs}xi8>"
    )
    text = (
        f"func.func @main(%x: tensor<1x{depth}xi8>) -> tensor<1x{outputs}xi8> {{\n"
        + "\n".join(lines)
        + "\nfunc.return %y : tensor<1x"
        + f"{outputs}xi8>\n}}"
    )
    module = Parser(make_context(), text).parse_module()
    op = next(o for o in module.walk() if isinstance(o, qnn.FullyConnectedOp))
    constants = {o.result: o.value for o in module.walk() if isinstance(o, arith.ConstantOp)}
    return op, constants


@pytest.mark.parametrize(
    ("input_offset", "filter_offset", "with_bias"),
    [(-89, 0, True), (128, 3, True), (0, 0, True), (5, 0, False)],
)
def test_kernel_sums_equal_the_definition(input_offset, filter_offset, with_bias):
    rng = np.random.default_rng(3)
    w = rng.integers(-128, 128, (7, 33)).astype(np.int8)
    b = rng.integers(-5000, 5000, 7).astype(np.int32) if with_bias else None
    op, constants = _fc(w, b, input_offset, filter_offset)
    got = kernel_sums(op, constants)
    expected = []
    for o in range(7):
        total = int(b[o]) if b is not None else 0
        if input_offset:
            total += input_offset * (sum(int(v) for v in w[o]) + 33 * filter_offset)
        expected.append(total)
    assert got is not None and got.dtype == np.int32 and got.tolist() == expected


def test_ad_on_helium_needs_no_scratch_and_no_runtime_sums(models_dir: Path, tmp_path: Path):
    """AD int8 for cortex-m55: the arena is the M4's (no kernel-sum scratch), the C never
    calls arm_vector_sum_s8, and the ROM grows by exactly one int32 per output channel."""
    model = models_dir / AD_INT8
    meta = {}
    for target in ("cortex-m4", "cortex-m55"):
        out = generate(model, tmp_path / target, target=target, kernels="cmsis-nn").out_dir
        meta[target] = json.loads((out / "network.json").read_text())
        assert "arm_vector_sum_s8" not in (out / "network.c").read_text()
    outputs = 8 * 128 + 8 + 640  # the ten dense layers' output channels
    assert meta["cortex-m55"]["activations_bytes"] == meta["cortex-m4"]["activations_bytes"] == 768
    assert meta["cortex-m55"]["weights_bytes"] == meta["cortex-m4"]["weights_bytes"] + 4 * outputs
    report = analyze(
        model, target="cortex-m55", options=CompileOptions(target="cortex-m55", kernels="cmsis-nn")
    )
    assert (
        sum(r.rom_bytes for r in report.layers)
        == report.totals.weights_bytes
        == meta["cortex-m55"]["weights_bytes"]
    )
