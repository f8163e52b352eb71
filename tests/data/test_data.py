from __future__ import annotations

import math

import numpy as np
import pytest
from PIL import Image

from edgeopt.data import load_dataset
from edgeopt.errors import EXIT_INPUT_REJECTED, InputRejected
from edgeopt.recipe.schema import DataConfig


def test_digits_are_resized_split_and_stratified():
    ds = load_dataset(DataConfig(image_size=32, channels=3), seed=0)
    assert ds.input_shape == (32, 32, 3)
    assert ds.num_classes == 10
    total = len(ds.y_train) + len(ds.y_val) + len(ds.y_test)
    assert total == 1797
    assert len(ds.y_test) == math.ceil(0.2 * 1797)  # scikit-learn rounds the test share up
    # stratified: every split holds every class in about the same share
    for y in (ds.y_train, ds.y_val, ds.y_test):
        share = np.bincount(y, minlength=10) / len(y)
        assert share.min() > 0.07 and share.max() < 0.13
    assert ds.x_train.dtype == np.float32 and ds.x_train.min() >= 0.0 and ds.x_train.max() <= 1.0


def test_split_is_deterministic_for_a_seed_and_changes_with_it():
    a = load_dataset(DataConfig(image_size=8, channels=1), seed=0)
    b = load_dataset(DataConfig(image_size=8, channels=1), seed=0)
    c = load_dataset(DataConfig(image_size=8, channels=1), seed=1)
    np.testing.assert_array_equal(a.x_test, b.x_test)
    assert not np.array_equal(a.y_test, c.y_test)


def test_dataset_round_trips_through_npz(tmp_path):
    ds = load_dataset(DataConfig(image_size=8, channels=1), seed=0)
    ds.save(tmp_path / "d.npz")
    back = type(ds).load(tmp_path / "d.npz")
    assert back.class_names == ds.class_names
    np.testing.assert_array_equal(back.x_val, ds.x_val)


def _npz(path, n=60, size=12, classes=3, **override):
    rng = np.random.default_rng(0)
    arrays = {
        "x_train": rng.integers(0, 256, (n, size, size, 3), dtype=np.uint8),
        "y_train": np.arange(n) % classes,
        "x_test": rng.integers(0, 256, (n // 2, size, size, 3), dtype=np.uint8),
        "y_test": np.arange(n // 2) % classes,
    }
    arrays.update(override)
    np.savez(path, **arrays)
    return path


def test_npz_source_is_read_scaled_and_resized(tmp_path):
    _npz(tmp_path / "d.npz")
    ds = load_dataset(DataConfig(source="npz", path="d.npz", image_size=16, channels=1), seed=0, base_dir=tmp_path)
    assert ds.input_shape == (16, 16, 1)
    assert len(ds.y_test) == 30 and len(ds.y_train) + len(ds.y_val) == 60
    assert ds.x_train.max() <= 1.0


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"x_test": np.zeros((0, 12, 12, 3), np.uint8), "y_test": np.zeros(0, int)}, "x_test: no samples"),
        ({"y_train": np.arange(59)}, "59 labels for 60 images"),
        ({"x_train": np.full((60, 12, 12, 3), np.nan, np.float32)}, "sample 0 contains NaN"),
        (
            {"x_train": np.linspace(0, 200, 60 * 12 * 12 * 3, dtype=np.float32).reshape(60, 12, 12, 3)},
            r"must lie in \[0, 1\]",
        ),
        ({"y_train": -(np.arange(60) % 3)}, "is negative"),
        ({"x_train": np.zeros((60, 12, 12, 3), np.uint8)}, "all 60 images are the same constant value 0"),
        ({"x_test": np.full((30, 12, 12, 3), 0.5, np.float32)}, "all 30 images are the same constant value 0.5"),
        ({"class_names": np.array(["a", "b"])}, "label 2 at sample .* is out of range: there are 2 class names"),
    ],
)
def test_bad_npz_is_rejected_with_exit_3(tmp_path, override, message):
    _npz(tmp_path / "d.npz", **override)
    with pytest.raises(InputRejected, match=message) as info:
        load_dataset(DataConfig(source="npz", path="d.npz"), seed=0, base_dir=tmp_path)
    assert info.value.exit_code == EXIT_INPUT_REJECTED


def test_npz_missing_arrays_names_them(tmp_path):
    np.savez(tmp_path / "d.npz", x_train=np.zeros((4, 8, 8)))
    with pytest.raises(InputRejected, match=r"missing arrays \['y_train', 'x_test', 'y_test'\]"):
        load_dataset(DataConfig(source="npz", path="d.npz"), seed=0, base_dir=tmp_path)


def _folder(root, classes=("cat", "dog"), per_class=10):
    rng = np.random.default_rng(0)
    for name in classes:
        (root / name).mkdir(parents=True)
        for i in range(per_class):
            Image.fromarray(rng.integers(0, 256, (20, 24, 3), dtype=np.uint8)).save(root / name / f"{i}.png")
    return root


def test_image_folder_source_uses_subfolders_as_classes(tmp_path):
    _folder(tmp_path / "imgs")
    cfg = DataConfig(source="folder", path="imgs", image_size=16, channels=3, test_fraction=0.2, val_fraction=0.2)
    ds = load_dataset(cfg, seed=0, base_dir=tmp_path)
    assert ds.class_names == ("cat", "dog")
    assert ds.input_shape == (16, 16, 3)
    assert len(ds.y_train) + len(ds.y_val) + len(ds.y_test) == 20


def test_unreadable_image_is_named(tmp_path):
    root = _folder(tmp_path / "imgs")
    (root / "dog" / "broken.png").write_bytes(b"not a png")
    with pytest.raises(InputRejected, match=r"broken.png: unreadable image"):
        load_dataset(DataConfig(source="folder", path="imgs"), seed=0, base_dir=tmp_path)
