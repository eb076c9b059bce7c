"""Gathers whose indices are computed at run time (``nn.take``): TFLite GATHER with an
int32 index tensor (float and int8, bit-exact with TFLite Micro) and Keras Embedding
layers (Keras 3 and Keras 2 files); an index out of range ends ``run`` with an error."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest
from cli_run import run_stai

from stai.compiler.driver import generate
from stai.errors import StaiError
from stai.runtime.runner import CModel
from stai.tools.reference import run_tflm_many

VOCABULARY = 50


def _convert(fn, signature, sample, int8: bool, path: Path) -> Path:
    """The TFLite model of ``fn``; int8: full-integer quantization calibrated on
    ``sample(rng)`` (int8 float inputs and outputs; int32 inputs stay int32)."""
    import tensorflow as tf

    function = tf.function(fn, input_signature=signature, autograph=False)
    converter = tf.lite.TFLiteConverter.from_concrete_functions([function.get_concrete_function()])
    if int8:
        rng = np.random.default_rng(1)
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
        converter.representative_dataset = lambda: (sample(rng) for _ in range(32))
        converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
        converter.inference_input_type = tf.int8
        converter.inference_output_type = tf.int8
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        path.write_bytes(converter.convert())
    return path


def _embedding_model(int8: bool, folder: Path) -> Path:
    """ids [1, 6] -> rows of a [50, 8] table -> relu(2 x) (GATHER on a constant)."""
    import tensorflow as tf

    table = np.random.default_rng(0).standard_normal((VOCABULARY, 8)).astype(np.float32)

    def fn(ids):
        return tf.nn.relu(tf.gather(tf.constant(table), ids) * 2.0)

    signature = [tf.TensorSpec([1, 6], tf.int32)]
    sample = lambda rng: [rng.integers(0, VOCABULARY, (1, 6)).astype(np.int32)]  # noqa: E731
    return _convert(
        fn, signature, sample, int8, folder / f"embedding_{'int8' if int8 else 'f32'}.tflite"
    )


def _columns_model(int8: bool, folder: Path) -> Path:
    """x [1, 4, 10], ids [3] -> x + 1 gathered on axis 2 (GATHER on a computed tensor)."""
    import tensorflow as tf

    def fn(x, ids):
        return tf.gather(x + 1.0, ids, axis=2)

    signature = [tf.TensorSpec([1, 4, 10], tf.float32), tf.TensorSpec([3], tf.int32)]

    def sample(rng: np.random.Generator) -> list[np.ndarray]:
        x = rng.standard_normal((1, 4, 10)).astype(np.float32)
        return [x, rng.integers(0, 10, (3,)).astype(np.int32)]

    return _convert(
        fn, signature, sample, int8, folder / f"columns_{'int8' if int8 else 'f32'}.tflite"
    )


def _ids(shape: tuple[int, ...], high: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, high, shape).astype(np.int32)


@pytest.mark.parametrize("int8", [False, True], ids=["float", "int8"])
def test_gather_of_constant_rows_by_input_ids_is_bit_exact(int8: bool, tmp_path: Path) -> None:
    path = _embedding_model(int8, tmp_path)
    generate(path, tmp_path / "c")
    model = CModel(tmp_path / "c")
    samples = [[_ids((1, 6), VOCABULARY, seed)] for seed in range(5)]
    samples.append([np.array([[0, VOCABULARY - 1, 0, 7, 7, VOCABULARY - 1]], np.int32)])
    for sample, want in zip(samples, run_tflm_many(path, samples)):
        got = model.run(sample)[0]
        assert got.dtype == want[0].dtype
        np.testing.assert_array_equal(got, want[0])


@pytest.mark.parametrize("int8", [False, True], ids=["float", "int8"])
def test_gather_of_a_computed_tensor_on_an_inner_axis_is_bit_exact(
    int8: bool, tmp_path: Path
) -> None:
    path = _columns_model(int8, tmp_path)
    generate(path, tmp_path / "c")
    model = CModel(tmp_path / "c")
    rng = np.random.default_rng(4)
    samples = []
    for seed in range(4):
        x = rng.standard_normal((1, 4, 10)).astype(np.float32)
        if int8:
            x = rng.integers(-128, 128, (1, 4, 10)).astype(np.int8)
        by_dtype = {x.dtype: x, np.dtype(np.int32): _ids((3,), 10, seed)}
        samples.append([by_dtype[np.dtype(i["dtype"])] for i in model.inputs])  # model order
    for sample, want in zip(samples, run_tflm_many(path, samples)):
        np.testing.assert_array_equal(model.run(sample)[0], want[0])


@pytest.mark.parametrize("bad", [VOCABULARY, -1])
def test_an_index_out_of_range_stops_run(bad: int, tmp_path: Path) -> None:
    path = _embedding_model(False, tmp_path)
    generate(path, tmp_path / "c")
    model = CModel(tmp_path / "c")
    ids = np.array([[1, 2, bad, 3, 4, 5]], np.int32)
    with pytest.raises(StaiError, match="failed with status 1"):
        model.run([ids])
    model.run([_ids((1, 6), VOCABULARY, 0)])  # the next call runs


def _keras_text_model(keras):
    inputs = keras.Input((10,), dtype="int32")
    x = keras.layers.Embedding(40, 6)(inputs)
    x = keras.layers.Conv1D(8, 3, activation="relu")(x)
    x = keras.layers.GlobalAveragePooling1D()(x)
    return keras.Model(inputs, keras.layers.Dense(3, activation="softmax")(x))


def _check_keras(model, path: Path, out: Path) -> None:
    generate(path, out)
    compiled = CModel(out)
    for seed in range(3):
        ids = _ids((1, 10), 40, seed)
        want = np.asarray(model(ids))
        np.testing.assert_allclose(compiled.run([ids])[0], want, rtol=1e-5, atol=1e-6)


def test_keras_embedding_matches_keras(tmp_path: Path) -> None:
    import keras

    model = _keras_text_model(keras)
    path = tmp_path / "text.keras"
    model.save(path)
    _check_keras(model, path, tmp_path / "c")


def test_keras2_h5_embedding_matches_keras(tmp_path: Path) -> None:
    import tf_keras

    model = _keras_text_model(tf_keras)
    path = tmp_path / "text.h5"
    model.save(path)
    _check_keras(model, path, tmp_path / "c")


def test_embedding_fed_by_a_float_input_is_a_one_line_error(tmp_path: Path) -> None:
    import keras

    inputs = keras.Input((10,))
    model = keras.Model(inputs, keras.layers.Embedding(40, 6)(inputs))
    path = tmp_path / "float_ids.keras"
    model.save(path)
    code, _, err = run_stai(["generate", "-m", str(path), "-o", str(tmp_path / "c")])
    assert code == 2
    assert "give the model an int32 Input" in err and len(err.strip().splitlines()) == 1


def test_masked_embedding_is_refused(tmp_path: Path) -> None:
    import keras

    inputs = keras.Input((10,), dtype="int32")
    x = keras.layers.Embedding(40, 6, mask_zero=True)(inputs)
    model = keras.Model(inputs, keras.layers.GlobalAveragePooling1D()(x))
    path = tmp_path / "masked.keras"
    model.save(path)
    code, _, err = run_stai(["generate", "-m", str(path), "-o", str(tmp_path / "c")])
    assert code == 2 and "mask_zero=True is not supported" in err


def test_quantizing_a_model_with_index_inputs_names_the_input(tmp_path: Path) -> None:
    import keras

    path = tmp_path / "text.keras"
    _keras_text_model(keras).save(path)
    code, _, err = run_stai(
        ["generate", "-m", str(path), "-q", "random", "-o", str(tmp_path / "c")]
    )
    assert code == 2 and "holds i32 integers" in err


def test_validate_draws_random_ids_inside_the_table(tmp_path: Path) -> None:
    """Random int32 samples over the whole range would stop ``run``: validate draws the
    samples of an input that only feeds indices within the table."""
    path = _embedding_model(True, tmp_path)
    code, out, err = run_stai(
        ["validate", "-m", str(path), "--mode", "host", "-o", str(tmp_path / "v")]
    )
    assert code == 0, err
    assert "10/10" in out  # bit-exact on every sample


def _torch_text_model():
    import torch

    class TextModel(torch.nn.Module):
        """Token ids -> embeddings -> mean over the sequence -> classes."""

        def __init__(self) -> None:
            super().__init__()
            self.embedding = torch.nn.Embedding(40, 8)
            self.classify = torch.nn.Linear(8, 3)

        def forward(self, ids):
            return self.classify(self.embedding(ids).mean(1))

    torch.manual_seed(0)
    return TextModel().eval()


@pytest.mark.parametrize("dynamo", [False, True], ids=["torchscript_op17", "dynamo_op18"])
def test_torch_embedding_export_matches_torch(dynamo: bool, tmp_path: Path) -> None:
    """torch.onnx.export writes the ids as an int64 input read by a Gather: stai casts
    them to int32 and takes the rows."""
    import torch

    model = _torch_text_model()
    path = tmp_path / "text.onnx"
    example = (torch.zeros((1, 10), dtype=torch.int64),)
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            model, example, str(path), dynamo=dynamo, opset_version=18 if dynamo else 17,
            input_names=["ids"], output_names=["y"],
        )  # fmt: skip
    generate(path, tmp_path / "c")
    compiled = CModel(tmp_path / "c")
    assert compiled.inputs[0]["dtype"] == "int64"
    for seed in range(3):
        ids = _ids((1, 10), 40, seed).astype(np.int64)
        with torch.no_grad():
            want = model(torch.from_numpy(ids)).numpy()
        np.testing.assert_allclose(compiled.run([ids])[0], want, rtol=1e-5, atol=1e-6)
    with pytest.raises(StaiError, match="failed with status"):
        compiled.run([np.full((1, 10), -1, np.int64)])  # ONNX would count from the end
    code, out, err = run_stai(
        ["validate", "-m", str(path), "--mode", "host", "-o", str(tmp_path / "v")]
    )
    assert code == 0, err
    assert "reference: onnxruntime" in out
