"""One trial, run inside a worker process (local pool or Ray): an ordinary optimize run into its own folder.

Everything a trial needs travels in a plain dict, so the same function runs in a spawned local process and on a
Ray worker. Any failure is caught and written to trial.json: one trial never stops the others.
"""

from __future__ import annotations

import json
import logging
import os
import time
import traceback
from pathlib import Path

TRIAL_FILE = "trial.json"


def run_trial(payload: dict) -> dict:
    cpus = str(payload["cpus"])
    for var in ("TF_NUM_INTRAOP_THREADS", "OMP_NUM_THREADS"):  # stay within the CPUs the trial asked for
        os.environ[var] = cpus
    os.environ["TF_NUM_INTEROP_THREADS"] = "1"
    run_dir = Path(payload["run_dir"])
    run_dir.mkdir(parents=True, exist_ok=True)
    # A spawned worker starts without the CLI's logging set-up: prefix its lines with the trial.
    logging.basicConfig(
        level=payload.get("log_level", logging.INFO),
        force=True,
        format=f"%(levelname).1s [{payload['id'][:3]}] %(message)s",
    )
    start = time.perf_counter()
    status, error = "ok", None
    try:
        from pydantic import ValidationError

        from edgeopt.pipeline.run_dir import RunDir
        from edgeopt.pipeline.runner import run_pipeline
        from edgeopt.recipe.schema import Recipe

        try:
            recipe = Recipe.model_validate(payload["recipe"])
        except ValidationError as exc:
            status, error = "invalid", f"the recipe this point makes is invalid: {exc}"
        else:
            share = tuple(Path(p) for p in payload.get("share", ()))
            run_pipeline(recipe, Path(payload["base_dir"]), run_dir, share=share)
            report = RunDir(run_dir).read_report()
            if report.get("failed_parts"):
                status, error = "failed", "; ".join(f"{f['part']}: {f['error']}" for f in report["failed_parts"])
            elif not report["passed"]:
                status, error = (
                    "gate_failed",
                    "; ".join(f"{g['gate']} on {g['artifact']}" for g in report["gates"] if not g["passed"]),
                )
    except Exception as exc:  # a trial's failure is data for the sweep, not a crash of it
        status, error = "failed", f"{type(exc).__name__}: {exc}"
        (run_dir / "trial-traceback.txt").write_text(traceback.format_exc())
    record = {
        "id": payload["id"],
        "overrides": payload["overrides"],
        "status": status,
        "error": error,
        "seconds": round(time.perf_counter() - start, 2),
        "pid": os.getpid(),
    }
    (run_dir / TRIAL_FILE).write_text(json.dumps(record, indent=2))
    return record
