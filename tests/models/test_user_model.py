"""Users' own models: Keras 3 files are rebuilt in tf_keras; code in a model file never runs unless trusted."""

from __future__ import annotations

import numpy as np
import pytest

from edgeopt.errors import EXIT_INPUT_REJECTED, InputRejected
from edgeopt.models.user_model import load_user_model, read_keras_file


def _keras3():
    from edgeopt._keras import keras3

    keras = keras3()
    assert keras.__version__.startswith("3.")
    return keras


def _keras3_resnetish(keras, lambda_fn=None):
    L = keras.layers
    inputs = keras.Input((16, 16, 3))
    x = L.Conv2D(8, 3, padding="same", use_bias=False)(inputs)
    x = L.BatchNormalization()(x)
    y = L.ReLU(6.0)(x)
    y = L.DepthwiseConv2D(3, padding="same")(y)
    x = L.Add()([x, y])
    if lambda_fn is not None:
        x = L.Lambda(lambda_fn)(x)
    x = L.GlobalAveragePooling2D()(x)
    outputs = L.Dense(4, activation="softmax")(x)
    return keras.Model(inputs, outputs)


def test_keras3_model_is_rebuilt_in_tf_keras_with_identical_outputs(tmp_path):
    keras = _keras3()
    source = _keras3_resnetish(keras)
    path = tmp_path / "k3.keras"
    source.save(path)
    info = read_keras_file(path)
    assert info.is_keras3 and info.input_shape == (16, 16, 3) and info.output_units == 4

    loaded = load_user_model(path)
    assert loaded.route == "keras3_rebuilt"
    model = loaded.model
    from edgeopt._keras import keras as tf_keras

    assert isinstance(model, tf_keras.Model)
    x = np.random.default_rng(1).random((3, 16, 16, 3), dtype=np.float32)
    np.testing.assert_allclose(model(x).numpy(), np.asarray(source(x)), atol=1e-5)


@pytest.mark.slow
def test_rebuilt_keras3_model_can_be_pruned_and_qat_wrapped(tmp_path):
    from edgeopt.compress.prune import prune_wrap
    from edgeopt.compress.qat import qat_wrap

    path = tmp_path / "k3.keras"
    _keras3_resnetish(_keras3()).save(path)
    model = load_user_model(path).model
    assert any("prune" in layer.__class__.__name__.lower() for layer in prune_wrap(model).layers)
    assert any(layer.__class__.__name__ == "QuantizeWrapperV2" for layer in qat_wrap(model).layers)


def test_lambda_layer_is_refused_and_its_code_never_runs(tmp_path):
    keras = _keras3()
    canary = tmp_path / "canary"
    code = f"lambda x: (open({str(canary)!r}, 'w').close(), x)[1]"
    model = _keras3_resnetish(keras, lambda_fn=eval(code))  # the canary fires whenever the lambda is called
    canary.unlink()  # building the model called it once
    path = tmp_path / "lambda.keras"
    model.save(path)
    canary.unlink(missing_ok=True)

    with pytest.raises(InputRejected, match=r"Lambda 'lambda' holds Python code") as info:
        load_user_model(path)
    assert info.value.exit_code == EXIT_INPUT_REJECTED
    assert "Nothing from the file was executed" in str(info.value)
    assert not canary.exists()

    # The canary is live: with --trust-model the same file is loaded (rebuilt in tf_keras) and the code runs.
    trusted = load_user_model(path, trust=True).model
    canary.unlink(missing_ok=True)
    trusted(np.zeros((1, 16, 16, 3), np.float32))
    assert canary.exists()


def test_lambda_nested_inside_a_submodel_is_refused(tmp_path):
    from edgeopt._keras import keras

    inner_in = keras.Input((8,))
    inner = keras.Model(inner_in, keras.layers.Lambda(lambda t: t * 2, name="sneaky")(inner_in), name="inner")
    outer_in = keras.Input((8,))
    model = keras.Model(outer_in, keras.layers.Dense(2)(inner(outer_in)))
    path = tmp_path / "nested.keras"
    model.save(path)
    with pytest.raises(InputRejected, match=r"model/.*inner.*Lambda 'sneaky'"):
        load_user_model(path)


def test_class_outside_the_allowlist_is_refused(tmp_path):
    from edgeopt._keras import keras

    @keras.saving.register_keras_serializable(package="someone")
    class Mystery(keras.layers.Layer):
        def call(self, inputs):
            return inputs

    inputs = keras.Input((4,))
    path = tmp_path / "custom.keras"
    keras.Model(inputs, Mystery(name="mystery")(inputs)).save(path)
    with pytest.raises(InputRejected, match=r"Mystery 'mystery' is a custom class \('someone>Mystery'\)"):
        load_user_model(path)


def test_h5_and_savedmodel_need_trust(tmp_path):
    (tmp_path / "m.h5").write_bytes(b"\x89HDF\r\n")
    with pytest.raises(InputRejected, match=r"HDF5.*--trust-model"):
        load_user_model(tmp_path / "m.h5")
    (tmp_path / "saved").mkdir()
    with pytest.raises(InputRejected, match="SavedModel folder"):
        load_user_model(tmp_path / "saved")


def test_corrupt_keras_file_is_rejected(tmp_path):
    path = tmp_path / "broken.keras"
    path.write_bytes(b"PK\x03\x04 truncated")
    with pytest.raises(InputRejected, match=r"not a \.keras archive"):
        load_user_model(path)
