"""``compress-weights``: k-means weight sharing of fully connected and convolution layers
(``qnn``).

Each selected ``qnn.fully_connected`` (``qnn.conv2d``) whose weights are a constant becomes
a ``qnn.fully_connected_codebook`` (``qnn.conv2d_codebook``): its weights are replaced by a
codebook of ``K`` shared
values (k-means centroids of the weights) and one index per weight. Factor 4 (x4 for float
weights): ``K = 256`` centroids, 8-bit indices; factor 8: ``K = 16`` centroids, 4-bit
indices packed two per byte (low nibble first). The bias is kept as it is. Depthwise
convolutions are left as they are.

Float layers get a float32 codebook; int8 layers an int8 codebook (centroids rounded to
int8), so that the kernel decodes int8 weights and keeps the int8 arithmetic.

Options: ``factor`` (0, 4 or 8) applies to every fully connected and conv2d layer;
``layers`` is the
path of a JSON file ``{"layers": {"dense_1": {"factor": 8}, ...}}`` that sets the factor
per layer (a name matches a layer's ``nn.name`` or any ``/``- or ``;``-separated part of
it, or its ``nn.m_id``; factor 0 or ``"none"`` leaves a layer as it is); a layer the file
does not name takes ``factor``.

Before::

    %y = qnn.fully_connected ins(%x, %w, %b : tensor<1x64xf32>, tensor<8x64xf32>,
                                 tensor<8xf32>) {...} -> tensor<1x8xf32>

After (``factor=8``)::

    %cb = arith.constant dense<...> : tensor<16xf32>
    %ix = arith.constant dense<...> : tensor<256xi8>
    %y = qnn.fully_connected_codebook ins(%x, %cb, %ix, %b : ...)
         {weight_shape = array<i64: 8, 64>, index_bits = 4 : i64, ...} -> tensor<1x8xf32>
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from xdsl.context import Context
from xdsl.dialects import arith
from xdsl.dialects.builtin import (
    BytesAttr,
    DenseArrayBase,
    DenseIntOrFPElementsAttr,
    IntegerAttr,
    ModuleOp,
    StringAttr,
    TensorType,
    f32,
    i8,
    i32,
    i64,
)
from xdsl.passes import ModulePass
from xdsl.rewriter import InsertPoint, Rewriter

from stai.dialects import qnn
from stai.dialects.nn import dense_to_numpy
from stai.errors import StaiError

FACTORS: dict[int, tuple[int, int]] = {4: (256, 8), 8: (16, 4)}
"""Compression factor -> (number of centroids, bits per index)."""

LEVEL_NAMES = ("none", "low", "medium", "high")

SEED = 0
"""Seed of the k-means++ initialisation: compression is deterministic."""


# ------------------------------------------------------------------------------ k-means


def _assign(values: np.ndarray, centroids: np.ndarray) -> np.ndarray:
    """Index of the nearest centroid (``centroids`` sorted ascending) of every value."""
    bounds = (centroids[1:] + centroids[:-1]) / 2.0
    return np.searchsorted(bounds, values, side="left")


def _kmeans_pp_init(values: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    """k-means++ seeds among ``values`` (1-D, float64)."""
    centers = [values[rng.integers(len(values))]]
    dist = (values - centers[0]) ** 2
    for _ in range(1, k):
        total = dist.sum()
        if total <= 0.0:
            break
        pick = values[rng.choice(len(values), p=dist / total)]
        centers.append(pick)
        dist = np.minimum(dist, (values - pick) ** 2)
    return np.unique(np.asarray(centers, dtype=np.float64))


def kmeans_1d(values: np.ndarray, k: int, iterations: int = 50) -> tuple[np.ndarray, np.ndarray]:
    """Scalar k-means of ``values`` into ``k`` clusters: (centroids float64[k] ascending,
    indices). Deterministic (seeded k-means++, then Lloyd iterations). With at most ``k``
    distinct values they are the centroids exactly; unused slots repeat the last one."""
    flat = np.asarray(values, dtype=np.float64).ravel()
    distinct = np.unique(flat)
    if len(distinct) <= k:
        centroids = distinct
    else:
        rng = np.random.default_rng(SEED)
        # The seeds are drawn from a bounded sample so that big layers stay fast.
        sample = flat if len(flat) <= 20000 else rng.choice(flat, 20000, replace=False)
        centroids = _kmeans_pp_init(sample, k, rng)
        for _ in range(iterations):
            index = _assign(flat, centroids)
            sums = np.bincount(index, weights=flat, minlength=len(centroids))
            counts = np.bincount(index, minlength=len(centroids))
            used = counts > 0
            updated = np.unique(sums[used] / counts[used])
            if len(updated) == len(centroids) and np.allclose(updated, centroids, rtol=0, atol=0):
                break
            centroids = updated
    index = _assign(flat, centroids)
    padded = np.concatenate([centroids, np.full(k - len(centroids), centroids[-1])])
    return padded, index


def pack_indices(index: np.ndarray, bits: int) -> np.ndarray:
    """Indices as bytes: one per byte (8 bits) or two per byte, low nibble first (4 bits)."""
    index = np.asarray(index, dtype=np.uint8).ravel()
    if bits == 8:
        return index
    if len(index) % 2:
        index = np.concatenate([index, np.zeros(1, np.uint8)])
    return (index[0::2] | (index[1::2] << 4)).astype(np.uint8)


def unpack_indices(packed: np.ndarray, bits: int, count: int) -> np.ndarray:
    """The inverse of :func:`pack_indices`: ``count`` indices."""
    packed = np.asarray(packed).view(np.uint8).ravel()
    if bits == 8:
        return packed[:count].astype(np.int64)
    both = np.empty(2 * len(packed), np.int64)
    both[0::2], both[1::2] = packed & 0x0F, packed >> 4
    return both[:count]


@dataclass
class Codebook:
    """The compressed form of one weight tensor."""

    centroids: np.ndarray
    """float32[K] (float layers) or int8[K] (int8 layers)."""
    packed: np.ndarray
    """uint8 index bytes."""
    bits: int
    shape: tuple[int, ...]

    def decoded(self) -> np.ndarray:
        """The weights the kernel computes with."""
        count = int(np.prod(self.shape))
        return self.centroids[unpack_indices(self.packed, self.bits, count)].reshape(self.shape)


def compress(weights: np.ndarray, factor: int) -> Codebook:
    """k-means weight sharing of ``weights`` (float32 or int8) with ``factor`` 4 or 8."""
    if factor not in FACTORS:
        raise StaiError(f"compress-weights: factor must be 4 or 8, got {factor}")
    k, bits = FACTORS[factor]
    centroids, index = kmeans_1d(weights, k)
    if weights.dtype == np.int8:
        book = np.clip(np.rint(centroids), -128, 127).astype(np.int8)
        # Rounding may merge two centroids: re-assign every weight to its nearest int8 one.
        index = (
            np.abs(weights.astype(np.int64).ravel()[:, None] - book[None, :]).argmin(axis=1)
            if len(np.unique(book)) < len(book)
            else index
        )
    else:
        book = centroids.astype(np.float32)
    return Codebook(book, pack_indices(index, bits), bits, tuple(weights.shape))


# ----------------------------------------------------------------------------- options


def _layer_keys(op: qnn.KernelOp) -> set[str]:
    """The names by which a JSON file may select ``op``."""
    keys: set[str] = set()
    name = op.attributes.get("nn.name")
    if isinstance(name, StringAttr):
        keys.add(name.data)
        for part in name.data.replace(";", "/").split("/"):
            keys.add(part)
    m_id = op.attributes.get("nn.m_id")
    if isinstance(m_id, IntegerAttr):
        keys.add(str(m_id.value.data))
    return keys


def _parse_factor(value: object, where: str) -> int:
    if value in (None, "none", 0, 1):
        return 0
    if isinstance(value, int) and not isinstance(value, bool) and value in FACTORS:
        return value
    if isinstance(value, str) and value.isdigit() and int(value) in FACTORS:
        return int(value)
    raise StaiError(f"{where}: factor must be 4, 8 or none, got {value!r}")


def load_layers(path: str) -> dict[str, int]:
    """The per-layer factors of a compression JSON file (layer name -> 0, 4 or 8)."""
    file = Path(path)
    if not file.is_file():
        raise StaiError(f"compression file not found: {path}")
    try:
        data = json.loads(file.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        detail = e.msg if isinstance(e, json.JSONDecodeError) else e
        raise StaiError(f"{path}: not valid JSON ({detail})") from e
    layers = data.get("layers") if isinstance(data, dict) else None
    if not isinstance(layers, dict):
        raise StaiError(f'{path}: expected {{"layers": {{"NAME": {{"factor": 4|8}}, ...}}}}')
    out = {}
    for name, spec in layers.items():
        value = spec.get("factor") if isinstance(spec, dict) else spec
        out[str(name)] = _parse_factor(value, f"{path}: layer '{name}'")
    return out


# -------------------------------------------------------------------------------- pass


def _constant_of(op: qnn.KernelOp, index: int) -> np.ndarray | None:
    owner = op.ins[index].owner
    if isinstance(owner, arith.ConstantOp) and isinstance(owner.value, DenseIntOrFPElementsAttr):
        return dense_to_numpy(owner.value)
    return None


def _constant(values: np.ndarray, element) -> arith.ConstantOp:
    t = TensorType(element, [values.size])
    return arith.ConstantOp(DenseIntOrFPElementsAttr(t, BytesAttr(values.tobytes())))


def compress_op(op: qnn.KernelOp, factor: int, rewriter: Rewriter) -> bool:
    """Replace ``op`` (tensor form, an op with a ``CODEBOOK`` form) by its codebook form;
    False when it cannot be (weights not constant, or neither float32 nor int8; int4
    weights are left as they are)."""
    assert op.CODEBOOK is not None
    if qnn.element_kind(op.ins[1].type) == "s4":
        return False  # int4 weights are packed two per byte already: a codebook saves nothing
    target, rank = op.CODEBOOK
    weights = _constant_of(op, 1)
    if weights is None or weights.ndim != rank or weights.dtype not in (np.float32, np.int8):
        return False
    book = compress(weights, factor)
    element = f32 if weights.dtype == np.float32 else i8
    codebook = _constant(book.centroids, element)
    indices = _constant(book.packed.view(np.int8), i8)
    x, _w, b = op.ins
    props = dict(op.properties)
    props.pop("operandSegmentSizes", None)
    props["weight_shape"] = DenseArrayBase.from_list(i64, list(weights.shape))
    props["index_bits"] = IntegerAttr(book.bits, i64)
    props["operandSegmentSizes"] = DenseArrayBase.from_list(i32, [4, 0, 0])
    assert op.res is not None
    new = target.create(
        operands=[x, codebook.result, indices.result, b],
        properties=props,
        attributes=dict(op.attributes),
        result_types=[op.res.type],
    )
    old = op.ins[1].owner
    rewriter.insert_op([codebook, indices], InsertPoint.before(op))
    rewriter.replace_op(op, new)
    if isinstance(old, arith.ConstantOp) and not old.result.uses:
        rewriter.erase_op(old)
    return True


@dataclass(frozen=True)
class CompressWeightsPass(ModulePass):
    """k-means weight sharing of fully connected and conv2d layers (``factor`` 4 or 8 for
    every layer, ``layers`` a JSON file of per-layer factors)."""

    name = "compress-weights"

    factor: int = 0
    layers: str = ""

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        default = _parse_factor(self.factor, "compress-weights")
        per_layer = load_layers(self.layers) if self.layers else {}
        candidates = [
            inner
            for inner in op.walk()
            if isinstance(inner, qnn.KernelOp)
            and inner.CODEBOOK is not None
            and inner.res is not None
        ]
        matched = set().union(*(_layer_keys(c) for c in candidates)) & set(per_layer)
        unknown = sorted(set(per_layer) - matched)
        if unknown:
            raise StaiError(
                f"compress-weights: no fully connected or conv2d layer named '{unknown[0]}'"
            )
        rewriter = Rewriter()
        for inner in candidates:
            keys = _layer_keys(inner) & set(per_layer)
            factor = per_layer[min(keys)] if keys else default
            if factor:
                compress_op(inner, factor, rewriter)


def with_compression(passes: tuple[str, ...]) -> tuple[str, ...]:
    """``passes`` with ``compress-weights`` right after ``convert-nn-to-qnn``."""
    at = passes.index("convert-nn-to-qnn") + 1
    return (*passes[:at], CompressWeightsPass.name, *passes[at:])
