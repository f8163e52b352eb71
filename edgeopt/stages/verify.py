"""Measure every exported file with its official runtime against the float model the user started from (trained or
built, before pruning or clustering), split the drift by step, and apply the gates.

The drop a gate sees is the whole cost of optimizing: a file of a pruned model that matches the pruned float model
exactly still lost what pruning cost, and `max_drop` counts it."""

from __future__ import annotations

import itertools
import logging

import numpy as np

from edgeopt import metrics
from edgeopt.pipeline.context import StageContext, StageOutput
from edgeopt.records import Gate, VerifyEntry

log = logging.getLogger(__name__)
# Top-1 is a ratio of counts, so a drop is a difference of binary fractions: 0.8 - 0.7 must pass a 0.1 limit.
EPS = 1e-9


def run(ctx: StageContext) -> StageOutput:
    from edgeopt.runtime.runners import KerasRunner, open_runner

    cfg = ctx.config.verify
    x, y = ctx.dataset.split(cfg.split)
    export = ctx.need("export")
    start_stage = ctx.need("start").name
    chain = {"start": KerasRunner(ctx.load_model("start")).predict(x)}  # then each compression step's float model
    for step in ("prune", "cluster"):
        if ctx.has(step):
            chain[step] = KerasRunner(ctx.load_model(step)).predict(x)
    start, reference = chain["start"], list(chain.values())[-1]  # reference: the float model the files come from
    start_top1, float_top1 = metrics.top1(start, y), metrics.top1(reference, y)
    log.info("verify: starting model (%s) top-1 %.4f on %d %s samples", start_stage, start_top1, len(y), cfg.split)
    if len(chain) > 1:
        log.info("verify: float model after %s top-1 %.4f", " and ".join(list(chain)[1:]), float_top1)

    gates: list[Gate] = []
    if cfg.min_accuracy is not None:
        gates.append(
            _gate("min_accuracy", "keras_float32", cfg.min_accuracy, start_top1, start_top1 >= cfg.min_accuracy)
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
            "drop": metrics.drop(start_top1, top1, cfg.drop_type),
            "drop_absolute": metrics.drop(start_top1, top1, "absolute"),
            "drop_relative": metrics.drop(start_top1, top1, "relative"),
            "export_drop": metrics.drop(float_top1, top1, cfg.drop_type),
            "agreement": metrics.agreement(start, probs),
            "sqnr_db": metrics.sqnr_db(start, probs),
            "kl": metrics.mean_kl(start, probs),
            "flipped_classes": metrics.flipped_classes(start, probs, y, names),
        }
        results.append(entry)
        log.info(
            "verify: %-13s top-1 %.4f drop %+.4f (export %+.4f) agreement %.4f",
            art["name"],
            top1,
            entry["drop"],
            entry["export_drop"],
            entry["agreement"],
        )
        if cfg.max_drop is not None:
            ok = entry["drop"] <= cfg.max_drop + EPS
            gates.append(_gate("max_drop", art["name"], cfg.max_drop, entry["drop"], ok))
        if cfg.min_agreement is not None:
            ok = entry["agreement"] >= cfg.min_agreement
            gates.append(_gate("min_agreement", art["name"], cfg.min_agreement, entry["agreement"], ok))
    arm = _arm_parity(cfg.arm, export, x, y, outputs, results, gates) if cfg.arm else None
    causes = _error_by_cause(chain, reference, outputs, y)
    for step, limit in cfg.max_step_drop.items():
        gates += _step_gates(step, limit, causes, start_top1, cfg.drop_type)
    return StageOutput(
        {},
        {
            "split": cfg.split,
            "samples": len(y),
            "drop_type": cfg.drop_type,
            "start": {"stage": start_stage, "top1": start_top1, "top5": metrics.topk(start, y, 5)},
            "float_top1": float_top1,
            "float_top5": metrics.topk(reference, y, 5),
            "artifacts": results,
            "error_by_cause": causes,
            "arm": arm,
            "gates": gates,
        },
    )


def _arm_parity(cfg, export, x, y, outputs: dict, results: list, gates: list) -> dict:
    """Each file again on the aarch64 runtime under emulation; its figures go into the file's entry ("arm")."""
    from edgeopt.arm.emulator import predict

    machine = None
    for entry in results:
        arm_out, machine = predict(export.path(entry["name"]), x, cfg.cpu)
        x86 = outputs[entry["name"]]
        entry["arm"] = {
            "top1": metrics.top1(arm_out, y),
            "top1_x86": entry["top1"],
            "agreement": metrics.agreement(x86, arm_out),
            "max_abs_diff": float(np.max(np.abs(arm_out - x86))) if arm_out.shape == x86.shape else float("inf"),
        }
        a = entry["arm"]
        log.info(
            "verify: %-13s on aarch64 (%s, emulated) top-1 %.4f (x86 %.4f), agreement %.4f, max |diff| %.3g",
            entry["name"],
            cfg.cpu,
            a["top1"],
            entry["top1"],
            a["agreement"],
            a["max_abs_diff"],
        )
        if cfg.max_abs_diff is not None:
            ok = a["max_abs_diff"] <= cfg.max_abs_diff
            gates.append(_gate("arm_max_abs_diff", entry["name"], cfg.max_abs_diff, a["max_abs_diff"], ok))
        if cfg.min_agreement is not None:
            ok = a["agreement"] >= cfg.min_agreement
            gates.append(_gate("arm_min_agreement", entry["name"], cfg.min_agreement, a["agreement"], ok))
    return {"cpu": cfg.cpu, "machine": machine, "samples": len(y)}


def _step_gates(step: str, limit: float, causes: dict, start_top1: float, drop_type: str) -> list[Gate]:
    """verify.max_step_drop: one step's own cost (its top-1 delta), per file for conversion and quantization. A
    step the run did not take has nothing to gate."""
    out = []
    for name, c in causes.items():
        if name == step or name.startswith(f"{step}_"):
            drop = c["top1_delta"] if drop_type == "absolute" else c["top1_delta"] / max(start_top1, 1e-12)
            out.append(_gate(f"max_step_drop[{step}]", name, limit, drop, drop <= limit + EPS))
    return out


def _error_by_cause(chain: dict, reference, outputs: dict, y) -> dict:
    """Split the drift: each compression step (the float model before it vs after it: prune, cluster), conversion
    (the float model the files come from vs the float file), quantization (float file vs int8 file of the same
    runtime) and cross-runtime parity (TFLite int8 vs ONNX int8 on the same inputs). top1_delta > 0 is a loss."""

    def pair(a, b) -> dict:
        return {
            "agreement": metrics.agreement(a, b),
            "top1_delta": metrics.top1(a, y) - metrics.top1(b, y),
            "sqnr_db": metrics.sqnr_db(a, b),
        }

    from edgeopt.formats import FORMATS

    out: dict = {}
    steps = list(chain.items())
    for (_, before), (step, after) in itertools.pairwise(steps):
        out[step] = pair(before, after)
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
