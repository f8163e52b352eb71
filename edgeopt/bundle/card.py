"""model_card.json: what an app developer needs to feed a bundled model and trust its numbers."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from edgeopt.hashing import sha256_file


def _tflite_io(path: Path) -> tuple[list[dict], list[dict], str | None, dict]:
    from ai_edge_litert import schema_py_generated as schema
    from ai_edge_litert.interpreter import Interpreter

    interp = Interpreter(model_path=str(path))  # loaded to read tensor details, never invoked

    def describe(d: dict) -> dict:
        scale, zp = d["quantization"]
        return {
            "name": d["name"],
            "shape": [int(s) for s in d["shape_signature"]],
            "dtype": np.dtype(d["dtype"]).name,
            "quantization": {"scale": float(scale), "zero_point": int(zp)} if scale else None,
        }

    model = schema.Model.GetRootAs(path.read_bytes(), 0)
    min_runtime = None
    for i in range(model.MetadataLength()):
        if model.Metadata(i).Name() == b"min_runtime_version":
            raw = model.Buffers(model.Metadata(i).Buffer()).DataAsNumpy().tobytes()
            min_runtime = raw.split(b"\0")[0].decode() or None
    return (
        [describe(d) for d in interp.get_input_details()],
        [describe(d) for d in interp.get_output_details()],
        min_runtime,
        interp.get_signature_list(),
    )


def _onnx_io(path: Path) -> tuple[list[dict], list[dict]]:
    import onnxruntime as ort

    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])  # .onnx or .ort; not run

    def describe(v) -> dict:
        dtype = v.type.removeprefix("tensor(").removesuffix(")")
        return {
            "name": v.name,
            "shape": [s if isinstance(s, int) else -1 for s in v.shape],
            "dtype": "float32" if dtype == "float" else dtype,
            "quantization": None,
        }

    return [describe(v) for v in session.get_inputs()], [describe(v) for v in session.get_outputs()]


def model_entry(path: Path, *, channels: int, mean: list[float], std: list[float], operators: dict) -> dict:
    """One model file of a bundle: I/O contract, operators and minimum runtime."""
    import onnxruntime

    if path.suffix == ".tflite":
        inputs, outputs, min_runtime, signatures = _tflite_io(path)
        runtime = {"runtime": "TensorFlow Lite / LiteRT", "min_runtime_version": min_runtime, "signatures": signatures}
    else:
        inputs, outputs = _onnx_io(path)
        runtime = {
            "runtime": "ONNX Runtime" + (" Mobile" if path.suffix == ".ort" else ""),
            "min_runtime_version": onnxruntime.__version__,
            "note": f"converted and verified with onnxruntime {onnxruntime.__version__}",
        }
    for i in inputs:
        i.update(
            {
                "layout": "NHWC",  # edgeopt exports keep TensorFlow's layout in both formats
                "channel_order": "grayscale" if channels == 1 else "RGB",
                "normalization": {"mean": mean, "std": std, "formula": "(pixel - mean) / std, pixels 0..255"},
            }
        )
        if i["quantization"]:
            i["normalization"]["then"] = "round(value / scale) + zero_point, clipped to the dtype"
    for o in outputs:
        o["meaning"] = "probability per class, in labels.txt order"
        if o["quantization"]:
            o["dequantize"] = "(value - zero_point) * scale"
    return {
        "file": path.name,
        "bytes": path.stat().st_size,
        "sha256": sha256_file(path),
        "inputs": inputs,
        "outputs": outputs,
        "operators": operators,
        **runtime,
    }
