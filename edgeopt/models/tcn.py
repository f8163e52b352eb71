"""A temporal convolutional network for sequences (Bai, Kolter and Koltun, 2018, arXiv:1803.01271), built with
tf_keras: residual blocks of two dilated 1D convolutions (dilations 1, 2, 4, 8, ...), each with BatchNorm and
ReLU, a 1x1 projection where the width changes, then global average pooling and a softmax classifier.

The paper's convolutions are causal (left padding), for sequence modelling; a classifier sees the whole sequence
before it answers, so `causal=False` (the default) pads both sides. Causal padding costs a float Pad in
onnxruntime's int8 graph (README "Layer coverage"); TFLite keeps it int8.
"""

from __future__ import annotations

from edgeopt.models._layers import check_bn_momentum, check_head, classifier_head
from edgeopt.models._registry import register_model


@register_model
def tcn1d(
    input_shape=(32, 32),
    num_classes: int = 10,
    width: float = 1.0,
    dropout: float = 0.1,
    small_input: bool | None = None,
    bn_momentum: float = 0.9,
    levels: int = 4,
    kernel_size: int = 3,
    causal: bool = False,
    include_top: bool = True,
):
    """Temporal CNN for (steps, features) sequences: `levels` residual blocks with dilations 1, 2, 4, ...
    (64 channels x width). `small_input` is accepted for the common interface and unused."""
    from edgeopt._keras import keras

    layers = keras.layers
    _check_sequence(input_shape, num_classes, width, dropout)
    check_bn_momentum("tcn1d", bn_momentum)
    if not (isinstance(levels, int) and 1 <= levels <= 10):
        raise ValueError(f"tcn1d: `levels` must be an integer in [1, 10]. Received: levels={levels!r}")
    channels = max(8, round(64 * width))
    padding = "causal" if causal else "same"
    inputs = keras.Input(shape=tuple(input_shape), name="input")
    x = inputs
    for level in range(levels):
        d = 2**level
        shortcut = x
        for i in (1, 2):
            x = layers.Conv1D(
                channels, kernel_size, dilation_rate=d, padding=padding, use_bias=False, name=f"block{level}_conv{i}"
            )(x)
            x = layers.BatchNormalization(momentum=bn_momentum, name=f"block{level}_bn{i}")(x)
            if i == 1:
                x = layers.ReLU(name=f"block{level}_relu{i}")(x)
        if shortcut.shape[-1] != channels:
            shortcut = layers.Conv1D(channels, 1, name=f"block{level}_project")(shortcut)
        x = layers.ReLU(name=f"block{level}_out")(layers.Add(name=f"block{level}_add")([x, shortcut]))
    return keras.Model(inputs, classifier_head(x, num_classes, dropout, include_top), name=f"tcn1d_{width:g}")


def _check_sequence(input_shape, num_classes, width, dropout) -> None:
    if not (isinstance(input_shape, (tuple, list)) and len(input_shape) == 2):
        raise ValueError(
            f"tcn1d: `input_shape` must be (steps, features); use data.layout: sequence. Received: {input_shape!r}"
        )
    check_head("tcn1d", num_classes, width, dropout)
