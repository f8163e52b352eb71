"""Map runtime tensor and node names back to the Keras layer that produced them, and rank layers."""

from __future__ import annotations

import math


def keras_layer(name: str, layers: set[str]) -> str | None:
    """The Keras layer a TFLite tensor or ONNX tensor/node name comes from, if its path names one.

    TFLite fuses ops and joins their names with ';' (the op that produced the tensor first); tf2onnx keeps the
    TensorFlow path "model/layer/Op:0". The innermost path component that is a layer name wins.
    """
    path = name.split(";")[0].split(":")[0].split("/")
    for part in reversed(path[:-1] if len(path) > 1 else path):
        if part in layers:
            return part
    return None


def sqnr_db(signal_power: float, noise_power: float) -> float:
    """10*log10(signal/noise); a noiseless tensor is capped at 200 dB so JSON stays finite."""
    if noise_power <= 0.0:
        return 200.0
    if signal_power <= 0.0:
        return -200.0
    return max(-200.0, min(200.0, 10.0 * math.log10(signal_power / noise_power)))


def rank(rows: list[dict]) -> list[dict]:
    """Most sensitive first (lowest SQNR); numbered from 1."""
    ordered = sorted(rows, key=lambda r: r["sqnr_db"])
    return [{"rank": i + 1, **r} for i, r in enumerate(ordered)]
