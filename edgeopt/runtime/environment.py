"""Machine and library fingerprints recorded with every result (no heavy imports here)."""

from __future__ import annotations

import platform
from functools import lru_cache
from importlib import metadata

LIBRARIES = (
    "tensorflow",
    "tf-keras",
    "tensorflow-model-optimization",
    "tf2onnx",
    "onnx",
    "onnxruntime",
    "ai-edge-litert",
    "numpy",
)


@lru_cache(maxsize=1)
def library_versions() -> dict[str, str]:
    out = {}
    for name in LIBRARIES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


@lru_cache(maxsize=1)
def machine() -> dict:
    """The same fingerprint measure.py reports from a board (it stays self-contained so it can be copied there)."""
    from edgeopt.runtime.measure import fingerprint

    m = {k: v for k, v in fingerprint().items() if k != "versions"}
    return {**m, "os": platform.platform()}


def machine_key() -> dict:
    m = machine()
    return {"cpu": m["cpu"], "arch": m["arch"], "cores": m["cores"], "isa": m["isa"]}
