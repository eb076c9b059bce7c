"""A seeded fuzz campaign over real models: corrupted TFLite flatbuffers and ONNX graphs
either compile to C that builds, or end with one ``stai: error:`` line and exit 2; never
a traceback, an internal error, a crash or a half-written folder.

``STAI_FUZZ_CASES`` cases per model (default 10, what ``make test`` runs; ``make test-all``
runs 200). Each case is seeded by its number, so a failure names the case that reproduces it.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from cli_run import generate

CASES = int(os.environ.get("STAI_FUZZ_CASES", "10"))
SPECIAL = [0, 1, 0xFF, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, 0x40000000, 3, 0x10000]


def _check(model: Path, out: Path, case: str) -> str:
    """Compile ``model``: exit 2 with one clean line, or a folder whose C builds."""
    code, stderr = generate(model, out)
    lines = stderr.strip().splitlines()
    if code == 2:
        assert len(lines) == 1 and lines[0].startswith("stai: error: "), f"{case}: {stderr}"
        assert "internal error" not in stderr and "Traceback" not in stderr, f"{case}: {stderr}"
        assert not out.exists(), f"{case}: refused but wrote {out}"
        return "refused"
    assert code == 0, f"{case}: exit {code}: {stderr}"
    build = subprocess.run(["make", "-s", "-C", str(out)], capture_output=True, text=True)
    assert build.returncode == 0, f"{case}: generated C does not build:\n{build.stderr[-2000:]}"
    return "compiled"


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def _mutate_bytes(data: bytes, rng: np.random.Generator) -> bytes:
    buf = bytearray(data)
    kind = rng.integers(3)
    if kind == 0:  # a few random bytes
        for _ in range(int(rng.integers(1, 9))):
            buf[int(rng.integers(len(buf)))] = int(rng.integers(256))
    elif kind == 1:  # cut short
        del buf[int(rng.integers(8, len(buf))) :]
    else:  # a 32-bit field set to a value that offsets and sizes trip over
        at = int(rng.integers(0, len(buf) - 4)) & ~3
        value = SPECIAL[int(rng.integers(len(SPECIAL)))]
        buf[at : at + 4] = value.to_bytes(4, "little")
    return bytes(buf)


@pytest.mark.parametrize("key", ["hello_world_int8", "kws_int8"])
def test_corrupted_tflite_models(
    key: str, shared_model_path: Callable[[str], Path], tmp_path: Path
) -> None:
    data = shared_model_path(key).read_bytes()
    outcomes = []
    for case in range(CASES):
        rng = np.random.default_rng(case)
        path = tmp_path / f"case{case}.tflite"
        path.write_bytes(_mutate_bytes(data, rng))
        outcomes.append(_check(path, tmp_path / f"out{case}", f"{key} case {case}"))
    assert _leftovers(tmp_path) == []
    assert "refused" in outcomes


def _mutate_onnx(model: Any, rng: np.random.Generator) -> str:
    """One structural change to an ONNX model (in place); its description."""
    from onnx import TensorProto, numpy_helper

    graph = model.graph
    kind = int(rng.integers(7))
    node = graph.node[int(rng.integers(len(graph.node)))]
    init = graph.initializer[int(rng.integers(len(graph.initializer)))]
    if kind == 0 and node.attribute:
        name = node.attribute[int(rng.integers(len(node.attribute)))].name
        kept = [a for a in node.attribute if a.name != name]
        del node.attribute[:]
        node.attribute.extend(kept)
        return f"dropped attribute {name} of {node.op_type}"
    if kind == 1:
        dims = graph.input[0].type.tensor_type.shape.dim
        dim = dims[int(rng.integers(len(dims)))]
        dim.dim_value = int([0, 2**31, 7][int(rng.integers(3))])
        return f"input dim set to {dim.dim_value}"
    if kind == 2:
        init.data_type = int([TensorProto.INT64, TensorProto.STRING, 99][int(rng.integers(3))])
        return f"initializer {init.name} type {init.data_type}"
    if kind == 3:
        if init.raw_data:
            init.raw_data = init.raw_data[: len(init.raw_data) // 2]
        else:
            for field in (init.float_data, init.int64_data):
                del field[len(field) // 2 :]
        return f"initializer {init.name} cut short"
    if kind == 4:
        node.input[0] = "nowhere"
        return f"{node.op_type} reads a missing tensor"
    if kind == 5:
        node.op_type = ["Conv", "Gemm", "Erf", "Reshape", "MaxPool"][int(rng.integers(5))]
        return f"node became {node.op_type}"
    if init.data_type == TensorProto.FLOAT:
        values = numpy_helper.to_array(init).copy()
        values.flat[int(rng.integers(values.size))] = [np.nan, np.inf, 1e38][int(rng.integers(3))]
        init.CopyFrom(numpy_helper.from_array(values, init.name))
        return f"non-finite or huge value in {init.name}"
    graph.output[0].name = "no_such_tensor"
    return "output names no tensor"


def test_corrupted_onnx_models(models_dir: Path, tmp_path: Path) -> None:
    import onnx

    source = models_dir / "onnx" / "mnist" / "mnist.onnx"
    assert source.is_file(), f"missing shared model {source}"
    outcomes = []
    for case in range(CASES):
        rng = np.random.default_rng(1000 + case)
        model = onnx.load(str(source))
        what = _mutate_onnx(model, rng)
        path = tmp_path / f"case{case}.onnx"
        if case % 4 == 3:  # and raw bytes
            path.write_bytes(_mutate_bytes(model.SerializeToString(), rng))
            what += ", then bytes"
        else:
            onnx.save(model, str(path))
        outcomes.append(_check(path, tmp_path / f"out{case}", f"mnist case {case} ({what})"))
    assert _leftovers(tmp_path) == []
    assert "refused" in outcomes
