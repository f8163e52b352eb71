"""Measure the latency of one model file, in this process, and print one JSON object.

    python measure.py MODEL --device-module formats/<format>/device.py [--threads N] [--no-xnnpack] ...

Self-contained on purpose (standard library, numpy and the runtime only; no edgeopt imports), so the same file
and the format's device module can be copied to a board and run with the board's own Python. `edgeopt bench`
runs it in a fresh subprocess per model, so one model's memory and thread pools never colour another's numbers.
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
    emulated = {}
    if os.environ.get("EDGEOPT_EMULATED_CPU"):  # set by edgeopt's qemu launcher: these timings are not latency
        emulated = {"emulated": True, "emulated_cpu": os.environ["EDGEOPT_EMULATED_CPU"]}
    return {
        "cpu": info.get("model name") or info.get("Hardware") or platform.processor() or "unknown",
        "arch": platform.machine(),
        "cores": os.cpu_count(),
        "isa": sorted(f for f in wanted if f in flags),
        "governor": governor.read_text().strip() if governor.exists() else None,
        "python": platform.python_version(),
        "versions": versions,
        **emulated,
    }


# Linux x86-64: arch_prctl(ARCH_REQ_XCOMP_PERM, XFEATURE_XTILEDATA) is how a process asks for AMX's tile state.
_ARCH_PRCTL, _REQ_XCOMP_PERM, _XTILEDATA = 158, 0x1023, 18


def deny_amx() -> None:
    """Make the kernel refuse AMX to this process (a seccomp filter answers EPERM to that one arch_prctl request).
    XNNPACK asks for it when its delegate starts; refused, it takes its AVX-512 VNNI kernels, as on a CPU without
    AMX (XNNPACK's hardware-config.c clears its AMX flag when the request fails). Irreversible: call it
    before any runtime loads. Elsewhere (ARM, macOS) there is no AMX to refuse: nothing is done."""
    import ctypes
    import struct

    if sys.platform != "linux" or platform.machine() != "x86_64":
        return
    ld, jeq, ret = 0x20, 0x15, 0x06  # BPF_LD|BPF_W|BPF_ABS, BPF_JMP|BPF_JEQ|BPF_K, BPF_RET|BPF_K
    program = [
        (ld, 0, 0, 4),  # seccomp_data.arch
        (jeq, 0, 5, 0xC000003E),  # AUDIT_ARCH_X86_64, else allow
        (ld, 0, 0, 0),  # seccomp_data.nr
        (jeq, 0, 3, _ARCH_PRCTL),
        (ld, 0, 0, 16),  # low half of args[0]
        (jeq, 0, 1, _REQ_XCOMP_PERM),
        (ret, 0, 0, 0x00050000 | 1),  # SECCOMP_RET_ERRNO | EPERM
        (ret, 0, 0, 0x7FFF0000),  # SECCOMP_RET_ALLOW
    ]
    code = ctypes.create_string_buffer(b"".join(struct.pack("HBBI", *i) for i in program))

    class Program(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]

    libc = ctypes.CDLL(None, use_errno=True)
    prog = Program(len(program), ctypes.addressof(code))
    # PR_SET_NO_NEW_PRIVS lets an unprivileged process install a filter; PR_SET_SECCOMP, SECCOMP_MODE_FILTER.
    if libc.prctl(38, 1, 0, 0, 0) != 0 or libc.prctl(22, 2, ctypes.byref(prog), 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "could not install the seccomp filter that refuses AMX")


def amx_state() -> str:
    """granted (the runtimes may use AMX), denied (deny_amx), or absent (no AMX here, or not Linux x86-64)."""
    import ctypes
    import errno

    if sys.platform != "linux" or platform.machine() != "x86_64":
        return "absent"
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.syscall(_ARCH_PRCTL, _REQ_XCOMP_PERM, _XTILEDATA) == 0:
        return "granted"
    return "denied" if ctypes.get_errno() == errno.EPERM else "absent"


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


def load_device_module(path: Path):
    """A format's standalone timing module (edgeopt/formats/<format>/device.py, copied beside this file on a board)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(f"edgeopt_device_{Path(path).stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def measure(
    path: Path,
    device_module: Path,
    *,
    threads: int,
    xnnpack: bool,
    ort_opt: str,
    warmup: int,
    min_runs: int,
    min_seconds: float,
    amx: bool,
    bare_loop: bool = True,
) -> dict:
    """No defaults here: every knob comes from runtime.targets.MeasureSettings (the recipe's BenchConfig)."""
    path = Path(path)
    if not amx:
        deny_amx()  # before the runtime starts: XNNPACK asks for AMX once, when its delegate is created
    started = time.perf_counter()
    device = load_device_module(device_module)
    run_once, bare, settings = device.open_model(path, threads, {"xnnpack": xnnpack, "ort_opt": ort_opt}, _random_input)
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
        "amx": amx_state(),
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
    p.add_argument("--device-module", required=True, help="the format's timing module (formats/<format>/device.py)")
    p.add_argument("--threads", type=int, required=True)
    p.add_argument("--no-xnnpack", action="store_true", help="TFLite built-in kernels only")
    p.add_argument("--no-amx", action="store_true", help="refuse AMX to this process (x86 Linux; see deny_amx)")
    p.add_argument("--ort-opt", choices=["disable", "basic", "extended", "all"], required=True)
    p.add_argument("--warmup", type=int, required=True)
    p.add_argument("--min-runs", type=int, required=True)
    p.add_argument("--min-seconds", type=float, required=True)
    a = p.parse_args(argv)
    out = measure(
        Path(a.model),
        Path(a.device_module),
        threads=a.threads,
        xnnpack=not a.no_xnnpack,
        ort_opt=a.ort_opt,
        warmup=a.warmup,
        min_runs=a.min_runs,
        min_seconds=a.min_seconds,
        amx=not a.no_amx,
    )
    json.dump(out, sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
