"""Models written by the real exporters (``tests/exporter_models.py``: ``torch.onnx.export``,
onnxruntime's ``quantize_static``, ``tf_keras`` Keras 2 files, ``tf2onnx``), compiled by
``stai generate`` and run as C against the framework that made them: float within 1e-4 x
max(1, max |reference|), int8 within 1 LSB of the output scale, equal argmax.

A sample of the cases runs by default (``CI_CASES``); ``STAI_EXPORTERS=all`` runs every
case known to compile and match (``MATCHING``). ``benchmarks/exporter_cases.py`` measures
every case, the refused ones included (``docs/exporters.md``)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from exporter_models import CASES, compare, per_op_errors

from stai.compiler.driver import generate
from stai.runtime.runner import CModel

CI_CASES = [
    "torch_ts_op17:mobilenet_v2",
    "torch_ts_op13:lstm_last_step",
    "torch_ts_op17:gru_last_step",
    "torch_ts_op13:bigru_sequence",
    "torch_ts_op17:bilstm2_last_step",
    "torch_ts_op17:gelu_mlp",
    "torch_dynamo_op18:gelu_tanh_mlp",
    "torch_ts_op17:unet_bilinear",
    "torch_ts_op17:attention_block",
    "qdq_op13:gelu_mlp",
    "tf_keras.h5:ds_cnn",
    "tf_keras.keras:lstm",
    "tf2onnx_op13:ds_cnn",
]
"""One case per exporter and kind of model, the small ones (about 80 s in all)."""

MATCHING = [
    *CI_CASES,
    "torch_ts_op13:mobilenet_v2",
    "torch_dynamo_op18:mobilenet_v2",
    "torch_ts_op17:lstm_last_step",
    "torch_dynamo_op18:lstm_last_step",
    "torch_ts_op13:gru_last_step",
    "torch_dynamo_op18:gru_last_step",
    "torch_ts_op13:bilstm_last_step",
    "torch_ts_op17:bilstm_last_step",
    "torch_dynamo_op18:bilstm_last_step",
    "torch_ts_op13:bigru_last_step",
    "torch_ts_op17:bigru_last_step",
    "torch_dynamo_op18:bigru_last_step",
    "torch_ts_op13:bilstm_sequence",
    "torch_ts_op17:bilstm_sequence",
    "torch_dynamo_op18:bilstm_sequence",
    "torch_ts_op17:bigru_sequence",
    "torch_dynamo_op18:bigru_sequence",
    "torch_ts_op13:bilstm2_last_step",
    "torch_dynamo_op18:bilstm2_last_step",
    "torch_ts_op13:gelu_mlp",
    "torch_dynamo_op18:gelu_mlp",
    "torch_ts_op13:gelu_tanh_mlp",
    "torch_ts_op17:gelu_tanh_mlp",
    "torch_ts_op13:unet_nearest",
    "torch_ts_op17:unet_nearest",
    "torch_dynamo_op18:unet_nearest",
    "torch_ts_op13:unet_bilinear",
    "torch_dynamo_op18:unet_bilinear",
    "qdq_op13:mobilenet_v2",
    "qdq_op13:unet_nearest",
    "qdq_op13:attention_block",
    "torch_ts_op13:attention_block",
    "torch_dynamo_op18:attention_block",
    "tf_keras.keras:ds_cnn",
    "tf_keras.h5:mobilenet_0.25",
    "tf_keras.keras:mobilenet_0.25",
    "tf_keras.h5:lstm",
    "tf2onnx_op13:mobilenet_0.25",
]
"""Every case that compiles and matches (``benchmarks/exporter_cases.py``; ResNet-18 is
left to the benchmark: its C takes minutes to build)."""

SELECTED = MATCHING if os.environ.get("STAI_EXPORTERS", "") == "all" else CI_CASES


def test_case_lists_name_known_cases() -> None:
    assert len(set(MATCHING)) == len(MATCHING)
    assert set(CI_CASES) <= set(MATCHING) <= set(CASES)


@pytest.mark.parametrize("key", SELECTED)
def test_exported_model_matches_its_framework(key: str, tmp_path: Path) -> None:
    built = CASES[key].build(tmp_path)
    out = tmp_path / "c"
    generate(built.path, out)
    model = CModel(out)
    errors = compare(built, [model.run(x) for x in built.inputs])
    assert errors.argmax_equal == errors.argmax_total, errors
    if not built.int8:
        assert errors.relative <= 1e-4, errors
        return
    # int8: a whole network's error grows with its depth; each op is within 1 LSB
    (tmp_path / "cuts").mkdir()
    ops = per_op_errors(built.path, built.inputs, tmp_path / "cuts")
    assert ops, "no quantized operator found"
    worst = max(ops, key=lambda op: op.lsb)
    assert worst.lsb <= 1.0 + 1e-3, worst
