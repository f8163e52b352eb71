"""A small CNN with one layer made quantization-hostile on purpose (issue 6's acceptance test, and
benchmarks/autoquant.py).

The model is trained normally, then a 1x1 conv ("hostile") is inserted that passes the features through and adds
one channel that is zero almost everywhere but, on rare pixels, a thousand times the features' range. The next
conv ignores that channel (zero weights), so the float model is unchanged; per-tensor int8 activations, though,
must cover the spikes, and every ordinary value on that tensor rounds to zero.
"""

from __future__ import annotations

import numpy as np


def save_hostile_model(path) -> None:
    """Train on the bundled digits at 16x16x1 (seeded) and save the hostile model to `path` (.keras)."""
    from edgeopt._keras import keras
    from edgeopt.data import load_dataset
    from edgeopt.recipe.schema import DataConfig

    ds = load_dataset(DataConfig(image_size=16, channels=1), seed=0)
    layers = keras.layers
    keras.utils.set_random_seed(0)

    def net(extra: bool):
        inp = layers.Input((16, 16, 1))
        x = layers.MaxPooling2D(name="pool")(layers.Conv2D(8, 3, padding="same", activation="relu", name="conv1")(inp))
        feat = x
        if extra:
            x = layers.Conv2D(9, 1, activation="relu", name="hostile")(x)
        x = layers.Conv2D(16, 3, padding="same", activation="relu", name="conv2")(x)
        x = layers.Flatten(name="flat")(layers.MaxPooling2D(name="pool2")(x))
        return keras.Model(inp, layers.Dense(10, activation="softmax", name="head")(x), name="hostile_cnn"), feat

    base, feat = net(False)
    base.compile(keras.optimizers.Adam(0.01), "sparse_categorical_crossentropy")
    base.fit(ds.x_train, ds.y_train, epochs=15, batch_size=32, verbose=0)
    f = keras.Model(base.input, feat).predict(ds.x_train, verbose=0)
    v = f.mean(-1)
    threshold = np.quantile(v, 0.999)  # about one pixel in a thousand spikes
    scale = 1000 * f.max() / (v.max() - threshold)

    model, _ = net(True)
    kernel = np.zeros((1, 1, 8, 9), np.float32)
    kernel[0, 0, :, :8] = np.eye(8)
    kernel[0, 0, :, 8] = scale / 8
    bias = np.zeros(9, np.float32)
    bias[8] = -scale * threshold
    model.get_layer("hostile").set_weights([kernel, bias])
    w2, b2 = base.get_layer("conv2").get_weights()
    model.get_layer("conv2").set_weights([np.concatenate([w2, np.zeros((3, 3, 1, 16), np.float32)], axis=2), b2])
    for name in ("conv1", "head"):
        model.get_layer(name).set_weights(base.get_layer(name).get_weights())
    np.testing.assert_allclose(model.predict(ds.x_test, verbose=0), base.predict(ds.x_test, verbose=0), atol=1e-4)
    model.save(path)
