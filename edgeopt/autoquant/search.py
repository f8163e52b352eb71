"""The search loop: evaluate the configured int8 file, then each fallback in order, until one meets the budget.

Accuracy comes from the official runtime on each candidate file (the budget split, against float Keras on the
same samples); latency is a short in-process batch-1 median, enough to rank attempts, not a benchmark.
"""

from __future__ import annotations

import logging
import os
import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from edgeopt import metrics
from edgeopt.autoquant.chains import Attempt
from edgeopt.errors import EdgeoptError

log = logging.getLogger(__name__)


@dataclass
class Evaluator:
    reference: np.ndarray  # float Keras probabilities on the budget split
    y: np.ndarray
    max_drop: float
    drop_type: str
    split: str
    float_top1: float = field(init=False)

    def __post_init__(self) -> None:
        self.float_top1 = metrics.top1(self.reference, self.y)

    def __call__(self, path: Path, x: np.ndarray) -> dict:
        from edgeopt.runtime.runners import open_runner

        probs = open_runner(path).predict(x)
        top1 = metrics.top1(probs, self.y)
        drop = metrics.drop(self.float_top1, top1, self.drop_type)
        return {
            "top1": top1,
            "drop": drop,
            "agreement": metrics.agreement(self.reference, probs),
            "meets_budget": bool(drop <= self.max_drop),
            "latency_p50_ms": quick_latency_ms(path, x[:1]),
            "bytes": path.stat().st_size,
        }


def quick_latency_ms(path: Path, sample: np.ndarray, seconds: float = 0.3, min_runs: int = 20) -> float:
    from edgeopt.runtime.runners import open_runner

    runner = open_runner(path)
    runner.prepare(sample)
    for _ in range(5):
        runner.run_prepared()
    times: list[float] = []
    start = time.perf_counter()
    while len(times) < min_runs or time.perf_counter() - start < seconds:
        t = time.perf_counter()
        runner.run_prepared()
        times.append(time.perf_counter() - t)
    return statistics.median(times) * 1000.0


def search(final: Path, attempts: list[Attempt], evaluate: Evaluator, x: np.ndarray) -> tuple[Path, dict]:
    """`final` holds the configured int8 file. Returns (the kept file, summary with every attempt)."""
    first = {"label": "as configured", "precision": "int8", **evaluate(final, x)}
    log.info(
        "auto: %s as configured: top-1 %.4f, drop %+.4f (budget %.4f)",
        final.name,
        first["top1"],
        first["drop"],
        evaluate.max_drop,
    )
    records, best, best_path = [first], first, final
    candidates: list[Path] = []
    for i, attempt in enumerate(attempts if not first["meets_budget"] else []):
        if attempt.skipped:
            records.append({"label": attempt.label, "skipped": attempt.skipped})
            continue
        path = final.with_name(f"{final.stem}.attempt{i}{final.suffix}")
        candidates.append(path)
        try:
            details = attempt.build(path) or {}
        except EdgeoptError as exc:  # a fix the toolchain cannot make is a failed attempt, not a failed run
            records.append({"label": attempt.label, "failed": str(exc)})
            log.warning("auto: %s failed: %s", attempt.label, exc)
            continue
        rec = {"label": attempt.label, "precision": attempt.precision, **details, **evaluate(path, x)}
        records.append(rec)
        log.info("auto: %s: top-1 %.4f, drop %+.4f", attempt.label, rec["top1"], rec["drop"])
        if rec["top1"] > best["top1"] or rec["meets_budget"]:
            best, best_path = rec, path
            best["suffix"] = attempt.suffix
        if rec["meets_budget"]:
            break
    kept = final
    if best_path != final:
        kept = final.with_name(f"{final.stem}{best.pop('suffix')}{final.suffix}")
        os.replace(best_path, kept)
        if kept != final:
            final.unlink()
    for path in candidates:
        path.unlink(missing_ok=True)
    met = best["meets_budget"]
    reason = None
    if not met:
        tried = [r["label"] for r in records if "top1" in r]
        reason = (
            f"no attempt met the budget {evaluate.max_drop} ({evaluate.drop_type}); tried {', '.join(tried)}; "
            f"kept the most accurate: {best['label']} (drop {best['drop']:+.4f})"
        )
    return kept, {
        "attempts": records,
        "chosen": best["label"],
        "precision": best["precision"],
        "met": met,
        "reason": reason,
        "float_top1": evaluate.float_top1,
        "limit": evaluate.max_drop,
        "drop_type": evaluate.drop_type,
        "split": evaluate.split,
    }
