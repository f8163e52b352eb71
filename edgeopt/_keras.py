"""The one place edgeopt imports Keras.

tensorflow-model-optimization only understands Keras 2 (the `tf_keras` package). TF_USE_LEGACY_KERAS must be
set before TensorFlow is first imported, so every module gets Keras from here, never from `tensorflow.keras`.
"""

from __future__ import annotations

import os

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # keep C++ info chatter (cuda stubs, oneDNN) off stderr

import tensorflow as tf  # noqa: E402
import tf_keras as keras  # noqa: E402

tf.get_logger().setLevel("ERROR")

__all__ = ["keras", "tf"]
