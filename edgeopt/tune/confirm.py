"""A second measurement of the files whose first p90 missed the latency budget by a margin noise can make.

On a shared machine noise only adds time: a neighbour's burst during one trial's bench doubled a 2-thread p90 in
one run and not in another, and the two searches went different ways. So a file whose p90 misses the limit by
less than NEAR times it is timed again once its round is over (nothing else of the search running), and the
smaller p90 of the two counts. That holds whatever else the file misses: its p90 still ranks it among the closest
misses, and decides whether the move that made it helped (a burst once made a 2-thread file look slower than the
1-thread one, 0.421 against 0.353 ms; timed again it was 0.251 ms). The second measurement is kept in the trial's
folder and this machine's latency store, keyed by the file's bytes and the bench settings, so a resumed search, or
another search that builds the same file, reads it instead of measuring again and walks the same path
(tune/timing.py measures and keeps both timings).
"""

from __future__ import annotations

import logging
from pathlib import Path

from edgeopt.tune.budget import Budget, misses
from edgeopt.tune.timing import timed

log = logging.getLogger(__name__)

NEAR = 2.0  # the slowdowns seen on this shared machine were up to about 2x
CONFIRM_FILE = "confirm.json"


def near_misses(candidates: list[dict], budget: Budget) -> list[dict]:
    """Candidates timed on this machine that miss the latency limit by less than NEAR times it. A device's
    timings are its own (a phone's throttling is part of what it does) and are not second-guessed here."""
    if budget.max_p90_ms is None:
        return []
    return [
        c
        for c in candidates
        if c["latency_on"] == "local"
        and c["p90_ms"] is not None
        and "latency" in misses(c, budget)
        and c["p90_ms"] <= NEAR * budget.max_p90_ms
    ]


def confirm(
    run_dir: Path, candidates: list[dict], budget: Budget, bench: dict, reuse: bool = True, count: dict | None = None
) -> None:
    """Time the trial's near misses again (once per file and settings on this machine, unless reuse is off) with
    the trial's bench settings and let the smaller p90 of the two count."""
    todo = near_misses(candidates, budget)
    if not todo:
        return
    files = {c["artifact"]: (Path(c["file"]), c["sha256"]) for c in todo}
    again = timed(run_dir, files, bench, CONFIRM_FILE, reuse)
    for c in todo:
        second = again[c["artifact"]]
        if count is not None and second["source"]:
            count[second["source"]] += 1
        c["p90_first_ms"], c["p90_again_ms"] = c["p90_ms"], second["p90_ms"]
        if second["p90_ms"] is not None and second["p90_ms"] < c["p90_ms"]:
            c["p50_ms"], c["p90_ms"] = second["p50_ms"], second["p90_ms"]
        log.info(
            "tune: %s p90 %.3f ms missed %.3f ms; timed again: %s ms, %.3f ms counts",
            c["key"],
            c["p90_first_ms"],
            budget.max_p90_ms,
            "-" if second["p90_ms"] is None else f"{second['p90_ms']:.3f}",
            c["p90_ms"],
        )
