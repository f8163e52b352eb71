"""Builders are true to the papers: parameter counts against keras.applications (built here, not remembered)
and the papers, multiply-accumulates against the papers' multiply-add figures (conv output sizes against the
textbook formula: test_conv_arithmetic.py)."""

from __future__ import annotations

import pytest

from edgeopt.models import create_model
from edgeopt.models.profile import profile_model, totals

IMAGENET = dict(input_shape=(224, 224, 3), num_classes=1000)

KERAS_APPS = {
    "mobilenet_v1": "MobileNet",
    "mobilenet_v2": "MobileNetV2",
    "mobilenet_v3_small": "MobileNetV3Small",
    "mobilenet_v3_large": "MobileNetV3Large",
    "resnet50": "ResNet50",
    "resnet101": "ResNet101",
    "resnet50_v2": "ResNet50V2",
    "efficientnet_b0": "EfficientNetB0",
    "efficientnet_b3": "EfficientNetB3",
}


@pytest.mark.slow
@pytest.mark.parametrize(("name", "app"), KERAS_APPS.items())
def test_parameters_match_keras_applications_within_half_a_percent(name, app):
    from edgeopt._keras import keras

    reference = getattr(keras.applications, app)(weights=None).count_params()
    ours = create_model(name, num_classes=1000).count_params()  # at the builder's own resolution
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
        ("lenet5", {}, 60_840, 0.001),  # LeCun et al. 1998: the sum of Section II-B's per-layer counts
        ("alexnet", {}, 61e6, 0.01),  # Sze et al. 2017 (the paper: "60 million")
        ("efficientnet_lite0", {}, 4.7e6, 0.011),  # tensorflow/tpu Lite README, 2 digits: 4.652M prints as 4.7M
        ("efficientnet_lite2", {}, 6.1e6, 0.01),
        ("efficientnet_lite4", {}, 13.0e6, 0.01),
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
        ("alexnet", 724e6, 0.01),  # Sze et al. 2017
        ("efficientnet_b0", 0.39e9, 0.013),  # Tan & Le 2019, 2 digits: 0.386G prints as 0.39G
        ("efficientnet_b3", 1.8e9, 0.03),
    ],
)
def test_multiply_accumulates_match_the_papers(name, paper_macs, tolerance):
    macs = totals(profile_model(create_model(name, num_classes=1000)))["macs"]
    assert abs(macs - paper_macs) / paper_macs < tolerance, (macs, paper_macs)
