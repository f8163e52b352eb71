"""kill -9 in the middle of the latency tune of benchmarks/tune_budgets.py, then the same command: does it resume,
repeat no finished trial, and end with the same choice as the uninterrupted run?

Into a fresh folder holding only a copy of the local tune's first trial (both start from the same measured base),
with the work folder's latency store (`-- --retime` times every file again), `edgeopt tune` with the same flags is
started in its own process group; once --kill-after trials have finished (the copied base counts) and the next one
has started, the whole group gets SIGKILL. Then the same command runs to its end. Records which trials had
finished at the kill, which ones the second run ran, whether any finished trial ran again (its trial.json
rewritten), and both choices. Writes benchmarks/results/tune_resume.json.

    .venv/bin/python benchmarks/tune_resume.py [--work DIR] [--kill-after N] [-- --retime]
    (after benchmarks/tune_budgets.py)
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tune_budgets import from_local_base, store_env

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "results" / "tune_resume.json"
RECIPE = ROOT / "recipes" / "quickstart.yaml"
EDGEOPT = str(Path(sys.executable).parent / "edgeopt")
log = logging.getLogger("tune_resume")


def finished(trials: Path) -> dict[str, float]:
    """Trial folder -> mtime of its trial.json, for the trials that finished (any status)."""
    return {p.parent.name: p.stat().st_mtime for p in trials.glob("t[0-9]*/trial.json")}


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    ap = argparse.ArgumentParser()
    ap.add_argument("--work", type=Path, default=ROOT / "runs" / "tune_budgets")
    ap.add_argument("--kill-after", type=int, default=4)
    ap.add_argument("more", nargs="*", help="more tune flags, e.g. -- --retime (time every file again)")
    args = ap.parse_args()
    local, flags, out = from_local_base(args.work, "resume")
    cmd = [EDGEOPT, "tune", str(RECIPE), "-o", str(out), *flags, *args.more]
    env = store_env(args.work)

    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    trials = out / "trials"
    while proc.poll() is None:
        done = finished(trials)
        started = {p.name for p in trials.glob("t[0-9]*")}
        if len(done) >= args.kill_after and started - set(done):
            break
        time.sleep(2)
    if proc.poll() is not None:
        raise SystemExit(f"tune ended (exit {proc.returncode}) before {args.kill_after} trials finished")
    time.sleep(20)  # into the running trial's work, not at its first line
    at_kill = finished(trials)
    running = sorted({p.name for p in trials.glob("t[0-9]*")} - set(at_kill))
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    killed_s = time.perf_counter() - t0
    log.info("killed after %.0f s: finished %s, running %s", killed_s, sorted(at_kill), running)

    t1 = time.perf_counter()
    again = subprocess.run(cmd, capture_output=True, text=True, env=env)
    resumed_s = time.perf_counter() - t1
    tune = json.loads((out / "tune.json").read_text())
    after = finished(trials)
    rerun = sorted(t for t, m in at_kill.items() if after.get(t) != m)  # a finished trial written again
    c, lc = tune["chosen"], local["chosen"]
    result = {
        "flags": flags,
        "kill_after_trials": args.kill_after,
        "killed_at_s": round(killed_s, 1),
        "finished_at_kill": sorted(at_kill),
        "running_at_kill": running,
        "second_run": {
            "exit": again.returncode,
            "wall_s": round(resumed_s, 1),
            "trials_run_now": tune["trials_run_now"],
            "timings": tune["timings"],
            "resumed": [t["id"] for t in tune["trials"] if t.get("resumed")],
            "path": [t["id"] for t in tune["trials"]],
            "stopped": tune["stopped"],
        },
        "finished_trials_run_again": rerun,
        "chosen": {k: c[k] for k in ("key", "moves", "top1", "p90_ms", "bytes", "sha256")},
        "local_chosen": {k: lc[k] for k in ("key", "moves", "top1", "p90_ms", "bytes", "sha256")},
        "local_path": [t["id"] for t in local["trials"]],
    }
    result["same_choice"] = c["sha256"] == lc["sha256"]
    result["same_path"] = result["second_run"]["path"] == result["local_path"]
    OUT.write_text(json.dumps(result, indent=2) + "\n")
    log.info(
        "resumed: %d trial(s) run now, finished trials run again: %s, same choice: %s, same path: %s; wrote %s",
        tune["trials_run_now"],
        rerun or "none",
        result["same_choice"],
        result["same_path"],
        OUT,
    )


if __name__ == "__main__":
    main()
