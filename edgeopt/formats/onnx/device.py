"""onnxruntime's timing loop for runtime/measure.py. Standalone on purpose (numpy and onnxruntime only, no edgeopt
imports): a board target copies this file beside measure.py and runs it with the board's own Python."""

from __future__ import annotations

RUNTIME = "onnxruntime"


def open_model(path, threads: int, options: dict, random_input):
    """(run_once, bare_call, settings); session.run is already the bare call."""
    import numpy as np
    import onnxruntime as ort

    opt = options.get("ort_opt", "all")
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    opts.log_severity_level = 3
    opts.graph_optimization_level = {
        "disable": ort.GraphOptimizationLevel.ORT_DISABLE_ALL,
        "basic": ort.GraphOptimizationLevel.ORT_ENABLE_BASIC,
        "extended": ort.GraphOptimizationLevel.ORT_ENABLE_EXTENDED,
        "all": ort.GraphOptimizationLevel.ORT_ENABLE_ALL,
    }[opt]
    session = ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])
    inp = session.get_inputs()[0]
    dtype = {"tensor(float)": np.float32, "tensor(uint8)": np.uint8, "tensor(int8)": np.int8}[inp.type]
    feed = {inp.name: random_input(inp.shape, dtype, np.random.default_rng(0))}

    def run_once():
        return session.run(None, feed)[0]

    return run_once, run_once, {"runtime": RUNTIME, "threads": threads, "graph_optimization": opt}
