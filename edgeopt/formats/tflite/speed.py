"""int8 TFLite files that XNNPACK cannot run whole, made faster by keeping a few operators float inside the graph.

XNNPACK's TFLite delegate accepts some operators only with float tensors (its Visit*Node type checks in
tensorflow/lite/delegates/xnnpack/xnnpack_delegate.cc: HARD_SWISH, standalone RELU / RELU6 / RELU_N1_TO_1, and
AVERAGE_POOL_2D). In an int8 file each one falls back to the built-in kernel and cuts the delegated graph: a
MobileNetV3-Small int8 file at 224 px runs as 21 XNNPACK partitions and is 2.4x slower than float32. Quantizing
the calibrated model (formats/tflite/calibrated.py) with those operators denylisted leaves them float between a
DEQUANTIZE and a QUANTIZE, which XNNPACK delegates too, so the whole graph is one partition again. The variant is
kept only when an interleaved measurement on this machine says it is faster and its accuracy stays within the
budget.
"""

from __future__ import annotations

import logging
from pathlib import Path

log = logging.getLogger(__name__)

XNNPACK_FLOAT_ONLY = ("HARD_SWISH", "RELU", "RELU6", "RELU_N1_TO_1", "AVERAGE_POOL_2D")
FASTER = 0.95  # the variant must take at most this share of the plain int8 file's p50


def partitions(path: Path, threads: int = 1) -> int | None:
    """XNNPACK partitions of the file under ai_edge_litert's default delegate (None if it cannot say)."""
    from ai_edge_litert.interpreter import Interpreter

    try:
        interp = Interpreter(model_path=str(path), num_threads=threads)
        interp.allocate_tensors()
        return sum(1 for op in interp._get_ops_details() if op["op_name"] == "DELEGATE")
    except Exception:  # a private API: without it the measurement alone decides
        return None


def float_only_ops(contents: dict) -> dict[str, int]:
    """The int8 file's operators XNNPACK runs only in float, with their counts."""
    counts = contents.get("op_counts", {})
    return {op: counts[op] for op in XNNPACK_FLOAT_ONLY if counts.get(op)}


def speed_variant(f, path: Path, calibrated, contents: dict, threads: int, xnnpack: bool) -> tuple[Path, dict | None]:
    """(file to keep, the report's "speed" entry or None) for the post-training int8 file `path`, quantized from
    `calibrated` (formats/tflite/calibrated.py)."""
    from edgeopt.atomic import write_bytes

    ops = float_only_ops(contents)
    if not ops or not xnnpack:
        return path, None
    variant = path.with_name(path.stem + "_speed.tflite")
    try:
        write_bytes(variant, calibrated.deployable(ops=list(ops)))  # the plain file's input and output types
    except Exception as exc:  # the plain file stands; say why the variant does not
        log.warning("export: no speed variant of %s: %s", path.name, exc)
        return path, {"tried": sorted(ops), "error": str(exc), "kept": False}
    before, after = partitions(path, threads), partitions(variant, threads)
    p50 = f.interleaved_p50([path, variant], threads)
    evaluate = f.speed_evaluator()
    plain, faster = evaluate(path, f.x_budget), evaluate(variant, f.x_budget)
    budget = max(plain["drop"], evaluate.max_drop)
    keep = p50[variant] <= FASTER * p50[path] and faster["drop"] <= budget
    entry = {
        "kept_float_for_speed": ops if keep else {},
        "tried": sorted(ops),
        "kept": keep,
        "xnnpack_partitions": {"int8": before, "variant": after},
        "p50_ms": {"int8": p50[path], "variant": p50[variant]},
        "top1": {"int8": plain["top1"], "variant": faster["top1"], "split": evaluate.split},
        "reason": (
            f"XNNPACK runs {', '.join(sorted(ops))} only in float; kept float inside the delegated graph: "
            f"{before} -> {after} XNNPACK partitions, p50 {p50[path]:.3f} -> {p50[variant]:.3f} ms"
            if keep
            else f"the variant with {', '.join(sorted(ops))} in float was not faster within the budget "
            f"(p50 {p50[path]:.3f} vs {p50[variant]:.3f} ms, drop {faster['drop']:+.4f}, budget {budget:.4f})"
        ),
    }
    log.info("export: %s: %s", path.name, entry["reason"])
    if not keep:
        variant.unlink()
        return path, entry
    variant.replace(path)  # the file keeps its name: the variant is what `tflite_int8` now is
    return path, entry
