"""TFLite's custom operator ``TFLite_Detection_PostProcess`` (SSD box decoding and
non-maximum suppression), in single-operator models written with the TFLite flatbuffer
schema and its options with ``flatbuffers.flexbuffers``, compiled by stai and compared with
TFLite Micro bit for bit, in both suppression modes.

TensorFlow Lite Micro's fast suppression writes only the detections it finds and leaves the
other slots as its arena held them (earlier samples' values, other buffers' bytes): those
slots are compared where TFLite Micro writes them, and are 0 in stai's outputs. Regular
suppression writes every one of the first ``max_detections`` slots (0 past the detections),
so its outputs are compared whole."""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import flatbuffers
import numpy as np
import pytest
import tflite
from flatbuffers import flexbuffers

from stai.compiler.driver import generate
from stai.errors import StaiError
from stai.tools.reference import run_tflm_many

CUSTOM_CODE = "TFLite_Detection_PostProcess"


def _schema(name: str) -> Any:
    return importlib.import_module(f"tflite.{name}")


def _vector(b: flatbuffers.Builder, items: list[int]) -> int:
    b.StartVector(4, len(items), 4)
    for item in reversed(items):
        b.PrependUOffsetTRelative(item)
    return b.EndVector()


@dataclass
class Detector:
    """A model of one ``TFLite_Detection_PostProcess``: N boxes of ``stride`` values,
    ``scores_per_box`` scores each, ``slots`` detection slots in the outputs."""

    boxes: int
    scores_per_box: int
    slots: int
    options: dict[str, Any]
    stride: int = 4
    anchors: np.ndarray | None = None
    types: tuple[str, str] = ("FLOAT32", "FLOAT32")
    extra: dict[str, Any] = field(default_factory=dict)

    def anchor_values(self) -> np.ndarray:
        if self.anchors is not None:
            return self.anchors.astype(np.float32)
        rng = np.random.default_rng(self.boxes)
        centres = rng.uniform(0.1, 0.9, (self.boxes, 2))
        sizes = rng.uniform(0.1, 0.4, (self.boxes, 2))
        return np.concatenate([centres, sizes], axis=1).astype(np.float32)

    def write(self, path: Path) -> Path:
        b = flatbuffers.Builder(1024)
        anchors = self.anchor_values().tobytes()
        buffers = []
        for data in (b"", anchors):
            vec = b.CreateNumpyVector(np.frombuffer(data, np.uint8)) if data else None
            _schema("Buffer").BufferStart(b)
            if vec is not None:
                _schema("Buffer").BufferAddData(b, vec)
            buffers.append(_schema("Buffer").BufferEnd(b))
        n, d = self.boxes, self.slots
        box_type, score_type = (getattr(tflite.TensorType, t) for t in self.types)
        specs = [
            ("box_encodings", (1, n, self.stride), box_type, 0),
            ("class_predictions", (1, n, self.scores_per_box), score_type, 0),
            ("anchors", (n, 4), tflite.TensorType.FLOAT32, 1),
            ("detection_boxes", (1, d, 4), tflite.TensorType.FLOAT32, 0),
            ("detection_classes", (1, d), tflite.TensorType.FLOAT32, 0),
            ("detection_scores", (1, d), tflite.TensorType.FLOAT32, 0),
            ("num_detections", (1,), tflite.TensorType.FLOAT32, 0),
        ]
        tensors = []
        for name, shape, kind, buffer in specs:
            name_off = b.CreateString(name)
            shape_off = b.CreateNumpyVector(np.array(shape, np.int32))
            quant = None
            if kind in (tflite.TensorType.UINT8, tflite.TensorType.INT8):
                scale = b.CreateNumpyVector(np.array([0.05], np.float32))
                zero = b.CreateNumpyVector(np.array([3], np.int64))
                q = _schema("QuantizationParameters")
                q.QuantizationParametersStart(b)
                q.QuantizationParametersAddScale(b, scale)
                q.QuantizationParametersAddZeroPoint(b, zero)
                quant = q.QuantizationParametersEnd(b)
            t = _schema("Tensor")
            t.TensorStart(b)
            t.TensorAddShape(b, shape_off)
            t.TensorAddType(b, kind)
            t.TensorAddBuffer(b, buffer)
            t.TensorAddName(b, name_off)
            if quant is not None:
                t.TensorAddQuantization(b, quant)
            tensors.append(t.TensorEnd(b))
        custom = bytes(flexbuffers.Dumps(self.options)) if self.options else b""
        custom_off = b.CreateNumpyVector(np.frombuffer(custom, np.uint8)) if custom else None
        ins = b.CreateNumpyVector(np.array([0, 1, 2], np.int32))
        outs = b.CreateNumpyVector(np.array([3, 4, 5, 6], np.int32))
        o = _schema("Operator")
        o.OperatorStart(b)
        o.OperatorAddOpcodeIndex(b, 0)
        o.OperatorAddInputs(b, ins)
        o.OperatorAddOutputs(b, outs)
        if custom_off is not None:
            o.OperatorAddCustomOptions(b, custom_off)
        operator = o.OperatorEnd(b)
        tensors_vec, ops_vec = _vector(b, tensors), _vector(b, [operator])
        graph_ins = b.CreateNumpyVector(np.array([0, 1], np.int32))
        graph_outs = b.CreateNumpyVector(np.array([3, 4, 5, 6], np.int32))
        s = _schema("SubGraph")
        s.SubGraphStart(b)
        s.SubGraphAddTensors(b, tensors_vec)
        s.SubGraphAddInputs(b, graph_ins)
        s.SubGraphAddOutputs(b, graph_outs)
        s.SubGraphAddOperators(b, ops_vec)
        graph = s.SubGraphEnd(b)
        code_name = b.CreateString(CUSTOM_CODE)
        c = _schema("OperatorCode")
        c.OperatorCodeStart(b)
        c.OperatorCodeAddDeprecatedBuiltinCode(b, tflite.BuiltinOperator.CUSTOM)
        c.OperatorCodeAddBuiltinCode(b, tflite.BuiltinOperator.CUSTOM)
        c.OperatorCodeAddCustomCode(b, code_name)
        c.OperatorCodeAddVersion(b, 1)
        code = c.OperatorCodeEnd(b)
        codes_vec, graphs_vec = _vector(b, [code]), _vector(b, [graph])
        buffers_vec = _vector(b, buffers)
        m = _schema("Model")
        m.ModelStart(b)
        m.ModelAddVersion(b, 3)
        m.ModelAddOperatorCodes(b, codes_vec)
        m.ModelAddSubgraphs(b, graphs_vec)
        m.ModelAddBuffers(b, buffers_vec)
        b.Finish(m.ModelEnd(b), file_identifier=b"TFL3")
        path.write_bytes(bytes(b.Output()))
        return path


def _options(**changes: Any) -> dict[str, Any]:
    options: dict[str, Any] = {
        "max_detections": 5,
        "max_classes_per_detection": 1,
        "detections_per_class": 100,
        "use_regular_nms": False,
        "nms_score_threshold": 0.3,
        "nms_iou_threshold": 0.5,
        "num_classes": 3,
        "y_scale": 10.0,
        "x_scale": 10.0,
        "h_scale": 5.0,
        "w_scale": 5.0,
    }
    options.update(changes)
    return {k: v for k, v in options.items() if v is not None}


def _inputs(det: Detector, seed: int, levels: int = 0) -> list[np.ndarray]:
    """Box encodings near the anchors and scores in [0, 1) (rounded to ``levels`` values
    when given, for ties)."""
    rng = np.random.default_rng(seed)
    boxes = rng.normal(0.0, 2.0, (1, det.boxes, det.stride)).astype(np.float32)
    scores = rng.uniform(0.0, 1.0, (1, det.boxes, det.scores_per_box))
    if levels:
        scores = np.floor(scores * levels) / levels
    return [boxes, scores.astype(np.float32)]


def _written_slots(det: Detector, count: int) -> list[int]:
    """The slots TensorFlow Lite Micro writes for ``count`` detections."""
    opts = det.options
    if opts.get("use_regular_nms", False):
        return list(range(int(opts["max_detections"])))
    k = min(int(opts["max_classes_per_detection"]), int(opts["num_classes"]))
    return [k * n + n % k for n in range(count)]


def _compare(det: Detector, got: list[np.ndarray], want: list[np.ndarray]) -> int:
    """Assert stai's outputs equal TFLite Micro's where it writes them (0 elsewhere);
    return the number of detections."""
    np.testing.assert_array_equal(got[3], want[3])
    count = int(want[3][0])
    slots = _written_slots(det, count)
    mask = np.zeros(det.slots, bool)
    mask[slots] = True
    for g, w in zip(got[:3], want[:3]):
        g, w = g.reshape(det.slots, -1), w.reshape(det.slots, -1)
        np.testing.assert_array_equal(g[mask], w[mask])
        assert not np.any(g[~mask])
    return count


CASES: dict[str, tuple[Detector, int]] = {
    # name: the model, score levels (0: continuous)
    "fast_many_anchors": (Detector(40, 4, 5, _options()), 0),
    "fast_few_survivors": (Detector(30, 4, 8, _options(nms_score_threshold=0.97)), 0),
    "fast_ties": (Detector(24, 4, 6, _options(nms_score_threshold=0.25)), 4),
    "fast_two_classes_per_box": (
        Detector(20, 4, 24, _options(max_detections=6, max_classes_per_detection=2)),
        4,
    ),
    "fast_no_background_stride_6": (
        Detector(16, 3, 4, _options(max_detections=4, nms_iou_threshold=0.3), stride=6),
        0,
    ),
    "regular_many_anchors": (
        Detector(40, 4, 6, _options(use_regular_nms=True, max_detections=6)),
        0,
    ),
    "regular_few_per_class": (
        Detector(
            30, 4, 10, _options(use_regular_nms=True, max_detections=8, detections_per_class=2)
        ),
        0,
    ),
    "regular_ties_default_per_class": (
        Detector(
            24,
            4,
            7,
            _options(use_regular_nms=True, max_detections=7, detections_per_class=None),
        ),
        3,
    ),
    "regular_few_survivors": (
        Detector(20, 3, 6, _options(use_regular_nms=True, nms_score_threshold=0.95)),
        0,
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_matches_tflite_micro(name, tmp_path, compiled):
    det, levels = CASES[name]
    path = det.write(tmp_path / f"{name}.tflite")
    samples = [_inputs(det, seed, levels) for seed in range(4)]
    model = compiled(path)
    counts = []
    for inputs, want in zip(samples, run_tflm_many(path, samples)):
        counts.append(_compare(det, model.run(inputs), want))
    assert max(counts) > 0
    if "few_survivors" in name:
        assert min(counts) < det.options["max_detections"]


def test_tflite_micro_unit_case(tmp_path, compiled):
    """TFLite Micro's own test data (six boxes, two classes and a background): both modes
    find its golden detections."""
    boxes = np.array(
        [[0, 0, 0, 0], [0, 1, 0, 0], [0, -1, 0, 0], [0, 0, 0, 0], [0, 1, 0, 0], [0, 0, 0, 0]],
        np.float32,
    ).reshape(1, 6, 4)
    scores = np.array(
        [[0, 0.9, 0.8], [0, 0.75, 0.72], [0, 0.6, 0.5], [0, 0.93, 0.95], [0, 0.5, 0.4]]
        + [[0, 0.3, 0.2]],
        np.float32,
    ).reshape(1, 6, 3)
    anchors = np.array(
        [[0.5, 0.5, 1, 1]] * 3 + [[0.5, 10.5, 1, 1]] * 2 + [[0.5, 100.5, 1, 1]], np.float32
    )
    for regular in (False, True):
        opts = _options(max_detections=3, nms_score_threshold=0.0, num_classes=2)
        opts["use_regular_nms"] = regular
        det = Detector(6, 3, 3, opts, anchors=anchors)
        path = det.write(tmp_path / f"unit_{regular}.tflite")
        got = compiled(path).run([boxes, scores])
        (want,) = run_tflm_many(path, [[boxes, scores]])
        _compare(det, got, want)
        expected_boxes = [[0, 10, 1, 11], [0, 0, 1, 1], [0, 100, 1, 101]]
        if regular:
            expected_boxes = [[0, 10, 1, 11], [0, 10, 1, 11], [0, 0, 1, 1]]
        np.testing.assert_allclose(got[0][0], expected_boxes, atol=1e-6)
        assert got[3][0] == 3


def _refused(tmp_path: Path, det: Detector, pattern: str) -> None:
    path = det.write(tmp_path / "refused.tflite")
    with pytest.raises(StaiError, match=pattern):
        generate(path, tmp_path / "out")
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("det", "pattern"),
    [
        (Detector(6, 4, 5, _options(num_classes=None)), "the option 'num_classes' is missing"),
        (Detector(6, 4, 5, {}), r"custom options \(a flexbuffer map\) are missing"),
        (Detector(6, 4, 5, _options(nms_iou_threshold=0.0)), r"is not in \(0, 1\]"),
        (
            Detector(6, 4, 5, _options(use_regular_nms=True, detections_per_class=0)),
            "detections_per_class 0 is not positive",
        ),
        (
            Detector(6, 4, 5, _options(max_classes_per_detection=0)),
            "max_classes_per_detection is not positive",
        ),
        (
            Detector(6, 4, 5, _options(), types=("INT8", "INT8")),
            "is INT8: TFLite Micro runs this operator in float32 only",
        ),
        (
            Detector(6, 4, 4, _options(use_regular_nms=True)),
            "TFLite Micro writes up to 5 detection slots, the outputs hold 4",
        ),
        (
            Detector(6, 4, 10, _options(max_classes_per_detection=2)),
            "TFLite Micro writes up to 20 detection slots, the outputs hold 10",
        ),
        (Detector(6, 6, 5, _options()), r"6 scores per box for num_classes 3"),
    ],
)
def test_refusals(det, pattern, tmp_path):
    _refused(tmp_path, det, pattern)


def test_refused_on_the_command_line(tmp_path):
    """The command line's one-line error, exit status 2."""
    from test_cli import assert_one_line_error, run_stai

    path = Detector(6, 4, 5, _options(h_scale=None)).write(tmp_path / "no_scale.tflite")
    proc = run_stai("generate", "-m", str(path), "-o", str(tmp_path / "o"))
    assert_one_line_error(proc, "the option 'h_scale' is missing")


def test_degenerate_box_fails_at_run_time(tmp_path, compiled):
    """A box decoded with no height (h = -inf: exp gives 0) fails the run, as TFLite
    Micro's invoke fails."""
    det = Detector(6, 4, 5, _options())
    path = det.write(tmp_path / "degenerate.tflite")
    boxes, scores = _inputs(det, 0)
    boxes[0, 2, 2] = -np.inf
    with pytest.raises(StaiError, match="TFLite Micro failed"):
        run_tflm_many(path, [[boxes, scores]])
    with pytest.raises(Exception, match="(?i)status|error|fail"):
        compiled(path).run([boxes, scores])


# ------------------------------------------------------------------- an SSD-like network

SSD_CLASSES = 4
"""Classes of the SSD-like network (its class head adds a background score first)."""
SSD_ANCHORS_PER_CELL = 2


def _ssd_heads(kind: str, path: Path) -> Path:
    """A small SSD-like network made by TensorFlow's converter (float, or int8 with float
    inputs and outputs): two strided convolutions, then a box head ([1, 32, 4]) and a class
    head with a sigmoid ([1, 32, 5]) on the 4x4 feature map, random seeded weights."""
    from opmodels import FLOAT, OpSpec, convert

    cells = 4 * 4 * SSD_ANCHORS_PER_CELL
    scores_per_box = SSD_CLASSES + 1

    def body(rng: np.random.Generator):
        import tensorflow as tf

        def weights(*shape: int) -> Any:
            scale = 1.0 / np.sqrt(np.prod(shape[:-1]))
            return tf.constant(rng.normal(0.0, scale, shape).astype(np.float32))

        w1, w2 = weights(3, 3, 3, 8), weights(3, 3, 8, 16)
        wb = weights(1, 1, 16, SSD_ANCHORS_PER_CELL * 4)
        wc = weights(1, 1, 16, SSD_ANCHORS_PER_CELL * scores_per_box)
        b1 = tf.constant(rng.normal(0.0, 0.1, 8).astype(np.float32))

        def fn(image):
            x = tf.nn.relu(tf.nn.conv2d(image, w1, 2, "SAME") + b1)
            x = tf.nn.relu(tf.nn.conv2d(x, w2, 2, "SAME"))
            boxes = tf.reshape(tf.nn.conv2d(x, wb, 1, "SAME"), (1, cells, 4))
            logits = tf.reshape(tf.nn.conv2d(x, wc, 1, "SAME"), (1, cells, scores_per_box))
            return boxes, tf.sigmoid(logits)

        return fn

    spec = OpSpec(
        f"ssd_heads_{kind}", ((1, 16, 16, 3),), body, (), "CONV_2D", float_io=kind != FLOAT
    )
    return convert(spec, kind, path)


def _ssd_anchors() -> np.ndarray:
    """Two anchors per cell of the 4x4 map: its centre, sizes 0.2 and 0.35."""
    rows = []
    for i in range(4):
        for j in range(4):
            for size in (0.2, 0.35):
                rows.append([(i + 0.5) / 4, (j + 0.5) / 4, size, size])
    return np.array(rows, np.float32)


def _append_detection(heads: Path, path: Path, options: dict[str, Any], slots: int) -> Path:
    """The converter's model with ``TFLite_Detection_PostProcess`` appended (the schema's
    object API): its box and class outputs feed the operator, whose four outputs become the
    model's."""
    schema: Any = importlib.import_module("tensorflow.lite.python.schema_py_generated")
    model = schema.ModelT.InitFromPackedBuf(heads.read_bytes(), 0)
    graph = model.subgraphs[0]
    outputs = list(graph.outputs)
    by_depth = {int(graph.tensors[t].shape[-1]): t for t in outputs}
    boxes, scores = by_depth[4], by_depth[SSD_CLASSES + 1]
    anchors_buffer = schema.BufferT()
    anchors_buffer.data = np.frombuffer(_ssd_anchors().tobytes(), np.uint8)
    model.buffers.append(anchors_buffer)

    def tensor(name: str, shape: tuple[int, ...], buffer: int = 0) -> int:
        t = schema.TensorT()
        t.name, t.shape = name.encode(), np.array(shape, np.int32)
        t.type, t.buffer = schema.TensorType.FLOAT32, buffer
        graph.tensors.append(t)
        return len(graph.tensors) - 1

    anchors = tensor("anchors", (len(_ssd_anchors()), 4), len(model.buffers) - 1)
    results = [
        tensor("detection_boxes", (1, slots, 4)),
        tensor("detection_classes", (1, slots)),
        tensor("detection_scores", (1, slots)),
        tensor("num_detections", (1,)),
    ]
    code = schema.OperatorCodeT()
    code.builtinCode = code.deprecatedBuiltinCode = schema.BuiltinOperator.CUSTOM
    code.customCode, code.version = CUSTOM_CODE.encode(), 1
    model.operatorCodes.append(code)
    op = schema.OperatorT()
    op.opcodeIndex = len(model.operatorCodes) - 1
    op.inputs, op.outputs = [boxes, scores, anchors], results
    op.customOptions = list(bytes(flexbuffers.Dumps(options)))
    graph.operators.append(op)
    graph.outputs = results
    b = flatbuffers.Builder(0)
    b.Finish(model.Pack(b), file_identifier=b"TFL3")
    path.write_bytes(bytes(b.Output()))
    return path


@pytest.mark.parametrize("regular", [False, True], ids=["fast", "regular"])
@pytest.mark.parametrize("kind", ["int8", "float"])
def test_ssd_like_network(kind, regular, tmp_path, compiled):
    """An SSD-like network (float, or int8 whose heads the converter dequantizes) with the
    operator appended: bit-exact with TFLite Micro."""
    from opmodels import model_ops

    heads = _ssd_heads(kind, tmp_path / f"heads_{kind}.tflite")
    options = _options(
        max_detections=6, num_classes=SSD_CLASSES, nms_score_threshold=0.4, use_regular_nms=regular
    )
    det = Detector(len(_ssd_anchors()), SSD_CLASSES + 1, 6, options)
    path = _append_detection(heads, tmp_path / f"ssd_{kind}_{regular}.tflite", options, 6)
    ops = model_ops(path)
    assert ops[-1] == "CUSTOM" and ops.count("CONV_2D") == 4 and "LOGISTIC" in ops
    assert ("DEQUANTIZE" in ops) == (kind == "int8")
    rng = np.random.default_rng(5)
    samples = [[rng.uniform(-1.0, 1.0, (1, 16, 16, 3)).astype(np.float32)] for _ in range(4)]
    model = compiled(path)
    counts = [
        _compare(det, model.run(inputs), want)
        for inputs, want in zip(samples, run_tflm_many(path, samples))
    ]
    assert max(counts) > 0
