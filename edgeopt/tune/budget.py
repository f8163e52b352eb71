"""The budget, how far a candidate misses it, and which candidates no other beats (the Pareto front)."""

from __future__ import annotations

import math
from dataclasses import dataclass

AXES = ("accuracy", "latency", "size")
# p90s that differ by less than this factor are one figure when ranking misses: on this shared 2-core machine
# the same file's 2-thread p90 measured 0.408 ms in one search and 0.472 ms (1.16x) in another.
NOISE = 1.25


@dataclass(frozen=True)
class Budget:
    max_drop: float  # top-1 points (as a fraction) below the base recipe's starting float model
    max_p90_ms: float | None = None
    max_size_kb: float | None = None  # KiB (1024 bytes) of the file, or of its gzip when size_metric is gzip
    size_metric: str = "file"  # file | gzip

    def limits(self) -> dict[str, float | None]:
        return {"accuracy": self.max_drop, "latency": self.max_p90_ms, "size": self.max_size_kb}


def size_kb(candidate: dict, metric: str) -> float:
    return candidate["gzip_bytes" if metric == "gzip" else "bytes"] / 1024


def misses(candidate: dict, budget: Budget) -> dict[str, float]:
    """Axis -> by how much the candidate is over its limit (in the limit's unit); empty when it meets the budget.
    An axis that was not measured (latency of a failed device run) counts as missed by infinity."""
    values = {
        "accuracy": candidate.get("drop"),
        "latency": candidate.get("p90_ms"),
        "size": size_kb(candidate, budget.size_metric),
    }
    out = {}
    for axis, limit in budget.limits().items():
        if limit is None:
            continue
        value = values[axis]
        if value is None:
            out[axis] = float("inf")
        elif value > limit + 1e-12:
            out[axis] = value - limit
    return out


def closeness(candidate: dict, budget: Budget) -> float:
    """Sum of the relative misses (0 = meets): the 'closest miss' is the candidate with the smallest."""
    limits = budget.limits()
    scale = {"accuracy": max(budget.max_drop, 0.01)}
    return sum(m / (scale.get(a) or limits[a] or 1.0) for a, m in misses(candidate, budget).items())


def _steps(candidate: dict, budget: Budget) -> float:
    """closeness with the latency miss counted in NOISE steps of p90 over the limit (log scale)."""
    out = 0.0
    for axis, m in misses(candidate, budget).items():
        if axis == "latency" and math.isfinite(m):
            out += math.log((budget.max_p90_ms + m) / budget.max_p90_ms) / math.log(NOISE)
        else:
            out += m / (max(budget.max_drop, 0.01) if axis == "accuracy" else budget.limits()[axis] or 1.0)
    return out


def ranked_misses(candidates: list[dict], budget: Budget) -> list[dict]:
    """Misses in the order a search should start from, robust to the noise of a p90: fewest missed axes first,
    then closeness, where the candidates within one NOISE step of the closest one left form a group ranked by
    the exact figures of rank_key (top-1, size). Two searches that measured the same trials a little differently
    then start the next round from the same candidates; a fixed grid would split them at its lines."""
    left = sorted(candidates, key=lambda c: (len(misses(c, budget)), _steps(c, budget), rank_key(c, budget)))
    out = []
    while left:
        n, lead = len(misses(left[0], budget)), _steps(left[0], budget)
        group = [c for c in left if len(misses(c, budget)) == n and _steps(c, budget) <= lead + 1.0]
        out += sorted(group, key=lambda c: rank_key(c, budget))
        left = [c for c in left if c not in group]
    return out


def rank_key(candidate: dict, budget: Budget) -> tuple:
    """Among candidates that meet the budget the best is the most accurate, then the smallest, then the fastest:
    top-1 on the test split and file bytes are exact, so two runs of the same search choose alike."""
    return (-candidate["top1"], size_kb(candidate, budget.size_metric), candidate.get("p90_ms") or float("inf"))


def pareto(candidates: list[dict], metric: str = "file") -> set[str]:
    """Keys of the candidates no other beats on all three: higher top-1, lower p90, smaller file."""
    pts = [
        (c["key"], c["top1"], c["p90_ms"], size_kb(c, metric))
        for c in candidates
        if c.get("top1") is not None and c.get("p90_ms") is not None
    ]
    return {
        k
        for k, a, lat, s in pts
        if not any(a2 >= a and l2 <= lat and s2 <= s and (a2, l2, s2) != (a, lat, s) for _, a2, l2, s2 in pts)
    }
