"""MobileNetV3 Small and Large (Howard et al., 2019, arXiv:1905.02244), built with tf_keras.

Block tables as in keras.applications (Tables 1 and 2 of the paper). Hard-swish and the squeeze-excite gate use
edgeopt's HardSwish / HardSigmoid layers, which quantize to int8 in TFLite and ONNX. The "minimalistic" variants
drop squeeze-excite and hard-swish and use 3x3 kernels only: the int8-friendly form.
`small_input` (default under 96 px) drops the strides of the stem and of the first stride-2 block.
"""

from __future__ import annotations

from edgeopt.models._layers import activation, check_bn_momentum, check_common, make_divisible
from edgeopt.models._registry import register_model

# (kernel, expansion, filters, stride, squeeze-excite, activation); "K"/"A" take the variant's kernel/activation.
_SMALL = [
    (3, 1, 16, 2, True, "relu"),
    (3, 72 / 16, 24, 2, False, "relu"),
    (3, 88 / 24, 24, 1, False, "relu"),
    ("K", 4, 40, 2, True, "A"),
    ("K", 6, 40, 1, True, "A"),
    ("K", 6, 40, 1, True, "A"),
    ("K", 3, 48, 1, True, "A"),
    ("K", 3, 48, 1, True, "A"),
    ("K", 6, 96, 2, True, "A"),
    ("K", 6, 96, 1, True, "A"),
    ("K", 6, 96, 1, True, "A"),
]
_LARGE = [
    (3, 1, 16, 1, False, "relu"),
    (3, 4, 24, 2, False, "relu"),
    (3, 3, 24, 1, False, "relu"),
    ("K", 3, 40, 2, True, "relu"),
    ("K", 3, 40, 1, True, "relu"),
    ("K", 3, 40, 1, True, "relu"),
    (3, 6, 80, 2, False, "A"),
    (3, 2.5, 80, 1, False, "A"),
    (3, 2.3, 80, 1, False, "A"),
    (3, 2.3, 80, 1, False, "A"),
    (3, 6, 112, 1, True, "A"),
    (3, 6, 112, 1, True, "A"),
    ("K", 6, 160, 2, True, "A"),
    ("K", 6, 160, 1, True, "A"),
    ("K", 6, 160, 1, True, "A"),
]


def _mobilenet_v3(
    name,
    table,
    last_point,
    input_shape,
    num_classes,
    width,
    dropout,
    small_input,
    bn_momentum,
    include_top,
    minimalistic,
):
    from edgeopt._keras import keras
    from edgeopt.models.custom_layers import HardSigmoid

    layers = keras.layers
    h, _, _ = check_common(name, input_shape, num_classes, width, dropout)
    check_bn_momentum(name, bn_momentum)
    small = h < 96 if small_input is None else bool(small_input)
    kernel, act, use_se = (3, "relu", False) if minimalistic else (5, "hard_swish", True)
    stem_act = "relu" if minimalistic else "hard_swish"

    def bn(x, lname):
        return layers.BatchNormalization(momentum=bn_momentum, epsilon=1e-3, name=lname)(x)

    inputs = keras.Input(shape=tuple(input_shape), name="input")
    x = layers.Conv2D(16, 3, strides=1 if small else 2, padding="same", use_bias=False, name="stem_conv")(inputs)
    x = activation(stem_act, "stem_act")(bn(x, "stem_bn"))
    first_stride2 = True
    for i, (k, expansion, filters, stride, se, a) in enumerate(table):
        k = kernel if k == "K" else k
        a = act if a == "A" else a
        se = se and use_se
        if small and stride == 2 and first_stride2:
            stride, first_stride2 = 1, False
        p = f"block{i}_"
        in_ch = x.shape[-1]
        out_ch = make_divisible(filters * width)
        exp_ch = make_divisible(in_ch * expansion)
        y = x
        if i:  # the first block has no expansion conv (keras.applications and the reference code)
            y = layers.Conv2D(exp_ch, 1, use_bias=False, name=p + "expand")(y)
            y = activation(a, p + "expand_act")(bn(y, p + "expand_bn"))
        y = layers.DepthwiseConv2D(k, strides=stride, padding="same", use_bias=False, name=p + "dw")(y)
        y = activation(a, p + "dw_act")(bn(y, p + "dw_bn"))
        if se:
            ch = y.shape[-1]
            s = layers.GlobalAveragePooling2D(keepdims=True, name=p + "se_pool")(y)
            s = layers.Conv2D(make_divisible(ch * 0.25), 1, name=p + "se_reduce")(s)
            s = layers.ReLU(name=p + "se_relu")(s)
            s = layers.Conv2D(ch, 1, name=p + "se_expand")(s)
            s = HardSigmoid(name=p + "se_gate")(s)
            y = layers.Multiply(name=p + "se_scale")([y, s])
        y = bn(layers.Conv2D(out_ch, 1, use_bias=False, name=p + "project")(y), p + "project_bn")
        if stride == 1 and in_ch == out_ch:
            y = layers.Add(name=p + "add")([x, y])
        x = y
    last_conv = make_divisible(x.shape[-1] * 6)
    x = layers.Conv2D(last_conv, 1, use_bias=False, name="head_conv")(x)
    x = activation(act if not minimalistic else "relu", "head_act")(bn(x, "head_bn"))
    x = layers.GlobalAveragePooling2D(name="pool")(x)
    if include_top:
        point = make_divisible(last_point * width) if width > 1.0 else last_point
        x = layers.Dense(point, name="head_point")(x)
        x = activation(act if not minimalistic else "relu", "head_point_act")(x)
        if dropout:
            x = layers.Dropout(dropout, name="dropout")(x)
        x = layers.Dense(num_classes, activation="softmax", name="classifier")(x)
    suffix = "_minimalistic" if minimalistic else ""
    return keras.Model(inputs, x, name=f"{name}{suffix}_{width:g}")


@register_model
def mobilenet_v3_small(
    input_shape=(224, 224, 3),
    num_classes: int = 1000,
    width: float = 1.0,
    dropout: float = 0.2,
    small_input: bool | None = None,
    bn_momentum: float = 0.9,
    include_top: bool = True,
    minimalistic: bool = False,
):
    """MobileNetV3-Small (hard-swish, squeeze-excite); `minimalistic=True` for the int8-friendly variant."""
    return _mobilenet_v3(
        "mobilenet_v3_small",
        _SMALL,
        1024,
        input_shape,
        num_classes,
        width,
        dropout,
        small_input,
        bn_momentum,
        include_top,
        minimalistic,
    )


@register_model
def mobilenet_v3_large(
    input_shape=(224, 224, 3),
    num_classes: int = 1000,
    width: float = 1.0,
    dropout: float = 0.2,
    small_input: bool | None = None,
    bn_momentum: float = 0.9,
    include_top: bool = True,
    minimalistic: bool = False,
):
    """MobileNetV3-Large (hard-swish, squeeze-excite); `minimalistic=True` for the int8-friendly variant."""
    return _mobilenet_v3(
        "mobilenet_v3_large",
        _LARGE,
        1280,
        input_shape,
        num_classes,
        width,
        dropout,
        small_input,
        bn_momentum,
        include_top,
        minimalistic,
    )


@register_model
def mobilenet_v3_small_minimalistic(**kwargs):
    """MobileNetV3-Small minimalistic: ReLU, 3x3 kernels, no squeeze-excite (int8-friendly)."""
    return mobilenet_v3_small(**kwargs, minimalistic=True)


@register_model
def mobilenet_v3_large_minimalistic(**kwargs):
    """MobileNetV3-Large minimalistic: ReLU, 3x3 kernels, no squeeze-excite (int8-friendly)."""
    return mobilenet_v3_large(**kwargs, minimalistic=True)
