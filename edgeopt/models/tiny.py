"""Tiny models registered like real ones, so tests over the registry run in seconds (timm's test_* models)."""

from __future__ import annotations

from edgeopt.models._layers import check_common, make_divisible
from edgeopt.models._registry import register_model


@register_model
def tiny_cnn(
    input_shape=(16, 16, 3),
    num_classes: int = 10,
    width: float = 1.0,
    dropout: float = 0.0,
    small_input: bool | None = None,
    bn_momentum: float = 0.9,
    include_top: bool = True,
):
    """conv-bn-relu, a depthwise-separable block with a residual add, pooling, classifier."""
    from edgeopt._keras import keras

    layers = keras.layers
    check_common("tiny_cnn", input_shape, num_classes, width, dropout)
    ch = make_divisible(16 * width)
    inputs = keras.Input(shape=tuple(input_shape), name="input")
    x = layers.Conv2D(ch, 3, strides=2, padding="same", use_bias=False, name="stem_conv")(inputs)
    x = layers.BatchNormalization(momentum=bn_momentum, name="stem_bn")(x)
    x = layers.ReLU(6.0, name="stem_relu")(x)
    y = layers.DepthwiseConv2D(3, padding="same", use_bias=False, name="dw")(x)
    y = layers.BatchNormalization(momentum=bn_momentum, name="dw_bn")(y)
    y = layers.ReLU(6.0, name="dw_relu")(y)
    y = layers.Conv2D(ch, 1, use_bias=False, name="project")(y)
    y = layers.BatchNormalization(momentum=bn_momentum, name="project_bn")(y)
    x = layers.Add(name="add")([x, y])
    x = layers.GlobalAveragePooling2D(name="pool")(x)
    if include_top:
        if dropout:
            x = layers.Dropout(dropout, name="dropout")(x)
        x = layers.Dense(num_classes, activation="softmax", name="classifier")(x)
    return keras.Model(inputs, x, name="tiny_cnn")
