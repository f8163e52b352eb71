"""MobileNetV3 int8 on the digits recipes: `edgeopt optimize` on recipes/mobilenet_v3_{small,large}_digits.yaml
(trained, verified on the test split with the official runtimes), then the run's four files timed in one
interleaved session (edgeopt.runtime.bench: each measurement in its own process, 1 thread, XNNPACK on, 5 rounds),
each round once as the machine is and once with AMX refused to the measuring process (bench.amx: false; the same
as the first on a CPU without AMX). Records each file's top-1, the int8/float32 p50 ratio per format both ways,
and what the export stage kept float for speed and why (report.json). Writes benchmarks/results/v3_digits.json.

    .venv/bin/python benchmarks/v3_digits.py [--image-size N] [--width W] [RECIPE ...]   # default: both recipes

--image-size and --width run the recipe with data.image_size / model.width set instead of its own (rows
"<recipe>@<N>px", "<recipe>@<N>px-w<W>" when the width is not the recipe's). Run folders go to runs/<recipe
name>[-<N>px][-w<W>] (a second run reuses their cached stages).
"""

from __future__ import annotations

import json
import logging
import statistics
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
OUT = Path(__file__).resolve().parent / "results" / "v3_digits.json"
RECIPES = ["mobilenet_v3_small_digits.yaml", "mobilenet_v3_large_digits.yaml"]
FILES = ["tflite_float32", "tflite_int8", "onnx_float32", "onnx_int8"]
log = logging.getLogger("v3_digits")


def measure(recipe: str, image_size: int | None = None, width: float | None = None) -> dict:
    import tempfile

    import edgeopt
    from edgeopt.runtime.bench import run_bench
    from edgeopt.runtime.targets import MeasureSettings

    path, run_dir = ROOT / "recipes" / recipe, ROOT / "runs" / Path(recipe).stem
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="edgeopt-v3-") as tmp:
        if image_size or width:
            spec = yaml.safe_load(path.read_text())
            if image_size:
                spec["data"]["image_size"] = image_size
                run_dir = run_dir.with_name(f"{run_dir.name}-{image_size}px")
            if width:
                spec["model"]["width"] = width
                run_dir = run_dir.with_name(f"{run_dir.name}-w{width:g}")
            path = Path(tmp) / recipe
            path.write_text(yaml.safe_dump(spec, sort_keys=False))
        report = edgeopt.optimize(path, run_dir=run_dir)
        spec = yaml.safe_load(path.read_text())
        size, used_width = spec["data"]["image_size"], spec["model"].get("width")
    seconds = time.monotonic() - started
    run_dir = Path(report["run_dir"])
    arts = {a["name"]: a for a in report["artifacts"] if a["name"] in FILES}
    files = [run_dir / arts[n]["file"] for n in FILES]
    rounds: dict[str, list[dict]] = {"native": [], "no_amx": []}
    amx_state = {}
    for _ in range(5):  # one round each way, alternating: drift hits both alike
        for way, amx in (("native", True), ("no_amx", False)):
            settings = MeasureSettings.defaults(warmup=20, min_runs=200, min_seconds=1.0, amx=amx)
            result = run_bench(files, [1], 1, settings)
            by_file = {r["model"]: r["p50_ms"] for r in result["results"]}
            rounds[way].append({n: by_file[str(f)] for n, f in zip(FILES, files, strict=True)})
            amx_state[way] = result["results"][0]["settings"].get("amx")
    p50 = {way: {n: statistics.median(r[n] for r in rs) for n in FILES} for way, rs in rounds.items()}
    top1 = {n: arts[n]["accuracy"]["top1"] for n in FILES}
    return {
        "optimize_seconds": round(seconds, 1),
        "image_size": size,
        "width": used_width,
        "machine": result["machine"],
        "amx": amx_state,
        "top1": top1,
        "p50_ms": p50,
        "int8_to_float32": {
            way: {fmt: v[f"{fmt}_int8"] / v[f"{fmt}_float32"] for fmt in ("tflite", "onnx")} for way, v in p50.items()
        },
        "int8_top1_drop": {fmt: top1[f"{fmt}_float32"] - top1[f"{fmt}_int8"] for fmt in ("tflite", "onnx")},
        "speed": arts["tflite_int8"].get("speed"),
    }


def main() -> None:
    import argparse

    logging.basicConfig(level=logging.INFO, format="%(levelname).1s %(message)s")
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("recipes", nargs="*", default=RECIPES)
    parser.add_argument("--image-size", type=int, help="data.image_size instead of the recipe's own")
    parser.add_argument("--width", type=float, help="model.width instead of the recipe's own")
    args = parser.parse_args()
    rows = json.loads(OUT.read_text()) if OUT.is_file() else {}
    for recipe in args.recipes:
        r = measure(recipe, args.image_size, args.width)
        rows[f"{Path(recipe).stem}@{r['image_size']}px" + (f"-w{args.width:g}" if args.width else "")] = r
        log.info("%s: int8/float32 %s, top-1 %s", recipe, r["int8_to_float32"], r["top1"])
        OUT.parent.mkdir(parents=True, exist_ok=True)
        OUT.write_text(json.dumps(rows, indent=2, sort_keys=True) + "\n")


if __name__ == "__main__":
    main()
