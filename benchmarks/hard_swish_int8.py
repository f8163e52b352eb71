"""What hard-swish costs a small int8 MobileNetV3, and whether writing it out in integer operators would help.

From a trained digits run of benchmarks/v3_digits.py (its model.keras and data), four TFLite files, all full-int8
with int8 input and output through edgeopt's calibration (formats/tflite/calibrated.py), beside float32:
- `float_islands`: what edgeopt ships (formats/tflite/speed.py): HARD_SWISH kept float between DEQUANTIZE and
  QUANTIZE, so XNNPACK delegates the whole graph;
- `decomposed`: hard-swish written as (x / 6) * relu6(x + 3), a form the converter does not fuse into HARD_SWISH,
  so every operator is int8 (ADD with a fused RELU6 and two MULs per activation) and XNNPACK delegates it all;
- `relu`: hard-swish replaced by ReLU (fused into the convolution): not a usable model, the lower bound of what any
  hard-swish implementation could cost.
Top-1 on the test split (ai_edge_litert) and p50 (edgeopt.runtime.bench: each file in its own process, 1 thread,
5 interleaved rounds). Writes benchmarks/results/hard_swish_int8.json.

    .venv/bin/python benchmarks/hard_swish_int8.py [RUN_DIR ...]   # default: runs/mobilenet_v3_{small,large}_digits
"""

from __future__ import annotations

import json
import logging
import statistics
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "results" / "hard_swish_int8.json"
RUNS = [ROOT / "runs" / "mobilenet_v3_small_digits", ROOT / "runs" / "mobilenet_v3_large_digits"]
log = logging.getLogger("hard_swish_int8")


def _decomposed(self, x):
    from edgeopt._keras import tf

    return (x * (1.0 / 6.0)) * tf.nn.relu6(x + 3.0)


def _relu(self, x):
    from edgeopt._keras import tf

    return tf.nn.relu(x)


def files_for(run: Path, out: Path) -> dict[str, Path]:
    from edgeopt._keras import keras
    from edgeopt.data.calibration import calibration_samples
    from edgeopt.data.dataset import Dataset
    from edgeopt.formats.tflite.calibrated import Calibrated
    from edgeopt.formats.tflite.convert import configured_converter, export_tflite
    from edgeopt.models.custom_layers import CUSTOM_OBJECTS

    recipe = json.loads((run / "recipe.json").read_text())
    ds = Dataset.load(next(run.glob("01-data-*/dataset.npz")))
    calibration = calibration_samples(ds, recipe["quantize"]["calibration_samples"], recipe["seed"])
    hs = CUSTOM_OBJECTS["edgeopt>HardSwish"]
    plain = hs.call
    files = {}
    try:
        for name, call in (("float_islands", plain), ("decomposed", _decomposed), ("relu", _relu)):
            hs.call = call  # the converter traces model(input): the class's call is what it sees
            model = keras.models.load_model(next(run.glob("03-train-*/model.keras")), compile=False)
            if name == "float_islands":
                files["float32"] = out / "float32.tflite"
                export_tflite(model, files["float32"], "float32")
            cal = Calibrated(configured_converter(model, "int8", calibration, None, io="int8"))
            files[name] = out / f"{name}.tflite"
            files[name].write_bytes(cal.deployable(ops=["HARD_SWISH"] if name == "float_islands" else None))
    finally:
        hs.call = plain
    return files


def top1(path: Path, x: np.ndarray, y: np.ndarray) -> float:
    from ai_edge_litert.interpreter import Interpreter

    it = Interpreter(model_path=str(path))
    it.allocate_tensors()
    i, o = it.get_input_details()[0], it.get_output_details()[0]
    correct = 0
    for k in range(len(x)):
        sample = x[k : k + 1]
        if i["dtype"] == np.int8:
            scale, zero = i["quantization"]
            sample = np.clip(np.round(sample / scale + zero), -128, 127).astype(np.int8)
        it.set_tensor(i["index"], sample)
        it.invoke()
        correct += int(np.argmax(it.get_tensor(o["index"])) == y[k])
    return correct / len(x)


def ops(path: Path) -> dict[str, int]:
    from edgeopt.formats.tflite.read import read_tflite

    return read_tflite(path).to_dict()["op_counts"]


def measure(run: Path) -> dict:
    from edgeopt.data.dataset import Dataset
    from edgeopt.formats.tflite.speed import partitions
    from edgeopt.runtime.bench import run_bench
    from edgeopt.runtime.targets import MeasureSettings

    with tempfile.TemporaryDirectory(prefix="edgeopt-hs-") as tmp:
        files = files_for(run, Path(tmp))
        x, y = Dataset.load(next(run.glob("01-data-*/dataset.npz"))).split("test")
        x = np.asarray(x, np.float32)
        rounds = []
        for _ in range(5):
            result = run_bench(list(files.values()), [1], 1, MeasureSettings.defaults(warmup=20, min_runs=200))
            by = {Path(r["model"]).stem: r["p50_ms"] for r in result["results"]}
            rounds.append(by)
        p50 = {n: statistics.median(r[n] for r in rounds) for n in files}
        return {
            "machine": result["machine"],
            "p50_ms": p50,
            "to_float32": {n: p50[n] / p50["float32"] for n in files},
            "top1": {n: top1(f, x, y) for n, f in files.items()},
            "xnnpack_partitions": {n: partitions(f) for n, f in files.items()},
            "op_counts": {n: ops(f) for n, f in files.items()},
        }


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(levelname).1s %(message)s")
    runs = [Path(a) for a in sys.argv[1:]] or RUNS
    rows = json.loads(OUT.read_text()) if OUT.is_file() else {}
    for run in runs:
        rows[run.name] = measure(run)
        log.info("%s: to float32 %s, top-1 %s", run.name, rows[run.name]["to_float32"], rows[run.name]["top1"])
        OUT.write_text(json.dumps(rows, indent=2, sort_keys=True) + "\n")


if __name__ == "__main__":
    main()
