"""Run a sweep: expand the grid, skip finished trials, run the rest on the chosen executor, write the results."""

from __future__ import annotations

import json
import logging
from pathlib import Path

from edgeopt.sweep.spec import apply, expand, load_sweep, trial_id
from edgeopt.sweep.trial import TRIAL_FILE

log = logging.getLogger(__name__)


def _previous(run_dir: Path) -> dict | None:
    try:
        return json.loads((run_dir / TRIAL_FILE).read_text())
    except (OSError, ValueError):
        return None


def run_sweep(
    path: Path,
    out_dir: Path | None = None,
    executor: str = "local",
    address: str = "auto",
    workers: int | None = None,
    retry_failed: bool = False,
) -> dict:
    from ruamel.yaml import YAML

    from edgeopt.recipe import load_recipe
    from edgeopt.sweep import executors
    from edgeopt.sweep.results import collect, write_results

    spec = load_sweep(path)
    base_path = (Path(path).parent / spec.base).resolve()
    load_recipe(base_path)  # the base must be valid on its own (exit 2 with file:line:col otherwise)
    base = YAML(typ="safe", pure=True).load(base_path.read_text())
    # Absolute: Ray workers run in their own working directory.
    sweep_dir = (Path(out_dir) if out_dir else Path("runs") / "sweeps" / spec.name).resolve()
    sweep_dir.mkdir(parents=True, exist_ok=True)
    trials, todo = [], []
    for i, overrides in enumerate(expand(spec), start=1):
        tid = trial_id(i, overrides)
        recipe = apply(base, overrides)
        recipe["name"] = f"{spec.name}-t{i:02d}"
        before = _previous(sweep_dir / tid)
        finished = before is not None and before["status"] in ("ok", "gate_failed")
        if finished or (before is not None and not retry_failed):
            log.info(
                "sweep: %s %s (%s), not run again", tid, "finished" if finished else "failed before", before["status"]
            )
            trials.append(before)
            continue
        todo.append(
            {
                "id": tid,
                "overrides": overrides,
                "recipe": recipe,
                "base_dir": str(base_path.parent),
                "run_dir": str(sweep_dir / tid),
                "cpus": spec.trial.cpus,
                "log_level": logging.getLogger().level or logging.INFO,
            }
        )

    def done(record: dict) -> None:
        level = logging.INFO if record["status"] == "ok" else logging.WARNING
        log.log(
            level,
            "sweep: %s %s%s",
            record["id"],
            record["status"],
            f": {record['error']}" if record.get("error") else "",
        )

    if todo:
        if executor == "ray":
            log.info("sweep: %d trial(s) on Ray at %s, %d CPU(s) each", len(todo), address, spec.trial.cpus)
            trials += executors.run_ray(todo, address, spec.trial.cpus, spec.trial.memory_mb, done)
        else:
            n = workers or executors.local_workers(spec.trial.cpus, spec.trial.memory_mb)
            log.info("sweep: %d trial(s) on %d local worker process(es)", len(todo), n)
            trials += executors.run_local(todo, n, done)
    order = {trial_id(i, o): i for i, o in enumerate(expand(spec), start=1)}
    trials.sort(key=lambda t: order.get(t["id"], 0))
    rows = collect(trials, sweep_dir)
    write_results(rows, sweep_dir, spec.name)
    return {"sweep": spec.name, "dir": str(sweep_dir), "trials": trials, "rows": rows, "ran": len(todo)}
