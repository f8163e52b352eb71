"""Interleaved rounds of subprocess measurements, aggregated per model and thread count."""

from __future__ import annotations

import logging
import statistics
from pathlib import Path

log = logging.getLogger(__name__)


def _median(values):
    """Median over rounds; None when a target does not report the figure (benchmark_model has no p90)."""
    values = list(values)
    return None if any(v is None for v in values) else statistics.median(values)


def run_bench(models: list[Path], threads: list[int], rounds: int = 3, settings=None, target=None) -> dict:
    """Measure every model at every thread count on `target` (runtime.targets.Target; default this machine) with
    `settings` (MeasureSettings; default the recipe defaults), `rounds` interleaved rounds."""
    from edgeopt import progress
    from edgeopt.runtime.targets import LocalTarget, MeasureSettings

    settings = settings or MeasureSettings.defaults()
    target = target or LocalTarget()
    samples: dict[tuple[str, int], list[dict]] = {}
    with progress.task("benchmark runs", total=rounds * len(threads) * len(models)) as bar:
        for r in range(rounds):
            for t in threads:
                for model in models:  # one measurement of every model per round: drift hits all of them alike
                    out = target.measure(model, t, settings)
                    samples.setdefault((str(model), t), []).append(out)
                    p50 = out["steady"].get("p50_ms")
                    shown = f"p50 {p50:.3f} ms" if p50 is not None else f"mean {out['steady']['mean_ms']:.3f} ms"
                    log.info("bench: round %d/%d %s threads=%d %s", r + 1, rounds, model.name, t, shown)
                    bar.advance()
    return _aggregate(samples, models, threads, target)


def _aggregate(samples: dict, models: list[Path], threads: list[int], target) -> dict:
    results = []
    for (model, t), outs in samples.items():
        steady = [o["steady"] for o in outs]
        row = {
            "model": model,
            "threads": t,
            "runtime": outs[0]["runtime"],
            "rounds": len(outs),
            "runs": sum(s["runs"] for s in steady),
            # medians over rounds of the per-round statistics
            **{k: _median(s[k] for s in steady) for k in ("p50_ms", "p90_ms", "p99_ms", "mean_ms", "min_ms")},
            "cv": _median(s["cv"] for s in steady),
            "noisy": any(s["noisy"] for s in steady),
            "round_p50_ms": [s["p50_ms"] for s in steady],
            "load_ms": _median(o["load_ms"] for o in outs),
            "first_inference_ms": _median(o["first_inference_ms"] for o in outs),
            "peak_rss_mb": _median(o["peak_rss_mb"] for o in outs),
            "bytes": outs[0]["bytes"],
            "gzip_bytes": outs[0]["gzip_bytes"],
            "fidelity_ratio": _median(o["fidelity_ratio"] for o in outs),
            "settings": {k: outs[0][k] for k in ("xnnpack", "graph_optimization", "amx") if k in outs[0]},
        }
        results.append(row)
    for row in results:
        base = next(r for r in results if r["model"] == str(models[0]) and r["threads"] == row["threads"])
        key = "p50_ms" if base["p50_ms"] is not None and row["p50_ms"] is not None else "mean_ms"
        row["ratio_to_first"] = base[key] / row[key]
        row["ratio_of"] = key
    machine = samples[(str(models[0]), threads[0])][0]["machine"]
    label = target.label
    return {"schema_version": 1, "target": label, "machine": machine, "results": results}
