"""Choose the calibration (representative) samples that both the TFLite and the ONNX int8 exports use."""

from __future__ import annotations

import numpy as np

from edgeopt.atomic import atomic_path
from edgeopt.errors import InputRejected
from edgeopt.pipeline.context import StageContext, StageOutput


def run(ctx: StageContext) -> StageOutput:
    cfg, ds = ctx.recipe.quantize, ctx.dataset
    n = cfg.calibration_samples
    if n > len(ds.y_train):
        raise InputRejected(
            f"quantize.calibration_samples is {n} but the training split has only {len(ds.y_train)} samples"
        )
    # Stratified by class so a small calibration set still covers every class's activation range.
    rng = np.random.default_rng(ctx.recipe.seed)
    order = rng.permutation(len(ds.y_train))
    by_class = [order[ds.y_train[order] == c] for c in range(ds.num_classes)]
    picked: list[int] = []
    i = 0
    while len(picked) < n:
        for idx in by_class:
            if i < len(idx) and len(picked) < n:
                picked.append(int(idx[i]))
        i += 1
    x = ds.x_train[np.sort(picked)]
    with atomic_path(ctx.out("calibration.npy")) as tmp, open(tmp, "wb") as fh:
        np.save(fh, x)
    return StageOutput({"calibration": "calibration.npy"}, {"method": cfg.method, "samples": len(x)})
