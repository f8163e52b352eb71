"""Export stage: write every file the recipe's export section asks for, and describe what each contains."""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path

import numpy as np

from edgeopt.errors import ToolchainError
from edgeopt.hashing import gzip_size
from edgeopt.pipeline.context import StageContext, StageOutput

log = logging.getLogger(__name__)


def run(ctx: StageContext) -> StageOutput:
    cfg, model = ctx.config.files, ctx.load_model()
    calibration = np.load(ctx.need("quantize").path("calibration")) if ctx.has("quantize") else None
    with tempfile.TemporaryDirectory(prefix="edgeopt-savedmodel-") as work:
        saved_model = None
        if ctx.model_route == "keras3_savedmodel_ptq":
            from edgeopt.models.keras3_convert import export_savedmodel

            saved_model = Path(work) / "savedmodel"
            export_savedmodel(model, saved_model)
            log.info("export: Keras 3 model exported to a SavedModel; converting from it (post-training only)")
        return _export_all(ctx, cfg, model, calibration, saved_model)


def _export_all(ctx: StageContext, cfg, model, calibration, saved_model) -> StageOutput:
    from edgeopt.inspect.onnx import read_onnx
    from edgeopt.inspect.tflite import read_tflite
    from edgeopt.stages.export.onnx import (
        export_onnx_float,
        export_onnx_qat,
        quantize_onnx_dynamic,
        quantize_onnx_int8,
    )
    from edgeopt.stages.export.tflite import export_tflite

    files: dict[str, str] = {}
    artifacts: list[dict] = []

    budgets: list[dict] = []

    def record(name: str, fmt: str, precision: str, contents: dict, follow: tuple | None = None) -> None:
        path = ctx.out(files[name])
        entry = {
            "name": name,
            "format": fmt,
            "precision": precision,
            "file": files[name],
            "bytes": path.stat().st_size,
            "gzip_bytes": gzip_size(path),
            "contents": contents,
        }
        if follow is not None:
            budget, diagnosis = follow
            entry.update({"diagnosis": diagnosis, "budget": budget})
            if budget is not None:
                entry["precision"] = budget["precision"]
                budgets.append(_budget_gate(name, q, budget))
        artifacts.append(entry)
        log.info("export: %s (%s bytes)", files[name], f"{path.stat().st_size:,}")

    q = ctx.config.quantize
    follow = None
    if q is not None and ((q.method == "ptq" and q.diagnose) or q.max_drop is not None):
        from edgeopt.stages.export.auto import Int8Follow

        follow = Int8Follow(ctx, model, calibration, saved_model)
    qat_model = None
    if q is not None and q.method == "qat":
        from edgeopt.compress.qat import rebuild_qat_model

        quantized = ctx.need("quantize")
        qat_model = rebuild_qat_model(model, quantized.result["scheme"], quantized.path("qat_weights"))

    for precision in cfg.tflite:
        name = f"tflite_{precision}"
        files[name] = f"model_{precision}.tflite"
        if precision == "int8" and qat_model is not None:
            export_tflite(qat_model, ctx.out(files[name]), "int8", io=q.tflite_io, from_qat=True)
        else:
            io = q.tflite_io if q is not None else "int8"
            export_tflite(model, ctx.out(files[name]), precision, calibration, saved_model, io=io)
        contents = read_tflite(ctx.out(files[name])).to_dict()
        if precision == "int8" and contents["float_compute_ops"]:
            raise ToolchainError(
                f"{files[name]}: int8 export still has float compute operators {contents['float_compute_ops']}"
            )
        after = None
        if precision == "int8" and follow is not None:
            kept, budget, diagnosis = follow.tflite(ctx.out(files[name]))
            if kept.name != files[name]:  # a fallback was kept: describe that file (its float ops are on purpose)
                files[name] = kept.name
                contents = read_tflite(kept).to_dict()
            after = (budget, diagnosis)
        record(name, "tflite", precision, contents, after)

    if cfg.onnx:
        float_file = "model_float32.onnx"
        export_onnx_float(model, ctx.out(float_file), cfg.onnx_opset, saved_model)
        if "float32" in cfg.onnx:
            files["onnx_float32"] = float_file
            record("onnx_float32", "onnx", "float32", read_onnx(ctx.out(float_file)))
        if "dynamic" in cfg.onnx:
            files["onnx_dynamic"] = "model_dynamic.onnx"
            quantize_onnx_dynamic(ctx.out(float_file), ctx.out(files["onnx_dynamic"]), q.onnx_weights if q else "int8")
            record("onnx_dynamic", "onnx", "dynamic", read_onnx(ctx.out(files["onnx_dynamic"])))
        if "int8" in cfg.onnx:
            files["onnx_int8"] = "model_int8.onnx"
            if qat_model is not None:
                export_onnx_qat(qat_model, ctx.out(files["onnx_int8"]), cfg.onnx_opset)
            else:
                quantize_onnx_int8(
                    ctx.out(float_file),
                    ctx.out(files["onnx_int8"]),
                    calibration,
                    q.per_channel,
                    q.onnx_activations,
                    q.onnx_weights,
                    q.onnx_format,
                    q.onnx_calibration,
                )
            after = None
            if follow is not None:
                kept, budget, diagnosis = follow.onnx(ctx.out(float_file), ctx.out(files["onnx_int8"]))
                files["onnx_int8"] = kept.name
                after = (budget, diagnosis)
            contents = read_onnx(ctx.out(files["onnx_int8"]), executed=True)
            if contents["executed_float_compute_ops"]:
                log.warning(
                    "export: onnxruntime runs %d compute operators of model_int8.onnx in float: %s",
                    len(contents["executed_float_compute_ops"]),
                    contents["executed_float_compute_ops"],
                )
            record("onnx_int8", "onnx", "int8", contents, after)
        if "float32" not in cfg.onnx:
            ctx.out(float_file).unlink()
    return StageOutput(files, {"artifacts": artifacts, "budget_gates": budgets})


def _budget_gate(name: str, q, budget: dict) -> dict:
    chosen = next(a for a in budget["attempts"] if a["label"] == budget["chosen"])
    return {
        "gate": f"quantize.max_drop ({q.budget_split})",
        "artifact": name,
        "limit": q.max_drop,
        "value": chosen["drop"],
        "passed": budget["met"],
        "reason": budget["reason"],
    }
