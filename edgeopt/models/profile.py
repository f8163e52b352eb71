"""Per-layer output shapes, parameters and multiply-accumulates (MACs) of a tf_keras model.

MACs count what the papers count: the multiply-adds of convolutions and fully connected layers. BatchNorm
(folded into convolutions at export), activations, pooling and element-wise ops are listed with 0.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class LayerProfile:
    name: str
    kind: str
    output_shape: tuple
    params: int
    macs: int


def conv_output_size(size: int, kernel: int, stride: int = 1, padding: int = 0, dilation: int = 1) -> int:
    """out = floor((in + 2*pad - dilation*(k-1) - 1) / stride) + 1 (explicit symmetric padding)."""
    return (size + 2 * padding - dilation * (kernel - 1) - 1) // stride + 1


def same_output_size(size: int, stride: int) -> int:
    """Keras/TF 'same' padding: out = ceil(in / stride), whatever the kernel and dilation."""
    return math.ceil(size / stride)


def _shape(layer) -> tuple:
    shape = layer.output_shape
    if isinstance(shape, list):
        shape = shape[0]
    return tuple(shape)


def layer_macs(layer) -> int:
    from edgeopt._keras import keras

    L = keras.layers
    out = _shape(layer)
    spatial = math.prod(d for d in out[1:-1] if d) if len(out) > 2 else 1
    if isinstance(layer, L.DepthwiseConv2D):  # before Conv2D: DepthwiseConv2D subclasses it
        k = math.prod(layer.kernel_size)
        return spatial * k * out[-1]
    if isinstance(layer, L.SeparableConv2D):
        in_ch = layer.input_shape[-1]
        k = math.prod(layer.kernel_size)
        return spatial * (k * in_ch * layer.depth_multiplier + in_ch * layer.depth_multiplier * out[-1])
    if isinstance(layer, L.Conv2DTranspose):
        in_shape = layer.input_shape
        k = math.prod(layer.kernel_size)
        return math.prod(in_shape[1:-1]) * k * in_shape[-1] * out[-1]
    if isinstance(layer, (L.Conv1D, L.Conv2D, L.Conv3D)):
        in_ch = layer.input_shape[-1]
        k = math.prod(layer.kernel_size)
        return spatial * k * (in_ch // layer.groups) * out[-1]
    if isinstance(layer, L.Dense):
        in_shape = layer.input_shape
        return math.prod(d for d in in_shape[1:-1] if d) * in_shape[-1] * layer.units
    return 0


def profile_model(model) -> list[LayerProfile]:
    rows = []
    for layer in model.layers:
        if layer.__class__.__name__ == "InputLayer":
            continue
        rows.append(
            LayerProfile(
                layer.name, layer.__class__.__name__, _shape(layer)[1:], layer.count_params(), layer_macs(layer)
            )
        )
    return rows


def totals(rows: list[LayerProfile]) -> dict:
    return {"params": sum(r.params for r in rows), "macs": sum(r.macs for r in rows), "layers": len(rows)}


def as_dicts(rows: list[LayerProfile]) -> list[dict]:
    return [asdict(r) for r in rows]
