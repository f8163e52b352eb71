"""The raw tools doing by hand what `edgeopt optimize` does, for benchmarks/scale.py: a keras.applications model
(random weights), TFLiteConverter float32 and full-int8, tf2onnx float32, onnxruntime quantize_static with its
defaults, calibrated on the bundled digits resized to the model's input. Prints one JSON line of timings.

    .venv/bin/python benchmarks/raw_tools.py MobileNetV2 OUT_DIR [--size 224] [--calibration 100]
    .venv/bin/python benchmarks/raw_tools.py resnet18 OUT_DIR --builder --calibration-file calibration.npy

Deliberately free of edgeopt: it is the baseline edgeopt's memory and time are held against. With --builder
(benchmarks/zoo_latency.py) the architecture is an edgeopt builder at its canonical input, calibrated on the
samples edgeopt's own run calibrated on; only the model definition comes from edgeopt, every conversion is the
raw tools' own call with its defaults.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("app", help="keras.applications class, e.g. MobileNetV2, MobileNetV3Large, ResNet50")
    parser.add_argument("out", type=Path)
    parser.add_argument("--size", type=int, default=224)
    parser.add_argument("--calibration", type=int, default=100)
    parser.add_argument("--classes", type=int, default=10)
    parser.add_argument("--builder", action="store_true", help="`app` is an edgeopt builder at its canonical input")
    parser.add_argument("--calibration-file", type=Path, help=".npy of calibration samples in the model's input")
    args = parser.parse_args()

    import numpy as np
    import tensorflow as tf
    import tf_keras as keras
    from sklearn.datasets import load_digits

    args.out.mkdir(parents=True, exist_ok=True)
    times = {}
    keras.utils.set_random_seed(0)
    if args.builder:
        from edgeopt.models import create_model
        from edgeopt.models._registry import default_input_shape

        model = create_model(args.app, input_shape=default_input_shape(args.app), num_classes=args.classes)
    else:
        model = getattr(keras.applications, args.app)(
            weights=None, input_shape=(args.size, args.size, 3), classes=args.classes
        )
    if args.calibration_file:
        calib = np.load(args.calibration_file).astype(np.float32)
    else:
        digits = load_digits().images[: args.calibration, :, :, None].astype(np.float32) / 16.0
        calib = tf.image.resize(np.repeat(digits, 3, axis=-1), (args.size, args.size)).numpy()

    start = time.perf_counter()
    (args.out / "float32.tflite").write_bytes(tf.lite.TFLiteConverter.from_keras_model(model).convert())
    times["tflite_float32"] = time.perf_counter() - start

    start = time.perf_counter()
    converter = tf.lite.TFLiteConverter.from_keras_model(model)
    converter.optimizations = [tf.lite.Optimize.DEFAULT]
    converter.representative_dataset = lambda: ([s[None]] for s in calib)
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    (args.out / "int8.tflite").write_bytes(converter.convert())
    times["tflite_int8"] = time.perf_counter() - start

    import tf2onnx

    start = time.perf_counter()
    spec = (tf.TensorSpec((None, *model.input_shape[1:]), tf.float32, name="input"),)
    tf2onnx.convert.from_keras(model, input_signature=spec, opset=17, output_path=str(args.out / "float32.onnx"))
    times["onnx_float32"] = time.perf_counter() - start

    from onnxruntime.quantization import CalibrationDataReader, quantize_static

    class Reader(CalibrationDataReader):
        def __init__(self) -> None:
            self.it = iter(calib)

        def get_next(self):
            s = next(self.it, None)
            return None if s is None else {"input": s[None]}

    start = time.perf_counter()
    quantize_static(str(args.out / "float32.onnx"), str(args.out / "int8.onnx"), Reader())
    times["onnx_int8"] = time.perf_counter() - start
    times["conversions"] = sum(times.values())
    print(
        json.dumps({"app": args.app, "input": list(model.input_shape[1:]), "calibration": len(calib), "seconds": times})
    )


if __name__ == "__main__":
    main()
