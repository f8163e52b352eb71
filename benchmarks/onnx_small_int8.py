"""Can any onnxruntime int8 layout beat float32 on the builders whose int8 ONNX file is slower (benchmarks/results/
zoo_latency.json: lenet5, tiny_cnn)? Each builder at its canonical input (random weights, seed 0, 10 classes):
tf2onnx's float32 file, then onnxruntime quantize_static in every layout edgeopt can write (QDQ or QOperator,
uint8 or int8 activations, per-channel or per-tensor weights; 64 random calibration samples), all timed in one
interleaved session (edgeopt.runtime.bench: each measurement in its own process, 1 thread, 5 rounds), with
onnxruntime's per-operator profile of each (formats/onnx/explain.py). Writes benchmarks/results/onnx_small_int8.json.

    .venv/bin/python benchmarks/onnx_small_int8.py [MODEL ...]      # default: lenet5 tiny_cnn
"""

from __future__ import annotations

import argparse
import itertools
import json
import logging
import tempfile
from pathlib import Path

import numpy as np

OUT = Path(__file__).resolve().parent / "results" / "onnx_small_int8.json"
log = logging.getLogger("onnx_small_int8")


def measure(arch: str) -> dict:
    from edgeopt._keras import keras
    from edgeopt.formats.onnx.convert import export_onnx_float, quantize_onnx_int8
    from edgeopt.formats.onnx.explain import onnx_profile
    from edgeopt.models import create_model
    from edgeopt.models._registry import default_input_shape
    from edgeopt.runtime.bench import run_bench
    from edgeopt.runtime.targets import MeasureSettings

    shape = tuple(default_input_shape(arch))
    keras.utils.set_random_seed(0)
    model = create_model(arch, input_shape=shape, num_classes=10)
    x = np.random.default_rng(0).random((64, *shape), dtype=np.float32)
    with tempfile.TemporaryDirectory(prefix="edgeopt-small-") as work:
        files = {"float32": Path(work) / "float32.onnx"}
        export_onnx_float(model, files["float32"], 17)
        for fmt, act, per_channel in itertools.product(("qdq", "qoperator"), ("uint8", "int8"), (True, False)):
            name = f"{fmt}-{act}-{'per_channel' if per_channel else 'per_tensor'}"
            files[name] = Path(work) / f"{name}.onnx"
            quantize_onnx_int8(files["float32"], files[name], x, per_channel, act, "int8", fmt)
        settings = MeasureSettings.defaults(warmup=20, min_runs=200, min_seconds=0.5)
        result = run_bench(list(files.values()), [1], 5, settings)
        by_file = {r["model"]: r["p50_ms"] for r in result["results"]}
        p50 = {n: by_file[str(f)] for n, f in files.items()}
        profiles = {n: dict(list(onnx_profile(f).items())[:6]) for n, f in files.items()}
    best = min((n for n in p50 if n != "float32"), key=p50.get)
    return {
        "input": list(shape),
        "p50_ms": p50,
        "int8_to_float32": {n: p50[n] / p50["float32"] for n in p50 if n != "float32"},
        "fastest_int8": best,
        "any_int8_faster": p50[best] < p50["float32"],
        "profile_us_top6": profiles,
    }


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("models", nargs="*", default=["lenet5", "tiny_cnn"])
    args = parser.parse_args()
    rows = json.loads(OUT.read_text()) if OUT.is_file() else {}
    for arch in args.models:
        rows[arch] = measure(arch)
        log.info(
            "%s: fastest int8 %s at %.2fx float32",
            arch,
            rows[arch]["fastest_int8"],
            rows[arch]["int8_to_float32"][rows[arch]["fastest_int8"]],
        )
        OUT.parent.mkdir(parents=True, exist_ok=True)
        OUT.write_text(json.dumps(rows, indent=2, sort_keys=True) + "\n")


if __name__ == "__main__":
    main()
