"""TFLite models with one UNIDIRECTIONAL_SEQUENCE_LSTM for the tests: Keras LSTMs through
TensorFlow's converter (float, or int8 full-integer quantization from a representative
dataset) and models written with the TFLite flatbuffer schema (float, int8, 16x8)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np


def convert(model: Any, int8: bool, shape: tuple[int, ...]) -> bytes:
    import tensorflow as tf

    converter = tf.lite.TFLiteConverter.from_keras_model(model)
    if int8:

        def representative():
            rng = np.random.default_rng(0)
            for _ in range(40):
                yield [rng.uniform(-1.5, 1.5, shape).astype(np.float32)]

        converter.optimizations = [tf.lite.Optimize.DEFAULT]
        converter.representative_dataset = representative
        converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
        converter.inference_input_type = tf.int8
        converter.inference_output_type = tf.int8
    return converter.convert()


def keras_lstm(
    path: Path, steps: int, features: int, units: int, sequences: bool, int8: bool = False
) -> Path:
    import tf_keras

    tf_keras.utils.set_random_seed(3)
    inp = tf_keras.Input(shape=(steps, features), batch_size=1)
    y = tf_keras.layers.LSTM(units, return_sequences=sequences)(inp)
    path.write_bytes(convert(tf_keras.Model(inp, y), int8, (1, steps, features)))
    return path


def quant(schema: Any, scale: float, zero_point: int) -> Any:
    q = schema.QuantizationParametersT()
    q.scale, q.zeroPoint = [float(scale)], [int(zero_point)]
    return q


def lstm_model(
    kind: str,
    batch: int,
    steps: int,
    features: int,
    units: int,
    time_major: bool,
    clip: float,
    seed: int,
    cell_type: str = "INT16",
) -> bytes:
    """One UNIDIRECTIONAL_SEQUENCE_LSTM: ``kind`` ``f32``, ``s8`` (int8 activations, int32
    biases) or ``s16`` (16x8: int16 activations with zero point 0, int64 biases); int8
    weights with one scale per gate, int16 cell state, variable hidden and cell states."""
    import flatbuffers
    from ai_edge_litert import schema_py_generated as schema

    rng = np.random.default_rng(seed)
    types = schema.TensorType
    buffers = [schema.BufferT()]
    tensors: list[Any] = []

    def tensor(name, shape, kind_, data=None, quant=None, variable=False):
        t = schema.TensorT()
        t.name, t.shape, t.type = name.encode(), list(shape), kind_
        t.quantization, t.isVariable = quant, variable
        buffer = schema.BufferT()
        if data is not None:
            buffer.data = list(np.ascontiguousarray(data).tobytes())
        buffers.append(buffer)
        t.buffer = len(buffers) - 1
        tensors.append(t)
        return len(tensors) - 1

    seq = (steps, batch) if time_major else (batch, steps)
    gates = "ifco"
    if kind == "f32":
        f = np.float32
        x = tensor("input", (*seq, features), types.FLOAT32)
        w = [
            tensor(f"w_{g}", (units, features), types.FLOAT32, rng.normal(0, 0.5, (units, features)).astype(f))
            for g in gates
        ]  # fmt: skip
        r = [
            tensor(f"r_{g}", (units, units), types.FLOAT32, rng.normal(0, 0.5, (units, units)).astype(f))
            for g in gates
        ]  # fmt: skip
        b = [
            tensor(f"b_{g}", (units,), types.FLOAT32, rng.normal(0, 0.3, units).astype(f))
            for g in gates
        ]
        h = tensor("hidden", (batch, units), types.FLOAT32, variable=True)
        c = tensor("cell", (batch, units), types.FLOAT32, variable=True)
        y = tensor("output", (*seq, units), types.FLOAT32)
    else:
        s8 = kind == "s8"
        act, bias_type = (types.INT8, types.INT32) if s8 else (types.INT16, types.INT64)
        s_in, zp_in = (0.03, 5) if s8 else (1.0 / 4096, 0)
        s_h, zp_h = (1.0 / 128, -3) if s8 else (2.0**-15, 0)
        x = tensor("input", (*seq, features), act, quant=quant(schema, s_in, zp_in))
        w, r, b = [], [], []
        for g in gates:
            s_w, s_r = rng.uniform(0.003, 0.006), rng.uniform(0.003, 0.006)
            data = rng.integers(-127, 128, (units, features), dtype=np.int8)
            w.append(tensor(f"w_{g}", (units, features), types.INT8, data, quant(schema, s_w, 0)))
            data = rng.integers(-127, 128, (units, units), dtype=np.int8)
            r.append(tensor(f"r_{g}", (units, units), types.INT8, data, quant(schema, s_r, 0)))
            s_b = float(np.float32(s_in) * np.float32(s_w))
            codes = rng.integers(-int(0.4 / s_b), int(0.4 / s_b), units)
            data = codes.astype(np.int32 if s8 else np.int64)
            b.append(tensor(f"b_{g}", (units,), bias_type, data, quant(schema, s_b, 0)))
        h = tensor("hidden", (batch, units), act, quant=quant(schema, s_h, zp_h), variable=True)
        cell_kind = getattr(types, cell_type)
        c = tensor(
            "cell", (batch, units), cell_kind, quant=quant(schema, 2.0**-11, 0), variable=True
        )
        y = tensor("output", (*seq, units), act, quant=quant(schema, s_h, zp_h))
    code = schema.OperatorCodeT()
    builtin = schema.BuiltinOperator.UNIDIRECTIONAL_SEQUENCE_LSTM
    code.builtinCode = code.deprecatedBuiltinCode = builtin
    code.version = 1
    options = schema.UnidirectionalSequenceLSTMOptionsT()
    options.fusedActivationFunction = schema.ActivationFunctionType.TANH
    options.cellClip, options.projClip, options.timeMajor = clip, 0.0, time_major
    op = schema.OperatorT()
    op.opcodeIndex = 0
    op.inputs = [x, *w, *r, -1, -1, -1, *b, -1, -1, h, c, -1, -1, -1, -1]
    op.outputs = [y]
    op.builtinOptionsType = schema.BuiltinOptions.UnidirectionalSequenceLSTMOptions
    op.builtinOptions = options
    graph = schema.SubGraphT()
    graph.tensors, graph.inputs, graph.outputs, graph.operators = tensors, [x], [y], [op]
    model = schema.ModelT()
    model.version, model.operatorCodes, model.subgraphs, model.buffers = 3, [code], [graph], buffers
    builder = flatbuffers.Builder(4096)
    builder.Finish(model.Pack(builder), file_identifier=b"TFL3")
    return bytes(builder.Output())
