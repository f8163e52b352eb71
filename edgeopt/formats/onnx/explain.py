"""Why an int8 ONNX file can be slower than its float32 twin: a per-node onnxruntime profile
(SessionOptions.enable_profiling) of both files, summed by operator type, plus the compute operators its
optimized graph still runs in float."""

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
