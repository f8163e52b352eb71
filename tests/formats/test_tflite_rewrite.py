"""Conv3D computed as sums of Conv2Ds for TFLite int8 (CONV_3D is float-only): equal to Keras' Conv3D in float
for every padding and stride, and the int8 file runs no float operator."""

from __future__ import annotations

import numpy as np
import pytest


def _model(kernel, strides, padding, use_bias=True):
    from edgeopt._keras import keras

    L = keras.layers
    inputs = keras.Input((7, 12, 10, 2))
    x = L.Conv3D(5, kernel, strides=strides, padding=padding, use_bias=use_bias, activation="relu")(inputs)
    x = L.Conv3D(4, 3, padding="same")(x)
    return keras.Model(inputs, L.Dense(3, activation="softmax")(L.GlobalAveragePooling3D()(x)))


@pytest.mark.parametrize(
    ("kernel", "strides", "padding"),
    [
        (3, 1, "same"),
        (3, 2, "same"),
        ((2, 3, 3), (2, 1, 2), "valid"),
        ((1, 3, 3), (1, 2, 2), "same"),  # (2+1)D's spatial convolution
        ((3, 1, 1), (2, 1, 1), "same"),  # and its temporal one
        (4, 1, "same"),  # an even kernel: TF pads one more frame after than before
    ],
)
def test_the_rewrite_equals_conv3d_in_float(kernel, strides, padding):
    from edgeopt._keras import keras
    from edgeopt.formats.tflite.rewrite import conv3d_as_conv2d

    keras.utils.set_random_seed(0)
    model = _model(kernel, strides, padding)
    rewritten, count = conv3d_as_conv2d(model)
    assert count == 2 and rewritten is not model
    x = np.random.default_rng(1).standard_normal((3, 7, 12, 10, 2)).astype(np.float32)
    expected = model(x).numpy()
    got = rewritten(x).numpy()
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)
    assert not any(type(layer) is keras.layers.Conv3D for layer in rewritten.layers)
    assert any(type(layer) is keras.layers.Conv3D for layer in model.layers)  # the float model is untouched


def test_the_int8_tflite_file_runs_conv3d_in_integer(tmp_path):
    from edgeopt.formats.tflite.convert import export_tflite
    from edgeopt.formats.tflite.read import read_tflite
    from edgeopt.runtime.runners import open_runner

    model = _model(3, 1, "same")
    x = np.random.default_rng(2).random((16, 7, 12, 10, 2), dtype=np.float32)
    export_tflite(model, tmp_path / "m8.tflite", "int8", x)
    export_tflite(model, tmp_path / "m.tflite", "float32")
    q, f = read_tflite(tmp_path / "m8.tflite"), read_tflite(tmp_path / "m.tflite")
    assert q.float_compute_ops == [] and "CONV_3D" not in q.op_counts and q.op_counts["CONV_2D"] >= 6
    assert f.op_counts.get("CONV_3D") == 2  # the float file keeps TFLite's own CONV_3D
    probs_q, probs_f = open_runner(tmp_path / "m8.tflite").predict(x), open_runner(tmp_path / "m.tflite").predict(x)
    assert np.mean(probs_q.argmax(1) == probs_f.argmax(1)) >= 0.8 and np.abs(probs_q - probs_f).max() < 0.1


@pytest.mark.parametrize(
    ("kind", "pool", "strides", "padding"),
    [
        ("MaxPooling3D", 2, None, "valid"),
        ("MaxPooling3D", (1, 2, 2), None, "same"),
        ("MaxPooling3D", 3, 2, "same"),  # windows at the border hold padded frames
        ("AveragePooling3D", 2, None, "valid"),
    ],
)
def test_3d_pooling_as_2d_pooling_is_equal_and_converts(kind, pool, strides, padding, tmp_path):
    from edgeopt._keras import keras
    from edgeopt.formats.tflite.convert import export_tflite
    from edgeopt.formats.tflite.read import read_tflite
    from edgeopt.formats.tflite.rewrite import pool3d_as_pool2d

    L = keras.layers
    inputs = keras.Input((7, 12, 10, 2))
    x = getattr(L, kind)(pool, strides=strides, padding=padding)(L.Conv3D(4, 3, padding="same")(inputs))
    model = keras.Model(inputs, L.Dense(3, activation="softmax")(L.Flatten()(x)))
    rewritten, count = pool3d_as_pool2d(model)
    assert count == 1
    x = np.random.default_rng(3).standard_normal((3, 7, 12, 10, 2)).astype(np.float32)
    np.testing.assert_allclose(rewritten(x).numpy(), model(x).numpy(), rtol=1e-5, atol=1e-6)
    export_tflite(model, tmp_path / "m8.tflite", "int8", np.abs(x))  # without the rewrite this does not convert
    assert read_tflite(tmp_path / "m8.tflite").float_compute_ops == []
