"""Measure every exported file with its official runtime against the float Keras model, and apply the gates."""

from __future__ import annotations

import itertools
import logging

from edgeopt import metrics
from edgeopt.pipeline.context import StageContext, StageOutput
from edgeopt.records import Gate, VerifyEntry

log = logging.getLogger(__name__)


def run(ctx: StageContext) -> StageOutput:
    from edgeopt.runtime.runners import KerasRunner, open_runner

    cfg = ctx.config.verify
    x, y = ctx.dataset.split(cfg.split)
    export = ctx.need("export")
    reference = KerasRunner(ctx.load_model()).predict(x)
    float_top1 = metrics.top1(reference, y)
    log.info("verify: float Keras top-1 %.4f on %d %s samples", float_top1, len(y), cfg.split)

    gates: list[Gate] = []
    if cfg.min_accuracy is not None:
        gates.append(
            _gate("min_accuracy", "keras_float32", cfg.min_accuracy, float_top1, float_top1 >= cfg.min_accuracy)
        )
    results = []
    outputs: dict = {}
    names = ctx.dataset.class_names
    for art in export.result["artifacts"]:
        probs = open_runner(export.path(art["name"])).predict(x)
        outputs[art["name"]] = probs
        top1 = metrics.top1(probs, y)
        entry: VerifyEntry = {
            "name": art["name"],
            "top1": top1,
            "top5": metrics.topk(probs, y, 5),
            "drop": metrics.drop(float_top1, top1, cfg.drop_type),
            "drop_absolute": metrics.drop(float_top1, top1, "absolute"),
            "drop_relative": metrics.drop(float_top1, top1, "relative"),
            "agreement": metrics.agreement(reference, probs),
            "sqnr_db": metrics.sqnr_db(reference, probs),
            "kl": metrics.mean_kl(reference, probs),
            "flipped_classes": metrics.flipped_classes(reference, probs, y, names),
        }
        results.append(entry)
        log.info(
            "verify: %-13s top-1 %.4f drop %+.4f agreement %.4f",
            art["name"],
            top1,
            entry["drop"],
            entry["agreement"],
        )
        if cfg.max_drop is not None:
            gates.append(_gate("max_drop", art["name"], cfg.max_drop, entry["drop"], entry["drop"] <= cfg.max_drop))
        if cfg.min_agreement is not None:
            ok = entry["agreement"] >= cfg.min_agreement
            gates.append(_gate("min_agreement", art["name"], cfg.min_agreement, entry["agreement"], ok))
    return StageOutput(
        {},
        {
            "split": cfg.split,
            "samples": len(y),
            "drop_type": cfg.drop_type,
            "float_top1": float_top1,
            "float_top5": metrics.topk(reference, y, 5),
            "artifacts": results,
            "error_by_cause": _error_by_cause(reference, outputs, y),
            "gates": gates,
        },
    )


def _error_by_cause(reference, outputs: dict, y) -> dict:
    """Split the drift: conversion (float Keras vs the float file), quantization (float file vs int8 file of the
    same runtime) and cross-runtime parity (TFLite int8 vs ONNX int8 on the same inputs)."""

    def pair(a, b) -> dict:
        return {
            "agreement": metrics.agreement(a, b),
            "top1_delta": metrics.top1(a, y) - metrics.top1(b, y),
            "sqnr_db": metrics.sqnr_db(a, b),
        }

    from edgeopt.formats import FORMATS

    out: dict = {}
    for fmt in FORMATS:
        f32, i8 = outputs.get(f"{fmt}_float32"), outputs.get(f"{fmt}_int8")
        if f32 is not None:
            out[f"conversion_{fmt}"] = pair(reference, f32)
        if f32 is not None and i8 is not None:
            out[f"quantization_{fmt}"] = pair(f32, i8)
    int8 = [f"{fmt}_int8" for fmt in FORMATS if f"{fmt}_int8" in outputs]
    for i, (a, b) in enumerate(itertools.combinations(int8, 2)):  # the first pair is "parity_int8"
        out["parity_int8" if i == 0 else f"parity_{a}_{b}"] = pair(outputs[a], outputs[b])
    return out


def _gate(name: str, artifact: str, limit: float, value: float, passed: bool) -> Gate:
    return {"gate": name, "artifact": artifact, "limit": limit, "value": value, "passed": bool(passed)}
