"""Measure the latency of one model file, in this process, and print one JSON object.

    python -m edgeopt.runtime.measure MODEL [--threads N] [--no-xnnpack] [--ort-opt all] ...

Self-contained on purpose (standard library, numpy and the runtime only; no edgeopt imports), so the same file
can be copied to a board and run with the board's own Python. `edgeopt bench` runs it in a fresh subprocess per
model, so one model's memory and thread pools never colour another's numbers.
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import json
import os
import platform
import resource
import sys
import time
from importlib import metadata
from pathlib import Path

import numpy as np

NOISY_CV = 0.10  # coefficient of variation above which a measurement is flagged as noisy


def fingerprint() -> dict:
    info: dict[str, str] = {}
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            key, _, value = line.partition(":")
            info.setdefault(key.strip(), value.strip())
    except OSError:
        pass
    flags = set((info.get("flags") or info.get("Features") or "").split())
    wanted = ("avx2", "avx512f", "avx512_vnni", "avx_vnni", "amx_int8", "neon", "asimd", "asimddp", "i8mm")
    governor = Path("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor")
    versions = {}
    for lib in ("ai-edge-litert", "onnxruntime", "numpy"):
        with contextlib.suppress(metadata.PackageNotFoundError):
            versions[lib] = metadata.version(lib)
    return {
        "cpu": info.get("model name") or info.get("Hardware") or platform.processor() or "unknown",
        "arch": platform.machine(),
        "cores": os.cpu_count(),
        "isa": sorted(f for f in wanted if f in flags),
        "governor": governor.read_text().strip() if governor.exists() else None,
        "python": platform.python_version(),
        "versions": versions,
    }


def peak_rss_mb() -> float:
    """Peak resident memory of this process. VmHWM belongs to the address space execve created; ru_maxrss would
    also count the parent's pages the child held between fork and exec (a 1.4 GB parent showed up here)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # KiB on Linux, bytes on macOS


def _stats(seconds: list[float]) -> dict:
    ms = np.asarray(seconds) * 1e3
    mean = float(ms.mean())
    cv = float(ms.std() / mean) if mean else 0.0
    return {
        "runs": len(ms),
        "mean_ms": mean,
        "std_ms": float(ms.std()),
        "min_ms": float(ms.min()),
        "p50_ms": float(np.percentile(ms, 50)),
        "p90_ms": float(np.percentile(ms, 90)),
        "p99_ms": float(np.percentile(ms, 99)),
        "cv": cv,
        "noisy": cv > NOISY_CV,
    }


def _random_input(shape, dtype, rng) -> np.ndarray:
    shape = [1 if (d is None or isinstance(d, str) or d < 0) else int(d) for d in shape]
    if np.issubdtype(dtype, np.integer):
        info = np.iinfo(dtype)
        return rng.integers(info.min, info.max + 1, size=shape).astype(dtype)
    return rng.random(shape, dtype=np.float32).astype(dtype)


def _tflite(path: Path, threads: int, xnnpack: bool):
    from ai_edge_litert.interpreter import Interpreter, OpResolverType

    resolver = OpResolverType.AUTO if xnnpack else OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES
    interpreter = Interpreter(model_path=str(path), num_threads=threads, experimental_op_resolver_type=resolver)
    detail = interpreter.get_input_details()[0]
    shape = [1, *detail["shape"][1:]]
    if list(detail["shape"]) != shape:
        interpreter.resize_tensor_input(detail["index"], shape)
    interpreter.allocate_tensors()
    out_index = interpreter.get_output_details()[0]["index"]
    x = _random_input(shape, detail["dtype"], np.random.default_rng(0))

    def run_once():  # what an app does per frame
        interpreter.set_tensor(detail["index"], x)
        interpreter.invoke()
        return interpreter.get_tensor(out_index)

    interpreter.set_tensor(detail["index"], x)
    return run_once, interpreter.invoke  # bare loop: invoke() alone, input set once


def _onnx(path: Path, threads: int, opt: str):
    import onnxruntime as ort

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
    feed = {inp.name: _random_input(inp.shape, dtype, np.random.default_rng(0))}

    def run_once():
        return session.run(None, feed)[0]

    return run_once, run_once  # session.run is already the bare call


def measure(
    path: Path,
    threads: int = 1,
    xnnpack: bool = True,
    ort_opt: str = "all",
    warmup: int = 10,
    min_runs: int = 100,
    min_seconds: float = 1.0,
    bare_loop: bool = True,
) -> dict:
    path = Path(path)
    started = time.perf_counter()
    if path.suffix == ".tflite":
        run_once, bare = _tflite(path, threads, xnnpack)
        settings = {"runtime": "ai_edge_litert", "threads": threads, "xnnpack": xnnpack}
    elif path.suffix == ".onnx":
        run_once, bare = _onnx(path, threads, ort_opt)
        settings = {"runtime": "onnxruntime", "threads": threads, "graph_optimization": ort_opt}
    else:
        raise ValueError(f"{path}: expected a .tflite or .onnx file")
    load_ms = (time.perf_counter() - started) * 1e3
    t = time.perf_counter()
    run_once()
    first_ms = (time.perf_counter() - t) * 1e3
    for _ in range(warmup):
        run_once()
    times: list[float] = []
    begin = time.perf_counter()
    while len(times) < min_runs or time.perf_counter() - begin < min_seconds:
        t = time.perf_counter()
        run_once()
        times.append(time.perf_counter() - t)
    result = {
        "model": str(path),
        "bytes": path.stat().st_size,
        "gzip_bytes": len(gzip.compress(path.read_bytes(), compresslevel=9, mtime=0)),
        **settings,
        "load_ms": load_ms,
        "first_inference_ms": first_ms,
        "warmup": warmup,
        "steady": _stats(times),
    }
    if bare_loop:
        # The same work timed right after as a bare invoke()/run() loop: how much edgeopt's harness adds.
        bare_times = []
        for _ in range(len(times)):
            t = time.perf_counter()
            bare()
            bare_times.append(time.perf_counter() - t)
        result["bare_p50_ms"] = float(np.percentile(np.asarray(bare_times) * 1e3, 50))
        result["fidelity_ratio"] = result["steady"]["p50_ms"] / result["bare_p50_ms"]
    result["peak_rss_mb"] = peak_rss_mb()
    result["machine"] = fingerprint()
    return result


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="measure", description=__doc__.splitlines()[0])
    p.add_argument("model")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--no-xnnpack", action="store_true", help="TFLite built-in kernels only")
    p.add_argument("--ort-opt", choices=["disable", "basic", "extended", "all"], default="all")
    p.add_argument("--warmup", type=int, default=10)
    p.add_argument("--min-runs", type=int, default=100)
    p.add_argument("--min-seconds", type=float, default=1.0)
    a = p.parse_args(argv)
    out = measure(Path(a.model), a.threads, not a.no_xnnpack, a.ort_opt, a.warmup, a.min_runs, a.min_seconds)
    json.dump(out, sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
