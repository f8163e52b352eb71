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
