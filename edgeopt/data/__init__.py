"""Datasets: the bundled digits, users' .npz files and image folders, split deterministically."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from edgeopt.data.dataset import Dataset
from edgeopt.errors import InputRejected

log = logging.getLogger(__name__)

__all__ = ["Dataset", "load_dataset", "memory_problem"]

# float32 copies of the resized images alive at the peak of load_dataset: the resized stack, the train/test split
# and the train/val split of the pool (the raw images are small beside them at any size worth resizing to).
PEAK_COPIES = 3


def memory_problem(samples: int, size: int, channels: int, layout: str = "image", frames: int = 1) -> str | None:
    """Why the dataset would not fit in memory here, or None. Checked before anything is read or resized."""
    from edgeopt.data.layouts import sample_floats
    from edgeopt.resources import available_memory, gib

    need = samples * sample_floats(size, channels, layout, frames) * 4 * PEAK_COPIES
    have, bound = available_memory()
    if need <= have:
        return None
    shape = f"{size}x{size}x{channels}" + (f" in {frames}-frame clips" if layout == "clip" else "")
    return (
        f"{samples:,} images at {shape} need about {gib(need)} of memory to prepare "
        f"({PEAK_COPIES} float32 copies while resizing and splitting), and {bound} here is {gib(have)}; "
        "lower data.image_size or use fewer images"
    )


def load_dataset(cfg, seed: int, base_dir: Path = Path(".")) -> Dataset:
    """Read the source named by a DataConfig, resize, and split (stratified, seeded)."""
    from sklearn.model_selection import train_test_split

    from edgeopt.data import sources
    from edgeopt.data.preprocess import resize_images

    size, ch = cfg.image_size, cfg.channels
    path = (base_dir / cfg.path) if cfg.path else None
    count = sources.count_samples(cfg.source, path)
    problem = memory_problem(count, size, ch, cfg.layout, cfg.frames)
    if problem:
        raise InputRejected(f"{path or 'digits'}: {problem}")
    if cfg.source == "npz":
        arrays = sources.read_npz(path)
        x_pool, y_pool = resize_images(arrays["x_train"], size, ch), arrays["y_train"]
        x_test, y_test = resize_images(arrays["x_test"], size, ch), arrays["y_test"]
        n_cls = int(max(y_pool.max(), y_test.max())) + 1
        names = tuple(str(n) for n in arrays["class_names"]) if "class_names" in arrays else None
        names = names or tuple(str(i) for i in range(n_cls))
    else:
        if cfg.source == "digits":
            x_raw, y_all, names = sources.read_digits()
        else:
            x_raw, y_all, names = sources.read_folder(path, ch)
        x_all = resize_images(x_raw, size, ch)
        _check_stratifiable(y_all, cfg.test_fraction, "test")
        x_pool, x_test, y_pool, y_test = train_test_split(
            x_all, y_all, test_size=cfg.test_fraction, stratify=y_all, random_state=seed
        )
    if cfg.layout != "image":  # sequences and clips are made from the resized images, before any split
        from edgeopt.data.layouts import to_layout

        x_pool, x_test = (
            to_layout(x_pool, cfg.layout, cfg.frames, seed),
            to_layout(x_test, cfg.layout, cfg.frames, seed + 1),
        )
    for split, y in (("train", y_pool), ("test", y_test)):
        if int(y.max()) >= len(names):
            raise InputRejected(
                f"{split} label {int(y.max())} at sample {int(np.argmax(y))} is out of range: there "
                f"are {len(names)} class names (labels 0..{len(names) - 1})"
            )
    _check_stratifiable(y_pool, cfg.val_fraction, "validation")
    x_train, x_val, y_train, y_val = train_test_split(
        x_pool, y_pool, test_size=cfg.val_fraction, stratify=y_pool, random_state=seed
    )
    ds = Dataset(x_train, y_train, x_val, y_val, x_test, y_test, tuple(names))
    log.info("data: %s, %s", cfg.source, ds.summary()["samples"])
    return ds


def _check_stratifiable(y: np.ndarray, fraction: float, what: str) -> None:
    counts = np.bincount(y)
    present = counts[counts > 0]
    if present.min() < 2:
        cls = int(np.flatnonzero(counts == present.min())[0])
        raise InputRejected(f"class {cls} has {present.min()} sample; a stratified {what} split needs at least 2")
    if round(fraction * len(y)) < len(present):
        raise InputRejected(
            f"{what} split of {fraction:g} x {len(y)} samples is smaller than the {len(present)} classes"
        )
