"""The observer's element type of uint8 nodes: ``STAI_TYPE_UINT8`` (5) in
``stai_observer.h``, the generated row tables (``observer_hooks.TYPE_CODES``), the host and
target runners and the board protocol all agree. A TensorFlow-converted model with uint8
input and output (the fixture of ``test_uint8_io``) run with the observer names its last
node (int8 -> uint8 requantization) uint8 to the C callback, and ``stai validate
--per-layer`` reports that node as uint8 and bit-exact with TFLite Micro, on the host and
on an emulated Cortex-M4."""

from __future__ import annotations

import ctypes
import re
import shutil
from pathlib import Path

import numpy as np
import pytest
from test_uint8_io import converted  # noqa: F401  (the converter-made models)

from stai.boards import runner as target_runner
from stai.boards.validation_glue import TYPE_CODES as PROTOCOL_CODES
from stai.compiler.driver import generate
from stai.lowering.observer_hooks import TYPE_CODES
from stai.runtime import model_runner
from stai.tools import validate_board
from stai.tools.validate import ValidateOptions, validate
from stai.tools.validate_report import ValidationReport

_HEADER = Path(model_runner.__file__).parent / "include" / "stai_observer.h"
_KIND_DTYPE = {"s8": "int8", "s16": "int16", "s32": "int32", "f32": "float32", "u8": "uint8"}
_KIND_ENUM = {
    "s8": "STAI_TYPE_INT8",
    "s16": "STAI_TYPE_INT16",
    "s32": "STAI_TYPE_INT32",
    "f32": "STAI_TYPE_FLOAT32",
    "u8": "STAI_TYPE_UINT8",
}
_QEMU_TOOLS = ("arm-none-eabi-gcc", "qemu-system-arm")


def _header_enum() -> dict[str, int]:
    """The ``stai_tensor_type`` constants as the C header defines them."""
    text = _HEADER.read_text()
    body = text[text.index("typedef enum", text.index("stai_observer_event")) :]
    body = body[: body.index("} stai_tensor_type;")]
    return {name: int(value) for name, value in re.findall(r"(STAI_TYPE_\w+)\s*=\s*(\d+)", body)}


def test_type_codes_agree_everywhere():
    """Each element kind's code is the header's constant, and every reader (host runner,
    QEMU capture, board protocol) takes that code as the kind's numpy dtype."""
    enum = _header_enum()
    assert set(TYPE_CODES) == set(_KIND_ENUM)
    for kind, code in TYPE_CODES.items():
        dtype = np.dtype(_KIND_DTYPE[kind])
        assert enum[_KIND_ENUM[kind]] == code, kind
        assert model_runner._DTYPES[code] == dtype, kind
        assert target_runner._DTYPES[code] == dtype, kind
        assert validate_board._NODE_DTYPES[code] == dtype, kind
        assert PROTOCOL_CODES[dtype.name] == code, kind
    assert enum["STAI_TYPE_UINT8"] == 5
    assert len(set(enum.values())) == len(enum) and 0 not in enum.values()


def _observed_types(folder: Path, sample: np.ndarray) -> dict[int, tuple[str, int, float, int]]:
    """(type name, ``stai_tensor_type``, scale, zero point) of each node as the C observer
    hands it to a callback, by ``c_id``."""
    runner = model_runner.Runner(folder)
    assert runner.has_observer
    seen: dict[int, tuple[str, int, float, int]] = {}

    def callback(_user, event, node_ptr):
        node = node_ptr.contents
        if event == model_runner.AFTER:
            seen[node.c_id] = (
                (node.type_name or b"").decode(),
                int(node.type),
                float(node.scale),
                int(node.zero_point),
            )

    fn = runner.model.lib[f"{runner.model.stem}_set_observer"]
    fn.argtypes, fn.restype = [model_runner.OBSERVER_FN, ctypes.c_void_p], ctypes.c_int
    c_callback = model_runner.OBSERVER_FN(callback)
    assert fn(c_callback, None) == 0
    try:
        runner.model.run([sample])
    finally:
        fn(model_runner.OBSERVER_FN(), None)
    return seen


def test_observer_names_uint8_nodes(converted, tmp_path):  # noqa: F811
    """The callback sees the int8 -> uint8 requantization as ``STAI_TYPE_UINT8`` with the
    output's quantization, the uint8 -> int8 one as ``STAI_TYPE_INT8``, and no node of an
    unknown type."""
    out = tmp_path / "c"
    compiled = generate(converted["uint8_in_out"], out, observer=True)
    (output,) = compiled.outputs
    sample = np.random.default_rng(3).integers(0, 255, (1, 12, 12, 3), endpoint=True)
    seen = _observed_types(out, sample.astype(np.uint8))
    nodes = [seen[c_id] for c_id in sorted(seen)]
    assert nodes[0][:2] == ("requantize", 1)
    last_name, last_code, last_scale, last_zp = nodes[-1]
    assert (last_name, last_code) == ("requantize", 5)
    assert last_scale == pytest.approx(output.scale, rel=1e-6)
    assert last_zp == output.zero_point
    assert all(code in TYPE_CODES.values() for _, code, _, _ in nodes), nodes
    assert [code for _, code, _, _ in nodes].count(5) == 1


def _check_uint8_layers(report: ValidationReport, samples: int) -> None:
    """Per-layer rows: the first requantization int8, the last uint8, both compared with
    TFLite Micro's tensor and bit-exact, as every other layer."""
    (row,) = report.rows
    assert row.metrics.samples == samples and row.metrics.bit_exact == samples
    requantize = [layer for layer in report.layers if layer.type == "requantize"]
    assert [layer.dtype for layer in requantize] == ["int8", "uint8"]
    assert report.layers[-1] is requantize[-1]
    for layer in report.layers:
        assert layer.metrics is not None, layer.name
        assert layer.metrics.bit_exact == samples, layer.name
    assert report.check_passed and report.first_divergence is None


def test_validate_per_layer_uint8_host(converted, tmp_path):  # noqa: F811
    """``stai validate --per-layer`` on the host: the uint8 node reported as uint8."""
    options = ValidateOptions(
        model=converted["uint8_in_out"],
        batch_size=8,
        seed=11,
        per_layer=True,
        out_dir=tmp_path,
        check=True,
        progress=False,
    )
    _check_uint8_layers(validate(options), 8)


def test_validate_per_layer_uint8_cortex_m4(converted, tmp_path):  # noqa: F811
    """``stai validate --mode target --target cortex-m4 --per-layer`` (QEMU): the node
    captured on the board reported as uint8, bit-exact."""
    missing = [t for t in _QEMU_TOOLS if shutil.which(t) is None]
    assert not missing, f"missing tools {missing}"
    options = ValidateOptions(
        model=converted["uint8_in_out"],
        batch_size=3,
        seed=11,
        per_layer=True,
        out_dir=tmp_path,
        check=True,
        progress=False,
        mode="target",
        target="cortex-m4",
    )
    _check_uint8_layers(validate(options), 3)
