"""The one exception type that stai's tools report as a one-line error, and the install
advice its messages give when an optional package is missing."""

EXTRAS = {
    "onnx": "the ONNX frontend and its reference runtime (onnx, onnxruntime, onnxoptimizer)",
    "keras": "the Keras frontend and its reference runtime (TensorFlow, h5py)",
    "tflite": "the TFLite references validate compares with (tflite-micro, ai-edge-litert)",
    "serial": "pyserial, for `stai validate --device serial:PORT`",
    "quantize": "the TFLite converter's quantizer that `stai quantize --compare` uses",
    "all": "every frontend and reference runtime",
}
"""The optional-dependency groups of ``pyproject.toml`` that users install, and why."""


class StaiError(Exception):
    """A problem with the user's input (model, options, files): shown as one line, exit 2."""


def install_hint(extra: str) -> str:
    """How to install the extra ``extra`` (a key of ``EXTRAS``), for an installed stai and
    for a checkout."""
    assert extra in EXTRAS, extra
    return f"pip install 'stai[{extra}]' (in a checkout: pip install -e '.[{extra}]')"


def printable_name(text: str, limit: int = 80) -> str:
    """``text`` (a tensor, layer or node name from a model file) made fit for a one-line
    message: characters that are not printable (control characters, line breaks, invisible
    ones) are written as escapes (``\\x1b``, ``\\n``, ``\\u200b``) and a result longer than
    ``limit`` characters is cut, ending with ``...`` and the name's full length."""
    escaped = "".join(
        ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii") for ch in text
    )
    if len(escaped) <= limit:
        return escaped
    tail = f"... ({len(text)} characters)"
    return escaped[: max(limit - len(tail), 1)] + tail
