"""The demo's digits model trains, converts to int8 and classifies the held-out set well."""

from __future__ import annotations

import numpy as np
import opmodels
import pytest

from stai.demo.model import DemoModel, build_demo_model, quantize, tflm_accuracy
from stai.errors import StaiError
from stai.tools.reference import run_litert_ref

pytestmark = pytest.mark.slow  # trains a network: about ten seconds


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> DemoModel:
    return build_demo_model(tmp_path_factory.mktemp("demo"), seed=0)


def test_demo_model_is_an_int8_cnn(demo: DemoModel) -> None:
    assert demo.path.is_file()
    ops = opmodels.model_ops(demo.path)
    assert ops == [
        "CONV_2D",
        "DEPTHWISE_CONV_2D",
        "CONV_2D",
        "AVERAGE_POOL_2D",
        "RESHAPE",
        "FULLY_CONNECTED",
        "SOFTMAX",
    ]
    assert opmodels.tensor_types(demo.path) == (["INT8"], ["INT8"])


def test_held_out_set_is_quantized_and_labelled(demo: DemoModel) -> None:
    assert demo.images.dtype == np.int8 and demo.images.shape[1:] == (8, 8, 1)
    assert len(demo.images) == len(demo.labels) > 300
    assert set(np.unique(demo.labels)) == set(range(10))
    # Pixels are in [0, 1]: 0.0 maps to the zero point, and bright pixels reach the top.
    assert int(demo.images.min()) == demo.input_zero_point
    assert int(demo.images.max()) > 100


def test_tflm_held_out_accuracy_above_90_percent(demo: DemoModel) -> None:
    accuracy = tflm_accuracy(demo.path, demo.images, demo.labels)
    assert accuracy > 0.9, accuracy
    assert demo.float_accuracy > 0.9
    assert abs(accuracy - demo.float_accuracy) < 0.05


def test_tflm_and_litert_agree_on_some_held_out_images(demo: DemoModel) -> None:
    from stai.tools.reference import run_tflm

    for image in demo.images[:10]:
        x = image[np.newaxis]
        expected = run_litert_ref(demo.path, [x])[0]
        np.testing.assert_array_equal(run_tflm(demo.path, [x])[0], expected)


def test_quantize_rounds_and_clamps() -> None:
    x = np.array([-10.0, 0.0, 0.5, 0.26, 10.0], np.float32)
    np.testing.assert_array_equal(quantize(x, 0.5, -1), np.array([-21, -1, 0, 0, 19], np.int8))
    np.testing.assert_array_equal(
        quantize(np.array([1e6, -1e6], np.float32), 1.0, 0), np.array([127, -128], np.int8)
    )


def test_accuracy_rejects_mismatched_lengths(demo: DemoModel) -> None:
    with pytest.raises(StaiError):
        tflm_accuracy(demo.path, demo.images[:3], demo.labels[:2])
