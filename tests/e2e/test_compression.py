"""k-means weight compression (``-c 4`` / ``-c 8``, ``compress-weights``) end to end: the AD
float model (ten dense layers) compressed, its ROM exact from the byte counts, the C model
equal to a numpy forward pass of the decoded weights, and the int8 codebook kernels
bit-exact with the uncompressed int8 kernels on the decoded weights."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from stai.compiler.driver import generate, import_model
from stai.errors import StaiError
from stai.runtime.runner import CModel
from stai.transforms.compress_weights import FACTORS, compress, kmeans_1d, unpack_indices
from tests.shared_models import ad_float_window


def _cmsis_nn(compress: str | None = None):
    """Compile options with CMSIS-NN's kernels: the weights are laid out as in the model
    (stai's kernels pack them), so the byte counts below are the model's."""
    from stai.compiler.options import CompileOptions, CompressOptions

    factor = CompressOptions.parse(compress) if compress else None
    return CompileOptions(kernels="cmsis-nn", compress=factor)


AD = "mlperf_tiny/ad/ad01_fp32.tflite"
AD_INT8 = "mlperf_tiny/ad/ad01_int8.tflite"


def _dense_layers(model: Path) -> list[tuple[np.ndarray, np.ndarray, bool]]:
    """(weights [out, in], bias, relu) of every fully connected layer of the AD model, from
    the ``nn`` import (in model order)."""
    from xdsl.dialects.builtin import StringAttr

    from stai.dialects import nn

    module = import_model(model)
    consts = {op.output: op.to_numpy() for op in module.walk() if isinstance(op, nn.ConstantOp)}
    layers = []
    for op in module.walk():
        if isinstance(op, nn.FullyConnectedOp):
            act = op.properties.get("activation") or op.attributes.get("activation")
            relu = isinstance(act, StringAttr) and act.data == "relu"
            layers.append((consts[op.filter], consts[op.bias], relu))
    return layers


def _forward(layers: list[tuple[np.ndarray, np.ndarray, bool]], x: np.ndarray) -> np.ndarray:
    for w, b, relu in layers:
        x = x.astype(np.float32) @ w.T.astype(np.float32) + b
        if relu:
            x = np.maximum(x, 0.0)
    return x


@pytest.fixture(scope="module")
def ad_model(models_dir: Path) -> Path:
    return models_dir / AD


@pytest.fixture(scope="module")
def ad_compressed(ad_model: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[int, Path]:
    root = tmp_path_factory.mktemp("compressed")
    out = {}
    for factor in (4, 8):
        generate(ad_model, root / f"x{factor}", compress=str(factor), kernels="cmsis-nn")
        out[factor] = root / f"x{factor}"
    generate(ad_model, root / "plain", kernels="cmsis-nn")
    out[1] = root / "plain"
    return out


def test_ad_layers_are_all_dense_with_relu(ad_model: Path) -> None:
    layers = _dense_layers(ad_model)
    assert len(layers) == 10
    assert [relu for _, _, relu in layers] == [True] * 9 + [False]


@pytest.mark.parametrize("factor", [4, 8])
def test_ad_rom_is_exact_from_byte_counts(
    ad_model: Path, ad_compressed: dict[int, Path], factor: int
) -> None:
    k, bits = FACTORS[factor]
    layers = _dense_layers(ad_model)
    weights = sum(w.size for w, _, _ in layers)
    bias_bytes = sum(4 * b.size for _, b, _ in layers)
    expected = sum(4 * k + (w.size * bits + 7) // 8 for w, _, _ in layers) + bias_bytes
    meta = json.loads((ad_compressed[factor] / "network.json").read_text())
    plain = json.loads((ad_compressed[1] / "network.json").read_text())
    assert plain["weights_bytes"] == 4 * weights + bias_bytes == 1063456
    assert meta["weights_bytes"] == expected
    assert expected == {4: 281120, 8: 139424}[factor]
    ratio = plain["weights_bytes"] / meta["weights_bytes"]
    assert ratio == pytest.approx({4: 3.783, 8: 7.627}[factor], abs=1e-3)


@pytest.mark.parametrize("factor", [4, 8])
def test_ad_c_model_equals_numpy_of_decoded_weights(
    ad_model: Path, models_dir: Path, ad_compressed: dict[int, Path], factor: int
) -> None:
    layers = _dense_layers(ad_model)
    decoded = [(compress(w, factor).decoded(), b, relu) for w, b, relu in layers]
    model = CModel(ad_compressed[factor])
    rng = np.random.default_rng(1)
    inputs = [
        ad_float_window(models_dir, 0),
        ad_float_window(models_dir, 37),
        rng.uniform(-20, 0, (1, 640)).astype(np.float32),
    ]
    for x in inputs:
        got = model.run([x])[0]
        want = _forward(decoded, x)
        plain = _forward(layers, x)
        bound = 1e-4 * max(1.0, float(np.abs(want).max()))
        assert np.abs(got - want).max() <= bound
        # the compression error itself is real but bounded (x8 is the coarser one)
        rel = float(np.abs(got - plain).max() / np.abs(plain).max())
        assert 0.0 < rel < {4: 0.02, 8: 0.35}[factor]


def test_kmeans_is_deterministic_and_exact_on_few_values() -> None:
    rng = np.random.default_rng(3)
    w = rng.standard_normal((32, 48)).astype(np.float32)
    a, b = compress(w, 8), compress(w, 8)
    assert np.array_equal(a.centroids, b.centroids) and np.array_equal(a.packed, b.packed)
    assert a.centroids.shape == (16,) and a.packed.shape == (32 * 48 // 2,)
    # every weight is mapped to its nearest centroid
    err = np.abs(a.decoded() - w)
    nearest = np.abs(w.reshape(-1, 1) - a.centroids.reshape(1, -1)).min(axis=1).reshape(w.shape)
    assert np.allclose(err, nearest)
    few = np.array([[0.5, -1.0, 0.5], [2.0, 2.0, -1.0]], np.float32)
    assert np.array_equal(compress(few, 8).decoded(), few)
    centroids, index = kmeans_1d(np.arange(5.0), 16)
    assert np.array_equal(centroids[index], np.arange(5.0))


def test_four_bit_packing_low_nibble_first() -> None:
    packed = np.array([0x21, 0x0F], np.uint8)
    assert unpack_indices(packed, 4, 3).tolist() == [1, 2, 15]
    assert unpack_indices(packed, 8, 2).tolist() == [0x21, 0x0F]


@pytest.mark.parametrize("factor", [4, 8])
def test_int8_codebook_bit_exact_with_decoded_int8_model(
    models_dir: Path, tmp_path: Path, factor: int
) -> None:
    """The int8 AD model compressed: the codebook kernel computes exactly what the
    uncompressed int8 kernel computes on the decoded weights."""
    from stai.tools.reference import run_tflm

    model = models_dir / AD_INT8
    generate(model, tmp_path / "c", compress=str(factor), kernels="cmsis-nn")
    meta = json.loads((tmp_path / "c" / "network.json").read_text())
    plain = tmp_path / "p"
    generate(model, plain, kernels="cmsis-nn")
    plain_bytes = json.loads((plain / "network.json").read_text())["weights_bytes"]
    # int8 weights 264192 bytes -> K int8 centroids + indices per layer, plus each layer's
    # multiplier and shift tables (8 bytes): x8 halves the ROM, x4 saves nothing on int8.
    k, bits = FACTORS[factor]
    assert plain_bytes == 264192 + 6688
    assert meta["weights_bytes"] == 6688 + 264192 * bits // 8 + 10 * (k + 8)

    # The same network with the decoded weights, through the uncompressed kernels.
    _generate_decoded(model, tmp_path / "d", factor)
    x = np.random.default_rng(5).integers(-128, 128, (1, 640)).astype(np.int8)
    got = CModel(tmp_path / "c").run([x])[0]
    want = CModel(tmp_path / "d").run([x])[0]
    assert np.array_equal(got, want)
    ref = run_tflm(model, [x])[0].reshape(got.shape)
    assert not np.array_equal(got, ref) or factor == 4  # x8 changes the int8 outputs


def test_per_channel_int8_codebook_bit_exact_with_decoded(models_dir: Path, tmp_path: Path) -> None:
    """The AD float model quantized by stai (per-channel dense weights) and compressed x8:
    the codebook kernel with one multiplier per output channel computes exactly what
    ``arm_fully_connected_per_channel_s8`` computes on the decoded weights."""
    from stai.tools.quantize import quantize_hook

    calib = np.stack([ad_float_window(models_dir, k) for k in range(0, 64, 4)])
    np.save(tmp_path / "calib.npy", calib)
    hook = quantize_hook(str(tmp_path / "calib.npy"), "minmax", False)
    generate(models_dir / AD, tmp_path / "c", compress="8", quantize=hook, kernels="cmsis-nn")
    _generate_decoded(models_dir / AD, tmp_path / "d", 8, quantize=hook)
    assert "arm_fully_connected_per_channel_s8(" in (tmp_path / "d" / "network.c").read_text()
    assert "stai_fully_connected_codebook_s8(" in (tmp_path / "c" / "network.c").read_text()
    x = ad_float_window(models_dir, 101)
    got = CModel(tmp_path / "c").run([x])[0]
    want = CModel(tmp_path / "d").run([x])[0]
    assert got.dtype == np.float32
    np.testing.assert_array_equal(got, want)


def test_bad_compress_values(ad_model: Path, tmp_path: Path) -> None:
    with pytest.raises(StaiError, match="factor must be 4, 8"):
        generate(ad_model, tmp_path / "a", compress="3", kernels="cmsis-nn")
    with pytest.raises(StaiError, match="not found"):
        generate(
            ad_model, tmp_path / "a", compress=str(tmp_path / "missing.json"), kernels="cmsis-nn"
        )
    bad = tmp_path / "bad.json"
    bad.write_text('{"layers": {"dense_99": {"factor": 8}}}')
    with pytest.raises(StaiError, match="no fully connected or conv2d layer named 'dense_99'"):
        generate(ad_model, tmp_path / "a", compress=str(bad), kernels="cmsis-nn")
    bad.write_text('{"dense_1": 8}')
    with pytest.raises(StaiError, match="expected"):
        generate(ad_model, tmp_path / "a", compress=str(bad), kernels="cmsis-nn")


def test_per_layer_file(ad_model: Path, tmp_path: Path) -> None:
    spec = tmp_path / "layers.json"
    spec.write_text(
        json.dumps(
            {
                "layers": {
                    "dense_1": {"factor": 8},
                    "Identity": {"factor": 4},
                    "dense_2": {"factor": "none"},
                }
            }
        )
    )
    generate(ad_model, tmp_path / "c", compress=str(spec), kernels="cmsis-nn")
    meta = json.loads((tmp_path / "c" / "network.json").read_text())
    # dense_1: 128x128 floats -> 16 centroids + 8192 index bytes; Identity: 640x128 -> 256
    # centroids + 81920 index bytes; the rest unchanged.
    assert meta["weights_bytes"] == 1063456 - 4 * 128 * 128 - 4 * 640 * 128 + (64 + 8192) + (
        1024 + 81920
    )
    text = (tmp_path / "c" / "network.c").read_text()
    assert text.count("stai_fully_connected_codebook_f32(") == 2
    assert text.count("stai_fully_connected_f32(") == 8


def test_analyze_reports_compressed_bytes_and_ratio(ad_model: Path) -> None:
    from stai.tools.analyze import analyze

    a = analyze(ad_model, compress="8")
    assert a.totals.weights_bytes == 139424
    first = a.layers[0]  # 640 -> 128: 16 centroids, 40960 index bytes, 128 biases
    assert first.type == "fully_connected_codebook"
    assert first.rom_bytes == 64 + 40960 + 512
    assert first.compression_ratio == round((640 * 128 * 4 + 512) / first.rom_bytes, 3)
    assert first.params == 640 * 128 + 128 and first.macc == 640 * 128
    assert all(r.compression_ratio for r in a.layers)
    assert analyze(ad_model).layers[0].compression_ratio is None


@pytest.mark.parametrize("factor", [4, 8])
def test_validate_reports_error_against_uncompressed(
    ad_model: Path, models_dir: Path, tmp_path: Path, factor: int
) -> None:
    from stai.tools.validate import ValidateOptions, validate

    x = np.concatenate([ad_float_window(models_dir, k) for k in (0, 60, 120)])
    np.save(tmp_path / "x.npy", x)
    report = validate(
        ValidateOptions(
            model=ad_model,
            inputs=tmp_path / "x.npy",
            out_dir=tmp_path / "v",
            progress=False,
            compress=str(factor),
        )
    )
    row = next(r for r in report.rows if r.what == "C model vs reference")
    l2r = row.metrics.l2r
    # x4 stays within about 1% (relative L2) of the uncompressed model, x8 within 10%
    assert 0.0 < l2r < {4: 0.02, 8: 0.1}[factor]


# ---------------------------------------------------------------- convolutions (IC ResNet)

IC = "mlperf_tiny/ic/pretrainedResnet_float.tflite"
IC_INT8 = "mlperf_tiny/ic/pretrainedResnet_quant.tflite"


def _conv_filters(model: Path) -> list[tuple[np.ndarray, np.ndarray]]:
    """(filter [out_c, kh, kw, in_c], bias) of every (non-depthwise) conv2d of a model, in
    model order, from the ``nn`` import."""
    from stai.dialects import nn

    module = import_model(model)
    consts = {op.output: op.to_numpy() for op in module.walk() if isinstance(op, nn.ConstantOp)}
    return [
        (consts[op.operands[1]], consts[op.operands[2]])
        for op in module.walk()
        if isinstance(op, nn.Conv2DOp)
    ]


def _generate_decoded(model: Path, out: Path, factor: int, **kwargs: object) -> None:
    """Compile ``model`` uncompressed, but with the weights of every layer that ``-c factor``
    compresses replaced by their decoded k-means values (``kwargs`` go to ``generate``)."""
    from xdsl.dialects import arith
    from xdsl.dialects.builtin import BytesAttr, DenseIntOrFPElementsAttr

    import stai.transforms.compress_weights as cw

    original = cw.compress_op

    def decode_in_place(op, f, rewriter):  # type: ignore[no-untyped-def]
        owner = op.ins[1].owner
        assert isinstance(owner, arith.ConstantOp)
        w = cw._constant_of(op, 1)  # pyright: ignore[reportPrivateUsage]
        decoded = np.ascontiguousarray(compress(w, f).decoded())
        owner.value = DenseIntOrFPElementsAttr(owner.value.type, BytesAttr(decoded.tobytes()))
        return True

    cw.compress_op = decode_in_place
    try:
        generate(model, out, compress=str(factor), **kwargs, kernels="cmsis-nn")  # type: ignore[arg-type]
    finally:
        cw.compress_op = original


@pytest.mark.parametrize(("path", "int8"), [(IC, False), (IC_INT8, True)])
def test_ic_conv_rom_is_exact_from_byte_counts(models_dir: Path, path: str, int8: bool) -> None:
    """Every conv2d of the IC ResNet becomes a codebook conv whose ROM is 16 centroids,
    4-bit indices and the bias (plus the int8 multiplier and shift tables)."""
    from stai.tools.analyze import analyze

    model = models_dir / path
    filters = _conv_filters(model)
    assert len(filters) == 9
    rows = [r for r in analyze(model, options=_cmsis_nn("8")).layers if r.type == "conv2d_codebook"]
    assert len(rows) == 9
    element = 1 if int8 else 4
    for row, (w, b) in zip(rows, filters, strict=True):
        out_c = w.shape[0]
        expected = 16 * element + (w.size + 1) // 2 + 4 * b.size + (8 * out_c if int8 else 0)
        assert row.rom_bytes == expected
        assert row.params == w.size + b.size
        assert row.macc == int(np.prod(row.output_shape)) * w[0].size
    assert (
        analyze(model, options=_cmsis_nn()).totals.weights_bytes
        == {False: 310824, True: 81432}[int8]
    )
    assert (
        analyze(model, options=_cmsis_nn("8")).totals.weights_bytes
        == {False: 40704, True: 42920}[int8]
    )


@pytest.fixture(scope="module")
def ic_builds(models_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The IC float and int8 models: x8-compressed, uncompressed with the decoded weights,
    and plain."""
    root = tmp_path_factory.mktemp("ic")
    out = {}
    for key, path in (("float", IC), ("int8", IC_INT8)):
        generate(models_dir / path, root / f"{key}_c8", compress="8", kernels="cmsis-nn")
        _generate_decoded(models_dir / path, root / f"{key}_d8", 8)
        generate(models_dir / path, root / f"{key}_plain", kernels="cmsis-nn")
        out |= {
            f"{key}_c8": root / f"{key}_c8",
            f"{key}_d8": root / f"{key}_d8",
            f"{key}_plain": root / f"{key}_plain",
        }
    return out


def test_ic_float_codebook_convs_equal_decoded_model(ic_builds: dict[str, Path]) -> None:
    text = (ic_builds["float_c8"] / "network.c").read_text()
    assert text.count("stai_conv2d_codebook_f32(") == 9 and "stai_conv2d_f32(" not in text
    got_model, want_model = CModel(ic_builds["float_c8"]), CModel(ic_builds["float_d8"])
    plain_model = CModel(ic_builds["float_plain"])
    rng = np.random.default_rng(7)
    for _ in range(3):
        x = rng.uniform(0.0, 255.0, (1, 32, 32, 3)).astype(np.float32)
        got, want = got_model.run([x])[0], want_model.run([x])[0]
        assert np.abs(got - want).max() <= 1e-4 * max(1.0, float(np.abs(want).max()))
        # the compression itself changes the outputs (x8 is coarse on this model)
        assert np.abs(got - plain_model.run([x])[0]).max() > 0.0


def test_ic_int8_codebook_convs_bit_exact_with_decoded_model(ic_builds: dict[str, Path]) -> None:
    text = (ic_builds["int8_c8"] / "network.c").read_text()
    assert text.count("stai_conv2d_codebook_s8(") == 9
    assert "arm_convolve_wrapper_s8(" in (ic_builds["int8_d8"] / "network.c").read_text()
    got_model, want_model = CModel(ic_builds["int8_c8"]), CModel(ic_builds["int8_d8"])
    rng = np.random.default_rng(8)
    for _ in range(3):
        x = rng.integers(-128, 128, (1, 32, 32, 3)).astype(np.int8)
        assert np.array_equal(got_model.run([x])[0], want_model.run([x])[0])
