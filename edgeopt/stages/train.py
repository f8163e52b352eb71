"""Train the float model on the training split, seeded; keep the weights of the last epoch."""

from __future__ import annotations

import logging
import math

from edgeopt.pipeline.context import StageContext, StageOutput

log = logging.getLogger(__name__)


def run(ctx: StageContext) -> StageOutput:
    from edgeopt._keras import keras
    from edgeopt.compress.finetune import compile_and_fit
    from edgeopt.models.io import load_keras_model, save_keras_model

    cfg, ds = ctx.config.train, ctx.dataset
    keras.utils.set_random_seed(ctx.config.seed)  # before loading: the seeded run is the documented one
    model = load_keras_model(ctx.need("build").path("model"), safe_mode=not ctx.trust_model)
    steps = max(1, cfg.epochs * math.ceil(len(ds.y_train) / cfg.batch_size))
    lr = cfg.learning_rate
    if cfg.schedule == "cosine":
        lr = keras.optimizers.schedules.CosineDecay(cfg.learning_rate, decay_steps=steps)
    if cfg.optimizer == "adam":
        optimizer = keras.optimizers.Adam(learning_rate=lr)
    else:
        optimizer = keras.optimizers.SGD(learning_rate=lr, momentum=0.9, nesterov=True)
    history = compile_and_fit(
        model,
        ds,
        cfg.epochs,
        cfg.batch_size,
        None,
        optimizer,
        cfg.label_smoothing,
        [keras.callbacks.LambdaCallback(on_epoch_end=_epoch_logger(cfg.epochs))],
    )
    save_keras_model(model, ctx.out("model.keras"))
    hist = {k: [round(float(v), 5) for v in vals] for k, vals in history.history.items()}
    result = {"epochs": cfg.epochs, "steps": steps, "history": hist}
    if hist.get("val_accuracy"):
        result["val_accuracy"] = hist["val_accuracy"][-1]
    return StageOutput({"model": "model.keras"}, result)


def _epoch_logger(epochs: int):
    def log_epoch(epoch: int, logs: dict | None) -> None:
        logs = logs or {}
        log.info(
            "train: epoch %d/%d loss %.4f acc %.4f val_acc %.4f",
            epoch + 1,
            epochs,
            logs.get("loss", float("nan")),
            logs.get("accuracy", float("nan")),
            logs.get("val_accuracy", float("nan")),
        )

    return log_epoch
