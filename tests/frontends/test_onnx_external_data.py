"""ONNX models whose weights live in external data files (what torch's dynamo exporter and
``onnx.save_model(..., save_as_external_data=True)`` write), and bad external data."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import onnx
import pytest
from cli_run import run_stai
from exporter_models import SEED, TORCH_MODELS, _randomize_torch, _samples

from stai.compiler.driver import generate
from stai.errors import StaiError
from stai.frontends.onnx import import_onnx, import_onnx_bytes
from stai.runtime.runner import CModel


def _dynamo_export(name: str, folder: Path) -> tuple[Path, list, list]:
    """torch's dynamo exporter with its default ``external_data=True``: the weights go to
    ``<file>.data`` next to the model."""
    import torch

    factory, shape = TORCH_MODELS[name]
    module = _randomize_torch(factory(), SEED)
    inputs = _samples(shape, SEED + 1)
    path = folder / f"{name}.onnx"
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            module, (torch.from_numpy(inputs[0][0]),), str(path), dynamo=True,
            opset_version=18, input_names=["x"], output_names=["y"], verbose=False,
        )  # fmt: skip
        expected = [module(torch.from_numpy(x[0])).numpy() for x in inputs]
    return path, inputs, expected


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list, list]:
    return _dynamo_export("unet_nearest", tmp_path_factory.mktemp("dynamo"))


def _external(model: onnx.ModelProto) -> list[onnx.TensorProto]:
    return [t for t in model.graph.initializer if t.data_location == onnx.TensorProto.EXTERNAL]


def test_dynamo_export_with_external_data_matches_torch(exported, tmp_path: Path) -> None:
    path, inputs, expected = exported
    stored = onnx.load_model(str(path), load_external_data=False)
    assert len(_external(stored)) >= 5, "the exporter kept the weights in the model file"
    assert (path.parent / f"{path.name}.data").is_file()
    generate(path, tmp_path / "c")
    model = CModel(tmp_path / "c")
    for sample, want in zip(inputs, expected):
        got = model.run(sample)[0]
        relative = np.abs(got - want).max() / max(np.abs(want).max(), 1e-12)
        assert relative <= 1e-4


def test_external_data_compiles_to_the_same_c_as_embedded_data(exported, tmp_path: Path) -> None:
    """One file per tensor (``all_tensors_to_one_file=False``), in another folder, against the
    same model with every tensor inside the file."""
    path, _, _ = exported
    full = onnx.load_model(str(path))  # reads the .data file
    embedded = tmp_path / "embedded" / "net.onnx"
    split = tmp_path / "split" / "net.onnx"
    embedded.parent.mkdir()
    split.parent.mkdir()
    onnx.save_model(full, str(embedded))
    onnx.save_model(
        full, str(split), save_as_external_data=True, all_tensors_to_one_file=False,
        size_threshold=0,
    )  # fmt: skip
    assert len(list(split.parent.iterdir())) > 5
    generate(embedded, tmp_path / "a")
    generate(split, tmp_path / "b")
    for name in ("network.c", "network_data.c"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def _one_file(exported, folder: Path) -> tuple[Path, Path]:
    path, _, _ = exported
    model = onnx.load_model(str(path))
    target = folder / "net.onnx"
    onnx.save_model(
        model, str(target), save_as_external_data=True, location="net.bin", size_threshold=0
    )
    return target, folder / "net.bin"


def test_missing_data_file_is_a_one_line_error(exported, tmp_path: Path) -> None:
    model, data = _one_file(exported, tmp_path)
    data.unlink()
    code, _, err = run_stai(["generate", "-m", str(model), "-o", str(tmp_path / "c")])
    assert code == 2
    assert "external data file 'net.bin' does not exist" in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_truncated_data_file_is_an_error(exported, tmp_path: Path) -> None:
    model, data = _one_file(exported, tmp_path)
    data.write_bytes(data.read_bytes()[:-10])
    with pytest.raises(StaiError, match="runs past the end of 'net.bin'"):
        import_onnx(model)


def test_data_outside_the_model_folder_is_refused(exported, tmp_path: Path) -> None:
    inner = tmp_path / "inner"
    inner.mkdir()
    model, data = _one_file(exported, inner)
    stored = onnx.load_model(str(model), load_external_data=False)
    outside = tmp_path / "net.bin"
    data.rename(outside)
    for tensor in _external(stored):
        for entry in tensor.external_data:
            if entry.key == "location":
                entry.value = "../net.bin"
    onnx.save_model(stored, str(model))
    with pytest.raises(StaiError, match="'../net.bin' is not inside the model's folder"):
        import_onnx(model)


def test_model_bytes_without_a_folder_name_the_problem(exported) -> None:
    path, _, _ = exported
    with pytest.raises(
        StaiError, match="keeps its data in an external file; read the model from its path"
    ):
        import_onnx_bytes(path.read_bytes(), path.name)
