"""The ONNX runner: an onnxruntime InferenceSession on the CPU execution provider (also opens ORT format files)."""

from __future__ import annotations

from pathlib import Path

import numpy as np


class OnnxRunner:
    """onnxruntime InferenceSession on the CPU execution provider."""

    def __init__(self, path: Path, threads: int = 1) -> None:
        import onnxruntime as ort

        self.name = Path(path).name
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads
        opts.inter_op_num_threads = 1
        opts.log_severity_level = 3
        self.session = ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])
        self._input = self.session.get_inputs()[0].name
        self._feed: dict | None = None

    def predict(self, x: np.ndarray, chunk: int = 64) -> np.ndarray:
        # at most 4 MB of input per chunk: a 224 px batch of 64 holds gigabytes of activations
        chunk = max(1, min(chunk, (4 << 20) // (4 * int(np.prod(x.shape[1:])) or 1)))
        outs = [
            self.session.run(None, {self._input: x[s : s + chunk].astype(np.float32)})[0]
            for s in range(0, len(x), chunk)
        ]
        return np.concatenate(outs).astype(np.float32)

    def prepare(self, sample: np.ndarray) -> None:
        self._feed = {self._input: sample.astype(np.float32)}

    def run_prepared(self) -> np.ndarray:
        return self.session.run(None, self._feed)[0]
