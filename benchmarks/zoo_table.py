"""Parameters and multiply-accumulates of every builder at its canonical size (the builder's default input and
classes: 224x224x3 / 1000 for most, CIFAR ResNets 32x32x3 / 10, LeNet-5 32x32x1 / 10, AlexNet 227x227x3,
EfficientNets at their own resolution) beside the reference figures and their ratios. Writes
benchmarks/results/zoo_table.json and prints a markdown table.

    .venv/bin/python benchmarks/zoo_table.py

References: parameter counts of keras.applications, built here with weights=None; otherwise the sources in
REFERENCES (trainable parameters, as papers count them; `digits`: how many significant digits the source prints,
so a rounded figure is checked to its last printed digit), and multiply-adds from the sources in MACS.
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
PAPER = "paper"
SZE = "Sze et al. 2017"
LITE = "d-li14/efficientnet-lite.pytorch"
TAN = "Tan & Le 2019"
TV = "torchvision"
# name: (trainable parameters, source, significant digits printed)
REFERENCES = {
    "resnet18": (11.7e6, PAPER, 3),
    "resnet34": (21.8e6, PAPER, 3),
    "resnet20": (0.27e6, PAPER, 2),
    "resnet32": (0.46e6, PAPER, 2),
    "resnet56": (0.85e6, PAPER, 2),
    "lenet5": (60_840, "LeCun et al. 1998, per-layer sum", 5),
    "alexnet": (61e6, SZE, 2),
    "efficientnet_lite0": (4.652e6, LITE, 4),
    "efficientnet_lite1": (5.417e6, LITE, 4),
    "efficientnet_lite2": (6.092e6, LITE, 4),
    "efficientnet_lite3": (8.197e6, LITE, 4),
    "efficientnet_lite4": (13.007e6, LITE, 5),
}
# name: (multiply-adds, source, significant digits printed)
MACS = {
    "mobilenet_v1": (569e6, PAPER, 3),
    "mobilenet_v2": (300e6, PAPER, 3),
    "mobilenet_v3_large": (219e6, PAPER, 3),
    "mobilenet_v3_small": (56e6, PAPER, 2),
    "resnet18": (1.8e9, PAPER, 2),
    "resnet34": (3.6e9, PAPER, 2),
    "resnet50": (3.8e9, PAPER, 2),
    "resnet101": (7.6e9, PAPER, 2),
    "alexnet": (724e6, SZE, 3),
    # torchvision's "_ops" at the same crop (224 / 240 / 300); its B2 is at 288, so B2 is the paper's 260 px figure
    "efficientnet_b0": (0.386e9, TV, 3),
    "efficientnet_b1": (0.687e9, TV, 3),
    "efficientnet_b2": (1.0e9, TAN, 2),
    "efficientnet_b3": (1.827e9, TV, 4),
    "efficientnet_lite0": (0.385e9, LITE, 3),
    "efficientnet_lite1": (0.600e9, LITE, 3),
    "efficientnet_lite2": (0.860e9, LITE, 3),
    "efficientnet_lite3": (1.383e9, LITE, 4),
    "efficientnet_lite4": (2.553e9, LITE, 4),
}
# Other published figures for the same models, kept in the JSON beside the ratio: the tensorflow/tpu EfficientNet-Lite
# README's "MAdds" are 3-6% above every convolution + dense count (its Lite0 is above its own B0, which has more
# layers), and the paper prints B0 / B1 / B3 to two digits.
ALSO = {
    "efficientnet_b0": (0.39e9, TAN),
    "efficientnet_b1": (0.70e9, TAN),
    "efficientnet_b3": (1.8e9, TAN),
    "efficientnet_lite0": (407e6, "tensorflow/tpu EfficientNet-Lite README"),
    "efficientnet_lite1": (631e6, "tensorflow/tpu EfficientNet-Lite README"),
    "efficientnet_lite2": (899e6, "tensorflow/tpu EfficientNet-Lite README"),
    "efficientnet_lite3": (1.44e9, "tensorflow/tpu EfficientNet-Lite README"),
    "efficientnet_lite4": (2.64e9, "tensorflow/tpu EfficientNet-Lite README"),
}
KERAS_APPS.update({f"efficientnet_b{i}": f"EfficientNetB{i}" for i in range(4)})


def within(ours: float, reference: float, digits: int) -> bool:
    """Within 1%, or equal to the reference at the precision it is printed with."""
    from math import floor, log10

    step = 10 ** (floor(log10(reference)) - digits + 1)
    return abs(ours - reference) / reference <= 0.01 or abs(ours - reference) <= step / 2


def defaults(name: str) -> tuple[tuple, int]:
    import inspect

    from edgeopt.models import default_input_shape, get_builder

    classes = inspect.signature(get_builder(name)).parameters.get("num_classes")
    return default_input_shape(name), classes.default if classes else 1000


def _row(name: str, keras) -> dict:
    shape, classes = defaults(name)
    model = create_model(name, input_shape=shape, num_classes=classes)
    t = totals(profile_model(model))
    trainable = int(sum(w.shape.num_elements() for w in model.trainable_weights))
    row = {"model": name, "input": list(shape), "classes": classes, "params": t["params"]}
    row.update({"trainable_params": trainable, "macs": t["macs"]})
    ref = KERAS_APPS.get(name)
    if ref:  # keras.applications counts every weight, as count_params() does
        app, kwargs = (ref, {}) if isinstance(ref, str) else ref
        reference = getattr(keras.applications, app)(weights=None, **kwargs).count_params()
        row["params_reference"] = {"value": reference, "source": "keras.applications", "counted": "all"}
        row["params_ratio"] = row["params"] / reference
        row["params_within"] = within(row["params"], reference, 9)
    elif name in REFERENCES:
        value, source, digits = REFERENCES[name]
        row["params_reference"] = {"value": value, "source": source, "counted": "trainable", "digits": digits}
        row["params_ratio"] = trainable / value
        row["params_within"] = within(trainable, value, digits)
    if name in MACS:
        value, source, digits = MACS[name]
        row["macs_reference"] = {"value": value, "source": source, "digits": digits}
        row["macs_ratio"] = t["macs"] / value
        row["macs_within"] = within(t["macs"], value, digits)
    if name in ALSO:
        value, source = ALSO[name]
        row["macs_also"] = {"value": value, "source": source, "ratio": t["macs"] / value}
    return row


def main() -> None:
    from edgeopt._keras import keras

    logging.basicConfig(level=logging.INFO, format="%(message)s")
    rows = []
    for name in list_models():
        if name == "tiny_cnn":
            continue
        rows.append(_row(name, keras))
        keras.backend.clear_session()
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(rows, indent=2) + "\n")
    print("| model | input | params | reference params | ratio | MACs | reference MACs | ratio |")
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        ref_p, ref_m = r.get("params_reference"), r.get("macs_reference")
        shown = r["params"] if not ref_p or ref_p["counted"] == "all" else r["trainable_params"]
        ok = {True: "", False: " (outside 1%)"}
        print(
            f"| {r['model']} | {'x'.join(map(str, r['input']))} | {shown / 1e6:.3f}M | "
            + (
                f"{ref_p['value'] / 1e6:.3f}M ({ref_p['source']}) | {r['params_ratio']:.4f}{ok[r['params_within']]}"
                if ref_p
                else "- | -"
            )
            + f" | {r['macs'] / 1e6:,.1f}M | "
            + (
                f"{ref_m['value'] / 1e6:,.0f}M ({ref_m['source']}) | {r['macs_ratio']:.3f}{ok[r['macs_within']]} |"
                if ref_m
                else "- | - |"
            )
        )
    logging.info("wrote %s", OUT)


if __name__ == "__main__":
    main()
