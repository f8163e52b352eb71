"""A second measurement of the files whose first p90 missed the latency budget by a margin noise can make.

On a shared machine noise only adds time: a neighbour's burst during one trial's bench doubled a 2-thread p90 in
one run and not in another, and the two searches went different ways. So a file that meets every other limit and
whose p90 is within NEAR times the limit is timed again once its round is over (nothing else of the search
running), and the smaller p90 of the two counts. The second measurement is kept in the trial's folder, keyed by
the file's bytes and the bench settings, so a resumed search reads it instead of measuring again and walks the
same path.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

from edgeopt.atomic import write_text
from edgeopt.tune.budget import Budget, misses

log = logging.getLogger(__name__)

NEAR = 2.0  # the slowdowns seen on this shared machine were up to about 2x
CONFIRM_FILE = "confirm.json"


def near_misses(candidates: list[dict], budget: Budget) -> list[dict]:
    """Candidates timed on this machine that miss only the latency limit, by less than NEAR times it. A device's
    timings are its own (a phone's throttling is part of what it does) and are not second-guessed here."""
    if budget.max_p90_ms is None:
        return []
    return [
        c
        for c in candidates
        if c["latency_on"] == "local"
        and c["p90_ms"] is not None
        and set(misses(c, budget)) == {"latency"}
        and c["p90_ms"] <= NEAR * budget.max_p90_ms
    ]


def confirm(run_dir: Path, candidates: list[dict], budget: Budget) -> None:
    """Time the trial's near misses again (once, ever) and let the smaller p90 of the two count."""
    todo = near_misses(candidates, budget)
    if not todo:
        return
    bench = _bench_config(run_dir)
    keys = {c["artifact"]: _key(c, bench) for c in todo}
    path = run_dir / CONFIRM_FILE
    try:
        done = json.loads(path.read_text())
    except (OSError, ValueError):
        done = {}
    missing = [c for c in todo if keys[c["artifact"]] not in done]
    if missing:
        done.update(_measure(missing, bench, keys))
        write_text(path, json.dumps(done, indent=2, sort_keys=True) + "\n")
    for c in todo:
        again = done[keys[c["artifact"]]]
        c["p90_first_ms"], c["p90_again_ms"] = c["p90_ms"], again["p90_ms"]
        if again["p90_ms"] is not None and again["p90_ms"] < c["p90_ms"]:
            c["p50_ms"], c["p90_ms"] = again["p50_ms"], again["p90_ms"]
        log.info(
            "tune: %s p90 %.3f ms missed %.3f ms; timed again: %s ms, %.3f ms counts",
            c["key"],
            c["p90_first_ms"],
            budget.max_p90_ms,
            "-" if again["p90_ms"] is None else f"{again['p90_ms']:.3f}",
            c["p90_ms"],
        )


def _bench_config(run_dir: Path) -> dict:
    """The bench section the trial ran with (recipe.json is the validated recipe, every default filled in)."""
    return json.loads((run_dir / "recipe.json").read_text())["bench"]


def _key(candidate: dict, bench: dict) -> str:
    keep = ("threads", "warmup", "runs", "min_seconds", "rounds", "xnnpack", "ort_opt", "amx")
    return candidate["sha256"] + ":" + json.dumps({k: bench.get(k) for k in keep}, sort_keys=True)


def _measure(candidates: list[dict], bench: dict, keys: dict[str, str]) -> dict:
    from edgeopt.runtime.bench import run_bench
    from edgeopt.runtime.device_lock import device_lock
    from edgeopt.runtime.targets import MeasureSettings

    settings = MeasureSettings.of(bench)
    files = [Path(c["file"]) for c in candidates]
    with device_lock("local"):
        result = run_bench(files, [bench["threads"]], bench["rounds"], settings)
    by_file = {r["model"]: r for r in result["results"]}
    return {
        keys[c["artifact"]]: {k: by_file[str(f)].get(k) for k in ("p50_ms", "p90_ms")}
        for c, f in zip(candidates, files, strict=True)
    }
