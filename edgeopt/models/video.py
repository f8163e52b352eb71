"""Small 3D CNNs for clips (frames, height, width, channels), built with tf_keras.

- `c3d_small`: C3D's design (Tran et al., 2015, arXiv:1412.0767: 3x3x3 convolutions throughout, the first
  pooling spatial only) at a size that trains on the digits' clips: four conv stages of 32/64/128/256 x width.
- `r2plus1d_small`: the (2+1)D factorization (Tran et al., 2018, arXiv:1711.11248): each 3x3x3 convolution
  becomes a 1x3x3 spatial convolution, BatchNorm and ReLU, then a 3x1x1 temporal one; residual blocks.

Both use Conv3D, which TFLite runs in float only (README "Layer coverage").
"""

from __future__ import annotations

from edgeopt.models._layers import check_bn_momentum, check_head, classifier_head
from edgeopt.models._registry import register_model


def _check_clip(name, input_shape, num_classes, width, dropout) -> None:
    if not (isinstance(input_shape, (tuple, list)) and len(input_shape) == 4):
        raise ValueError(
            f"{name}: `input_shape` must be (frames, height, width, channels); use data.layout: clip. "
            f"Received: {input_shape!r}"
        )
    if input_shape[0] < 4 or min(input_shape[1:3]) < 8:
        raise ValueError(f"{name}: clips need at least 4 frames of 8x8. Received: {tuple(input_shape)}")
    check_head(name, num_classes, width, dropout)


@register_model
def c3d_small(
    input_shape=(8, 32, 32, 3),
    num_classes: int = 10,
    width: float = 1.0,
    dropout: float = 0.2,
    small_input: bool | None = None,
    bn_momentum: float = 0.9,
    include_top: bool = True,
):
    """C3D-style 3D CNN: 3x3x3 convolutions with BatchNorm, spatial-only first pooling, for short clips."""
    from edgeopt._keras import keras

    layers = keras.layers
    _check_clip("c3d_small", input_shape, num_classes, width, dropout)
    check_bn_momentum("c3d_small", bn_momentum)
    inputs = keras.Input(shape=tuple(input_shape), name="input")
    x = inputs
    for i, filters in enumerate((32, 64, 128, 256), start=1):
        x = layers.Conv3D(max(8, round(filters * width)), 3, padding="same", use_bias=False, name=f"conv{i}")(x)
        x = layers.ReLU(name=f"conv{i}_relu")(layers.BatchNormalization(momentum=bn_momentum, name=f"conv{i}_bn")(x))
        if i < 4:  # C3D keeps the time axis through the first pooling
            x = layers.MaxPooling3D((1, 2, 2) if i == 1 else 2, padding="same", name=f"pool{i}")(x)
    return keras.Model(inputs, classifier_head(x, num_classes, dropout, include_top), name=f"c3d_small_{width:g}")


@register_model
def r2plus1d_small(
    input_shape=(8, 32, 32, 3),
    num_classes: int = 10,
    width: float = 1.0,
    dropout: float = 0.2,
    small_input: bool | None = None,
    bn_momentum: float = 0.9,
    include_top: bool = True,
):
    """(2+1)D residual CNN: every 3x3x3 convolution factored into 1x3x3 spatial and 3x1x1 temporal ones."""
    from edgeopt._keras import keras

    layers = keras.layers
    _check_clip("r2plus1d_small", input_shape, num_classes, width, dropout)
    check_bn_momentum("r2plus1d_small", bn_momentum)

    def bn(x, name):
        return layers.BatchNormalization(momentum=bn_momentum, name=name)(x)

    def conv2plus1(x, filters, stride, name):
        x = layers.Conv3D(
            filters, (1, 3, 3), strides=(1, stride, stride), padding="same", use_bias=False, name=f"{name}_spatial"
        )(x)
        x = layers.ReLU(name=f"{name}_spatial_relu")(bn(x, f"{name}_spatial_bn"))
        x = layers.Conv3D(
            filters, (3, 1, 1), strides=(stride, 1, 1), padding="same", use_bias=False, name=f"{name}_temporal"
        )(x)
        return bn(x, f"{name}_temporal_bn")

    inputs = keras.Input(shape=tuple(input_shape), name="input")
    x = layers.ReLU(name="stem_relu")(conv2plus1(inputs, max(8, round(32 * width)), 1, "stem"))
    for i, (filters, stride) in enumerate(((32, 1), (64, 2), (128, 2)), start=1):
        f = max(8, round(filters * width))
        y = layers.ReLU(name=f"block{i}_relu1")(conv2plus1(x, f, stride, f"block{i}_a"))
        y = conv2plus1(y, f, 1, f"block{i}_b")
        if stride != 1 or x.shape[-1] != f:
            x = bn(layers.Conv3D(f, 1, strides=stride, use_bias=False, name=f"block{i}_project")(x), f"block{i}_pbn")
        x = layers.ReLU(name=f"block{i}_out")(layers.Add(name=f"block{i}_add")([x, y]))
    return keras.Model(inputs, classifier_head(x, num_classes, dropout, include_top), name=f"r2plus1d_small_{width:g}")
