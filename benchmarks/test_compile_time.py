"""Wall time of ``stai generate`` (import, every pass, printing, writing the folder) for
each shared model. Run with ``make bench``; not part of ``make test``."""

from __future__ import annotations

import pytest
from shared_models import SHARED_MODELS

from stai.compiler.driver import generate


@pytest.mark.parametrize("model", SHARED_MODELS, ids=lambda m: m.key)
def test_generate(benchmark, model, models_dir, tmp_path):
    path = model.path(models_dir)
    counter = iter(range(1_000_000))

    def compile_once():
        return generate(path, tmp_path / f"out{next(counter)}")

    result = benchmark.pedantic(compile_once, rounds=3, iterations=1, warmup_rounds=1)
    benchmark.extra_info["activations_bytes"] = result.activations_bytes
