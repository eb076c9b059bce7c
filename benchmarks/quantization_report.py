"""Rewrite the figures section of docs/quantization.md: stai's post-training int8
quantization against the TFLite converter's, on the float shared models.

    python benchmarks/quantization_report.py [MODELS_DIR] [--methods minmax,percentile,mse]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from stai.tools.quantize_compare import MODELS, compare, datasets

REPO = Path(__file__).resolve().parent.parent
SAMPLES = {
    "hello_world": (64, 100),
    "ad": (64, 98),
    "ic": (64, 100),
    "vww": (64, 100),
    "kws": (64, 200),
}
"""Calibration and evaluation samples per model (AD: all its even / odd windows)."""

HEADING = "## Figures"


def rows(root: Path, methods: list[str]) -> list[str]:
    """One table row per model, range method and fully-connected weight granularity."""
    out = []
    for key, rel in MODELS.items():
        calib, data = datasets(root, key, *SAMPLES[key])
        for per_channel in (True, False):
            for method in methods if per_channel else methods[:1]:
                start = time.time()
                scores = compare(root / rel, calib, data, method, per_channel)
                ref, st = scores.get("reference"), scores["stai"]
                fc = "channel" if per_channel else "tensor"
                out.append(
                    f"| {key} | {method} | {fc} | {len(calib)} / {len(data)} | "
                    f"{st.agreement:.1f} | {st.rmse:.4g} | "
                    f"{f'{ref.agreement:.1f}' if ref else 'n/a'} | "
                    f"{f'{ref.rmse:.4g}' if ref else 'n/a'} | {time.time() - start:.0f} s |"
                )
                print(out[-1], flush=True)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("models", nargs="?", default=str(REPO.parent / "shared" / "models"))
    parser.add_argument("--methods", default="minmax,percentile,mse")
    parser.add_argument("--out", default=str(REPO / "docs" / "quantization.md"))
    args = parser.parse_args()
    table = rows(Path(args.models), args.methods.split(","))
    doc = Path(args.out)
    text = doc.read_text()
    head = text[: text.index(HEADING)] if HEADING in text else text.rstrip() + "\n\n"
    section = [
        HEADING,
        "",
        "Written by `benchmarks/quantization_report.py`. Each float model is quantized by stai",
        "(range method in the second column; fully-connected weights per output channel or",
        "per tensor in the third) and by the TFLite converter (min/max, the same",
        "granularity) on the same calibration samples; both int8 models run in LiteRT or",
        "stai's C and are scored against the float model (LiteRT) on separate evaluation",
        "samples: top-1 agreement (argmax, %) and output rmse. AD and hello_world are",
        "regressors: their agreement is only an argmax over the outputs; rmse is the figure",
        "that matters. time: both quantizations and runs.",
        "",
        "| model | stai method | fc weights | calib / eval | stai top-1 % | stai rmse | "
        "converter top-1 % | converter rmse | time |",
        "|---|---|---|---|---|---|---|---|---|",
        *table,
        "",
    ]
    doc.write_text(head + "\n".join(section))


if __name__ == "__main__":
    main()
