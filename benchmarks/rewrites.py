"""What edgeopt's export rewrites gain, measured: each rewritten int8 file against the same model exported
without the rewrite, in one interleaved run (batch 1, 1 thread, 5 rounds, each file in its own process), plus
the float32 file for reference. Writes benchmarks/results/rewrites.json.

    .venv/bin/python benchmarks/rewrites.py

- ONNX, Conv2DTranspose: sub-pixel form (Conv + DepthToSpace + crop, QLinearConv; opt-in) vs onnxruntime's
  DequantizeLinear -> float ConvTranspose -> QuantizeLinear (the default), on a two-layer decoder.
- TFLite, Conv3D: Conv2D sums (int8 CONV_2D) vs TFLite's float CONV_3D inside the int8 file, on the (2+1)D
  builder at the digits recipe's size (8 frames of 16x16 grey, width 0.5).
"""

from __future__ import annotations

import json
import logging
import tempfile
from pathlib import Path

import numpy as np

OUT = Path(__file__).resolve().parent / "results" / "rewrites.json"


def _decoder():
    from edgeopt._keras import keras

    L = keras.layers
    inputs = keras.Input((16, 16, 16))
    x = L.Conv2DTranspose(32, 3, strides=2, padding="same", activation="relu")(inputs)
    x = L.Conv2DTranspose(16, 4, strides=2, padding="same", activation="relu")(x)
    x = L.Conv2D(8, 3, padding="same")(x)
    return keras.Model(inputs, L.Dense(4, activation="softmax")(L.GlobalAveragePooling2D()(x)))


def main() -> None:
    from edgeopt.formats.onnx.convert import export_onnx_float, quantize_onnx_int8
    from edgeopt.formats.onnx.read import read_onnx
    from edgeopt.formats.tflite.convert import export_tflite
    from edgeopt.formats.tflite.read import read_tflite
    from edgeopt.models import create_model
    from edgeopt.runtime.bench import run_bench
    from edgeopt.runtime.targets import MeasureSettings

    logging.basicConfig(level=logging.INFO, format="%(levelname).1s %(message)s")
    rng = np.random.default_rng(0)
    with tempfile.TemporaryDirectory(prefix="edgeopt-rewrites-") as work:
        w = Path(work)
        files, islands = {}, {}
        decoder = _decoder()
        x = rng.random((32, 16, 16, 16), dtype=np.float32)
        for name, subpixel in (("onnx_float32_convtranspose", False), ("onnx_float32_subpixel", True)):
            export_onnx_float(decoder, w / f"{name}.onnx", 17, subpixel=subpixel)
            files[name] = w / f"{name}.onnx"
        pairs = {"onnx_int8_convtranspose": "onnx_float32_convtranspose", "onnx_int8_subpixel": "onnx_float32_subpixel"}
        for name, source in pairs.items():
            quantize_onnx_int8(files[source], w / f"{name}.onnx", x, per_channel=True)
            files[name] = w / f"{name}.onnx"
            islands[name] = read_onnx(files[name], executed=True)["executed_float_compute_ops"]
        clips = create_model("r2plus1d_small", input_shape=(8, 16, 16, 1), num_classes=10, width=0.5)
        c = rng.random((32, 8, 16, 16, 1), dtype=np.float32)
        export_tflite(clips, w / "tflite_float32_conv3d.tflite", "float32")
        export_tflite(clips, w / "tflite_int8_conv3d.tflite", "int8", c, rewrite_3d=False)
        export_tflite(clips, w / "tflite_int8_conv2d_sums.tflite", "int8", c)
        for name in ("tflite_float32_conv3d", "tflite_int8_conv3d", "tflite_int8_conv2d_sums"):
            files[name] = w / f"{name}.tflite"
            islands[name] = read_tflite(files[name]).float_compute_ops
        settings = MeasureSettings.defaults(min_runs=200, min_seconds=1.0)
        result = run_bench(list(files.values()), [1], rounds=5, settings=settings)
    p50 = {Path(r["model"]).stem: r["p50_ms"] for r in result["results"]}
    out = {
        "machine": result["machine"],
        "p50_ms": p50,
        "float_compute_ops": {k: sorted(set(v)) for k, v in islands.items()},
        "speedup": {
            "onnx_subpixel_vs_convtranspose_int8": p50["onnx_int8_convtranspose"] / p50["onnx_int8_subpixel"],
            "onnx_subpixel_int8_vs_float32": p50["onnx_float32_convtranspose"] / p50["onnx_int8_subpixel"],
            "tflite_conv2d_sums_vs_conv3d_int8": p50["tflite_int8_conv3d"] / p50["tflite_int8_conv2d_sums"],
            "tflite_conv2d_sums_int8_vs_float32": p50["tflite_float32_conv3d"] / p50["tflite_int8_conv2d_sums"],
        },
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(out, indent=2) + "\n")
    logging.info("p50 ms: %s", {k: round(v, 3) for k, v in p50.items()})
    logging.info("speed-ups: %s", {k: round(v, 2) for k, v in out["speedup"].items()})
    logging.info("wrote %s", OUT)


if __name__ == "__main__":
    main()
