"""Sequences and clips made from the images, for 1D and 3D models: nothing is downloaded.

- `sequence`: each image read row by row, top to bottom: image_size steps of image_size x channels features
  (the row-wise "sequential" reading of a digit, as sequence models are tested on MNIST).
- `clip`: `frames` frames of each image moving in a straight line: frame t is the image shifted by t pixels
  (wrapping at the border) in one of the eight compass directions, chosen per sample from the recipe seed. The
  label stays the digit's, so a 3D model must recognise the digit whatever the motion.
"""

from __future__ import annotations

import numpy as np

LAYOUTS = ("image", "sequence", "clip")
DIRECTIONS = [(dy, dx) for dy in (-1, 0, 1) for dx in (-1, 0, 1) if (dy, dx) != (0, 0)]


def to_layout(x: np.ndarray, layout: str, frames: int, seed: int) -> np.ndarray:
    """float32 (N, H, W, C) images -> the layout's arrays (copies; the images are not modified)."""
    if layout == "image":
        return x
    n, h, w, c = x.shape
    if layout == "sequence":
        return np.ascontiguousarray(x.reshape(n, h, w * c))
    if layout != "clip":
        raise ValueError(f"unknown data layout {layout!r}; expected one of {', '.join(LAYOUTS)}")
    direction = np.random.default_rng(seed).integers(0, len(DIRECTIONS), n)
    out = np.empty((n, frames, h, w, c), np.float32)
    for d, (dy, dx) in enumerate(DIRECTIONS):
        picked = direction == d
        for t in range(frames):
            out[picked, t] = np.roll(x[picked], (t * dy, t * dx), axis=(1, 2))
    return out


def sample_floats(size: int, channels: int, layout: str, frames: int) -> int:
    """float32 values per sample in the layout (a clip holds `frames` images)."""
    return size * size * channels * (frames if layout == "clip" else 1)
