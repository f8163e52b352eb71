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
    if not (isinstance(num_classes, int) and num_classes >= 2):
        raise ValueError(f"{name}: `num_classes` must be an integer >= 2. Received: num_classes={num_classes!r}")
    if not (0 < width <= 4):
        raise ValueError(f"{name}: `width` must be in (0, 4]. Received: width={width}")
    if not (0 <= dropout < 1):
        raise ValueError(f"{name}: `dropout` must be in [0, 1). Received: dropout={dropout}")
    return h, w, c
