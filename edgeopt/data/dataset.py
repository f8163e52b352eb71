"""The Dataset every stage sees: float32 samples in [0, 1] (NHWC images, or sequences / clips made from them:
data/layouts.py) and int64 labels, split three ways."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

SPLITS = ("train", "val", "test")


@dataclass(frozen=True)
class Dataset:
    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    class_names: tuple[str, ...]

    @property
    def num_classes(self) -> int:
        return len(self.class_names)

    @property
    def input_shape(self) -> tuple[int, ...]:
        return tuple(self.x_train.shape[1:])  # type: ignore[return-value]

    def split(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        if name not in SPLITS:
            raise ValueError(f"unknown split {name!r}; expected one of {SPLITS}")
        return getattr(self, f"x_{name}"), getattr(self, f"y_{name}")

    def save(self, path: Path) -> None:
        arrays = {f"{k}_{s}": getattr(self, f"{k}_{s}") for s in SPLITS for k in ("x", "y")}
        with open(path, "wb") as fh:
            np.savez(fh, class_names=np.array(self.class_names), **arrays)

    @classmethod
    def load(cls, path: Path) -> Dataset:
        with np.load(path, allow_pickle=False) as z:
            arrays = {k: z[k] for k in z.files}
        names = tuple(str(n) for n in arrays.pop("class_names"))
        return cls(class_names=names, **arrays)

    def summary(self) -> dict:
        return {
            "input_shape": list(self.input_shape),
            "num_classes": self.num_classes,
            "class_names": list(self.class_names),
            "samples": {s: len(getattr(self, f"y_{s}")) for s in SPLITS},
        }
