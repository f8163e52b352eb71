"""Where trials run: a local process pool (default) or a Ray cluster. Both run `trial.run_trial` in a fresh
worker process per trial (TensorFlow state never leaks from one trial into the next)."""

from __future__ import annotations

import logging
import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed

from edgeopt.errors import UsageError
from edgeopt.sweep.trial import run_trial

log = logging.getLogger(__name__)


def local_workers(cpus: int, memory_mb: int) -> int:
    """As many trials at once as the machine has CPUs and memory for."""
    cores = len(os.sched_getaffinity(0))
    total_mb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2**20
    return max(1, min(cores // cpus, total_mb // memory_mb))


def run_local(payloads: list[dict], workers: int, done: Callable[[dict], None]) -> list[dict]:
    ctx = multiprocessing.get_context("spawn")  # no fork of a process that may hold TensorFlow threads
    out = []
    with ProcessPoolExecutor(max_workers=workers, mp_context=ctx, max_tasks_per_child=1) as pool:
        futures = {pool.submit(run_trial, p): p for p in payloads}
        for future in as_completed(futures):
            try:
                record = future.result()
            except Exception as exc:  # the worker process itself died (killed, out of memory)
                p = futures[future]
                record = {
                    "id": p["id"],
                    "overrides": p["overrides"],
                    "status": "failed",
                    "error": f"worker process died: {type(exc).__name__}: {exc}",
                }
            done(record)
            out.append(record)
    return out


def run_ray(payloads: list[dict], address: str, cpus: int, memory_mb: int, done: Callable[[dict], None]) -> list[dict]:
    try:
        import ray
    except ImportError:
        raise UsageError(
            "--executor ray needs Ray: pip install 'edgeopt[ray]' (the local executor works without it)"
        ) from None
    ray.init(address=address, log_to_driver=False, ignore_reinit_error=True)
    # max_calls=1: a fresh worker process per trial, as locally (TensorFlow state never carries over).
    remote = ray.remote(num_cpus=cpus, memory=memory_mb * 2**20, max_retries=0, max_calls=1)(run_trial)
    pending = {remote.remote(p): p for p in payloads}
    out = []
    try:
        while pending:
            ready, _ = ray.wait(list(pending), num_returns=1)
            p = pending.pop(ready[0])
            try:
                record = ray.get(ready[0])
            except Exception as exc:  # the worker died (node lost, out of memory)
                record = {
                    "id": p["id"],
                    "overrides": p["overrides"],
                    "status": "failed",
                    "error": f"Ray task failed: {type(exc).__name__}: {str(exc).splitlines()[0]}",
                }
            done(record)
            out.append(record)
    finally:
        ray.shutdown()
    return out
