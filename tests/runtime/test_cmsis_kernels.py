"""The portable CMSIS-NN API kernels are bit-exact with TFLite Micro.

Each case is a single-operator int8 model (the shared op-model factory plus a few extra
models for paths it does not cover: 1xN and 1x1-strided convolutions, batches, grouped
filters, dilated depthwise with a channel multiplier, per-tensor fully connected,
non-square pooling, fused activations, softmax with saturated differences). TFLite Micro
runs the model on seeded random int8 inputs; the harness reads the operator's tensors and
options with the `tflite` package, computes the kernel's parameters with
`stai.lowering.quant_math`, calls the kernel through ctypes, and the outputs must be equal.
"""

from __future__ import annotations

import ctypes
import os
import subprocess
import sys
import warnings
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import opmodels
import pytest
import test_cmsis_support as h

FACTORY_MODELS = [
    "conv2d_s1_same",
    "conv2d_s1_same_relu",
    "conv2d_s1_valid_relu6",
    "conv2d_s2_same_relu",
    "conv2d_s2_valid",
    "conv2d_s2_same_relu6",
    "conv2d_d2_same",
    "conv2d_d2_valid_relu",
    "conv2d_1x1_relu",
    "dwconv_m1_s1_same",
    "dwconv_m1_s1_valid_relu",
    "dwconv_m2_s1_same_relu6",
    "dwconv_m1_s2_same_relu",
    "dwconv_m2_s2_valid",
    "fc",
    "fc_relu",
    "fc_batch3",
    "avgpool_2x2_s2_valid",
    "avgpool_3x3_s1_same",
    "maxpool_2x2_s2_valid",
    "maxpool_3x3_s2_same",
    "add",
    "mul",
    "softmax",
]
SAMPLES_PER_MODEL = 3
SOFTMAX_BETA = 2.5


# ------------------------------------------------------------------ extra models


def _tf() -> Any:
    import tensorflow as tf

    return tf


def _w(rng: np.random.Generator, shape: tuple[int, ...], fan_in: int) -> Any:
    return _tf().constant((rng.standard_normal(shape) / np.sqrt(fan_in)).astype(np.float32))


def _conv_body(
    k: tuple[int, int],
    cin_per_group: int,
    cout: int,
    stride: tuple[int, int],
    padding: str,
    act: str = "NONE",
) -> opmodels.Body:
    """CONV_2D with a (kh, kw) filter; cin_per_group < input depth makes it grouped."""

    def make(rng: np.random.Generator) -> Callable[..., Any]:
        tf = _tf()
        w = _w(rng, (*k, cin_per_group, cout), k[0] * k[1] * cin_per_group)
        b = _tf().constant((0.1 * rng.standard_normal(cout)).astype(np.float32))
        relu = tf.nn.relu if act == "RELU" else (lambda t: t)
        return lambda x: relu(tf.nn.bias_add(tf.nn.conv2d(x, w, [1, *stride, 1], padding), b))

    return make


def _dw_dilated_body(rng: np.random.Generator) -> Callable[..., Any]:
    """DEPTHWISE_CONV_2D, 3x3, channel multiplier 3, dilation 2, SAME."""
    tf = _tf()
    w = _w(rng, (3, 3, 2, 3), 9)
    b = tf.constant((0.1 * rng.standard_normal(6)).astype(np.float32))
    return lambda x: tf.nn.bias_add(
        tf.nn.depthwise_conv2d(x, w, [1, 1, 1, 1], "SAME", dilations=[2, 2]), b
    )


def _dense_body(cin: int, cout: int, act: str) -> opmodels.Body:
    def make(rng: np.random.Generator) -> Callable[..., Any]:
        tf = _tf()
        w = _w(rng, (cin, cout), cin)
        b = tf.constant((0.1 * rng.standard_normal(cout)).astype(np.float32))
        relu = tf.nn.relu if act == "RELU" else (lambda t: t)
        return lambda x: relu(tf.matmul(x, w) + b)

    return make


def _avgpool_rect(rng: np.random.Generator) -> Callable[..., Any]:
    tf = _tf()
    return lambda x: tf.nn.avg_pool2d(x, [3, 2], [2, 1], "SAME")


def _binary_act(op: str, act: str) -> opmodels.Body:
    def make(rng: np.random.Generator) -> Callable[..., Any]:
        tf = _tf()
        fn = {"RELU": tf.nn.relu, "RELU6": tf.nn.relu6}[act]
        return (lambda x, y: fn(x + y)) if op == "ADD" else (lambda x, y: fn(x * y))

    return make


def _softmax(rng: np.random.Generator) -> Callable[..., Any]:
    return _tf().nn.softmax


def _with_softmax_beta(data: bytes, beta: float) -> bytes:
    """The model bytes with the beta of its first SOFTMAX patched in place (TFLite's
    converter never emits beta != 1, TFLite Micro supports it)."""
    import struct

    import tflite

    model = tflite.Model.GetRootAsModel(data, 0)
    options = model.Subgraphs(0).Operators(0).BuiltinOptions()
    table = tflite.SoftmaxOptions()
    table.Init(options.Bytes, options.Pos)
    field = table._tab.Offset(4)
    if field == 0:
        raise ValueError("SOFTMAX options store no beta to patch")
    at = table._tab.Pos + field
    patched = bytearray(data)
    patched[at : at + 4] = struct.pack("<f", beta)
    return bytes(patched)


Extra = tuple[opmodels.OpSpec, bool]  # (spec, per-tensor dense layers)
EXTRA_MODELS: dict[str, Extra] = {
    spec.name: (spec, per_tensor)
    for spec, per_tensor in [
        (
            opmodels.OpSpec(
                "x_conv_1xn",
                ((1, 1, 16, 4),),
                _conv_body((1, 3), 4, 8, (1, 1), "SAME"),
                ("CONV_2D",),
                "CONV_2D",
            ),
            False,
        ),
        (
            opmodels.OpSpec(
                "x_conv_1x1_s2",
                ((1, 7, 7, 8),),
                _conv_body((1, 1), 8, 6, (2, 2), "VALID"),
                ("CONV_2D",),
                "CONV_2D",
            ),
            False,
        ),
        (
            opmodels.OpSpec(
                "x_conv_batch2",
                ((2, 6, 6, 3),),
                _conv_body((3, 3), 3, 5, (1, 1), "SAME", "RELU"),
                ("CONV_2D",),
                "CONV_2D",
            ),
            False,
        ),
        (
            opmodels.OpSpec(
                "x_conv_rect",
                ((1, 7, 9, 3),),
                _conv_body((2, 3), 3, 4, (2, 1), "SAME"),
                ("CONV_2D",),
                "CONV_2D",
            ),
            False,
        ),
        (
            opmodels.OpSpec(
                "x_conv_grouped",
                ((1, 6, 6, 8),),
                _conv_body((3, 3), 4, 6, (1, 1), "SAME"),
                ("CONV_2D",),
                "CONV_2D",
            ),
            False,
        ),
        (
            opmodels.OpSpec(
                "x_dwconv_m3_d2",
                ((1, 8, 8, 2),),
                _dw_dilated_body,
                ("DEPTHWISE_CONV_2D",),
                "DEPTHWISE_CONV_2D",
            ),
            False,
        ),
        (
            opmodels.OpSpec(
                "x_fc_per_tensor",
                ((1, 24),),
                _dense_body(24, 12, "RELU"),
                ("FULLY_CONNECTED",),
                "FULLY_CONNECTED",
            ),
            True,
        ),
        (
            opmodels.OpSpec(
                "x_fc_per_tensor_batch",
                ((4, 16),),
                _dense_body(16, 5, "NONE"),
                ("FULLY_CONNECTED",),
                "FULLY_CONNECTED",
            ),
            True,
        ),
        (
            opmodels.OpSpec(
                "x_avgpool_rect",
                ((1, 7, 6, 5),),
                _avgpool_rect,
                ("AVERAGE_POOL_2D",),
                "AVERAGE_POOL_2D",
            ),
            False,
        ),
        (
            opmodels.OpSpec(
                "x_add_relu",
                ((1, 4, 4, 6), (1, 4, 4, 6)),
                _binary_act("ADD", "RELU"),
                ("ADD",),
                "ADD",
                input_ranges=((-2.0, 2.0), (-0.5, 1.5)),
            ),
            False,
        ),
        (
            opmodels.OpSpec(
                "x_mul_relu6",
                ((1, 4, 4, 6), (1, 4, 4, 6)),
                _binary_act("MUL", "RELU6"),
                ("MUL",),
                "MUL",
                input_ranges=((-3.0, 3.0), (-2.0, 4.0)),
            ),
            False,
        ),
        (
            opmodels.OpSpec(
                "x_softmax_wide",
                ((3, 10),),
                _softmax,
                ("SOFTMAX",),
                "SOFTMAX",
                input_ranges=((-40.0, 40.0),),
            ),
            False,
        ),
        (
            opmodels.OpSpec(
                "x_softmax_narrow",
                ((2, 16),),
                _softmax,
                ("SOFTMAX",),
                "SOFTMAX",
                input_ranges=((-0.3, 0.3),),
            ),
            False,
        ),
        (
            opmodels.OpSpec(
                "x_softmax_beta",
                ((4, 6),),
                _softmax,
                ("SOFTMAX",),
                "SOFTMAX",
                input_ranges=((-6.0, 6.0),),
            ),
            False,
        ),
    ]
}
ALL_MODELS = FACTORY_MODELS + list(EXTRA_MODELS)


def _convert_extra(spec: opmodels.OpSpec, per_tensor_dense: bool) -> bytes:
    """Convert an extra spec to a full-integer int8 model."""
    tf = _tf()
    seed = zlib.crc32(spec.name.encode())
    fn = spec.body(np.random.default_rng(seed))
    signature = [tf.TensorSpec(s, tf.float32) for s in spec.input_shapes]
    func = tf.function(fn, input_signature=signature, autograph=False)
    converter = tf.lite.TFLiteConverter.from_concrete_functions(
        [func.get_concrete_function()], func
    )
    samples = opmodels.representative_inputs(spec, 32, seed + 1)
    converter.optimizations = [tf.lite.Optimize.DEFAULT]
    converter.representative_dataset = lambda: iter(samples)
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    converter.inference_input_type = tf.int8
    converter.inference_output_type = tf.int8
    if per_tensor_dense:
        converter._experimental_disable_per_channel_quantization_for_dense_layers = True
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return opmodels._quietly(converter.convert)


@pytest.fixture(scope="session")
def cmsis_model(
    op_model: Callable[[str, str], Path], tmp_path_factory: pytest.TempPathFactory
) -> Callable[[str], Path]:
    """A function from a model name (factory or extra) to its int8 `.tflite`, cached per session."""
    cache = tmp_path_factory.mktemp("cmsis_models")

    def get(name: str) -> Path:
        if name not in EXTRA_MODELS:
            return op_model(name, opmodels.INT8)
        path = cache / f"{name}.tflite"
        if not path.is_file():
            data = _convert_extra(*EXTRA_MODELS[name])
            if name == "x_softmax_beta":
                data = _with_softmax_beta(data, SOFTMAX_BETA)
            path.write_bytes(data)
        return path

    return get


# ------------------------------------------------------------------ shared fixtures


@pytest.fixture(scope="session")
def cmsis_build_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("cmsis_build")


@pytest.fixture(scope="session")
def lib(cmsis_build_dir: Path) -> ctypes.CDLL:
    """The portable kernels built with -O2 and strict warnings, loaded."""
    return h.load(h.build_library(cmsis_build_dir))


def random_samples(op: h.OpInfo, name: str, count: int) -> list[list[np.ndarray]]:
    """`count` seeded samples of uniform int8 values for the op's non-constant inputs."""
    rng = np.random.default_rng(zlib.crc32(name.encode()) + 7)
    shapes = [t.shape for t in op.inputs if t is not None and t.data is None]
    return [[rng.integers(-128, 128, size=s, dtype=np.int8) for s in shapes] for _ in range(count)]


def cases_with_expected(path: Path, name: str, count: int) -> list[tuple[h.KernelCase, np.ndarray]]:
    """Kernel cases for `count` samples of a model with TFLite Micro's outputs."""
    from stai.tools.reference import run_tflm_many

    op = h.read_op(path)
    samples = random_samples(op, name, count)
    expected = run_tflm_many(path, samples)
    return [(h.make_case(op, s), e[0]) for s, e in zip(samples, expected)]


# ------------------------------------------------------------------ tests


def test_sources_compile_warning_free(tmp_path: Path) -> None:
    """Every source and a unit including all four API headers build with -Werror."""
    unit = tmp_path / "all_headers.c"
    unit.write_text(
        "".join(f'#include "{name}"\n' for name in h.CMSIS_HEADERS)
        + "int stai_headers_only(void) { return ARM_CMSIS_NN_SUCCESS; }\n"
    )
    for source in [unit, *h.source_paths()]:
        for extra in ([], h.SANITIZE_FLAGS):
            h.run_compiler(
                [
                    *h.STRICT_FLAGS,
                    *extra,
                    "-O2",
                    f"-I{h.INCLUDE}",
                    "-c",
                    str(source),
                    "-o",
                    str(tmp_path / (source.stem + ".o")),
                ]
            )


def test_sources_declare_manifest_lines() -> None:
    """Each source starts with its SPDX line, then its stai-provides / stai-requires lines,
    and the manifest maps every public kernel to its file."""
    from stai.runtime import manifest

    for path in h.source_paths():
        head = path.read_text().splitlines()[:3]
        assert head[0] == "/* SPDX-License-Identifier: Apache-2.0 */"
        assert head[1].startswith("/* stai-provides:") and head[2].startswith("/* stai-requires:")
    providers = manifest.provider_of()
    for fn in (
        "arm_convolve_wrapper_s8",
        "arm_depthwise_conv_wrapper_s8",
        "arm_fully_connected_s8",
        "arm_fully_connected_per_channel_s8",
        "arm_avgpool_s8",
        "arm_max_pool_s8",
        "arm_softmax_s8",
        "arm_elementwise_add_s8",
        "arm_elementwise_mul_s8",
        "arm_depthwise_conv_wrapper_s8_get_buffer_size_mve",
    ):
        assert providers[fn] in h.CMSIS_SOURCES, fn


@pytest.mark.parametrize("name", ALL_MODELS)
def test_kernel_matches_tflm(
    name: str, cmsis_model: Callable[[str], Path], lib: ctypes.CDLL
) -> None:
    path = cmsis_model(name)
    for index, (case, expected) in enumerate(cases_with_expected(path, name, SAMPLES_PER_MODEL)):
        status, got = h.run_case(lib, case)
        assert status == 0, f"{name}: {case.kernel} returned {status}"
        np.testing.assert_array_equal(
            got.reshape(expected.shape), expected, err_msg=f"{name} sample {index} ({case.kernel})"
        )


def test_extra_models_hit_intended_paths(cmsis_model: Callable[[str], Path]) -> None:
    """The extra models really exercise the paths they are named after."""
    conv_1xn = h.read_op(cmsis_model("x_conv_1xn"))
    assert conv_1xn.inputs[0].shape[1] == 1 and conv_1xn.inputs[1].shape[1] == 1  # type: ignore[union-attr]
    grouped = h.read_op(cmsis_model("x_conv_grouped"))
    assert grouped.inputs[1].shape[3] * 2 == grouped.inputs[0].shape[3]  # type: ignore[union-attr]
    assert len(h.read_op(cmsis_model("x_fc_per_tensor")).inputs[1].scales) == 1  # type: ignore[union-attr]
    assert len(h.read_op(cmsis_model("fc")).inputs[1].scales) > 1  # type: ignore[union-attr]
    dw = h.read_op(cmsis_model("x_dwconv_m3_d2"))
    assert dw.options["DepthMultiplier"] == 3 and dw.options["DilationHFactor"] == 2
    softmax_case = cases_with_expected(cmsis_model("x_softmax_wide"), "x_softmax_wide", 1)[0][0]
    diffs = softmax_case.arrays["input"].reshape(3, 10).astype(int)
    diffs = diffs - diffs.max(axis=1, keepdims=True)
    assert (diffs < softmax_case.params["diff_min"]).any(), "no difference below diff_min"
    assert h.read_op(cmsis_model("x_softmax_beta")).options["Beta"] == SOFTMAX_BETA


def _sanitized_python(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """The venv's Python with gcc's libasan preloaded (leak checks off: CPython leaks)."""
    done = subprocess.run(
        [h.compiler(), "-print-file-name=libasan.so"], capture_output=True, text=True, check=True
    )
    asan = done.stdout.strip()
    if not os.path.isabs(asan) or not os.path.exists(asan):
        pytest.fail(f"gcc has no libasan.so ({asan!r}): install libasan", pytrace=False)
    env = dict(
        os.environ,
        LD_PRELOAD=os.path.realpath(asan),
        ASAN_OPTIONS="detect_leaks=0:abort_on_error=0",
        UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1",
    )
    return subprocess.run(
        [sys.executable, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=600
    )


def test_sanitized_build_is_clean_and_exact(
    cmsis_model: Callable[[str], Path], cmsis_build_dir: Path, tmp_path: Path
) -> None:
    """Every model's case runs under ASan/UBSan in a child process and still equals TFLite Micro."""
    sanitized = h.build_library(cmsis_build_dir, sanitize=True)
    cases: dict[str, h.KernelCase] = {}
    expected: dict[str, np.ndarray] = {}
    for name in ALL_MODELS:
        for index, (case, want) in enumerate(cases_with_expected(cmsis_model(name), name, 2)):
            cases[f"{name}.{index}"] = case
            expected[f"{name}.{index}"] = want
    cases_file, out_file = tmp_path / "cases.pkl", tmp_path / "outputs.npz"
    h.save_cases(cases, cases_file)
    done = _sanitized_python([h.__file__, str(sanitized), str(cases_file), str(out_file)], tmp_path)
    assert done.returncode == 0, f"sanitized run failed:\n{done.stdout}\n{done.stderr[-6000:]}"
    for marker in ("runtime error", "AddressSanitizer"):
        assert marker not in done.stderr, done.stderr[-6000:]
    with np.load(out_file) as got:
        for key, want in expected.items():
            assert int(got[key + ".status"]) == 0, key
            np.testing.assert_array_equal(got[key].reshape(want.shape), want, err_msg=key)
