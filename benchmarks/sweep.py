"""Wall time of one 4-trial sweep with 1 and 2 workers, on the local process pool and on a Ray cluster.
Writes benchmarks/results/sweep.json.

    sudo .venv/bin/python benchmarks/sweep.py      (root: the Ray cluster runs in a loopback-only network namespace)

The trials are the tiny CNN on the bundled digits (model.width x train.epochs). Speed-up is the 1-worker wall
time divided by the 2-worker wall time of the same executor, measured in this one run.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tests.conftest import TINY_RECIPE  # noqa: E402

BIN = Path(sys.executable).parent
OUT = Path(__file__).resolve().parent / "results" / "sweep.json"
SWEEP = """\
name: bench
base: base.yaml
grid:
  model.width: [0.5, 1.0]
  train.epochs: [2, 3]
trial: {cpus: 1, memory_mb: 2048}
"""


def _sweep(work: Path, tag: str, prefix: list[str], extra: list[str]) -> float:
    out = work / f"out-{tag}"
    start = time.perf_counter()
    subprocess.run(
        [*prefix, str(BIN / "edgeopt"), "-q", "sweep", str(work / "sweep.yaml"), "-o", str(out), *extra],
        check=True,
        capture_output=True,
        timeout=3600,
    )
    wall = time.perf_counter() - start
    statuses = [json.loads((d / "trial.json").read_text())["status"] for d in sorted(out.glob("t0*"))]
    assert statuses == ["ok"] * 4, statuses
    return wall


def main() -> None:
    results: dict = {"trials": 4, "cores": len(os.sched_getaffinity(0))}
    with tempfile.TemporaryDirectory(prefix="edgeopt-sweep-bench-") as tmp:
        work = Path(tmp)
        (work / "base.yaml").write_text(TINY_RECIPE)
        (work / "sweep.yaml").write_text(SWEEP)
        for n in (1, 2):
            results[f"local_{n}_worker_s"] = _sweep(work, f"local{n}", [], ["--workers", str(n)])
        ns = f"edgeopt-bench-{os.getpid()}"
        subprocess.run(["ip", "netns", "add", ns], check=True)
        netns = ["ip", "netns", "exec", ns]
        try:
            subprocess.run([*netns, "ip", "link", "set", "lo", "up"], check=True)
            for n in (1, 2):
                subprocess.run(
                    [
                        *netns,
                        str(BIN / "ray"),
                        "start",
                        "--head",
                        "--num-cpus",
                        str(n),
                        "--port",
                        "6398",
                        "--node-ip-address",
                        "127.0.0.1",
                        "--include-dashboard",
                        "false",
                        "--disable-usage-stats",
                    ],
                    check=True,
                    capture_output=True,
                )
                try:
                    ray_args = ["--executor", "ray", "--address", "127.0.0.1:6398"]
                    results[f"ray_{n}_cpu_s"] = _sweep(work, f"ray{n}", netns, ray_args)
                finally:
                    subprocess.run([*netns, str(BIN / "ray"), "stop", "--force"], capture_output=True)
        finally:
            subprocess.run(["ip", "netns", "del", ns], check=False)
    results["local_speedup"] = results["local_1_worker_s"] / results["local_2_worker_s"]
    results["ray_speedup"] = results["ray_1_cpu_s"] / results["ray_2_cpu_s"]
    OUT.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
