"""The fallback search on scripted attempts: no runtime, no TensorFlow (the real chains run in test_autoquant_e2e)."""

from __future__ import annotations

from types import SimpleNamespace

from edgeopt.autoquant.chains import Attempt
from edgeopt.autoquant.search import search
from edgeopt.errors import ToolchainError


class Scripted:
    """An evaluator whose top-1 per file is written in the file (each attempt writes its own score)."""

    max_drop, drop_type, float_top1, split = 0.02, "absolute", 0.90, "val"

    def __call__(self, path, x):
        top1 = float(path.read_text())
        drop = self.float_top1 - top1
        return {
            "top1": top1,
            "drop": drop,
            "agreement": 1.0,
            "meets_budget": drop <= self.max_drop,
            "latency_p50_ms": 1.0,
            "bytes": path.stat().st_size,
        }


def _attempt(label, top1, suffix):
    return Attempt(label, "calibration", lambda path: path.write_text(str(top1)) and {}, suffix=suffix)


def test_the_first_attempt_that_meets_the_budget_is_kept_and_the_rest_not_tried(tmp_path):
    final = tmp_path / "model_int8.onnx"
    final.write_text("0.5")
    attempts = [
        Attempt("per-channel", "per_channel", skipped="already per-channel"),
        _attempt("entropy", 0.7, "_entropy"),
        _attempt("percentile", 0.89, "_percentile"),
        _attempt("never", 0.9, "_never"),
    ]
    kept, summary = search(final, attempts, Scripted(), x=None)
    assert kept.name == "model_int8_percentile.onnx" and kept.read_text() == "0.89" and not final.exists()
    assert [a["label"] for a in summary["attempts"]] == ["as configured", "per-channel", "entropy", "percentile"]
    assert summary["attempts"][1] == {"label": "per-channel", "skipped": "already per-channel"}
    assert summary["met"] and summary["chosen"] == "percentile" and summary["reason"] is None
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model_int8_percentile.onnx"]  # candidates removed


def test_a_miss_keeps_the_most_accurate_and_says_what_was_tried(tmp_path):
    final = tmp_path / "model_int8.tflite"
    final.write_text("0.5")

    def broken(path):
        raise ToolchainError("the converter refused")

    attempts = [_attempt("a", 0.6, "_a"), Attempt("b", "int16x8", broken, suffix="_b"), _attempt("c", 0.55, "_c")]
    kept, summary = search(final, attempts, Scripted(), x=None)
    assert kept.name == "model_int8_a.tflite" and not summary["met"]
    assert summary["attempts"][2] == {"label": "b", "failed": "the converter refused"}
    assert "tried as configured, a, c" in summary["reason"] and "kept the most accurate: a" in summary["reason"]


def test_a_file_that_meets_the_budget_as_configured_tries_nothing(tmp_path):
    final = tmp_path / "m.tflite"
    final.write_text("0.895")
    kept, summary = search(final, [_attempt("a", 0.9, "_a")], Scripted(), x=SimpleNamespace())
    assert kept == final and [a["label"] for a in summary["attempts"]] == ["as configured"] and summary["met"]
