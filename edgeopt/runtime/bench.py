"""Interleaved rounds of subprocess measurements, aggregated per model and thread count."""

from __future__ import annotations

import logging
import statistics
from pathlib import Path

from edgeopt.runtime.targets import measure_args, run_local

log = logging.getLogger(__name__)


def _median(values):
    """Median over rounds; None when a target does not report the figure (benchmark_model has no p90)."""
    values = list(values)
    return None if any(v is None for v in values) else statistics.median(values)


def run_bench(
    models: list[Path],
    threads: list[int],
    rounds: int = 3,
    warmup: int = 10,
    min_runs: int = 100,
    min_seconds: float = 1.0,
    xnnpack: bool = True,
    ort_opt: str = "all",
    timeout: float = 600,
    target=None,
    untrusted: bool = False,
) -> dict:
    """`target`: None for this machine, an SshTarget (runtime/ssh_target.py) or an AdbTarget (adb_target.py)."""
    from edgeopt import progress

    samples: dict[tuple[str, int], list[dict]] = {}
    with progress.task("benchmark runs", total=rounds * len(threads) * len(models)) as bar:
        _rounds(
            models,
            threads,
            rounds,
            samples,
            bar,
            warmup,
            min_runs,
            min_seconds,
            xnnpack,
            ort_opt,
            timeout,
            target,
            untrusted,
        )
    return _aggregate(samples, models, threads, target)


def _rounds(
    models, threads, rounds, samples, bar, warmup, min_runs, min_seconds, xnnpack, ort_opt, timeout, target, untrusted
):
    for r in range(rounds):
        for t in threads:
            for model in models:  # one measurement of every model per round: drift hits all of them alike
                args = measure_args(model, t, xnnpack, ort_opt, warmup, min_runs, min_seconds)
                if target is None:
                    out = run_local(args, timeout, untrusted)
                elif hasattr(target, "serial"):  # adb: TFLite's benchmark_model on the phone
                    out = target.measure(model, t, warmup, min_runs, min_seconds, xnnpack)
                else:
                    out = target.measure(model, args[1:])
                samples.setdefault((str(model), t), []).append(out)
                p50 = out["steady"].get("p50_ms")
                shown = f"p50 {p50:.3f} ms" if p50 is not None else f"mean {out['steady']['mean_ms']:.3f} ms"
                log.info("bench: round %d/%d %s threads=%d %s", r + 1, rounds, model.name, t, shown)
                bar.advance()


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
            "settings": {k: outs[0][k] for k in ("xnnpack", "graph_optimization") if k in outs[0]},
        }
        results.append(row)
    for row in results:
        base = next(r for r in results if r["model"] == str(models[0]) and r["threads"] == row["threads"])
        key = "p50_ms" if base["p50_ms"] is not None and row["p50_ms"] is not None else "mean_ms"
        row["ratio_to_first"] = base[key] / row[key]
        row["ratio_of"] = key
    machine = samples[(str(models[0]), threads[0])][0]["machine"]
    label = "local" if target is None else target.label
    return {"schema_version": 1, "target": label, "machine": machine, "results": results}
