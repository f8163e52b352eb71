"""Where latency is measured. `local` runs runtime/measure.py in a fresh subprocess per model and setting.

The measuring script is run by file path, not by module name, so a remote target can copy that one file and run
it with the device's own Python.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from edgeopt.errors import ToolchainError

MEASURE_SCRIPT = Path(__file__).with_name("measure.py")


def measure_args(
    model: Path, threads: int, xnnpack: bool, ort_opt: str, warmup: int, min_runs: int, min_seconds: float
) -> list[str]:
    args = [str(model), "--threads", str(threads), "--ort-opt", ort_opt, "--warmup", str(warmup)]
    args += ["--min-runs", str(min_runs), "--min-seconds", str(min_seconds)]
    return args + ([] if xnnpack else ["--no-xnnpack"])


def run_local(args: list[str], timeout: float, untrusted: bool = False) -> dict:
    """One measurement in its own process; a crash or hang is a ToolchainError (exit 4) naming the model, or for
    a user's file (`untrusted`: `edgeopt bench`) an InputRejected (exit 3), with a memory limit on the process."""
    cmd = [sys.executable, str(MEASURE_SCRIPT), *args]
    if untrusted:
        from edgeopt.inspect.safety import run_limited

        proc = run_limited(cmd, f"{args[0]}: measurement", timeout)
        return json.loads(proc.stdout.strip().splitlines()[-1])
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        raise ToolchainError(f"{args[0]}: measurement did not finish within {timeout:g} s") from None
    if proc.returncode != 0:
        tail = "\n".join(proc.stderr.strip().splitlines()[-5:])
        raise ToolchainError(f"{args[0]}: measurement failed (exit {proc.returncode}):\n{tail}")
    try:
        return json.loads(proc.stdout.strip().splitlines()[-1])
    except (json.JSONDecodeError, IndexError):
        raise ToolchainError(f"{args[0]}: measurement printed no result") from None
