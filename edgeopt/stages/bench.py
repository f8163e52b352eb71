"""Batch-1 latency of every exported file, with runs interleaved across files so machine drift cancels."""

from __future__ import annotations

import logging
import time

import numpy as np

from edgeopt.pipeline.context import StageContext, StageOutput

log = logging.getLogger(__name__)


def run(ctx: StageContext) -> StageOutput:
    from edgeopt.runtime.environment import library_versions, machine
    from edgeopt.runtime.runners import open_runner

    cfg, export = ctx.recipe.bench, ctx.need("export")
    sample = ctx.dataset.x_test[:1]
    runners = {a["name"]: open_runner(export.path(a["name"]), threads=cfg.threads) for a in export.result["artifacts"]}
    for runner in runners.values():
        runner.prepare(sample)
        for _ in range(cfg.warmup):
            runner.run_prepared()
    times: dict[str, list[float]] = {name: [] for name in runners}
    for _ in range(cfg.runs):
        for name, runner in runners.items():  # one run of each file per round
            start = time.perf_counter()
            runner.run_prepared()
            times[name].append(time.perf_counter() - start)
    results = [summarize(name, t, cfg.threads) for name, t in times.items()]
    for r in results:
        log.info("bench: %-13s p50 %.3f ms p90 %.3f ms (%d runs)", r["name"], r["p50_ms"], r["p90_ms"], r["runs"])
    return StageOutput(
        {},
        {
            "threads": cfg.threads,
            "warmup": cfg.warmup,
            "runs": cfg.runs,
            "batch": 1,
            "interleaved": True,
            "artifacts": results,
            "machine": machine(),
            "versions": library_versions(),
        },
    )


def summarize(name: str, seconds: list[float], threads: int) -> dict:
    ms = np.asarray(seconds) * 1e3
    mean = float(ms.mean())
    return {
        "name": name,
        "threads": threads,
        "runs": len(ms),
        "mean_ms": mean,
        "std_ms": float(ms.std()),
        "min_ms": float(ms.min()),
        "p50_ms": float(np.percentile(ms, 50)),
        "p90_ms": float(np.percentile(ms, 90)),
        "p99_ms": float(np.percentile(ms, 99)),
        "cv": float(ms.std() / mean) if mean else 0.0,
    }
