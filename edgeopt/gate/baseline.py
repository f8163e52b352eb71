"""Baselines keyed by recipe, artifact, runtime and CPU ISA, and the comparison of a run against them.

Accuracy is compared with a tolerance, two-sided by default (an unexplained improvement is flagged too); size
with a relative tolerance; latency as the ratio to the float32 file of the same format and run, so an entry
recorded on one machine still holds on another of the same ISA.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from edgeopt import formats
from edgeopt.errors import RecipeError

BASELINE_VERSION = 1


@dataclass(frozen=True)
class Tolerances:
    top1: float = 0.005  # absolute
    size: float = 0.01  # relative
    latency_ratio: float = 0.25  # relative change of (p50 / float32 p50)
    allow_improvement: bool = False


@dataclass
class Check:
    artifact: str
    metric: str
    baseline: float | None
    value: float | None
    status: str  # pass | regression | improvement | missing
    message: str = ""


@dataclass
class Outcome:
    key: dict
    checks: list[Check] = field(default_factory=list)

    @property
    def failed(self) -> list[Check]:
        return [c for c in self.checks if c.status != "pass"]


def isa_of(report: dict) -> str:
    machine = (report.get("bench") or {}).get("machine") or {}
    return "+".join(machine.get("isa") or []) or "unknown"


def entries_of(report: dict) -> list[dict]:
    """The baseline entries a report would produce."""
    isa = isa_of(report)
    out = []
    for a in report["artifacts"]:
        entry = {
            "recipe": report["recipe"],
            "artifact": a["name"],
            "runtime": formats.get(a["format"]).runtime,
            "isa": isa,
            "bytes": a["bytes"],
        }
        if a.get("accuracy"):
            entry["top1"] = round(a["accuracy"]["top1"], 6)
        lat = a.get("latency") or {}
        if "speedup_vs_float32" in lat:
            entry["latency_ratio"] = round(1.0 / lat["speedup_vs_float32"], 4)
        out.append(entry)
    return out


def _key(e: dict) -> tuple:
    return (e["recipe"], e["artifact"], e["runtime"], e["isa"])


def load_baseline(path: Path) -> list[dict]:
    from ruamel.yaml import YAML

    if not path.exists():
        return []
    data = YAML(typ="safe", pure=True).load(path.read_text()) or {}
    if (
        not isinstance(data, dict)
        or data.get("version") != BASELINE_VERSION
        or not isinstance(data.get("entries"), list)
    ):
        raise RecipeError(f"{path}: not an edgeopt baseline (expected version: {BASELINE_VERSION} and entries: [...])")
    return data["entries"]


def save_baseline(path: Path, entries: list[dict]) -> None:
    import io

    from ruamel.yaml import YAML

    from edgeopt.atomic import write_text

    yaml = YAML()
    yaml.default_flow_style = False
    buf = io.StringIO()
    yaml.dump({"version": BASELINE_VERSION, "entries": sorted(entries, key=_key)}, buf)
    write_text(path, buf.getvalue())


def update(existing: list[dict], report: dict) -> list[dict]:
    """Write or refresh the entries of this report, keeping every other entry."""
    fresh = {_key(e): e for e in entries_of(report)}
    return [e for e in existing if _key(e) not in fresh] + list(fresh.values())


def _check(
    entry: dict, base: dict, metric: str, delta: float, limit: float, lower_is_worse: bool, tol: Tolerances, msg: str
) -> Check:
    """Two-sided by default: a change beyond the limit either way fails, unless improvements are allowed."""
    if abs(delta) <= limit:
        status = "pass"
    else:
        worse = delta < 0 if lower_is_worse else delta > 0
        status = "regression" if worse else ("pass" if tol.allow_improvement else "improvement")
    name = "size" if metric == "bytes" else metric
    return Check(entry["artifact"], name, base[metric], entry[metric], status, msg)


def compare(existing: list[dict], report: dict, tol: Tolerances) -> list[Outcome]:
    index = {_key(e): e for e in existing}
    outcomes = []
    for entry in entries_of(report):
        outcome = Outcome({k: entry[k] for k in ("recipe", "artifact", "runtime", "isa")})
        base = index.get(_key(entry))
        if base is None:
            others = sorted({e["isa"] for e in existing if _key(e)[:3] == _key(entry)[:3]})
            hint = f" (the baseline has this artifact for ISA {', '.join(others)})" if others else ""
            outcome.checks.append(
                Check(
                    entry["artifact"],
                    "baseline",
                    None,
                    None,
                    "missing",
                    f"no baseline entry for {_key(entry)}{hint}; run with --update-baseline to record it",
                )
            )
            outcomes.append(outcome)
            continue
        if "top1" in entry and "top1" in base:
            d = entry["top1"] - base["top1"]
            msg = f"top-1 {entry['top1']:.4f} vs baseline {base['top1']:.4f} ({d:+.4f}, tolerance {tol.top1})"
            outcome.checks.append(_check(entry, base, "top1", d, tol.top1, lower_is_worse=True, tol=tol, msg=msg))
        rel = entry["bytes"] / base["bytes"] - 1
        msg = f"{entry['bytes']:,} bytes vs {base['bytes']:,} ({rel:+.2%})"
        outcome.checks.append(_check(entry, base, "bytes", rel, tol.size, lower_is_worse=False, tol=tol, msg=msg))
        if "latency_ratio" in entry and "latency_ratio" in base:
            rel = entry["latency_ratio"] / base["latency_ratio"] - 1
            msg = f"p50 / float32 p50 {entry['latency_ratio']:.3f} vs {base['latency_ratio']:.3f} ({rel:+.1%})"
            outcome.checks.append(
                _check(entry, base, "latency_ratio", rel, tol.latency_ratio, lower_is_worse=False, tol=tol, msg=msg)
            )
        outcomes.append(outcome)
    return outcomes
