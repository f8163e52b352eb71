"""Cluster the weights of a copy of the float model with tfmot, fine-tune the centroids, strip, and count values."""

from __future__ import annotations

import logging

import numpy as np

from edgeopt.errors import InputRejected
from edgeopt.pipeline.context import StageContext, StageOutput

log = logging.getLogger(__name__)


def run(ctx: StageContext) -> StageOutput:
    from edgeopt.compress.cluster import cluster_wrap, strip
    from edgeopt.compress.finetune import fine_tune, selected
    from edgeopt.models.io import save_keras_model

    cfg, ds = ctx.config.cluster, ctx.dataset
    model = ctx.load_model()
    wrapped = cluster_wrap(
        model, cfg.clusters, cfg.init, lambda layer: selected(layer, cfg.include, cfg.exclude, cfg.layer_types)
    )
    names = [layer.layer.name for layer in wrapped.layers if layer.__class__.__name__ == "ClusterWeights"]
    if not names:
        raise InputRejected("cluster: no layer matched cluster.include / exclude / layer_types")
    val = fine_tune(wrapped, ds, cfg.epochs, cfg.learning_rate, cfg.batch_size, ctx.config.seed, (), "cluster")
    stripped = strip(wrapped)
    save_keras_model(stripped, ctx.out("model.keras"))
    unique = {n: int(np.unique(stripped.get_layer(n).get_weights()[0]).size) for n in names}
    log.info("cluster: %d layers, at most %d distinct values per kernel", len(unique), max(unique.values()))
    return StageOutput({"model": "model.keras"}, {"layers": unique, "clusters": cfg.clusters, "val_accuracy": val})
