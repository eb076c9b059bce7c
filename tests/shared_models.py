"""The shared real models (`STAI_MODELS`, default `../shared/models`) as a table for tests.

Each `SharedModel` says what kind of model a `.tflite` file is (int8 / float / hybrid) and,
where the models' README gives them, its sample inputs with their expected outputs
(`Sample`). `random_inputs` makes seeded random inputs for any `.tflite` model.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_MODELS_DIR = REPO_ROOT.parent / "shared" / "models"

INT8 = "int8"
FLOAT = "float"
HYBRID = "hybrid"


def models_dir_setting() -> Path:
    """The folder the shared models are read from (env `STAI_MODELS`, else the default)."""
    env = os.environ.get("STAI_MODELS")
    return Path(env).expanduser().resolve() if env else DEFAULT_MODELS_DIR


@dataclass(frozen=True)
class Sample:
    """One known input of a shared model and what the reference runtime gives for it.

    `expected` holds the leading values of the (only) output, flattened; `atol` is the
    allowed absolute difference (0 = bit-exact); `argmax` is the expected class, if any.
    """

    name: str
    inputs: list[np.ndarray]
    expected: np.ndarray | None = None
    atol: float = 0.0
    argmax: int | None = None


@dataclass(frozen=True)
class SharedModel:
    """A shared `.tflite` model: its key, path under the models folder, kind and samples.

    `float_range` is the range random float inputs are drawn from (float/hybrid models).
    `samples` builds the model's `Sample`s from the models folder.
    """

    key: str
    relpath: str
    kind: str
    float_range: tuple[float, float] = (-1.0, 1.0)
    samples: Callable[[Path], list[Sample]] = field(default=lambda root: [], repr=False)

    def path(self, root: Path) -> Path:
        """The model file inside the models folder `root`."""
        return root / self.relpath


def _read_int8(path: Path, shape: tuple[int, ...]) -> np.ndarray:
    """A raw int8 file as an array of the given shape."""
    return np.fromfile(path, dtype=np.int8).reshape(shape)


KWS_INPUT_SCALE = 0.5847029089927673
KWS_INPUT_ZP = 83
KWS_EXPECTED = np.array([-128] * 5 + [127] + [-128] * 6, dtype=np.int8)


def _kws_int8_samples(root: Path) -> list[Sample]:
    """The MLPerf Tiny KWS sample (class 5, "On", saturated)."""
    x = _read_int8(root / "mlperf_tiny/kws/kws_sample_input_int8_49x10.bin", (1, 49, 10, 1))
    return [Sample("kws_sample", [x], KWS_EXPECTED, 0.0, 5)]


def _kws_hybrid_samples(root: Path) -> list[Sample]:
    """The KWS sample dequantized, for the hybrid model (class 5 with p ~ 0.99997)."""
    q = _read_int8(root / "mlperf_tiny/kws/kws_sample_input_int8_49x10.bin", (1, 49, 10, 1))
    x = ((q.astype(np.float32) - KWS_INPUT_ZP) * np.float32(KWS_INPUT_SCALE)).astype(np.float32)
    expected = np.array([0, 0, 0, 0, 1.4e-5, 0.99997, 0, 0, 0, 0, 0, 1.5e-5], dtype=np.float32)
    return [Sample("kws_sample_dequant", [x], expected, 1e-4, 5)]


def _ad_int8_samples(root: Path) -> list[Sample]:
    """AD window 0, quantized, with TFLM's stored output."""
    ad = root / "mlperf_tiny/ad"
    x = _read_int8(ad / "ad01_window0_input_int8_640.bin", (1, 640))
    y = _read_int8(ad / "ad01_window0_output_int8_640_tflm.bin", (640,))
    return [Sample("ad_window0", [x], y, 0.0)]


def ad_float_window(root: Path, k: int) -> np.ndarray:
    """AD float input window k: log-mel slices k..k+4 flattened to [1,640]."""
    spec = np.fromfile(root / "mlperf_tiny/ad/normal_id_01_00000000_hist_librosa.bin", "<f4")
    return spec.reshape(200, 128)[k : k + 5].reshape(1, 640).astype(np.float32)


def _ad_float_samples(root: Path) -> list[Sample]:
    """AD window 0 in float with the first 8 reference outputs (5 decimals)."""
    first8 = [-47.56621, -28.97116, -18.41496, -10.40999, -8.6797, -6.80466, -9.73075, -5.80909]
    return [Sample("ad_window0", [ad_float_window(root, 0)], np.array(first8, np.float32), 1e-3)]


MICRO_SPEECH_EXPECTED: dict[str, tuple[list[int], int]] = {
    "yes": ([-128, -128, 127, -128], 2),
    "no": ([-128, -114, -128, 114], 3),
    "silence": ([-42, -68, -68, -78], 0),
    "noise": ([120, -125, -126, -125], 0),
}


def _micro_speech_samples(root: Path) -> list[Sample]:
    """The four micro_speech feature files with TFLM's outputs [silence, unknown, yes, no]."""
    folder = root / "tflm/micro_speech"
    out = []
    for word, (values, label) in MICRO_SPEECH_EXPECTED.items():
        x = _read_int8(folder / f"{word}_1000ms_features_int8_49x40.bin", (1, 1960))
        out.append(Sample(word, [x], np.array(values, np.int8), 0.0, label))
    return out


HELLO_WORLD_INT8 = [(-128, 4), (-64, 126), (0, 4), (64, -126)]
HELLO_WORLD_FLOAT = [
    (0.0, 0.0264),
    (math.pi / 2, 0.9957),
    (math.pi, -0.005),
    (3 * math.pi / 2, -1.0057),
]


def _hello_int8_samples(root: Path) -> list[Sample]:
    """hello_world int8 at x = 0, pi/2, pi, 3pi/2."""
    return [
        Sample(f"x_q{q}", [np.array([[q]], np.int8)], np.array([y], np.int8))
        for q, y in HELLO_WORLD_INT8
    ]


def _hello_float_samples(root: Path) -> list[Sample]:
    """hello_world float at x = 0, pi/2, pi, 3pi/2 (outputs given to 4 decimals)."""
    return [
        Sample(f"x_{x:.4f}", [np.array([[x]], np.float32)], np.array([y], np.float32), 1e-3)
        for x, y in HELLO_WORLD_FLOAT
    ]


# Real-valued input ranges of the float models, read from their int8 twins' input params.
_KWS_RANGE = ((-128 - 83) * KWS_INPUT_SCALE, (127 - 83) * KWS_INPUT_SCALE)
_AD_RANGE = ((-128 - 89) * 0.3910152316093445, (127 - 89) * 0.3910152316093445)

SHARED_MODELS: list[SharedModel] = [
    SharedModel(
        "kws_int8", "mlperf_tiny/kws/kws_ref_model_int8.tflite", INT8, samples=_kws_int8_samples
    ),
    SharedModel(
        "kws_hybrid",
        "mlperf_tiny/kws/kws_ref_model_float32.tflite",
        HYBRID,
        _KWS_RANGE,
        _kws_hybrid_samples,
    ),
    SharedModel("vww_int8", "mlperf_tiny/vww/vww_96_int8.tflite", INT8),
    SharedModel("vww_float", "mlperf_tiny/vww/vww_96_float.tflite", FLOAT, (0.0, 1.0)),
    SharedModel("ic_int8", "mlperf_tiny/ic/pretrainedResnet_quant.tflite", INT8),
    SharedModel("ic_float", "mlperf_tiny/ic/pretrainedResnet_float.tflite", FLOAT, (0.0, 255.0)),
    SharedModel("ad_int8", "mlperf_tiny/ad/ad01_int8.tflite", INT8, samples=_ad_int8_samples),
    SharedModel("ad_float", "mlperf_tiny/ad/ad01_fp32.tflite", FLOAT, _AD_RANGE, _ad_float_samples),
    SharedModel(
        "hello_world_int8",
        "tflm/hello_world/hello_world_int8.tflite",
        INT8,
        samples=_hello_int8_samples,
    ),
    SharedModel(
        "hello_world_float",
        "tflm/hello_world/hello_world_float.tflite",
        FLOAT,
        (0.0, 2 * math.pi),
        _hello_float_samples,
    ),
    SharedModel(
        "micro_speech_int8",
        "tflm/micro_speech/micro_speech_quantized.tflite",
        INT8,
        samples=_micro_speech_samples,
    ),
]

SHARED_BY_KEY: dict[str, SharedModel] = {m.key: m for m in SHARED_MODELS}


def input_specs(model_path: Path) -> list[tuple[tuple[int, ...], np.dtype]]:
    """Shape and numpy dtype of each input of a `.tflite` model, in model order."""
    import tflite

    type_to_dtype = {
        tflite.TensorType.FLOAT32: np.dtype(np.float32),
        tflite.TensorType.INT8: np.dtype(np.int8),
        tflite.TensorType.INT16: np.dtype(np.int16),
        tflite.TensorType.INT32: np.dtype(np.int32),
        tflite.TensorType.UINT8: np.dtype(np.uint8),
    }
    model = tflite.Model.GetRootAsModel(Path(model_path).read_bytes(), 0)
    graph = model.Subgraphs(0)
    specs = []
    for i in graph.InputsAsNumpy():
        tensor = graph.Tensors(int(i))
        shape = tuple(int(d) for d in tensor.ShapeAsNumpy())
        specs.append((shape, type_to_dtype[tensor.Type()]))
    return specs


def random_inputs(
    model_path: Path,
    n: int,
    seed: int = 0,
    float_range: tuple[float, float] = (-1.0, 1.0),
) -> list[list[np.ndarray]]:
    """N seeded random samples for a model: int8 uniform over [-128,127], float over a range."""
    rng = np.random.default_rng(seed)
    specs = input_specs(model_path)
    samples = []
    for _ in range(n):
        sample = []
        for shape, dtype in specs:
            if dtype == np.float32:
                lo, hi = float_range
                sample.append(rng.uniform(lo, hi, size=shape).astype(np.float32))
            else:
                info = np.iinfo(dtype)
                sample.append(
                    rng.integers(info.min, info.max, size=shape, endpoint=True, dtype=dtype)
                )
        samples.append(sample)
    return samples
