"""Resize images to the recipe's size and channel count (bilinear, per channel, in float)."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np


def resize_images(images: Iterable[np.ndarray], size: int, channels: int) -> np.ndarray:
    from PIL import Image

    out = []
    for img in images:
        if img.shape[-1] not in (1, 3):
            raise ValueError(f"images must have 1 or 3 channels; received shape {img.shape}")
        planes = [
            np.asarray(Image.fromarray(img[..., c], mode="F").resize((size, size), Image.Resampling.BILINEAR))
            if img.shape[:2] != (size, size)
            else img[..., c]
            for c in range(img.shape[-1])
        ]
        arr = np.stack(planes, axis=-1)
        if channels == 3 and arr.shape[-1] == 1:
            arr = np.repeat(arr, 3, axis=-1)
        elif channels == 1 and arr.shape[-1] == 3:
            arr = (arr @ np.array([0.299, 0.587, 0.114], dtype=np.float32))[..., None]  # ITU-R 601 luma
        out.append(arr)
    return np.clip(np.stack(out), 0.0, 1.0).astype(np.float32)
