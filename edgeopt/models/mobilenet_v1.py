"""MobileNetV1 (Howard et al., 2017, arXiv:1704.04861), built with tf_keras.

Layer for layer as keras.applications.MobileNet (channels int(c * width), 3x3 depthwise + 1x1 pointwise blocks).
`small_input` (default under 96 px) drops the strides of the stem and of the first stride-2 block.
"""

from __future__ import annotations

from edgeopt.models._layers import check_bn_momentum, check_common, classifier_head
from edgeopt.models._registry import register_model

# (pointwise filters, depthwise stride) for the 13 depthwise-separable blocks of Table 1.
_BLOCKS = [(64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2)] + [(512, 1)] * 5 + [(1024, 2), (1024, 1)]


@register_model
def mobilenet_v1(
    input_shape=(224, 224, 3),
    num_classes: int = 1000,
    width: float = 1.0,
    dropout: float = 0.001,
    small_input: bool | None = None,
    bn_momentum: float = 0.9,
    include_top: bool = True,
    depth_multiplier: int = 1,
):
    """MobileNetV1 with width multiplier `width` (alpha) and depthwise `depth_multiplier`."""
    from edgeopt._keras import keras

    layers = keras.layers
    h, _, _ = check_common("mobilenet_v1", input_shape, num_classes, width, dropout)
    check_bn_momentum("mobilenet_v1", bn_momentum)
    if not (isinstance(depth_multiplier, int) and depth_multiplier >= 1):
        raise ValueError(f"mobilenet_v1: `depth_multiplier` must be an integer >= 1. Received: {depth_multiplier!r}")
    small = h < 96 if small_input is None else bool(small_input)

    def bn(x, name):
        return layers.BatchNormalization(momentum=bn_momentum, epsilon=1e-3, name=name)(x)

    inputs = keras.Input(shape=tuple(input_shape), name="input")
    x = layers.Conv2D(int(32 * width), 3, strides=1 if small else 2, padding="same", use_bias=False, name="conv1")(
        inputs
    )
    x = layers.ReLU(6.0, name="conv1_relu")(bn(x, "conv1_bn"))
    first_stride2 = True
    for i, (filters, stride) in enumerate(_BLOCKS, start=1):
        if small and stride == 2 and first_stride2:
            stride, first_stride2 = 1, False
        x = layers.DepthwiseConv2D(
            3, strides=stride, padding="same", depth_multiplier=depth_multiplier, use_bias=False, name=f"conv_dw_{i}"
        )(x)
        x = layers.ReLU(6.0, name=f"conv_dw_{i}_relu")(bn(x, f"conv_dw_{i}_bn"))
        x = layers.Conv2D(int(filters * width), 1, use_bias=False, name=f"conv_pw_{i}")(x)
        x = layers.ReLU(6.0, name=f"conv_pw_{i}_relu")(bn(x, f"conv_pw_{i}_bn"))
    x = classifier_head(x, num_classes, dropout, include_top)
    return keras.Model(inputs, x, name=f"mobilenet_v1_{width:g}")
