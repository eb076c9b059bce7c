"""Post-training quantization (stai/quantize.py, quantize-nn) on the float shared models,
against the float model and the TFLite converter's post-training quantization."""

from __future__ import annotations

import json

import numpy as np
import pytest

from stai.errors import StaiError
from stai.tools.quantize_compare import MODELS, compare, datasets, score

SAMPLES = {
    "hello_world": (32, 100),
    "ad": (64, 98),
    "ic": (32, 100),
    "vww": (32, 50),
    "kws": (64, 200),
}
"""Calibration and evaluation sample counts per model (KWS has near-ties between two
classes on a few samples: 200 keep one tie from being worth 2 points)."""


@pytest.mark.parametrize("key", list(MODELS))
def test_stai_within_one_point_of_the_converter(models_dir, key):
    """Issue 7: stai's int8 model agrees with the float model's top-1 within 1 point of the
    TFLite converter's int8 model, calibrated on the same samples."""
    calib, data = datasets(models_dir, key, *SAMPLES[key])
    scores = compare(models_dir / MODELS[key], calib, data)
    assert "reference" in scores, "the converter's int8 model did not load"
    stai, ref = scores["stai"], scores["reference"]
    assert stai.agreement >= ref.agreement - 1.0, (stai, ref)
    assert stai.rmse <= 1.5 * ref.rmse, (stai, ref)


def test_ad_per_channel_fc_weights_cut_the_error(models_dir):
    """AD is all fully connected: per-channel weights (the default, as the converter) give
    a third of the per-tensor error, and per-tensor stai still matches the per-tensor
    converter (rmse only: the argmax of a 640-value reconstruction means little)."""
    calib, data = datasets(models_dir, "ad", 64, 98)
    per_channel = compare(models_dir / MODELS["ad"], calib, data)
    per_tensor = compare(models_dir / MODELS["ad"], calib, data, per_channel_fc=False)
    assert per_channel["stai"].rmse < 0.5 * per_tensor["stai"].rmse, (per_channel, per_tensor)
    stai, ref = per_tensor["stai"], per_tensor["reference"]
    assert stai.rmse <= 1.05 * ref.rmse, (stai, ref)


def test_ad_quantized_close_to_float(models_dir):
    calib, data = datasets(models_dir, "ad", 32, 20)
    stai = compare(models_dir / MODELS["ad"], calib, data)["stai"]
    # the int8 model of the same network ships with an output step of 0.364: per-channel
    # weights stay within one step of the float reconstruction
    assert stai.rmse < 0.364, stai


def test_score_counts_argmax_agreement():
    ref = np.array([[0.1, 0.9], [0.8, 0.2]])
    s = score(ref, np.array([[0.2, 0.7], [0.1, 0.6]]))
    assert s.agreement == 50.0
    assert s.rmse > 0


def test_bad_calibration_file_is_one_line_error(tmp_path, models_dir):
    from stai.compiler.driver import import_model
    from stai.tools.quantize import load_calibration

    module = import_model(models_dir / MODELS["ic"])
    bad = tmp_path / "x.npy"
    np.save(bad, np.zeros((3, 7), np.float32))
    with pytest.raises(StaiError, match="does not hold samples"):
        load_calibration(bad, module)
    with pytest.raises(StaiError, match="not found"):
        load_calibration(tmp_path / "missing.npz", module)
    int8 = import_model(models_dir / "mlperf_tiny/ic/pretrainedResnet_quant.tflite")
    with pytest.raises(StaiError, match="already quantized"):
        load_calibration(None, int8)


def test_cli_quantize_writes_a_folder(tmp_path, models_dir):
    from stai.cli.main import main
    from stai.runtime.runner import CModel

    calib, _ = datasets(models_dir, "hello_world", 16, 1)
    np.save(tmp_path / "calib.npy", calib)
    out = tmp_path / "hw"
    with pytest.raises(SystemExit) as exit_info:
        main(
            [
                "quantize",
                "-m",
                str(models_dir / MODELS["hello_world"]),
                "-d",
                str(tmp_path / "calib.npy"),
                "-o",
                str(out),
                "-n",
                "hw",
            ]
        )
    assert exit_info.value.code == 0
    y = CModel(out, "hw").run([np.array([[np.pi / 2]], np.float32)])[0]
    assert y.dtype == np.float32 and abs(float(y.ravel()[0]) - 1.0) < 0.1
    # the folder records the quantization: nothing left in float
    assert "every op runs in int8" in (out / "hw_report.txt").read_text()
    assert json.loads((out / "hw.json").read_text())["quantized_float_ops"] == []


@pytest.mark.parametrize(("flags", "per_channel"), [([], 2), (["--per-tensor-fc"], 0)])
def test_cli_per_tensor_fc_flag_picks_the_kernel(tmp_path, models_dir, flags, per_channel):
    """hello_world has three dense layers; the last has one output (one scale either way)."""
    from stai.cli.main import main

    calib, _ = datasets(models_dir, "hello_world", 16, 1)
    np.save(tmp_path / "calib.npy", calib)
    out = tmp_path / "hw"
    with pytest.raises(SystemExit) as exit_info:
        main(
            [
                "quantize",
                "-m",
                str(models_dir / MODELS["hello_world"]),
                "-d",
                str(tmp_path / "calib.npy"),
                "-o",
                str(out),
                "-n",
                "hw",
                "--kernels",
                "cmsis-nn",  # the CMSIS-NN function names tell the two kinds apart
                *flags,
            ]
        )
    assert exit_info.value.code == 0
    code = (out / "hw.c").read_text()
    assert code.count("arm_fully_connected_per_channel_s8(") == per_channel
    assert code.count("arm_fully_connected_s8(") == 3 - per_channel


def test_validate_quantized_against_float_reference(tmp_path, models_dir):
    """``stai validate -q``: the int8 C model of hello_world against LiteRT's float model:
    close (within a few output steps) but not equal."""
    from stai.tools.validate import ValidateOptions, validate

    calib, data = datasets(models_dir, "hello_world", 32, 20)
    np.save(tmp_path / "calib.npy", calib)
    np.save(tmp_path / "eval.npy", data)
    report = validate(
        ValidateOptions(
            model=models_dir / MODELS["hello_world"],
            inputs=tmp_path / "eval.npy",
            out_dir=tmp_path / "v",
            quantize=str(tmp_path / "calib.npy"),
            progress=False,
        )
    )
    (row,) = [r for r in report.rows if r.what == "C model vs reference"]
    assert 0.0 < row.metrics.rmse < 0.05, row.metrics
    # per layer: each int8 dense node (dequantized) against the float model's tensor
    layers = validate(
        ValidateOptions(
            model=models_dir / MODELS["hello_world"],
            inputs=tmp_path / "eval.npy",
            out_dir=tmp_path / "w",
            quantize=str(tmp_path / "calib.npy"),
            per_layer=True,
            progress=False,
        )
    ).layers
    # (a dense layer runs stai's 1x1 kernel where it fits: its type says so)
    dense = [r for r in layers if r.type in ("fully_connected", "mk.conv1x1_s8")]
    assert len(dense) == 3 and all(r.dtype == "int8" for r in dense)
    assert all(r.metrics is not None and 0.0 < r.metrics.rmse < 0.1 for r in dense), dense


def test_analyze_quantized_rom_is_exact(tmp_path, models_dir):
    """``stai analyze -q``: the AD model's ROM once quantized, from its dense shapes: int8
    weights, int32 bias and, per output channel, an int32 multiplier and shift."""
    from stai.compiler.driver import import_model
    from stai.dialects import nn
    from stai.tools.analyze import analyze
    from stai.tools.quantize import quantize_hook

    shapes = [
        op.operands[1].type.get_shape()
        for op in import_model(models_dir / MODELS["ad"]).walk()
        if isinstance(op, nn.FullyConnectedOp)
    ]
    assert len(shapes) == 10
    expected = sum(out * depth + 4 * out + 8 * out for out, depth in shapes)
    calib, _ = datasets(models_dir, "ad", 16, 1)
    np.save(tmp_path / "calib.npy", calib)
    hook = quantize_hook(str(tmp_path / "calib.npy"), "minmax", False)
    from stai.compiler.options import CompileOptions

    # CMSIS-NN's kernels read the weights as quantized (stai's pack them)
    report = analyze(
        models_dir / MODELS["ad"], quantize=hook, options=CompileOptions(kernels="cmsis-nn")
    )
    assert report.totals.weights_bytes == expected
    assert {r.dtype for r in report.layers if r.type == "fully_connected"} == {"int8"}


def test_quantized_biases_cannot_overflow_the_accumulator(models_dir):
    """With random calibration, VWW has channels whose weights are tiny beside their bias:
    their weight scale is raised so the bias fits with the accumulator's headroom (the
    check stai applies to int8 files passes) instead of a bias clipped at INT32_MAX."""
    from stai.compiler.driver import load_model
    from stai.compiler.options import FrontendOptions
    from stai.dialects import nn
    from stai.frontends.checks import check_accumulators
    from stai.tools.quantize import quantize_hook

    model = models_dir / "mlperf_tiny" / "vww" / "vww_96_float.tflite"
    loaded = load_model(model, FrontendOptions(), quantize_hook("random", "minmax", False))
    check_accumulators(loaded.module, "vww")
    biases = [
        int(np.abs(op.to_numpy()).max())
        for op in loaded.module.walk()
        if isinstance(op, nn.ConstantOp)
        and isinstance(op.output.type.element_type, nn.QuantType)
        and op.output.type.element_type.storage.width.data == 32
    ]
    assert len(biases) > 20 and max(biases) < 2**31 - 1


def test_bias_safe_scales_raise_only_the_channels_that_need_it():
    from xdsl.dialects.builtin import IntegerType

    from stai.dialects import nn
    from stai.transforms.quantize_nn import bias_safe_scales

    x = nn.QuantType(IntegerType(8), [0.01], [-128])
    scales = np.array([1e-3, 1e-9])
    bias = np.array([1.0, 100.0])
    out = bias_safe_scales(scales, bias, n_weights=2 * 9, x=x)
    room = (2**31 - 1) - 255 * 127 * 9
    assert out[0] == scales[0]
    assert out[1] == pytest.approx(100.0 / (0.01 * room)) and out[1] > scales[1]
    assert abs(100.0 / (0.01 * out[1])) <= room


def test_cli_quantize_takes_the_size_speed_choice(tmp_path, models_dir):
    """``stai quantize -O time``: the 1x1 kernel on int16 weights, the same outputs as
    ``balanced``, and the report gives the choice's flash cost."""
    from stai.cli.main import main
    from stai.runtime.runner import CModel

    calib, _ = datasets(models_dir, "hello_world", 16, 1)
    np.save(tmp_path / "calib.npy", calib)
    outputs = {}
    for choice in ("balanced", "time"):
        out = tmp_path / choice
        with pytest.raises(SystemExit) as exit_info:
            main(
                [
                    "quantize",
                    "-m",
                    str(models_dir / MODELS["hello_world"]),
                    "-d",
                    str(tmp_path / "calib.npy"),
                    "-o",
                    str(out),
                    "-n",
                    "hw",
                    "-O",
                    choice,
                ]
            )
        assert exit_info.value.code == 0
        code = (out / "hw.c").read_text()
        assert ("stai_mk_conv1x1_s8_w16(" in code) == (choice == "time")
        x = np.linspace(0, 2 * np.pi, 32, dtype=np.float32).reshape(32, 1)
        model = CModel(out, "hw")
        outputs[choice] = np.concatenate([model.run([row.reshape(1, 1)])[0] for row in x])
    assert json.loads((tmp_path / "time" / "hw.json").read_text())["optimize"]["choice"] == "time"
    np.testing.assert_array_equal(outputs["time"], outputs["balanced"])
