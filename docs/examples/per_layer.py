"""Per-layer capture and host timing of a generated model with the Python runner.

    stai generate -m kws_ref_model_int8.tflite -o out/kws -n kws --observer
    python docs/examples/per_layer.py out/kws input.npy

Prints, for every generated node, its type, output shape, host time and value range, then
the model's output.
"""

from __future__ import annotations

import sys

import numpy as np

from stai.runtime.model_runner import Runner


def main(folder: str, input_file: str | None = None) -> None:
    runner = Runner(folder)  # builds the folder (with -DSTAI_OBSERVER when it has the hooks)
    info = runner.inputs[0]
    if input_file:
        x = np.load(input_file)
    else:  # one random sample in the input's type
        x = np.random.default_rng(0).integers(-128, 128, info["shape"]).astype(info["dtype"])
    result = runner.run([x], per_layer=True)
    for node in result.nodes:
        real = node.dequantized()
        print(
            f"{node.c_id:3d} m_id {node.m_id:3d} {node.type_name:18s} "
            f"{'x'.join(map(str, node.shape)):12s} {node.time_ns.mean() / 1e3:9.1f} us  "
            f"[{real.min():.4g}, {real.max():.4g}]"
        )
    print("output:", result.outputs[0].reshape(-1))


if __name__ == "__main__":
    main(*sys.argv[1:3])
