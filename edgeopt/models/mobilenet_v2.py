"""MobileNetV2 (Sandler et al., 2018, arXiv:1801.04381), built with tf_keras.

`small_input` (default for inputs under 96 px) uses stride 1 in the stem and in the first stride-2 stage, the
usual CIFAR adaptation: a 32x32 input then ends at 4x4 instead of 1x1, which is what lets it learn.
BatchNorm momentum defaults to 0.9 so inference-mode statistics converge within a short training run.
"""

from __future__ import annotations

from edgeopt.models._layers import check_common, make_divisible
from edgeopt.models._registry import register_model

# (expansion t, output channels c, repeats n, first stride s) — Table 2 of the paper.
_BLOCKS = [
    (1, 16, 1, 1),
    (6, 24, 2, 2),
    (6, 32, 3, 2),
    (6, 64, 4, 2),
    (6, 96, 3, 1),
    (6, 160, 3, 2),
    (6, 320, 1, 1),
]


@register_model
def mobilenet_v2(
    input_shape=(224, 224, 3),
    num_classes: int = 1000,
    width: float = 1.0,
    dropout: float = 0.2,
    small_input: bool | None = None,
    bn_momentum: float = 0.9,
    include_top: bool = True,
):
    """MobileNetV2 with width multiplier `width`; returns an uncompiled tf_keras functional model."""
    from edgeopt._keras import keras

    layers = keras.layers
    h, _, _ = check_common("mobilenet_v2", input_shape, num_classes, width, dropout)
    if not (0 < bn_momentum < 1):
        raise ValueError(f"mobilenet_v2: `bn_momentum` must be in (0, 1). Received: bn_momentum={bn_momentum}")
    small = h < 96 if small_input is None else bool(small_input)

    def bn(x, name):
        return layers.BatchNormalization(momentum=bn_momentum, epsilon=1e-3, name=name)(x)

    inputs = keras.Input(shape=tuple(input_shape), name="input")
    ch = make_divisible(32 * width)
    x = layers.Conv2D(ch, 3, strides=1 if small else 2, padding="same", use_bias=False, name="stem_conv")(inputs)
    x = layers.ReLU(6.0, name="stem_relu")(bn(x, "stem_bn"))

    block = 0
    for stage, (t, c, n, s) in enumerate(_BLOCKS):
        out_ch = make_divisible(c * width)
        for i in range(n):
            stride = s if i == 0 else 1
            if small and stage == 1:
                stride = 1
            prefix = f"block{block}_"
            y = x
            in_ch = x.shape[-1]
            if t != 1:
                y = layers.Conv2D(in_ch * t, 1, use_bias=False, name=prefix + "expand")(y)
                y = layers.ReLU(6.0, name=prefix + "expand_relu")(bn(y, prefix + "expand_bn"))
            y = layers.DepthwiseConv2D(3, strides=stride, padding="same", use_bias=False, name=prefix + "dw")(y)
            y = layers.ReLU(6.0, name=prefix + "dw_relu")(bn(y, prefix + "dw_bn"))
            y = layers.Conv2D(out_ch, 1, use_bias=False, name=prefix + "project")(y)
            y = bn(y, prefix + "project_bn")
            if stride == 1 and in_ch == out_ch:
                y = layers.Add(name=prefix + "add")([x, y])
            x = y
            block += 1

    last = make_divisible(1280 * width) if width > 1.0 else 1280
    x = layers.Conv2D(last, 1, use_bias=False, name="head_conv")(x)
    x = layers.ReLU(6.0, name="head_relu")(bn(x, "head_bn"))
    x = layers.GlobalAveragePooling2D(name="pool")(x)
    if include_top:
        if dropout:
            x = layers.Dropout(dropout, name="dropout")(x)
        x = layers.Dense(num_classes, activation="softmax", name="classifier")(x)
    return keras.Model(inputs, x, name=f"mobilenet_v2_{width:g}")
