"""`edgeopt tune` on the quickstart recipe for three budgets: trials to the budget, trials in all, wall time and
the chosen candidate. The budgets come from the quickstart's own files, measured first (one base trial):
  latency  p90 at most 0.6x the quickstart's int8 TFLite p90, at most 1 point of top-1 lost
  size     file at most 0.6x the quickstart's int8 TFLite file, at most 1 point lost
  both     the two together
The three tunes run in this order into one folder, as a user who tightens a budget would: trial 1 (the
quickstart itself) is measured once, before them (wall times leave its 3-4 minutes out), and a later tune takes
every trial an earlier one finished with the same recipe, and borrows its stages ("trials_run_now" says how many
it ran). 16 trials at most each. Their timings go to a latency store of the work folder (DIR/latency-store, not
~/.cache): a fresh DIR measures every file, and benchmarks/tune_ray.py and tune_resume.py, run after this one, read
the timings of the files they build alike (each row's "timings" says how many were measured now). Writes
benchmarks/results/tune_budgets.json.

    .venv/bin/python benchmarks/tune_budgets.py [--work DIR] [--only latency,size,both]
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "results" / "tune_budgets.json"
RECIPE = ROOT / "recipes" / "quickstart.yaml"
EDGEOPT = str(Path(sys.executable).parent / "edgeopt")
log = logging.getLogger("tune_budgets")


def store_env(work: Path) -> dict:
    """The environment of every tune of these benchmarks: the work folder's own latency store."""
    return {**os.environ, "EDGEOPT_LATENCY_STORE": str(work / "latency-store")}


def from_local_base(work: Path, name: str) -> tuple[dict, list[str], Path]:
    """For a rerun of the latency tune (tune_ray.py, tune_resume.py): the local tune.json, its flags, and a fresh
    folder work/name holding only a copy of the local tune's first trial (both start from the same measured base)."""
    local = json.loads((work / "latency.tune.json").read_text())
    flags = json.loads((work / "latency.row.json").read_text())["flags"]
    out = work / name
    shutil.rmtree(out, ignore_errors=True)
    base = work / "tune" / "trials" / local["trials"][0]["id"]
    shutil.copytree(base, out / "trials" / base.name)
    return local, flags, out


def tune(out: Path, *args: str) -> tuple[int, float, dict]:
    t0 = time.perf_counter()
    cmd = [EDGEOPT, "tune", str(RECIPE), "-o", str(out), *args]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=store_env(out.parent))
    seconds = time.perf_counter() - t0
    if not (out / "tune.json").is_file():
        raise SystemExit(f"tune failed (exit {proc.returncode}): {proc.stderr[-3000:]}")
    return proc.returncode, seconds, json.loads((out / "tune.json").read_text())


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    ap = argparse.ArgumentParser()
    ap.add_argument("--work", type=Path, default=ROOT / "runs" / "tune_budgets")
    ap.add_argument("--only", default="latency,size,both")
    ap.add_argument("--trials", type=int, default=16)
    args = ap.parse_args()
    _, _, base = tune(args.work / "tune", "--trials", "1")  # resumable: a finished base is reused
    int8 = next(c for c in base["candidates"] if c["artifact"] == "tflite_int8")
    log.info("quickstart int8 TFLite: p90 %.3f ms, %d bytes, top-1 %.4f", int8["p90_ms"], int8["bytes"], int8["top1"])
    p90, kib = 0.6 * int8["p90_ms"], 0.6 * int8["bytes"] / 1024
    budgets = {
        "latency": ["--max-p90-ms", f"{p90:.4f}"],
        "size": ["--max-size-kb", f"{kib:.2f}"],
        "both": ["--max-p90-ms", f"{p90:.4f}", "--max-size-kb", f"{kib:.2f}"],
    }
    rows = []
    for name in args.only.split(","):
        flags = [*budgets[name], "--max-drop", "0.01", "--trials", str(args.trials)]
        rows.append(budget_row(args.work, name, flags))
        log.info("%s: %s", name, json.dumps(rows[-1]))
        write(int8, base, rows)  # after every budget: a cut session keeps what finished


def budget_row(work: Path, name: str, flags: list[str]) -> dict:
    """One budget's tune into the shared folder, or the row it wrote when it finished before (resumable)."""
    row_file = work / f"{name}.row.json"
    if row_file.is_file() and json.loads(row_file.read_text())["flags"] == flags:
        return json.loads(row_file.read_text())
    code, seconds, r = tune(work / "tune", *flags)
    c = r["chosen"]
    row = {
        "budget": name,
        "flags": flags,
        "exit": code,
        "met": r["met"],
        "trials_to_budget": r["met_at_trial"],
        "trials": len(r["trials"]),
        "trials_run_now": r["trials_run_now"],
        "timings": {k: r["timings"][k] for k in ("now", "store", "folder")},
        "wall_s": round(seconds, 1),
        "stopped": r["stopped"],
        "chosen": {k: c[k] for k in ("key", "moves", "top1", "drop", "p90_ms", "bytes", "misses")},
        "trial_seconds": [t.get("seconds") for t in r["trials"]],
    }
    for f in ("tune.json", "chosen.yaml", "report.html"):  # the next budget's tune writes its own
        shutil.copy(work / "tune" / f, work / f"{name}.{f}")
    row_file.write_text(json.dumps(row, indent=2) + "\n")
    return row


def write(int8: dict, base: dict, rows: list[dict]) -> None:
    OUT.write_text(
        json.dumps(
            {
                "recipe": "recipes/quickstart.yaml",
                "base": {
                    "tflite_int8_p90_ms": int8["p90_ms"],
                    "tflite_int8_bytes": int8["bytes"],
                    "tflite_int8_top1": int8["top1"],
                    "reference_top1": base["reference_top1"],
                    "trial_s": base["trials"][0]["seconds"],
                },
                "budgets": rows,
            },
            indent=2,
        )
        + "\n"
    )
    log.info("wrote %s", OUT)


if __name__ == "__main__":
    main()
