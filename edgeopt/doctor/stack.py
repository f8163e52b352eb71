"""The tested stack as edgeopt's installed metadata pins it (pyproject.toml is the one list), and install commands
built from it that fix a missing part for the Python that runs edgeopt (no heavy imports)."""

from __future__ import annotations

import shlex
import sys
from importlib import metadata

# What ships outside pyproject.toml's pins: tflite-support goes in with --no-deps (its protobuf<4 pin is wrong for
# TensorFlow 2.21; the generated modules edgeopt uses never import protobuf). The Makefile reads this line.
TFLITE_SUPPORT = "tflite-support==0.4.4"


def _requirements() -> list[tuple[str, str, str | None]]:
    """(name, requirement without its marker, extra or None) for every pinned requirement of edgeopt."""
    from packaging.requirements import Requirement

    try:
        lines = metadata.requires("edgeopt") or []
    except metadata.PackageNotFoundError:  # a source tree that was never installed
        lines = []
    out = []
    for line in lines:
        req = Requirement(line)
        if not any(s.operator == "==" for s in req.specifier):
            continue
        extra = str(req.marker).split('"')[1] if req.marker is not None else None  # 'extra == "mlflow"'
        out.append((req.name, line.split(";")[0].strip(), extra))
    return out


def tested_stack() -> dict[str, tuple[str, str | None]]:
    """{distribution: (pinned version, extra or None)}; tflite-support counts as the "bundle" extra."""
    out = {}
    for name, req, extra in _requirements():
        out[name] = (req.split("==", 1)[1], extra)
    name, version = TFLITE_SUPPORT.split("==")
    out[name] = (version, "bundle")
    return out


def pip_install(*requirements: str, no_deps: bool = False) -> str:
    return shlex.join([sys.executable, "-m", "pip", "install", *(["--no-deps"] if no_deps else []), *requirements])


def install_extra(extra: str) -> str:
    """The command that installs an extra's pinned packages into the running Python (works for a clone's editable
    install, where `pip install 'edgeopt[extra]'` would look for edgeopt on PyPI)."""
    return pip_install(*(req for _, req, e in _requirements() if e == extra))


def install_tflite_support() -> str:
    return pip_install(TFLITE_SUPPORT, no_deps=True)
