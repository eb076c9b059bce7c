"""Compare stai's post-training quantization with a reference quantizer on the same data.

The reference is ``ai_edge_quantizer`` (the LiteRT quantizer: it quantizes a float
``.tflite`` with calibration data, recipe ``static_wi8_ai8``: int8 weights and
activations), since the TFLite converter itself only quantizes SavedModels and Keras
models, not a float ``.tflite``. Both quantized models are scored against the float model:
top-1 agreement (argmax of the last axis) and rmse of the outputs.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from stai.errors import StaiError


@dataclass
class Score:
    """Top-1 agreement (%) and output rmse of a quantized model against the float one."""

    agreement: float
    rmse: float


def score(reference: np.ndarray, quantized: np.ndarray) -> Score:
    """Agreement of the argmax over the last axis, and rmse, of two ``(n, ...)`` arrays."""
    ref = reference.reshape(len(reference), -1)
    q = quantized.reshape(len(quantized), -1).astype(np.float64)
    agree = float(np.mean(np.argmax(ref, axis=1) == np.argmax(q, axis=1)) * 100.0)
    return Score(agree, float(np.sqrt(np.mean((ref - q) ** 2))))


def _interpreter(model: str | Path | bytes):
    try:
        from ai_edge_litert.interpreter import Interpreter
    except ImportError as exc:
        raise StaiError("ai-edge-litert is missing: pip install -e '.[test]'") from exc
    if isinstance(model, bytes):
        interp = Interpreter(model_content=model, num_threads=1)
    else:
        interp = Interpreter(model_path=str(model), num_threads=1)
    interp.allocate_tensors()
    return interp


def run_tflite(model: str | Path | bytes, data: np.ndarray) -> np.ndarray:
    """Run a single-input single-output ``.tflite`` with LiteRT on float samples
    ``(n, *shape)``; int8 inputs are quantized and int8 outputs dequantized."""
    interp = _interpreter(model)
    din, dout = interp.get_input_details()[0], interp.get_output_details()[0]
    outs = []
    for x in data:
        x = x.reshape(din["shape"])
        if din["dtype"] == np.int8:
            s, z = din["quantization"]
            x = np.clip(np.round(x / s) + z, -128, 127).astype(np.int8)
        interp.set_tensor(din["index"], x.astype(din["dtype"]))
        interp.invoke()
        y = interp.get_tensor(dout["index"]).astype(np.float64)
        if dout["dtype"] == np.int8:
            s, z = dout["quantization"]
            y = (y - z) * s
        outs.append(y)
    return np.stack(outs)


def with_signature(model: bytes) -> bytes:
    """The model, with a ``serving_default`` signature over subgraph 0 if it has none (the
    reference quantizer calibrates through a signature)."""
    from ai_edge_litert import schema_py_generated as schema
    from ai_edge_litert.tools import flatbuffer_utils

    obj = flatbuffer_utils.convert_bytearray_to_object(bytearray(model))
    if obj.signatureDefs:
        return model
    graph = obj.subgraphs[0]

    def tensor_map(index: int) -> schema.TensorMapT:
        entry = schema.TensorMapT()
        entry.name = graph.tensors[index].name
        entry.tensorIndex = int(index)
        return entry

    sig = schema.SignatureDefT()
    sig.signatureKey = "serving_default"
    sig.subgraphIndex = 0
    sig.inputs = [tensor_map(i) for i in graph.inputs]
    sig.outputs = [tensor_map(i) for i in graph.outputs]
    obj.signatureDefs = [sig]
    return bytes(flatbuffer_utils.convert_object_to_bytearray(obj))


def reference_quantize(model_path: str | Path, calibration: np.ndarray) -> bytes:
    """The float ``.tflite`` quantized by ``ai_edge_quantizer`` (int8 weights and
    activations) calibrated on ``calibration`` ``(n, *shape)``."""
    try:
        from ai_edge_quantizer import calibrator, quantizer, recipe
    except ImportError as exc:
        raise StaiError("ai-edge-quantizer is missing: pip install -e '.[quantize]'") from exc
    model = with_signature(Path(model_path).read_bytes())
    interp = _interpreter(model)
    signatures = interp.get_signature_list()
    key = next(iter(signatures))
    name = signatures[key]["inputs"][0]
    shape = interp.get_input_details()[0]["shape"]
    qt = quantizer.Quantizer(model)
    qt.load_quantization_recipe(recipe.static_wi8_ai8())
    samples = [{name: x.reshape(shape).astype(np.float32)} for x in calibration]
    calib = calibrator.Calibrator(model, qsv_update_func=_global_min_max)
    calib.calibrate({key: samples}, qt._recipe_manager)
    return bytes(qt.quantize(calib.get_model_qsvs()).quantized_model)


def _global_min_max(old: dict, new: dict) -> dict:
    """Running min and max over all samples (the quantizer's default is a moving average
    that weights the first samples most; the TFLite converter takes the global range)."""
    if not old:
        return new
    return {"min": np.minimum(old["min"], new["min"]), "max": np.maximum(old["max"], new["max"])}


def run_stai_quantized(model_path: str | Path, calibration: np.ndarray, data: np.ndarray,
                       method: str = "minmax") -> np.ndarray:
    """Quantize ``model_path`` with stai on ``calibration``, compile it, run ``data``."""
    from stai.driver import import_model
    from stai.quantize import compile_module, quantize_module
    from stai.runtime.model_runner import Runner

    module = import_model(model_path)
    quantize_module(module, [calibration], method)
    with tempfile.TemporaryDirectory() as tmp:
        folder = compile_module(module, Path(tmp) / "q", "q")
        return Runner(folder, "q").run([data]).outputs[0].astype(np.float64)


def compare(model_path: str | Path, calibration: np.ndarray, data: np.ndarray,
            method: str = "minmax") -> dict[str, Score]:
    """Scores of stai's and the reference quantizer's int8 models against the float model."""
    float_out = run_tflite(model_path, data)
    stai_out = run_stai_quantized(model_path, calibration, data, method)
    n = len(data)
    scores = {"stai": score(float_out.reshape(n, -1), stai_out.reshape(n, -1))}
    try:
        ref_out = run_tflite(reference_quantize(model_path, calibration), data)
    except (RuntimeError, ValueError) as exc:  # the reference's model does not load
        print(f"reference quantizer failed on {Path(model_path).name}: {exc}")
    else:
        scores["reference"] = score(float_out.reshape(n, -1), ref_out.reshape(n, -1))
    return scores


MODELS = {
    "hello_world": "tflm/hello_world/hello_world_float.tflite",
    "ad": "mlperf_tiny/ad/ad01_fp32.tflite",
    "ic": "mlperf_tiny/ic/pretrainedResnet_float.tflite",
    "vww": "mlperf_tiny/vww/vww_96_float.tflite",
}
"""The float shared models quantization is measured on (paths under shared/models)."""


def datasets(root: Path, key: str, n_calib: int, n_eval: int,
             seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Calibration and evaluation samples ``(n, *shape)`` for a model of ``MODELS``:
    AD: windows of the shipped log-mel recording (even ones calibrate, odd ones evaluate);
    hello_world: x in [0, 2 pi); IC: random pixels in [0, 255]; VWW: random RGB in [0, 1]
    (no real images ship with the models)."""
    rng = np.random.default_rng(seed)
    if key == "ad":
        raw = np.fromfile(root / "mlperf_tiny/ad/normal_id_01_00000000_hist_librosa.bin",
                          np.float32).reshape(200, 128)
        windows = np.stack([raw[k:k + 5].reshape(1, 640) for k in range(196)])
        return windows[0::2][:n_calib], windows[1::2][:n_eval]
    if key == "hello_world":
        def make(n: int) -> np.ndarray:
            return (rng.random((n, 1, 1)) * 2 * np.pi).astype(np.float32)
    elif key == "ic":
        def make(n: int) -> np.ndarray:
            return (rng.random((n, 1, 32, 32, 3)) * 255).astype(np.float32)
    elif key == "vww":
        def make(n: int) -> np.ndarray:
            return rng.random((n, 1, 96, 96, 3)).astype(np.float32)
    else:
        raise StaiError(f"unknown model '{key}' (use {', '.join(MODELS)})")
    return make(n_calib), make(n_eval)
