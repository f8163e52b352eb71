"""How much memory this process may still use, from what bounds it on this machine: the kernel's MemAvailable,
a cgroup memory limit (a container), and an address-space limit already in force (`ulimit -v`). Memory-heavy
steps compare their estimate with it and refuse before they start, instead of dying half-way."""

from __future__ import annotations

import resource
from pathlib import Path


def _read_int(path: str) -> int | None:
    try:
        text = Path(path).read_text().strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None


def available_memory() -> tuple[int, str]:
    """(bytes, what bounds it)."""
    bounds: list[tuple[int, str]] = []
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                bounds.append((int(line.split()[1]) * 1024, "available memory"))
    except OSError:
        pass
    limit, used = _read_int("/sys/fs/cgroup/memory.max"), _read_int("/sys/fs/cgroup/memory.current")
    if limit is not None:
        bounds.append((limit - (used or 0), "the container's memory limit"))
    soft, _hard = resource.getrlimit(resource.RLIMIT_AS)
    if soft != resource.RLIM_INFINITY:
        vm = next(
            (
                int(x.split()[1]) * 1024
                for x in Path("/proc/self/status").read_text().splitlines()
                if x.startswith("VmSize:")
            ),
            0,
        )
        bounds.append((soft - vm, "the address-space limit (ulimit -v)"))
    return min(bounds) if bounds else (2**63, "no known limit")


def gib(n: float) -> str:
    return f"{n / 2**30:,.1f} GiB"


# Peak resident memory of a whole `edgeopt optimize` run (default recipe: TFLite + ONNX, int8, per-layer diagnosis)
# against the model's parameters, fitted to benchmarks/results/scale.json at 224 px: MobileNetV3-Small 2.3 GB,
# MobileNetV2 2.3 GB, MobileNetV3-Large 2.8 GB, ResNet-50 7.3 GB (the converters' graph copies grow with the weights).
PEAK_BASE_BYTES, PEAK_BYTES_PER_PARAM = 1.9e9, 230.0


def expected_peak(parameters: int) -> float:
    """Bytes a default optimize run of a model this size is expected to need at its peak."""
    return PEAK_BASE_BYTES + PEAK_BYTES_PER_PARAM * parameters


def memory_warning(parameters: int) -> str | None:
    """Why this run may not fit in memory here (said up front, before the export stage), or None."""
    need = expected_peak(parameters)
    have, bound = available_memory()
    if need <= have:
        return None
    return (
        f"a model of {parameters / 1e6:,.1f}M parameters needed about {gib(need)} at its peak in measured runs "
        f"(benchmarks/scale.py), and {bound} here is {gib(have)}: the export stage may run out of memory; "
        "quantize.diagnose: false lowers it"
    )
