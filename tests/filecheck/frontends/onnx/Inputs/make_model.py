"""Write one of the test ONNX models (tests/onnx_opmodels.py) to a file, optionally its
QDQ int8 version: make_model.py NAME OUT [qdq|qop]."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[4]))

from onnx_opmodels import FLOAT_MODELS, quantized, save  # noqa: E402

name, out = sys.argv[1], Path(sys.argv[2])
if len(sys.argv) > 3:
    float_path = save(FLOAT_MODELS[name](), out.with_suffix(".float.onnx"))
    quantized(float_path, out, sys.argv[3])
else:
    save(FLOAT_MODELS[name](), out)
