"""Model files from users are checked before any runtime touches them, and loaded only in a child process with
time and memory limits: a crafted or corrupt file gives exit 3, never a crashed or hung edgeopt.

The format checks are each backend's precheck (edgeopt.formats): for example the TFLite / ORT flatbuffer
identifier and root table, and ONNX through onnx.checker with every external-data location inside the model's folder.
"""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

from edgeopt.errors import InputRejected
from edgeopt.inspect.limited import address_space_limit, wrap

DEFAULT_TIMEOUT_S = 120.0
DEFAULT_MEMORY_MB = 4096


def precheck(path: Path) -> None:
    """Refuse a model file that is not what its suffix says, or that points outside its folder."""
    path = Path(path)
    kind = path.suffix.lower()
    if path.is_dir():
        raise InputRejected(f"{path}: is a directory, not a model file")
    if not path.is_file():
        kind = "does not exist" if not path.exists() else "is not a regular file (a FIFO, socket or device)"
        raise InputRejected(f"{path}: {kind}")
    if path.stat().st_size == 0:
        raise InputRejected(f"{path}: empty file")
    from edgeopt import formats

    if kind in formats.suffixes():
        formats.for_path(path).precheck(path)


def run_limited(
    cmd: list[str], what: str, timeout: float = DEFAULT_TIMEOUT_S, memory_mb: int = DEFAULT_MEMORY_MB
) -> subprocess.CompletedProcess:
    """Run `cmd` with an address-space limit and a timeout; a crash, a hang or running out of memory is
    InputRejected naming `what`."""
    limited = wrap(cmd, memory_mb)
    try:
        proc = subprocess.run(limited, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        raise InputRejected(f"{what}: did not finish within {timeout:g} s; stopped") from None
    if proc.returncode < 0:
        name = signal.Signals(-proc.returncode).name
        raise InputRejected(f"{what}: the runtime crashed on this file ({name}); edgeopt itself is unaffected")
    err = proc.stderr.strip()
    signs = ("MemoryError", "bad_alloc", "failed to map", "Cannot allocate", "Memory allocation", "out of memory")
    memory = any(m in err for m in signs)
    if proc.returncode == InputRejected.exit_code and not memory:  # the child refused the file and said why
        raise InputRejected(err or f"{what}: refused")
    if proc.returncode != 0:
        mb = address_space_limit(memory_mb) // 2**20
        limit = f" (the {mb} MB memory limit was reached)" if memory else ""
        raise InputRejected(f"{what}: could not be loaded{limit}: {error_line(err)}")
    return proc


def error_line(stderr: str) -> str:
    """The one line of a child's stderr that says what went wrong: the exception at the end of a traceback, not
    the source lines and carets above it."""
    lines = [line for line in stderr.splitlines() if line.strip()]
    for line in reversed(lines):
        if not line[0].isspace() and set(line.strip()) - set("^~ ") and not line.startswith("Traceback"):
            return line.strip()
    return "no error message"


def python_cmd(module: str, *args: str) -> list[str]:
    return [sys.executable, "-m", module, *args]
