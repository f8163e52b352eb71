"""The one place edgeopt imports Keras.

tensorflow-model-optimization only understands Keras 2 (the `tf_keras` package). TF_USE_LEGACY_KERAS must be
set before TensorFlow is first imported, so every module gets Keras from here, never from `tensorflow.keras`.
"""

from __future__ import annotations

import os

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from edgeopt.native_stderr import captured_native_stderr

with captured_native_stderr("tensorflow import"):
    import tensorflow as tf
    import tf_keras as keras
    from tf_keras.src.saving.serialization_lib import SafeModeScope  # not re-exported by tf_keras' public API

    tf.config.list_physical_devices()  # device discovery logs a failed cuInit on CPU-only machines

tf.get_logger().setLevel("ERROR")


def keras3():
    """The Keras 3 package itself, only to read users' Keras 3 files (edgeopt builds and trains with tf_keras)."""
    with captured_native_stderr("keras 3 import"):
        import keras as k3
    return k3


def tflite_quantizer():
    """The steps TFLiteConverter.convert() runs after calibration (tensorflow.lite.python internals, which the
    QuantizationDebugger calls too): mlir_quantize, deduplicate_readonly_buffers, and the conversion-metadata
    helpers; edgeopt.formats.tflite.calibrated replays them on one calibrated model."""
    from types import SimpleNamespace

    from tensorflow.lite.python import convert, util
    from tensorflow.lite.tools import flatbuffer_utils

    return SimpleNamespace(
        mlir_quantize=convert.mlir_quantize,
        deduplicate=convert.deduplicate_readonly_buffers,
        to_object=flatbuffer_utils.convert_bytearray_to_object,
        to_bytes=flatbuffer_utils.convert_object_to_bytearray,
        model_hash=util.get_model_hash,
        add_metadata=util.populate_conversion_metadata,
    )


__all__ = ["SafeModeScope", "keras", "keras3", "tf", "tflite_quantizer"]
