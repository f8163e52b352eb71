"""MobileNetV3 int8 on the digits recipes: `edgeopt optimize` on recipes/mobilenet_v3_{small,large}_digits.yaml
(trained, verified on the test split with the official runtimes), then the run's four files timed in one
interleaved session (edgeopt.runtime.bench: each measurement in its own process, 1 thread, XNNPACK on, 5 rounds).
Records each file's top-1, the int8/float32 p50 ratio per format, and what the export stage kept float for speed
and why (report.json). Writes benchmarks/results/v3_digits.json.

    .venv/bin/python benchmarks/v3_digits.py [RECIPE ...]    # default: both MobileNetV3 digits recipes

Run folders go to runs/<recipe name> (a second run reuses their cached stages).
"""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = Path(__file__).resolve().parent / "results" / "v3_digits.json"
RECIPES = ["mobilenet_v3_small_digits.yaml", "mobilenet_v3_large_digits.yaml"]
FILES = ["tflite_float32", "tflite_int8", "onnx_float32", "onnx_int8"]
log = logging.getLogger("v3_digits")


def measure(recipe: str) -> dict:
    import edgeopt
    from edgeopt.runtime.bench import run_bench
    from edgeopt.runtime.targets import MeasureSettings

    started = time.monotonic()
    report = edgeopt.optimize(ROOT / "recipes" / recipe, run_dir=ROOT / "runs" / Path(recipe).stem)
    seconds = time.monotonic() - started
    run_dir = Path(report["run_dir"])
    arts = {a["name"]: a for a in report["artifacts"] if a["name"] in FILES}
    files = [run_dir / arts[n]["file"] for n in FILES]
    result = run_bench(files, [1], 5, MeasureSettings.defaults(warmup=20, min_runs=200, min_seconds=1.0))
    by_file = {r["model"]: r["p50_ms"] for r in result["results"]}
    p50 = {n: by_file[str(f)] for n, f in zip(FILES, files, strict=True)}
    top1 = {n: arts[n]["accuracy"]["top1"] for n in FILES}
    return {
        "optimize_seconds": round(seconds, 1),
        "top1": top1,
        "p50_ms": p50,
        "int8_to_float32": {fmt: p50[f"{fmt}_int8"] / p50[f"{fmt}_float32"] for fmt in ("tflite", "onnx")},
        "int8_top1_drop": {fmt: top1[f"{fmt}_float32"] - top1[f"{fmt}_int8"] for fmt in ("tflite", "onnx")},
        "speed": arts["tflite_int8"].get("speed"),
    }


def main() -> None:
    import argparse

    logging.basicConfig(level=logging.INFO, format="%(levelname).1s %(message)s")
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("recipes", nargs="*", default=RECIPES)
    args = parser.parse_args()
    rows = json.loads(OUT.read_text()) if OUT.is_file() else {}
    for recipe in args.recipes:
        rows[Path(recipe).stem] = measure(recipe)
        r = rows[Path(recipe).stem]
        log.info("%s: int8/float32 %s, top-1 %s", recipe, r["int8_to_float32"], r["top1"])
        OUT.parent.mkdir(parents=True, exist_ok=True)
        OUT.write_text(json.dumps(rows, indent=2, sort_keys=True) + "\n")


if __name__ == "__main__":
    main()
