"""Shared pytest fixtures: the shared real models folder and the single-operator model factory."""

from __future__ import annotations

import os

# Keep TensorFlow's C++ logging quiet in every test process (set before TF is imported).
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

from collections.abc import Callable  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402
from shared_models import SHARED_BY_KEY, models_dir_setting  # noqa: E402


def pytest_configure(config: pytest.Config) -> None:
    """Register this suite's markers."""
    config.addinivalue_line("markers", "slow: trains or converts a network (seconds, not ms)")
    config.addinivalue_line(
        "markers",
        "cmsis_nn: needs a CMSIS-NN checkout in CMSIS_NN_PATH (not in any registry); "
        "deselected by `make test`, run by `make test-cmsis`",
    )


def _in_ci() -> bool:
    """True when running under CI (env `CI=true`), where missing test data is a failure."""
    return os.environ.get("CI", "").strip().lower() == "true"


@pytest.fixture(scope="session")
def models_dir() -> Path:
    """The shared models folder; skipped when absent, a failure when absent under CI=true."""
    root = models_dir_setting()
    if not root.is_dir():
        message = f"shared models folder not found: {root} (set STAI_MODELS to its path)"
        if _in_ci():
            pytest.fail(message + "; it is required when CI=true", pytrace=False)
        pytest.skip(message)
    return root


@pytest.fixture(scope="session")
def shared_model_path(models_dir: Path) -> Callable[[str], Path]:
    """A function from a shared model key (see `shared_models.SHARED_MODELS`) to its file."""

    def lookup(key: str) -> Path:
        path = SHARED_BY_KEY[key].path(models_dir)
        if not path.is_file():
            pytest.fail(f"shared model {key} missing: {path}", pytrace=False)
        return path

    return lookup


@pytest.fixture(scope="session")
def op_model(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str, str], Path]:
    """A function `(name, kind) -> Path` that builds single-operator models, cached per session."""
    import opmodels

    cache = tmp_path_factory.mktemp("opmodels")

    def get(name: str, kind: str) -> Path:
        return opmodels.build(name, kind, cache)

    return get
