"""The latency tune of benchmarks/tune_budgets.py again, on a real 2-CPU Ray cluster: a Ray head on 127.0.0.1 in a
loopback-only network namespace (as tests/conftest.py's ray_cluster starts it; root, `ip netns`), `edgeopt tune
--executor ray --trial-cpus 2` with the same flags, into a fresh folder holding only a copy of the local tune's
first trial (the quickstart itself, so both searches start from the same measured base), with the work folder's
latency store (files the Ray trials build byte for byte as the local ones are not timed again; `-- --retime` times
everything again). Records both choices, both paths, where the timings came from and whether they agree. Writes
benchmarks/results/tune_ray.json.

    .venv/bin/python benchmarks/tune_ray.py [--work DIR] [-- --retime]   # after benchmarks/tune_budgets.py
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import subprocess
import sys
import time
from pathlib import Path

from tune_budgets import from_local_base, store_env

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "results" / "tune_ray.json"
RECIPE = ROOT / "recipes" / "quickstart.yaml"
BIN = Path(sys.executable).parent
log = logging.getLogger("tune_ray")


def summary(tune: dict) -> dict:
    c = tune["chosen"]
    return {
        "chosen": {k: c[k] for k in ("key", "moves", "top1", "p90_ms", "bytes", "sha256")},
        "path": [t["id"] for t in tune["trials"]],
        "met_at_trial": tune["met_at_trial"],
        "timed_again": {
            x["key"]: [x["p90_first_ms"], x["p90_again_ms"]] for x in tune["candidates"] if "p90_again_ms" in x
        },
        "stopped": tune["stopped"],
    }


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    ap = argparse.ArgumentParser()
    ap.add_argument("--work", type=Path, default=ROOT / "runs" / "tune_budgets")
    ap.add_argument("more", nargs="*", help="more tune flags, e.g. -- --retime (time every file again)")
    args = ap.parse_args()
    local, flags, out = from_local_base(args.work, "ray")
    flags += args.more

    ns = f"edgeopt-tune-ray-{os.getpid()}"
    netns = ["ip", "netns", "exec", ns]
    env = {**store_env(args.work), "RAY_USAGE_STATS_ENABLED": "0"}
    subprocess.run(["ip", "netns", "add", ns], check=True)
    try:
        subprocess.run([*netns, "ip", "link", "set", "lo", "up"], check=True)
        head = [str(BIN / "ray"), "start", "--head", "--num-cpus", "2", "--node-ip-address", "127.0.0.1"]
        subprocess.run([*netns, *head, "--port", "6399", "--include-dashboard", "false"], check=True, env=env)
        try:
            cmd = [str(BIN / "edgeopt"), "tune", str(RECIPE), "-o", str(out), *flags]
            cmd += ["--executor", "ray", "--address", "127.0.0.1:6399", "--trial-cpus", "2"]
            t0 = time.perf_counter()
            proc = subprocess.run([*netns, *cmd], env=env)
            seconds = time.perf_counter() - t0
        finally:
            subprocess.run([*netns, str(BIN / "ray"), "stop", "--force"], env=env, capture_output=True)
    finally:
        subprocess.run(["ip", "netns", "del", ns], check=False)
    ray = json.loads((out / "tune.json").read_text())
    result = {
        "flags": flags,
        "local": summary(local),
        "ray": {**summary(ray), "exit": proc.returncode, "wall_s": round(seconds, 1), "timings": ray["timings"]},
    }
    result["same_choice"] = result["local"]["chosen"]["sha256"] == result["ray"]["chosen"]["sha256"]
    result["same_path"] = result["local"]["path"] == result["ray"]["path"]
    OUT.write_text(json.dumps(result, indent=2) + "\n")
    log.info("same choice: %s, same path: %s; wrote %s", result["same_choice"], result["same_path"], OUT)


if __name__ == "__main__":
    main()
