"""How many samples the per-layer diagnosis runs on when the recipe does not say: 64, fewer for costly models."""

from __future__ import annotations

import pytest


@pytest.fixture
def macs(monkeypatch):
    import edgeopt.models.profile as profile

    def set_macs(value):
        monkeypatch.setattr(profile, "profile_model", lambda model: [])
        monkeypatch.setattr(profile, "totals", lambda rows: {"macs": value})

    return set_macs


@pytest.mark.parametrize(("value", "expected"), [(3e8, 64), (5e8, 64), (1e9, 32), (1.8e9, 17), (3.9e9, 8), (4e10, 8)])
def test_unset_scales_with_the_models_cost(macs, value, expected):
    from edgeopt.stages.export.auto import diagnosis_samples

    macs(value)
    assert diagnosis_samples(None, object()) == expected


def test_the_recipes_count_is_kept(macs):
    from edgeopt.stages.export.auto import diagnosis_samples

    macs(4e10)
    assert diagnosis_samples(100, object()) == 100


def test_a_model_the_profiler_cannot_read_gets_the_default():
    from edgeopt.stages.export.auto import diagnosis_samples

    assert diagnosis_samples(None, object()) == 64  # no .layers
