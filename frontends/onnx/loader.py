"""Reading an ONNX model and preparing it for import.

``load_model`` parses the file; ``prepare`` checks the opset, gives a symbolic batch
dimension the size 1 (any other dynamic dimension is an error), folds batch
normalizations into the convolutions before them, optionally runs the ONNX optimizer
(``onnxoptimizer``) and infers the shapes of every tensor.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from stai.errors import StaiError

MIN_OPSET = 7
"""The oldest default-domain opset the frontend reads."""

OPTIMIZER_PASSES = (
    "eliminate_identity",
    "eliminate_nop_dropout",
    "eliminate_nop_transpose",
    "eliminate_nop_pad",
    "eliminate_nop_flatten",
    "eliminate_nop_reshape",
    "eliminate_unused_initializer",
    "eliminate_deadend",
    "extract_constant_to_initializer",
    "fuse_consecutive_transposes",
    "fuse_consecutive_squeezes",
    "fuse_consecutive_unsqueezes",
    "fuse_transpose_into_gemm",
    "fuse_bn_into_conv",
    "fuse_add_bias_into_conv",
    "fuse_pad_into_conv",
)
"""The ``onnxoptimizer`` passes run before import (standard eliminations and fusions)."""

_INSTALL = "install the 'onnx' extra (pip install -e '.[onnx]')"


def require_onnx() -> Any:
    """The ``onnx`` module, or a `StaiError` saying how to install it."""
    try:
        import onnx
    except ImportError as exc:
        raise StaiError(f"the 'onnx' package is needed to read .onnx models: {_INSTALL}") from exc
    return onnx


def load_model_bytes(data: bytes, name: str) -> Any:
    """Parse an ONNX model (a ``ModelProto``) from its bytes."""
    onnx = require_onnx()
    try:
        model = onnx.load_model_from_string(bytes(data))
    except Exception as exc:  # protobuf raises DecodeError and others
        raise StaiError(f"{name}: not a readable ONNX model ({type(exc).__name__})") from exc
    if not model.HasField("graph") or not model.graph.node:
        raise StaiError(f"{name}: not a readable ONNX model (no graph)")
    return model


def default_opset(model: Any, name: str) -> int:
    """The version of the default (``ai.onnx``) operator set, checked to be supported."""
    onnx = require_onnx()
    newest = onnx.defs.onnx_opset_version()
    versions = [o.version for o in model.opset_import if o.domain in ("", "ai.onnx")]
    if not versions:
        raise StaiError(f"{name}: the model imports no default ONNX operator set")
    version = max(versions)
    if not MIN_OPSET <= version <= newest:
        raise StaiError(
            f"{name}: ONNX opset {version} is not supported (stai reads opsets "
            f"{MIN_OPSET} to {newest})"
        )
    return version


def _initializer_names(model: Any) -> set[str]:
    return {t.name for t in model.graph.initializer}


def fix_input_shapes(model: Any, name: str) -> None:
    """Give a symbolic (or unknown) batch dimension the size 1; reject other dynamic
    dimensions and inputs without a shape."""
    constants = _initializer_names(model)
    for value in model.graph.input:
        if value.name in constants:
            continue
        tensor = value.type.tensor_type
        if not tensor.HasField("shape"):
            raise StaiError(f"{name}: input '{value.name}' has no static shape")
        for axis, dim in enumerate(tensor.shape.dim):
            if dim.HasField("dim_value") and dim.dim_value > 0:
                continue
            if axis == 0:
                dim.Clear()
                dim.dim_value = 1
                continue
            what = f"'{dim.dim_param}'" if dim.dim_param else "unknown"
            raise StaiError(
                f"{name}: input '{value.name}' has a dynamic dimension {axis} ({what}); "
                "stai needs static spatial shapes"
            )


def optimize(model: Any, name: str) -> Any:
    """Run ``onnxoptimizer`` with :data:`OPTIMIZER_PASSES`."""
    try:
        import onnxoptimizer
    except ImportError as exc:
        raise StaiError(
            "the 'onnxoptimizer' package is not installed: install the 'onnx' extra, or "
            "pass --no-onnx-optimizer"
        ) from exc
    available = set(onnxoptimizer.get_available_passes())
    passes = [p for p in OPTIMIZER_PASSES if p in available]
    try:
        return onnxoptimizer.optimize(model, passes)
    except Exception as exc:
        message = " ".join(str(exc).split())[:200] or type(exc).__name__
        raise StaiError(
            f"{name}: the ONNX optimizer failed ({message}); retry with --no-onnx-optimizer"
        ) from exc


def infer_shapes(model: Any, name: str) -> Any:
    """The model with the shapes of its intermediate tensors filled in."""
    onnx = require_onnx()
    try:
        return onnx.shape_inference.infer_shapes(model, data_prop=True)
    except Exception as exc:
        message = " ".join(str(exc).split())[:200] or type(exc).__name__
        raise StaiError(f"{name}: ONNX shape inference failed: {message}") from exc


def fold_batch_norms(model: Any) -> None:
    """Fold every BatchNormalization that alone reads a Conv/ConvTranspose with constant
    weights into that node's weights and bias (in float64, stored as float32)."""
    require_onnx()
    from onnx import numpy_helper

    graph = model.graph
    inits = {t.name: t for t in graph.initializer}
    outputs = {o.name for o in graph.output}
    users: dict[str, int] = {}
    for node in graph.node:
        for i in node.input:
            users[i] = users.get(i, 0) + 1
    producer = {o: n for n in graph.node for o in n.output}
    folded = []
    for bn in graph.node:
        if bn.op_type != "BatchNormalization" or len(bn.input) < 5:
            continue
        if len([o for o in bn.output if o]) != 1 or not bn.output[0]:
            continue
        x = bn.input[0]
        conv = producer.get(x)
        if conv is None or conv.op_type not in ("Conv", "ConvTranspose"):
            continue
        if users.get(x, 0) != 1 or x in outputs or len(conv.input) < 2:
            continue
        if any(i not in inits for i in bn.input[1:5]) or conv.input[1] not in inits:
            continue
        has_bias = len(conv.input) > 2 and bool(conv.input[2])
        if has_bias and conv.input[2] not in inits:
            continue
        w = numpy_helper.to_array(inits[conv.input[1]])
        if w.dtype.kind != "f":
            continue
        w = w.astype(np.float64)
        eps = next((a.f for a in bn.attribute if a.name == "epsilon"), 1e-5)
        gamma, beta, mean, var = (
            numpy_helper.to_array(inits[i]).astype(np.float64).reshape(-1) for i in bn.input[1:5]
        )
        factor = gamma / np.sqrt(var + eps)
        out_c = factor.shape[0]
        if conv.op_type == "Conv":
            if w.shape[0] != out_c:
                continue
            w = w * factor.reshape((-1,) + (1,) * (w.ndim - 1))
        else:
            group = next((a.i for a in conv.attribute if a.name == "group"), 1)
            if group != 1 or w.shape[1] != out_c:
                continue
            w = w * factor.reshape((1, -1) + (1,) * (w.ndim - 2))
        b = np.zeros(out_c)
        if has_bias:
            b = numpy_helper.to_array(inits[conv.input[2]]).astype(np.float64).reshape(-1)
        b = (b - mean) * factor + beta
        w_name, b_name = f"{bn.output[0]}__folded_weights", f"{bn.output[0]}__folded_bias"
        graph.initializer.append(numpy_helper.from_array(w.astype(np.float32), w_name))
        graph.initializer.append(numpy_helper.from_array(b.astype(np.float32), b_name))
        x_in = conv.input[0]
        del conv.input[:]
        conv.input.extend([x_in, w_name, b_name])
        conv.output[0] = bn.output[0]
        folded.append(bn)
    for bn in folded:
        graph.node.remove(bn)
