"""What tune may change, each change ("move") with its cost tier and the budget axes it can improve.

Tiers, cheapest first: 0 measures the same files again (runtime settings), 1 quantizes and exports the trained
model again, 2 fine-tunes it (QAT, pruning, clustering), 3 trains a new model (width, resolution). A move is
tried only when it can improve an axis the best candidate so far misses: pruning and clustering leave the file's
bytes as they are, so under the default file-size metric they are skipped as dominated, and said so.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# The first trial exports every file these formats can make from one trained model (one training, many points).
WIDE_TFLITE = ["float32", "float16", "dynamic", "int8"]
WIDE_ONNX = ["float32", "dynamic", "int8"]
QUANTIZED = {"int8", "int16x8"}


@dataclass(frozen=True)
class Move:
    name: str
    set: dict[str, Any]
    tier: int
    helps: frozenset[str]  # budget axes it can improve
    formats: frozenset[str] = frozenset({"tflite", "onnx"})  # the artifacts it can change
    precisions: frozenset[str] | None = None  # None: any
    note: str = field(default="", compare=False)

    def applies_to(self, candidate: dict) -> bool:
        return candidate["format"] in self.formats and (
            self.precisions is None or candidate["precision"] in self.precisions
        )


def _get(recipe: dict, dotted: str, default=None):
    node: Any = recipe
    for key in dotted.split("."):
        if not isinstance(node, dict) or node.get(key) is None:
            return default
        node = node[key]
    return node


def moves(recipe: dict, cores: int, size_metric: str = "file", max_drop: float = 0.01) -> list[Move]:
    """Every move from `recipe` (the current candidate's recipe, overrides applied), cheapest tier first.
    `max_drop`: the budget the accuracy fallbacks work to when the recipe sets none."""
    tflite, onnx = frozenset({"tflite"}), frozenset({"onnx"})
    lat, acc, size = frozenset({"latency"}), frozenset({"accuracy"}), frozenset({"size"})
    q = _get(recipe, "quantize", {}) or {}
    out: list[Move] = []
    # Tier 0: the same files, measured with other runtime settings.
    threads = _get(recipe, "bench.threads", 1)
    if cores > threads:
        out.append(Move(f"threads {cores}", {"bench.threads": cores}, 0, lat))
    if _get(recipe, "bench.xnnpack", True):
        out.append(Move("XNNPACK off", {"bench.xnnpack": False}, 0, lat, tflite, note="built-in kernels"))
    if _get(recipe, "bench.ort_opt", "all") != "extended":
        out.append(Move("onnxruntime graph level extended", {"bench.ort_opt": "extended"}, 0, lat, onnx))
    # Tier 1: quantize and export the same trained model again.
    int8 = frozenset({"int8"})
    if q.get("onnx_format", "qdq") == "qdq":
        out.append(Move("ONNX QOperator", {"quantize.onnx_format": "qoperator"}, 1, lat | size, onnx, int8))
    if q.get("onnx_activations", "uint8") == "uint8":
        out.append(Move("ONNX int8 activations", {"quantize.onnx_activations": "int8"}, 1, lat, onnx, int8))
    if not q.get("speed_fallback", True):
        out.append(Move("speed fallback", {"quantize.speed_fallback": True}, 1, lat, tflite, int8))
    if q.get("strategy", "none") != "auto":
        fallbacks = {"quantize.strategy": "auto", "quantize.max_drop": q.get("max_drop") or max_drop}
        out.append(Move("accuracy fallbacks (float islands)", fallbacks, 1, acc, precisions=int8))
    calib = q.get("calibration_samples", 200)
    if calib < 1000:
        more = {"quantize.calibration_samples": calib * 4}
        out.append(Move(f"calibration {calib * 4}", more, 1, acc, precisions=int8))
    if q.get("per_channel", True) is False:
        out.append(Move("ONNX per-channel", {"quantize.per_channel": True}, 1, acc, onnx, int8))
    tfl = list(_get(recipe, "export.tflite", []) or [])
    if "int16x8" not in tfl:
        out.append(Move("TFLite int16x8", {"export.tflite": [*tfl, "int16x8"]}, 1, acc, tflite, int8))
    # Tier 2: fine-tune the trained model.
    if q.get("method", "ptq") != "qat":
        out.append(Move("QAT", {"quantize.method": "qat"}, 2, acc, precisions=frozenset(QUANTIZED)))
    gz = size if size_metric == "gzip" else frozenset()
    if _get(recipe, "prune") is None:
        for sparsity in (0.5, 0.75):
            out.append(Move(f"prune {sparsity:.0%}", {"prune": {"target_sparsity": sparsity}}, 2, gz))
        out.append(Move("prune 2:4", {"prune": {"target_sparsity": 0.5, "structure": "2:4"}}, 2, gz))
    if _get(recipe, "cluster") is None:
        out.append(Move("cluster 16", {"cluster": {"clusters": 16}}, 2, gz))
    # Tier 3: a new model from the builder (a user's own model file has no width or resolution to change).
    if _get(recipe, "model.arch"):
        width = float(_get(recipe, "model.width", 1.0))
        image = int(_get(recipe, "data.image_size", 32))
        for f in (0.75, 0.5):  # a step down in each, then a bigger one: one round tries both kinds
            if round(width * f, 4) >= 0.1:
                out.append(Move(f"width {width * f:g}", {"model.width": round(width * f, 4)}, 3, lat | size))
            smaller = max(8, int(image * f) // 2 * 2)
            if smaller < image:
                out.append(Move(f"resolution {smaller}", {"data.image_size": smaller}, 3, lat))
        out.append(Move(f"width {width * 1.5:g}", {"model.width": round(width * 1.5, 4)}, 3, acc))
        out.append(Move(f"resolution {image + image // 2}", {"data.image_size": image + image // 2}, 3, acc))
    out.sort(key=lambda m: m.tier)  # stable: within a tier, the order above
    return out
