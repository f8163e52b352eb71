"""`python edgeopt/inspect/limited.py MEMORY_MB CMD...`: set the address-space limit (none for 0) and no core
dumps, then become CMD. Limits are set here, in the new process, rather than through subprocess's preexec_fn,
which is not safe when the parent has threads (the progress display runs one).

A limit already in force (`ulimit -v`, a CI container) is respected: the child gets the smaller of the two, and
never asks to raise a hard limit (which only root may do). The child also dies with its parent (Linux's
parent-death signal survives exec), so a killed run leaves no measurement or load running."""

from __future__ import annotations

import ctypes
import os
import resource
import signal
import sys

PR_SET_PDEATHSIG = 1


def wrap(cmd: list[str], memory_mb: int) -> list[str]:
    """`cmd` run under this module's limits. Called as a script by path, so the wrapper imports nothing but the
    standard library (the edgeopt package costs about 0.3 s to import)."""
    return [sys.executable, __file__, str(memory_mb), *cmd]


def address_space_limit(memory_mb: int) -> int:
    """The limit the child gets: memory_mb, or the existing hard limit if that is lower."""
    wanted = memory_mb * 1024 * 1024
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    return wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)


def main(argv: list[str]) -> None:
    memory_mb, cmd = int(argv[0]), argv[1:]
    if memory_mb > 0:
        limit = address_space_limit(memory_mb)
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() == 1:  # the parent died before the signal was armed
            sys.exit(1)
    os.execv(cmd[0], cmd)


if __name__ == "__main__":
    main(sys.argv[1:])
