"""The one place edgeopt imports tensorflow-model-optimization (after Keras 2 is selected in _keras)."""

from __future__ import annotations

from edgeopt._keras import keras  # noqa: F401  (sets TF_USE_LEGACY_KERAS before tfmot imports TensorFlow)
from edgeopt.native_stderr import captured_native_stderr

with captured_native_stderr("tensorflow-model-optimization import"):
    import tensorflow_model_optimization as tfmot

    # QAT annotates layers with tfmot's own 8-bit registry, which its public API does not export.
    from tensorflow_model_optimization.python.core.quantization.keras.default_8bit import (
        default_8bit_quantize_registry,
    )

__all__ = ["default_8bit_quantize_registry", "tfmot"]
