"""Conv2DTranspose as a convolution and a depth-to-space shuffle, for ONNX int8.

The ONNX standard has no integer ConvTranspose, so onnxruntime runs a quantized one as DequantizeLinear -> float
ConvTranspose -> QuantizeLinear. A stride-s transposed convolution is s x s interleaved ordinary convolutions
(the sub-pixel form, Shi et al. 2016): output pixel s*q + r sums x[q - u] * w[r + s*u] over u, which is a
correlation of x with the phase's flipped sub-kernel. `subpixel_transposed_convs` copies the Keras model with each
Conv2DTranspose (dilation 1, no output_padding) computed as one Conv2D with s*s*filters outputs (kernel
ceil(k/s), explicit padding, which tf2onnx writes into the Conv's pads), DepthToSpace(s) and the crop Keras'
padding mode implies; onnxruntime quantizes that Conv to an integer one. Equal in float (tested).
"""

from __future__ import annotations

import math

import numpy as np

from edgeopt._keras import keras, tf
from edgeopt.formats.keras_rewrite import conv_stand_in, replace_layers


class SubpixelConvTranspose(conv_stand_in()):
    """Conv2DTranspose computed as Conv2D + depth_to_space + crop; weights derived from the original's."""

    def _taps(self) -> tuple[int, int]:
        return tuple(math.ceil(k / s) for k, s in zip(self.kernel_size, self.strides, strict=True))

    def build(self, input_shape):
        (th, tw), (sh, sw) = self._taps(), self.strides
        channels = input_shape[-1]
        self.kernel = self.add_weight(name="kernel", shape=(th, tw, channels, sh * sw * self.filters))
        self.bias = self.add_weight(name="bias", shape=(sh * sw * self.filters,)) if self.use_bias else None

    def weights_from(self, kernel: np.ndarray, bias: np.ndarray | None) -> list[np.ndarray]:
        """This layer's weights from a Conv2DTranspose kernel (kh, kw, filters, channels) and bias."""
        (kh, kw), (sh, sw), (th, tw) = self.kernel_size, self.strides, self._taps()
        filters, channels = kernel.shape[2], kernel.shape[3]
        g = np.zeros((th, tw, channels, sh * sw * filters), np.float32)
        for r1 in range(sh):
            for r2 in range(sw):
                phase = (r1 * sw + r2) * filters
                for v1 in range(th):
                    for v2 in range(tw):
                        j1, j2 = r1 + sh * (th - 1 - v1), r2 + sw * (tw - 1 - v2)
                        if j1 < kh and j2 < kw:
                            g[v1, v2, :, phase : phase + filters] = kernel[j1, j2].T
        return [g] if bias is None else [g, np.tile(bias, sh * sw).astype(np.float32)]

    def call(self, x):
        (kh, kw), (sh, sw), (th, tw) = self.kernel_size, self.strides, self._taps()
        n_h, n_w = x.shape[1], x.shape[2]
        pads = [[0, 0], [th - 1, th - 1], [tw - 1, tw - 1], [0, 0]]
        y = tf.nn.conv2d(x, self.kernel, strides=1, padding=pads)
        if self.use_bias:
            y = y + self.bias
        if sh > 1:  # one block size: only equal strides are rewritten
            y = tf.nn.depth_to_space(y, sh)
        # Keras' lengths: 'valid' n*s + max(k - s, 0) from the start; 'same' n*s after max(k - s, 0) // 2.
        start_h = max(kh - sh, 0) // 2 if self.padding == "same" else 0
        start_w = max(kw - sw, 0) // 2 if self.padding == "same" else 0
        len_h = n_h * sh + (0 if self.padding == "same" else max(kh - sh, 0))
        len_w = n_w * sw + (0 if self.padding == "same" else max(kw - sw, 0))
        y = y[:, start_h : start_h + len_h, start_w : start_w + len_w, :]
        return self.activation(y)


def subpixel_transposed_convs(model):
    """(model, 0) when it has no rewritable Conv2DTranspose; else (a copy with the sub-pixel form, count)."""
    layers = keras.layers

    def rewritable(layer) -> bool:
        return (
            type(layer) is layers.Conv2DTranspose
            and tuple(layer.dilation_rate) == (1, 1)
            and layer.output_padding is None
            and layer.strides[0] == layer.strides[1]
        )

    def weights(old, new):
        kernel, *bias = old.get_weights()
        return new.weights_from(kernel, bias[0] if bias else None)

    return replace_layers(model, rewritable, SubpixelConvTranspose.of, weights)
