"""Measure every exported file with its official runtime against the float Keras model, and apply the gates."""

from __future__ import annotations

import logging

from edgeopt import metrics
from edgeopt.pipeline.context import StageContext, StageOutput

log = logging.getLogger(__name__)


def run(ctx: StageContext) -> StageOutput:
    from edgeopt.runtime.runners import KerasRunner, open_runner

    cfg = ctx.recipe.verify
    x, y = ctx.dataset.split(cfg.split)
    export = ctx.need("export")
    reference = KerasRunner(ctx.load_model()).predict(x)
    float_top1 = metrics.top1(reference, y)
    log.info("verify: float Keras top-1 %.4f on %d %s samples", float_top1, len(y), cfg.split)

    gates: list[dict] = []
    if cfg.min_accuracy is not None:
        gates.append(
            _gate("min_accuracy", "keras_float32", cfg.min_accuracy, float_top1, float_top1 >= cfg.min_accuracy)
        )
    results = []
    for art in export.result["artifacts"]:
        probs = open_runner(export.path(art["name"])).predict(x)
        top1 = metrics.top1(probs, y)
        entry = {
            "name": art["name"],
            "top1": top1,
            "drop": metrics.drop(float_top1, top1, cfg.drop_type),
            "agreement": metrics.agreement(reference, probs),
            "sqnr_db": metrics.sqnr_db(reference, probs),
            "kl": metrics.mean_kl(reference, probs),
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
            "artifacts": results,
            "gates": gates,
        },
    )


def _gate(name: str, artifact: str, limit: float, value: float, passed: bool) -> dict:
    return {"gate": name, "artifact": artifact, "limit": limit, "value": value, "passed": bool(passed)}
