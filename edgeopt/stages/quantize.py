"""Choose the calibration samples every integer export uses, and for QAT fine-tune a fake-quant copy of the model.

QAT is prune-preserving when the model was pruned and cluster-preserving when it was clustered (tfmot's
collaborative-optimization schemes), so the zeros and shared values survive into the int8 files.
"""

from __future__ import annotations

import logging

import numpy as np

from edgeopt.atomic import atomic_path
from edgeopt.errors import InputRejected
from edgeopt.pipeline.context import StageContext, StageOutput

log = logging.getLogger(__name__)


def run(ctx: StageContext) -> StageOutput:
    cfg, ds = ctx.recipe.quantize, ctx.dataset
    x = _calibration(ds, cfg.calibration_samples, ctx.recipe.seed)
    with atomic_path(ctx.out("calibration.npy")) as tmp, open(tmp, "wb") as fh:
        np.save(fh, x)
    files = {"calibration": "calibration.npy"}
    result: dict = {"method": cfg.method, "samples": len(x)}
    if cfg.method == "qat":
        result.update(_qat(ctx, cfg, ds))
        files["qat_weights"] = "qat.weights.h5"
    return StageOutput(files, result)


def _calibration(ds, n: int, seed: int) -> np.ndarray:
    if n > len(ds.y_train):
        raise InputRejected(
            f"quantize.calibration_samples is {n} but the training split has only {len(ds.y_train)} samples"
        )
    # Stratified by class so a small calibration set still covers every class's activation range.
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(ds.y_train))
    by_class = [order[ds.y_train[order] == c] for c in range(ds.num_classes)]
    picked: list[int] = []
    i = 0
    while len(picked) < n:
        for idx in by_class:
            if i < len(idx) and len(picked) < n:
                picked.append(int(idx[i]))
        i += 1
    return ds.x_train[np.sort(picked)]


def _qat(ctx: StageContext, cfg, ds) -> dict:
    from edgeopt.compress.finetune import fine_tune
    from edgeopt.compress.qat import qat_wrap, scheme_for

    if ctx.model_route == "keras3_savedmodel_ptq":
        raise InputRejected("quantize.method qat needs a tf_keras model; this model is on the post-training route")
    pruned = ctx.recipe.prune is not None
    clustered = ctx.recipe.cluster is not None
    scheme = "pcqat" if pruned and clustered else "cqat" if clustered else "pqat" if pruned else "qat"
    model = qat_wrap(ctx.load_model(), scheme_for(preserve_sparsity=pruned, preserve_clusters=clustered))
    log.info("quantize: %s fine-tuning for %d epoch(s)", scheme.upper(), cfg.qat_epochs)
    val = fine_tune(model, ds, cfg.qat_epochs, cfg.qat_learning_rate, cfg.qat_batch_size, ctx.recipe.seed,
                    what="quantize (QAT)")  # fmt: skip
    # tfmot's QAT layers do not reload from a .keras file (variable names change); the export stage rebuilds
    # the same wrapping from the float model and loads these weights.
    with atomic_path(ctx.out("qat.weights.h5")) as tmp:
        model.save_weights(tmp)
    return {"scheme": scheme, "qat_val_accuracy": val}
