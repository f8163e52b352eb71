"""`python -m edgeopt.inspect.limited MEMORY_MB CMD...`: set the address-space limit (and no core dumps), then
become CMD. Limits are set here, in the new process, rather than through subprocess's preexec_fn, which is not
safe when the parent has threads (the progress display runs one)."""

from __future__ import annotations

import os
import resource
import sys


def main(argv: list[str]) -> None:
    memory_mb, cmd = int(argv[0]), argv[1:]
    resource.setrlimit(resource.RLIMIT_AS, (memory_mb * 1024 * 1024,) * 2)
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    os.execv(cmd[0], cmd)


if __name__ == "__main__":
    main(sys.argv[1:])
