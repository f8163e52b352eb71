"""How many samples the TFLite per-layer diagnosis needs: ResNet-50 at 224 px (random weights, 100 digits
calibration samples), the QuantizationDebugger's SQNR per tensor over 8, 16 and 64 samples, compared with 64:
largest and median difference (dB), overlap of the 10 most sensitive tensors, same most sensitive tensor.
Backs stages/export/auto.diagnosis_samples (8 samples for ResNet-50). Writes benchmarks/results/diagnosis_samples.json.

    .venv/bin/python benchmarks/diagnosis_samples.py [resnet50]
"""

from __future__ import annotations

import json
import logging
import sys
import time
from pathlib import Path

import numpy as np

OUT = Path(__file__).resolve().parent / "results" / "diagnosis_samples.json"
COUNTS = (8, 16, 64)
log = logging.getLogger("diagnosis_samples")


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    from sklearn.datasets import load_digits

    from edgeopt._keras import keras, tf
    from edgeopt.formats.tflite.calibrated import Calibrated
    from edgeopt.formats.tflite.convert import configured_converter
    from edgeopt.formats.tflite.diagnose import sensitivity
    from edgeopt.models import create_model

    arch = sys.argv[1] if len(sys.argv) > 1 else "resnet50"
    keras.utils.set_random_seed(0)
    model = create_model(arch, input_shape=(224, 224, 3), num_classes=10)
    digits = load_digits().images[:, :, :, None].astype(np.float32) / 16.0
    images = tf.image.resize(np.repeat(digits[:164], 3, axis=-1), (224, 224)).numpy()
    calibration, x = images[:100], images[100:]  # diagnosis samples apart from the calibration ones
    calibrated = Calibrated(configured_converter(model, "int8", calibration))
    layers = {layer.name for layer in model.layers}
    sqnr, seconds = {}, {}
    for n in COUNTS:
        start = time.perf_counter()
        rows, _ = sensitivity(calibrated, x[:n], layers)
        seconds[n] = time.perf_counter() - start
        sqnr[n] = {r["tensor"]: r["sqnr_db"] for r in rows}
    ref = sqnr[COUNTS[-1]]
    worst = sorted(ref, key=ref.get)[:10]
    result = {"model": arch, "input": [224, 224, 3], "calibration": len(calibration), "reference": COUNTS[-1]}
    for n in COUNTS[:-1]:
        diff = [abs(sqnr[n][k] - ref[k]) for k in ref if k in sqnr[n]]
        ours = sorted(sqnr[n], key=sqnr[n].get)[:10]
        result[str(n)] = {
            "seconds": round(seconds[n], 2),
            "max_abs_diff_db": round(max(diff), 3),
            "median_abs_diff_db": round(float(np.median(diff)), 3),
            "top10_overlap": len(set(worst) & set(ours)),
            "same_most_sensitive": worst[0] == ours[0],
        }
    result[str(COUNTS[-1])] = {"seconds": round(seconds[COUNTS[-1]], 2), "most_sensitive": worst[0]}
    log.info("%s", json.dumps(result, indent=2))
    OUT.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
