"""Fixtures of the end-to-end tests: compile a model with stai once per session and load
the generated C through the Python runner."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from stai.compiler.driver import generate
from stai.runtime.runner import CModel


@pytest.fixture(scope="session")
def compiled(tmp_path_factory: pytest.TempPathFactory) -> Callable[[Path], CModel]:
    """``compiled(model_path) -> CModel``: generate + build, cached per model per session."""
    cache: dict[Path, CModel] = {}
    root = tmp_path_factory.mktemp("generated")

    def get(model_path: Path) -> CModel:
        key = Path(model_path).resolve()
        if key not in cache:
            out = root / f"{key.stem}_{len(cache)}"
            generate(key, out)
            cache[key] = CModel(out)
        return cache[key]

    return get


def float_tolerance(reference: np.ndarray) -> float:
    """The float acceptance bound: 1e-4 x max(1, max |reference|)."""
    return 1e-4 * max(1.0, float(np.max(np.abs(reference))))
