"""Datasets: the bundled digits, users' .npz files and image folders, split deterministically."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from edgeopt.data.dataset import Dataset
from edgeopt.errors import InputRejected

log = logging.getLogger(__name__)

__all__ = ["Dataset", "load_dataset", "memory_problem"]

# float32 copies of the resized images alive at the peak of making sequences or clips: the resized pool and test
# split, the layout's arrays and the train/val split of them.
PEAK_COPIES = 3
# Images are never held whole (data/images.py): the most a stage resizes at once is a chunk of the split it reads
# (at most 256 samples, fewer for large inputs: the runners' predict), next to the model's own copy of it.
CHUNK, CHUNK_COPIES = 256, 2


def memory_problem(samples: int, size: int, channels: int, layout: str = "image", frames: int = 1) -> str | None:
    """Why the dataset would not fit in memory here, or None. Checked before anything is read or resized."""
    from edgeopt.data.layouts import sample_floats
    from edgeopt.resources import available_memory, gib

    per_sample = sample_floats(size, channels, layout, frames) * 4
    if layout == "image":
        need, held = min(samples, CHUNK) * per_sample * CHUNK_COPIES, f"a chunk of {min(samples, CHUNK)} resized"
    else:
        need, held = samples * per_sample * PEAK_COPIES, f"{PEAK_COPIES} float32 copies while resizing and splitting"
    have, bound = available_memory()
    if need <= have:
        return None
    shape = f"{size}x{size}x{channels}" + (f" in {frames}-frame clips" if layout == "clip" else "")
    return (
        f"{samples:,} images at {shape} need about {gib(need)} of memory to prepare ({held}), "
        f"and {bound} here is {gib(have)}; lower data.image_size or use fewer images"
    )


def load_dataset(cfg, seed: int, base_dir: Path = Path("."), lazy: bool = False) -> Dataset:
    """Read the source named by a DataConfig, split it (stratified, seeded) and resize. With `lazy`, images stay
    at their source size (data/images.py: what the data stage stores); otherwise splits below
    MATERIALIZE_BELOW come back resized, as Dataset.load gives them. Sequences and clips are made here."""
    from sklearn.model_selection import train_test_split

    from edgeopt.data import sources
    from edgeopt.data.images import ResizedImages

    size, ch = cfg.image_size, cfg.channels
    path = (base_dir / cfg.path) if cfg.path else None
    problem = memory_problem(sources.count_samples(cfg.source, path), size, ch, cfg.layout, cfg.frames)
    if problem:
        raise InputRejected(f"{path or 'digits'}: {problem}")
    if cfg.source == "npz":
        arrays = sources.read_npz(path)
        x_pool, y_pool = ResizedImages(arrays["x_train"], size, ch), arrays["y_train"]
        x_test, y_test = ResizedImages(arrays["x_test"], size, ch), arrays["y_test"]
        x_pool[:1], x_test[:1]  # fail here, not in a later stage, on images with the wrong channel count
        n_cls = int(max(y_pool.max(), y_test.max())) + 1
        names = tuple(str(n) for n in arrays["class_names"]) if "class_names" in arrays else None
        names = names or tuple(str(i) for i in range(n_cls))
    else:
        if cfg.source == "digits":
            x_raw, y_all, names = sources.read_digits()
        else:
            x_raw, y_all, names = sources.read_folder(path, ch)
        _check_stratifiable(y_all, cfg.test_fraction, "test")
        # Splitting indices gives the same partition as splitting the images (train_test_split permutes every
        # array it is given the same way).
        i_pool, i_test, y_pool, y_test = train_test_split(
            np.arange(len(y_all)), y_all, test_size=cfg.test_fraction, stratify=y_all, random_state=seed
        )
        images = ResizedImages(x_raw, size, ch)
        images[:1]  # fails here, not in a later stage, on an image with the wrong channel count
        x_pool, x_test = images.subset(i_pool), images.subset(i_test)
    if cfg.layout != "image":  # sequences and clips are made from the resized images, before any split
        from edgeopt.data.layouts import to_layout

        x_pool, x_test = (
            to_layout(np.asarray(x_pool), cfg.layout, cfg.frames, seed),
            to_layout(np.asarray(x_test), cfg.layout, cfg.frames, seed + 1),
        )
    for split, y in (("train", y_pool), ("test", y_test)):
        if int(y.max()) >= len(names):
            raise InputRejected(
                f"{split} label {int(y.max())} at sample {int(np.argmax(y))} is out of range: there "
                f"are {len(names)} class names (labels 0..{len(names) - 1})"
            )
    _check_stratifiable(y_pool, cfg.val_fraction, "validation")
    i_train, i_val, y_train, y_val = train_test_split(
        np.arange(len(y_pool)), y_pool, test_size=cfg.val_fraction, stratify=y_pool, random_state=seed
    )
    x_train, x_val = (
        (x_pool.subset(i_train), x_pool.subset(i_val))
        if isinstance(x_pool, ResizedImages)
        else (x_pool[i_train], x_pool[i_val])
    )
    ds = Dataset(x_train, y_train, x_val, y_val, x_test, y_test, tuple(names))
    ds = ds if lazy else ds.settled()
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
