"""The Dataset every stage sees: float32 samples in [0, 1] (NHWC images, or sequences / clips made from them:
data/layouts.py) and int64 labels, split three ways. Images may be ResizedImages (data/images.py): kept at their
source size, resized as they are read."""

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
        from edgeopt.data.images import ResizedImages

        arrays = {f"y_{s}": getattr(self, f"y_{s}") for s in SPLITS}
        for s in SPLITS:
            x = getattr(self, f"x_{s}")
            arrays.update(x.to_arrays(f"x_{s}") if isinstance(x, ResizedImages) else {f"x_{s}": x})
        with open(path, "wb") as fh:
            np.savez(fh, class_names=np.array(self.class_names), **arrays)

    @classmethod
    def load(cls, path: Path) -> Dataset:
        from edgeopt.data.images import ResizedImages

        with np.load(path, allow_pickle=False) as z:
            arrays = {k: z[k] for k in z.files}
        names = tuple(str(n) for n in arrays.pop("class_names"))
        fields = {f"y_{s}": arrays[f"y_{s}"] for s in SPLITS}
        fields.update({f"x_{s}": ResizedImages.from_arrays(arrays, f"x_{s}") for s in SPLITS})
        return cls(class_names=names, **fields).settled()

    def settled(self) -> Dataset:
        """This dataset with every split below MATERIALIZE_BELOW resized into a plain array."""
        from dataclasses import replace

        from edgeopt.data.images import settle

        return replace(self, **{f"x_{s}": settle(getattr(self, f"x_{s}")) for s in SPLITS})

    def summary(self) -> dict:
        return {
            "input_shape": list(self.input_shape),
            "num_classes": self.num_classes,
            "class_names": list(self.class_names),
            "samples": {s: len(getattr(self, f"y_{s}")) for s in SPLITS},
        }
