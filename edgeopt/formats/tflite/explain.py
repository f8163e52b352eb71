"""Why an int8 TFLite file can be slower than its float32 twin: its operator list, with the float islands and the
QUANTIZE/DEQUANTIZE and TRANSPOSE operators that move data between types and layouts (ai_edge_litert exposes no
per-op timer to Python)."""

from __future__ import annotations


def explain(int8_contents: dict) -> dict:
    ops = int8_contents.get("op_counts", {})
    islands = int8_contents.get("float_compute_ops", [])
    reasons = []
    if islands:
        reasons.append(f"{len(islands)} compute operators run in float: {', '.join(sorted(set(islands)))}")
    conversions = ops.get("QUANTIZE", 0) + ops.get("DEQUANTIZE", 0)
    if conversions > 2:
        reasons.append(f"{conversions} QUANTIZE/DEQUANTIZE operators convert between types inside the graph")
    if ops.get("TRANSPOSE"):
        reasons.append(f"{ops['TRANSPOSE']} TRANSPOSE operators move data between layouts")
    slow_int8 = {k: v for k, v in ops.items() if k in ("HARD_SWISH", "MUL", "LOGISTIC", "MEAN", "AVERAGE_POOL_2D")}
    if slow_int8:
        reasons.append(
            "the int8 file holds element-wise and pooling operators ("
            + ", ".join(f"{k} x{v}" for k, v in slow_int8.items())
            + "), work int8 does not speed up; these are candidates, not per-op timings (ai_edge_litert exposes "
            "no per-op timer)"
        )
    return {"op_counts": ops, "float_islands": islands, "reasons": reasons or ["no structural cause found in the file"]}
