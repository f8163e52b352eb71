"""The search loop: run the base recipe (every format at once), then, round by round, the cheapest moves that can
close what the best candidates still miss, until the budget is met and `extra` more trials were tried, or a limit.

The path is a function of the finished trials only (their reports, and the timings tune/timing.py and confirm.py
keep beside them), so a second run of the same command (after a crash, kill -9 or Ctrl-C) walks the same path,
takes every finished trial from its folder and runs only what is missing. Local and Ray runs walk it in the same
rounds of `batch` proposals; their trials build the same bytes, and a file timed once on this machine is read from
its latency store after that, so they reach the same choice. With --retime every file is timed afresh, and a p90
within noise of the limit can then go either way.
"""

from __future__ import annotations

import json
import logging
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from edgeopt.errors import ToolchainError
from edgeopt.tune.budget import Budget, closeness, misses, rank_key, ranked_misses
from edgeopt.tune.confirm import confirm
from edgeopt.tune.space import WIDE_ONNX, WIDE_TFLITE, moves

log = logging.getLogger(__name__)

INCUMBENTS = 3  # moves are proposed from this many of the best candidates


@dataclass
class TuneSettings:
    recipe_path: Path
    out_dir: Path
    budget: Budget
    trials: int = 16
    time_limit: float | None = None  # seconds of this invocation; a running round is finished, never cut
    executor: str = "local"
    address: str = "auto"
    batch: int = 2  # proposals per round, whatever the executor: local and Ray walk the same path
    workers: int = 1  # local: trials at once (1: a trial's latency is never measured beside another's training)
    # TensorFlow threads (and Ray CPUs) per trial. Training's float sums depend on the thread count, so the
    # default is what a plain `edgeopt optimize` uses here (every core): chosen.yaml then gives the same bytes.
    trial_cpus: int | None = None
    memory_mb: int = 4096
    target: str | None = None
    extra: int = 2  # trials tried after the budget is first met
    retime: bool = False  # measure every file again instead of reading this machine's latency store
    cores: int = field(default_factory=lambda: len(os.sched_getaffinity(0)))


def _canonical(overrides: dict) -> str:
    return json.dumps(overrides, sort_keys=True, default=str)


def trial_recipe(base: dict, overrides: dict, settings: TuneSettings) -> dict:
    """The recipe a trial runs: the base with every format the first trial compares, verification and a bench
    on the target, no app bundles (the chosen recipe gets them back), then the trial's overrides."""
    from edgeopt.sweep.spec import apply

    export = base.get("export") or {}
    wide = {
        "export.tflite": _union(export.get("tflite") or [], WIDE_TFLITE),
        "export.onnx": _union(export.get("onnx") or [], WIDE_ONNX),
        "export.bundle": [],
    }
    recipe = apply(base, wide)
    if recipe.get("quantize") is None:
        recipe["quantize"] = {}
    if recipe.get("verify") is None:
        recipe["verify"] = {"split": "test"}
    if recipe.get("bench") is None:
        recipe["bench"] = {}
    if settings.target:
        recipe["bench"]["target"] = settings.target
    return apply(recipe, overrides)


def _union(first: list[str], more: list[str]) -> list[str]:
    return list(first) + [x for x in more if x not in first]


def _trial_id(index: int, names: list[str]) -> str:
    import re

    slug = re.sub(r"[^A-Za-z0-9_.=-]+", "_", "+".join(names) or "base")
    if len(slug) > 70:  # moves stack: the newest ones tell trials apart, so a long name keeps its end
        slug = "_" + slug[-69:]
    return f"t{index:02d}-{slug}"


def _distinct(candidates: list[dict]) -> list[dict]:
    """One candidate per file and the runtime settings that apply to it, the earliest trial's. A trial whose moves
    change nothing of a file (XNNPACK off for an ONNX file, ONNX QOperator for a TFLite one) holds its parent's
    file again; taken as an incumbent of its own, it had moves stacked on a trial that made its other files worse
    (five of one search's fifteen trials, on an XNNPACK-off trial 10x over the latency limit)."""
    from edgeopt.tune.timing import foreign

    seen, out = set(), []
    for c in candidates:
        skip = {f"bench.{k}" for k in foreign(c["format"])}
        bench = {k: v for k, v in c["overrides"].items() if k.startswith("bench.") and k not in skip}
        ident = (c["sha256"], _canonical(bench))
        if ident not in seen:
            seen.add(ident)
            out.append(c)
    return out


def _candidates(trial: dict, run_dir: Path, reference: float | None) -> list[dict]:
    """One candidate per measured file of a finished trial; latency from the target when it is a real device, else
    from the trial's bench stage (a trial timed by the tune process gets it from _time_here)."""
    from edgeopt.hashing import sha256_file
    from edgeopt.pipeline.run_dir import RunDir

    try:
        report = RunDir(run_dir).read_report()
    except Exception:  # a failed trial has no report: it simply adds no candidate
        return []
    remote = (report.get("bench") or {}).get("remote") or {}
    device = {} if remote.get("emulated") or "error" in remote else {a["name"]: a for a in remote.get("artifacts", [])}
    out = []
    for a in report["artifacts"]:
        acc, lat = a.get("accuracy") or {}, device.get(a["name"]) or a.get("latency") or {}
        if acc.get("top1") is None:
            continue
        out.append(
            {
                "key": f"{trial['id']}:{a['name']}",
                "trial": trial["id"],
                "moves": trial["moves"],
                "overrides": trial["overrides"],
                "artifact": a["name"],
                "format": a["format"],
                "precision": a["precision"],
                "top1": acc["top1"],
                "drop": None if reference is None else round(reference - acc["top1"], 6),
                "p50_ms": lat.get("p50_ms"),
                "p90_ms": lat.get("p90_ms"),
                "latency_on": remote.get("target", "local") if a["name"] in device else "local",
                "bytes": a["bytes"],
                "gzip_bytes": a["gzip_bytes"],
                "file": str(run_dir / a["file"]),
                "sha256": sha256_file(run_dir / a["file"]),
            }
        )
    return out


class Search:
    def __init__(self, settings: TuneSettings):
        from ruamel.yaml import YAML

        from edgeopt.recipe import load_recipe

        if settings.trial_cpus is None:
            settings.trial_cpus = settings.cores if settings.executor == "local" else 1
        self.s = settings
        path = Path(settings.recipe_path).resolve()
        load_recipe(path)  # the base must be valid on its own (exit 2 with file:line:col otherwise)
        self.base_path = path
        self.base = YAML(typ="safe", pure=True).load(path.read_text())
        self.trials_dir = Path(settings.out_dir).resolve() / "trials"
        self.trials: list[dict] = []
        self.tried: set[str] = set()
        self.skipped: dict[tuple[str, str], str] = {}
        self.no_help: dict[str, str] = {}  # move name -> why it is not tried again
        self.reference: float | None = None
        self.met_at: int | None = None
        self.ran = 0
        self.timings = {"now": 0, "store": 0, "folder": 0}  # where each local timing came from (tune/timing.py)

    # -- state ---------------------------------------------------------------------------------------------------
    def candidates(self) -> list[dict]:
        return [c for t in self.trials for c in t["candidates"]]

    def meeting(self, candidates: list[dict] | None = None) -> list[dict]:
        pool = self.candidates() if candidates is None else candidates
        return sorted((c for c in pool if not misses(c, self.s.budget)), key=lambda c: rank_key(c, self.s.budget))

    def closest(self) -> list[dict]:
        b = self.s.budget
        return sorted(self.candidates(), key=lambda c: (closeness(c, b), rank_key(c, b)))

    # -- proposals -----------------------------------------------------------------------------------------------
    def propose(self) -> list[dict]:
        """The next round: from the best few candidates, every untried move that can improve what they miss (or,
        once the budget is met, their accuracy), cheapest tier first."""
        pool = _distinct(self.candidates())
        met = self.meeting(pool)
        incumbents = (met or ranked_misses(pool, self.s.budget))[:INCUMBENTS]
        out = []
        for rank, c in enumerate(incumbents):
            want = {"accuracy"} if met else set(misses(c, self.s.budget))
            recipe = trial_recipe(self.base, c["overrides"], self.s)  # what the trial ran: every wide export
            for m in moves(recipe, self.s.cores, self.s.budget.size_metric, max(self.s.budget.max_drop, 1e-4)):
                if not m.applies_to(c):
                    continue
                overrides = {**c["overrides"], **m.set}
                key = _canonical(overrides)
                if key in self.tried or any(_canonical(p["overrides"]) == key for p in out):
                    continue
                if m.name in self.no_help:
                    self.skipped.setdefault((m.name, "tried"), self.no_help[m.name])
                    continue
                if not (m.helps & want):
                    can = ", ".join(sorted(m.helps)) or "only the compressed size (file bytes unchanged)"
                    self.skipped.setdefault(
                        (m.name, ",".join(sorted(want))),
                        f"cannot improve {', '.join(sorted(want))}: changes {can}",
                    )
                    continue
                invalid = _invalid(trial_recipe(self.base, overrides, self.s))
                if invalid:  # e.g. QAT on top of the accuracy fallbacks: a trial slot would be spent on exit 2
                    self.tried.add(key)
                    self.skipped.setdefault((m.name, "invalid"), f"from {c['trial']}: {invalid}")
                    continue
                out.append(
                    {
                        "overrides": overrides,
                        "moves": [*c["moves"], m.name],
                        "tier": m.tier,
                        "rank": rank,
                        "parent": c["trial"],
                        "move": m,
                    }
                )
        out.sort(key=lambda p: (p["tier"], p["rank"]))
        return out[: self.s.batch]

    def _learn(self, trial: dict, move) -> None:
        """A move that made none of the files it touches better on what it claims to improve, against the trial it
        was made from, is not tried again from other candidates (runtime settings and quantization options rarely
        turn helpful on a smaller model). Latency must beat the parent's by 10%: less is within one machine's noise, and
        a verdict from noise would make two searches of the same space walk apart."""
        parent = next((t for t in self.trials if t["id"] == trial.get("parent")), None)
        if parent is None or trial.get("status") not in ("ok", "gate_failed") or move.tier == 3:
            return  # a new width or resolution is a new model: what it does depends on the model
        before = {c["artifact"]: c for c in parent["candidates"]}
        better = {
            "latency": lambda a, b: (
                a["p90_ms"] is not None and b["p90_ms"] is not None and a["p90_ms"] < 0.90 * b["p90_ms"]
            ),
            "size": lambda a, b: a["bytes"] < b["bytes"] or a["gzip_bytes"] < b["gzip_bytes"],
            "accuracy": lambda a, b: a["top1"] > b["top1"],
        }
        pairs = [
            (c, before[c["artifact"]]) for c in trial["candidates"] if c["artifact"] in before and move.applies_to(c)
        ]
        if pairs and not any(better[axis](a, b) for a, b in pairs for axis in move.helps):
            self.no_help[move.name] = (
                f"tried in {trial['id']}: no file it changes got {' or '.join(sorted(move.helps))} better than in "
                f"{parent['id']}"
            )

    # -- running -------------------------------------------------------------------------------------------------
    def run_round(self, proposals: list[dict]) -> None:
        from edgeopt.sweep import executors

        todo, round_trials = [], []
        for p in proposals:
            tid = _trial_id(len(self.trials) + len(round_trials) + 1, p["moves"])
            run_dir = self.trials_dir / tid
            trial = {
                "id": tid,
                "moves": p["moves"],
                "overrides": p["overrides"],
                "tier": p.get("tier", 0),
                "parent": p.get("parent"),
            }
            self.tried.add(_canonical(p["overrides"]))
            round_trials.append(trial)
            recipe = trial_recipe(self.base, p["overrides"], self.s)
            recipe["name"] = f"{self.base.get('name', 'tune')}-{tid[:3]}"
            trial["bench"] = _bench(recipe)
            if trial["bench"]["target"] == "local":  # timed by this process after the round (tune/timing.py)
                recipe["bench"] = None
            before = _finished(run_dir, recipe)
            if before is not None:  # finished in an earlier invocation: its result is reused, never re-run
                trial.update(status=before["status"], error=before.get("error"), seconds=before.get("seconds"))
                trial["resumed"] = True
                log.info("tune: %s finished before (%s), not run again", tid, before["status"])
                continue
            todo.append(
                {
                    "id": tid,
                    "overrides": p["overrides"],
                    "recipe": recipe,
                    "base_dir": str(self.base_path.parent),
                    "run_dir": str(run_dir),
                    "cpus": self.s.trial_cpus,
                    "log_level": logging.getLogger().level or logging.INFO,
                    # Every trial folder here, of this search or of an earlier tune into the same folder (another
                    # budget): a stage with the same key is borrowed, never run twice.
                    "share": [str(d) for d in sorted(self.trials_dir.glob("t[0-9]*")) if d != run_dir],
                }
            )
        if todo:
            log.info("tune: round of %d trial(s): %s", len(todo), ", ".join(t["id"] for t in todo))
            if self.s.executor == "ray":
                records = executors.run_ray(todo, self.s.address, self.s.trial_cpus, self.s.memory_mb, _logged)
            else:
                records = executors.run_local(todo, self.s.workers, _logged)
            self.ran += len(records)
            by_id = {r["id"]: r for r in records}
            for t in round_trials:
                if t["id"] in by_id:
                    r = by_id[t["id"]]
                    t.update(status=r["status"], error=r.get("error"), seconds=r.get("seconds"))
        for t in round_trials:
            if self.reference is None and not self.trials:
                self.reference = _reference(self.trials_dir / t["id"], t)
            bench = t.pop("bench")
            t["candidates"] = _candidates(t, self.trials_dir / t["id"], self.reference)
            if bench["target"] == "local":
                _time_here(self.trials_dir / t["id"], t["candidates"], bench, not self.s.retime, self.timings)
            confirm(self.trials_dir / t["id"], t["candidates"], self.s.budget, bench, not self.s.retime, self.timings)
            self.trials.append(t)
            move = next(
                (p.get("move") for p in proposals if _canonical(p["overrides"]) == _canonical(t["overrides"])), None
            )
            if move is not None:
                self._learn(t, move)

    def run(self) -> dict:
        started = time.monotonic()
        proposals = [{"overrides": {}, "moves": [], "tier": 0}]
        stopped = "search space exhausted: no untried move can improve what the best candidates miss"
        while proposals:
            room = self.s.trials - len(self.trials)
            self.run_round(proposals[:room])
            if self.meeting() and self.met_at is None:  # the first trial (1-based) with a file within the budget
                ids = [t["id"] for t in self.trials]
                self.met_at = min(ids.index(c["trial"]) + 1 for c in self.meeting())
            if self.met_at is not None and len(self.trials) >= self.met_at + self.s.extra:
                stopped = f"budget met at trial {self.met_at}, then {len(self.trials) - self.met_at} more tried"
                break
            if len(self.trials) >= self.s.trials:
                stopped = f"trial limit ({self.s.trials}) reached"
                break
            if self.s.time_limit is not None and time.monotonic() - started >= self.s.time_limit:
                stopped = f"time limit ({self.s.time_limit:g} s) reached"
                break
            proposals = self.propose()
        if self.met_at is not None and "exhausted" in stopped:
            stopped = f"budget met at trial {self.met_at}; no further move could improve accuracy"
        return {"stopped": stopped, "seconds": round(time.monotonic() - started, 1)}


def _bench(recipe: dict) -> dict:
    """The trial recipe's bench section with every default filled in (what its files are timed with)."""
    from edgeopt.recipe.schema import BenchConfig

    return BenchConfig.model_validate(recipe["bench"]).model_dump(mode="json")


def _time_here(
    run_dir: Path, candidates: list[dict], bench: dict, reuse: bool = True, count: dict | None = None
) -> None:
    """Latency of every candidate of the trial, measured by this process on this machine (tune/timing.py)."""
    from edgeopt.tune.timing import timed

    if not candidates:
        return
    got = timed(run_dir, {c["artifact"]: (Path(c["file"]), c["sha256"]) for c in candidates}, bench, reuse=reuse)
    for c in candidates:
        g = got[c["artifact"]]
        c["p50_ms"], c["p90_ms"], c["latency_on"] = g["p50_ms"], g["p90_ms"], "local"
        c["timed_at"] = g.get("measured_at")
        if count is not None and g["source"]:
            count[g["source"]] += 1


def _invalid(recipe: dict) -> str | None:
    """The recipe's first validation error (no TensorFlow: the schema alone), or None when it is valid."""
    from pydantic import ValidationError

    from edgeopt.recipe.schema import Recipe

    try:
        Recipe.model_validate(recipe)
    except ValidationError as exc:
        return exc.errors()[0]["msg"]
    return None


def _finished(run_dir: Path, recipe: dict) -> dict | None:
    """trial.json of a trial that finished with exactly this recipe (another budget or target that reached the
    same folder name made another recipe, and is run again), else None."""
    from edgeopt.recipe.schema import Recipe
    from edgeopt.sweep.trial import TRIAL_FILE

    try:
        before = json.loads((run_dir / TRIAL_FILE).read_text())
        if before["status"] == "invalid":  # validation is deterministic; no recipe.json was written
            return before
        ran = json.loads((run_dir / "recipe.json").read_text())
        return before if Recipe.model_validate(recipe).model_dump(mode="json") == ran else None
    except (OSError, ValueError, KeyError):
        return None


def _logged(record: dict) -> None:
    level = logging.INFO if record["status"] in ("ok", "gate_failed") else logging.WARNING
    log.log(level, "tune: %s %s%s", record["id"], record["status"], f": {record['error']}" if record["error"] else "")


def _reference(run_dir: Path, trial: dict) -> float:
    """The base recipe's starting float top-1: every candidate's drop is measured from it, whatever it changed."""
    from edgeopt.pipeline.run_dir import RunDir
    from edgeopt.report.markdown import starting_top1

    try:
        return starting_top1(RunDir(run_dir).read_report()["verify"])
    except Exception as exc:
        raise ToolchainError(
            f"tune: the base recipe's own run ({run_dir}) did not finish, so there is nothing to tune from: "
            f"{trial.get('error') or exc}"
        ) from exc
