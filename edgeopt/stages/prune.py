"""Prune a copy of the float model with tfmot while fine-tuning, strip the wrappers, and measure the sparsity."""

from __future__ import annotations

import logging

import numpy as np

from edgeopt.errors import InputRejected
from edgeopt.pipeline.context import StageContext, StageOutput

log = logging.getLogger(__name__)


def run(ctx: StageContext) -> StageOutput:
    from edgeopt.compress.finetune import fine_tune, selected
    from edgeopt.compress.prune import prune_wrap, pruning_callbacks, strip
    from edgeopt.models.io import save_keras_model

    cfg, ds = ctx.config.prune, ctx.dataset
    model = ctx.load_model()
    begin, end, total = cfg.steps(len(ds.y_train))
    problem = cfg.schedule_problem(len(ds.y_train))
    if problem:
        raise InputRejected(problem)

    def select(layer):
        return selected(layer, cfg.include, cfg.exclude, cfg.layer_types)

    wrapped = prune_wrap(
        model,
        target_sparsity=cfg.target_sparsity,
        begin_step=begin,
        end_step=max(end, begin + 1),
        frequency=cfg.frequency,
        initial_sparsity=cfg.initial_sparsity,
        schedule=cfg.schedule,
        m_by_n=(2, 4) if cfg.structure == "2:4" else None,
        select=select,
    )
    pruned_names = [layer.layer.name for layer in wrapped.layers if layer.__class__.__name__ == "PruneLowMagnitude"]
    if not pruned_names:
        raise InputRejected("prune: no layer matched prune.include / exclude / layer_types")
    val = fine_tune(
        wrapped, ds, cfg.epochs, cfg.learning_rate, cfg.batch_size, ctx.config.seed, pruning_callbacks(), "prune"
    )
    stripped = strip(wrapped)
    save_keras_model(stripped, ctx.out("model.keras"))
    layers = {}
    for name in pruned_names:
        kernel = stripped.get_layer(name).get_weights()[0]
        layers[name] = round(float(np.mean(kernel == 0)), 4)
    overall = float(np.mean(list(layers.values())))
    log.info("prune: %d layers, mean sparsity %.3f (target %.2f)", len(layers), overall, cfg.target_sparsity)
    return StageOutput(
        {"model": "model.keras"},
        {
            "layers": layers,
            "mean_sparsity": overall,
            "target": cfg.target_sparsity,
            "structure": cfg.structure,
            "val_accuracy": val,
            "steps": total,
        },
    )
