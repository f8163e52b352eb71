"""onnxruntime's own per-node records (SessionOptions.enable_profiling): which kernels ran, in what order, on
which element types, and for how long. Both the int8 check and the slower-than-float explanation read them."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import numpy as np

_NUMPY = {
    "tensor(float)": np.float32,
    "tensor(float16)": np.float16,
    "tensor(double)": np.float64,
    "tensor(uint8)": np.uint8,
    "tensor(int8)": np.int8,
    "tensor(int32)": np.int32,
    "tensor(int64)": np.int64,
    "tensor(bool)": np.bool_,
}


def node_events(path: Path, runs: int = 1, threads: int = 1, level: str = "all") -> list[dict]:
    """One record per kernel run ({"node", "op", "provider", "inputs", "input_shapes", "outputs", "us"}; inputs
    and outputs are element type names such as "float" or "uint8"), from a session built as the bench builds it
    (graph level `level`) and fed seeded random inputs of the model's own types (dynamic dimensions as 1)."""
    import onnxruntime as ort

    levels = {
        "disable": ort.GraphOptimizationLevel.ORT_DISABLE_ALL,
        "basic": ort.GraphOptimizationLevel.ORT_ENABLE_BASIC,
        "extended": ort.GraphOptimizationLevel.ORT_ENABLE_EXTENDED,
        "all": ort.GraphOptimizationLevel.ORT_ENABLE_ALL,
    }
    rng = np.random.default_rng(0)
    with tempfile.TemporaryDirectory(prefix="edgeopt-prof-") as work:
        opts = ort.SessionOptions()
        opts.graph_optimization_level = levels[level]
        opts.enable_profiling = True
        opts.profile_file_prefix = str(Path(work) / "profile")
        opts.intra_op_num_threads = threads
        opts.log_severity_level = 3
        session = ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])
        feed = {}
        for inp in session.get_inputs():
            shape = [d if isinstance(d, int) and d > 0 else 1 for d in inp.shape]
            feed[inp.name] = rng.random(shape).astype(_NUMPY.get(inp.type, np.float32))
        for _ in range(runs):
            session.run(None, feed)
        events = json.loads(Path(session.end_profiling()).read_text())
    out = []
    for e in events:
        if e.get("cat") != "Node" or not e.get("name", "").endswith("_kernel_time"):
            continue
        args = e.get("args", {})
        out.append(
            {
                "node": e["name"].removesuffix("_kernel_time"),
                "op": args.get("op_name", "?"),
                "provider": args.get("provider"),
                "inputs": [next(iter(t)) for t in args.get("input_type_shape", []) if t],
                "input_shapes": [next(iter(t.values())) for t in args.get("input_type_shape", []) if t],
                "outputs": [next(iter(t)) for t in args.get("output_type_shape", []) if t],
                "us": e.get("dur", 0),
            }
        )
    return out
