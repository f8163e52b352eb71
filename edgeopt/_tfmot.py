"""The one place edgeopt imports tensorflow-model-optimization (after Keras 2 is selected in _keras)."""

from __future__ import annotations

from edgeopt._keras import keras  # noqa: F401  (sets TF_USE_LEGACY_KERAS before tfmot imports TensorFlow)
from edgeopt.native_stderr import captured_native_stderr

with captured_native_stderr("tensorflow-model-optimization import"):
    import tensorflow_model_optimization as tfmot

__all__ = ["tfmot"]
