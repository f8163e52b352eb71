"""Model files from users are checked before any runtime touches them, and loaded only in a child process with
time and memory limits: a crafted or corrupt file gives exit 3, never a crashed or hung edgeopt.

Checks: the TFLite / ORT flatbuffer identifier and root table; ONNX through onnx.checker, with every
external-data location required to be a relative path inside the model's folder that is not a symlink.
"""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

from edgeopt.errors import InputRejected

DEFAULT_TIMEOUT_S = 120.0
DEFAULT_MEMORY_MB = 4096


def precheck(path: Path) -> None:
    """Refuse a model file that is not what its suffix says, or that points outside its folder."""
    path = Path(path)
    kind = path.suffix.lower()
    if not path.is_file():
        raise InputRejected(f"{path}: not a file")
    if path.stat().st_size == 0:
        raise InputRejected(f"{path}: empty file")
    if kind == ".tflite":
        _flatbuffer(path, "TFL3", "TFLite")
    elif kind == ".ort":
        _flatbuffer(path, "ORTM", "ORT format")
    elif kind == ".onnx":
        _onnx(path)


def _flatbuffer(path: Path, identifier: str, what: str) -> None:
    buf = path.read_bytes()
    if len(buf) < 8 or buf[4:8] != identifier.encode():
        raise InputRejected(f"{path}: not a {what} file (flatbuffer identifier '{identifier}' missing)")
    root = int.from_bytes(buf[0:4], "little")
    if root < 8 or root + 4 > len(buf):
        raise InputRejected(f"{path}: corrupt {what} file (root table offset {root} outside the file)")


def _onnx(path: Path) -> None:
    import onnx
    from onnx.external_data_helper import uses_external_data

    try:
        model = onnx.load(str(path), load_external_data=False)
    except Exception as exc:  # protobuf DecodeError and friends
        raise InputRejected(f"{path}: not a readable ONNX file ({type(exc).__name__}: {exc})") from exc
    folder = path.parent.resolve()
    for tensor in _all_tensors(model.graph):
        if not uses_external_data(tensor):
            continue
        location = next((e.value for e in tensor.external_data if e.key == "location"), "")
        target = folder / location
        if not location or Path(location).is_absolute():
            raise InputRejected(
                f"{path}: tensor '{tensor.name}' stores its data at an absolute or empty path "
                f"'{location}'; external data must sit next to the model"
            )
        if target.is_symlink():
            raise InputRejected(f"{path}: tensor '{tensor.name}' external data '{location}' is a symlink")
        if not target.resolve().is_relative_to(folder):
            raise InputRejected(f"{path}: tensor '{tensor.name}' external data '{location}' leaves the model's folder")
        if not target.is_file():
            raise InputRejected(f"{path}: tensor '{tensor.name}' external data '{location}' is missing")
    try:
        onnx.checker.check_model(str(path))
    except Exception as exc:
        raise InputRejected(f"{path}: onnx.checker refused it: {str(exc).splitlines()[0]}") from exc


def _all_tensors(graph):
    yield from graph.initializer
    for node in graph.node:
        for attr in node.attribute:
            if attr.t is not None and attr.HasField("t"):
                yield attr.t
            for sub in [attr.g] if attr.HasField("g") else []:
                yield from _all_tensors(sub)
            for sub in attr.graphs:
                yield from _all_tensors(sub)


def run_limited(
    cmd: list[str], what: str, timeout: float = DEFAULT_TIMEOUT_S, memory_mb: int = DEFAULT_MEMORY_MB
) -> subprocess.CompletedProcess:
    """Run `cmd` with an address-space limit and a timeout; a crash, a hang or running out of memory is
    InputRejected naming `what`."""
    limited = [sys.executable, "-m", "edgeopt.inspect.limited", str(memory_mb), *cmd]
    try:
        proc = subprocess.run(limited, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        raise InputRejected(f"{what}: did not finish within {timeout:g} s; stopped") from None
    if proc.returncode < 0:
        name = signal.Signals(-proc.returncode).name
        raise InputRejected(f"{what}: the runtime crashed on this file ({name}); edgeopt itself is unaffected")
    err = proc.stderr.strip()
    memory = any(m in err for m in ("MemoryError", "bad_alloc", "failed to map", "Cannot allocate"))
    if proc.returncode == InputRejected.exit_code and not memory:  # the child refused the file and said why
        raise InputRejected(err or f"{what}: refused")
    if proc.returncode != 0:
        tail = "\n".join(err.splitlines()[-3:])
        limit = f" (the {memory_mb} MB memory limit was reached)" if memory else ""
        raise InputRejected(f"{what}: could not be loaded{limit}:\n{tail}")
    return proc


def python_cmd(module: str, *args: str) -> list[str]:
    return [sys.executable, "-m", module, *args]
