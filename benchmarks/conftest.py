"""Benchmarks read the shared models like the tests do (env STAI_MODELS)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from shared_models import models_dir_setting  # noqa: E402


@pytest.fixture(scope="session")
def models_dir() -> Path:
    root = models_dir_setting()
    if not root.is_dir():
        pytest.fail(f"shared models folder not found: {root} (set STAI_MODELS)", pytrace=False)
    return root
