"""Parameters and multiply-accumulates of every builder at 224x224x3 / 1000 classes (CIFAR ResNets at 32x32x3 /
10 classes) beside the reference figures and their ratios. Writes benchmarks/results/zoo_table.json and prints a
markdown table.

    .venv/bin/python benchmarks/zoo_table.py

References: parameter counts of keras.applications, built here with weights=None; the papers' figures otherwise
(MobileNetV1 569M, MobileNetV2 300M, MobileNetV3-Large 219M / Small 56M multiply-adds; ResNet-18/34/50/101
1.8G/3.6G/3.8G/7.6G FLOPs meaning multiply-adds; ResNet-18/34 11.7M/21.8M and ResNet-20/32/56 0.27M/0.46M/0.85M
parameters).
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

from edgeopt.models import create_model, list_models
from edgeopt.models.profile import profile_model, totals

OUT = Path(__file__).resolve().parent / "results" / "zoo_table.json"

KERAS_APPS = {
    "mobilenet_v1": "MobileNet",
    "mobilenet_v2": "MobileNetV2",
    "mobilenet_v3_small": "MobileNetV3Small",
    "mobilenet_v3_large": "MobileNetV3Large",
    "mobilenet_v3_small_minimalistic": ("MobileNetV3Small", {"minimalistic": True}),
    "mobilenet_v3_large_minimalistic": ("MobileNetV3Large", {"minimalistic": True}),
    "resnet50": "ResNet50",
    "resnet101": "ResNet101",
    "resnet50_v2": "ResNet50V2",
    "resnet101_v2": "ResNet101V2",
}
PAPER_MACS = {
    "mobilenet_v1": 569e6,
    "mobilenet_v2": 300e6,
    "mobilenet_v3_large": 219e6,
    "mobilenet_v3_small": 56e6,
    "resnet18": 1.8e9,
    "resnet34": 3.6e9,
    "resnet50": 3.8e9,
    "resnet101": 7.6e9,
}
PAPER_PARAMS = {"resnet18": 11.7e6, "resnet34": 21.8e6, "resnet20": 0.27e6, "resnet32": 0.46e6, "resnet56": 0.85e6}
CIFAR = {"resnet20", "resnet32", "resnet56"}


def main() -> None:
    from edgeopt._keras import keras

    logging.basicConfig(level=logging.INFO, format="%(message)s")
    rows = []
    for name in list_models():
        if name == "tiny_cnn":
            continue
        shape, classes = ((32, 32, 3), 10) if name in CIFAR else ((224, 224, 3), 1000)
        model = create_model(name, input_shape=shape, num_classes=classes)
        t = totals(profile_model(model))
        trainable = int(sum(w.shape.num_elements() for w in model.trainable_weights))
        row = {
            "model": name,
            "input": list(shape),
            "classes": classes,
            "params": t["params"],
            "trainable_params": trainable,
            "macs": t["macs"],
        }
        ref = KERAS_APPS.get(name)
        if ref:
            app, kwargs = (ref, {}) if isinstance(ref, str) else ref
            row["keras_applications_params"] = getattr(keras.applications, app)(weights=None, **kwargs).count_params()
            row["params_ratio"] = row["params"] / row["keras_applications_params"]
        elif name in PAPER_PARAMS:
            row["paper_params"] = PAPER_PARAMS[name]
            row["params_ratio"] = trainable / PAPER_PARAMS[name]
        if name in PAPER_MACS:
            row["paper_macs"] = PAPER_MACS[name]
            row["macs_ratio"] = t["macs"] / PAPER_MACS[name]
        rows.append(row)
        keras.backend.clear_session()
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(rows, indent=2) + "\n")
    print("| model | input | params | reference params | ratio | MACs | paper MACs | ratio |")
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        ref_p = r.get("keras_applications_params") or r.get("paper_params")
        src = "keras.applications" if "keras_applications_params" in r else "paper"
        shown = r["params"] if "keras_applications_params" in r or not ref_p else r["trainable_params"]
        print(
            f"| {r['model']} | {'x'.join(map(str, r['input']))} | {shown / 1e6:.3f}M | "
            + (f"{ref_p / 1e6:.3f}M ({src}) | {r['params_ratio']:.4f}" if ref_p else "- | -")
            + f" | {r['macs'] / 1e6:,.1f}M | "
            + (f"{r['paper_macs'] / 1e6:,.0f}M | {r['macs_ratio']:.3f} |" if "paper_macs" in r else "- | - |")
        )
    logging.info("wrote %s", OUT)


if __name__ == "__main__":
    main()
