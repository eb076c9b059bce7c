"""The TFLite writer (``--save-tflite``) on uint8 tensors: ``!nn.q<ui8, ...>`` is written
as TensorType UINT8 (schema code 3), not INT8. Unit checks of the type mapping, then the
TensorFlow-converted model with uint8 input and output (the fixture of ``test_uint8_io``)
imported by stai, canonicalized (as ``stai quantize`` does before writing), written back, and the written model run by TFLite Micro: its input and
output are UINT8 with the original's quantization, and its outputs equal the original's
bit for bit over the whole uint8 input range."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from test_uint8_io import converted  # noqa: F401  (the converter-made models)
from xdsl.dialects.builtin import IntegerType, Signedness, f32, i1, i8, i16, i32, i64

from stai.compiler.driver import build_pipeline, import_model, make_context
from stai.dialects import nn
from stai.errors import StaiError
from stai.frontends.tflite.writer import _TYPE_CODES, _type_name, write_tflite
from stai.tools.reference import run_tflm_many

_UI8 = IntegerType(8, Signedness.UNSIGNED)


def test_type_mapping():
    """Each element type's TFLite name, and each name's code as the schema numbers it."""
    import tflite

    cases = [
        (nn.QuantType(_UI8, [0.5], [128]), "UINT8"),
        (nn.QuantType(i8, [0.5], [-3]), "INT8"),
        (nn.QuantType(i16, [0.5], [0]), "INT16"),
        (nn.QuantType(i32, [0.5], [0]), "INT32"),
        (f32, "FLOAT32"),
        (i1, "BOOL"),
        (i32, "INT32"),
        (i64, "INT64"),
    ]
    for element, name in cases:
        assert _type_name(element, "t") == name, element
    for name, code in _TYPE_CODES.items():
        assert code == getattr(tflite.TensorType, name), name
    assert _TYPE_CODES["UINT8"] == 3 and _TYPE_CODES["INT8"] == 9


def test_other_unsigned_types_refused():
    """Unsigned storage other than uint8 has no TFLite tensor type here: a one-line error."""
    ui16 = nn.QuantType(IntegerType(16, Signedness.UNSIGNED), [0.5], [1000])
    with pytest.raises(StaiError) as info:
        _type_name(ui16, "tensor 'x'")
    message = str(info.value)
    assert message.startswith("tensor 'x': element type") and "cannot be written" in message
    assert "\n" not in message


def _io_types(path: Path) -> list[tuple[int, float, int]]:
    """(TensorType code, scale, zero point) of the model's inputs then outputs."""
    from tflite.Model import Model

    graph = Model.GetRootAs(path.read_bytes(), 0).Subgraphs(0)
    assert graph is not None
    out = []
    inputs = [graph.Inputs(i) for i in range(graph.InputsLength())]
    outputs = [graph.Outputs(i) for i in range(graph.OutputsLength())]
    for index in [*inputs, *outputs]:
        tensor = graph.Tensors(index)
        assert tensor is not None
        q = tensor.Quantization()
        assert q is not None
        out.append((tensor.Type(), float(q.Scale(0)), int(q.ZeroPoint(0))))
    return out


def test_written_uint8_model_runs_as_the_original(converted, tmp_path):  # noqa: F811
    """The written model's uint8 I/O are UINT8 with the original's quantization, and TFLite
    Micro gives the original's outputs on it."""
    original = converted["uint8_in_out"]
    module = import_model(original)
    build_pipeline(("canonicalize-nn",)).apply(make_context(), module)  # as `stai quantize`
    written = write_tflite(module, tmp_path / "written.tflite")
    io = _io_types(written)
    assert [code for code, _, _ in io] == [3, 3]
    assert io == _io_types(original)
    rng = np.random.default_rng(21)
    samples = [
        [rng.integers(0, 255, (1, 12, 12, 3), endpoint=True, dtype=np.uint8)] for _ in range(6)
    ]
    samples[0][0].flat[:2] = (0, 255)
    want = run_tflm_many(original, samples)
    got = run_tflm_many(written, samples)
    for (w,), (g,) in zip(want, got, strict=True):
        assert g.dtype == w.dtype == np.uint8
        np.testing.assert_array_equal(g, w)
    assert len({w[0].tobytes() for w in want}) > 1
