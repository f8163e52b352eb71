"""What the emulated aarch64 stack is made of and where it is cached: one list, read by provisioning, the doctor
line and the cache key. Standard library only: edgeopt/doctor/needs.py loads it before .venv exists.

Debian 12's own qemu-user-static (7.2) is not usable: ai_edge_litert and onnxruntime segfault under it (it does
not emulate /proc/cpuinfo for aarch64, which their CPU detection reads). Debian 13's qemu-user (10.0, static) is.
The Python is Debian 12's arm64 build (the same 3.11 the x86 side runs); the runtimes are PyPI's aarch64 wheels
at the versions the x86 side pins.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

DEBIAN_MIRROR = "http://deb.debian.org/debian"
KEYRING = "/usr/share/keyrings/debian-archive-keyring.gpg"
QEMU = ("trixie", "amd64", ("qemu-user",))
SYSROOT = (
    "bookworm",
    "arm64",
    (
        "python3.11-minimal",
        "libpython3.11-minimal",
        "libpython3.11-stdlib",
        "libc6",
        "zlib1g",
        "libexpat1",
        "libffi8",
        "libssl3",
        "libbz2-1.0",
        "liblzma5",
        "libgcc-s1",
        "libstdc++6",
        "libcrypt1",
        "libuuid1",
    ),
)
WHEELS = ("ai-edge-litert==2.3.0", "onnxruntime==1.32.0", "numpy==2.4.6", "flatbuffers==25.12.19")
WHEEL_PLATFORMS = (
    "manylinux_2_28_aarch64",
    "manylinux_2_27_aarch64",
    "manylinux_2_17_aarch64",
    "manylinux2014_aarch64",
)
PYTHON = "usr/bin/python3.11"  # inside the sysroot
CPUS = ("cortex-a53", "cortex-a72", "cortex-a76", "neoverse-n1")
DEFAULT_CPU = "cortex-a76"


def stack_key() -> str:
    """The cache folder's name: a new pin is a new folder, never a half-updated one."""
    text = json.dumps([QEMU, SYSROOT, WHEELS, WHEEL_PLATFORMS], sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:12]


MANIFEST = "manifest.json"


def cache_root() -> Path:
    """EDGEOPT_CACHE/arm, else the user's cache folder (XDG_CACHE_HOME or ~/.cache)/edgeopt/arm."""
    if os.environ.get("EDGEOPT_CACHE"):
        return Path(os.environ["EDGEOPT_CACHE"]) / "arm"
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "edgeopt" / "arm"


def stack_dir() -> Path:
    return cache_root() / stack_key()


def is_installed() -> bool:
    return (stack_dir() / MANIFEST).is_file()
