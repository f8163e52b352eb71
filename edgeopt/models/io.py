"""Saving and loading edgeopt's own tf_keras models (the .keras zip format, safe mode on)."""

from __future__ import annotations

from pathlib import Path

from edgeopt.atomic import atomic_path


def save_keras_model(model, path: Path) -> None:
    with atomic_path(path) as tmp:
        model.save(tmp)


def load_keras_model(path: Path, safe_mode: bool = True):
    from edgeopt._keras import keras
    from edgeopt.models import custom_layers  # noqa: F401  (registers HardSwish/HardSigmoid for loading)

    # safe_mode refuses deserializing Lambda code; only a model the user trusted (--trust-model) may carry it.
    return keras.models.load_model(path, compile=False, safe_mode=safe_mode)
