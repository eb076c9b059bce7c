"""``stai validate`` in host mode: KWS int8 bit-exact against TFLite Micro (sample and 100
random inputs, per layer too), float within tolerance, ground truth, CSV, bad input."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from shared_models import SHARED_BY_KEY

from stai.cli.main import main as stai_main
from stai.tools.validate import ValidateOptions, validate

SCHEMA = Path(__file__).resolve().parents[2] / "docs" / "schemas" / "validate.schema.json"


def run_cli(args: list[str]) -> int:
    with pytest.raises(SystemExit) as exit_info:
        stai_main(args)
    code = exit_info.value.code
    return int(code) if code is not None else 0


def _schema_check(path: Path) -> dict:
    import jsonschema

    data = json.loads(path.read_text())
    jsonschema.validate(data, json.loads(SCHEMA.read_text()))
    return data


@pytest.fixture(scope="module")
def kws(shared_model_path: Callable[[str], Path]) -> Path:
    return shared_model_path("kws_int8")


def test_kws_sample_bit_exact_with_labels(
    kws: Path, models_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The KWS sample from a .npy, its label from a .npy: bit-exact with TFLite Micro, 100%
    accuracy, a confusion matrix; text and JSON reports."""
    sample = SHARED_BY_KEY["kws_int8"].samples(models_dir)[0]
    np.save(tmp_path / "x.npy", sample.inputs[0])
    np.save(tmp_path / "y.npy", np.array([sample.argmax]))
    out = tmp_path / "out"
    code = run_cli(
        [
            "validate",
            "-m",
            str(kws),
            "-vi",
            str(tmp_path / "x.npy"),
            "-vo",
            str(tmp_path / "y.npy"),
            "--classifier",
            "-o",
            str(out),
            "--check",
        ]
    )
    assert code == 0
    printed = capsys.readouterr().out
    assert "C model vs reference" in printed and "1/1" in printed
    data = _schema_check(out / "network_validate.json")
    assert data["reference"] == "tflite-micro" and data["samples"] == 1
    rows = {r["comparison"]: r for r in data["results"]}
    assert rows["C model vs reference"]["bit_exact"] == 1
    assert rows["C model vs reference"]["max_abs"] == 0.0
    assert rows["C model vs ground truth"]["acc"] == 1.0
    assert rows["reference vs ground truth"]["acc"] == 1.0
    cm = np.array(data["confusion_matrices"]["Identity: C model vs ground truth"])
    assert cm.shape == (12, 12) and cm[5, 5] == 1 and cm.sum() == 1
    assert data["check"]["passed"] is True
    assert (out / "network_validate.txt").read_text().count("C model vs") >= 2
    assert (out / "c_model" / "network.c").is_file()


def test_kws_100_random_bit_exact_per_layer(kws: Path, tmp_path: Path) -> None:
    """100 seeded random inputs: every output and every node bit-exact with TFLite Micro."""
    report = validate(
        ValidateOptions(
            model=kws,
            batch_size=100,
            seed=3,
            per_layer=True,
            out_dir=tmp_path,
            check=True,
            progress=False,
        )
    )
    (row,) = report.rows
    assert row.what == "C model vs reference"
    assert row.metrics.samples == 100 and row.metrics.bit_exact == 100
    assert row.metrics.rmse == 0.0 and row.metrics.cos == 1.0 and row.metrics.nse == 1.0
    assert len(report.layers) == 12 and report.first_divergence is None
    for layer in report.layers:
        assert layer.metrics is not None and layer.metrics.bit_exact == 100, layer
    assert report.check_passed
    data = _schema_check(tmp_path / "network_validate.json")
    assert data["layer_reference"].startswith("tflite-micro")
    assert data["inputs"].startswith("random (seed 3")


def test_random_inputs_are_seeded_and_in_range(kws: Path, tmp_path: Path) -> None:
    first = validate(
        ValidateOptions(
            model=kws,
            batch_size=4,
            seed=11,
            range=(-1.0, 1.0),
            out_dir=tmp_path / "a",
            save_csv=tmp_path / "csv_a",
            progress=False,
        )
    )
    again = validate(
        ValidateOptions(
            model=kws,
            batch_size=4,
            seed=11,
            range=(-1.0, 1.0),
            out_dir=tmp_path / "b",
            save_csv=tmp_path / "csv_b",
            progress=False,
        )
    )
    a = np.loadtxt(tmp_path / "csv_a" / "input_0.csv", delimiter=",")
    b = np.loadtxt(tmp_path / "csv_b" / "input_0.csv", delimiter=",")
    assert a.shape == (4, 490) and np.array_equal(a, b)
    scale, zp = 0.5847029089927673, 83
    real = scale * (a - zp)
    assert real.min() >= -1.0 - scale and real.max() <= 1.0 + scale
    assert first.rows[0].metrics.bit_exact == again.rows[0].metrics.bit_exact == 4


def test_csv_inputs_and_no_exec_model(kws: Path, tmp_path: Path) -> None:
    """Inputs from CSV; --no-exec-model compares the C model with -vo only."""
    rng = np.random.default_rng(5)
    x = rng.integers(-128, 128, (3, 490))
    np.savetxt(
        tmp_path / "x.csv",
        x,
        delimiter=",",
        fmt="%d",
        header=",".join(f"f{i}" for i in range(490)),
        comments="",
    )
    report = validate(
        ValidateOptions(
            model=kws,
            inputs=tmp_path / "x.csv",
            out_dir=tmp_path / "o",
            save_csv=tmp_path / "csv",
            progress=False,
        )
    )
    c_out = np.loadtxt(tmp_path / "csv" / "c_output_0.csv", delimiter=",").astype(np.int8)
    ref_out = np.loadtxt(tmp_path / "csv" / "reference_output_0.csv", delimiter=",")
    assert np.array_equal(c_out, ref_out) and report.rows[0].metrics.bit_exact == 3
    np.save(tmp_path / "expected.npy", c_out.reshape(3, 1, 12))
    only = validate(
        ValidateOptions(
            model=kws,
            inputs=tmp_path / "x.csv",
            outputs=tmp_path / "expected.npy",
            no_exec_model=True,
            out_dir=tmp_path / "p",
            progress=False,
        )
    )
    assert only.reference is None
    assert [r.what for r in only.rows] == ["C model vs ground truth"]
    assert only.rows[0].metrics.bit_exact == 3


def test_float_model_within_tolerance(
    shared_model_path: Callable[[str], Path], tmp_path: Path
) -> None:
    model = shared_model_path("hello_world_float")
    report = validate(
        ValidateOptions(
            model=model,
            batch_size=20,
            range=(0.0, 6.28),
            per_layer=True,
            check=True,
            out_dir=tmp_path,
            progress=False,
        )
    )
    (row,) = report.rows
    assert report.reference == "litert BUILTIN_REF"
    assert row.metrics.bit_exact is None and row.metrics.max_abs <= 1e-4
    assert row.metrics.cos > 0.9999 and report.check_passed
    assert len(report.layers) == 3
    assert all(x.metrics is not None and x.metrics.max_abs <= 1e-4 for x in report.layers)


def test_check_fails_when_not_bit_exact(kws: Path, tmp_path: Path) -> None:
    """--check: int8 outputs are judged by bit-exactness (exit 0 whatever the tolerance);
    float outputs by the tolerance (MNIST's C model is within about 1e-6 of onnxruntime, so
    a tolerance of 0 fails: exit 1). A negative tolerance is bad input (exit 2)."""
    common = ["validate", "-b", "2", "--check", "--tolerance"]
    code = run_cli([*common, "0", "-m", str(kws), "-o", str(tmp_path / "o")])
    assert code == 0  # int8 outputs are judged by bit-exactness, not the tolerance
    model = kws.parent.parent.parent / "onnx" / "mnist" / "mnist.onnx"
    code = run_cli([*common, "0", "-m", str(model), "-o", str(tmp_path / "f")])
    assert code == 1
    code = run_cli([*common, "-1", "-m", str(model), "-o", str(tmp_path / "n")])
    assert code == 2


@pytest.mark.parametrize(
    "case", ["wrong_shape", "garbage", "missing", "labels_count", "no_exec_without_vo", "bad_range"]
)
def test_bad_input_exit_2(
    case: str, kws: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    x = tmp_path / "x.npy"
    args = ["validate", "-m", str(kws), "-o", str(tmp_path / "o")]
    if case == "wrong_shape":
        np.save(x, np.zeros((2, 49, 11), dtype=np.int8))
        args += ["-vi", str(x)]
    elif case == "garbage":
        x.write_bytes(b"\x93NUMPY garbage")
        args += ["-vi", str(x)]
    elif case == "missing":
        args += ["-vi", str(tmp_path / "nothing.npz")]
    elif case == "labels_count":
        np.save(x, np.zeros((2, 49, 10, 1), dtype=np.int8))
        np.save(tmp_path / "y.npy", np.zeros(3, dtype=np.int64))
        args += ["-vi", str(x), "-vo", str(tmp_path / "y.npy")]
    elif case == "no_exec_without_vo":
        args += ["--no-exec-model"]
    else:
        args += ["--range", "1", "-1"]
    assert run_cli(args) == 2
    err = capsys.readouterr().err
    assert err.startswith("stai: error:"), err
    assert len(err.strip().splitlines()) == 1, err
    assert not (tmp_path / "o" / "c_model").exists()
