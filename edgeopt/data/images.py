"""Images kept at their source size and resized when read, in batches.

At 224 px the digits are 1.08 GB of float32 against 0.46 MB at their source 8x8: a run holds and stores the
source, and each consumer reads the samples it needs (a calibration set, a training batch, a chunk of the test
split) resized exactly as the whole stack would have been. Small datasets are still materialized once on load
(MATERIALIZE_BELOW) so every stage at the sizes the recipes use works on plain arrays.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np

MATERIALIZE_BELOW = 256 * 2**20  # bytes of float32 below which a split is held resized
BATCH = 64  # images resized per batch when a whole split is read


class ResizedImages:
    """A read-only array-like of `source` images resized to size x size x channels, float32 in [0, 1].

    Supports len(), .shape / .dtype / .ndim / .nbytes, integer, slice and index-array access (each returns
    resized float32 arrays), iteration, and np.asarray() (the whole split, resized in batches)."""

    dtype = np.dtype(np.float32)

    def __init__(self, source: np.ndarray | Sequence[np.ndarray], size: int, channels: int) -> None:
        self.source, self.size, self.channels = source, size, channels

    @property
    def shape(self) -> tuple[int, ...]:
        return (len(self.source), self.size, self.size, self.channels)

    @property
    def ndim(self) -> int:
        return 4

    @property
    def nbytes(self) -> int:
        return int(np.prod(self.shape)) * 4

    def __len__(self) -> int:
        return len(self.source)

    def __getitem__(self, key) -> np.ndarray:
        from edgeopt.data.preprocess import resize_images

        if isinstance(key, (int, np.integer)):
            return resize_images([self.source[int(key)]], self.size, self.channels)[0]
        if isinstance(key, slice):
            picked = [self.source[i] for i in range(*key.indices(len(self)))]
        else:
            index = np.asarray(key)
            if index.dtype == bool:
                index = np.flatnonzero(index)
            picked = [self.source[int(i)] for i in index.ravel()]
        if not picked:
            return np.empty((0, self.size, self.size, self.channels), np.float32)
        return resize_images(picked, self.size, self.channels)

    def __iter__(self) -> Iterator[np.ndarray]:
        for start in range(0, len(self), BATCH):
            yield from self[start : start + BATCH]

    def __array__(self, dtype=None, copy=None) -> np.ndarray:
        out = np.empty(self.shape, np.float32)
        for start in range(0, len(self), BATCH):
            out[start : start + BATCH] = self[start : start + BATCH]
        return out if dtype is None else out.astype(dtype)

    def subset(self, index: np.ndarray) -> ResizedImages:
        """The images at `index`, still unresized (for splitting)."""
        if isinstance(self.source, np.ndarray):
            return ResizedImages(self.source[index], self.size, self.channels)
        return ResizedImages([self.source[int(i)] for i in index], self.size, self.channels)

    @property
    def source_nbytes(self) -> int:
        if isinstance(self.source, np.ndarray):
            return int(self.source.nbytes)
        return int(sum(s.nbytes for s in self.source))

    def to_arrays(self, key: str) -> dict[str, np.ndarray]:
        """npz entries that hold these images: the source (one array, or ragged images flattened with their
        shapes) and the target size, or the resized images where those are smaller than the source."""
        if self.nbytes <= self.source_nbytes:
            return {key: np.asarray(self)}
        target = np.array([self.size, self.channels], np.int64)
        if isinstance(self.source, np.ndarray):
            return {f"{key}__source": self.source, f"{key}__target": target}
        shapes = np.array([s.shape for s in self.source], np.int64).reshape(len(self.source), -1)
        flat = np.concatenate([s.ravel() for s in self.source]) if len(self.source) else np.empty(0, np.float32)
        return {f"{key}__flat": flat, f"{key}__shapes": shapes, f"{key}__target": target}

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray], key: str) -> np.ndarray | ResizedImages:
        """The inverse of to_arrays: a plain array, or ResizedImages."""
        if key in arrays:
            return arrays[key]
        size, channels = (int(v) for v in arrays[f"{key}__target"])
        if f"{key}__source" in arrays:
            source: np.ndarray | list[np.ndarray] = arrays[f"{key}__source"]
        else:
            flat, shapes = arrays[f"{key}__flat"], arrays[f"{key}__shapes"]
            ends = np.cumsum([int(np.prod(s)) for s in shapes])
            source = [flat[e - int(np.prod(s)) : e].reshape(s) for e, s in zip(ends, shapes, strict=True)]
        return cls(source, size, channels)


def settle(x):
    """ResizedImages below MATERIALIZE_BELOW resized into a plain array; anything else as it is."""
    return np.asarray(x) if isinstance(x, ResizedImages) and x.nbytes < MATERIALIZE_BELOW else x
