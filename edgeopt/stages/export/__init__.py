"""Export stage: every format backend (edgeopt.formats) writes the files the recipe's export section lists for it
and describes what each contains."""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path

import numpy as np

from edgeopt.models.routes import Route
from edgeopt.pipeline.context import StageContext, StageOutput

log = logging.getLogger(__name__)


def run(ctx: StageContext) -> StageOutput:
    cfg, model = ctx.config.files, ctx.load_model()
    calibration = np.load(ctx.need("quantize").path("calibration")) if ctx.has("quantize") else None
    with tempfile.TemporaryDirectory(prefix="edgeopt-savedmodel-") as work:
        saved_model = None
        if ctx.model_route == Route.PTQ_ONLY:
            from edgeopt.models.keras3_convert import export_savedmodel

            saved_model = Path(work) / "savedmodel"
            export_savedmodel(model, saved_model)
            log.info("export: Keras 3 model exported to a SavedModel; converting from it (post-training only)")
        return _export_all(ctx, cfg, model, calibration, saved_model)


def _export_all(ctx: StageContext, cfg, model, calibration, saved_model) -> StageOutput:
    from edgeopt.formats import FORMATS, ExportJob

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
    job = ExportJob(ctx.out, model, calibration, saved_model, q, qat_model, follow, cfg.onnx_opset)
    for fmt in FORMATS.values():  # export.<format name> lists that format's precisions
        precisions = getattr(cfg, fmt.name)
        if precisions:
            fmt.export(job, precisions)
    return StageOutput(job.files, {"artifacts": job.artifacts, "budget_gates": job.budgets})
