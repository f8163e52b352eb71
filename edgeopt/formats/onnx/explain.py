"""Why an int8 ONNX file can be slower than its float32 twin: a per-node onnxruntime profile
(SessionOptions.enable_profiling) of both files, summed by operator type, plus the compute operators its
optimized graph still runs in float."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from edgeopt.formats.onnx.profile import node_events


def onnx_profile(path: Path, runs: int = 50, threads: int = 1) -> dict[str, float]:
    """Mean microseconds per run spent in each operator type."""
    totals: Counter = Counter()
    for e in node_events(path, runs=runs, threads=threads):
        totals[e["op"]] += e["us"]
    return {op: round(us / runs, 2) for op, us in totals.most_common()}


def explain(int8_path: Path, float_path: Path, int8_contents: dict, threads: int = 1) -> dict:
    q, f = onnx_profile(int8_path, threads=threads), onnx_profile(float_path, threads=threads)
    islands = int8_contents.get("executed_float_compute_ops", [])
    reasons = []
    if islands:
        reasons.append(f"onnxruntime runs {len(islands)} compute operators in float between Q/DQ pairs")
    qdq = sum(v for k, v in q.items() if k in ("QuantizeLinear", "DequantizeLinear"))
    if qdq:
        reasons.append(f"{qdq:.1f} us per run converting between int8 and float (Quantize/DequantizeLinear)")
    return {"int8_profile_us": q, "float32_profile_us": f, "float_islands": islands, "reasons": reasons}
