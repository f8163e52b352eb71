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
DIGITS_SAMPLES = 1797  # scikit-learn's digits; the recipe check uses it without loading them
MAX_IMAGE_PIXELS = 64 * 1024 * 1024  # one image's pixels; PIL warns at 89M and refuses at twice that


def count_samples(source: str, path: Path | None) -> int:
    """How many images a source holds, without reading them: digits' fixed count, the .npz headers' first
    dimensions, or the image files under a folder."""
    if source == "digits":
        return DIGITS_SAMPLES
    if source == "npz":
        return sum(shape[0] for name, shape in npz_shapes(path).items() if name.startswith("x_") and shape)
    check_kind(path, folder=True)
    return sum(1 for f in path.glob("*/*") if f.suffix.lower() in IMAGE_SUFFIXES)


def check_kind(path: Path, folder: bool) -> None:
    """A dataset path is a regular file (npz) or a folder: a FIFO would block the first read forever."""
    import stat

    try:
        mode = path.stat().st_mode
    except OSError:
        raise InputRejected(f"{path}: dataset {'folder' if folder else 'file'} not found") from None
    if folder and not stat.S_ISDIR(mode):
        raise InputRejected(f"{path}: expected an image folder (one sub-folder per class); this is not a folder")
    if not folder and not stat.S_ISREG(mode):
        what = "a folder" if stat.S_ISDIR(mode) else "not a regular file (a FIFO, socket or device)"
        raise InputRejected(f"{path}: expected an .npz file; this is {what}")


def npz_shapes(path: Path) -> dict[str, tuple]:
    """Array shapes from an .npz's member headers (nothing is loaded). An .npz is a zip of .npy files."""
    import zipfile

    check_kind(path, folder=False)
    with open(path, "rb") as fh:
        magic = fh.read(4)
    if magic != b"PK\x03\x04":
        raise InputRejected(f"{path}: not an .npz file (an .npz is a zip archive; this file does not start like one)")
    shapes = {}
    try:
        with zipfile.ZipFile(path) as zf:
            for info in zf.infolist():
                if not info.filename.endswith(".npy"):
                    continue
                with zf.open(info) as member:
                    version = np.lib.format.read_magic(member)
                    header = (
                        np.lib.format.read_array_header_1_0(member)
                        if version == (1, 0)
                        else np.lib.format.read_array_header_2_0(member)
                    )
                shapes[info.filename.removesuffix(".npy")] = header[0]
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise InputRejected(f"{path}: not a readable .npz file ({exc})") from None
    return shapes


def read_digits() -> tuple[np.ndarray, np.ndarray, tuple[str, ...]]:
    """scikit-learn's bundled handwritten digits: 1,797 real 8x8 images with ink levels 0..16."""
    from sklearn.datasets import load_digits

    bunch = load_digits()
    x = (bunch.images.astype(np.float32) / 16.0)[..., None]
    return x, bunch.target.astype(np.int64), tuple(str(n) for n in bunch.target_names)


def read_npz(path: Path) -> dict[str, np.ndarray]:
    """An .npz with x_train, y_train, x_test, y_test (optionally class_names). Pickled objects are refused."""
    npz_shapes(path)  # kind, zip magic and headers first
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

    check_kind(path, folder=True)
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
                with Image.open(f) as im:  # reads the header only
                    if im.width * im.height > MAX_IMAGE_PIXELS:
                        raise InputRejected(
                            f"{f}: {im.width}x{im.height} pixels; edgeopt's limit is {MAX_IMAGE_PIXELS:,} pixels "
                            "per image (a decompression bomb, or far larger than any input it resizes to)"
                        )
                    arr = np.asarray(im.convert(mode), dtype=np.float32) / 255.0
            except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as exc:
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
    if 0 in x.shape[1:]:
        raise InputRejected(f"{what}: images of shape {x.shape[1:]} hold no pixels")
    if x.shape[-1] not in (1, 3):
        hint = " (RGBA? drop the alpha channel: x[..., :3])" if x.shape[-1] == 4 else ""
        raise InputRejected(f"{what}: images must have 1 (grayscale) or 3 (RGB) channels; received {x.shape[-1]}{hint}")
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
