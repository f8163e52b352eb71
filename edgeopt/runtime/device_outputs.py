"""A model file's outputs on a target, for golden-vector checks and ARM parity: runtime/device_predict.py (numpy,
the runtime and the format's runner file, nothing of edgeopt) run by the target's own Python."""

from __future__ import annotations

import json
import subprocess
import tempfile
from pathlib import Path

import numpy as np

from edgeopt.errors import ToolchainError

SCRIPT = Path(__file__).with_name("device_predict.py")
FINGERPRINT = Path(__file__).with_name("measure.py")  # device_predict.py imports its fingerprint from beside it


def runner_arg(model: Path, folder: Path | None = None) -> str:
    """device_predict.py's --runner FILE:CLASS for `model`; `folder`: where the runner file was copied."""
    from edgeopt.formats import for_path

    file, cls = for_path(model).runner_source
    return f"{(folder / file.name) if folder else file}:{cls}"


def files_to_copy(model: Path) -> list[Path]:
    from edgeopt.formats import for_path

    return [SCRIPT, FINGERPRINT, for_path(model).runner_source[0]]


def run_here(python: list[str], model: Path, x, what: str, env: dict | None = None, timeout: float = 3600):
    """(outputs, fingerprint) of `model` for the float inputs `x`, run by `python` (argv prefix) on this
    machine's file system: this machine's Python, or the emulated aarch64 one."""
    from edgeopt.inspect.limited import wrap
    from edgeopt.inspect.safety import error_line

    with tempfile.TemporaryDirectory(prefix="edgeopt-predict-") as work:
        inputs, outputs = Path(work) / "x.npy", Path(work) / "y.npy"
        np.save(inputs, np.asarray(x, np.float32))
        args = [str(SCRIPT), str(Path(model).resolve()), "--runner", runner_arg(model)]
        cmd = wrap([*python, *args, "--inputs", str(inputs), "--outputs", str(outputs)], 0)  # dies with edgeopt
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=timeout, check=False)
        except subprocess.TimeoutExpired:
            raise ToolchainError(f"{Path(model).name}: {what} did not finish within {timeout:g} s") from None
        if proc.returncode != 0:
            raise ToolchainError(f"{Path(model).name}: {what} failed: {error_line(proc.stderr)}")
        return np.load(outputs), parse_fingerprint(proc.stdout, model, what)


def parse_fingerprint(stdout: str, model: Path, what: str) -> dict:
    try:
        return json.loads(stdout.strip().splitlines()[-1])
    except (json.JSONDecodeError, IndexError):
        raise ToolchainError(f"{Path(model).name}: {what} printed no result") from None
