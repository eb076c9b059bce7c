"""The lazy registries: every name loads, and equals the name its object declares."""

from __future__ import annotations

import pytest

from stai import registry


@pytest.mark.parametrize("name", sorted(registry.PASSES))
def test_pass_name_matches_flag(name):
    assert registry.PASSES[name]().name == name


@pytest.mark.parametrize("name", sorted(registry.DIALECTS))
def test_dialect_name_matches(name):
    assert registry.DIALECTS[name]().name == name


@pytest.mark.parametrize("name", sorted(registry.PRINTERS))
def test_printer_name_matches(name):
    assert registry.PRINTERS[name]().name == name


def test_pipeline_uses_registered_passes():
    assert all(name in registry.PASSES for name in registry.PIPELINE)
