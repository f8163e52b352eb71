"""Aggregation of interleaved rounds (runtime.bench): medians over rounds, ratios to the first model, no guessing
of figures a target does not report."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

from edgeopt.runtime.bench import _aggregate


def _out(p50, p90=None, cv=0.01, noisy=False):
    steady = {
        "runs": 100,
        "p50_ms": p50,
        "p90_ms": p90,
        "p99_ms": p90,
        "mean_ms": p50,
        "min_ms": p50 / 2,
        "cv": cv,
        "noisy": noisy,
    }
    return {
        "steady": steady,
        "runtime": "rt",
        "load_ms": 3.0,
        "first_inference_ms": 2.0,
        "peak_rss_mb": 50.0,
        "bytes": 10,
        "gzip_bytes": 8,
        "fidelity_ratio": 1.01,
        "machine": {"cpu": "x"},
        "xnnpack": True,
    }


def test_medians_over_rounds_and_ratios_to_the_first_model():
    a, b = Path("a.tflite"), Path("b.tflite")
    samples = {
        ("a.tflite", 1): [_out(2.0, 3.0), _out(4.0, 5.0), _out(3.0, 4.0)],
        ("b.tflite", 1): [_out(1.0, 2.0), _out(1.5, 2.5, noisy=True), _out(1.2, 2.2)],
    }
    out = _aggregate(samples, [a, b], [1], SimpleNamespace(label="ssh://pi@board:22"))
    rows = {r["model"]: r for r in out["results"]}
    assert out["target"] == "ssh://pi@board:22" and out["machine"] == {"cpu": "x"}
    assert rows["a.tflite"]["p50_ms"] == 3.0 and rows["a.tflite"]["p90_ms"] == 4.0
    assert rows["a.tflite"]["round_p50_ms"] == [2.0, 4.0, 3.0] and rows["a.tflite"]["runs"] == 300
    assert rows["b.tflite"]["noisy"] is True and rows["a.tflite"]["noisy"] is False
    assert rows["b.tflite"]["ratio_to_first"] == 3.0 / 1.2 and rows["b.tflite"]["ratio_of"] == "p50_ms"
    assert rows["a.tflite"]["settings"] == {"xnnpack": True}


def test_a_figure_missing_in_any_round_stays_none():
    a = Path("a.tflite")
    samples = {("a.tflite", 1): [_out(2.0, None), _out(2.0, 3.0)]}
    row = _aggregate(samples, [a], [1], SimpleNamespace(label="adb://X"))["results"][0]
    assert row["p90_ms"] is None and row["p50_ms"] == 2.0
