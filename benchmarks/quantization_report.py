"""Write docs/quantization.md: stai's post-training int8 quantization against the
reference quantizer (ai_edge_quantizer, global min/max) on the float shared models.

    python benchmarks/quantization_report.py [MODELS_DIR] [--calib 64] [--eval 100]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from stai.quantize_compare import MODELS, compare, datasets

REPO = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("models", nargs="?", default=str(REPO.parent / "shared" / "models"))
    parser.add_argument("--calib", type=int, default=64)
    parser.add_argument("--eval", type=int, default=100)
    parser.add_argument("--methods", default="minmax,percentile,mse")
    parser.add_argument("--out", default=str(REPO / "docs" / "quantization.md"))
    args = parser.parse_args()
    root = Path(args.models)
    rows = []
    for key, rel in MODELS.items():
        calib, data = datasets(root, key, args.calib, args.eval)
        for method in args.methods.split(","):
            start = time.time()
            scores = compare(root / rel, calib, data, method)
            ref = scores.get("reference")
            st = scores["stai"]
            rows.append(
                f"| {key} | {method} | {len(calib)} / {len(data)} | {st.agreement:.1f} | "
                f"{st.rmse:.4g} | {f'{ref.agreement:.1f}' if ref else 'n/a'} | "
                f"{f'{ref.rmse:.4g}' if ref else 'n/a'} | {time.time() - start:.0f} s |")
            print(rows[-1], flush=True)
    text = [
        "# Post-training int8 quantization",
        "",
        "`stai quantize -m MODEL -d CALIB.npz [--method minmax|percentile|mse] [--int8-io]",
        "[-o DIR]` (or `stai generate ... -q CALIB`) calibrates the float model on the samples",
        "(a host build of its float C code with the observer captures every tensor,",
        "`stai/quantize.py`), writes each range as `nn.range`, and runs `quantize-nn`",
        "(`transforms/quantize_nn.py`): TFLite quantization spec, weights symmetric",
        "per-channel for conv/depthwise and per-tensor for fully connected, activations",
        "asymmetric int8, int32 bias, fixed softmax/logistic/tanh outputs, float I/O with",
        "quantize/dequantize (int8 with `--int8-io`); ops without an int8 kernel stay float",
        "between dequantize/quantize and are listed on stderr. `--save-tflite` is not",
        "implemented yet.",
        "",
        "## Figures",
        "",
        "Written by `benchmarks/quantization_report.py`. Each float model is quantized by stai",
        "(`stai quantize`, range method in the second column) and by the reference quantizer",
        "(`ai_edge_quantizer`, recipe static_wi8_ai8, global min/max calibration) on the same",
        "calibration samples; both are scored against the float model (LiteRT) on separate",
        "evaluation samples: top-1 agreement (argmax, %) and output rmse. The reference",
        "always uses min/max. AD and hello_world are regressors: their agreement is only an",
        "argmax over the outputs; rmse is the figure that matters. n/a: the reference",
        "quantizer's model does not load in LiteRT.",
        "",
        "| model | stai method | calib / eval | stai top-1 % | stai rmse | ref top-1 % | ref rmse | time |",
        "|---|---|---|---|---|---|---|---|",
        *rows,
        "",
    ]
    Path(args.out).write_text("\n".join(text))


if __name__ == "__main__":
    main()
