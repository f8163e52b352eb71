"""The convolution arithmetic `edgeopt models show` prints: for every convolution and pooling layer of every
registered builder, the output size from floor((n + 2p - d(k - 1) - 1) / s) + 1 (or its transposed form) is the
framework's own output shape."""

from __future__ import annotations

import pytest

from edgeopt.models import create_model, input_shape_for, list_models
from edgeopt.models.profile import conv_output_size, geometry, profile_model, transposed_output_size


@pytest.mark.slow
@pytest.mark.parametrize("name", list_models())
@pytest.mark.parametrize(("size", "small"), [(96, False), (32, None)], ids=["full", "default"])
def test_the_formula_gives_every_layers_output_size(name, size, small):
    shape = input_shape_for(name, size, 3)
    if len(shape) == 3:
        shape = (shape[0], shape[1] + 8, 3)  # non-square images: height and width each follow the formula
    model = create_model(name, input_shape=shape, num_classes=10, width=0.25, small_input=small)
    rows = [r for r in profile_model(model) if r.geometry]
    assert rows, f"{name} has no convolution or pooling layer"
    for r in rows:
        assert tuple(r.geometry["output"]) == tuple(r.output_shape[:-1]), (r.name, r.geometry, r.output_shape)


def _layer(kind, shape, **kw):
    from edgeopt._keras import keras

    layer = getattr(keras.layers, kind)(**kw)
    keras.Sequential([keras.Input(shape), layer])
    return layer


@pytest.mark.parametrize(
    ("kind", "shape", "kw"),
    [
        ("Conv2D", (15, 16, 2), {"filters": 3, "kernel_size": 3, "strides": 2, "padding": "same"}),
        ("Conv2D", (15, 16, 2), {"filters": 3, "kernel_size": (5, 3), "dilation_rate": 2, "padding": "valid"}),
        ("Conv1D", (31, 2), {"filters": 3, "kernel_size": 4, "strides": 3, "padding": "same"}),
        ("Conv1D", (31, 2), {"filters": 3, "kernel_size": 3, "dilation_rate": 4, "padding": "causal"}),
        ("Conv3D", (7, 9, 10, 1), {"filters": 2, "kernel_size": 3, "strides": (1, 2, 2), "padding": "same"}),
        ("Conv2DTranspose", (5, 6, 2), {"filters": 3, "kernel_size": 3, "strides": 2, "padding": "same"}),
        ("Conv2DTranspose", (5, 6, 2), {"filters": 3, "kernel_size": 2, "strides": 3, "padding": "valid"}),
        (
            "Conv2DTranspose",
            (5, 6, 2),
            {"filters": 3, "kernel_size": 3, "strides": 2, "padding": "same", "output_padding": 1},
        ),
        ("Conv3DTranspose", (3, 4, 4, 1), {"filters": 2, "kernel_size": 3, "strides": 2, "padding": "valid"}),
        ("MaxPooling2D", (15, 16, 2), {"pool_size": 3, "strides": 2, "padding": "valid"}),
        ("AveragePooling1D", (31, 2), {"pool_size": 2, "padding": "same"}),
        ("MaxPooling3D", (7, 9, 10, 1), {"pool_size": 2}),
    ],
)
def test_the_formula_matches_keras_for_every_padding_mode(kind, shape, kw):
    layer = _layer(kind, shape, **kw)
    g = geometry(layer)
    assert tuple(g["output"]) == tuple(layer.output_shape[1:-1]), g


def test_the_textbook_cases():
    assert conv_output_size(224, 11, 4, 2) == 55  # AlexNet conv1 as torchvision pads it
    assert conv_output_size(227, 11, 4, 0) == 55  # AlexNet conv1 as the paper's figure implies
    assert conv_output_size(32, 5) == 28  # LeNet-5 C1
    assert conv_output_size(7, 3, 1, 0, 2) == 3  # dilation 2: a 3x3 kernel spans 5
    assert transposed_output_size(4, 3, 2, 1, 1, 1) == 8  # a stride-2 'same' upsampling
