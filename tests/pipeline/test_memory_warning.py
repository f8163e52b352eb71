"""A run that may not fit in memory is warned about up front, from the measured peak of runs of that size."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from edgeopt import resources

SCALE = Path(__file__).resolve().parents[2] / "benchmarks" / "results" / "scale.json"


def test_the_estimate_covers_the_measured_runs():
    """Within 15% of every measured peak (benchmarks/scale.py), with the parameters those models have."""
    parameters = {
        "mobilenet_v2": 2_270_794,
        "mobilenet_v3_small": 1_540_218,
        "mobilenet_v3_large": 4_239_242,
        "resnet50": 23_608_202,
    }  # the builders at 224 px with the digits' 10 classes (build stage log)
    measured = json.loads(SCALE.read_text())
    for name, params in parameters.items():
        peak = measured[name]["edgeopt"]["peak_rss_bytes"]
        assert abs(resources.expected_peak(params) - peak) / peak < 0.15, name


@pytest.mark.parametrize(("have", "warned"), [(4 * 2**30, True), (64 * 2**30, False)])
def test_warning_names_the_need_and_the_bound(monkeypatch, have, warned):
    monkeypatch.setattr(resources, "available_memory", lambda: (have, "available memory"))
    message = resources.memory_warning(23_581_642)
    assert (message is not None) == warned
    if warned:
        assert "23.6M parameters" in message and "available memory here is 4.0 GiB" in message
        assert "quantize.diagnose: false" in message
