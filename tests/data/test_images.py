"""Images kept at their source size: every way a stage reads them gives what resizing the whole stack gave, a
224 px run folder stores kilobytes instead of a gigabyte, and a lazily read training split trains."""

from __future__ import annotations

import numpy as np
import pytest

from edgeopt.data import load_dataset
from edgeopt.data.dataset import SPLITS, Dataset
from edgeopt.data.images import MATERIALIZE_BELOW, ResizedImages
from edgeopt.data.preprocess import resize_images
from edgeopt.data.sources import read_digits
from edgeopt.recipe.schema import DataConfig


def test_every_access_equals_resizing_the_whole_stack():
    x, _, _ = read_digits()
    x = x[:150]
    whole = resize_images(x, 40, 3)
    lazy = ResizedImages(x, 40, 3)
    assert lazy.shape == whole.shape and len(lazy) == 150 and lazy.dtype == np.float32
    np.testing.assert_array_equal(lazy[7], whole[7])
    np.testing.assert_array_equal(lazy[10:90:3], whole[10:90:3])
    picked = np.array([149, 0, 64, 65, 3])
    np.testing.assert_array_equal(lazy[picked], whole[picked])
    mask = np.arange(150) % 7 == 0
    np.testing.assert_array_equal(lazy[mask], whole[mask])
    np.testing.assert_array_equal(np.stack(list(lazy)), whole)  # iteration crosses batch boundaries
    np.testing.assert_array_equal(np.asarray(lazy), whole)
    np.testing.assert_array_equal(lazy.subset(picked)[1:3], whole[picked][1:3])
    assert lazy[5:5].shape == (0, 40, 40, 3)


def test_split_values_unchanged_by_splitting_indices():
    """The partition and the values are those of resizing all images and splitting the arrays."""
    from sklearn.model_selection import train_test_split

    cfg = DataConfig(source="digits", image_size=32, channels=3)
    ds = load_dataset(cfg, seed=3)
    x_raw, y, _ = read_digits()
    x_all = resize_images(x_raw, 32, 3)
    x_pool, x_test, y_pool, y_test = train_test_split(x_all, y, test_size=cfg.test_fraction, stratify=y, random_state=3)
    x_train, x_val, y_train, y_val = train_test_split(
        x_pool, y_pool, test_size=cfg.val_fraction, stratify=y_pool, random_state=3
    )
    for split, (xs, ys) in {"train": (x_train, y_train), "val": (x_val, y_val), "test": (x_test, y_test)}.items():
        got_x, got_y = ds.split(split)
        np.testing.assert_array_equal(np.asarray(got_x), xs)
        np.testing.assert_array_equal(got_y, ys)


def test_224px_run_folder_stores_the_source_and_loads_lazily(tmp_path):
    ds = load_dataset(DataConfig(source="digits", image_size=224, channels=3), seed=0, lazy=True)
    ds.save(tmp_path / "dataset.npz")
    assert (tmp_path / "dataset.npz").stat().st_size < 2 * 2**20  # was 1.08 GB of float32
    loaded = Dataset.load(tmp_path / "dataset.npz")
    train = loaded.x_train
    assert isinstance(train, ResizedImages) and train.nbytes >= MATERIALIZE_BELOW  # 778 MB if resized whole
    assert isinstance(loaded.x_val, np.ndarray) and loaded.x_val.nbytes < MATERIALIZE_BELOW
    assert loaded.input_shape == (224, 224, 3)
    for split in SPLITS:
        np.testing.assert_array_equal(np.asarray(loaded.split(split)[0][:5]), np.asarray(ds.split(split)[0][:5]))


def test_ragged_sources_round_trip(tmp_path):
    rng = np.random.default_rng(0)
    source = [rng.random((h, w, 3), dtype=np.float32) for h, w in ((9, 12), (30, 20), (16, 16))]
    lazy = ResizedImages(source, 64, 1)
    arrays = lazy.to_arrays("x_train")
    assert "x_train__flat" in arrays  # 3 small images are smaller than 3 resized ones
    back = ResizedImages.from_arrays(arrays, "x_train")
    np.testing.assert_array_equal(back, np.asarray(lazy))
    big = ResizedImages(source, 8, 3)  # resized is smaller than the source: stored resized
    assert set(big.to_arrays("x")) == {"x"}


@pytest.mark.slow
def test_lazy_training_split_trains():
    from edgeopt._keras import keras
    from edgeopt.compress.finetune import compile_and_fit

    x, y, names = read_digits()
    lazy = ResizedImages(x[:96], 24, 1)
    ds = Dataset(lazy, y[:96], np.asarray(lazy[:16]), y[:16], np.asarray(lazy[:16]), y[:16], names)
    model = keras.Sequential(
        [keras.Input((24, 24, 1)), keras.layers.Flatten(), keras.layers.Dense(10, activation="softmax")]
    )
    history = compile_and_fit(model, ds, 3, 16, 0, keras.optimizers.Adam(0.01))
    assert len(history.history["loss"]) == 3 and history.history["loss"][-1] < history.history["loss"][0]
