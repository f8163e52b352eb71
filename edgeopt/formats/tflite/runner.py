"""The TFLite runner: ai_edge_litert's Interpreter, with int8 I/O quantized with the file's own scale and zero point.

numpy and the runtime only at import: runtime/device_predict.py loads this file by path on aarch64 Python."""

from __future__ import annotations

import contextlib
from pathlib import Path

import numpy as np


def _quiet(what: str):
    try:  # edgeopt is not importable on a board or under emulation; the XNNPACK banner is harmless there
        from edgeopt.native_stderr import captured_native_stderr
    except ImportError:
        return contextlib.nullcontext()
    return captured_native_stderr(what)


def _quantize(x: np.ndarray, scale: float, zero_point: int, dtype: np.dtype) -> np.ndarray:
    info = np.iinfo(dtype)
    return np.clip(np.round(x / scale) + zero_point, info.min, info.max).astype(dtype)


class TFLiteRunner:
    """ai_edge_litert's Interpreter (the maintained successor of tf.lite.Interpreter)."""

    def __init__(self, path: Path, threads: int = 1) -> None:
        from ai_edge_litert.interpreter import Interpreter

        self.name = Path(path).name
        with _quiet("TFLite interpreter"):  # the XNNPACK banner
            self.interpreter = Interpreter(model_path=str(path), num_threads=threads)
            self.interpreter.allocate_tensors()
        self._in = self.interpreter.get_input_details()[0]
        self._out = self.interpreter.get_output_details()[0]
        self._batch = int(self._in["shape"][0])
        self._feed: np.ndarray | None = None

    def _to_input(self, x: np.ndarray) -> np.ndarray:
        dtype = self._in["dtype"]
        if np.issubdtype(dtype, np.integer):
            scale, zp = self._in["quantization"]
            return _quantize(x, scale, zp, dtype)
        return x.astype(dtype)

    def _from_output(self, y: np.ndarray) -> np.ndarray:
        if np.issubdtype(y.dtype, np.integer):
            scale, zp = self._out["quantization"]
            return (y.astype(np.float32) - zp) * scale
        return y.astype(np.float32)

    def _resize(self, batch: int) -> None:
        if batch != self._batch:
            self.interpreter.resize_tensor_input(self._in["index"], [batch, *self._in["shape"][1:]])
            self.interpreter.allocate_tensors()
            self._in = self.interpreter.get_input_details()[0]
            self._out = self.interpreter.get_output_details()[0]
            self._batch = batch

    def predict(self, x: np.ndarray, chunk: int = 64) -> np.ndarray:
        # at most 4 MB of input per chunk: a 224 px batch of 64 holds gigabytes of activations
        chunk = max(1, min(chunk, (4 << 20) // (4 * int(np.prod(x.shape[1:])) or 1)))
        outs = []
        for start in range(0, len(x), chunk):
            part = x[start : start + chunk]
            self._resize(len(part))
            self.interpreter.set_tensor(self._in["index"], self._to_input(part))
            self.interpreter.invoke()
            outs.append(self._from_output(self.interpreter.get_tensor(self._out["index"])))
        return np.concatenate(outs)

    def prepare(self, sample: np.ndarray) -> None:
        self._resize(len(sample))
        self._feed = self._to_input(sample)

    def run_prepared(self) -> np.ndarray:
        self.interpreter.set_tensor(self._in["index"], self._feed)
        self.interpreter.invoke()
        return self.interpreter.get_tensor(self._out["index"])
