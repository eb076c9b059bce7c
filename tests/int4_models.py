"""Models whose filters TensorFlow's converter writes as TFLite INT4 tensors (two values
per byte): one convolution, depthwise convolution or fully connected layer trained with
4-bit fake quantization of its filter, converted with ``_experimental_low_bit_qat``."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

INT4 = 17
"""TFLite's TensorType INT4."""


def _convert(fn: Callable, path: Path) -> Path:
    import tensorflow as tf

    converter = tf.lite.TFLiteConverter.from_concrete_functions(
        [fn.get_concrete_function()],  # type: ignore[attr-defined]
        fn,
    )
    converter.optimizations = [tf.lite.Optimize.DEFAULT]
    converter._experimental_low_bit_qat = True  # fake-quantized 4-bit filters -> INT4
    converter.inference_input_type = tf.int8
    converter.inference_output_type = tf.int8
    path.write_bytes(converter.convert())
    return path


def build_int4_model(kind: str, path: Path) -> Path:
    """A one-layer int8 model whose filter is INT4: ``conv`` (3x3, SAME, relu), ``dw``
    (3x3, multiplier 2, stride 2, relu6) or ``fc`` (two rows of an odd depth, 37)."""
    import tensorflow as tf

    rng = np.random.default_rng(4)
    fq = tf.quantization

    def quant_in(x: tf.Tensor) -> tf.Tensor:
        return fq.fake_quant_with_min_max_args(x, -3.0, 3.0, num_bits=8)

    if kind == "conv":
        w = tf.constant(rng.normal(0, 0.3, (3, 3, 4, 8)).astype(np.float32))
        b = tf.constant(rng.normal(0, 0.1, (8,)).astype(np.float32))
        lo = tf.constant(-np.abs(w.numpy()).max(axis=(0, 1, 2)))

        @tf.function(input_signature=[tf.TensorSpec([1, 9, 9, 4], tf.float32)])
        def conv(x: tf.Tensor) -> tf.Tensor:
            f = fq.fake_quant_with_min_max_vars_per_channel(
                w, lo, -lo, num_bits=4, narrow_range=True
            )
            y = tf.nn.relu(tf.nn.conv2d(quant_in(x), f, 1, "SAME") + b)
            return fq.fake_quant_with_min_max_args(y, 0.0, 6.0, num_bits=8)

        return _convert(conv, path)
    if kind == "dw":
        w = tf.constant(rng.normal(0, 0.3, (3, 3, 1, 12)).astype(np.float32))
        b = tf.constant(rng.normal(0, 0.1, (12,)).astype(np.float32))
        lo = tf.constant(-np.abs(w.numpy()).max(axis=(0, 1, 2)))

        @tf.function(input_signature=[tf.TensorSpec([1, 8, 8, 6], tf.float32)])
        def dw(x: tf.Tensor) -> tf.Tensor:
            f = fq.fake_quant_with_min_max_vars_per_channel(
                w, lo, -lo, num_bits=4, narrow_range=True
            )
            f = tf.reshape(f, (3, 3, 6, 2))
            y = tf.nn.relu6(tf.nn.depthwise_conv2d(quant_in(x), f, [1, 2, 2, 1], "SAME") + b)
            return fq.fake_quant_with_min_max_args(y, 0.0, 6.0, num_bits=8)

        return _convert(dw, path)
    w = tf.constant(rng.normal(0, 0.2, (37, 10)).astype(np.float32))
    b = tf.constant(rng.normal(0, 0.1, (10,)).astype(np.float32))

    @tf.function(input_signature=[tf.TensorSpec([2, 37], tf.float32)])
    def fc(x: tf.Tensor) -> tf.Tensor:
        f = fq.fake_quant_with_min_max_vars(w, -1.0, 1.0, num_bits=4, narrow_range=True)
        y = tf.matmul(quant_in(x), f) + b
        return fq.fake_quant_with_min_max_args(y, -4.0, 4.0, num_bits=8)

    return _convert(fc, path)


def int4_filters(path: Path) -> list[str]:
    """The operators of a model whose filter (input 1) is an INT4 tensor."""
    from tensorflow.lite.tools import flatbuffer_utils

    model = flatbuffer_utils.read_model(str(path))
    graph = model.subgraphs[0]
    return [
        flatbuffer_utils.opcode_to_name(model, op.opcodeIndex)
        for op in graph.operators
        if len(op.inputs) > 1 and graph.tensors[op.inputs[1]].type == INT4
    ]


KINDS = {"conv": "CONV_2D", "dw": "DEPTHWISE_CONV_2D", "fc": "FULLY_CONNECTED"}
