"""uint8 inputs and outputs: a full-int8 model converted by TensorFlow with
``inference_input_type=tf.uint8`` and/or ``inference_output_type=tf.uint8`` starts with a
QUANTIZE uint8 -> int8 and ends with a QUANTIZE int8 -> uint8. stai compiles them
(``!nn.q<ui8, ...>``, ``stai_requantize_u8_s8`` / ``stai_requantize_s8_u8``) and the C runs
bit for bit with TFLite Micro, through ``stai.tools.reference`` and ``stai validate``.
Single-operator models written with the tests' flatbuffer builder check the sign-bit fast
path (equal scales, zero points 128 apart), the general requantization and DEQUANTIZE
uint8 -> float32; a UINT8 tensor anywhere else is a one-line refusal naming the operator.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

from stai.cli.main import main as stai_main
from stai.compiler.driver import generate
from stai.errors import StaiError
from stai.runtime.runner import CModel
from stai.tools.analyze import analyze
from stai.tools.reference import run_tflm, run_tflm_many
from stai.tools.validate import ValidateOptions, validate

_INPUTS = Path(__file__).resolve().parents[1] / "filecheck" / "frontends" / "tflite" / "Inputs"
_NUMPY = {"INT8": np.int8, "UINT8": np.uint8, "INT16": np.int16, "FLOAT32": np.float32}
_SHAPE = (1, 3, 16, 5)

# (input type, output type) of each conversion of the same Keras network
_VARIANTS = {
    "uint8_in_out": ("uint8", "uint8"),
    "uint8_in": ("uint8", "int8"),
    "uint8_out": ("int8", "uint8"),
}


@pytest.fixture(scope="module")
def converted(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A small conv net converted to full int8 with uint8 input and output, each alone."""
    tf = pytest.importorskip("tensorflow")
    tf.keras.utils.set_random_seed(7)
    inputs = tf.keras.Input((12, 12, 3))
    x = tf.keras.layers.Conv2D(8, 3, activation="relu")(inputs)
    x = tf.keras.layers.DepthwiseConv2D(3, padding="same", activation="relu6")(x)
    x = tf.keras.layers.MaxPooling2D(2)(x)
    x = tf.keras.layers.Conv2D(6, 1)(x)
    x = tf.keras.layers.Reshape((5 * 5 * 6,))(x)
    x = tf.keras.layers.Dense(10)(x)
    outputs = tf.keras.layers.Softmax()(x)
    model = tf.keras.Model(inputs, outputs)

    def representative():
        rng = np.random.default_rng(0)
        for _ in range(32):
            yield [rng.uniform(-1.0, 1.0, (1, 12, 12, 3)).astype(np.float32)]

    folder = tmp_path_factory.mktemp("uint8_models")
    paths = {}
    for key, (in_type, out_type) in _VARIANTS.items():
        converter = tf.lite.TFLiteConverter.from_keras_model(model)
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
        converter.representative_dataset = representative
        converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
        converter.inference_input_type = getattr(tf, in_type)
        converter.inference_output_type = getattr(tf, out_type)
        paths[key] = folder / f"{key}.tflite"
        paths[key].write_bytes(converter.convert())
    return paths


def _full_range(dtype: type, shape: tuple[int, ...], n: int, seed: int) -> list[list[np.ndarray]]:
    """Seeded codes over the whole range of ``dtype``, both ends in the first sample."""
    rng = np.random.default_rng(seed)
    info = np.iinfo(dtype)
    samples = [
        [rng.integers(info.min, info.max, shape, endpoint=True, dtype=dtype)] for _ in range(n)
    ]
    samples[0][0].flat[:2] = (info.min, info.max)
    return samples


@pytest.mark.parametrize("key", sorted(_VARIANTS))
def test_converted_uint8_io_bit_exact_with_tflm(converted, key, tmp_path):
    """The converter's models compile; their I/O are uint8 in NAME.json and in the C
    (uint8_t pointers), and every output byte equals TFLite Micro's."""
    in_type, out_type = _VARIANTS[key]
    path = converted[key]
    out = tmp_path / key
    compiled = generate(path, out)
    assert [t.dtype for t in compiled.inputs] == [in_type]
    assert [t.dtype for t in compiled.outputs] == [out_type]
    code = (out / "network.c").read_text()
    assert code.count("stai_requantize_u8_s8((uint8_t *)") == (in_type == "uint8")
    assert code.count("stai_requantize_s8_u8((int8_t *)") == (out_type == "uint8")
    c_model = CModel(out)
    samples = _full_range(np.dtype(in_type).type, (1, 12, 12, 3), 6, seed=len(key))
    expected = run_tflm_many(path, samples)
    for sample, (want,) in zip(samples, expected):
        (got,) = c_model.run(sample)
        assert got.dtype == want.dtype == np.dtype(out_type)
        np.testing.assert_array_equal(got.reshape(want.shape), want)
    # the outputs are not constant: the comparison tests the network, not a clamp
    assert len({w[0].tobytes() for w in expected}) > 1


def test_validate_host_and_analyze_uint8(converted, tmp_path):
    """``stai validate`` (host, per layer) is bit-exact on the uint8 model; ``stai analyze``
    describes its input and output as uint8."""
    path = converted["uint8_in_out"]
    report = validate(
        ValidateOptions(
            model=path,
            batch_size=20,
            seed=5,
            per_layer=True,
            out_dir=tmp_path,
            check=True,
            progress=False,
        )
    )
    (row,) = report.rows
    assert row.metrics.samples == 20 and row.metrics.bit_exact == 20
    assert report.check_passed and report.first_divergence is None
    assert report.layers and all(
        layer.metrics is not None and layer.metrics.bit_exact == 20 for layer in report.layers
    )
    a = analyze(path)
    assert [s.dtype for s in a.inputs] == ["uint8"]
    assert [s.dtype for s in a.outputs] == ["uint8"]
    kernels = [layer for layer in a.layers if layer.type == "requantize"]
    assert [layer.dtype for layer in kernels] == ["int8", "uint8"]


# ----------------------------------------------------------- single-operator models


def _builder() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "stai_test_tflite_builder", _INPUTS / "tflite_builder.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


Tensor = tuple[str, float | None, int]
"""(TFLite type, scale or None for float, zero point)."""


def _one_op(tmp_path: Path, opcode: str, inputs: list[Tensor], output: Tensor) -> Path:
    """A one-operator model from ``inputs`` to ``output``."""
    m = _builder().ModelBuilder()
    ids = []
    for i, (type_name, scale, zp) in enumerate([*inputs, output]):
        quant = {} if scale is None else {"scales": (scale,), "zero_points": (zp,)}
        ids.append(m.tensor(f"t{i}", _SHAPE, type_name, **quant))
    m.op(opcode, ids[:-1], ids[-1:])
    path = tmp_path / f"{opcode.lower()}_{abs(hash((tuple(inputs), output)))}.tflite"
    path.write_bytes(m.build(ids[:-1], ids[-1:]))
    return path


# (input, output, takes the sign-bit fast path)
QUANTIZE_CASES = [
    (("UINT8", 0.0078125, 128), ("INT8", 0.0078125, 0), True),
    (("INT8", 0.02, -3), ("UINT8", 0.02, 125), True),
    (("UINT8", 0.05, 17), ("INT8", 0.031, -9), False),
    (("INT8", 0.011, 4), ("UINT8", 0.0173, 200), False),
    (("UINT8", 0.1, 100), ("INT8", 0.1, 0), False),  # equal scales, zero points 100 apart
    (("INT8", 0.1, 0), ("UINT8", 0.1, 0), False),  # equal scales, negative codes clamp to 0
]


@pytest.mark.parametrize(("source", "target", "fast"), QUANTIZE_CASES)
def test_quantize_int8_uint8_bit_exact(source, target, fast, tmp_path):
    """QUANTIZE uint8 -> int8 and int8 -> uint8, bit for bit with TFLite Micro on every code
    of the input type; the fast path's parameters are a multiplier of exactly 1 and
    offsets that cancel but for 128."""
    path = _one_op(tmp_path, "QUANTIZE", [source], target)
    out = tmp_path / "c"
    generate(path, out)
    code = (out / "network.c").read_text()
    callee = "stai_requantize_u8_s8" if source[0] == "UINT8" else "stai_requantize_s8_u8"
    call = code[code.index(callee) :].split(")", 3)[-1]
    args = [int(a) for a in call.split(")")[0].replace(",", " ").split()]
    input_offset, mult, shift, output_offset = args[-4:]
    sign = 1 if source[0] == "UINT8" else -1
    assert fast == (
        (mult, shift) == (1 << 30, 1) and input_offset + output_offset == -128 * sign
    ), args
    c_model = CModel(out)
    dtype = _NUMPY[source[0]]
    info = np.iinfo(dtype)
    every = np.resize(np.arange(info.min, info.max + 1, dtype=np.int32), int(np.prod(_SHAPE)))
    samples = [[every.astype(dtype).reshape(_SHAPE)]]
    samples += _full_range(dtype, _SHAPE, 2, seed=len(path.stem))
    for sample in samples:
        (want,) = run_tflm(path, sample)
        (got,) = c_model.run(sample)
        assert got.dtype == want.dtype == _NUMPY[target[0]]
        np.testing.assert_array_equal(got, want)


def test_dequantize_uint8_bit_exact(tmp_path):
    """DEQUANTIZE uint8 -> float32, every code, bit for bit with TFLite Micro."""
    path = _one_op(tmp_path, "DEQUANTIZE", [("UINT8", 0.0371, 141)], ("FLOAT32", None, 0))
    out = tmp_path / "c"
    generate(path, out)
    assert "stai_dequantize_u8_f32((uint8_t *)" in (out / "network.c").read_text()
    c_model = CModel(out)
    codes = np.resize(np.arange(256, dtype=np.int32), int(np.prod(_SHAPE))).astype(np.uint8)
    for sample in ([codes.reshape(_SHAPE)], *_full_range(np.uint8, _SHAPE, 2, seed=3)):
        (want,) = run_tflm(path, list(sample))
        (got,) = c_model.run(list(sample))
        assert got.dtype == want.dtype == np.float32
        np.testing.assert_array_equal(got.view(np.uint32), want.view(np.uint32))


# ---------------------------------------------------------------------------- refusals

REFUSALS = [
    (
        "ADD",
        [("UINT8", 0.1, 128), ("UINT8", 0.1, 128)],
        ("UINT8", 0.2, 128),
        "ADD (operator 0) does not take UINT8 tensors (tensor 't0'",
    ),
    (
        "RELU",
        [("UINT8", 0.1, 0)],
        ("UINT8", 0.1, 0),
        "RELU (operator 0) does not take UINT8 tensors (tensor 't0'",
    ),
    (
        "QUANTIZE",
        [("FLOAT32", None, 0)],
        ("UINT8", 0.1, 128),
        "QUANTIZE (operator 0) does not take UINT8 tensors (tensor 't1'; only QUANTIZE "
        "uint8 <-> int8 and DEQUANTIZE uint8 -> float32)",
    ),
    (
        "QUANTIZE",
        [("UINT8", 0.1, 128)],
        ("INT16", 0.001, 0),
        "QUANTIZE (operator 0) does not take UINT8 tensors (tensor 't0'",
    ),
    (
        "QUANTIZE",
        [("UINT8", 0.1, 128)],
        ("UINT8", 0.2, 0),
        "QUANTIZE (operator 0) does not take UINT8 tensors (tensor 't0'",
    ),
    (
        "QUANTIZE",
        [("UINT8", 0.1, 256)],
        ("INT8", 0.1, 0),
        "tensor 't0' (tensor 0): zero point 256 is outside the uint8 range",
    ),
    (
        "QUANTIZE",
        [("INT8", 0.1, 0)],
        ("UINT8", 0.1, -1),
        "tensor 't1' (tensor 1): zero point -1 is outside the uint8 range",
    ),
]


@pytest.mark.parametrize(("opcode", "inputs", "output", "message"), REFUSALS)
def test_uint8_elsewhere_is_refused(opcode, inputs, output, message, tmp_path):
    """A UINT8 tensor is taken only where TFLite Micro takes it; elsewhere a one-line error."""
    path = _one_op(tmp_path, opcode, inputs, output)
    with pytest.raises(StaiError) as info:
        generate(path, tmp_path / "c")
    assert message in str(info.value)
    assert "\n" not in str(info.value)


def test_refusal_exit_2(tmp_path, capsys):
    """On the command line the refusal is one line on stderr and exit status 2."""
    path = _one_op(tmp_path, "ADD", [("UINT8", 0.1, 128), ("INT8", 0.1, 0)], ("INT8", 0.2, 0))
    with pytest.raises(SystemExit) as exit_info:
        stai_main(["generate", "-m", str(path), "-o", str(tmp_path / "c")])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err.strip()
    assert "ADD (operator 0) does not take UINT8 tensors" in err and "\n" not in err


def test_uint8_storage_range() -> None:
    """``!nn.q<ui8, ...>`` takes zero points in [0, 255], as the uint8 codes."""
    from xdsl.dialects.builtin import IntegerType, Signedness
    from xdsl.utils.exceptions import VerifyException

    from stai.dialects import nn

    ui8 = IntegerType(8, Signedness.UNSIGNED)
    for zp in (0, 128, 255):
        nn.QuantType(ui8, [0.5], [zp]).verify()
    for zp in (-1, 256):
        with pytest.raises(VerifyException, match="outside the storage type's range"):
            nn.QuantType(ui8, [0.5], [zp]).verify()
    with pytest.raises(VerifyException, match="outside the storage type's range"):
        nn.QuantType(IntegerType(8), [0.5], [128]).verify()
    assert nn.numpy_dtype(ui8) == np.uint8
