"""One model (ResNet-20 on the bundled digits, 32x32x3) through every compression technique: top-1, drop versus
the float model, raw and gzip size, batch-1 latency, per artifact. Writes benchmarks/results/techniques.json.

    .venv/bin/python benchmarks/techniques.py

All recipes share one run directory, so the data, build and train stages run once and are reused (same cache
keys). Drops are measured against the uncompressed float model of recipes/resnet20_digits.yaml (the baseline),
so pruning and clustering losses count; sizes are compared with the baseline's float32 TFLite file.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import edgeopt
import edgeopt.formats

ROOT = Path(__file__).resolve().parents[1]
RUN_DIR = ROOT / "runs" / "techniques"
OUT = Path(__file__).resolve().parent / "results" / "techniques.json"
RECIPES = ["resnet20_digits.yaml"] + [
    f"techniques/{n}.yaml"
    for n in (
        "prune50_int8",
        "prune_2x4_int8",
        "cluster16_int8",
        "qat_int8",
        "prune_qat_int8",
        "int16x8",
        "float16",
        "dynamic_range",
    )
]


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(levelname).1s %(message)s")
    rows, baseline = [], None
    for recipe in RECIPES:
        report = edgeopt.optimize(ROOT / "recipes" / recipe, run_dir=RUN_DIR, share_run_dir=True)
        (RUN_DIR / f"report-{report['recipe']}.json").write_text(json.dumps(report, indent=2))
        if baseline is None:
            baseline = {
                "float_top1": report["verify"]["float_top1"],
                "tflite_float32_gzip": next(a for a in report["artifacts"] if a["name"] == "tflite_float32")[
                    "gzip_bytes"
                ],
            }
        for a in report["artifacts"]:
            top1 = a["accuracy"]["top1"]
            # What the runtime really runs in float (TFLite: the file's tensors; ONNX: onnxruntime's profiler)
            floats = edgeopt.formats.get(a["format"]).float_compute_ops(a["contents"])
            rows.append(
                {
                    "recipe": report["recipe"],
                    "artifact": a["name"],
                    "top1": top1,
                    "drop_vs_baseline_float": baseline["float_top1"] - top1,
                    "drop_vs_start": a["accuracy"]["drop"],
                    "float_compute_ops": len(floats),
                    "float_compute_op_types": sorted(set(floats)),
                    "bytes": a["bytes"],
                    "gzip_bytes": a["gzip_bytes"],
                    "gzip_vs_baseline_float32": a["gzip_bytes"] / baseline["tflite_float32_gzip"],
                    "p50_ms": a["latency"]["p50_ms"],
                    "speedup_vs_float32": a["latency"].get("speedup_vs_float32"),
                }
            )
            logging.info(
                "%-15s %-15s top-1 %.4f drop %+.4f gzip %.3f",
                rows[-1]["recipe"],
                a["name"],
                top1,
                rows[-1]["drop_vs_baseline_float"],
                rows[-1]["gzip_vs_baseline_float32"],
            )

    def get(recipe, artifact):
        return next(r for r in rows if r["recipe"] == recipe and r["artifact"] == artifact)

    targets = {}
    for fmt in ("tflite", "onnx"):
        ptq, qat = get("resnet20_digits", f"{fmt}_int8"), get("qat_int8", f"{fmt}_int8")
        targets[f"{fmt}_ptq_int8_drop_le_1pt"] = ptq["drop_vs_baseline_float"] <= 0.01
        targets[f"{fmt}_qat_int8_drop_le_1pt"] = qat["drop_vs_baseline_float"] <= 0.01
        targets[f"{fmt}_qat_drop_le_ptq_drop"] = qat["drop_vs_baseline_float"] <= ptq["drop_vs_baseline_float"]
    targets["prune50_int8_gzip_le_0.20_float32"] = (
        get("prune50_int8", "tflite_int8")["gzip_vs_baseline_float32"] <= 0.20
    )
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps({"baseline": baseline, "targets": targets, "rows": rows}, indent=2) + "\n")
    logging.info("targets: %s", targets)
    logging.info("wrote %s", OUT)


if __name__ == "__main__":
    main()
