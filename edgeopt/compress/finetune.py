"""Short fine-tuning runs shared by pruning, clustering and QAT (Adam, categorical cross-entropy)."""

from __future__ import annotations

import logging

log = logging.getLogger(__name__)


def fine_tune(model, ds, epochs: int, learning_rate: float, batch_size: int, seed: int, callbacks=(), what: str = ""):
    """Compile and fit `model` in place on the training split; returns the final validation accuracy."""
    from edgeopt._keras import keras

    if epochs == 0:
        return None
    keras.utils.set_random_seed(seed)
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=learning_rate),
        loss=keras.losses.CategoricalCrossentropy(),
        metrics=["accuracy"],
    )
    one_hot = keras.utils.to_categorical
    history = model.fit(
        ds.x_train,
        one_hot(ds.y_train, ds.num_classes),
        validation_data=(ds.x_val, one_hot(ds.y_val, ds.num_classes)),
        epochs=epochs,
        batch_size=batch_size,
        shuffle=True,
        verbose=0,
        callbacks=list(callbacks),
    )
    val = float(history.history["val_accuracy"][-1])
    log.info("%s: fine-tuned %d epoch(s), val_acc %.4f", what, epochs, val)
    return val


def selected(layer, include: list[str], exclude: list[str], layer_types: list[str] | None) -> bool:
    """Layer selection by name pattern (fnmatch) and by class name, as the recipe's prune/cluster sections say."""
    import fnmatch

    if layer_types is not None and layer.__class__.__name__ not in layer_types:
        return False
    if not any(fnmatch.fnmatch(layer.name, p) for p in include):
        return False
    return not any(fnmatch.fnmatch(layer.name, p) for p in exclude)
