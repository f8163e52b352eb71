"""One runner contract for every format: predict(float batch) -> float outputs.

Runners quantize inputs and dequantize outputs where a model has int8 I/O, so numbers from different runtimes
are comparable. `prepare(sample)` + `run_prepared()` split the work so latency timing covers exactly what an
app does per frame (set input, run, read output), not Python-side conversion of the test data.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

import numpy as np


class Runner(Protocol):
    name: str

    def predict(self, x: np.ndarray) -> np.ndarray: ...

    def prepare(self, sample: np.ndarray) -> None: ...

    def run_prepared(self) -> np.ndarray: ...


def open_runner(path: Path, threads: int = 1) -> Runner:
    """The runner of the format that opens `path` (edgeopt.formats); ValueError for a suffix no format opens."""
    from edgeopt.formats import for_path

    return for_path(path).runner(path, threads)


class KerasRunner:
    """The float reference: the Keras model in inference mode."""

    def __init__(self, model) -> None:
        self.name = model.name
        self.model = model

    def predict(self, x: np.ndarray, chunk: int = 256) -> np.ndarray:
        # at most 4 MB of input per chunk: a 224 px batch of 64 holds gigabytes of activations
        chunk = max(1, min(chunk, (4 << 20) // (4 * int(np.prod(x.shape[1:])) or 1)))
        return np.concatenate(
            [np.asarray(self.model(x[s : s + chunk], training=False)) for s in range(0, len(x), chunk)]
        ).astype(np.float32)
