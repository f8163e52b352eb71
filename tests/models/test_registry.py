from __future__ import annotations

import numpy as np
import pytest

from edgeopt.models import create_model, default_input_shape, input_shape_for, list_models, register_model


def test_registry_lists_builtin_models():
    assert {"mobilenet_v2", "tiny_cnn"} <= set(list_models())
    assert list_models("mobilenet_v3_s*") == ["mobilenet_v3_small", "mobilenet_v3_small_minimalistic"]


def test_registering_a_name_twice_raises():
    def tiny_cnn():  # same function name as a built-in builder
        pass

    with pytest.raises(ValueError, match="registered twice"):
        register_model(tiny_cnn)


@pytest.mark.slow
@pytest.mark.parametrize("name", list_models())
def test_every_builder_builds_predicts_and_round_trips_config(name):
    from edgeopt._keras import keras

    shape = input_shape_for(name, 32, 3)
    model = create_model(name, input_shape=shape, num_classes=7, width=0.5)
    x = np.random.default_rng(0).random((2, *shape), dtype=np.float32)
    y = model(x, training=False).numpy()
    assert y.shape == (2, 7)
    np.testing.assert_allclose(y.sum(axis=1), 1.0, rtol=1e-5)  # softmax head
    clone = keras.Model.from_config(model.get_config())
    assert clone.count_params() == model.count_params()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"input_shape": (32, 32)}, "Received: (32, 32)"),
        ({"input_shape": (32, 32, 4)}, "Received: channels=4"),
        ({"num_classes": 1}, "Received: num_classes=1"),
        ({"width": 0.0}, "Received: width=0.0"),
    ],
)
@pytest.mark.parametrize("name", [n for n in list_models() if len(default_input_shape(n)) == 3])
def test_builders_reject_bad_arguments_with_received(name, kwargs, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        create_model(name, **{"input_shape": (32, 32, 3), **kwargs})


@pytest.mark.parametrize(("name", "layout"), [("tcn1d", "sequence"), ("c3d_small", "clip"), ("r2plus1d_small", "clip")])
def test_sequence_and_clip_builders_refuse_an_image_naming_the_layout(name, layout):
    with pytest.raises(ValueError, match=f"use data.layout: {layout}. Received: \\(32, 32, 3\\)"):
        create_model(name, input_shape=(32, 32, 3), num_classes=10)


@pytest.mark.slow
def test_mobilenet_v2_small_input_keeps_spatial_detail():
    """At 32 px the small-input variant ends at 4x4; the ImageNet layout would end at 1x1 and not learn."""
    small = create_model("mobilenet_v2", input_shape=(32, 32, 3), num_classes=10, width=0.35, include_top=False)
    assert small.get_layer("head_conv").output.shape[1:3] == (4, 4)
    full = create_model("mobilenet_v2", input_shape=(32, 32, 3), num_classes=10, width=0.35, small_input=False)
    assert full.get_layer("head_conv").output.shape[1:3] == (1, 1)


@pytest.mark.slow
def test_mobilenet_v2_matches_the_paper_at_imagenet_size():
    # keras.applications.MobileNetV2(alpha=1.0, weights=None) has 3,538,984 parameters.
    model = create_model("mobilenet_v2", input_shape=(224, 224, 3), num_classes=1000, width=1.0)
    assert abs(model.count_params() - 3_538_984) / 3_538_984 < 0.005


@pytest.mark.slow
def test_weights_from_a_local_file_are_loaded(tmp_path):
    from edgeopt.recipe import parse_recipe
    from edgeopt.stages.build import _build

    trained = create_model("tiny_cnn", input_shape=(16, 16, 3), num_classes=10)
    trained.set_weights([w + 0.5 for w in trained.get_weights()])
    trained.save_weights(tmp_path / "w.weights.h5")
    recipe = parse_recipe("name: x\nmodel: {arch: tiny_cnn, weights: w.weights.h5}\nquantize: {}\n")

    class Ctx:
        recipe_dir = tmp_path

    model = _build(recipe.model, {"input_shape": [16, 16, 3], "num_classes": 10}, Ctx())
    x = np.random.default_rng(0).random((2, 16, 16, 3), dtype=np.float32)
    np.testing.assert_allclose(model(x).numpy(), trained(x).numpy(), atol=1e-6)
