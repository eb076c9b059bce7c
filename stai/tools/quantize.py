"""Post-training int8 quantization of a float ``nn`` module (``stai quantize``, ``-q``).

``quantize_module(module, data, method)``:

1. runs ``canonicalize-nn`` and ``fuse-activations`` (so ranges are taken after fused
   activations, as the int8 kernels produce them);
2. calibrates: compiles a copy of the float module with the observer hooks, runs it on
   the host over the calibration samples (``stai.runtime.model_runner.Runner``), and writes
   the range of every tensor as ``nn.range = array<f32: lo, hi>`` on the op defining it
   (and on ``@main``'s arguments); ``method`` chooses the range: ``minmax``,
   ``percentile`` (0.01 % .. 99.99 %) or ``mse`` (the clipping that minimizes the int8
   quantization error of the samples);
3. runs ``quantize-nn`` (``transforms/quantize_nn.py``).
"""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from xdsl.dialects.builtin import DictionaryAttr, ModuleOp, StringAttr, TensorType
from xdsl.dialects.func import FuncOp

from stai.errors import StaiError

METHODS = ("minmax", "percentile", "mse")


@dataclass
class QuantizeReport:
    """What quantization did: the float ops left (mixed precision) and the sample count."""

    samples: int
    method: str
    float_ops: list[str] = field(default_factory=list)


def _main(module: ModuleOp) -> FuncOp:
    for op in module.ops:
        if isinstance(op, FuncOp):
            return op
    raise StaiError("the module has no function to quantize")


def _input_shapes(module: ModuleOp) -> list[tuple[int, ...]]:
    shapes = []
    for t in _main(module).function_type.inputs.data:
        assert isinstance(t, TensorType)
        shapes.append(tuple(t.get_shape()))
    return shapes


def _input_names(module: ModuleOp) -> list[str]:
    main = _main(module)
    names = []
    for i, _ in enumerate(main.function_type.inputs.data):
        name = f"input_{i}"
        if main.arg_attrs is not None:
            entry = main.arg_attrs.data[i]
            if isinstance(entry, DictionaryAttr):
                name_attr = entry.data.get("nn.name")
                if isinstance(name_attr, StringAttr):
                    name = name_attr.data
        names.append(name)
    return names


def _as_batch(array: np.ndarray, shape: tuple[int, ...], what: str) -> np.ndarray:
    """Samples of one input as ``(n, *shape)`` float32."""
    a = np.asarray(array, dtype=np.float32)
    size = int(np.prod(shape))
    if a.size % size != 0 or a.size == 0:
        raise StaiError(f"{what}: {a.shape} does not hold samples of shape {list(shape)}")
    return a.reshape((-1, *shape))


def _check_float_inputs(module: ModuleOp) -> None:
    """Quantization calibrates float inputs: a model whose inputs are not float (already
    int8) is a one-line error."""
    from xdsl.dialects.builtin import Float32Type, IntegerType, TensorType

    for arg, name in zip(_main(module).body.block.args, _input_names(module)):
        t = arg.type
        if isinstance(t, TensorType) and isinstance(t.element_type, IntegerType):
            raise StaiError(
                f"input '{name}' holds {t.element_type} integers (indices, not a signal to "
                "calibrate): -q / stai quantize calibrate float inputs only; quantize such "
                "a model with its framework's converter"
            )
        if not (isinstance(t, TensorType) and isinstance(t.element_type, Float32Type)):
            raise StaiError(
                f"input '{name}' is {t}, not float32: the model is already "
                "quantized (-q / stai quantize take a float model)"
            )


def load_calibration(
    path: str | Path | None, module: ModuleOp, samples: int = 64, seed: int = 0
) -> list[np.ndarray]:
    """The calibration samples, one ``(n, *shape)`` float32 array per model input:
    from a ``.npy`` (one input) or ``.npz`` (arrays named as the inputs, or in order), or
    uniform random in [0, 1) with a warning when ``path`` is None."""
    _check_float_inputs(module)
    shapes = _input_shapes(module)
    if path is None:
        print(
            "warning: no calibration data: random samples in [0, 1) (ranges will be poor)",
            file=sys.stderr,
        )
        rng = np.random.default_rng(seed)
        return [rng.random((samples, *s), dtype=np.float32) for s in shapes]
    p = Path(path)
    if not p.is_file():
        raise StaiError(f"calibration data not found: {p}")
    try:
        loaded = np.load(p, allow_pickle=False)
    except (ValueError, OSError) as e:
        raise StaiError(f"{p.name}: not a .npy or .npz file ({e})") from None
    if isinstance(loaded, np.ndarray):
        if len(shapes) != 1:
            raise StaiError(f"{p.name}: the model has {len(shapes)} inputs: use a .npz")
        arrays = [loaded]
    else:
        names = _input_names(module)
        keys = list(loaded.keys())
        if all(n in keys for n in names):
            arrays = [loaded[n] for n in names]
        elif len(keys) >= len(shapes):
            arrays = [loaded[k] for k in keys[: len(shapes)]]
        else:
            raise StaiError(f"{p.name}: {len(keys)} arrays for {len(shapes)} model inputs")
    batches = [_as_batch(a, s, p.name) for a, s in zip(arrays, shapes)]
    if len({len(b) for b in batches}) != 1:
        raise StaiError(f"{p.name}: the inputs have different sample counts")
    return batches


def tensor_range(values: np.ndarray, method: str) -> tuple[float, float]:
    """The real range ``[lo, hi]`` (holding 0) to quantize ``values`` to int8 with."""
    v = np.asarray(values, dtype=np.float64).ravel()
    if v.size == 0:
        return 0.0, 0.0
    lo, hi = min(float(v.min()), 0.0), max(float(v.max()), 0.0)
    if method == "minmax" or hi - lo == 0.0:
        return lo, hi
    if method == "percentile":
        plo, phi = np.percentile(v, [0.01, 99.99])
        return min(float(plo), 0.0), max(float(phi), 0.0)
    if method == "mse":
        return _mse_range(v, lo, hi)
    raise StaiError(f"unknown calibration method '{method}' (use {', '.join(METHODS)})")


def _mse_range(v: np.ndarray, lo: float, hi: float) -> tuple[float, float]:
    """The shrink of ``[lo, hi]`` minimizing the int8 round-trip squared error."""
    if v.size > 200_000:
        v = np.random.default_rng(0).choice(v, 200_000, replace=False)
    best, best_err = (lo, hi), np.inf
    for frac in np.linspace(0.3, 1.0, 36):
        a, b = lo * frac, hi * frac
        scale = (b - a) / 255.0
        zp = np.round(-128.0 - a / scale)
        q = np.clip(np.round(v / scale) + zp, -128, 127)
        err = float(np.mean(((q - zp) * scale - v) ** 2))
        if err < best_err:
            best, best_err = (a, b), err
    return best


def compile_module(module: ModuleOp, out_dir: Path, name: str, observer: bool = False) -> Path:
    """Lower an ``nn`` module (in place) into a generated folder ``CModel`` can load (one
    array per weight)."""
    from stai.compiler.driver import compile_model, write_generated
    from stai.compiler.options import CompileOptions, MemoryOptions

    options = CompileOptions(name=name, observer=observer, memory=MemoryOptions(split_weights=True))
    write_generated(compile_model(module, options), out_dir)
    return out_dir


def calibrate(
    module: ModuleOp, data: list[np.ndarray], method: str = "minmax", batch: int = 16
) -> None:
    """Write ``nn.range`` on every op of ``module`` with a float result and on ``@main``'s
    arguments, from a run of the float model over ``data`` (see the module docstring)."""
    from stai.runtime.model_runner import Runner
    from stai.transforms.quantize_nn import RANGE_ATTR, range_attr

    if method not in METHODS:
        raise StaiError(f"unknown calibration method '{method}' (use {', '.join(METHODS)})")
    captured: dict[str, list[np.ndarray]] = {}
    # Ops without a name of their own (a Conv1D's inner conv, a conv before an unfused
    # activation, the mul of a folded normalization) get one in the calibration copy, so
    # that each is calibrated on its own values.
    clone = module.clone()
    main_ops = list(_main(module).body.block.ops)
    labels: dict[int, str] = {}
    for k, (op, twin) in enumerate(zip(main_ops, _main(clone).body.block.ops, strict=True)):
        if op.name.startswith("nn.") and "nn.name" not in op.attributes and len(op.results) == 1:
            labels[k] = f"stai_calibration_{k}"
            twin.attributes["nn.name"] = StringAttr(labels[k])
    with tempfile.TemporaryDirectory() as tmp:
        folder = compile_module(clone, Path(tmp) / "calib", "calib", observer=True)
        runner = Runner(folder, "calib")
        n = len(data[0])
        for start in range(0, n, batch):
            result = runner.run([d[start : start + batch] for d in data], per_layer=True)
            for node in result.nodes:
                captured.setdefault(node.name, []).append(node.dequantized())
    main = _main(module)
    ranges: dict[object, tuple[float, float]] = {}
    arg_dicts = []
    for i, arg in enumerate(main.body.block.args):
        ranges[arg] = tensor_range(data[i], method)
        old = main.arg_attrs.data[i].data if main.arg_attrs is not None else {}
        arg_dicts.append(DictionaryAttr({**old, RANGE_ATTR: range_attr(*ranges[arg])}))
    from xdsl.dialects.builtin import ArrayAttr

    main.arg_attrs = ArrayAttr(arg_dicts)
    for k, op in enumerate(main_ops):
        if len(op.results) != 1 or not op.name.startswith("nn.") or op.name == "nn.constant":
            continue
        name = op.attributes.get("nn.name")
        key = name.data if isinstance(name, StringAttr) else labels.get(k)
        if key in captured:
            rng = tensor_range(np.concatenate(captured[key]), method)
        elif op.operands and op.operands[0] in ranges:
            rng = ranges[op.operands[0]]  # no node of its own (a reshape): its input's range
        else:
            continue
        ranges[op.results[0]] = rng
        op.attributes[RANGE_ATTR] = range_attr(*rng)


def prepare(module: ModuleOp) -> None:
    """Run the ``nn``-level clean-ups the quantizer expects (canonicalize, fuse)."""
    from stai.compiler.driver import build_pipeline, make_context

    build_pipeline(("canonicalize-nn", "fuse-activations")).apply(make_context(), module)


def quantize_module(
    module: ModuleOp,
    data: list[np.ndarray],
    method: str = "minmax",
    int8_io: bool = False,
    per_channel_fc: bool = True,
) -> QuantizeReport:
    """Quantize the float ``module`` in place (see the module docstring)."""
    from stai.compiler.driver import make_context
    from stai.transforms.quantize_nn import QuantizeNNPass, float_ops

    prepare(module)
    calibrate(module, data, method)
    QuantizeNNPass(int8_io=int8_io, per_channel_fc=per_channel_fc).apply(make_context(), module)
    module.verify()
    return QuantizeReport(samples=len(data[0]), method=method, float_ops=float_ops(module))


def quantize_hook(
    data: str | None, method: str, int8_io: bool, samples: int = 64, per_channel_fc: bool = True
) -> Callable[[ModuleOp], object] | None:
    """The callable ``driver.generate(quantize=...)`` runs on the imported module, or None
    when ``data`` is None (no quantization)."""
    if data is None:
        return None

    def run(module: ModuleOp) -> None:
        path = None if data == "random" else data
        calibration = load_calibration(path, module, samples=samples)
        report = quantize_module(module, calibration, method, int8_io, per_channel_fc)
        print(
            f"quantized to int8 with {report.samples} calibration samples ({method})",
            file=sys.stderr,
        )
        for op in report.float_ops:
            print(f"  left in float (no int8 kernel): {op}", file=sys.stderr)

    return run
