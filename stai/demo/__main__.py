"""``make demo``: the main job, end to end, on a model the project makes itself.

Trains a small CNN on scikit-learn's digits, converts it to an int8 TFLite model, compiles
it with stai, builds the generated C with the host compiler, runs the C model on the
held-out digits, and prints its accuracy beside TFLite Micro's and their agreement.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np


def main() -> int:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    from rich.console import Console
    from rich.table import Table

    from stai.compiler.driver import generate
    from stai.demo.model import build_demo_model
    from stai.runtime.runner import CModel
    from stai.tools.reference import run_tflm_many

    console = Console()
    work = Path(os.environ.get("STAI_DEMO_DIR") or tempfile.mkdtemp(prefix="stai-demo-"))
    console.print(f"[bold]stai demo[/bold]: working in {work}")

    console.print("1/4 training a digits CNN (TensorFlow) and converting it to int8 TFLite ...")
    demo = build_demo_model(work)

    console.print(f"2/4 compiling {demo.path.name} with stai ...")
    start = time.perf_counter()
    result = generate(demo.path, work / "digits_c", name="digits")
    compile_s = time.perf_counter() - start

    console.print("3/4 building the generated C with the host compiler ...")
    c_model = CModel(result.out_dir, "digits")

    console.print(
        f"4/4 running {len(demo.images)} held-out digits through the C model and TFLM ..."
    )
    c_outputs = np.stack([c_model.run([img[np.newaxis]])[0][0] for img in demo.images])
    tflm_outputs = np.stack(
        [out[0][0] for out in run_tflm_many(demo.path, [[img[np.newaxis]] for img in demo.images])]
    )
    c_pred = np.argmax(c_outputs, axis=1)
    tflm_pred = np.argmax(tflm_outputs, axis=1)
    identical = int(np.sum(np.all(c_outputs == tflm_outputs, axis=1)))

    table = Table(title="digits (8x8), held-out set")
    table.add_column("")
    table.add_column("value", justify="right")
    table.add_row("held-out images", str(len(demo.labels)))
    table.add_row("Keras float accuracy", f"{demo.float_accuracy:.2%}")
    table.add_row("TFLM int8 accuracy", f"{np.mean(tflm_pred == demo.labels):.2%}")
    table.add_row("stai C int8 accuracy", f"{np.mean(c_pred == demo.labels):.2%}")
    table.add_row("stai vs TFLM: same class", f"{np.mean(c_pred == tflm_pred):.2%}")
    table.add_row("stai vs TFLM: bit-identical outputs", f"{identical}/{len(demo.images)}")
    table.add_row("activation arena", f"{result.activations_bytes} bytes")
    table.add_row("compile time", f"{compile_s:.2f} s")
    table.add_row("generated folder", str(result.out_dir))
    console.print(table)
    return 0 if identical == len(demo.images) else 1


if __name__ == "__main__":
    sys.exit(main())
