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
    _explain_slower_int8(results, export, cfg.threads)
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


def _explain_slower_int8(results: list[dict], export, threads: int) -> None:
    """An int8 file slower than the float32 file of the same format gets an explanation from the runtimes."""
    from edgeopt.runtime.explain import explain

    by_name = {r["name"]: r for r in results}
    artifacts = {a["name"]: a for a in export.result["artifacts"]}
    for fmt in ("tflite", "onnx"):
        q, f = by_name.get(f"{fmt}_int8"), by_name.get(f"{fmt}_float32")
        if q and f and q["p50_ms"] > f["p50_ms"]:
            q["slower_than_float32"] = explain(fmt, export.path(q["name"]), export.path(f["name"]),
                                               artifacts[q["name"]]["contents"], threads)  # fmt: skip
            log.warning("bench: %s is slower than %s (%.3f vs %.3f ms): %s", q["name"], f["name"], q["p50_ms"],
                        f["p50_ms"], "; ".join(q["slower_than_float32"]["reasons"]))  # fmt: skip
