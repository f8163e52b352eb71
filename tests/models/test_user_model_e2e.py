"""A user's own saved model goes through the same pipeline as a registered builder."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from edgeopt.cli import cli
from edgeopt.errors import EXIT_INPUT_REJECTED, EXIT_USAGE

RECIPE = """\
name: mine
data: {image_size: 16, channels: 3}
model: {path: mine.keras}
train: {epochs: 1}
quantize: {calibration_samples: 20}
export: {tflite: [int8], onnx: [int8]}
verify: {max_drop: 1.0}
"""


@pytest.fixture
def saved_model(tmp_path):
    from edgeopt.models import create_model

    create_model("tiny_cnn", input_shape=(16, 16, 3), num_classes=10).save(tmp_path / "mine.keras")
    return tmp_path / "mine.keras"


@pytest.mark.slow
def test_own_keras_file_is_optimized_end_to_end(tmp_path, saved_model):
    (tmp_path / "r.yaml").write_text(RECIPE)
    result = CliRunner().invoke(cli, ["optimize", str(tmp_path / "r.yaml"), "-o", str(tmp_path / "run")])
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "run" / "report.json").read_text())
    assert report["model"]["path"] == "mine.keras"
    assert {a["name"] for a in report["artifacts"]} == {"tflite_int8", "onnx_int8"}


def test_input_mismatch_is_caught_by_validate_with_the_fix(tmp_path, saved_model):
    (tmp_path / "r.yaml").write_text(RECIPE.replace("channels: 3", "channels: 1"))
    result = CliRunner().invoke(cli, ["validate", str(tmp_path / "r.yaml")])
    assert result.exit_code == EXIT_USAGE
    assert "model.path: the model takes 16x16x3 inputs but data gives 16x16x1" in result.stderr
    assert "set data.image_size: 16 and data.channels: 3" in result.stderr


def test_missing_model_file_is_a_recipe_error(tmp_path):
    (tmp_path / "r.yaml").write_text(RECIPE)
    result = CliRunner().invoke(cli, ["validate", str(tmp_path / "r.yaml")])
    assert result.exit_code == EXIT_USAGE and "r.yaml:3:15: model.path: 'mine.keras' not found" in result.stderr


def test_class_count_mismatch_stops_before_training(tmp_path):
    from edgeopt.models import create_model

    create_model("tiny_cnn", input_shape=(16, 16, 3), num_classes=7).save(tmp_path / "mine.keras")
    (tmp_path / "r.yaml").write_text(RECIPE)
    result = CliRunner().invoke(cli, ["optimize", str(tmp_path / "r.yaml"), "-o", str(tmp_path / "run")])
    assert result.exit_code == EXIT_INPUT_REJECTED
    assert "data has 10 classes" in result.stderr
    assert not list((tmp_path / "run").glob("*-train-*"))


def test_builder_options_with_a_path_are_rejected():
    from edgeopt.errors import RecipeError
    from edgeopt.recipe import parse_recipe

    with pytest.raises(RecipeError, match="width only apply to registered builders"):
        parse_recipe("name: x\nmodel: {path: m.keras, width: 0.5}\n")
    with pytest.raises(RecipeError, match="set exactly one of 'arch'"):
        parse_recipe("name: x\nmodel: {path: m.keras, arch: tiny_cnn}\n")


def _keras3_model_tf_keras_lacks(path):
    from edgeopt._keras import keras3

    keras = keras3()

    L = keras.layers
    inputs = keras.Input((16, 16, 3), name="input")
    x = L.Conv2D(8, 3, padding="same", activation="relu")(inputs)
    x = L.AdaptiveAveragePooling2D((4, 4))(x)  # Keras 3 only: tf_keras cannot rebuild this model
    x = L.GlobalAveragePooling2D()(L.Conv2D(8, 1)(x))
    keras.Model(inputs, L.Dense(10, activation="softmax")(x)).save(path)


@pytest.mark.slow
def test_keras3_model_that_cannot_be_rebuilt_is_quantized_through_a_savedmodel(tmp_path):
    _keras3_model_tf_keras_lacks(tmp_path / "mine.keras")
    (tmp_path / "r.yaml").write_text(RECIPE.replace("train: {epochs: 1}\n", ""))
    result = CliRunner().invoke(cli, ["optimize", str(tmp_path / "r.yaml"), "-o", str(tmp_path / "run")])
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "run" / "report.json").read_text())
    assert report["model"]["route"] == "keras3_savedmodel_ptq"
    assert "training, pruning and QAT are unavailable" in report["model"]["route_note"]
    arts = {a["name"]: a for a in report["artifacts"]}
    # Full integer, except operators the speed variant kept float on purpose (its AdaptiveAveragePooling2D gives
    # AVERAGE_POOL_2D, which XNNPACK runs only in float: formats/tflite/speed.py)
    kept_float = (arts["tflite_int8"].get("speed") or {}).get("kept_float_for_speed", {})
    assert set(arts["tflite_int8"]["contents"]["float_compute_ops"]) <= set(kept_float)
    assert [t["dtype"] for t in arts["tflite_int8"]["contents"]["inputs"]] == ["INT8"]
    assert arts["tflite_int8"]["accuracy"]["agreement"] > 0.5  # measured against the Keras 3 model itself
    assert "Route" in (tmp_path / "run" / "report.md").read_text()


def test_training_a_model_on_the_ptq_only_route_is_refused_up_front(tmp_path):
    _keras3_model_tf_keras_lacks(tmp_path / "mine.keras")
    (tmp_path / "r.yaml").write_text(RECIPE)
    result = CliRunner().invoke(cli, ["optimize", str(tmp_path / "r.yaml"), "-o", str(tmp_path / "run")])
    assert result.exit_code == EXIT_INPUT_REJECTED
    assert "remove train from the recipe" in result.stderr


@pytest.mark.slow
def test_trusted_model_with_a_lambda_goes_through_every_stage(tmp_path):
    from edgeopt._keras import keras

    inputs = keras.Input((16, 16, 3), name="input")
    x = keras.layers.Lambda(lambda t: t * 2.0 - 1.0, name="scale")(inputs)
    x = keras.layers.GlobalAveragePooling2D()(keras.layers.Conv2D(8, 3)(x))
    keras.Model(inputs, keras.layers.Dense(10, activation="softmax")(x)).save(tmp_path / "mine.keras")
    (tmp_path / "r.yaml").write_text(RECIPE)
    args = ["optimize", str(tmp_path / "r.yaml"), "-o", str(tmp_path / "run")]
    refused = CliRunner().invoke(cli, args)
    assert refused.exit_code == EXIT_INPUT_REJECTED and "Lambda 'scale'" in refused.stderr
    trusted = CliRunner().invoke(cli, [*args, "--trust-model"])
    assert trusted.exit_code == 0, trusted.output  # train, export and verify reload it with the same trust


def test_tf_op_layers_need_trust_too(tmp_path):
    from edgeopt._keras import keras, tf
    from edgeopt.errors import InputRejected
    from edgeopt.models.user_model import load_user_model

    inputs = keras.Input((4,))
    keras.Model(inputs, tf.nn.relu(inputs)).save(tmp_path / "op.keras")  # becomes a TFOpLambda layer
    with pytest.raises(InputRejected, match="calls a TensorFlow function named in the file"):
        load_user_model(tmp_path / "op.keras")


def test_lookalike_keras_modules_are_not_builtin():
    from edgeopt.models.user_model import unsafe_entries

    entry = {"module": "keras_evil.layers", "class_name": "Dense", "config": {"name": "d"}, "registered_name": None}
    assert unsafe_entries(entry) and "keras_evil.layers" in unsafe_entries(entry)[0]
    assert not unsafe_entries({**entry, "module": "keras.src.layers"})


def test_ptq_only_route_refuses_pruning_up_front(tmp_path):
    _keras3_model_tf_keras_lacks(tmp_path / "mine.keras")
    (tmp_path / "r.yaml").write_text(RECIPE.replace("train: {epochs: 1}\n", "prune: {epochs: 1, frequency: 1}\n"))
    result = CliRunner().invoke(cli, ["optimize", str(tmp_path / "r.yaml"), "-o", str(tmp_path / "run")])
    assert result.exit_code == EXIT_INPUT_REJECTED and "remove prune from the recipe" in result.stderr
