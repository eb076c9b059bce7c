"""stai's own int8 kernels, bit-exact against TFLite Micro on tiny single-operator models.

Each case generator below builds (once per session) one or more single-operator int8
models, either with TensorFlow's converter (quantization chosen by calibration) or by
hand (chosen scales and zero points), runs random int8 inputs (or every int8 code for
unary operators) through TFLite Micro, computes the kernel's parameters from the model's
quantization with `stai.lowering.quant_math`, and checks that the C kernel gives the very
same bytes. The same cases are replayed under AddressSanitizer + UBSan.
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import test_s8_support as s8
from test_s8_support import Case, Kernels, ModelInfo, T

from stai.lowering import quant_math as qm

SAMPLES = 4
ALL_CODES = np.arange(-128, 128, dtype=np.int8)


# ----------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="session")
def models(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The session's folder of test models."""
    return tmp_path_factory.mktemp("s8_models")


@pytest.fixture(scope="session")
def kernels(tmp_path_factory: pytest.TempPathFactory) -> Kernels:
    """The int8 kernels built with -O2 and -Werror."""
    return Kernels(s8.build_library(tmp_path_factory.mktemp("s8_lib")))


def _samples(rng: np.random.Generator, shapes: list[tuple[int, ...]]) -> list[list[np.ndarray]]:
    """SAMPLES random int8 samples for inputs of the given shapes."""
    return [[s8.random_s8(rng, shape) for shape in shapes] for _ in range(SAMPLES)]


def _check_ops(info: ModelInfo, ops: list[str]) -> None:
    """Fail unless the model holds exactly `ops` (the converter may insert others)."""
    if info.ops != ops:
        raise AssertionError(f"{info.path.name}: operators {info.ops}, expected {ops}")


# ----------------------------------------------------------------------------- generators


def _binary_models(models: Path, op: str) -> list[tuple[ModelInfo, str]]:
    """Converted and hand-made ADD/SUB/MUL models (with broadcasting) and their activation."""
    tf = s8._tf()
    fns = {"ADD": lambda x, y: x + y, "SUB": lambda x, y: x - y, "MUL": lambda x, y: x * y}
    fn = fns[op]
    found: list[tuple[ModelInfo, str]] = []
    shapes = [
        ((1, 5, 5, 8), (1, 5, 5, 8)),
        ((1, 5, 5, 8), (1, 1, 1, 8)),
        ((1, 4, 1, 6), (1, 1, 5, 1)),
        ((2, 3, 4, 5), (2, 1, 4, 1)),
    ]
    for k, (sa, sb) in enumerate(shapes):
        info = s8.write_model(
            models,
            f"{op.lower()}_conv{k}",
            lambda sa=sa, sb=sb, k=k: s8.convert(fn, [sa, sb], [(-1.0, 1.0), (-3.0, 2.0)], seed=k),
        )
        _check_ops(info, [op])
        found.append((info, "NONE"))
    relu = s8.write_model(
        models,
        f"{op.lower()}_relu",
        lambda: s8.convert(
            lambda x, y: tf.nn.relu(fn(x, y)),
            [(1, 3, 3, 4), (1, 3, 3, 4)],
            [(-2.0, 2.0), (-1.0, 1.5)],
            seed=7,
        ),
    )
    _check_ops(relu, [op])
    found.append((relu, "RELU"))
    # Hand-made: binary scales (many exact ties) and unusual zero points, with activations.
    hand = [
        ((0.25, 3), (0.125, -7), (0.5, 1), "NONE", (1, 4, 4, 8), (1, 4, 4, 8)),
        ((0.02, -128), (0.02, 127), (0.04, 0), "RELU6", (1, 3, 4, 5), (1, 1, 4, 1)),
        ((0.0078125, 0), (0.0625, -20), (0.03125, 9), "RELU_N1_TO_1", (2, 2, 3, 4), (1, 2, 1, 4)),
        ((0.1, 5), (0.003, -3), (0.07, -50), "RELU", (1, 2, 2, 3), (1, 2, 2, 3)),
    ]
    # Output scales where round(6 / s) and round(1 / s) differ between float32 and float64
    # division (TFLite Micro uses float32 for fused activation ranges).
    hand += [
        ((0.1, 0), (0.1, 0), (0.05911330133676529, -128), "RELU6", (1, 2, 8, 8), (1, 2, 8, 8)),
        ((0.1, 0), (0.1, 0), (0.04878048971295357, 0), "RELU_N1_TO_1", (1, 2, 8, 8), (1, 1, 8, 8)),
    ]
    # Every pair of int8 codes; for the first config the float64 steps of the reference
    # (not float32) matter for MUL.
    hand += [
        (
            (0.07317725569009781, 0),
            (0.0784686952829361, 0),
            (0.022128786891698837, 0),
            "NONE",
            (1, 256, 1, 1),
            (1, 1, 256, 1),
        )
    ]
    # Every pair of int8 codes (input 1 varies along H, input 2 along W), odd scales.
    every_pair = (1, 256, 1, 1), (1, 1, 256, 1)
    hand += [
        ((0.0371, -9), (0.0213, 14), (0.0419, 3), "NONE", *every_pair),
        ((0.011, 100), (0.06, -100), (0.05, -1), "NONE", *every_pair),
    ]
    options = {"ADD": "AddOptions", "SUB": "SubOptions", "MUL": "MulOptions"}[op]
    act_codes = {"NONE": 0, "RELU": 1, "RELU_N1_TO_1": 2, "RELU6": 3}
    for k, (q1, q2, qo, act, sa, sb) in enumerate(hand):
        out_shape = tuple(np.broadcast_shapes(sa, sb))
        info = s8.write_model(
            models,
            f"{op.lower()}_hand{k}",
            lambda q1=q1, q2=q2, qo=qo, act=act, sa=sa, sb=sb, out_shape=out_shape: s8.handmade(
                op,
                [T(sa, scale=q1[0], zero_point=q1[1]), T(sb, scale=q2[0], zero_point=q2[1])],
                [T(out_shape, scale=qo[0], zero_point=qo[1])],
                (options, {"fusedActivationFunction": act_codes[act]}),
            ),
        )
        found.append((info, act))
    return found


def _binary_cases(models: Path, op: str, seed: int) -> list[Case]:
    """Cases for the int8 ADD / SUB / MUL kernels."""
    rng = np.random.default_rng(seed)
    cases = []
    for info, act in _binary_models(models, op):
        a, b = info.inputs
        out = info.outputs[0]
        args = (a.scale, a.zero_point, b.scale, b.zero_point, out.scale, out.zero_point, act)
        if a.shape[1:] == (256, 1, 1) and b.shape[1:] == (1, 256, 1):  # every pair
            samples = [[ALL_CODES.reshape(a.shape), ALL_CODES.reshape(b.shape)]]
        else:
            samples = _samples(rng, [a.shape, b.shape])
        for k, (sample, expected) in enumerate(zip(samples, s8.run_tflm(info, samples))):
            label = f"{info.path.stem}[{k}]"
            if op == "MUL":
                cases.append(
                    Case(
                        label,
                        "broadcast_mul",
                        (*sample, out.shape, qm.mul_params_s8(*args)),
                        expected,
                    )
                )
                continue
            params = (qm.add_params_s8 if op == "ADD" else qm.sub_params_s8)(*args)
            cases.append(
                Case(label, "broadcast_add_sub", (op.lower(), *sample, out.shape, params), expected)
            )
            if op == "SUB" and a.shape == b.shape:
                cases.append(
                    Case(label + "/elementwise", "elementwise_sub", (*sample, params), expected)
                )
    return cases


def cases_add(models: Path) -> list[Case]:
    """ADD with broadcasting (stai_broadcast_add_s8)."""
    return _binary_cases(models, "ADD", 1)


def cases_sub(models: Path) -> list[Case]:
    """SUB, element-wise and with broadcasting."""
    return _binary_cases(models, "SUB", 2)


def cases_mul(models: Path) -> list[Case]:
    """MUL with broadcasting."""
    return _binary_cases(models, "MUL", 3)


def cases_pad(models: Path) -> list[Case]:
    """PAD of 4-D tensors; the padding takes the output zero point."""
    rng = np.random.default_rng(4)
    cases = []
    configs = [
        ((1, 5, 5, 3), ((0, 0), (1, 2), (2, 1), (0, 0)), -5),
        ((2, 3, 4, 2), ((1, 0), (0, 3), (1, 1), (2, 1)), 17),
        ((1, 2, 2, 1), ((0, 0), (0, 0), (0, 0), (0, 0)), 0),
    ]
    for k, (shape, pads, zp) in enumerate(configs):
        out_shape = tuple(d + p[0] + p[1] for d, p in zip(shape, pads))
        paddings = np.array(pads, np.int32)
        info = s8.write_model(
            models,
            f"pad{k}",
            lambda shape=shape, zp=zp, out_shape=out_shape, paddings=paddings: s8.handmade(
                "PAD",
                [T(shape, scale=0.1, zero_point=zp), T((4, 2), "INT32", data=paddings)],
                [T(out_shape, scale=0.1, zero_point=zp)],
            ),
        )
        samples = _samples(rng, [shape])
        for j, (sample, expected) in enumerate(zip(samples, s8.run_tflm(info, samples))):
            before = [p[0] for p in pads]
            after = [p[1] for p in pads]
            cases.append(
                Case(
                    f"pad{k}[{j}]",
                    "pad",
                    (sample[0], before, after, info.outputs[0].zero_point),
                    expected,
                )
            )
    return cases


def cases_concat(models: Path) -> list[Case]:
    """CONCATENATION along several axes (stai_concat, once per input)."""
    rng = np.random.default_rng(5)
    cases = []
    configs = [
        (((1, 4, 4, 3), (1, 4, 4, 5)), 3),
        (((1, 2, 3, 4), (1, 3, 3, 4), (1, 1, 3, 4)), 1),
        (((1, 2, 2, 2), (2, 2, 2, 2)), 0),
        (((2, 3, 1, 2), (2, 3, 4, 2)), 2),
    ]
    for k, (shapes, axis) in enumerate(configs):
        out_shape = list(shapes[0])
        out_shape[axis] = sum(s[axis] for s in shapes)
        info = s8.write_model(
            models,
            f"concat{k}",
            lambda shapes=shapes, axis=axis, out_shape=out_shape: s8.handmade(
                "CONCATENATION",
                [T(s, scale=0.05, zero_point=-3) for s in shapes],
                [T(tuple(out_shape), scale=0.05, zero_point=-3)],
                ("ConcatenationOptions", {"axis": axis}),
            ),
        )
        samples = _samples(rng, list(shapes))
        for j, (sample, expected) in enumerate(zip(samples, s8.run_tflm(info, samples))):
            cases.append(Case(f"concat{k}[{j}]", "concat", (sample, axis), expected))
    # stai_concat moves bytes: the same kernel concatenates float32 tensors.
    shapes_f, axis_f = ((1, 3, 2, 4), (1, 3, 2, 1)), 3
    info = s8.write_model(
        models,
        "concat_f32",
        lambda: s8.handmade(
            "CONCATENATION",
            [T(s, "FLOAT32") for s in shapes_f],
            [T((1, 3, 2, 5), "FLOAT32")],
            ("ConcatenationOptions", {"axis": axis_f}),
        ),
    )
    samples = [
        [rng.standard_normal(s).astype(np.float32) for s in shapes_f] for _ in range(SAMPLES)
    ]
    for j, (sample, expected) in enumerate(zip(samples, s8.run_tflm(info, samples))):
        cases.append(Case(f"concat_f32[{j}]", "concat", (sample, axis_f), expected))
    return cases


def cases_copy(models: Path) -> list[Case]:
    """RESHAPE as a copy (stai_copy)."""
    rng = np.random.default_rng(6)
    shape, new_shape = (1, 4, 4, 3), (1, 48)
    info = s8.write_model(
        models,
        "reshape",
        lambda: s8.handmade(
            "RESHAPE",
            [
                T(shape, scale=0.1, zero_point=2),
                T((2,), "INT32", data=np.array(new_shape, np.int32)),
            ],
            [T(new_shape, scale=0.1, zero_point=2)],
            ("ReshapeOptions", {"newShape": list(new_shape)}),
        ),
    )
    samples = _samples(rng, [shape])
    return [
        Case(f"reshape[{j}]", "copy", (sample[0], new_shape), expected)
        for j, (sample, expected) in enumerate(zip(samples, s8.run_tflm(info, samples)))
    ]


QUANT_CONFIGS = [(0.25, 0), (0.1, -128), (0.0392157, 5), (0.007, -20), (1.5, 127), (3e-5, -1)]


def _float_inputs(rng: np.random.Generator, scale: float) -> np.ndarray:
    """Float inputs for QUANTIZE: exact half-way points, near-ties, wide random values."""
    k = np.arange(-140, 140, dtype=np.float32)
    ties = (k + np.float32(0.5)) * np.float32(scale)
    near = np.nextafter(ties, np.float32(np.inf)), np.nextafter(ties, np.float32(-np.inf))
    wide = rng.normal(0.0, 80.0 * scale, size=200).astype(np.float32)
    extreme = np.array(
        [0.0, -0.0, 1e6 * scale, -1e6 * scale, 2e9 * scale, -2e9 * scale, np.nan, -np.nan],
        np.float32,
    )
    return np.concatenate([ties, *near, wide, extreme]).astype(np.float32).reshape(1, -1)


def cases_quantize(models: Path) -> list[Case]:
    """QUANTIZE float32 -> int8 (stai_quantize_f32_s8)."""
    rng = np.random.default_rng(7)
    cases = []
    for k, (scale, zp) in enumerate(QUANT_CONFIGS):
        x = _float_inputs(rng, scale)
        info = s8.write_model(
            models,
            f"quantize{k}",
            lambda x=x, scale=scale, zp=zp: s8.handmade(
                "QUANTIZE", [T(x.shape, "FLOAT32")], [T(x.shape, scale=scale, zero_point=zp)]
            ),
        )
        out = info.outputs[0]
        expected = s8.run_tflm(info, [[x]])[0]
        cases.append(Case(f"quantize{k}", "quantize", (x, out.scale, out.zero_point), expected))
    return cases


def test_quantize_saturates_beyond_int32(kernels: Kernels) -> None:
    """x / scale beyond the int32 range (and infinities) saturate to 127 / -128.

    TFLite Micro's reference converts such values to int32 with undefined behaviour (an x86
    host gives INT32_MIN, so +1e20 becomes -128 there); stai saturates instead, so these
    values are checked against the mathematical result, not against TFLite Micro."""
    x = np.array([[1e20, -1e20, np.inf, -np.inf, 3e9, -3e9]], np.float32)
    for zp in (-128, -3, 0, 9, 127):
        got = kernels.quantize(x, 1.0, zp)
        assert got.tolist() == [[127, -128, 127, -128, 127, -128]]


def cases_dequantize(models: Path) -> list[Case]:
    """DEQUANTIZE int8 -> float32 of every int8 code (stai_dequantize_s8_f32)."""
    cases = []
    x = ALL_CODES.reshape(1, -1)
    for k, (scale, zp) in enumerate(QUANT_CONFIGS):
        info = s8.write_model(
            models,
            f"dequantize{k}",
            lambda scale=scale, zp=zp: s8.handmade(
                "DEQUANTIZE", [T(x.shape, scale=scale, zero_point=zp)], [T(x.shape, "FLOAT32")]
            ),
        )
        a = info.inputs[0]
        expected = s8.run_tflm(info, [[x]])[0]
        cases.append(Case(f"dequantize{k}", "dequantize", (x, a.scale, a.zero_point), expected))
    return cases


REQUANT_CONFIGS = [
    ((0.1, 3), (0.05, -7)),
    ((0.05, -7), (0.1, 3)),
    ((0.02, 0), (0.02, 10)),
    ((0.3, -128), (0.0071, 127)),
    ((0.013, 60), (0.9, -90)),
    ((0.0625, 1), (0.125, 0)),
    # the float64 division s_in / s_out matters here (code -105)
    ((0.017366034910082817, 127), (0.0461767353117466, 0)),
]


def cases_requantize(models: Path) -> list[Case]:
    """QUANTIZE int8 -> int8 of every int8 code (stai_requantize_s8)."""
    cases = []
    x = ALL_CODES.reshape(1, -1)
    for k, ((si, zi), (so, zo)) in enumerate(REQUANT_CONFIGS):
        info = s8.write_model(
            models,
            f"requantize{k}",
            lambda si=si, zi=zi, so=so, zo=zo: s8.handmade(
                "QUANTIZE",
                [T(x.shape, scale=si, zero_point=zi)],
                [T(x.shape, scale=so, zero_point=zo)],
            ),
        )
        a, out = info.inputs[0], info.outputs[0]
        params = qm.requantize_params_s8(a.scale, a.zero_point, out.scale, out.zero_point)
        expected = s8.run_tflm(info, [[x]])[0]
        cases.append(Case(f"requantize{k}", "requantize", (x, params), expected))
    return cases


def _unary_models(
    models: Path, op: str, fn_name: str, hand: list[tuple[tuple[float, int], tuple[float, int]]]
) -> list[ModelInfo]:
    """A converted model of a unary op on [-4, 4] (and [-2, 8]) plus hand-made ones."""
    tf = s8._tf()
    fn = {
        "relu": tf.nn.relu,
        "relu6": tf.nn.relu6,
        "logistic": tf.math.sigmoid,
        "tanh": tf.math.tanh,
    }[fn_name]
    found = []
    for k, rng_ in enumerate([(-4.0, 4.0), (-2.0, 8.0)]):
        info = s8.write_model(
            models,
            f"{fn_name}_conv{k}",
            lambda rng_=rng_, k=k: s8.convert(fn, [(1, 256)], [rng_], seed=k),
        )
        _check_ops(info, [op])
        found.append(info)
    for k, ((si, zi), (so, zo)) in enumerate(hand):
        found.append(
            s8.write_model(
                models,
                f"{fn_name}_hand{k}",
                lambda si=si, zi=zi, so=so, zo=zo: s8.handmade(
                    op,
                    [T((1, 256), scale=si, zero_point=zi)],
                    [T((1, 256), scale=so, zero_point=zo)],
                ),
            )
        )
    return found


def _unary_cases(
    infos: list[ModelInfo], method: str, params: Callable[[ModelInfo], object], extra: tuple = ()
) -> list[Case]:
    """One case per model: every int8 code through the kernel."""
    x = ALL_CODES.reshape(1, 256)
    cases = []
    for info in infos:
        expected = s8.run_tflm(info, [[x]])[0]
        cases.append(Case(info.path.stem, method, (*extra, x, params(info)), expected))
    return cases


def cases_relu(models: Path) -> list[Case]:
    """RELU and RELU6 (stai_relu_s8), every input code."""

    def relu_params(kind: str) -> Callable[[ModelInfo], object]:
        def make(info: ModelInfo) -> object:
            a, out = info.inputs[0], info.outputs[0]
            return qm.relu_params_s8(kind, a.scale, a.zero_point, out.scale, out.zero_point)

        return make

    # The last three: the float64 division s_in / s_out gives other outputs than float32
    # (RELU), round(6 / s) differs between float32 and float64 (RELU6).
    hand = [
        ((0.05, 10), (0.03, -100)),
        ((0.02, -128), (0.02, -128)),
        ((0.1, 0), (0.3, 5)),
        ((0.004, 100), (0.05, -128)),
        ((0.1717037558555603, -100), (0.19343301653862, -128)),
        ((0.09396741539239883, 26), (0.13090632855892181, -128)),
        ((0.05911330133676529, -128), (0.05911330133676529, -128)),
    ]
    cases = _unary_cases(_unary_models(models, "RELU", "relu", hand), "relu", relu_params("RELU"))
    cases += _unary_cases(
        _unary_models(models, "RELU6", "relu6", hand), "relu", relu_params("RELU6")
    )
    return cases


SIGMOID_HAND = [
    ((0.05, 3), (0.0, 0)),
    ((0.5, -128), (0.0, 0)),
    ((0.01, 100), (0.0, 0)),
    ((0.0314, -7), (0.0, 0)),
    ((0.125, 0), (0.0, 0)),
    ((0.002, -1), (0.0, 0)),
]


def cases_logistic(models: Path) -> list[Case]:
    """LOGISTIC (stai_logistic_s8), every input code, several input scales."""
    hand = [(q, (1.0 / 256, -128)) for q, _ in SIGMOID_HAND]
    infos = _unary_models(models, "LOGISTIC", "logistic", hand)
    return _unary_cases(
        infos,
        "sigmoid",
        lambda i: qm.logistic_params_s8(i.inputs[0].scale, i.inputs[0].zero_point),
        ("logistic",),
    )


def cases_tanh(models: Path) -> list[Case]:
    """TANH (stai_tanh_s8), every input code, several input scales."""
    hand = [(q, (1.0 / 128, 0)) for q, _ in SIGMOID_HAND]
    infos = _unary_models(models, "TANH", "tanh", hand)
    return _unary_cases(
        infos,
        "sigmoid",
        lambda i: qm.tanh_params_s8(i.inputs[0].scale, i.inputs[0].zero_point),
        ("tanh",),
    )


def cases_mean(models: Path) -> list[Case]:
    """MEAN over H, W (stai_mean_hw_s8): converted models, hand-made ones with equal and
    different input/output quantization."""
    tf = s8._tf()
    rng = np.random.default_rng(8)
    infos = []
    for keep in (True, False):
        info = s8.write_model(
            models,
            f"mean_conv_keep{int(keep)}",
            lambda keep=keep: s8.convert(
                lambda x: tf.reduce_mean(x, axis=[1, 2], keepdims=keep),
                [(1, 5, 5, 8)],
                [(-1.0, 2.0)],
                seed=3,
            ),
        )
        _check_ops(info, ["MEAN"])
        infos.append(info)
    hand = [
        ((2, 7, 7, 16), (0.05, 3), (0.05, 3), True),
        ((1, 3, 5, 4), (0.02, -128), (0.02, -128), False),
        ((1, 4, 4, 8), (0.1, 7), (0.01, -3), True),
        ((3, 2, 3, 5), (0.013, -60), (0.2, 10), False),
        ((1, 1, 1, 6), (0.05, 0), (0.07, 1), True),
        ((1, 16, 16, 2), (0.05, -20), (0.01, 4), False),
    ]
    for k, (shape, (si, zi), (so, zo), keep) in enumerate(hand):
        out_shape = (shape[0], 1, 1, shape[3]) if keep else (shape[0], shape[3])
        infos.append(
            s8.write_model(
                models,
                f"mean_hand{k}",
                lambda shape=shape, si=si, zi=zi, so=so, zo=zo, keep=keep, out_shape=out_shape: (
                    s8.handmade(
                        "MEAN",
                        [
                            T(shape, scale=si, zero_point=zi),
                            T((2,), "INT32", data=np.array([1, 2], np.int32)),
                        ],
                        [T(out_shape, scale=so, zero_point=zo)],
                        ("ReducerOptions", {"keepDims": keep}),
                    )
                ),
            )
        )
    # A sum for which the float64 division s_in / s_out gives -72 and float32 -73.
    fixed = {len(infos): np.array([-50] * 4 + [-51] * 12, np.int8).reshape(1, 4, 4, 1)}
    infos.append(
        s8.write_model(
            models,
            "mean_hand_f64",
            lambda: s8.handmade(
                "MEAN",
                [
                    T((1, 4, 4, 1), scale=0.025255614891648293, zero_point=0),
                    T((2,), "INT32", data=np.array([1, 2], np.int32)),
                ],
                [T((1, 1, 1, 1), scale=0.01769418455660343, zero_point=0)],
                ("ReducerOptions", {"keepDims": True}),
            ),
        )
    )
    cases = []
    for index, info in enumerate(infos):
        a, out = info.inputs[0], info.outputs[0]
        params = qm.mean_params_s8(
            a.scale, a.zero_point, out.scale, out.zero_point, a.shape[1] * a.shape[2]
        )
        samples = _samples(rng, [a.shape])
        # extremes: all codes equal to -128 / 127 (largest sums)
        samples += [[np.full(a.shape, -128, np.int8)], [np.full(a.shape, 127, np.int8)]]
        if index in fixed:
            samples.append([fixed[index]])
        for j, (sample, expected) in enumerate(zip(samples, s8.run_tflm(info, samples))):
            cases.append(
                Case(f"{info.path.stem}[{j}]", "mean_hw", (sample[0], out.shape, params), expected)
            )
    return cases


LEAKY_HAND = [
    (0.2, (0.05, 3), (0.04, -1)),
    (0.01, (0.1, -128), (0.02, 100)),
    (-0.5, (0.03, 0), (0.03, 20)),
    (1.7, (0.02, 10), (0.05, -5)),
    (0.3, (0.07, 60), (0.001, -128)),
    # float64 (not float32) steps matter: identity multiplier, alpha multiplier
    (0.051198672503232956, (0.09655111283063889, -65), (0.19205842912197113, -43)),
    (0.8063797950744629, (0.08365245908498764, 90), (0.11059252917766571, 71)),
]


def cases_leaky_relu(models: Path) -> list[Case]:
    """LEAKY_RELU (stai_leaky_relu_s8), every input code, several alphas (one negative)."""
    tf = s8._tf()
    infos: list[tuple[ModelInfo, float]] = []
    for k, alpha in enumerate((0.2, 0.01)):
        info = s8.write_model(
            models,
            f"leaky_conv{k}",
            lambda alpha=alpha, k=k: s8.convert(
                lambda x: tf.nn.leaky_relu(x, alpha=alpha), [(1, 256)], [(-4.0, 3.0)], seed=k
            ),
        )
        _check_ops(info, ["LEAKY_RELU"])
        infos.append((info, alpha))
    for k, (alpha, (si, zi), (so, zo)) in enumerate(LEAKY_HAND):
        info = s8.write_model(
            models,
            f"leaky_hand{k}",
            lambda alpha=alpha, si=si, zi=zi, so=so, zo=zo: s8.handmade(
                "LEAKY_RELU",
                [T((1, 256), scale=si, zero_point=zi)],
                [T((1, 256), scale=so, zero_point=zo)],
                ("LeakyReluOptions", {"alpha": alpha}),
            ),
        )
        infos.append((info, alpha))
    cases = []
    for info, alpha in infos:
        a, out = info.inputs[0], info.outputs[0]
        params = qm.leaky_relu_params_s8(alpha, a.scale, a.zero_point, out.scale, out.zero_point)
        x = ALL_CODES.reshape(1, 256)
        cases.append(Case(info.path.stem, "leaky_relu", (x, params), s8.run_tflm(info, [[x]])[0]))
    return cases


HARD_SWISH_HAND = [
    ((0.05, 3), (0.03, -100)),
    ((0.1, -128), (0.05, -128)),
    ((0.01, 0), (0.005, -60)),
    ((0.3, 20), (0.2, -10)),
    ((0.002, -5), (0.01, 0)),
    # the float64 division of the output multiplier matters here
    ((0.045827966183423996, -13), (0.17663314938545227, -96)),
]


def cases_hard_swish(models: Path) -> list[Case]:
    """HARD_SWISH (stai_hard_swish_s8), every input code, several quantizations."""
    tf = s8._tf()
    infos = []
    for k, rng_ in enumerate([(-4.0, 4.0), (-8.0, 2.0)]):
        info = s8.write_model(
            models,
            f"hswish_conv{k}",
            lambda rng_=rng_, k=k: s8.convert(
                lambda x: x * tf.nn.relu6(x + 3.0) * (1.0 / 6.0), [(1, 256)], [rng_], seed=k
            ),
        )
        _check_ops(info, ["HARD_SWISH"])
        infos.append(info)
    for k, ((si, zi), (so, zo)) in enumerate(HARD_SWISH_HAND):
        infos.append(
            s8.write_model(
                models,
                f"hswish_hand{k}",
                lambda si=si, zi=zi, so=so, zo=zo: s8.handmade(
                    "HARD_SWISH",
                    [T((1, 256), scale=si, zero_point=zi)],
                    [T((1, 256), scale=so, zero_point=zo)],
                ),
            )
        )
    return _unary_cases(
        infos,
        "hard_swish",
        lambda i: qm.hard_swish_params_s8(
            i.inputs[0].scale, i.inputs[0].zero_point, i.outputs[0].scale, i.outputs[0].zero_point
        ),
    )


GENERATORS: dict[str, Callable[[Path], list[Case]]] = {
    "add": cases_add,
    "sub": cases_sub,
    "mul": cases_mul,
    "pad": cases_pad,
    "concat": cases_concat,
    "copy": cases_copy,
    "quantize": cases_quantize,
    "dequantize": cases_dequantize,
    "requantize": cases_requantize,
    "relu": cases_relu,
    "logistic": cases_logistic,
    "tanh": cases_tanh,
    "mean": cases_mean,
    "leaky_relu": cases_leaky_relu,
    "hard_swish": cases_hard_swish,
}


# ----------------------------------------------------------------------------- tests


@pytest.mark.parametrize("op", sorted(GENERATORS))
def test_bit_exact_with_tflm(op: str, models: Path, kernels: Kernels) -> None:
    """Every case of the operator gives TFLite Micro's exact output bytes."""
    cases = GENERATORS[op](models)
    assert len(cases) >= 3
    failures = [m for m in (case.mismatch(kernels) for case in cases) if m]
    assert not failures, "\n".join(failures[:20])


def test_sanitizers_clean(models: Path, tmp_path: Path) -> None:
    """All cases replayed on an ASan + UBSan build (aborting on any report), bit-exact."""
    lib = s8.build_library(tmp_path / "asan", sanitize=True)
    cases = [case for make in GENERATORS.values() for case in make(models)]
    cases_file = tmp_path / "cases.pkl"
    cases_file.write_bytes(pickle.dumps(cases))
    env = dict(
        os.environ,
        LD_PRELOAD=s8.libasan_path(),
        ASAN_OPTIONS="detect_leaks=0:halt_on_error=1",
        UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1",
    )
    done = subprocess.run(
        [sys.executable, str(Path(s8.__file__)), str(lib), str(cases_file)],
        capture_output=True,
        text=True,
        env=env,
        timeout=900,
    )
    report = (done.stdout + done.stderr)[-4000:]
    assert done.returncode == 0, report
    assert f"{len(cases)} cases, 0 mismatches" in done.stdout, report


def test_header_standalone(tmp_path: Path) -> None:
    """stai_kernels_s8.h compiles on its own (C99, -Werror) and declares every kernel."""
    src = tmp_path / "use.c"
    names = [
        "stai_elementwise_sub_s8",
        "stai_broadcast_add_s8",
        "stai_broadcast_sub_s8",
        "stai_broadcast_mul_s8",
        "stai_pad_s8",
        "stai_concat",
        "stai_copy",
        "stai_quantize_f32_s8",
        "stai_dequantize_s8_f32",
        "stai_requantize_s8",
        "stai_relu_s8",
        "stai_logistic_s8",
        "stai_tanh_s8",
        "stai_mean_hw_s8",
        "stai_leaky_relu_s8",
        "stai_hard_swish_s8",
    ]
    body = "\n".join(f"    (void){n};" for n in names)
    src.write_text(f'#include "stai_kernels_s8.h"\nint main(void)\n{{\n{body}\n    return 0;\n}}\n')
    done = subprocess.run(
        [
            s8.compiler(),
            *s8.WARNING_FLAGS,
            "-I",
            str(s8.INCLUDE_DIR),
            "-c",
            str(src),
            "-o",
            str(tmp_path / "use.o"),
        ],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr


def test_sources_declare_provides() -> None:
    """Every int8 source starts with its SPDX line, then its stai-provides / stai-requires
    lines."""
    for path in s8.s8_sources():
        lines = path.read_text().splitlines()
        assert lines[0] == "/* SPDX-License-Identifier: Apache-2.0 */", path.name
        assert lines[1].startswith("/* stai-provides: "), path.name
        assert lines[2].startswith("/* stai-requires:"), path.name


def test_argument_errors(kernels: Kernels) -> None:
    """Inconsistent arguments give ARM_CMSIS_NN_ARG_ERROR and leave the output untouched."""
    import ctypes

    a = np.zeros((1, 2, 3, 4), np.int8)
    b = np.zeros((1, 3, 3, 4), np.int8)  # h = 3 neither 1 nor 2
    out = np.full((1, 2, 3, 4), 9, np.int8)
    status = kernels.call(
        "stai_broadcast_mul_s8",
        s8._ptr(a),
        ctypes.byref(s8.dims(a.shape)),
        s8._ptr(b),
        ctypes.byref(s8.dims(b.shape)),
        0,
        0,
        s8._ptr(out),
        ctypes.byref(s8.dims(out.shape)),
        0,
        1 << 30,
        0,
        -128,
        127,
    )
    assert status == s8.ARG_ERROR
    assert np.all(out == 9)
    status = kernels.call("stai_concat", s8._ptr(a), s8._ptr(out), 1, 8, 4, 0)
    assert status == s8.ARG_ERROR
    status = kernels.call(
        "stai_relu_s8", s8._ptr(a), s8._ptr(out), a.size, 0, 1 << 30, 1, 0, 10, -10
    )
    assert status == s8.ARG_ERROR
    status = kernels.call(
        "stai_quantize_f32_s8", s8._ptr(a), s8._ptr(out), 0, ctypes.c_float(0.0), 0
    )
    assert status == s8.ARG_ERROR
    assert np.all(out == 9)


def test_quant_math_activation_range_float32() -> None:
    """Fused activation bounds divide in float32: round(6 / s) is 102 here, not 101."""
    assert qm.quantized_activation_range("RELU6", 0.05911330133676529, -128) == (-128, -26)
    assert qm.quantized_activation_range("RELU_N1_TO_1", 0.04878048971295357, 0) == (-21, 21)
    assert qm.quantized_activation_range("NONE", 0.1, 5) == (-128, 127)
