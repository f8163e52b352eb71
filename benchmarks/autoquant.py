"""Diagnosis and strategy auto on a model with one quantization-hostile layer (tests/hostile_model.py), plus the
per-layer diagnosis of the quickstart model. Writes benchmarks/results/autoquant.json.

    .venv/bin/python benchmarks/autoquant.py

Three runs of the hostile model: plain PTQ (strategy none), auto with every fallback, and auto limited to QAT.
Accuracy of every attempt is measured on the validation split while exporting; the verify stage then measures the
kept files on the test split.
"""

from __future__ import annotations

import json
import logging
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # tests.hostile_model

import edgeopt  # noqa: E402
from tests.hostile_model import save_hostile_model  # noqa: E402

OUT = Path(__file__).resolve().parent / "results" / "autoquant.json"
RECIPE = """\
name: hostile-{name}
data: {{image_size: 16, channels: 1}}
model: {{path: hostile.keras}}
quantize: {{calibration_samples: 100, max_drop: 0.02, {quantize}}}
export: {{tflite: [float32, int8], onnx: [float32, int8]}}
verify: {{max_drop: 1.0}}
"""
RUNS = {"plain": "strategy: none", "auto": "strategy: auto", "qat_only": "strategy: auto, fallbacks: [qat]"}


def _summary(report: dict) -> dict:
    out = {"passed": report["passed"], "float_top1_test": report["verify"]["float_top1"], "artifacts": {}}
    for a in report["artifacts"]:
        entry = {
            "file": a["file"],
            "precision": a["precision"],
            "test_top1": a["accuracy"]["top1"],
            "test_drop": a["accuracy"]["drop"],
        }
        if a.get("diagnosis") and "layers" in a["diagnosis"]:
            entry["top_layers"] = [
                {k: r.get(k) for k in ("rank", "layer", "tensor", "sqnr_db")} for r in a["diagnosis"]["layers"][:3]
            ]
        if a.get("budget"):
            entry["budget"] = {k: a["budget"][k] for k in ("met", "chosen", "reason")}
            entry["attempts"] = [
                {k: t.get(k) for k in ("label", "top1", "drop", "latency_p50_ms", "skipped", "failed") if k in t}
                for t in a["budget"]["attempts"]
            ]
        out["artifacts"][a["name"]] = entry
    return out


def _qat_onnx_levels(work: Path) -> dict:
    """Test top-1 of the hostile model's QAT ONNX file under each onnxruntime graph optimization level."""
    import numpy as np
    import onnxruntime as ort

    from edgeopt.compress.qat import train_qat
    from edgeopt.data import load_dataset
    from edgeopt.formats.onnx.convert import export_onnx_qat
    from edgeopt.models.io import load_keras_model
    from edgeopt.recipe.schema import DataConfig, QuantizeConfig
    from edgeopt.recipe.stage_configs import QatSettings

    qat_settings = QatSettings(epochs=2, learning_rate=1e-4, batch_size=32, pruned=False, clustered=False)
    ds = load_dataset(DataConfig(image_size=16, channels=1), seed=0)
    qat, _, _ = train_qat(load_keras_model(work / "hostile.keras"), ds, qat_settings, 0)
    export_onnx_qat(qat, work / "qat.onnx", 17, ds.x_train[:100], QuantizeConfig())
    out = {}
    for level in ("ORT_DISABLE_ALL", "ORT_ENABLE_BASIC", "ORT_ENABLE_ALL"):
        options = ort.SessionOptions()
        options.graph_optimization_level = getattr(ort.GraphOptimizationLevel, level)
        session = ort.InferenceSession(str(work / "qat.onnx"), options, providers=["CPUExecutionProvider"])
        probs = session.run(None, {"input": ds.x_test.astype(np.float32)})[0]
        out[level] = float((probs.argmax(1) == ds.y_test).mean())
    return out


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(levelname).1s %(message)s")
    results = {}
    with tempfile.TemporaryDirectory(prefix="edgeopt-autoquant-") as work:
        work = Path(work)
        save_hostile_model(work / "hostile.keras")
        for name, quantize in RUNS.items():
            (work / f"{name}.yaml").write_text(RECIPE.format(name=name, quantize=quantize))
            results[f"hostile_{name}"] = _summary(edgeopt.optimize(work / f"{name}.yaml", run_dir=work / name))
        results["hostile_qat_onnx_by_ort_level"] = _qat_onnx_levels(work)
    quick = edgeopt.optimize(ROOT / "recipes" / "quickstart.yaml", run_dir=ROOT / "runs" / "quickstart")
    results["quickstart"] = _summary(quick)
    OUT.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
