"""Calibration samples for post-training quantization: stratified by class, seeded, from the training split."""

from __future__ import annotations

import numpy as np

from edgeopt.errors import InputRejected


def calibration_samples(ds, n: int, seed: int) -> np.ndarray:
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
