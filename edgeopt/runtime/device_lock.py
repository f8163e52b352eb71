"""One phone or board is one resource: device measurements take an exclusive lock per target, so parallel sweep
trials (or two edgeopt runs) never benchmark on the same device at the same time.

The lock is an fcntl lock on a file under ~/.cache/edgeopt/locks (EDGEOPT_LOCK_DIR overrides): it serializes
processes on one machine, which is where the device's USB cable or SSH session starts from.
"""

from __future__ import annotations

import fcntl
import logging
import os
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

log = logging.getLogger(__name__)


def lock_dir() -> Path:
    return Path(os.environ.get("EDGEOPT_LOCK_DIR") or Path.home() / ".cache" / "edgeopt" / "locks")


@contextmanager
def device_lock(target: str) -> Iterator[None]:
    folder = lock_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / (re.sub(r"[^A-Za-z0-9_.-]+", "_", target) + ".lock")
    with open(path, "a") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            log.info("bench: %s is busy with another measurement; waiting for it", target)
            start = time.perf_counter()
            fcntl.flock(fh, fcntl.LOCK_EX)
            log.info("bench: %s free after %.1f s", target, time.perf_counter() - start)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)
