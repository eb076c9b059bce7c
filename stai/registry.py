"""Lazy registries of stai's dialects, passes and printers (name -> factory).

Adding a pass: write ``transforms/<flag_name>.py`` (or ``lowering/``) with a ``ModulePass``
whose ``name`` is the flag, then add one line below. ``tests/unit/test_registry.py`` checks
that every name here equals its pass's ``name``.
"""

from __future__ import annotations

from collections.abc import Callable

from xdsl.ir import Dialect
from xdsl.passes import ModulePass
from xdsl.utils.target import Target


def _dialect(module: str, attr: str) -> Callable[[], Dialect]:
    def load() -> Dialect:
        import importlib

        return getattr(importlib.import_module(module), attr)

    return load


def _pass(module: str, attr: str) -> Callable[[], type[ModulePass]]:
    def load() -> type[ModulePass]:
        import importlib

        return getattr(importlib.import_module(module), attr)

    return load


DIALECTS: dict[str, Callable[[], Dialect]] = {
    "nn": _dialect("stai.dialects.nn", "NN"),
    "qnn": _dialect("stai.dialects.qnn", "QNN"),
    "buf": _dialect("stai.dialects.buf", "BUF"),
    "c": _dialect("stai.dialects.c", "C"),
    "mk": _dialect("stai.dialects.mk", "MK"),
}

PASSES: dict[str, Callable[[], type[ModulePass]]] = {
    # nn -> nn
    "fuse-activations": _pass("stai.transforms.fuse_activations", "FuseActivationsPass"),
    "canonicalize-nn": _pass("stai.transforms.canonicalize_nn", "CanonicalizeNNPass"),
    "optimize-transposes": _pass("stai.transforms.optimize_transposes", "OptimizeTransposesPass"),
    "quantize-nn": _pass("stai.transforms.quantize_nn", "QuantizeNNPass"),
    # nn -> qnn -> buf -> c
    "convert-nn-to-qnn": _pass("stai.lowering.convert_nn_to_qnn", "ConvertNNToQNNPass"),
    "convert-qnn-to-buf": _pass("stai.lowering.convert_qnn_to_buf", "ConvertQNNToBufPass"),
    # buf -> buf
    "plan-memory": _pass("stai.transforms.plan_memory", "PlanMemoryPass"),
    "convert-buf-to-c": _pass("stai.lowering.convert_buf_to_c", "ConvertBufToCPass"),
    "record-output-quant": _pass("stai.transforms.record_output_quant", "RecordOutputQuantPass"),
    "compress-weights": _pass("stai.transforms.compress_weights", "CompressWeightsPass"),
    "detach-weights": _pass("stai.transforms.detach_weights", "DetachWeightsPass"),
    "select-kernels": _pass("stai.lowering.select_kernels", "SelectKernelsPass"),
}


def _printer(module: str, attr: str) -> Callable[[], type[Target]]:
    def load() -> type[Target]:
        import importlib

        return getattr(importlib.import_module(module), attr)

    return load


PRINTERS: dict[str, Callable[[], type[Target]]] = {
    "c": _printer("stai.emitc.printer", "CModulePrinter"),
}
"""Printers of the IR as text, by name (xDSL calls them targets: ``stai-opt -t c``,
``stai-translate``). In stai, a *target* is what code is compiled for (``stai.targets``)."""

PIPELINE: tuple[str, ...] = (
    "canonicalize-nn",
    "fuse-activations",
    "convert-nn-to-qnn",
    "convert-qnn-to-buf",
    "plan-memory",
    "convert-buf-to-c",
)
"""The passes ``stai generate`` runs, in order."""
