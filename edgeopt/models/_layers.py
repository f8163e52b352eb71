"""Argument checks and small building blocks shared by the builders (Keras imported lazily)."""

from __future__ import annotations

from typing import Any


def make_divisible(value: float, divisor: int = 8, min_value: int | None = None) -> int:
    """Round channels to a multiple of `divisor`, never dropping more than 10% (MobileNet reference code)."""
    min_value = min_value or divisor
    new = max(min_value, int(value + divisor / 2) // divisor * divisor)
    if new < 0.9 * value:
        new += divisor
    return new


def check_common(name: str, input_shape: Any, num_classes: int, width: float, dropout: float) -> tuple[int, int, int]:
    """Validate the arguments every builder shares; messages follow Keras' "Received:" style."""
    if not (isinstance(input_shape, (tuple, list)) and len(input_shape) == 3):
        raise ValueError(f"{name}: `input_shape` must be (height, width, channels). Received: {input_shape!r}")
    h, w, c = (int(v) for v in input_shape)
    if h < 8 or w < 8:
        raise ValueError(f"{name}: input must be at least 8x8. Received: input_shape={tuple(input_shape)}")
    if c not in (1, 3):
        raise ValueError(f"{name}: channels must be 1 or 3. Received: channels={c}")
    check_head(name, num_classes, width, dropout)
    return h, w, c


def check_head(name: str, num_classes: int, width: float, dropout: float) -> None:
    """The checks every builder shares whatever its input's rank."""
    if not (isinstance(num_classes, int) and num_classes >= 2):
        raise ValueError(f"{name}: `num_classes` must be an integer >= 2. Received: num_classes={num_classes!r}")
    if not (0 < width <= 4):
        raise ValueError(f"{name}: `width` must be in (0, 4]. Received: width={width}")
    if not (0 <= dropout < 1):
        raise ValueError(f"{name}: `dropout` must be in [0, 1). Received: dropout={dropout}")


def activation(kind: str, name: str):
    """A fresh activation layer: relu, relu6 or hard_swish."""
    from edgeopt._keras import keras

    if kind == "relu":
        return keras.layers.ReLU(name=name)
    if kind == "relu6":
        return keras.layers.ReLU(6.0, name=name)
    if kind == "hard_swish":
        from edgeopt.models.custom_layers import HardSwish

        return HardSwish(name=name)
    raise ValueError(f"unknown activation. Received: {kind!r}; expected relu, relu6 or hard_swish")


def classifier_head(x, num_classes: int, dropout: float, include_top: bool, pool: bool = True):
    """Global average pooling (over however many spatial axes x has), then (with include_top) dropout and a
    softmax Dense classifier."""
    from edgeopt._keras import keras

    layers = keras.layers
    if pool:
        rank = len(x.shape) - 2
        x = {1: layers.GlobalAveragePooling1D, 2: layers.GlobalAveragePooling2D, 3: layers.GlobalAveragePooling3D}[
            rank
        ](name="pool")(x)
    if include_top:
        if dropout:
            x = layers.Dropout(dropout, name="dropout")(x)
        x = layers.Dense(num_classes, activation="softmax", name="classifier")(x)
    return x


def check_bn_momentum(name: str, bn_momentum: float) -> None:
    if not (0 < bn_momentum < 1):
        raise ValueError(f"{name}: `bn_momentum` must be in (0, 1). Received: bn_momentum={bn_momentum}")
