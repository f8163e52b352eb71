"""EfficientNet (Tan and Le, 2019, arXiv:1905.11946) and EfficientNet-Lite (tensorflow/tpu,
models/official/efficientnet/lite), built with tf_keras.

EfficientNet-B0..B3 follow keras.applications' EfficientNet layer for layer (MBConv blocks with swish and
squeeze-excite, compound width/depth scaling, stochastic depth as Dropout with a per-sample noise shape); the
stride-2 depthwise convolutions use 'same' padding, which pads exactly as keras.applications' explicit
ZeroPadding2D + 'valid' does. EfficientNet-Lite0..4 make the changes the Lite builder lists: no squeeze-excite,
relu6 for swish, and the stem (32), the head (1280) and the first and last stages' repeats fixed while scaling.
`small_input` (default under 96 px) drops the strides of the stem and of the first stride-2 stage.
"""

from __future__ import annotations

import math

from edgeopt.models._layers import check_bn_momentum, check_common, make_divisible
from edgeopt.models._registry import register_model

# (kernel, repeats, filters in, filters out, expand ratio, stride, squeeze-excite ratio): Table 1 of the paper.
BLOCKS = [
    (3, 1, 32, 16, 1, 1, 0.25),
    (3, 2, 16, 24, 6, 2, 0.25),
    (5, 2, 24, 40, 6, 2, 0.25),
    (3, 3, 40, 80, 6, 2, 0.25),
    (5, 3, 80, 112, 6, 1, 0.25),
    (5, 4, 112, 192, 6, 2, 0.25),
    (3, 1, 192, 320, 6, 1, 0.25),
]
# name: (width coefficient, depth coefficient, resolution, dropout)
VARIANTS = {
    "efficientnet_b0": (1.0, 1.0, 224, 0.2),
    "efficientnet_b1": (1.0, 1.1, 240, 0.2),
    "efficientnet_b2": (1.1, 1.2, 260, 0.3),
    "efficientnet_b3": (1.2, 1.4, 300, 0.3),
    "efficientnet_lite0": (1.0, 1.0, 224, 0.2),
    "efficientnet_lite1": (1.0, 1.1, 240, 0.2),
    "efficientnet_lite2": (1.1, 1.2, 260, 0.3),
    "efficientnet_lite3": (1.2, 1.4, 280, 0.3),
    "efficientnet_lite4": (1.4, 1.8, 300, 0.3),
}


def _efficientnet(
    variant: str,
    input_shape,
    num_classes: int,
    width: float,
    dropout: float | None,
    small_input: bool | None,
    bn_momentum: float,
    include_top: bool,
    drop_connect_rate: float,
):
    from edgeopt._keras import keras

    layers = keras.layers
    lite = "lite" in variant
    w_coef, d_coef, _, default_dropout = VARIANTS[variant]
    w_coef *= width
    dropout = default_dropout if dropout is None else dropout
    h, _, _ = check_common(variant, input_shape, num_classes, width, dropout)
    check_bn_momentum(variant, bn_momentum)
    small = h < 96 if small_input is None else bool(small_input)
    act = "relu6" if lite else "swish"

    def filters(n: int, fixed: bool = False) -> int:
        return n if fixed else make_divisible(n * w_coef, 8)

    def repeats(n: int, fixed: bool) -> int:
        return n if fixed else math.ceil(d_coef * n)

    def bn_act(x, name, activation=True):
        x = layers.BatchNormalization(momentum=bn_momentum, epsilon=1e-3, name=f"{name}_bn")(x)
        return layers.Activation(act, name=f"{name}_activation")(x) if activation else x

    inputs = keras.Input(shape=tuple(input_shape), name="input")
    stem = filters(32, fixed=lite)
    x = layers.Conv2D(stem, 3, strides=1 if small else 2, padding="same", use_bias=False, name="stem_conv")(inputs)
    x = bn_act(x, "stem")
    stages = [
        (k, repeats(r, fixed=lite and i in (0, len(BLOCKS) - 1)), filters(fi), filters(fo), e, s, 0 if lite else se)
        for i, (k, r, fi, fo, e, s, se) in enumerate(BLOCKS)
    ]
    total, b, first_stride2 = sum(s[1] for s in stages), 0, True
    for i, (kernel, count, f_in, f_out, expand, stride, se) in enumerate(stages):
        if small and stride == 2 and first_stride2:
            stride, first_stride2 = 1, False
        for j in range(count):
            name = f"block{i + 1}{chr(ord('a') + j)}"
            x = _mbconv(
                x,
                f_in if j == 0 else f_out,
                f_out,
                kernel,
                stride if j == 0 else 1,
                expand,
                se,
                drop_connect_rate * b / total,
                act,
                bn_act,
                name,
            )
            b += 1
    x = layers.Conv2D(filters(1280, fixed=lite), 1, padding="same", use_bias=False, name="top_conv")(x)
    x = bn_act(x, "top")
    x = layers.GlobalAveragePooling2D(name="pool")(x)
    if include_top:
        if dropout:
            x = layers.Dropout(dropout, name="dropout")(x)
        x = layers.Dense(num_classes, activation="softmax", name="classifier")(x)
    return keras.Model(inputs, x, name=f"{variant}_{width:g}")


def _mbconv(x, f_in, f_out, kernel, stride, expand, se_ratio, drop_rate, act, bn_act, name):
    """Mobile inverted bottleneck: expand 1x1, depthwise kxk, squeeze-excite, project 1x1, residual."""
    from edgeopt._keras import keras

    layers = keras.layers
    inputs = x
    # The tensor's channels, not the table's: Lite keeps the stem at 32 while scaling the first stage's input.
    f_in = int(x.shape[-1])
    wide = f_in * expand
    if expand != 1:
        x = layers.Conv2D(wide, 1, padding="same", use_bias=False, name=f"{name}_expand_conv")(x)
        x = bn_act(x, f"{name}_expand")
    x = layers.DepthwiseConv2D(kernel, strides=stride, padding="same", use_bias=False, name=f"{name}_dwconv")(x)
    x = bn_act(x, name)
    if 0 < se_ratio <= 1:
        squeezed = max(1, int(f_in * se_ratio))
        s = layers.GlobalAveragePooling2D(keepdims=True, name=f"{name}_se_squeeze")(x)
        s = layers.Conv2D(squeezed, 1, padding="same", name=f"{name}_se_reduce")(s)
        s = layers.Activation(act, name=f"{name}_se_reduce_activation")(s)
        s = layers.Conv2D(wide, 1, padding="same", activation="sigmoid", name=f"{name}_se_expand")(s)
        x = layers.Multiply(name=f"{name}_se_excite")([x, s])
    x = layers.Conv2D(f_out, 1, padding="same", use_bias=False, name=f"{name}_project_conv")(x)
    x = bn_act(x, f"{name}_project", activation=False)
    if stride == 1 and f_in == f_out:
        if drop_rate > 0:
            x = layers.Dropout(drop_rate, noise_shape=(None, 1, 1, 1), name=f"{name}_drop")(x)
        x = layers.Add(name=f"{name}_add")([x, inputs])
    return x


def _register(variant: str):
    w, d, res, drop = VARIANTS[variant]
    kind = "EfficientNet-Lite (no SE, relu6, fixed stem/head)" if "lite" in variant else "EfficientNet (swish, SE)"

    def build(
        input_shape=(res, res, 3),
        num_classes: int = 1000,
        width: float = 1.0,
        dropout: float | None = None,
        small_input: bool | None = None,
        bn_momentum: float = 0.99,
        include_top: bool = True,
        drop_connect_rate: float = 0.2,
    ):
        return _efficientnet(
            variant, input_shape, num_classes, width, dropout, small_input, bn_momentum, include_top, drop_connect_rate
        )

    build.__name__ = variant
    build.__doc__ = f"{kind}: width {w}, depth {d}, {res} px canonical, dropout {drop}."
    register_model(build)


for _name in VARIANTS:
    _register(_name)
