"""Readers for the dataset sources a recipe can name. Each returns raw images and labels, unresized.

Images come back as float32 (N, H, W, C) in [0, 1]; labels as int64 in [0, num_classes).
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from edgeopt.errors import InputRejected

log = logging.getLogger(__name__)

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp", ".tif", ".tiff"}


def read_digits() -> tuple[np.ndarray, np.ndarray, tuple[str, ...]]:
    """scikit-learn's bundled handwritten digits: 1,797 real 8x8 images with ink levels 0..16."""
    from sklearn.datasets import load_digits

    bunch = load_digits()
    x = (bunch.images.astype(np.float32) / 16.0)[..., None]
    return x, bunch.target.astype(np.int64), tuple(str(n) for n in bunch.target_names)


def read_npz(path: Path) -> dict[str, np.ndarray]:
    """An .npz with x_train, y_train, x_test, y_test (optionally class_names). Pickled objects are refused."""
    try:
        with np.load(path, allow_pickle=False) as z:
            arrays = {k: z[k] for k in z.files}
    except FileNotFoundError:
        raise InputRejected(f"{path}: dataset file not found") from None
    except ValueError as exc:  # allow_pickle=False refuses object arrays
        raise InputRejected(f"{path}: cannot read as .npz without unpickling ({exc})") from None
    except Exception as exc:
        raise InputRejected(f"{path}: not a readable .npz file ({type(exc).__name__}: {exc})") from None
    missing = [k for k in ("x_train", "y_train", "x_test", "y_test") if k not in arrays]
    if missing:
        raise InputRejected(f"{path}: missing arrays {missing}; found {sorted(arrays)}")
    for split in ("train", "test"):
        x, y = arrays[f"x_{split}"], arrays[f"y_{split}"]
        arrays[f"x_{split}"] = to_unit_float(x, f"{path}:x_{split}")
        arrays[f"y_{split}"] = to_labels(y, len(x), f"{path}:y_{split}")
    return arrays


def read_folder(path: Path, channels: int) -> tuple[list[np.ndarray], np.ndarray, tuple[str, ...]]:
    """One sub-folder per class (sorted names are the class order); every image file in it is a sample."""
    from PIL import Image, UnidentifiedImageError

    if not path.is_dir():
        raise InputRejected(f"{path}: image folder not found")
    classes = sorted(p.name for p in path.iterdir() if p.is_dir() and not p.name.startswith("."))
    if len(classes) < 2:
        raise InputRejected(f"{path}: expected one sub-folder per class (at least 2); found {len(classes)}")
    images: list[np.ndarray] = []
    labels: list[int] = []
    mode = "L" if channels == 1 else "RGB"
    for label, name in enumerate(classes):
        files = sorted(f for f in (path / name).iterdir() if f.suffix.lower() in IMAGE_SUFFIXES)
        if not files:
            raise InputRejected(f"{path / name}: class folder holds no images ({', '.join(sorted(IMAGE_SUFFIXES))})")
        for f in files:
            try:
                with Image.open(f) as im:
                    arr = np.asarray(im.convert(mode), dtype=np.float32) / 255.0
            except (UnidentifiedImageError, OSError) as exc:
                raise InputRejected(f"{f}: unreadable image ({exc})") from None
            images.append(arr if arr.ndim == 3 else arr[..., None])
            labels.append(label)
    log.info("read %d images in %d classes from %s", len(images), len(classes), path)
    return images, np.asarray(labels, dtype=np.int64), tuple(classes)


def to_unit_float(x: np.ndarray, what: str) -> np.ndarray:
    """Integer images are scaled by their dtype's maximum; float images must already lie in [0, 1]."""
    if x.ndim == 3:
        x = x[..., None]
    if x.ndim != 4:
        raise InputRejected(f"{what}: expected images shaped (N, H, W) or (N, H, W, C); received shape {x.shape}")
    if len(x) == 0:
        raise InputRejected(f"{what}: no samples")
    if len(x) > 1 and bool((x == x.flat[0]).all()):  # nothing to learn and nothing to calibrate on
        raise InputRejected(f"{what}: all {len(x)} images are the same constant value {x.flat[0]}")
    if np.issubdtype(x.dtype, np.integer):
        return x.astype(np.float32) / float(np.iinfo(x.dtype).max)
    if not np.issubdtype(x.dtype, np.floating):
        raise InputRejected(f"{what}: expected integer or float images; received dtype {x.dtype}")
    bad = np.flatnonzero(~np.isfinite(x.reshape(len(x), -1)).all(axis=1))
    if bad.size:
        raise InputRejected(f"{what}: sample {int(bad[0])} contains NaN or Inf ({bad.size} samples in all)")
    lo, hi = float(x.min()), float(x.max())
    if lo < 0.0 or hi > 1.0:
        raise InputRejected(f"{what}: float images must lie in [0, 1]; received range [{lo:g}, {hi:g}]")
    return x.astype(np.float32)


def to_labels(y: np.ndarray, n: int, what: str) -> np.ndarray:
    y = np.asarray(y).reshape(-1)
    if len(y) != n:
        raise InputRejected(f"{what}: {len(y)} labels for {n} images")
    if not np.issubdtype(y.dtype, np.integer):
        raise InputRejected(f"{what}: labels must be integers; received dtype {y.dtype}")
    if y.min() < 0:
        raise InputRejected(f"{what}: label {int(y.min())} at sample {int(np.argmin(y))} is negative")
    return y.astype(np.int64)
