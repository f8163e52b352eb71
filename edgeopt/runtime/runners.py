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
    suffix = Path(path).suffix
    if suffix == ".tflite":
        return TFLiteRunner(path, threads)
    if suffix in (".onnx", ".ort"):  # onnxruntime loads ORT format files the same way
        return OnnxRunner(path, threads)
    raise ValueError(f"no runner for {path}: expected a .tflite, .onnx or .ort file")


def _quantize(x: np.ndarray, scale: float, zero_point: int, dtype: np.dtype) -> np.ndarray:
    info = np.iinfo(dtype)
    return np.clip(np.round(x / scale) + zero_point, info.min, info.max).astype(dtype)


class TFLiteRunner:
    """ai_edge_litert's Interpreter (the maintained successor of tf.lite.Interpreter)."""

    def __init__(self, path: Path, threads: int = 1) -> None:
        from ai_edge_litert.interpreter import Interpreter

        from edgeopt.native_stderr import captured_native_stderr

        self.name = Path(path).name
        with captured_native_stderr("TFLite interpreter"):  # the XNNPACK banner
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
        outs = [
            self.session.run(None, {self._input: x[s : s + chunk].astype(np.float32)})[0]
            for s in range(0, len(x), chunk)
        ]
        return np.concatenate(outs).astype(np.float32)

    def prepare(self, sample: np.ndarray) -> None:
        self._feed = {self._input: sample.astype(np.float32)}

    def run_prepared(self) -> np.ndarray:
        return self.session.run(None, self._feed)[0]


class KerasRunner:
    """The float reference: the Keras model in inference mode."""

    def __init__(self, model) -> None:
        self.name = model.name
        self.model = model

    def predict(self, x: np.ndarray, chunk: int = 256) -> np.ndarray:
        return np.concatenate(
            [np.asarray(self.model(x[s : s + chunk], training=False)) for s in range(0, len(x), chunk)]
        ).astype(np.float32)
