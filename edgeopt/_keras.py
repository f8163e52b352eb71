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


def tflite_interface_tool():
    """TensorFlow Lite's modify_model_interface (sets a quantized file's input/output type), not in tf's public API."""
    from tensorflow.lite.tools.optimize.python import _pywrap_modify_model_interface as tool

    return tool


__all__ = ["SafeModeScope", "keras", "keras3", "tf", "tflite_interface_tool"]
