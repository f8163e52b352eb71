"""Latency of the quickstart model's four files (TFLite / ONNX, float32 / int8) at 1 and 2 threads, each
measured in its own subprocess in interleaved rounds, with int8/float32 ratios and the harness-fidelity ratio
(edgeopt's median over a bare invoke()/run() loop timed right after). Writes benchmarks/results/latency.json.

    .venv/bin/python benchmarks/latency.py        # runs recipes/quickstart.yaml first if needed
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import edgeopt
from edgeopt.runtime.bench import run_bench

ROOT = Path(__file__).resolve().parents[1]
OUT = Path(__file__).resolve().parent / "results" / "latency.json"


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(levelname).1s %(message)s")
    report = edgeopt.optimize(ROOT / "recipes" / "quickstart.yaml", run_dir=ROOT / "runs" / "quickstart")
    run_dir = Path(report["run_dir"])
    files = {a["name"]: run_dir / a["file"] for a in report["artifacts"]}
    order = ["tflite_float32", "tflite_int8", "onnx_float32", "onnx_int8"]
    from edgeopt.runtime.targets import MeasureSettings

    settings = MeasureSettings.defaults(min_runs=200, min_seconds=1.0)
    result = run_bench([files[n] for n in order], threads=[1, 2], rounds=5, settings=settings)
    rows = {(Path(r["model"]).name, r["threads"]): r for r in result["results"]}
    ratios = {}
    for fmt, ext in (("tflite", "tflite"), ("onnx", "onnx")):
        for t in (1, 2):
            f32, i8 = rows[(f"model_float32.{ext}", t)], rows[(f"model_int8.{ext}", t)]
            ratios[f"{fmt}_int8_speedup_threads{t}"] = f32["p50_ms"] / i8["p50_ms"]
    result["int8_vs_float32"] = ratios
    result["fidelity"] = {f"{Path(r['model']).name}@{r['threads']}": r["fidelity_ratio"] for r in result["results"]}
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(result, indent=2) + "\n")
    logging.info("int8 vs float32: %s", {k: round(v, 2) for k, v in ratios.items()})
    logging.info("fidelity (p50 / bare-loop p50): %s", {k: round(v, 3) for k, v in result["fidelity"].items()})
    logging.info("wrote %s", OUT)


if __name__ == "__main__":
    main()
