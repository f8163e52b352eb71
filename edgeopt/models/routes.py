"""How the float model is held, recorded by the build stage and read by the stages after it."""

from __future__ import annotations

from enum import StrEnum


class Route(StrEnum):
    BUILDER = "builder"  # a registered builder (tf_keras)
    TF_KERAS = "tf_keras"  # a Keras 2 file, loaded as is
    REBUILT = "keras3_rebuilt"  # a Keras 3 file rebuilt in tf_keras: every stage works
    PTQ_ONLY = "keras3_savedmodel_ptq"  # a Keras 3 file exported as a SavedModel: post-training quantization only
