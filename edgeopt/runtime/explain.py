"""Why an int8 file can be slower than its float32 twin, from what the runtimes expose.

onnxruntime: a per-node profile (SessionOptions.enable_profiling) of both files, summed by operator type, plus the
compute operators its optimized graph still runs in float. TFLite: the operator list of the int8 file with the
float islands and the QUANTIZE/DEQUANTIZE and TRANSPOSE operators that move data between types and layouts
(ai_edge_litert exposes no per-op timer to Python).
"""

from __future__ import annotations

import json
import tempfile
from collections import Counter
from pathlib import Path

import numpy as np


def onnx_profile(path: Path, runs: int = 50, threads: int = 1) -> dict[str, float]:
    """Mean microseconds per run spent in each operator type."""
    import onnxruntime as ort

    with tempfile.TemporaryDirectory(prefix="edgeopt-prof-") as work:
        opts = ort.SessionOptions()
        opts.enable_profiling = True
        opts.profile_file_prefix = str(Path(work) / "profile")
        opts.intra_op_num_threads = threads
        opts.log_severity_level = 3
        session = ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])
        inp = session.get_inputs()[0]
        shape = [1 if not isinstance(d, int) else d for d in inp.shape]
        feed = {inp.name: np.random.default_rng(0).random(shape, dtype=np.float32)}
        for _ in range(runs):
            session.run(None, feed)
        events = json.loads(Path(session.end_profiling()).read_text())
    totals: Counter = Counter()
    for e in events:
        if e.get("cat") == "Node" and e.get("name", "").endswith("_kernel_time"):
            totals[e.get("args", {}).get("op_name", "?")] += e.get("dur", 0)
    return {op: round(us / runs, 2) for op, us in totals.most_common()}


def explain(fmt: str, int8_path: Path, float_path: Path, int8_contents: dict, threads: int = 1) -> dict:
    if fmt == "onnx":
        q, f = onnx_profile(int8_path, threads=threads), onnx_profile(float_path, threads=threads)
        islands = int8_contents.get("executed_float_compute_ops", [])
        reasons = []
        if islands:
            reasons.append(f"onnxruntime runs {len(islands)} compute operators in float between Q/DQ pairs")
        qdq = sum(v for k, v in q.items() if k in ("QuantizeLinear", "DequantizeLinear"))
        if qdq:
            reasons.append(f"{qdq:.1f} us per run converting between int8 and float (Quantize/DequantizeLinear)")
        return {"int8_profile_us": q, "float32_profile_us": f, "float_islands": islands, "reasons": reasons}
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
