"""int4 filters stay 4 bits in flash: the converter-made int4 models
(``tests/int4_models.py``) call CMSIS-NN's s4 kernels (``--kernels stai`` too: stai's own
kernels take int8 weights only), their filters take half a byte per value in
``NAME_data.c`` (also in ``--binary``'s weights file), and the results stay bit-exact with
TFLite Micro; an INT4 filter no s4 kernel takes (a per-channel fully connected layer) is
unpacked to int8, as before."""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pytest
from int4_models import KINDS, build_int4_model
from shared_models import random_inputs

from stai.compiler.driver import compile_model, generate
from stai.compiler.options import CompileOptions
from stai.runtime.runner import CModel
from stai.tools.reference import run_tflm

S4_CALLS = {
    "conv": "arm_convolve_wrapper_s4",
    "dw": "arm_depthwise_conv_wrapper_s4",
    "fc": "arm_fully_connected_s4",
}


def as_int8_twin(source: Path, target: Path) -> int:
    """The same model with its INT4 filters stored as INT8 (same values and scales);
    returns how many filter values were rewritten."""
    from tensorflow.lite.python import schema_py_generated as schema
    from tensorflow.lite.tools import flatbuffer_utils

    from stai.frontends.tflite.translator import unpack_int4

    model = flatbuffer_utils.read_model(str(source))
    count = 0
    for tensor in model.subgraphs[0].tensors:
        if tensor.type != schema.TensorType.INT4:
            continue
        buffer = model.buffers[tensor.buffer]
        values = unpack_int4(bytes(buffer.data), tuple(tensor.shape), tensor.name)
        buffer.data = np.frombuffer(values.tobytes(), np.uint8)
        tensor.type = schema.TensorType.INT8
        count += values.size
    flatbuffer_utils.write_model(model, str(target))
    return count


@pytest.fixture(scope="module")
def int4_models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("int4")
    return {kind: build_int4_model(kind, folder / f"{kind}_int4.tflite") for kind in KINDS}


@pytest.mark.parametrize("kernels", ["stai", "cmsis-nn"])
@pytest.mark.parametrize("kind", list(KINDS))
def test_int4_layers_call_the_s4_kernels(
    kind: str, kernels: str, int4_models: dict[str, Path], tmp_path: Path
) -> None:
    path = int4_models[kind]
    generate(path, tmp_path / "c", kernels=kernels)
    calls = set(
        re.findall(r"\b(arm_\w+|stai_mk_\w+)\(", (tmp_path / "c" / "network.c").read_text())
    )
    assert calls == {S4_CALLS[kind]}
    model = CModel(tmp_path / "c")
    for inputs in random_inputs(path, 3, seed=7):
        for want, got in zip(run_tflm(path, inputs), model.run(inputs), strict=True):
            np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("kind", list(KINDS))
def test_int4_weights_take_half_a_byte(
    kind: str, int4_models: dict[str, Path], tmp_path: Path
) -> None:
    path = int4_models[kind]
    twin = tmp_path / f"{kind}_int8.tflite"
    values = as_int8_twin(path, twin)
    options = CompileOptions(kernels="cmsis-nn")
    packed = compile_model(path, options).weights_bytes
    unpacked = compile_model(twin, options).weights_bytes
    assert packed is not None and unpacked is not None
    saved = values - math.ceil(values / 2)
    # the blob pads each array to its alignment (4 bytes)
    assert saved - 4 <= unpacked - packed <= saved + 4, (packed, unpacked, values)


def test_binary_weights_carry_the_packed_bytes(
    int4_models: dict[str, Path], tmp_path: Path
) -> None:
    path = int4_models["conv"]
    generate(path, tmp_path / "c", kernels="cmsis-nn")
    generate(path, tmp_path / "b", kernels="cmsis-nn", binary=True)
    blob = re.search(
        r"network_weights\[\d+\][^=]*= \{([^}]*)\}",
        (tmp_path / "c" / "network_data.c").read_text(),
    )
    assert blob is not None
    packed = bytes(int(v) for v in blob.group(1).replace("\n", " ").split(",") if v.strip())
    data = (tmp_path / "b" / "network_weights.bin").read_bytes()
    header = int.from_bytes(data[12:16], "little")  # the payload's offset
    assert data[header : header + len(packed)] == packed
    twin = as_int8_twin(path, tmp_path / "conv_int8.tflite")
    generate(tmp_path / "conv_int8.tflite", tmp_path / "t", kernels="cmsis-nn", binary=True)
    unpacked = (tmp_path / "t" / "network_weights.bin").read_bytes()
    saved = twin - math.ceil(twin / 2)
    assert saved - 16 <= len(unpacked) - len(data) <= saved + 16
    model = CModel(tmp_path / "b")
    for inputs in random_inputs(path, 2, seed=8):
        for want, got in zip(run_tflm(path, inputs), model.run(inputs), strict=True):
            np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("factor", ["4", "8"])
def test_compression_leaves_int4_layers_alone(
    factor: str, int4_models: dict[str, Path], tmp_path: Path
) -> None:
    path = int4_models["fc"]
    generate(path, tmp_path / "c", compress=factor)
    calls = set(re.findall(r"\b(arm_\w+|stai_\w+)\(", (tmp_path / "c" / "network.c").read_text()))
    assert "arm_fully_connected_s4" in calls and not any("codebook" in c for c in calls)
