"""Build the float Keras model (a registered builder, seeded) or load the user's own, and check it fits the data."""

from __future__ import annotations

import logging

import numpy as np

from edgeopt.atomic import atomic_path
from edgeopt.errors import InputRejected
from edgeopt.models.routes import Route
from edgeopt.pipeline.context import StageContext, StageOutput

log = logging.getLogger(__name__)


def run(ctx: StageContext) -> StageOutput:
    from edgeopt._keras import keras
    from edgeopt.models.io import save_keras_model

    cfg, data = ctx.config.model, ctx.need("data").result
    keras.utils.set_random_seed(ctx.config.seed)
    if cfg.path:
        from edgeopt.models.user_model import load_user_model

        loaded = load_user_model(ctx.recipe_dir / cfg.path, trust=ctx.trust_model)
        model = loaded.model
        source = {"path": cfg.path, "route": loaded.route}
        if loaded.note:
            source["route_note"] = loaded.note
        if loaded.route == Route.PTQ_ONLY and ctx.config.tf_keras_only:
            raise InputRejected(
                f"{loaded.note}; remove {', '.join(ctx.config.tf_keras_only)} from the recipe to quantize the model "
                "as it is"
            )
    else:
        model = _build(cfg, data, ctx)
        source = {"arch": cfg.arch, "route": Route.BUILDER}
    _check_fits(model, data)
    if source["route"] == Route.PTQ_ONLY:
        with atomic_path(ctx.out("model.keras")) as tmp:  # kept in Keras 3 format for the later stages
            model.save(tmp)
    else:
        save_keras_model(model, ctx.out("model.keras"))
    params = int(model.count_params())
    log.info("build: %s, %s parameters, input %s", model.name, f"{params:,}", data["input_shape"])
    from edgeopt.resources import memory_warning

    warning = memory_warning(params)
    if warning:
        log.warning("build: %s", warning)
    return StageOutput({"model": "model.keras"}, {"name": model.name, **source, "parameters": params})


def _build(cfg, data: dict, ctx: StageContext):
    from edgeopt.models import create_model

    model = create_model(
        cfg.arch,
        input_shape=tuple(data["input_shape"]),
        num_classes=data["num_classes"],
        width=cfg.width,
        dropout=cfg.dropout,
        small_input=cfg.small_input,
        bn_momentum=cfg.bn_momentum,
    )
    if cfg.weights:
        path = ctx.recipe_dir / cfg.weights
        try:
            model.load_weights(path)
        except Exception as exc:
            raise InputRejected(f"{path}: cannot load weights into {cfg.arch} ({type(exc).__name__}: {exc})") from exc
        log.info("build: initial weights from %s", path)
    return model


def _check_fits(model, data: dict) -> None:
    """The model's input and output must match the data before anything trains or converts."""
    expected_in = tuple(data["input_shape"])
    got_in = tuple(model.input_shape[1:])
    if got_in != expected_in:
        raise InputRejected(
            f"the model takes inputs shaped {got_in} but the data gives {expected_in}; "
            "set data.image_size and data.channels to match the model"
        )
    classes = model.output_shape[-1]
    if len(model.output_shape) != 2 or classes != data["num_classes"]:
        raise InputRejected(
            f"the model outputs shape {tuple(model.output_shape[1:])} but the data has {data['num_classes']} "
            "classes; expected one score per class"
        )
    nonfinite = [w.name for w in model.weights if not np.isfinite(np.asarray(w)).all()]
    if nonfinite:
        raise InputRejected(f"the model has NaN or Inf weights in {', '.join(nonfinite[:5])}")
