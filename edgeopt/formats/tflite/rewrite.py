"""Keras-level rewrites applied before TFLite quantization, for layers whose TFLite kernel is float only.

TFLite's CONV_3D has no integer kernel, so an int8 file would run every Conv3D in float. A 3D convolution is a
sum of 2D ones over the kernel's depth: out[t] = sum_i conv2d(x[t * stride + i], W[i]) (after the time axis is
padded as the layer pads it). `conv3d_as_conv2d` copies the model with each Conv3D computed that way (the frames
of each depth offset folded into the batch, one CONV_2D per offset, ADDs), which TFLite quantizes to int8. The
float model is not changed; equality in float is tested (tests/formats/test_tflite_rewrite.py).
"""

from __future__ import annotations

import math

from edgeopt._keras import keras, tf
from edgeopt.formats.keras_rewrite import conv_stand_in, replace_layers


class Conv3DAsConv2D(conv_stand_in()):
    """Conv3D (dilation 1, groups 1) computed with one Conv2D per kernel-depth offset; same weights."""

    def build(self, input_shape):
        self.kernel = self.add_weight(name="kernel", shape=(*self.kernel_size, input_shape[-1], self.filters))
        self.bias = self.add_weight(name="bias", shape=(self.filters,)) if self.use_bias else None

    def call(self, x):
        (kd, _, _), (sd, sh, sw) = self.kernel_size, self.strides
        depth, height, width, channels = x.shape[1:]
        if self.padding == "same":
            out_d = math.ceil(depth / sd)
            total = max((out_d - 1) * sd + kd - depth, 0)
            x = tf.pad(x, [[0, 0], [total // 2, total - total // 2], [0, 0], [0, 0], [0, 0]])
        else:
            out_d = (depth - kd) // sd + 1
        y = None
        for i in range(kd):
            frames = tf.reshape(x[:, i : i + sd * (out_d - 1) + 1 : sd], [-1, height, width, channels])
            z = tf.nn.conv2d(frames, self.kernel[i], strides=[1, sh, sw, 1], padding=self.padding.upper())
            y = z if y is None else y + z
        y = tf.reshape(y, [-1, out_d, y.shape[1], y.shape[2], self.filters])
        if self.use_bias:
            y = y + self.bias
        return self.activation(y)


class Pool3DAsPool2D(keras.layers.Layer):
    """MaxPooling3D (any padding) or 'valid' AveragePooling3D with 2D pools over the depth offsets."""

    def __init__(self, kind, pool_size, strides, padding, **kwargs):
        super().__init__(**kwargs)
        self.kind, self.pool_size, self.strides, self.padding = kind, tuple(pool_size), tuple(strides), padding

    @classmethod
    def of(cls, layer) -> Pool3DAsPool2D:
        kind = "max" if isinstance(layer, keras.layers.MaxPooling3D) else "average"
        return cls(kind, layer.pool_size, layer.strides, layer.padding, name=layer.name)

    def call(self, x):
        (pd, ph, pw), (sd, sh, sw) = self.pool_size, self.strides
        depth, height, width, channels = x.shape[1:]
        if self.padding == "same":
            out_d = math.ceil(depth / sd)
            total = max((out_d - 1) * sd + pd - depth, 0)
            before, after = total // 2, total - total // 2
            x = tf.concat([x[:, :1]] * before + [x] + [x[:, -1:]] * after, axis=1) if total else x
        else:
            out_d = (depth - pd) // sd + 1
        pool = tf.nn.max_pool2d if self.kind == "max" else tf.nn.avg_pool2d
        y = None
        for i in range(pd):
            frames = tf.reshape(x[:, i : i + sd * (out_d - 1) + 1 : sd], [-1, height, width, channels])
            z = pool(frames, (ph, pw), (sh, sw), self.padding.upper())
            y = z if y is None else (tf.maximum(y, z) if self.kind == "max" else y + z)
        if self.kind == "average":
            y = y * (1.0 / pd)
        return tf.reshape(y, [-1, out_d, y.shape[1], y.shape[2], channels])


def pool3d_as_pool2d(model):
    """(model, 0) if it has no rewritable 3D pooling; else (a copy with 2D pools instead, count)."""
    layers = keras.layers

    def rewritable(layer) -> bool:
        return type(layer) is layers.MaxPooling3D or (
            type(layer) is layers.AveragePooling3D and layer.padding == "valid"
        )

    return replace_layers(model, rewritable, Pool3DAsPool2D.of)


def conv3d_as_conv2d(model):
    """(model, 0) if it has no rewritable Conv3D; else (a copy computing every Conv3D as Conv2D sums, count)."""
    layers = keras.layers

    def rewritable(layer) -> bool:
        return type(layer) is layers.Conv3D and tuple(layer.dilation_rate) == (1, 1, 1) and layer.groups == 1

    return replace_layers(model, rewritable, Conv3DAsConv2D.of)
