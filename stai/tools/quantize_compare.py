"""Compare stai's post-training quantization with a reference quantizer on the same data.

The reference is the TFLite converter's post-training quantization: the converter turns a
SavedModel or Keras model into a float flatbuffer, then calibrates it and quantizes it;
the shared models ship as float ``.tflite`` files, so the reference runs those two last
steps (``tensorflow.lite.python.optimize.calibrator`` and ``convert.mlir_quantize``, the
functions ``TFLiteConverter`` calls) on the file itself. Both quantized models are scored
against the float model: top-1 agreement (argmax of the last axis) and rmse of the
outputs.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from stai.errors import StaiError, install_hint


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
        raise StaiError(f"ai-edge-litert is missing: {install_hint('tflite')}") from exc
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


def reference_quantize(
    model_path: str | Path, calibration: np.ndarray, per_channel_fc: bool = True
) -> bytes:
    """The float ``.tflite`` quantized by the TFLite converter's post-training path (its
    calibrator, then its MLIR quantizer, as ``TFLiteConverter`` with a representative data
    set and ``Optimize.DEFAULT``) on ``calibration`` ``(n, *shape)``: int8 weights and
    activations, float input and output."""
    try:
        from tensorflow.lite.python import convert
        from tensorflow.lite.python.optimize import calibrator
    except ImportError as exc:
        raise StaiError(f"tensorflow is missing: {install_hint('quantize')}") from exc
    model = Path(model_path).read_bytes()
    shape = _interpreter(model).get_input_details()[0]["shape"]
    calib = calibrator.Calibrator(model)
    calibrated = calib.calibrate(
        lambda: ([x.reshape(shape).astype(np.float32)] for x in calibration)
    )
    # tensorflow's converter stub declares the quantized model as `object` (it is bytes)
    return bytes(
        convert.mlir_quantize(  # pyright: ignore[reportArgumentType]
            calibrated, disable_per_channel_for_dense_layers=not per_channel_fc
        )
    )


def run_stai_quantized(
    model_path: str | Path,
    calibration: np.ndarray,
    data: np.ndarray,
    method: str = "minmax",
    per_channel_fc: bool = True,
) -> np.ndarray:
    """Quantize ``model_path`` with stai on ``calibration``, compile it, run ``data``."""
    from stai.compiler.driver import import_model
    from stai.runtime.model_runner import Runner
    from stai.tools.quantize import compile_module, quantize_module

    module = import_model(model_path)
    quantize_module(module, [calibration], method, per_channel_fc=per_channel_fc)
    with tempfile.TemporaryDirectory() as tmp:
        folder = compile_module(module, Path(tmp) / "q", "q")
        return Runner(folder, "q").run([data]).outputs[0].astype(np.float64)


def compare(
    model_path: str | Path,
    calibration: np.ndarray,
    data: np.ndarray,
    method: str = "minmax",
    per_channel_fc: bool = True,
) -> dict[str, Score]:
    """Scores of stai's and the reference quantizer's int8 models against the float model
    (both with per-channel or both with per-tensor fully-connected weights)."""
    float_out = run_tflite(model_path, data)
    stai_out = run_stai_quantized(model_path, calibration, data, method, per_channel_fc)
    n = len(data)
    scores = {"stai": score(float_out.reshape(n, -1), stai_out.reshape(n, -1))}
    try:
        ref_out = run_tflite(reference_quantize(model_path, calibration, per_channel_fc), data)
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
    "kws": "mlperf_tiny/kws/kws_ref_model_float32.tflite",
}
"""The float shared models quantization is measured on (paths under shared/models)."""


def datasets(
    root: Path, key: str, n_calib: int, n_eval: int, seed: int = 1
) -> tuple[np.ndarray, np.ndarray]:
    """Calibration and evaluation samples ``(n, *shape)`` for a model of ``MODELS``:
    AD: windows of the shipped log-mel recording (even ones calibrate, odd ones evaluate);
    hello_world: x in [0, 2 pi); IC: random pixels in [0, 255]; VWW: random RGB in [0, 1]
    (no real images ship with the models); KWS: MFCCs of the four micro_speech
    recordings, each shifted in time, scaled and mixed with the noise recording at random
    (``kws_samples``)."""
    rng = np.random.default_rng(seed)
    if key == "ad":
        raw = np.fromfile(
            root / "mlperf_tiny/ad/normal_id_01_00000000_hist_librosa.bin", np.float32
        ).reshape(200, 128)
        windows = np.stack([raw[k : k + 5].reshape(1, 640) for k in range(196)])
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
    elif key == "kws":

        def make(n: int) -> np.ndarray:
            return kws_samples(root, n, rng)
    else:
        raise StaiError(f"unknown model '{key}' (use {', '.join(MODELS)})")
    return make(n_calib), make(n_eval)


KWS_WAVS = ("yes", "no", "silence", "noise")


def _read_wav(path: Path) -> np.ndarray:
    """A 16-bit mono ``.wav`` as float samples in [-1, 1)."""
    import wave

    with wave.open(str(path)) as f:
        return np.frombuffer(f.readframes(f.getnframes()), np.int16).astype(np.float32) / 32768.0


def kws_features(audio: np.ndarray) -> np.ndarray:
    """The MLPerf Tiny KWS front end on 1 s of 16 kHz audio: |STFT| (30 ms window, 20 ms
    stride, 512-point FFT), 40 mel bins over 20..4000 Hz, log, DCT, first 10 MFCCs:
    ``(49, 10)`` float32."""
    import tensorflow as tf

    stft = tf.abs(tf.signal.stft(tf.constant(audio[None, :16000], tf.float32), 480, 320, 512))
    mel = tf.signal.linear_to_mel_weight_matrix(40, stft.shape[-1], 16000, 20.0, 4000.0)
    log_mel = tf.math.log(tf.tensordot(stft, mel, 1) + 1e-6)
    return tf.signal.mfccs_from_log_mel_spectrograms(log_mel)[0, :, :10].numpy()


def kws_samples(root: Path, n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` KWS inputs ``(n, 1, 49, 10, 1)``: a recording of ``KWS_WAVS`` shifted by up to
    100 ms, scaled by 0.5..1.5 and mixed with the noise recording at up to 0.3."""
    clips = [_read_wav(root / f"tflm/micro_speech/{w}_1000ms.wav") for w in KWS_WAVS]
    noise = clips[-1]
    out = []
    for _ in range(n):
        clip = clips[int(rng.integers(len(clips)))]
        shifted = np.roll(clip, int(rng.integers(-1600, 1601)))
        audio = shifted * rng.uniform(0.5, 1.5) + noise * rng.uniform(0.0, 0.3)
        out.append(kws_features(np.clip(audio, -1.0, 1.0)))
    return np.stack(out).reshape(n, 1, 49, 10, 1).astype(np.float32)
