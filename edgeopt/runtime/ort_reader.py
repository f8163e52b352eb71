"""Feed samples to onnxruntime's quantization tools (calibration, QDQ debugging) one at a time."""

from __future__ import annotations

import numpy as np

INPUT_NAME = "input"  # the input name edgeopt gives every ONNX export


def sample_reader(x: np.ndarray, bar=None):
    """A CalibrationDataReader over `x`, batch 1, float32; `bar` (edgeopt.progress) advances per sample."""
    from onnxruntime.quantization import CalibrationDataReader

    class Reader(CalibrationDataReader):
        def __init__(self) -> None:
            self._it = iter(x)

        def get_next(self):
            sample = next(self._it, None)
            if sample is not None and bar is not None:
                bar.advance()
            return None if sample is None else {INPUT_NAME: sample[None].astype(np.float32)}

    return Reader()
