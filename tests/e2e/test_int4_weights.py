"""int4 weights (TFLite INT4 tensors, two values per byte): conv, depthwise and fully
connected layers whose filters are INT4, compiled by stai and compared bit for bit with
TFLite Micro, which unpacks them to int8 as stai does at compile time (its fully connected
layer takes int4 filters quantized per tensor only).

The models are the TF converter's int8 single-operator models with their filters
requantized to 4 bits (values in [-7, 7], scales x 16, the biases' too) and stored as INT4 with the
flatbuffer schema, the way int4 quantizers write them."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from opmodels import INT8, OPS_BY_NAME, build, model_ops
from shared_models import random_inputs

from stai.compiler.driver import generate
from stai.frontends.tflite.translator import unpack_int4
from stai.runtime.runner import CModel
from stai.tools.reference import run_tflm

WEIGHTED = {"CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED"}


def _pack_int4(values: np.ndarray) -> bytes:
    flat = values.reshape(-1).astype(np.int16) & 0x0F
    if flat.size % 2:
        flat = np.append(flat, 0)
    return ((flat[1::2] << 4) | flat[0::2]).astype(np.uint8).tobytes()


def to_int4(source: Path, target: Path) -> int:
    """Rewrite the filters of the weighted operators of an int8 model as INT4; returns how
    many tensors were rewritten."""
    from tensorflow.lite.python import schema_py_generated as schema
    from tensorflow.lite.tools import flatbuffer_utils

    model = flatbuffer_utils.read_model(str(source))
    graph = model.subgraphs[0]
    rewritten = 0
    for op in graph.operators:
        name = flatbuffer_utils.opcode_to_name(model, op.opcodeIndex)
        if name not in WEIGHTED:
            continue
        tensor = graph.tensors[op.inputs[1]]
        buffer = model.buffers[tensor.buffer]
        q8 = np.frombuffer(bytes(buffer.data), np.int8).reshape(tuple(tensor.shape))
        tensor.type = schema.TensorType.INT4
        tensor.quantization.scale = [float(s) * 16 for s in tensor.quantization.scale]
        q4 = np.clip(np.round(q8.astype(np.float64) / 16), -7, 7).astype(np.int8)
        buffer.data = np.frombuffer(_pack_int4(q4), np.uint8)
        if len(op.inputs) > 2 and op.inputs[2] >= 0:  # the bias keeps s_in * s_filter
            bias = graph.tensors[op.inputs[2]]
            data = model.buffers[bias.buffer]
            b32 = np.frombuffer(bytes(data.data), np.int32)
            data.data = np.frombuffer(np.round(b32 / 16).astype(np.int32).tobytes(), np.uint8)
            bias.quantization.scale = [float(s) * 16 for s in bias.quantization.scale]
        rewritten += 1
    flatbuffer_utils.write_model(model, str(target))
    return rewritten


def test_int4_unpacking_is_low_nibble_first_and_sign_extended() -> None:
    values = np.array([-8, 7, -1, 0, 3, -5, 6], np.int8)
    assert _pack_int4(values)[0] == 0x78  # -8 low, 7 high
    np.testing.assert_array_equal(unpack_int4(_pack_int4(values), (7,), "t"), values)


@pytest.mark.parametrize(
    "name",
    ["conv2d_s1_same_relu", "conv2d_s2_valid", "dwconv_m2_s1_same_relu6", "fc_per_tensor_relu6"],
)
def test_int4_filters_are_bit_exact_with_tflm(name: str, tmp_path: Path) -> None:
    assert name in OPS_BY_NAME
    path = tmp_path / f"{name}_int4.tflite"
    assert to_int4(build(name, INT8), path) == 1
    assert any(op in WEIGHTED for op in model_ops(path))
    generate(path, tmp_path / "c")
    model = CModel(tmp_path / "c")
    for inputs in random_inputs(path, 5, seed=2):
        for want, got in zip(run_tflm(path, inputs), model.run(inputs)):
            np.testing.assert_array_equal(got, want)
