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
    geometry: dict | None = None  # convolutions and pooling: see geometry()


def conv_output_size(size: int, kernel: int, stride: int = 1, padding: int = 0, dilation: int = 1) -> int:
    """out = floor((in + 2*pad - dilation*(k-1) - 1) / stride) + 1 (explicit symmetric padding)."""
    return (size + 2 * padding - dilation * (kernel - 1) - 1) // stride + 1


def same_output_size(size: int, stride: int) -> int:
    """Keras/TF 'same' padding: out = ceil(in / stride), whatever the kernel and dilation."""
    return math.ceil(size / stride)


def same_padding(size: int, kernel: int, stride: int, dilation: int = 1) -> tuple[int, int]:
    """TF's 'same' padding (before, after): the total makes ceil(in / stride) outputs; the extra pixel goes after."""
    total = max((math.ceil(size / stride) - 1) * stride + dilation * (kernel - 1) + 1 - size, 0)
    return total // 2, total - total // 2


def transposed_output_size(
    size: int, kernel: int, stride: int = 1, padding: int = 0, dilation: int = 1, output_padding: int = 0
) -> int:
    """out = (in - 1) * stride - 2 * pad + dilation * (k - 1) + output_padding + 1."""
    return (size - 1) * stride - 2 * padding + dilation * (kernel - 1) + output_padding + 1


def _tuple(value, rank: int) -> tuple[int, ...]:
    return tuple(value) if isinstance(value, (tuple, list)) else (value,) * rank


def geometry(layer) -> dict | None:
    """Kernel, stride, padding, dilation of a convolution or pooling layer and its output size from the formula
    floor((n + 2p - d(k - 1) - 1) / s) + 1 per spatial axis, with 2p the total padding (TF's 'same' may pad one
    more pixel after than before), or for a transposed convolution (n - 1)s - 2p + d(k - 1) + output_padding + 1.
    None for other layers. The framework's own output shape is beside it in LayerProfile.output_shape."""
    from edgeopt._keras import keras

    L = keras.layers
    conv = (L.Conv1D, L.Conv2D, L.Conv3D, L.DepthwiseConv2D, L.SeparableConv2D, L.Conv1DTranspose)
    conv += (L.Conv2DTranspose, L.Conv3DTranspose)
    pool = (L.MaxPooling1D, L.MaxPooling2D, L.MaxPooling3D, L.AveragePooling1D, L.AveragePooling2D)
    pool += (L.AveragePooling3D,)
    if isinstance(layer, conv):
        kernel, stride = layer.kernel_size, layer.strides
        dilation = layer.dilation_rate
    elif isinstance(layer, pool):
        kernel, stride = layer.pool_size, layer.strides
        dilation = 1
    else:
        return None
    in_shape = layer.input_shape[1:-1]
    rank = len(in_shape)
    kernel, stride, dilation = _tuple(kernel, rank), _tuple(stride, rank), _tuple(dilation, rank)
    transposed = isinstance(layer, (L.Conv1DTranspose, L.Conv2DTranspose, L.Conv3DTranspose))
    pads, out = [], []
    for n, k, s, d in zip(in_shape, kernel, stride, dilation, strict=True):
        if transposed:
            # What Keras' padding modes imply: k' = d(k-1)+1; without output_padding, 'valid' pads 0 and 'same'
            # max(k' - s, 0) in total, and both add output_padding max(s - k', 0); with it, 'same' pads k'//2 a side.
            k_eff = d * (k - 1) + 1
            given = _tuple(layer.output_padding, rank)[len(out)] if layer.output_padding is not None else None
            if given is None:
                total, op = (max(k_eff - s, 0) if layer.padding == "same" else 0), max(s - k_eff, 0)
            else:
                total, op = (2 * (k_eff // 2) if layer.padding == "same" else 0), given
            pads.append((total // 2, total - total // 2))
            out.append((n - 1) * s - total + d * (k - 1) + op + 1)
        else:
            if layer.padding == "same":
                p = same_padding(n, k, s, d)
            else:  # 'causal' (Conv1D) pads the kernel's whole span before the sequence
                p = (d * (k - 1), 0) if layer.padding == "causal" else (0, 0)
            pads.append(p)
            out.append((n + sum(p) - d * (k - 1) - 1) // s + 1)
    return {
        "kernel": list(kernel),
        "stride": list(stride),
        "padding": layer.padding,
        "pad": [list(p) for p in pads],
        "dilation": list(dilation),
        "transposed": transposed,
        "input": list(in_shape),
        "output": out,
    }


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
                layer.name,
                layer.__class__.__name__,
                _shape(layer)[1:],
                layer.count_params(),
                layer_macs(layer),
                geometry(layer),
            )
        )
    return rows


def totals(rows: list[LayerProfile]) -> dict:
    return {"params": sum(r.params for r in rows), "macs": sum(r.macs for r in rows), "layers": len(rows)}


def as_dicts(rows: list[LayerProfile]) -> list[dict]:
    return [asdict(r) for r in rows]
