"""Short fine-tuning runs shared by pruning, clustering and QAT (Adam, categorical cross-entropy)."""

from __future__ import annotations

import logging

import numpy as np

log = logging.getLogger(__name__)


def fine_tune(model, ds, epochs: int, learning_rate: float, batch_size: int, seed: int, callbacks=(), what: str = ""):
    """Compile (Adam) and fit `model` in place on the training split; returns the final validation accuracy."""
    from edgeopt._keras import keras

    if epochs == 0:
        return None
    optimizer = keras.optimizers.Adam(learning_rate=learning_rate)
    history = compile_and_fit(model, ds, epochs, batch_size, seed, optimizer, callbacks=callbacks)
    val = float(history.history["val_accuracy"][-1])
    log.info("%s: fine-tuned %d epoch(s), val_acc %.4f", what, epochs, val)
    return val


def compile_and_fit(model, ds, epochs, batch_size, seed, optimizer, label_smoothing=0.0, callbacks=()):
    """Categorical cross-entropy training on the train split, validated on the val split (seeded here unless
    `seed` is None because the caller seeded earlier)."""
    from edgeopt._keras import keras

    if seed is not None:
        keras.utils.set_random_seed(seed)
    model.compile(
        optimizer=optimizer,
        loss=keras.losses.CategoricalCrossentropy(label_smoothing=label_smoothing),
        metrics=["accuracy"],
    )
    from edgeopt import progress
    from edgeopt.data.images import ResizedImages

    one_hot = keras.utils.to_categorical
    steps = -(-len(ds.y_train) // batch_size) * epochs
    y_train = one_hot(ds.y_train, ds.num_classes)
    if isinstance(ds.x_train, ResizedImages):  # resized batch by batch, never whole
        data = {"x": resized_batches(ds.x_train, y_train, batch_size, seed)}
    else:
        data = {"x": ds.x_train, "y": y_train, "batch_size": batch_size, "shuffle": True}
    with progress.task(f"training {epochs} epoch(s)", total=steps) as bar:
        return model.fit(
            **data,
            validation_data=(np.asarray(ds.x_val), one_hot(ds.y_val, ds.num_classes)),
            epochs=epochs,
            verbose=0,
            callbacks=[*callbacks, progress.keras_callback(bar)],
        )


def resized_batches(x, y, batch_size: int, seed: int | None):
    """A keras Sequence over ResizedImages: each epoch a fresh seeded shuffle, each batch resized when asked for."""
    from edgeopt._keras import keras

    class Batches(keras.utils.Sequence):
        def __init__(self) -> None:
            super().__init__()
            self.rng = np.random.default_rng(seed)
            self.on_epoch_end()

        def __len__(self) -> int:
            return -(-len(y) // batch_size)

        def __getitem__(self, i):
            picked = np.sort(self.order[i * batch_size : (i + 1) * batch_size])
            return x[picked], y[picked]

        def on_epoch_end(self) -> None:
            self.order = self.rng.permutation(len(y))

    return Batches()


def selected(layer, include: list[str], exclude: list[str], layer_types: list[str] | None) -> bool:
    """Layer selection by name pattern (fnmatch) and by class name, as the recipe's prune/cluster sections say."""
    import fnmatch

    if layer_types is not None and layer.__class__.__name__ not in layer_types:
        return False
    if not any(fnmatch.fnmatch(layer.name, p) for p in include):
        return False
    return not any(fnmatch.fnmatch(layer.name, p) for p in exclude)
