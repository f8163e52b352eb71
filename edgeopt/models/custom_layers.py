"""Activation layers the standard Keras set lacks in a form every exporter understands.

Hard-swish and hard-sigmoid are written with relu6 so the TFLite converter folds them into its HARD_SWISH /
fused kernels and tf2onnx into Add/Clip/Mul that onnxruntime's QDQ fusion handles. They are registered for
serialization (so saved models load without custom_objects) and get a tfmot QuantizeConfig in
edgeopt/compress/qat.py.
"""

from __future__ import annotations

from edgeopt._keras import keras, tf


@keras.saving.register_keras_serializable(package="edgeopt")
class HardSwish(keras.layers.Layer):
    """x * relu6(x + 3) / 6 (Howard et al., 2019)."""

    def call(self, inputs):
        return inputs * tf.nn.relu6(inputs + 3.0) * (1.0 / 6.0)


@keras.saving.register_keras_serializable(package="edgeopt")
class HardSigmoid(keras.layers.Layer):
    """relu6(x + 3) / 6: the gate of MobileNetV3's squeeze-and-excite."""

    def call(self, inputs):
        return tf.nn.relu6(inputs + 3.0) * (1.0 / 6.0)


CUSTOM_OBJECTS = {"edgeopt>HardSwish": HardSwish, "edgeopt>HardSigmoid": HardSigmoid}
