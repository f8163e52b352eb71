"""Build the float Keras model from the registry, seeded, and save its initial weights."""

from __future__ import annotations

import logging

from edgeopt.pipeline.context import StageContext, StageOutput

log = logging.getLogger(__name__)


def run(ctx: StageContext) -> StageOutput:
    from edgeopt._keras import keras
    from edgeopt.models import create_model
    from edgeopt.models.io import save_keras_model

    cfg, data = ctx.recipe.model, ctx.need("data").result
    keras.utils.set_random_seed(ctx.recipe.seed)
    model = create_model(
        cfg.arch,
        input_shape=tuple(data["input_shape"]),
        num_classes=data["num_classes"],
        width=cfg.width,
        dropout=cfg.dropout,
        small_input=cfg.small_input,
        bn_momentum=cfg.bn_momentum,
    )
    save_keras_model(model, ctx.out("model.keras"))
    params = int(model.count_params())
    log.info("build: %s, %s parameters, input %s", model.name, f"{params:,}", data["input_shape"])
    return StageOutput({"model": "model.keras"}, {"name": model.name, "arch": cfg.arch, "parameters": params})
