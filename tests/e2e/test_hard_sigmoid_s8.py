"""int8 hard sigmoid (``clamp(alpha * x + beta, 0, 1)``) as one requantizing clamp: on
every int8 input code, within one output step of the real function."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from xdsl.parser import Parser

from stai.compiler.driver import make_context
from stai.errors import StaiError
from stai.runtime.runner import CModel
from stai.tools.quantize import compile_module


def _module(alpha: float, beta: float, x_q: str, y_q: str) -> str:
    return f"""
func.func @main(%x: tensor<1x256x!nn.q<i8, {x_q}>>) -> tensor<1x256x!nn.q<i8, {y_q}>> {{
  %y = nn.hard_sigmoid %x {{alpha = {alpha} : f32, beta = {beta} : f32}} : (tensor<1x256x!nn.q<i8, {x_q}>>) -> tensor<1x256x!nn.q<i8, {y_q}>>
  func.return %y : tensor<1x256x!nn.q<i8, {y_q}>>
}}"""


@pytest.mark.parametrize(
    ("alpha", "beta", "x_scale", "x_zp", "y_scale", "y_zp"),
    [
        (1.0 / 6.0, 0.5, 0.05, 3, 1.0 / 255.0, -128),  # Keras 3
        (0.2, 0.5, 0.1, -20, 1.0 / 256.0, -128),  # Keras 2 / ONNX HardSigmoid default
        (0.25, 0.3, 0.03, 10, 0.005, -100),
    ],
)
def test_every_code_within_one_step(tmp_path: Path, alpha, beta, x_scale, x_zp, y_scale, y_zp):
    module = Parser(
        make_context(), _module(alpha, beta, f"{x_scale} : {x_zp}", f"{y_scale} : {y_zp}")
    ).parse_module()
    out = compile_module(module, tmp_path / "hs", "hs")
    codes = np.arange(-128, 128, dtype=np.int8).reshape(1, 256)
    got = CModel(out, "hs").run([codes])[0].astype(np.int32).reshape(-1)
    real_x = x_scale * (codes.astype(np.float64).reshape(-1) - x_zp)
    real_y = np.clip(alpha * real_x + beta, 0.0, 1.0)
    want = np.clip(np.round(real_y / y_scale) + y_zp, -128, 127)
    assert np.max(np.abs(got - want)) <= 1, np.max(np.abs(got - want))
    assert got.min() >= y_zp and got.max() == min(127, y_zp + round(1.0 / y_scale))


def test_negative_alpha_is_an_error(tmp_path: Path):
    module = Parser(make_context(), _module(-0.2, 0.5, "0.05 : 0", "0.004 : -128")).parse_module()
    with pytest.raises(StaiError, match="alpha > 0"):
        compile_module(module, tmp_path / "hs", "hs")
