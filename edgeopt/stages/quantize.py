"""Choose the calibration samples every integer export uses, and for QAT fine-tune a fake-quant copy of the model.

QAT is prune-preserving when the model was pruned and cluster-preserving when it was clustered (tfmot's
collaborative-optimization schemes), so the zeros and shared values survive into the int8 files.
"""

from __future__ import annotations

import logging

import numpy as np

from edgeopt.atomic import atomic_path
from edgeopt.data.calibration import calibration_samples
from edgeopt.errors import InputRejected
from edgeopt.models.routes import Route
from edgeopt.pipeline.context import StageContext, StageOutput

log = logging.getLogger(__name__)


def run(ctx: StageContext) -> StageOutput:
    cfg, ds = ctx.config, ctx.dataset
    x = calibration_samples(ds, cfg.calibration_samples, cfg.seed)
    with atomic_path(ctx.out("calibration.npy")) as tmp, open(tmp, "wb") as fh:
        np.save(fh, x)
    files = {"calibration": "calibration.npy"}
    result: dict = {"method": "qat" if cfg.qat else "ptq", "samples": len(x)}
    if cfg.qat is not None:
        result.update(_qat(ctx, cfg, ds))
        files["qat_weights"] = "qat.weights.h5"
    return StageOutput(files, result)


def _qat(ctx: StageContext, cfg, ds) -> dict:
    from edgeopt.compress.qat import train_qat

    if ctx.model_route == Route.PTQ_ONLY:
        raise InputRejected("quantize.method qat needs a tf_keras model; this model is on the post-training route")
    log.info("quantize: QAT fine-tuning for %d epoch(s)", cfg.qat.epochs)
    model, scheme, val = train_qat(ctx.load_model(), ds, cfg.qat, cfg.seed)
    # tfmot's QAT layers do not reload from a .keras file (variable names change); the export stage rebuilds
    # the same wrapping from the float model and loads these weights.
    with atomic_path(ctx.out("qat.weights.h5")) as tmp:
        model.save_weights(tmp)
    return {"scheme": scheme, "qat_val_accuracy": val}
