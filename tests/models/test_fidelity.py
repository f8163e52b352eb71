"""Builders are true to the papers: parameter counts against keras.applications (built here, not remembered)
and the papers, multiply-accumulates against the papers' multiply-add figures, and conv output shapes against
the textbook formula."""

from __future__ import annotations

import pytest

from edgeopt.models import create_model, list_models
from edgeopt.models.profile import conv_output_size, profile_model, same_output_size, totals

IMAGENET = dict(input_shape=(224, 224, 3), num_classes=1000)

KERAS_APPS = {
    "mobilenet_v1": "MobileNet",
    "mobilenet_v2": "MobileNetV2",
    "mobilenet_v3_small": "MobileNetV3Small",
    "mobilenet_v3_large": "MobileNetV3Large",
    "resnet50": "ResNet50",
    "resnet101": "ResNet101",
    "resnet50_v2": "ResNet50V2",
}


@pytest.mark.slow
@pytest.mark.parametrize(("name", "app"), KERAS_APPS.items())
def test_parameters_match_keras_applications_within_half_a_percent(name, app):
    from edgeopt._keras import keras

    reference = getattr(keras.applications, app)(weights=None).count_params()
    ours = create_model(name, **IMAGENET).count_params()
    assert abs(ours - reference) / reference < 0.005, (ours, reference)


def _trainable(model) -> int:
    return int(sum(w.shape.num_elements() for w in model.trainable_weights))


@pytest.mark.slow
# Papers count trainable parameters; rounded figures are checked to their last printed digit.
@pytest.mark.parametrize(
    ("name", "kwargs", "paper", "tolerance"),
    [
        ("resnet18", IMAGENET, 11.7e6, 0.005),
        ("resnet34", IMAGENET, 21.8e6, 0.005),
        ("resnet20", dict(input_shape=(32, 32, 3), num_classes=10), 0.27e6, 0.02),
        ("resnet32", dict(input_shape=(32, 32, 3), num_classes=10), 0.46e6, 0.02),
        ("resnet56", dict(input_shape=(32, 32, 3), num_classes=10), 0.85e6, 0.02),
    ],
)
def test_parameters_match_the_papers(name, kwargs, paper, tolerance):
    ours = _trainable(create_model(name, **kwargs))
    assert abs(ours - paper) / paper < tolerance, (ours, paper)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("name", "paper_macs", "tolerance"),
    [
        ("mobilenet_v1", 569e6, 0.03),
        ("mobilenet_v2", 300e6, 0.03),
        ("mobilenet_v3_large", 219e6, 0.03),
        ("mobilenet_v3_small", 56e6, 0.03),
        ("resnet18", 1.8e9, 0.05),
        ("resnet34", 3.6e9, 0.05),
        ("resnet50", 3.8e9, 0.05),
        ("resnet101", 7.6e9, 0.05),
    ],
)
def test_multiply_accumulates_match_the_papers(name, paper_macs, tolerance):
    macs = totals(profile_model(create_model(name, **IMAGENET)))["macs"]
    assert abs(macs - paper_macs) / paper_macs < tolerance, (macs, paper_macs)


@pytest.mark.slow
@pytest.mark.parametrize("name", list_models())
def test_every_conv_output_follows_the_formula(name):
    """out = floor((in + 2*pad - dilation*(k-1) - 1) / stride) + 1 for valid padding; ceil(in/stride) for same."""
    from edgeopt._keras import keras

    model = create_model(name, input_shape=(40, 36, 3), num_classes=5, width=0.25, small_input=False)
    checked = 0
    for layer in model.layers:
        if not isinstance(layer, keras.layers.Conv2D):
            continue
        in_shape, out_shape = layer.input_shape, layer.output_shape
        for axis in (0, 1):
            size, k = in_shape[1 + axis], layer.kernel_size[axis]
            s, d = layer.strides[axis], layer.dilation_rate[axis]
            if layer.padding == "valid":
                expected = conv_output_size(size, k, s, 0, d)
            else:
                expected = same_output_size(size, s)
                # 'same' is the formula with total padding max((ceil(in/s)-1)*s + d*(k-1) + 1 - in, 0)
                pad_total = max((expected - 1) * s + d * (k - 1) + 1 - size, 0)
                assert conv_output_size(size + pad_total, k, s, 0, d) == expected
            assert out_shape[1 + axis] == expected, (layer.name, axis)
        checked += 1
    assert checked > 0


@pytest.mark.parametrize(
    ("size", "k", "stride", "pad", "dilation", "expected"),
    [(224, 7, 2, 3, 1, 112), (32, 3, 1, 1, 1, 32), (32, 3, 2, 0, 1, 15), (17, 3, 1, 0, 2, 13), (8, 1, 2, 0, 1, 4)],
)
def test_conv_output_formula(size, k, stride, pad, dilation, expected):
    assert conv_output_size(size, k, stride, pad, dilation) == expected


def test_valid_padding_formula_matches_keras_for_dilated_strided_convs():
    from edgeopt._keras import keras

    for k, s, d in [(3, 1, 2), (5, 2, 1), (3, 3, 1), (2, 2, 1), (3, 1, 3)]:
        inputs = keras.Input((23, 23, 1))
        out = keras.layers.Conv2D(1, k, strides=s, dilation_rate=d, padding="valid")(inputs)
        assert out.shape[1] == conv_output_size(23, k, s, 0, d), (k, s, d)
